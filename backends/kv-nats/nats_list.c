/* nats_list.c: list and watch on a JetStream KV bucket.
 *
 * A prefix is a string prefix, not a subject: the server filters on the
 * part of it up to its last '.' ("a.b.c" -> "$KV.B.a.b.>"), we filter the
 * rest.  list reads a snapshot (last message per subject, markers skipped)
 * through a kvWatcher and sorts it; watch reads the stream from revision
 * after_rev + 1 through an ordered consumer.  Every wait is bounded: list by
 * the connection timeout between two messages, watch by its own timeout.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nats_kv.h"
#include "util.h"

/* The key filter covering every key that starts with prefix: the prefix up
 * to and including its last '.', then ">" (malloc'd, caller frees). */
static char *key_filter(const char *prefix) {
  const char *dot = strrchr(prefix, '.');
  if (dot == NULL) return bones_xstrdup(">");
  return bones_xasprintf("%.*s>", (int)(dot - prefix + 1), prefix);
}

/* See nats_kv.h. */
char *kvn_filter_subject(const struct kvn_bucket *b, const char *prefix) {
  char *k = key_filter(prefix);
  char *s = bones_xasprintf("%s%s", b->prefix, k);
  free(k);
  return s;
}

/* One listed entry; key and value malloc'd. */
struct item {
  char *key;
  unsigned char *value;
  size_t len;
  uint64_t rev;
};

static int cmp_item(const void *a, const void *b) {
  return strcmp(((const struct item *)a)->key, ((const struct item *)b)->key);
}

static void items_free(struct item *it, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(it[i].key);
    free(it[i].value);
  }
  free(it);
}

/* Binds b->kv (the kvStore the watcher API needs) on first use. */
static int need_store(struct kvn_bucket *b, struct bones_error *err) {
  if (b->kv) return BONES_OK;
  natsStatus s = js_KeyValue(&b->kv, b->conn->js, b->name);
  if (s == NATS_OK) return BONES_OK;
  b->kv = NULL;
  char what[128];
  snprintf(what, sizeof what, "list bucket %s", b->name);
  return kvn_fail(b->conn, s, 0, what, err);
}

/* Collects the live entries of b starting with prefix into *out and *n
 * (unsorted; caller frees with items_free). */
static int snapshot(struct kvn_bucket *b, const char *prefix, struct item **out, size_t *n,
                    struct bones_error *err) {
  *out = NULL;
  *n = 0;
  int rc = need_store(b, err);
  if (rc != BONES_OK) return rc;
  char what[128];
  snprintf(what, sizeof what, "list bucket %s", b->name);
  kvWatchOptions o;
  kvWatchOptions_Init(&o);
  o.IgnoreDeletes = true;
  o.Timeout = b->conn->timeout_ms;
  char *filter = key_filter(prefix);
  kvWatcher *w = NULL;
  natsStatus s = kvStore_Watch(&w, b->kv, filter, &o);
  free(filter);
  if (s != NATS_OK) return kvn_fail(b->conn, s, 0, what, err);
  size_t plen = strlen(prefix), cap = 0;
  struct item *it = NULL;
  for (;;) {
    kvEntry *e = NULL;
    s = kvWatcher_Next(&e, w, b->conn->timeout_ms);
    if (s != NATS_OK) break;
    if (e == NULL) break; /* the snapshot is complete */
    const char *key = kvEntry_Key(e);
    if (kvEntry_Operation(e) == kvOp_Put && strncmp(key, prefix, plen) == 0) {
      if (*n == cap) {
        cap = cap ? cap * 2 : 64;
        it = bones_xrealloc(it, cap * sizeof *it);
      }
      int vl = kvEntry_ValueLen(e);
      struct item *x = &it[(*n)++];
      x->key = bones_xstrdup(key);
      x->len = vl > 0 ? (size_t)vl : 0;
      x->value = bones_xmalloc(x->len + 1);
      if (x->len) memcpy(x->value, kvEntry_Value(e), x->len);
      x->value[x->len] = '\0';
      x->rev = kvEntry_Revision(e);
    }
    kvEntry_Destroy(e);
  }
  kvWatcher_Destroy(w);
  if (s != NATS_OK) {
    items_free(it, *n);
    *n = 0;
    return kvn_fail(b->conn, s, 0, what, err);
  }
  *out = it;
  return BONES_OK;
}

