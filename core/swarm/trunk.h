/* trunk.h: the trunk lease that keeps the hub's trunk one straight line
 * (DESIGN.md §5): key "trunk" in bucket bones-hub holds
 * {holder, acquired_at, expires_ms, pid, start, scope}; taken by
 * create-if-absent, released by CAS delete, taken over by CAS when it
 * expired (BONES_TRUNK_LEASE_MS after it was taken) or when its holder
 * died on this host: its process (pid + start time, in the same boot and
 * pid namespace: scope) is gone, nothing it started still runs, and it was
 * seen so for BONES_TRUNK_DEAD_GRACE_MS (a request it sent may still be at
 * the hub).  Only its holder syncs, commits and pushes. */
#ifndef BONES_TRUNK_H
#define BONES_TRUNK_H

#include <stdint.h>

#include <bones/kv.h>

#define BONES_HUB_BUCKET "bones-hub"
#define BONES_TRUNK_LEASE_MS 60000
#define BONES_TRUNK_DEAD_GRACE_MS 500

/* Takes the lease for holder, valid lease_ms, waiting up to wait_ms while
 * another holder has it (BONES_E_CONFLICT naming it when the wait runs
 * out).  *rev gets the lease's revision for the release. */
int bones_trunk_lease_take(bones_kv *kv, const char *holder, int64_t lease_ms, int64_t wait_ms, uint64_t *rev,
                           struct bones_error *err);

/* The trunk lease as bones_trunk_lease_look found it. */
struct bones_trunk_lease {
  int held;            /* 0: free (the rest is zero) */
  char holder[128];    /* as recorded ("?" when the record has none) */
  long long pid;       /* the holder's process, 0 when not recorded */
  int64_t expires_ms;  /* wall clock, ms since the epoch */
  uint64_t rev;        /* the record's revision (for bones_trunk_lease_release) */
  int expired;         /* past expires_ms, or a record that does not parse */
  int dead;            /* its holder died on this host and nothing it started
                          still runs (no grace period applied) */
};

/* Reads the lease without changing it into *out.  BONES_OK whether it is
 * free or held; the substrate's error otherwise. */
int bones_trunk_lease_look(bones_kv *kv, struct bones_trunk_lease *out, struct bones_error *err);

/* This host's queue in front of the lease (trunk_gate.c): committers of
 * the workspace at root take an exclusive flock on .bones/trunk.gate
 * before they ask the substrate, so while one of them holds the lease the
 * others wait in the kernel instead of polling the substrate (a hundred
 * pollers eat the CPU the holder needs).  Waits up to min(wait_ms,
 * BONES_TRUNK_LEASE_MS): a holder that hangs is passed by after one lease
 * period, as the lease itself would be.  Returns 1 with *fd to hand to
 * bones_trunk_gate_leave (not inherited by programs started meanwhile),
 * 0 when the gate was not taken (busy past the wait, or no file): the
 * lease alone still excludes. */
int bones_trunk_gate_enter(const char *root, int64_t wait_ms, int *fd);
/* Leaves the gate taken by bones_trunk_gate_enter (fd -1: nothing). */
void bones_trunk_gate_leave(int fd);

/* Releases the lease taken at rev.  BONES_E_CONFLICT when it was taken
 * over meanwhile (ours had expired). */
int bones_trunk_lease_release(bones_kv *kv, uint64_t rev, struct bones_error *err);

#endif
