/* holds_int.h (internal to core/holds*.c): the pieces the hold operations
 * share: path sets, the bucket, records, the retry pacing. */
#ifndef BONES_HOLDS_INT_H
#define BONES_HOLDS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "holds.h"

#define HOLDS_KEY_PREFIX "h/"
#define HOLDS_ATTEMPTS 16 /* CAS attempts per path before giving up */

/* One path of a request: its normalised form and its key (both owned). */
struct holds_item {
  char *path;
  char *key;
};

/* Normalises paths and makes their keys, sorted by key without
 * duplicates.  BONES_E_USAGE (naming the path) for an invalid one; then
 * nothing is allocated.  Free with holds_items_free(). */
int holds_items(const char *const *paths, size_t npaths, struct holds_item **items, size_t *n,
                struct bones_error *err);
void holds_items_free(struct holds_item *items, size_t n);

/* The normalised path (no "." or empty components) and key of path. */
int holds_path_key(const char *path, char **norm, char **key, struct bones_error *err);

/* Opens bones-holds with its TTL (creating it when create); close with
 * bones_kv_bucket_close.  Without create, a missing bucket leaves *b NULL
 * and returns BONES_OK: there are no holds. */
int holds_bucket(bones_kv *kv, int create, bones_kv_bucket **b, struct bones_error *err);

/* Parses a stored hold (an object with string "agent" and "expires_at");
 * BONES_E_CORRUPT naming key otherwise.  *rec is a new reference. */
int holds_parse(const char *key, const void *value, size_t len, json_t **rec, struct bones_error *err);

/* 1 while rec's expires_at is after now_ms. */
int holds_live(const json_t *rec, int64_t now_ms);

/* rec's holder (borrowed). */
const char *holds_agent(const json_t *rec);

/* Sets err to BONES_E_CONFLICT: path is held live by rec's agent. */
int holds_held_error(const json_t *rec, struct bones_error *err);

/* Sleeps a short random time before CAS attempt number attempt (>= 1). */
void holds_backoff(int attempt);

/* Finds a live hold of an agent other than agent that overlaps the
 * normalised path: a hold on path itself (when exact), on one of its
 * ancestor directories (always), or on a path under "path/" (when
 * beneath).  *rec is a new reference to the first one found, or NULL when
 * none.  An unreadable record is BONES_E_CORRUPT naming its key. */
int holds_overlap_find(bones_kv_bucket *b, const char *path, const char *agent, int exact, int beneath, json_t **rec,
                       struct bones_error *err);

/* Sets err to BONES_E_CONFLICT: path overlaps rec, another agent's live
 * hold on an ancestor or a descendant of path. */
int holds_overlap_error(const char *path, const json_t *rec, struct bones_error *err);

#endif
