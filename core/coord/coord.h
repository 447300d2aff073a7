/* coord.h: the coordination primitives of seed 004, done right
 * (DESIGN.md §6 "Coordination"):
 *  - path claims are holds (holds.h); here only the one-path lookup;
 *  - checkpoints: a reusable barrier with rounds, bucket bones-checkpoints,
 *    key <name>/<agent> -> {agent, round, at};
 *  - handoffs: bucket bones-handoffs, key <to>/<id> -> {id, from, to,
 *    artifact, message, created_at, state, accepted_at};
 *  - broadcasts: bucket bones-broadcasts (TTL 7 days), key <channel>/<id>
 *    -> {id, channel, agent, message, at}.
 * Every record is JSON; every function returns an enum bones_rc and fills
 * err; json_t results are new references the caller json_decrefs. */
#ifndef BONES_COORD_H
#define BONES_COORD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <bones/kv.h>

#define BONES_CHECKPOINTS_BUCKET "bones-checkpoints"
#define BONES_HANDOFFS_BUCKET "bones-handoffs"
#define BONES_BROADCASTS_BUCKET "bones-broadcasts"
#define BONES_COORD_DAY_MS (24LL * 3600 * 1000)
#define BONES_CHECKPOINTS_TTL_MS (7 * BONES_COORD_DAY_MS)
#define BONES_HANDOFFS_TTL_MS (30 * BONES_COORD_DAY_MS)
#define BONES_BROADCASTS_TTL_MS (7 * BONES_COORD_DAY_MS)
#define BONES_COORD_POLL_MS 50 /* polling interval without the watch cap */
#define BONES_BROADCAST_ID_LEN 16

/* ---- shared (coord.c) ---- */

/* Opens one of the coordination buckets with its TTL.  Without create a
 * missing bucket gives BONES_OK with *b NULL (nothing stored yet). */
int bones_coord_bucket(bones_kv *kv, const char *name, int create, bones_kv_bucket **b, struct bones_error *err);

/* Validates a checkpoint or channel name (what: "checkpoint", "channel"):
 * bones_name_check, so '/', "..", empty and over 64 chars are
 * BONES_E_USAGE. */
int bones_coord_name_check(const char *what, const char *name, struct bones_error *err);

/* Waits until a key under prefix changes with a revision > after_rev, at
 * most timeout_ms: through watch when the backend has it, else one sleep
 * of at most BONES_COORD_POLL_MS.  *seen_rev (may be NULL) is raised to the
 * revision reported.  BONES_OK either way (timed out or changed); another
 * code when the substrate fails. */
int bones_coord_wait_change(bones_kv_bucket *b, const char *prefix, uint64_t after_rev, int64_t timeout_ms,
                            uint64_t *seen_rev, struct bones_error *err);

/* The live hold on path (a claim) as a record, or BONES_E_NOTFOUND.  When
 * path itself is not held, a live hold on one of its ancestor directories
 * (which covers it) is returned, with "covers" set to path. */
int bones_coord_owner(bones_kv *kv, const char *path, json_t **hold, struct bones_error *err);

/* ---- checkpoints (coord_barrier.c) ---- */

/* agent arrives at checkpoint name: its round goes up by one (1 the first
 * time), by CAS.  *rec gets the stored {agent, round, at}. */
int bones_checkpoint_arrive(bones_kv *kv, const char *name, const char *agent, json_t **rec, struct bones_error *err);

struct bones_checkpoint_wait {
  const char *name;
  const char *const *agents; /* who must arrive */
  size_t nagents;
  uint64_t round;     /* 0: the caller's own round, else the highest any named agent reached */
  const char *self;   /* the caller (for round 0), may be NULL */
  int64_t timeout_ms; /* 0 = no bound */
  volatile sig_atomic_t *stop; /* set by a signal handler: stop waiting (may be NULL) */
};

/* Waits until every named agent reached round w->round (>=): BONES_OK with
 * *state = {name, round, agents: [{agent, round, at}]}; BONES_E_TIMEOUT
 * naming the missing agents; BONES_E_INTERNAL "interrupted" when *w->stop
 * was set; another code when the substrate fails.  *round_out gets the
 * round waited for. */
int bones_checkpoint_wait(bones_kv *kv, const struct bones_checkpoint_wait *w, uint64_t *round_out, json_t **state,
                          struct bones_error *err);

