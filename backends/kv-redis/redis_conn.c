/* redis_conn.c: the kv-redis connection: connect and handshake, timeouts on
 * every socket, reconnect after a lost connection, error mapping, running
 * commands and the script.  Messages name the URL without its userinfo;
 * the password is never printed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kv_redis_int.h"
#include "util.h"

/* The timeout as a struct timeval. */
static struct timeval tv_of(int ms) {
  struct timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

/* 1 when the context's last error was a socket timeout. */
static int timed_out(const redisContext *c) {
  if (c->err != REDIS_ERR_IO) return 0;
  return errno == EAGAIN || errno == EWOULDBLOCK || strcmp(c->errstr, strerror(EAGAIN)) == 0 ||
         strcmp(c->errstr, strerror(EWOULDBLOCK)) == 0;
}

int kvr_io_error(struct kvr_conn *k, const char *what, struct bones_error *err) {
  redisContext *c = k->c;
  k->last_timed_out = c != NULL && timed_out(c);
  if (c == NULL) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "redis %s: %s: not connected", k->url.safe, what);
  } else if (k->last_timed_out) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "redis %s: %s: no answer within %d ms", k->url.safe, what,
                    k->timeout_ms);
  } else if (c->err == REDIS_ERR_EOF) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "redis %s: %s: the server closed the connection", k->url.safe,
                    what);
  } else if (c->err == REDIS_ERR_PROTOCOL) {
    bones_error_set(err, BONES_E_UNAVAILABLE,
                    "redis %s: %s: the server does not speak the Redis protocol (%s)", k->url.safe, what,
                    c->errstr);
    bones_error_hint(err, "something other than Redis answers at %s; check the address", k->url.safe);
    kvr_drop(k);
    return BONES_E_UNAVAILABLE;
  } else if (c->err == REDIS_ERR_OOM) {
    bones_error_set(err, BONES_E_INTERNAL, "redis %s: %s: out of memory", k->url.safe, what);
    kvr_drop(k);
    return BONES_E_INTERNAL;
  } else {
    bones_error_set(err, BONES_E_UNAVAILABLE, "redis %s: %s: %s", k->url.safe, what,
                    c->errstr[0] ? c->errstr : "connection lost");
  }
  bones_error_hint(err, "check that redis-server is running and reachable at %s", k->url.safe);
  kvr_drop(k);
  return BONES_E_UNAVAILABLE;
}

/* 1 if text[0..len) starts with word. */
static int starts(const char *text, size_t len, const char *word) {
  size_t n = strlen(word);
  return len >= n && memcmp(text, word, n) == 0;
}

/* 1 if text[0..len) contains needle. */
static int contains(const char *text, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; n <= len && i + n <= len; i++)
    if (memcmp(text + i, needle, n) == 0) return 1;
  return 0;
}

int kvr_server_error(struct kvr_conn *k, const char *text, size_t len, const char *what,
                     struct bones_error *err) {
  const char *url = k->url.safe;
  int n = len > 200 ? 200 : (int)len;
  int rc = BONES_E_UNAVAILABLE;
  const char *why;
  const char *hint = NULL;
  if (starts(text, len, "NOAUTH")) {
    why = "the server needs a password";
    hint = "set BONES_REDIS_PASSWORD (or use redis://:PASSWORD@HOST:PORT/DB)";
  } else if (starts(text, len, "WRONGPASS") || contains(text, len, "invalid password") ||
             contains(text, len, "invalid username-password")) {
    why = "authentication failed (wrong password or user)";
    hint = "check BONES_REDIS_PASSWORD or the password in the URL";
  } else if (starts(text, len, "NOPERM")) {
    why = "the Redis user lacks a permission bones needs";
  } else if (starts(text, len, "OOM") || contains(text, len, "OOM command not allowed")) {
    why = "the server is out of memory (maxmemory reached)";
  } else if (starts(text, len, "READONLY")) {
    why = "the server is a read-only replica";
    hint = "point bones at the master";
  } else if (starts(text, len, "MOVED") || starts(text, len, "ASK") || starts(text, len, "CLUSTERDOWN") ||
             contains(text, len, "cluster mode")) {
    why = "the server is a Redis Cluster node (bones needs a single endpoint that serves every slot)";
  } else if (starts(text, len, "LOADING") || starts(text, len, "BUSY") || starts(text, len, "MASTERDOWN") ||
             starts(text, len, "TRYAGAIN") || starts(text, len, "MISCONF") || starts(text, len, "DENIED") ||
             contains(text, len, "max number of clients")) {
    why = "the server refused the command";
  } else if (starts(text, len, "WRONGTYPE")) {
    rc = BONES_E_CORRUPT;
    why = "a key of the bucket has the wrong type (written by something other than bones?)";
  } else if (contains(text, len, "Protocol error") || contains(text, len, "bulk length") ||
             contains(text, len, "proto-max-bulk-len") || contains(text, len, "exceeds maximum")) {
    rc = BONES_E_TOOLARGE;
    why = "the value is over the server's limits";
  } else if (contains(text, len, "DB index is out of range")) {
    rc = BONES_E_USAGE;
    why = "no such database on the server (see its 'databases' setting)";
  } else {
    rc = BONES_E_INTERNAL;
    why = "the server answered with an error";
  }
  bones_error_set(err, rc, "redis %s: %s: %s (server said: %.*s)", url, what, why, n, text);
  if (hint) bones_error_hint(err, "%s", hint);
  return rc;
}

