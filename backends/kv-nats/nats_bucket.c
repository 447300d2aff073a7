/* nats_bucket.c: opening, creating and listing JetStream KV buckets.
 *
 * A bucket NAME is the stream KV_NAME with subjects $KV.NAME.>, as
 * js_CreateKeyValue makes it: History 1, file storage, MaxAge = TTL (ns),
 * MaxMsgSize = max_value + KVN_HDR_ROOM (room for our CAS headers), and
 * AllowDirect.  Opening costs one round trip (stream info); creating one
 * more.
 *
 * A young bucket is first probed until it answers: nats-server before
 * 2.9.15 lists a new stream before its store and subscriptions exist
 * (server/stream.go addStreamWithAssignment), so another process that
 * finds it then (through stream info, or a create that returns the
 * half-made stream as "already there") sees direct gets go unanswered
 * until the timeout, and a STREAM.MSG.GET crashes the server (nil store in
 * jsMsgGetRequest).  Both were seen with 16 processes creating a bucket at
 * once.  A direct get cannot reach the half-made stream (its subscription
 * comes last), so a probe that gets an answer proves the stream ready.
 * Concurrent creates can also fail with "subjects overlap with an existing
 * stream": a lost creation race, so the bucket is read again. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nats_kv.h"
#include "util.h"

#define NS_PER_MS 1000000LL
#define NATS_MIN_TTL_MS 100 /* nats-server refuses a smaller MaxAge */
#define SETTLE_MS 3000 /* a stream younger than this may still be half made */
#define PROBE_MS 250   /* one readiness probe's wait */

/* Waits (at most SETTLE_MS) until the stream of bucket name, created at
 * created_ns (server clock), answers a direct get of a subject nobody
 * writes; returns at once for an older stream.  A stream without direct
 * get is given SETTLE_MS from its creation instead (none when its age is
 * unknown). */