/* The key prefix of agent's records ("<agent>/"; a final '.' written
 * "=2E" so the key stays valid), malloc'd: handoffs and messages. */
char *bones_coord_agent_prefix(const char *agent);

/* The full id (BONES_TIME_ID_LEN + 1 bytes in id) of the record whose id
 * starts with given (a unique prefix or the whole id), looked up under
 * key_prefix first, then in the whole bucket.  BONES_E_NOTFOUND ("no
 * WHAT ID"), BONES_E_USAGE for an ambiguous prefix (hint: how to list). */
int bones_coord_resolve_id(bones_kv_bucket *b, const char *key_prefix, const char *given, const char *what,
                           const char *hint, char *id, struct bones_error *err);

/* Sorts an array of records by their "id" (time-ordered ids: oldest
 * first), in place. */
void bones_coord_sort_by_id(json_t *records);

/* ---- handoffs (coord_handoff.c) ---- */

/* A new pending handoff from -> to (unique time-ordered id). */
int bones_handoff_create(bones_kv *kv, const char *from, const char *to, const char *artifact, const char *message,
                         json_t **rec, struct bones_error *err);

/* bones_handoff_create with the members of extra (may be NULL) added to
 * the record (a task handoff's task, epoch, expires_at). */
int bones_handoff_create_with(bones_kv *kv, const char *from, const char *to, const char *artifact, const char *message,
                              json_t *extra, json_t **rec, struct bones_error *err);

/* A handoff of a claimed task: from (the task's claimer) offers the claim
 * on task to to, valid ttl_ms (0: BONES_HANDOFF_TASK_TTL_MS).  The record
 * carries {task, epoch (the claim's now), expires_at}; artifact is
 * "task <id>".  BONES_E_REFUSED unless from claims task now. */
#define BONES_HANDOFF_TASK_TTL_MS (60LL * 60 * 1000)
int bones_handoff_create_task(bones_kv *kv, const char *from, const char *to, const char *task, const char *message,
                              int64_t ttl_ms, json_t **rec, struct bones_error *err);

/* agent declines handoff id (whole or unique prefix): pending -> declined.
 * For a task handoff the task record decides first (one CAS on it serves
 * accept or decline, never both): BONES_E_REFUSED when it was accepted.
 * Declining again changes nothing. */
int bones_handoff_decline(bones_kv *kv, const char *agent, const char *id, json_t **rec, struct bones_error *err);

/* The handoffs addressed exactly to to (NULL: everyone's), pending ones
 * only unless all, in id (time) order; a new array. */
int bones_handoff_list(bones_kv *kv, const char *to, int all, json_t **list, struct bones_error *err);

/* agent accepts handoff id (the whole id or a unique prefix of it; CAS
 * pending -> accepted).  BONES_E_NOTFOUND for an unknown id, BONES_E_USAGE
 * for an ambiguous prefix, BONES_E_REFUSED when addressed to another agent
 * or no longer pending.  A task handoff moves the claim first, in one CAS
 * on the task record (the commit point: claimed_by from -> agent, epoch
 * + 1, previous_claimer from, handoffs[id] = "accepted", event "handoff"),
 * refused when the claim is no longer from's at the handoff's epoch (the
 * sender closed or released it, another handoff of it was accepted) or
 * the handoff expired; then from's holds of the task move to agent, then
 * the handoff record says accepted ("epoch": the new one).  Accepting
 * again after a crash between the two finishes the job. */
int bones_handoff_accept(bones_kv *kv, const char *agent, const char *id, json_t **rec, struct bones_error *err);

/* ---- broadcasts (coord_broadcast.c) ---- */

/* Sends message on channel: the id is the channel's next sequence number
 * (16 decimal digits), see coord_broadcast.c for why this makes cursors
 * exact. */
int bones_broadcast_send(bones_kv *kv, const char *channel, const char *agent, const char *message, json_t **rec,
                         struct bones_error *err);

/* Messages of channel with an id after after (NULL/"" = from the oldest),
 * in id order, at most limit (0 = all).  *last_rev (may be NULL) gets the
 * highest revision listed (for bones_coord_wait_change). */
int bones_broadcast_read(bones_kv *kv, const char *channel, const char *after, size_t limit, json_t **msgs,
                         uint64_t *last_rev, struct bones_error *err);

/* 1 when id has the form of a broadcast id (BONES_BROADCAST_ID_LEN digits). */
int bones_broadcast_id_valid(const char *id);

#endif
