/* swarm_commit.c: committing a slot's work onto a linear trunk (swarm.h). */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "holds.h"
#include "land_queue.h"
#include "presence.h"
#include "sessions.h"
#include "swarm.h"
#include "swarm_fanin.h"
#include "tasks.h"
#include "trunk.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* Appends {path, change} to the array arg; a path JSON cannot hold (not
 * UTF-8) appends null, which the caller refuses, and stops. */
static int collect_change(void *arg, int change, const char *path) {
  char kind[2] = {(char)change, '\0'};
  json_t *c = json_pack("{s:s, s:s}", "path", path, "change", kind);
  json_array_append_new((json_t *)arg, c ? c : json_null());
  return c ? 0 : 1;
}

/* 1 when an element of changes is null (a path collect_change could not
 * carry). */
static int has_unreadable(json_t *changes) {
  size_t i;
  json_t *c;
  json_array_foreach(changes, i, c) if (!json_is_object(c)) return 1;
  return 0;
}

/* Checks that the slot's session is ours (host) and its claim is current
 * (task claimed by the slot agent at the session's epoch). */
static int check_slot(struct bones_swarm *s, const char *slot, bones_kv_bucket *sessions, json_t **session,
                      struct bones_error *err) {
  int rc = bones_session_get(sessions, slot, session, NULL, err);
  if (rc == BONES_OK) rc = bones_session_check_host(*session, err);
  if (rc != BONES_OK) return rc;
  struct bones_tasks *t = NULL;
  json_t *task = NULL;
  rc = bones_tasks_open(s->kv, str(*session, "agent_id"), &t, err);
  if (rc == BONES_OK) rc = bones_task_get(t, str(*session, "task_id"), &task, err);
  char *lost = rc == BONES_OK ? bones_swarm_claim_lost(*session, task) : NULL;
  if (lost) {
    char *wt = bones_slot_worktree(s->root, slot);
    bones_error_set(err, BONES_E_REFUSED,
                    "slot %s: %s; this slot's work is kept in %s; end the slot with `bones swarm close --slot %s "
                    "--result fail`",
                    slot, lost, wt, slot);
    rc = bones_error_hint(err, "check-ins the slot committed stay on trunk; close --result fail keeps the worktree "
                               "with its uncommitted changes");
    free(wt);
    free(lost);
  }
  json_decref(task);
  bones_tasks_free(t);
  return rc;
}

/* Renews what a slot keeps alive: session (commits += add), task lease,
 * holds on the task's files, presence. */
static int renew_slot(struct bones_swarm *s, const char *slot, bones_kv_bucket *sessions, int add_commits,
                      json_t **session_out, struct bones_error *err) {
  json_t *session = NULL;
  int rc = bones_session_renew(sessions, slot, add_commits, &session, err);
  if (rc != BONES_OK) return rc;
  const char *agent = str(session, "agent_id");
  struct bones_tasks *t = NULL;
  json_t *task = NULL;
  rc = bones_tasks_open(s->kv, agent, &t, err);
  json_t *ttl = json_object_get(session, "claim_ttl_ms"); /* the join's; absent in an older record: 30 min */
  int64_t claim_ttl = 0;
  if (json_is_integer(ttl) && json_integer_value(ttl) > 0 && json_integer_value(ttl) <= BONES_LEASE_MAX_MS)
    claim_ttl = (int64_t)json_integer_value(ttl);
  if (rc == BONES_OK) rc = bones_task_renew(t, str(session, "task_id"), claim_ttl, &task, err);
  if (rc == BONES_OK) {
    json_t *files = json_object_get(task, "files");
    size_t n = json_array_size(files);
    const char **v = bones_xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = json_string_value(json_array_get(files, i));
    struct bones_hold_owner owner = {agent, str(session, "task_id"), slot,
                                     (uint64_t)json_integer_value(json_object_get(task, "claim_epoch")), "swarm"};
    if (n) rc = bones_holds_acquire(s->kv, v, n, &owner, BONES_CLAIM_TTL_DEFAULT_MS, err);
    free(v);
  }
  struct bones_error perr;
  bones_presence_touch(s->kv, agent, slot, (pid_t)json_integer_value(json_object_get(session, "leaf_pid")), &perr);
  json_decref(task);
  bones_tasks_free(t);
  if (session_out && rc == BONES_OK) *session_out = session;
  else json_decref(session);
  return rc;
}

