/* swarm_common.c: shared parts of the `bones swarm` sub-verbs. */
#include "config.h"

#include <stdlib.h>

#include "agent.h"
#include "swarm_common.h"
#include "util.h"

int swarm_open(struct bones_ctx *ctx, struct bones_swarm *s, struct bones_error *err) {
  bones_kv *kv = NULL;
  int rc = bones_ctx_kv(ctx, &kv, err);
  if (rc == BONES_OK) rc = bones_swarm_open(bones_ctx_workspace(ctx), kv, s, err);
  return rc;
}

int swarm_pick_slot(struct bones_ctx *ctx, const char *given, char **slot, struct bones_error *err) {
  *slot = NULL;
  if (given) {
    int rc = bones_name_check("slot", given, err);
    if (rc == BONES_OK) *slot = bones_xstrdup(given);
    return rc;
  }
  char *agent = NULL;
  enum bones_agent_source src;
  int rc = bones_agent_resolve(bones_ctx_workspace(ctx), NULL, &agent, slot, &src, err);
  free(agent);
  if (rc == BONES_OK && *slot == NULL) {
    bones_error_set(err, BONES_E_USAGE, "which slot? run this inside a slot's worktree, or pass --slot NAME");
    return BONES_E_USAGE;
  }
  return rc;
}
