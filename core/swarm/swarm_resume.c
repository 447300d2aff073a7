/* swarm_resume.c: kept slots -- a closed (fail, fork) slot's worktree, or
 * one whose session expired -- re-opened (resume) or saved to recovery
 * and removed (discard) (swarm_resume.h, docs/recovery.md). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "holds.h"
#include "hub.h"
#include "presence.h"
#include "proc.h"
#include "recovery.h"
#include "sessions.h"
#include "swarm.h"
#include "swarm_resume.h"
#include "tasks.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

void bones_slot_kept_note(const char *root, const char *slot, const char *task, const char *result) {
  char now[40];
  bones_format_time(bones_now_ms(), now, sizeof now);
  json_t *rec = json_pack("{s:o, s:s, s:s}", "task", task ? bones_utf8_json(task) : json_null(), "result",
                          result ? result : "?", "closed_at", now);
  char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
  char *path = bones_xasprintf("%s/" BONES_DIR "/swarm/%s/kept", root, slot);
  struct bones_error err;
  if (text) bones_write_file_atomic(path, text, strlen(text), 0600, &err);
  free(path);
  free(text);
  json_decref(rec);
}

/* The first line of a small file, malloc'd, or NULL. */
static char *first_line(const char *path) {
  char *text = NULL;
  size_t len = 0;
  struct bones_error err;
  if (bones_read_file(path, 4096, &text, &len, &err) != BONES_OK) return NULL;
  text[strcspn(text, "\r\n")] = 0;
  if (!*text) {
    free(text);
    return NULL;
  }
  return text;
}

char *bones_slot_recorded_task(const char *root, const char *slot, json_t *session) {
  if (str(session, "task_id")) return bones_xstrdup(str(session, "task_id"));
  char *marker = bones_xasprintf("%s/" BONES_DIR "/swarm/%s/joined", root, slot);
  char *task = first_line(marker);
  free(marker);
  if (task) return task;
  char *kept = bones_xasprintf("%s/" BONES_DIR "/swarm/%s/kept", root, slot);
  char *text = NULL;
  size_t len = 0;
  struct bones_error err;
  if (bones_read_file(kept, 4096, &text, &len, &err) == BONES_OK) {
    json_t *rec = json_loadb(text, len, 0, NULL);
    if (str(rec, "task")) task = bones_xstrdup(str(rec, "task"));
    json_decref(rec);
  }
  free(text);
  free(kept);
  return task;
}

/* What stands in the way of re-opening or discarding slot: BONES_OK when
 * nothing (*old / *old_rev: an expired session record to replace, or
 * NULL), else BONES_E_REFUSED (live: its lease runs or its --pid process
 * does; another host's) with a hint naming the verb. */
static int check_not_live(struct bones_swarm *s, bones_kv_bucket *sessions, const char *slot, const char *verb,
                          json_t **old, uint64_t *old_rev, struct bones_error *err) {
  *old = NULL;
  *old_rev = 0;
  char *pidfile = bones_xasprintf("%s/" BONES_DIR "/swarm/%s/leaf.pid", s->root, slot);
  pid_t pid = 0;
  struct bones_error e2;
  int alive = bones_pidfile_read(pidfile, &pid, &e2) == BONES_OK && bones_pid_alive(pid);
  free(pidfile);
  json_t *rec = NULL;
  int grc = bones_session_get(sessions, slot, &rec, old_rev, &e2);
  if (grc != BONES_OK && grc != BONES_E_NOTFOUND) {
    *err = e2;
    return grc;
  }
  int rc = BONES_OK;
  if (rec && bones_session_check_host(rec, err) != BONES_OK) {
    rc = BONES_E_REFUSED;
  } else {
    struct bones_session_times t;
    bones_session_times_of(rec, &t);
    if (alive || (rec && bones_now_ms() <= t.expires_at)) {
      rc = bones_error_set(err, BONES_E_REFUSED, "slot %s is already active (%s)", slot,
                           alive ? "its --pid process runs" : "its session lease runs");
      if (strcmp(verb, "resume") == 0)
        bones_error_hint(err, "just use it: its worktree is `bones swarm cwd --slot %s`", slot);
      else
        bones_error_hint(err, "end it first (`bones swarm close --slot %s --result fail`), then `bones swarm discard --slot %s`",
                         slot, slot);
    }
  }
  if (rc == BONES_OK) *old = rec;
  else json_decref(rec);
  return rc;
}

