/* swarm_close.c: ending slots, by their agent (close) or after they died
 * (reap, the hub's lease watcher) (swarm.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holds.h"
#include "hublog.h"
#include "presence.h"
#include "proc.h"
#include "sessions.h"
#include "slots.h"
#include "swarm.h"
#include "swarm_resume.h"
#include "land_queue.h"
#include "recovery.h"
#include "trunk.h"
#include "tasks.h"
#include "tasks_result.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int count_change(void *arg, int change, const char *path) {
  (void)change, (void)path;
  (*(int *)arg)++;
  return 0;
}

/* Moves a dirty worktree to .bones/recovery/<slot>-<time>/ (malloc'd path
 * in *to, NULL when it was clean or absent) and removes the slot dir
 * unless keep. */
static int retire_slot_dir(struct bones_swarm *s, const char *slot, int keep, char **to, struct bones_error *err) {
  *to = NULL;
  char *dir = bones_slot_dir(s->root, slot);
  char *wt = bones_slot_worktree(s->root, slot);
  int rc = BONES_OK;
  if (!keep && bones_worktree_dirty(wt, s->repo, s->repo_handle)) {
    char stamp[40];
    bones_format_time(bones_now_ms(), stamp, sizeof stamp);
    for (char *c = stamp; *c; c++)
      if (*c == ':') *c = '-';
    char *rdir = bones_ws_path(s->root, "recovery");
    rc = bones_mkdir_p(rdir, 0700, err);
    free(rdir);
    *to = bones_xasprintf("%s/" BONES_DIR "/recovery/%s-%s", s->root, slot, stamp);
    if (rc == BONES_OK && rename(wt, *to) != 0)
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot move %s to %s (slot left in place)", wt, *to);
  }
  if (rc == BONES_OK && !keep) rc = bones_remove_tree(dir, err);
  free(wt);
  free(dir);
  return rc;
}

/* Removes the slot's `joined` marker and leaf.pid. */
static void forget_agent(const char *root, const char *slot) {
  static const char *const names[] = {"joined", "leaf.pid"};
  for (size_t i = 0; i < 2; i++) {
    char *path = bones_xasprintf("%s/" BONES_DIR "/swarm/%s/%s", root, slot, names[i]);
    unlink(path);
    free(path);
  }
}

