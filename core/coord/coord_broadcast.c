/* coord_broadcast.c: broadcasts with an exact cursor (coord.h).
 *
 * Why not "ms time + random" ids: ids made by two processes in the same
 * millisecond sort by their random part, and the write of the smaller one
 * may land after a reader already moved its cursor past the larger one, so
 * a cursor could miss a message.  Instead each channel is a chain of
 * sequence numbers: the id of a message is the next number after the
 * newest one, written with create-if-absent, and a writer only ever tries
 * number n after it saw n-1 exist (it lost the create of n-1, or read the
 * head hint n-1, which is written after n-1 was created).  So the messages
 * of a channel are always numbered without gaps and created in number
 * order: anything created after a reader's listing has a higher id than
 * everything that listing saw, and a reader that goes on "--after <the last
 * id it saw>" sees every message exactly once, in order.
 *
 * Keys: <channel>/<16 digits> for messages and <channel>/head for the hint
 * {seq}.  A new chain (no hint: a new channel, or one idle for the bucket
 * TTL) starts at the current time in ms, created once by CAS, so ids are
 * also ordered in time across chains.  Cost: a send is a get, a create and
 * a put when uncontended; each lost create costs one more create. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "coord.h"
#include "text.h"
#include "util.h"

#define HEAD "head"
#define SEND_ATTEMPTS 10000 /* lost creates before giving up (each one a message by someone else) */

int bones_broadcast_id_valid(const char *id) {
  return id && strlen(id) == BONES_BROADCAST_ID_LEN && strspn(id, "0123456789") == BONES_BROADCAST_ID_LEN;
}

/* Reads the head hint of channel: BONES_OK with *seq, BONES_E_NOTFOUND. */
static int read_head(bones_kv_bucket *b, const char *hkey, uint64_t *seq, struct bones_error *err) {
  struct bones_kv_value v = {0};
  int rc = bones_kv_get(b, hkey, &v, err);
  if (rc != BONES_OK) return rc;
  json_t *h = json_loadb((const char *)v.value, v.len, 0, NULL);
  json_t *s = json_object_get(h, "seq");
  if (json_is_integer(s) && json_integer_value(s) > 0) *seq = (uint64_t)json_integer_value(s);
  else rc = bones_error_set(err, BONES_E_CORRUPT, "%s %s: not a head record {seq}", BONES_BROADCASTS_BUCKET, hkey);
  json_decref(h);
  bones_kv_value_free(&v);
  return rc;
}

/* The head hint text for seq (malloc'd). */
static char *head_text(uint64_t seq) { return bones_xasprintf("{\"seq\":%" PRIu64 "}", seq); }

/* The newest sequence number of channel's chain (the chain's base when it
 * is new: made once, by CAS, from the current time). */
static int chain_head(bones_kv_bucket *b, const char *hkey, uint64_t *seq, struct bones_error *err) {
  for (int attempt = 0; attempt < 4; attempt++) {
    int rc = read_head(b, hkey, seq, err);
    if (rc != BONES_E_NOTFOUND) return rc;
    char *text = head_text((uint64_t)bones_now_ms());
    rc = bones_kv_create(b, hkey, text, strlen(text), NULL, err);
    free(text);
    if (rc != BONES_OK && rc != BONES_E_EXISTS) return rc;
  }
  return bones_error_set(err, BONES_E_CONFLICT, "%s: cannot read the channel head", hkey);
}

