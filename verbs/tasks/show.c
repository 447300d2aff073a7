/* show.c: `bones tasks show ID` and `bones tasks history ID`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "events.h"
#include "msg.h"
#include "tasks_common.h"
#include "tasks_rich.h"
#include "tasks_verbs.h"
#include "text.h"

int tasks_show_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc != 2) return bones_ctx_usage(ctx, "show takes one task ID");
  struct bones_error err;
  struct bones_tasks *t = NULL;
  char *id = NULL;
  json_t *task = NULL;
  int rc = 0;
  if (tasks_open(ctx, &t, NULL, &err) != BONES_OK || tasks_resolve(t, argv[1], &id, &err) != BONES_OK ||
      bones_task_get(t, id, &task, &err) != BONES_OK) {
    rc = bones_ctx_fail(ctx, &err);
  } else {
    json_t *all = NULL, *blocked_by = NULL, *blocking = NULL;
    if (bones_tasks_list(t, &all, NULL, &err) != BONES_OK) all = json_array(); /* edges only: the task itself shows */
    bones_task_block_edges(all, id, &blocked_by, &blocking);
    json_decref(all);
    /* the task's thread: the messages sent about it (`bones msg send --task`) */
    json_t *messages = NULL;
    bones_kv *kv = NULL;
    struct bones_error merr;
    if (bones_ctx_kv(ctx, &kv, &merr) != BONES_OK || bones_msg_thread(kv, id, &messages, &merr) != BONES_OK) {
      bones_term_printf(stderr, "bones: tasks show: the task's messages: %s\n", merr.message);
      messages = json_array();
    }
    if (bones_ctx_json(ctx)) {
      rc = bones_ctx_emit(ctx, "tasks.show", json_pack("{s:o, s:o, s:o, s:o}", "task", task, "blocked_by", blocked_by,
                                                       "blocking", blocking, "messages", messages));
    } else {
      tasks_print_full(task);
      tasks_print_rich(task, blocked_by, blocking);
      size_t i, j;
      json_t *m, *a;
      json_array_foreach(messages, i, m) {
        char head[512];
        size_t off = (size_t)snprintf(head, sizeof head, "message %s -> ", json_string_value(json_object_get(m, "from")));
        json_array_foreach(json_object_get(m, "to"), j, a) if (off < sizeof head) off +=
            (size_t)snprintf(head + off, sizeof head - off, "%s%s", j ? "," : "", json_string_value(a));
        if (off < sizeof head)
          snprintf(head + off, sizeof head - off, " at %s:", json_string_value(json_object_get(m, "sent_at")));
        bones_term_print_block(stdout, head, json_string_value(json_object_get(m, "text")));
      }
      json_decref(messages);
      json_decref(task);
      json_decref(blocked_by);
      json_decref(blocking);
    }
  }
  free(id);
  bones_tasks_free(t);
  return rc;
}

int tasks_history_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc != 2) return bones_ctx_usage(ctx, "history takes one task ID");
  struct bones_error err;
  struct bones_tasks *t = NULL;
  char *id = NULL;
  json_t *events = NULL;
  bones_kv *kv = NULL;
  int rc = 0;
  if (tasks_open(ctx, &t, NULL, &err) != BONES_OK || tasks_resolve(t, argv[1], &id, &err) != BONES_OK ||
      bones_ctx_kv(ctx, &kv, &err) != BONES_OK || bones_events_list(kv, NULL, id, 0, &events, &err) != BONES_OK) {
    rc = bones_ctx_fail(ctx, &err);
  } else if (bones_ctx_json(ctx)) {
    rc = bones_ctx_emit(ctx, "tasks.history", json_pack("{s:s, s:o}", "task", id, "events", events));
  } else {
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
      const char *from = json_string_value(json_object_get(e, "from"));
      bones_term_printf(stdout, "%s %-16s %-8s -> %-8s by %s (rev %lld)\n", json_string_value(json_object_get(e, "at")),
             json_string_value(json_object_get(e, "kind")), from ? from : "-",
             json_string_value(json_object_get(e, "to")) ?: "-", json_string_value(json_object_get(e, "agent")),
             (long long)json_integer_value(json_object_get(e, "rev")));
    }
    if (json_array_size(events) == 0) bones_ctx_say(ctx, "(no events for %s; they are kept 7 days)", id);
    json_decref(events);
  }
  free(id);
  bones_tasks_free(t);
  return rc;
}
