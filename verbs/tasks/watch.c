/* watch.c: `bones tasks watch`: streams task events as they happen. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "ids.h"
#include "tasks_common.h"
#include "tasks_verbs.h"
#include "text.h"
#include "util.h"

#define WATCH_WINDOW_MS 10000 /* events may land this late (clocks, same-ms ids) */

static void show_event(struct bones_ctx *ctx, json_t *e) {
  if (bones_ctx_json(ctx)) {
    json_t *env = json_pack("{s:s, s:O}", "schema", "bones.tasks.watch/v1", "data", e);
    json_dumpf(env, stdout, JSON_COMPACT);
    putchar('\n');
    json_decref(env);
  } else {
    const char *from = json_string_value(json_object_get(e, "from"));
    bones_term_printf(stdout, "%s %-16s %s %s -> %s by %s\n", json_string_value(json_object_get(e, "at")) ?: "?",
           json_string_value(json_object_get(e, "kind")) ?: "?", json_string_value(json_object_get(e, "task")) ?: "?",
           from ? from : "-", json_string_value(json_object_get(e, "to")) ?: "-",
           json_string_value(json_object_get(e, "agent")) ?: "?");
  }
  fflush(stdout);
}

int tasks_watch_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"after", required_argument, NULL, 'a'}, {"all", no_argument, NULL, 'A'},
                                       {"once", no_argument, NULL, 'o'},        {"timeout", required_argument, NULL, 't'},
                                       {"task", required_argument, NULL, 'k'},  {NULL, 0, NULL, 0}};
  const char *after = NULL, *task = NULL;
  int all = 0, once = 0;
  int64_t timeout_ms = 0;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'a') after = optarg;
    else if (c == 'A') all = 1;
    else if (c == 'o') once = 1;
    else if (c == 'k') task = optarg;
    else if (c == 't') {
      if (bones_parse_duration_in("--timeout", optarg, 0, BONES_WAIT_MAX_MS, &timeout_ms, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  bones_kv *kv = NULL;
  if (bones_ctx_kv(ctx, &kv, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  /* cursor: everything after `after`, or from the start, or from now */
  char from[BONES_TIME_ID_LEN + 1] = "";
  if (after) snprintf(from, sizeof from, "%s", after);
  else if (!all) bones_time_id_prefix(bones_now_ms(), from);
  json_t *seen = json_object(); /* ids shown within the window, to show each once */
  int64_t deadline = timeout_ms ? bones_monotonic_ms() + timeout_ms : 0;
  for (;;) {
    json_t *events = NULL;
    if (bones_events_list(kv, from, task, 0, &events, &err) != BONES_OK) {
      json_decref(seen);
      return bones_ctx_fail(ctx, &err);
    }
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
      const char *id = json_string_value(json_object_get(e, "id"));
      if (id == NULL || json_object_get(seen, id)) continue;
      json_object_set_new(seen, id, json_true());
      show_event(ctx, e);
    }
    json_decref(events);
    if (once || (deadline && bones_monotonic_ms() >= deadline)) break;
    /* next pass: from the window's start; forget ids older than it */
    char window[11];
    bones_time_id_prefix(bones_now_ms() - WATCH_WINDOW_MS, window);
    if (strcmp(window, from) > 0) {
      snprintf(from, sizeof from, "%s", window);
      const char *k;
      json_t *v;
      void *tmp;
      json_object_foreach_safe(seen, tmp, k, v) {
        if (strncmp(k, window, 10) < 0) json_object_del(seen, k);
      }
    }
    struct timespec ts = {0, 250 * 1000000L};
    nanosleep(&ts, NULL);
  }
  json_decref(seen);
  return 0;
}
