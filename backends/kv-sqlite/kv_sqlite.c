/* kv_sqlite.c: the embedded KV substrate (DESIGN.md section 4).  One file,
 * WAL, BEGIN IMMEDIATE for every write, a per-bucket revision counter and
 * lazy TTL through an expires_ms column. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <bones/kv.h>
#include <bones/plugin.h>

#include "sqlite_db.h"
#include "util.h"

#define PURGE_EVERY 256 /* revisions between opportunistic purges of expired rows */

struct sqlite_bucket {
  struct sqlite_db *db;
  char *name;
  int64_t ttl_ms;
};

static int kv_sqlite_connect(const char *url, const struct bones_kv_options *opts, void **conn,
                             struct bones_error *err) {
  struct sqlite_db *d = NULL;
  int rc = sqlite_db_open(url, opts ? opts->timeout_ms : BONES_KV_DEFAULT_TIMEOUT_MS, &d, err);
  if (rc == BONES_OK) *conn = d;
  return rc;
}

static void kv_sqlite_disconnect(void *conn) { sqlite_db_close(conn); }

static int kv_sqlite_ping(void *conn, struct bones_error *err) {
  struct sqlite_db *d = conn;
  int rc = sqlite3_exec(d->db, "SELECT 1", NULL, NULL, NULL);
  return rc == SQLITE_OK ? BONES_OK : sqlite_db_fail(d, rc, "ping", err);
}

/* Reads a bucket's config: BONES_OK, BONES_E_NOTFOUND or an error. */
static int bucket_read(struct sqlite_db *d, const char *name, struct bones_kv_bucket_config *cfg,
                       struct bones_error *err) {
  sqlite3_stmt *st = sqlite_db_stmt(d, ST_BUCKET_GET);
  if (st == NULL) return sqlite_db_fail(d, sqlite3_errcode(d->db), "reading a bucket", err);
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    cfg->ttl_ms = sqlite3_column_int64(st, 0);
    cfg->max_value = (uint64_t)sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return BONES_OK;
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return BONES_E_NOTFOUND;
  return sqlite_db_fail(d, rc, "reading a bucket", err);
}

struct bucket_add_args {
  const char *name;
  const struct bones_kv_bucket_config *cfg;
};

static int bucket_add_body(struct sqlite_db *d, void *arg, struct bones_error *err) {
  struct bucket_add_args *a = arg;
  sqlite3_stmt *st = sqlite_db_stmt(d, ST_BUCKET_ADD);
  if (st == NULL) return sqlite_db_fail(d, sqlite3_errcode(d->db), "creating a bucket", err);
  sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, a->cfg->ttl_ms == BONES_KV_TTL_ANY ? 0 : a->cfg->ttl_ms);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)a->cfg->max_value);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return BONES_OK;
  if ((rc & 0xff) == SQLITE_BUSY) return BONES_SQLITE_RETRY;
  return sqlite_db_fail(d, rc, "creating a bucket", err);
}

static int kv_sqlite_bucket_open(void *conn, const char *name, const struct bones_kv_bucket_config *cfg,
                                 void **bucket, struct bones_kv_bucket_config *actual,
                                 struct bones_error *err) {
  struct sqlite_db *d = conn;
  struct bones_kv_bucket_config real = *cfg;
  int rc = bucket_read(d, name, &real, err);
  if (rc == BONES_E_NOTFOUND) {
    if (!(cfg->flags & BONES_KV_BUCKET_CREATE))
      return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s does not exist", name);
    struct bucket_add_args a = {name, cfg};
    rc = sqlite_db_transaction(d, bucket_add_body, &a, err);
    if (rc == BONES_OK) rc = bucket_read(d, name, &real, err);
  }
  if (rc != BONES_OK) return rc;
  if (cfg->ttl_ms != BONES_KV_TTL_ANY && cfg->ttl_ms != real.ttl_ms)
    return bones_error_set(err, BONES_E_CONFLICT, "bucket %s has a TTL of %lld ms, not the %lld ms asked for", name,
                           (long long)real.ttl_ms, (long long)cfg->ttl_ms);
  struct sqlite_bucket *b = bones_xcalloc(1, sizeof *b);
  b->db = d;
  b->name = bones_xstrdup(name);
  b->ttl_ms = real.ttl_ms;
  *bucket = b;
  if (actual) *actual = real;
  return BONES_OK;
}

static void kv_sqlite_bucket_close(void *bucket) {
  struct sqlite_bucket *b = bucket;
  if (b == NULL) return;
  free(b->name);
  free(b);
}

