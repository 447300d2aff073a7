/* kv_nolist.c: a test module without its mandatory list(): the loader
 * must refuse it with "mandatory function 'list' is NULL". */
#include "broken.h"

BONES_KV_BACKEND_EXPORT(kv_nolist) = {
    .abi = BONES_KV_ABI,
    .size = sizeof(struct bones_kv_backend_v1),
    .name = "nolist",
    .description = "test fixture: list() missing",
    BROKEN_COMMON,
    .list = NULL,
};
