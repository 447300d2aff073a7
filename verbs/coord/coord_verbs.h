/* coord_verbs.h: the sub-verbs of `bones coord` and what they share. */
#ifndef BONES_COORD_VERBS_H
#define BONES_COORD_VERBS_H

#include <signal.h>

#include <bones/verb.h>

/* Resolves the calling agent (and refreshes its presence, best effort).
 * *kv is the core's; *agent malloc'd (caller frees). */
int coord_me(struct bones_ctx *ctx, bones_kv **kv, char **agent, struct bones_error *err);

/* Set by SIGINT/SIGTERM while coord_catch_signals is in effect: the
 * signal number. */
extern volatile sig_atomic_t coord_stop;

/* Catches SIGINT and SIGTERM (no SA_RESTART) into coord_stop, so a wait
 * or a follow ends cleanly. */
void coord_catch_signals(void);

/* The exit for an interrupted wait: a message, 128 + the signal. */
int coord_interrupted(struct bones_ctx *ctx);

int coord_claim_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_release_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_owner_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_claimed_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_claims_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_checkpoint_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_wait_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_handoff_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_handoffs_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_decline_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_accept_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_broadcast_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_broadcasts_run(struct bones_ctx *ctx, int argc, char **argv);
int coord_agent_id_run(struct bones_ctx *ctx, int argc, char **argv);

#endif