int bones_swarm_heartbeat(struct bones_swarm *s, const char *slot, json_t **session, struct bones_error *err) {
  bones_kv_bucket *sessions = NULL;
  json_t *cur = NULL;
  int rc = bones_sessions_bucket(s->kv, &sessions, err);
  if (rc == BONES_OK) rc = check_slot(s, slot, sessions, &cur, err);
  json_decref(cur);
  if (rc == BONES_OK) rc = renew_slot(s, slot, sessions, 0, session, err);
  bones_kv_bucket_close(sessions);
  return rc;
}

/* Paths of changes as a borrowed vector over arr. */
static const char **paths_of(json_t *arr, size_t *n) {
  *n = json_array_size(arr);
  const char **v = bones_xcalloc(*n + 1, sizeof *v);
  for (size_t i = 0; i < *n; i++) v[i] = str(json_array_get(arr, i), "path");
  return v;
}

struct checkin {
  const char *id;
  int found;
};

/* 1 when repo has the optional leaf_land. */
static int has_leaf_land(const struct bones_repo_backend_v1 *repo) {
  return repo->size >= offsetof(struct bones_repo_backend_v1, leaf_land) + sizeof repo->leaf_land &&
         repo->leaf_land != NULL;
}

/* Appends a conflicted path to the JSON array arg. */
static int collect_conflict(void *arg, int change, const char *path) {
  (void)change;
  return collect_change(arg, BONES_REPO_CONFLICT, path);
}

/* The message for conflicts (an array of {path}) met while merging trunk. */
static int merge_conflict_error(const char *slot, json_t *conflicts, struct bones_error *err) {
  char names[300] = "";
  size_t i;
  json_t *c;
  json_array_foreach(conflicts, i, c) {
    if (str(c, "path") == NULL) continue;
    if (strlen(names) + strlen(str(c, "path")) + 3 >= sizeof names) break;
    if (*names) strcat(names, ", ");
    strcat(names, str(c, "path"));
  }
  bones_error_set(err, BONES_E_CONFLICT, "slot %s: merging the newest trunk conflicts in %s; nothing committed", slot,
                  names);
  return bones_error_hint(err, "resolve the conflict markers in the worktree, then commit again");
}

/* Under the trunk lease, with a backend that has leaf_land: the changes
 * (as leaf_changes listed them) go onto trunk in one call. */
static int land(struct bones_swarm *s, const struct bones_commit_opts *o, const char *wt, const char *agent,
                json_t *changes, json_t *conflicts, char checkin[BONES_REPO_ID_MAX], int *leaves, struct bones_error *err) {
  size_t n = json_array_size(changes);
  struct bones_repo_pending *pending = bones_xcalloc(n + 1, sizeof *pending);
  for (size_t i = 0; i < n; i++) {
    json_t *c = json_array_get(changes, i);
    pending[i] = (struct bones_repo_pending){str(c, "change")[0], str(c, "path")};
  }
  char *hub = bones_ws_path(s->root, "hub.fossil");
  struct bones_repo_land in = {wt, o->message, agent, pending, n, o->files != NULL,
                               bones_path_is_file(hub) ? hub : NULL, collect_conflict, conflicts};
  struct bones_repo_landed out;
  int rc = s->repo->leaf_land(s->repo_handle, &in, &out, err);
  snprintf(checkin, BONES_REPO_ID_MAX, "%s", out.id);
  *leaves = out.trunk_leaves;
  if (rc == BONES_E_CONFLICT && json_array_size(conflicts)) rc = merge_conflict_error(o->slot, conflicts, err);
  else if (rc == BONES_E_UNAVAILABLE && *checkin)
    bones_error_hint(err, "check-in %s is safe in the slot's leaf; the next `swarm commit` or `swarm close` pushes it",
                     checkin);
  free(hub);
  free(pending);
  return rc;
}

/* Under the trunk lease, with a backend without leaf_land: sync, commit,
 * push, then count trunk's leaves. */
