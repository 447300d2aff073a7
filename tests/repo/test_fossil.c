/* test_fossil.c: the repo-fossil backend against the real fossil binary:
 * seed a hub, serve it, clone two leaves as two users, commit, sync,
 * merge, conflict, delete.  More cases in test_fossil_more.c.  Prints
 * "1..0 # SKIP" when fossil is not installed. */
#include "config.h"

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builtins.h"
#include "loader.h"
#include "server.h"
#include "suite.h"
#include "util.h"

struct suite T = {.tmp = "/tmp/bones-fossil-test-XXXXXX"};

static const char *const SEED[] = {"-dash.txt", ".gitignore", "README.md", "docs/a b.txt",
                                   "src/main.c", "src/run.sh", "vendor/sub", "dangling"};
#define NSEED (sizeof SEED / sizeof *SEED)

static struct fx_list last;

const char *changes_of(const char *wt) {
  struct bones_error err;
  fx_list_reset(&last);
  EXPECT(T.be->leaf_changes(T.repo, wt, fx_collect_change, &last, &err), BONES_OK, err);
  return last.text ? last.text : "";
}

const char *diff_of(const char *from, const char *to) {
  struct bones_error err;
  fx_list_reset(&last);
  EXPECT(T.be->diff(T.repo, T.hub, from, to, fx_collect_change, &last, &err), BONES_OK, err);
  return last.text ? last.text : "";
}

const char *ls_of(const char *rev) {
  struct bones_error err;
  fx_list_reset(&last);
  EXPECT(T.be->ls(T.repo, T.hub, rev, fx_collect_path, &last, &err), BONES_OK, err);
  return last.text ? last.text : "";
}

int trunk_leaves(void) {
  struct bones_error err;
  int n = -1;
  EXPECT(T.be->trunk_leaves(T.repo, T.hub, &n, &err), BONES_OK, err);
  return n;
}

int commit_all(const char *wt, const char *msg, const char *user, char id[BONES_REPO_ID_MAX], struct bones_error *err) {
  return T.be->leaf_commit(T.repo, wt, msg, NULL, 0, user, id, err);
}

void serve(void) {
  struct bones_error err;
  EXPECT(T.be->hub_serve(T.repo, T.hub, T.port, -1, &T.server, &err), BONES_OK, err);
  assert_true(T.server > 0);
}

static void probe_reports_version(void **state) {
  (void)state;
  char v[32] = "";
  struct bones_error err;
  EXPECT(T.be->probe(T.repo, v, sizeof v, &err), BONES_OK, err);
  assert_int_equal(strncmp(v, "2.", 2), 0);
  void *tmp = NULL; /* no options: a temporary private home, removed by close */
  EXPECT(T.be->open(NULL, &tmp, &err), BONES_OK, err);
  EXPECT(T.be->probe(tmp, NULL, 0, &err), BONES_OK, err);
  T.be->close(tmp);
}

