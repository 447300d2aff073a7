/* raw.c: picks the raw client for a substrate URL (raw.h). */
#include "config.h"

#include <string.h>

#include "raw.h"

const struct raw_client *raw_for(const char *url) {
  if (strncmp(url, "sqlite:", 7) == 0) return &raw_sqlite;
#ifdef BENCH_RAW_NATS
  if (strncmp(url, "nats:", 5) == 0) return &raw_nats;
#endif
#ifdef BENCH_RAW_REDIS
  if (strncmp(url, "redis:", 6) == 0) return &raw_redis;
#endif
  return NULL;
}
