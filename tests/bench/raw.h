/* raw.h: a backend's own client doing the same operations as the bones
 * backend, directly, for the vtable/raw ratio of `make bench`. */
#ifndef BONES_BENCH_RAW_H
#define BONES_BENCH_RAW_H

#include <stddef.h>
#include <stdint.h>

struct raw_client {
  const char *name;
  /* Opens url, bucket name; returns a handle or NULL (prints why). */
  void *(*open)(const char *url, const char *bucket);
  int (*get)(void *h, const char *key);
  int (*put)(void *h, const char *key, const void *v, size_t n, uint64_t *rev);
  int (*create)(void *h, const char *key, const void *v, size_t n, uint64_t *rev);
  int (*update)(void *h, const char *key, const void *v, size_t n, uint64_t expected, uint64_t *rev);
  void (*close)(void *h);
};

extern const struct raw_client raw_sqlite;
#ifdef BENCH_RAW_NATS
extern const struct raw_client raw_nats;
#endif
#ifdef BENCH_RAW_REDIS
extern const struct raw_client raw_redis;
#endif

/* The raw client serving url's scheme (sqlite:, nats:, redis:), or NULL
 * when this build has none. */
const struct raw_client *raw_for(const char *url);

#endif
