/* kv_redis.c: the kv-redis backend (module kv_redis, name "redis"): the
 * bones_kv_backend_v1 vtable over hiredis.  See kv_redis_int.h for the key
 * layout and redis_script.c for the write script; semantics are those of
 * bones/kv.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/kv.h>
#include <bones/plugin.h>

#include "kv_redis_int.h"
#include "util.h"

#define LIST_BATCH 128
#define LIST_BATCH_S "128"

/* ---- connection ---- */

/* Parses url, connects and hands the backend-owned connection back in
 * *conn (freed by kv_disconnect). */
static int kv_connect(const char *url, const struct bones_kv_options *opts, void **conn,
                      struct bones_error *err) {
  *conn = NULL;
  struct kvr_conn *k = bones_xcalloc(1, sizeof *k);
  int rc = kvr_url_parse(url, &k->url, err);
  if (rc != BONES_OK) {
    free(k);
    return rc;
  }
  k->timeout_ms = k->url.timeout_ms > 0                ? k->url.timeout_ms
                  : opts && opts->timeout_ms > 0       ? opts->timeout_ms
                                                       : BONES_KV_DEFAULT_TIMEOUT_MS;
  rc = kvr_open(k, err);
  if (rc != BONES_OK) {
    kvr_url_free(&k->url);
    free(k);
    return rc;
  }
  *conn = k;
  return BONES_OK;
}

/* Closes the socket and frees everything connect made (password wiped). */
static void kv_disconnect(void *conn) {
  struct kvr_conn *k = conn;
  if (k == NULL) return;
  kvr_drop(k);
  kvr_url_free(&k->url);
  free(k);
}

/* PING round trip: BONES_OK or BONES_E_UNAVAILABLE. */
static int kv_ping(void *conn, struct bones_error *err) {
  struct kvr_conn *k = conn;
  const char *argv[1] = {"PING"};
  redisReply *r = NULL;
  int rc = kvr_command(k, 1, argv, NULL, KVR_RETRY, &r, "ping", err);
  if (rc != BONES_OK) return rc;
  int ok = r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
  freeReplyObject(r);
  if (!ok) return bones_error_set(err, BONES_E_UNAVAILABLE, "redis %s: ping: unexpected answer", k->url.safe);
  return BONES_OK;
}

/* ---- buckets ---- */

void kvr_entry_key(const struct kvr_bucket *b, const char *key, char *buf, size_t size) {
  snprintf(buf, size, "%s%s", b->k_entry, key);
}

/* Frees a bucket handle (the connection stays). */
static void kv_bucket_close(void *bucket) {
  struct kvr_bucket *b = bucket;
  if (b == NULL) return;
  free(b->name);
  free(b->k_meta);
  free(b->k_rev);
  free(b->k_lex);
  free(b->k_exp);
  free(b->k_log);
  free(b->k_entry);
  free(b);
}

/* Parses a TTL or size field of the meta hash. */
static int meta_u64(const redisReply *r, uint64_t *out) { return kvr_reply_u64(r, out); }

/* "none" or "N ms", for messages. */
static const char *ttl_text(int64_t ttl, char *buf, size_t size) {
  if (ttl == 0) return "none";
  snprintf(buf, size, "%lld ms", (long long)ttl);
  return buf;
}

/* Opens (maybe creates) bucket name; see bones/kv.h.  *bucket belongs to
 * the caller until kv_bucket_close. */
