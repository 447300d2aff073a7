/* trunk.h: the trunk lease that keeps the hub's trunk one straight line
 * (DESIGN.md §5): key "trunk" in bucket bones-hub holds
 * {holder, acquired_at, expires_ms}; taken by create-if-absent, taken over
 * by CAS when expired, released by CAS delete.  Only its holder syncs,
 * commits and pushes. */
#ifndef BONES_TRUNK_H
#define BONES_TRUNK_H

#include <stdint.h>

#include <bones/kv.h>

#define BONES_HUB_BUCKET "bones-hub"
#define BONES_TRUNK_LEASE_MS 60000

/* Takes the lease for holder, valid lease_ms, waiting up to wait_ms while
 * another holder has it (BONES_E_CONFLICT naming it when the wait runs
 * out).  *rev gets the lease's revision for the release. */
int bones_trunk_lease_take(bones_kv *kv, const char *holder, int64_t lease_ms, int64_t wait_ms, uint64_t *rev,
                           struct bones_error *err);

/* Releases the lease taken at rev.  BONES_E_CONFLICT when it was taken
 * over meanwhile (ours had expired). */
int bones_trunk_lease_release(bones_kv *kv, uint64_t rev, struct bones_error *err);

#endif
