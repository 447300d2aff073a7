/* fuzz_nats_url.c: the nats:// URL parser of the kv-nats backend
 * (backends/kv-nats/nats_conn.c, through kvn_url_check); the redacted
 * form never holds the user info.  Input: the URL. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nats_kv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_cstr(data, size), *shown = NULL;
  struct bones_error err;
  if (kvn_url_check(s, &shown, &err) == BONES_OK) {
    if (shown == NULL || strncmp(shown, "nats://", 7) != 0) abort();
    free(shown);
  }
  free(s);
  return 0;
}
