/* kv_common.c: shared parts of the `bones kv` sub-verbs (kv_common.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kv_common.h"
#include "util.h"

/* The option letter c is allowed by allowed_opts ("rtl"). */
static int option_allowed(int c, const char *allowed_opts) {
  return (c == 'r' || c == 't' || c == 'l') && strchr(allowed_opts, c) != NULL;
}

int kv_parse_args(struct bones_ctx *ctx, int argc, char **argv, const char *allowed_opts, int min_operands,
                  int max_operands, struct kv_args *a) {
  static const struct option opts[] = {{"rev", required_argument, NULL, 'r'},
                                       {"ttl", required_argument, NULL, 't'},
                                       {"long", no_argument, NULL, 'l'},
                                       {NULL, 0, NULL, 0}};
  memset(a, 0, sizeof *a);
  a->ttl_ms = BONES_KV_TTL_ANY;
  optind = 0; /* GNU getopt: reinitialise; options may follow operands */
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "l", opts, NULL)) != -1) {
    if (!option_allowed(c, allowed_opts))
      return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
    if (c == 'r') {
      uint64_t v = 0;
      struct bones_error err;
      if (bones_parse_uint("--rev", optarg, 1, UINT64_MAX, &v, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      a->rev = v;
      a->have_rev = 1;
    } else if (c == 't') {
      struct bones_error err;
      if (bones_parse_duration(optarg, &a->ttl_ms, &err) != BONES_OK)
        return bones_ctx_usage(ctx, "--ttl: %s", err.message);
    } else {
      a->long_format = 1;
    }
  }
  for (int i = optind; i < argc; i++) {
    if (a->noperands == 4 || a->noperands == max_operands)
      return bones_ctx_usage(ctx, "too many arguments (from '%s' on)", argv[i]);
    a->operands[a->noperands++] = argv[i];
  }
  if (a->noperands < min_operands) return bones_ctx_usage(ctx, "missing arguments");
  return 0;
}

int kv_open_bucket(struct bones_ctx *ctx, const char *name, const struct kv_args *a, int create,
                   bones_kv_bucket **out, struct bones_error *err) {
  bones_kv *kv = NULL;
  int rc = bones_ctx_kv(ctx, &kv, err);
  if (rc != BONES_OK) return rc;
  struct bones_kv_bucket_config cfg = {a->ttl_ms, 0, create ? BONES_KV_BUCKET_CREATE : 0};
  return bones_kv_bucket_open(kv, name, &cfg, out, NULL, err);
}

int kv_read_value(const char *operand, char **data, size_t *len, struct bones_error *err) {
  if (strcmp(operand, "-") == 0) {
    int rc = bones_read_fd(STDIN_FILENO, (size_t)BONES_KV_DEFAULT_MAX_VALUE * 64, data, len, err);
    if (rc != BONES_OK) bones_error_prefix(err, "standard input");
    return rc;
  }
  *len = strlen(operand);
  *data = bones_xstrdup(operand);
  return BONES_OK;
}

void kv_json_set_value(json_t *obj, const void *data, size_t len) {
  json_t *s = json_stringn(data, len); /* NULL when not UTF-8 */
  if (s) {
    json_object_set_new(obj, "value", s);
    return;
  }
  char *b64 = bones_base64_encode(data, len);
  json_object_set_new(obj, "value", json_string(b64));
  json_object_set_new(obj, "encoding", json_string("base64"));
  free(b64);
}
