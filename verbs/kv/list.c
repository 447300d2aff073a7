/* list.c: `bones kv list BUCKET [PREFIX] [-l]`: live keys in key order. */
#include "config.h"

#include <stdio.h>

#include "kv_common.h"
#include "kv_verbs.h"

struct list_state {
  json_t *array;
  int long_format;
  int count;
};

static int on_entry(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  struct list_state *st = arg;
  st->count++;
  if (st->array) {
    json_t *o = json_pack("{s:s, s:I}", "key", key, "revision", (json_int_t)rev);
    kv_json_set_value(o, value, len);
    json_array_append_new(st->array, o);
  } else if (st->long_format) {
    printf("%s\t%llu\t%zu\n", key, (unsigned long long)rev, len);
  } else {
    printf("%s\n", key);
  }
  return 0;
}

int kv_list_run(struct bones_ctx *ctx, int argc, char **argv) {
  struct kv_args a;
  int rc = kv_parse_args(ctx, argc, argv, "l", 1, 2, &a);
  if (rc) return rc;
  struct bones_error err;
  bones_kv_bucket *b = NULL;
  struct list_state st = {bones_ctx_json(ctx) ? json_array() : NULL, a.long_format, 0};
  if (kv_open_bucket(ctx, a.operands[0], &a, 0, &b, &err) != BONES_OK ||
      bones_kv_list(b, a.noperands > 1 ? a.operands[1] : "", on_entry, &st, &err) != BONES_OK) {
    json_decref(st.array);
    return bones_ctx_fail(ctx, &err);
  }
  if (st.array) {
    json_t *d = json_pack("{s:s, s:s, s:i, s:o}", "bucket", a.operands[0], "prefix",
                          a.noperands > 1 ? a.operands[1] : "", "count", st.count, "entries", st.array);
    return bones_ctx_emit(ctx, "kv.list", d);
  }
  return 0;
}
