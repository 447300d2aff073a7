/* hub_join.h: joining a slot from a host without the hub's repository
 * file (a workspace made by `bones up --hub URL`).  The joiner cannot add
 * its slot's fossil user to the hub file, so it asks through the
 * substrate: a request in bucket bones-hub-joins (key: the slot) carries
 * the user and a fresh password; the running hub, which serves on a
 * non-loopback address and polls that bucket, adds the user to its file
 * and answers with the hub's identity (repo vtable hub_identity), removing
 * the password from the record.  The joiner then makes its leaf over HTTP
 * (leaf_clone_remote) and deletes the record.  The password lives in the
 * substrate only until the hub answers, readable by what can read the
 * substrate (which can claim any task too): docs/multi-host.md. */
#ifndef BONES_HUB_JOIN_H
#define BONES_HUB_JOIN_H

#include <stdint.h>

#include <bones/kv.h>
#include <bones/repo.h>

#define BONES_HUB_JOINS_BUCKET "bones-hub-joins"
#define BONES_HUB_JOINS_TTL_MS 120000 /* a request nobody answered is gone after this */
#define BONES_HUB_JOIN_WAIT_MS 20000  /* how long a joiner waits for the hub's answer */
#define BONES_HUB_JOIN_POLL_MS 200    /* how often a hub serving other hosts looks */

/* Asks the hub to add user (with password) for slot and waits up to
 * wait_ms for the answer; identity gets the hub's identity.
 * BONES_E_UNAVAILABLE when no hub answered in time (the request is then
 * withdrawn), BONES_E_REFUSED when the hub refused (its reason in err),
 * the substrate's error otherwise. */
int bones_hub_join_ask(bones_kv *kv, const char *slot, const char *user, const char *password, int64_t wait_ms,
                       char identity[BONES_REPO_ID_MAX], struct bones_error *err);

/* The hub's side: answers every pending request with the hub file
 * hub_path through repo (which must have hub_identity).  Refuses a
 * request whose user is not the slot's (slot-NAME) or whose slot has a
 * session record (a live slot keeps its password).  Logs each answer
 * (never the password) through bones_hublog under root.  Returns the
 * number of requests answered; errors reaching the substrate go to err
 * with -1. */
int bones_hub_join_serve(const char *root, bones_kv *kv, const struct bones_repo_backend_v1 *repo, void *repo_handle,
                         const char *hub_path, struct bones_error *err);

#endif