void kvr_drop(struct kvr_conn *k) {
  if (k->c) redisFree(k->c);
  k->c = NULL;
}

/* Reads one reply of the handshake pipeline; BONES_OK with *r set (the
 * caller frees it), or an I/O error (the context is dropped). */
static int read_reply(struct kvr_conn *k, redisReply **r, const char *what, struct bones_error *err) {
  void *p = NULL;
  if (redisGetReply(k->c, &p) != REDIS_OK || p == NULL) return kvr_io_error(k, what, err);
  *r = p;
  return BONES_OK;
}

/* Checks one handshake reply: an error reply is mapped; a reply of another
 * type than want says the peer is not Redis. */
static int check_reply(struct kvr_conn *k, redisReply *r, int want, const char *what,
                       struct bones_error *err) {
  if (r->type == REDIS_REPLY_ERROR) return kvr_server_error(k, r->str, r->len, what, err);
  if (r->type != want)
    return bones_error_set(err, BONES_E_UNAVAILABLE,
                           "redis %s: %s: unexpected reply (type %d); is it a Redis server?", k->url.safe,
                           what, r->type);
  return BONES_OK;
}

/* Runs the pipelined handshake on a fresh context. */
static int handshake(struct kvr_conn *k, struct bones_error *err) {
  int n = 0;
  int has_auth = k->url.password != NULL;
  int has_select = k->url.db != 0;
  char dbbuf[16];
  snprintf(dbbuf, sizeof dbbuf, "%d", k->url.db);
  if (has_auth) {
    const char *argv[3] = {"AUTH", k->url.user ? k->url.user : k->url.password, k->url.password};
    redisAppendCommandArgv(k->c, k->url.user ? 3 : 2, argv, NULL);
    n++;
  }
  if (has_select) {
    const char *argv[2] = {"SELECT", dbbuf};
    redisAppendCommandArgv(k->c, 2, argv, NULL);
    n++;
  }
  const char *load[3] = {"SCRIPT", "LOAD", kvr_script};
  redisAppendCommandArgv(k->c, 3, load, NULL);
  const char *cfg[3] = {"CONFIG", "GET", "proto-max-bulk-len"};
  redisAppendCommandArgv(k->c, 3, cfg, NULL);
  n += 2;
  int rc = BONES_OK;
  for (int i = 0; i < n; i++) {
    redisReply *r = NULL;
    /* step < 0: AUTH or SELECT; 0: SCRIPT LOAD; 1: CONFIG GET */
    int step = i - (has_auth ? 1 : 0) - (has_select ? 1 : 0);
    int got = read_reply(k, &r, "connect", err);
    if (got != BONES_OK) return got; /* context dropped */
    if (rc != BONES_OK) {             /* an earlier step failed: drain only */
      freeReplyObject(r);
      continue;
    }
    if (step < 0 && has_auth && i == 0) {
      /* a password given to a server without one is harmless */
      if (!(r->type == REDIS_REPLY_ERROR && contains(r->str, r->len, "without any password configured")))
        rc = check_reply(k, r, REDIS_REPLY_STATUS, "connect: AUTH", err);
    } else if (step < 0) {
      rc = check_reply(k, r, REDIS_REPLY_STATUS, "connect: SELECT", err);
    } else if (step == 0) {
      rc = check_reply(k, r, REDIS_REPLY_STRING, "connect: SCRIPT LOAD", err);
      if (rc == BONES_OK && r->len != 40)
        rc = bones_error_set(err, BONES_E_UNAVAILABLE, "redis %s: SCRIPT LOAD gave no SHA1; is it a Redis server?",
                             k->url.safe);
      if (rc == BONES_OK) memcpy(k->sha, r->str, 41);
    } else {
      /* CONFIG may be renamed or forbidden: then assume the default */
      k->proto_max = KVR_DEFAULT_PROTO_MAX;
      uint64_t v = 0;
      if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && kvr_reply_u64(r->element[1], &v) == 0 && v > 0)
        k->proto_max = v;
    }
    freeReplyObject(r);
  }
  return rc;
}

