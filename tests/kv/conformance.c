/* conformance.c: the KV conformance suite, one program for every backend
 * (see kvconf.h).  This file: main, helpers, and the single-key cases:
 * revisions, get/put/create/update/delete, values, keys. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtins.h"
#include "kvconf.h"
#include "loader.h"

static uint64_t last_rev;    /* highest revision seen in bucket main */
static char rev_problem[200]; /* first non-increasing revision, or "" */

void kvconf_bucket_name(const struct kvconf *c, const char *what, char *buf) {
  snprintf(buf, BONES_KV_BUCKET_NAME_MAX + 1, "%s-%s", c->run, what);
}

bones_kv_bucket *kvconf_bucket(struct kvconf *c, const char *what, int64_t ttl_ms, uint64_t max_value) {
  char name[BONES_KV_BUCKET_NAME_MAX + 1];
  struct bones_kv_bucket_config cfg = {ttl_ms, max_value, BONES_KV_BUCKET_CREATE};
  struct bones_error err;
  bones_kv_bucket *b = NULL;
  kvconf_bucket_name(c, what, name);
  int rc = bones_kv_bucket_open(c->kv, name, &cfg, &b, NULL, &err);
  if (rc != BONES_OK) tap_bail("cannot create bucket %s: %s: %s", name, bones_rc_name(rc), err.message);
  return b;
}

