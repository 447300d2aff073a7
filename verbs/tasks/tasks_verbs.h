/* tasks_verbs.h: the sub-verb functions of `bones tasks`. */
#ifndef BONES_TASKS_VERBS_H
#define BONES_TASKS_VERBS_H

#include <jansson.h>

#include <bones/verb.h>

int tasks_create_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_list_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_ready_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_show_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_history_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_update_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_link_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_claim_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_renew_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_release_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_close_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_watch_run(struct bones_ctx *ctx, int argc, char **argv);

/* `tasks claim --next` / `tasks ready --claim` (claim_next.c). */
int tasks_claim_next_run(struct bones_ctx *ctx, int argc, char **argv);
/* 1 when flag is one of argv[1..] (before a "--"). */
int tasks_args_have(int argc, char **argv, const char *flag);

/* richer tasks (rich.c, export.c) */
int tasks_comment_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_blocked_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_tree_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_export_run(struct bones_ctx *ctx, int argc, char **argv);
int tasks_import_run(struct bones_ctx *ctx, int argc, char **argv);
/* Prints description, acceptance, labels, notes and the blocks edges
 * (borrowed) of a task after tasks_print_full. */
void tasks_print_rich(json_t *task, json_t *blocked_by, json_t *blocking);

#endif
