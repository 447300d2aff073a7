/* view_watch.h: waiting until the picture of a swarm (view.h) may have
 * changed, from the substrate's watch where the backend has one: what
 * `bones top` and the hub's live page redraw on (issue 17).
 *
 * One thread per bucket the picture reads (tasks, sessions, holds,
 * checkpoints, handoffs, broadcasts and the trunk lease, which every
 * commit takes), each on its own connection (a watch blocks it).  Trunk
 * check-ins made outside a slot (git imports) and ages are not changes
 * of the substrate: callers still redraw now and then. */
#ifndef BONES_VIEW_WATCH_H
#define BONES_VIEW_WATCH_H

#include <bones/error.h>

struct bones_view_watch;

/* Starts watching the substrate of the workspace at root.  BONES_OK with
 * *out; BONES_E_UNSUPPORTED (and *out NULL) when its backend has no watch
 * (sqlite): the caller polls; another error when the substrate cannot be
 * reached.  Returns once each bucket has been looked at (3 s at most),
 * so a change made after it returns is seen.  Stop with
 * bones_view_watch_stop. */
int bones_view_watch_start(const char *root, struct bones_view_watch **out, struct bones_error *err);

/* Waits at most timeout_ms (0: just looks) for a change seen since the
 * last call; 1 when there was one, else 0.  NULL w: sleeps, returns 0. */
int bones_view_watch_wait(struct bones_view_watch *w, int timeout_ms);

/* Stops the threads (each within about a second) and frees w; NULL is a
 * no-op. */
void bones_view_watch_stop(struct bones_view_watch *w);

#endif
