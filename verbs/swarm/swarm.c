/* swarm.c: `bones swarm join|commit|close` and the verb's table. */
#include "config.h"

#include <limits.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>

#include "swarm_common.h"
#include "text.h"
#include "util.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

int swarm_join_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"slot", required_argument, NULL, 's'}, {"task", required_argument, NULL, 't'},
                                       {"force", no_argument, NULL, 'f'},        {"pid", required_argument, NULL, 'p'},
                                       {"ttl", required_argument, NULL, 'T'},    {"lease", required_argument, NULL, 'L'},
                                       {"grace", required_argument, NULL, 'G'},  {"next", no_argument, NULL, 'N'},
                                       {NULL, 0, NULL, 0}};
  struct bones_join_opts o = {NULL, NULL, 0, 0, 0, NULL, NULL, 0};
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') o.slot = optarg;
    else if (c == 't') o.task = optarg;
    else if (c == 'f') o.force = 1;
    else if (c == 'p') {
      uint64_t pid = 0; /* pid_t is a signed int */
      if (bones_parse_uint("--pid", optarg, 1, INT_MAX, &pid, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      o.pid = (pid_t)pid;
    } else if (c == 'T') {
      if (bones_parse_duration_in("--ttl", optarg, 1, BONES_LEASE_MAX_MS, &o.lease_ms, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
    } else if (c == 'L') o.session_lease = optarg;
    else if (c == 'G') o.grace = optarg;
    else if (c == 'N') o.next = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  if (o.next && o.task) return bones_ctx_usage(ctx, "join takes --task ID or --next, not both");
  if (o.slot == NULL || (o.task == NULL && !o.next))
    return bones_ctx_usage(ctx, "join needs --slot NAME and --task ID (or --next)");
  if (o.task && bones_utf8_check("--task", o.task, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  struct bones_swarm s;
  json_t *session = NULL;
  int rc = swarm_open(ctx, &s, &err);
  if (rc == BONES_OK) rc = bones_swarm_join(&s, &o, &session, &err);
  bones_swarm_free(&s);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "swarm.join", json_pack("{s:o}", "session", session));
  if (bones_ctx_quiet(ctx)) printf("%s\n", str(session, "worktree")); /* raw: for cd "$(...)" */
  else {
    bones_term_printf(stdout, "joined slot %s as %s on task %s\n", o.slot, str(session, "agent_id"), str(session, "task_id"));
    bones_term_printf(stdout, "worktree: %s\n", str(session, "worktree"));
  }
  json_decref(session);
  return 0;
}

int swarm_commit_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"message", required_argument, NULL, 'm'}, {"slot", required_argument, NULL, 's'},
                                       {"wait", required_argument, NULL, 'w'},    {NULL, 0, NULL, 0}};
  struct bones_commit_opts o = {NULL, NULL, NULL, 0, 0};
  const char *slot_arg = NULL;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
    if (c == 'm') o.message = optarg;
    else if (c == 's') slot_arg = optarg;
    else if (c == 'w') {
      if (bones_parse_duration_in("--wait", optarg, 0, BONES_WAIT_MAX_MS, &o.wait_ms, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (o.message == NULL) return bones_ctx_usage(ctx, "commit needs a message: -m MSG");
  if (bones_utf8_check("-m MSG", o.message, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (optind < argc) {
    o.files = (const char *const *)argv + optind;
    o.nfiles = (size_t)(argc - optind);
  }
  char *slot = NULL;
  if (swarm_pick_slot(ctx, slot_arg, &slot, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  o.slot = slot;
  struct bones_swarm s;
  json_t *result = NULL;
  int rc = swarm_open(ctx, &s, &err);
  if (rc == BONES_OK) rc = bones_swarm_commit(&s, &o, &result, &err);
  bones_swarm_free(&s);
  free(slot);
  if (rc != BONES_OK) {
    json_t *conflicts = json_object_get(result, "conflicts");
    json_t *files = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(conflicts, i, f) {
      if (str(f, "path") == NULL) continue;
      json_array_append_new(files, bones_utf8_json(str(f, "path")));
      if (!bones_ctx_json(ctx)) bones_term_printf(stderr, "conflict: %s\n", str(f, "path"));
    }
    json_t *detail = conflicts ? json_pack("{s:o}", "files", files) : (json_decref(files), NULL);
    json_decref(result);
    int code = bones_ctx_fail_detail(ctx, &err, detail); /* --json: "files": the conflicted paths */
    json_decref(detail);
    return code;
  }
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "swarm.commit", result);
  if (bones_ctx_quiet(ctx)) bones_term_printf(stdout, "%s\n", str(result, "checkin"));
  else
    bones_term_printf(stdout, "committed %s (%zu file(s)) to trunk\n", str(result, "checkin"),
           json_array_size(json_object_get(result, "files")));
  json_decref(result);
  return 0;
}

int swarm_close_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"result", required_argument, NULL, 'r'},   {"slot", required_argument, NULL, 's'},
                                       {"no-artifact", required_argument, NULL, 'n'}, {"keep-wt", no_argument, NULL, 'k'},
                                       {"summary", required_argument, NULL, 'S'}, {NULL, 0, NULL, 0}};
  struct bones_close_opts o = {NULL, NULL, NULL, 0, NULL};
  const char *summary_arg = NULL;
  const char *slot_arg = NULL;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'r') o.result = optarg;
    else if (c == 's') slot_arg = optarg;
    else if (c == 'n') o.no_artifact = optarg;
    else if (c == 'k') o.keep_wt = 1;
    else if (c == 'S') summary_arg = optarg;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  if (o.result == NULL) return bones_ctx_usage(ctx, "close needs --result success|fail|fork");
  if (bones_utf8_check("--no-artifact", o.no_artifact, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  char *summary = NULL;
  if (summary_arg && swarm_summary_arg(summary_arg, &summary, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  o.summary = summary;
  char *slot = NULL;
  if (swarm_pick_slot(ctx, slot_arg, &slot, &err) != BONES_OK) {
    free(summary);
    return bones_ctx_fail(ctx, &err);
  }
  o.slot = slot;
  struct bones_swarm s;
  json_t *result = NULL;
  int rc = swarm_open(ctx, &s, &err);
  if (rc == BONES_OK) rc = bones_swarm_close(&s, &o, &result, &err);
  bones_swarm_free(&s);
  free(slot);
  free(summary);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "swarm.close", result);
  if (str(result, "task_lost")) bones_ctx_say(ctx, "slot %s had lost its task: %s", str(result, "slot"), str(result, "task_lost"));
  bones_ctx_say(ctx, "closed slot %s (%s): task %s is %s%s%s", str(result, "slot"), str(result, "result"),
                str(result, "task"), str(result, "task_status"), str(result, "worktree") ? "; worktree kept at " : "",
                str(result, "worktree") ? str(result, "worktree") : "");
  json_decref(result);
  return 0;
}

#define SWARM_NOTE \
  "A slot NAME works as agent slot-NAME in .bones/swarm/NAME/wt.  Inside a\n" \
  "worktree the slot is found from the current directory (it wins over\n" \
  "$BONES_AGENT_ID: docs/identity.md).  Exit codes: 2 usage,\n" \
  "3 no such task, 4 conflict (claimed, held, merge conflict, trunk busy), 5\n" \
  "unavailable, 6 refused (cross-host, stale claim, success without artifact),\n" \
  "7 workspace not bootstrapped.\n"

static const struct bones_subverb swarm_subverbs[] = {
    {"join", "open a slot on a task",
     "usage: bones swarm join --slot NAME --task ID|--next [--force] [--lease DURATION]\n"
     "                        [--grace DURATION] [--pid PID] [--ttl DURATION]\n"
     "Claims the task (--next: the most urgent ready one, as `tasks claim --next`\n"
     "would, but for the slot; exit 3 when nothing is ready) for the slot's life, holds the task's files, clones the hub\n"
     "into .bones/swarm/NAME/ and records the session.  The slot is alive while\n"
     "its session lease runs (--lease, else $BONES_SESSION_LEASE, else 5m); every\n"
     "bones verb run as the slot renews it (swarm, tasks, coord from inside the\n"
     "worktree; `swarm heartbeat`; the harness hooks).  Once the lease expired by\n"
     "the grace (--grace, else $BONES_SESSION_GRACE, else one lease) the hub reaps\n"
     "the slot -- never while the --pid process runs on this host.  --pid names a\n"
     "long-lived process of the agent; without it no pid is recorded (the caller's\n"
     "shell is never taken for the agent).  --ttl is the task claim's lease\n"
     "(default max(30m, lease + grace)), renewed by swarm verbs and heartbeats.\n"
     "-q prints only the worktree path.  On failure nothing of the half-joined slot\n"
     "is left behind.  See docs/liveness.md.\n",
     swarm_join_run, 0},
    {"commit", "commit the slot's changes onto the linear trunk",
     "usage: bones swarm commit -m MSG [--slot NAME] [--wait DURATION] [FILES...]\n"
     "Takes the trunk lease, merges the newest trunk into the worktree (a conflict\n"
     "stops with exit 4 and the files listed, nothing committed), refuses files held\n"
     "by another agent (on the file or a directory above it), commits what changed\n"
     "(adds, edits, deletions; only FILES when given), pushes, checks trunk has one\n"
     "leaf, releases the lease.  --wait (default 5m) bounds the wait for another\n"
     "holder (then exit 4, naming it).  A holder that died on this host is taken\n"
     "over 0.5 s after it and the programs it started are gone; one on another host\n"
     "when its lease expires (60 s).  Killed midway, a commit leaves its change in\n"
     "the worktree, or on trunk if its push went out: commit again.\n",
     swarm_commit_run, 0},
    {"close", "end the slot",
     "usage: bones swarm close --result success|fail|fork [--slot NAME] [--no-artifact REASON] [--keep-wt]\n"
     "                         [--summary TEXT|@FILE]\n"
     "success: needs a commit since join (or --no-artifact) and a clean worktree;\n"
     "closes the task and removes the worktree.  fail/fork: releases the task and\n"
     "keeps the worktree.  Holds and the session go in every case.  The task\n"
     "record keeps result, summary (--summary: TEXT, or @FILE read from a file; at\n"
     "most 64 KiB (exit 8), UTF-8 (exit 2); else null), result_at (ms) and\n"
     "result_by, written before the task is closed or released; `bones swarm\n"
     "fan-in` reports them.\n",
     swarm_close_run, 0},
    {"status", "sessions of this workspace",
     "usage: bones swarm status [--json]\n"
     "One line per session: STATE is active (renewed within min(30s, lease/2)),\n"
     "idle (lease still valid; AGE since the last renewal), or stale (lease\n"
     "expired: reaped once the grace is over too, unless its --pid process runs).\n"
     "PID and ALIVE are - for a slot joined without --pid.  --json adds state,\n"
     "idle_ms, lease_ms, grace_ms, expires_at, reap_after to each session.\n",
     swarm_status_run, 0},
    {"cwd", "print a slot's worktree path", "usage: bones swarm cwd --slot NAME\n", swarm_cwd_run, 0},
    {"heartbeat", "renew the slot's session, claim, holds and presence",
     "usage: bones swarm heartbeat [--slot NAME]\n"
     "Renews everything the slot keeps alive; any other verb run as the slot\n"
     "renews its session lease only.\n", swarm_heartbeat_run, 0},
    {"reap", "clean up slots whose agent died",
     "usage: bones swarm reap [--older-than DURATION]\n"
     "This host's slots whose session is gone or whose lease expired more than\n"
     "its grace ago (with --older-than: not renewed for DURATION), unless their\n"
     "--pid process runs: releases claim and holds, moves a worktree with\n"
     "uncommitted changes to .bones/recovery/, removes the slot.  The hub does\n"
     "this by itself every few seconds.\n",
     swarm_reap_run, 0},
    {"resume", "re-open a kept slot (closed fail/fork, or its session expired)",
     "usage: bones swarm resume [--slot NAME] [--lease DURATION] [--grace DURATION] [--json]\n"
     "Re-opens a slot whose worktree was kept (closed with --result fail|fork, or\n"
     "its session expired or went): claims the task recorded for it again, holds\n"
     "the task's files, records a new session; the worktree keeps its uncommitted\n"
     "changes.  Prints the worktree like join (-q: only the path).  Exits: 3 no\n"
     "kept worktree (use `bones swarm join --slot NAME --task ID`), 4 the task is\n"
     "claimed by another (named), 6 the task is closed, or the slot is already\n"
     "active (just use it).  On a refusal the worktree is left as it is.  See\n"
     "docs/recovery.md.\n",
     swarm_resume_run, 0},
    {"discard", "save a kept slot's worktree to recovery and remove the slot",
     "usage: bones swarm discard [--slot NAME] [-y] [--json]\n"
     "Moves the slot's worktree to .bones/recovery/<ID>/ (metadata in .<ID>.json:\n"
     "slot, task, time, reason \"discard\", the uncommitted changes), checks the\n"
     "move, then removes the slot's directory, session and holds, and releases\n"
     "its task when the slot still holds it.  Refuses an active slot (exit 6).\n"
     "On a terminal it asks first unless -y.  `bones recovery ls|show|restore`\n"
     "get the files back.  See docs/recovery.md.\n",
     swarm_discard_run, 0},
    {"fan-in", "what the slots of a wave did",
     "usage: bones swarm fan-in [--wave N] [--json]\n"
     "The tasks with context.slot (--wave N: only context.wave == N; without it\n"
     "current_wave of .bones/dispatch.json, or every wave when that file is\n"
     "absent), one block per slot: its tasks with status, result and summary (as\n"
     "`swarm close --summary` recorded them), its result (fail or fork when a\n"
     "task has that result, claimed/open while a task is unfinished, closed when\n"
     "a task was closed without a result, else success), the number of trunk\n"
     "check-ins `swarm commit` made for those tasks and the paths they changed\n"
     "(from .bones/swarm-events.jsonl of this workspace).  --json: data {wave, ok,\n"
     "slots:[{name, result, commits, files, summary, tasks}]}.  Exit 0 when every\n"
     "slot succeeded; 6 otherwise, or when no task has a slot (the report is\n"
     "printed either way).  See docs/fan-in.md.\n",
     swarm_fanin_run, 0},
    {"dispatch", "turn a plan into tasks and open it wave by wave",
     "usage: bones swarm dispatch FILE [--json]\n"
     "       bones swarm dispatch --status|--advance|--cancel [--json]\n"
     "FILE is a plan (`bones plan validate`; a violation: exit 2, nothing made).\n"
     "Creates one task per plan task (title, files, the plan's text as its\n"
     "description, context slot/wave/plan_task), a `blocks` edge per dependency,\n"
     "and .bones/dispatch.json; prints for each slot of wave 1 the command that\n"
     "starts its leaf (`cd ROOT && bones swarm join --slot NAME --next`) and a\n"
     "prompt for it.  A second dispatch while one is active: exit 6.\n"
     "--status: waves, slots, their tasks' status, claimer and result.\n"
     "--advance: once every task of the current wave is closed, opens the next\n"
     "and prints its commands (\"plan complete\" after the last); else exit 6\n"
     "naming what is open and how to resume a failed slot.\n"
     "--cancel: closes the plan's unfinished tasks as \"cancelled\" (claims\n"
     "dispossessed), keeps every worktree.  See docs/dispatch.md.\n",
     swarm_dispatch_run, 0},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_swarm) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "swarm",
    .description = "slots: join a task, commit to the linear trunk, close",
    .flags = BONES_VERB_NEEDS_WORKSPACE | BONES_VERB_NEEDS_KV,
    .usage = "usage: bones swarm join|commit|close|status|cwd|heartbeat|reap|resume|discard|fan-in|dispatch ...\n" SWARM_NOTE,
    .run = NULL,
    .subverbs = swarm_subverbs,
};
