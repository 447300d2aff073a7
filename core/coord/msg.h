/* msg.h: direct messages between agents (issue 18): an inbox per agent
 * with its unread state kept in the substrate, threads (one per task by
 * default), comments on tasks, and waiting for a reply.
 *
 * Bucket bones-messages (TTL BONES_MESSAGES_TTL_MS): one record per
 * recipient under "<to>/<id>" (the key prefix of coord_handoff.c), so an
 * inbox is one prefix listing and each copy has its own read state:
 *   {schema:"bones.msg/v1", id, from, to, address, task?, thread?, text,
 *    sent_at, needs_ack, read_at, acked_at}
 * The id (bones_time_id: ms time + random) is the same in every copy of
 * one send and is created with create-if-absent: a message is in each
 * inbox exactly once.  read_at/acked_at change by CAS on the record.
 * A task's own notes (`bones tasks comment`, kept in the task record) and
 * the messages of the thread named by its id make its conversation. */
#ifndef BONES_MSG_H
#define BONES_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <bones/error.h>
#include <bones/kv.h>

#define BONES_MESSAGES_BUCKET "bones-messages"
#define BONES_MESSAGES_TTL_MS (30LL * 24 * 3600 * 1000)
#define BONES_MSG_TEXT_MAX (64 * 1024) /* bytes of UTF-8 */
#define BONES_MSG_FANOUT_MAX 256       /* recipients of one send */

/* Opens the messages bucket (created when create; else *b NULL and
 * BONES_OK when it does not exist yet). */
int bones_msg_bucket(bones_kv *kv, int create, bones_kv_bucket **b, struct bones_error *err);

/* Who an address names, as a new array of agent ids (sorted, unique,
 * never the sender for a group):
 *   AGENT             that agent id (bones_agent_check)
 *   orchestrator      the workspace's own agent (.bones/agent.id)
 *   slot:NAME         the agent of slot NAME (slot-NAME)
 *   all               every agent with a slot session
 *   all-in-wave:N     the agents of slots whose task is of wave N
 *                     (tasks made by `swarm dispatch`)
 * BONES_E_USAGE for a malformed address, BONES_E_NOTFOUND when a group is
 * empty. */
int bones_msg_recipients(const char *root, bones_kv *kv, const char *from, const char *address, json_t **agents,
                         struct bones_error *err);

struct bones_msg_out {
  const char *from;    /* the sender's agent id */
  const char *address; /* as given (kept in each copy) */
  const char *task;    /* or NULL */
  const char *thread;  /* or NULL: the task's id when task is given */
  const char *text;    /* any UTF-8, at most BONES_MSG_TEXT_MAX bytes */
  int needs_ack;
};

/* Sends m to every agent of recipients (from bones_msg_recipients): one
 * record each, one id for all.  *sent: a new object {id, to:[...]}.  A
 * failure part way leaves the copies already made (each is whole). */
int bones_msg_send(bones_kv *kv, const struct bones_msg_out *m, json_t *recipients, json_t **sent,
                   struct bones_error *err);

/* The messages in agent's inbox, oldest first (unread ones only when
 * unread_only); a new array.  *last_rev (may be NULL) gets the highest
 * revision seen, for bones_coord_wait_change. */
int bones_msg_inbox(bones_kv *kv, const char *agent, int unread_only, json_t **list, uint64_t *last_rev,
                    struct bones_error *err);

/* Counts agent's unread messages and those that still need an ack. */
int bones_msg_counts(bones_kv *kv, const char *agent, size_t *unread, size_t *need_ack, struct bones_error *err);

/* Marks message id (the whole id or a unique prefix) of agent's inbox as
 * read, and acked when ack; idempotent (a second mark changes nothing and
 * *changed is 0).  *rec: the record after (new reference).
 * BONES_E_NOTFOUND / BONES_E_USAGE (ambiguous prefix) as for handoffs. */
int bones_msg_mark(bones_kv *kv, const char *agent, const char *id, int ack, json_t **rec, int *changed,
                   struct bones_error *err);

/* A thread: the messages sent in it, one per send whatever the number of
 * recipients ({id, from, to:[...], address, text, sent_at, task?}),
 * oldest first; a new array. */
int bones_msg_thread(bones_kv *kv, const char *thread, json_t **list, struct bones_error *err);

/* Checks a message text: valid UTF-8, not empty, at most
 * BONES_MSG_TEXT_MAX bytes. */
int bones_msg_text_check(const char *text, struct bones_error *err);

#endif
