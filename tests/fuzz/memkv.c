/* memkv.c: an in-memory KV backend ("mem:") for the fuzz targets
 * (fuzz.h).  One process-wide store of buckets, each a key-sorted array;
 * every connection sees the same store.  No TTL, no watch: just enough of
 * the contract for the code that decodes stored records to run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/kv.h>

#include "fuzz.h"
#include "loader.h"
#include "util.h"

struct mem_entry {
  char *key;
  unsigned char *value;
  size_t len;
  uint64_t rev;
};

struct mem_bucket {
  char *name;
  struct mem_entry *e;
  size_t n;
  uint64_t rev;
};

static struct mem_bucket *buckets;
static size_t nbuckets;
static int conn_token;

static void clear_bucket(struct mem_bucket *b) {
  for (size_t i = 0; i < b->n; i++) {
    free(b->e[i].key);
    free(b->e[i].value);
  }
  free(b->e);
  b->e = NULL;
  b->n = 0;
}

static void reset_store(void) {
  for (size_t i = 0; i < nbuckets; i++) {
    clear_bucket(&buckets[i]);
    free(buckets[i].name);
  }
  free(buckets);
  buckets = NULL;
  nbuckets = 0;
}

static struct mem_bucket *find_bucket(const char *name) {
  for (size_t i = 0; i < nbuckets; i++)
    if (strcmp(buckets[i].name, name) == 0) return &buckets[i];
  return NULL;
}

/* Index of key in b, or -(insertion point)-1. */
static long find_key(const struct mem_bucket *b, const char *key) {
  size_t lo = 0, hi = b->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(b->e[mid].key, key);
    if (c == 0) return (long)mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -(long)lo - 1;
}

static int m_connect(const char *url, const struct bones_kv_options *opts, void **conn, struct bones_error *err) {
  (void)url, (void)opts, (void)err;
  *conn = &conn_token;
  return BONES_OK;
}
static void m_disconnect(void *conn) { (void)conn; }
static int m_ping(void *conn, struct bones_error *err) {
  (void)conn, (void)err;
  return BONES_OK;
}

static int m_bucket_open(void *conn, const char *name, const struct bones_kv_bucket_config *cfg, void **bucket,
                         struct bones_kv_bucket_config *actual, struct bones_error *err) {
  (void)conn;
  struct mem_bucket *b = find_bucket(name);
  if (b == NULL) {
    if (!(cfg->flags & BONES_KV_BUCKET_CREATE)) return bones_error_set(err, BONES_E_NOTFOUND, "no bucket %s", name);
    buckets = bones_xrealloc(buckets, (nbuckets + 1) * sizeof *buckets);
    b = &buckets[nbuckets++];
    memset(b, 0, sizeof *b);
    b->name = bones_xstrdup(name);
  }
  if (actual) {
    *actual = *cfg;
    if (actual->ttl_ms < 0) actual->ttl_ms = 0;
    if (actual->max_value == 0) actual->max_value = BONES_KV_DEFAULT_MAX_VALUE;
  }
  *bucket = bones_xstrdup(name); /* by name: the store may move when it grows */
  return BONES_OK;
}
static void m_bucket_close(void *bucket) { free(bucket); }

static int m_buckets(void *conn, bones_kv_bucket_fn fn, void *arg, struct bones_error *err) {
  (void)conn, (void)err;
  for (size_t i = 0; i < nbuckets; i++) {
    struct bones_kv_bucket_config cfg = {0, BONES_KV_DEFAULT_MAX_VALUE, 0};
    if (fn(arg, buckets[i].name, &cfg)) break;
  }
  return BONES_OK;
}

static int m_get(void *bucket, const char *key, struct bones_kv_value *out, struct bones_error *err) {
  memset(out, 0, sizeof *out);
  struct mem_bucket *b = find_bucket(bucket);
  long i = b ? find_key(b, key) : -1;
  if (i < 0) return bones_error_set(err, BONES_E_NOTFOUND, "no key %s", key);
  out->value = bones_xmalloc(b->e[i].len + 1);
  if (b->e[i].len) memcpy(out->value, b->e[i].value, b->e[i].len);
  out->value[b->e[i].len] = '\0';
  out->len = b->e[i].len;
  out->rev = b->e[i].rev;
  return BONES_OK;
}

/* Writes key (mode 0 any, 1 only absent, 2 only at rev expected). */
static int write_key(void *bucket, const char *key, const void *value, size_t len, int mode, uint64_t expected,
                     uint64_t *rev, struct bones_error *err) {
  struct mem_bucket *b = find_bucket(bucket);
  if (b == NULL) return bones_error_set(err, BONES_E_NOTFOUND, "no bucket");
  long i = find_key(b, key);
  if (mode == 1 && i >= 0) return bones_error_set(err, BONES_E_EXISTS, "%s exists", key);
  if (mode == 2 && i < 0) return bones_error_set(err, BONES_E_NOTFOUND, "no key %s", key);
  if (mode == 2 && b->e[i].rev != expected) return bones_error_set(err, BONES_E_CONFLICT, "%s changed", key);
  if (i < 0) {
    size_t at = (size_t)(-i - 1);
    b->e = bones_xrealloc(b->e, (b->n + 1) * sizeof *b->e);
    memmove(&b->e[at + 1], &b->e[at], (b->n - at) * sizeof *b->e);
    b->n++;
    b->e[at] = (struct mem_entry){bones_xstrdup(key), NULL, 0, 0};
    i = (long)at;
  }
  free(b->e[i].value);
  b->e[i].value = bones_xmalloc(len ? len : 1);
  if (len) memcpy(b->e[i].value, value, len);
  b->e[i].len = len;
  b->e[i].rev = ++b->rev;
  if (rev) *rev = b->e[i].rev;
  return BONES_OK;
}

