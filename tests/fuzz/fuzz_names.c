/* fuzz_names.c: the name checks (bones_name_check, bones_agent_check,
 * bones_coord_name_check, bones_kv_key_valid, bones_kv_bucket_name_valid,
 * bones_broadcast_id_valid) and bones_hold_key, which turns any path into
 * a KV key: an accepted name is a valid key part, a hold key is a valid
 * key.  Input: the text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "coord.h"
#include "fuzz.h"
#include "holds.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_cstr(data, size);
  struct bones_error err;
  bones_name_check("fuzz", s, &err);
  bones_kv_key_valid(s);
  bones_agent_check(s, &err);
  bones_coord_name_check("checkpoint", s, &err);
  bones_kv_bucket_name_valid(s);
  bones_broadcast_id_valid(s);
  char *key = NULL;
  if (bones_hold_key(s, &key, &err) == BONES_OK) {
    if (!bones_kv_key_valid(key)) abort();
    free(key);
  }
  free(s);
  return 0;
}
