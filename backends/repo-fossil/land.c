/* land.c: leaf_land, a slot's changes onto trunk in as few fossil calls
 * as it takes (repo.h).  The caller holds the trunk lease.  When the hub
 * file is on this host, its trunk tip and the worktree's check-out are
 * read directly (peek.c): a worktree on the tip goes straight to one
 * `fossil commit`, whose autosync pulls, commits and pushes; only a
 * worktree behind trunk pulls and merges first.  The check-in is then
 * checked to hold exactly the changes, and to be on the hub. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leaf.h"
#include "repo_fossil.h"
#include "util.h"

void rf_pending_chgs(const struct bones_repo_pending *pending, size_t n, struct chgs *c) {
  for (size_t i = 0; i < n; i++) {
    int k = pending[i].change;
    rf_chgs_add(c, k, k == BONES_REPO_ADDED ? RAW_EXTRA : k == BONES_REPO_DELETED ? RAW_MISSING : RAW_OTHER,
                pending[i].path, strlen(pending[i].path));
  }
  rf_chgs_sort_unique(c);
}

int rf_db_locked(const struct bones_error *err) {
  return strstr(err->message, "database is locked") != NULL || strstr(err->message, "database is busy") != NULL;
}

void rf_locked_pause(int tries) {
  struct timespec ts = {0, 40000000L * tries};
  nanosleep(&ts, NULL);
}

/* `fossil verb` (pull or push) in the worktree, tried again while the
 * hub's database is locked. */
static int sync_verb(struct rf_repo *f, const char *wt, const char *verb, struct bones_error *err) {
  int rc;
  for (int tries = 1;; tries++) {
    struct rf_argv a = {0};
    rf_av(&a, verb, NULL);
    rc = rf_wt_sync(f, wt, &a, err);
    if (rc == BONES_OK || !rf_db_locked(err) || tries == LOCKED_TRIES) break;
    rf_locked_pause(tries);
  }
  return rc;
}

/* Reports the conflicts of c (sorted) through in->conflict_fn and
 * returns BONES_E_CONFLICT. */
static int report_conflicts(const struct bones_repo_land *in, struct chgs *conflicts, struct bones_error *err) {
  rf_chgs_sort_unique(conflicts);
  for (size_t i = 0; i < conflicts->n; i++)
    if (in->conflict_fn && in->conflict_fn(in->conflict_arg, BONES_REPO_CONFLICT, conflicts->v[i].path) != 0) break;
  bones_error_set(err, BONES_E_CONFLICT, "sync: %zu file%s with merge conflicts (first: %s)", conflicts->n,
                  conflicts->n == 1 ? "" : "s", conflicts->v[0].path);
  return bones_error_hint(err, "resolve them in the worktree, then sync or commit again");
}

/* 1 when `fossil update`'s report out names a path of c (merged into,
 * conflicted, removed...): the pending changes must be read again.
 * Files it only brought from trunk are not pending ones. */
static int touches_pending(const char *out, const struct chgs *c) {
  for (const char *p = out; *p;) {
    size_t n = strcspn(p, "\r\n");
    if (n >= 3 && strncmp(p, "---", 3) == 0) break; /* the summary follows */
    for (size_t i = 0; i < c->n; i++) {
      size_t pl = strlen(c->v[i].path);
      /* "VERB path" or "VERB path - why" or "***** N merge conflicts in path" */
      for (const char *q = p; q + pl <= p + n; q++)
        if (memcmp(q, c->v[i].path, pl) == 0 && q > p && q[-1] == ' ' &&
            (q + pl == p + n || q[pl] == ' '))
          return 1;
    }
    p += n;
    while (*p == '\r' || *p == '\n') p++;
  }
  return 0;
}

