/* coord.c: `bones coord`: path claims, checkpoints, handoffs, broadcasts
 * (seed 004, done right), and the parts the sub-verbs share. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>

#include "agent.h"
#include "coord_verbs.h"
#include "presence.h"
#include "sessions.h"

volatile sig_atomic_t coord_stop;

/* The handler: remembers which signal asked us to stop. */
static void on_signal(int sig) { coord_stop = sig; }

void coord_catch_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int coord_interrupted(struct bones_ctx *ctx) {
  int sig = coord_stop ? (int)coord_stop : SIGINT;
  if (!bones_ctx_json(ctx))
    fprintf(stderr, "bones: %s: interrupted by %s\n", bones_ctx_verb_path(ctx), sig == SIGTERM ? "SIGTERM" : "SIGINT");
  return 128 + sig;
}

int coord_me(struct bones_ctx *ctx, bones_kv **kv, char **agent, struct bones_error *err) {
  *agent = NULL;
  int rc = bones_ctx_kv(ctx, kv, err);
  if (rc != BONES_OK) return rc;
  char *slot = NULL;
  enum bones_agent_source src;
  rc = bones_agent_resolve(bones_ctx_workspace(ctx), NULL, agent, &slot, &src, err);
  if (rc != BONES_OK) return rc;
  struct bones_error perr;
  bones_presence_touch(*kv, *agent, slot, 0, &perr); /* best effort: a heartbeat */
  if (slot) bones_session_touch(*kv, slot, &perr);  /* a verb run as the slot renews its session lease */
  free(slot);
  return BONES_OK;
}

int coord_agent_id_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "agent-id takes no arguments (got '%s')", argv[1]);
  char *agent = NULL, *slot = NULL;
  enum bones_agent_source src;
  struct bones_error err;
  if (bones_agent_resolve(bones_ctx_workspace(ctx), NULL, &agent, &slot, &src, &err) != BONES_OK)
    return bones_ctx_fail(ctx, &err);
  const char *from = bones_agent_source_name(src);
  int rc = 0;
  if (bones_ctx_json(ctx)) {
    rc = bones_ctx_emit(ctx, "coord.agent-id", json_pack("{s:s, s:s, s:s?}", "agent", agent, "source", from, "slot", slot));
  } else if (bones_ctx_quiet(ctx)) {
    printf("%s\n", agent);
  } else {
    printf("%s (from %s%s%s)\n", agent, src == BONES_AGENT_FROM_ENV ? "$BONES_AGENT_ID" : from, slot ? ": slot " : "",
           slot ? slot : "");
  }
  free(agent);
  free(slot);
  return rc;
}

#define NOTE \
  "The agent is the slot of the current worktree, else $BONES_AGENT_ID, else\n" \
  "the workspace agent (docs/identity.md).  Names of checkpoints and\n" \
  "channels: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, no '..'.  Exit codes: 2 usage, 3 not found, 4 held by another,\n" \
  "5 substrate unavailable, 6 refused by state, 124 a wait timed out.\n"