void kvconf_sleep_ms(int64_t ms) {
  if (ms <= 0) return;
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

/* Records a revision of bucket main; it must exceed every earlier one. */
static void note_rev(uint64_t rev, const char *what) {
  if (rev <= last_rev && rev_problem[0] == '\0')
    snprintf(rev_problem, sizeof rev_problem, "%s got revision %llu after %llu", what, (unsigned long long)rev,
             (unsigned long long)last_rev);
  if (rev > last_rev) last_rev = rev;
}

/* get key and compare value and (when rev != 0) revision with one TAP line. */
static void check_get(bones_kv_bucket *b, const char *key, const char *want, uint64_t rev, const char *desc) {
  struct bones_kv_value v;
  struct bones_error err;
  int rc = bones_kv_get(b, key, &v, &err);
  if (rc != BONES_OK) {
    tap_rc(rc, BONES_OK, &err, "%s", desc);
  } else if (rev && v.rev != rev) {
    tap_u64_eq(v.rev, rev, "%s (revision)", desc);
  } else {
    tap_mem_eq(v.value, v.len, want, strlen(want), "%s", desc);
  }
  bones_kv_value_free(&v);
}

/* get key expecting NOTFOUND. */
static void check_absent(bones_kv_bucket *b, const char *key, const char *desc) {
  struct bones_kv_value v;
  struct bones_error err;
  int rc = bones_kv_get(b, key, &v, &err);
  tap_rc(rc, BONES_E_NOTFOUND, &err, "%s", desc);
  bones_kv_value_free(&v);
}

/* get/put/create/update/delete and their results and revisions. */
void kvconf_crud(struct kvconf *c) {
  bones_kv_bucket *b = kvconf_bucket(c, "main", 0, 0);
  struct bones_error err;
  uint64_t ra1 = 0, ra2 = 0, rb = 0, rc1 = 0, ru = 0, r = 0;
  int rc;

  check_absent(b, "k/missing", "get of a missing key is NOTFOUND");
  rc = bones_kv_put(b, "k/a", "alpha", 5, &ra1, &err);
  tap_rc(rc, BONES_OK, &err, "put k/a");
  tap_u64_gt(ra1, 0, "put returns a revision > 0");
  note_rev(ra1, "put k/a");
  check_get(b, "k/a", "alpha", ra1, "get returns what put wrote, with put's revision");
  bones_kv_put(b, "k/a", "alpha2", 6, &ra2, &err);
  tap_u64_gt(ra2, ra1, "a second put of the same key gets a higher revision");
  note_rev(ra2, "put k/a again");
  rc = bones_kv_put(b, "k/b", "beta", 4, &rb, &err);
  tap_u64_gt(rb, ra2, "a put of another key gets a higher revision (one sequence per bucket)");
  note_rev(rb, "put k/b");

  rc = bones_kv_create(b, "k/c", "gamma", 5, &rc1, &err);
  tap_rc(rc, BONES_OK, &err, "create of an absent key is OK");
  note_rev(rc1, "create k/c");
  check_get(b, "k/c", "gamma", rc1, "get returns what create wrote");
  rc = bones_kv_create(b, "k/c", "other", 5, &r, &err);
  tap_rc(rc, BONES_E_EXISTS, &err, "create of an existing key is EXISTS");
  check_get(b, "k/c", "gamma", rc1, "a refused create leaves the key unchanged");

  rc = bones_kv_update(b, "k/a", "alpha3", 6, ra2, &ru, &err);
  tap_rc(rc, BONES_OK, &err, "update with the current revision is OK");
  tap_u64_gt(ru, rc1, "update returns a higher revision");
  note_rev(ru, "update k/a");
  check_get(b, "k/a", "alpha3", ru, "get returns what update wrote");
  rc = bones_kv_update(b, "k/a", "stale", 5, ra2, &r, &err);
  tap_rc(rc, BONES_E_CONFLICT, &err, "update with a stale revision is CONFLICT");
  check_get(b, "k/a", "alpha3", ru, "a refused update leaves the key unchanged");
  rc = bones_kv_update(b, "k/none", "x", 1, ru, &r, &err);
  tap_rc(rc, BONES_E_NOTFOUND, &err, "update of an absent key is NOTFOUND");
  check_absent(b, "k/none", "a refused update does not create the key");

  rc = bones_kv_delete(b, "k/b", 0, &err);
  tap_rc(rc, BONES_OK, &err, "unconditional delete (revision 0) is OK");
  check_absent(b, "k/b", "get after delete is NOTFOUND");
  rc = bones_kv_update(b, "k/b", "x", 1, rb, &r, &err);
  tap_rc(rc, BONES_E_NOTFOUND, &err, "update of a deleted key is NOTFOUND");
  /* at any revision: a backend that records a delete as a marker with its
   * own revision (JetStream) must not let an update or CAS delete at the
   * marker's revision through (found by tests/lin) */
  int marker_ok = 1;
  for (uint64_t e = rb + 1; e <= ru + 3; e++) {
    if (bones_kv_update(b, "k/b", "x", 1, e, &r, &err) != BONES_E_NOTFOUND) marker_ok = 0;
    if (bones_kv_delete(b, "k/b", e, &err) != BONES_E_NOTFOUND) marker_ok = 0;
  }
  tap_ok(marker_ok, "update and CAS delete of a deleted key are NOTFOUND at every revision (a marker's too)");
  check_absent(b, "k/b", "and the key stays deleted");
  rc = bones_kv_delete(b, "k/b", 0, &err);
  tap_rc(rc, BONES_E_NOTFOUND, &err, "delete of a deleted key is NOTFOUND");
  rc = bones_kv_delete(b, "k/never", 0, &err);
  tap_rc(rc, BONES_E_NOTFOUND, &err, "unconditional delete of a never-written key is NOTFOUND");
  rc = bones_kv_delete(b, "k/never", ru, &err);
  tap_rc(rc, BONES_E_NOTFOUND, &err, "CAS delete of a never-written key is NOTFOUND");
  rc = bones_kv_delete(b, "k/a", ra2, &err);
  tap_rc(rc, BONES_E_CONFLICT, &err, "CAS delete with a wrong revision is CONFLICT");
  check_get(b, "k/a", "alpha3", ru, "a refused delete leaves the key unchanged");
  rc = bones_kv_delete(b, "k/a", ru, &err);
  tap_rc(rc, BONES_OK, &err, "CAS delete with the current revision is OK");
  check_absent(b, "k/a", "get after CAS delete is NOTFOUND");

  rc = bones_kv_create(b, "k/a", "again", 5, &r, &err);
  tap_rc(rc, BONES_OK, &err, "create over a deleted key is OK");
  tap_u64_gt(r, last_rev, "create after delete gets a higher revision than any before the delete");
  note_rev(r, "create k/a after delete");
  check_get(b, "k/a", "again", r, "get returns what create over a deleted key wrote");
  rc = bones_kv_put(b, "k/b", "beta2", 5, &r, &err);
  tap_rc(rc, BONES_OK, &err, "put over a deleted key is OK");
  note_rev(r, "put k/b after delete");
  tap_ok(rev_problem[0] == '\0', "revisions strictly increase across keys, updates and deletes");
  if (rev_problem[0]) tap_diag("%s", rev_problem);
  bones_kv_bucket_close(b);
}

/* Binary values, empty values, max_value and TOOLARGE. */
void kvconf_values(struct kvconf *c) {
  bones_kv_bucket *b = kvconf_bucket(c, "main", 0, 0);
  struct bones_error err;
  struct bones_kv_value v;
  int rc;
  static const char nul[] = "a\0b\0\0c\0";
  unsigned char all[256];
  for (int i = 0; i < 256; i++) all[i] = (unsigned char)(255 - i);

  const struct {
    const char *key;
    const void *data;
    size_t len;
    const char *desc;
  } rt[] = {{"v/nul", nul, 8, "a value with NUL bytes round-trips exactly"},
            {"v/bytes", all, 256, "a value of all 256 byte values round-trips exactly"},
            {"v/empty", "", 0, "an empty value round-trips"}};
  for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++) {
    rc = bones_kv_put(b, rt[i].key, rt[i].data, rt[i].len, NULL, &err);
    if (rc == BONES_OK) rc = bones_kv_get(b, rt[i].key, &v, &err);
    if (rc != BONES_OK)
      tap_rc(rc, BONES_OK, &err, "%s", rt[i].desc);
    else
      tap_mem_eq(v.value, v.len, rt[i].data, rt[i].len, "%s", rt[i].desc);
    bones_kv_value_free(&v);
  }

  /* the default max_value (1 MiB) exactly, then one byte more */
  size_t max = BONES_KV_DEFAULT_MAX_VALUE;
  unsigned char *big = malloc(max + 1);
  if (big == NULL) tap_bail("out of memory");
  for (size_t i = 0; i <= max; i++) big[i] = (unsigned char)((i * 131u + (i >> 12)) & 0xff);
  rc = bones_kv_put(b, "v/max", big, max, NULL, &err);
  tap_rc(rc, BONES_OK, &err, "put of a value of exactly max_value (1 MiB) is OK");
  rc = bones_kv_get(b, "v/max", &v, &err);
  if (rc != BONES_OK)
    tap_rc(rc, BONES_OK, &err, "a 1 MiB value round-trips exactly");
  else
    tap_mem_eq(v.value, v.len, big, max, "a 1 MiB value round-trips exactly");
  bones_kv_value_free(&v);
  rc = bones_kv_put(b, "v/over", big, max + 1, NULL, &err);
  tap_rc(rc, BONES_E_TOOLARGE, &err, "put of max_value + 1 bytes is TOOLARGE");
  check_absent(b, "v/over", "a TOOLARGE put writes nothing");
  free(big);
  bones_kv_bucket_close(b);

  /* a bucket with a small max_value */
  char name[BONES_KV_BUCKET_NAME_MAX + 1], buf[1001];
  struct bones_kv_bucket_config cfg = {0, 1000, BONES_KV_BUCKET_CREATE}, actual;
  memset(buf, 'x', sizeof buf);
  kvconf_bucket_name(c, "small", name);
  rc = bones_kv_bucket_open(c->kv, name, &cfg, &b, &actual, &err);
  if (rc != BONES_OK) tap_bail("cannot create bucket %s: %s", name, err.message);
  tap_u64_eq(actual.max_value, 1000, "bucket_open reports the bucket's max_value");
  rc = bones_kv_put(b, "s/a", buf, 1000, NULL, &err);
  tap_rc(rc, BONES_OK, &err, "put of exactly max_value = 1000 bytes is OK");
  rc = bones_kv_put(b, "s/a", buf, 1001, NULL, &err);
  tap_rc(rc, BONES_E_TOOLARGE, &err, "put of 1001 bytes over max_value 1000 is TOOLARGE");
  rc = bones_kv_get(b, "s/a", &v, &err);
  tap_u64_eq(rc == BONES_OK ? v.len : 0, 1000, "a TOOLARGE put leaves the old value");
  uint64_t rev = v.rev;
  bones_kv_value_free(&v);
  rc = bones_kv_update(b, "s/a", buf, 1001, rev, NULL, &err);
  tap_rc(rc, BONES_E_TOOLARGE, &err, "update over max_value is TOOLARGE");
  rc = bones_kv_create(b, "s/b", buf, 1001, NULL, &err);
  tap_rc(rc, BONES_E_TOOLARGE, &err, "create over max_value is TOOLARGE");
  check_absent(b, "s/b", "a TOOLARGE create writes nothing");
  bones_kv_bucket_close(b);
}

