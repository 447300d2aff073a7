/* kvconf.h: shared state of the KV conformance suite (tests/kv/kvconf).
 *
 * kvconf --substrate URL [--procs N] [--bucket-prefix P] runs every check of
 * DESIGN.md section 4 through the bones_kv_* front-end and prints TAP.  Each
 * run names its buckets "<prefix>-<pid>-<time>-<what>", so reruns against a
 * long-lived server never touch an earlier run's data. */
#ifndef KVCONF_H
#define KVCONF_H

#include <stddef.h>
#include <stdint.h>

#include <bones/kv.h>

#include "tap.h"

#define KVCONF_TTL_MS 2000 /* bucket TTL of the TTL cases */

struct kvconf {
  const char *url;    /* --substrate */
  int procs;          /* --procs: children of the race */
  char run[48];       /* "<prefix>-<pid>-<time>" */
  bones_kv *kv;       /* the parent's connection (opened after the forks) */
  const struct bones_kv_backend_v1 *be; /* borrowed from kv */
  int watch_helper;   /* fd that starts the live-watch helper, or -1 */
  int helper_pid;     /* that helper's pid, or 0 */
};

/* Writes "<run>-<what>" into buf (BONES_KV_BUCKET_NAME_MAX + 1 bytes). */
void kvconf_bucket_name(const struct kvconf *c, const char *what, char *buf);

/* Opens (creating) bucket what of the run with ttl_ms and max_value
 * (0 = default); bails out when it cannot. */
bones_kv_bucket *kvconf_bucket(struct kvconf *c, const char *what, int64_t ttl_ms, uint64_t max_value);

/* Sleeps ms milliseconds. */
void kvconf_sleep_ms(int64_t ms);

/* kvconf-race.c: before any connection, forks the watch helper and the race
 * children and collects their reports; after, checks them with TAP lines. */
void kvconf_race_run(struct kvconf *c, int increments);
void kvconf_race_check(struct kvconf *c);
/* Sends the watch helper on its way (go != 0: write live/1 now; 0: exit
 * idle) and, with go == 0, reaps it.  Idempotent. */
void kvconf_helper_go(struct kvconf *c, int go);
#define kvconf_helper_release(c) kvconf_helper_go((c), 0)

/* The cases, each printing its TAP lines. */
void kvconf_crud(struct kvconf *c);         /* conformance.c */
void kvconf_values(struct kvconf *c);       /* conformance.c */
void kvconf_keys(struct kvconf *c);         /* conformance.c */
void kvconf_list(struct kvconf *c);         /* kvconf-list.c */
void kvconf_ttl(struct kvconf *c);          /* kvconf-list.c */
void kvconf_buckets(struct kvconf *c);      /* kvconf-list.c */
void kvconf_watch(struct kvconf *c);        /* kvconf-watch.c */
void kvconf_unavailable(struct kvconf *c);  /* kvconf-watch.c */

#endif
