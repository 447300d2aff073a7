/* holds_query.c: releasing holds and asking who holds what (holds.h).
 * Every delete is a CAS delete at the revision just read, so a hold that
 * changed hands in between is never removed by mistake. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "holds_int.h"
#include "util.h"

/* Releases key if agent holds it (or force): BONES_OK (counting it in
 * *count when removed, or when it was absent or another agent's expired
 * hold), BONES_E_CONFLICT when another agent holds it live. */
static int release_key(bones_kv_bucket *b, const char *key, const char *agent, int force, size_t *count,
                       struct bones_error *err) {
  for (int attempt = 0; attempt < HOLDS_ATTEMPTS; attempt++) {
    if (attempt) holds_backoff(attempt);
    struct bones_kv_value v = {0};
    int rc = bones_kv_get(b, key, &v, err);
    if (rc == BONES_E_NOTFOUND) return BONES_OK;
    if (rc != BONES_OK) return rc;
    json_t *rec = NULL;
    rc = holds_parse(key, v.value, v.len, &rec, err);
    if (rc != BONES_OK && !force) {
      bones_kv_value_free(&v);
      return rc;
    }
    int mine = rec && agent && strcmp(holds_agent(rec), agent) == 0;
    int live = rec && holds_live(rec, bones_now_ms());
    if (!force && !mine) {
      if (live) holds_held_error(rec, err);
      json_decref(rec);
      bones_kv_value_free(&v);
      return live ? BONES_E_CONFLICT : BONES_OK;
    }
    json_decref(rec);
    rc = bones_kv_delete(b, key, v.rev, err);
    bones_kv_value_free(&v);
    if (rc == BONES_OK) {
      (*count)++;
      return BONES_OK;
    }
    if (rc != BONES_E_CONFLICT && rc != BONES_E_NOTFOUND) return rc;
  }
  return bones_error_set(err, BONES_E_CONFLICT, "%s: lost %d races to release it in a row", key, HOLDS_ATTEMPTS);
}

/* Before releasing anything: refuses when one of items is held live by
 * another agent (or is unreadable), so a refused release changes nothing. */
static int check_release(bones_kv_bucket *b, const struct holds_item *items, size_t n, const char *agent,
                         struct bones_error *err) {
  for (size_t i = 0; i < n; i++) {
    struct bones_kv_value v = {0};
    int rc = bones_kv_get(b, items[i].key, &v, err);
    if (rc == BONES_E_NOTFOUND) continue;
    if (rc != BONES_OK) return rc;
    json_t *rec = NULL;
    rc = holds_parse(items[i].key, v.value, v.len, &rec, err);
    bones_kv_value_free(&v);
    if (rc != BONES_OK) return rc;
    if (strcmp(holds_agent(rec), agent) != 0 && holds_live(rec, bones_now_ms())) rc = holds_held_error(rec, err);
    json_decref(rec);
    if (rc != BONES_OK) return rc;
  }
  return BONES_OK;
}

int bones_holds_release(bones_kv *kv, const char *const *paths, size_t npaths, const char *agent, int force,
                        size_t *released, struct bones_error *err) {
  size_t count = 0;
  if (released) *released = 0;
  if (!force && bones_agent_check(agent, err) != BONES_OK) return BONES_E_USAGE;
  struct holds_item *items = NULL;
  size_t n = 0;
  int rc = holds_items(paths, npaths, &items, &n, err);
  if (rc != BONES_OK) return rc;
  size_t nitems = n;
  bones_kv_bucket *b = NULL;
  if (n) rc = holds_bucket(kv, 0, &b, err);
  if (b == NULL) n = 0; /* no bucket, no holds */
  if (rc == BONES_OK && !force) rc = check_release(b, items, n, agent, err);
  for (size_t i = 0; i < n && rc == BONES_OK; i++) rc = release_key(b, items[i].key, agent, force, &count, err);
  if (rc != BONES_OK && count) bones_error_prefix(err, "released %zu, then", count);
  if (released) *released = count;
  bones_kv_bucket_close(b);
  holds_items_free(items, nitems);
  return rc;
}