static int sync_commit_push(struct bones_swarm *s, const struct bones_commit_opts *o, const char *wt, const char *agent,
                            const char **paths, size_t npaths, json_t *conflicts, char checkin[BONES_REPO_ID_MAX],
                            int *leaves, struct bones_error *err) {
  int rc = BONES_OK;
  for (int attempt = 0; rc == BONES_OK && attempt < 3; attempt++) {
    json_array_clear(conflicts);
    rc = s->repo->leaf_sync(s->repo_handle, wt, collect_change, conflicts, err);
    if (rc == BONES_E_CONFLICT) {
      merge_conflict_error(o->slot, conflicts, err);
      break;
    }
    if (rc != BONES_OK) break;
    rc = s->repo->leaf_commit(s->repo_handle, wt, o->message, o->files ? paths : NULL, o->files ? npaths : 0, agent,
                              checkin, err);
    if (rc == BONES_E_CONFLICT) continue; /* "would fork": someone bypassed the lease; sync again */
    if (rc == BONES_OK) {
      rc = s->repo->leaf_push(s->repo_handle, wt, err);
      if (rc != BONES_OK)
        bones_error_hint(err, "check-in %s is safe in the slot's leaf; the next `swarm commit` or `swarm close` pushes it",
                         checkin);
    }
    break;
  }
  if (rc == BONES_OK) {
    char *hub = bones_ws_path(s->root, "hub.fossil");
    struct bones_error lerr;
    if (s->repo->trunk_leaves(s->repo_handle, hub, leaves, &lerr) != BONES_OK) *leaves = 0;
    free(hub);
  }
  return rc;
}

#define LAND_DRAIN_MAX 64 /* queued bundles one lease holder lands */

/* 1 when every change can go through the landing queue (no conflict
 * markers: leaf_land reports those). */
static int queueable(json_t *changes) {
  size_t i;
  json_t *c;
  json_array_foreach(changes, i, c) {
    const char *k = str(c, "change");
    if (k == NULL || (k[0] != 'A' && k[0] != 'M' && k[0] != 'D')) return 0;
  }
  return json_array_size(changes) > 0;
}

/* Takes the trunk lease for agent (the gate's wait since t0 counted in
 * wait), with an error that says the whole wait. */
static int take_lease(struct bones_swarm *s, const char *agent, int64_t t0, int64_t wait, uint64_t *rev,
                      struct bones_error *err) {
  wait -= bones_monotonic_ms() - t0;
  int rc = bones_trunk_lease_take(s->kv, agent, BONES_TRUNK_LEASE_MS, wait > 1 ? wait : 1, rev, err);
  struct bones_trunk_lease l;
  struct bones_error lerr;
  if (rc == BONES_E_CONFLICT && bones_trunk_lease_look(s->kv, &l, &lerr) == BONES_OK) {
    bones_error_set(err, BONES_E_CONFLICT, "the trunk is busy: %s holds the trunk lease (waited %lld ms)",
                    l.held ? l.holder : "another commit of this host", (long long)(bones_monotonic_ms() - t0));
    bones_error_hint(err,
                     "retry; a holder that died on this host is taken over once the programs it started are gone, "
                     "one elsewhere expires within %d s",
                     BONES_TRUNK_LEASE_MS / 1000);
  }
  return rc;
}

/* At the gate with bundle queued: its result, landing the queue under
 * the lease first when nobody did.  *landed gets the result when it
 * landed; otherwise the bundle is dropped and the caller lands the
 * changes itself (still at the gate, *leased when the lease is held). */
static int queued_result(struct bones_swarm *s, const struct bones_commit_opts *o, const char *agent,
                         const char *bundle, int64_t t0, int64_t wait, uint64_t *rev, int *leased, json_t **landed,
                         struct bones_error *err) {
  json_t *r = NULL;
  int st = bones_land_result(s->root, bundle, &r), rc = BONES_OK;
  if (st == 0) { /* still waiting: nobody held the lease since */
    rc = take_lease(s, agent, t0, wait, rev, err);
    *leased = rc == BONES_OK;
    if (rc == BONES_OK) bones_land_drain(s, LAND_DRAIN_MAX);
    if (rc == BONES_OK) st = bones_land_result(s->root, bundle, &r);
  }
  const char *state = st == 1 ? str(r, "state") : NULL;
  if (state && strcmp(state, "landed") == 0 && str(r, "checkin")) {
    *landed = r;
    return rc;
  }
  if (state && strcmp(state, "failed") == 0 && str(r, "checkin") && *str(r, "checkin")) {
    /* committed but not as it should be: never landed twice; the leaf
     * catches up at the slot's next commit */
    rc = bones_error_set(err, BONES_E_INTERNAL, "slot %s: %s", o->slot, str(r, "error") ? str(r, "error") : "?");
  } else {
    bones_land_forget(s->root, bundle); /* stale, failed or gone: the slot lands it itself */
  }
  json_decref(r);
  return rc;
}

