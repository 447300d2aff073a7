/* check_trunk_lease.c: doctor check on the trunk lease (core/swarm/trunk.h): free
 * or held by a live holder is fine; expired, or held by a holder that died
 * on this host, is reported, and --fix removes it at its revision (the next
 * commit would take it over anyway). */
#include "config.h"

#include <stdio.h>

#include "checks.h"
#include "trunk.h"
#include "util.h"

#define CHECK "trunk.lease"

void doctor_trunk_lease(struct doctor_run *run) {
  if (run->kv == NULL) return; /* the substrate check says why */
  struct bones_trunk_lease lease;
  struct bones_error err;
  if (bones_trunk_lease_look(run->kv, &lease, &err) != BONES_OK) {
    bones_doctor_add(&run->report, run->root, CHECK, BONES_CHECK_WARN, NULL, "cannot read the trunk lease: %s",
                     err.message);
    return;
  }
  char until[40];
  bones_format_time(lease.expires_ms, until, sizeof until);
  if (!lease.held) {
    bones_doctor_add(&run->report, run->root, CHECK, BONES_CHECK_OK, NULL, "free");
    return;
  }
  if (!lease.expired && !lease.dead) {
    bones_doctor_add(&run->report, run->root, CHECK, BONES_CHECK_OK, NULL, "held by %s (process %lld) until %s",
                     lease.holder, lease.pid, until);
    return;
  }
  char why[160];
  if (lease.expired) snprintf(why, sizeof why, "expired at %s", until);
  else snprintf(why, sizeof why, "its process %lld is gone", lease.pid);
  if (!run->fix) {
    bones_doctor_add(&run->report, run->root, CHECK, BONES_CHECK_WARN,
                     FIX_HINT " (removes it; the next `swarm commit` would take it over)",
                     "held by %s, but %s", lease.holder, why);
    return;
  }
  int rc = bones_trunk_lease_release(run->kv, lease.rev, &err);
  if (rc == BONES_OK)
    bones_doctor_add(&run->report, run->root, CHECK, BONES_CHECK_FIXED, NULL, "removed the lease of %s (%s)",
                     lease.holder, why);
  else if (rc == BONES_E_CONFLICT) /* taken over meanwhile: someone's live lease now */
    bones_doctor_add(&run->report, run->root, CHECK, BONES_CHECK_OK, NULL, "taken by a commit while looked at");
  else
    bones_doctor_add(&run->report, run->root, CHECK, BONES_CHECK_WARN, NULL, "held by %s, but %s; cannot remove it: %s",
                     lease.holder, why, err.message);
}