static void hub_is_seeded_with_exactly_the_files(void **state) {
  (void)state;
  struct bones_error err;
  fx_write(T.seed, "-dash.txt", "dash\n", 0644);
  fx_write(T.seed, ".gitignore", "build/\n", 0644);
  fx_write(T.seed, "README.md", "line1\nline2\nline3\n", 0644);
  fx_write(T.seed, "docs/a b.txt", "spaces\n", 0644);
  fx_write(T.seed, "src/main.c", "int main(void) { return 0; }\n", 0644);
  fx_write(T.seed, "src/run.sh", "#!/bin/sh\necho hi\n", 0755);
  fx_write(T.seed, "vendor/sub/inner.txt", "a submodule: skipped\n", 0644);
  fx_write(T.seed, "untracked.txt", "not listed: not seeded\n", 0644);
  char *link = bones_xasprintf("%s/dangling", T.seed); /* a dangling symlink: skipped */
  assert_int_equal(symlink("nowhere", link), 0);
  free(link);
  const char *missing[] = {"README.md", "gone.txt"};
  EXPECT(T.be->hub_init(T.repo, T.hub, T.seed, missing, 2, &err), BONES_E_NOTFOUND, err);
  assert_false(bones_path_exists(T.hub));
  EXPECT(T.be->hub_init(T.repo, T.hub, T.seed, SEED, NSEED, &err), BONES_OK, err);
  EXPECT(T.be->hub_init(T.repo, T.hub, T.seed, SEED, NSEED, &err), BONES_E_EXISTS, err);
  assert_int_equal(fx_mode(T.hub, ""), 0600);
  assert_string_equal(ls_of(NULL), SEED_LS);
  struct fx_timeline tl = {0};
  EXPECT(T.be->timeline(T.repo, T.hub, 10, fx_collect_checkin, &tl, &err), BONES_OK, err);
  assert_string_equal(tl.entries.text, "bones|bones: seed 6 files,bones|initial empty check-in");
  assert_int_equal(strlen(tl.ids[0]), 64);
  assert_int_equal(strlen(tl.when[0]), 24); /* 2026-11-23T13:47:04.123Z */
  assert_int_equal(tl.when[0][23], 'Z');
  snprintf(T.seed_id, sizeof T.seed_id, "%s", tl.ids[0]);
  fx_list_reset(&tl.entries);
  assert_int_equal(trunk_leaves(), 1);
  unsigned char *data;
  size_t len;
  EXPECT(T.be->cat(T.repo, T.hub, "README.md", NULL, &data, &len, &err), BONES_OK, err);
  assert_int_equal(len, 18);
  assert_string_equal((char *)data, "line1\nline2\nline3\n");
  free(data);
}

static void hub_serves_and_leaves_clone(void **state) {
  (void)state;
  struct bones_error err;
  EXPECT(T.be->hub_user(T.repo, T.hub, "slot-a", "first", &err), BONES_OK, err);
  EXPECT(T.be->hub_user(T.repo, T.hub, "slot-a", PW_A, &err), BONES_OK, err); /* update */
  EXPECT(T.be->hub_user(T.repo, T.hub, "slot-b", PW_B, &err), BONES_OK, err);
  EXPECT(bones_free_port(&T.port, &err), BONES_OK, err);
  T.url = bones_xasprintf("http://127.0.0.1:%d/", T.port);
  serve();
  pid_t other;
  EXPECT(T.be->hub_serve(T.repo, T.hub, T.port, -1, &other, &err), BONES_E_CONFLICT, err);
  EXPECT(T.be->leaf_clone(T.repo, T.url, "slot-a", PW_A, T.leaf_a, T.wt_a, &err), BONES_OK, err);
  EXPECT(T.be->leaf_clone(T.repo, T.url, "slot-b", PW_B, T.leaf_b, T.wt_b, &err), BONES_OK, err);
  assert_int_equal(fx_mode(T.leaf_b, ""), 0600);
  assert_leaf_settings(T.leaf_b);
  char *readme = fx_read(T.wt_b, "README.md");
  assert_string_equal(readme, "line1\nline2\nline3\n");
  free(readme);
  assert_string_equal(changes_of(T.wt_a), "");
  /* a wrong password is refused, never echoed, and leaves nothing */
  char *leaf_c = bones_xasprintf("%s/c/leaf.fossil", T.tmp), *wt_c = bones_xasprintf("%s/c/wt", T.tmp);
  EXPECT(T.be->leaf_clone(T.repo, T.url, "slot-b", "wrong-Secret", leaf_c, wt_c, &err), BONES_E_REFUSED, err);
  assert_null(strstr(err.message, "wrong-Secret"));
  assert_false(bones_path_exists(leaf_c));
  assert_false(bones_path_exists(wt_c));
  /* anonymous access is locked out */
  assert_int_not_equal(fx_fossil(T.state, T.tmp, "clone", "-A", "x", T.url, leaf_c, NULL), 0);
  assert_false(bones_path_exists(leaf_c));
  EXPECT(T.be->leaf_clone(T.repo, T.url, "slot-a", PW_A, T.leaf_a, wt_c, &err), BONES_E_EXISTS, err);
  free(leaf_c);
  free(wt_c);
}

