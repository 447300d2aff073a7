/* agent.h: who is calling.  One rule for every verb (docs/identity.md):
 * the slot whose worktree holds the cwd ("slot-NAME"), else
 * $BONES_AGENT_ID, else the workspace agent id in .bones/agent.id.  (Swarm
 * verbs given --slot NAME act as slot-NAME whatever the cwd.) */
#ifndef BONES_AGENT_H
#define BONES_AGENT_H

#include <bones/error.h>

enum bones_agent_source { BONES_AGENT_FROM_ENV, BONES_AGENT_FROM_SLOT, BONES_AGENT_FROM_WORKSPACE };

/* Resolves the agent id for a process working in cwd (NULL = the current
 * directory) of workspace root (may be NULL outside a workspace).  *agent
 * is malloc'd (caller frees); *slot (may be NULL) gets the slot name when
 * the cwd is in a slot's worktree, else NULL (malloc'd).  BONES_E_USAGE
 * when $BONES_AGENT_ID is used and is not a valid name; BONES_E_NOWORKSPACE
 * when there is no identity at all.  A $BONES_AGENT_ID that a slot
 * worktree overrides is named once per process on stderr when it differs. */
int bones_agent_resolve(const char *root, const char *cwd, char **agent, char **slot,
                        enum bones_agent_source *source, struct bones_error *err);

const char *bones_agent_source_name(enum bones_agent_source source);

/* Validates an agent id: a name (bones_name_check) or "slot-" followed by a
 * slot name (which may make it longer than a name).  BONES_E_USAGE naming
 * what is wrong otherwise. */
int bones_agent_check(const char *agent, struct bones_error *err);

#endif
