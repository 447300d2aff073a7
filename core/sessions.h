/* sessions.h: slot sessions (seed 000) in bucket bones-swarm-sessions
 * (TTL 5 min, renewed by every swarm verb), key = slot:
 *   {schema, slot, task_id, agent_id, host, leaf_pid, hub_url, started_at,
 *    last_renewed, claim_epoch, commits}
 * leaf_pid is the agent's own process.  Lifecycle events go to
 * .bones/swarm-events.jsonl (seed 000 format). */
#ifndef BONES_SESSIONS_H
#define BONES_SESSIONS_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include <bones/kv.h>

#include "slots.h"

#define BONES_SESSION_TTL_MS (5LL * 60 * 1000)

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

/* Opens the sessions bucket (created with its TTL). */
int bones_sessions_bucket(bones_kv *kv, bones_kv_bucket **b, struct bones_error *err);

/* The session of slot: BONES_E_NOTFOUND with the seed's message. */
int bones_session_get(bones_kv_bucket *b, const char *slot, json_t **session, uint64_t *rev, struct bones_error *err);

/* Refuses (BONES_E_REFUSED) a session recorded by another host. */
int bones_session_check_host(json_t *session, struct bones_error *err);

/* Renews last_renewed (and adds add_commits to commits) by CAS, retrying
 * on a concurrent change.  *session (may be NULL) gets the new record. */
int bones_session_renew(bones_kv_bucket *b, const char *slot, int add_commits, json_t **session,
                        struct bones_error *err);

/* Appends one line to .bones/swarm-events.jsonl: {ts, event, slot, ...}
 * with the non-NULL fields.  Best effort. */
void bones_swarm_event(const char *root, const char *event, const char *slot, const char *task, const char *agent,
                       const char *result, const char *no_artifact, const char *commit);

#endif