static int m_put(void *bucket, const char *key, const void *value, size_t len, uint64_t *rev,
                 struct bones_error *err) {
  return write_key(bucket, key, value, len, 0, 0, rev, err);
}
static int m_create(void *bucket, const char *key, const void *value, size_t len, uint64_t *rev,
                    struct bones_error *err) {
  return write_key(bucket, key, value, len, 1, 0, rev, err);
}
static int m_update(void *bucket, const char *key, const void *value, size_t len, uint64_t expected, uint64_t *rev,
                    struct bones_error *err) {
  return write_key(bucket, key, value, len, 2, expected, rev, err);
}

static int m_remove(void *bucket, const char *key, uint64_t expected, struct bones_error *err) {
  struct mem_bucket *b = find_bucket(bucket);
  long i = b ? find_key(b, key) : -1;
  if (i < 0) return expected ? bones_error_set(err, BONES_E_NOTFOUND, "no key %s", key) : BONES_OK;
  if (expected && b->e[i].rev != expected) return bones_error_set(err, BONES_E_CONFLICT, "%s changed", key);
  free(b->e[i].key);
  free(b->e[i].value);
  memmove(&b->e[i], &b->e[i + 1], (b->n - (size_t)i - 1) * sizeof *b->e);
  b->n--;
  return BONES_OK;
}

static int m_list(void *bucket, const char *prefix, bones_kv_list_fn fn, void *arg, struct bones_error *err) {
  (void)err;
  struct mem_bucket *b = find_bucket(bucket);
  size_t plen = strlen(prefix);
  /* a snapshot: the callback may write to the bucket */
  size_t n = 0;
  struct mem_entry *snap = bones_xcalloc(b && b->n ? b->n : 1, sizeof *snap);
  for (size_t i = 0; b && i < b->n; i++) {
    if (strncmp(b->e[i].key, prefix, plen) != 0) continue;
    snap[n].key = bones_xstrdup(b->e[i].key);
    snap[n].value = bones_xmalloc(b->e[i].len + 1);
    if (b->e[i].len) memcpy(snap[n].value, b->e[i].value, b->e[i].len);
    snap[n].value[b->e[i].len] = '\0';
    snap[n].len = b->e[i].len;
    snap[n].rev = b->e[i].rev;
    n++;
  }
  int stop = 0;
  for (size_t i = 0; i < n; i++) {
    if (!stop) stop = fn(arg, snap[i].key, snap[i].value, snap[i].len, snap[i].rev);
    free(snap[i].key);
    free(snap[i].value);
  }
  free(snap);
  return BONES_OK;
}

static const char *const mem_schemes[] = {"mem", NULL};

static const struct bones_kv_backend_v1 mem_backend = {
    .abi = BONES_KV_ABI,
    .size = sizeof(struct bones_kv_backend_v1),
    .name = "mem",
    .description = "in-memory store of the fuzz targets",
    .caps = BONES_KV_CAP_EMBEDDED,
    .schemes = mem_schemes,
    .connect = m_connect,
    .disconnect = m_disconnect,
    .ping = m_ping,
    .bucket_open = m_bucket_open,
    .bucket_close = m_bucket_close,
    .buckets = m_buckets,
    .get = m_get,
    .put = m_put,
    .create = m_create,
    .update = m_update,
    .remove = m_remove,
    .list = m_list,
    .watch = NULL,
};

void fuzz_memkv_open(bones_kv **kv) {
  static int registered;
  struct bones_error err;
  if (!registered) {
    if (bones_loader_add_builtin("kv_mem", &mem_backend, &err) != BONES_OK) {
      fprintf(stderr, "fuzz: %s\n", err.message);
      abort();
    }
    registered = 1;
  }
  reset_store();
  if (bones_kv_open("mem:", NULL, kv, &err) != BONES_OK) {
    fprintf(stderr, "fuzz: cannot open mem: %s\n", err.message);
    abort();
  }
}

void fuzz_memkv_seed(bones_kv *kv, const char *bucket, const uint8_t *data, size_t size, const char *default_key) {
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, BONES_KV_BUCKET_CREATE};
  bones_kv_bucket *b = NULL;
  struct bones_error err;
  if (bones_kv_bucket_open(kv, bucket, &cfg, &b, NULL, &err) != BONES_OK) abort();
  size_t off = 0;
  for (int n = 0; n < 16 && off <= size; n++) {
    const uint8_t *rec = data + off;
    const uint8_t *sep = size > off ? memchr(rec, 0x1e, size - off) : NULL;
    size_t len = sep ? (size_t)(sep - rec) : size - off;
    const uint8_t *nl = len ? memchr(rec, '\n', len) : NULL;
    char *key = nl ? fuzz_cstr(rec, (size_t)(nl - rec)) : NULL;
    if (key && bones_kv_key_valid(key)) {
      len -= (size_t)(nl - rec) + 1;
      rec = nl + 1;
    } else {
      free(key);
      key = n ? bones_xasprintf("%s-%d", default_key, n) : bones_xstrdup(default_key);
    }
    bones_kv_put(b, key, rec, len, NULL, &err); /* a refused value (too large) is just not stored */
    free(key);
    if (sep == NULL) break;
    off += (size_t)(sep - (data + off)) + 1;
  }
  bones_kv_bucket_close(b);
}
