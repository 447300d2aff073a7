/* test_agent.c: core/swarm/agent.c: the agent id from a slot's worktree, else
 * $BONES_AGENT_ID, else the workspace. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "cmocka_all.h"
#include "util.h"

static char tmpdir[] = "/tmp/bones-agent-XXXXXX";
static char *root;   /* a workspace: .bones/agent.id and slot dirs */
static char *bare;   /* a directory with .bones/ but no agent.id */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static int mk(const char *rel) {
  char *p = bones_xasprintf("%s/%s", tmpdir, rel);
  struct bones_error err;
  int rc = bones_mkdir_p(p, 0700, &err);
  free(p);
  return rc;
}

static int setup(void **state) {
  (void)state;
  struct bones_error err;
  if (mkdtemp(tmpdir) == NULL) return -1;
  root = bones_xasprintf("%s/ws", tmpdir);
  bare = bones_xasprintf("%s/bare", tmpdir);
  if (mk("ws/.bones/swarm/s1/wt/sub") || mk("ws/.bones/swarm/s1/wtx") || mk("ws/.bones/swarm/-bad/wt") ||
      mk("bare/.bones"))
    return -1;
  char *id = bones_xasprintf("%s/.bones/agent.id", root), *link = bones_xasprintf("%s/link", tmpdir),
       *wt = bones_xasprintf("%s/.bones/swarm/s1/wt", root);
  int rc = bones_write_file_atomic(id, "ws-agent-1\n", 11, 0600, &err);
  if (rc == BONES_OK && symlink(wt, link) != 0) rc = -1;
  free(id);
  free(link);
  free(wt);
  unsetenv("BONES_AGENT_ID");
  return rc == BONES_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(root);
  free(bare);
  return 0;
}

/* Resolves from cwd rel (under tmpdir; NULL = the process's cwd) in r and
 * checks the result. */
static void expect(const char *r, const char *rel, int want_rc, const char *want_agent, const char *want_slot,
                   enum bones_agent_source want_src) {
  struct bones_error err;
  char *agent = (char *)1, *slot = (char *)1, *cwd = rel ? bones_xasprintf("%s/%s", tmpdir, rel) : NULL;
  enum bones_agent_source src = (enum bones_agent_source)-1;
  int rc = bones_agent_resolve(r, cwd, &agent, &slot, &src, &err);
  free(cwd);
  if (rc != want_rc) fail_msg("resolve from %s: got %s (%s), want %s", rel, bones_rc_name(rc), err.message,
                              bones_rc_name(want_rc));
  if (rc != BONES_OK) {
    assert_null(agent);
    assert_null(slot);
    return;
  }
  assert_string_equal(agent, want_agent);
  if (want_slot) assert_string_equal(slot, want_slot);
  else assert_null(slot);
  assert_int_equal(src, want_src);
  free(agent);
  free(slot);
}

static void from_workspace_and_slots(void **state) {
  (void)state;
  expect(root, "ws", BONES_OK, "ws-agent-1", NULL, BONES_AGENT_FROM_WORKSPACE);
  expect(root, "ws/.bones/swarm/s1/wt", BONES_OK, "slot-s1", "s1", BONES_AGENT_FROM_SLOT);
  expect(root, "ws/.bones/swarm/s1/wt/sub", BONES_OK, "slot-s1", "s1", BONES_AGENT_FROM_SLOT);
  expect(root, "ws/.bones/swarm/s1/wt/sub/", BONES_OK, "slot-s1", "s1", BONES_AGENT_FROM_SLOT);
  expect(root, "link/sub", BONES_OK, "slot-s1", "s1", BONES_AGENT_FROM_SLOT); /* compared as real paths */
  expect(root, "ws/.bones/swarm/s1", BONES_OK, "ws-agent-1", NULL, BONES_AGENT_FROM_WORKSPACE);
  expect(root, "ws/.bones/swarm/s1/wtx", BONES_OK, "ws-agent-1", NULL, BONES_AGENT_FROM_WORKSPACE);
  expect(root, "ws/.bones/swarm/-bad/wt", BONES_OK, "ws-agent-1", NULL, BONES_AGENT_FROM_WORKSPACE);
  expect(root, "nonexistent", BONES_OK, "ws-agent-1", NULL, BONES_AGENT_FROM_WORKSPACE);
  char *wt = bones_xasprintf("%s/.bones/swarm/s1/wt/sub", root), *old = getcwd(NULL, 0);
  assert_int_equal(chdir(wt), 0);
  expect(root, NULL, BONES_OK, "slot-s1", "s1", BONES_AGENT_FROM_SLOT); /* NULL cwd = the process's */
  assert_int_equal(chdir(old), 0);
  free(wt);
  free(old);
}

