/* swarm_join.c: opening a slot (swarm.h). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "down.h"
#include "holds.h"
#include "hub.h"
#include "hub_join.h"
#include "ids.h"
#include "presence.h"
#include "proc.h"
#include "sessions.h"
#include "swarm.h"
#include "tasks.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

int bones_swarm_open(const char *root, bones_kv *kv, struct bones_swarm *s, struct bones_error *err) {
  memset(s, 0, sizeof *s);
  int rc = bones_ws_repo_open(root, &s->repo, &s->repo_handle, err);
  if (rc != BONES_OK) return rc;
  s->root = bones_xstrdup(root);
  s->kv = kv;
  return BONES_OK;
}

void bones_swarm_free(struct bones_swarm *s) {
  if (s == NULL) return;
  if (s->repo && s->repo_handle) s->repo->close(s->repo_handle);
  free(s->root);
  memset(s, 0, sizeof *s);
}

char *bones_slot_dir(const char *root, const char *slot) { return bones_xasprintf("%s/" BONES_DIR "/swarm/%s", root, slot); }
char *bones_slot_worktree(const char *root, const char *slot) {
  return bones_xasprintf("%s/" BONES_DIR "/swarm/%s/wt", root, slot);
}
char *bones_slot_agent(const char *slot) { return bones_xasprintf("slot-%s", slot); }

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* The task's files as a NULL-terminated vector borrowed from task. */
static const char **task_files(json_t *task, size_t *n) {
  json_t *files = json_object_get(task, "files");
  *n = json_array_size(files);
  const char **v = bones_xcalloc(*n + 1, sizeof *v);
  for (size_t i = 0; i < *n; i++) v[i] = json_string_value(json_array_get(files, i));
  return v;
}

/* 1 when repo has the optional leaf_clone_local. */
static int has_clone_local(const struct bones_repo_backend_v1 *repo) {
  return repo->size >= offsetof(struct bones_repo_backend_v1, leaf_clone_local) + sizeof repo->leaf_clone_local &&
         repo->leaf_clone_local != NULL;
}

/* 1 when repo has the optional leaf_clone_remote. */
static int has_clone_remote(const struct bones_repo_backend_v1 *repo) {
  return repo->size >= offsetof(struct bones_repo_backend_v1, leaf_clone_remote) + sizeof repo->leaf_clone_remote &&
         repo->leaf_clone_remote != NULL;
}

/* Creates the slot's fossil user (retried: concurrent joins contend for
 * the hub file; asked of the hub through the substrate when the hub runs
 * on another host: hub_join.h) and clones. */
