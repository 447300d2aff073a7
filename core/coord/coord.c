/* coord.c: what the coordination primitives share (coord.h): their
 * buckets, name checks, waiting for a change, and the claim lookup (a
 * claim is a hold, holds.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coord.h"
#include "holds_int.h"
#include "ids.h"
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

char *bones_coord_agent_prefix(const char *agent) {
  size_t n = strlen(agent);
  if (n && agent[n - 1] == '.') return bones_xasprintf("%.*s=2E/", (int)(n - 1), agent);
  return bones_xasprintf("%s/", agent);
}

/* list callback: the ids under a key prefix that start with a given id
 * prefix; stops counting at two (ambiguous). */
struct id_matcher {
  const char *start;
  char id[BONES_TIME_ID_LEN + 1];
  int matches;
};
static int match_id(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)value, (void)len, (void)rev;
  struct id_matcher *m = arg;
  const char *slash = strrchr(key, '/');
  const char *id = slash ? slash + 1 : key;
  if (strncmp(id, m->start, strlen(m->start)) != 0 || strlen(id) != BONES_TIME_ID_LEN) return 0;
  if (m->matches++ == 0) snprintf(m->id, sizeof m->id, "%s", id);
  else if (strcmp(m->id, id) == 0) m->matches--; /* the same id in another inbox */
  return m->matches > 1;
}

int bones_coord_resolve_id(bones_kv_bucket *b, const char *key_prefix, const char *given, const char *what,
                           const char *hint, char *id, struct bones_error *err) {
  size_t n = strlen(given);
  if (n == 0 || n > BONES_TIME_ID_LEN || strspn(given, "0123456789abcdefghijklmnopqrstuvwxyz") != n)
    return bones_error_set(err, BONES_E_NOTFOUND, "no %s %s (ids are %d characters of 0-9a-z, or a unique prefix)", what,
                           given, BONES_TIME_ID_LEN);
  if (n == BONES_TIME_ID_LEN) {
    memcpy(id, given, n + 1);
    return BONES_OK;
  }
  struct id_matcher m = {given, "", 0};
  int rc = bones_kv_list(b, key_prefix, match_id, &m, err);
  if (rc == BONES_OK && m.matches == 0) rc = bones_kv_list(b, "", match_id, &m, err);
  if (rc != BONES_OK) return rc;
  if (m.matches == 0) return bones_error_set(err, BONES_E_NOTFOUND, "no %s %s", what, given);
  if (m.matches > 1) {
    bones_error_set(err, BONES_E_USAGE, "%s id prefix %s is ambiguous", what, given);
    return bones_error_hint(err, "give more characters; %s", hint);
  }
  memcpy(id, m.id, sizeof m.id);
  return BONES_OK;
}

/* by the "id" member: time-ordered ids sort oldest first */
static int by_id(const void *a, const void *b) {
  const char *x = json_string_value(json_object_get(*(json_t *const *)a, "id"));
  const char *y = json_string_value(json_object_get(*(json_t *const *)b, "id"));
  return strcmp(x ? x : "", y ? y : "");
}

void bones_coord_sort_by_id(json_t *records) {
  size_t n = json_array_size(records);
  json_t **v = bones_xcalloc(n ? n : 1, sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = json_incref(json_array_get(records, i));
  qsort(v, n, sizeof *v, by_id);
  json_array_clear(records);
  for (size_t i = 0; i < n; i++) json_array_append_new(records, v[i]);
  free(v);
}
