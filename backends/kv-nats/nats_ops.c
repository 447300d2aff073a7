/* nats_ops.c: get, put, create, update and delete on a JetStream KV bucket.
 *
 * Every write is one js_PublishMsg on $KV.<bucket>.<key>; conditional
 * writes carry Nats-Expected-Last-Subject-Sequence (jsPubOptions), and a
 * lost condition comes back as jsErrCode 10071 (wrong last sequence), told
 * apart from every other failure.  A delete is a `KV-Operation: DEL` marker
 * published the same way, so it can be conditional too.  After a lost
 * condition we read the key's latest message (value or marker) to say
 * EXISTS, CONFLICT or NOTFOUND, and to retry create over a marker.  A write
 * that fails without an answer (timeout, lost link) is never retried here:
 * its outcome is unknown and the caller must re-read (BONES_E_UNAVAILABLE).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nats_kv.h"
#include "util.h"

#define EXPECT_ANY 0  /* no condition */
#define EXPECT_NONE 1 /* the subject must have no message */
#define EXPECT_SEQ 2  /* the subject's last message must be `seq` */

/* "OP BUCKET/KEY" for messages, into buf. */
static const char *what_of(const struct kvn_bucket *b, const char *op, const char *key, char *buf, size_t len) {
  snprintf(buf, len, "%s %s/%s", op, b->name, key);
  return buf;
}

/* 1 when m carries KV-Operation DEL or PURGE; see nats_kv.h. */
int kvn_msg_is_marker(natsMsg *m) {
  const char *op = NULL;
  if (natsMsgHeader_Get(m, "KV-Operation", &op) != NATS_OK || op == NULL) return 0;
  return strcmp(op, "DEL") == 0 || strcmp(op, "PURGE") == 0;
}

/* Refuses keys the contract refuses (the front-end did already). */
static int check_key(const struct kvn_bucket *b, const char *key, struct bones_error *err) {
  if (bones_kv_key_valid(key)) return BONES_OK;
  return bones_error_set(err, BONES_E_USAGE, "bucket %s: invalid key '%.300s'", b->name, key ? key : "");
}

/* Refuses a value the bucket or the server cannot hold. */
static int check_len(const struct kvn_bucket *b, const char *key, size_t len, struct bones_error *err) {
  if (len <= INT_MAX - KVN_HDR_ROOM && (b->max_value == 0 || len <= b->max_value)) return BONES_OK;
  return bones_error_set(err, BONES_E_TOOLARGE, "%s: bucket %s: value for %s is %zu bytes, over the %llu-byte limit",
                         b->conn->url, b->name, key, len, (unsigned long long)b->max_value);
}

/* Reads the latest message of key, a value or a delete marker.  BONES_OK
 * with *out (caller destroys with natsMsg_Destroy), BONES_E_NOTFOUND (err
 * set) when the subject has no message, or an error. */
static int read_latest(struct kvn_bucket *b, const char *key, natsMsg **out, struct bones_error *err) {
  char subj[512], what[400];
  snprintf(subj, sizeof subj, "%s%s", b->prefix, key);
  natsMsg *m = NULL;
  jsErrCode jerr = 0;
  natsStatus s;
  *out = NULL;
  /* a read is safe to ask again: once more when a node of a seed list
   * dropped and the library moved to another one */
  int64_t deadline = bones_monotonic_ms() + b->conn->timeout_ms;
  for (int attempt = 0;; attempt++) {
    kvn_await_link(b->conn, deadline);
    jerr = 0;
    if (b->direct) {
      jsDirectGetMsgOptions o;
      jsDirectGetMsgOptions_Init(&o);
      o.LastBySubject = subj;
      s = js_DirectGetMsg(&m, b->conn->js, b->stream, NULL, &o);
    } else {
      s = js_GetLastMsg(&m, b->conn->js, b->stream, subj, NULL, &jerr);
    }
    if (s == NATS_OK || attempt > 0 || b->conn->nservers < 2 || !kvn_link_lost(s)) break;
    natsMsg_Destroy(m);
    m = NULL;
  }
  if (s == NATS_OK) {
    *out = m;
    return BONES_OK;
  }
  natsMsg_Destroy(m);
  if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr)
    return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s: no key %s", b->name, key);
  return kvn_fail(b->conn, s, jerr, what_of(b, "read", key, what, sizeof what), err);
}

/* Publishes data (or, with op "DEL", a delete marker) on key under the
 * condition `expect` (EXPECT_*; seq for EXPECT_SEQ).  Fills *rev with the
 * new revision.  Returns the nats status; *jerr gets the JetStream code. */
