/* bones/kv.h: the KV substrate contract.
 *
 * Two halves:
 *  - struct bones_kv_backend_v1, the vtable a backend module exports
 *    (one const symbol, see bones/plugin.h);
 *  - the bones_kv_* front-end that everything above the substrate calls.
 *    It validates keys, sizes and names, then calls the backend.
 *
 * Semantics every backend gives (checked by tests/kv/conformance.c):
 *  - revisions are 64-bit, strictly increasing and unique within a bucket;
 *  - values are opaque bytes (NUL-safe) up to the bucket's max_value;
 *  - keys are 1..255 bytes of [A-Za-z0-9_=./-], no leading or trailing '.',
 *    no "..";
 *  - TTL is per bucket, counted from a key's last write; an expired key
 *    reads as absent, is not listed, and can be created again;
 *  - a dead server gives BONES_E_UNAVAILABLE within the timeout;
 *  - CAS is linearizable.
 */
#ifndef BONES_KV_H
#define BONES_KV_H

#include <stddef.h>
#include <stdint.h>

#include <bones/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BONES_KV_ABI 1
#define BONES_KV_KEY_MAX 255
#define BONES_KV_BUCKET_NAME_MAX 64
#define BONES_KV_DEFAULT_MAX_VALUE (1024u * 1024u)
#define BONES_KV_DEFAULT_TIMEOUT_MS 2000

/* Capability bits of a backend. */
enum bones_kv_caps {
  BONES_KV_CAP_WATCH = 1u << 0,   /* watch() is implemented */
  BONES_KV_CAP_NETWORK = 1u << 1, /* talks to a server (may be remote) */
  BONES_KV_CAP_EMBEDDED = 1u << 2 /* no server, same host only */
};

/* Bucket options.  ttl_ms applies to every key, counted from its last write. */
struct bones_kv_bucket_config {
  int64_t ttl_ms;      /* 0 = keys never expire; BONES_KV_TTL_ANY = accept the
                          existing bucket's TTL (creating one gives 0) */
  uint64_t max_value;  /* largest value in bytes; 0 = BONES_KV_DEFAULT_MAX_VALUE */
  unsigned flags;      /* BONES_KV_BUCKET_* */
};
#define BONES_KV_TTL_ANY (-1)
#define BONES_KV_BUCKET_CREATE 1u /* create the bucket when it does not exist */

/* Connection options handed to a backend's connect. */
struct bones_kv_options {
  int timeout_ms; /* bound on every server round trip; 0 = default 2000 */
};

/* One value read from a bucket.  value is malloc'd and NUL-terminated one
 * byte past len (for convenience; the value itself may hold NULs).  Release
 * with bones_kv_value_free(). */
struct bones_kv_value {
  unsigned char *value;
  size_t len;
  uint64_t rev;
};

/* Called once per listed key, in key order.  Pointers are borrowed for the
 * duration of the call.  Return 0 to go on, non-zero to stop (list then
 * returns BONES_OK). */
typedef int (*bones_kv_list_fn)(void *arg, const char *key, const void *value,
                                size_t len, uint64_t rev);

/* Called for each change seen by watch.  deleted is 1 for a delete or
 * expiry marker (value NULL).  Return 0 to go on, non-zero to stop. */
typedef int (*bones_kv_watch_fn)(void *arg, const char *key, const void *value,
                                 size_t len, uint64_t rev, int deleted);

/* Called once per bucket name by buckets(); borrowed name. */
typedef int (*bones_kv_bucket_fn)(void *arg, const char *bucket,
                                  const struct bones_kv_bucket_config *cfg);

/* The vtable a KV backend module exports.  Members are only appended in
 * later ABI versions; the core reads a member only if size covers it.
 *
 * Handles: connect() makes a backend-private connection; bucket_open()
 * makes a backend-private bucket handle bound to that connection.  The core
 * closes every bucket before the connection.
 *
 * Every operation returns BONES_OK or an enum bones_rc and fills err on
 * failure.  Keys and sizes were already validated by the front-end, but a
 * backend still refuses invalid keys (bones_kv_key_valid). */
struct bones_kv_backend_v1 {
  uint32_t abi;  /* BONES_KV_ABI */
  uint32_t size; /* sizeof(struct bones_kv_backend_v1) when built */
  const char *name;        /* "sqlite", matches the module file kv_<name> */
  const char *description; /* one line for `bones plugins` */
  uint32_t caps;           /* enum bones_kv_caps */
  const char *const *schemes; /* URL schemes served ("sqlite", NULL) */

  /* Connects to url (its scheme is one of schemes).  *conn is owned by the
   * backend until disconnect(). */
  int (*connect)(const char *url, const struct bones_kv_options *opts,
                 void **conn, struct bones_error *err);
  void (*disconnect)(void *conn);
  /* Round trip to the server; BONES_E_UNAVAILABLE when it does not answer. */
  int (*ping)(void *conn, struct bones_error *err);

  /* Opens bucket name with cfg (see struct bones_kv_bucket_config).  When
   * the bucket exists and cfg->ttl_ms is not BONES_KV_TTL_ANY and differs,
   * fails with BONES_E_CONFLICT naming both TTLs.  When absent and
   * BONES_KV_BUCKET_CREATE is not set: BONES_E_NOTFOUND.  On success fills
   * *actual (may be NULL) with the bucket's real config. */
  int (*bucket_open)(void *conn, const char *name,
                     const struct bones_kv_bucket_config *cfg, void **bucket,
                     struct bones_kv_bucket_config *actual,
                     struct bones_error *err);
  void (*bucket_close)(void *bucket);
  /* Lists every bucket of the connection, in name order. */
  int (*buckets)(void *conn, bones_kv_bucket_fn fn, void *arg,
                 struct bones_error *err);

