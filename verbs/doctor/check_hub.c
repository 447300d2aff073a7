/* check_hub.c: doctor checks on the hub (pid file against a live process,
 * its servers answering) and on the substrate (reachable, bounded). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "proc.h"
#include "registry.h"
#include "url.h"
#include "util.h"
#include "workspace.h"

/* Removes a hub.pid that names no hub of ours (a dead pid, or a stale
 * one another process reuses: never signalled; bones_hub_stop also stops
 * the servers hub.children proves are still the dead hub's) if it still
 * names that pid.  Returns 1 when done, else 0 with err filled. */
static int clear_stale_pid(struct doctor_run *run, pid_t pid, struct bones_error *err) {
  char *path = bones_ws_path(run->root, "hub.pid");
  struct bones_pid_record now;
  struct bones_error e;
  int same = bones_pid_record_read(path, &now, &e) == BONES_OK && now.pid == pid &&
             bones_pid_check(&now, "hub start") != BONES_PID_OURS;
  free(path);
  if (!same) {
    bones_error_set(err, BONES_E_CONFLICT, "hub.pid changed meanwhile; left alone");
    return 0;
  }
  return bones_hub_stop(run->root, 1, NULL, err) == BONES_OK;
}

/* hub.pid: absent (ok), corrupt (warn, fix: remove), a live pid (ok), or
 * a dead one (warn, fix: clear). */
static void check_pidfile(struct doctor_run *run) {
  char *path = bones_ws_path(run->root, "hub.pid");
  pid_t pid = 0;
  struct bones_error err;
  bones_error_clear(&err);
  int rc = bones_pidfile_read(path, &pid, &err);
  if (rc == BONES_E_NOTFOUND) {
    bones_doctor_add(&run->report, run->root, "hub.pid", BONES_CHECK_OK, NULL, "no hub running (no hub.pid)");
  } else if (rc != BONES_OK) {
    if (run->fix && unlink(path) == 0)
      bones_doctor_add(&run->report, run->root, "hub.pid", BONES_CHECK_FIXED, NULL, "removed an unreadable hub.pid");
    else
      bones_doctor_add(&run->report, run->root, "hub.pid", BONES_CHECK_WARN, FIX_HINT " (removes it)", "%s",
                       err.message);
  } else if (run->hub.pid_alive) {
    bones_doctor_add(&run->report, run->root, "hub.pid", BONES_CHECK_OK, NULL, "hub pid %ld is alive", (long)pid);
  } else if (run->hub.pid_stale && run->fix && clear_stale_pid(run, pid, &err)) {
    bones_doctor_add(&run->report, run->root, "hub.pid", BONES_CHECK_FIXED, NULL,
                     "removed the stale hub.pid: pid %ld is another process now (left alone; the hub had died)",
                     (long)pid);
  } else if (run->hub.pid_stale) {
    bones_doctor_add(&run->report, run->root, "hub.pid", BONES_CHECK_WARN,
                     run->fix ? err.message : FIX_HINT " (removes it; never signals that process)",
                     "hub.pid is stale: pid %ld is another process now, not this workspace's hub (the hub died)",
                     (long)pid);
  } else if (run->fix && clear_stale_pid(run, pid, &err)) {
    bones_doctor_add(&run->report, run->root, "hub.pid", BONES_CHECK_FIXED, NULL,
                     "removed the stale hub.pid of dead pid %ld (the hub had died)", (long)pid);
  } else {
    bones_doctor_add(&run->report, run->root, "hub.pid", BONES_CHECK_WARN,
                     run->fix ? err.message : FIX_HINT ", or `bones hub start --detach` (it clears the stale state)",
                     "hub.pid names pid %ld, which is not running: the hub died", (long)pid);
  }
  free(path);
}