static void settle(struct kvn_conn *c, const char *name, int64_t created_ns, bool direct) {
  int64_t age = bones_now_ms() - created_ns / NS_PER_MS;
  if ((created_ns > 0 && age >= SETTLE_MS) || (created_ns <= 0 && !direct)) return;
  int64_t deadline = bones_monotonic_ms() + SETTLE_MS;
  char stream[80], subj[128];
  snprintf(stream, sizeof stream, "KV_%s", name);
  snprintf(subj, sizeof subj, "$KV.%s._bones_ready_probe", name);
  while (bones_monotonic_ms() < deadline) {
    if (!direct) {
      struct timespec ts = {0, 100 * 1000000L};
      nanosleep(&ts, NULL);
      if (created_ns > 0 && bones_now_ms() - created_ns / NS_PER_MS >= SETTLE_MS) return;
      continue;
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = PROBE_MS;
    jsDirectGetMsgOptions o;
    jsDirectGetMsgOptions_Init(&o);
    o.LastBySubject = subj;
    natsMsg *m = NULL;
    natsStatus s = js_DirectGetMsg(&m, c->js, stream, &jo, &o);
    natsMsg_Destroy(m);
    if (s == NATS_OK || s == NATS_NOT_FOUND) return; /* it answered: ready */
    if (s != NATS_TIMEOUT && s != NATS_NO_RESPONDERS) return; /* not ours to judge: the real read will tell */
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
  }
}

/* Formats a TTL in ms for messages ("none", "250ms", "5s", "10m", "2h")
 * into buf (at least 32 bytes). */
static const char *fmt_ttl(int64_t ms, char *buf, size_t len) {
  if (ms <= 0)
    snprintf(buf, len, "none");
  else if (ms % 3600000 == 0)
    snprintf(buf, len, "%" PRId64 "h", ms / 3600000);
  else if (ms % 60000 == 0)
    snprintf(buf, len, "%" PRId64 "m", ms / 60000);
  else if (ms % 1000 == 0)
    snprintf(buf, len, "%" PRId64 "s", ms / 1000);
  else
    snprintf(buf, len, "%" PRId64 "ms", ms);
  return buf;
}

/* See nats_kv.h. */
uint64_t kvn_max_value(const struct kvn_conn *c, int64_t stream_max_msg_size) {
  int64_t payload = natsConnection_GetMaxPayload(c->nc);
  uint64_t lim = UINT64_MAX;
  if (payload > 0) lim = payload > KVN_HDR_ROOM ? (uint64_t)(payload - KVN_HDR_ROOM) : 1;
  if (stream_max_msg_size > 0) {
    uint64_t s = stream_max_msg_size > KVN_HDR_ROOM ? (uint64_t)(stream_max_msg_size - KVN_HDR_ROOM) : 1;
    if (s < lim) lim = s;
  }
  return lim == UINT64_MAX ? 0 : lim;
}

/* 1 when the stream is shaped like a KV bucket called name. */
static int is_kv_stream(const jsStreamConfig *sc, const char *name) {
  if (sc == NULL || sc->Name == NULL || strncmp(sc->Name, "KV_", 3) != 0) return 0;
  if (name && strcmp(sc->Name + 3, name) != 0) return 0;
  if (sc->MaxMsgsPerSubject < 1 || sc->SubjectsLen < 1 || sc->Subjects[0] == NULL) return 0;
  const char *sub = sc->Subjects[0];
  size_t n = strlen(sc->Name + 3);
  return strncmp(sub, "$KV.", 4) == 0 && strncmp(sub + 4, sc->Name + 3, n) == 0 && strcmp(sub + 4 + n, ".>") == 0;
}

/* Fills cfg from a KV stream's config. */
static void config_of(const struct kvn_conn *c, const jsStreamConfig *sc, struct bones_kv_bucket_config *cfg) {
  cfg->ttl_ms = sc->MaxAge > 0 ? sc->MaxAge / NS_PER_MS : 0;
  if (sc->MaxAge > 0 && cfg->ttl_ms == 0) cfg->ttl_ms = 1;
  cfg->max_value = kvn_max_value(c, sc->MaxMsgSize);
  cfg->flags = 0;
}

/* Creates bucket name with cfg (js_CreateKeyValue, idempotent for an equal
 * config).  BONES_OK, BONES_E_EXISTS when another process made it with a
 * different config meanwhile (the caller re-reads), or an error. */
static int create_bucket(struct kvn_conn *c, const char *name, const struct bones_kv_bucket_config *cfg,
                         struct bones_kv_bucket_config *made, struct bones_error *err) {
  int64_t ttl = cfg->ttl_ms == BONES_KV_TTL_ANY ? 0 : cfg->ttl_ms;
  char b1[32];
  if (ttl > 0 && ttl < NATS_MIN_TTL_MS)
    return bones_error_set(err, BONES_E_USAGE, "%s: bucket %s: TTL %s is below the %dms nats-server accepts", c->url,
                           name, fmt_ttl(ttl, b1, sizeof b1), NATS_MIN_TTL_MS);
  uint64_t maxv = cfg->max_value ? cfg->max_value : BONES_KV_DEFAULT_MAX_VALUE;
  int32_t mms = maxv > (uint64_t)INT32_MAX - KVN_HDR_ROOM ? INT32_MAX : (int32_t)(maxv + KVN_HDR_ROOM);
  kvConfig kc;
  kvConfig_Init(&kc);
  kc.Bucket = name;
  kc.History = 1;
  kc.TTL = ttl * NS_PER_MS;
  kc.MaxValueSize = mms;
  kc.StorageType = js_FileStorage;
  kc.Replicas = c->replicas;
  int rc = kvn_check_replicas(c, name, c->replicas, err);
  if (rc != BONES_OK) return rc;
  kvStore *kv = NULL;
  natsStatus s = js_CreateKeyValue(&kv, c->js, &kc);
  kvStore_Destroy(kv);
  const char *why = s == NATS_OK ? "" : nats_GetLastError(NULL);
  if (s != NATS_OK && why && (strstr(why, "configuration is different") || strstr(why, "subjects overlap")))
    return BONES_E_EXISTS; /* made meanwhile by another process */
  if (s != NATS_OK) {
    char what[128];
    snprintf(what, sizeof what, "create bucket %s", name);
    return kvn_fail(c, s, 0, what, err);
  }
  made->ttl_ms = ttl;
  made->max_value = kvn_max_value(c, mms);
  made->flags = 0;
  return BONES_OK;
}

/* A new bucket handle (caller frees with kvn_bucket_close). */
static struct kvn_bucket *bucket_new(struct kvn_conn *c, const char *name, const struct bones_kv_bucket_config *real,
                                     bool direct) {
  struct kvn_bucket *b = bones_xcalloc(1, sizeof *b);
  b->conn = c;
  b->name = bones_xstrdup(name);
  b->stream = bones_xasprintf("KV_%s", name);
  b->prefix = bones_xasprintf("$KV.%s.", name);
  b->ttl_ms = real->ttl_ms;
  b->max_value = real->max_value;
  b->direct = direct;
  return b;
}

/* Opens (maybe creates) bucket name; see bones/kv.h bucket_open. */
int kvn_bucket_open(struct kvn_conn *c, const char *name, const struct bones_kv_bucket_config *cfg,
                    struct kvn_bucket **out, struct bones_kv_bucket_config *actual, struct bones_error *err) {
  *out = NULL;
  if (!bones_kv_bucket_name_valid(name))
    return bones_error_set(err, BONES_E_USAGE, "invalid bucket name '%s'", name ? name : "");
  if (cfg && cfg->ttl_ms > INT64_MAX / NS_PER_MS)
    return bones_error_set(err, BONES_E_USAGE, "bucket %s: TTL too large", name);
  char stream[80], what[128], b1[32], b2[32];
  snprintf(stream, sizeof stream, "KV_%s", name);
  snprintf(what, sizeof what, "open bucket %s", name);
  struct bones_kv_bucket_config real = {0, 0, 0};
  for (int attempt = 0;; attempt++) {
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    kvn_await_link(c, bones_monotonic_ms() + c->timeout_ms);
    natsStatus s = js_GetStreamInfo(&si, c->js, stream, NULL, &jerr);
    if (s != NATS_OK && c->nservers > 1 && kvn_link_lost(s)) { /* a read: ask the next node */
      jsStreamInfo_Destroy(si);
      si = NULL;
      jerr = 0;
      kvn_await_link(c, bones_monotonic_ms() + c->timeout_ms);
      s = js_GetStreamInfo(&si, c->js, stream, NULL, &jerr);
    }
    if (s == NATS_OK) {
      if (!is_kv_stream(si->Config, name)) {
        jsStreamInfo_Destroy(si);
        return bones_error_set(err, BONES_E_CONFLICT, "%s: stream %s exists but is not a KV bucket", c->url, stream);
      }
      config_of(c, si->Config, &real);
      bool direct = si->Config->AllowDirect;
      int replicas = (int)si->Config->Replicas;
      int64_t created = si->Created;
      int64_t have_ns = si->Config->MaxAge > 0 ? si->Config->MaxAge : 0;
      jsStreamInfo_Destroy(si);
      if (cfg && cfg->ttl_ms != BONES_KV_TTL_ANY && cfg->ttl_ms * NS_PER_MS != have_ns) {
        bones_error_set(err, BONES_E_CONFLICT, "%s: bucket %s exists with TTL %s, not the %s asked for", c->url,
                        name, fmt_ttl(real.ttl_ms, b1, sizeof b1), fmt_ttl(cfg->ttl_ms, b2, sizeof b2));
        bones_error_hint(err, "open it with the same TTL, or delete the bucket (stream %s) to change it", stream);
        return BONES_E_CONFLICT;
      }
      /* a replicated bucket made by someone else is used only where its
       * compare-and-set is safe */
      int rc = kvn_check_replicas(c, name, replicas, err);
      if (rc != BONES_OK) return rc;
      settle(c, name, created, direct);
      *out = bucket_new(c, name, &real, direct);
      break;
    }
    if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) return kvn_fail(c, s, jerr, what, err);
    if (!cfg || !(cfg->flags & BONES_KV_BUCKET_CREATE))
      return bones_error_set(err, BONES_E_NOTFOUND, "%s: bucket %s does not exist", c->url, name);
    int rc = create_bucket(c, name, cfg, &real, err);
    /* made (by us, or by another process, maybe half made): read it again,
     * which also waits for a young stream to be ready */
    if (rc == BONES_OK && attempt < 3) continue;
    if (rc != BONES_E_EXISTS || attempt >= 2) {
      if (rc == BONES_OK)
        rc = bones_error_set(err, BONES_E_INTERNAL, "%s: bucket %s was created but cannot be found", c->url, name);
      if (rc == BONES_E_EXISTS)
        rc = bones_error_set(err, BONES_E_CONFLICT, "%s: bucket %s keeps changing while opened", c->url, name);
      return rc;
    }
  }
  if (actual) *actual = real;
  return BONES_OK;
}

