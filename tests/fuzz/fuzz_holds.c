/* fuzz_holds.c: records of bones-holds (core/holds*.c): list, conflicts,
 * owner, acquire over them (renew, takeover), release, release by agent.
 * Input: records (fuzz.h); the default key is the hold of src/a.c. */
#include "config.h"

#include <jansson.h>

#include "coord.h"
#include "fuzz.h"
#include "holds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bones_kv *kv = NULL;
  fuzz_memkv_open(&kv);
  fuzz_memkv_seed(kv, BONES_HOLDS_BUCKET, data, size, "h/src/a.c");
  struct bones_error err;
  json_t *out = NULL;
  if (bones_holds_list(kv, &out, &err) == BONES_OK) json_decref(out);
  const char *paths[] = {"src/a.c", "src", "src/a.c-1"};
  out = NULL;
  if (bones_holds_conflicts(kv, paths, 3, "fuzzer", &out, &err) == BONES_OK) json_decref(out);
  out = NULL;
  if (bones_coord_owner(kv, "src/a.c", &out, &err) == BONES_OK) json_decref(out);
  struct bones_hold_owner owner = {"fuzzer", "t-aaaaaaaa", "a", 1, "fuzz"};
  bones_holds_acquire(kv, paths, 3, &owner, 60000, &err);
  size_t n = 0;
  bones_holds_release(kv, paths, 3, "fuzzer", 0, &n, &err);
  bones_holds_release(kv, paths, 3, "fuzzer", 1, &n, &err);
  fuzz_memkv_seed(kv, BONES_HOLDS_BUCKET, data, size, "h/src/a.c");
  bones_holds_release_agent(kv, "fuzzer", &n, &err);
  bones_kv_close(kv);
  return 0;
}
