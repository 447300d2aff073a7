/* swarm_dispatch.c: `bones swarm dispatch FILE | --status | --advance |
 * --cancel` (core/tasks/dispatch.h, docs/dispatch.md). */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "dispatch.h"
#include "plan.h"
#include "sha256.h"
#include "swarm_common.h"
#include "text.h"
#include "util.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* The backlog as the caller's identity (the orchestrator). */
static int open_backlog(struct bones_ctx *ctx, struct bones_tasks **t, struct bones_error *err) {
  bones_kv *kv = NULL;
  char *agent = NULL, *slot = NULL;
  enum bones_agent_source src;
  int rc = bones_ctx_kv(ctx, &kv, err);
  if (rc == BONES_OK) rc = bones_agent_resolve(bones_ctx_workspace(ctx), NULL, &agent, &slot, &src, err);
  if (rc == BONES_OK) rc = bones_tasks_open(kv, agent, t, err);
  free(agent);
  free(slot);
  return rc;
}

/* Prints (or emits) wave n's slots with the commands that start them. */
static int say_wave(struct bones_ctx *ctx, const char *schema, json_t *m, const char *what) {
  long n = (long)json_integer_value(json_object_get(m, "current_wave"));
  long nwaves = (long)json_array_size(json_object_get(m, "waves"));
  int complete = strcmp(str(m, "state"), "complete") == 0;
  json_t *slots = complete ? json_array() : bones_dispatch_wave_slots(bones_ctx_workspace(ctx), m, n);
  if (bones_ctx_json(ctx)) {
    char *path = bones_xasprintf("%s/.bones/dispatch.json", bones_ctx_workspace(ctx));
    json_t *data = json_pack("{s:I, s:I, s:b, s:O, s:O, s:o}", "wave", (json_int_t)n, "waves", (json_int_t)nwaves,
                             "complete", complete, "slots", slots, "state", json_object_get(m, "state"), "manifest",
                             bones_utf8_json(path));
    free(path);
    json_decref(slots);
    return bones_ctx_emit(ctx, schema, data);
  }
  if (complete) printf("plan complete: all %ld wave%s done; land it with `bones apply`\n", nwaves, nwaves == 1 ? "" : "s");
  else {
    bones_term_printf(stdout, "%s wave %ld of %ld: %zu slot%s\n", what, n, nwaves, json_array_size(slots),
                      json_array_size(slots) == 1 ? "" : "s");
    size_t i;
    json_t *s;
    json_array_foreach(slots, i, s) {
      bones_term_printf(stdout, "\nslot %s (%zu task%s)\n  start: %s\n", str(s, "name"), json_array_size(json_object_get(s, "tasks")),
                        json_array_size(json_object_get(s, "tasks")) == 1 ? "" : "s", str(s, "command"));
      if (!bones_ctx_quiet(ctx)) {
        char *p = bones_term_escape(str(s, "prompt"));
        for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) printf("  | %s\n", line);
        free(p);
      }
    }
  }
  json_decref(slots);
  return 0;
}

static int do_start(struct bones_ctx *ctx, const char *file, struct bones_tasks *t, struct bones_error *err) {
  struct bones_plan *plan = NULL;
  int rc = bones_plan_load(file, BONES_PLAN_AUTO, &plan, err);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, err);
  if (plan->nerrors) {
    for (size_t i = 0; i < plan->nerrors; i++)
      bones_term_printf(stderr, "%s:%d: %s\n", plan->file, plan->errors[i].line, plan->errors[i].message);
    bones_error_set(err, BONES_E_USAGE, "the plan %s has %zu violation%s; nothing was dispatched", file, plan->nerrors,
                    plan->nerrors == 1 ? "" : "s");
    bones_error_hint(err, "see them with `bones plan validate %s`", file);
    bones_plan_free(plan);
    return bones_ctx_fail(ctx, err);
  }
  char *data = NULL, hex[65];
  size_t len = 0;
  rc = bones_read_file(file, 4u * 1024 * 1024, &data, &len, err);
  if (rc == BONES_OK) bones_sha256_hex(data, len, hex);
  free(data);
  char *abs = rc == BONES_OK ? realpath(file, NULL) : NULL;
  json_t *m = NULL;
  if (rc == BONES_OK) rc = bones_dispatch_start(bones_ctx_workspace(ctx), t, plan, abs ? abs : file, hex, &m, err);
  free(abs);
  bones_plan_free(plan);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, err);
  int out = say_wave(ctx, "swarm.dispatch", m, "dispatched; open:");
  json_decref(m);
  return out;
}