int bones_swarm_close(struct bones_swarm *s, const struct bones_close_opts *o, json_t **result,
                      struct bones_error *err) {
  *result = NULL;
  int success = o->result && strcmp(o->result, "success") == 0;
  if (!success && !(o->result && (strcmp(o->result, "fail") == 0 || strcmp(o->result, "fork") == 0)))
    return bones_error_set(err, BONES_E_USAGE, "--result takes success, fail or fork");
  bones_kv_bucket *sessions = NULL;
  json_t *session = NULL, *task = NULL;
  uint64_t rev = 0;
  struct bones_tasks *t = NULL;
  int rc = bones_sessions_bucket(s->kv, &sessions, err);
  if (rc == BONES_OK) rc = bones_session_get(sessions, o->slot, &session, &rev, err);
  if (rc == BONES_OK) rc = bones_session_check_host(session, err);
  const char *agent = session ? str(session, "agent_id") : NULL;
  const char *task_id = session ? str(session, "task_id") : NULL;
  uint64_t epoch = session ? (uint64_t)json_integer_value(json_object_get(session, "claim_epoch")) : 0;
  /* a claim lost meanwhile (force-closed, released, taken over): fail and
   * fork end the slot anyway, keeping its worktree; success is refused */
  char *lost = NULL;
  if (rc == BONES_OK) rc = bones_tasks_open(s->kv, agent, &t, err);
  if (rc == BONES_OK) {
    json_t *cur = NULL;
    rc = bones_task_get(t, task_id, &cur, err);
    if (rc == BONES_E_NOTFOUND) {
      bones_error_clear(err);
      rc = BONES_OK;
      lost = bones_xasprintf("task %s no longer exists", task_id);
    } else if (rc == BONES_OK) {
      lost = bones_swarm_claim_lost(session, cur);
    }
    if (lost) task = cur;
    else json_decref(cur);
  }
  if (rc == BONES_OK && lost && success) {
    bones_error_set(err, BONES_E_REFUSED, "slot %s: %s; close --result success cannot land it", o->slot, lost);
    rc = bones_error_hint(err, "end the slot with `bones swarm close --slot %s --result fail` (the worktree is kept)",
                          o->slot);
  }
  int slot_lock = -1; /* held from the worktree's check to its removal */
  if (rc == BONES_OK && success && bones_slot_lock_take(s->root, o->slot, BONES_TRUNK_LEASE_MS, &slot_lock) == 0) {
    rc = bones_error_set(err, BONES_E_REFUSED,
                         "slot %s: a commit of this slot (or a fossil a killed one started) still works in its worktree",
                         o->slot);
    bones_error_hint(err, "close again when it is done (`fuser " BONES_DIR "/swarm/%s/commit.lock` names it)", o->slot);
  }
  if (rc == BONES_OK && success) {
    if (json_integer_value(json_object_get(session, "commits")) == 0 && (o->no_artifact == NULL || !*o->no_artifact))
      rc = bones_error_set(err, BONES_E_REFUSED, "slot %s: %s", o->slot, BONES_ERR_CLOSE_ARTIFACT);
    char *wt = bones_slot_worktree(s->root, o->slot);
    int changes = 0;
    if (rc == BONES_OK && bones_path_is_dir(wt)) {
      struct bones_error cerr;
      if (bones_land_available(s) && agent) /* a commit that landed from the queue after its process stopped */
        bones_land_settle(s, o->slot, agent, wt, BONES_TRUNK_LEASE_MS);
      if (s->repo->leaf_changes(s->repo_handle, wt, count_change, &changes, &cerr) != BONES_OK) {
        rc = bones_error_set(err, BONES_E_REFUSED, "slot %s: cannot tell whether the worktree is clean: %s", o->slot,
                             cerr.message);
        if (cerr.hint[0]) bones_error_hint(err, "%s", cerr.hint);
      } else if (changes)
        rc = bones_error_set(err, BONES_E_REFUSED,
                             "slot %s: the worktree has %d uncommitted change(s); commit them, or close with --result fail",
                             o->slot, changes);
      /* every check-in must be on the hub before the leaf goes away */
      if (rc == BONES_OK && s->repo->leaf_push(s->repo_handle, wt, err) != BONES_OK) {
        bones_error_prefix(err, "slot %s: cannot push its check-ins to the hub, so it stays", o->slot);
        rc = BONES_E_UNAVAILABLE;
        err->code = rc;
      }
    }
    free(wt);
  }
  /* the outcome goes on the task before it is closed or released, so a
   * crash in between loses nothing */
  if (rc == BONES_OK && !lost) {
    json_t *r = NULL;
    rc = bones_task_set_result(s->kv, agent, task_id, o->result, o->summary, &r, err);
    json_decref(r);
  }
  if (rc == BONES_OK && !lost) {
    rc = success ? bones_task_close(t, task_id, o->no_artifact ? o->no_artifact : "swarm close --result=success", epoch,
                                    0, &task, err)
                 : bones_task_release(t, task_id, epoch, 0, &task, err);
  }
  char *recovered = NULL;
  if (rc == BONES_OK) {
    struct bones_error e2;
    size_t released = 0;
    /* no agent any more: the slot stops being "joined" before its session
     * goes, so a reaper never takes it for a dead one meanwhile */
    forget_agent(s->root, o->slot);
    bones_holds_release_agent(s->kv, agent, &released, &e2);
    bones_kv_delete(sessions, o->slot, 0, &e2);
    bones_presence_remove(s->kv, agent, &e2);
    /* success removes the worktree (all committed); fail/fork keep it */
    int keep = !success || o->keep_wt;
    if (!keep) rc = retire_slot_dir(s, o->slot, 0, &recovered, err); /* a kept worktree is for people */
    else bones_slot_kept_note(s->root, o->slot, task_id, o->result); /* for resume, discard, doctor */
    bones_swarm_event(s->root, "slot_close", o->slot, task_id, agent, o->result, o->no_artifact, NULL);
    char *wt = bones_slot_worktree(s->root, o->slot);
    *result = json_pack("{s:s, s:s, s:s, s:s, s:b}", "slot", o->slot, "task", task_id, "result", o->result,
                        "task_status", str(task, "status") ?: "?", "worktree_kept", keep);
    if (keep) json_object_set_new(*result, "worktree", json_string(wt));
    if (lost) json_object_set_new(*result, "task_lost", json_string(lost));
    if (!lost) json_object_set_new(*result, "summary", o->summary ? bones_utf8_json(o->summary) : json_null());
    free(wt);
  }
  bones_slot_lock_drop(slot_lock);
  free(recovered);
  free(lost);
  json_decref(task);
  json_decref(session);
  bones_tasks_free(t);
  bones_kv_bucket_close(sessions);
  return rc;
}

