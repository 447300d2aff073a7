/* fuzz_duration.c: bones_parse_duration (core/util.c), the parser of every
 * --ttl, --timeout, --wait and URL timeout=.  A result must be a
 * non-negative number of milliseconds.  Input: the text. */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_cstr(data, size);
  struct bones_error err;
  int64_t ms = -1;
  if (bones_parse_duration(s, &ms, &err) == BONES_OK && ms < 0) abort();
  free(s);
  return 0;
}