/* The task's files as a NULL-terminated vector borrowed from task. */
static const char **task_files(json_t *task, size_t *n) {
  json_t *files = json_object_get(task, "files");
  *n = json_array_size(files);
  const char **v = bones_xcalloc(*n + 1, sizeof *v);
  for (size_t i = 0; i < *n; i++) v[i] = json_string_value(json_array_get(files, i));
  return v;
}

int bones_swarm_resume(struct bones_swarm *s, const struct bones_resume_opts *o, json_t **session,
                       struct bones_error *err) {
  *session = NULL;
  int rc = bones_name_check("slot", o->slot, err);
  if (rc != BONES_OK) return rc;
  rc = bones_swarm_check_seeded(s->root, err);
  if (rc != BONES_OK) return rc;
  char *dir = bones_slot_dir(s->root, o->slot);
  char *wt = bones_slot_worktree(s->root, o->slot);
  char *leaf = bones_xasprintf("%s/leaf.fossil", dir);
  char *agent = bones_slot_agent(o->slot);
  bones_kv_bucket *sessions = NULL;
  struct bones_tasks *tasks = NULL;
  json_t *old = NULL, *task = NULL, *rec = NULL;
  char *task_id = NULL;
  uint64_t old_rev = 0, rev = 0;
  int64_t lease = 0, grace = 0, bucket_ttl = 0;
  int claimed = 0, held = 0, recorded = 0, wrote = 0;
  const char **files = NULL;
  size_t nfiles = 0;
  struct stat st;
  if (lstat(wt, &st) != 0 || !S_ISDIR(st.st_mode)) {
    rc = bones_error_set(err, BONES_E_NOTFOUND, "slot %s has no kept worktree to resume", o->slot);
    bones_error_hint(err, "open it anew with `bones swarm join --slot %s --task ID`; `bones recovery ls` lists saved copies",
                     o->slot);
  } else if (!bones_path_is_file(leaf)) {
    rc = bones_error_set(err, BONES_E_REFUSED, "slot %s: its leaf repository %s is gone, so the worktree cannot commit",
                         o->slot, leaf);
    bones_error_hint(err, "`bones swarm discard --slot %s` saves the worktree to recovery; then join anew and "
                          "`bones recovery restore ID --slot %s`", o->slot, o->slot);
  }
  if (rc == BONES_OK) rc = bones_session_lease_pick(o->session_lease, &lease, err);
  if (rc == BONES_OK) rc = bones_session_grace_pick(o->grace, lease, &grace, err);
  if (rc == BONES_OK) rc = bones_sessions_bucket_open(s->kv, &sessions, &bucket_ttl, err);
  if (rc == BONES_OK && bucket_ttl > 0 && lease > bucket_ttl)
    rc = bones_error_set(err, BONES_E_REFUSED, "slot %s: a session lease of %lld ms is longer than the TTL of bucket %s",
                         o->slot, (long long)lease, BONES_SESSIONS_BUCKET);
  if (rc == BONES_OK && bucket_ttl > 0 && grace > bucket_ttl - lease) grace = bucket_ttl - lease;
  if (rc == BONES_OK) rc = check_not_live(s, sessions, o->slot, "resume", &old, &old_rev, err);
  if (rc == BONES_OK) {
    task_id = bones_slot_recorded_task(s->root, o->slot, old);
    if (task_id == NULL) {
      rc = bones_error_set(err, BONES_E_NOTFOUND, "slot %s: no task is recorded for it", o->slot);
      bones_error_hint(err, "`bones swarm discard --slot %s` saves the worktree to recovery and removes the slot", o->slot);
    }
  }
  if (rc == BONES_OK) rc = bones_hub_ensure(s->root, err);
  if (rc == BONES_OK) rc = bones_tasks_open(s->kv, agent, &tasks, err);
  int64_t claim_ttl = BONES_CLAIM_TTL_DEFAULT_MS;
  if (claim_ttl < lease + grace) claim_ttl = lease + grace > BONES_LEASE_MAX_MS ? BONES_LEASE_MAX_MS : lease + grace;
  if (rc == BONES_OK) {
    json_t *before = NULL;
    struct bones_error gerr;
    int mine = bones_task_get(tasks, task_id, &before, &gerr) == BONES_OK && str(before, "claimed_by") &&
               strcmp(str(before, "claimed_by"), agent) == 0;
    json_decref(before);
    rc = bones_task_claim(tasks, task_id, claim_ttl, 0, &task, &wrote, err);
    claimed = rc == BONES_OK && !mine;
    if (rc != BONES_OK) {
      bones_error_prefix(err, "slot %s cannot be resumed (its worktree is left as it is)", o->slot);
      if (rc == BONES_E_CONFLICT)
        bones_error_hint(err, "wait for the holder to release it, or `bones swarm discard --slot %s` to save the work "
                              "to recovery", o->slot);
      else if (rc == BONES_E_REFUSED)
        bones_error_hint(err, "the task is done: `bones swarm discard --slot %s` saves the worktree to recovery", o->slot);
    }
  }
  if (rc == BONES_OK && task == NULL) rc = bones_task_get(tasks, task_id, &task, err);
  if (rc == BONES_OK) {
    files = task_files(task, &nfiles);
    struct bones_hold_owner owner = {agent, task_id, o->slot,
                                     (uint64_t)json_integer_value(json_object_get(task, "claim_epoch")), "swarm resume"};
    if (nfiles) rc = bones_holds_acquire(s->kv, files, nfiles, &owner, BONES_CLAIM_TTL_DEFAULT_MS, err);
    if (rc != BONES_OK) bones_error_prefix(err, "slot %s cannot be resumed (its worktree is left as it is)", o->slot);
    held = rc == BONES_OK && nfiles > 0;
  }
  if (rc == BONES_OK && old) { /* the expired record goes; a renewal meanwhile wins */
    rc = bones_kv_delete(sessions, o->slot, old_rev, err);
    if (rc == BONES_E_CONFLICT) {
      rc = bones_error_set(err, BONES_E_REFUSED, "slot %s is already active (its session was just renewed)", o->slot);
      bones_error_hint(err, "just use it: its worktree is `bones swarm cwd --slot %s`", o->slot);
    } else if (rc == BONES_E_NOTFOUND) rc = BONES_OK;
  }
  if (rc == BONES_OK) {
    char now[40];
    bones_format_time(bones_now_ms(), now, sizeof now);
    char *url = bones_ws_read_line(s->root, "hub-repo-url");
    rec = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:i}", "schema", "bones.session/v1",
                    "slot", o->slot, "task_id", task_id, "agent_id", agent, "host", bones_utf8_json(bones_hostname()),
                    "hub_url", bones_utf8_json(url), "started_at", now, "last_renewed", now, "lease_ms",
                    (json_int_t)lease, "grace_ms", (json_int_t)grace, "claim_epoch",
                    (json_int_t)json_integer_value(json_object_get(task, "claim_epoch")), "commits",
                    (int)json_integer_value(json_object_get(old, "commits")));
    if (rec) json_object_set_new(rec, "claim_ttl_ms", json_integer(claim_ttl));
    if (rec) json_object_set_new(rec, "resumed", json_true());
    free(url);
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    if (text == NULL) rc = bones_error_set(err, BONES_E_INTERNAL, "slot %s: cannot encode the session record", o->slot);
    else rc = bones_kv_create(sessions, o->slot, text, strlen(text), &rev, err);
    if (rc == BONES_E_EXISTS)
      rc = bones_error_set(err, BONES_E_REFUSED, "slot %s is already active (a concurrent join or resume won)", o->slot);
    free(text);
    recorded = rc == BONES_OK;
  }
  if (rc == BONES_OK) {
    char *marker = bones_xasprintf("%s/joined", dir);
    char *line = bones_xasprintf("%s\n", task_id);
    rc = bones_write_file_atomic(marker, line, strlen(line), 0600, err);
    free(line);
    free(marker);
  }
  if (rc == BONES_OK) {
    char *kept = bones_xasprintf("%s/kept", dir);
    unlink(kept);
    free(kept);
    struct bones_error perr;
    bones_presence_touch(s->kv, agent, o->slot, 0, &perr);
    bones_swarm_event(s->root, "slot_resume", o->slot, task_id, agent, NULL, NULL, NULL);
    json_object_set_new(rec, "worktree", bones_utf8_json(wt));
    *session = rec;
    rec = NULL;
  } else { /* undo what this call did; the worktree is never touched */
    struct bones_error uerr;
    if (recorded) bones_kv_delete(sessions, o->slot, rev, &uerr);
    if (held) bones_holds_release(s->kv, files, nfiles, agent, 0, NULL, &uerr);
    if (claimed) {
      json_t *t2 = NULL;
      bones_task_release(tasks, task_id, 0, 0, &t2, &uerr);
      json_decref(t2);
    }
  }
  json_decref(rec);
  json_decref(old);
  json_decref(task);
  free(files);
  free(task_id);
  bones_tasks_free(tasks);
  bones_kv_bucket_close(sessions);
  free(agent);
  free(leaf);
  free(wt);
  free(dir);
  return rc;
}

