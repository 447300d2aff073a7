/* raw_nats.c: what kv-nats does on the wire, done directly with nats.c, as
 * the baseline of the nats ratio.  Same calls as backends/kv-nats:
 *   open    connect + JetStream context + stream info of KV_<bucket>
 *           (js_CreateKeyValue when absent, same config)
 *   get     js_DirectGetMsg (last message of the subject), marker check, copy
 *   put     js_PublishMsg on $KV.<bucket>.<key>
 *   create  js_PublishMsg with ExpectNoMessage; after "wrong last sequence"
 *           read the latest message and write over a delete marker (this
 *           is also what kvStore_Create does)
 *   update  js_PublishMsg with ExpectLastSubjectSeq (kvStore_Update: no
 *           read after a lost condition)
 * Returns 0 done, -1 the condition was lost (or the key is absent), -2 any
 * other failure.  close() leaves the library up (kv-nats tears it down). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "raw.h"

#define RN_TIMEOUT_MS 2000
#define RN_MAX_VALUE (1024 * 1024 + 256) /* default max_value + header room */

struct raw_nats {
  natsOptions *opts;
  natsConnection *nc;
  jsCtx *js;
  char stream[80], prefix[80];
  bool direct;
};

/* Frees what rn_open made (NULL members are fine). */
static void rn_close(void *h) {
  struct raw_nats *r = h;
  if (r == NULL) return;
  jsCtx_Destroy(r->js);
  if (r->nc) natsConnection_Close(r->nc);
  natsConnection_Destroy(r->nc);
  natsOptions_Destroy(r->opts);
  free(r);
}

/* Makes the bucket as kv-nats does (History 1, file storage, 1 MiB). */
static natsStatus rn_create_bucket(struct raw_nats *r, const char *bucket) {
  kvConfig kc;
  kvConfig_Init(&kc);
  kc.Bucket = bucket;
  kc.History = 1;
  kc.MaxValueSize = RN_MAX_VALUE;
  kc.StorageType = js_FileStorage;
  kc.Replicas = 1;
  kvStore *kv = NULL;
  natsStatus s = js_CreateKeyValue(&kv, r->js, &kc);
  kvStore_Destroy(kv);
  r->direct = true;
  return s;
}

/* Connects to url and binds bucket (made when absent). */
static void *rn_open(const char *url, const char *bucket) {
  struct raw_nats *r = calloc(1, sizeof *r);
  snprintf(r->stream, sizeof r->stream, "KV_%s", bucket);
  snprintf(r->prefix, sizeof r->prefix, "$KV.%s.", bucket);
  natsStatus s = natsOptions_Create(&r->opts);
  if (s == NATS_OK) s = natsOptions_SetURL(r->opts, url);
  if (s == NATS_OK) s = natsOptions_SetTimeout(r->opts, RN_TIMEOUT_MS);
  if (s == NATS_OK) s = natsConnection_Connect(&r->nc, r->opts);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = RN_TIMEOUT_MS;
  if (s == NATS_OK) s = natsConnection_JetStream(&r->js, r->nc, &jo);
  if (s == NATS_OK) {
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    s = js_GetStreamInfo(&si, r->js, r->stream, NULL, &jerr);
    if (s == NATS_OK) r->direct = si->Config->AllowDirect;
    jsStreamInfo_Destroy(si);
    if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) s = rn_create_bucket(r, bucket);
  }
  if (s != NATS_OK) {
    fprintf(stderr, "raw nats: %s: %s\n", url, natsStatus_GetText(s));
    rn_close(r);
    return NULL;
  }
  return r;
}

/* The latest message of key (value or marker) in *out, as kv-nats reads it. */
static natsStatus rn_latest(struct raw_nats *r, const char *key, natsMsg **out) {
  char subj[512];
  snprintf(subj, sizeof subj, "%s%s", r->prefix, key);
  if (!r->direct) return js_GetLastMsg(out, r->js, r->stream, subj, NULL, NULL);
  jsDirectGetMsgOptions o;
  jsDirectGetMsgOptions_Init(&o);
  o.LastBySubject = subj;
  return js_DirectGetMsg(out, r->js, r->stream, NULL, &o);
}

