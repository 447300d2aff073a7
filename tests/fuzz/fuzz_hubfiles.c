/* fuzz_hubfiles.c: the one-line files under .bones/ (core/proc.c,
 * core/workspace/workspace.c): a pid file (bones_pidfile_read: a pid in 1..2^30),
 * the url and id files (bones_ws_read_line), and hub-kv-url as the
 * managed substrates resolve it.  Input: the file's bytes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "proc.h"
#include "util.h"
#include "workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *ws, *dot, *pidfile;
  if (ws == NULL) {
    ws = bones_xasprintf("%s/hub", fuzz_tmpdir());
    dot = bones_xasprintf("%s/.bones", ws);
    pidfile = bones_xasprintf("%s/hub.pid", dot);
    mkdir(ws, 0700);
    mkdir(dot, 0700);
  }
  struct bones_error err;
  fuzz_write(dot, "hub.pid", data, size);
  pid_t pid = 0;
  if (bones_pidfile_read(pidfile, &pid, &err) == BONES_OK && (pid <= 0 || pid >= 1 << 30)) abort();
  static const char *const names[] = {"hub-repo-url", "hub-kv-url", "agent.id"};
  for (size_t i = 0; i < 3; i++) {
    fuzz_write(dot, names[i], data, size);
    char *line = bones_ws_read_line(ws, names[i]);
    if (line && (*line == '\0' || strpbrk(line, "\r\n"))) abort();
    free(line);
  }
  static const char *const managed[] = {"nats", "redis"};
  for (size_t i = 0; i < 2; i++) {
    char *url = NULL;
    if (bones_substrate_resolve(managed[i], ws, &url, &err) == BONES_OK) free(url);
  }
  return 0;
}
