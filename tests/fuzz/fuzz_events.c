/* fuzz_events.c: records of bones-events (core/tasks/events.c): list (all, after
 * a cursor, for a task, with a limit), then append.  Input: records
 * (fuzz.h). */
#include "config.h"

#include <jansson.h>

#include "events.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bones_kv *kv = NULL;
  fuzz_memkv_open(&kv);
  fuzz_memkv_seed(kv, BONES_EVENTS_BUCKET, data, size, "e-aaaaaaaaaa");
  struct bones_error err;
  json_t *ev = NULL;
  if (bones_events_list(kv, NULL, NULL, 0, &ev, &err) == BONES_OK) json_decref(ev);
  ev = NULL;
  if (bones_events_list(kv, "e-a", "t-aaaaaaaa", 1, &ev, &err) == BONES_OK) json_decref(ev);
  bones_event_append(kv, "fuzzer", "t-aaaaaaaa", "claimed", "open", "claimed", 1, &err);
  bones_kv_close(kv);
  return 0;
}