static void from_env(void **state) {
  (void)state;
  setenv("BONES_AGENT_ID", "alice", 1);
  expect(root, "ws", BONES_OK, "alice", NULL, BONES_AGENT_FROM_ENV);
  /* the slot of the cwd wins over the variable (docs/identity.md) */
  expect(root, "ws/.bones/swarm/s1/wt", BONES_OK, "slot-s1", "s1", BONES_AGENT_FROM_SLOT);
  expect(root, "ws/.bones/swarm/s1/wt/sub", BONES_OK, "slot-s1", "s1", BONES_AGENT_FROM_SLOT);
  expect(NULL, "ws", BONES_OK, "alice", NULL, BONES_AGENT_FROM_ENV);
  const char *bad[] = {"../x", "a b", "-x", "a..b", "x/y"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    setenv("BONES_AGENT_ID", bad[i], 1);
    expect(root, "ws", BONES_E_USAGE, NULL, NULL, 0);
    /* ignored, so not refused, inside a slot's worktree */
    expect(root, "ws/.bones/swarm/s1/wt", BONES_OK, "slot-s1", "s1", BONES_AGENT_FROM_SLOT);
  }
  setenv("BONES_AGENT_ID", "", 1); /* empty counts as unset */
  expect(root, "ws", BONES_OK, "ws-agent-1", NULL, BONES_AGENT_FROM_WORKSPACE);
  unsetenv("BONES_AGENT_ID");
}

static void without_identity(void **state) {
  (void)state;
  expect(NULL, "ws", BONES_E_NOWORKSPACE, NULL, NULL, 0);
  expect(bare, "bare", BONES_E_NOWORKSPACE, NULL, NULL, 0);
  struct bones_error err;
  char *id = bones_xasprintf("%s/.bones/agent.id", bare);
  assert_int_equal(bones_write_file_atomic(id, "not an id\n", 10, 0600, &err), BONES_OK);
  expect(bare, "bare", BONES_E_CORRUPT, NULL, NULL, 0);
  unlink(id);
  free(id);
}

static void agent_ids_are_checked(void **state) {
  (void)state;
  struct bones_error err;
  char longslot[80] = "slot-";
  memset(longslot + 5, 's', 64);
  longslot[69] = '\0';
  assert_int_equal(bones_agent_check(longslot, &err), BONES_OK); /* slot- and a 64-character slot */
  longslot[5] = '_';
  assert_int_equal(bones_agent_check(longslot, &err), BONES_E_USAGE);
  assert_int_equal(bones_agent_check("alice", &err), BONES_OK);
  assert_int_equal(bones_agent_check("slot-", &err), BONES_OK); /* a plain name */
  assert_int_equal(bones_agent_check("", &err), BONES_E_USAGE);
  assert_int_equal(bones_agent_check(NULL, &err), BONES_E_USAGE);
  assert_string_equal(bones_agent_source_name(BONES_AGENT_FROM_ENV), "env");
  assert_string_equal(bones_agent_source_name(BONES_AGENT_FROM_SLOT), "slot");
  assert_string_equal(bones_agent_source_name(BONES_AGENT_FROM_WORKSPACE), "workspace");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(from_workspace_and_slots),
      cmocka_unit_test(from_env),
      cmocka_unit_test(without_identity),
      cmocka_unit_test(agent_ids_are_checked),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
