/* swarm.h: slots joining, committing through a strictly linear trunk and
 * closing (seed 000, DESIGN.md §5-§7).  A slot NAME works as agent
 * "slot-NAME" in .bones/swarm/NAME/{leaf.fossil, joined, leaf.pid, wt/};
 * it claims its task for its whole life, holds the task's files, and its
 * session lease is renewed by every verb run as the slot
 * (docs/liveness.md).  `joined` marks a slot whose session is open (a
 * closed slot's kept worktree has none); leaf.pid exists only when the
 * agent named a long-lived process with --pid. */
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

/* Takes slot's worktree lock (.bones/swarm/<slot>/commit.lock), waiting
 * up to wait_ms for another commit of the slot or the fossil processes a
 * killed one left running (they inherit the lock).  1 and *fd (release
 * with bones_slot_lock_drop) when taken; 0 when the wait ran out; -1 when
 * the lock file cannot be opened (a read-only .bones: no lock to take).
 * *fd is -1 unless 1. */
int bones_slot_lock_take(const char *root, const char *slot, int64_t wait_ms, int *fd);
/* Releases a lock bones_slot_lock_take gave; -1 is a no-op. */
void bones_slot_lock_drop(int fd);

/* "slot-<slot>", malloc'd. */
char *bones_slot_agent(const char *slot);

struct bones_join_opts {
  const char *slot;
  const char *task;  /* a task id (or unique prefix) */
  int force;         /* replace a live session of this host */
  pid_t pid;         /* a long-lived process of the agent (--pid); 0 = none:
                        the session lease alone says the slot is alive */
  int64_t lease_ms;  /* task claim lease (--ttl); 0 = max(30 min, session lease + grace) */
  const char *session_lease; /* --lease DURATION; NULL = $BONES_SESSION_LEASE or 5m */
  const char *grace;         /* --grace DURATION; NULL = $BONES_SESSION_GRACE or one lease */
  int next;                  /* --next: task is NULL; claim the most urgent ready task
                                (bones_task_claim_next) as the slot's agent */
};

/* BONES_OK when root's hub repository is seeded (`bones up` ran), else
 * BONES_E_NOWORKSPACE with the message that says to run it. */
int bones_swarm_check_seeded(const char *root, struct bones_error *err);

/* Joins: claims the task (o->task, or with o->next the most urgent ready
 * one: BONES_E_NOTFOUND when none is ready), holds its files, clones the hub into the slot,
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
  const char *summary;     /* NULL, or the text kept on the task as its summary */
};

/* Ends the slot (see `bones swarm close --help`). */
int bones_swarm_close(struct bones_swarm *s, const struct bones_close_opts *o, json_t **result,
                      struct bones_error *err);

/* Renews the slot's session, task lease, holds and presence. */
int bones_swarm_heartbeat(struct bones_swarm *s, const char *slot, json_t **session, struct bones_error *err);

/* Reaps this host's joined slots whose session is gone or whose lease
 * expired more than its grace ago (older_ms >= 0: whose last renewal is
 * older than older_ms instead), never one whose --pid process is alive:
 * releases claim and holds, moves a dirty worktree to .bones/recovery/,
 * removes the slot.  *reaped: array of {slot, task, recovered_to}. */
int bones_swarm_reap(struct bones_swarm *s, int64_t older_ms, json_t **reaped, struct bones_error *err);

/* Every session plus local slot state: array of records with pid_alive
 * (null: no pid, or another host's), worktree, state (active | idle |
 * stale), idle_ms, lease_ms, grace_ms, expires_at, reap_after. */
int bones_swarm_sessions(struct bones_swarm *s, json_t **sessions, struct bones_error *err);

/* The hub's lease watcher: reaps dead slots, silent when none. */
void bones_swarm_lease_watcher(const char *root, bones_kv *kv);

/* NULL while session's claim on its task is current (task claimed by the
 * session's agent at the session's epoch); else a malloc'd sentence saying
 * what happened ("task t-1 was force-closed by X at T", "... taken over by
 * Y ..."), for the refusals of swarm commit and close. */
char *bones_swarm_claim_lost(json_t *session, json_t *task);

#endif
