/* msg_verbs.h (internal): the sub-verbs of `bones msg` (verbs/msg/). */
#ifndef BONES_MSG_VERBS_H
#define BONES_MSG_VERBS_H

#include <jansson.h>

#include <bones/kv.h>
#include <bones/verb.h>

int msg_send_run(struct bones_ctx *ctx, int argc, char **argv);
int msg_inbox_run(struct bones_ctx *ctx, int argc, char **argv);
int msg_read_run(struct bones_ctx *ctx, int argc, char **argv);
int msg_ack_run(struct bones_ctx *ctx, int argc, char **argv);
int msg_thread_run(struct bones_ctx *ctx, int argc, char **argv);
int msg_wait_run(struct bones_ctx *ctx, int argc, char **argv);

/* The conversation of thread: its messages and, when it is a task's id,
 * that task's notes, oldest first ({kind:"message"|"note", at, from,
 * to?, text, id?}); a new array. */
int msg_thread_entries(bones_kv *kv, const char *agent, const char *thread, json_t **entries, struct bones_error *err);

/* Prints entries (msg_thread_entries) for a person. */
void msg_print_entries(json_t *entries);

#endif
