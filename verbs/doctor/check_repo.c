/* check_repo.c: doctor checks that need the repo backend: fossil present,
 * trunk forks in the hub repository, dead slots (pruned with --fix, their
 * uncommitted worktrees moved to .bones/recovery/ first). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "down.h"
#include "slots.h"
#include "util.h"
#include "workspace.h"

void doctor_fossil(struct doctor_run *run) {
  struct bones_error err;
  bones_error_clear(&err);
  char version[64] = "";
  int rc = bones_ws_repo_open(run->root, &run->repo, &run->repo_handle, &err);
  if (rc == BONES_OK) rc = run->repo->probe(run->repo_handle, version, sizeof version, &err);
  if (rc == BONES_OK)
    bones_doctor_add(&run->report, run->root, "fossil", BONES_CHECK_OK, NULL, "fossil %s found", version);
  else
    bones_doctor_add(&run->report, run->root, "fossil", BONES_CHECK_FAIL,
                     err.hint[0] ? err.hint : "install fossil: apt-get install fossil", "%s", err.message);
}

void doctor_trunk(struct doctor_run *run) {
  char *hub = bones_ws_path(run->root, "hub.fossil");
  struct bones_error err;
  int count = 0;
  char *remote = bones_workspace_remote_hub(run->root);
  if (remote) {
    bones_doctor_add(&run->report, run->root, "trunk", BONES_CHECK_OK, NULL,
                     "the hub runs on another host (%s): `bones doctor` there checks trunk", remote);
    free(remote);
  } else if (!bones_path_is_file(hub)) {
    bones_doctor_add(&run->report, run->root, "trunk", BONES_CHECK_OK, NULL, "no hub repository yet");
  } else if (run->repo == NULL) {
    bones_doctor_add(&run->report, run->root, "trunk", BONES_CHECK_WARN, "see the fossil check",
                     "cannot look for trunk forks without fossil");
  } else if (run->repo->trunk_leaves(run->repo_handle, hub, &count, &err) != BONES_OK) {
    bones_doctor_add(&run->report, run->root, "trunk", BONES_CHECK_WARN, NULL, "cannot count trunk leaves: %s",
                     err.message);
  } else if (count > 1) {
    bones_doctor_add(&run->report, run->root, "trunk", BONES_CHECK_FAIL,
                     "merge them: `fossil open .bones/hub.fossil` in a scratch directory, `fossil merge LEAF` "
                     "for each other leaf (`fossil leaves` lists them), then `fossil commit`",
                     "trunk has forked: %d open leaves in .bones/hub.fossil", count);
  } else {
    bones_doctor_add(&run->report, run->root, "trunk", count == 1 ? BONES_CHECK_OK : BONES_CHECK_WARN, NULL,
                     "%d open trunk leaf%s", count, count == 1 ? " (linear)" : "s");
  }
  free(hub);
}

/* Appends "NAME (pid N gone, uncommitted changes in wt/)" (or "session
 * lease expired" for a slot without a pid) of each dead slot to buf. */
static size_t describe_dead(struct doctor_run *run, const struct bones_slot *v, size_t n, char *buf, size_t size) {
  size_t dead = 0;
  for (size_t i = 0; i < n; i++) {
    if (!bones_slot_dead(&v[i])) continue;
    dead++;
    char *wt = bones_xasprintf("%s/" BONES_DIR "/swarm/%s/wt", run->root, v[i].name);
    int dirty = bones_worktree_dirty(wt, run->repo, run->repo_handle);
    free(wt);
    size_t used = strlen(buf);
    if (v[i].pid > 0)
      snprintf(buf + used, size - used, "%s%s (pid %ld gone%s)", used ? ", " : "", v[i].name, (long)v[i].pid,
               dirty ? ", uncommitted changes in wt/" : "");
    else
      snprintf(buf + used, size - used, "%s%s (session lease expired%s)", used ? ", " : "", v[i].name,
               dirty ? ", uncommitted changes in wt/" : "");
  }
  return dead;
}

/* With --fix: prunes the dead slots and reports where their work went. */
static void prune(struct doctor_run *run) {
  struct bones_slot_pruned *p = NULL;
  size_t n = 0;
  struct bones_error err;
  if (bones_slots_prune(run->root, run->kv, run->repo, run->repo_handle, 0, &p, &n, &err) != BONES_OK) {
    bones_doctor_add(&run->report, run->root, "slots", BONES_CHECK_FAIL, "look at .bones/swarm/ by hand",
                     "pruning dead slots failed: %s", err.message);
    return;
  }
  char buf[900] = "";
  for (size_t i = 0; i < n; i++) {
    size_t used = strlen(buf);
    if (p[i].recovered_to)
      snprintf(buf + used, sizeof buf - used, "%s%s (its uncommitted worktree moved to %s)", used ? ", " : "",
               p[i].name, p[i].recovered_to);
    else
      snprintf(buf + used, sizeof buf - used, "%s%s", used ? ", " : "", p[i].name);
  }
  bones_doctor_add(&run->report, run->root, "slots", BONES_CHECK_FIXED, NULL, "pruned dead slot%s: %s",
                   n == 1 ? "" : "s", buf);
  bones_slots_pruned_free(p, n);
}

void doctor_slots(struct doctor_run *run) {
  struct bones_slot *v = NULL;
  size_t n = 0;
  struct bones_error err;
  if (bones_slots_list(run->root, run->kv, &v, &n, &err) != BONES_OK) {
    bones_doctor_add(&run->report, run->root, "slots", BONES_CHECK_FAIL, NULL, "%s", err.message);
    return;
  }
  char buf[900] = "";
  size_t dead = describe_dead(run, v, n, buf, sizeof buf);
  bones_slots_free(v, n);
  if (dead == 0)
    bones_doctor_add(&run->report, run->root, "slots", BONES_CHECK_OK, NULL, "%zu slot%s, none dead%s", n,
                     n == 1 ? "" : "s", run->kv || n == 0 ? "" : " (by pid only: substrate unreachable)");
  else if (run->fix)
    prune(run);
  else
    bones_doctor_add(&run->report, run->root, "slots", BONES_CHECK_WARN,
                     FIX_HINT " (prunes them; uncommitted worktrees are moved to .bones/recovery/ first)",
                     "dead slot%s: %s", dead == 1 ? "" : "s", buf);
}
