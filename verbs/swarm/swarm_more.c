/* swarm_more.c: `bones swarm status|cwd|heartbeat|reap`. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sessions.h"
#include "swarm_common.h"
#include "text.h"
#include "util.h"

static const char *str(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "-";
}

/* --slot NAME as the only option; *slot_arg NULL when absent. */
static int slot_only(struct bones_ctx *ctx, int argc, char **argv, const char **slot_arg) {
  static const struct option opts[] = {{"slot", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
  *slot_arg = NULL;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') *slot_arg = optarg;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  return 0;
}

int swarm_status_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[1]);
  struct bones_error err;
  struct bones_swarm s;
  json_t *sessions = NULL;
  int rc = swarm_open(ctx, &s, &err);
  if (rc == BONES_OK) rc = bones_swarm_sessions(&s, &sessions, &err);
  bones_swarm_free(&s);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "swarm.status", json_pack("{s:o}", "sessions", sessions));
  size_t i;
  json_t *r;
  if (json_array_size(sessions) == 0) bones_ctx_say(ctx, "(no live sessions)");
  else
    printf("%-16s %-12s %-7s %-9s %-8s %-6s %-7s %s\n", "SLOT", "TASK", "STATE", "AGE", "PID", "ALIVE", "COMMITS",
           "EXPIRES");
  json_array_foreach(sessions, i, r) {
    json_t *alive = json_object_get(r, "pid_alive");
    long long pid = (long long)json_integer_value(json_object_get(r, "leaf_pid"));
    char pidtext[24] = "-", age[32];
    if (pid > 0) snprintf(pidtext, sizeof pidtext, "%lld", pid);
    int remote = strcmp(str(r, "host"), bones_hostname()) != 0;
    bones_format_age(json_integer_value(json_object_get(r, "idle_ms")), age, sizeof age);
    bones_term_printf(stdout, "%-16s %-12s %-7s %-9s %-8s %-6s %-7lld %s%s%s\n", str(r, "slot"), str(r, "task_id"),
                      str(r, "state"), age, pidtext,
                      pid <= 0 ? "-" : remote || json_is_null(alive) ? "remote" : json_is_true(alive) ? "yes" : "no",
                      (long long)json_integer_value(json_object_get(r, "commits")), str(r, "expires_at"),
                      remote ? " host=" : "", remote ? str(r, "host") : "");
  }
  json_decref(sessions);
  return 0;
}

int swarm_cwd_run(struct bones_ctx *ctx, int argc, char **argv) {
  const char *slot_arg = NULL;
  int rc = slot_only(ctx, argc, argv, &slot_arg);
  if (rc) return rc;
  struct bones_error err;
  char *slot = NULL;
  if (swarm_pick_slot(ctx, slot_arg, &slot, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  char *wt = bones_slot_worktree(bones_ctx_workspace(ctx), slot);
  if (!bones_path_is_dir(wt)) {
    bones_error_set(&err, BONES_E_NOTFOUND, "slot %s has no worktree (%s)", slot, wt);
    free(wt);
    free(slot);
    return bones_ctx_fail(ctx, &err);
  }
  if (bones_ctx_json(ctx)) rc = bones_ctx_emit(ctx, "swarm.cwd", json_pack("{s:s, s:s}", "slot", slot, "worktree", wt));
  else printf("%s\n", wt);
  free(wt);
  free(slot);
  return rc;
}

int swarm_heartbeat_run(struct bones_ctx *ctx, int argc, char **argv) {
  const char *slot_arg = NULL;
  int rc = slot_only(ctx, argc, argv, &slot_arg);
  if (rc) return rc;
  struct bones_error err;
  char *slot = NULL;
  struct bones_swarm s;
  json_t *session = NULL;
  rc = swarm_pick_slot(ctx, slot_arg, &slot, &err);
  if (rc == BONES_OK) rc = swarm_open(ctx, &s, &err);
  if (rc == BONES_OK) {
    rc = bones_swarm_heartbeat(&s, slot, &session, &err);
    bones_swarm_free(&s);
  }
  free(slot);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "swarm.heartbeat", json_pack("{s:o}", "session", session));
  struct bones_session_times t;
  bones_session_times_of(session, &t);
  char until[40];
  bones_format_time(t.expires_at, until, sizeof until);
  bones_ctx_say(ctx, "renewed slot %s (lease until %s)", str(session, "slot"), until);
  json_decref(session);
  return 0;
}

int swarm_reap_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"older-than", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
  int64_t older = -1; /* each session's lease + grace */
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'o') {
      if (bones_parse_duration_in("--older-than", optarg, 0, BONES_DURATION_MAX_MS, &older, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  struct bones_swarm s;
  json_t *reaped = NULL;
  int rc = swarm_open(ctx, &s, &err);
  if (rc == BONES_OK) rc = bones_swarm_reap(&s, older, &reaped, &err);
  bones_swarm_free(&s);
  if (rc != BONES_OK) {
    json_decref(reaped);
    return bones_ctx_fail(ctx, &err);
  }
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "swarm.reap", json_pack("{s:o}", "reaped", reaped));
  size_t i;
  json_t *r;
  json_array_foreach(reaped, i, r) {
    bones_term_printf(stdout, "reaped %s (task %s)", str(r, "slot"), str(r, "task"));
    if (json_is_string(json_object_get(r, "recovered_to"))) bones_term_printf(stdout, "; worktree kept at %s", str(r, "recovered_to"));
    printf("\n");
  }
  if (json_array_size(reaped) == 0) bones_ctx_say(ctx, "(nothing to reap)");
  swarm_say_kept(ctx); /* not reaped, never: they wait for a person (docs/recovery.md) */
  json_decref(reaped);
  return 0;
}
