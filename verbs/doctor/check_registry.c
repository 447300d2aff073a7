/* check_registry.c: doctor checks on the per-user registry: this
 * workspace's entry present and consistent with its hub (fix: rewrite),
 * every entry (--all), and orphan hubs (fix: reap). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "down.h"
#include "proc.h"
#include "registry.h"
#include "util.h"
#include "workspace.h"

/* Why e disagrees with the hub state h, in buf; 0 when it agrees. */
static int inconsistent(const struct bones_registry_entry *e, const struct bones_hub_status *h, char *buf,
                        size_t size) {
  if (h->pid_alive) {
    if (e->hub_pid != h->pid)
      return snprintf(buf, size, "records hub pid %ld, but the hub runs as pid %ld", (long)e->hub_pid, (long)h->pid);
    if (h->repo_url && strcmp(e->hub_url, h->repo_url) != 0)
      return snprintf(buf, size, "records hub url '%s', but the hub serves %s", e->hub_url, h->repo_url);
    return 0;
  }
  if (e->hub_pid > 0)
    return snprintf(buf, size, "records hub pid %ld, but no hub runs%s", (long)e->hub_pid,
                    bones_registry_hub_state(e) == BONES_PID_STALE ? " here (that pid is another process)" : "");
  return 0;
}

/* Rewrites root's entry from the hub state (keeps name and start time). */
static int rewrite(struct doctor_run *run, const struct bones_registry_entry *old, struct bones_error *err) {
  const struct bones_hub_status *h = &run->hub;
  const char *base = strrchr(run->root, '/');
  char now[40];
  bones_format_time(bones_now_ms(), now, sizeof now);
  struct bones_registry_entry e = {
      (char *)run->root,
      old && old->name[0] ? old->name : (char *)(base ? base + 1 : run->root),
      h->pid_alive && h->repo_url ? h->repo_url : (old ? old->hub_url : ""),
      h->pid_alive && h->kv_url ? h->kv_url : (old ? old->kv_url : ""),
      h->pid_alive ? h->pid : 0,
      old && old->started_at[0] ? old->started_at : now,
      0};
  if (h->pid_alive) e.hub_pid_start = bones_pid_start_time(h->pid);
  return bones_registry_write(&e, err);
}

void doctor_registry_entry(struct doctor_run *run) {
  struct bones_registry_entry e;
  struct bones_error err;
  int rc = bones_registry_read(run->root, &e, &err);
  char why[BONES_ERROR_MESSAGE_MAX + 64] = "";
  if (rc == BONES_OK && !inconsistent(&e, &run->hub, why, sizeof why)) {
    bones_doctor_add(&run->report, run->root, "registry.entry", BONES_CHECK_OK, NULL, "registered as '%s'", e.name);
    bones_registry_entry_clear(&e);
    return;
  }
  if (rc == BONES_E_NOTFOUND) snprintf(why, sizeof why, "this workspace is not in the registry");
  else if (rc != BONES_OK) snprintf(why, sizeof why, "%.*s", BONES_ERROR_MESSAGE_MAX, err.message);
  else {
    char tmp[sizeof why];
    memcpy(tmp, why, sizeof tmp);
    snprintf(why, sizeof why, "the registry entry %.300s", tmp);
  }
  struct bones_error werr;
  if (run->fix && rewrite(run, rc == BONES_OK ? &e : NULL, &werr) == BONES_OK)
    bones_doctor_add(&run->report, run->root, "registry.entry", BONES_CHECK_FIXED, NULL, "%s; rewrote it", why);
  else
    bones_doctor_add(&run->report, run->root, "registry.entry", BONES_CHECK_WARN,
                     run->fix ? werr.message : FIX_HINT " (rewrites it)", "%s", why);
  if (rc == BONES_OK) bones_registry_entry_clear(&e);
}

