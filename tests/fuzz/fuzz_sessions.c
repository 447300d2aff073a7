/* fuzz_sessions.c: records of bones-swarm-sessions (core/swarm/sessions.c):
 * get, the host check, renew.  Input: records (fuzz.h); the default key
 * is slot "a". */
#include "config.h"

#include <jansson.h>

#include "fuzz.h"
#include "sessions.h"
#include "slots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bones_kv *kv = NULL;
  fuzz_memkv_open(&kv);
  fuzz_memkv_seed(kv, BONES_SESSIONS_BUCKET, data, size, "a");
  struct bones_error err;
  bones_kv_bucket *b = NULL;
  if (bones_sessions_bucket(kv, &b, &err) == BONES_OK) {
    json_t *s = NULL;
    uint64_t rev = 0;
    if (bones_session_get(b, "a", &s, &rev, &err) == BONES_OK) {
      bones_session_check_host(s, &err);
      json_decref(s);
    }
    s = NULL;
    if (bones_session_renew(b, "a", 1, &s, &err) == BONES_OK) json_decref(s);
    bones_kv_bucket_close(b);
  }
  bones_kv_close(kv);
  return 0;
}
