/* bench_floor.c: the floor of a one-operation process: a bare C program
 * that connects with a backend's own client library, reads one key the way
 * the backend does, and exits.  Built once per backend, each binary linked
 * with its library only (loading an unused libnats + OpenSSL alone costs
 * about 2 ms):
 *   bench-floor-sqlite sqlite:PATH BUCKET KEY   (-DFLOOR_SQLITE)
 *   bench-floor-nats   nats://H:P  BUCKET KEY   (-DFLOOR_NATS)
 *   bench-floor-redis  redis://H:P BUCKET KEY   (-DFLOOR_REDIS)
 * Exit 0 when the key was read, 1 otherwise.  `make bench` times it with
 * bench-cli next to `bones kv get`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(FLOOR_SQLITE)
#include <sqlite3.h>

/* open, busy timeout, one SELECT (the kv-sqlite get), close. */
static int floor_get(const char *url, const char *bucket, const char *key) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int rc = sqlite3_open_v2(url + strlen("sqlite:"), &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK) sqlite3_busy_timeout(db, 10000);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(db, "SELECT value, rev FROM kv WHERE bucket=?1 AND key=?2"
                                " AND (expires_ms IS NULL OR expires_ms > ?3)", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    rc = sqlite3_step(st) == SQLITE_ROW ? SQLITE_OK : SQLITE_NOTFOUND;
  }
  if (rc == SQLITE_OK) fwrite(sqlite3_column_blob(st, 0), 1, (size_t)sqlite3_column_bytes(st, 0), stdout);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rc == SQLITE_OK ? 0 : 1;
}

#elif defined(FLOOR_NATS)
#include <nats/nats.h>

/* connect, JetStream context, one direct get of the subject's last
 * message (the kv-nats get), close and tear the library down. */
static int floor_get(const char *url, const char *bucket, const char *key) {
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  natsMsg *m = NULL;
  char stream[128], subj[512];
  snprintf(stream, sizeof stream, "KV_%s", bucket);
  snprintf(subj, sizeof subj, "$KV.%s.%s", bucket, key);
  natsStatus s = natsConnection_ConnectTo(&nc, url);
  if (s == NATS_OK) s = natsConnection_JetStream(&js, nc, NULL);
  if (s == NATS_OK) {
    jsDirectGetMsgOptions o;
    jsDirectGetMsgOptions_Init(&o);
    o.LastBySubject = subj;
    s = js_DirectGetMsg(&m, js, stream, NULL, &o);
  }
  if (s == NATS_OK) fwrite(natsMsg_GetData(m), 1, (size_t)natsMsg_GetDataLength(m), stdout);
  natsMsg_Destroy(m);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  nats_Close();
  return s == NATS_OK ? 0 : 1;
}

#elif defined(FLOOR_REDIS)
#include <hiredis.h>

/* connect, one HMGET of the entry hash (the kv-redis get), free. */
static int floor_get(const char *url, const char *bucket, const char *key) {
  char host[256] = "", ek[512];
  int port = 0;
  if (sscanf(url, "redis://%255[^:/]:%d", host, &port) != 2) return 1;
  snprintf(ek, sizeof ek, "bones:{%s}:k:%s", bucket, key);
  struct timeval tv = {2, 0};
  redisContext *c = redisConnectWithTimeout(host, port, tv);
  if (c == NULL || c->err) return 1;
  redisSetTimeout(c, tv);
  redisReply *r = redisCommand(c, "HMGET %s v r", ek);
  int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING;
  if (ok) fwrite(r->element[0]->str, 1, r->element[0]->len, stdout);
  if (r) freeReplyObject(r);
  redisFree(c);
  return ok ? 0 : 1;
}
#else
#error "define FLOOR_SQLITE, FLOOR_NATS or FLOOR_REDIS"
#endif

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s URL BUCKET KEY\n", argv[0]);
    return 2;
  }
  return floor_get(argv[1], argv[2], argv[3]);
}
