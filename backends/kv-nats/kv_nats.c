/* kv_nats.c: the kv-nats module, the NATS JetStream KV substrate
 * (DESIGN.md section 4).  This file is only the exported vtable; the work
 * is in nats_conn.c (URL, credentials, connection), nats_bucket.c
 * (buckets), nats_ops.c (entry operations), nats_list.c (list, watch) and
 * nats_err.c (error mapping). */
#include "config.h"

#include <bones/kv.h>
#include <bones/plugin.h>

#include "nats_kv.h"

static int kv_nats_connect(const char *url, const struct bones_kv_options *opts, void **conn,
                           struct bones_error *err) {
  struct kvn_conn *c = NULL;
  int rc = kvn_connect(url, opts, &c, err);
  *conn = c;
  return rc;
}

static void kv_nats_disconnect(void *conn) { kvn_disconnect(conn); }

static int kv_nats_ping(void *conn, struct bones_error *err) { return kvn_ping(conn, err); }

static int kv_nats_bucket_open(void *conn, const char *name, const struct bones_kv_bucket_config *cfg,
                               void **bucket, struct bones_kv_bucket_config *actual, struct bones_error *err) {
  struct kvn_bucket *b = NULL;
  int rc = kvn_bucket_open(conn, name, cfg, &b, actual, err);
  *bucket = b;
  return rc;
}

static void kv_nats_bucket_close(void *bucket) { kvn_bucket_close(bucket); }

static int kv_nats_buckets(void *conn, bones_kv_bucket_fn fn, void *arg, struct bones_error *err) {
  return kvn_buckets(conn, fn, arg, err);
}

static int kv_nats_get(void *bucket, const char *key, struct bones_kv_value *out, struct bones_error *err) {
  return kvn_get(bucket, key, out, err);
}

static int kv_nats_put(void *bucket, const char *key, const void *value, size_t len, uint64_t *rev,
                       struct bones_error *err) {
  return kvn_put(bucket, key, value, len, rev, err);
}

static int kv_nats_create(void *bucket, const char *key, const void *value, size_t len, uint64_t *rev,
                          struct bones_error *err) {
  return kvn_create(bucket, key, value, len, rev, err);
}

static int kv_nats_update(void *bucket, const char *key, const void *value, size_t len, uint64_t expected,
                          uint64_t *rev, struct bones_error *err) {
  return kvn_update(bucket, key, value, len, expected, rev, err);
}

static int kv_nats_remove(void *bucket, const char *key, uint64_t expected, struct bones_error *err) {
  return kvn_remove(bucket, key, expected, err);
}

static int kv_nats_list(void *bucket, const char *prefix, bones_kv_list_fn fn, void *arg,
                        struct bones_error *err) {
  return kvn_list(bucket, prefix, fn, arg, err);
}

static int kv_nats_watch(void *bucket, const char *prefix, uint64_t after_rev, bones_kv_watch_fn fn, void *arg,
                         int timeout_ms, struct bones_error *err) {
  return kvn_watch(bucket, prefix, after_rev, fn, arg, timeout_ms, err);
}

static const char *const kv_nats_schemes[] = {"nats", NULL};

BONES_KV_BACKEND_EXPORT(kv_nats) = {
    .abi = BONES_KV_ABI,
    .size = sizeof(struct bones_kv_backend_v1),
    .name = "nats",
    .description = "NATS JetStream KV (nats-server 2.9+ with -js; nats://HOST:PORT)",
    .caps = BONES_KV_CAP_NETWORK | BONES_KV_CAP_WATCH,
    .schemes = kv_nats_schemes,
    .connect = kv_nats_connect,
    .disconnect = kv_nats_disconnect,
    .ping = kv_nats_ping,
    .bucket_open = kv_nats_bucket_open,
    .bucket_close = kv_nats_bucket_close,
    .buckets = kv_nats_buckets,
    .get = kv_nats_get,
    .put = kv_nats_put,
    .create = kv_nats_create,
    .update = kv_nats_update,
    .remove = kv_nats_remove,
    .list = kv_nats_list,
    .watch = kv_nats_watch,
};
