/* main.c: the bones program.  Registers the built-in modules, then runs
 * the command line (core/cli.c). */
#include "config.h"

#include <stdio.h>

#include "builtins.h"
#include "ctx.h"
#include "loader.h"

int main(int argc, char **argv) {
  struct bones_error err;
  if (bones_register_builtin_backends(&err) != BONES_OK ||
      bones_register_builtin_verbs(&err) != BONES_OK) {
    fprintf(stderr, "bones: built-in module is broken: %s\n", err.message);
    return 1;
  }
  int rc = bones_cli_main(argc, argv);
  bones_loader_shutdown();
  return rc;
}
