/* complete_verb.c: `bones __complete -- WORDS...`, the hidden verb the
 * shell completion scripts call (complete.h). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "complete.h"

/* The whole completion must answer within this, whatever a substrate does. */
#define COMPLETE_DEADLINE_S 2

static void on_deadline(int sig) {
  (void)sig;
  _exit(0); /* the lines printed so far stand (stdout is line-buffered) */
}

static int complete_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--") != 0)
    return bones_ctx_usage(ctx, "usage: bones __complete -- WORDS... (the words of the command line so far)");
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGALRM, on_deadline);
  alarm(COMPLETE_DEADLINE_S);
  char *words[2] = {"bones", ""};
  int n = argc - 2;
  char **w = argv + 2;
  if (n < 2) { /* only the program (or nothing): complete an empty first word */
    if (n == 1) words[0] = w[0];
    w = words;
    n = 2;
  }
  int rc = bones_complete_words(stdout, w, n, bones_ctx_workspace(ctx), bones_ctx_substrate(ctx));
  alarm(0);
  return rc;
}

BONES_VERB_EXPORT(verb___complete) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "__complete",
    .description = "completion candidates for the shell scripts (internal)",
    .flags = BONES_VERB_HIDDEN,
    .usage = "usage: bones __complete -- PROGRAM [WORDS...] CURRENT\n"
             "Prints the completions of CURRENT, the last (maybe empty) word of the\n"
             "command line PROGRAM WORDS..., one a line: WORD, or WORD<TAB>DESCRIPTION;\n"
             "a line \":files\" or \":dirs\" asks the shell for file or directory names.\n"
             "Verbs (plugin verbs too), sub-verbs and flags come from the verbs' help;\n"
             "slot names from .bones/swarm/, task ids from the substrate (read only,\n"
             "bounded: a substrate that does not answer gives none).  Used by the\n"
             "scripts of `bones completion bash|zsh|fish`; see docs/completion.md.\n",
    .run = complete_run,
    .subverbs = NULL,
};