static int kv_bucket_open(void *conn, const char *name, const struct bones_kv_bucket_config *cfg,
                          void **bucket, struct bones_kv_bucket_config *actual, struct bones_error *err) {
  struct kvr_conn *k = conn;
  *bucket = NULL;
  if (!bones_kv_bucket_name_valid(name))
    return bones_error_set(err, BONES_E_USAGE, "invalid bucket name '%s' (1-64 of A-Z a-z 0-9 _ -)",
                           name ? name : "");
  int64_t want_ttl = cfg ? cfg->ttl_ms : BONES_KV_TTL_ANY;
  int create = cfg && (cfg->flags & BONES_KV_BUCKET_CREATE);
  if (want_ttl < 0 && want_ttl != BONES_KV_TTL_ANY)
    return bones_error_set(err, BONES_E_USAGE, "bucket %s: negative TTL", name);
  uint64_t want_max = cfg && cfg->max_value ? cfg->max_value : BONES_KV_DEFAULT_MAX_VALUE;
  char meta[128], ttlbuf[32], maxbuf[32];
  snprintf(meta, sizeof meta, KVR_PREFIX "{%s}:meta", name);
  snprintf(ttlbuf, sizeof ttlbuf, "%lld", (long long)(want_ttl == BONES_KV_TTL_ANY ? 0 : want_ttl));
  snprintf(maxbuf, sizeof maxbuf, "%llu", (unsigned long long)want_max);
  const char *keys[1] = {meta};
  const char *args[4] = {"open", create ? "1" : "0", ttlbuf, maxbuf};
  char what[128];
  snprintf(what, sizeof what, "opening bucket %s", name);
  redisReply *r = NULL;
  int rc = kvr_eval(k, 1, keys, 4, args, NULL, &r, NULL, what, err);
  if (rc != BONES_OK) return rc;
  uint64_t status = 0, ttl = 0, maxv = 0;
  int bad = r->type != REDIS_REPLY_ARRAY || r->elements < 1 || kvr_reply_u64(r->element[0], &status) != 0 ||
            (status != 0 && (r->elements != 3 || meta_u64(r->element[1], &ttl) != 0 ||
                             meta_u64(r->element[2], &maxv) != 0 || ttl > INT64_MAX));
  freeReplyObject(r);
  if (bad)
    return bones_error_set(err, BONES_E_CORRUPT, "redis %s: bucket %s: its metadata (%s) does not parse",
                           k->url.safe, name, meta);
  if (status == 0) {
    bones_error_set(err, BONES_E_NOTFOUND, "redis %s: bucket %s does not exist", k->url.safe, name);
    return bones_error_hint(err, "open it with BONES_KV_BUCKET_CREATE to create it");
  }
  if (want_ttl != BONES_KV_TTL_ANY && (int64_t)ttl != want_ttl) {
    char a[32], b2[32];
    return bones_error_set(err, BONES_E_CONFLICT, "redis %s: bucket %s exists with TTL %s; asked for TTL %s",
                           k->url.safe, name, ttl_text((int64_t)ttl, a, sizeof a),
                           ttl_text(want_ttl, b2, sizeof b2));
  }
  if (create && status == 2) {
    /* just made: register the name for buckets() (a separate command: the
     * registry key is in another hash slot; a process killed between the
     * two leaves the bucket intact but unlisted by buckets()) */
    const char *sadd[3] = {"SADD", KVR_REGISTRY, name};
    redisReply *s = NULL;
    rc = kvr_command(k, 3, sadd, NULL, KVR_RETRY, &s, what, err);
    if (rc != BONES_OK) return rc;
    freeReplyObject(s);
  }
  struct kvr_bucket *b = bones_xcalloc(1, sizeof *b);
  b->conn = k;
  b->name = bones_xstrdup(name);
  b->ttl_ms = (int64_t)ttl;
  b->max_value = maxv ? maxv : BONES_KV_DEFAULT_MAX_VALUE;
  b->k_meta = bones_xstrdup(meta);
  b->k_rev = bones_xasprintf(KVR_PREFIX "{%s}:rev", name);
  b->k_lex = bones_xasprintf(KVR_PREFIX "{%s}:lex", name);
  b->k_exp = bones_xasprintf(KVR_PREFIX "{%s}:exp", name);
  b->k_log = bones_xasprintf(KVR_PREFIX "{%s}:log", name);
  b->k_entry = bones_xasprintf(KVR_PREFIX "{%s}:k:", name);
  if (actual) {
    actual->ttl_ms = b->ttl_ms;
    actual->max_value = b->max_value;
    actual->flags = 0;
  }
  *bucket = b;
  return BONES_OK;
}

