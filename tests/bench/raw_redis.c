/* raw_redis.c: what kv-redis does on the wire, done directly with hiredis,
 * as the baseline of the redis ratio.  The script is the backend's own
 * (kvr_script from backends/kv-redis/redis_script.c, linked in), with the
 * same keys and arguments:
 *   open    connect + SCRIPT LOAD + EVALSHA 'open' (create) + SADD registry
 *   get     HMGET bones:{B}:k:KEY v r, value copied out
 *   put / create / update   EVALSHA sha 5 rev entry lex exp log
 *                           mode key value expected ttl nonce logmax
 * URL: redis://HOST[:PORT][/DB] (no password: bench servers have none).
 * Returns 0 done, -1 the condition was lost (or the key is absent), -2 any
 * other failure. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <hiredis.h>

#include "kv_redis_int.h"
#include "raw.h"

struct raw_redis {
  redisContext *c;
  char sha[41];
  char k_meta[128], k_rev[128], k_lex[128], k_exp[128], k_log[128], k_entry[128];
  char name[64];
  unsigned long long nonce_base, nonce_seq; /* write nonces, unique per write */
};

/* Frees the context and the handle. */
static void rr_close(void *h) {
  struct raw_redis *r = h;
  if (r == NULL) return;
  if (r->c) redisFree(r->c);
  free(r);
}

/* Runs one command (argv, lengths); NULL or an error reply count as failure
 * (printed when loud).  The caller frees a non-NULL result. */
static redisReply *rr_cmd(struct raw_redis *r, int argc, const char **argv, const size_t *lens, int loud) {
  redisReply *x = redisCommandArgv(r->c, argc, argv, lens);
  if (x && x->type != REDIS_REPLY_ERROR) return x;
  if (loud) fprintf(stderr, "raw redis: %s: %s\n", argv[0], x ? x->str : r->c->errstr);
  if (x) freeReplyObject(x);
  return NULL;
}

/* Parses redis://HOST[:PORT][/DB] into host, *port, *db; 0 or -1. */
static int rr_parse(const char *url, char *host, size_t hlen, int *port, int *db) {
  if (strncmp(url, "redis://", 8) != 0) return -1;
  const char *h = url + 8;
  size_t n = strcspn(h, ":/");
  if (n == 0 || n >= hlen) return -1;
  memcpy(host, h, n);
  host[n] = '\0';
  *port = 6379;
  *db = 0;
  h += n;
  if (*h == ':') *port = (int)strtol(h + 1, (char **)&h, 10);
  if (*h == '/' && h[1]) *db = atoi(h + 1);
  return *port > 0 ? 0 : -1;
}

/* Connects, loads the script and opens (creates) the bucket. */
static void *rr_open(const char *url, const char *bucket) {
  char host[256], dbs[16];
  int port, db;
  if (rr_parse(url, host, sizeof host, &port, &db) != 0) {
    fprintf(stderr, "raw redis: cannot parse %s\n", url);
    return NULL;
  }
  struct raw_redis *r = calloc(1, sizeof *r);
  struct timeval tv = {2, 0};
  snprintf(r->name, sizeof r->name, "%s", bucket);
  snprintf(r->k_meta, sizeof r->k_meta, KVR_PREFIX "{%s}:meta", bucket);
  snprintf(r->k_rev, sizeof r->k_rev, KVR_PREFIX "{%s}:rev", bucket);
  snprintf(r->k_lex, sizeof r->k_lex, KVR_PREFIX "{%s}:lex", bucket);
  snprintf(r->k_exp, sizeof r->k_exp, KVR_PREFIX "{%s}:exp", bucket);
  snprintf(r->k_log, sizeof r->k_log, KVR_PREFIX "{%s}:log", bucket);
  snprintf(r->k_entry, sizeof r->k_entry, KVR_PREFIX "{%s}:k:", bucket);
  r->nonce_base = ((unsigned long long)getpid() << 32) ^ (unsigned long long)(uintptr_t)r;
  r->c = redisConnectWithTimeout(host, port, tv);
  if (r->c == NULL || r->c->err) {
    fprintf(stderr, "raw redis: %s: %s\n", url, r->c ? r->c->errstr : "out of memory");
    rr_close(r);
    return NULL;
  }
  redisSetTimeout(r->c, tv);
  snprintf(dbs, sizeof dbs, "%d", db);
  const char *sel[2] = {"SELECT", dbs};
  const char *load[3] = {"SCRIPT", "LOAD", kvr_script};
  redisReply *x = db ? rr_cmd(r, 2, sel, NULL, 1) : NULL;
  if (x) freeReplyObject(x);
  if ((x = rr_cmd(r, 3, load, NULL, 1)) == NULL || x->type != REDIS_REPLY_STRING || x->len != 40) {
    if (x) freeReplyObject(x);
    rr_close(r);
    return NULL;
  }
  memcpy(r->sha, x->str, 41);
  freeReplyObject(x);
  const char *open[8] = {"EVALSHA", r->sha, "1", r->k_meta, "open", "1", "0", "1048576"};
  const char *sadd[3] = {"SADD", KVR_REGISTRY, bucket};
  if ((x = rr_cmd(r, 8, open, NULL, 1)) == NULL) {
    rr_close(r);
    return NULL;
  }
  freeReplyObject(x);
  if ((x = rr_cmd(r, 3, sadd, NULL, 1)) != NULL) freeReplyObject(x);
  return r;
}

