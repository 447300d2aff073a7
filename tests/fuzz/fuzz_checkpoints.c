/* fuzz_checkpoints.c: records of bones-checkpoints (core/coord/coord_barrier.c):
 * arrive over a stored record, wait (1 ms bound) for its round.  Input:
 * records (fuzz.h); keys are "NAME/AGENT", the default "bar/fuzzer". */
#include "config.h"

#include <jansson.h>

#include "coord.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bones_kv *kv = NULL;
  fuzz_memkv_open(&kv);
  fuzz_memkv_seed(kv, BONES_CHECKPOINTS_BUCKET, data, size, "bar/fuzzer");
  struct bones_error err;
  const char *agents[] = {"fuzzer", "fuzzer-1", "b"};
  for (uint64_t round = 0; round < 2; round++) {
    struct bones_checkpoint_wait w = {"bar", agents, 3, round, "fuzzer", 1, NULL};
    uint64_t got = 0;
    json_t *state = NULL;
    bones_checkpoint_wait(kv, &w, &got, &state, &err);
    json_decref(state);
  }
  json_t *rec = NULL;
  if (bones_checkpoint_arrive(kv, "bar", "fuzzer", &rec, &err) == BONES_OK) json_decref(rec);
  bones_kv_close(kv);
  return 0;
}
