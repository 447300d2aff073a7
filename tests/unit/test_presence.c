/* test_presence.c: core/swarm/presence.c on the built-in sqlite substrate:
 * touch, live, list, remove, the record's fields, and expiry through the
 * bucket TTL. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtins.h"
#include "cmocka_all.h"
#include "loader.h"
#include "presence.h"
#include "util.h"

static char tmpdir[] = "/tmp/bones-presence-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static int setup(void **state) {
  (void)state;
  struct bones_error err;
  if (mkdtemp(tmpdir) == NULL || bones_register_builtin_backends(&err) != BONES_OK) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  bones_loader_shutdown();
  nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

/* A connection to a new database file named name. */
static bones_kv *open_db(const char *name) {
  struct bones_error err;
  bones_kv *kv = NULL;
  char *url = bones_xasprintf("sqlite:%s/%s.db", tmpdir, name);
  assert_int_equal(bones_kv_open(url, NULL, &kv, &err), BONES_OK);
  free(url);
  return kv;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* The record of agent in a list, or NULL. */
static json_t *find(json_t *list, const char *agent) {
  size_t i;
  json_t *a;
  json_array_foreach(list, i, a) if (strcmp(json_string_value(json_object_get(a, "agent")), agent) == 0) return a;
  return NULL;
}

static void reads_create_nothing(void **state) {
  (void)state;
  struct bones_error err;
  bones_kv *kv = open_db("empty");
  json_t *list = NULL;
  assert_int_equal(bones_presence_live(kv, "alice", &err), 0);
  assert_int_equal(bones_presence_list(kv, &list, &err), BONES_OK);
  assert_int_equal(json_array_size(list), 0);
  json_decref(list);
  assert_int_equal(bones_presence_remove(kv, "alice", &err), BONES_OK);
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0};
  bones_kv_bucket *b = NULL;
  assert_int_equal(bones_kv_bucket_open(kv, BONES_PRESENCE_BUCKET, &cfg, &b, NULL, &err), BONES_E_NOTFOUND);
  bones_kv_close(kv);
}

static void touch_live_list_remove(void **state) {
  (void)state;
  struct bones_error err;
  bones_kv *kv = open_db("main");
  int64_t t0 = bones_now_ms();
  assert_int_equal(bones_presence_touch(kv, "zed", NULL, getpid(), &err), BONES_OK);
  assert_int_equal(bones_presence_touch(kv, "alice", "s1", 0, &err), BONES_OK);
  assert_int_equal(bones_presence_touch(kv, "mid.", NULL, getpid(), &err), BONES_OK); /* a final '.' */
  assert_int_equal(bones_presence_touch(kv, "slot-s1", "s1", getpid(), &err), BONES_OK);
  assert_int_equal(bones_presence_live(kv, "alice", &err), 1);
  assert_int_equal(bones_presence_live(kv, "mid.", &err), 1);
  assert_int_equal(bones_presence_live(kv, "mid", &err), 0);
  assert_int_equal(bones_presence_live(kv, "bob", &err), 0);

  json_t *list = NULL;
  assert_int_equal(bones_presence_list(kv, &list, &err), BONES_OK);
  assert_int_equal(json_array_size(list), 4);
  const char *order[] = {"alice", "mid.", "slot-s1", "zed"};
  for (size_t i = 0; i < 4; i++)
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, i), "agent")), order[i]);
  json_t *a = find(list, "alice"), *z = find(list, "zed");
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  assert_string_equal(json_string_value(json_object_get(a, "host")), host);
  assert_null(json_object_get(a, "pid")); /* pid 0: none, never the parent */
  assert_null(json_object_get(a, "started_at"));
  assert_string_equal(json_string_value(json_object_get(a, "slot")), "s1");
  assert_true(json_is_null(json_object_get(z, "slot")));
  assert_int_equal(json_integer_value(json_object_get(z, "pid")), getpid());
  int64_t seen = 0, started = 0;
  assert_int_equal(bones_parse_time(json_string_value(json_object_get(z, "last_seen")), &seen), 0);
  assert_int_equal(bones_parse_time(json_string_value(json_object_get(z, "started_at")), &started), 0);
  assert_true(seen >= t0 - 1 && seen <= bones_now_ms());
  /* this process started before t0 (btime has whole seconds, so allow 1 s) */
  assert_true(started <= seen && started <= t0 + 1000 && started > t0 - 3600 * 1000);
  char *first = bones_xstrdup(json_string_value(json_object_get(z, "started_at")));
  json_decref(list);

  sleep_ms(20); /* started_at is the process's, so it stays; last_seen moves */
  assert_int_equal(bones_presence_touch(kv, "zed", NULL, getpid(), &err), BONES_OK);
  assert_int_equal(bones_presence_list(kv, &list, &err), BONES_OK);
  z = find(list, "zed");
  assert_string_equal(json_string_value(json_object_get(z, "started_at")), first);
  int64_t seen2 = 0;
  assert_int_equal(bones_parse_time(json_string_value(json_object_get(z, "last_seen")), &seen2), 0);
  assert_true(seen2 > seen);
  free(first);
  json_decref(list);

  assert_int_equal(bones_presence_remove(kv, "alice", &err), BONES_OK);
  assert_int_equal(bones_presence_live(kv, "alice", &err), 0);
  assert_int_equal(bones_presence_remove(kv, "alice", &err), BONES_OK);
  assert_int_equal(bones_presence_remove(kv, "mid.", &err), BONES_OK);
  assert_int_equal(bones_presence_live(kv, "mid.", &err), 0);

  /* the bucket was created with the presence TTL */
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0}, actual;
  bones_kv_bucket *b = NULL;
  assert_int_equal(bones_kv_bucket_open(kv, BONES_PRESENCE_BUCKET, &cfg, &b, &actual, &err), BONES_OK);
  assert_int_equal(actual.ttl_ms, BONES_PRESENCE_TTL_MS);
  bones_kv_bucket_close(b);
  bones_kv_close(kv);
}