/* HMGET v r of the entry, value copied out. */
static int rr_get(void *h, const char *key) {
  struct raw_redis *r = h;
  char ek[512];
  snprintf(ek, sizeof ek, "%s%s", r->k_entry, key);
  const char *argv[4] = {"HMGET", ek, "v", "r"};
  redisReply *x = rr_cmd(r, 4, argv, NULL, 0);
  if (x == NULL) return -2;
  int rc = -1;
  if (x->type == REDIS_REPLY_ARRAY && x->elements == 2 && x->element[0]->type == REDIS_REPLY_STRING) {
    char *v = malloc(x->element[0]->len + 1);
    memcpy(v, x->element[0]->str, x->element[0]->len);
    free(v);
    rc = 0;
  }
  freeReplyObject(x);
  return rc;
}

/* One write through the script, arguments as kv-redis passes them. */
static int rr_write(struct raw_redis *r, const char *mode, const char *key, const void *v, size_t n,
                    uint64_t expected, uint64_t *rev) {
  char ek[512], exp[24], nonce[48], logmax[16];
  snprintf(ek, sizeof ek, "%s%s", r->k_entry, key);
  snprintf(exp, sizeof exp, "%llu", (unsigned long long)expected);
  snprintf(nonce, sizeof nonce, "%016llx.%llx", r->nonce_base, ++r->nonce_seq);
  snprintf(logmax, sizeof logmax, "%d", KVR_LOG_MAX);
  const char *argv[15] = {"EVALSHA", r->sha, "5", r->k_rev, ek, r->k_lex, r->k_exp, r->k_log,
                          mode, key, v, exp, "0", nonce, logmax};
  size_t lens[15];
  for (int i = 0; i < 15; i++) lens[i] = i == 10 ? n : strlen(argv[i]);
  redisReply *x = rr_cmd(r, 15, argv, lens, 0);
  if (x == NULL) return -2;
  int rc = -2;
  if (x->type == REDIS_REPLY_ARRAY && x->elements == 2 && x->element[0]->type == REDIS_REPLY_INTEGER &&
      x->element[1]->type == REDIS_REPLY_INTEGER) {
    rc = x->element[0]->integer == 1 ? 0 : -1;
    if (rc == 0) *rev = (uint64_t)x->element[1]->integer;
  }
  freeReplyObject(x);
  return rc;
}

/* The three writes of raw.h, as kv-redis's put, create and update. */
static int rr_put(void *h, const char *key, const void *v, size_t n, uint64_t *rev) {
  return rr_write(h, "put", key, v, n, 0, rev);
}
static int rr_create(void *h, const char *key, const void *v, size_t n, uint64_t *rev) {
  return rr_write(h, "create", key, v, n, 0, rev);
}
static int rr_update(void *h, const char *key, const void *v, size_t n, uint64_t expected, uint64_t *rev) {
  return rr_write(h, "update", key, v, n, expected, rev);
}

const struct raw_client raw_redis = {"hiredis", rr_open, rr_get, rr_put, rr_create, rr_update, rr_close};
