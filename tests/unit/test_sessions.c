/* test_sessions.c: core/swarm/sessions.c's session lease (docs/liveness.md) on
 * the built-in sqlite substrate: lease and grace from flag, environment
 * and default; the times and states of a record (old records included);
 * the bucket's backstop TTL and an older bucket's TTL kept; touch. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtins.h"
#include "cmocka_all.h"
#include "loader.h"
#include "sessions.h"
#include "util.h"

static char tmpdir[] = "/tmp/bones-sessions-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static int setup(void **state) {
  (void)state;
  struct bones_error err;
  unsetenv("BONES_SESSION_LEASE");
  unsetenv("BONES_SESSION_GRACE");
  if (mkdtemp(tmpdir) == NULL || bones_register_builtin_backends(&err) != BONES_OK) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  bones_loader_shutdown();
  nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

static bones_kv *open_db(const char *name) {
  struct bones_error err;
  bones_kv *kv = NULL;
  char *url = bones_xasprintf("sqlite:%s/%s.db", tmpdir, name);
  assert_int_equal(bones_kv_open(url, NULL, &kv, &err), BONES_OK);
  free(url);
  return kv;
}

static void lease_and_grace(void **state) {
  (void)state;
  struct bones_error err;
  int64_t lease = 0, grace = 0;
  assert_int_equal(bones_session_lease_pick(NULL, &lease, &err), BONES_OK);
  assert_int_equal(lease, BONES_SESSION_TTL_MS);
  assert_int_equal(bones_session_grace_pick(NULL, lease, &grace, &err), BONES_OK);
  assert_int_equal(grace, lease); /* one lease period */
  setenv("BONES_SESSION_LEASE", "3s", 1);
  setenv("BONES_SESSION_GRACE", "0s", 1);
  assert_int_equal(bones_session_lease_pick(NULL, &lease, &err), BONES_OK);
  assert_int_equal(lease, 3000);
  assert_int_equal(bones_session_grace_pick(NULL, lease, &grace, &err), BONES_OK);
  assert_int_equal(grace, 0);
  assert_int_equal(bones_session_lease_pick("1h", &lease, &err), BONES_OK); /* the flag wins */
  assert_int_equal(lease, 3600000);
  assert_int_equal(bones_session_grace_pick("2s", lease, &grace, &err), BONES_OK);
  assert_int_equal(grace, 2000);
  assert_int_equal(bones_session_lease_pick("500ms", &lease, &err), BONES_E_USAGE); /* under 1s */
  assert_non_null(strstr(err.message, "--lease"));
  assert_int_equal(bones_session_lease_pick("31d", &lease, &err), BONES_E_USAGE);
  setenv("BONES_SESSION_LEASE", "5", 1); /* a bare number */
  assert_int_equal(bones_session_lease_pick(NULL, &lease, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "BONES_SESSION_LEASE"));
  unsetenv("BONES_SESSION_LEASE");
  unsetenv("BONES_SESSION_GRACE");
}

/* A record renewed at renewed with the given members (lease/grace < 0:
 * absent, as an older bones wrote it). */
static json_t *record(int64_t renewed, long long lease, long long grace) {
  char t[40];
  bones_format_time(renewed, t, sizeof t);
  json_t *r = json_pack("{s:s, s:s}", "task_id", "t-1", "last_renewed", t);
  if (lease >= 0) json_object_set_new(r, "lease_ms", json_integer(lease));
  if (grace >= 0) json_object_set_new(r, "grace_ms", json_integer(grace));
  return r;
}

