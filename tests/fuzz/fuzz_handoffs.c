/* fuzz_handoffs.c: records of bones-handoffs (core/coord/coord_handoff.c):
 * list (pending, all, one addressee), accept, accept by another agent.
 * Input: records (fuzz.h); keys are "TO/ID", the default
 * "fuzzer/h-aaaaaaaaaa". */
#include "config.h"

#include <jansson.h>

#include "coord.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bones_kv *kv = NULL;
  fuzz_memkv_open(&kv);
  fuzz_memkv_seed(kv, BONES_HANDOFFS_BUCKET, data, size, "fuzzer/h-aaaaaaaaaa");
  struct bones_error err;
  json_t *out = NULL;
  for (int all = 0; all < 2; all++) {
    out = NULL;
    if (bones_handoff_list(kv, NULL, all, &out, &err) == BONES_OK) json_decref(out);
  }
  out = NULL;
  if (bones_handoff_list(kv, "fuzzer", 0, &out, &err) == BONES_OK) json_decref(out);
  out = NULL;
  if (bones_handoff_accept(kv, "other", "h-aaaaaaaaaa", &out, &err) == BONES_OK) json_decref(out);
  out = NULL;
  if (bones_handoff_accept(kv, "fuzzer", "h-aaaaaaaaaa", &out, &err) == BONES_OK) json_decref(out);
  bones_kv_close(kv);
  return 0;
}
