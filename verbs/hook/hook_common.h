/* hook_common.h: what the `bones hook` sub-verbs share.  Hooks run on
 * every tool call of an agent harness: they are bounded, never start the
 * hub, and never fail the harness for a bones problem (docs/harness.md). */
#ifndef BONES_VERB_HOOK_COMMON_H
#define BONES_VERB_HOOK_COMMON_H

#include <stddef.h>

#include <jansson.h>

#include <bones/kv.h>
#include <bones/verb.h>

/* Bound on a hook's substrate round trips (ms). */
#define HOOK_KV_TIMEOUT_MS 1500

/* The hook's input: the JSON object a harness writes on stdin (Claude
 * Code does), read for at most wait_ms and max bytes.  NULL when stdin is
 * a terminal, closed, empty, larger than max, or not a JSON object. */
json_t *hook_read_input(size_t max, int wait_ms);

/* 1 when $BONES_ALLOW_GIT is "1" (the documented escape hatch). */
int hook_git_allowed(void);

/* The workspace for dir (NULL: the run's own), malloc'd, or NULL. */
char *hook_workspace(struct bones_ctx *ctx, const char *dir);

/* Opens the substrate of root for a hook: --substrate, $BONES_SUBSTRATE,
 * the workspace's config, else sqlite; round trips bounded by
 * HOOK_KV_TIMEOUT_MS.  Never starts anything.  Close with bones_kv_close. */
int hook_kv_open(struct bones_ctx *ctx, const char *root, bones_kv **kv, struct bones_error *err);

int hook_heartbeat_run(struct bones_ctx *ctx, int argc, char **argv);
int hook_pre_tool_use_run(struct bones_ctx *ctx, int argc, char **argv);
int hook_pre_commit_run(struct bones_ctx *ctx, int argc, char **argv);

#endif
