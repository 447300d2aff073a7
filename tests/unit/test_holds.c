/* test_holds.c: core/holds*.c on the built-in sqlite substrate: keys,
 * acquire/renew/takeover/refusal, all-or-nothing rollback, release,
 * conflicts, listing. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtins.h"
#include "cmocka_all.h"
#include "holds.h"
#include "loader.h"
#include "util.h"

static char tmpdir[] = "/tmp/bones-holds-XXXXXX";
static bones_kv *kv;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

/* Opens a private sqlite file, or $BONES_TEST_KV_URL when set (a fresh
 * server: the tests expect an empty bones-holds bucket). */
static int setup(void **state) {
  (void)state;
  struct bones_error err;
  if (mkdtemp(tmpdir) == NULL || bones_register_builtin_backends(&err) != BONES_OK) return -1;
  const char *given = getenv("BONES_TEST_KV_URL");
  char *url = given && *given ? bones_xstrdup(given) : bones_xasprintf("sqlite:%s/kv.db", tmpdir);
  int rc = bones_kv_open(url, NULL, &kv, &err);
  if (rc != BONES_OK) fprintf(stderr, "test_holds: cannot open %s: %s\n", url, err.message);
  free(url);
  return rc == BONES_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  bones_kv_close(kv);
  bones_loader_shutdown();
  nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Reverses the key escaping (for the round-trip check). */
static char *decode_key(const char *key) {
  assert_int_equal(strncmp(key, "h/", 2), 0);
  char *out = bones_xmalloc(strlen(key) + 1), *o = out;
  for (const char *p = key + 2; *p; p++) {
    unsigned v;
    if (*p == '=') {
      assert_int_equal(sscanf(p + 1, "%2X", &v), 1);
      *o++ = (char)v;
      p += 2;
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
  return out;
}

/* The stored record of path (a new reference) or NULL when absent. */
static json_t *stored(const char *path) {
  struct bones_error err;
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0};
  bones_kv_bucket *b = NULL;
  char *key = NULL;
  struct bones_kv_value v = {0};
  assert_int_equal(bones_hold_key(path, &key, &err), BONES_OK);
  assert_int_equal(bones_kv_bucket_open(kv, BONES_HOLDS_BUCKET, &cfg, &b, NULL, &err), BONES_OK);
  int rc = bones_kv_get(b, key, &v, &err);
  json_t *rec = rc == BONES_OK ? json_loadb((const char *)v.value, v.len, 0, NULL) : NULL;
  assert_true(rc == BONES_OK || rc == BONES_E_NOTFOUND);
  bones_kv_value_free(&v);
  bones_kv_bucket_close(b);
  free(key);
  return rec;
}

static const char *field(json_t *rec, const char *name) { return json_string_value(json_object_get(rec, name)); }

/* Asserts path is stored as agent's hold (agent NULL: not stored). */
static void assert_holder(const char *path, const char *agent) {
  json_t *rec = stored(path);
  if (agent == NULL) {
    if (rec) fail_msg("%s is still held by %s", path, field(rec, "agent"));
    return;
  }
  assert_non_null(rec);
  assert_string_equal(field(rec, "agent"), agent);
  json_decref(rec);
}

static int acquire(const char *agent, const char *const *paths, size_t n, int64_t ttl, struct bones_error *err) {
  struct bones_hold_owner o = {agent, "t-test", NULL, 1, "testing"};
  return bones_holds_acquire(kv, paths, n, &o, ttl, err);
}

static void key_of(const char *path, const char *want) {
  struct bones_error err;
  char *key = NULL;
  assert_int_equal(bones_hold_key(path, &key, &err), BONES_OK);
  assert_string_equal(key, want);
  assert_true(bones_kv_key_valid(key));
  free(key);
}

static void keys_escape_and_normalise(void **state) {
  (void)state;
  key_of("src/a.c", "h/src/a.c");
  key_of("a b=c", "h/a=20b=3Dc");
  key_of("dir/x.", "h/dir/x=2E");
  key_of("a..b", "h/a.=2Eb");
  key_of("...", "h/.=2E=2E");
  key_of(".hidden/f", "h/.hidden/f");
  key_of("./a//b/./", "h/a/b");
  key_of("caf\xc3\xa9", "h/caf=C3=A9");
  key_of("x%y*z", "h/x=25y=2Az");
}

static void keys_round_trip(void **state) {
  (void)state;
  char slices[5][64]; /* every byte 1..255 ('/' apart), 63 at a time */
  for (int s = 0; s < 5; s++) {
    int len = 0;
    for (int c = 1 + 63 * s; c < 256 && len < 63; c++) slices[s][len++] = (char)(c == '/' ? 'x' : c);
    slices[s][len] = '\0';
  }
  const char *samples[] = {"src/main.c", "a=b",      "x.",       "a..b/c...d", "sp ace/t\tab", "=2E",
                           slices[0],    slices[1], slices[2], slices[3],    slices[4]};
  for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
    struct bones_error err;
    char *key = NULL;
    assert_int_equal(bones_hold_key(samples[i], &key, &err), BONES_OK);
    assert_true(bones_kv_key_valid(key));
    char *back = decode_key(key);
    assert_string_equal(back, samples[i]);
    free(back);
    free(key);
  }
}

static void keys_refuse_escapes(void **state) {
  (void)state;
  const char *bad[] = {"../x", "/abs", "", "a/../b", "..", "a/..", ".", "./", "//"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct bones_error err;
    char *key = NULL;
    assert_int_equal(bones_hold_key(bad[i], &key, &err), BONES_E_USAGE);
    assert_null(key);
  }
  struct bones_error err;
  char *key = NULL;
  assert_int_equal(bones_hold_key(NULL, &key, &err), BONES_E_USAGE);
  char longp[300];
  memset(longp, 'a', 253);
  longp[253] = '\0';
  assert_int_equal(bones_hold_key(longp, &key, &err), BONES_OK); /* "h/" + 253 = 255 */
  free(key);
  longp[253] = 'a';
  longp[254] = '\0';
  assert_int_equal(bones_hold_key(longp, &key, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "too long"));
}

static void acquire_renew_takeover_refuse(void **state) {
  (void)state;
  struct bones_error err;
  const char *ab[] = {"t1/a", "t1/b"}, *b[] = {"./t1/b"}, *a[] = {"t1/a"}, *c[] = {"t1/c"};
  assert_int_equal(acquire("alice", ab, 2, 60000, &err), BONES_OK);
  assert_holder("t1/a", "alice");
  assert_holder("t1/b", "alice");
  json_t *r1 = stored("t1/a");
  assert_string_equal(field(r1, "path"), "t1/a");
  assert_string_equal(field(r1, "task"), "t-test");
  assert_int_equal(json_integer_value(json_object_get(r1, "epoch")), 1);

  assert_int_equal(acquire("bob", b, 1, 60000, &err), BONES_E_CONFLICT);
  assert_non_null(strstr(err.message, "t1/b"));
  assert_non_null(strstr(err.message, "alice"));
  assert_holder("t1/b", "alice");

  sleep_ms(5);
  assert_int_equal(acquire("alice", a, 1, 120000, &err), BONES_OK); /* renewal */
  json_t *r2 = stored("t1/a");
  assert_string_equal(field(r2, "acquired_at"), field(r1, "acquired_at"));
  assert_true(strcmp(field(r2, "expires_at"), field(r1, "expires_at")) > 0);
  json_decref(r1);
  json_decref(r2);

  assert_int_equal(acquire("alice", c, 1, 2000, &err), BONES_OK); /* bob comes well within 2 s, even on a busy machine */
  assert_int_equal(acquire("bob", c, 1, 60000, &err), BONES_E_CONFLICT);
  sleep_ms(2100);
  assert_int_equal(acquire("bob", c, 1, 60000, &err), BONES_OK); /* takeover of an expired hold */
  assert_holder("t1/c", "bob");

  assert_int_equal(acquire("bob", c, 1, 0, &err), BONES_E_USAGE);
  assert_int_equal(acquire("bob", c, 1, BONES_HOLD_TTL_MAX_MS + 1, &err), BONES_E_USAGE);
  assert_int_equal(acquire("bad agent", c, 1, 1000, &err), BONES_E_USAGE);
  const char *bad[] = {"t1/d", "../etc/passwd"};
  assert_int_equal(acquire("bob", bad, 2, 1000, &err), BONES_E_USAGE);
  assert_holder("t1/d", NULL);
}

static void acquire_is_all_or_nothing(void **state) {
  (void)state;
  struct bones_error err;
  const char *x3[] = {"t2/x3"}, *set[] = {"t2/x3", "t2/x1", "t2/x2"};
  assert_int_equal(acquire("bob", x3, 1, 60000, &err), BONES_OK);
  assert_int_equal(acquire("alice", set, 3, 60000, &err), BONES_E_CONFLICT);
  assert_non_null(strstr(err.message, "t2/x3"));
  assert_non_null(strstr(err.message, "bob"));
  assert_holder("t2/x1", NULL);
  assert_holder("t2/x2", NULL);
  assert_holder("t2/x3", "bob");

  /* a hold alice had before the refused call keeps its record exactly */
  const char *y1[] = {"t2/y1"}, *y3[] = {"t2/y3"}, *ys[] = {"t2/y1", "t2/y2", "t2/y3"};
  assert_int_equal(acquire("alice", y1, 1, 60000, &err), BONES_OK);
  assert_int_equal(acquire("bob", y3, 1, 60000, &err), BONES_OK);
  json_t *before = stored("t2/y1");
  sleep_ms(5);
  assert_int_equal(acquire("alice", ys, 3, 300000, &err), BONES_E_CONFLICT);
  json_t *after = stored("t2/y1");
  assert_non_null(after);
  assert_true(json_equal(before, after));
  json_decref(before);
  json_decref(after);
  assert_holder("t2/y2", NULL);
  assert_holder("t2/y3", "bob");
}

static void release_rules(void **state) {
  (void)state;
  struct bones_error err;
  size_t n = 99;
  const char *ra[] = {"r/a"}, *rbc[] = {"r/b", "r/c", "r/none"}, *rd[] = {"r/d"}, *re[] = {"r/e"},
             *rde[] = {"r/d", "r/e"}, *rx[] = {"r/x"};
  assert_int_equal(acquire("alice", ra, 1, 60000, &err), BONES_OK);
  assert_int_equal(bones_holds_release(kv, ra, 1, "bob", 0, &n, &err), BONES_E_CONFLICT);
  assert_non_null(strstr(err.message, "alice"));
  assert_holder("r/a", "alice");
  assert_int_equal(bones_holds_release(kv, ra, 1, "bob", 1, &n, &err), BONES_OK);
  assert_int_equal(n, 1);
  assert_holder("r/a", NULL);

  assert_int_equal(acquire("alice", rbc, 2, 60000, &err), BONES_OK);
  assert_int_equal(bones_holds_release(kv, rbc, 3, "alice", 0, &n, &err), BONES_OK);
  assert_int_equal(n, 2);
  assert_holder("r/b", NULL);
  assert_holder("r/c", NULL);

  /* a refused release releases nothing */
  assert_int_equal(acquire("alice", rd, 1, 60000, &err), BONES_OK);
  assert_int_equal(acquire("bob", re, 1, 60000, &err), BONES_OK);
  assert_int_equal(bones_holds_release(kv, rde, 2, "alice", 0, &n, &err), BONES_E_CONFLICT);
  assert_int_equal(n, 0);
  assert_holder("r/d", "alice");
  assert_int_equal(bones_holds_release(kv, rde, 2, "alice", 1, &n, &err), BONES_OK);
  assert_int_equal(n, 2);

  /* another agent's expired hold is not the caller's to release */
  assert_int_equal(acquire("bob", rx, 1, 30, &err), BONES_OK);
  sleep_ms(60);
  assert_int_equal(bones_holds_release(kv, rx, 1, "alice", 0, &n, &err), BONES_OK);
  assert_int_equal(n, 0);
  assert_holder("r/x", "bob");
  assert_int_equal(bones_holds_release(kv, rx, 1, "bob", 0, &n, &err), BONES_OK); /* its own, expired */
  assert_int_equal(n, 1);
}

static void conflicts_name_live_holds_of_others(void **state) {
  (void)state;
  struct bones_error err;
  const char *qa[] = {"q/a"}, *qb[] = {"q/b"}, *all[] = {"q/c", "q/b", "q/a"};
  json_t *held = NULL;
  assert_int_equal(acquire("alice", qa, 1, 60000, &err), BONES_OK);
  assert_int_equal(acquire("bob", qb, 1, 30, &err), BONES_OK);
  sleep_ms(60);
  assert_int_equal(bones_holds_conflicts(kv, all, 3, "carol", &held, &err), BONES_OK);
  assert_int_equal(json_array_size(held), 1);
  assert_string_equal(field(json_array_get(held, 0), "path"), "q/a");
  assert_string_equal(field(json_array_get(held, 0), "agent"), "alice");
  json_decref(held);
  assert_int_equal(bones_holds_conflicts(kv, all, 3, "alice", &held, &err), BONES_OK);
  assert_int_equal(json_array_size(held), 0);
  json_decref(held);
  const char *bad[] = {"/etc/passwd"};
  assert_int_equal(bones_holds_conflicts(kv, bad, 1, "alice", &held, &err), BONES_E_USAGE);
}

static void list_and_release_agent(void **state) {
  (void)state;
  struct bones_error err;
  const char *ps[] = {"l/z", "l/a b", "l/m"};
  size_t n = 0;
  assert_int_equal(acquire("dave", ps, 3, 60000, &err), BONES_OK);
  json_t *all = NULL;
  assert_int_equal(bones_holds_list(kv, &all, &err), BONES_OK);
  const char *prev = "";
  size_t i, mine = 0;
  json_t *h;
  json_array_foreach(all, i, h) {
    assert_true(strcmp(prev, field(h, "path")) <= 0);
    prev = field(h, "path");
    assert_true(json_is_boolean(json_object_get(h, "live")));
    if (strcmp(field(h, "agent"), "dave") == 0) {
      mine++;
      assert_true(json_is_true(json_object_get(h, "live")));
    }
  }
  assert_int_equal(mine, 3);
  json_decref(all);
  assert_int_equal(bones_holds_release_agent(kv, "dave", &n, &err), BONES_OK);
  assert_int_equal(n, 3);
  assert_holder("l/a b", NULL);
  assert_int_equal(bones_holds_release_agent(kv, "dave", &n, &err), BONES_OK);
  assert_int_equal(n, 0);
}

static void corrupt_records_are_reported(void **state) {
  (void)state;
  struct bones_error err;
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0};
  bones_kv_bucket *b = NULL;
  assert_int_equal(bones_kv_bucket_open(kv, BONES_HOLDS_BUCKET, &cfg, &b, NULL, &err), BONES_OK);
  assert_int_equal(bones_kv_put(b, "h/bad", "not json", 8, NULL, &err), BONES_OK);
  bones_kv_bucket_close(b);
  const char *bad[] = {"bad"};
  size_t n = 0;
  assert_int_equal(acquire("alice", bad, 1, 1000, &err), BONES_E_CORRUPT);
  assert_int_equal(bones_holds_release(kv, bad, 1, "alice", 0, &n, &err), BONES_E_CORRUPT);
  assert_int_equal(bones_holds_release(kv, bad, 1, "alice", 1, &n, &err), BONES_OK);
  assert_int_equal(n, 1);
  assert_int_equal(acquire("alice", bad, 1, 1000, &err), BONES_OK);
}

