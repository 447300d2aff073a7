/* hub_land.c: landing other slots' changes in one lease (repo.h:
 * leaf_checkout, hub_land, leaf_catch_up).  The lease holder keeps its own
 * check-out of the hub file (co_dir) on trunk's tip; a queued slot's
 * files are copied in and committed there as that slot's check-in, one
 * `fossil commit` with no network, when none of them changed on trunk
 * after the check-in the slot worked from (read with SQLite: peek.c).
 * The slot then sets those files back in its leaf and updates to the tip,
 * which brings the same content from trunk. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leaf.h"
#include "repo_fossil.h"
#include "util.h"

int rf_leaf_checkout(void *repo, const char *worktree, char id[BONES_REPO_ID_MAX], struct bones_error *err) {
  int rc = rf_need_worktree(worktree, err);
  return rc == BONES_OK ? rf_peek_checkout(repo, worktree, id, err) : rc;
}

/* Makes co an open check-out of hub on trunk's tip: opened when it is not
 * one (what was there is the lander's scratch), updated when behind. */
static int ready_checkout(struct rf_repo *f, const char *hub, const char *co, char tip[BONES_REPO_ID_MAX],
                          int *leaves, struct bones_error *err) {
  int rc = rf_peek_trunk(f, hub, leaves, tip, err);
  if (rc != BONES_OK) return rc;
  char cur[BONES_REPO_ID_MAX] = "";
  struct bones_error perr;
  char *ck = bones_xasprintf("%s/.fslckout", co);
  int open = bones_path_is_file(ck) && rf_peek_checkout(f, co, cur, &perr) == BONES_OK;
  free(ck);
  struct rf_argv a = {0};
  struct rf_run_result r;
  struct rf_call c = {.cwd = co};
  if (!open) {
    rf_rmtree(co);
    rc = bones_mkdir_p(co, 0700, err);
    char *abs = rf_abs(hub);
    rf_av(&a, "open", abs, "trunk", "--workdir", co, "--nested", "--nosync", NULL);
    if (rc == BONES_OK) rc = rf_fossil_ok(f, &c, &a, &r, err);
    if (rc == BONES_OK) rf_run_result_free(&r);
    rf_av_free(&a);
    free(abs);
    if (rc == BONES_OK) rc = rf_peek_checkout(f, co, cur, err);
  }
  for (int tries = 1; rc == BONES_OK && strcmp(cur, tip) != 0; tries++) {
    rc = rf_update_trunk(f, co, 1, &r, err);
    if (rc == BONES_OK) rf_run_result_free(&r);
    if (rc == BONES_OK) rc = rf_peek_checkout(f, co, cur, err);
    if (rc == BONES_OK && strcmp(cur, tip) != 0 && tries >= 2)
      rc = bones_error_set(err, BONES_E_INTERNAL, "hub land: the check-out in %s does not reach trunk's tip", co);
  }
  return rc;
}

struct stale {
  const struct chgs *pending;
  const struct bones_repo_hub_land *in;
  size_t n;
};

/* Counts (and reports) a file trunk changed that is one of the pending. */
static int stale_one(void *arg, int change, const char *path) {
  (void)change;
  struct stale *s = arg;
  for (size_t i = 0; i < s->pending->n; i++)
    if (strcmp(s->pending->v[i].path, path) == 0) {
      s->n++;
      if (s->in->stale_fn) s->in->stale_fn(s->in->stale_arg, BONES_REPO_MODIFIED, path);
    }
  return 0;
}