/* --all: one check per live entry (orphans are doctor_orphans' job). */
void doctor_registry_all(struct doctor_run *run) {
  struct bones_registry_entry *v = NULL;
  size_t n = 0, skipped = 0;
  struct bones_error err;
  if (bones_registry_list(&v, &n, &skipped, &err) != BONES_OK) {
    bones_doctor_add(&run->report, NULL, "registry", BONES_CHECK_FAIL, NULL, "%s", err.message);
    return;
  }
  if (skipped)
    bones_doctor_add(&run->report, NULL, "registry", BONES_CHECK_WARN, "look at the files in the registry directory",
                     "%zu registry file(s) unreadable or not yours", skipped);
  for (size_t i = 0; i < n; i++) {
    const struct bones_registry_entry *e = &v[i];
    if (bones_registry_orphan(e)) continue;
    enum bones_pid_state state = bones_registry_hub_state(e);
    int pid_alive = state == BONES_PID_OURS;
    if (pid_alive && !bones_registry_alive(e)) {
      bones_doctor_add(&run->report, e->cwd, "registry", BONES_CHECK_FAIL,
                       "restart it: `bones -C DIR hub stop --force && bones -C DIR hub start --detach`",
                       "%s: hub pid %ld alive but %s does not answer", e->cwd, (long)e->hub_pid,
                       e->hub_url[0] ? e->hub_url : "(no url)");
    } else if (e->hub_pid > 0 && !pid_alive) {
      struct bones_registry_entry fixed = *e;
      fixed.hub_pid = 0;
      fixed.hub_pid_start = 0;
      struct bones_error werr;
      char *state_dir = bones_xasprintf("%s/" BONES_DIR, e->cwd);
      int vanished = !bones_path_is_dir(state_dir);
      free(state_dir);
      /* a vanished workspace's entry goes; a live one's is rewritten (the
       * remove first, so an entry under a mismatched file name goes too) */
      if (run->fix && vanished && bones_registry_remove(e->cwd, &werr) == BONES_OK)
        bones_doctor_add(&run->report, e->cwd, "registry", BONES_CHECK_FIXED, NULL,
                         "%s: hub pid %ld had died%s and the workspace is gone; removed its entry", e->cwd,
                         (long)e->hub_pid,
                         state == BONES_PID_STALE ? " (the pid is stale: another process now, left alone)" : "");
      else if (run->fix && !vanished && bones_registry_remove(e->cwd, &werr) == BONES_OK &&
               bones_registry_write(&fixed, &werr) == BONES_OK)
        bones_doctor_add(&run->report, e->cwd, "registry", BONES_CHECK_FIXED, NULL,
                         "%s: hub pid %ld had died%s; recorded as stopped", e->cwd, (long)e->hub_pid,
                         state == BONES_PID_STALE ? " (the pid is stale: another process now, left alone)" : "");
      else
        bones_doctor_add(&run->report, e->cwd, "registry", BONES_CHECK_WARN,
                         FIX_ALL_HINT ", then `bones -C DIR doctor --fix` for the workspace",
                         "%s: hub pid %ld has died (the hub crashed or was killed)%s", e->cwd, (long)e->hub_pid,
                         state == BONES_PID_STALE ? "; the pid is another process now (stale)" : "");
    } else {
      bones_doctor_add(&run->report, e->cwd, "registry", BONES_CHECK_OK, NULL, "%s: hub %s", e->cwd,
                       pid_alive ? "running" : "stopped");
    }
  }
  bones_registry_entries_free(v, n);
}

void doctor_orphans(struct doctor_run *run) {
  struct bones_registry_entry *v = NULL;
  size_t n = 0;
  struct bones_error err;
  if (bones_registry_list(&v, &n, NULL, &err) != BONES_OK) {
    bones_doctor_add(&run->report, NULL, "registry.orphans", BONES_CHECK_FAIL, NULL, "%s", err.message);
    return;
  }
  size_t orphans = 0;
  for (size_t i = 0; i < n; i++) {
    const struct bones_registry_entry *e = &v[i];
    if (!bones_registry_orphan(e)) continue;
    orphans++;
    int killed = 0;
    struct bones_error rerr;
    if (run->fix && bones_orphan_reap(e, &killed, &rerr) == BONES_OK)
      bones_doctor_add(&run->report, e->cwd, "registry.orphans", BONES_CHECK_FIXED, NULL,
                       "orphan hub pid %ld of vanished workspace %s: %s; entry removed", (long)e->hub_pid, e->cwd,
                       killed ? "stopped" : "pid reused by another program, left alone");
    else
      bones_doctor_add(&run->report, e->cwd, "registry.orphans", BONES_CHECK_WARN,
                       run->fix ? rerr.message
                       : run->root ? FIX_HINT " or `bones down --all` (stops it)"
                                   : FIX_ALL_HINT " or `bones down --all` (stops it)",
                       "orphan hub pid %ld of vanished workspace %s is still running", (long)e->hub_pid, e->cwd);
  }
  if (orphans == 0)
    bones_doctor_add(&run->report, NULL, "registry.orphans", BONES_CHECK_OK, NULL, "no orphan hubs among %zu entr%s", n,
                     n == 1 ? "y" : "ies");
  bones_registry_entries_free(v, n);
}