static void commits_without_sync_are_refused_then_land(void **state) {
  (void)state;
  struct bones_error err;
  char id[BONES_REPO_ID_MAX], id2[BONES_REPO_ID_MAX];
  fx_write(T.wt_a, "a.txt", "from a\n", 0644);
  fx_write(T.wt_a, "src/main.c", "int main(void) { return 1; }\n", 0644);
  assert_string_equal(changes_of(T.wt_a), "A a.txt,M src/main.c");
  EXPECT(commit_all(T.wt_a, "a: add a.txt", NULL, id, &err), BONES_OK, err);
  assert_int_equal(strspn(id, "0123456789abcdef"), 64);
  assert_string_equal(changes_of(T.wt_a), "");
  EXPECT(T.be->leaf_commit(T.repo, T.wt_a, "again", NULL, 0, NULL, id2, &err), BONES_E_REFUSED, err);
  fx_write(T.wt_b, "b.txt", "from b\n", 0644);
  EXPECT(T.be->leaf_commit(T.repo, T.wt_b, "b: add b.txt", NULL, 0, "slot-b", id2, &err), BONES_E_CONFLICT, err);
  assert_non_null(strstr(err.message, "fork"));
  assert_int_equal(trunk_leaves(), 1);
  assert_string_equal(ls_of(NULL), "-dash.txt,.gitignore,README.md,a.txt,docs/a b.txt,src/main.c,src/run.sh");
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, fx_collect_change, &last, &err), BONES_OK, err);
  char *a = fx_read(T.wt_b, "a.txt");
  assert_string_equal(a, "from a\n");
  free(a);
  EXPECT(T.be->leaf_commit(T.repo, T.wt_b, "b: add b.txt", NULL, 0, "slot-b", id2, &err), BONES_OK, err);
  EXPECT(T.be->leaf_push(T.repo, T.wt_b, &err), BONES_OK, err);
  assert_int_equal(trunk_leaves(), 1);
  struct fx_timeline tl = {0};
  EXPECT(T.be->timeline(T.repo, T.hub, 3, fx_collect_checkin, &tl, &err), BONES_OK, err);
  assert_string_equal(tl.entries.text, "slot-b|b: add b.txt,slot-a|a: add a.txt,bones|bones: seed 6 files");
  assert_string_equal(tl.ids[0], id2);
  assert_string_equal(tl.ids[1], id);
  fx_list_reset(&tl.entries);
}

static void deletions_and_partial_commits(void **state) {
  (void)state;
  struct bones_error err;
  char before[BONES_REPO_ID_MAX], id[BONES_REPO_ID_MAX];
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  struct fx_timeline tl = {0};
  EXPECT(T.be->timeline(T.repo, T.hub, 1, fx_collect_checkin, &tl, &err), BONES_OK, err);
  snprintf(before, sizeof before, "%s", tl.ids[0]);
  fx_list_reset(&tl.entries);
  char *gone = bones_xasprintf("%s/src/run.sh", T.wt_a);
  assert_int_equal(unlink(gone), 0);
  free(gone);
  fx_write(T.wt_a, "c.txt", "from a, later\n", 0644);
  assert_string_equal(changes_of(T.wt_a), "A c.txt,D src/run.sh");
  const char *only_readme[] = {"README.md"};
  EXPECT(T.be->leaf_commit(T.repo, T.wt_a, "nothing", only_readme, 1, NULL, id, &err), BONES_E_REFUSED, err);
  const char *only_del[] = {"src/run.sh"};
  EXPECT(T.be->leaf_commit(T.repo, T.wt_a, "a: remove run.sh", only_del, 1, NULL, id, &err), BONES_OK, err);
  assert_string_equal(changes_of(T.wt_a), "A c.txt");
  assert_string_equal(ls_of(NULL), "-dash.txt,.gitignore,README.md,a.txt,b.txt,docs/a b.txt,src/main.c");
  assert_string_equal(diff_of(before, id), "D src/run.sh");
  EXPECT(commit_all(T.wt_a, "a: add c.txt", NULL, id, &err), BONES_OK, err);
  assert_string_equal(changes_of(T.wt_a), "");
  assert_int_equal(trunk_leaves(), 1);
}

