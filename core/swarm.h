/* swarm.h: slots joining, committing through a strictly linear trunk and
 * closing (seed 000, DESIGN.md §5-§7).  A slot NAME works as agent
 * "slot-NAME" in .bones/swarm/NAME/{leaf.fossil, leaf.pid, wt/}; it
 * claims its task for its whole life, holds the task's files, and its
 * session record is renewed by every swarm verb. */
#ifndef BONES_SWARM_H
#define BONES_SWARM_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include <bones/kv.h>
#include <bones/repo.h>

struct bones_swarm {
  char *root;
  bones_kv *kv; /* borrowed */
  const struct bones_repo_backend_v1 *repo;
  void *repo_handle;
};

/* Binds root's slots to kv and the repo backend.  Release with
 * bones_swarm_free(). */
int bones_swarm_open(const char *root, bones_kv *kv, struct bones_swarm *s, struct bones_error *err);
void bones_swarm_free(struct bones_swarm *s);

/* .bones/swarm/<slot>[/wt], malloc'd. */
char *bones_slot_dir(const char *root, const char *slot);
char *bones_slot_worktree(const char *root, const char *slot);

/* "slot-<slot>", malloc'd. */
char *bones_slot_agent(const char *slot);

struct bones_join_opts {
  const char *slot;
  const char *task;  /* a task id (or unique prefix) */
  int force;         /* replace a live session of this host */
  pid_t pid;         /* the agent's process; 0 = our parent */
  int64_t lease_ms;  /* task lease, renewed by every verb; 0 = 30 min */
};

/* Joins: claims the task, holds its files, clones the hub into the slot,
 * records the session.  On any failure everything done is undone. */
int bones_swarm_join(struct bones_swarm *s, const struct bones_join_opts *o, json_t **session,
                     struct bones_error *err);

struct bones_commit_opts {
  const char *slot;
  const char *message;
  const char *const *files; /* NULL = every change of the worktree */
  size_t nfiles;
  int64_t wait_ms;          /* bound on waiting for the trunk lease; 0 = 300 s */
};

/* Commits the slot's changes onto trunk under the trunk lease: sync
 * (merge conflicts: BONES_E_CONFLICT listing them, nothing committed),
 * refuse files another agent holds (BONES_E_CONFLICT naming the holder),
 * commit, push, verify one trunk leaf, release, renew.  *result:
 * {slot, task, checkin, files[], trunk_leaves}. */
int bones_swarm_commit(struct bones_swarm *s, const struct bones_commit_opts *o, json_t **result,
                       struct bones_error *err);

struct bones_close_opts {
  const char *slot;
  const char *result;      /* success | fail | fork */
  const char *no_artifact; /* reason to close success without a commit */
  int keep_wt;
};

/* Ends the slot (see `bones swarm close --help`). */
int bones_swarm_close(struct bones_swarm *s, const struct bones_close_opts *o, json_t **result,
                      struct bones_error *err);

/* Renews the slot's session, task lease, holds and presence. */
int bones_swarm_heartbeat(struct bones_swarm *s, const char *slot, json_t **session, struct bones_error *err);

/* Reaps slots whose agent process is dead on this host and whose session
 * is gone or older than older_ms: releases claim and holds, moves a dirty
 * worktree to .bones/recovery/, removes the slot.  *reaped: array of
 * {slot, task, recovered_to}. */
int bones_swarm_reap(struct bones_swarm *s, int64_t older_ms, json_t **reaped, struct bones_error *err);

/* Every session plus local slot state: array of records with pid_alive,
 * worktree. */
int bones_swarm_sessions(struct bones_swarm *s, json_t **sessions, struct bones_error *err);

/* The hub's lease watcher: reaps dead slots, silent when none. */
void bones_swarm_lease_watcher(const char *root, bones_kv *kv);

/* NULL while session's claim on its task is current (task claimed by the
 * session's agent at the session's epoch); else a malloc'd sentence saying
 * what happened ("task t-1 was force-closed by X at T", "... taken over by
 * Y ..."), for the refusals of swarm commit and close. */
char *bones_swarm_claim_lost(json_t *session, json_t *task);

#endif