/* 1 when m is a DEL or PURGE marker. */
static int rn_marker(natsMsg *m) {
  const char *op = NULL;
  if (natsMsgHeader_Get(m, "KV-Operation", &op) != NATS_OK || op == NULL) return 0;
  return strcmp(op, "DEL") == 0 || strcmp(op, "PURGE") == 0;
}

/* Reads key and copies its value out (as the backend hands it over). */
static int rn_get(void *h, const char *key) {
  natsMsg *m = NULL;
  natsStatus s = rn_latest(h, key, &m);
  if (s != NATS_OK) {
    natsMsg_Destroy(m);
    return s == NATS_NOT_FOUND ? -1 : -2;
  }
  int rc = rn_marker(m) ? -1 : 0;
  if (rc == 0) {
    int n = natsMsg_GetDataLength(m);
    char *v = malloc((size_t)(n > 0 ? n : 0) + 1);
    if (n > 0) memcpy(v, natsMsg_GetData(m), (size_t)n);
    free(v);
  }
  natsMsg_Destroy(m);
  return rc;
}

/* One js_PublishMsg: expect 0 none, 1 no message, 2 last sequence seq. */
static int rn_publish(struct raw_nats *r, const char *key, const void *v, size_t n, int expect, uint64_t seq,
                      uint64_t *rev) {
  char subj[512];
  snprintf(subj, sizeof subj, "%s%s", r->prefix, key);
  natsMsg *m = NULL;
  jsPubAck *pa = NULL;
  jsErrCode jerr = 0;
  natsStatus s = natsMsg_Create(&m, subj, NULL, (const char *)v, (int)n);
  if (s == NATS_OK) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = RN_TIMEOUT_MS;
    if (expect == 1) po.ExpectNoMessage = true;
    if (expect == 2) po.ExpectLastSubjectSeq = seq;
    s = js_PublishMsg(&pa, r->js, m, &po, &jerr);
  }
  if (s == NATS_OK) *rev = pa->Sequence;
  jsPubAck_Destroy(pa);
  natsMsg_Destroy(m);
  if (s == NATS_OK) return 0;
  return jerr == JSStreamWrongLastSequenceErr ? -1 : -2;
}

/* Unconditional write. */
static int rn_put(void *h, const char *key, const void *v, size_t n, uint64_t *rev) {
  return rn_publish(h, key, v, n, 0, 0, rev);
}

/* Create: no message on the subject, or write over a delete marker. */
static int rn_create(void *h, const char *key, const void *v, size_t n, uint64_t *rev) {
  int expect = 1;
  uint64_t seq = 0;
  for (int i = 0; i < 16; i++) {
    int rc = rn_publish(h, key, v, n, expect, seq, rev);
    if (rc != -1) return rc;
    natsMsg *m = NULL;
    natsStatus s = rn_latest(h, key, &m);
    if (s == NATS_NOT_FOUND) { /* gone meanwhile (expired) */
      expect = 1;
      continue;
    }
    int live = s == NATS_OK && !rn_marker(m);
    seq = s == NATS_OK ? natsMsg_GetSequence(m) : 0;
    natsMsg_Destroy(m);
    if (s != NATS_OK) return -2;
    if (live) return -1;
    expect = 2;
  }
  return -1;
}

/* CAS write from revision expected. */
static int rn_update(void *h, const char *key, const void *v, size_t n, uint64_t expected, uint64_t *rev) {
  return rn_publish(h, key, v, n, 2, expected, rev);
}

const struct raw_client raw_nats = {"nats.c", rn_open, rn_get, rn_put, rn_create, rn_update, rn_close};