int kvr_open(struct kvr_conn *k, struct bones_error *err) {
  kvr_drop(k);
  struct timeval tv = tv_of(k->timeout_ms);
  redisContext *c = k->url.is_unix ? redisConnectUnixWithTimeout(k->url.path, tv)
                                   : redisConnectWithTimeout(k->url.host, k->url.port, tv);
  if (c == NULL) return bones_error_set(err, BONES_E_INTERNAL, "redis %s: out of memory", k->url.safe);
  if (c->err) {
    if (timed_out(c) || strstr(c->errstr, "timed out"))
      bones_error_set(err, BONES_E_UNAVAILABLE, "redis %s: cannot connect: no answer within %d ms",
                      k->url.safe, k->timeout_ms);
    else
      bones_error_set(err, BONES_E_UNAVAILABLE, "redis %s: cannot connect: %s", k->url.safe, c->errstr);
    bones_error_hint(err, "check that redis-server is running and reachable at %s", k->url.safe);
    redisFree(c);
    return BONES_E_UNAVAILABLE;
  }
  k->c = c;
  /* the connect timeout does not cover commands: bound every round trip */
  if (redisSetTimeout(c, tv) != REDIS_OK) return kvr_io_error(k, "setting the timeout", err);
  int rc = handshake(k, err);
  if (rc != BONES_OK) kvr_drop(k);
  return rc;
}

/* 1 when an idle context can no longer be used: the server closed it (or
 * sent something nobody asked for). */
static int stale(redisContext *c) {
  if (c->err) return 1;
  struct pollfd p = {.fd = c->fd, .events = POLLIN, .revents = 0};
  return poll(&p, 1, 0) != 0;
}

int kvr_ready(struct kvr_conn *k, struct bones_error *err) {
  if (k->c && !stale(k->c)) return BONES_OK;
  return kvr_open(k, err);
}

/* Sends argv and reads one reply; NULL on an I/O error or timeout. */
static redisReply *roundtrip(struct kvr_conn *k, int argc, const char **argv, const size_t *lens) {
  return redisCommandArgv(k->c, argc, argv, lens);
}

int kvr_command(struct kvr_conn *k, int argc, const char **argv, const size_t *lens, unsigned flags,
                redisReply **reply, const char *what, struct bones_error *err) {
  *reply = NULL;
  int rc = kvr_ready(k, err);
  if (rc != BONES_OK) return rc;
  redisReply *r = roundtrip(k, argc, argv, lens);
  if (r == NULL && (flags & KVR_RETRY) && !timed_out(k->c) && k->c->err != REDIS_ERR_PROTOCOL) {
    kvr_drop(k);
    rc = kvr_ready(k, err);
    if (rc != BONES_OK) return rc;
    r = roundtrip(k, argc, argv, lens);
  }
  if (r == NULL) return kvr_io_error(k, what, err);
  if (r->type == REDIS_REPLY_ERROR) {
    rc = kvr_server_error(k, r->str, r->len, what, err);
    freeReplyObject(r);
    return rc;
  }
  *reply = r;
  return BONES_OK;
}

/* Frees replies[0..n) (NULLs skipped) and sets them to NULL. */
static void free_replies(redisReply **replies, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (replies[i]) freeReplyObject(replies[i]);
    replies[i] = NULL;
  }
}

/* One attempt of kvr_pipeline: 0, or -1 on an I/O error (replies freed). */
static int pipeline_once(struct kvr_conn *k, size_t n, int argc, const char *const *argvs,
                         const size_t *lens, redisReply **replies) {
  for (size_t i = 0; i < n; i++)
    if (redisAppendCommandArgv(k->c, argc, (const char **)(argvs + i * (size_t)argc),
                               lens ? lens + i * (size_t)argc : NULL) != REDIS_OK)
      return -1;
  for (size_t i = 0; i < n; i++) {
    void *p = NULL;
    if (redisGetReply(k->c, &p) != REDIS_OK || p == NULL) {
      free_replies(replies, i);
      return -1;
    }
    replies[i] = p;
  }
  return 0;
}

