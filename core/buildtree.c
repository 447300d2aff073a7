/* buildtree.c: the modules of the build tree (buildtree.h). */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buildtree.h"
#include "proc.h"
#include "util.h"

#ifndef BONES_BUILD_DIR
#define BONES_BUILD_DIR ""
#endif
#ifndef BONES_BUILD_TREE_MODULE_PATH
#define BONES_BUILD_TREE_MODULE_PATH ""
#endif

int bones_build_tree_owns_exe(const char *dir, const char *exe) {
  if (dir == NULL || exe == NULL || *dir != '/' || *exe != '/') return 0;
  size_t n = strlen(dir);
  if (strncmp(exe, dir, n) != 0 || exe[n] != '/') return 0;
  const char *rest = exe + n + 1;
  return strcmp(rest, "bones") == 0 || strcmp(rest, ".libs/bones") == 0 || strcmp(rest, ".libs/lt-bones") == 0;
}

const char *bones_build_tree_module_path(void) {
  static int done;
  static const char *path;
  if (done) return path;
  done = 1;
  const char *off = getenv("BONES_NO_BUILD_TREE_MODULES");
  if ((off && *off) || !*BONES_BUILD_DIR || !*BONES_BUILD_TREE_MODULE_PATH) return NULL;
  char *exe = bones_self_exe(); /* already resolved by the kernel */
  char *dir = realpath(BONES_BUILD_DIR, NULL); /* the build dir may be reached through a symlink */
  if (bones_build_tree_owns_exe(dir, exe)) path = BONES_BUILD_TREE_MODULE_PATH;
  free(dir);
  free(exe);
  return path;
}
