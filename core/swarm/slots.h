/* slots.h: slot directories under .bones/swarm/<slot>/ and their garbage
 * collection (seed 003).  A slot dir holds leaf.fossil, `joined` (written
 * by swarm join, removed when the slot closes: a kept worktree of a closed
 * slot has none), leaf.pid (only when the agent named a long-lived process
 * with --pid) and wt/ (the worktree).
 *
 * Dead slot = joined (the marker, or a leaf.pid of an older bones), its
 * --pid process (if any) not running, AND no live session: the record of
 * key <slot> in bucket bones-swarm-sessions is gone or its lease expired
 * more than its grace ago (docs/liveness.md).  Without a substrate, a slot
 * with a pid is judged by the pid alone, one without is never dead.
 * Pruning never deletes a worktree with uncommitted changes: it moves it
 * to .bones/recovery/<slot>-<time>/. */
#ifndef BONES_SLOTS_H
#define BONES_SLOTS_H

#include <sys/types.h>

#include <bones/kv.h>
#include <bones/repo.h>

#define BONES_SESSIONS_BUCKET "bones-swarm-sessions"

struct bones_slot {
  char *name;
  pid_t pid;        /* from leaf.pid, 0 when absent */
  int pid_alive;
  int session_live; /* -1 unknown (no substrate), 0 no (gone, or past lease
                       + grace), 1 yes */
  int joined;       /* a session was opened and not closed (marker) */
};

/* Every slot directory, sorted by name.  kv may be NULL (sessions then
 * count as unknown, and only the pid decides).  Free with
 * bones_slots_free(). */
int bones_slots_list(const char *root, bones_kv *kv, struct bones_slot **slots, size_t *n,
                     struct bones_error *err);
void bones_slots_free(struct bones_slot *slots, size_t n);

/* 1 when s is dead by the rule above. */
int bones_slot_dead(const struct bones_slot *s);

/* 1 when s may have a working agent: its --pid process runs, or it is
 * joined and its session is live (or, for a slot without a pid, cannot be
 * read).  What `hub stop` and `down` refuse over. */
int bones_slot_active(const struct bones_slot *s);

/* What pruning did to one slot. */
struct bones_slot_pruned {
  char *name;
  char *recovered_to; /* where its worktree went, or NULL when it had no changes */
};

/* Removes every dead slot dir, first moving a worktree with uncommitted
 * changes (per repo's leaf_changes; when that cannot tell, any worktree
 * with files) to .bones/recovery/.  dry_run reports without touching.
 * *out is malloc'd; free with bones_slots_pruned_free(). */
int bones_slots_prune(const char *root, bones_kv *kv, const struct bones_repo_backend_v1 *repo, void *repo_handle,
                      int dry_run, struct bones_slot_pruned **out, size_t *n, struct bones_error *err);
void bones_slots_pruned_free(struct bones_slot_pruned *p, size_t n);

/* 1 when the worktree at wt has uncommitted changes (or cannot be read). */
int bones_worktree_dirty(const char *wt, const struct bones_repo_backend_v1 *repo, void *repo_handle);

#endif