/* A hold on a directory covers everything beneath it (issue 10 item 8). */
static void directories_cover_beneath(void **state) {
  (void)state;
  struct bones_error err;
  const char *a[] = {"d/src/a.c"}, *dir[] = {"d/src"}, *top[] = {"d"}, *b[] = {"d/src/b.c"};
  const char *sib[] = {"d/srcx", "d/src.c"}, *deep[] = {"d/src/x/y.c"};
  assert_int_equal(acquire("alice", a, 1, 60000, &err), BONES_OK);
  /* an ancestor of another agent's hold: refused, naming holder and path, nothing left */
  assert_int_equal(acquire("bob", dir, 1, 60000, &err), BONES_E_CONFLICT);
  assert_non_null(strstr(err.message, "alice"));
  assert_non_null(strstr(err.message, "d/src/a.c"));
  assert_holder("d/src", NULL);
  assert_int_equal(acquire("bob", top, 1, 60000, &err), BONES_E_CONFLICT);
  assert_holder("d", NULL);
  /* all or nothing: a good path in the same request is not kept */
  const char *mixed[] = {"d/other", "d/src"};
  assert_int_equal(acquire("bob", mixed, 2, 60000, &err), BONES_E_CONFLICT);
  assert_holder("d/other", NULL);
  /* siblings sharing a name prefix do not overlap */
  assert_int_equal(acquire("bob", sib, 2, 60000, &err), BONES_OK);
  /* the owner may hold both the file and its directory */
  assert_int_equal(acquire("alice", dir, 1, 60000, &err), BONES_OK);
  /* beneath another agent's directory hold: refused */
  assert_int_equal(acquire("carol", b, 1, 60000, &err), BONES_E_CONFLICT);
  assert_non_null(strstr(err.message, "d/src"));
  assert_int_equal(acquire("carol", deep, 1, 60000, &err), BONES_E_CONFLICT);
  assert_holder("d/src/x/y.c", NULL);
  /* commit check: a file under another agent's directory hold is held */
  const char *files[] = {"d/src/b.c", "d/srcx", "d/elsewhere.c"};
  json_t *held = NULL;
  assert_int_equal(bones_holds_conflicts(kv, files, 3, "carol", &held, &err), BONES_OK);
  assert_int_equal(json_array_size(held), 2);
  json_decref(held);
  assert_int_equal(bones_holds_conflicts(kv, files, 1, "carol", &held, &err), BONES_OK);
  assert_int_equal(json_array_size(held), 1);
  assert_string_equal(field(json_array_get(held, 0), "path"), "d/src");
  assert_string_equal(field(json_array_get(held, 0), "covers"), "d/src/b.c");
  assert_string_equal(field(json_array_get(held, 0), "agent"), "alice");
  json_decref(held);
  assert_int_equal(bones_holds_conflicts(kv, files, 1, "alice", &held, &err), BONES_OK);
  assert_int_equal(json_array_size(held), 0);
  json_decref(held);
  /* an expired directory hold covers nothing */
  const char *e[] = {"d/exp"}, *under[] = {"d/exp/f"};
  assert_int_equal(acquire("alice", e, 1, 30, &err), BONES_OK);
  sleep_ms(60);
  assert_int_equal(acquire("carol", under, 1, 60000, &err), BONES_OK);
  /* a directory whose name ends in '.' still finds what lies beneath it */
  const char *dotf[] = {"d/v1./f"}, *dotd[] = {"d/v1."};
  assert_int_equal(acquire("alice", dotf, 1, 60000, &err), BONES_OK);
  assert_int_equal(acquire("bob", dotd, 1, 60000, &err), BONES_E_CONFLICT);
  size_t n = 0;
  assert_int_equal(bones_holds_release_agent(kv, "alice", &n, &err), BONES_OK);
  assert_int_equal(bones_holds_release_agent(kv, "bob", &n, &err), BONES_OK);
  assert_int_equal(bones_holds_release_agent(kv, "carol", &n, &err), BONES_OK);
  assert_int_equal(acquire("bob", dir, 1, 60000, &err), BONES_OK);
  assert_int_equal(bones_holds_release_agent(kv, "bob", &n, &err), BONES_OK);
}

