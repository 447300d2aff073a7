/* mcp_tools.c: the tools `bones mcp` offers, each a bones verb with the
 * CLI's own flags as its input properties (mcp_int.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_int.h"
#include "util.h"

#define SLOT {"slot", 's', "--slot", 0, "the slot (default: the slot of the current worktree)"}
#define TTL {"ttl", 's', "--ttl", 0, "lease of the claim, a duration such as 30m"}
#define TASK_ID {"id", 's', NULL, 1, "task id (t-XXXXXXXX) or a unique prefix"}

const struct mcp_tool mcp_tools[] = {
    {"prime", "Everything an agent needs at the start of a session: identity, slot, claimed tasks, holds, ready "
              "work, handoffs, unread broadcasts, who else is present, the trunk, and the next commands. Read-only.",
     {"prime", NULL}, NULL, 0,
     {{"limit", 'i', "--limit", 0, "how many ready tasks to list (default 10)"}, {NULL}}},
    {"tasks_ready", "Tasks ready to claim (open, unclaimed, not deferred, not blocked), most urgent first.",
     {"tasks", "ready"}, NULL, 0,
     {{"limit", 'i', "--limit", 0, "at most this many"}, SLOT, {"mine", 'b', "--mine", 0, "only tasks for my slot"},
      {NULL}}},
    {"tasks_claim", "Claim a task: open -> claimed by you with a lease and a new epoch. Claimed by another: exit 4.",
     {"tasks", "claim"}, NULL, 0,
     {TASK_ID, TTL, {"takeover", 'b', "--takeover", 0, "take over a claim whose lease expired and whose holder is gone"},
      {NULL}}},
    {"tasks_claim_next", "Claim the most urgent ready task (racing agents each get a different one). Nothing ready: "
                         "exit 3.",
     {"tasks", "claim"}, "--next", 0,
     {SLOT, TTL, {"another", 'b', "--another", 0, "claim another even when you already hold one"}, {NULL}}},
    {"tasks_show", "One task, every field.", {"tasks", "show"}, NULL, 0, {TASK_ID, {NULL}}},
    {"tasks_update", "Change a task's title, files, parent, priority, deferral, context, description or labels.",
     {"tasks", "update"}, NULL, 0,
     {TASK_ID,
      {"title", 's', "--title", 0, "new title"},
      {"files", 's', "--files", 0, "comma-separated paths"},
      {"parent", 's', "--parent", 0, "parent task id"},
      {"priority", 's', "--priority", 0, "P0..P4, or none"},
      {"defer-until", 's', "--defer-until", 0, "a time or duration; empty clears it"},
      {"context", 'a', "--context", 0, "K=V entries (K= removes K)"},
      {"description", 's', "--description", 0, "text (or @FILE)"},
      {"acceptance", 's', "--acceptance", 0, "text (or @FILE)"},
      {"add-label", 'a', "--add-label", 0, "labels to add"},
      {"remove-label", 'a', "--remove-label", 0, "labels to remove"},
      {NULL}}},
    {"tasks_close", "Close a task you claimed.", {"tasks", "close"}, NULL, 0,
     {TASK_ID, {"reason", 's', "--reason", 0, "why"}, {"epoch", 'i', "--epoch", 0, "the claim's epoch, to refuse a stale close"},
      {"force", 'b', "--force", 0, "an operator closing another agent's claim (recorded)"}, {NULL}}},
    {"swarm_join", "Join a slot: claim the task, hold its files, clone the hub into .bones/swarm/SLOT/ (the "
                   "worktree to edit) and record the session.",
     {"swarm", "join"}, NULL, 300,
     {{"slot", 's', "--slot", 1, "the slot name"},
      {"task", 's', "--task", 0, "task id (or give next)"},
      {"next", 'b', "--next", 0, "claim the most urgent ready task for the slot"},
      {"force", 'b', "--force", 0, "replace a stale session of the slot"},
      {"lease", 's', "--lease", 0, "session lease (default 5m)"},
      {"grace", 's', "--grace", 0, "grace after the lease before reaping"},
      {"pid", 'i', "--pid", 0, "a long-lived process of the agent"},
      TTL,
      {NULL}}},
    {"swarm_commit", "Commit the slot's changes to trunk: merges the newest trunk first (a conflict: exit 4, "
                     "files listed, nothing committed), refuses files held by others, keeps trunk linear.",
     {"swarm", "commit"}, NULL, 600,
     {{"message", 's', "--message", 1, "the commit message"},
      SLOT,
      {"wait", 's', "--wait", 0, "how long to wait for the trunk lease"},
      {"files", 'a', NULL, 0, "commit only these paths"},
      {NULL}}},
    {"swarm_close", "Close the slot: success closes the task and removes the worktree; fail/fork release the task "
                    "and keep the worktree.",
     {"swarm", "close"}, NULL, 300,
     {{"result", 's', "--result", 1, "success, fail or fork"},
      SLOT,
      {"summary", 's', "--summary", 0, "what was done (or @FILE), kept on the task for fan-in"},
      {"no-artifact", 's', "--no-artifact", 0, "success without a commit: the reason"},
      {"keep-wt", 'b', "--keep-wt", 0, "keep the worktree"},
      {NULL}}},
    {"swarm_status", "Every slot's session: state active/idle/stale, task, lease.", {"swarm", "status"}, NULL, 0,
     {{NULL}}},
    {"coord_claim", "Hold a path (a file or a directory and everything beneath) for a while; held by another: exit 4.",
     {"coord", "claim"}, NULL, 0,
     {{"path", 's', NULL, 1, "workspace-relative path"}, {"reason", 's', "--reason", 0, "why"},
      {"ttl", 's', "--ttl", 0, "how long (default 30m, at most 1h)"}, {NULL}}},
    {"coord_release", "Release your hold on a path.", {"coord", "release"}, NULL, 0,
     {{"path", 's', NULL, 1, "workspace-relative path"}, {"force", 'b', "--force", 0, "release another agent's hold"},
      {NULL}}},
    {"coord_checkpoint", "Arrive at a named checkpoint: your round there goes up by one.", {"coord", "checkpoint"},
     NULL, 0, {{"name", 's', NULL, 1, "checkpoint name"}, {NULL}}},
    {"coord_wait", "Wait until every named agent reached the checkpoint round; exit 124 on timeout naming who is "
                   "missing.",
     {"coord", "wait"}, NULL, 3600,
     {{"name", 's', NULL, 1, "checkpoint name"},
      {"agents", 's', "--agents", 1, "comma-separated agent ids"},
      {"timeout", 's', "--timeout", 0, "how long (default 5m)"},
      {"round", 'i', "--round", 0, "the round to wait for"},
      {NULL}}},
    {"coord_handoff", "Hand an artifact, or your claim on a task (task: it moves when the addressee accepts), to "
                      "another agent; returns the handoff id. Give artifact or task.",
     {"coord", "handoff"}, NULL, 0,
     {{"to", 's', "--to", 1, "the addressee"}, {"artifact", 's', "--artifact", 0, "what is handed over"},
      {"task", 's', "--task", 0, "a task you claim: its claim moves on accept"},
      {"ttl", 's', "--ttl", 0, "how long a task offer stands (default 1h)"},
      {"message", 's', "--message", 0, "a note"}, {NULL}}},
    {"coord_accept", "Accept a handoff addressed to you (id or unique prefix); a task handoff makes its claim yours.",
     {"coord", "accept"}, NULL, 0, {{"id", 's', NULL, 1, "handoff id or a unique prefix"}, {NULL}}},
    {"coord_decline", "Decline a handoff addressed to you; a task's claim stays where it was.", {"coord", "decline"},
     NULL, 0, {{"id", 's', NULL, 1, "handoff id or a unique prefix"}, {NULL}}},
    {"msg_send", "Send a direct message; returns its id. to: an agent id, orchestrator, slot:NAME, all or "
                 "all-in-wave:N.",
     {"msg", "send"}, NULL, 0,
     {{"to", 's', "--to", 1, "the address"}, {"text", 's', NULL, 1, "the message (any UTF-8, 64 KiB at most)"},
      {"task", 's', "--task", 0, "about this task (its thread)"}, {"thread", 's', "--thread", 0, "a thread name"},
      {"ack", 'b', "--ack", 0, "ask the recipient to acknowledge it"}, {NULL}}},
    {"msg_inbox", "Your messages, oldest first, with the unread and need-ack counts; marks nothing read.",
     {"msg", "inbox"}, NULL, 0, {{"unread", 'b', "--unread", 0, "only unread ones"}, {NULL}}},
    {"msg_read", "One message in full; marks it read.", {"msg", "read"}, NULL, 0,
     {{"id", 's', NULL, 1, "message id or a unique prefix"}, {NULL}}},
    {"msg_ack", "Acknowledge a message (marks it read too).", {"msg", "ack"}, NULL, 0,
     {{"id", 's', NULL, 1, "message id or a unique prefix"}, {NULL}}},
    {"msg_thread", "A conversation: the messages of a thread, for a task id with the task's notes.",
     {"msg", "thread"}, NULL, 0, {{"thread", 's', NULL, 1, "thread name or task id"}, {NULL}}},
    {"msg_wait", "Wait for a message (the oldest unread that matches, marked read); exit 124 on timeout.",
     {"msg", "wait"}, NULL, 3600,
     {{"from", 's', "--from", 0, "only from this agent"}, {"thread", 's', "--thread", 0, "only in this thread"},
      {"timeout", 's', "--timeout", 0, "how long (default 5m)"}, {NULL}}},
    {"coord_broadcast", "Send a message on a channel; returns its id.", {"coord", "broadcast"}, NULL, 0,
     {{"channel", 's', NULL, 1, "channel name"}, {"message", 's', NULL, 1, "the text"}, {NULL}}},
    {"coord_broadcasts", "Messages on a channel after an id, or the unread ones (new), oldest first.",
     {"coord", "broadcasts"}, NULL, 0,
     {{"channel", 's', NULL, 1, "channel name"},
      {"after", 's', "--after", 0, "the last id you saw"},
      {"new", 'b', "--new", 0, "after your stored cursor, which then moves on (marks them read)"},
      {"limit", 'i', "--limit", 0, "at most this many"},
      {NULL}}},
    {"who", "The live agents (presence): id, slot, host, last seen.", {"who", NULL}, NULL, 0, {{NULL}}},
    {"status", "This workspace: hub, substrate, slots, task count. Never starts anything.", {"status", NULL}, NULL, 0,
     {{"all", 'b', "--all", 0, "every registered workspace"}, {NULL}}},
    {NULL, NULL, {NULL, NULL}, NULL, 0, {{NULL}}},
};

/* Every tool also takes dir: the CLI's -C DIR. */
const struct mcp_param mcp_dir_param = {"dir", 's', "-C", 0,
                                           "run as if started in DIR (inside a slot's worktree you act as that slot)"};

