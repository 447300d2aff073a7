/* kv_broken.c: a test module built for a future KV ABI (99): the loader
 * must refuse it with "KV ABI 99, this bones speaks KV ABI 1". */
#include "broken.h"

BONES_KV_BACKEND_EXPORT(kv_broken) = {
    .abi = 99,
    .size = sizeof(struct bones_kv_backend_v1),
    .name = "broken",
    .description = "test fixture: wrong ABI number",
    BROKEN_COMMON,
    .list = stub_list,
};
