/* registry.h: the per-user workspace registry (seed 002).
 * $BONES_HOME (default ~/.bones)/workspaces/<16-hex id of cwd>.json holds
 * {cwd, name, hub_url, kv_url, hub_pid, started_at}; written atomically,
 * pruned on read (dead hub pid with a missing workspace, or unreadable). */
#ifndef BONES_REGISTRY_H
#define BONES_REGISTRY_H

#include <sys/types.h>

#include <bones/error.h>

#include "proc.h"

struct bones_registry_entry {
  char *cwd;
  char *name;
  char *hub_url;   /* may be "" */
  char *kv_url;    /* may be "" */
  pid_t hub_pid;   /* 0 = registered, no hub yet */
  char *started_at;
  unsigned long long hub_pid_start; /* the hub's start time (proc.h pid
                                       records); 0 = unknown: the pid is
                                       never trusted as a live hub */
};

/* The registry directory (malloc'd). */
char *bones_registry_dir(void);

/* The 16-hex id of an absolute workspace path (buf holds 17 bytes). */
void bones_registry_id(const char *cwd, char buf[17]);

/* Writes e (its cwd names the file) atomically, 0600, dir 0700. */
int bones_registry_write(const struct bones_registry_entry *e, struct bones_error *err);

/* Reads the entry of cwd: BONES_OK, BONES_E_NOTFOUND, BONES_E_CORRUPT. */
int bones_registry_read(const char *cwd, struct bones_registry_entry *e, struct bones_error *err);

/* Removes the entry of cwd (absent is fine): the file named after cwd and
 * every other registry file of ours that records cwd. */
int bones_registry_remove(const char *cwd, struct bones_error *err);

/* Every entry, sorted by cwd.  Prunes on read: an entry whose hub pid is
 * dead (or 0) AND whose workspace (.bones/config.json) is gone is deleted
 * (a stale pid, another process now, is kept for down/doctor to report);
 * corrupt files and files owned by another user are skipped (reported
 * through *skipped when not NULL).  *entries is malloc'd; free with
 * bones_registry_entries_free(). */
int bones_registry_list(struct bones_registry_entry **entries, size_t *n, size_t *skipped, struct bones_error *err);

void bones_registry_entry_clear(struct bones_registry_entry *e);
void bones_registry_entries_free(struct bones_registry_entry *entries, size_t n);

/* 1 when the hub pid is alive AND its hub_url answers HTTP within 500 ms. */
int bones_registry_alive(const struct bones_registry_entry *e);

/* 1 when the hub pid is alive but the workspace (cwd/.bones) is gone. */
int bones_registry_orphan(const struct bones_registry_entry *e);

/* 1 when something answers HTTP at url ("http://A.B.C.D:P/...", an IPv4
 * literal; 0.0.0.0 is asked on loopback) within timeout_ms. */
int bones_http_answers(const char *url, int timeout_ms);

/* The hub the entry records ({hub_pid, hub_pid_start}). */
struct bones_pid_record bones_registry_hub_record(const struct bones_registry_entry *e);

/* What the entry's hub pid is now: gone, stale (another process: never
 * signal it) or ours (that very hub, per start time and command line). */
enum bones_pid_state bones_registry_hub_state(const struct bones_registry_entry *e);

#endif
