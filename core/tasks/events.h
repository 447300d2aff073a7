/* events.h: the task event log, bucket bones-events (TTL 7 days): one
 * record per successful change, key = a time-ordered id, value
 * {id, at, agent, task, kind, from, to, rev}.  Written only after the
 * change it records succeeded. */
#ifndef BONES_EVENTS_H
#define BONES_EVENTS_H

#include <stdint.h>

#include <jansson.h>

#include <bones/kv.h>

#define BONES_EVENTS_BUCKET "bones-events"
#define BONES_EVENTS_TTL_MS (7LL * 24 * 3600 * 1000)

/* Appends one event; from/to may be NULL.  Best effort for the caller
 * (the change already happened): returns the substrate's result. */
int bones_event_append(bones_kv *kv, const char *agent, const char *task, const char *kind, const char *from,
                       const char *to, uint64_t rev, struct bones_error *err);

/* Events with key > after (NULL or "" = from the start), for task (NULL =
 * every task), in time order, at most limit (0 = all).  A new JSON array;
 * the caller json_decrefs it. */
int bones_events_list(bones_kv *kv, const char *after, const char *task, size_t limit, json_t **events,
                      struct bones_error *err);

#endif
