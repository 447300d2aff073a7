/* test_loader.c: the loader's validation of module structs, lookups and
 * the verb registry (built-in path; file modules are covered by
 * plugins/broken.test and plugins/sdk.test). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmocka_all.h"
#include "loader.h"

static int fake_connect(const char *url, const struct bones_kv_options *o, void **c, struct bones_error *e) {
  (void)url, (void)o, (void)e;
  *c = NULL;
  return BONES_OK;
}
static void fake_disconnect(void *c) { (void)c; }
static int fake_ping(void *c, struct bones_error *e) { (void)c, (void)e; return BONES_OK; }
static int fake_bopen(void *c, const char *n, const struct bones_kv_bucket_config *cfg, void **b,
                      struct bones_kv_bucket_config *a, struct bones_error *e) {
  (void)c, (void)n, (void)cfg, (void)b, (void)a;
  return bones_error_set(e, BONES_E_UNSUPPORTED, "fake");
}
static void fake_bclose(void *b) { (void)b; }
static int fake_buckets(void *c, bones_kv_bucket_fn f, void *a, struct bones_error *e) {
  (void)c, (void)f, (void)a, (void)e;
  return BONES_OK;
}
static int fake_get(void *b, const char *k, struct bones_kv_value *o, struct bones_error *e) {
  (void)b, (void)k, (void)o;
  return bones_error_set(e, BONES_E_NOTFOUND, "fake");
}
static int fake_write(void *b, const char *k, const void *v, size_t l, uint64_t *r, struct bones_error *e) {
  (void)b, (void)k, (void)v, (void)l, (void)r, (void)e;
  return BONES_OK;
}
static int fake_update(void *b, const char *k, const void *v, size_t l, uint64_t x, uint64_t *r,
                       struct bones_error *e) {
  (void)b, (void)k, (void)v, (void)l, (void)x, (void)r, (void)e;
  return BONES_OK;
}
static int fake_remove(void *b, const char *k, uint64_t x, struct bones_error *e) {
  (void)b, (void)k, (void)x, (void)e;
  return BONES_OK;
}
static int fake_list(void *b, const char *p, bones_kv_list_fn f, void *a, struct bones_error *e) {
  (void)b, (void)p, (void)f, (void)a, (void)e;
  return BONES_OK;
}
static const char *const fake_schemes[] = {"fake", NULL};

static struct bones_kv_backend_v1 good_backend(const char *name) {
  struct bones_kv_backend_v1 b = {BONES_KV_ABI, sizeof b, name, "test", 0, fake_schemes,
                                  fake_connect, fake_disconnect, fake_ping, fake_bopen, fake_bclose, fake_buckets,
                                  fake_get, fake_write, fake_write, fake_update, fake_remove, fake_list, NULL};
  return b;
}

static void valid_backend_is_registered_and_found(void **state) {
  (void)state;
  static struct bones_kv_backend_v1 b;
  b = good_backend("fake");
  struct bones_error err;
  assert_int_equal(bones_loader_add_builtin("kv_fake", &b, &err), BONES_OK);
  const struct bones_kv_backend_v1 *found = NULL;
  assert_int_equal(bones_loader_kv_backend("fake", &found, &err), BONES_OK);
  assert_ptr_equal(found, &b);
}

static void wrong_abi_is_named(void **state) {
  (void)state;
  static struct bones_kv_backend_v1 b;
  b = good_backend("abi");
  b.abi = 99;
  struct bones_error err;
  assert_int_equal(bones_loader_add_builtin("kv_abi", &b, &err), BONES_E_INTERNAL);
  assert_non_null(strstr(err.message, "kv_abi"));
  assert_non_null(strstr(err.message, "ABI 99"));
}

static void short_struct_is_refused(void **state) {
  (void)state;
  static struct bones_kv_backend_v1 b;
  b = good_backend("small");
  b.size = 16;
  struct bones_error err;
  assert_int_equal(bones_loader_add_builtin("kv_small", &b, &err), BONES_E_INTERNAL);
  assert_non_null(strstr(err.message, "size 16"));
}

static void name_mismatch_is_refused(void **state) {
  (void)state;
  static struct bones_kv_backend_v1 b;
  b = good_backend("other");
  struct bones_error err;
  assert_int_equal(bones_loader_add_builtin("kv_named", &b, &err), BONES_E_INTERNAL);
  assert_non_null(strstr(err.message, "'other'"));
  assert_non_null(strstr(err.message, "'named'"));
}

static void missing_function_is_named(void **state) {
  (void)state;
  static struct bones_kv_backend_v1 b;
  b = good_backend("nolist");
  b.list = NULL;
  struct bones_error err;
  assert_int_equal(bones_loader_add_builtin("kv_nolist", &b, &err), BONES_E_INTERNAL);
  assert_non_null(strstr(err.message, "'list'"));
  b = good_backend("nolist");
  b.caps = BONES_KV_CAP_WATCH; /* claims watch without watch() */
  assert_int_equal(bones_loader_add_builtin("kv_nolist", &b, &err), BONES_E_INTERNAL);
  assert_non_null(strstr(err.message, "watch"));
}

