/* delete.c: `bones kv delete BUCKET KEY [--rev N]`. */
#include "config.h"

#include "kv_common.h"
#include "kv_verbs.h"

int kv_delete_run(struct bones_ctx *ctx, int argc, char **argv) {
  struct kv_args a;
  int rc = kv_parse_args(ctx, argc, argv, "r", 2, 2, &a);
  if (rc) return rc;
  struct bones_error err;
  bones_kv_bucket *b = NULL;
  if (kv_open_bucket(ctx, a.operands[0], &a, 0, &b, &err) != BONES_OK ||
      bones_kv_delete(b, a.operands[1], a.rev, &err) != BONES_OK)
    return bones_ctx_fail(ctx, &err);
  json_t *d = json_pack("{s:s, s:s, s:b}", "bucket", a.operands[0], "key", a.operands[1], "deleted", 1);
  return bones_ctx_emit(ctx, "kv.delete", d);
}