static int kv_sqlite_buckets(void *conn, bones_kv_bucket_fn fn, void *arg, struct bones_error *err) {
  struct sqlite_db *d = conn;
  sqlite3_stmt *st = sqlite_db_stmt(d, ST_BUCKETS);
  if (st == NULL) return sqlite_db_fail(d, sqlite3_errcode(d->db), "listing buckets", err);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    struct bones_kv_bucket_config cfg = {sqlite3_column_int64(st, 1), (uint64_t)sqlite3_column_int64(st, 2), 0};
    if (fn(arg, (const char *)sqlite3_column_text(st, 0), &cfg) != 0) break;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqlite_db_fail(d, rc, "listing buckets", err);
  return BONES_OK;
}

static int check_key(const char *key, struct bones_error *err) {
  return bones_kv_key_valid(key) ? BONES_OK : bones_error_set(err, BONES_E_USAGE, "invalid key '%.300s'", key);
}

static int kv_sqlite_get(void *bucket, const char *key, struct bones_kv_value *out, struct bones_error *err) {
  struct sqlite_bucket *b = bucket;
  int rc = check_key(key, err);
  if (rc != BONES_OK) return rc;
  sqlite3_stmt *st = sqlite_db_stmt(b->db, ST_GET);
  if (st == NULL) return sqlite_db_fail(b->db, sqlite3_errcode(b->db->db), "get", err);
  sqlite3_bind_text(st, 1, b->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, bones_now_ms());
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    const void *blob = sqlite3_column_blob(st, 0);
    out->value = bones_xmalloc(len + 1);
    if (len) memcpy(out->value, blob, len);
    out->value[len] = '\0';
    out->len = len;
    out->rev = (uint64_t)sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return BONES_OK;
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s: no key %s", b->name, key);
  return sqlite_db_fail(b->db, rc, "get", err);
}

enum write_mode { W_PUT, W_CREATE, W_UPDATE, W_DELETE };

struct write_args {
  struct sqlite_bucket *b;
  enum write_mode mode;
  const char *key;
  const void *value;
  size_t len;
  uint64_t expected;
  uint64_t new_rev;
};

/* Returns sqlite's code as a bones code for a body: BUSY -> retry. */
static int body_fail(struct sqlite_db *d, int rc, const char *what, struct bones_error *err) {
  if ((rc & 0xff) == SQLITE_BUSY) return BONES_SQLITE_RETRY;
  return sqlite_db_fail(d, rc, what, err);
}

static int write_body(struct sqlite_db *d, void *arg, struct bones_error *err) {
  struct write_args *a = arg;
  int64_t now = bones_now_ms();
  const char *bname = a->b->name;
  if (a->mode != W_PUT) {
    sqlite3_stmt *st = sqlite_db_stmt(d, ST_LIVE_REV);
    if (st == NULL) return sqlite_db_fail(d, sqlite3_errcode(d->db), "read", err);
    sqlite3_bind_text(st, 1, bname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    int rc = sqlite3_step(st);
    uint64_t cur = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return body_fail(d, rc, "read", err);
    if (a->mode == W_CREATE && cur != 0)
      return bones_error_set(err, BONES_E_EXISTS, "bucket %s: key %s exists (revision %llu)", bname, a->key,
                             (unsigned long long)cur);
    if ((a->mode == W_UPDATE || a->mode == W_DELETE) && cur == 0)
      return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s: no key %s", bname, a->key);
    if (((a->mode == W_UPDATE) || (a->mode == W_DELETE && a->expected != 0)) && cur != a->expected)
      return bones_error_set(err, BONES_E_CONFLICT, "bucket %s: key %s is at revision %llu, not %llu", bname, a->key,
                             (unsigned long long)cur, (unsigned long long)a->expected);
  }
  sqlite3_stmt *st = sqlite_db_stmt(d, ST_BUMP_REV);
  if (st == NULL) return sqlite_db_fail(d, sqlite3_errcode(d->db), "revision", err);
  sqlite3_bind_text(st, 1, bname, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s was removed", bname);
    return body_fail(d, rc, "revision", err);
  }
  a->new_rev = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_step(st); /* finish the RETURNING statement */
  sqlite3_reset(st);
  if (a->mode == W_DELETE) {
    st = sqlite_db_stmt(d, ST_DELETE);
    if (st == NULL) return sqlite_db_fail(d, sqlite3_errcode(d->db), "delete", err);
    sqlite3_bind_text(st, 1, bname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->key, -1, SQLITE_STATIC);
  } else {
    st = sqlite_db_stmt(d, ST_UPSERT);
    if (st == NULL) return sqlite_db_fail(d, sqlite3_errcode(d->db), "write", err);
    sqlite3_bind_text(st, 1, bname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->key, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 3, a->len ? a->value : "", a->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)a->new_rev);
    if (a->b->ttl_ms > 0) sqlite3_bind_int64(st, 5, now + a->b->ttl_ms);
    else sqlite3_bind_null(st, 5);
  }
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return body_fail(d, rc, a->mode == W_DELETE ? "delete" : "write", err);
  if (a->b->ttl_ms > 0 && a->new_rev % PURGE_EVERY == 0) {
    st = sqlite_db_stmt(d, ST_PURGE);
    if (st != NULL) {
      sqlite3_bind_text(st, 1, bname, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 2, now);
      sqlite3_step(st);
      sqlite3_reset(st);
    }
  }
  return BONES_OK;
}