/* Frees b (and its kvStore); nothing to tell the server. */
void kvn_bucket_close(struct kvn_bucket *b) {
  if (b == NULL) return;
  kvStore_Destroy(b->kv);
  free(b->name);
  free(b->stream);
  free(b->prefix);
  free(b);
}

static int cmp_info(const void *a, const void *b) {
  const jsStreamInfo *x = *(jsStreamInfo *const *)a, *y = *(jsStreamInfo *const *)b;
  return strcmp(x->Config->Name, y->Config->Name);
}

/* Calls fn for every KV bucket (stream KV_*), in name order; see
 * bones/kv.h buckets. */
int kvn_buckets(struct kvn_conn *c, bones_kv_bucket_fn fn, void *arg, struct bones_error *err) {
  jsStreamInfoList *list = NULL;
  jsErrCode jerr = 0;
  natsStatus s = js_Streams(&list, c->js, NULL, &jerr);
  if (s == NATS_NOT_FOUND) return BONES_OK; /* no stream at all */
  if (s != NATS_OK) return kvn_fail(c, s, jerr, "list buckets", err);
  jsStreamInfo **kvs = bones_xcalloc((size_t)list->Count + 1, sizeof *kvs);
  size_t n = 0;
  for (int i = 0; i < list->Count; i++)
    if (list->List[i] && is_kv_stream(list->List[i]->Config, NULL)) kvs[n++] = list->List[i];
  qsort(kvs, n, sizeof *kvs, cmp_info);
  for (size_t i = 0; i < n; i++) {
    struct bones_kv_bucket_config cfg;
    config_of(c, kvs[i]->Config, &cfg);
    if (fn(arg, kvs[i]->Config->Name + 3, &cfg) != 0) break;
  }
  free(kvs);
  jsStreamInfoList_Destroy(list);
  return BONES_OK;
}
