/* test_fossil_more.c: repo-fossil cases that build on test_fossil.c's hub
 * and leaves: exact inspection results, the check-in lock, concurrent
 * committers, a hung or dead hub, fork detection, fossil missing. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"
#include "util.h"

void inspect_results_are_exact(void **state) {
  (void)state;
  struct bones_error err;
  assert_string_equal(ls_of(T.seed_id), SEED_LS);
  char *cwd = getcwd(NULL, 0); /* relative repository paths work */
  assert_int_equal(chdir(T.tmp), 0);
  struct fx_list rel = {0};
  EXPECT(T.be->ls(T.repo, "ws/.bones/hub.fossil", T.seed_id, fx_collect_path, &rel, &err), BONES_OK, err);
  assert_string_equal(rel.text, SEED_LS);
  fx_list_reset(&rel);
  assert_int_equal(chdir(cwd), 0);
  free(cwd);
  assert_string_equal(diff_of(NULL, T.seed_id),
                      "A -dash.txt,A .gitignore,A README.md,A docs/a b.txt,A src/main.c,A src/run.sh");
  assert_string_equal(diff_of(T.seed_id, "trunk"),
                      "M README.md,A a.txt,A b.txt,A c.txt,M docs/a b.txt,A same.txt,M src/main.c,D src/run.sh");
  unsigned char *data;
  size_t len;
  EXPECT(T.be->cat(T.repo, T.hub, "src/run.sh", T.seed_id, &data, &len, &err), BONES_OK, err);
  assert_string_equal((char *)data, "#!/bin/sh\necho hi\n");
  free(data);
  EXPECT(T.be->cat(T.repo, T.hub, "src/run.sh", NULL, &data, &len, &err), BONES_E_NOTFOUND, err);
  EXPECT(T.be->cat(T.repo, T.hub, "README.md", "no-such-rev", &data, &len, &err), BONES_E_NOTFOUND, err);
  /* export: every file of a check-in, contents and exec bits */
  char *d1 = bones_xasprintf("%s/export1", T.tmp), *d2 = bones_xasprintf("%s/export2", T.tmp);
  EXPECT(T.be->export_files(T.repo, T.hub, T.seed_id, NULL, 0, d1, &err), BONES_OK, err);
  char *s = fx_read(d1, "src/run.sh");
  assert_string_equal(s, "#!/bin/sh\necho hi\n");
  free(s);
  s = fx_read(d1, "docs/a b.txt");
  assert_string_equal(s, "spaces\n");
  free(s);
  assert_int_equal(fx_mode(d1, "src/run.sh"), 0755);
  assert_int_equal(fx_mode(d1, "README.md"), 0644);
  assert_int_equal(fx_mode(d1, "-dash.txt"), 0644);
  const char *two[] = {"README.md", "docs/a b.txt"};
  EXPECT(T.be->export_files(T.repo, T.hub, NULL, two, 2, d2, &err), BONES_OK, err);
  s = fx_read(d2, "README.md");
  assert_string_equal(s, "line1-A\nline2-AB\nline3-B\n");
  free(s);
  assert_null(fx_read(d2, "a.txt"));
  const char *gone[] = {"src/run.sh"};
  EXPECT(T.be->export_files(T.repo, T.hub, NULL, gone, 1, d2, &err), BONES_E_NOTFOUND, err);
  /* an exec-bit change is a modification */
  char before[BONES_REPO_ID_MAX], id[BONES_REPO_ID_MAX];
  struct fx_timeline tl = {0};
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  EXPECT(T.be->timeline(T.repo, T.hub, 2, fx_collect_checkin, &tl, &err), BONES_OK, err);
  assert_int_equal(tl.entries.n, 2);
  snprintf(before, sizeof before, "%s", tl.ids[0]);
  fx_list_reset(&tl.entries);
  fx_write(T.wt_a, "src/main.c", "int main(void) { return 1; }\n", 0755);
  assert_string_equal(changes_of(T.wt_a), "M src/main.c");
  EXPECT(commit_all(T.wt_a, "a: main.c executable", NULL, id, &err), BONES_OK, err);
  assert_string_equal(diff_of(before, id), "M src/main.c");
  EXPECT(T.be->export_files(T.repo, T.hub, id, NULL, 0, d2, &err), BONES_OK, err);
  assert_int_equal(fx_mode(d2, "src/main.c"), 0755);
  free(d1);
  free(d2);
}

