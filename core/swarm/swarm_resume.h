/* swarm_resume.h: kept slots re-opened or discarded (docs/recovery.md).
 * A kept slot has its worktree .bones/swarm/NAME/wt but no live session:
 * closed with --result fail|fork (then .bones/swarm/NAME/kept records
 * {task, result, closed_at}), or its session expired or went. */
#ifndef BONES_SWARM_RESUME_H
#define BONES_SWARM_RESUME_H

#include <jansson.h>

#include "swarm.h"

struct bones_resume_opts {
  const char *slot;
  const char *session_lease; /* as join's --lease; NULL = $BONES_SESSION_LEASE or 5m */
  const char *grace;         /* as join's --grace */
};

/* Re-opens a kept slot: claims its recorded task again as slot-NAME
 * (claimed by another: BONES_E_CONFLICT naming the holder; closed:
 * BONES_E_REFUSED), holds the task's files, records a new session, keeps
 * the worktree with its changes.  A live slot: BONES_E_REFUSED ("already
 * active"); no kept worktree: BONES_E_NOTFOUND with a join hint.  On any
 * failure what it did is undone and the worktree is untouched.  *session
 * as join's, with worktree. */
int bones_swarm_resume(struct bones_swarm *s, const struct bones_resume_opts *o, json_t **session,
                       struct bones_error *err);

/* Saves a kept slot's worktree to .bones/recovery/ (reason "discard",
 * the move checked first), then removes the slot's dir, session, holds,
 * presence, and its task claim when the slot still holds it.  A live
 * slot: BONES_E_REFUSED.  *result: {slot, task, recovery_id, recovered_to,
 * task_released, holds_released}. */
int bones_swarm_discard(struct bones_swarm *s, const char *slot, json_t **result, struct bones_error *err);

/* Writes .bones/swarm/<slot>/kept (best effort): what swarm close with a
 * kept worktree leaves for resume and doctor. */
void bones_slot_kept_note(const char *root, const char *slot, const char *task, const char *result);

/* The task recorded for slot: session's task_id, else the `joined`
 * marker, else the `kept` note; malloc'd or NULL. */
char *bones_slot_recorded_task(const char *root, const char *slot, json_t *session);

#endif
