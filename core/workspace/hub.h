/* hub.h: the hub of a workspace (seed 001): the hub repository
 * (.bones/hub.fossil, created and seeded once, never wiped), its server
 * on loopback, and the managed substrate server when the workspace's
 * substrate is a bare `nats` or `redis`.  One supervisor process per
 * workspace (hub.pid) owns those servers and runs the lease watchers. */
#ifndef BONES_HUB_H
#define BONES_HUB_H

#include <sys/types.h>

#include <bones/error.h>
#include <bones/kv.h>

struct bones_hub_status {
  int running;      /* supervisor alive AND the repo server answers */
  pid_t pid;        /* supervisor pid from hub.pid, 0 when none */
  int pid_alive;
  int repo_answers;
  int kv_answers;   /* managed substrate answers (-1: not managed) */
  char *repo_url;   /* from hub-repo-url, or NULL */
  char *kv_url;     /* from hub-kv-url (managed substrate), or NULL;
                     * credentials removed (bones_url_redact) */
  char *substrate;  /* recorded in config.json, credentials removed */
  char *page_url;   /* the live page (hub-page-url) when the running hub
                     * serves one and it answers, else NULL */
  int pid_stale;    /* hub.pid names a live process that is not this hub
                       (a reused pid, or a file without a start time):
                       never signalled; pid_alive is 0 */
};

void bones_hub_status_clear(struct bones_hub_status *st);

/* Reads the hub's state files and probes its servers (bounded: 500 ms
 * each).  Never starts or blocks on anything. */
int bones_hub_status(const char *root, struct bones_hub_status *st, struct bones_error *err);

struct bones_hub_start_options {
  int detach;    /* return once everything answers; the hub runs on */
  int wait_ms;   /* bound on readiness; 0 = 20 s */
  int ready_fd;  /* internal: the detached child reports here; -1 */
};

/* Records the IPv4 address the hub serves its repository on from its next
 * start (.bones/hub-listen, 0600): "127.0.0.1" (the default) removes the
 * record.  BONES_E_USAGE when addr is not an IPv4 literal. */
int bones_hub_set_listen(const char *root, const char *addr, struct bones_error *err);

/* Starts the hub of root.  Idempotent: *already is set when it was
 * running.  Without detach this call IS the hub and returns after a
 * SIGTERM/SIGINT, or once root/.bones is gone or replaced (another device
 * or inode than at start: it then stops its servers and touches no file
 * there).  A managed substrate server requires the workspace credential
 * (kv_secret.h).  A second concurrent start gets BONES_E_CONFLICT naming
 * the lock holder's pid. */
int bones_hub_start(const char *root, const struct bones_hub_start_options *o, int *already,
                    struct bones_error *err);

/* Stops the hub: SIGTERM, wait, SIGKILL (also the servers it started).
 * Only signals processes hub.pid / hub.children prove are this hub's (pid,
 * start time, command line: proc.h); a stale hub.pid naming another
 * process is removed and that process left alone (BONES_OK, *was_running
 * 0).  Refuses (BONES_E_REFUSED) while slots have live leaf processes
 * unless force.  URL files are kept so the next start reuses the ports.
 * *was_running (may be NULL) tells whether anything was running. */
int bones_hub_stop(const char *root, int force, int *was_running, struct bones_error *err);

/* Starts the hub detached when it is not running (verbs that need it). */
int bones_hub_ensure(const char *root, struct bones_error *err);

/* Creates and seeds the hub repository (.bones/hub.fossil) from the
 * git-tracked files when it does not exist yet, without starting any
 * server: what `bones up` does so that the first verb needing the hub can
 * start it (swarm join refuses a workspace never seeded).  BONES_OK with
 * *seeded 0 when it existed or a hub being started holds the lock (it
 * seeds).  Seeding errors as hub start reports them. */
int bones_hub_seed(const char *root, int *seeded, struct bones_error *err);

/* A lease watcher: called by the running hub every few seconds with an
 * open substrate connection.  Must be silent (log nothing) when nothing
 * is stale; logs each reap through bones_hublog. */
typedef void (*bones_hub_watcher_fn)(const char *root, bones_kv *kv);

/* Registers a watcher (at most 8) for hubs started by this process. */
void bones_hub_add_watcher(bones_hub_watcher_fn fn);

/* A service the running hub carries beside its servers (the live page,
 * verbs/page/page.h): started once the hub is ready, stopped before its
 * servers.  start may start threads (with the stop signals blocked in
 * them: they stay the hub's main thread's); a start that fails is logged
 * and the hub runs on without the service.  stop returns once the
 * service's threads are gone. */
struct bones_hub_service {
  const char *name;
  int (*start)(const char *root, struct bones_error *err);
  void (*stop)(const char *root);
};

/* Registers a service (at most 4) for hubs started by this process. */
void bones_hub_add_service(const struct bones_hub_service *s);

#endif
