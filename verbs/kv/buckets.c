/* buckets.c: `bones kv buckets`: every bucket with its TTL and limit. */
#include "config.h"

#include <stdio.h>

#include "kv_common.h"
#include "kv_verbs.h"

static int on_bucket(void *arg, const char *name, const struct bones_kv_bucket_config *cfg) {
  json_t *array = arg;
  if (array)
    json_array_append_new(array, json_pack("{s:s, s:I, s:I}", "bucket", name, "ttl_ms", (json_int_t)cfg->ttl_ms,
                                           "max_value", (json_int_t)cfg->max_value));
  else
    printf("%s\tttl=%lldms\tmax_value=%llu\n", name, (long long)cfg->ttl_ms, (unsigned long long)cfg->max_value);
  return 0;
}

int kv_buckets_run(struct bones_ctx *ctx, int argc, char **argv) {
  struct kv_args a;
  int rc = kv_parse_args(ctx, argc, argv, "", 0, 0, &a);
  if (rc) return rc;
  struct bones_error err;
  bones_kv *kv = NULL;
  json_t *array = bones_ctx_json(ctx) ? json_array() : NULL;
  if (bones_ctx_kv(ctx, &kv, &err) != BONES_OK || bones_kv_buckets(kv, on_bucket, array, &err) != BONES_OK) {
    json_decref(array);
    return bones_ctx_fail(ctx, &err);
  }
  if (array) return bones_ctx_emit(ctx, "kv.buckets", json_pack("{s:o}", "buckets", array));
  return 0;
}