int rf_update_trunk(struct rf_repo *f, const char *wt, int pulled, struct rf_run_result *r, struct bones_error *err) {
  int rc;
  for (int tries = 1;; tries++) {
    struct rf_argv a = {0};
    rf_av(&a, "update", pulled ? "--nosync" : "trunk", pulled ? "trunk" : NULL, NULL);
    struct rf_call call = {.cwd = wt};
    rc = rf_fossil(f, &call, &a, r, err);
    rf_av_free(&a);
    if (rc != BONES_OK || r->status == 0) return rc;
    char none[1] = "";
    struct rf_run_result why = {r->status, none, 0, r->err, r->err_len}; /* stdout names files: not searched */
    rc = rf_sync_check("update", &why, err);
    rf_run_result_free(r);
    if (rc == BONES_OK) rc = bones_error_set(err, BONES_E_INTERNAL, "fossil update failed");
    if (!rf_db_locked(err) || tries == LOCKED_TRIES) return rc;
    rf_locked_pause(tries);
  }
}

/* Brings trunk's new check-ins into the worktree (update, merging local
 * edits; pulling first unless pulled) and, when the update touched a
 * pending file, reads the changes into c again (only in->pending's paths
 * when in->only_these). */
static int merge_trunk(struct rf_repo *f, const struct bones_repo_land *in, int pulled, struct chgs *c,
                       struct bones_error *err) {
  struct chgs conflicts = {0};
  struct rf_run_result r;
  int rc = rf_update_trunk(f, in->worktree, pulled, &r, err), reread = 0;
  if (rc == BONES_OK) {
    rf_update_conflicts(r.out, &conflicts);
    reread = touches_pending(r.out, c);
    rf_run_result_free(&r);
  }
  if (rc == BONES_OK && reread) {
    rf_chgs_free(c);
    rc = rf_worktree_changes(f, in->worktree, c, err);
    if (rc == BONES_OK && in->only_these) {
      const char **files = bones_xcalloc(in->npending + 1, sizeof *files);
      for (size_t i = 0; i < in->npending; i++) files[i] = in->pending[i].path;
      rf_select_files(c, files, in->npending);
      free(files);
    }
    if (rc == BONES_OK) rf_marked(c, &conflicts);
  }
  if (rc == BONES_OK && conflicts.n) rc = report_conflicts(in, &conflicts, err);
  rf_chgs_free(&conflicts);
  return rc;
}

struct verify {
  const struct chgs *want;
  unsigned char *seen; /* per want entry: 1 when the check-in has it as wanted */
};

static int verify_one(void *arg, int kind, const char *path) {
  struct verify *v = arg;
  for (size_t i = 0; i < v->want->n; i++)
    if (strcmp(v->want->v[i].path, path) == 0)
      v->seen[i] = (kind == BONES_REPO_DELETED) == (v->want->v[i].kind == BONES_REPO_DELETED);
  return 0;
}

int rf_verify_checkin(struct rf_repo *f, const char *wt, const char *id, const struct chgs *c,
                      struct bones_error *err) {
  struct verify v = {c, bones_xcalloc(c->n + 1, 1)};
  int rc = rf_peek_checkin_files(f, wt, id, verify_one, &v, err);
  if (rc != BONES_OK) rc = bones_error_prefix(err, "commit %.10s made, but it cannot be verified", id);
  size_t missed = 0;
  const char *first = NULL;
  for (size_t i = 0; rc == BONES_OK && i < c->n; i++)
    if (!v.seen[i]) {
      if (!first) first = c->v[i].path;
      missed++;
    }
  if (missed) rc = rf_left_out(id, missed, c->n, first, err);
  free(v.seen);
  return rc;
}

/* Makes sure check-in id reached the hub: there already (commit's
 * autosync pushed it), or pushed now; counts trunk's leaves. */
static int confirm_pushed(struct rf_repo *f, const struct bones_repo_land *in, const char *id,
                          struct bones_repo_landed *out, struct bones_error *err) {
  int has = 0;
  char tip[BONES_REPO_ID_MAX];
  if (in->hub_path && rf_peek_has(f, in->hub_path, id, &has, err) == BONES_OK && has)
    return rf_peek_trunk(f, in->hub_path, &out->trunk_leaves, tip, err);
  int rc = sync_verb(f, in->worktree, "push", err);
  if (rc == BONES_OK && in->hub_path) rc = rf_peek_trunk(f, in->hub_path, &out->trunk_leaves, tip, err);
  return rc;
}

