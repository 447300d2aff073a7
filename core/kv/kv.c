/* kv.c: the KV front-end (bones/kv.h).  Validates what callers pass, then
 * calls the backend's vtable.  Knows nothing of any backend. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <bones/kv.h>

#include "kv_int.h"
#include "loader.h"
#include "url.h"
#include "util.h"

struct bones_kv_bucket {
  bones_kv *kv;
  void *handle;
  char *name;
  struct bones_kv_bucket_config config;
  struct bones_kv_bucket *next;
};

struct bones_kv {
  const struct bones_kv_backend_v1 *backend;
  void *conn;
  char *url; /* without credentials nor query (bones_url_redact) */
  struct bones_kv_bucket *buckets;
};

int bones_kv_key_valid(const char *key) {
  if (key == NULL) return 0;
  size_t n = strlen(key);
  if (n == 0 || n > BONES_KV_KEY_MAX) return 0;
  if (key[0] == '.' || key[n - 1] == '.') return 0;
  if (strstr(key, "..")) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = key[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '=' || c == '.' || c == '/' || c == '-'))
      return 0;
  }
  return 1;
}

int bones_kv_bucket_name_valid(const char *name) {
  if (name == NULL) return 0;
  size_t n = strlen(name);
  if (n == 0 || n > BONES_KV_BUCKET_NAME_MAX) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return 0;
  }
  return 1;
}

/* The backend name for spec: "nats://..." -> "nats", "redis+unix:..." -> "redis",
 * "sqlite" -> "sqlite". */
static char *backend_name_of(const char *spec) {
  size_t n = strcspn(spec, ":+");
  return bones_xstrndup(spec, n);
}

int bones_kv_backend_of(const char *spec, const struct bones_kv_backend_v1 **out, struct bones_error *err) {
  *out = NULL;
  if (spec == NULL || *spec == '\0')
    return bones_error_set(err, BONES_E_USAGE, "empty substrate (use sqlite:PATH, nats://HOST:PORT or redis://HOST:PORT/DB)");
  char *name = backend_name_of(spec);
  const struct bones_kv_backend_v1 *backend = NULL;
  int rc = bones_loader_kv_backend(name, &backend, err);
  if (rc != BONES_OK) {
    if (rc == BONES_E_USAGE) {
      char *shown = bones_url_redact(spec);
      bones_error_prefix(err, "substrate '%s'", shown);
      free(shown);
    }
    free(name);
    return rc;
  }
  /* the scheme must be one the backend serves */
  if (strchr(spec, ':')) {
    size_t slen = strcspn(spec, ":");
    int served = 0;
    for (const char *const *s = backend->schemes; *s; s++)
      if (strlen(*s) == slen && strncmp(*s, spec, slen) == 0) served = 1;
    if (!served) {
      rc = bones_error_set(err, BONES_E_USAGE, "substrate '%.*s:' is not a scheme backend %s serves", (int)slen,
                           spec, name);
      free(name);
      return rc;
    }
  }
  free(name);
  *out = backend;
  return BONES_OK;
}

int bones_kv_open(const char *spec, const struct bones_kv_options *opts, bones_kv **out,
                  struct bones_error *err) {
  *out = NULL;
  const struct bones_kv_backend_v1 *backend = NULL;
  int rc = bones_kv_backend_of(spec, &backend, err);
  if (rc != BONES_OK) return rc;
  struct bones_kv_options o = {BONES_KV_DEFAULT_TIMEOUT_MS};
  if (opts && opts->timeout_ms > 0) o.timeout_ms = opts->timeout_ms;
  void *conn = NULL;
  rc = backend->connect(spec, &o, &conn, err);
  if (rc != BONES_OK) return rc;
  bones_kv *kv = bones_xcalloc(1, sizeof *kv);
  kv->backend = backend;
  kv->conn = conn;
  kv->url = bones_url_redact(spec);
  kv->url[strcspn(kv->url, "?")] = '\0'; /* bones_kv_url() promises no query at all */
  *out = kv;
  return BONES_OK;
}

void bones_kv_close(bones_kv *kv) {
  if (kv == NULL) return;
  while (kv->buckets) bones_kv_bucket_close(kv->buckets);
  kv->backend->disconnect(kv->conn);
  free(kv->url);
  free(kv);
}

const struct bones_kv_backend_v1 *bones_kv_backend(const bones_kv *kv) { return kv->backend; }

const char *bones_kv_url(const bones_kv *kv) { return kv->url; }

int bones_kv_ping(bones_kv *kv, struct bones_error *err) { return kv->backend->ping(kv->conn, err); }