/* Key validation: invalid keys are USAGE for every operation. */
void kvconf_keys(struct kvconf *c) {
  bones_kv_bucket *b = kvconf_bucket(c, "main", 0, 0);
  struct bones_error err;
  struct bones_kv_value v;
  char k255[256], k256[257];
  memset(k255, 'k', 255);
  k255[255] = '\0';
  memset(k256, 'k', 256);
  k256[256] = '\0';
  const char *bad[] = {"", "..", ".a", "a.", k256, "a b", "a/../b", "a*", "a>b", "a\tb", "\xc3\xa4"};
  const char *why[] = {"empty",           "\"..\"",    "leading dot",      "trailing dot",
                       "256 bytes",       "a space",   "\"a/../b\"",       "NATS wildcard *",
                       "NATS wildcard >", "a tab",     "non-ASCII UTF-8"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = bones_kv_put(b, bad[i], "x", 1, NULL, &err);
    tap_rc(rc, BONES_E_USAGE, &err, "put of an invalid key (%s) is USAGE", why[i]);
  }
  tap_rc(bones_kv_get(b, "a b", &v, &err), BONES_E_USAGE, &err, "get of an invalid key is USAGE");
  tap_rc(bones_kv_create(b, "..", "x", 1, NULL, &err), BONES_E_USAGE, &err, "create of an invalid key is USAGE");
  tap_rc(bones_kv_update(b, ".a", "x", 1, 1, NULL, &err), BONES_E_USAGE, &err,
         "update of an invalid key is USAGE");
  tap_rc(bones_kv_delete(b, "a.", 0, &err), BONES_E_USAGE, &err, "delete of an invalid key is USAGE");

  const char *good[] = {k255, "AZaz09_=./-x", "a.b", "x", "-", "=", "a/b/c"};
  int bad_good = -1;
  struct bones_error first = {0, "", ""};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    int rc = bones_kv_put(b, good[i], good[i], strlen(good[i]), NULL, &err);
    if (rc == BONES_OK) rc = bones_kv_get(b, good[i], &v, &err);
    if (rc == BONES_OK && (v.len != strlen(good[i]) || memcmp(v.value, good[i], v.len) != 0))
      rc = bones_error_set(&err, BONES_E_CORRUPT, "value read back differs");
    if (rc == BONES_OK) bones_kv_value_free(&v);
    if (rc != BONES_OK && bad_good < 0) {
      bad_good = (int)i;
      first = err;
      first.code = rc;
    }
  }
  tap_ok(bad_good < 0, "valid keys (255 bytes, every allowed character, single characters) round-trip");
  if (bad_good >= 0)
    tap_diag("key '%.40s': got %s: %s", good[bad_good], bones_rc_name(first.code), first.message);
  bones_kv_bucket_close(b);
}

