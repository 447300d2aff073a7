/* kv_verbs.h: the sub-verb functions of `bones kv`, one file each. */
#ifndef BONES_KV_VERBS_H
#define BONES_KV_VERBS_H

#include <bones/verb.h>

int kv_get_run(struct bones_ctx *ctx, int argc, char **argv);
int kv_put_run(struct bones_ctx *ctx, int argc, char **argv);
int kv_create_run(struct bones_ctx *ctx, int argc, char **argv);
int kv_update_run(struct bones_ctx *ctx, int argc, char **argv);
int kv_delete_run(struct bones_ctx *ctx, int argc, char **argv);
int kv_list_run(struct bones_ctx *ctx, int argc, char **argv);
int kv_buckets_run(struct bones_ctx *ctx, int argc, char **argv);

#endif
