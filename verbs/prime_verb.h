/* prime_verb.h: `bones prime`'s run function and help, shared with
 * `bones tasks prime` (the Go original's name). */
#ifndef BONES_PRIME_VERB_H
#define BONES_PRIME_VERB_H

#include <bones/verb.h>

/* Runs `bones prime` with argv (argv[0] the verb name); returns the exit
 * status. */
int prime_verb_run(struct bones_ctx *ctx, int argc, char **argv);

/* The --help text of `bones prime`. */
extern const char prime_verb_usage[];

#endif