static int do_write(struct sqlite_bucket *b, enum write_mode mode, const char *key, const void *value, size_t len,
                    uint64_t expected, uint64_t *rev, struct bones_error *err) {
  int rc = check_key(key, err);
  if (rc != BONES_OK) return rc;
  struct write_args a = {b, mode, key, value, len, expected, 0};
  rc = sqlite_db_transaction(b->db, write_body, &a, err);
  if (rc == BONES_OK && rev) *rev = a.new_rev;
  return rc;
}

static int kv_sqlite_put(void *bucket, const char *key, const void *value, size_t len, uint64_t *rev,
                         struct bones_error *err) {
  return do_write(bucket, W_PUT, key, value, len, 0, rev, err);
}

static int kv_sqlite_create(void *bucket, const char *key, const void *value, size_t len, uint64_t *rev,
                            struct bones_error *err) {
  return do_write(bucket, W_CREATE, key, value, len, 0, rev, err);
}

static int kv_sqlite_update(void *bucket, const char *key, const void *value, size_t len, uint64_t expected,
                            uint64_t *rev, struct bones_error *err) {
  return do_write(bucket, W_UPDATE, key, value, len, expected, rev, err);
}

static int kv_sqlite_remove(void *bucket, const char *key, uint64_t expected, struct bones_error *err) {
  return do_write(bucket, W_DELETE, key, NULL, 0, expected, NULL, err);
}

static int kv_sqlite_list(void *bucket, const char *prefix, bones_kv_list_fn fn, void *arg,
                          struct bones_error *err) {
  struct sqlite_bucket *b = bucket;
  struct sqlite_db *d = b->db;
  size_t plen = strlen(prefix);
  /* prefix range: valid keys are ASCII below 0x7f */
  char *upper = NULL;
  sqlite3_stmt *st = sqlite_db_stmt(d, plen ? ST_LIST_RANGE : ST_LIST_ALL);
  if (st == NULL) return sqlite_db_fail(d, sqlite3_errcode(d->db), "list", err);
  sqlite3_bind_text(st, 1, b->name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, bones_now_ms());
  if (plen) {
    upper = bones_xasprintf("%s\x7f", prefix);
    sqlite3_bind_text(st, 3, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, upper, -1, SQLITE_STATIC);
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *key = (const char *)sqlite3_column_text(st, 0);
    const void *value = sqlite3_column_blob(st, 1);
    size_t len = (size_t)sqlite3_column_bytes(st, 1);
    if (fn(arg, key, value ? value : "", len, (uint64_t)sqlite3_column_int64(st, 2)) != 0) {
      rc = SQLITE_DONE;
      break;
    }
  }
  sqlite3_reset(st);
  free(upper);
  if (rc != SQLITE_DONE) return sqlite_db_fail(d, rc, "list", err);
  return BONES_OK;
}

static const char *const kv_sqlite_schemes[] = {"sqlite", NULL};

BONES_KV_BACKEND_EXPORT(kv_sqlite) = {
    .abi = BONES_KV_ABI,
    .size = sizeof(struct bones_kv_backend_v1),
    .name = "sqlite",
    .description = "embedded SQLite file (WAL), one host, no server",
    .caps = BONES_KV_CAP_EMBEDDED,
    .schemes = kv_sqlite_schemes,
    .connect = kv_sqlite_connect,
    .disconnect = kv_sqlite_disconnect,
    .ping = kv_sqlite_ping,
    .bucket_open = kv_sqlite_bucket_open,
    .bucket_close = kv_sqlite_bucket_close,
    .buckets = kv_sqlite_buckets,
    .get = kv_sqlite_get,
    .put = kv_sqlite_put,
    .create = kv_sqlite_create,
    .update = kv_sqlite_update,
    .remove = kv_sqlite_remove,
    .list = kv_sqlite_list,
    .watch = NULL,
};
