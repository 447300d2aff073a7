/* test_remote_clone.c: a leaf made on a host without the hub's file
 * (hub_identity + leaf_clone_remote): it syncs with the hub, its first
 * commit lands on the one trunk (no second root from `fossil new`), and a
 * wrong identity or password leaves nothing behind. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "suite.h"
#include "util.h"

#define PW_R "remote-Pw 9"

/* The value of setting name in the repository file repo (malloc'd), or
 * NULL when it has none. */
static char *repo_setting(const char *repo, const char *name) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char *value = NULL;
  if (sqlite3_open_v2(repo, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT value FROM config WHERE name = ?1", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      value = bones_xstrdup((const char *)sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

/* Asserts the settings every leaf gets (autosync, dotfiles, mtime-changes). */
void assert_leaf_settings(const char *leaf) {
  static const char *const want[][2] = {{"autosync", "on"}, {"dotfiles", "on"}, {"mtime-changes", "off"}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    char *v = repo_setting(leaf, want[i][0]);
    if (v == NULL || strcmp(v, want[i][1]) != 0) fail_msg("%s: %s is %s, want %s", leaf, want[i][0], v ? v : "unset", want[i][1]);
    free(v);
  }
}

void remote_leaf_joins_the_one_trunk(void **state) {
  (void)state;
  struct bones_error err;
  char identity[BONES_REPO_ID_MAX], other[BONES_REPO_ID_MAX], id[BONES_REPO_ID_MAX];
  EXPECT(T.be->hub_identity(T.repo, T.hub, identity, &err), BONES_OK, err);
  assert_int_equal(strlen(identity), 40);
  assert_int_equal(strspn(identity, "0123456789abcdef"), 40);
  EXPECT(T.be->hub_identity(T.repo, T.hub, other, &err), BONES_OK, err);
  assert_string_equal(identity, other); /* stable */
  char *missing = bones_xasprintf("%s/none.fossil", T.tmp);
  assert_int_not_equal(T.be->hub_identity(T.repo, missing, other, &err), BONES_OK);
  free(missing);
  EXPECT(T.be->hub_user(T.repo, T.hub, "slot-r", PW_R, &err), BONES_OK, err);
  char *leaf = bones_xasprintf("%s/r/leaf.fossil", T.tmp), *wt = bones_xasprintf("%s/r/wt", T.tmp);
  /* a malformed identity: refused before anything is made */
  EXPECT(T.be->leaf_clone_remote(T.repo, T.url, "x'; DROP TABLE user; --", "slot-r", PW_R, leaf, wt, &err),
         BONES_E_USAGE, err);
  assert_false(bones_path_exists(leaf));
  /* another project's code: the hub refuses the pull, nothing stays */
  EXPECT(T.be->leaf_clone_remote(T.repo, T.url, "0123456789abcdef0123456789abcdef01234567", "slot-r", PW_R, leaf, wt,
                                 &err),
         BONES_E_REFUSED, err);
  assert_false(bones_path_exists(leaf));
  assert_false(bones_path_exists(wt));
  /* a wrong password: refused, never echoed, nothing stays */
  EXPECT(T.be->leaf_clone_remote(T.repo, T.url, identity, "slot-r", "wrong-Secret", leaf, wt, &err), BONES_E_REFUSED,
         err);
  assert_null(strstr(err.message, "wrong-Secret"));
  assert_false(bones_path_exists(leaf));
  int before = trunk_leaves(); /* earlier cases leave a fork on purpose */
  assert_true(before >= 1);
  EXPECT(T.be->leaf_clone_remote(T.repo, T.url, identity, "slot-r", PW_R, leaf, wt, &err), BONES_OK, err);
  assert_int_equal(fx_mode(leaf, ""), 0600);
  assert_leaf_settings(leaf);
  char *readme = fx_read(wt, "README.md");
  char *hub_readme = NULL;
  size_t len = 0;
  EXPECT(T.be->cat(T.repo, T.hub, "README.md", "trunk", (unsigned char **)&hub_readme, &len, &err), BONES_OK, err);
  assert_non_null(readme);
  assert_memory_equal(readme, hub_readme, len); /* trunk's tip is checked out */
  free(readme);
  free(hub_readme);
  assert_string_equal(changes_of(wt), "");
  /* its first commit lands on the hub's trunk: no new leaf */
  fx_write(wt, "remote.txt", "from another host\n", 0644);
  EXPECT(T.be->leaf_sync(T.repo, wt, NULL, NULL, &err), BONES_OK, err);
  EXPECT(commit_all(wt, "remote commit", "slot-r", id, &err), BONES_OK, err);
  EXPECT(T.be->leaf_push(T.repo, wt, &err), BONES_OK, err);
  assert_int_equal(trunk_leaves(), before);
  assert_non_null(strstr(ls_of("trunk"), "remote.txt"));
  /* nothing of `fossil new` (its "initial empty check-in" by slot-r) reached the leaf or the hub */
  const char *repos[] = {leaf, T.hub};
  for (int i = 0; i < 2; i++) {
    struct fx_timeline tl;
    memset(&tl, 0, sizeof tl);
    EXPECT(T.be->timeline(T.repo, repos[i], 16, fx_collect_checkin, &tl, &err), BONES_OK, err);
    assert_non_null(strstr(tl.entries.text, "slot-r|remote commit"));
    assert_null(strstr(tl.entries.text, "slot-r|initial empty check-in"));
    fx_list_reset(&tl.entries);
  }
  free(leaf);
  free(wt);
  /* a leaf cloned from the hub's file on this host gets the same settings */
  EXPECT(T.be->hub_user(T.repo, T.hub, "slot-l", PW_R, &err), BONES_OK, err);
  leaf = bones_xasprintf("%s/l/leaf.fossil", T.tmp), wt = bones_xasprintf("%s/l/wt", T.tmp);
  EXPECT(T.be->leaf_clone_local(T.repo, T.hub, T.url, "slot-l", PW_R, leaf, wt, &err), BONES_OK, err);
  assert_leaf_settings(leaf);
  char *remote_txt = fx_read(wt, "remote.txt"); /* trunk's tip, with the remote leaf's commit */
  assert_non_null(remote_txt);
  free(remote_txt);
  free(leaf);
  free(wt);
}
