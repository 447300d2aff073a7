/* nats_kv.h: internals of the kv-nats backend module (not installed).
 *
 * A connection (struct kvn_conn) is one natsConnection plus its JetStream
 * context; a bucket (struct kvn_bucket) is a JetStream KV bucket, i.e. the
 * stream KV_<name> with subjects $KV.<name>.>.  Every server round trip is
 * bounded by the connection's timeout.  Nothing here prints credentials:
 * conn->url is the server address without user info or query.
 */
#ifndef BONES_NATS_KV_H
#define BONES_NATS_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nats/nats.h>

#include <bones/kv.h>

/* Headroom kept between a stream's MaxMsgSize and the largest value we
 * promise, for the headers bones adds (CAS expectations, KV-Operation). */
#define KVN_HDR_ROOM 256

/* Bound on the retries of a CAS that lost to a concurrent delete marker. */
#define KVN_RETRIES 16

struct kvn_conn {
  natsOptions *opts;
  natsConnection *nc;
  jsCtx *js;
  char *url;       /* "nats://host:port", no credentials; for messages */
  int timeout_ms;  /* bound on every round trip */
  int replicas;    /* replicas of the buckets this connection creates (1-5) */
  int nservers;    /* servers in the URL's seed list */
};

struct kvn_bucket {
  struct kvn_conn *conn;
  char *name;      /* bucket name */
  char *stream;    /* "KV_<name>" */
  char *prefix;    /* "$KV.<name>." */
  int64_t ttl_ms;  /* 0 = none */
  uint64_t max_value;
  bool direct;     /* the stream allows direct gets */
  kvStore *kv;     /* made on first list (js_KeyValue costs a round trip) */
};

/* ---- nats_conn.c: URL, credentials, connection ---- */

/* Parses url, connects within opts->timeout_ms and fills *out (owned by the
 * caller until kvn_disconnect).  BONES_E_USAGE for a bad URL,
 * BONES_E_UNAVAILABLE when no server answers. */
int kvn_connect(const char *url, const struct bones_kv_options *opts, struct kvn_conn **out,
                struct bones_error *err);
/* Closes and frees c (NULL is a no-op); tears the library down with the last
 * connection. */
void kvn_disconnect(struct kvn_conn *c);
/* A PING/PONG round trip: BONES_OK or BONES_E_UNAVAILABLE. */
int kvn_ping(struct kvn_conn *c, struct bones_error *err);
/* With a seed list of several servers, waits (until deadline, a
 * bones_monotonic_ms time) while the library moves to another server after
 * losing one; returns at once with a single server (whose loss is final
 * for the process: exit 5 within the timeout).  1 when connected. */
int kvn_await_link(const struct kvn_conn *c, int64_t deadline);
/* 1 when a request failed because the link dropped or was down (nothing
 * answered; for a read, safe to ask again once kvn_await_link says so). */
int kvn_link_lost(natsStatus s);
/* Parses url as kvn_connect would, without connecting (the fuzz target
 * tests/fuzz/fuzz_nats_url.c): BONES_OK with *redacted (may be NULL; the
 * URL without credentials, malloc'd) or BONES_E_USAGE. */
int kvn_url_check(const char *url, char **redacted, struct bones_error *err);

/* ---- nats_version.c: replicated buckets and the server's version ---- */

/* BONES_OK when a bucket with `replicas` replicas may be used through c:
 * always for 1; for more, every server that answers (the connected one and
 * the peers it announces) runs nats-server >= 2.9.21.  BONES_E_UNSUPPORTED
 * naming the version and the bug otherwise, BONES_E_UNAVAILABLE when no
 * server tells its version within the timeout. */
int kvn_check_replicas(const struct kvn_conn *c, const char *bucket, int replicas, struct bones_error *err);
/* 1 when nats-server version v ("A.B.C[-x]") is 2.9.21 or newer; 0 when
 * older or unreadable. */
int kvn_version_safe(const char *v);
/* The version in the INFO line the server at url ("nats://host:port",
 * "host:port", "[v6]:port") sends first, read within timeout_ms (malloc'd,
 * "" when INFO has none), or NULL when nothing answered with INFO.  With
 * peers, the INFO's connect_urls (each malloc'd, the array too; caller
 * frees). */
char *kvn_info_version(const char *url, int timeout_ms, char ***peers, size_t *npeers);

/* ---- nats_err.c: mapping nats.c failures onto bones result codes ---- */

/* Maps a failed call (s != NATS_OK, jerr the JetStream error code or 0) of
 * operation `what` (e.g. "get tasks/x") to a result code and fills err with
 * a message naming the server (never credentials).  Returns the code. */
int kvn_fail(const struct kvn_conn *c, natsStatus s, jsErrCode jerr, const char *what,
             struct bones_error *err);
/* kvn_fail for the connection handshake: a failure there that is not about
 * credentials or TLS (the peer hung up, answered garbage, is not a NATS
 * server) means nothing usable answers at the URL: BONES_E_UNAVAILABLE. */
int kvn_fail_connect(const struct kvn_conn *c, natsStatus s, struct bones_error *err);

/* kvn_fail for a write whose outcome may be unknown (timeout, link lost
 * while in flight): the message says so and the hint says to re-read. */
int kvn_fail_write(const struct kvn_conn *c, natsStatus s, jsErrCode jerr, const char *what,
                   struct bones_error *err);
/* 1 when s means the server could not be reached or did not answer. */
int kvn_status_unavailable(natsStatus s);

/* ---- nats_bucket.c: buckets ---- */

int kvn_bucket_open(struct kvn_conn *c, const char *name, const struct bones_kv_bucket_config *cfg,
                    struct kvn_bucket **out, struct bones_kv_bucket_config *actual,
                    struct bones_error *err);
void kvn_bucket_close(struct kvn_bucket *b);
int kvn_buckets(struct kvn_conn *c, bones_kv_bucket_fn fn, void *arg, struct bones_error *err);
/* The largest value a stream config admits (MaxMsgSize less the header
 * room; 0 when unlimited), capped by the server's max payload. */
uint64_t kvn_max_value(const struct kvn_conn *c, int64_t stream_max_msg_size);

/* ---- nats_ops.c: entry operations ---- */

int kvn_get(struct kvn_bucket *b, const char *key, struct bones_kv_value *out, struct bones_error *err);
int kvn_put(struct kvn_bucket *b, const char *key, const void *value, size_t len, uint64_t *rev,
            struct bones_error *err);
int kvn_create(struct kvn_bucket *b, const char *key, const void *value, size_t len, uint64_t *rev,
               struct bones_error *err);
int kvn_update(struct kvn_bucket *b, const char *key, const void *value, size_t len, uint64_t expected,
               uint64_t *rev, struct bones_error *err);
int kvn_remove(struct kvn_bucket *b, const char *key, uint64_t expected, struct bones_error *err);

/* ---- nats_list.c: list and watch ---- */

int kvn_list(struct kvn_bucket *b, const char *prefix, bones_kv_list_fn fn, void *arg,
             struct bones_error *err);
int kvn_watch(struct kvn_bucket *b, const char *prefix, uint64_t after_rev, bones_kv_watch_fn fn,
              void *arg, int timeout_ms, struct bones_error *err);
/* The subject filter that covers every key starting with prefix:
 * "$KV.<bucket>.<prefix up to its last '.'>>" (malloc'd, caller frees). */
char *kvn_filter_subject(const struct kvn_bucket *b, const char *prefix);
/* 1 when a message carries a KV-Operation DEL or PURGE header. */
int kvn_msg_is_marker(natsMsg *m);

#endif /* BONES_NATS_KV_H */
