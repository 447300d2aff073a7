/* test_land.c: leaf_land (repo.h) against the real fossil: a worktree on
 * trunk's tip lands in one commit; one behind merges first; conflicts
 * (new, or markers still in a file) commit nothing; only the named files;
 * without the hub file; nothing to commit. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>

#include "suite.h"
#include "util.h"

/* A worktree's pending changes, owned copies, as leaf_land takes them. */
struct pending {
  struct bones_repo_pending v[32];
  size_t n;
};

static int collect_pending(void *arg, int change, const char *path) {
  struct pending *p = arg;
  if (p->n < sizeof p->v / sizeof *p->v) p->v[p->n++] = (struct bones_repo_pending){change, bones_xstrdup(path)};
  return 0;
}

static void pending_free(struct pending *p) {
  for (size_t i = 0; i < p->n; i++) free((char *)p->v[i].path);
  p->n = 0;
}

/* Lands every pending change of wt (or only the one named file) as
 * message; hub_path NULL lands without reading the hub file. */
static int land(const char *wt, const char *only, const char *message, const char *hub_path,
                struct bones_repo_landed *out, struct fx_list *conflicts, struct bones_error *err) {
  struct pending p = {.n = 0};
  EXPECT(T.be->leaf_changes(T.repo, wt, collect_pending, &p, err), BONES_OK, *err);
  size_t k = 0;
  for (size_t i = 0; i < p.n; i++) {
    if (only && strcmp(p.v[i].path, only) != 0) free((char *)p.v[i].path);
    else p.v[k++] = p.v[i];
  }
  p.n = k;
  struct bones_repo_land in = {wt,     message, "slot-lander", p.v, p.n, only != NULL, hub_path,
                               fx_collect_change, conflicts};
  int rc = T.be->leaf_land(T.repo, &in, out, err);
  pending_free(&p);
  return rc;
}

static const char *head_id(void) {
  static struct fx_timeline tl;
  struct bones_error err;
  fx_list_reset(&tl.entries);
  EXPECT(T.be->timeline(T.repo, T.hub, 1, fx_collect_checkin, &tl, &err), BONES_OK, err);
  return tl.ids[0];
}