static void concurrent_edits_merge_or_conflict(void **state) {
  (void)state;
  struct bones_error err;
  char id[BONES_REPO_ID_MAX];
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, NULL, NULL, &err), BONES_OK, err);
  /* different lines of one file: merged */
  fx_write(T.wt_a, "README.md", "line1-A\nline2\nline3\n", 0644);
  EXPECT(commit_all(T.wt_a, "a: line1", NULL, id, &err), BONES_OK, err);
  fx_write(T.wt_b, "README.md", "line1\nline2\nline3-B\n", 0644);
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, NULL, NULL, &err), BONES_OK, err);
  char *readme = fx_read(T.wt_b, "README.md");
  assert_string_equal(readme, "line1-A\nline2\nline3-B\n");
  free(readme);
  assert_string_equal(changes_of(T.wt_b), "M README.md");
  EXPECT(commit_all(T.wt_b, "b: line3", NULL, id, &err), BONES_OK, err);
  /* the same line: a conflict, both versions kept in the file */
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  fx_write(T.wt_a, "README.md", "line1-A\nline2-A\nline3-B\n", 0644);
  EXPECT(commit_all(T.wt_a, "a: line2", NULL, id, &err), BONES_OK, err);
  fx_write(T.wt_b, "README.md", "line1-A\nline2-B\nline3-B\n", 0644);
  fx_list_reset(&last);
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, fx_collect_change, &last, &err), BONES_E_CONFLICT, err);
  assert_string_equal(last.text, "C README.md");
  readme = fx_read(T.wt_b, "README.md");
  assert_non_null(strstr(readme, "line2-A"));
  assert_non_null(strstr(readme, "line2-B"));
  free(readme);
  assert_string_equal(changes_of(T.wt_b), "C README.md");
  EXPECT(commit_all(T.wt_b, "b: unresolved", NULL, id, &err), BONES_E_CONFLICT, err);
  fx_list_reset(&last); /* syncing again only reports it */
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, fx_collect_change, &last, &err), BONES_E_CONFLICT, err);
  assert_string_equal(last.text, "C README.md");
  fx_write(T.wt_b, "README.md", "line1-A\nline2-AB\nline3-B\n", 0644);
  EXPECT(commit_all(T.wt_b, "b: line2 resolved", NULL, id, &err), BONES_OK, err);
  /* both add the same new file: a conflict, the local version kept */
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  fx_write(T.wt_a, "same.txt", "from A\n", 0644);
  EXPECT(commit_all(T.wt_a, "a: same.txt", NULL, id, &err), BONES_OK, err);
  fx_write(T.wt_b, "same.txt", "from B\n", 0644);
  fx_list_reset(&last);
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, fx_collect_change, &last, &err), BONES_E_CONFLICT, err);
  assert_string_equal(last.text, "C same.txt");
  char *same = fx_read(T.wt_b, "same.txt");
  assert_string_equal(same, "from B\n");
  free(same);
  EXPECT(commit_all(T.wt_b, "b: same.txt, B's version", NULL, id, &err), BONES_OK, err);
  /* one deletes, the other edits: a conflict, the edit kept */
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  char *doc = bones_xasprintf("%s/docs/a b.txt", T.wt_a);
  assert_int_equal(unlink(doc), 0);
  free(doc);
  EXPECT(commit_all(T.wt_a, "a: remove doc", NULL, id, &err), BONES_OK, err);
  fx_write(T.wt_b, "docs/a b.txt", "spaces, edited by B\n", 0644);
  fx_list_reset(&last);
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, fx_collect_change, &last, &err), BONES_E_CONFLICT, err);
  assert_string_equal(last.text, "C docs/a b.txt");
  doc = fx_read(T.wt_b, "docs/a b.txt");
  assert_string_equal(doc, "spaces, edited by B\n");
  free(doc);
  EXPECT(commit_all(T.wt_b, "b: keep the doc", NULL, id, &err), BONES_OK, err);
  unsigned char *data;
  size_t len;
  EXPECT(T.be->cat(T.repo, T.hub, "docs/a b.txt", NULL, &data, &len, &err), BONES_OK, err);
  assert_string_equal((char *)data, "spaces, edited by B\n");
  free(data);
  assert_int_equal(trunk_leaves(), 1);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static int setup(void **state) {
  (void)state;
  struct bones_error err;
  if (mkdtemp(T.tmp) == NULL) return -1;
  if (bones_register_builtin_backends(&err) != BONES_OK ||
      bones_loader_repo_backend("fossil", &T.be, &err) != BONES_OK) {
    fprintf(stderr, "# no fossil backend: %s\n", err.message);
    return -1;
  }
  T.state = bones_xasprintf("%s/state", T.tmp);
  T.seed = bones_xasprintf("%s/seed", T.tmp);
  T.hub = bones_xasprintf("%s/ws/.bones/hub.fossil", T.tmp);
  T.leaf_a = bones_xasprintf("%s/ws/.bones/swarm/a/leaf.fossil", T.tmp);
  T.wt_a = bones_xasprintf("%s/ws/.bones/swarm/a/wt", T.tmp);
  T.leaf_b = bones_xasprintf("%s/ws/.bones/swarm/b/leaf.fossil", T.tmp);
  T.wt_b = bones_xasprintf("%s/ws/.bones/swarm/b/wt", T.tmp);
  struct bones_repo_options o = {.state_dir = T.state, .timeout_ms = 20000};
  return T.be->open(&o, &T.repo, &err) == BONES_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  if (T.server > 0) {
    kill(T.server, SIGTERM);
    waitpid(T.server, NULL, 0);
  }
  if (T.repo) T.be->close(T.repo);
  nftw(T.tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  fx_list_reset(&last);
  char **strs[] = {&T.state, &T.seed, &T.hub, &T.url, &T.leaf_a, &T.wt_a, &T.leaf_b, &T.wt_b};
  for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) free(*strs[i]);
  bones_loader_shutdown();
  return 0;
}