/* Copies the new contents in, deletes the removed files, records both. */
static int apply(struct rf_repo *f, const struct bones_repo_hub_land *in, const struct chgs *c,
                 struct bones_error *err) {
  int rc = BONES_OK;
  for (size_t i = 0; rc == BONES_OK && i < c->n; i++) {
    char *dst = bones_xasprintf("%s/%s", in->co_dir, c->v[i].path);
    if (c->v[i].kind == BONES_REPO_DELETED) {
      if (unlink(dst) != 0 && errno != ENOENT)
        rc = bones_error_set(err, BONES_E_INTERNAL, "hub land: %s: %s", dst, strerror(errno));
    } else {
      char *src = bones_xasprintf("%s/%s", in->src_dir, c->v[i].path);
      rc = rf_copy_file(src, dst, err);
      free(src);
    }
    free(dst);
  }
  if (rc == BONES_OK) rc = rf_record(f, in->co_dir, "add", c, RAW_EXTRA, err);
  if (rc == BONES_OK) rc = rf_record(f, in->co_dir, "rm", c, RAW_MISSING, err);
  return rc;
}

int rf_hub_land(void *repo, const struct bones_repo_hub_land *in, struct bones_repo_landed *out,
                struct bones_error *err) {
  struct rf_repo *f = repo;
  memset(out, 0, sizeof *out);
  if (!in->hub_path || !in->co_dir || !in->src_dir || !in->base || !in->user || !*in->user)
    return bones_error_set(err, BONES_E_USAGE, "hub land: hub, check-out, sources, base and user are required");
  if (in->message == NULL || *in->message == '\0' || !rf_text_ok(in->message))
    return bones_error_set(err, BONES_E_USAGE, "hub land: the message is empty, not UTF-8 or holds control characters");
  for (size_t i = 0; i < in->npending; i++) {
    int k = in->pending[i].change;
    if (in->pending[i].path == NULL || !rf_path_ok(in->pending[i].path) || !rf_name_ok(in->pending[i].path) ||
        (k != BONES_REPO_ADDED && k != BONES_REPO_MODIFIED && k != BONES_REPO_DELETED))
      return bones_error_set(err, BONES_E_USAGE, "hub land: bad change '%s'",
                             in->pending[i].path ? in->pending[i].path : "");
  }
  if (in->npending == 0) return bones_error_set(err, BONES_E_REFUSED, "hub land: nothing to commit");
  int rc = rf_need_repo(in->hub_path, err);
  if (rc != BONES_OK) return rc;
  char tip[BONES_REPO_ID_MAX];
  int leaves = 0;
  rc = ready_checkout(f, in->hub_path, in->co_dir, tip, &leaves, err);
  if (rc == BONES_OK && leaves != 1)
    rc = bones_error_set(err, BONES_E_CONFLICT, "hub land: trunk has %d leaves; nothing committed", leaves);
  struct chgs c = {0};
  rf_pending_chgs(in->pending, in->npending, &c);
  struct stale st = {&c, in, 0};
  if (rc == BONES_OK) {
    rc = rf_peek_changed_since(f, in->hub_path, in->base, tip, stale_one, &st, err);
    if (rc == BONES_E_NOTFOUND)
      rc = bones_error_set(err, BONES_E_CONFLICT, "hub land: %.10s is not on trunk; nothing committed", in->base);
    else if (rc == BONES_OK && st.n)
      rc = bones_error_set(err, BONES_E_CONFLICT, "hub land: %zu of the files changed on trunk since %.10s", st.n,
                           in->base);
  }
  int touched = rc == BONES_OK;
  if (rc == BONES_OK) rc = apply(f, in, &c, err);
  for (int locked = 1; rc == BONES_OK; locked++) {
    rc = rf_commit_run(f, in->co_dir, in->message, in->user, &c, 1, out->id, err);
    if (rc == BONES_OK || !rf_db_locked(err) || locked == LOCKED_TRIES) break;
    rf_locked_pause(locked), rc = BONES_OK; /* a push or a join writes the hub */
  }
  if (rc == BONES_OK) rc = rf_verify_checkin(f, in->co_dir, out->id, &c, err);
  if (rc == BONES_OK) rc = rf_peek_trunk(f, in->hub_path, &out->trunk_leaves, tip, err);
  if (rc != BONES_OK && touched) rf_rmtree(in->co_dir); /* scratch: the next call opens it afresh */
  rf_chgs_free(&c);
  return rc;
}

