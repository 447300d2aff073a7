/* cursor.h: per-agent read cursors of broadcast channels, in bucket
 * bones-cursors (TTL 30 days from the last advance), key
 * "<agent>/<channel>" (both valid names, so the key needs no escaping),
 * value {agent, channel, id, at}: id is the last broadcast id the agent
 * marked read (`bones coord broadcasts CHANNEL --new`).  A cursor only
 * moves forward. */
#ifndef BONES_CURSOR_H
#define BONES_CURSOR_H

#include <jansson.h>

#include <bones/kv.h>

#include "coord.h"

#define BONES_CURSORS_BUCKET "bones-cursors"
#define BONES_CURSORS_TTL_MS (30 * BONES_COORD_DAY_MS)

/* The cursor of agent on channel into id (idlen bytes, at least
 * BONES_BROADCAST_ID_LEN + 1): "" when the agent never marked anything
 * read there (or the bucket does not exist: nothing is created).  A
 * corrupt record counts as no cursor. */
int bones_cursor_get(bones_kv *kv, const char *agent, const char *channel, char *id, size_t idlen,
                     struct bones_error *err);

/* Moves agent's cursor on channel forward to id (a broadcast id); a cursor
 * already at or past id is left alone.  CAS, retried on a concurrent
 * change.  Creates the bucket. */
int bones_cursor_advance(bones_kv *kv, const char *agent, const char *channel, const char *id,
                         struct bones_error *err);

/* Every cursor of agent as a new object {channel: id} (empty when none;
 * the caller json_decrefs).  Creates nothing. */
int bones_cursor_all(bones_kv *kv, const char *agent, json_t **cursors, struct bones_error *err);

#endif
