/* holds_key.c: hold keys, path sets, records and retry pacing shared by
 * core/swarm/holds.c and core/swarm/holds_query.c (holds_int.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "holds_int.h"
#include "util.h"

/* 1 for a byte a key may carry as itself ('.' is decided separately). */
static int key_plain(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '/';
}

/* Normalises path: relative, components joined by one '/', "." and empty
 * components dropped; ".." anywhere is refused.  *norm is malloc'd. */
static int normalise(const char *path, char **norm, struct bones_error *err) {
  if (path == NULL || *path == '\0') return bones_error_set(err, BONES_E_USAGE, "hold path is empty");
  if (path[0] == '/') {
    bones_error_set(err, BONES_E_USAGE, "hold path '%s' is absolute", path);
    return bones_error_hint(err, "give paths relative to the workspace root");
  }
  char *out = bones_xmalloc(strlen(path) + 1);
  size_t o = 0;
  for (const char *p = path; *p;) {
    size_t len = strcspn(p, "/");
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      free(out);
      return bones_error_set(err, BONES_E_USAGE, "hold path '%s' has a '..' component (leaves the workspace)", path);
    }
    if (len > 0 && !(len == 1 && p[0] == '.')) {
      if (o) out[o++] = '/';
      memcpy(out + o, p, len);
      o += len;
    }
    p += len;
    while (*p == '/') p++;
  }
  out[o] = '\0';
  if (o == 0) {
    free(out);
    return bones_error_set(err, BONES_E_USAGE, "hold path '%s' names the workspace root itself", path);
  }
  *norm = out;
  return BONES_OK;
}

int holds_path_key(const char *path, char **norm, char **key, struct bones_error *err) {
  char *n = NULL;
  int rc = normalise(path, &n, err);
  if (rc != BONES_OK) return rc;
  size_t len = strlen(n), plen = strlen(HOLDS_KEY_PREFIX);
  char *k = bones_xmalloc(plen + 3 * len + 1);
  size_t o = plen;
  memcpy(k, HOLDS_KEY_PREFIX, plen);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)n[i];
    /* a '.' stays unless it would follow a '.' or end the key */
    if (key_plain(c) || (c == '.' && k[o - 1] != '.' && i + 1 < len)) {
      k[o++] = (char)c;
    } else {
      snprintf(k + o, 4, "=%02X", c);
      o += 3;
    }
  }
  k[o] = '\0';
  if (o > BONES_KV_KEY_MAX || !bones_kv_key_valid(k)) {
    bones_error_set(err, BONES_E_USAGE, "hold path '%.200s' is too long (its key has %zu bytes, at most %d)", n, o,
                    BONES_KV_KEY_MAX);
    free(n);
    free(k);
    return BONES_E_USAGE;
  }
  if (norm) *norm = n;
  else free(n);
  *key = k;
  return BONES_OK;
}

int bones_hold_key(const char *path, char **key, struct bones_error *err) {
  *key = NULL;
  return holds_path_key(path, NULL, key, err);
}

static int cmp_item(const void *a, const void *b) {
  return strcmp(((const struct holds_item *)a)->key, ((const struct holds_item *)b)->key);
}

int holds_items(const char *const *paths, size_t npaths, struct holds_item **items, size_t *n,
                struct bones_error *err) {
  struct holds_item *v = npaths ? bones_xcalloc(npaths, sizeof *v) : NULL;
  *items = NULL;
  *n = 0;
  for (size_t i = 0; i < npaths; i++) {
    int rc = holds_path_key(paths[i], &v[i].path, &v[i].key, err);
    if (rc != BONES_OK) {
      holds_items_free(v, i);
      return rc;
    }
  }
  if (npaths) qsort(v, npaths, sizeof *v, cmp_item);
  size_t m = 0;
  for (size_t i = 0; i < npaths; i++) {
    if (m && strcmp(v[m - 1].key, v[i].key) == 0) {
      free(v[i].path);
      free(v[i].key);
    } else {
      v[m++] = v[i];
    }
  }
  *items = v;
  *n = m;
  return BONES_OK;
}

void holds_items_free(struct holds_item *items, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(items[i].path);
    free(items[i].key);
  }
  free(items);
}

int holds_bucket(bones_kv *kv, int create, bones_kv_bucket **b, struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {BONES_HOLD_TTL_MAX_MS, 0, create ? BONES_KV_BUCKET_CREATE : 0};
  int rc = bones_kv_bucket_open(kv, BONES_HOLDS_BUCKET, &cfg, b, NULL, err);
  if (rc == BONES_E_NOTFOUND && !create) {
    bones_error_clear(err);
    return BONES_OK;
  }
  return rc;
}

int holds_parse(const char *key, const void *value, size_t len, json_t **rec, struct bones_error *err) {
  json_error_t jerr;
  json_t *r = json_loadb(value, len, 0, &jerr);
  int64_t ms;
  if (r == NULL || !json_is_object(r) || !json_is_string(json_object_get(r, "agent")) ||
      !json_is_string(json_object_get(r, "expires_at")) ||
      bones_parse_time(json_string_value(json_object_get(r, "expires_at")), &ms) != 0) {
    json_decref(r);
    bones_error_set(err, BONES_E_CORRUPT, "%s %s: not a hold record (want an object with agent and expires_at)",
                    BONES_HOLDS_BUCKET, key);
    return bones_error_hint(err, "inspect it with `bones kv get %s %s`; delete it with `bones kv delete`",
                            BONES_HOLDS_BUCKET, key);
  }
  *rec = r;
  return BONES_OK;
}

int holds_live(const json_t *rec, int64_t now_ms) {
  int64_t ms = 0;
  const char *s = json_string_value(json_object_get(rec, "expires_at"));
  return s && bones_parse_time(s, &ms) == 0 && ms > now_ms;
}

const char *holds_agent(const json_t *rec) {
  const char *a = json_string_value(json_object_get(rec, "agent"));
  return a ? a : "";
}

int holds_held_error(const json_t *rec, struct bones_error *err) {
  const char *task = json_string_value(json_object_get(rec, "task"));
  const char *path = json_string_value(json_object_get(rec, "path"));
  bones_error_set(err, BONES_E_CONFLICT, "%s is held by %s%s%s until %s", path ? path : "?", holds_agent(rec),
                  task ? " for task " : "", task ? task : "",
                  json_string_value(json_object_get(rec, "expires_at")));
  return bones_error_hint(err, "wait until the hold expires, or ask %s to release it", holds_agent(rec));
}

/* A per-process xorshift state (re-seeded after a fork). */
static unsigned jitter(void) {
  static unsigned state;
  static pid_t owner;
  if (owner != getpid() || state == 0) {
    owner = getpid();
    state = (unsigned)owner * 2654435761u ^ (unsigned)bones_monotonic_ms() ^ (unsigned)time(NULL);
    if (state == 0) state = 1;
  }
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

void holds_backoff(int attempt) {
  int cap = attempt < 5 ? 1 << attempt : 32; /* ms */
  struct timespec ts = {0, (long)(1 + jitter() % (unsigned)cap) * 1000000L};
  nanosleep(&ts, NULL);
}
