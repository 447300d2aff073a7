/* help.c: `bones help [VERB [SUB-VERB]]`. */
#include "config.h"

#include <stdio.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "ctx.h"

static int help_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc == 1) {
    bones_cli_print_help(stdout);
    return 0;
  }
  if (argc > 3) return bones_ctx_usage(ctx, "help takes a verb and an optional sub-verb");
  if (bones_cli_verb_help(stdout, argv[1], argc == 3 ? argv[2] : NULL) != 0)
    return bones_ctx_usage(ctx, "no help for '%s%s%s': no such verb", argv[1], argc == 3 ? " " : "",
                           argc == 3 ? argv[2] : "");
  return 0;
}

BONES_VERB_EXPORT(verb_help) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "help",
    .description = "list the verbs, or show one verb's help",
    .flags = 0,
    .usage = "usage: bones help [VERB [SUB-VERB]]\n"
             "Without a verb: the global options and the list of verbs.\n"
             "With one: the same text as `bones VERB --help`.\n",
    .run = help_run,
    .subverbs = NULL,
};