static void print_status(json_t *st) {
  bones_term_printf(stdout, "plan %s: %s, wave %lld of %zu\n", str(st, "plan"), str(st, "state"),
                    (long long)json_integer_value(json_object_get(st, "current_wave")),
                    json_array_size(json_object_get(st, "waves")));
  json_t *wave, *slot, *r;
  size_t w, s, k;
  json_array_foreach(json_object_get(st, "waves"), w, wave) {
    printf("wave %lld: %s\n", (long long)json_integer_value(json_object_get(wave, "n")), str(wave, "state"));
    json_array_foreach(json_object_get(wave, "slots"), s, slot) {
      bones_term_printf(stdout, "  slot %s\n", str(slot, "name"));
      json_array_foreach(json_object_get(slot, "task_records"), k, r) {
        bones_term_printf(stdout, "    %s %-7s %s%s%s%s\n", str(r, "id"), str(r, "status"),
                          str(r, "claimed_by") ? "by " : "", str(r, "claimed_by") ? str(r, "claimed_by") : "",
                          str(r, "result") ? " result " : "", str(r, "result") ? str(r, "result") : "");
        if (str(r, "title")) bones_term_printf(stdout, "      %s\n", str(r, "title"));
      }
    }
  }
}

int swarm_dispatch_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"status", no_argument, NULL, 's'}, {"advance", no_argument, NULL, 'a'},
                                       {"cancel", no_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
  int mode = 0;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's' || c == 'a' || c == 'c') {
      if (mode && mode != c) return bones_ctx_usage(ctx, "--status, --advance and --cancel exclude each other");
      mode = c;
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (mode == 0 && optind + 1 != argc) return bones_ctx_usage(ctx, "dispatch needs one plan FILE (or --status, --advance, --cancel)");
  if (mode && optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  struct bones_tasks *t = NULL;
  if (open_backlog(ctx, &t, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  const char *root = bones_ctx_workspace(ctx);
  int rc, out = 0;
  json_t *res = NULL;
  if (mode == 0) out = do_start(ctx, argv[optind], t, &err);
  else if (mode == 's') {
    rc = bones_dispatch_status(root, t, &res, &err);
    if (rc != BONES_OK) out = bones_ctx_fail(ctx, &err);
    else if (bones_ctx_json(ctx)) {
      out = bones_ctx_emit(ctx, "swarm.dispatch.status", res);
      res = NULL;
    } else print_status(res);
  } else if (mode == 'a') {
    rc = bones_dispatch_advance(root, t, &res, &err);
    out = rc != BONES_OK ? bones_ctx_fail(ctx, &err) : say_wave(ctx, "swarm.dispatch", res, "opened");
  } else {
    rc = bones_dispatch_cancel(root, t, &res, &err);
    if (rc != BONES_OK) out = bones_ctx_fail(ctx, &err);
    else if (bones_ctx_json(ctx)) {
      out = bones_ctx_emit(ctx, "swarm.dispatch.cancel", res);
      res = NULL;
    } else {
      json_t *ids = json_object_get(res, "cancelled"), *id;
      size_t i;
      bones_term_printf(stdout, "cancelled the dispatch of %s: %zu task%s closed as cancelled\n",
                        str(json_object_get(res, "manifest"), "plan"), json_array_size(ids),
                        json_array_size(ids) == 1 ? "" : "s");
      json_array_foreach(ids, i, id) bones_term_printf(stdout, "  %s\n", json_string_value(id));
      printf("worktrees are kept: `bones swarm status` lists the slots; `bones swarm discard --slot NAME` saves and removes one\n");
    }
  }
  json_decref(res);
  bones_tasks_free(t);
  return out;
}