static const struct bones_subverb coord_subverbs[] = {
    {"claim", "claim a path (a hold: swarm commit respects it)",
     "usage: bones coord claim PATH [--reason R] [--ttl DURATION]\n"
     "Takes a hold on PATH (workspace-relative) for 30m unless --ttl (at most 1h).\n"
     "Claiming your own claim renews it.  Held by another: exit 4 naming the holder.\n"
     "A claim on a directory covers every path beneath it: it conflicts with another\n"
     "agent's claim on the directory, an ancestor or anything beneath it.  Globs\n"
     "('*', '?', '[') are refused (exit 2): claim the directory instead.\n",
     coord_claim_run, BONES_VERB_NEEDS_KV},
    {"release", "give a claim back", "usage: bones coord release PATH [--force]\n"
     "Not claimed: nothing to do (exit 0).  Another agent's live claim: exit 4\n"
     "unless --force.\n", coord_release_run, BONES_VERB_NEEDS_KV},
    {"owner", "who holds a path", "usage: bones coord owner PATH\nExit 3 when nobody holds it live.\n",
     coord_owner_run, BONES_VERB_NEEDS_KV},
    {"claimed", "is a path claimed (exit 0) or not (exit 1)", "usage: bones coord claimed PATH\n",
     coord_claimed_run, BONES_VERB_NEEDS_KV},
    {"claims", "the live claims", "usage: bones coord claims [--all] [--json]\n--all: expired ones too.\n",
     coord_claims_run, BONES_VERB_NEEDS_KV},
    {"checkpoint", "arrive at a checkpoint (the next round)",
     "usage: bones coord checkpoint NAME\n"
     "Your round at NAME goes up by one (1 the first time); prints it.\n",
     coord_checkpoint_run, BONES_VERB_NEEDS_KV},
    {"wait", "wait until agents reached a checkpoint round",
     "usage: bones coord wait NAME --agents a,b,c [--timeout DURATION] [--round N]\n"
     "Returns when every named agent's round at NAME is >= the round waited for:\n"
     "--round N, else your own round there (checkpoint first, then wait), else\n"
     "(you never arrived) the highest round any named agent reached.  A finished\n"
     "round never satisfies a later one.  Default timeout 5m; exit 124 when it\n"
     "runs out, naming who is missing.  SIGINT/SIGTERM end it (exit 130/143).\n",
     coord_wait_run, BONES_VERB_NEEDS_KV},
    {"handoff", "hand an artifact, or your claim on a task, to another agent",
     "usage: bones coord handoff --to AGENT (--artifact A | --task ID [--ttl DURATION]) [--message M]\n"
     "Prints the new handoff id.  --task ID (an id or a unique prefix of a task you\n"
     "claim): when AGENT accepts, the claim moves to AGENT in one CAS on the task\n"
     "(epoch + 1; your holds of the task move too; your later writes to it, a slot\n"
     "commit included, are refused as stale); declining or expiry (--ttl, default\n"
     "1h) leaves the claim where it was.  Not your claim: exit 6.\n",
     coord_handoff_run, BONES_VERB_NEEDS_KV},
    {"handoffs", "handoffs addressed to you (or --to AGENT)",
     "usage: bones coord handoffs [--to AGENT] [--all]\nPending ones, oldest first; --all: accepted too.\n",
     coord_handoffs_run, BONES_VERB_NEEDS_KV},
    {"accept", "accept a handoff addressed to you",
     "usage: bones coord accept ID\nID: the whole id or a unique prefix (ambiguous: exit 2).  Only the addressee\naccepts, once (again: exit 6).  Prints what was accepted; -q only the id.\n"
     "A task handoff gives you the claim, unless it moved on since it was offered\n"
     "(closed, released, handed to another) or expired: exit 6, the offer void.\n", coord_accept_run, BONES_VERB_NEEDS_KV},
    {"decline", "decline a handoff addressed to you (a task's claim stays where it was)",
     "usage: bones coord decline ID\nID: the whole id or a unique prefix.  Declining again changes nothing;\n"
     "an accepted handoff cannot be declined (exit 6).\n", coord_decline_run, BONES_VERB_NEEDS_KV},
    {"broadcast", "send a message on a channel", "usage: bones coord broadcast CHANNEL MESSAGE\n"
     "Prints the message id (16 digits, increasing per channel).  Kept 7 days.\n", coord_broadcast_run, BONES_VERB_NEEDS_KV},
    {"broadcasts", "read a channel",
     "usage: bones coord broadcasts CHANNEL [--after ID|--new] [--limit N] [--follow [--timeout DURATION]]\n"
     "Messages after ID, oldest first.  Go on with --after the last id you saw:\n"
     "every message is seen exactly once.  --follow keeps printing new ones.\n"
     "--new: the messages after your stored cursor (bucket bones-cursors, per\n"
     "agent and channel), which then moves to the last one shown: the unread\n"
     "ones `bones prime` lists, marked read.\n",
     coord_broadcasts_run, BONES_VERB_NEEDS_KV},
    {"agent-id", "who am I, and where that came from", "usage: bones coord agent-id [--json]\n",
     coord_agent_id_run, 0},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_coord) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "coord",
    .description = "coordinate agents: path claims, checkpoints, handoffs, broadcasts",
    .flags = 0, /* each sub-verb but agent-id needs the substrate */
    .usage = "usage: bones coord claim|release|owner|claimed|claims|checkpoint|wait|handoff|handoffs|accept|"
             "decline|broadcast|broadcasts|agent-id ...\n" NOTE,
    .run = NULL,
    .subverbs = coord_subverbs,
};
