/* redis_watch.c: watch() for the kv-redis backend, over the bucket's change
 * log (a stream the write script appends to with id "<rev>-0" and fields
 * k = key, op = put|del; see redis_script.c).
 *
 * Changes are read with XREAD BLOCK from "<after_rev>-0".  A put's value is
 * read from the entry when delivered: if the entry has moved on to a newer
 * revision the event is skipped (the newer one follows in the log); if the
 * entry is gone (deleted or expired since) it is reported as deleted with
 * the put's revision, which is how expiries show up.  When the log was
 * trimmed past after_rev (it keeps about KVR_LOG_MAX changes), the live
 * keys changed since after_rev are reported from the index first and the
 * log is followed from its newest entry: deletes made before the watch
 * started are then not reported.
 *
 * timeout_ms bounds the whole call; 0 (or less) reports what is already
 * logged without waiting.  BONES_E_TIMEOUT when it runs out, BONES_OK when
 * fn returns non-zero. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "kv_redis_int.h"
#include "util.h"

#define WATCH_BATCH 128

/* The revision in a stream id "R-S"; 0 when it does not parse. */
static uint64_t id_rev(const char *id) {
  uint64_t v = 0;
  for (; *id >= '0' && *id <= '9'; id++) v = v * 10 + (uint64_t)(*id - '0');
  return *id == '-' ? v : 0;
}

/* Sets the socket timeout of k's context (if any) to ms. */
static void set_timeout(struct kvr_conn *k, long long ms) {
  if (k->c == NULL) return;
  struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
  redisSetTimeout(k->c, tv);
}

/* A watch in progress. */
struct watch {
  struct kvr_bucket *b;
  const char *prefix;
  size_t plen;
  bones_kv_watch_fn fn;
  void *arg;
  uint64_t after;    /* report revisions above this */
  uint64_t upto;     /* catch-up: report revisions up to this (0 = none) */
  int stopped;       /* fn asked to stop during the catch-up */
  char what[384];
};

/* List callback of the catch-up: reports live keys changed in (after, upto]. */
static int catchup_one(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  struct watch *w = arg;
  if (rev <= w->after || rev > w->upto) return 0;
  w->stopped = w->fn(w->arg, key, value, len, rev, 0) != 0;
  return w->stopped;
}

/* Reads the log's state: *top = last revision written, *gap = 1 when
 * changes above after were trimmed away (the oldest kept entry is past
 * after + 1 and entries were removed; Redis < 7 does not count removals,
 * so there a late first entry alone counts).  No log yet: no gap. */
static int log_state(struct watch *w, uint64_t after, uint64_t *top, int *gap, struct bones_error *err) {
  *top = 0;
  *gap = 0;
  const char *argv[3] = {"XINFO", "STREAM", w->b->k_log};
  redisReply *r = NULL;
  struct bones_error e2;
  int rc = kvr_command(w->b->conn, 3, argv, NULL, KVR_RETRY, &r, w->what, &e2);
  if (rc != BONES_OK) {
    if (rc == BONES_E_INTERNAL && strstr(e2.message, "no such key")) return BONES_OK; /* no log yet */
    if (err) *err = e2;
    return rc;
  }
  uint64_t first = 0, length = 0, added = 0;
  int have_added = 0;
  for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
    redisReply *key = r->element[i], *val = r->element[i + 1];
    if (key->type != REDIS_REPLY_STRING) continue;
    if (strcmp(key->str, "last-generated-id") == 0 && val->type == REDIS_REPLY_STRING) *top = id_rev(val->str);
    if (strcmp(key->str, "length") == 0) kvr_reply_u64(val, &length);
    if (strcmp(key->str, "entries-added") == 0) have_added = kvr_reply_u64(val, &added) == 0;
    if (strcmp(key->str, "first-entry") == 0 && val->type == REDIS_REPLY_ARRAY && val->elements >= 1 &&
        val->element[0]->type == REDIS_REPLY_STRING)
      first = id_rev(val->element[0]->str);
  }
  freeReplyObject(r);
  *gap = first > after + 1 && (!have_added || added > length);
  return BONES_OK;
}

/* Delivers the entries of one XREAD batch; *stop = 1 when fn asked to.
 * Advances *cursor to the last id seen. */
