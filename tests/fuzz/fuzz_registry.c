/* fuzz_registry.c: a registry entry ($BONES_HOME/workspaces/ID.json, read
 * by `bones ls`, `down --all`, `doctor --all`; core/workspace/registry.c) through
 * bones_registry_read and bones_registry_list.  Input: the file. */
#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "registry.h"
#include "util.h"

#define CWD "/nonexistent/bones-fuzz-ws"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *dir, *name;
  if (dir == NULL) {
    setenv("BONES_HOME", fuzz_tmpdir(), 1);
    dir = bones_registry_dir();
    mkdir(dir, 0700);
    char id[17];
    bones_registry_id(CWD, id);
    name = bones_xasprintf("%s.json", id);
  }
  fuzz_write(dir, name, data, size);
  struct bones_registry_entry e;
  struct bones_error err;
  if (bones_registry_read(CWD, &e, &err) == BONES_OK) bones_registry_entry_clear(&e);
  struct bones_registry_entry *all = NULL;
  size_t n = 0, skipped = 0;
  if (bones_registry_list(&all, &n, &skipped, &err) == BONES_OK) bones_registry_entries_free(all, n);
  return 0;
}
