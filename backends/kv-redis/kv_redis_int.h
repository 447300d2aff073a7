/* kv_redis_int.h: internals of the kv-redis backend module, shared by its
 * files (nothing here is exported from the module: the only exported
 * symbol is the vtable in kv_redis.c).
 *
 *   redis_url.c     parse redis:// and redis+unix: URLs
 *   redis_conn.c    connect, handshake, timeouts, reconnect, error mapping,
 *                   running commands and the script
 *   redis_script.c  the one Lua script (bucket open and every write)
 *   redis_watch.c   watch() over the bucket's change stream
 *   kv_redis.c      the vtable
 *
 * Key layout (every key of bucket B shares the {B} hash tag, so a bucket
 * lives in one Redis Cluster slot):
 *   bones:{B}:meta    hash {ttl_ms, max_value, version}
 *   bones:{B}:rev     string, INCR'd by every write: the bucket's revisions
 *   bones:{B}:k:KEY   hash {v: value, r: revision, w: write nonce}, with
 *                     PEXPIREAT = last write + ttl when the bucket has a TTL
 *   bones:{B}:lex     sorted set of key names, score 0 (ZRANGEBYLEX: list)
 *   bones:{B}:exp     sorted set name -> expiry ms (TTL buckets only; used
 *                     to prune the lex index)
 *   bones:{B}:log     stream of changes, entry id = "<rev>-0" (watch)
 *   bones:buckets     set of bucket names (buckets(); no hash tag)
 */
#ifndef KV_REDIS_INT_H
#define KV_REDIS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis.h>

#include <bones/error.h>
#include <bones/kv.h>

#define KVR_PREFIX "bones:"
#define KVR_REGISTRY KVR_PREFIX "buckets"
/* Stream entries kept per bucket for watch (approximate, MAXLEN ~). */
#define KVR_LOG_MAX 10000
/* The server's proto-max-bulk-len when CONFIG GET is not allowed. */
#define KVR_DEFAULT_PROTO_MAX (512ull * 1024 * 1024)

/* ---- redis_url.c ---- */

/* A parsed URL.  Every string is malloc'd and owned by the struct; free
 * with kvr_url_free(), which also wipes the password. */
struct kvr_url {
  int is_unix;    /* redis+unix: */
  char *host;     /* TCP host, IPv6 brackets removed */
  int port;       /* TCP port (default 6379) */
  char *path;     /* unix socket path */
  int db;         /* database number (default 0) */
  char *user;     /* ACL user name or NULL */
  char *password; /* NULL when none (from the URL or BONES_REDIS_PASSWORD) */
  int timeout_ms; /* ?timeout=, 0 when not given */
  char *safe;     /* the URL without userinfo and query: safe to print */
};

/* Parses url into *u (zeroed first).  The password comes from the URL's
 * userinfo, else from $BONES_REDIS_PASSWORD.  BONES_E_USAGE on a malformed
 * URL; the message never contains the password.  On failure *u holds
 * nothing to free. */
int kvr_url_parse(const char *url, struct kvr_url *u, struct bones_error *err);

/* Frees the strings of u (password wiped first) and zeroes it. */
void kvr_url_free(struct kvr_url *u);

/* ---- redis_conn.c ---- */

/* A connection: what connect() hands the core.  Owned by the backend. */
struct kvr_conn {
  struct kvr_url url;
  int timeout_ms;          /* bound on connect and on every round trip */
  redisContext *c;         /* NULL when dropped: the next call reconnects */
  char sha[41];            /* SHA1 of the script (SCRIPT LOAD) */
  uint64_t proto_max;      /* the server's proto-max-bulk-len */
  char nonce_base[17];     /* random, hex: makes write nonces unique */
  unsigned long long nonce_seq;
  int last_timed_out;      /* the last I/O error (kvr_io_error) was a timeout */
};

/* Flags for kvr_command. */
#define KVR_RETRY 1u /* idempotent: after a lost connection, reconnect and
                        send once more (not after a timeout) */

/* Connects k (url and timeout_ms already set): TCP or unix connect bounded
 * by the timeout, redisSetTimeout, AUTH, SELECT, SCRIPT LOAD and CONFIG GET
 * in one pipelined round trip.  On failure k->c is NULL and err says why,
 * naming k->url.safe (BONES_E_UNAVAILABLE for an unreachable, silent,
 * non-Redis or password-protected server). */
