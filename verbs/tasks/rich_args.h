/* rich_args.h: options of the richer task fields shared by sub-verbs. */
#ifndef BONES_VERB_TASKS_RICH_ARGS_H
#define BONES_VERB_TASKS_RICH_ARGS_H

#include <jansson.h>

#include <bones/error.h>

/* getopt values of the rich options (outside the char range) */
enum { TASKS_OPT_DESCRIPTION = 1000, TASKS_OPT_ACCEPTANCE, TASKS_OPT_LABEL, TASKS_OPT_ADD_LABEL, TASKS_OPT_REMOVE_LABEL };

/* A TEXT|@FILE argument: "@path" reads the file.  Over 64 KiB:
 * BONES_E_TOOLARGE; not UTF-8 or a NUL byte: BONES_E_USAGE; a missing
 * file: BONES_E_NOTFOUND.  *text malloc'd, caller frees. */
int tasks_text_arg(const char *what, const char *arg, char **text, struct bones_error *err);

/* Records the rich option c (TASKS_OPT_...) with its argument in changes:
 * description/acceptance (an empty text: null, clearing it), labels,
 * add_labels, remove_labels.  Checks the value. */
int tasks_rich_option(int c, const char *optarg, json_t *changes, struct bones_error *err);

#endif
