/* nats_list.c: list and watch on a JetStream KV bucket.
 *
 * A prefix is a string prefix, not a subject: the server filters on the
 * part of it up to its last '.' ("a.b.c" -> "$KV.B.a.b.>"), we filter the
 * rest.  list reads a snapshot (last message per subject) through a
 * kvWatcher.  The watcher also hands over changes made while it runs, and
 * may hand one message over twice (seen under 16 writers: the same key and
 * revision twice), so the snapshot keeps delete markers, is sorted by key
 * then revision, and only each key's newest entry counts: a put is listed
 * once, a deleted key not at all.  watch reads the stream from revision
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
  int deleted; /* a delete or purge marker */
};

/* By key, then by revision (the newest entry of a key last). */
static int cmp_item(const void *a, const void *b) {
  const struct item *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  if (c) return c;
  return x->rev < y->rev ? -1 : x->rev > y->rev;
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

/* After a watcher's read failed with s: destroying the watcher deletes
 * its consumer, a request that waits the whole timeout again when the
 * server is gone (a list cut mid-way took two timeouts: 4.1 s for 2 s).
 * With one server, when it does not answer a ping within 200 ms either,
 * the connection is closed first, so the clean-up costs nothing and every
 * later call of this process fails at once (exit 5, as this one); the
 * server drops the consumer itself once idle.  With a seed list the
 * connection stays: nats.c may move to another node. */
static void forsake_link(struct kvn_conn *c, natsStatus s) {
  if (c->nservers > 1 || (s != NATS_TIMEOUT && s != NATS_NO_RESPONDERS)) return;
  if (natsConnection_FlushTimeout(c->nc, 200) != NATS_OK) natsConnection_Close(c->nc);
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
  o.IgnoreDeletes = false; /* a key deleted while listing must drop out */
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
    kvOperation op = kvEntry_Operation(e);
    if ((op == kvOp_Put || op == kvOp_Delete || op == kvOp_Purge) && strncmp(key, prefix, plen) == 0) {
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
      x->deleted = op != kvOp_Put;
    }
    kvEntry_Destroy(e);
  }
  if (s != NATS_OK) forsake_link(b->conn, s);
  kvWatcher_Destroy(w);
  if (s != NATS_OK) {
    items_free(it, *n);
    *n = 0;
    return kvn_fail(b->conn, s, 0, what, err);
  }
  *out = it;
  return BONES_OK;
}

static int cmp_key_only(const void *a, const void *b) {
  return strcmp(((const struct item *)a)->key, ((const struct item *)b)->key);
}

/* The watcher's snapshot can miss a key whose message was replaced by a
 * newer one while it ran (the old message is gone, the new one comes after
 * the "initial state done" marker).  The stream's subject list is
 * authoritative: every key under prefix missing from the snapshot (sorted
 * by key) is read directly and added.  *it grows; *n counts. */
static int fill_missing(struct kvn_bucket *b, const char *prefix, struct item **it, size_t *n,
                        struct bones_error *err) {
  jsOptions jo;
  jsOptions_Init(&jo);
  char *subject = kvn_filter_subject(b, prefix);
  jo.Stream.Info.SubjectsFilter = subject;
  jo.Wait = b->conn->timeout_ms;
  char stream[160];
  snprintf(stream, sizeof stream, "KV_%s", b->name);
  jsStreamInfo *si = NULL;
  jsErrCode jerr = 0;
  natsStatus s = js_GetStreamInfo(&si, b->conn->js, stream, &jo, &jerr);
  free(subject);
  char what[128];
  snprintf(what, sizeof what, "list bucket %s", b->name);
  if (s != NATS_OK) return kvn_fail(b->conn, s, jerr, what, err);
  size_t plen = strlen(prefix), pre = strlen(b->prefix), known = *n;
  jsStreamStateSubjects *subs = si->State.Subjects;
  for (int i = 0; subs && i < subs->Count; i++) {
    const char *subj = subs->List[i].Subject;
    if (strlen(subj) <= pre || strncmp(subj + pre, prefix, plen) != 0) continue;
    struct item probe = {.key = (char *)(subj + pre)};
    if (known && bsearch(&probe, *it, known, sizeof **it, cmp_key_only)) continue;
    kvEntry *e = NULL;
    s = kvStore_Get(&e, b->kv, subj + pre);
    if (s == NATS_NOT_FOUND) continue; /* its last message is a delete marker */
    if (s != NATS_OK) {
      jsStreamInfo_Destroy(si);
      return kvn_fail(b->conn, s, 0, what, err);
    }
    *it = bones_xrealloc(*it, (*n + 1) * sizeof **it);
    struct item *x = &(*it)[(*n)++];
    int vl = kvEntry_ValueLen(e);
    x->key = bones_xstrdup(kvEntry_Key(e));
    x->len = vl > 0 ? (size_t)vl : 0;
    x->value = bones_xmalloc(x->len + 1);
    if (x->len) memcpy(x->value, kvEntry_Value(e), x->len);
    x->value[x->len] = '\0';
    x->rev = kvEntry_Revision(e);
    x->deleted = 0;
    kvEntry_Destroy(e);
  }
  jsStreamInfo_Destroy(si);
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
  size_t before = n;
  rc = fill_missing(b, prefix, &it, &n, err);
  if (rc != BONES_OK) {
    items_free(it, n);
    return rc;
  }
  if (n != before) qsort(it, n, sizeof *it, cmp_item);
  for (size_t i = 0; i < n; i++) {
    if (i + 1 < n && strcmp(it[i].key, it[i + 1].key) == 0) continue; /* not the key's newest */
    if (!it[i].deleted && fn(arg, it[i].key, it[i].value, it[i].len, it[i].rev) != 0) break;
  }
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
