/* fuzz_config.c: .bones/config.json as read by every command
 * (bones_workspace_config_substrate, core/workspace/workspace.c), then the
 * substrate it names resolved as the command would.  Input: the file. */
#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util.h"
#include "workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *ws, *dot;
  if (ws == NULL) {
    ws = bones_xasprintf("%s/ws", fuzz_tmpdir());
    dot = bones_xasprintf("%s/.bones", ws);
    mkdir(ws, 0700);
    mkdir(dot, 0700);
  }
  fuzz_write(dot, "config.json", data, size);
  char *sub = bones_workspace_config_substrate(ws);
  if (sub) {
    char *url = NULL;
    struct bones_error err;
    if (bones_substrate_resolve(sub, ws, &url, &err) == BONES_OK) free(url);
    free(sub);
  }
  return 0;
}
