/* get.c: `bones kv get BUCKET KEY`: the raw value on stdout. */
#include "config.h"

#include <stdio.h>

#include "kv_common.h"
#include "kv_verbs.h"

int kv_get_run(struct bones_ctx *ctx, int argc, char **argv) {
  struct kv_args a;
  int rc = kv_parse_args(ctx, argc, argv, "", 2, 2, &a);
  if (rc) return rc;
  struct bones_error err;
  bones_kv_bucket *b = NULL;
  struct bones_kv_value v = {0};
  if (kv_open_bucket(ctx, a.operands[0], &a, 0, &b, &err) != BONES_OK ||
      bones_kv_get(b, a.operands[1], &v, &err) != BONES_OK)
    return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) {
    json_t *d = json_pack("{s:s, s:s, s:I}", "bucket", a.operands[0], "key", a.operands[1], "revision",
                          (json_int_t)v.rev);
    kv_json_set_value(d, v.value, v.len);
    bones_kv_value_free(&v);
    return bones_ctx_emit(ctx, "kv.get", d);
  }
  size_t len = v.len;
  size_t n = fwrite(v.value, 1, len, stdout);
  bones_kv_value_free(&v);
  return n == len ? 0 : 1;
}
