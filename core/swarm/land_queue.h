/* land_queue.h: this host's queue of changes waiting for trunk
 * (.bones/land/).  A committer that finds the trunk gate busy leaves its
 * changes there as a bundle (a copy of its changed files and what to
 * commit); whoever then holds the trunk lease lands every queued bundle
 * with the repo's hub_land before it lets go, so slots waiting together
 * cost one lease round, not one each.  Each bundle ends in done/ with
 * its result; its owner reads it, brings its leaf up to trunk
 * (leaf_catch_up) and removes it.  A bundle whose owner died is landed
 * all the same (its changes are its slot's work) and removed by the
 * slot's next commit, or after BONES_LAND_DONE_KEEP_MS.
 *
 * Layout: land/tmp/ID (being written), land/queue/ID (waiting),
 * land/done/ID (landed, stale or failed: result.json), each holding
 * bundle.json and files/PATH; land/intent names the bundle a lander is
 * committing (a lander that dies there is recognised by the next one);
 * land/co is the landers' check-out of the hub. */
#ifndef BONES_LAND_QUEUE_H
#define BONES_LAND_QUEUE_H

#include <stdint.h>

#include <jansson.h>

#include "swarm.h"

#define BONES_LAND_ID_MAX 96
#define BONES_LAND_DONE_KEEP_MS (24LL * 3600 * 1000)

/* 1 when the queue is switched on ($BONES_LAND_QUEUE=1; off by default:
 * on a 2-core host it did not beat landing each commit under the lease,
 * docs/speed.md), the repo backend of s can land queued bundles
 * (leaf_checkout, hub_land and leaf_catch_up) and the hub file is on
 * this host. */
int bones_land_available(const struct bones_swarm *s);

/* Leaves the changes ([{path, change}] with 'A', 'M' or 'D'; anything
 * else is BONES_E_USAGE) of slot's worktree wt in the queue, to be
 * committed by user with message on top of base; id gets the bundle's
 * name.  The files are copied now: later edits are not part of it. */
int bones_land_enqueue(const char *root, const char *slot, const char *user, const char *message,
                       const char *base, const char *wt, json_t *changes, char id[BONES_LAND_ID_MAX],
                       struct bones_error *err);

/* For the holder of the trunk lease: lands every queued bundle (at most
 * max, oldest first) and moves each to done/ with its result.  Returns
 * the number landed; errors of single bundles go into their results. */
int bones_land_drain(struct bones_swarm *s, int max);

/* The result of bundle id: 1 with *result (the caller decrefs) when it
 * is done: {"state": "landed", "checkin", "trunk_leaves"} or {"state":
 * "stale", "files"} or {"state": "failed", "code", "error"}; 0 while it
 * waits in the queue; -1 when there is no such bundle. */
int bones_land_result(const char *root, const char *id, json_t **result);

/* After bundle id landed: sets slot worktree wt's landed files back and
 * updates it to trunk's tip (leaf_catch_up), only for files whose content
 * is still the bundle's (a file edited again meanwhile is merged as an
 * edit).  Conflicts go to conflict_fn.  Removes the bundle. */
int bones_land_catch_up(struct bones_swarm *s, const char *id, const char *wt, bones_repo_change_fn conflict_fn,
                        void *conflict_arg, struct bones_error *err);

/* Takes bundle id out of the queue while nobody lands it; 1 when it was
 * still waiting there (then nothing of it will land). */
int bones_land_withdraw(const char *root, const char *id);

/* Removes bundle id, waiting or done (its changes stay in the worktree
 * they were copied from). */
void bones_land_forget(const char *root, const char *id);

/* Before a commit of slot (agent, worktree wt): bundles of slot still
 * queued (their commit process stopped) are landed first, taking the
 * gate and the trunk lease for up to wait_ms; then wt catches up with
 * each bundle of slot that landed, and every done bundle of slot is
 * removed.  Returns the number caught up. */
int bones_land_settle(struct bones_swarm *s, const char *slot, const char *agent, const char *wt, int64_t wait_ms);

#endif
