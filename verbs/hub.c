/* hub.c: `bones hub start|stop|status`. */
#include "config.h"

#include <limits.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "down.h"
#include "gitsync.h"
#include "hub.h"
#include "workspace.h"
#include "hublog.h"
#include "page/page.h"
#include "util.h"

static json_t *status_json(const struct bones_hub_status *st) {
  json_t *o = json_pack("{s:b, s:i, s:b, s:s?, s:s?, s:s}", "running", st->running, "pid", (int)st->pid,
                        "repo_answers", st->repo_answers, "repo_url", st->repo_url, "kv_url", st->kv_url, "substrate",
                        st->substrate);
  json_object_set_new(o, "page_url", st->page_url ? json_string(st->page_url) : json_null());
  json_object_set_new(o, "kv_answers", st->kv_answers < 0 ? json_null() : json_boolean(st->kv_answers));
  return o;
}

static void print_status(const struct bones_hub_status *st) {
  printf("hub: %s", st->running ? "running" : st->pid_alive ? "not answering" : "stopped");
  if (st->pid_alive) printf(" (pid %ld)", (long)st->pid);
  else if (st->pid_stale) printf(" (hub.pid is stale: pid %ld is another process)", (long)st->pid);
  printf("\n");
  if (st->repo_url) printf("  repo:      %s%s\n", st->repo_url, st->repo_answers ? "" : " (not answering)");
  printf("  substrate: %s", st->substrate);
  if (st->kv_url) printf(" at %s%s", st->kv_url, st->kv_answers == 1 ? "" : " (not answering)");
  printf("\n");
  if (st->page_url) printf("  page:      %s/ (`bones hub page` signs a browser in)\n", st->page_url);
}

