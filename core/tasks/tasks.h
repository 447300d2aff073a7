/* tasks.h: the task backlog with exactly-once claims (DESIGN.md §6),
 * bucket bones-tasks (no TTL), key = task id ("t-" + 8 base32), value a
 * JSON record:
 *   {schema, id, title, status: open|claimed|closed, claimed_by, claim_epoch,
 *    lease_expires_at, files[], parent, edges[{type,target}], context{},
 *    priority, defer_until, created_at, created_by, updated_at, closed_at,
 *    closed_by, closed_reason, closed_forced, previous_claimer}
 * claimed_by is a string iff status is claimed (else null).  Every change
 * is one CAS update from a fresh read (a lost race is retried, bounded,
 * with jitter) followed by one event in bones-events.  Records are
 * jansson objects; functions that hand one out give a new reference the
 * caller json_decrefs. */
#ifndef BONES_TASKS_H
#define BONES_TASKS_H

#include <stdint.h>

#include <jansson.h>

#include <bones/kv.h>

#define BONES_TASKS_BUCKET "bones-tasks"
#define BONES_CLAIM_TTL_DEFAULT_MS (30LL * 60 * 1000)
#define BONES_TASK_TITLE_MAX 1024
#define BONES_TASK_FILES_MAX 256

struct bones_tasks; /* a backlog bound to a substrate and an agent */

/* Opens the backlog on kv as agent (a valid name).  kv stays the caller's.
 * Free with bones_tasks_free(). */
int bones_tasks_open(bones_kv *kv, const char *agent, struct bones_tasks **out, struct bones_error *err);
void bones_tasks_free(struct bones_tasks *t);

struct bones_task_spec {
  const char *title;         /* required, 1..1024 bytes, any UTF-8 */
  const char *const *files;  /* workspace-relative paths, may be NULL */
  size_t nfiles;
  const char *parent;        /* an existing task id, or NULL */
  int priority;              /* 0..4 (P0 most urgent), -1 = none */
  int64_t defer_until_ms;    /* 0 = none */
  json_t *context;           /* string values, borrowed, may be NULL */
};

/* Creates an open task. */
int bones_task_create(struct bones_tasks *t, const struct bones_task_spec *spec, json_t **task,
                      struct bones_error *err);

/* The full id for id_or_prefix (a unique prefix of an id, with or without
 * "t-"): BONES_E_NOTFOUND, or BONES_E_USAGE naming the candidates when
 * several match.  *id is malloc'd. */
int bones_task_resolve(struct bones_tasks *t, const char *id_or_prefix, char **id, struct bones_error *err);

/* id_or_prefix as a whole task id ("t-" added) when it has an id's full
 * length, unread: for an operation that reads the task anyway and says
 * "no task ..." when it is absent (one round trip less than resolve).
 * NULL when it is shorter or not a valid key (resolve it).  malloc'd. */
char *bones_task_whole_id(const char *id_or_prefix);

/* The record of id: BONES_E_NOTFOUND, BONES_E_CORRUPT ("corrupt record
 * bones-tasks/<id>: ..."). */
int bones_task_get(struct bones_tasks *t, const char *id, json_t **task, struct bones_error *err);

/* Every record, sorted by created_at then id.  Records that do not parse
 * are left out and reported in *corrupt (array of {key, error}). */
int bones_tasks_list(struct bones_tasks *t, json_t **tasks, json_t **corrupt, struct bones_error *err);

/* Claims id for the agent with a lease of ttl_ms (0 = 30 min).  Open ->
 * claimed, epoch + 1.  Already claimed by the agent: no write (*wrote 0).
 * Claimed by another: BONES_E_CONFLICT naming holder and lease expiry,
 * unless takeover and the lease expired and the holder has no live
 * presence (then the epoch is bumped and previous_claimer recorded).
 * Closed: BONES_E_REFUSED. */
int bones_task_claim(struct bones_tasks *t, const char *id, int64_t ttl_ms, int takeover, json_t **task, int *wrote,
                     struct bones_error *err);

/* Extends the agent's lease to now + ttl_ms.  Not the claimer:
 * BONES_E_REFUSED (stale when a takeover moved it). */
int bones_task_renew(struct bones_tasks *t, const char *id, int64_t ttl_ms, json_t **task, struct bones_error *err);

/* claimed -> open, by the claimer (or force).  epoch, when > 0, must be
 * the record's claim_epoch (else BONES_E_REFUSED: stale epoch). */
int bones_task_release(struct bones_tasks *t, const char *id, uint64_t epoch, int force, json_t **task,
                       struct bones_error *err);

/* -> closed with reason.  A claimed task only by its claimer, unless
 * force (recorded as closed_forced, the claimer it dispossessed as
 * previous_claimer).  epoch as for release. */
int bones_task_close(struct bones_tasks *t, const char *id, const char *reason, uint64_t epoch, int force,
                     json_t **task, struct bones_error *err);

/* Changes title, files, parent, priority, defer_until or context of an
 * open or claimed task; members of changes that are present apply
 * (context merges; a null value removes a key).  No change: no write. */
int bones_task_update(struct bones_tasks *t, const char *id, json_t *changes, json_t **task, int *wrote,
                      struct bones_error *err);

/* Adds the edge from -> to of type blocks|supersedes|duplicates|
 * discovered-from (stored on from).  Both must exist; an existing edge is
 * not added twice (*wrote 0). */
int bones_task_link(struct bones_tasks *t, const char *from, const char *to, const char *type, json_t **task,
                    int *wrote, struct bones_error *err);

/* The ready tasks among tasks (from bones_tasks_list): open, unclaimed,
 * not deferred at now_ms, not blocked by a non-closed task's `blocks`
 * edge, and with no non-closed child; sorted by priority (none last) then
 * age.  slot (may be NULL) keeps only context.slot == slot; "" keeps only
 * the tasks without a context.slot.  A new array. */
json_t *bones_tasks_ready(json_t *tasks, int64_t now_ms, const char *slot);

/* 1 when type is a known edge type. */
int bones_edge_type_valid(const char *type);

/* The agent the backlog acts as (borrowed from t). */
const char *bones_tasks_agent(const struct bones_tasks *t);

/* ---- claim the next ready task (core/tasks/tasks_next.c) ---- */

struct bones_claim_next_opts {
  int64_t ttl_ms;   /* the lease, as for bones_task_claim (0 = 30 min) */
  const char *slot; /* NULL, or only tasks with context.slot == slot */
  int another;      /* 1: claim a new task even when the agent holds one */
  int max_rounds;   /* times the ready list is read at most (0 = 8) */
};

/* Claims the most urgent ready task (bones_tasks_ready order) for the
 * agent through bones_task_claim, so epochs, events and leases are those
 * of `tasks claim ID`.  A candidate lost since the list was read (claimed
 * by another: CONFLICT; closed: REFUSED; deleted: NOTFOUND) moves on to
 * the next one; the list is read again only when every candidate was
 * lost, at most max_rounds times (then BONES_E_CONFLICT).  Unless
 * o->another, an agent that already holds a claimed task (matching
 * o->slot) gets that one back (its most urgent claim) with no write:
 * *wrote 0, *held 1.  Nothing ready: BONES_E_NOTFOUND "no ready task".
 * *task is a new reference the caller json_decrefs; lost (may be NULL)
 * counts the candidates lost to other agents. */
int bones_task_claim_next(struct bones_tasks *t, const struct bones_claim_next_opts *o, json_t **task, int *wrote,
                          int *held, int *lost, struct bones_error *err);

#endif
