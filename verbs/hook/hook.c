/* hook.c: `bones hook heartbeat|pre-tool-use|pre-commit`: the commands
 * harness hooks and the git guard run (docs/harness.md). */
#include "config.h"

#include <bones/plugin.h>
#include <bones/verb.h>

#include "hook_common.h"

static const struct bones_subverb hook_subverbs[] = {
    {"heartbeat", "renew this agent's slot or presence (harness PostToolUse hook)",
     "usage: bones hook heartbeat\n"
     "For a harness's after-each-tool-call hook (Claude Code: PostToolUse).  In a slot's\n"
     "worktree it renews the slot's session, task claim, holds and presence (like `bones\n"
     "swarm heartbeat`); elsewhere in a workspace it refreshes the agent's presence.  The\n"
     "directory is the \"cwd\" of the hook's JSON input on stdin when there is one, else the\n"
     "current one.  At most once per 20 s per slot/agent (a stamp .bones/hook-heartbeat.*;\n"
     "$BONES_HOOK_HEARTBEAT_INTERVAL=DURATION changes it, 0s renews every time).  Never\n"
     "starts the hub; substrate calls bounded to 1.5 s.  Prints nothing and exits 0, also\n"
     "outside a workspace and on failure (logged to .bones/hub.log and one stderr line).\n",
     hook_heartbeat_run, 0},
    {"pre-tool-use", "deny git commit/push in the host checkout while slots are active",
     "usage: bones hook pre-tool-use  < hook-input.json\n"
     "Claude Code's PreToolUse hook on the Bash tool.  Reads the hook input on stdin\n"
     "(tool_input.command, cwd) and, when the command runs `git commit` or `git push` in\n"
     "the host checkout of a workspace with active slots (not in a slot's worktree), prints\n"
     "{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"deny\",\n"
     "\"permissionDecisionReason\":...}} telling the agent to use `bones swarm commit`.\n"
     "Otherwise (other commands, no slots, unreadable or oversized input) prints nothing.\n"
     "Always exits 0.  BONES_ALLOW_GIT=1 in the environment turns the guard off.\n",
     hook_pre_tool_use_run, 0},
    {"pre-commit", "refuse a git commit of files slots hold (git pre-commit hook)",
     "usage: bones hook pre-commit\n"
     "Run by the pre-commit hook `bones harness install` puts in the host repository.\n"
     "Exits 1, naming each staged file and the slot/agent holding it, when another agent\n"
     "holds a staged file (or a directory above it) live; expired holds do not count.\n"
     "Bypass: BONES_ALLOW_GIT=1, or `git commit --no-verify`.  Outside a workspace: exit 0.\n"
     "When git (10 s) or the substrate (1.5 s a call) does not answer: a warning, exit 0.\n",
     hook_pre_commit_run, 0},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_hook) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "hook",
    .description = "commands for harness and git hooks (heartbeat, pre-tool-use, pre-commit)",
    .flags = 0,
    .usage = "usage: bones hook heartbeat|pre-tool-use|pre-commit\n",
    .run = NULL,
    .subverbs = hook_subverbs,
};
