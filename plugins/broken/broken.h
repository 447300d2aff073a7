/* broken.h: stub functions shared by the deliberately broken test modules
 * of plugins/broken.test.  The loader must refuse each module before it
 * calls anything, so every stub fails loudly if it is ever reached. */
#ifndef BROKEN_H
#define BROKEN_H

#include <bones/kv.h>
#include <bones/plugin.h>

#define BROKEN_STUB static __attribute__((unused))

/* Every stub: BONES_E_INTERNAL, "reached a broken test module". */
BROKEN_STUB int reached(struct bones_error *err) {
  return bones_error_set(err, BONES_E_INTERNAL, "reached a deliberately broken test module");
}
BROKEN_STUB int stub_connect(const char *u, const struct bones_kv_options *o, void **c, struct bones_error *e) {
  return reached(e);
}
BROKEN_STUB void stub_disconnect(void *c) {}
BROKEN_STUB int stub_ping(void *c, struct bones_error *e) { return reached(e); }
BROKEN_STUB int stub_bucket_open(void *c, const char *n, const struct bones_kv_bucket_config *cfg, void **b,
                                 struct bones_kv_bucket_config *a, struct bones_error *e) {
  return reached(e);
}
BROKEN_STUB void stub_bucket_close(void *b) {}
BROKEN_STUB int stub_buckets(void *c, bones_kv_bucket_fn fn, void *arg, struct bones_error *e) { return reached(e); }
BROKEN_STUB int stub_get(void *b, const char *k, struct bones_kv_value *v, struct bones_error *e) { return reached(e); }
BROKEN_STUB int stub_put(void *b, const char *k, const void *v, size_t n, uint64_t *r, struct bones_error *e) {
  return reached(e);
}
BROKEN_STUB int stub_update(void *b, const char *k, const void *v, size_t n, uint64_t x, uint64_t *r,
                            struct bones_error *e) {
  return reached(e);
}
BROKEN_STUB int stub_remove(void *b, const char *k, uint64_t x, struct bones_error *e) { return reached(e); }
BROKEN_STUB int stub_list(void *b, const char *p, bones_kv_list_fn fn, void *arg, struct bones_error *e) {
  return reached(e);
}

static const char *const broken_schemes[] = {"broken", NULL};

/* The members every broken module shares (all but abi, size, name, list). */
#define BROKEN_COMMON                                                                                      \
  .caps = BONES_KV_CAP_EMBEDDED, .schemes = broken_schemes, .connect = stub_connect,                     \
  .disconnect = stub_disconnect, .ping = stub_ping, .bucket_open = stub_bucket_open,                     \
  .bucket_close = stub_bucket_close, .buckets = stub_buckets, .get = stub_get, .put = stub_put,          \
  .create = stub_put, .update = stub_update, .remove = stub_remove

#endif
