/* fuzz_time.c: bones_parse_time (core/util.c), the decoder of every stored
 * time (expires_at, lease_expires_at, defer_until, ...), and its inverse
 * bones_format_time: a parsed time formats and parses back to itself.
 * Input: the text. */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_cstr(data, size);
  int64_t ms = 0, back = 0;
  if (bones_parse_time(s, &ms) == 0 && ms >= 0) {
    char buf[64];
    bones_format_time(ms, buf, sizeof buf);
    if (bones_parse_time(buf, &back) != 0 || back != ms) abort();
  }
  free(s);
  return 0;
}
