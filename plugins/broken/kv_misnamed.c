/* kv_misnamed.c: a test module whose name field ("other") does not match
 * its file (kv_misnamed): the loader must refuse it, naming both. */
#include "broken.h"

BONES_KV_BACKEND_EXPORT(kv_misnamed) = {
    .abi = BONES_KV_ABI,
    .size = sizeof(struct bones_kv_backend_v1),
    .name = "other",
    .description = "test fixture: name does not match the file",
    BROKEN_COMMON,
    .list = stub_list,
};
