/* sessions.h: slot sessions (seed 000) in bucket bones-swarm-sessions,
 * key = slot:
 *   {schema, slot, task_id, agent_id, host, leaf_pid?, hub_url, started_at,
 *    last_renewed, lease_ms, grace_ms, claim_ttl_ms, claim_epoch, commits}
 * A slot is alive while its session lease runs: last_renewed + lease_ms.
 * Every verb run as the slot renews it (docs/liveness.md).  Once the lease
 * expired by grace_ms more, the slot may be reaped -- never while leaf_pid
 * (present only when the agent named a long-lived process with --pid)
 * is alive on this host.  claim_ttl_ms is the task claim's lease that
 * swarm renewals apply (--ttl, else max(30 min, lease + grace)).  The
 * bucket's own TTL is only a backstop
 * (BONES_SESSIONS_BUCKET_TTL_MS).  Lifecycle events go to
 * .bones/swarm-events.jsonl (seed 000 format). */
#ifndef BONES_SESSIONS_H
#define BONES_SESSIONS_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include <bones/kv.h>

#include "slots.h"

/* The default session lease (also $BONES_SESSION_LEASE, join --lease). */
#define BONES_SESSION_TTL_MS (5LL * 60 * 1000)
#define BONES_SESSION_LEASE_MIN_MS 1000LL
/* The sessions bucket's TTL when bones creates it: longer than any lease
 * plus any grace, so only the record's own lease decides.  A bucket an
 * older bones created keeps its TTL (5 min): see bones_sessions_bucket_open. */
#define BONES_SESSIONS_BUCKET_TTL_MS (2 * BONES_LEASE_MAX_MS)
/* A slot is "active" when renewed within min(this, lease/2), else "idle"
 * until its lease expires, then "stale". */
#define BONES_SESSION_ACTIVE_MS (30LL * 1000)

/* The seed's error texts (the role-leak wording of not-bootstrapped is on
 * purpose: a leaf must not be told to bootstrap). */
#define BONES_ERR_SESSION_LIVE "live session already on this slot; pass --force to take over"
#define BONES_ERR_SESSION_FOREIGN "session owned by another host; refusing cross-host takeover"
#define BONES_ERR_CROSS_HOST "cross-host operation refused; run the verb on the slot's owning host"
#define BONES_ERR_SESSION_NOT_FOUND "session record not found; run `bones swarm join` first"
#define BONES_ERR_CLOSE_ARTIFACT                                                                       \
  "close --result=success refused: no commit landed since join; either commit the slot's artifact " \
  "first or pass --no-artifact=<reason>"
#define BONES_ERR_NOT_BOOTSTRAPPED                                                                   \
  "workspace not bootstrapped: the orchestrator must bring up the hub before leaves can join; " \
  "refusing to bootstrap from a leaf context"

/* This machine's name (static buffer). */
const char *bones_hostname(void);

/* Opens the sessions bucket: an existing one with whatever TTL it has, a
 * missing one created with BONES_SESSIONS_BUCKET_TTL_MS.  *ttl_ms (may be
 * NULL) gets the bucket's TTL (0 = none). */
int bones_sessions_bucket_open(bones_kv *kv, bones_kv_bucket **b, int64_t *ttl_ms, struct bones_error *err);
int bones_sessions_bucket(bones_kv *kv, bones_kv_bucket **b, struct bones_error *err);

/* The session of slot: BONES_E_NOTFOUND with the seed's message. */
int bones_session_get(bones_kv_bucket *b, const char *slot, json_t **session, uint64_t *rev, struct bones_error *err);

/* Refuses (BONES_E_REFUSED) a session recorded by another host. */
int bones_session_check_host(json_t *session, struct bones_error *err);

/* Renews last_renewed (and adds add_commits to commits) by CAS, retrying
 * on a concurrent change.  *session (may be NULL) gets the new record. */
int bones_session_renew(bones_kv_bucket *b, const char *slot, int add_commits, json_t **session,
                        struct bones_error *err);

/* The session lease: given (a --lease value, NULL = none), else
 * $BONES_SESSION_LEASE, else BONES_SESSION_TTL_MS; 1s..30d.  The grace:
 * given, else $BONES_SESSION_GRACE, else one lease; 0..30d.  BONES_E_USAGE
 * naming the option or variable when malformed. */
int bones_session_lease_pick(const char *given, int64_t *lease_ms, struct bones_error *err);
int bones_session_grace_pick(const char *given, int64_t lease_ms, int64_t *grace_ms, struct bones_error *err);

/* The times of a session record, in ms since the epoch (records of an
 * older bones without lease_ms / grace_ms get the defaults). */
struct bones_session_times {
  int64_t renewed;   /* last_renewed; 0 when unreadable */
  int64_t lease_ms;
  int64_t grace_ms;
  int64_t expires_at; /* renewed + lease */
  int64_t reap_at;    /* expires_at + grace: reapable after it */
};
void bones_session_times_of(json_t *session, struct bones_session_times *t);

/* "active" (renewed within min(BONES_SESSION_ACTIVE_MS, lease/2)), "idle"
 * (lease valid, quiet), or "stale" (lease expired) at now (static). */
const char *bones_session_state(const struct bones_session_times *t, int64_t now);

/* Renews the session of slot (last_renewed only): what every verb run as
 * that slot does.  BONES_E_NOTFOUND when it has none. */
int bones_session_touch(bones_kv *kv, const char *slot, struct bones_error *err);

/* Appends one line to .bones/swarm-events.jsonl: {ts, event, slot, ...}
 * with the non-NULL fields.  Best effort. */
void bones_swarm_event(const char *root, const char *event, const char *slot, const char *task, const char *agent,
                       const char *result, const char *no_artifact, const char *commit);

/* The record bones_swarm_event appends (a new reference, NULL on no
 * memory), for a caller that adds members before bones_swarm_event_append. */
json_t *bones_swarm_event_record(const char *event, const char *slot, const char *task, const char *agent,
                                 const char *result, const char *no_artifact, const char *commit);

/* Appends e as one line to .bones/swarm-events.jsonl (0600, O_APPEND) and
 * drops the caller's reference to e (may be NULL).  Best effort. */
void bones_swarm_event_append(const char *root, json_t *e);

#endif