  /* Latest live value of key: BONES_OK or BONES_E_NOTFOUND. */
  int (*get)(void *bucket, const char *key, struct bones_kv_value *out,
             struct bones_error *err);
  /* Unconditional write; *rev (may be NULL) gets the new revision. */
  int (*put)(void *bucket, const char *key, const void *value, size_t len,
             uint64_t *rev, struct bones_error *err);
  /* Write only if absent (deleted or expired counts as absent):
   * BONES_OK or BONES_E_EXISTS. */
  int (*create)(void *bucket, const char *key, const void *value, size_t len,
                uint64_t *rev, struct bones_error *err);
  /* Write only if the current revision is expected: BONES_OK,
   * BONES_E_CONFLICT, BONES_E_NOTFOUND (key absent). */
  int (*update)(void *bucket, const char *key, const void *value, size_t len,
                uint64_t expected, uint64_t *rev, struct bones_error *err);
  /* expected 0: unconditional; else only if current revision is expected:
   * BONES_OK, BONES_E_CONFLICT, BONES_E_NOTFOUND. */
  int (*remove)(void *bucket, const char *key, uint64_t expected,
                struct bones_error *err);
  /* Live keys starting with prefix ("" = all), in key order. */
  int (*list)(void *bucket, const char *prefix, bones_kv_list_fn fn, void *arg,
              struct bones_error *err);
  /* Optional (BONES_KV_CAP_WATCH; may be NULL): reports changes to keys
   * starting with prefix whose revision is > after_rev, until fn returns
   * non-zero or timeout_ms passes (BONES_E_TIMEOUT). */
  int (*watch)(void *bucket, const char *prefix, uint64_t after_rev,
               bones_kv_watch_fn fn, void *arg, int timeout_ms,
               struct bones_error *err);
};

/* ---- front-end (libbones) ---- */

typedef struct bones_kv bones_kv;               /* a connection */
typedef struct bones_kv_bucket bones_kv_bucket; /* a bound bucket */

/* Opens the substrate named by spec: a bare backend name ("sqlite") or a
 * URL whose scheme a backend serves ("sqlite:/tmp/x.db", "nats://h:p",
 * "redis://h:p/0").  Loads the backend module through the loader.  On
 * success *out is owned by the caller: release with bones_kv_close(). */
int bones_kv_open(const char *spec, const struct bones_kv_options *opts,
                  bones_kv **out, struct bones_error *err);

/* Closes the connection and any bucket still open on it.  NULL is a no-op. */
void bones_kv_close(bones_kv *kv);

/* The backend serving kv (borrowed, static). */
const struct bones_kv_backend_v1 *bones_kv_backend(const bones_kv *kv);

/* The URL kv was opened with, credentials removed (borrowed). */
const char *bones_kv_url(const bones_kv *kv);

/* Round trip to the server. */
int bones_kv_ping(bones_kv *kv, struct bones_error *err);

/* Opens (and with BONES_KV_BUCKET_CREATE creates) a bucket.  The bucket
 * name must pass bones_kv_bucket_name_valid.  *out belongs to the caller
 * until bones_kv_bucket_close() or bones_kv_close(kv); actual may be NULL. */
int bones_kv_bucket_open(bones_kv *kv, const char *name,
                         const struct bones_kv_bucket_config *cfg,
                         bones_kv_bucket **out,
                         struct bones_kv_bucket_config *actual,
                         struct bones_error *err);
void bones_kv_bucket_close(bones_kv_bucket *b);

/* The bucket's name (borrowed). */
const char *bones_kv_bucket_name(const bones_kv_bucket *b);

/* Lists every bucket, in name order. */
int bones_kv_buckets(bones_kv *kv, bones_kv_bucket_fn fn, void *arg,
                     struct bones_error *err);

/* Operations; see struct bones_kv_backend_v1 for results.  The front-end
 * refuses invalid keys (BONES_E_USAGE) and values over max_value
 * (BONES_E_TOOLARGE) before the backend sees them. */
int bones_kv_get(bones_kv_bucket *b, const char *key, struct bones_kv_value *out,
                 struct bones_error *err);
int bones_kv_put(bones_kv_bucket *b, const char *key, const void *value,
                 size_t len, uint64_t *rev, struct bones_error *err);
int bones_kv_create(bones_kv_bucket *b, const char *key, const void *value,
                    size_t len, uint64_t *rev, struct bones_error *err);
int bones_kv_update(bones_kv_bucket *b, const char *key, const void *value,
                    size_t len, uint64_t expected, uint64_t *rev,
                    struct bones_error *err);
int bones_kv_delete(bones_kv_bucket *b, const char *key, uint64_t expected,
                    struct bones_error *err);
int bones_kv_list(bones_kv_bucket *b, const char *prefix, bones_kv_list_fn fn,
                  void *arg, struct bones_error *err);
/* BONES_E_UNSUPPORTED when the backend has no watch. */
int bones_kv_watch(bones_kv_bucket *b, const char *prefix, uint64_t after_rev,
                   bones_kv_watch_fn fn, void *arg, int timeout_ms,
                   struct bones_error *err);

/* Frees value->value and zeroes *value.  NULL is a no-op. */
void bones_kv_value_free(struct bones_kv_value *value);

/* 1 if key is a valid KV key (see the top of this file), else 0. */
int bones_kv_key_valid(const char *key);

/* 1 if name is a valid bucket name: 1..64 of [A-Za-z0-9_-], else 0. */
int bones_kv_bucket_name_valid(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* BONES_KV_H */
