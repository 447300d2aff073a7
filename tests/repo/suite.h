/* suite.h: the shared state of the repo-fossil test program (the cases
 * run in order and build on each other: seed, serve, clone, commit...). */
#ifndef BONES_TEST_REPO_SUITE_H
#define BONES_TEST_REPO_SUITE_H

#include <sys/types.h>

#include <bones/repo.h>

#include "cmocka_all.h"
#include "fixture.h"

struct suite {
  char tmp[64];
  const struct bones_repo_backend_v1 *be;
  void *repo;
  char *state, *seed, *hub, *url;
  int port;
  pid_t server;
  char *leaf_a, *wt_a, *leaf_b, *wt_b;
  char seed_id[BONES_REPO_ID_MAX];
};
extern struct suite T;

#define SEED_LS "-dash.txt,.gitignore,README.md,docs/a b.txt,src/main.c,src/run.sh"
#define PW_A "pw a:1@/%"  /* needs %-encoding in a URL */
#define PW_B "pwB-secret"

/* Asserts that rc is want; prints err's message otherwise. */
#define EXPECT(rc, want, err)                                                                        \
  do {                                                                                               \
    int rc_ = (rc);                                                                                  \
    if (rc_ != (want)) fail_msg("%s: got %d, want %d: %s", #rc, rc_, (int)(want), (err).message); \
  } while (0)

/* "A a.txt,M b" for the changes of a worktree / a diff; "" when none.
 * The result is owned by the suite until the next call. */
const char *changes_of(const char *wt);
const char *diff_of(const char *from, const char *to);
const char *ls_of(const char *rev);
int trunk_leaves(void);
/* Writes then commits everything in wt; returns the result code. */
int commit_all(const char *wt, const char *msg, const char *user, char id[BONES_REPO_ID_MAX], struct bones_error *err);
/* Starts the hub server on T.port. */
void serve(void);

/* Cases of test_fossil_more.c. */
void inspect_results_are_exact(void **state);
void check_in_lock_is_a_conflict(void **state);
void concurrent_commits_stay_linear(void **state);
void hung_or_dead_hub_is_unavailable(void **state);
void a_fork_is_detected(void **state);
void missing_fossil_is_unavailable(void **state);
/* Case of test_land.c. */
void leaf_land_lands_merges_and_refuses(void **state);
/* Case of test_hub_land.c. */
void hub_land_lands_queued_changes(void **state);
/* Case of test_hub_commit.c. */
void hub_commit_writes_trunk(void **state);
/* Case of test_remote_clone.c. */
void remote_leaf_joins_the_one_trunk(void **state);
/* Asserts the settings every leaf gets (autosync, dotfiles, mtime-changes). */
void assert_leaf_settings(const char *leaf);

#endif
