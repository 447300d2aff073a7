/* agent.c: who is calling (agent.h): the slot whose worktree holds the
 * cwd, else $BONES_AGENT_ID, else the workspace agent id (docs/identity.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

#define SLOT_AGENT_PREFIX "slot-"

int bones_agent_check(const char *agent, struct bones_error *err) {
  size_t n = strlen(SLOT_AGENT_PREFIX);
  if (agent && strncmp(agent, SLOT_AGENT_PREFIX, n) == 0 && agent[n] != '\0' &&
      bones_name_check("slot", agent + n, NULL) == BONES_OK)
    return BONES_OK;
  return bones_name_check("agent", agent, err);
}

const char *bones_agent_source_name(enum bones_agent_source source) {
  switch (source) {
  case BONES_AGENT_FROM_ENV: return "env";
  case BONES_AGENT_FROM_SLOT: return "slot";
  case BONES_AGENT_FROM_WORKSPACE: return "workspace";
  }
  return "unknown";
}

/* The slot whose worktree <root>/.bones/swarm/<slot>/wt holds cwd (both
 * compared as real paths), malloc'd, or NULL when cwd is in none or the
 * directory name is not a valid slot name. */
static char *slot_of_cwd(const char *root, const char *cwd) {
  char *swarm = bones_ws_path(root, "swarm");
  char *swarm_real = realpath(swarm, NULL);
  char *cwd_real = realpath(cwd ? cwd : ".", NULL);
  char *slot = NULL;
  free(swarm);
  if (swarm_real && cwd_real) {
    size_t n = strlen(swarm_real);
    const char *rest = cwd_real + n;
    if (strncmp(cwd_real, swarm_real, n) == 0 && rest[0] == '/') {
      rest++;
      size_t len = strcspn(rest, "/");
      const char *after = rest + len;
      if (strncmp(after, "/wt", 3) == 0 && (after[3] == '\0' || after[3] == '/')) {
        char *name = bones_xstrndup(rest, len);
        if (bones_name_check("slot", name, NULL) == BONES_OK) slot = name;
        else free(name);
      }
    }
  }
  free(swarm_real);
  free(cwd_real);
  return slot;
}

/* Says once per process, on stderr, that $BONES_AGENT_ID (env) loses to
 * the slot of the cwd (agent); silent when they agree. */
static void warn_env_ignored(const char *env, const char *agent) {
  static int said;
  if (said || strcmp(env, agent) == 0) return;
  said = 1;
  fprintf(stderr,
          "bones: note: BONES_AGENT_ID=%.80s is ignored here: this is slot worktree %s's, so you act as %s "
          "(docs/identity.md)\n",
          bones_text_plain(env, "") ? env : "(not plain text)", agent + strlen(SLOT_AGENT_PREFIX), agent);
}

int bones_agent_resolve(const char *root, const char *cwd, char **agent, char **slot,
                        enum bones_agent_source *source, struct bones_error *err) {
  *agent = NULL;
  if (slot) *slot = NULL;
  char *s = root ? slot_of_cwd(root, cwd) : NULL;
  enum bones_agent_source src;
  const char *env = getenv("BONES_AGENT_ID");
  if (s) { /* the slot owns its session, claim and holds: an inherited variable must not rename it */
    *agent = bones_xasprintf(SLOT_AGENT_PREFIX "%s", s);
    src = BONES_AGENT_FROM_SLOT;
    if (env && *env) warn_env_ignored(env, *agent);
  } else if (env && *env) {
    if (bones_agent_check(env, err) != BONES_OK) {
      bones_error_prefix(err, "BONES_AGENT_ID");
      return bones_error_hint(err, "unset it or set it to a name of A-Z a-z 0-9 _ . - (at most 64)");
    }
    *agent = bones_xstrdup(env);
    src = BONES_AGENT_FROM_ENV;
  } else {
    char *id = root ? bones_workspace_agent_id(root) : NULL;
    if (id == NULL) {
      bones_error_set(err, BONES_E_NOWORKSPACE, "no agent identity: BONES_AGENT_ID is unset and %s",
                      root ? "the workspace has no .bones/agent.id" : "this is not a bones workspace");
      return bones_error_hint(err, "run `bones up` in the repository, or set BONES_AGENT_ID");
    }
    if (bones_agent_check(id, err) != BONES_OK) {
      free(id);
      bones_error_prefix(err, "%s/" BONES_DIR "/agent.id", root);
      err->code = BONES_E_CORRUPT;
      return bones_error_hint(err, "remove it and run `bones up` to make a new one");
    }
    *agent = id;
    src = BONES_AGENT_FROM_WORKSPACE;
  }
  if (source) *source = src;
  if (slot) *slot = s;
  else free(s);
  return BONES_OK;
}
