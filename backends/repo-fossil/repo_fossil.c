/* repo_fossil.c: the repo backend over the fossil binary (DESIGN.md
 * section 5): the session (open, close, probe) and the exported vtable.
 * The work is in hub.c, leaf.c and inspect.c; fossil.c runs fossil. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/repo.h>

#include "fossil.h"
#include "repo_fossil.h"
#include "util.h"

static int rf_open(const struct bones_repo_options *opts, void **repo, struct bones_error *err) {
  struct rf_repo *f = bones_xcalloc(1, sizeof *f);
  f->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : RF_DEFAULT_TIMEOUT_MS;
  if (opts && opts->state_dir && *opts->state_dir) {
    f->state_dir = rf_abs(opts->state_dir);
    int rc = bones_mkdir_p(f->state_dir, 0700, err);
    if (rc != BONES_OK) {
      free(f->state_dir);
      free(f);
      return rc;
    }
  } else {
    const char *tmp = getenv("TMPDIR");
    f->state_dir = bones_xasprintf("%s/bones-fossil-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(f->state_dir) == NULL) {
      int e = errno;
      free(f->state_dir);
      free(f);
      return bones_error_set(err, BONES_E_INTERNAL, "cannot make a private fossil home: %s", strerror(e));
    }
    f->own_state = 1;
  }
  *repo = f;
  return BONES_OK;
}

static void rf_close(void *repo) {
  struct rf_repo *f = repo;
  if (f == NULL) return;
  if (f->own_state) rf_rmtree(f->state_dir);
  free(f->state_dir);
  free(f);
}

/* `fossil version` prints "This is fossil version 2.21 [3c53b6364e] ...". */
static int rf_probe(void *repo, char *version, size_t version_len, struct bones_error *err) {
  struct rf_argv a = {0};
  rf_av(&a, "version", NULL);
  struct rf_run_result r;
  int rc = rf_fossil_ok(repo, NULL, &a, &r, err);
  rf_av_free(&a);
  if (rc != BONES_OK) return rc;
  const char *v = strstr(r.out, "version ");
  if (v == NULL) {
    rc = rf_fail(err, BONES_E_UNAVAILABLE, "version", &r);
    bones_error_prefix(err, "not a fossil binary");
  } else if (version && version_len) {
    v += strlen("version ");
    snprintf(version, version_len, "%.*s", (int)strcspn(v, " \r\n"), v);
  }
  rf_run_result_free(&r);
  return rc;
}

BONES_REPO_BACKEND_EXPORT(repo_fossil) = {
    .abi = BONES_REPO_ABI,
    .size = sizeof(struct bones_repo_backend_v1),
    .name = "fossil",
    .description = "Fossil SCM through the fossil binary (hub served over HTTP, on loopback unless asked)",
    .caps = 0,
    .open = rf_open,
    .close = rf_close,
    .probe = rf_probe,
    .hub_init = rf_hub_init,
    .hub_user = rf_hub_user,
    .hub_serve = rf_hub_serve,
    .leaf_clone = rf_leaf_clone,
    .leaf_sync = rf_leaf_sync,
    .leaf_changes = rf_leaf_changes,
    .leaf_commit = rf_leaf_commit,
    .leaf_push = rf_leaf_push,
    .trunk_leaves = rf_trunk_leaves,
    .timeline = rf_timeline,
    .cat = rf_cat,
    .ls = rf_ls,
    .diff = rf_diff,
    .export_files = rf_export_files,
    .leaf_clone_local = rf_leaf_clone_local,
    .hub_commit = rf_hub_commit,
#if BONES_BUILTIN_SQLITE
    .leaf_land = rf_leaf_land, /* reads repository files with SQLite (peek.c) */
#endif
    .hub_serve_at = rf_hub_serve_at,
    .hub_identity = rf_hub_identity,
    .leaf_clone_remote = rf_leaf_clone_remote,
#if BONES_BUILTIN_SQLITE
    .leaf_checkout = rf_leaf_checkout, /* the three read repository files with SQLite */
    .hub_land = rf_hub_land,
    .leaf_catch_up = rf_leaf_catch_up,
#endif
};