/* Live keys starting with prefix, in key order; see bones/kv.h list. */
int kvn_list(struct kvn_bucket *b, const char *prefix, bones_kv_list_fn fn, void *arg, struct bones_error *err) {
  if (prefix == NULL) prefix = "";
  struct item *it = NULL;
  size_t n = 0;
  int rc = snapshot(b, prefix, &it, &n, err);
  if (rc != BONES_OK) return rc;
  if (n > 1) qsort(it, n, sizeof *it, cmp_item);
  for (size_t i = 0; i < n; i++)
    if (fn(arg, it[i].key, it[i].value, it[i].len, it[i].rev) != 0) break;
  items_free(it, n);
  return BONES_OK;
}

/* Hands one stream message m to fn when it is a change of a key under
 * prefix newer than after_rev; returns what fn returned (0 if skipped). */
static int report(const struct kvn_bucket *b, natsMsg *m, const char *prefix, uint64_t after_rev,
                  bones_kv_watch_fn fn, void *arg) {
  const char *subj = natsMsg_GetSubject(m);
  size_t pre = strlen(b->prefix);
  if (subj == NULL || strlen(subj) <= pre || strncmp(subj + pre, prefix, strlen(prefix)) != 0) return 0;
  jsMsgMetaData *meta = NULL;
  uint64_t rev = 0;
  if (natsMsg_GetMetaData(&meta, m) == NATS_OK) rev = meta->Sequence.Stream;
  jsMsgMetaData_Destroy(meta);
  if (rev <= after_rev) return 0;
  int del = kvn_msg_is_marker(m);
  int len = natsMsg_GetDataLength(m);
  return fn(arg, subj + pre, del ? NULL : natsMsg_GetData(m), del || len < 0 ? 0 : (size_t)len, rev, del);
}

/* Reports each change under prefix with a revision > after_rev until fn
 * returns non-zero (BONES_OK) or timeout_ms passes (BONES_E_TIMEOUT); see
 * bones/kv.h watch.  Values passed to fn are borrowed for the call. */
int kvn_watch(struct kvn_bucket *b, const char *prefix, uint64_t after_rev, bones_kv_watch_fn fn, void *arg,
              int timeout_ms, struct bones_error *err) {
  if (prefix == NULL) prefix = "";
  char what[128];
  snprintf(what, sizeof what, "watch bucket %s", b->name);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = after_rev < UINT64_MAX ? after_rev + 1 : UINT64_MAX;
  char *subject = kvn_filter_subject(b, prefix);
  natsSubscription *sub = NULL;
  jsErrCode jerr = 0;
  natsStatus s = js_SubscribeSync(&sub, b->conn->js, subject, NULL, &so, &jerr);
  free(subject);
  if (s != NATS_OK) return kvn_fail(b->conn, s, jerr, what, err);
  natsSubscription_SetPendingLimits(sub, -1, -1);
  int64_t deadline = bones_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 1);
  int rc = BONES_OK;
  for (;;) {
    int64_t left = deadline - bones_monotonic_ms();
    natsMsg *m = NULL;
    s = left > 0 ? natsSubscription_NextMsg(&m, sub, left) : NATS_TIMEOUT;
    if (s != NATS_OK) break;
    int stop = report(b, m, prefix, after_rev, fn, arg);
    natsMsg_Destroy(m);
    if (stop) break;
  }
  if (s == NATS_TIMEOUT && natsConnection_Status(b->conn->nc) == NATS_CONN_STATUS_CONNECTED)
    rc = bones_error_set(err, BONES_E_TIMEOUT, "bucket %s: no change under '%s' within %d ms", b->name, prefix,
                         timeout_ms);
  else if (s == NATS_TIMEOUT) /* quiet because the link is down */
    rc = kvn_fail(b->conn, NATS_CONNECTION_DISCONNECTED, 0, what, err);
  else if (s != NATS_OK)
    rc = kvn_fail(b->conn, s, 0, what, err);
  natsSubscription_Unsubscribe(sub); /* also deletes the server's consumer */
  natsSubscription_Destroy(sub);
  return rc;
}
