/* list.c: `bones tasks list` and `bones tasks ready`. */
#include "config.h"

#include <limits.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "presence.h"
#include "tasks_common.h"
#include "tasks_rich.h"
#include "tasks_verbs.h"
#include "text.h"
#include "util.h"

struct list_opts {
  const char *status;
  const char *claimed_by;
  int ready, mine, orphans;
  int64_t stale_ms; /* 0 = off */
  long limit;       /* 0 = all */
  const char *slot;
  const char *label; /* NULL = any */
};

static int64_t when(json_t *task, const char *k) {
  int64_t ms = 0;
  const char *s = json_string_value(json_object_get(task, k));
  return s && bones_parse_time(s, &ms) == 0 ? ms : 0;
}

/* 1 when task passes every filter of o. */
static int keep(json_t *task, const struct list_opts *o, const char *agent, bones_kv *kv) {
  const char *status = json_string_value(json_object_get(task, "status"));
  const char *by = json_string_value(json_object_get(task, "claimed_by"));
  if (o->status && strcmp(status, o->status) != 0) return 0;
  if (o->label && !bones_task_has_label(task, o->label)) return 0;
  if (o->claimed_by && (strcmp(o->claimed_by, "-") == 0 ? by != NULL : (by == NULL || strcmp(by, o->claimed_by) != 0)))
    return 0;
  if (o->mine && (by == NULL || strcmp(by, agent) != 0)) return 0;
  if (o->stale_ms && (strcmp(status, "closed") == 0 || when(task, "updated_at") > bones_now_ms() - o->stale_ms))
    return 0;
  if (o->orphans) { /* claimed, lease expired, claimer gone */
    struct bones_error err;
    if (by == NULL || when(task, "lease_expires_at") > bones_now_ms() || bones_presence_live(kv, by, &err) != 0)
      return 0;
  }
  return 1;
}

static int run_list(struct bones_ctx *ctx, int argc, char **argv, int ready_verb) {
  static const struct option opts[] = {{"status", required_argument, NULL, 's'}, {"claimed-by", required_argument, NULL, 'c'},
                                       {"ready", no_argument, NULL, 'r'},        {"mine", no_argument, NULL, 'm'},
                                       {"stale", required_argument, NULL, 'S'},  {"orphans", no_argument, NULL, 'o'},
                                       {"limit", required_argument, NULL, 'l'},  {"slot", required_argument, NULL, 'L'},
                                       {"label", required_argument, NULL, 'b'},  {NULL, 0, NULL, 0}};
  struct list_opts o = {NULL, NULL, ready_verb, 0, 0, 0, 0, NULL, NULL};
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 's':
      if (strcmp(optarg, "open") && strcmp(optarg, "claimed") && strcmp(optarg, "closed"))
        return bones_ctx_usage(ctx, "--status takes open, claimed or closed");
      o.status = optarg;
      break;
    case 'c': o.claimed_by = optarg; break;
    case 'r': o.ready = 1; break;
    case 'm': o.mine = 1; break;
    case 'S':
      if (bones_parse_duration_in("--stale", optarg, 0, BONES_DURATION_MAX_MS, &o.stale_ms, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
      break;
    case 'o': o.orphans = 1; break;
    case 'l': {
      uint64_t n = 0;
      if (bones_parse_uint("--limit", optarg, 1, LONG_MAX, &n, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      o.limit = (long)n;
      break;
    }
    case 'L': o.slot = optarg; break;
    case 'b':
      if (bones_task_label_check(optarg, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      o.label = optarg;
      break;
    default: return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  struct bones_tasks *t = NULL;
  char *agent = NULL;
  if (tasks_open(ctx, &t, &agent, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  json_t *all = NULL, *corrupt = NULL;
  if (bones_tasks_list(t, &all, &corrupt, &err) != BONES_OK) {
    bones_tasks_free(t);
    free(agent);
    return bones_ctx_fail(ctx, &err);
  }
  bones_kv *kv = NULL;
  bones_ctx_kv(ctx, &kv, &err);
  json_t *base = o.ready ? bones_tasks_ready(all, bones_now_ms(), o.slot) : json_incref(all);
  json_t *shown = json_array();
  size_t i, total = 0;
  json_t *task;
  json_array_foreach(base, i, task) {
    if (!keep(task, &o, agent, kv)) continue;
    if (!o.ready && o.slot) {
      const char *s = json_string_value(json_object_get(json_object_get(task, "context"), "slot"));
      if (s == NULL || strcmp(s, o.slot) != 0) continue;
    }
    total++;
    if (o.limit && (long)json_array_size(shown) >= o.limit) continue;
    json_array_append(shown, task);
  }
  json_array_foreach(corrupt, i, task)
      bones_term_printf(stderr, "bones: tasks: %s (left out)\n", json_string_value(json_object_get(task, "error")));
  int rc = 0;
  if (bones_ctx_json(ctx)) {
    rc = bones_ctx_emit(ctx, ready_verb ? "tasks.ready" : "tasks.list",
                        json_pack("{s:O, s:i, s:i, s:O}", "tasks", shown, "count", (int)json_array_size(shown), "total",
                                  (int)total, "corrupt", corrupt));
  } else {
    json_array_foreach(shown, i, task) {
      if (bones_ctx_quiet(ctx)) bones_term_printf(stdout, "%s\n", json_string_value(json_object_get(task, "id")));
      else tasks_print_line(task);
    }
    if (json_array_size(shown) == 0) bones_ctx_say(ctx, "(no %stasks)", o.ready ? "ready " : "");
    else if (json_array_size(shown) < total)
      bones_ctx_say(ctx, "(%zu of %zu shown: --limit %ld)", json_array_size(shown), total, o.limit);
  }
  json_decref(shown);
  json_decref(base);
  json_decref(all);
  json_decref(corrupt);
  bones_tasks_free(t);
  free(agent);
  return rc;
}

int tasks_list_run(struct bones_ctx *ctx, int argc, char **argv) { return run_list(ctx, argc, argv, 0); }
int tasks_ready_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (tasks_args_have(argc, argv, "--claim")) return tasks_claim_next_run(ctx, argc, argv);
  return run_list(ctx, argc, argv, 1);
}