static int make_leaf(struct bones_swarm *s, const char *slot, const char *agent, struct bones_error *err) {
  char *url = bones_ws_read_line(s->root, "hub-repo-url");
  if (url == NULL) return bones_error_set(err, BONES_E_UNAVAILABLE, "the hub has no URL yet");
  char *hub = bones_ws_path(s->root, "hub.fossil"), *remote = bones_workspace_remote_hub(s->root);
  int rc = BONES_OK;
  char pw[25], identity[BONES_REPO_ID_MAX] = "";
  bones_random_base32(pw, 24);
  if (remote && !has_clone_remote(s->repo))
    rc = bones_error_set(err, BONES_E_UNSUPPORTED, "slot %s: the repo backend %s cannot make a leaf on a host "
                         "without the hub's file", slot, s->repo->name);
  else if (remote) {
    /* $BONES_HUB_JOIN_WAIT (1s..10m) replaces the wait for the hub's answer */
    int64_t wait_ms = BONES_HUB_JOIN_WAIT_MS;
    const char *env = getenv("BONES_HUB_JOIN_WAIT");
    if (env && *env) rc = bones_parse_duration_in("BONES_HUB_JOIN_WAIT", env, 1000, 600000, &wait_ms, err);
    if (rc == BONES_OK) rc = bones_hub_join_ask(s->kv, slot, agent, pw, wait_ms, identity, err);
  }
  for (int attempt = 0; !remote && attempt < 10; attempt++) {
    rc = s->repo->hub_user(s->repo_handle, hub, agent, pw, err);
    if (rc == BONES_OK) break;
    struct timespec ts = {0, 20000000L * (attempt + 1)};
    nanosleep(&ts, NULL);
  }
  if (rc == BONES_OK) {
    char *dir = bones_slot_dir(s->root, slot);
    char *leaf = bones_xasprintf("%s/leaf.fossil", dir);
    char *wt = bones_xasprintf("%s/wt", dir);
    rc = bones_mkdir_p(dir, 0700, err);
    /* the hub serves each request from a fresh process on one SQLite file:
     * while other joins add their users it can refuse a clone (a "400" or a
     * locked database); the backend leaves nothing behind, so try again */
    for (int attempt = 0; rc == BONES_OK && attempt < 6; attempt++) {
      if (remote)
        rc = s->repo->leaf_clone_remote(s->repo_handle, url, identity, agent, pw, leaf, wt, err);
      else if (has_clone_local(s->repo)) /* keeps the password off fossil's command line */
        rc = s->repo->leaf_clone_local(s->repo_handle, hub, url, agent, pw, leaf, wt, err);
      else
        rc = s->repo->leaf_clone(s->repo_handle, url, agent, pw, leaf, wt, err);
      if (rc == BONES_OK || rc == BONES_E_EXISTS || rc == BONES_E_USAGE) break;
      if (attempt == 5) break;
      rc = BONES_OK;
      struct timespec ts = {0, 50000000L * (attempt + 1)};
      nanosleep(&ts, NULL);
    }
    free(dir);
    free(leaf);
    free(wt);
  }
  explicit_bzero(pw, sizeof pw);
  free(url);
  free(hub);
  free(remote);
  return rc;
}

int bones_swarm_check_seeded(const char *root, struct bones_error *err) {
  char *hubpath = bones_ws_path(root, "hub.fossil"), *remote = bones_workspace_remote_hub(root);
  int seeded = remote || bones_path_exists(hubpath);
  free(remote);
  free(hubpath);
  return seeded ? BONES_OK : bones_error_set(err, BONES_E_NOWORKSPACE, "%s", BONES_ERR_NOT_BOOTSTRAPPED);
}

