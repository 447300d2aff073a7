/* holds.c: acquiring holds all or nothing (holds.h).
 *
 * Each path is taken by a bounded CAS loop: create when absent, update at
 * the revision read when it is the owner's (renewal) or another agent's
 * expired hold (takeover).  On the first refusal or error, everything this
 * call wrote is undone at the revision it wrote: a new hold is deleted, a
 * renewal gets the owner's earlier record back (so an earlier hold keeps
 * its old expiry, and the call leaves no trace).
 *
 * A hold on a directory covers everything beneath it (holds_overlap.c):
 * after writing its keys, the call looks for another agent's live hold on
 * an ancestor or a descendant of each path and, seeing one, undoes
 * everything as above.  Both racers write before they check, so two
 * overlapping holds never both win. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "holds_int.h"
#include "text.h"
#include "util.h"

/* What this call wrote on one path, to undo it. */
struct taken {
  const struct holds_item *item;
  uint64_t rev;         /* revision of our write */
  unsigned char *prior; /* the owner's earlier record (renewal), or NULL */
  size_t prior_len;
};

/* The record the owner stores for item (malloc'd JSON text), NULL when it
 * cannot be encoded (check_request refuses such owners first). */
static char *hold_text(const struct holds_item *item, const struct bones_hold_owner *o, int64_t acquired_ms,
                       int64_t expires_ms) {
  char acq[40], exp[40];
  bones_format_time(acquired_ms, acq, sizeof acq);
  bones_format_time(expires_ms, exp, sizeof exp);
  json_t *r = json_pack("{s:s, s:s, s:s?, s:s?, s:I, s:s, s:s, s:s?}", "path", item->path, "agent", o->agent, "task",
                        o->task, "slot", o->slot, "epoch", (json_int_t)o->epoch, "acquired_at", acq, "expires_at",
                        exp, "reason", o->reason);
  char *text = r ? json_dumps(r, JSON_COMPACT) : NULL; /* NULL: text that is not UTF-8 slipped through */
  json_decref(r);
  return text;
}

/* The acquired_at of a renewal: the earlier record's while it was live. */
static int64_t renewal_start(const json_t *prior, int64_t now_ms) {
  int64_t ms = now_ms;
  const char *s = json_string_value(json_object_get(prior, "acquired_at"));
  if (holds_live(prior, now_ms) && s && bones_parse_time(s, &ms) == 0 && ms <= now_ms) return ms;
  return now_ms;
}

/* Takes one path for owner (see the top of the file).  BONES_OK fills t;
 * BONES_E_CONFLICT when another agent holds it live or every attempt lost
 * a race; another code when the substrate fails. */
static int take_one(bones_kv_bucket *b, const struct holds_item *item, const struct bones_hold_owner *o,
                    int64_t ttl_ms, struct taken *t, struct bones_error *err) {
  for (int attempt = 0; attempt < HOLDS_ATTEMPTS; attempt++) {
    if (attempt) holds_backoff(attempt);
    int64_t now = bones_now_ms();
    struct bones_kv_value v = {0};
    int rc = bones_kv_get(b, item->key, &v, err);
    if (rc == BONES_E_NOTFOUND) {
      char *text = hold_text(item, o, now, now + ttl_ms);
      if (text == NULL) return bones_error_set(err, BONES_E_INTERNAL, "hold %s: cannot encode the record", item->key);
      rc = bones_kv_create(b, item->key, text, strlen(text), &t->rev, err);
      free(text);
      if (rc == BONES_E_EXISTS) continue;
      return rc;
    }
    if (rc != BONES_OK) return rc;
    json_t *prior = NULL;
    if ((rc = holds_parse(item->key, v.value, v.len, &prior, err)) != BONES_OK) {
      bones_kv_value_free(&v);
      return rc;
    }
    int mine = strcmp(holds_agent(prior), o->agent) == 0;
    if (!mine && holds_live(prior, now)) {
      holds_held_error(prior, err);
      json_decref(prior);
      bones_kv_value_free(&v);
      return BONES_E_CONFLICT;
    }
    char *text = hold_text(item, o, mine ? renewal_start(prior, now) : now, now + ttl_ms);
    json_decref(prior);
    if (text == NULL) {
      bones_kv_value_free(&v);
      return bones_error_set(err, BONES_E_INTERNAL, "hold %s: cannot encode the record", item->key);
    }
    rc = bones_kv_update(b, item->key, text, strlen(text), v.rev, &t->rev, err);
    free(text);
    if (rc == BONES_OK && mine) {
      t->prior = v.value; /* keep the earlier record to restore it */
      t->prior_len = v.len;
      return BONES_OK;
    }
    bones_kv_value_free(&v);
    if (rc == BONES_E_CONFLICT || rc == BONES_E_NOTFOUND) continue;
    return rc;
  }
  bones_error_set(err, BONES_E_CONFLICT, "%s: lost %d races for its hold in a row", item->path, HOLDS_ATTEMPTS);
  return bones_error_hint(err, "other agents are taking it right now; try again");
}

