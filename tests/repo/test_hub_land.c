/* test_hub_land.c: hub_land, leaf_checkout and leaf_catch_up (repo.h)
 * against the real fossil: a slot's queued changes land on trunk's tip
 * through the lander's own check-out, as that slot's check-in, even when
 * the slot's worktree is behind; a file trunk changed after the slot's
 * base is refused with nothing committed; the slot's worktree then
 * catches up with nothing pending and nothing left behind. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "util.h"

static const char *newest(char user_comment[256]) {
  static struct fx_timeline tl;
  struct bones_error err;
  fx_list_reset(&tl.entries);
  EXPECT(T.be->timeline(T.repo, T.hub, 1, fx_collect_checkin, &tl, &err), BONES_OK, err);
  snprintf(user_comment, 256, "%s", tl.entries.text ? tl.entries.text : "");
  return tl.ids[0];
}

static int collect_stale(void *arg, int change, const char *path) {
  (void)change;
  snprintf((char *)arg, 256, "%s", path);
  return 0;
}

void hub_land_lands_queued_changes(void **state) {
  (void)state;
  if (!(T.be->size >= offsetof(struct bones_repo_backend_v1, leaf_catch_up) + sizeof T.be->leaf_catch_up &&
        T.be->hub_land))
    skip(); /* built without SQLite: every slot lands its own changes */
  struct bones_error err;
  struct bones_repo_landed out;
  char co[128], base_a[BONES_REPO_ID_MAX], base_b[BONES_REPO_ID_MAX], uc[256], stale[256] = "";
  snprintf(co, sizeof co, "%s/lander-co", T.tmp);
  assert_int_equal(trunk_leaves(), 1);
  char id[BONES_REPO_ID_MAX];
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  fx_write(T.wt_a, "qd.txt", "to delete\n", 0644);
  EXPECT(commit_all(T.wt_a, "a: qd", NULL, id, &err), BONES_OK, err);
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, NULL, NULL, &err), BONES_OK, err);
  EXPECT(T.be->leaf_checkout(T.repo, T.wt_b, base_b, &err), BONES_OK, err);
  assert_int_equal(strspn(base_b, "0123456789abcdef"), 64);
  /* a moves trunk: b is behind from here on */
  fx_write(T.wt_a, "qa.txt", "from a\n", 0644);
  EXPECT(commit_all(T.wt_a, "a: qa", NULL, id, &err), BONES_OK, err);
  EXPECT(T.be->leaf_checkout(T.repo, T.wt_a, base_a, &err), BONES_OK, err);
  assert_string_not_equal(base_a, base_b);
  /* b's changes (a new file, an edit, a deletion) land from b's worktree
   * as the source, on top of a's check-in, without b's leaf */
  fx_write(T.wt_b, "qb.txt", "from b\n", 0644);
  fx_write(T.wt_b, "src/main.c", "int main(void) { return 7; }\n", 0644);
  char *gone = bones_xasprintf("%s/qd.txt", T.wt_b);
  assert_int_equal(unlink(gone), 0);
  free(gone);
  struct bones_repo_pending pb[] = {{'A', "qb.txt"}, {'M', "src/main.c"}, {'D', "qd.txt"}};
  struct bones_repo_hub_land in = {T.hub, co, T.wt_b, pb, 3, base_b, "slot-queued", "b: queued", collect_stale, stale};
  EXPECT(T.be->hub_land(T.repo, &in, &out, &err), BONES_OK, err);
  assert_string_equal(out.id, newest(uc));
  assert_string_equal(uc, "slot-queued|b: queued");
  assert_int_equal(out.trunk_leaves, 1);
  assert_int_equal(trunk_leaves(), 1);
  assert_non_null(strstr(ls_of(NULL), "qb.txt"));
  assert_non_null(strstr(ls_of(NULL), "qa.txt"));
  assert_null(strstr(ls_of(NULL), "qd.txt"));
  assert_string_equal(diff_of(id, NULL), "A qb.txt,D qd.txt,M src/main.c");
  /* b catches up: nothing pending, a's file and its own content there,
   * no backup copy of the file it had added */
  EXPECT(T.be->leaf_catch_up(T.repo, T.wt_b, pb, 3, NULL, NULL, &err), BONES_OK, err);
  assert_string_equal(changes_of(T.wt_b), "");
  char *f = fx_read(T.wt_b, "qa.txt");
  assert_string_equal(f, "from a\n");
  free(f);
  f = fx_read(T.wt_b, "src/main.c");
  assert_string_equal(f, "int main(void) { return 7; }\n");
  free(f);
  char *backup = bones_xasprintf("%s/qb.txt-original", T.wt_b);
  assert_false(bones_path_exists(backup));
  free(backup);
  /* a, behind, edits a file b's check-in changed after a's base: stale,
   * nothing committed, the file named */
  char *tip = bones_xstrdup(out.id);
  fx_write(T.wt_a, "src/main.c", "int main(void) { return 8; }\n", 0644);
  struct bones_repo_pending pa[] = {{'M', "src/main.c"}};
  struct bones_repo_hub_land ina = {T.hub, co, T.wt_a, pa, 1, base_a, "slot-a", "a: stale", collect_stale, stale};
  EXPECT(T.be->hub_land(T.repo, &ina, &out, &err), BONES_E_CONFLICT, err);
  assert_string_equal(stale, "src/main.c");
  assert_string_equal(out.id, "");
  assert_string_equal(newest(uc), tip);
  /* a base that is not on trunk: refused */
  char zeros[65];
  memset(zeros, '0', 64), zeros[64] = '\0';
  fx_write(T.wt_a, "qa2.txt", "a2\n", 0644);
  struct bones_repo_pending pa2[] = {{'A', "qa2.txt"}};
  struct bones_repo_hub_land inz = {T.hub, co, T.wt_a, pa2, 1, zeros, "slot-a", "a: nowhere", NULL, NULL};
  EXPECT(T.be->hub_land(T.repo, &inz, &out, &err), BONES_E_CONFLICT, err);
  assert_string_equal(newest(uc), tip);
  /* the lander's check-out gone (a lander died): made again; a's other
   * file lands although a is behind */
  assert_int_equal(bones_remove_tree(co, &err), BONES_OK);
  struct bones_repo_hub_land in2 = {T.hub, co, T.wt_a, pa2, 1, base_a, "slot-a", "a: qa2", NULL, NULL};
  EXPECT(T.be->hub_land(T.repo, &in2, &out, &err), BONES_OK, err);
  assert_string_equal(out.id, newest(uc));
  assert_string_equal(uc, "slot-a|a: qa2");
  char *qa2 = bones_xstrdup(out.id);
  /* bad input: nothing committed */
  struct bones_repo_pending bad[] = {{'A', "../x.txt"}};
  struct bones_repo_hub_land inb = {T.hub, co, T.wt_a, bad, 1, base_a, "slot-a", "a: bad", NULL, NULL};
  EXPECT(T.be->hub_land(T.repo, &inb, &out, &err), BONES_E_USAGE, err);
  struct bones_repo_pending marked[] = {{'C', "qa.txt"}};
  inb.pending = marked;
  EXPECT(T.be->hub_land(T.repo, &inb, &out, &err), BONES_E_USAGE, err);
  inb.pending = pa2, inb.message = "";
  EXPECT(T.be->hub_land(T.repo, &inb, &out, &err), BONES_E_USAGE, err);
  assert_string_equal(newest(uc), qa2);
  free(qa2);
  /* a catches up from its own landing of qa2 (its edit of src/main.c
   * was not landed: it stays and meets b's change as a merge conflict) */
  EXPECT(T.be->leaf_catch_up(T.repo, T.wt_a, pa2, 1, NULL, NULL, &err), BONES_E_CONFLICT, err);
  assert_non_null(strstr(err.message, "src/main.c"));
  f = fx_read(T.wt_a, "qa2.txt");
  assert_string_equal(f, "a2\n");
  free(f);
  /* resolve a's conflict the way the suite's later cases expect: trunk's */
  fx_write(T.wt_a, "src/main.c", "int main(void) { return 7; }\n", 0644);
  assert_string_equal(changes_of(T.wt_a), "");
  assert_int_equal(trunk_leaves(), 1);
  free(tip);
}
