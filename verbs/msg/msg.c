/* msg.c: `bones msg send|inbox|read|ack|thread|wait` (core/coord/msg.h). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "coord.h"
#include "coord/coord_verbs.h"
#include "msg.h"
#include "msg_verbs.h"
#include "tasks.h"
#include "tasks/rich_args.h"
#include "text.h"
#include "util.h"

static const char *str(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

/* The first line of text, cut at 72 bytes on a character boundary, with
 * "..." when anything was left out (malloc'd). */
static char *summary(const char *text) {
  size_t n = strcspn(text, "\n");
  int cut = text[n] != '\0';
  if (n > 72) {
    n = 72;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) n--;
    cut = 1;
  }
  return bones_xasprintf("%.*s%s", (int)n, text, cut ? " ..." : "");
}

/* One message of an inbox as a line. */
static void print_line(const json_t *m) {
  char *s = summary(str(m, "text"));
  const char *mark = json_is_null(json_object_get(m, "read_at")) ? "new " : "    ";
  const char *ack = json_is_true(json_object_get(m, "needs_ack")) && json_is_null(json_object_get(m, "acked_at"))
                        ? " [needs ack]" : "";
  bones_term_printf(stdout, "%s %s %s from %s%s%s%s: %s\n", str(m, "id"), mark, str(m, "sent_at"), str(m, "from"),
                    *str(m, "thread") ? " #" : "", str(m, "thread"), ack, s);
  free(s);
}

/* One message in full. */
static void print_full(const json_t *m) {
  bones_term_printf(stdout, "id:      %s\n", str(m, "id"));
  bones_term_printf(stdout, "from:    %s\n", str(m, "from"));
  bones_term_printf(stdout, "to:      %s (%s)\n", str(m, "to"), str(m, "address"));
  bones_term_printf(stdout, "sent:    %s\n", str(m, "sent_at"));
  if (*str(m, "task")) bones_term_printf(stdout, "task:    %s\n", str(m, "task"));
  if (*str(m, "thread")) bones_term_printf(stdout, "thread:  %s\n", str(m, "thread"));
  if (json_is_true(json_object_get(m, "needs_ack")))
    bones_term_printf(stdout, "ack:     %s\n", json_is_null(json_object_get(m, "acked_at")) ? "needed (`bones msg ack ID`)"
                                                                                         : str(m, "acked_at"));
  bones_term_print_block(stdout, "text:", str(m, "text"));
}

int msg_send_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"to", required_argument, NULL, 't'},
                                       {"task", required_argument, NULL, 'k'},
                                       {"thread", required_argument, NULL, 'h'},
                                       {"ack", no_argument, NULL, 'a'},
                                       {NULL, 0, NULL, 0}};
  struct bones_msg_out m = {0};
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 't') m.address = optarg;
    else if (c == 'k') m.task = optarg;
    else if (c == 'h') m.thread = optarg;
    else if (c == 'a') m.needs_ack = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (m.address == NULL) return bones_ctx_usage(ctx, "--to ADDRESS is required (AGENT, orchestrator, slot:NAME, all, all-in-wave:N)");
  if (optind + 1 != argc) return bones_ctx_usage(ctx, "send takes one TEXT (or @FILE)");
  struct bones_error err;
  char *text = NULL, *me = NULL, *task = NULL;
  bones_kv *kv = NULL;
  json_t *to = NULL, *sent = NULL;
  int rc = bones_utf8_check("--to", m.address, &err);
  if (rc == BONES_OK) rc = tasks_text_arg("the message", argv[optind], &text, &err);
  if (rc == BONES_OK) rc = coord_me(ctx, &kv, &me, &err);
  if (rc == BONES_OK && m.task) { /* a task id or a unique prefix of one, like every task verb */
    struct bones_tasks *t = NULL;
    rc = bones_tasks_open(kv, me, &t, &err);
    if (rc == BONES_OK) rc = bones_task_resolve(t, m.task, &task, &err);
    bones_tasks_free(t);
    m.task = task;
  }
  if (rc == BONES_OK) rc = bones_msg_recipients(bones_ctx_workspace(ctx), kv, me, m.address, &to, &err);
  m.from = me;
  m.text = text;
  if (rc == BONES_OK) rc = bones_msg_send(kv, &m, to, &sent, &err);
  json_decref(to);
  free(text);
  free(me);
  free(task);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "msg.send", sent);
  bones_term_printf(stdout, "%s\n", str(sent, "id")); /* the id alone, as `tasks create` prints its id */
  if (!bones_ctx_quiet(ctx)) {
    size_t i;
    json_t *a;
    fprintf(stderr, "sent to");
    json_array_foreach(json_object_get(sent, "to"), i, a) bones_term_printf(stderr, " %s", json_string_value(a));
    fprintf(stderr, "\n");
  }
  json_decref(sent);
  return 0;
}