/* Cleans up one dead slot: deletes the session (revision rev: a renewal
 * since it was read keeps the slot, *skipped set), releases its claim and
 * holds, moves a dirty worktree to recovery, removes the dir. */
static int reap_one(struct bones_swarm *s, bones_kv_bucket *sessions, const char *slot, json_t *session, uint64_t rev,
                    json_t *reaped, int *skipped, struct bones_error *err) {
  *skipped = 0;
  if (session) {
    struct bones_error derr;
    int drc = bones_kv_delete(sessions, slot, rev, &derr);
    if (drc == BONES_E_CONFLICT) {
      *skipped = 1; /* renewed under us: alive after all */
      return BONES_OK;
    }
    if (drc != BONES_OK && drc != BONES_E_NOTFOUND) {
      *err = derr;
      return drc;
    }
  }
  char *agent = bones_slot_agent(slot);
  const char *task_id = session ? str(session, "task_id") : NULL;
  struct bones_tasks *t = NULL;
  struct bones_error e2;
  if (bones_tasks_open(s->kv, agent, &t, &e2) == BONES_OK) {
    if (task_id == NULL) { /* no session left: find the task the slot agent claims */
      json_t *all = NULL;
      if (bones_tasks_list(t, &all, NULL, &e2) == BONES_OK) {
        size_t i;
        json_t *task;
        json_array_foreach(all, i, task) {
          const char *by = str(task, "claimed_by");
          if (by && strcmp(by, agent) == 0) {
            json_t *r = NULL;
            bones_task_release(t, str(task, "id"), 0, 0, &r, &e2);
            json_decref(r);
          }
        }
        json_decref(all);
      }
    } else {
      json_t *r = NULL;
      bones_task_release(t, task_id, 0, 0, &r, &e2);
      json_decref(r);
    }
    bones_tasks_free(t);
  }
  size_t released = 0;
  bones_holds_release_agent(s->kv, agent, &released, &e2);
  char *to = NULL;
  int rc = retire_slot_dir(s, slot, 0, &to, err);
  if (rc == BONES_OK && to) bones_recovery_note(s->root, strrchr(to, '/') + 1, slot, task_id, "reap", NULL);
  if (rc == BONES_OK) {
    bones_swarm_event(s->root, "slot_reap", slot, task_id, agent, NULL, NULL, NULL);
    json_t *r = json_pack("{s:s}", "slot", slot);
    json_object_set_new(r, "task", task_id ? json_string(task_id) : json_null());
    json_object_set_new(r, "recovered_to", to ? json_string(to) : json_null());
    json_array_append_new(reaped, r);
    bones_hublog(s->root, BONES_LOG_INFO, "lifecycle", "reaped a dead slot",
                 json_pack("{s:s, s:s?, s:s?}", "slot", slot, "task", task_id, "recovered_to", to));
  }
  free(to);
  free(agent);
  return rc;
}