static void times_and_states(void **state) {
  (void)state;
  int64_t t0 = 1800000000000LL; /* whole ms */
  struct bones_session_times t;
  json_t *r = record(t0, 10000, 4000);
  bones_session_times_of(r, &t);
  assert_int_equal(t.renewed, t0);
  assert_int_equal(t.expires_at, t0 + 10000);
  assert_int_equal(t.reap_at, t0 + 14000);
  /* active within min(30 s, lease/2) = 5 s, idle until the lease ends, then stale */
  assert_string_equal(bones_session_state(&t, t0), "active");
  assert_string_equal(bones_session_state(&t, t0 + 5000), "active");
  assert_string_equal(bones_session_state(&t, t0 + 5001), "idle");
  assert_string_equal(bones_session_state(&t, t0 + 10000), "idle");
  assert_string_equal(bones_session_state(&t, t0 + 10001), "stale");
  json_decref(r);
  r = record(t0, 3600000, -1); /* a long lease: active for 30 s; grace = one lease */
  bones_session_times_of(r, &t);
  assert_int_equal(t.grace_ms, 3600000);
  assert_string_equal(bones_session_state(&t, t0 + 30000), "active");
  assert_string_equal(bones_session_state(&t, t0 + 30001), "idle");
  json_decref(r);
  r = record(t0, -1, -1); /* an older bones' record: 5 min lease, grace one lease */
  bones_session_times_of(r, &t);
  assert_int_equal(t.lease_ms, BONES_SESSION_TTL_MS);
  assert_int_equal(t.reap_at, t0 + 2 * BONES_SESSION_TTL_MS);
  json_decref(r);
  r = record(t0, 5, -7); /* out of range: the defaults */
  bones_session_times_of(r, &t);
  assert_int_equal(t.lease_ms, BONES_SESSION_TTL_MS);
  json_decref(r);
  r = json_pack("{s:s}", "last_renewed", "not a time"); /* unreadable: long expired */
  bones_session_times_of(r, &t);
  assert_string_equal(bones_session_state(&t, t0), "stale");
  json_decref(r);
}

static void bucket_and_touch(void **state) {
  (void)state;
  struct bones_error err;
  bones_kv *kv = open_db("new");
  bones_kv_bucket *b = NULL;
  int64_t ttl = -5;
  assert_int_equal(bones_sessions_bucket_open(kv, &b, &ttl, &err), BONES_OK);
  assert_int_equal(ttl, BONES_SESSIONS_BUCKET_TTL_MS); /* a backstop, longer than any lease + grace */
  assert_int_equal(bones_session_touch(kv, "s1", &err), BONES_E_NOTFOUND);
  char old[40];
  bones_format_time(bones_now_ms() - 60000, old, sizeof old);
  char *text = bones_xasprintf("{\"task_id\":\"t-1\",\"slot\":\"s1\",\"last_renewed\":\"%s\",\"lease_ms\":3000}", old);
  assert_int_equal(bones_kv_create(b, "s1", text, strlen(text), NULL, &err), BONES_OK);
  free(text);
  assert_int_equal(bones_session_touch(kv, "s1", &err), BONES_OK);
  json_t *s = NULL;
  assert_int_equal(bones_session_get(b, "s1", &s, NULL, &err), BONES_OK);
  struct bones_session_times t;
  bones_session_times_of(s, &t);
  assert_true(t.renewed > bones_now_ms() - 5000);
  assert_int_equal(t.lease_ms, 3000); /* a touch keeps the lease */
  json_decref(s);
  bones_kv_bucket_close(b);
  bones_kv_close(kv);

  kv = open_db("older"); /* a bucket an older bones made, 5 min TTL: kept as it is */
  struct bones_kv_bucket_config cfg = {BONES_SESSION_TTL_MS, 0, BONES_KV_BUCKET_CREATE};
  assert_int_equal(bones_kv_bucket_open(kv, BONES_SESSIONS_BUCKET, &cfg, &b, NULL, &err), BONES_OK);
  bones_kv_bucket_close(b);
  assert_int_equal(bones_sessions_bucket_open(kv, &b, &ttl, &err), BONES_OK);
  assert_int_equal(ttl, BONES_SESSION_TTL_MS);
  bones_kv_bucket_close(b);
  bones_kv_close(kv);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(lease_and_grace),
      cmocka_unit_test(times_and_states),
      cmocka_unit_test(bucket_and_touch),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