int msg_inbox_run(struct bones_ctx *ctx, int argc, char **argv) {
  int unread = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--unread") == 0) unread = 1;
    else return bones_ctx_usage(ctx, "unknown argument '%s'", argv[i]);
  }
  struct bones_error err;
  bones_kv *kv = NULL;
  char *me = NULL;
  json_t *list = NULL;
  size_t nunread = 0, nack = 0;
  int rc = coord_me(ctx, &kv, &me, &err);
  if (rc == BONES_OK) rc = bones_msg_inbox(kv, me, 0, &list, NULL, &err);
  if (rc != BONES_OK) {
    free(me);
    return bones_ctx_fail(ctx, &err);
  }
  json_t *shown = json_array();
  size_t i;
  json_t *m;
  json_array_foreach(list, i, m) {
    int is_unread = json_is_null(json_object_get(m, "read_at"));
    nunread += is_unread;
    nack += json_is_true(json_object_get(m, "needs_ack")) && json_is_null(json_object_get(m, "acked_at"));
    if (!unread || is_unread) json_array_append(shown, m);
  }
  json_decref(list);
  int out = 0;
  if (bones_ctx_json(ctx)) {
    out = bones_ctx_emit(ctx, "msg.inbox", json_pack("{s:s, s:I, s:I, s:I, s:o}", "agent", me, "total",
                                                      (json_int_t)i, "unread", (json_int_t)nunread, "need_ack",
                                                      (json_int_t)nack, "messages", shown));
  } else {
    json_array_foreach(shown, i, m) print_line(m);
    if (!bones_ctx_quiet(ctx))
      bones_term_printf(stderr, "%s: %zu unread, %zu need an ack%s\n", me, nunread, nack,
                        nunread ? " (`bones msg read ID` shows one and marks it read)" : "");
    json_decref(shown);
  }
  free(me);
  return out;
}

/* read and ack: mark, then show. */
static int mark_run(struct bones_ctx *ctx, int argc, char **argv, int ack) {
  if (argc != 2) return bones_ctx_usage(ctx, "%s takes one message ID (or a unique prefix)", ack ? "ack" : "read");
  struct bones_error err;
  bones_kv *kv = NULL;
  char *me = NULL;
  json_t *rec = NULL;
  int changed = 0;
  int rc = coord_me(ctx, &kv, &me, &err);
  if (rc == BONES_OK) rc = bones_msg_mark(kv, me, argv[1], ack, &rec, &changed, &err);
  free(me);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx))
    return bones_ctx_emit(ctx, ack ? "msg.ack" : "msg.read", json_pack("{s:o, s:b}", "message", rec, "changed", changed));
  if (ack) bones_term_printf(stdout, "%s acked%s\n", str(rec, "id"), changed ? "" : " (already)");
  else print_full(rec);
  json_decref(rec);
  return 0;
}

int msg_read_run(struct bones_ctx *ctx, int argc, char **argv) { return mark_run(ctx, argc, argv, 0); }
int msg_ack_run(struct bones_ctx *ctx, int argc, char **argv) { return mark_run(ctx, argc, argv, 1); }

/* by "at" (RFC 3339 UTC sorts as text), then id */
static int by_at(const void *a, const void *b) {
  const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  int c = strcmp(str(x, "at"), str(y, "at"));
  return c ? c : strcmp(str(x, "id"), str(y, "id"));
}