/* strcmp for qsort over char*. */
static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every registered bucket whose meta exists, in name order. */
static int kv_buckets(void *conn, bones_kv_bucket_fn fn, void *arg, struct bones_error *err) {
  struct kvr_conn *k = conn;
  const char *argv[2] = {"SMEMBERS", KVR_REGISTRY};
  redisReply *set = NULL;
  int rc = kvr_command(k, 2, argv, NULL, KVR_RETRY, &set, "listing buckets", err);
  if (rc != BONES_OK) return rc;
  size_t n = set->type == REDIS_REPLY_ARRAY ? set->elements : 0;
  char **names = bones_xcalloc(n + 1, sizeof *names);
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    redisReply *e = set->element[i];
    if (e->type == REDIS_REPLY_STRING && strlen(e->str) == e->len && bones_kv_bucket_name_valid(e->str))
      names[m++] = bones_xstrdup(e->str);
  }
  freeReplyObject(set);
  qsort(names, m, sizeof *names, cmp_names);
  char **metas = bones_xcalloc(m + 1, sizeof *metas);
  const char **cmds = bones_xcalloc(m * 4 + 1, sizeof *cmds);
  for (size_t i = 0; i < m; i++) {
    metas[i] = bones_xasprintf(KVR_PREFIX "{%s}:meta", names[i]);
    cmds[i * 4] = "HMGET";
    cmds[i * 4 + 1] = metas[i];
    cmds[i * 4 + 2] = "ttl_ms";
    cmds[i * 4 + 3] = "max_value";
  }
  redisReply **replies = bones_xcalloc(m + 1, sizeof *replies);
  rc = kvr_pipeline(k, m, 4, cmds, NULL, KVR_RETRY, replies, "listing buckets", err);
  for (size_t i = 0; rc == BONES_OK && i < m; i++) {
    redisReply *r = replies[i];
    uint64_t ttl = 0, maxv = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type == REDIS_REPLY_NIL)
      continue; /* registered but gone */
    if (meta_u64(r->element[0], &ttl) != 0 || meta_u64(r->element[1], &maxv) != 0 || ttl > INT64_MAX)
      continue;
    struct bones_kv_bucket_config c = {(int64_t)ttl, maxv ? maxv : BONES_KV_DEFAULT_MAX_VALUE, 0};
    if (fn(arg, names[i], &c) != 0) break;
  }
  if (rc == BONES_OK)
    for (size_t i = 0; i < m; i++) freeReplyObject(replies[i]);
  for (size_t i = 0; i < m; i++) free(names[i]), free(metas[i]);
  free(names);
  free(metas);
  free(cmds);
  free(replies);
  return rc;
}

/* ---- reads ---- */

/* Refuses an invalid key (the front-end checked already). */
static int check_key(const struct kvr_bucket *b, const char *key, struct bones_error *err) {
  if (bones_kv_key_valid(key)) return BONES_OK;
  return bones_error_set(err, BONES_E_USAGE, "bucket %s: invalid key '%.300s'", b->name, key ? key : "");
}

/* Latest live value of key: *out gets a malloc'd copy, NUL-terminated one
 * byte past len (freed by the caller with free / bones_kv_value_free). */
static int kv_get(void *bucket, const char *key, struct bones_kv_value *out, struct bones_error *err) {
  struct kvr_bucket *b = bucket;
  memset(out, 0, sizeof *out);
  int rc = check_key(b, key, err);
  if (rc != BONES_OK) return rc;
  char ek[512], what[384];
  kvr_entry_key(b, key, ek, sizeof ek);
  snprintf(what, sizeof what, "get %s in bucket %s", key, b->name);
  const char *argv[4] = {"HMGET", ek, "v", "r"};
  redisReply *r = NULL;
  rc = kvr_command(b->conn, 4, argv, NULL, KVR_RETRY, &r, what, err);
  if (rc != BONES_OK) return rc;
  uint64_t rev = 0;
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->type == REDIS_REPLY_NIL) {
    freeReplyObject(r);
    return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s: no key %s", b->name, key);
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
      kvr_reply_u64(r->element[1], &rev) != 0 || rev == 0) {
    freeReplyObject(r);
    return bones_error_set(err, BONES_E_CORRUPT, "redis %s: %s: the entry does not parse", b->conn->url.safe, what);
  }
  out->len = r->element[0]->len;
  out->value = bones_xmalloc(out->len + 1);
  memcpy(out->value, r->element[0]->str, out->len);
  out->value[out->len] = '\0';
  out->rev = rev;
  freeReplyObject(r);
  return BONES_OK;
}

