/* holds.h: leases on files (workspace-relative paths) or other resource
 * names, in bucket bones-holds (DESIGN.md §6):
 * key = "h/" + escaped path, value {path, agent, task, slot, epoch,
 * acquired_at, expires_at, reason}; bucket TTL = the longest hold (1 h).
 * A hold is live while expires_at (RFC3339) is in the future. */
#ifndef BONES_HOLDS_H
#define BONES_HOLDS_H

#include <stdint.h>

#include <jansson.h>

#include <bones/kv.h>

#define BONES_HOLDS_BUCKET "bones-holds"
#define BONES_HOLD_TTL_MAX_MS (3600 * 1000)

/* Who asks for holds, and for what. */
struct bones_hold_owner {
  const char *agent;  /* required */
  const char *task;   /* may be NULL */
  const char *slot;   /* may be NULL */
  uint64_t epoch;     /* the task's claim epoch, 0 when none */
  const char *reason; /* may be NULL */
};

/* Turns a path or resource name into a KV key ("h/..."): any byte is
 * allowed and escaped as =XX; a path with a ".." component (escaping the
 * workspace), an absolute path, or an empty one is BONES_E_USAGE.  *key
 * is malloc'd. */
int bones_hold_key(const char *path, char **key, struct bones_error *err);

/* Acquires holds on every path, all or nothing: paths are sorted and
 * de-duplicated, then taken one by one (create; renew when already the
 * owner's; take over by CAS when another agent's hold expired).  On the
 * first live hold of another agent every hold this call took is released
 * again and the result is BONES_E_CONFLICT naming path, holder and
 * expiry.  A hold on a directory covers every path beneath it: a path
 * whose ancestor or descendant another agent holds live is a conflict
 * too.  A path with a glob character ('*', '?', '[') is BONES_E_USAGE.
 * ttl_ms in (0, BONES_HOLD_TTL_MAX_MS]. */
int bones_holds_acquire(bones_kv *kv, const char *const *paths, size_t npaths, const struct bones_hold_owner *owner,
                        int64_t ttl_ms, struct bones_error *err);

/* Releases the owner's holds on paths (CAS delete at the revision read).
 * A path held by another agent is BONES_E_CONFLICT unless force; a path
 * not held is skipped.  *released (may be NULL) counts what was removed. */
int bones_holds_release(bones_kv *kv, const char *const *paths, size_t npaths, const char *agent, int force,
                        size_t *released, struct bones_error *err);

/* The paths among paths that another agent (not agent) holds live, as a
 * new JSON array of hold records (caller json_decrefs), empty when none.
 * A path counts as held when another agent holds it or one of its
 * ancestor directories; the record is that hold's, with "covers" set to
 * the path asked about.  For swarm commit: "which of these files may I
 * not commit?". */
int bones_holds_conflicts(bones_kv *kv, const char *const *paths, size_t npaths, const char *agent,
                          json_t **held, struct bones_error *err);

/* Every hold record (live and expired, each with "live": bool), sorted by
 * path; a new JSON array. */
int bones_holds_list(bones_kv *kv, json_t **holds, struct bones_error *err);

/* Moves every hold of from for task to to, at the claim epoch epoch (a
 * handoff that gave to the task, coord.h): CAS per record; a hold released
 * or taken meanwhile is left alone.  *moved (may be NULL) counts them. */
int bones_holds_transfer(bones_kv *kv, const char *task, const char *from, const char *to, uint64_t epoch,
                         size_t *moved, struct bones_error *err);

/* Releases every hold of agent (e.g. when its session is reaped). */
int bones_holds_release_agent(bones_kv *kv, const char *agent, size_t *released, struct bones_error *err);

/* BONES_E_USAGE when path holds a glob character ('*', '?', '['): holds
 * are literal paths, and a glob would look like a hold but cover nothing.
 * Task files become holds at `swarm join`, so tasks check them too. */
int bones_hold_path_check(const char *path, struct bones_error *err);

#endif
