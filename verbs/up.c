/* up.c: `bones up [--substrate=S]`: make this git repository a workspace. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "workspace.h"

static int up_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"substrate", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
  const char *substrate = NULL;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') substrate = optarg;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "up takes no arguments (got '%s')", argv[optind]);
  /* a global --substrate before the verb counts too */
  if (substrate == NULL && getenv("BONES_SUBSTRATE") == NULL) {
    const char *global = bones_ctx_substrate(ctx);
    if (global && strcmp(global, "sqlite") != 0) substrate = global;
  }
  struct bones_error err;
  struct bones_up_result res;
  if (bones_workspace_up(NULL, substrate, &res, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  int rc = 0;
  if (bones_ctx_json(ctx)) {
    rc = bones_ctx_emit(ctx, "up", json_pack("{s:s, s:s, s:s, s:b}", "workspace", res.root, "substrate",
                                             res.substrate, "agent_id", res.agent_id, "created", res.created));
  } else if (!bones_ctx_quiet(ctx)) {
    printf("%s workspace %s (substrate %s, agent %s)\n", res.created ? "created" : "already a", res.root,
           res.substrate, res.agent_id);
    if (res.created) printf("next: `bones hub start --detach`, or let the first verb that needs it start it\n");
  }
  bones_up_result_clear(&res);
  return rc;
}

BONES_VERB_EXPORT(verb_up) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "up",
    .description = "make this git repository a bones workspace",
    .flags = 0,
    .usage = "usage: bones up [--substrate=sqlite|nats|redis|URL] [--json]\n"
             "Creates .bones/ (0700) at the top of this git repository: the workspace\n"
             "agent id, config.json with the substrate, a .bones/ line in .gitignore,\n"
             "and an entry in the per-user registry.  Needs at least one commit with\n"
             "tracked files (the hub is seeded from them).  Running it again changes\n"
             "nothing but the substrate, when one is given.\n",
    .run = up_run,
    .subverbs = NULL,
};
