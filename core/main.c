/* main.c: the bones program.  Registers the built-in modules, then runs
 * the command line (core/cli.c). */
#include "config.h"

#include <stdio.h>

#include "builtins.h"
#include "ctx.h"
#include "hub.h"
#include "loader.h"
#include "swarm.h"
#ifdef HAVE_MICROHTTPD
#include "page/page.h"
#endif

int main(int argc, char **argv) {
  struct bones_error err;
  if (bones_register_builtin_backends(&err) != BONES_OK ||
      bones_register_builtin_verbs(&err) != BONES_OK) {
    fprintf(stderr, "bones: built-in module is broken: %s\n", err.message);
    return 1;
  }
  bones_hub_add_watcher(bones_swarm_lease_watcher); /* a hub started here reaps dead slots */
#ifdef HAVE_MICROHTTPD
  bones_hub_add_service(&bones_page_service); /* and serves the live page */
#endif
  int rc = bones_cli_main(argc, argv);
  bones_loader_shutdown();
  return rc;
}
