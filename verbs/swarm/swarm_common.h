/* swarm_common.h: what the `bones swarm` sub-verbs share. */
#ifndef BONES_VERB_SWARM_COMMON_H
#define BONES_VERB_SWARM_COMMON_H

#include <bones/verb.h>

#include "swarm.h"

/* Opens the swarm of the ctx's workspace; free with bones_swarm_free(). */
int swarm_open(struct bones_ctx *ctx, struct bones_swarm *s, struct bones_error *err);

/* The slot: the --slot value when given, else the slot whose worktree
 * holds the cwd.  *slot malloc'd. */
int swarm_pick_slot(struct bones_ctx *ctx, const char *given, char **slot, struct bones_error *err);

int swarm_join_run(struct bones_ctx *ctx, int argc, char **argv);
int swarm_commit_run(struct bones_ctx *ctx, int argc, char **argv);
int swarm_close_run(struct bones_ctx *ctx, int argc, char **argv);
int swarm_status_run(struct bones_ctx *ctx, int argc, char **argv);
int swarm_cwd_run(struct bones_ctx *ctx, int argc, char **argv);
int swarm_heartbeat_run(struct bones_ctx *ctx, int argc, char **argv);
int swarm_reap_run(struct bones_ctx *ctx, int argc, char **argv);

int swarm_resume_run(struct bones_ctx *ctx, int argc, char **argv);
int swarm_discard_run(struct bones_ctx *ctx, int argc, char **argv);

/* Says each kept worktree (a closed slot's) with its resume and discard
 * commands (not with --json / -q). */
void swarm_say_kept(struct bones_ctx *ctx);

/* issue 12 item 3 (swarm_fanin.c): `swarm fan-in`, and close's --summary
 * TEXT|@FILE read into a malloc'd *summary (64 KiB: exit 8, UTF-8: 2). */
int swarm_fanin_run(struct bones_ctx *ctx, int argc, char **argv);
int swarm_summary_arg(const char *arg, char **summary, struct bones_error *err);

/* issue 12 item 2 (swarm_dispatch.c): `swarm dispatch FILE|--status|--advance|--cancel`. */
int swarm_dispatch_run(struct bones_ctx *ctx, int argc, char **argv);

#endif