static natsStatus publish(struct kvn_bucket *b, const char *key, const void *data, size_t len, const char *op,
                          int expect, uint64_t seq, uint64_t *rev, jsErrCode *jerr) {
  char subj[512];
  snprintf(subj, sizeof subj, "%s%s", b->prefix, key);
  /* NO_RESPONDERS: nothing stored the message (e.g. a stream another
   * process just created is not serving yet), so a retry is safe */
  int64_t deadline = bones_monotonic_ms() + b->conn->timeout_ms;
  for (int attempt = 0;; attempt++) {
    natsMsg *m = NULL;
    jsPubAck *pa = NULL;
    *jerr = 0;
    /* never send while the library moves to another node of the seed
     * list: that write would fail unsent; wait for the new link instead */
    kvn_await_link(b->conn, deadline);
    natsStatus s = natsMsg_Create(&m, subj, NULL, len ? (const char *)data : NULL, (int)len);
    if (s == NATS_OK && op) s = natsMsgHeader_Set(m, "KV-Operation", op);
    if (s == NATS_OK) {
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MaxWait = b->conn->timeout_ms;
      if (expect == EXPECT_NONE) po.ExpectNoMessage = true;
      if (expect == EXPECT_SEQ) po.ExpectLastSubjectSeq = seq;
      s = js_PublishMsg(&pa, b->conn->js, m, &po, jerr);
    }
    if (s == NATS_OK && rev) *rev = pa->Sequence;
    jsPubAck_Destroy(pa);
    natsMsg_Destroy(m);
    /* NO_RESPONDERS, and INSUFFICIENT_BUFFER (the link dropped before the
     * message went out: with a reconnect buffer of 0 nothing is queued)
     * stored nothing: safe to send again */
    int unsent = s == NATS_NO_RESPONDERS || (s == NATS_INSUFFICIENT_BUFFER && b->conn->nservers > 1);
    if (!unsent || bones_monotonic_ms() > deadline) return s;
    struct timespec ts = {0, 1000000L * (attempt < 5 ? 5 : 25)};
    nanosleep(&ts, NULL);
  }
}

/* Latest live value of key; see bones/kv.h get.  out->value is malloc'd,
 * NUL-terminated one byte past len; the caller frees it. */
int kvn_get(struct kvn_bucket *b, const char *key, struct bones_kv_value *out, struct bones_error *err) {
  memset(out, 0, sizeof *out);
  int rc = check_key(b, key, err);
  if (rc != BONES_OK) return rc;
  natsMsg *m = NULL;
  rc = read_latest(b, key, &m, err);
  if (rc != BONES_OK) return rc;
  if (kvn_msg_is_marker(m)) {
    natsMsg_Destroy(m);
    return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s: no key %s", b->name, key);
  }
  int n = natsMsg_GetDataLength(m);
  size_t len = n > 0 ? (size_t)n : 0;
  out->value = bones_xmalloc(len + 1);
  if (len) memcpy(out->value, natsMsg_GetData(m), len);
  out->value[len] = '\0';
  out->len = len;
  out->rev = natsMsg_GetSequence(m);
  natsMsg_Destroy(m);
  return BONES_OK;
}

/* Unconditional write; see bones/kv.h put. */
int kvn_put(struct kvn_bucket *b, const char *key, const void *value, size_t len, uint64_t *rev,
            struct bones_error *err) {
  char what[400];
  int rc = check_key(b, key, err);
  if (rc == BONES_OK) rc = check_len(b, key, len, err);
  if (rc != BONES_OK) return rc;
  uint64_t r = 0;
  jsErrCode jerr = 0;
  natsStatus s = publish(b, key, value, len, NULL, EXPECT_ANY, 0, &r, &jerr);
  if (s != NATS_OK) return kvn_fail_write(b->conn, s, jerr, what_of(b, "put", key, what, sizeof what), err);
  if (rev) *rev = r;
  return BONES_OK;
}

/* What the latest message of key says after a lost condition: *live 1 and
 * *cur its revision for a value; *live 0 for a marker (*cur = its revision)
 * or no message (*cur = 0).  BONES_OK or a read error. */
static int inspect(struct kvn_bucket *b, const char *key, int *live, uint64_t *cur, struct bones_error *err) {
  natsMsg *m = NULL;
  *live = 0;
  *cur = 0;
  int rc = read_latest(b, key, &m, err);
  if (rc == BONES_E_NOTFOUND) {
    bones_error_clear(err);
    return BONES_OK;
  }
  if (rc != BONES_OK) return rc;
  *live = !kvn_msg_is_marker(m);
  *cur = natsMsg_GetSequence(m);
  natsMsg_Destroy(m);
  return BONES_OK;
}

/* Write only if absent (a delete marker or an expired key counts as
 * absent); see bones/kv.h create. */