int bones_swarm_join(struct bones_swarm *s, const struct bones_join_opts *o, json_t **session,
                     struct bones_error *err) {
  *session = NULL;
  int rc = bones_name_check("slot", o->slot, err);
  if (rc != BONES_OK) return rc;
  rc = bones_swarm_check_seeded(s->root, err);
  if (rc != BONES_OK) return rc;
  int64_t lease = 0, grace = 0, bucket_ttl = 0;
  rc = bones_session_lease_pick(o->session_lease, &lease, err);
  if (rc == BONES_OK) rc = bones_session_grace_pick(o->grace, lease, &grace, err);
  if (rc != BONES_OK) return rc;
  rc = bones_hub_ensure(s->root, err);
  if (rc != BONES_OK) return rc;

  char *agent = bones_slot_agent(o->slot);
  char *dir = bones_slot_dir(s->root, o->slot);
  bones_kv_bucket *sessions = NULL;
  struct bones_tasks *tasks = NULL;
  json_t *task = NULL, *rec = NULL;
  char *task_id = NULL;
  int claimed = 0, held = 0, leaf_made = 0, recorded = 0, wrote = 0;
  const char **files = NULL;
  size_t nfiles = 0;
  uint64_t rev = 0;
  rc = bones_sessions_bucket_open(s->kv, &sessions, &bucket_ttl, err);
  /* a bucket an older bones made keeps its TTL (5 min): the record must
   * outlive the lease there; the grace shrinks to fit */
  if (rc == BONES_OK && bucket_ttl > 0 && lease > bucket_ttl) {
    rc = bones_error_set(err, BONES_E_REFUSED,
                         "slot %s: a session lease of %lld ms is longer than the TTL of bucket %s (%lld ms)", o->slot,
                         (long long)lease, BONES_SESSIONS_BUCKET, (long long)bucket_ttl);
    bones_error_hint(err, "use a shorter --lease; see docs/liveness.md for buckets made by an older bones");
  }
  if (rc == BONES_OK && bucket_ttl > 0 && grace > bucket_ttl - lease) grace = bucket_ttl - lease;
  /* an existing session: same host and --force replaces it, else refuse */
  if (rc == BONES_OK) {
    json_t *old = NULL;
    uint64_t old_rev = 0;
    struct bones_error gerr;
    int grc = bones_session_get(sessions, o->slot, &old, &old_rev, &gerr);
    if (grc == BONES_OK) {
      const char *host = str(old, "host");
      if (host == NULL || strcmp(host, bones_hostname()) != 0)
        rc = bones_error_set(err, BONES_E_REFUSED, "slot %s: %s (%s)", o->slot, BONES_ERR_SESSION_FOREIGN, host ? host : "?");
      else if (!o->force)
        rc = bones_error_set(err, BONES_E_CONFLICT, "slot %s: %s", o->slot, BONES_ERR_SESSION_LIVE);
      else
        rc = bones_kv_delete(sessions, o->slot, old_rev, err);
      json_decref(old);
    } else if (grc != BONES_E_NOTFOUND) {
      rc = grc, *err = gerr;
    }
  }
  if (rc == BONES_OK && bones_path_exists(dir) && !o->force) {
    char *marker = bones_xasprintf("%s/joined", dir);
    int kept = !bones_path_exists(marker); /* closed fail/fork: a kept worktree */
    free(marker);
    if (kept) {
      rc = bones_error_set(err, BONES_E_CONFLICT, "slot %s: its worktree %s/wt was kept (closed fail or fork)", o->slot, dir);
      bones_error_hint(err, "`bones swarm resume --slot %s` re-opens it with its work; `bones swarm discard --slot %s` "
                            "saves it to recovery and frees the name", o->slot, o->slot);
    } else {
      rc = bones_error_set(err, BONES_E_CONFLICT, "slot %s: its directory %s exists (a slot not closed)", o->slot, dir);
      bones_error_hint(err, "`bones swarm resume --slot %s` re-opens it once its session expired; `bones swarm reap` or "
                            "`bones doctor --fix` cleans dead slots; --force replaces it", o->slot);
    }
  }
  if (rc == BONES_OK && o->force && bones_path_exists(dir)) {
    char *wt = bones_slot_worktree(s->root, o->slot);
    if (bones_worktree_dirty(wt, s->repo, s->repo_handle))
      rc = bones_error_set(err, BONES_E_REFUSED, "slot %s: its worktree has uncommitted changes; close or reap it first",
                           o->slot);
    free(wt);
    if (rc == BONES_OK) rc = bones_remove_tree(dir, err);
  }
  if (rc == BONES_OK) rc = bones_tasks_open(s->kv, agent, &tasks, err);
  if (rc == BONES_OK && !o->next) rc = bones_task_resolve(tasks, o->task, &task_id, err);
  /* the claim must outlive the session's lease + grace, or another agent
   * could take the task over from a slot still alive */
  int64_t claim_ttl = o->lease_ms > 0 ? o->lease_ms : BONES_CLAIM_TTL_DEFAULT_MS;
  if (o->lease_ms <= 0 && claim_ttl < lease + grace)
    claim_ttl = lease + grace > BONES_LEASE_MAX_MS ? BONES_LEASE_MAX_MS : lease + grace;
  if (rc == BONES_OK && o->next) {
    /* the slot's agent is new: it holds no task, so this claims one */
    /* first the tasks planned for this slot (context.slot, as `swarm
     * dispatch` makes them), then the ones planned for no slot: never a
     * task another slot was given */
    struct bones_claim_next_opts next = {claim_ttl, o->slot, 0, 0};
    int had = 0;
    rc = bones_task_claim_next(tasks, &next, &task, &wrote, &had, NULL, err);
    if (rc == BONES_E_NOTFOUND) {
      next.slot = "";
      rc = bones_task_claim_next(tasks, &next, &task, &wrote, &had, NULL, err);
      if (rc == BONES_E_NOTFOUND)
        bones_error_set(err, BONES_E_NOTFOUND, "no ready task for slot %s (nor one planned for no slot)", o->slot);
    }
    if (rc == BONES_OK) task_id = bones_xstrdup(json_string_value(json_object_get(task, "id")));
  } else if (rc == BONES_OK) {
    rc = bones_task_claim(tasks, task_id, claim_ttl, 0, &task, &wrote, err);
  }
  if (rc == BONES_OK) claimed = wrote;
  if (rc == BONES_OK) {
    files = task_files(task, &nfiles);
    struct bones_hold_owner owner = {agent, task_id, o->slot,
                                     (uint64_t)json_integer_value(json_object_get(task, "claim_epoch")), "swarm join"};
    if (nfiles) rc = bones_holds_acquire(s->kv, files, nfiles, &owner, BONES_CLAIM_TTL_DEFAULT_MS, err);
    held = rc == BONES_OK && nfiles > 0;
  }
  if (rc == BONES_OK) {
    rc = make_leaf(s, o->slot, agent, err);
    leaf_made = 1;
  }
  pid_t pid = o->pid > 0 ? o->pid : 0; /* never our parent: a harness's shell exits at once */
  if (rc == BONES_OK && pid > 0) {
    char *pidfile = bones_xasprintf("%s/leaf.pid", dir);
    rc = bones_pidfile_write(pidfile, pid, err);
    free(pidfile);
  }
  if (rc == BONES_OK) {
    char now[40];
    bones_format_time(bones_now_ms(), now, sizeof now);
    char *url = bones_ws_read_line(s->root, "hub-repo-url");
    rec = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:i}", "schema", "bones.session/v1",
                    "slot", o->slot, "task_id", task_id, "agent_id", agent, "host", bones_utf8_json(bones_hostname()),
                    "hub_url", bones_utf8_json(url), "started_at", now, "last_renewed", now, "lease_ms",
                    (json_int_t)lease, "grace_ms", (json_int_t)grace, "claim_epoch",
                    (json_int_t)json_integer_value(json_object_get(task, "claim_epoch")), "commits", 0);
    if (rec && pid > 0) json_object_set_new(rec, "leaf_pid", json_integer(pid));
    if (rec) json_object_set_new(rec, "claim_ttl_ms", json_integer(claim_ttl)); /* what renewals use */
    free(url);
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    if (text == NULL) rc = bones_error_set(err, BONES_E_INTERNAL, "slot %s: cannot encode the session record", o->slot);
    else rc = bones_kv_create(sessions, o->slot, text, strlen(text), &rev, err);
    if (rc == BONES_E_EXISTS)
      rc = bones_error_set(err, BONES_E_CONFLICT, "slot %s: %s (a concurrent join won)", o->slot, BONES_ERR_SESSION_LIVE);
    free(text);
    recorded = rc == BONES_OK;
  }
  if (rc == BONES_OK) { /* after the record: a reaper seeing the marker finds the session */
    char *marker = bones_xasprintf("%s/joined", dir);
    char *line = bones_xasprintf("%s\n", task_id);
    rc = bones_write_file_atomic(marker, line, strlen(line), 0600, err);
    free(line);
    free(marker);
  }
  if (rc == BONES_OK) {
    struct bones_error perr;
    bones_presence_touch(s->kv, agent, o->slot, pid, &perr); /* pid 0: none recorded */
    bones_swarm_event(s->root, "slot_join", o->slot, task_id, agent, NULL, NULL, NULL);
    char *wt = bones_slot_worktree(s->root, o->slot);
    json_object_set_new(rec, "worktree", bones_utf8_json(wt));
    free(wt);
    *session = rec;
    rec = NULL;
  } else { /* Abort: undo in reverse order; the first error stays in err */
    struct bones_error uerr;
    if (recorded) bones_kv_delete(sessions, o->slot, rev, &uerr);
    if (leaf_made) bones_remove_tree(dir, &uerr);
    if (held) bones_holds_release(s->kv, files, nfiles, agent, 0, NULL, &uerr);
    if (claimed) {
      json_t *t2 = NULL;
      bones_task_release(tasks, task_id, 0, 0, &t2, &uerr);
      json_decref(t2);
    }
  }
  json_decref(rec);
  json_decref(task);
  free(files);
  free(task_id);
  bones_tasks_free(tasks);
  bones_kv_bucket_close(sessions);
  free(dir);
  free(agent);
  return rc;
}