/* Calls fn for each live key in names[0..n) (HMGET replies in replies);
 * returns 1 when fn asked to stop. */
static int deliver(redisReply **names, size_t n, redisReply **replies, bones_kv_list_fn fn, void *arg) {
  for (size_t i = 0; i < n; i++) {
    redisReply *r = replies[i];
    uint64_t rev = 0;
    if (names[i]->type != REDIS_REPLY_STRING || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || kvr_reply_u64(r->element[1], &rev) != 0 || rev == 0)
      continue; /* expired or deleted since the index was read */
    if (fn(arg, names[i]->str, r->element[0]->str, r->element[0]->len, rev) != 0) return 1;
  }
  return 0;
}

/* Live keys starting with prefix, in key (byte) order, read in batches of
 * LIST_BATCH names from the lex index plus one pipelined HMGET each. */
int kvr_list(void *bucket, const char *prefix, bones_kv_list_fn fn, void *arg, struct bones_error *err) {
  struct kvr_bucket *b = bucket;
  struct kvr_conn *k = b->conn;
  if (prefix == NULL) prefix = "";
  if (strlen(prefix) > BONES_KV_KEY_MAX) return BONES_OK; /* no key is that long */
  char what[384];
  snprintf(what, sizeof what, "list '%s' in bucket %s", prefix, b->name);
  char min[BONES_KV_KEY_MAX + 3], max[BONES_KV_KEY_MAX + 3];
  if (*prefix) {
    snprintf(min, sizeof min, "[%s", prefix);
    snprintf(max, sizeof max, "(%s\xff", prefix);
  } else {
    snprintf(min, sizeof min, "-");
    snprintf(max, sizeof max, "+");
  }
  const char *cmds[LIST_BATCH * 4];
  char *eks[LIST_BATCH];
  redisReply *replies[LIST_BATCH];
  int rc = BONES_OK, stop = 0;
  while (!stop) {
    const char *argv[7] = {"ZRANGEBYLEX", b->k_lex, min, max, "LIMIT", "0", LIST_BATCH_S};
    redisReply *idx = NULL;
    rc = kvr_command(k, 7, argv, NULL, KVR_RETRY, &idx, what, err);
    if (rc != BONES_OK) break;
    size_t n = idx->type == REDIS_REPLY_ARRAY ? idx->elements : 0;
    if (n > LIST_BATCH) n = LIST_BATCH;
    for (size_t i = 0; i < n; i++) {
      eks[i] = bones_xasprintf("%s%s", b->k_entry, idx->element[i]->str ? idx->element[i]->str : "");
      cmds[i * 4] = "HMGET", cmds[i * 4 + 1] = eks[i], cmds[i * 4 + 2] = "v", cmds[i * 4 + 3] = "r";
    }
    rc = kvr_pipeline(k, n, 4, cmds, NULL, KVR_RETRY, replies, what, err);
    if (rc == BONES_OK) {
      stop = deliver(idx->element, n, replies, fn, arg);
      for (size_t i = 0; i < n; i++) freeReplyObject(replies[i]);
    }
    for (size_t i = 0; i < n; i++) free(eks[i]);
    if (n > 0 && n == LIST_BATCH && idx->element[n - 1]->type == REDIS_REPLY_STRING)
      snprintf(min, sizeof min, "(%s", idx->element[n - 1]->str);
    else
      stop = 1;
    freeReplyObject(idx);
    if (rc != BONES_OK) break;
  }
  return rc;
}