/* Undoes what this call wrote, newest first; returns how many could not
 * be undone (they stay until they expire). */
static size_t roll_back(bones_kv_bucket *b, struct taken *t, size_t n) {
  size_t failed = 0;
  while (n-- > 0) {
    struct bones_error e2;
    int rc = t[n].prior ? bones_kv_update(b, t[n].item->key, t[n].prior, t[n].prior_len, t[n].rev, NULL, &e2)
                        : bones_kv_delete(b, t[n].item->key, t[n].rev, &e2);
    /* CONFLICT/NOTFOUND: someone changed it since, so it is no longer ours */
    if (rc != BONES_OK && rc != BONES_E_CONFLICT && rc != BONES_E_NOTFOUND) failed++;
  }
  return failed;
}

/* Checks the owner and the TTL of an acquire. */
static int check_request(const struct bones_hold_owner *o, int64_t ttl_ms, struct bones_error *err) {
  if (o == NULL) return bones_error_set(err, BONES_E_USAGE, "holds: no owner");
  if (bones_agent_check(o->agent, err) != BONES_OK) return BONES_E_USAGE;
  if (o->slot && bones_name_check("slot", o->slot, err) != BONES_OK) return BONES_E_USAGE;
  if (bones_utf8_check("hold reason", o->reason, err) != BONES_OK || bones_utf8_check("task id", o->task, err) != BONES_OK)
    return BONES_E_USAGE;
  if (ttl_ms <= 0 || ttl_ms > BONES_HOLD_TTL_MAX_MS)
    return bones_error_set(err, BONES_E_USAGE, "hold TTL of %lld ms is out of range (more than 0, at most %d ms)",
                           (long long)ttl_ms, BONES_HOLD_TTL_MAX_MS);
  return BONES_OK;
}

int bones_holds_acquire(bones_kv *kv, const char *const *paths, size_t npaths, const struct bones_hold_owner *owner,
                        int64_t ttl_ms, struct bones_error *err) {
  int rc = check_request(owner, ttl_ms, err);
  if (rc != BONES_OK) return rc;
  for (size_t i = 0; i < npaths; i++) /* the record stores the path as JSON text */
    if (bones_utf8_check("hold path", paths[i], err) != BONES_OK) return BONES_E_USAGE;
  struct holds_item *items = NULL;
  size_t n = 0;
  for (size_t i = 0; i < npaths; i++)
    if ((rc = bones_hold_path_check(paths[i], err)) != BONES_OK) return rc;
  if ((rc = holds_items(paths, npaths, &items, &n, err)) != BONES_OK) return rc;
  bones_kv_bucket *b = NULL;
  if (n && (rc = holds_bucket(kv, 1, &b, err)) != BONES_OK) {
    holds_items_free(items, n);
    return rc;
  }
  struct taken *t = bones_xcalloc(n ? n : 1, sizeof *t);
  size_t ntaken = 0;
  for (size_t i = 0; i < n && rc == BONES_OK; i++) {
    t[ntaken].item = &items[i];
    if ((rc = take_one(b, &items[i], owner, ttl_ms, &t[ntaken], err)) == BONES_OK) ntaken++;
  }
  /* written first, checked second: of two agents racing for "src" and
   * "src/a.c", the later checker sees the other's key (both may lose) */
  for (size_t i = 0; i < n && rc == BONES_OK; i++) {
    json_t *other = NULL;
    rc = holds_overlap_find(b, items[i].path, owner->agent, 0, 1, &other, err);
    if (rc == BONES_OK && other) rc = holds_overlap_error(items[i].path, other, err);
    json_decref(other);
  }
  if (rc != BONES_OK) {
    size_t failed = roll_back(b, t, ntaken);
    if (failed)
      bones_error_prefix(err, "%zu of the %zu holds taken before this could not be released again (they expire "
                              "in %lld ms)",
                         failed, ntaken, (long long)ttl_ms);
  }
  for (size_t i = 0; i < n; i++) free(t[i].prior);
  free(t);
  bones_kv_bucket_close(b);
  holds_items_free(items, n);
  return rc;
}
