/* check_recovery.c: doctor checks for work waiting on a decision: kept
 * worktrees of closed (fail, fork) or expired slots, and copies in
 * .bones/recovery/ (docs/recovery.md).  --fix deletes neither. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks.h"
#include "recovery.h"
#include "slots.h"
#include "swarm_resume.h"
#include "util.h"
#include "workspace.h"

/* "12s", "3m", "2h", "4d" */
static void age_text(int64_t ms, char *buf, size_t size) {
  if (ms < 0) ms = 0;
  if (ms < 120000) snprintf(buf, size, "%llds", (long long)(ms / 1000));
  else if (ms < 7200000) snprintf(buf, size, "%lldm", (long long)(ms / 60000));
  else if (ms < 172800000) snprintf(buf, size, "%lldh", (long long)(ms / 3600000));
  else snprintf(buf, size, "%lldd", (long long)(ms / 86400000));
}

void doctor_kept(struct doctor_run *run) {
  struct bones_slot *v = NULL;
  size_t n = 0;
  struct bones_error err;
  if (bones_slots_list(run->root, run->kv, &v, &n, &err) != BONES_OK) return; /* doctor_slots said it */
  for (size_t i = 0; i < n; i++) {
    if (bones_slot_active(&v[i]) || bones_slot_dead(&v[i])) continue; /* in use, or the slot GC's */
    char *wt = bones_xasprintf("%s/" BONES_DIR "/swarm/%s/wt", run->root, v[i].name);
    char *kept = bones_xasprintf("%s/" BONES_DIR "/swarm/%s/kept", run->root, v[i].name);
    struct stat st;
    if (stat(wt, &st) == 0 && S_ISDIR(st.st_mode)) {
      struct stat ks;
      int64_t since = stat(kept, &ks) == 0 ? (int64_t)ks.st_mtime * 1000 : (int64_t)st.st_mtime * 1000;
      char age[24];
      age_text(bones_now_ms() - since, age, sizeof age);
      char *task = bones_slot_recorded_task(run->root, v[i].name, NULL);
      char *hint = bones_xasprintf("resume or discard: `bones swarm resume --slot %s` (re-opens it with its work) or "
                                   "`bones swarm discard --slot %s` (saves it to .bones/recovery/, removes the slot)",
                                   v[i].name, v[i].name);
      bones_doctor_add(&run->report, run->root, "slots.kept", BONES_CHECK_WARN, hint,
                       "kept worktree of slot %s (task %s, %s old%s): %s", v[i].name, task ? task : "-", age,
                       bones_worktree_dirty(wt, run->repo, run->repo_handle) ? ", uncommitted changes" : "", wt);
      free(hint);
      free(task);
    }
    free(kept);
    free(wt);
  }
  bones_slots_free(v, n);
}

void doctor_recovery(struct doctor_run *run) {
  size_t count = 0;
  long long bytes = 0;
  char *oldest = NULL;
  struct bones_error err;
  if (bones_recovery_summary(run->root, &count, &bytes, &oldest, &err) != BONES_OK) {
    bones_doctor_add(&run->report, run->root, "recovery", BONES_CHECK_WARN, NULL, "%s", err.message);
    return;
  }
  if (count)
    bones_doctor_add(&run->report, run->root, "recovery", BONES_CHECK_OK,
                     "`bones recovery ls` lists them, `bones recovery restore ID --to DIR` gets the files back; "
                     "remove one with rm -r .bones/recovery/ID .bones/recovery/.ID.json",
                     "%zu recovery cop%s in .bones/recovery/ (%lld bytes, oldest %s)", count, count == 1 ? "y" : "ies",
                     bytes, oldest ? oldest : "-");
  free(oldest);
}