int bones_broadcast_send(bones_kv *kv, const char *channel, const char *agent, const char *message, json_t **rec,
                         struct bones_error *err) {
  *rec = NULL;
  if (bones_coord_name_check("channel", channel, err) != BONES_OK || bones_agent_check(agent, err) != BONES_OK ||
      bones_utf8_check("the message", message, err) != BONES_OK)
    return BONES_E_USAGE;
  if (message == NULL) return bones_error_set(err, BONES_E_USAGE, "no message");
  bones_kv_bucket *b = NULL;
  int rc = bones_coord_bucket(kv, BONES_BROADCASTS_BUCKET, 1, &b, err);
  if (rc != BONES_OK) return rc;
  char *hkey = bones_xasprintf("%s/" HEAD, channel);
  uint64_t seq = 0;
  rc = chain_head(b, hkey, &seq, err);
  for (int attempt = 0; rc == BONES_OK && attempt < SEND_ATTEMPTS; attempt++) {
    uint64_t n = seq + 1, hint = 0;
    char id[32], at[40], *key = NULL, *text = NULL;
    snprintf(id, sizeof id, "%0*" PRIu64, BONES_BROADCAST_ID_LEN, n);
    bones_format_time(bones_now_ms(), at, sizeof at);
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "channel", channel, "agent", agent, "message",
                          message, "at", at);
    if (r == NULL) {
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot encode the broadcast record");
      break;
    }
    key = bones_xasprintf("%s/%s", channel, id);
    text = json_dumps(r, JSON_COMPACT);
    rc = bones_kv_create(b, key, text, strlen(text), NULL, err);
    free(text);
    free(key);
    if (rc == BONES_OK) {
      struct bones_error e2; /* the hint is best effort: a stale one only costs creates */
      text = head_text(n);
      bones_kv_put(b, hkey, text, strlen(text), NULL, &e2);
      free(text);
      *rec = r;
      break;
    }
    json_decref(r);
    if (rc != BONES_E_EXISTS) break;
    rc = BONES_OK; /* n exists: try n+1, or jump to a newer head */
    seq = n;
    if (attempt % 4 == 3 && read_head(b, hkey, &hint, err) == BONES_OK && hint > seq) seq = hint;
    bones_error_clear(err);
  }
  if (rc == BONES_OK && *rec == NULL) rc = bones_error_set(err, BONES_E_CONFLICT, "channel %s: too busy", channel);
  free(hkey);
  bones_kv_bucket_close(b);
  return rc;
}

/* list callback: the messages after the cursor, up to the limit. */
struct reader {
  const char *after;
  size_t limit;
  json_t *out;
  uint64_t max_rev;
};
static int collect(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  struct reader *r = arg;
  if (rev > r->max_rev) r->max_rev = rev;
  const char *id = strrchr(key, '/');
  if (id == NULL || !bones_broadcast_id_valid(++id) || strcmp(id, r->after) <= 0) return 0;
  if (r->limit && json_array_size(r->out) >= r->limit) return 1;
  json_t *m = json_loadb(value, len, 0, NULL);
  if (json_is_object(m)) json_array_append(r->out, m);
  json_decref(m);
  return 0;
}

int bones_broadcast_read(bones_kv *kv, const char *channel, const char *after, size_t limit, json_t **msgs,
                         uint64_t *last_rev, struct bones_error *err) {
  *msgs = NULL;
  if (bones_coord_name_check("channel", channel, err) != BONES_OK) return BONES_E_USAGE;
  if (after && *after && !bones_broadcast_id_valid(after))
    return bones_error_set(err, BONES_E_USAGE, "'%s' is not a broadcast id (%d digits)", after,
                           BONES_BROADCAST_ID_LEN);
  bones_kv_bucket *b = NULL;
  int rc = bones_coord_bucket(kv, BONES_BROADCASTS_BUCKET, 0, &b, err);
  if (rc != BONES_OK) return rc;
  struct reader r = {after ? after : "", limit, json_array(), 0};
  char *prefix = bones_xasprintf("%s/", channel);
  if (b) rc = bones_kv_list(b, prefix, collect, &r, err);
  free(prefix);
  bones_kv_bucket_close(b);
  if (rc != BONES_OK) {
    json_decref(r.out);
    return rc;
  }
  if (last_rev) *last_rev = r.max_rev;
  *msgs = r.out;
  return BONES_OK;
}
