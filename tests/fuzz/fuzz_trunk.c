/* fuzz_trunk.c: the trunk lease record of bones-hub (core/swarm/trunk.c): a
 * take over a stored (possibly expired or corrupt) lease, no waiting, then
 * a release.  Input: records (fuzz.h); the default key is the lease. */
#include "config.h"

#include "fuzz.h"
#include "trunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bones_kv *kv = NULL;
  fuzz_memkv_open(&kv);
  fuzz_memkv_seed(kv, BONES_HUB_BUCKET, data, size, "trunk");
  struct bones_error err;
  uint64_t rev = 0;
  if (bones_trunk_lease_take(kv, "slot-fuzz", 60000, 0, &rev, &err) == BONES_OK) bones_trunk_lease_release(kv, rev, &err);
  bones_kv_close(kv);
  return 0;
}