static void unknown_backend_is_a_usage_error(void **state) {
  (void)state;
  setenv("BONES_PLUGIN_PATH", "/nonexistent-bones-dir", 1);
  bones_loader_set_plugin_path(NULL);
  const struct bones_kv_backend_v1 *found = NULL;
  struct bones_error err;
  assert_int_equal(bones_loader_kv_backend("nosuch", &found, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "nosuch"));
  assert_int_equal(bones_loader_kv_backend("../evil", &found, &err), BONES_E_USAGE);
  assert_int_equal(bones_loader_kv_backend("", &found, &err), BONES_E_USAGE);
}

static int verb_run(struct bones_ctx *ctx, int argc, char **argv) {
  (void)ctx, (void)argc, (void)argv;
  return 0;
}

static void verbs_register_and_resolve(void **state) {
  (void)state;
  static const struct bones_verb_v1 v = {BONES_VERB_ABI, sizeof v, "multi-word", "d", 0, "u", verb_run, NULL};
  static const struct bones_verb_v1 bad = {BONES_VERB_ABI, sizeof bad, "empty", "d", 0, "u", NULL, NULL};
  struct bones_error err;
  assert_int_equal(bones_loader_add_builtin("verb_multi_word", &v, &err), BONES_E_INTERNAL); /* name must match */
  static const struct bones_verb_v1 v2 = {BONES_VERB_ABI, sizeof v2, "multi_word", "d", 0, "u", verb_run, NULL};
  assert_int_equal(bones_loader_add_builtin("verb_multi_word", &v2, &err), BONES_OK);
  const struct bones_verb_v1 *found = NULL;
  assert_int_equal(bones_loader_verb("multi-word", &found, &err), BONES_OK); /* '-' maps to '_' */
  assert_ptr_equal(found, &v2);
  assert_int_equal(bones_loader_add_builtin("verb_empty", &bad, &err), BONES_E_INTERNAL);
  assert_non_null(strstr(err.message, "neither"));
  assert_int_equal(bones_loader_verb("no-such-verb", &found, &err), BONES_E_NOTFOUND);
  assert_int_equal(bones_loader_verb("../x", &found, &err), BONES_E_NOTFOUND);
}

static void search_path_puts_option_first(void **state) {
  (void)state;
  setenv("BONES_PLUGIN_PATH", "/env-dir", 1);
  bones_loader_set_plugin_path("/opt-dir");
  const char *p = bones_loader_search_path();
  assert_non_null(strstr(p, "/opt-dir:/env-dir:"));
  assert_true(strstr(p, "/opt-dir") < strstr(p, "/env-dir"));
  assert_non_null(strstr(p, BONES_MODULEDIR));
  bones_loader_set_plugin_path(NULL);
}

static int teardown(void **state) {
  (void)state;
  bones_loader_shutdown();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(valid_backend_is_registered_and_found), cmocka_unit_test(wrong_abi_is_named),
      cmocka_unit_test(short_struct_is_refused),               cmocka_unit_test(name_mismatch_is_refused),
      cmocka_unit_test(missing_function_is_named),             cmocka_unit_test(unknown_backend_is_a_usage_error),
      cmocka_unit_test(verbs_register_and_resolve),            cmocka_unit_test(search_path_puts_option_first),
  };
  return cmocka_run_group_tests_name("loader", tests, NULL, teardown);
}
