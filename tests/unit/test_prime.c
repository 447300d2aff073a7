/* test_prime.c: core/coord/cursor.c and core/prime*.c on the built-in sqlite
 * substrate: cursors only move forward and reading creates nothing; the
 * prime report counts ready work and unread broadcasts, creates no
 * bucket, and its Markdown escapes hostile stored text; a missing
 * substrate is a problem line, not a failure. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtins.h"
#include "cmocka_all.h"
#include "coord.h"
#include "cursor.h"
#include "holds.h"
#include "loader.h"
#include "prime.h"
#include "sessions.h"
#include "slots.h"
#include "tasks.h"
#include "util.h"

static char tmpdir[] = "/tmp/bones-prime-XXXXXX";
static bones_kv *kv;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static int setup(void **state) {
  (void)state;
  struct bones_error err;
  if (mkdtemp(tmpdir) == NULL || bones_register_builtin_backends(&err) != BONES_OK) return -1;
  char *dot = bones_xasprintf("%s/.bones", tmpdir);
  int made = mkdir(dot, 0700);
  free(dot);
  char *url = bones_xasprintf("sqlite:%s/kv.db", tmpdir);
  int rc = bones_kv_open(url, NULL, &kv, &err);
  free(url);
  setenv("BONES_AGENT_ID", "u1", 1);
  return rc == BONES_OK && made == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  bones_kv_close(kv);
  bones_loader_shutdown();
  nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

/* 1 when bucket name exists. */
static int bucket_exists(const char *name) {
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0};
  bones_kv_bucket *b = NULL;
  struct bones_error err;
  int rc = bones_kv_bucket_open(kv, name, &cfg, &b, NULL, &err);
  bones_kv_bucket_close(b);
  return rc == BONES_OK;
}

static void cursors_move_forward_only(void **state) {
  (void)state;
  struct bones_error err;
  char id[BONES_BROADCAST_ID_LEN + 1] = "x";
  assert_int_equal(bones_cursor_get(kv, "u1", "general", id, sizeof id, &err), BONES_OK);
  assert_string_equal(id, "");
  assert_false(bucket_exists(BONES_CURSORS_BUCKET)); /* reading created nothing */
  assert_int_equal(bones_cursor_advance(kv, "u1", "general", "0000000000000005", &err), BONES_OK);
  assert_int_equal(bones_cursor_advance(kv, "u1", "general", "0000000000000003", &err), BONES_OK);
  assert_int_equal(bones_cursor_get(kv, "u1", "general", id, sizeof id, &err), BONES_OK);
  assert_string_equal(id, "0000000000000005");
  assert_int_equal(bones_cursor_advance(kv, "u1", "general", "0000000000000009", &err), BONES_OK);
  assert_int_equal(bones_cursor_advance(kv, "u2", "other", "0000000000000001", &err), BONES_OK);
  json_t *all = NULL;
  assert_int_equal(bones_cursor_all(kv, "u1", &all, &err), BONES_OK);
  assert_int_equal(json_object_size(all), 1);
  assert_string_equal(json_string_value(json_object_get(all, "general")), "0000000000000009");
  json_decref(all);
  assert_int_equal(bones_cursor_advance(kv, "u1", "general", "12", &err), BONES_E_USAGE);
  assert_int_equal(bones_cursor_advance(kv, "u1", "a/b", "0000000000000001", &err), BONES_E_USAGE);
  assert_int_equal(bones_cursor_get(kv, "bad agent", "general", id, sizeof id, &err), BONES_E_USAGE);
}

static void report_counts_and_escapes(void **state) {
  (void)state;
  struct bones_error err;
  struct bones_tasks *t = NULL;
  assert_int_equal(bones_tasks_open(kv, "u1", &t, &err), BONES_OK);
  for (int i = 0; i < 5; i++) {
    char title[32];
    snprintf(title, sizeof title, "task %d", i);
    struct bones_task_spec spec = {i == 4 ? "evil\x1b[2J\nline" : title, NULL, 0, NULL, i == 4 ? 0 : 2, 0, NULL};
    json_t *task = NULL;
    assert_int_equal(bones_task_create(t, &spec, &task, &err), BONES_OK);
    json_decref(task);
  }
  bones_tasks_free(t);
  json_t *rec = NULL;
  assert_int_equal(bones_broadcast_send(kv, "news", "u2", "hello\x07", &rec, &err), BONES_OK);
  json_decref(rec);
  struct bones_prime_in in = {tmpdir, tmpdir, kv, NULL, "sqlite", 2, 0};
  json_t *r = bones_prime_gather(&in);
  assert_non_null(r);
  json_t *ready = json_object_get(r, "ready");
  assert_int_equal(json_integer_value(json_object_get(ready, "shown")), 2);
  assert_int_equal(json_integer_value(json_object_get(ready, "total")), 5);
  assert_int_equal(json_integer_value(json_object_get(ready, "more")), 3);
  assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(ready, "tasks"), 0), "title")),
                      "evil\x1b[2J\nline"); /* P0 first; JSON keeps the text exactly */
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "broadcasts"), "unread")), 1);
  assert_string_equal(json_string_value(json_object_get(json_object_get(r, "identity"), "source")), "env");
  assert_int_equal(json_array_size(json_object_get(r, "errors")), 0);
  assert_false(bucket_exists(BONES_SESSIONS_BUCKET)); /* gathering created nothing */
  assert_false(bucket_exists(BONES_HOLDS_BUCKET));
  char *md = bones_prime_markdown(r);
  assert_null(strchr(md, '\x1b'));
  assert_null(strchr(md, '\x07'));
  assert_non_null(strstr(md, "evil\\x1b[2J\\nline"));
  assert_non_null(strstr(md, "hello\\x07"));
  assert_non_null(strstr(md, "## Ready work (2 of 5; 3 more: `bones tasks ready`)"));
  assert_non_null(strstr(md, "`bones coord broadcasts news --new`"));
  free(md);
  json_decref(r);
}

static void no_substrate_is_a_problem_line(void **state) {
  (void)state;
  struct bones_prime_in in = {tmpdir, tmpdir, NULL, "cannot open it", "sqlite:/nowhere", 0, 0};
  json_t *r = bones_prime_gather(&in);
  assert_true(json_is_null(json_object_get(r, "ready")));
  char *md = bones_prime_markdown(r);
  assert_non_null(strstr(md, "## Problems"));
  assert_non_null(strstr(md, "substrate: substrate unavailable: cannot open it"));
  free(md);
  json_decref(r);
  md = bones_prime_markdown_no_workspace("why\x1b");
  assert_non_null(strstr(md, "not set up here"));
  assert_null(strchr(md, '\x1b'));
  free(md);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cursors_move_forward_only),
      cmocka_unit_test(report_counts_and_escapes),
      cmocka_unit_test(no_substrate_is_a_problem_line),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
