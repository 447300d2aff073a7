/* test_kv_front.c: the KV front-end's checks (core/kv/kv.c) and substrate
 * resolution (core/workspace/workspace.c), on the built-in sqlite backend. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtins.h"
#include "cmocka_all.h"
#include "loader.h"
#include "util.h"
#include "workspace.h"

static char tmpdir[] = "/tmp/bones-front-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static int setup(void **state) {
  (void)state;
  struct bones_error err;
  if (mkdtemp(tmpdir) == NULL) return -1;
  return bones_register_builtin_backends(&err) == BONES_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  bones_loader_shutdown();
  nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

static void keys_are_validated(void **state) {
  (void)state;
  assert_true(bones_kv_key_valid("a"));
  assert_true(bones_kv_key_valid("tasks/t-abc.json"));
  assert_true(bones_kv_key_valid("a=b_c-d"));
  assert_false(bones_kv_key_valid(""));
  assert_false(bones_kv_key_valid(NULL));
  assert_false(bones_kv_key_valid(".a"));
  assert_false(bones_kv_key_valid("a."));
  assert_false(bones_kv_key_valid("a..b"));
  assert_false(bones_kv_key_valid("a b"));
  assert_false(bones_kv_key_valid("a*"));
  assert_false(bones_kv_key_valid("caf\xc3\xa9"));
  char k[300];
  memset(k, 'k', 255);
  k[255] = '\0';
  assert_true(bones_kv_key_valid(k));
  k[255] = 'k';
  k[256] = '\0';
  assert_false(bones_kv_key_valid(k));
}

static void bucket_names_are_validated(void **state) {
  (void)state;
  assert_true(bones_kv_bucket_name_valid("bones-tasks"));
  assert_true(bones_kv_bucket_name_valid("a_1"));
  assert_false(bones_kv_bucket_name_valid(""));
  assert_false(bones_kv_bucket_name_valid("a.b"));
  assert_false(bones_kv_bucket_name_valid("a/b"));
  char n[70];
  memset(n, 'b', 65);
  n[65] = '\0';
  assert_false(bones_kv_bucket_name_valid(n));
}

static void bad_specs_are_usage_errors(void **state) {
  (void)state;
  bones_kv *kv = NULL;
  struct bones_error err;
  assert_int_equal(bones_kv_open("", NULL, &kv, &err), BONES_E_USAGE);
  assert_int_equal(bones_kv_open("nosuchbackend://x", NULL, &kv, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "nosuchbackend"));
  assert_int_equal(bones_kv_open("sqlite", NULL, &kv, &err), BONES_E_USAGE); /* needs a path */
  assert_int_equal(bones_kv_open("sqlite:/nonexistent-dir/x.db", NULL, &kv, &err), BONES_E_NOTFOUND);
  assert_int_equal(bones_kv_open("sqlite:/tmp/x.db?sync=maybe", NULL, &kv, &err), BONES_E_USAGE);
  assert_null(kv);
}

static void front_end_checks_before_the_backend(void **state) {
  (void)state;
  char *url = bones_xasprintf("sqlite:%s/front.db", tmpdir);
  bones_kv *kv = NULL;
  struct bones_error err;
  assert_int_equal(bones_kv_open(url, NULL, &kv, &err), BONES_OK);
  assert_string_equal(bones_kv_backend(kv)->name, "sqlite");
  bones_kv_bucket *b = NULL;
  struct bones_kv_bucket_config cfg = {0, 16, BONES_KV_BUCKET_CREATE};
  assert_int_equal(bones_kv_bucket_open(kv, "bad.name", &cfg, &b, NULL, &err), BONES_E_USAGE);
  assert_int_equal(bones_kv_bucket_open(kv, "small", &cfg, &b, NULL, &err), BONES_OK);
  uint64_t rev = 0;
  assert_int_equal(bones_kv_put(b, "k", "0123456789abcdef", 16, &rev, &err), BONES_OK);
  assert_int_equal(bones_kv_put(b, "k", "0123456789abcdefX", 17, &rev, &err), BONES_E_TOOLARGE);
  assert_int_equal(bones_kv_put(b, "../k", "v", 1, &rev, &err), BONES_E_USAGE);
  assert_int_equal(bones_kv_update(b, "k", "v", 1, 0, &rev, &err), BONES_E_USAGE);
  struct bones_kv_value v;
  assert_int_equal(bones_kv_get(b, "k", &v, &err), BONES_OK);
  assert_int_equal(v.len, 16); /* the refused write changed nothing */
  assert_int_equal(v.value[16], '\0');
  bones_kv_value_free(&v);
  assert_int_equal(bones_kv_watch(b, "", 0, NULL, NULL, 10, &err), BONES_E_UNSUPPORTED);
  bones_kv_close(kv); /* closes the open bucket too */
  free(url);
}

static void credentials_never_reach_the_url(void **state) {
  (void)state;
  char *url = bones_xasprintf("sqlite:%s/creds.db?sync=full", tmpdir);
  bones_kv *kv = NULL;
  struct bones_error err;
  assert_int_equal(bones_kv_open(url, NULL, &kv, &err), BONES_OK);
  assert_null(strchr(bones_kv_url(kv), '?'));
  bones_kv_close(kv);
  free(url);
}

static void substrate_specs_resolve(void **state) {
  (void)state;
  char *url = NULL;
  struct bones_error err;
  assert_int_equal(bones_substrate_resolve("sqlite", "/w", &url, &err), BONES_OK);
  assert_string_equal(url, "sqlite:/w/.bones/kv.sqlite");
  free(url);
  assert_int_equal(bones_substrate_resolve("sqlite", NULL, &url, &err), BONES_E_NOWORKSPACE);
  assert_int_equal(bones_substrate_resolve("nats://h:1", NULL, &url, &err), BONES_OK);
  assert_string_equal(url, "nats://h:1");
  free(url);
  assert_int_equal(bones_substrate_resolve("redis", tmpdir, &url, &err), BONES_E_UNAVAILABLE);
  assert_non_null(strstr(err.hint, "hub start"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(keys_are_validated),          cmocka_unit_test(bucket_names_are_validated),
      cmocka_unit_test(bad_specs_are_usage_errors),  cmocka_unit_test(front_end_checks_before_the_backend),
      cmocka_unit_test(credentials_never_reach_the_url), cmocka_unit_test(substrate_specs_resolve),
  };
  return cmocka_run_group_tests_name("kv_front", tests, setup, teardown);
}