int msg_thread_entries(bones_kv *kv, const char *agent, const char *thread, json_t **entries, struct bones_error *err) {
  json_t *msgs = NULL;
  *entries = NULL;
  int rc = bones_msg_thread(kv, thread, &msgs, err);
  if (rc != BONES_OK) return rc;
  json_t *out = json_array();
  size_t i;
  json_t *m;
  json_array_foreach(msgs, i, m) {
    json_t *e = json_deep_copy(m);
    json_object_set_new(e, "kind", json_string("message"));
    json_object_set(e, "at", json_object_get(m, "sent_at"));
    json_array_append_new(out, e);
  }
  json_decref(msgs);
  /* a task's own notes belong to its thread */
  struct bones_tasks *t = NULL;
  json_t *task = NULL;
  struct bones_error terr;
  if (bones_tasks_open(kv, agent, &t, &terr) == BONES_OK && bones_task_get(t, thread, &task, &terr) == BONES_OK) {
    json_array_foreach(json_object_get(task, "notes"), i, m)
        json_array_append_new(out, json_pack("{s:s, s:O?, s:O?, s:O?}", "kind", "note", "at", json_object_get(m, "at"),
                                             "from", json_object_get(m, "by"), "text", json_object_get(m, "text")));
  }
  json_decref(task);
  bones_tasks_free(t);
  size_t n = json_array_size(out);
  json_t **v = bones_xcalloc(n ? n : 1, sizeof *v);
  for (i = 0; i < n; i++) v[i] = json_incref(json_array_get(out, i));
  qsort(v, n, sizeof *v, by_at);
  json_array_clear(out);
  for (i = 0; i < n; i++) json_array_append_new(out, v[i]);
  free(v);
  *entries = out;
  return BONES_OK;
}

void msg_print_entries(json_t *entries) {
  size_t i, j;
  json_t *e, *a;
  json_array_foreach(entries, i, e) {
    char head[512];
    if (strcmp(str(e, "kind"), "note") == 0) {
      snprintf(head, sizeof head, "%s note by %s", str(e, "at"), str(e, "from"));
    } else {
      size_t off = (size_t)snprintf(head, sizeof head, "%s %s -> ", str(e, "at"), str(e, "from"));
      json_array_foreach(json_object_get(e, "to"), j, a) if (off < sizeof head) off +=
          (size_t)snprintf(head + off, sizeof head - off, "%s%s", j ? "," : "", json_string_value(a));
    }
    strncat(head, ":", sizeof head - strlen(head) - 1);
    bones_term_print_block(stdout, head, str(e, "text"));
  }
}

int msg_thread_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc != 2) return bones_ctx_usage(ctx, "thread takes one thread name (a task id for a task's thread)");
  struct bones_error err;
  bones_kv *kv = NULL;
  char *me = NULL, *thread = NULL;
  json_t *entries = NULL;
  int rc = coord_me(ctx, &kv, &me, &err);
  if (rc == BONES_OK) { /* a unique prefix of a task id names that task's thread */
    struct bones_tasks *t = NULL;
    if (bones_tasks_open(kv, me, &t, &err) != BONES_OK || bones_task_resolve(t, argv[1], &thread, &err) != BONES_OK)
      thread = bones_xstrdup(argv[1]);
    bones_tasks_free(t);
    bones_error_clear(&err);
    rc = msg_thread_entries(kv, me, thread, &entries, &err);
  }
  free(me);
  if (rc != BONES_OK) {
    free(thread);
    return bones_ctx_fail(ctx, &err);
  }
  int out = 0;
  if (bones_ctx_json(ctx)) {
    out = bones_ctx_emit(ctx, "msg.thread", json_pack("{s:s, s:o}", "thread", thread, "entries", entries));
  } else {
    msg_print_entries(entries);
    if (json_array_size(entries) == 0 && !bones_ctx_quiet(ctx)) bones_term_printf(stderr, "thread %s is empty\n", thread);
    json_decref(entries);
  }
  free(thread);
  return out;
}