int kvr_pipeline(struct kvr_conn *k, size_t n, int argc, const char *const *argvs, const size_t *lens,
                 unsigned flags, redisReply **replies, const char *what, struct bones_error *err) {
  for (size_t i = 0; i < n; i++) replies[i] = NULL;
  if (n == 0) return BONES_OK;
  int rc = kvr_ready(k, err);
  if (rc != BONES_OK) return rc;
  int ok = pipeline_once(k, n, argc, argvs, lens, replies);
  if (ok != 0 && (flags & KVR_RETRY) && !timed_out(k->c) && k->c->err != REDIS_ERR_PROTOCOL) {
    kvr_drop(k);
    rc = kvr_ready(k, err);
    if (rc != BONES_OK) return rc;
    ok = pipeline_once(k, n, argc, argvs, lens, replies);
  }
  if (ok != 0) return kvr_io_error(k, what, err);
  for (size_t i = 0; i < n; i++) {
    if (replies[i]->type == REDIS_REPLY_ERROR) {
      rc = kvr_server_error(k, replies[i]->str, replies[i]->len, what, err);
      free_replies(replies, n);
      return rc;
    }
  }
  return BONES_OK;
}

/* Sends "EVALSHA sha numkeys keys... args..." and reads the reply; NULL on
 * an I/O error (at most 29 keys + args: callers pass far fewer). */
static redisReply *evalsha(struct kvr_conn *k, int numkeys, const char **keys, int nargs, const char **args,
                           const size_t *arglens) {
  int argc = 3 + numkeys + nargs;
  const char *argv[32];
  size_t lens[32];
  char nk[16];
  if (argc > 32) return NULL;
  snprintf(nk, sizeof nk, "%d", numkeys);
  argv[0] = "EVALSHA", lens[0] = 7;
  argv[1] = k->sha, lens[1] = 40;
  argv[2] = nk, lens[2] = strlen(nk);
  for (int i = 0; i < numkeys; i++) argv[3 + i] = keys[i], lens[3 + i] = strlen(keys[i]);
  for (int i = 0; i < nargs; i++)
    argv[3 + numkeys + i] = args[i], lens[3 + numkeys + i] = arglens ? arglens[i] : strlen(args[i]);
  return roundtrip(k, argc, argv, lens);
}

int kvr_eval(struct kvr_conn *k, int numkeys, const char **keys, int nargs, const char **args,
             const size_t *arglens, redisReply **reply, int *unknown, const char *what,
             struct bones_error *err) {
  *reply = NULL;
  if (unknown) *unknown = 0;
  int rc = kvr_ready(k, err);
  if (rc != BONES_OK) return rc;
  redisReply *r = evalsha(k, numkeys, keys, nargs, args, arglens);
  if (r && r->type == REDIS_REPLY_ERROR && starts(r->str, r->len, "NOSCRIPT")) {
    /* the script cache was flushed (restart, failover, SCRIPT FLUSH): the
     * script did not run, so loading it and calling again is safe */
    freeReplyObject(r);
    const char *load[3] = {"SCRIPT", "LOAD", kvr_script};
    redisReply *l = NULL;
    rc = kvr_command(k, 3, load, NULL, 0, &l, "loading the script", err);
    if (rc != BONES_OK) return rc;
    if (l->type != REDIS_REPLY_STRING || l->len != 40) {
      freeReplyObject(l);
      return bones_error_set(err, BONES_E_INTERNAL, "redis %s: SCRIPT LOAD gave no SHA1", k->url.safe);
    }
    memcpy(k->sha, l->str, 41);
    freeReplyObject(l);
    r = evalsha(k, numkeys, keys, nargs, args, arglens);
  }
  if (r == NULL) {
    if (unknown) *unknown = 1;
    return kvr_io_error(k, what, err);
  }
  if (r->type == REDIS_REPLY_ERROR) {
    rc = kvr_server_error(k, r->str, r->len, what, err);
    freeReplyObject(r);
    return rc;
  }
  *reply = r;
  return BONES_OK;
}

void kvr_nonce(struct kvr_conn *k, char *nonce, size_t size) {
  if (k->nonce_base[0] == '\0') {
    unsigned char raw[8];
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, raw, sizeof raw);
      if (n > 0) got = (size_t)n;
      close(fd);
    }
    if (got < sizeof raw) {
      /* no /dev/urandom: time, pid and address are unique enough */
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40) ^
                   (uint64_t)(uintptr_t)k;
      memcpy(raw, &x, sizeof raw);
    }
    for (size_t i = 0; i < sizeof raw; i++) snprintf(k->nonce_base + 2 * i, 3, "%02x", raw[i]);
  }
  snprintf(nonce, size, "%s.%llx", k->nonce_base, ++k->nonce_seq);
}

int kvr_reply_u64(const redisReply *r, uint64_t *out) {
  if (r == NULL) return -1;
  if (r->type == REDIS_REPLY_INTEGER) {
    if (r->integer < 0) return -1;
    *out = (uint64_t)r->integer;
    return 0;
  }
  if (r->type != REDIS_REPLY_STRING || r->len == 0 || r->len > 20) return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < r->len; i++) {
    if (r->str[i] < '0' || r->str[i] > '9') return -1;
    uint64_t d = (uint64_t)(r->str[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}