void check_in_lock_is_a_conflict(void **state) {
  (void)state;
  struct bones_error err;
  char id[BONES_REPO_ID_MAX];
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, NULL, NULL, &err), BONES_OK, err);
  /* a commit attempt in B that fails after its pull keeps the hub's
   * check-in lock on the tip (until B syncs again or lock-timeout) */
  assert_int_not_equal(fx_fossil(T.state, T.wt_b, "commit", "-m", "nothing", "--no-prompt", NULL), 0);
  fx_write(T.wt_a, "lock.txt", "locked out\n", 0644);
  EXPECT(commit_all(T.wt_a, "a: lock.txt", NULL, id, &err), BONES_E_CONFLICT, err);
  assert_non_null(strstr(err.message, "fork"));
  assert_int_equal(fx_fossil(T.state, T.wt_b, "pull", NULL), 0); /* frees the lock */
  EXPECT(commit_all(T.wt_a, "a: lock.txt", NULL, id, &err), BONES_OK, err);
  assert_int_equal(trunk_leaves(), 1);
}

/* One committer process: n files, each committed with sync + retry on
 * conflict.  Exit status 0 when all landed. */
static void committer(const char *wt, int who, int n) {
  struct bones_error err;
  srand((unsigned)getpid());
  for (int i = 0; i < n; i++) {
    char rel[32], msg[32], id[BONES_REPO_ID_MAX];
    snprintf(rel, sizeof rel, "race-%d-%d.txt", who, i);
    snprintf(msg, sizeof msg, "race %d %d", who, i);
    fx_write(wt, rel, msg, 0644);
    int rc = BONES_E_CONFLICT;
    for (int try = 0; rc == BONES_E_CONFLICT && try < 40; try++) {
      if (try) {
        struct timespec ts = {0, (10 + rand() % 40) * 1000000L};
        nanosleep(&ts, NULL);
      }
      rc = T.be->leaf_sync(T.repo, wt, NULL, NULL, &err);
      if (rc == BONES_OK) rc = T.be->leaf_commit(T.repo, wt, msg, NULL, 0, NULL, id, &err);
    }
    if (rc != BONES_OK) {
      fprintf(stderr, "# committer %d: %s\n", who, err.message);
      _exit(1);
    }
  }
  _exit(0);
}

void concurrent_commits_stay_linear(void **state) {
  (void)state;
  enum { PER = 4 };
  pid_t kids[2];
  for (int k = 0; k < 2; k++) {
    kids[k] = fork();
    assert_true(kids[k] >= 0);
    if (kids[k] == 0) committer(k ? T.wt_b : T.wt_a, k, PER);
  }
  for (int k = 0; k < 2; k++) {
    int status = -1;
    assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
  }
  assert_int_equal(trunk_leaves(), 1);
  const char *files = ls_of(NULL);
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < PER; i++) {
      char rel[32];
      snprintf(rel, sizeof rel, "race-%d-%d.txt", k, i);
      assert_non_null(strstr(files, rel));
    }
}

void hung_or_dead_hub_is_unavailable(void **state) {
  (void)state;
  struct bones_error err;
  char id[BONES_REPO_ID_MAX];
  void *quick = NULL;
  struct bones_repo_options o = {.state_dir = T.state, .timeout_ms = 700};
  EXPECT(T.be->open(&o, &quick, &err), BONES_OK, err);
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  /* hung: the call is killed at the timeout */
  fx_write(T.wt_a, "hung.txt", "hung\n", 0644);
  assert_int_equal(kill(T.server, SIGSTOP), 0);
  int64_t t0 = bones_monotonic_ms();
  EXPECT(T.be->leaf_commit(quick, T.wt_a, "a: hung", NULL, 0, NULL, id, &err), BONES_E_UNAVAILABLE, err);
  assert_true(bones_monotonic_ms() - t0 < 10000); /* a hang bound (>= 10x the 700 ms timeout), not speed */
  assert_non_null(strstr(err.message, "timed out"));
  assert_int_equal(kill(T.server, SIGCONT), 0);
  /* dead: refused at once, nothing committed, nothing lost */
  kill(T.server, SIGTERM);
  waitpid(T.server, NULL, 0);
  T.server = 0;
  t0 = bones_monotonic_ms();
  EXPECT(commit_all(T.wt_a, "a: hub down", NULL, id, &err), BONES_E_UNAVAILABLE, err);
  assert_true(bones_monotonic_ms() - t0 < 10000);
  assert_string_equal(changes_of(T.wt_a), "A hung.txt");
  assert_null(strstr(ls_of(NULL), "hung.txt"));
  EXPECT(T.be->leaf_push(T.repo, T.wt_a, &err), BONES_E_UNAVAILABLE, err);
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_E_UNAVAILABLE, err);
  char *leaf = bones_xasprintf("%s/dead/leaf.fossil", T.tmp), *wt = bones_xasprintf("%s/dead/wt", T.tmp);
  EXPECT(T.be->leaf_clone(quick, T.url, "slot-a", PW_A, leaf, wt, &err), BONES_E_UNAVAILABLE, err);
  assert_null(strstr(err.message, PW_A));
  assert_false(bones_path_exists(leaf));
  assert_false(bones_path_exists(wt));
  free(leaf);
  free(wt);
  T.be->close(quick);
  /* back up: the same commit lands */
  serve();
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  EXPECT(commit_all(T.wt_a, "a: hub back", NULL, id, &err), BONES_OK, err);
  assert_non_null(strstr(ls_of(NULL), "hung.txt"));
  assert_int_equal(trunk_leaves(), 1);
}