/* ---- writes ---- */

/* After the connection was lost with a write in flight: re-reads the key
 * and succeeds only when it proves the write happened (the entry carries
 * this write's nonce; for an unconditional delete, the key is gone).
 * Otherwise BONES_E_UNAVAILABLE saying the outcome is unknown. */
static int recover(struct kvr_bucket *b, const char *mode, const char *key, uint64_t expected, const char *nonce,
                   uint64_t *rev, const char *what, struct bones_error *err) {
  struct kvr_conn *k = b->conn;
  char ek[512], state[64] = "could not be read again";
  kvr_entry_key(b, key, ek, sizeof ek);
  const char *argv[4] = {"HMGET", ek, "r", "w"};
  redisReply *r = NULL;
  struct bones_error e2;
  if (kvr_command(k, 4, argv, NULL, KVR_RETRY, &r, what, &e2) == BONES_OK) {
    int absent = r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_NIL;
    uint64_t cur = 0;
    int have = r->type == REDIS_REPLY_ARRAY && r->elements == 2 && kvr_reply_u64(r->element[0], &cur) == 0;
    int mine = have && r->element[1]->type == REDIS_REPLY_STRING && strcmp(r->element[1]->str, nonce) == 0;
    freeReplyObject(r);
    if (strcmp(mode, "delete") != 0 && mine) {
      if (rev) *rev = cur;
      bones_error_clear(err);
      return BONES_OK;
    }
    if (strcmp(mode, "delete") == 0 && expected == 0 && absent) {
      bones_error_clear(err);
      return BONES_OK;
    }
    if (absent) snprintf(state, sizeof state, "the key is now absent");
    else if (have) snprintf(state, sizeof state, "the key now has revision %llu", (unsigned long long)cur);
  }
  bones_error_set(err, BONES_E_UNAVAILABLE,
                  "redis %s: %s: the connection was lost after the write was sent; it may or may not have "
                  "happened (%s)",
                  k->url.safe, what, state);
  return bones_error_hint(err, "read the key again before retrying");
}

/* One write through the script: mode put/create/update/delete. */
static int write_op(struct kvr_bucket *b, const char *mode, const char *key, const void *value, size_t len,
                    uint64_t expected, uint64_t *rev, struct bones_error *err) {
  struct kvr_conn *k = b->conn;
  int rc = check_key(b, key, err);
  if (rc != BONES_OK) return rc;
  if (len > b->max_value)
    return bones_error_set(err, BONES_E_TOOLARGE, "bucket %s: value for %s is %zu bytes, over the %llu-byte limit",
                           b->name, key, len, (unsigned long long)b->max_value);
  if ((uint64_t)len + 4096 > k->proto_max)
    return bones_error_set(err, BONES_E_TOOLARGE,
                           "redis %s: bucket %s: value for %s is %zu bytes, over the server's proto-max-bulk-len "
                           "(%llu)",
                           k->url.safe, b->name, key, len, (unsigned long long)k->proto_max);
  char ek[512], what[384], expbuf[24], ttlbuf[24], nonce[48], logmax[16];
  kvr_entry_key(b, key, ek, sizeof ek);
  snprintf(what, sizeof what, "%s %s in bucket %s", mode, key, b->name);
  snprintf(expbuf, sizeof expbuf, "%llu", (unsigned long long)expected);
  snprintf(ttlbuf, sizeof ttlbuf, "%lld", (long long)b->ttl_ms);
  snprintf(logmax, sizeof logmax, "%d", KVR_LOG_MAX);
  kvr_nonce(k, nonce, sizeof nonce);
  const char *keys[5] = {b->k_rev, ek, b->k_lex, b->k_exp, b->k_log};
  const char *args[7] = {mode, key, value ? (const char *)value : "", expbuf, ttlbuf, nonce, logmax};
  size_t lens[7] = {strlen(mode), strlen(key), value ? len : 0, strlen(expbuf), strlen(ttlbuf), strlen(nonce),
                    strlen(logmax)};
  redisReply *r = NULL;
  int unknown = 0;
  rc = kvr_eval(k, 5, keys, 7, args, lens, &r, &unknown, what, err);
  if (rc != BONES_OK && unknown) {
    /* after a timeout the server is not answering: re-reading would only
     * double the wait, so report the unknown outcome at once */
    if (k->last_timed_out) {
      bones_error_set(err, BONES_E_UNAVAILABLE,
                      "redis %s: %s: no answer within %d ms after the write was sent; it may or may not have "
                      "happened",
                      k->url.safe, what, k->timeout_ms);
      return bones_error_hint(err, "read the key again before retrying");
    }
    return recover(b, mode, key, expected, nonce, rev, what, err);
  }
  if (rc != BONES_OK) return rc;
  uint64_t ok = 0, n = 0;
  int bad = r->type != REDIS_REPLY_ARRAY || r->elements != 2 || kvr_reply_u64(r->element[0], &ok) != 0 ||
            kvr_reply_u64(r->element[1], &n) != 0;
  freeReplyObject(r);
  if (bad) return bones_error_set(err, BONES_E_INTERNAL, "redis %s: %s: unexpected script reply", k->url.safe, what);
  if (ok == 1) {
    if (rev) *rev = n;
    return BONES_OK;
  }
  if (strcmp(mode, "create") == 0)
    return bones_error_set(err, BONES_E_EXISTS, "bucket %s: key %s exists (revision %llu)", b->name, key,
                           (unsigned long long)n);
  if (n == 0) return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s: no key %s", b->name, key);
  return bones_error_set(err, BONES_E_CONFLICT, "bucket %s: key %s is at revision %llu, not %llu", b->name, key,
                         (unsigned long long)n, (unsigned long long)expected);
}