int kvr_open(struct kvr_conn *k, struct bones_error *err);

/* Frees the context (if any); the next kvr_ready() reconnects. */
void kvr_drop(struct kvr_conn *k);

/* Makes sure k has a live context: reconnects when it was dropped or when
 * the server closed it while idle. */
int kvr_ready(struct kvr_conn *k, struct bones_error *err);

/* Sends one command (argv with lengths: binary-safe) and reads its reply.
 * On BONES_OK *reply is a non-error reply the caller frees with
 * freeReplyObject().  An error reply is mapped (kvr_server_error) and
 * freed.  An I/O error or timeout drops the context and gives
 * BONES_E_UNAVAILABLE; with KVR_RETRY a lost connection is reconnected and
 * the command sent once more.  `what` names the operation in messages. */
int kvr_command(struct kvr_conn *k, int argc, const char **argv, const size_t *lens,
                unsigned flags, redisReply **reply, const char *what, struct bones_error *err);

/* Sends n commands of argc arguments each in one round trip: command i is
 * argvs[i*argc .. i*argc+argc) with lengths lens[i*argc ...] (lens NULL:
 * strlen).  On BONES_OK replies[0..n) are non-error replies the caller
 * frees with freeReplyObject(); on failure none is left to free.  An error
 * reply fails the whole call (mapped like kvr_command); KVR_RETRY as in
 * kvr_command. */
int kvr_pipeline(struct kvr_conn *k, size_t n, int argc, const char *const *argvs, const size_t *lens,
                 unsigned flags, redisReply **replies, const char *what, struct bones_error *err);

/* Runs the script with EVALSHA (numkeys keys, then args), loading it again
 * when the server answers NOSCRIPT.  Same reply/ownership rules as
 * kvr_command.  When the connection is lost after the call was sent,
 * *unknown (may be NULL) is set to 1: the script may or may not have run. */
int kvr_eval(struct kvr_conn *k, int numkeys, const char **keys, int nargs,
             const char **args, const size_t *arglens, redisReply **reply, int *unknown,
             const char *what, struct bones_error *err);

/* Fills err for a lost connection or timeout on k (from k->c's error),
 * records in k->last_timed_out whether it was a timeout, and drops the
 * context.  Returns BONES_E_UNAVAILABLE (BONES_E_INTERNAL when hiredis ran
 * out of memory). */
int kvr_io_error(struct kvr_conn *k, const char *what, struct bones_error *err);

/* Maps a server error reply text to a result code and a clear message
 * naming k->url.safe and `what`.  Returns the code. */
int kvr_server_error(struct kvr_conn *k, const char *text, size_t len, const char *what,
                     struct bones_error *err);

/* Fills nonce (at least 40 bytes) with a value unique to this write. */
void kvr_nonce(struct kvr_conn *k, char *nonce, size_t size);

/* Parses a reply holding a decimal integer (INTEGER or STRING) into *out.
 * Returns 0 on success, -1 otherwise. */
int kvr_reply_u64(const redisReply *r, uint64_t *out);

/* ---- redis_script.c ---- */

/* The Lua script, NUL-terminated (see redis_script.c for its calls). */
extern const char kvr_script[];

/* ---- kv_redis.c / redis_watch.c ---- */

/* A bucket handle: bound to its connection (which outlives it). */
struct kvr_bucket {
  struct kvr_conn *conn;
  char *name;
  int64_t ttl_ms;     /* from the bucket's meta; 0 = no expiry */
  uint64_t max_value; /* from the bucket's meta */
  char *k_meta, *k_rev, *k_lex, *k_exp, *k_log; /* malloc'd key names */
  char *k_entry;      /* "bones:{B}:k:" prefix of entry keys */
};

/* Writes the entry key name of key into buf (size >= 512). */
void kvr_entry_key(const struct kvr_bucket *b, const char *key, char *buf, size_t size);

/* The vtable's list (kv_redis.c) and watch (redis_watch.c); see
 * bones/kv.h. */
int kvr_list(void *bucket, const char *prefix, bones_kv_list_fn fn, void *arg, struct bones_error *err);

int kvr_watch(void *bucket, const char *prefix, uint64_t after_rev, bones_kv_watch_fn fn,
              void *arg, int timeout_ms, struct bones_error *err);

#endif /* KV_REDIS_INT_H */
