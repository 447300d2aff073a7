/* coord.c: what the coordination primitives share (coord.h): their
 * buckets, name checks, waiting for a change, and the claim lookup (a
 * claim is a hold, holds.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coord.h"
#include "holds_int.h"
#include "util.h"

/* The TTL each coordination bucket is created with. */
static int64_t bucket_ttl(const char *name) {
  if (strcmp(name, BONES_CHECKPOINTS_BUCKET) == 0) return BONES_CHECKPOINTS_TTL_MS;
  if (strcmp(name, BONES_HANDOFFS_BUCKET) == 0) return BONES_HANDOFFS_TTL_MS;
  return BONES_BROADCASTS_TTL_MS;
}

int bones_coord_bucket(bones_kv *kv, const char *name, int create, bones_kv_bucket **b, struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {bucket_ttl(name), 0, create ? BONES_KV_BUCKET_CREATE : 0};
  *b = NULL;
  int rc = bones_kv_bucket_open(kv, name, &cfg, b, NULL, err);
  if (rc == BONES_E_NOTFOUND && !create) {
    bones_error_clear(err);
    return BONES_OK;
  }
  return rc;
}

int bones_coord_name_check(const char *what, const char *name, struct bones_error *err) {
  return bones_name_check(what, name, err);
}

/* Sleeps ms milliseconds (a signal may cut it short). */
static void sleep_ms(int64_t ms) {
  if (ms <= 0) return;
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* watch callback: remembers the revision and stops at the first change. */
static int on_change(void *arg, const char *key, const void *value, size_t len, uint64_t rev, int deleted) {
  (void)key, (void)value, (void)len, (void)deleted;
  uint64_t *seen = arg;
  if (rev > *seen) *seen = rev;
  return 1;
}

int bones_coord_wait_change(bones_kv_bucket *b, const char *prefix, uint64_t after_rev, int64_t timeout_ms,
                            uint64_t *seen_rev, struct bones_error *err) {
  if (timeout_ms <= 0) return BONES_OK;
  uint64_t seen = after_rev;
  int rc = BONES_E_UNSUPPORTED;
  if (b) rc = bones_kv_watch(b, prefix, after_rev, on_change, &seen, (int)timeout_ms, err);
  if (rc == BONES_E_UNSUPPORTED) {
    bones_error_clear(err);
    sleep_ms(timeout_ms < BONES_COORD_POLL_MS ? timeout_ms : BONES_COORD_POLL_MS);
    return BONES_OK;
  }
  if (seen_rev && seen > *seen_rev) *seen_rev = seen;
  if (rc == BONES_E_TIMEOUT) {
    bones_error_clear(err);
    return BONES_OK;
  }
  return rc;
}

int bones_coord_owner(bones_kv *kv, const char *path, json_t **hold, struct bones_error *err) {
  char *norm = NULL, *key = NULL;
  *hold = NULL;
  int rc = holds_path_key(path, &norm, &key, err);
  if (rc != BONES_OK) return rc;
  bones_kv_bucket *b = NULL;
  rc = holds_bucket(kv, 0, &b, err);
  struct bones_kv_value v = {0};
  if (rc == BONES_OK) rc = b ? bones_kv_get(b, key, &v, err) : BONES_E_NOTFOUND;
  json_t *rec = NULL;
  if (rc == BONES_OK) rc = holds_parse(key, v.value, v.len, &rec, err);
  if (rc == BONES_OK && !holds_live(rec, bones_now_ms())) rc = BONES_E_NOTFOUND;
  if (rc == BONES_E_NOTFOUND && b) { /* a live hold on a directory above covers it */
    json_decref(rec);
    rec = NULL;
    bones_error_clear(err);
    rc = holds_overlap_find(b, norm, "", 0, 0, &rec, err);
    if (rc == BONES_OK && rec) json_object_set_new(rec, "covers", json_string(norm));
    else if (rc == BONES_OK) rc = BONES_E_NOTFOUND;
  }
  if (rc == BONES_E_NOTFOUND) {
    bones_error_set(err, BONES_E_NOTFOUND, "%s is not claimed", norm);
    json_decref(rec);
  } else if (rc == BONES_OK) {
    json_object_set_new(rec, "live", json_true());
    *hold = rec;
  }
  bones_kv_value_free(&v);
  bones_kv_bucket_close(b);
  free(norm);
  free(key);
  return rc;
}