int bones_swarm_commit(struct bones_swarm *s, const struct bones_commit_opts *o, json_t **result,
                       struct bones_error *err) {
  *result = NULL;
  if (o->message == NULL || *o->message == '\0') return bones_error_set(err, BONES_E_USAGE, "a commit needs a message (-m)");
  if (!bones_text_plain(o->message, "\t\n\r"))
    return bones_error_set(err, BONES_E_USAGE,
                           "the commit message (-m) is not valid UTF-8 or holds control characters "
                           "(tab and newline are fine)");
  bones_kv_bucket *sessions = NULL;
  json_t *session = NULL, *changes = json_array(), *held = NULL;
  char *wt = bones_slot_worktree(s->root, o->slot);
  const char **paths = NULL;
  size_t npaths = 0;
  int rc = bones_sessions_bucket(s->kv, &sessions, err);
  if (rc == BONES_OK) rc = check_slot(s, o->slot, sessions, &session, err);
  int slot_lock = -1;
  if (rc == BONES_OK && bones_slot_lock_take(s->root, o->slot, o->wait_ms ? o->wait_ms : 300000, &slot_lock) == 0) {
    rc = bones_error_set(err, BONES_E_CONFLICT,
                         "slot %s: another commit of this slot (or a fossil a killed one started) still works in "
                         "its worktree",
                         o->slot);
    bones_error_hint(err, "commit again when it is done (`fuser " BONES_DIR "/swarm/%s/commit.lock` names it)", o->slot);
  }
  if (rc == BONES_OK && bones_land_available(s)) /* what landed, or waits, from a commit that stopped */
    bones_land_settle(s, o->slot, str(session, "agent_id"), wt, o->wait_ms ? o->wait_ms : 300000);
  if (rc == BONES_OK) rc = s->repo->leaf_changes(s->repo_handle, wt, collect_change, changes, err);
  if (rc == BONES_OK && has_unreadable(changes)) {
    rc = bones_error_set(err, BONES_E_USAGE, "slot %s: a changed file's name is not valid UTF-8", o->slot);
    bones_error_hint(err, "rename it in the worktree, then commit again");
  }
  if (rc == BONES_OK && o->files) { /* only the named files, which must have changed */
    json_t *picked = json_array();
    for (size_t i = 0; i < o->nfiles && rc == BONES_OK; i++) {
      size_t j;
      json_t *c;
      int found = 0;
      json_array_foreach(changes, j, c) if (strcmp(str(c, "path"), o->files[i]) == 0) {
        json_array_append(picked, c);
        found = 1;
      }
      if (!found) rc = bones_error_set(err, BONES_E_USAGE, "%s has no change in slot %s", o->files[i], o->slot);
    }
    json_decref(changes);
    changes = picked;
  }
  if (rc == BONES_OK && json_array_size(changes) == 0) {
    /* a check-in whose push failed earlier goes up now */
    struct bones_error perr;
    s->repo->leaf_push(s->repo_handle, wt, &perr);
    rc = bones_error_set(err, BONES_E_REFUSED, "slot %s: nothing to commit", o->slot);
  }
  const char *agent = session ? str(session, "agent_id") : "";
  if (rc == BONES_OK) {
    paths = paths_of(changes, &npaths);
    rc = bones_holds_conflicts(s->kv, paths, npaths, agent, &held, err);
    if (rc == BONES_OK && json_array_size(held) > 0) {
      json_t *h = json_array_get(held, 0);
      const char *file = str(h, "covers") ? str(h, "covers") : str(h, "path");
      int same = str(h, "path") && strcmp(str(h, "path"), file) == 0;
      rc = bones_error_set(err, BONES_E_CONFLICT, "slot %s: %s is held by %s%s%s (until %s)%s", o->slot, file,
                           str(h, "agent"), same ? "" : " through its hold on ", same ? "" : str(h, "path"),
                           str(h, "expires_at") ?: "?", json_array_size(held) > 1 ? " and more" : "");
      bones_error_hint(err, "wait for its holder to commit, or leave the file out: bones swarm commit -m MSG FILES...");
    }
  }
  uint64_t lease_rev = 0;
  int leased = 0, gate = -1;
  json_t *conflicts = json_array(), *queued = NULL;
  char checkin[BONES_REPO_ID_MAX] = "", bundle[BONES_LAND_ID_MAX] = "";
  int leaves = 0;
  int64_t wait = o->wait_ms ? o->wait_ms : 300000, t0 = bones_monotonic_ms();
  if (rc == BONES_OK && queueable(changes) && bones_land_available(s) && !bones_trunk_gate_enter(s->root, 0, &gate)) {
    /* the gate is busy: leave the changes in the queue, whoever holds the
     * lease when they are there lands them with its own */
    struct bones_error qerr;
    char base[BONES_REPO_ID_MAX];
    if (s->repo->leaf_checkout(s->repo_handle, wt, base, &qerr) == BONES_OK &&
        bones_land_enqueue(s->root, o->slot, agent, o->message, base, wt, changes, bundle, &qerr) != BONES_OK)
      bundle[0] = '\0';
    /* a gate held past the wait (a stranger, a hung commit): no lander
     * will come, so the changes go their own way under the lease */
    if (!bones_trunk_gate_enter(s->root, wait - (bones_monotonic_ms() - t0), &gate) && *bundle &&
        bones_land_withdraw(s->root, bundle))
      bundle[0] = '\0';
    if (*bundle) rc = queued_result(s, o, agent, bundle, t0, wait, &lease_rev, &leased, &queued, err);
  } else if (rc == BONES_OK && gate < 0) {
    bones_trunk_gate_enter(s->root, wait, &gate); /* this host's committers queue here, not at the substrate */
  }
  if (queued) { /* landed from the queue */
    snprintf(checkin, sizeof checkin, "%s", str(queued, "checkin"));
    leaves = (int)json_integer_value(json_object_get(queued, "trunk_leaves"));
  } else if (rc == BONES_OK) {
    if (!leased) rc = take_lease(s, agent, t0, wait, &lease_rev, err);
    leased = rc == BONES_OK;
    if (rc == BONES_OK && has_leaf_land(s->repo))
      rc = land(s, o, wt, agent, changes, conflicts, checkin, &leaves, err);
    else if (rc == BONES_OK)
      rc = sync_commit_push(s, o, wt, agent, paths, npaths, conflicts, checkin, &leaves, err);
  }
  if (leased) bones_land_drain(s, LAND_DRAIN_MAX); /* the others' queued changes, in the same lease */
  if (rc == BONES_OK && leaves > 1)
    rc = bones_error_set(err, BONES_E_CONFLICT, "slot %s: committed %s, but trunk now has %d leaves (a fork)", o->slot,
                         checkin, leaves);
  if (leased) {
    struct bones_error rerr;
    /* unreachable substrate (a partition): the lease stays until it expires */
    if (bones_trunk_lease_release(s->kv, lease_rev, &rerr) == BONES_E_UNAVAILABLE)
      fprintf(stderr,
              "bones: swarm commit: the trunk lease could not be released (%s); other slots wait until it "
              "expires (%d s after it was taken)\n",
              rerr.message, BONES_TRUNK_LEASE_MS / 1000);
  }
  bones_trunk_gate_leave(gate);
  if (queued) { /* outside the gate: bring the leaf up to the trunk that has its changes */
    struct bones_error cerr;
    json_t *later = json_array();
    int crc = bones_land_catch_up(s, bundle, wt, collect_conflict, later, &cerr);
    if (crc != BONES_OK)
      bones_term_printf(stderr, "bones: swarm commit: committed %.10s, but updating the worktree to trunk: %s\n", checkin,
                        cerr.message);
    json_decref(later);
  }
  bones_slot_lock_drop(slot_lock);
  if (rc == BONES_OK) {
    struct bones_error rerr;
    if (renew_slot(s, o->slot, sessions, 1, NULL, &rerr) != BONES_OK) {
      /* the commit landed: report, do not fail */
      fprintf(stderr, "bones: swarm commit: committed, but renewing the slot failed: %s\n", rerr.message);
    }
    bones_swarm_commit_event(s->root, o->slot, str(session, "task_id"), agent, checkin, changes);
    *result = json_pack("{s:s, s:s, s:s, s:O, s:i}", "slot", o->slot, "task", str(session, "task_id"), "checkin",
                        checkin, "files", changes, "trunk_leaves", leaves);
  } else if (rc == BONES_E_CONFLICT && json_array_size(conflicts)) {
    *result = json_pack("{s:s, s:O}", "slot", o->slot, "conflicts", conflicts);
  }
  json_decref(conflicts);
  json_decref(queued);
  json_decref(held);
  json_decref(changes);
  json_decref(session);
  free(paths);
  free(wt);
  bones_kv_bucket_close(sessions);
  return rc;
}