void a_fork_is_detected(void **state) {
  (void)state;
  struct bones_error err;
  char id[BONES_REPO_ID_MAX];
  EXPECT(T.be->leaf_sync(T.repo, T.wt_a, NULL, NULL, &err), BONES_OK, err);
  EXPECT(T.be->leaf_sync(T.repo, T.wt_b, NULL, NULL, &err), BONES_OK, err);
  /* A commits with autosync off, B commits normally, A pushes late */
  assert_int_equal(fx_fossil(T.state, T.wt_a, "settings", "autosync", "off", NULL), 0);
  fx_write(T.wt_a, "fork-a.txt", "a\n", 0644);
  assert_int_equal(fx_fossil(T.state, T.wt_a, "add", "fork-a.txt", NULL), 0);
  assert_int_equal(fx_fossil(T.state, T.wt_a, "commit", "-m", "fork a", "--no-prompt", NULL), 0);
  fx_write(T.wt_b, "fork-b.txt", "b\n", 0644);
  EXPECT(commit_all(T.wt_b, "fork b", NULL, id, &err), BONES_OK, err);
  assert_int_equal(trunk_leaves(), 1);
  EXPECT(T.be->leaf_push(T.repo, T.wt_a, &err), BONES_OK, err);
  assert_int_equal(trunk_leaves(), 2);
  int n = 0;
  EXPECT(T.be->trunk_leaves(T.repo, T.leaf_a, &n, &err), BONES_OK, err);
  assert_int_equal(n, 1); /* the leaf has not pulled B's check-in yet */
  assert_int_equal(fx_fossil(T.state, T.wt_a, "settings", "autosync", "on", NULL), 0);
}

void missing_fossil_is_unavailable(void **state) {
  (void)state;
  struct bones_error err;
  char *path = bones_xstrdup(getenv("PATH"));
  setenv("PATH", "/nonexistent", 1);
  unsetenv("BONES_FOSSIL");
  EXPECT(T.be->probe(T.repo, NULL, 0, &err), BONES_E_UNAVAILABLE, err);
  assert_non_null(strstr(err.message, "fossil not found"));
  assert_non_null(strstr(err.hint, "apt-get install fossil"));
  EXPECT(T.be->leaf_changes(T.repo, T.wt_a, fx_collect_change, NULL, &err), BONES_E_UNAVAILABLE, err);
  int n;
  EXPECT(T.be->trunk_leaves(T.repo, T.hub, &n, &err), BONES_E_UNAVAILABLE, err);
  pid_t pid;
  EXPECT(T.be->hub_serve(T.repo, T.hub, T.port + 1, -1, &pid, &err), BONES_E_UNAVAILABLE, err);
  setenv("PATH", path, 1);
  free(path);
  setenv("BONES_FOSSIL", "/nonexistent/fossil", 1);
  EXPECT(T.be->probe(T.repo, NULL, 0, &err), BONES_E_UNAVAILABLE, err);
  assert_non_null(strstr(err.message, "/nonexistent/fossil"));
  unsetenv("BONES_FOSSIL");
  EXPECT(T.be->probe(T.repo, NULL, 0, &err), BONES_OK, err);
}
