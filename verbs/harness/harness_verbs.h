/* harness_verbs.h: what `bones harness` shares with `bones up --harness`. */
#ifndef BONES_VERB_HARNESS_H
#define BONES_VERB_HARNESS_H

#include <jansson.h>

#include <bones/verb.h>

/* Prints an install/remove report for a human: one line per file written,
 * removed or restored (not with -q), and a "warning:" line on stderr per
 * file kept.  Nothing with --json. */
void harness_print_report(struct bones_ctx *ctx, json_t *report);

#endif
