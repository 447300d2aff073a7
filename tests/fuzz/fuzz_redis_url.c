/* fuzz_redis_url.c: the redis:// and redis+unix: URL parser of the
 * kv-redis backend (backends/kv-redis/redis_url.c); a parsed URL has a
 * printable form.  Input: the URL. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kv_redis_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_cstr(data, size);
  struct kvr_url u;
  struct bones_error err;
  if (kvr_url_parse(s, &u, &err) == BONES_OK) {
    if (u.safe == NULL) abort();
    kvr_url_free(&u);
  }
  free(s);
  return 0;
}
