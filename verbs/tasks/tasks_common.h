/* tasks_common.h: what the `bones tasks` sub-verbs share. */
#ifndef BONES_VERB_TASKS_COMMON_H
#define BONES_VERB_TASKS_COMMON_H

#include <bones/verb.h>

#include "tasks.h"

/* Opens the backlog as the calling agent (and refreshes its presence).
 * *t is freed with bones_tasks_free(); *agent (may be NULL) borrowed from
 * it for the run: malloc'd, caller frees. */
int tasks_open(struct bones_ctx *ctx, struct bones_tasks **t, char **agent, struct bones_error *err);

/* Resolves a (prefix of a) task id; *id malloc'd. */
int tasks_resolve(struct bones_tasks *t, const char *arg, char **id, struct bones_error *err);

/* One line for a task: "<glyph> <id> <status> P<n> claimed=<agent|-> <title>". */
void tasks_print_line(json_t *task);

/* Every field of a task, "key: value" lines. */
void tasks_print_full(json_t *task);

/* Parses a time: RFC3339 UTC, or a duration from now ("2h"). */
int tasks_parse_when(const char *s, int64_t *ms, struct bones_error *err);

/* Parses "P0".."P4" or "0".."4". */
int tasks_parse_priority(const char *s, int *priority, struct bones_error *err);

/* Splits a comma-separated --files list (empty items skipped) and appends
 * each path to the array into; every path must pass bones_relpath_check()
 * (BONES_E_USAGE naming it otherwise, into then holds the earlier ones). */
int tasks_split_files(const char *s, json_t *into, struct bones_error *err);

/* Emits {"task": task} under schema, or prints word + the task line.
 * Steals task. */
int tasks_emit_task(struct bones_ctx *ctx, const char *schema, const char *word, json_t *task, int wrote);

#endif