static int hub_start_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"detach", no_argument, NULL, 'd'},
                                       {"log-level", required_argument, NULL, 'l'},
                                       {"wait", required_argument, NULL, 'w'},
                                       {"ready-fd", required_argument, NULL, 'r'},
                                       {"listen", required_argument, NULL, 'L'},
                                       {NULL, 0, NULL, 0}};
  const char *listen = NULL;
  struct bones_hub_start_options o = {0, 0, -1};
  optind = 0;
  opterr = 0;
  int c;
  struct bones_error err;
  while ((c = getopt_long(argc, argv, "d", opts, NULL)) != -1) {
    if (c == 'd') {
      o.detach = 1;
    } else if (c == 'l') {
      int level = bones_log_level_parse(optarg);
      if (level < 0) return bones_ctx_usage(ctx, "--log-level takes DEBUG, INFO, WARN or ERROR");
      bones_hublog_set_level((enum bones_log_level)level);
      setenv("BONES_HUB_LOG_LEVEL", bones_log_level_name((enum bones_log_level)level), 1);
    } else if (c == 'w') {
      int64_t ms;
      if (bones_parse_duration_in("--wait", optarg, 0, BONES_WAIT_MAX_MS, &ms, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
      o.wait_ms = (int)ms;
    } else if (c == 'L') {
      listen = optarg;
    } else if (c == 'r') {
      uint64_t fd = 0;
      if (bones_parse_uint("--ready-fd", optarg, 0, INT_MAX, &fd, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      o.ready_fd = (int)fd;
    } else {
      return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return bones_ctx_usage(ctx, "hub start takes no arguments");
  const char *root = bones_ctx_workspace(ctx);
  if (bones_workspace_refuse_remote(root, "`bones hub start`", &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (listen && bones_hub_set_listen(root, listen, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  int already = 0;
  if (!o.detach && o.ready_fd < 0 && !bones_ctx_json(ctx))
    printf("hub starting in the foreground (Ctrl-C stops it; --detach runs it in the background)\n");
  if (bones_hub_start(root, &o, &already, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (o.ready_fd >= 0 || !o.detach) return 0; /* the hub itself ran until stopped */
  struct bones_hub_status st;
  bones_hub_status(root, &st, &err);
  int rc = 0;
  if (already && listen && st.repo_url) {
    char *want = bones_xasprintf("http://%s:", listen);
    if (strncmp(st.repo_url, want, strlen(want)) != 0)
      fprintf(stderr, "bones: note: the running hub still serves on %s; --listen %s takes effect at its next "
                      "start (`bones hub stop`, then start)\n", st.repo_url, listen);
    free(want);
  }
  if (bones_ctx_json(ctx)) {
    json_t *d = status_json(&st);
    json_object_set_new(d, "already_running", json_boolean(already));
    rc = bones_ctx_emit(ctx, "hub.start", d);
  } else if (!bones_ctx_quiet(ctx)) {
    if (already) printf("hub already running\n");
    print_status(&st);
  }
  bones_hub_status_clear(&st);
  return rc;
}

static int hub_stop_run(struct bones_ctx *ctx, int argc, char **argv) {
  int force = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0) force = 1;
    else return bones_ctx_usage(ctx, "unknown argument '%s'", argv[i]);
  }
  struct bones_error err;
  int was = 0;
  struct bones_hub_status st;
  bones_hub_status(bones_ctx_workspace(ctx), &st, &err);
  pid_t stale = st.pid_stale ? st.pid : 0; /* a reused pid: never signalled */
  bones_hub_status_clear(&st);
  if (bones_hub_stop(bones_ctx_workspace(ctx), force, &was, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) {
    json_t *d = json_pack("{s:b}", "was_running", was);
    json_object_set_new(d, "stale_pid", stale ? json_integer(stale) : json_null());
    return bones_ctx_emit(ctx, "hub.stop", d);
  }
  if (stale)
    bones_ctx_say(ctx, "hub was not running: hub.pid was stale (pid %ld is another process, left alone); removed it",
                  (long)stale);
  else
    bones_ctx_say(ctx, "%s", was ? "hub stopped" : "hub was not running");
  return 0;
}

static int hub_status_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[1]);
  struct bones_error err;
  struct bones_hub_status st;
  bones_hub_status(bones_ctx_workspace(ctx), &st, &err);
  int rc = 0;
  if (bones_ctx_json(ctx)) rc = bones_ctx_emit(ctx, "hub.status", status_json(&st));
  else print_status(&st);
  bones_hub_status_clear(&st);
  return rc;
}

/* Prints what a git import did (or "up to date"). */
static void say_import(struct bones_ctx *ctx, json_t *r) {
  json_t *files = json_object_get(r, "files"), *commits = json_object_get(r, "commits");
  if (json_is_true(json_object_get(r, "started"))) {
    bones_ctx_say(ctx, "git sync: now following git from %.10s (up to date)",
                  json_string_value(json_object_get(r, "git_to")));
    return;
  }
  if (json_is_true(json_object_get(r, "up_to_date"))) {
    bones_ctx_say(ctx, "git sync: up to date (git %.10s)", json_string_value(json_object_get(r, "git_to")));
  } else {
    size_t i;
    json_t *v;
    if (json_is_true(json_object_get(r, "rewritten")))
      bones_ctx_say(ctx, "git history was rewritten since %.10s: importing the tree difference as one check-in",
                    json_string_value(json_object_get(r, "git_from")));
    json_array_foreach(commits, i, v)
        bones_ctx_say(ctx, "commit %.10s %s", json_string_value(json_object_get(v, "sha")),
                      json_string_value(json_object_get(v, "subject")));
    json_array_foreach(files, i, v)
        bones_ctx_say(ctx, "%s  %s%s", json_string_value(json_object_get(v, "change")),
                      json_string_value(json_object_get(v, "path")),
                      json_is_true(json_object_get(v, "merged")) ? " (merged with trunk)" : "");
    json_array_foreach(json_object_get(r, "conflicts"), i, v)
        bones_ctx_say(ctx, "conflict  %s (trunk changed it too; left for `bones apply`)", json_string_value(v));
    json_array_foreach(json_object_get(r, "skipped"), i, v)
        bones_ctx_say(ctx, "skipped   %s (%s)", json_string_value(json_object_get(v, "path")),
                      json_string_value(json_object_get(v, "reason")));
    const char *ci = json_string_value(json_object_get(r, "checkin"));
    bones_ctx_say(ctx, "git sync: imported %zu commit(s), %zu file(s)%s%.10s", json_array_size(commits),
                  json_array_size(files), ci ? " as check-in " : " (trunk already had them)", ci ? ci : "");
  }
  if (json_array_size(json_object_get(r, "pending")) > 0)
    bones_ctx_say(ctx, "pending: %zu path(s) wait for `bones apply` to merge them into git",
                  json_array_size(json_object_get(r, "pending")));
}

static int hub_sync_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[1]);
  const char *root = bones_ctx_workspace(ctx);
  const struct bones_repo_backend_v1 *repo = NULL;
  void *rh = NULL;
  json_t *result = NULL;
  struct bones_error err;
  int rc = bones_ws_repo_open(root, &repo, &rh, &err);
  if (rc == BONES_OK) rc = bones_gitsync_import(root, repo, rh, &result, &err);
  if (repo && rh) repo->close(rh);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "hub.sync", result);
  say_import(ctx, result);
  json_decref(result);
  return 0;
}

static const struct bones_subverb hub_subverbs[] = {
    {"start", "start the hub (repo server and managed substrate); idempotent",
     "usage: bones hub start [--detach] [--listen ADDR] [--log-level LEVEL] [--wait DURATION] [--json]\n"
     "Creates and seeds .bones/hub.fossil from the git-tracked files the first time\n"
     "(never again: the hub is not wiped), serves it on 127.0.0.1 (or on the IPv4\n"
     "--listen ADDR, kept for later starts, for slots on other hosts: HTTP in clear,\n"
     "each slot logs in with its own password; --listen 127.0.0.1 goes back; with a\n"
     "shared substrate it also answers slot joins from hosts without its file, which\n"
     "`bones up --hub URL` makes), starts the\n"
     "managed nats-server or redis-server when the substrate is `nats` or `redis`,\n"
     "and runs the lease watcher.  --detach returns once everything answers.\n"
     "A second start is a no-op; a concurrent one exits 4 naming the lock holder.\n"
     "Before it reports ready it imports git's new commits (see `bones hub sync`).\n"
     "Log: .bones/hub.log (NDJSON); --log-level or $BONES_HUB_LOG_LEVEL.\n",
     hub_start_run, 0},
    {"stop", "stop the hub (refused while slots are live, unless --force)",
     "usage: bones hub stop [--force] [--json]\n"
     "SIGTERM, wait, SIGKILL.  Refused (exit 6) while a slot's agent process is\n"
     "alive, unless --force.  The URL files stay, so the next start reuses the ports.\n",
     hub_stop_run, 0},
    {"status", "is the hub running, and where", "usage: bones hub status [--json]\n", hub_status_run, 0},
    {"page", "the hub's live page of the swarm: where it is, and a file that signs a browser in",
     "usage: bones hub page [--json]\n"
     "Starts the hub when it is not running, waits (10 s at most) for its live page\n"
     "on 127.0.0.1 and writes .bones/page-open.html (0600): opened in a browser it\n"
     "signs that browser in (a cookie holding a key derived from the workspace\n"
     "credential; the page refuses everyone else) and shows the page.  The page\n"
     "shows what `bones top` shows, with a trunk graph and a timeline per slot, and\n"
     "updates itself (server-sent events, a new picture at most once a second).\n"
     "Loopback only: from another machine, forward the port (ssh -L).\n"
     "Exit 0; 2 when this bones was built without libmicrohttpd; 5 when no page\n"
     "answers (a hub started by an older bones: restart it).  docs/page.md.\n",
     bones_page_verb_run, 0},
    {"sync", "import git's new commits onto trunk (docs/git-sync.md)",
     "usage: bones hub sync [--json]\n"
     "Imports the commits made in git (HEAD, never the work tree) since the hub's\n"
     "seed or the last import onto trunk as one check-in by user \"git\" (comment\n"
     "\"git import SHA: SUBJECT\"), under the trunk lease, so new slots see them.\n"
     "A path trunk changed too is merged three ways; a conflict leaves trunk's\n"
     "version and waits for `bones apply`.  A rewritten history (amend, rebase)\n"
     "imports the tree difference as one check-in.  Also runs at `hub start` and\n"
     "before `bones apply`.  Exit 0 (also \"up to date\"); 6 outside git.\n",
     hub_sync_run, 0},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_hub) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "hub",
    .description = "start, stop and inspect the workspace hub",
    .flags = BONES_VERB_NEEDS_WORKSPACE,
    .usage = "usage: bones hub start|stop|status|page|sync ...\n",
    .run = NULL,
    .subverbs = hub_subverbs,
};
