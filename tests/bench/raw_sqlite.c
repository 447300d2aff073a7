/* raw_sqlite.c: the SQL of kv-sqlite, done directly with libsqlite3 (same
 * schema, same transactions), as the baseline of the sqlite ratio. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "raw.h"

struct raw_sqlite {
  sqlite3 *db;
  sqlite3_stmt *get, *live, *bump, *upsert, *begin, *commit, *rollback;
  char bucket[64];
};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *rs_open(const char *url, const char *bucket) {
  const char *path = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
  struct raw_sqlite *r = calloc(1, sizeof *r);
  snprintf(r->bucket, sizeof r->bucket, "%s", bucket);
  if (sqlite3_open(path, &r->db) != SQLITE_OK) {
    fprintf(stderr, "raw sqlite: %s\n", sqlite3_errmsg(r->db));
    return NULL;
  }
  sqlite3_busy_timeout(r->db, 10000);
  sqlite3_exec(r->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                      "CREATE TABLE IF NOT EXISTS bucket(name TEXT PRIMARY KEY, ttl_ms INTEGER NOT NULL DEFAULT 0,"
                      " max_value INTEGER NOT NULL, rev INTEGER NOT NULL DEFAULT 0);"
                      "CREATE TABLE IF NOT EXISTS kv(bucket TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
                      " rev INTEGER NOT NULL, expires_ms INTEGER, PRIMARY KEY(bucket, key));",
               NULL, NULL, NULL);
  char *sql = sqlite3_mprintf("INSERT OR IGNORE INTO bucket(name, ttl_ms, max_value) VALUES(%Q, 0, 1048576)", bucket);
  sqlite3_exec(r->db, sql, NULL, NULL, NULL);
  sqlite3_free(sql);
  sqlite3_prepare_v2(r->db,
                     "SELECT value, rev FROM kv WHERE bucket=?1 AND key=?2 AND (expires_ms IS NULL OR expires_ms > ?3)",
                     -1, &r->get, NULL);
  sqlite3_prepare_v2(r->db, "SELECT rev FROM kv WHERE bucket=?1 AND key=?2 AND (expires_ms IS NULL OR expires_ms > ?3)",
                     -1, &r->live, NULL);
  sqlite3_prepare_v2(r->db, "UPDATE bucket SET rev = rev + 1 WHERE name=?1 RETURNING rev", -1, &r->bump, NULL);
  sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO kv(bucket, key, value, rev, expires_ms) VALUES(?1, ?2, ?3, ?4, ?5)",
                     -1, &r->upsert, NULL);
  sqlite3_prepare_v2(r->db, "BEGIN IMMEDIATE", -1, &r->begin, NULL);
  sqlite3_prepare_v2(r->db, "COMMIT", -1, &r->commit, NULL);
  sqlite3_prepare_v2(r->db, "ROLLBACK", -1, &r->rollback, NULL);
  return r;
}

static int step_reset(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc;
}

static int rs_get(void *h, const char *key) {
  struct raw_sqlite *r = h;
  sqlite3_bind_text(r->get, 1, r->bucket, -1, SQLITE_STATIC);
  sqlite3_bind_text(r->get, 2, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64(r->get, 3, now_ms());
  int rc = sqlite3_step(r->get);
  if (rc == SQLITE_ROW) { /* copy out, as the backend does */
    size_t n = (size_t)sqlite3_column_bytes(r->get, 0);
    char *v = malloc(n + 1);
    memcpy(v, sqlite3_column_blob(r->get, 0), n);
    free(v);
  }
  sqlite3_reset(r->get);
  return rc == SQLITE_ROW ? 0 : -1;
}

/* mode 0 put, 1 create, 2 update */
static int rs_write(struct raw_sqlite *r, int mode, const char *key, const void *v, size_t n, uint64_t expected,
                    uint64_t *rev) {
  step_reset(r->begin);
  int64_t now = now_ms();
  if (mode != 0) {
    sqlite3_bind_text(r->live, 1, r->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_text(r->live, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(r->live, 3, now);
    int rc = sqlite3_step(r->live);
    uint64_t cur = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(r->live, 0) : 0;
    sqlite3_reset(r->live);
    if ((mode == 1 && cur) || (mode == 2 && cur != expected)) {
      step_reset(r->rollback);
      return -1;
    }
  }
  sqlite3_bind_text(r->bump, 1, r->bucket, -1, SQLITE_STATIC);
  sqlite3_step(r->bump);
  *rev = (uint64_t)sqlite3_column_int64(r->bump, 0);
  sqlite3_step(r->bump);
  sqlite3_reset(r->bump);
  sqlite3_bind_text(r->upsert, 1, r->bucket, -1, SQLITE_STATIC);
  sqlite3_bind_text(r->upsert, 2, key, -1, SQLITE_STATIC);
  sqlite3_bind_blob64(r->upsert, 3, v, n, SQLITE_STATIC);
  sqlite3_bind_int64(r->upsert, 4, (sqlite3_int64)*rev);
  sqlite3_bind_null(r->upsert, 5);
  step_reset(r->upsert);
  return step_reset(r->commit) == SQLITE_DONE ? 0 : -1;
}

static int rs_put(void *h, const char *key, const void *v, size_t n, uint64_t *rev) {
  return rs_write(h, 0, key, v, n, 0, rev);
}
static int rs_create(void *h, const char *key, const void *v, size_t n, uint64_t *rev) {
  return rs_write(h, 1, key, v, n, 0, rev);
}
static int rs_update(void *h, const char *key, const void *v, size_t n, uint64_t expected, uint64_t *rev) {
  return rs_write(h, 2, key, v, n, expected, rev);
}

static void rs_close(void *h) {
  struct raw_sqlite *r = h;
  sqlite3_finalize(r->get);
  sqlite3_finalize(r->live);
  sqlite3_finalize(r->bump);
  sqlite3_finalize(r->upsert);
  sqlite3_finalize(r->begin);
  sqlite3_finalize(r->commit);
  sqlite3_finalize(r->rollback);
  sqlite3_close(r->db);
  free(r);
}

const struct raw_client raw_sqlite = {"sqlite", rs_open, rs_get, rs_put, rs_create, rs_update, rs_close};
