/* sqlite_db.h: the kv-sqlite connection: opening the file, pragmas, the
 * schema, cached statements and the BEGIN IMMEDIATE transaction runner. */
#ifndef BONES_SQLITE_DB_H
#define BONES_SQLITE_DB_H

#include <stdint.h>

#include <sqlite3.h>

#include <bones/error.h>
#include <bones/kv.h>

enum sqlite_stmt_id {
  ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
  ST_GET, ST_LIVE_REV, ST_BUMP_REV, ST_UPSERT, ST_DELETE,
  ST_LIST_ALL, ST_LIST_RANGE, ST_PURGE,
  ST_BUCKET_GET, ST_BUCKET_ADD, ST_BUCKETS,
  ST_COUNT
};

struct sqlite_db {
  sqlite3 *db;
  char *path;
  int busy_ms;
  sqlite3_stmt *stmts[ST_COUNT];
};

/* Opens "sqlite:PATH[?sync=normal|full]" (creating the file 0600 and the
 * schema).  *out is malloc'd; release with sqlite_db_close(). */
int sqlite_db_open(const char *url, int timeout_ms, struct sqlite_db **out, struct bones_error *err);
void sqlite_db_close(struct sqlite_db *d);

/* The cached, reset statement id (bindings cleared). */
sqlite3_stmt *sqlite_db_stmt(struct sqlite_db *d, enum sqlite_stmt_id id);

/* Maps a sqlite result to an error: BUSY/LOCKED -> BONES_E_UNAVAILABLE,
 * NOTADB/CORRUPT -> BONES_E_CORRUPT, FULL -> BONES_E_INTERNAL ...  Returns
 * the bones code. */
int sqlite_db_fail(struct sqlite_db *d, int rc, const char *what, struct bones_error *err);

/* Runs body(d, arg, err) inside BEGIN IMMEDIATE ... COMMIT.  body returns
 * BONES_OK to commit, another bones code to roll back (that code is
 * returned), or BONES_SQLITE_RETRY after a SQLITE_BUSY to rerun the whole
 * transaction (bounded by the busy timeout). */
#define BONES_SQLITE_RETRY (-1)
int sqlite_db_transaction(struct sqlite_db *d, int (*body)(struct sqlite_db *, void *, struct bones_error *),
                          void *arg, struct bones_error *err);

#endif