int bones_holds_conflicts(bones_kv *kv, const char *const *paths, size_t npaths, const char *agent, json_t **held,
                          struct bones_error *err) {
  *held = NULL;
  if (bones_agent_check(agent, err) != BONES_OK) return BONES_E_USAGE;
  struct holds_item *items = NULL;
  size_t n = 0;
  int rc = holds_items(paths, npaths, &items, &n, err);
  if (rc != BONES_OK) return rc;
  bones_kv_bucket *b = NULL;
  json_t *out = json_array();
  if (n) rc = holds_bucket(kv, 0, &b, err);
  for (size_t i = 0; i < n && b && rc == BONES_OK; i++) {
    json_t *rec = NULL;
    rc = holds_overlap_find(b, items[i].path, agent, 1, 0, &rec, err);
    if (rc == BONES_OK && rec) {
      json_object_set_new(rec, "live", json_true());
      json_object_set_new(rec, "covers", json_string(items[i].path));
      json_array_append(out, rec);
    }
    json_decref(rec);
  }
  bones_kv_bucket_close(b);
  holds_items_free(items, n);
  if (rc != BONES_OK) {
    json_decref(out);
    return rc;
  }
  *held = out;
  return BONES_OK;
}

/* Collects listed records (list callback). */
struct collect {
  json_t **recs;
  size_t n, cap;
  int64_t now;
};

static int collect_one(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  struct collect *c = arg;
  struct bones_error e2;
  json_t *rec = NULL;
  if (holds_parse(key, value, len, &rec, &e2) == BONES_OK) {
    json_object_set_new(rec, "live", json_boolean(holds_live(rec, c->now)));
  } else {
    rec = json_pack("{s:s, s:b, s:b}", "key", key, "corrupt", 1, "live", 0);
  }
  if (!json_is_string(json_object_get(rec, "path"))) json_object_set_new(rec, "path", json_string(key));
  json_object_set_new(rec, "key", json_string(key));
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 16;
    c->recs = bones_xrealloc(c->recs, c->cap * sizeof *c->recs);
  }
  c->recs[c->n++] = rec;
  return 0;
}

static int cmp_path(const void *a, const void *b) {
  const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  return strcmp(json_string_value(json_object_get(x, "path")), json_string_value(json_object_get(y, "path")));
}

/* Every stored hold record (with "live" and "key"), sorted by path. */
static int collect_all(bones_kv *kv, struct collect *c, struct bones_error *err) {
  memset(c, 0, sizeof *c);
  c->now = bones_now_ms();
  bones_kv_bucket *b = NULL;
  int rc = holds_bucket(kv, 0, &b, err);
  if (rc == BONES_OK && b) rc = bones_kv_list(b, HOLDS_KEY_PREFIX, collect_one, c, err);
  bones_kv_bucket_close(b);
  if (c->n) qsort(c->recs, c->n, sizeof *c->recs, cmp_path);
  return rc;
}

int bones_holds_list(bones_kv *kv, json_t **holds, struct bones_error *err) {
  struct collect c;
  *holds = NULL;
  int rc = collect_all(kv, &c, err);
  json_t *out = json_array();
  for (size_t i = 0; i < c.n; i++) json_array_append_new(out, c.recs[i]);
  free(c.recs);
  if (rc != BONES_OK) {
    json_decref(out);
    return rc;
  }
  *holds = out;
  return BONES_OK;
}

int bones_holds_release_agent(bones_kv *kv, const char *agent, size_t *released, struct bones_error *err) {
  size_t count = 0;
  if (released) *released = 0;
  if (bones_agent_check(agent, err) != BONES_OK) return BONES_E_USAGE;
  struct collect c;
  int rc = collect_all(kv, &c, err);
  bones_kv_bucket *b = NULL;
  if (rc == BONES_OK && c.n) rc = holds_bucket(kv, 0, &b, err);
  for (size_t i = 0; i < c.n; i++) {
    const char *holder = json_string_value(json_object_get(c.recs[i], "agent"));
    if (rc == BONES_OK && b && holder && strcmp(holder, agent) == 0) {
      rc = release_key(b, json_string_value(json_object_get(c.recs[i], "key")), agent, 0, &count, err);
      if (rc == BONES_E_CONFLICT) rc = BONES_OK; /* it changed hands since the listing: not ours */
    }
    json_decref(c.recs[i]);
  }
  free(c.recs);
  bones_kv_bucket_close(b);
  if (released) *released = count;
  return rc;
}