/* Unconditional write. */
static int kv_put(void *bucket, const char *key, const void *value, size_t len, uint64_t *rev,
                  struct bones_error *err) {
  return write_op(bucket, "put", key, value, len, 0, rev, err);
}

/* Write only if absent (deleted or expired counts as absent). */
static int kv_create(void *bucket, const char *key, const void *value, size_t len, uint64_t *rev,
                     struct bones_error *err) {
  return write_op(bucket, "create", key, value, len, 0, rev, err);
}

/* Write only if the current revision is expected (> 0). */
static int kv_update(void *bucket, const char *key, const void *value, size_t len, uint64_t expected,
                     uint64_t *rev, struct bones_error *err) {
  struct kvr_bucket *b = bucket;
  if (expected == 0)
    return bones_error_set(err, BONES_E_USAGE, "bucket %s: update of %s needs a revision (> 0)", b->name, key);
  return write_op(bucket, "update", key, value, len, expected, rev, err);
}

/* Delete: expected 0 unconditional, else CAS. */
static int kv_remove(void *bucket, const char *key, uint64_t expected, struct bones_error *err) {
  return write_op(bucket, "delete", key, NULL, 0, expected, NULL, err);
}

static const char *const kv_redis_schemes[] = {"redis", "redis+unix", NULL};

BONES_KV_BACKEND_EXPORT(kv_redis) = {
    .abi = BONES_KV_ABI,
    .size = sizeof(struct bones_kv_backend_v1),
    .name = "redis",
    .description = "Redis through hiredis: Lua-scripted CAS, per-bucket revisions and TTL, stream watch",
    .caps = BONES_KV_CAP_NETWORK | BONES_KV_CAP_WATCH,
    .schemes = kv_redis_schemes,
    .connect = kv_connect,
    .disconnect = kv_disconnect,
    .ping = kv_ping,
    .bucket_open = kv_bucket_open,
    .bucket_close = kv_bucket_close,
    .buckets = kv_buckets,
    .get = kv_get,
    .put = kv_put,
    .create = kv_create,
    .update = kv_update,
    .remove = kv_remove,
    .list = kvr_list,
    .watch = kvr_watch,
};