int kvn_create(struct kvn_bucket *b, const char *key, const void *value, size_t len, uint64_t *rev,
               struct bones_error *err) {
  char what[400];
  int rc = check_key(b, key, err);
  if (rc == BONES_OK) rc = check_len(b, key, len, err);
  if (rc != BONES_OK) return rc;
  int expect = EXPECT_NONE;
  uint64_t seq = 0;
  for (int i = 0; i < KVN_RETRIES; i++) {
    uint64_t r = 0;
    jsErrCode jerr = 0;
    natsStatus s = publish(b, key, value, len, NULL, expect, seq, &r, &jerr);
    if (s == NATS_OK) {
      if (rev) *rev = r;
      return BONES_OK;
    }
    if (jerr != JSStreamWrongLastSequenceErr)
      return kvn_fail_write(b->conn, s, jerr, what_of(b, "create", key, what, sizeof what), err);
    /* the subject has a message: a live value, or a marker to write over */
    int live = 0;
    rc = inspect(b, key, &live, &seq, err);
    if (rc != BONES_OK) return rc;
    if (live)
      return bones_error_set(err, BONES_E_EXISTS, "bucket %s: key %s exists (revision %llu)", b->name, key,
                             (unsigned long long)seq);
    expect = seq ? EXPECT_SEQ : EXPECT_NONE;
  }
  return bones_error_set(err, BONES_E_CONFLICT, "bucket %s: create of %s kept racing with other writers", b->name,
                         key);
}

/* Write only if the key's revision is expected; see bones/kv.h update. */
int kvn_update(struct kvn_bucket *b, const char *key, const void *value, size_t len, uint64_t expected,
               uint64_t *rev, struct bones_error *err) {
  char what[400];
  int rc = check_key(b, key, err);
  if (rc == BONES_OK) rc = check_len(b, key, len, err);
  if (rc != BONES_OK) return rc;
  if (expected == 0)
    return bones_error_set(err, BONES_E_USAGE, "bucket %s: update of %s needs a revision", b->name, key);
  /* JetStream's expected-last-subject-sequence also matches a delete
   * marker: an update at a marker's revision would bring a deleted key
   * back.  So read first: absent or at another revision is answered from
   * that read; only a live value at expected is written over (if it
   * changes meanwhile the conditional publish fails).  Found by the
   * linearizability checker (tests/lin). */
  int live = 0;
  uint64_t cur = 0;
  rc = inspect(b, key, &live, &cur, err);
  if (rc == BONES_OK && live && cur == expected) {
    uint64_t r = 0;
    jsErrCode jerr = 0;
    natsStatus s = publish(b, key, value, len, NULL, EXPECT_SEQ, expected, &r, &jerr);
    if (s == NATS_OK) {
      if (rev) *rev = r;
      return BONES_OK;
    }
    if (jerr != JSStreamWrongLastSequenceErr)
      return kvn_fail_write(b->conn, s, jerr, what_of(b, "update", key, what, sizeof what), err);
    rc = inspect(b, key, &live, &cur, err);
  }
  if (rc != BONES_OK) return rc;
  if (!live) return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s: no key %s to update", b->name, key);
  return bones_error_set(err, BONES_E_CONFLICT, "bucket %s: key %s is at revision %llu, not %llu", b->name, key,
                         (unsigned long long)cur, (unsigned long long)expected);
}

/* Deletes key (expected 0: whatever its revision) with a DEL marker; see
 * bones/kv.h remove. */
int kvn_remove(struct kvn_bucket *b, const char *key, uint64_t expected, struct bones_error *err) {
  char what[400];
  int rc = check_key(b, key, err);
  if (rc != BONES_OK) return rc;
  uint64_t seq = expected;
  for (int i = 0; i < KVN_RETRIES; i++) {
    int live = 0;
    uint64_t cur = 0;
    /* read first: unconditional, delete the live revision we see, so that
     * a key already absent reports NOTFOUND and no marker is stacked;
     * conditional, never write at a marker's revision (as in update) */
    rc = inspect(b, key, &live, &cur, err);
    if (rc != BONES_OK) return rc;
    if (!live) return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s: no key %s to delete", b->name, key);
    if (expected == 0) seq = cur;
    else if (cur != expected)
      return bones_error_set(err, BONES_E_CONFLICT, "bucket %s: key %s is at revision %llu, not %llu", b->name, key,
                             (unsigned long long)cur, (unsigned long long)expected);
    jsErrCode jerr = 0;
    natsStatus s = publish(b, key, NULL, 0, "DEL", EXPECT_SEQ, seq, NULL, &jerr);
    if (s == NATS_OK) return BONES_OK;
    if (jerr != JSStreamWrongLastSequenceErr)
      return kvn_fail_write(b->conn, s, jerr, what_of(b, "delete", key, what, sizeof what), err);
    if (expected == 0) continue; /* changed between our read and our marker */
    rc = inspect(b, key, &live, &cur, err);
    if (rc != BONES_OK) return rc;
    if (!live) return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s: no key %s to delete", b->name, key);
    return bones_error_set(err, BONES_E_CONFLICT, "bucket %s: key %s is at revision %llu, not %llu", b->name, key,
                           (unsigned long long)cur, (unsigned long long)expected);
  }
  return bones_error_set(err, BONES_E_CONFLICT, "bucket %s: delete of %s kept racing with other writers", b->name,
                         key);
}
