/* fuzz_substrate.c: substrate specs as given to --substrate or stored in
 * config.json (bones_substrate_resolve, core/workspace/workspace.c), with and
 * without a workspace (whose .bones/hub-kv-url is absent).  Input: the
 * spec. */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_cstr(data, size), *url = NULL;
  struct bones_error err;
  if (bones_substrate_resolve(s, NULL, &url, &err) == BONES_OK) free(url);
  url = NULL;
  if (bones_substrate_resolve(s, fuzz_tmpdir(), &url, &err) == BONES_OK) free(url);
  free(s);
  return 0;
}