static int deliver(struct watch *w, redisReply *entries, char *cursor, size_t csize, int *stop,
                   struct bones_error *err) {
  size_t n = entries->elements > WATCH_BATCH ? WATCH_BATCH : entries->elements;
  const char *cmds[WATCH_BATCH * 4] = {0};
  char *eks[WATCH_BATCH];
  const char *keys[WATCH_BATCH];
  const char *ops[WATCH_BATCH];
  uint64_t revs[WATCH_BATCH];
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    redisReply *e = entries->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING) continue;
    snprintf(cursor, csize, "%s", e->element[0]->str);
    redisReply *f = e->element[1];
    const char *key = NULL, *op = NULL;
    for (size_t j = 0; f->type == REDIS_REPLY_ARRAY && j + 1 < f->elements; j += 2) {
      if (f->element[j]->type != REDIS_REPLY_STRING || f->element[j + 1]->type != REDIS_REPLY_STRING) continue;
      if (strcmp(f->element[j]->str, "k") == 0) key = f->element[j + 1]->str;
      if (strcmp(f->element[j]->str, "op") == 0) op = f->element[j + 1]->str;
    }
    uint64_t rev = id_rev(e->element[0]->str);
    if (key == NULL || op == NULL || rev <= w->after || strncmp(key, w->prefix, w->plen) != 0) continue;
    keys[m] = key, ops[m] = op, revs[m] = rev;
    eks[m] = bones_xasprintf("%s%s", w->b->k_entry, key);
    cmds[m * 4] = "HMGET", cmds[m * 4 + 1] = eks[m], cmds[m * 4 + 2] = "v", cmds[m * 4 + 3] = "r";
    m++;
  }
  redisReply *vals[WATCH_BATCH];
  int rc = kvr_pipeline(w->b->conn, m, 4, cmds, NULL, KVR_RETRY, vals, w->what, err);
  for (size_t i = 0; rc == BONES_OK && i < m; i++) {
    if (!*stop) {
      redisReply *v = vals[i];
      uint64_t cur = 0;
      int live = v->type == REDIS_REPLY_ARRAY && v->elements == 2 && v->element[0]->type == REDIS_REPLY_STRING &&
                 kvr_reply_u64(v->element[1], &cur) == 0;
      if (strcmp(ops[i], "del") == 0 || !live)
        *stop = w->fn(w->arg, keys[i], NULL, 0, revs[i], 1) != 0;
      else if (cur == revs[i])
        *stop = w->fn(w->arg, keys[i], v->element[0]->str, v->element[0]->len, revs[i], 0) != 0;
      /* else: a newer revision follows in the log */
    }
    freeReplyObject(vals[i]);
  }
  for (size_t i = 0; i < m; i++) free(eks[i]);
  return rc;
}

int kvr_watch(void *bucket, const char *prefix, uint64_t after_rev, bones_kv_watch_fn fn, void *arg,
              int timeout_ms, struct bones_error *err) {
  struct kvr_bucket *b = bucket;
  struct kvr_conn *k = b->conn;
  struct watch w = {b, prefix ? prefix : "", 0, fn, arg, after_rev, 0, 0, ""};
  w.plen = strlen(w.prefix);
  snprintf(w.what, sizeof w.what, "watch '%s' in bucket %s", w.prefix, b->name);
  int64_t deadline = bones_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  char cursor[48];
  snprintf(cursor, sizeof cursor, "%llu-0", (unsigned long long)after_rev);

  /* the log lost changes above after_rev: report the live keys first */
  uint64_t top = 0;
  int gap = 0;
  int rc = log_state(&w, after_rev, &top, &gap, err);
  if (rc != BONES_OK) return rc;
  if (gap) {
    w.upto = top;
    rc = kvr_list(b, w.prefix, catchup_one, &w, err);
    if (rc != BONES_OK || w.stopped) return rc;
    snprintf(cursor, sizeof cursor, "%llu-0", (unsigned long long)top);
    w.after = top;
  }

  char count[16];
  snprintf(count, sizeof count, "%d", WATCH_BATCH);
  for (;;) {
    int64_t left = deadline - bones_monotonic_ms();
    if (left < 0) left = 0;
    char block[24];
    snprintf(block, sizeof block, "%lld", (long long)left);
    const char *argv[8] = {"XREAD", "COUNT", count, "BLOCK", block, "STREAMS", b->k_log, cursor};
    int argc = 8;
    if (left == 0) {
      argv[3] = "STREAMS", argv[4] = b->k_log, argv[5] = cursor; /* no BLOCK: just poll */
      argc = 6;
    }
    rc = kvr_ready(k, err);
    if (rc != BONES_OK) return rc;
    set_timeout(k, left + k->timeout_ms); /* the server holds the reply up to `left` */
    redisReply *r = NULL;
    rc = kvr_command(k, argc, argv, NULL, 0, &r, w.what, err);
    set_timeout(k, k->timeout_ms);
    if (rc != BONES_OK) return rc;
    if (r->type == REDIS_REPLY_NIL || r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
      freeReplyObject(r);
      if (left > 0 && bones_monotonic_ms() < deadline) continue;
      return bones_error_set(err, BONES_E_TIMEOUT, "%s: no change within %d ms", w.what, timeout_ms);
    }
    redisReply *s = r->element[0];
    int stop = 0;
    if (s->type == REDIS_REPLY_ARRAY && s->elements == 2 && s->element[1]->type == REDIS_REPLY_ARRAY)
      rc = deliver(&w, s->element[1], cursor, sizeof cursor, &stop, err);
    freeReplyObject(r);
    if (rc != BONES_OK) return rc;
    if (stop) return BONES_OK;
  }
}