int bones_swarm_reap(struct bones_swarm *s, int64_t older_ms, json_t **reaped, struct bones_error *err) {
  *reaped = json_array();
  bones_kv_bucket *sessions = NULL;
  int rc = bones_sessions_bucket(s->kv, &sessions, err);
  struct bones_slot *slots = NULL;
  size_t n = 0;
  if (rc == BONES_OK) rc = bones_slots_list(s->root, NULL, &slots, &n, err);
  int64_t now = bones_now_ms();
  for (size_t i = 0; rc == BONES_OK && i < n; i++) {
    if (slots[i].pid_alive) continue; /* the process the agent named (--pid) runs */
    if (!slots[i].joined) continue;   /* a kept worktree of a closed slot, or a join under way: not ours */
    json_t *session = NULL;
    struct bones_error gerr;
    uint64_t rev = 0;
    int grc = bones_session_get(sessions, slots[i].name, &session, &rev, &gerr);
    if (grc == BONES_OK) {
      struct bones_session_times t;
      bones_session_times_of(session, &t);
      int64_t deadline = older_ms >= 0 ? t.renewed + older_ms : t.reap_at;
      if (bones_session_check_host(session, &gerr) != BONES_OK || now <= deadline) {
        json_decref(session);
        continue; /* another host's, or its lease (plus grace) still runs */
      }
    } else if (grc != BONES_E_NOTFOUND) {
      rc = grc, *err = gerr;
      break;
    }
    int skipped = 0;
    rc = reap_one(s, sessions, slots[i].name, session, rev, *reaped, &skipped, err);
    json_decref(session);
  }
  bones_slots_free(slots, n);
  bones_kv_bucket_close(sessions);
  return rc;
}

struct sessions_state {
  struct bones_swarm *s;
  json_t *out;
};

static int on_session(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  struct sessions_state *st = arg;
  json_error_t jerr;
  json_t *rec = json_loadb(value, len, 0, &jerr);
  if (rec == NULL || !json_is_object(rec)) {
    json_decref(rec);
    rec = json_pack("{s:o, s:o}", "slot", bones_utf8_json(key), "corrupt", bones_utf8_json(jerr.text));
  }
  pid_t pid = (pid_t)json_integer_value(json_object_get(rec, "leaf_pid"));
  const char *host = str(rec, "host");
  int local = host && strcmp(host, bones_hostname()) == 0;
  json_object_set_new(rec, "pid_alive", local && pid > 0 ? json_boolean(bones_pid_alive(pid)) : json_null());
  struct bones_session_times t;
  bones_session_times_of(rec, &t);
  int64_t now = bones_now_ms();
  char exp[40], reap[40];
  bones_format_time(t.expires_at, exp, sizeof exp);
  bones_format_time(t.reap_at, reap, sizeof reap);
  json_object_set_new(rec, "state", json_string(bones_session_state(&t, now)));
  json_object_set_new(rec, "idle_ms", json_integer(now > t.renewed ? now - t.renewed : 0));
  json_object_set_new(rec, "lease_ms", json_integer(t.lease_ms));
  json_object_set_new(rec, "grace_ms", json_integer(t.grace_ms));
  json_object_set_new(rec, "expires_at", json_string(exp));
  json_object_set_new(rec, "reap_after", json_string(reap));
  char *wt = bones_slot_worktree(st->s->root, key);
  json_object_set_new(rec, "worktree", json_string(wt));
  free(wt);
  json_array_append_new(st->out, rec);
  return 0;
}

int bones_swarm_sessions(struct bones_swarm *s, json_t **out, struct bones_error *err) {
  bones_kv_bucket *sessions = NULL;
  *out = NULL;
  int rc = bones_sessions_bucket(s->kv, &sessions, err);
  struct sessions_state st = {s, json_array()};
  if (rc == BONES_OK) rc = bones_kv_list(sessions, "", on_session, &st, err);
  bones_kv_bucket_close(sessions);
  if (rc != BONES_OK) {
    json_decref(st.out);
    return rc;
  }
  *out = st.out;
  return BONES_OK;
}

void bones_swarm_lease_watcher(const char *root, bones_kv *kv) {
  struct bones_swarm s;
  struct bones_error err;
  if (bones_swarm_open(root, kv, &s, &err) != BONES_OK) return;
  json_t *reaped = NULL;
  if (bones_swarm_reap(&s, -1, &reaped, &err) != BONES_OK)
    bones_hublog(root, BONES_LOG_WARN, "error", "lease watcher: reaping failed", json_pack("{s:o}", "err", bones_utf8_json(err.message)));
  json_decref(reaped);
  bones_swarm_free(&s);
}