int bones_swarm_discard(struct bones_swarm *s, const char *slot, json_t **result, struct bones_error *err) {
  *result = NULL;
  int rc = bones_name_check("slot", slot, err);
  if (rc != BONES_OK) return rc;
  char *dir = bones_slot_dir(s->root, slot);
  char *wt = bones_slot_worktree(s->root, slot);
  char *agent = bones_slot_agent(slot);
  bones_kv_bucket *sessions = NULL;
  json_t *old = NULL;
  uint64_t old_rev = 0;
  char *task_id = NULL, *id = NULL, *to = NULL;
  struct stat st;
  if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    rc = bones_error_set(err, BONES_E_NOTFOUND, "slot %s has no directory to discard", slot);
    bones_error_hint(err, "`bones swarm status` lists the slots; `bones recovery ls` the saved copies");
  }
  if (rc == BONES_OK) rc = bones_sessions_bucket(s->kv, &sessions, err);
  if (rc == BONES_OK) rc = check_not_live(s, sessions, slot, "discard", &old, &old_rev, err);
  if (rc == BONES_OK) task_id = bones_slot_recorded_task(s->root, slot, old);
  /* first the copy, checked; only then anything is removed */
  if (rc == BONES_OK && lstat(wt, &st) == 0)
    rc = bones_recovery_save(s->root, wt, slot, task_id, "discard", s->repo, s->repo_handle, &id, &to, err);
  if (rc == BONES_OK && old) {
    struct bones_error derr;
    int drc = bones_kv_delete(sessions, slot, old_rev, &derr);
    if (drc == BONES_E_CONFLICT) {
      rc = bones_error_set(err, BONES_E_REFUSED, "slot %s was renewed meanwhile: it is active (its worktree is saved as %s)",
                           slot, id ? id : "-");
      bones_error_hint(err, "`bones recovery restore %s --slot %s` puts the files back", id ? id : "ID", slot);
    }
  }
  int released_task = 0;
  size_t released = 0;
  if (rc == BONES_OK) {
    struct bones_error e2;
    struct bones_tasks *t = NULL;
    if (task_id && bones_tasks_open(s->kv, agent, &t, &e2) == BONES_OK) {
      json_t *task = NULL;
      if (bones_task_get(t, task_id, &task, &e2) == BONES_OK && str(task, "claimed_by") &&
          strcmp(str(task, "claimed_by"), agent) == 0) {
        json_t *r = NULL;
        released_task = bones_task_release(t, task_id, 0, 0, &r, &e2) == BONES_OK;
        json_decref(r);
      }
      json_decref(task);
      bones_tasks_free(t);
    }
    bones_holds_release_agent(s->kv, agent, &released, &e2);
    bones_presence_remove(s->kv, agent, &e2);
    rc = bones_remove_tree(dir, err);
  }
  if (rc == BONES_OK) {
    bones_swarm_event(s->root, "slot_discard", slot, task_id, agent, NULL, NULL, NULL);
    *result = json_pack("{s:s, s:o, s:o, s:o, s:b, s:I}", "slot", slot, "task",
                        task_id ? bones_utf8_json(task_id) : json_null(), "recovery_id",
                        id ? bones_utf8_json(id) : json_null(), "recovered_to", to ? bones_utf8_json(to) : json_null(),
                        "task_released", released_task, "holds_released", (json_int_t)released);
  }
  json_decref(old);
  free(task_id);
  free(id);
  free(to);
  bones_kv_bucket_close(sessions);
  free(agent);
  free(wt);
  free(dir);
  return rc;
}
