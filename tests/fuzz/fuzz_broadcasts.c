/* fuzz_broadcasts.c: records of bones-broadcasts (core/coord/coord_broadcast.c):
 * the channel head hint and the messages: read (all, after a cursor, a
 * limit), send.  Input: records (fuzz.h); keys are "CHANNEL/ID" or
 * "CHANNEL/head", the default the head of channel "news". */
#include "config.h"

#include <jansson.h>

#include "coord.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bones_kv *kv = NULL;
  fuzz_memkv_open(&kv);
  fuzz_memkv_seed(kv, BONES_BROADCASTS_BUCKET, data, size, "news/head");
  struct bones_error err;
  json_t *msgs = NULL;
  uint64_t rev = 0;
  if (bones_broadcast_read(kv, "news", NULL, 0, &msgs, &rev, &err) == BONES_OK) json_decref(msgs);
  msgs = NULL;
  if (bones_broadcast_read(kv, "news", "0000000000000001", 2, &msgs, &rev, &err) == BONES_OK) json_decref(msgs);
  json_t *rec = NULL;
  if (bones_broadcast_send(kv, "news", "fuzzer", "hello", &rec, &err) == BONES_OK) json_decref(rec);
  bones_kv_close(kv);
  return 0;
}