int bones_kv_bucket_open(bones_kv *kv, const char *name, const struct bones_kv_bucket_config *cfg,
                         bones_kv_bucket **out, struct bones_kv_bucket_config *actual,
                         struct bones_error *err) {
  *out = NULL;
  if (!bones_kv_bucket_name_valid(name))
    return bones_error_set(err, BONES_E_USAGE,
                           "invalid bucket name '%s' (1-64 characters of A-Z a-z 0-9 _ -)", name ? name : "");
  struct bones_kv_bucket_config c = {BONES_KV_TTL_ANY, 0, 0};
  if (cfg) c = *cfg;
  if (c.ttl_ms < 0 && c.ttl_ms != BONES_KV_TTL_ANY)
    return bones_error_set(err, BONES_E_USAGE, "bucket %s: negative TTL", name);
  if (c.max_value == 0) c.max_value = BONES_KV_DEFAULT_MAX_VALUE;
  struct bones_kv_bucket_config real = c;
  void *handle = NULL;
  int rc = kv->backend->bucket_open(kv->conn, name, &c, &handle, &real, err);
  if (rc != BONES_OK) return rc;
  if (real.max_value == 0) real.max_value = c.max_value;
  bones_kv_bucket *b = bones_xcalloc(1, sizeof *b);
  b->kv = kv;
  b->handle = handle;
  b->name = bones_xstrdup(name);
  b->config = real;
  b->next = kv->buckets;
  kv->buckets = b;
  if (actual) *actual = real;
  *out = b;
  return BONES_OK;
}

void bones_kv_bucket_close(bones_kv_bucket *b) {
  if (b == NULL) return;
  for (bones_kv_bucket **pp = &b->kv->buckets; *pp; pp = &(*pp)->next) {
    if (*pp == b) {
      *pp = b->next;
      break;
    }
  }
  b->kv->backend->bucket_close(b->handle);
  free(b->name);
  free(b);
}

const char *bones_kv_bucket_name(const bones_kv_bucket *b) { return b->name; }

int bones_kv_buckets(bones_kv *kv, bones_kv_bucket_fn fn, void *arg, struct bones_error *err) {
  return kv->backend->buckets(kv->conn, fn, arg, err);
}

static int check_key(const bones_kv_bucket *b, const char *key, struct bones_error *err) {
  if (bones_kv_key_valid(key)) return BONES_OK;
  return bones_error_set(err, BONES_E_USAGE,
                         "bucket %s: invalid key '%.300s' (1-255 of A-Z a-z 0-9 _ = . / -, no leading or "
                         "trailing '.', no '..')",
                         b->name, key ? key : "");
}

static int check_value(const bones_kv_bucket *b, const char *key, size_t len, struct bones_error *err) {
  if (len <= b->config.max_value) return BONES_OK;
  return bones_error_set(err, BONES_E_TOOLARGE, "bucket %s: value for %s is %zu bytes, over the %llu-byte limit",
                         b->name, key, len, (unsigned long long)b->config.max_value);
}

int bones_kv_get(bones_kv_bucket *b, const char *key, struct bones_kv_value *out, struct bones_error *err) {
  memset(out, 0, sizeof *out);
  int rc = check_key(b, key, err);
  if (rc != BONES_OK) return rc;
  return b->kv->backend->get(b->handle, key, out, err);
}

int bones_kv_put(bones_kv_bucket *b, const char *key, const void *value, size_t len, uint64_t *rev,
                 struct bones_error *err) {
  int rc = check_key(b, key, err);
  if (rc == BONES_OK) rc = check_value(b, key, len, err);
  if (rc != BONES_OK) return rc;
  return b->kv->backend->put(b->handle, key, value, len, rev, err);
}

int bones_kv_create(bones_kv_bucket *b, const char *key, const void *value, size_t len, uint64_t *rev,
                    struct bones_error *err) {
  int rc = check_key(b, key, err);
  if (rc == BONES_OK) rc = check_value(b, key, len, err);
  if (rc != BONES_OK) return rc;
  return b->kv->backend->create(b->handle, key, value, len, rev, err);
}

int bones_kv_update(bones_kv_bucket *b, const char *key, const void *value, size_t len, uint64_t expected,
                    uint64_t *rev, struct bones_error *err) {
  int rc = check_key(b, key, err);
  if (rc == BONES_OK) rc = check_value(b, key, len, err);
  if (rc != BONES_OK) return rc;
  if (expected == 0)
    return bones_error_set(err, BONES_E_USAGE, "bucket %s: update of %s needs a revision (> 0)", b->name, key);
  return b->kv->backend->update(b->handle, key, value, len, expected, rev, err);
}

int bones_kv_delete(bones_kv_bucket *b, const char *key, uint64_t expected, struct bones_error *err) {
  int rc = check_key(b, key, err);
  if (rc != BONES_OK) return rc;
  return b->kv->backend->remove(b->handle, key, expected, err);
}

int bones_kv_list(bones_kv_bucket *b, const char *prefix, bones_kv_list_fn fn, void *arg,
                  struct bones_error *err) {
  return b->kv->backend->list(b->handle, prefix ? prefix : "", fn, arg, err);
}

int bones_kv_watch(bones_kv_bucket *b, const char *prefix, uint64_t after_rev, bones_kv_watch_fn fn, void *arg,
                   int timeout_ms, struct bones_error *err) {
  const struct bones_kv_backend_v1 *be = b->kv->backend;
  if (!(be->caps & BONES_KV_CAP_WATCH) || be->watch == NULL)
    return bones_error_set(err, BONES_E_UNSUPPORTED, "the %s backend cannot watch; poll instead", be->name);
  return be->watch(b->handle, prefix ? prefix : "", after_rev, fn, arg, timeout_ms, err);
}

void bones_kv_value_free(struct bones_kv_value *value) {
  if (value == NULL) return;
  free(value->value);
  memset(value, 0, sizeof *value);
}
