/* presence.h: agents' heartbeats in bucket bones-presence (DESIGN.md §6):
 * key = agent id, value {agent, host, pid?, slot, started_at?, last_seen},
 * bucket TTL 3 x heartbeat (default 10 s): a key that exists is a live
 * agent. */
#ifndef BONES_PRESENCE_H
#define BONES_PRESENCE_H

#include <sys/types.h>

#include <jansson.h>

#include <bones/kv.h>

#define BONES_PRESENCE_BUCKET "bones-presence"
#define BONES_HEARTBEAT_MS 10000
#define BONES_PRESENCE_TTL_MS (3 * BONES_HEARTBEAT_MS)

/* Refreshes agent's presence: one put.  pid is a long-lived process the
 * agent named (then pid and its started_at are recorded); 0 = none (never
 * the parent of this bones process: under a harness it is a throwaway
 * shell).  slot may be NULL. */
int bones_presence_touch(bones_kv *kv, const char *agent, const char *slot, pid_t pid, struct bones_error *err);

/* bones_presence_touch (no pid), skipped when this user touched the same
 * agent with the same slot on the same substrate less than half a
 * heartbeat ago (a stamp under ~/.bones/presence/, 0600 in a 0700 dir,
 * named by a hash of the substrate URL and the agent): the verbs an agent
 * runs in a tight loop write presence about once per heartbeat, not once
 * per call.  BONES_OK when skipped. */
int bones_presence_touch_lazy(bones_kv *kv, const char *agent, const char *slot, struct bones_error *err);

/* Drops the stamp of bones_presence_touch_lazy for agent on kv, so the
 * next lazy touch writes. */
void bones_presence_forget(bones_kv *kv, const char *agent);

/* 1 when agent has a live presence record, 0 when not; -1 and err on a
 * substrate error. */
int bones_presence_live(bones_kv *kv, const char *agent, struct bones_error *err);

/* Every live agent's record, sorted by agent id (a new reference the
 * caller releases with json_decref). */
int bones_presence_list(bones_kv *kv, json_t **agents, struct bones_error *err);

/* Removes agent's record (when it says goodbye); absent is fine. */
int bones_presence_remove(bones_kv *kv, const char *agent, struct bones_error *err);

#endif