const struct mcp_tool *mcp_tool_find(const char *name) {
  for (const struct mcp_tool *t = mcp_tools; t->name; t++)
    if (strcmp(t->name, name) == 0) return t;
  return NULL;
}

static json_t *param_schema(const struct mcp_param *p) {
  json_t *s = NULL;
  switch (p->kind) {
  case 'i': s = json_pack("{s:s, s:i}", "type", "integer", "minimum", 0); break;
  case 'b': s = json_pack("{s:s}", "type", "boolean"); break;
  case 'a': s = json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "string"); break;
  default: s = json_pack("{s:s}", "type", "string"); break;
  }
  char doc[300];
  if (p->flag) snprintf(doc, sizeof doc, "%s (CLI: %s)", p->doc, p->flag);
  else snprintf(doc, sizeof doc, "%s (CLI: operand)", p->doc);
  json_object_set_new(s, "description", json_string(doc));
  return s;
}

json_t *mcp_tool_describe(const struct mcp_tool *t) {
  json_t *props = json_object(), *required = json_array();
  for (const struct mcp_param *p = t->params; p->name; p++) {
    json_object_set_new(props, p->name, param_schema(p));
    if (p->required) json_array_append_new(required, json_string(p->name));
  }
  json_object_set_new(props, mcp_dir_param.name, param_schema(&mcp_dir_param));
  char cli[80];
  snprintf(cli, sizeof cli, "bones %s%s%s%s%s", t->verb[0], t->verb[1] ? " " : "", t->verb[1] ? t->verb[1] : "",
           t->fixed ? " " : "", t->fixed ? t->fixed : "");
  char *description = bones_xasprintf("%s (CLI: `%s --json`)", t->description, cli);
  json_t *d = json_pack("{s:s, s:s, s:{s:s, s:o, s:o, s:b}}", "name", t->name, "description", description,
                        "inputSchema", "type", "object", "properties", props, "required", required,
                        "additionalProperties", 0);
  free(description);
  return d;
}