int rf_leaf_land(void *repo, const struct bones_repo_land *in, struct bones_repo_landed *out, struct bones_error *err) {
  struct rf_repo *f = repo;
  memset(out, 0, sizeof *out);
  int rc = rf_need_worktree(in->worktree, err);
  if (rc != BONES_OK) return rc;
  if (in->message == NULL || *in->message == '\0') return bones_error_set(err, BONES_E_USAGE, "commit: empty message");
  if (!rf_text_ok(in->message))
    return bones_error_set(err, BONES_E_USAGE,
                           "commit: the message is not valid UTF-8 or holds control characters (tab and newline are fine)");
  for (size_t i = 0; i < in->npending; i++)
    if (in->pending[i].path == NULL || !rf_path_ok(in->pending[i].path))
      return bones_error_set(err, BONES_E_USAGE, "commit: bad path '%s'", in->pending[i].path ? in->pending[i].path : "");
  struct chgs c = {0}, conflicts = {0};
  rf_pending_chgs(in->pending, in->npending, &c);
  rf_marked(&c, &conflicts);
  if (conflicts.n) rc = report_conflicts(in, &conflicts, err); /* merging again would nest markers */
  rf_chgs_free(&conflicts);
  if (rc == BONES_OK && c.n == 0) rc = bones_error_set(err, BONES_E_REFUSED, "commit: nothing to commit");
  if (rc == BONES_OK) rc = rf_record(f, in->worktree, "add", &c, RAW_EXTRA, err);
  if (rc == BONES_OK) rc = rf_record(f, in->worktree, "rm", &c, RAW_MISSING, err);
  /* behind trunk? (unknown without the hub file: commit's "would fork" tells) */
  int behind = 0;
  if (rc == BONES_OK && in->hub_path) {
    char tip[BONES_REPO_ID_MAX], cur[BONES_REPO_ID_MAX];
    int leaves = 0;
    struct bones_error perr;
    behind = rf_peek_trunk(f, in->hub_path, &leaves, tip, &perr) != BONES_OK ||
             rf_peek_checkout(f, in->worktree, cur, &perr) != BONES_OK || strcmp(tip, cur) != 0;
  }
  int committed = 0, pulled = 0, locked = 0;
  for (int attempt = 0; rc == BONES_OK && !committed && attempt < 3; attempt++) {
    if (behind) {
      rc = merge_trunk(f, in, pulled, &c, err);
      out->merged = 1;
      if (rc == BONES_OK && c.n == 0)
        rc = bones_error_set(err, BONES_E_REFUSED, "commit: nothing to commit (trunk already has these changes)");
      if (rc != BONES_OK) break;
    }
    rc = rf_commit_run(f, in->worktree, in->message, in->user, &c, in->only_these, out->id, err);
    if (rc != BONES_OK && rf_db_locked(err) && ++locked < LOCKED_TRIES) { /* its autosync pull met a busy hub */
      rf_locked_pause(locked);
      rc = BONES_OK, attempt--;
      continue;
    }
    if (rc == BONES_OK) committed = 1;
    else if (rc == BONES_E_CONFLICT) rc = BONES_OK, behind = 1, pulled = 1; /* would fork: it pulled */
  }
  if (rc == BONES_OK && !committed) {
    rc = bones_error_set(err, BONES_E_CONFLICT, "commit: trunk kept moving (3 attempts)");
    bones_error_hint(err, "another writer bypasses the trunk lease; commit again");
  }
  if (rc == BONES_OK) rc = rf_verify_checkin(f, in->worktree, out->id, &c, err);
  if (rc == BONES_OK) rc = confirm_pushed(f, in, out->id, out, err);
  else if (rc != BONES_E_UNAVAILABLE && !committed) { /* frees a check-in lock the attempt may hold */
    struct bones_error ignored;
    struct rf_argv a = {0};
    rf_av(&a, "pull", NULL);
    rf_wt_sync(f, in->worktree, &a, &ignored);
  }
  if (rc != BONES_OK && !committed) out->id[0] = '\0';
  rf_chgs_free(&c);
  return rc;
}
