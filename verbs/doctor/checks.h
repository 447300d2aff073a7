/* checks.h (verbs/doctor): the check groups of `bones doctor`, one file
 * each.  Every group appends its findings to run->report; with run->fix it
 * repairs what it safely can and reports that as fixed. */
#ifndef BONES_VERBS_DOCTOR_CHECKS_H
#define BONES_VERBS_DOCTOR_CHECKS_H

#include <bones/kv.h>
#include <bones/repo.h>
#include <bones/verb.h>

#include "doctor.h"
#include "hub.h"

struct doctor_run {
  struct bones_ctx *ctx;
  int fix;
  struct bones_doctor_report report;
  const char *root;                        /* the workspace, NULL with --all */
  struct bones_hub_status hub;             /* probed once by doctor_hub */
  bones_kv *kv;                            /* the substrate when it answered, else NULL */
  const struct bones_repo_backend_v1 *repo; /* the fossil backend, or NULL */
  void *repo_handle;
};

#define FIX_HINT "run `bones doctor --fix`"
#define FIX_ALL_HINT "run `bones doctor --all --fix`"

/* files.c: .bones/config.json readable; state file modes. */
void doctor_config(struct doctor_run *run);
void doctor_modes(struct doctor_run *run);

/* hub.c: hub.pid against a live process (fills run->hub); the hub's repo
 * (and managed substrate) server answering; the substrate reachable
 * (fills run->kv). */
void doctor_hub(struct doctor_run *run);
void doctor_substrate(struct doctor_run *run);

/* repo.c: the fossil tool present (fills run->repo); trunk forks in
 * .bones/hub.fossil; dead slots (pruned with --fix). */
void doctor_fossil(struct doctor_run *run);
void doctor_trunk(struct doctor_run *run);
void doctor_slots(struct doctor_run *run);

/* registry.c: this workspace's registry entry; orphan hubs; with --all,
 * every entry. */
void doctor_registry_entry(struct doctor_run *run);
void doctor_registry_all(struct doctor_run *run);
void doctor_orphans(struct doctor_run *run);

/* check_harness.c: the files `bones harness install` recorded, drifted or not
 * (no check without a manifest). */
void doctor_harness(struct doctor_run *run);

/* check_recovery.c: kept worktrees (warn, with the resume and discard
 * commands) and the copies in .bones/recovery/; --fix deletes neither. */
void doctor_kept(struct doctor_run *run);
void doctor_recovery(struct doctor_run *run);

/* check_durability.c: the durability mode recorded and what the substrate
 * (and a running hub's managed server) does with it; warns when the
 * running server was started with another mode or cannot keep it. */
void doctor_durability(struct doctor_run *run);

/* check_trunk_lease.c: the trunk lease free or held by a live holder;
 * expired or held by a holder that died on this host is a warning, and
 * --fix removes it at its revision. */
void doctor_trunk_lease(struct doctor_run *run);

#endif