void leaf_land_lands_merges_and_refuses(void **state) {
  (void)state;
  if (!(T.be->size >= offsetof(struct bones_repo_backend_v1, leaf_land) + sizeof T.be->leaf_land && T.be->leaf_land))
    skip(); /* built without SQLite: callers take leaf_sync + leaf_commit */
  struct bones_error err;
  struct bones_repo_landed out;
  struct fx_list conflicts = {0};
  int base = trunk_leaves(); /* a_fork_is_detected left trunk forked: leaves stay as they are */
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, NULL, NULL, &err), BONES_OK, err);
  /* on the tip: an edit, a new file and a deletion in one check-in */
  fx_write(T.wt_a, "land.txt", "one\ntwo\nthree\n", 0644);
  fx_write(T.wt_a, "README.md", "L1\nline2-AB\nline3-B\n", 0644);
  char *gone = bones_xasprintf("%s/same.txt", T.wt_a);
  assert_int_equal(unlink(gone), 0);
  free(gone);
  EXPECT(land(T.wt_a, NULL, "a: land three changes", T.hub, &out, &conflicts, &err), BONES_OK, err);
  assert_int_equal(strspn(out.id, "0123456789abcdef"), 64);
  assert_string_equal(out.id, head_id());
  assert_int_equal(out.merged, 0);
  assert_int_equal(out.trunk_leaves, base);
  assert_string_equal(changes_of(T.wt_a), "");
  assert_null(strstr(ls_of(NULL), "same.txt"));
  assert_non_null(strstr(ls_of(NULL), "land.txt"));
  /* behind trunk: merged first, then one check-in on the tip */
  fx_write(T.wt_b, "b-land.txt", "from b\n", 0644);
  EXPECT(land(T.wt_b, NULL, "b: behind", T.hub, &out, &conflicts, &err), BONES_OK, err);
  assert_int_equal(out.merged, 1);
  assert_int_equal(out.trunk_leaves, base);
  assert_string_equal(out.id, head_id());
  char *f = fx_read(T.wt_b, "land.txt");
  assert_string_equal(f, "one\ntwo\nthree\n");
  free(f);
  /* a new conflict: nothing committed, both sides kept in the file */
  const char *before = bones_xstrdup(head_id());
  fx_write(T.wt_b, "land.txt", "one\ntwo-B\nthree\n", 0644);
  EXPECT(land(T.wt_b, NULL, "b: two", T.hub, &out, &conflicts, &err), BONES_OK, err);
  fx_write(T.wt_a, "land.txt", "one\ntwo-A\nthree\n", 0644);
  fx_list_reset(&conflicts);
  EXPECT(land(T.wt_a, NULL, "a: two", T.hub, &out, &conflicts, &err), BONES_E_CONFLICT, err);
  assert_string_equal(conflicts.text, "C land.txt");
  assert_string_equal(out.id, "");
  assert_string_not_equal(head_id(), before);
  char *after_b = bones_xstrdup(head_id());
  f = fx_read(T.wt_a, "land.txt");
  assert_non_null(strstr(f, "two-A"));
  assert_non_null(strstr(f, "two-B"));
  free(f);
  /* markers still there: refused again, without merging anything */
  fx_list_reset(&conflicts);
  EXPECT(land(T.wt_a, NULL, "a: markers", T.hub, &out, &conflicts, &err), BONES_E_CONFLICT, err);
  assert_string_equal(conflicts.text, "C land.txt");
  assert_string_equal(head_id(), after_b);
  fx_write(T.wt_a, "land.txt", "one\ntwo-AB\nthree\n", 0644);
  EXPECT(land(T.wt_a, NULL, "a: resolved", T.hub, &out, &conflicts, &err), BONES_OK, err);
  assert_int_equal(trunk_leaves(), base);
  /* only the named file; the other stays pending */
  fx_write(T.wt_a, "x.txt", "x\n", 0644);
  fx_write(T.wt_a, "y.txt", "y\n", 0644);
  EXPECT(land(T.wt_a, "x.txt", "a: x only", T.hub, &out, &conflicts, &err), BONES_OK, err);
  assert_string_equal(changes_of(T.wt_a), "A y.txt");
  assert_non_null(strstr(ls_of(NULL), "x.txt"));
  assert_null(strstr(ls_of(NULL), "y.txt"));
  /* without the hub file: the behind worktree finds out from "would fork" */
  fx_write(T.wt_b, "b2.txt", "b2\n", 0644);
  fx_write(T.wt_b, "land.txt", "one\ntwo-AB\nthree\nfour-B\n", 0644); /* b's own line four, over a's resolution */
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, NULL, NULL, &err), BONES_OK, err);
  fx_write(T.wt_a, "a3.txt", "a3\n", 0644);
  EXPECT(land(T.wt_a, "a3.txt", "a: a3", T.hub, &out, &conflicts, &err), BONES_OK, err);
  EXPECT(land(T.wt_b, NULL, "b: without the hub file", NULL, &out, &conflicts, &err), BONES_OK, err);
  assert_int_equal(out.merged, 1);
  assert_int_equal(out.trunk_leaves, 0);
  assert_string_equal(out.id, head_id());
  assert_int_equal(trunk_leaves(), base);
  /* nothing pending */
  EXPECT(land(T.wt_b, NULL, "b: nothing", T.hub, &out, &conflicts, &err), BONES_E_REFUSED, err);
  assert_string_equal(out.id, "");
  EXPECT(land(T.wt_a, "y.txt", "a: y", T.hub, &out, &conflicts, &err), BONES_OK, err);
  /* the hub down: on the tip (commit's own pull fails) and behind (the
   * update's pull fails): unavailable, nothing committed, nothing lost */
  if (T.server > 0) {
    kill(T.server, SIGTERM);
    waitpid(T.server, NULL, 0);
    T.server = 0;
  }
  char *tip = bones_xstrdup(head_id());
  fx_write(T.wt_a, "down-a.txt", "a\n", 0644);
  EXPECT(land(T.wt_a, NULL, "a: hub down", T.hub, &out, &conflicts, &err), BONES_E_UNAVAILABLE, err);
  assert_string_equal(out.id, "");
  assert_string_equal(changes_of(T.wt_a), "A down-a.txt");
  fx_write(T.wt_b, "down-b.txt", "b\n", 0644);
  EXPECT(land(T.wt_b, NULL, "b: hub down", T.hub, &out, &conflicts, &err), BONES_E_UNAVAILABLE, err);
  assert_string_equal(out.id, "");
  assert_string_equal(changes_of(T.wt_b), "A down-b.txt");
  assert_string_equal(head_id(), tip);
  serve();
  EXPECT(land(T.wt_b, NULL, "b: hub back", T.hub, &out, &conflicts, &err), BONES_OK, err);
  assert_int_equal(out.merged, 1);
  assert_string_equal(changes_of(T.wt_b), "");
  free(tip);
  free((char *)before);
  free(after_b);
  fx_list_reset(&conflicts);
}