int main(void) {
  if (!fx_have_fossil()) {
    const char *req = getenv("BONES_TEST_REQUIRE"); /* CI: "nats redis fossil" */
    char *padded = bones_xasprintf(" %s ", req ? req : "");
    int required = strstr(padded, " fossil ") != NULL;
    free(padded);
    if (required) {
      printf("Bail out! fossil not found (and BONES_TEST_REQUIRE requires fossil)\n");
      return 1;
    }
    printf("1..0 # SKIP fossil not found\n");
    return 0;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(probe_reports_version),
      cmocka_unit_test(hub_is_seeded_with_exactly_the_files),
      cmocka_unit_test(hub_serves_and_leaves_clone),
      cmocka_unit_test(commits_without_sync_are_refused_then_land),
      cmocka_unit_test(deletions_and_partial_commits),
      cmocka_unit_test(concurrent_edits_merge_or_conflict),
      cmocka_unit_test(inspect_results_are_exact),
      cmocka_unit_test(check_in_lock_is_a_conflict),
      cmocka_unit_test(concurrent_commits_stay_linear),
      cmocka_unit_test(hung_or_dead_hub_is_unavailable),
      cmocka_unit_test(hub_land_lands_queued_changes), /* before the fork: it needs one leaf */
      cmocka_unit_test(a_fork_is_detected),
      cmocka_unit_test(missing_fossil_is_unavailable),
      cmocka_unit_test(hub_commit_writes_trunk),
      cmocka_unit_test(leaf_land_lands_merges_and_refuses), /* it moves trunk the others check */
      cmocka_unit_test(remote_leaf_joins_the_one_trunk),
  };
  return cmocka_run_group_tests_name("repo-fossil", tests, setup, teardown);
}