/* Prints usage and exits with status. */
static void usage(int status) {
  fprintf(status ? stderr : stdout,
          "usage: kvconf --substrate URL [--procs N] [--increments K] [--bucket-prefix P]\n"
          "Runs the KV conformance suite against URL and prints TAP.\n");
  exit(status);
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {{"substrate", required_argument, NULL, 's'},
                                           {"procs", required_argument, NULL, 'p'},
                                           {"increments", required_argument, NULL, 'k'},
                                           {"bucket-prefix", required_argument, NULL, 'b'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  struct kvconf c = {.procs = 16, .watch_helper = -1};
  const char *prefix = "kvconf";
  int increments = 50, opt;
  while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (opt) {
    case 's': c.url = optarg; break;
    case 'p': c.procs = atoi(optarg); break;
    case 'k': increments = atoi(optarg); break;
    case 'b': prefix = optarg; break;
    case 'h': usage(0); break;
    default: usage(2);
    }
  }
  if (c.url == NULL || optind != argc || c.procs < 2 || c.procs > 256 || increments < 1) usage(2);
  snprintf(c.run, sizeof c.run, "%s-%ld-%ld", prefix, (long)getpid(), (long)time(NULL));
  char probe[BONES_KV_BUCKET_NAME_MAX + 1];
  kvconf_bucket_name(&c, "anyttl", probe);
  if (strlen(c.run) > 40 || !bones_kv_bucket_name_valid(probe)) {
    fprintf(stderr, "kvconf: --bucket-prefix '%s' gives invalid bucket names (A-Z a-z 0-9 _ -, short)\n", prefix);
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);

  struct bones_error err;
  if (bones_register_builtin_backends(&err) != BONES_OK) tap_bail("cannot register built-ins: %s", err.message);
  tap_diag("substrate %s, buckets %s-*, %d processes x %d increments", c.url, c.run, c.procs, increments);

  /* Children fork before this process opens any connection. */
  kvconf_race_run(&c, increments);
  int rc = bones_kv_open(c.url, NULL, &c.kv, &err);
  if (rc != BONES_OK) {
    kvconf_helper_release(&c);
    tap_bail("cannot open substrate %s: %s: %s", c.url, bones_rc_name(rc), err.message);
  }
  c.be = bones_kv_backend(c.kv);
  tap_diag("backend %s, caps 0x%x", c.be->name, c.be->caps);
  tap_rc(bones_kv_ping(c.kv, &err), BONES_OK, &err, "ping");

  kvconf_crud(&c);
  kvconf_values(&c);
  kvconf_keys(&c);
  kvconf_list(&c);
  kvconf_ttl(&c);
  kvconf_watch(&c);
  kvconf_buckets(&c);
  kvconf_race_check(&c);
  kvconf_unavailable(&c);
  kvconf_helper_release(&c);

  bones_kv_close(c.kv);
  bones_loader_shutdown();
  return tap_done();
}
