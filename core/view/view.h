/* view.h: one picture of a workspace's swarm, for people: what `bones
 * top` draws and what the hub's live page shows (issue 17).  Read
 * only; every part is written against the KV and repo vtables.
 *
 * The picture is one JSON object (schema bones.top/v1, docs/top.md):
 *   {at, workspace,
 *    slots: [{slot, agent, task, title, state, idle_ms, commits, holds:[path]}],
 *    tasks: {total, open, ready, claimed, blocked, closed, ready_top:[{id, title, priority}]},
 *    trunk: {leaves, unapplied, checkins:[{id, user, when, comment}]},
 *    coord: {checkpoints:[{name, round, arrived:[agent], waiting:[agent]}],
 *            broadcasts:[{channel, agent, at, message}],
 *            handoffs:[{id, from, to, message, created_at}]}}
 * A part that cannot be read carries "error": TEXT instead of failing
 * the whole picture; a count that cannot be told is null. */
#ifndef BONES_VIEW_H
#define BONES_VIEW_H

#include <jansson.h>

#include <bones/kv.h>

#define BONES_VIEW_READY_TOP 5  /* ready tasks listed */
#define BONES_VIEW_CHECKINS 8   /* trunk check-ins listed */
#define BONES_VIEW_BROADCASTS 5 /* newest broadcasts listed */

/* Builds the picture of the workspace at root whose substrate is kv (the
 * caller's).  BONES_OK with *out (a new object the caller json_decrefs);
 * fails only when nothing can be read at all (no substrate answer). */
int bones_view_snapshot(const char *root, bones_kv *kv, json_t **out, struct bones_error *err);

/* The same picture with the last `checkins` trunk check-ins (1..500)
 * instead of BONES_VIEW_CHECKINS: the hub's live page draws its trunk
 * graph and per-slot timeline from them. */
int bones_view_snapshot_n(const char *root, bones_kv *kv, int checkins, json_t **out, struct bones_error *err);

#endif
