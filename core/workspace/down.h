/* down.h: taking a workspace down (`bones down`) and reaping orphan hubs.
 *
 * bones_down_plan() looks at a workspace without changing anything and
 * lists the steps that undo `bones up` (stop the hub, remove .bones/, the
 * .bones/ line that up added to .gitignore, the registry entry) and the
 * slots that make it unsafe (live agents, uncommitted worktrees).
 * bones_down_apply() carries the steps out, refusing unsafe plans unless
 * forced.  Removing .bones/ deletes the hub repository: callers confirm
 * with the user first. */
#ifndef BONES_DOWN_H
#define BONES_DOWN_H

#include <stddef.h>
#include <sys/types.h>

#include <bones/error.h>
#include <bones/repo.h>

#include "registry.h"

enum bones_down_action {
  BONES_DOWN_STOP_HUB,     /* bones_hub_stop(force): the hub and its servers */
  BONES_DOWN_REMOVE_STATE, /* bones_remove_tree(<root>/.bones) */
  BONES_DOWN_GITIGNORE,    /* drop the `.bones/` line up added to .gitignore */
  BONES_DOWN_UNREGISTER,   /* bones_registry_remove(root) */
  BONES_DOWN_HARNESS       /* bones_harness_remove(root): what `harness install` wrote (before .bones/ goes) */
};

struct bones_down_step {
  enum bones_down_action action;
  char *target; /* the file, directory or pid it acts on (malloc'd) */
};

struct bones_down_plan {
  char *root;
  pid_t hub_pid;         /* from hub.pid, 0 when none */
  int hub_alive;
  char **live_slots;     /* "NAME (pid N)" of slots whose agent runs */
  size_t nlive;
  char **dirty_slots;    /* names of slots whose worktree has uncommitted work */
  size_t ndirty;
  struct bones_down_step *steps; /* in the order they run */
  size_t nsteps;
  char **unapplied;      /* "ID10 comment" of trunk check-ins never applied to git
                          * (newest first), or one line saying why that cannot be told */
  size_t nunapplied;
  int discard_unapplied; /* set by the caller: deleting unapplied check-ins is fine */
};

/* The trunk check-ins never applied to git: those of root's hub newer
 * than .bones/applied (before any apply: than the hub's seed), git
 * imports left out, none when trunk's files are those of that baseline.
 * *lines gets "ID10 comment" per check-in, newest first (malloc'd; free
 * with bones_strv_free); no hub: none.  Returns 1 when the list is
 * exact; 0 when it cannot be told, and then *lines is one line saying
 * why (an unreadable timeline, a .bones/applied naming no check-in). */
int bones_unapplied_checkins(const char *root, char ***lines, size_t *n);

/* Fills p for the workspace at root (which holds .bones/config.json),
 * changing nothing.  The fossil backend, when it loads, tells dirty
 * worktrees; otherwise a worktree with any file counts as dirty.  Every
 * member is malloc'd; free with bones_down_plan_clear(). */
int bones_down_plan(const char *root, struct bones_down_plan *p, struct bones_error *err);
void bones_down_plan_clear(struct bones_down_plan *p);

/* BONES_E_REFUSED naming the slots when p has live or dirty slots, or
 * listing the unapplied check-ins (removing .bones/ deletes the hub, the
 * only copy of trunk work that `bones apply` never landed in git) unless
 * p->discard_unapplied; else BONES_OK. */
int bones_down_refusal(const struct bones_down_plan *p, struct bones_error *err);

/* Called after each step: ok is 1 when it was done, 0 when it failed (err
 * then says why, and no later step runs). */
typedef void (*bones_down_report_fn)(void *arg, const struct bones_down_step *step, int ok,
                                     const struct bones_error *err);

/* Runs p's steps in order (refused by bones_down_refusal unless force),
 * stopping at the first failure.  report may be NULL. */
int bones_down_apply(const struct bones_down_plan *p, int force, bones_down_report_fn report, void *arg,
                     struct bones_error *err);

/* A stable name for JSON ("stop_hub"), static. */
const char *bones_down_action_name(enum bones_down_action a);

/* Reaps an orphan registry entry (hub alive, workspace gone): stops the
 * hub (SIGTERM, then SIGKILL; its process group when it leads one) only
 * when the entry's pid record (hub_pid + hub_pid_start) and the command
 * line prove it is that very hub (proc.h); a reused pid or an entry
 * without a start time is left alone and *killed stays 0.  Then removes
 * the entry.  *killed (may be NULL) is 1 when a process was stopped. */
int bones_orphan_reap(const struct bones_registry_entry *e, int *killed, struct bones_error *err);

/* Opens the fossil repo backend for work on root's slots: its state dir
 * is <root>/.bones/repo when that exists, else a temporary one (so merely
 * looking creates nothing).  On failure *repo and *handle are NULL and err
 * says why; callers may go on without a backend.  Close with
 * (*repo)->close(*handle). */
int bones_ws_repo_open(const char *root, const struct bones_repo_backend_v1 **repo, void **handle,
                       struct bones_error *err);

#endif /* BONES_DOWN_H */
