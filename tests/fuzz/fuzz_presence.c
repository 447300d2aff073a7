/* fuzz_presence.c: records of bones-presence (core/swarm/presence.c): list,
 * live, touch over a stored record, remove.  Input: records (fuzz.h). */
#include "config.h"

#include <jansson.h>

#include "fuzz.h"
#include "presence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bones_kv *kv = NULL;
  fuzz_memkv_open(&kv);
  fuzz_memkv_seed(kv, BONES_PRESENCE_BUCKET, data, size, "fuzzer");
  struct bones_error err;
  json_t *agents = NULL;
  if (bones_presence_list(kv, &agents, &err) == BONES_OK) json_decref(agents);
  bones_presence_live(kv, "fuzzer", &err);
  bones_presence_touch(kv, "fuzzer", "a", 1, &err);
  agents = NULL;
  if (bones_presence_list(kv, &agents, &err) == BONES_OK) json_decref(agents);
  bones_presence_remove(kv, "fuzzer", &err);
  bones_kv_close(kv);
  return 0;
}
