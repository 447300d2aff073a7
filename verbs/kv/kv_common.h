/* kv_common.h: what the `bones kv` sub-verbs share: option parsing,
 * opening the bucket, reading a value argument, JSON of an entry. */
#ifndef BONES_VERB_KV_COMMON_H
#define BONES_VERB_KV_COMMON_H

#include <stdint.h>

#include <bones/kv.h>
#include <bones/verb.h>

struct kv_args {
  const char *operands[4]; /* positional arguments after the sub-verb */
  int noperands;
  uint64_t rev;            /* --rev, 0 when absent */
  int have_rev;
  int64_t ttl_ms;          /* --ttl, BONES_KV_TTL_ANY when absent */
  int long_format;         /* -l/--long (list, buckets) */
};

/* Parses argv of a kv sub-verb; allowed_opts is a subset of "rtl" (rev,
 * ttl, long).  Prints the usage error itself and returns its exit code,
 * or 0 on success with *a filled. */
int kv_parse_args(struct bones_ctx *ctx, int argc, char **argv, const char *allowed_opts,
                  int min_operands, int max_operands, struct kv_args *a);

/* Opens bucket name (creating it when create is 1) with --ttl from a.
 * *out belongs to the ctx's connection (closed with it). */
int kv_open_bucket(struct bones_ctx *ctx, const char *name, const struct kv_args *a, int create,
                   bones_kv_bucket **out, struct bones_error *err);

/* The value operand: the argument itself, or standard input for "-".
 * *data is malloc'd (caller frees). */
int kv_read_value(const char *operand, char **data, size_t *len, struct bones_error *err);

/* {"value": string} for UTF-8 data, else {"value": base64, "encoding":
 * "base64"}, added to obj. */
void kv_json_set_value(json_t *obj, const void *data, size_t len);

#endif
