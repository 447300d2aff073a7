/* test_server.c: the managed-server helper (core/kv/server.c) with the real
 * nats-server and redis-server; skipped per case when one is missing. */
#include "config.h"

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmocka_all.h"
#include "server.h"
#include "util.h"

static char tmpdir[] = "/tmp/bones-server-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static int have(const char *prog) {
  const char *dirs[] = {"/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin", NULL};
  for (int i = 0; dirs[i]; i++) {
    char *p = bones_xasprintf("%s/%s", dirs[i], prog);
    int ok = access(p, X_OK) == 0;
    free(p);
    if (ok) return 1;
  }
  return 0;
}

static void start_answer_stop(enum bones_server_kind kind, const char *prog) {
  if (!have(prog)) skip();
  struct bones_server s;
  struct bones_error err;
  char *dir = bones_xasprintf("%s/%s", tmpdir, prog);
  char *log = bones_xasprintf("%s/%s.log", tmpdir, prog);
  int rc = bones_server_start(kind, dir, log, 0, 10000, &s, &err);
  if (rc != BONES_OK) fail_msg("start %s: %s", prog, err.message);
  assert_true(s.pid > 0);
  assert_true(s.port > 0);
  assert_non_null(strstr(s.url, "127.0.0.1"));
  assert_true(bones_server_answers(kind, s.port, 1000));
  /* a second server on the same port is refused */
  struct bones_server t;
  char *dir2 = bones_xasprintf("%s/%s-2", tmpdir, prog);
  assert_int_equal(bones_server_start(kind, dir2, NULL, s.port, 3000, &t, &err), BONES_E_CONFLICT);
  assert_int_equal(bones_server_stop(s.pid, 5000, &err), BONES_OK);
  assert_false(bones_server_answers(kind, s.port, 300));
  assert_int_equal(kill(s.pid, 0), -1); /* reaped and gone */
  assert_int_equal(bones_server_stop(s.pid, 100, &err), BONES_OK); /* already gone is fine */
  free(dir);
  free(dir2);
  free(log);
}

static void nats_starts_answers_and_stops(void **state) {
  (void)state;
  start_answer_stop(BONES_SERVER_NATS, "nats-server");
}

static void redis_starts_answers_and_stops(void **state) {
  (void)state;
  start_answer_stop(BONES_SERVER_REDIS, "redis-server");
}

static void missing_program_is_unavailable(void **state) {
  (void)state;
  setenv("BONES_REDIS_SERVER", "/nonexistent/redis-server", 1);
  struct bones_server s;
  struct bones_error err;
  char *dir = bones_xasprintf("%s/missing", tmpdir);
  assert_int_equal(bones_server_start(BONES_SERVER_REDIS, dir, NULL, 0, 2000, &s, &err), BONES_E_UNAVAILABLE);
  assert_non_null(strstr(err.message, "/nonexistent/redis-server"));
  assert_non_null(strstr(err.hint, "apt-get install redis-server"));
  unsetenv("BONES_REDIS_SERVER");
  free(dir);
}

static void kinds_parse(void **state) {
  (void)state;
  enum bones_server_kind k;
  struct bones_error err;
  assert_int_equal(bones_server_kind_parse("nats", &k, &err), BONES_OK);
  assert_int_equal(k, BONES_SERVER_NATS);
  assert_int_equal(bones_server_kind_parse("redis", &k, &err), BONES_OK);
  assert_int_equal(bones_server_kind_parse("etcd", &k, &err), BONES_E_USAGE);
  int port = 0;
  assert_int_equal(bones_free_port(&port, &err), BONES_OK);
  assert_true(port > 1024 && port < 65536);
}

static int setup(void **state) {
  (void)state;
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nats_starts_answers_and_stops), cmocka_unit_test(redis_starts_answers_and_stops),
      cmocka_unit_test(missing_program_is_unavailable), cmocka_unit_test(kinds_parse),
  };
  return cmocka_run_group_tests_name("server", tests, setup, teardown);
}
