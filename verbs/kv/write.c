/* write.c: `bones kv put|create|update BUCKET KEY VALUE|-`: writes and
 * prints the new revision. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv_common.h"
#include "kv_verbs.h"

enum kv_write { KV_PUT, KV_CREATE, KV_UPDATE };

static int kv_write_run(struct bones_ctx *ctx, int argc, char **argv, enum kv_write mode) {
  struct kv_args a;
  int rc = kv_parse_args(ctx, argc, argv, mode == KV_UPDATE ? "rt" : "t", 3, 3, &a);
  if (rc) return rc;
  if (mode == KV_UPDATE && !a.have_rev) return bones_ctx_usage(ctx, "update needs --rev REVISION");
  struct bones_error err;
  bones_error_clear(&err);
  bones_kv_bucket *b = NULL;
  char *data = NULL;
  size_t len = 0;
  uint64_t rev = 0;
  rc = kv_read_value(a.operands[2], &data, &len, &err);
  if (rc == BONES_OK) rc = kv_open_bucket(ctx, a.operands[0], &a, 1, &b, &err);
  if (rc == BONES_OK) {
    if (mode == KV_PUT) rc = bones_kv_put(b, a.operands[1], data, len, &rev, &err);
    else if (mode == KV_CREATE) rc = bones_kv_create(b, a.operands[1], data, len, &rev, &err);
    else rc = bones_kv_update(b, a.operands[1], data, len, a.rev, &rev, &err);
  }
  free(data);
  if (rc != BONES_OK) {
    if (rc == BONES_E_CONFLICT && mode == KV_UPDATE)
      bones_error_hint(&err, "read the current revision with `bones kv get --json %s %s`", a.operands[0],
                       a.operands[1]);
    return bones_ctx_fail(ctx, &err);
  }
  if (bones_ctx_json(ctx)) {
    static const char *const schemas[] = {"kv.put", "kv.create", "kv.update"};
    json_t *d = json_pack("{s:s, s:s, s:I}", "bucket", a.operands[0], "key", a.operands[1], "revision",
                          (json_int_t)rev);
    return bones_ctx_emit(ctx, schemas[mode], d);
  }
  if (!bones_ctx_quiet(ctx)) printf("%llu\n", (unsigned long long)rev);
  return 0;
}

int kv_put_run(struct bones_ctx *ctx, int argc, char **argv) { return kv_write_run(ctx, argc, argv, KV_PUT); }
int kv_create_run(struct bones_ctx *ctx, int argc, char **argv) { return kv_write_run(ctx, argc, argv, KV_CREATE); }
int kv_update_run(struct bones_ctx *ctx, int argc, char **argv) { return kv_write_run(ctx, argc, argv, KV_UPDATE); }