/* 1 when path is one of the landed files. */
static int is_landed(const struct bones_repo_pending *landed, size_t n, const char *path) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(landed[i].path, path) == 0) return 1;
  return 0;
}

int rf_leaf_catch_up(void *repo, const char *worktree, const struct bones_repo_pending *landed, size_t n,
                     bones_repo_change_fn conflict_fn, void *conflict_arg, struct bones_error *err) {
  struct rf_repo *f = repo;
  int rc = rf_need_worktree(worktree, err);
  for (size_t i = 0; rc == BONES_OK && i < n; i++)
    if (landed[i].path == NULL || !rf_path_ok(landed[i].path))
      rc = bones_error_set(err, BONES_E_USAGE, "catch up: bad path '%s'", landed[i].path ? landed[i].path : "");
  /* the landed files hold what trunk has: they are committed in the leaf
   * first, privately (never synced), so the update that follows finds
   * them at trunk's own versions and neither merges nor rewrites them:
   * a kill leaves no fossil running that could write over an edit the
   * agent makes next */
  struct chgs conflicts = {0}, real = {0}, mine = {0};
  struct rf_run_result r;
  if (rc == BONES_OK) { /* as the commit would have: new files added, removed ones recorded */
    rf_pending_chgs(landed, n, &mine);
    rc = rf_record(f, worktree, "add", &mine, RAW_EXTRA, err);
    if (rc == BONES_OK) rc = rf_record(f, worktree, "rm", &mine, RAW_MISSING, err);
  }
  for (int locked = 1; rc == BONES_OK && mine.n; locked++) {
    struct rf_argv a = {0};
    rf_av(&a, "commit", "--private", "--nosync", "--no-warnings", "--no-prompt", "--nosign", "--ignore-oversize",
          "-m", "bones: landed on trunk by the queue", "--", NULL);
    for (size_t i = 0; i < mine.n; i++) rf_av_list(&a, (const char *const *)&mine.v[i].path, 1);
    struct rf_call call = {.cwd = worktree};
    rc = rf_fossil(f, &call, &a, &r, err);
    rf_av_free(&a);
    if (rc != BONES_OK) break;
    int made = strstr(r.out, "New_Version: ") != NULL || rf_said(&r, "nothing has changed");
    if (!made) rc = rf_commit_failed(&r, err);
    rf_run_result_free(&r);
    if (made || !rf_db_locked(err) || locked == LOCKED_TRIES) break;
    rf_locked_pause(locked), rc = BONES_OK; /* a fossil of a killed commit still runs here */
  }
  rf_chgs_free(&mine);
  if (rc == BONES_OK) rc = rf_update_trunk(f, worktree, 0, &r, err);
  if (rc == BONES_OK) {
    rf_update_conflicts(r.out, &conflicts);
    rf_run_result_free(&r);
  }
  for (size_t i = 0; i < conflicts.n; i++)
    if (!is_landed(landed, n, conflicts.v[i].path))
      rf_chgs_add(&real, 'C', RAW_OTHER, conflicts.v[i].path, strlen(conflicts.v[i].path));
  rf_chgs_sort_unique(&real);
  for (size_t i = 0; rc == BONES_OK && i < real.n; i++)
    if (conflict_fn && conflict_fn(conflict_arg, BONES_REPO_CONFLICT, real.v[i].path) != 0) break;
  if (rc == BONES_OK && real.n)
    rc = bones_error_set(err, BONES_E_CONFLICT, "catch up: %zu file%s with merge conflicts (first: %s)", real.n,
                         real.n == 1 ? "" : "s", real.v[0].path);
  rf_chgs_free(&conflicts);
  rf_chgs_free(&real);
  return rc;
}