/* The servers of a live hub answer. */
static void check_servers(struct doctor_run *run) {
  const struct bones_hub_status *h = &run->hub;
  const char *restart = "restart it: `bones hub stop --force && bones hub start --detach`";
  char *remote = bones_workspace_remote_hub(run->root);
  if (remote) { /* bones up --hub: the hub is another host's */
    if (bones_http_answers(remote, 2000))
      bones_doctor_add(&run->report, run->root, "hub.repo", BONES_CHECK_OK, NULL,
                       "the hub on another host answers at %s", remote);
    else
      bones_doctor_add(&run->report, run->root, "hub.repo", BONES_CHECK_FAIL,
                       "start it on its host: `bones hub start --detach --listen ADDR`; check the network between "
                       "the hosts",
                       "the hub on another host does not answer at %s within 2 s: slots here cannot join or commit",
                       remote);
    free(remote);
    return;
  }
  if (!h->pid_alive) {
    if (h->repo_url && bones_http_answers(h->repo_url, 500))
      bones_doctor_add(&run->report, run->root, "hub.repo", BONES_CHECK_WARN,
                       "stop that process (a server left over by a hub that died); `bones hub start` then picks "
                       "another port",
                       "no hub runs, but something still answers at %s", h->repo_url);
    else
      bones_doctor_add(&run->report, run->root, "hub.repo", BONES_CHECK_OK, NULL, "hub not running: nothing to probe");
    return;
  }
  if (!h->repo_url)
    bones_doctor_add(&run->report, run->root, "hub.repo", BONES_CHECK_FAIL, restart,
                     "hub pid %ld is alive but hub-repo-url is missing", (long)h->pid);
  else if (!h->repo_answers)
    bones_doctor_add(&run->report, run->root, "hub.repo", BONES_CHECK_FAIL, restart,
                     "hub pid %ld is alive but %s does not answer within 500 ms", (long)h->pid, h->repo_url);
  else
    bones_doctor_add(&run->report, run->root, "hub.repo", BONES_CHECK_OK, NULL, "hub repository answers at %s",
                     h->repo_url);
  if (h->kv_answers == 0)
    bones_doctor_add(&run->report, run->root, "hub.kv", BONES_CHECK_FAIL, restart,
                     "the managed %s server %s does not answer", h->substrate, h->kv_url ? h->kv_url : "(no hub-kv-url)");
  else if (h->kv_answers == 1)
    bones_doctor_add(&run->report, run->root, "hub.kv", BONES_CHECK_OK, NULL, "the managed %s server answers at %s",
                     h->substrate, h->kv_url);
}

void doctor_hub(struct doctor_run *run) {
  struct bones_error err;
  bones_hub_status(run->root, &run->hub, &err);
  check_pidfile(run);
  check_servers(run);
}

void doctor_substrate(struct doctor_run *run) {
  const char *spec = bones_ctx_substrate(run->ctx);
  int managed = strcmp(spec, "nats") == 0 || strcmp(spec, "redis") == 0;
  if (managed && !run->hub.pid_alive) {
    bones_doctor_add(&run->report, run->root, "substrate", BONES_CHECK_OK, NULL,
                     "managed %s: runs with the hub, which is not running", spec);
    return;
  }
  bones_kv *kv = NULL;
  struct bones_error err;
  bones_error_clear(&err);
  int rc = bones_ctx_kv(run->ctx, &kv, &err);
  if (rc == BONES_OK) rc = bones_kv_ping(kv, &err);
  if (rc == BONES_OK) {
    run->kv = kv;
    bones_doctor_add(&run->report, run->root, "substrate", BONES_CHECK_OK, NULL, "%s answers", bones_kv_url(kv));
  } else {
    char *shown = bones_url_redact(spec); /* never the password */
    bones_doctor_add(&run->report, run->root, "substrate", BONES_CHECK_FAIL,
                     err.hint[0] ? err.hint : "check that the server runs and the URL is right",
                     "substrate %s unreachable: %s", shown, err.message);
    free(shown);
  }
}
