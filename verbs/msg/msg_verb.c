/* msg_verb.c: the `bones msg` verb and its sub-verbs (msg_verbs.h). */
#include "config.h"

#include <bones/plugin.h>
#include <bones/verb.h>

#include "msg_verbs.h"

#define ADDRESSES                                                                                        \
  "ADDRESS: an agent id; orchestrator (the workspace's own agent, .bones/agent.id);\n"                \
  "slot:NAME (that slot's agent); all (every agent with a slot session but you);\n"                    \
  "all-in-wave:N (the agents of slots working on tasks of wave N, from `swarm\n"                      \
  "dispatch`).  A group gets one copy per agent, each with its own unread state.\n"

static const struct bones_subverb msg_subverbs[] = {
    {"send", "send a message to an agent, a slot, the orchestrator or a group",
     "usage: bones msg send --to ADDRESS [--task ID] [--thread T] [--ack] TEXT|@FILE [--json]\n" ADDRESSES
     "--task ID: about that task (an id or a unique prefix); the thread is the task's\n"
     "id unless --thread T names another (`bones msg thread`, `bones tasks show`).\n"
     "--ack: the recipient is asked to acknowledge it (`bones msg ack ID`).\n"
     "Any UTF-8, 64 KiB at most (exit 8); kept 30 days.  Prints the message id.\n"
     "Exit 3 when a group names nobody.\n",
     msg_send_run, BONES_VERB_NEEDS_KV},
    {"inbox", "your messages, oldest first", "usage: bones msg inbox [--unread] [--json]\n"
     "Listing marks nothing read.  `new` marks unread ones, [needs ack] those that\n"
     "wait for `bones msg ack`.  stderr (and --json) gives the counts.\n",
     msg_inbox_run, BONES_VERB_NEEDS_KV},
    {"read", "show one message and mark it read",
     "usage: bones msg read ID [--json]\nID: the whole id or a unique prefix.  Reading again changes nothing.\n",
     msg_read_run, BONES_VERB_NEEDS_KV},
    {"ack", "acknowledge a message (marks it read too)",
     "usage: bones msg ack ID [--json]\nIdempotent: acking again changes nothing (exit 0).\n", msg_ack_run,
     BONES_VERB_NEEDS_KV},
    {"thread", "a conversation: the messages of a thread (a task's: with its notes)",
     "usage: bones msg thread T [--json]\nT: a thread name, or a task id (or unique prefix) for that task's\n"
     "conversation: its messages and its notes (`bones tasks comment`), oldest first.\n",
     msg_thread_run, BONES_VERB_NEEDS_KV},
    {"wait", "wait for a message (exit 124 on timeout)",
     "usage: bones msg wait [--from AGENT] [--thread T] [--timeout DURATION] [--json]\n"
     "Returns the oldest unread message in your inbox that matches, marked read,\n"
     "at once when there is one; else waits for it (the substrate's watch where it\n"
     "has one, as `coord wait`).  Two waiters never get the same message.  Default\n"
     "timeout 5m; exit 124 when it runs out.\n",
     msg_wait_run, BONES_VERB_NEEDS_KV},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_msg) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "msg",
    .description = "direct messages: send, inbox, read, ack, threads, wait for a reply",
    .flags = 0,
    .usage = "usage: bones msg send|inbox|read|ack|thread|wait ...\n"
             "Your identity is the one every verb uses (`bones coord agent-id`).\n",
    .run = NULL,
    .subverbs = msg_subverbs,
};