static void invalid_names_are_refused(void **state) {
  (void)state;
  struct bones_error err;
  bones_kv *kv = open_db("names");
  assert_int_equal(bones_presence_touch(kv, "../x", NULL, 0, &err), BONES_E_USAGE);
  assert_int_equal(bones_presence_touch(kv, "", NULL, 0, &err), BONES_E_USAGE);
  assert_int_equal(bones_presence_touch(kv, "ok", "bad slot", 0, &err), BONES_E_USAGE);
  assert_int_equal(bones_presence_live(kv, "a b", &err), -1);
  assert_int_equal(err.code, BONES_E_USAGE);
  assert_int_equal(bones_presence_remove(kv, "-x", &err), BONES_E_USAGE);
  bones_kv_close(kv);
}

static void presence_expires_with_the_bucket_ttl(void **state) {
  (void)state;
  struct bones_error err;
  bones_kv *kv = open_db("short");
  /* an operator's bucket with a short TTL (a fast heartbeat) is kept; 2 s
   * so that "live right after a touch" holds on a busy machine too */
  struct bones_kv_bucket_config cfg = {2000, 0, BONES_KV_BUCKET_CREATE};
  bones_kv_bucket *b = NULL;
  assert_int_equal(bones_kv_bucket_open(kv, BONES_PRESENCE_BUCKET, &cfg, &b, NULL, &err), BONES_OK);
  bones_kv_bucket_close(b);
  assert_int_equal(bones_presence_touch(kv, "alice", NULL, 0, &err), BONES_OK);
  assert_int_equal(bones_presence_touch(kv, "bob", NULL, 0, &err), BONES_OK);
  assert_int_equal(bones_presence_live(kv, "alice", &err), 1);
  for (int i = 0; i < 4; i++) { /* bob keeps beating, alice does not */
    sleep_ms(700);
    assert_int_equal(bones_presence_touch(kv, "bob", NULL, 0, &err), BONES_OK);
  }
  assert_int_equal(bones_presence_live(kv, "alice", &err), 0);
  assert_int_equal(bones_presence_live(kv, "bob", &err), 1);
  json_t *list = NULL;
  assert_int_equal(bones_presence_list(kv, &list, &err), BONES_OK);
  assert_int_equal(json_array_size(list), 1);
  assert_null(find(list, "alice"));
  json_decref(list);
  sleep_ms(2100);
  assert_int_equal(bones_presence_live(kv, "bob", &err), 0);
  bones_kv_close(kv);

  /* a bucket without a TTL would keep every agent forever: refused */
  kv = open_db("nottl");
  struct bones_kv_bucket_config none = {0, 0, BONES_KV_BUCKET_CREATE};
  assert_int_equal(bones_kv_bucket_open(kv, BONES_PRESENCE_BUCKET, &none, &b, NULL, &err), BONES_OK);
  bones_kv_bucket_close(b);
  assert_int_equal(bones_presence_touch(kv, "alice", NULL, 0, &err), BONES_E_CONFLICT);
  assert_non_null(strstr(err.message, "TTL"));
  bones_kv_close(kv);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reads_create_nothing),
      cmocka_unit_test(touch_live_list_remove),
      cmocka_unit_test(invalid_names_are_refused),
      cmocka_unit_test(presence_expires_with_the_bucket_ttl),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