/* Globs are refused at acquire: they would cover nothing. */
static void globs_are_refused(void **state) {
  (void)state;
  struct bones_error err;
  const char *g1[] = {"g/*"}, *g2[] = {"g/a?.c"}, *g3[] = {"g/[ab].c"}, *ok[] = {"g/ok", "g/*"};
  assert_int_equal(acquire("alice", g1, 1, 60000, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "glob"));
  assert_int_equal(acquire("alice", g2, 1, 60000, &err), BONES_E_USAGE);
  assert_int_equal(acquire("alice", g3, 1, 60000, &err), BONES_E_USAGE);
  assert_int_equal(acquire("alice", ok, 2, 60000, &err), BONES_E_USAGE);
  assert_holder("g/ok", NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(keys_escape_and_normalise),
      cmocka_unit_test(keys_round_trip),
      cmocka_unit_test(keys_refuse_escapes),
      cmocka_unit_test(acquire_renew_takeover_refuse),
      cmocka_unit_test(acquire_is_all_or_nothing),
      cmocka_unit_test(release_rules),
      cmocka_unit_test(conflicts_name_live_holds_of_others),
      cmocka_unit_test(list_and_release_agent),
      cmocka_unit_test(corrupt_records_are_reported),
      cmocka_unit_test(directories_cover_beneath),
      cmocka_unit_test(globs_are_refused),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
