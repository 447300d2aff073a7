/* sqlite_db.c: connection, schema and transactions of kv-sqlite. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "sqlite_db.h"
#include "util.h"

#define SCHEMA_VERSION 1

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_GET] = "SELECT value, rev FROM kv WHERE bucket=?1 AND key=?2 AND (expires_ms IS NULL OR expires_ms > ?3)",
    [ST_LIVE_REV] = "SELECT rev FROM kv WHERE bucket=?1 AND key=?2 AND (expires_ms IS NULL OR expires_ms > ?3)",
    [ST_BUMP_REV] = "UPDATE bucket SET rev = rev + 1 WHERE name=?1 RETURNING rev",
    [ST_UPSERT] = "INSERT OR REPLACE INTO kv(bucket, key, value, rev, expires_ms) VALUES(?1, ?2, ?3, ?4, ?5)",
    [ST_DELETE] = "DELETE FROM kv WHERE bucket=?1 AND key=?2",
    [ST_LIST_ALL] = "SELECT key, value, rev FROM kv WHERE bucket=?1 AND (expires_ms IS NULL OR expires_ms > ?2) "
                    "ORDER BY key",
    [ST_LIST_RANGE] = "SELECT key, value, rev FROM kv WHERE bucket=?1 AND key >= ?3 AND key < ?4 AND "
                      "(expires_ms IS NULL OR expires_ms > ?2) ORDER BY key",
    [ST_PURGE] = "DELETE FROM kv WHERE rowid IN (SELECT rowid FROM kv WHERE bucket=?1 AND expires_ms <= ?2 LIMIT 500)",
    [ST_BUCKET_GET] = "SELECT ttl_ms, max_value FROM bucket WHERE name=?1",
    [ST_BUCKET_ADD] = "INSERT OR IGNORE INTO bucket(name, ttl_ms, max_value, rev) VALUES(?1, ?2, ?3, 0)",
    [ST_BUCKETS] = "SELECT name, ttl_ms, max_value FROM bucket ORDER BY name",
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS bucket(name TEXT PRIMARY KEY, ttl_ms INTEGER NOT NULL DEFAULT 0,"
    " max_value INTEGER NOT NULL, rev INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS kv(bucket TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
    " rev INTEGER NOT NULL, expires_ms INTEGER, PRIMARY KEY(bucket, key));"
    "CREATE INDEX IF NOT EXISTS kv_expiry ON kv(bucket, expires_ms) WHERE expires_ms IS NOT NULL;"
    "PRAGMA user_version=1;";

int sqlite_db_fail(struct sqlite_db *d, int rc, const char *what, struct bones_error *err) {
  const char *msg = d && d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc);
  const char *path = d && d->path ? d->path : "?";
  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    bones_error_set(err, BONES_E_UNAVAILABLE, "sqlite %s: %s: database stayed locked for %d ms (%s)", path, what,
                    d ? d->busy_ms : 0, msg);
    return BONES_E_UNAVAILABLE;
  case SQLITE_NOTADB:
  case SQLITE_CORRUPT:
    bones_error_set(err, BONES_E_CORRUPT, "sqlite %s: %s: the file is corrupt or not a database (%s)", path, what,
                    msg);
    bones_error_hint(err, "move the file aside; bones will create a new one");
    return BONES_E_CORRUPT;
  case SQLITE_TOOBIG:
    return bones_error_set(err, BONES_E_TOOLARGE, "sqlite %s: %s: %s", path, what, msg);
  default:
    return bones_error_set(err, BONES_E_INTERNAL, "sqlite %s: %s: %s", path, what, msg);
  }
}

sqlite3_stmt *sqlite_db_stmt(struct sqlite_db *d, enum sqlite_stmt_id id) {
  sqlite3_stmt *st = d->stmts[id];
  if (st == NULL) {
    if (sqlite3_prepare_v3(d->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &d->stmts[id], NULL) != SQLITE_OK)
      return NULL;
    st = d->stmts[id];
  } else {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }
  return st;
}

/* Refuses network filesystems: WAL needs shared memory on one host. */
static int check_local_fs(const char *dir, struct bones_error *err) {
  struct statfs fs;
  if (statfs(dir, &fs) != 0) return BONES_OK;
  switch ((unsigned long)fs.f_type) {
  case 0x6969UL:     /* NFS */
  case 0x517BUL:     /* SMB */
  case 0xFF534D42UL: /* CIFS */
  case 0xFE534D42UL: /* SMB2 */
    bones_error_set(err, BONES_E_USAGE, "sqlite: %s is on a network filesystem; the sqlite substrate is same-host only",
                    dir);
    bones_error_hint(err, "use a local path, or a nats:// or redis:// substrate for several hosts");
    return BONES_E_USAGE;
  default:
    return BONES_OK;
  }
}

/* Parses "sqlite:PATH[?sync=normal|full]". */
static int parse_url(const char *url, char **path, int *sync_full, struct bones_error *err) {
  if (strncmp(url, "sqlite:", 7) != 0 || url[7] == '\0') {
    bones_error_set(err, BONES_E_USAGE, "sqlite substrate '%s' needs a file: sqlite:PATH", url);
    bones_error_hint(err, "inside a workspace plain `sqlite` means .bones/kv.sqlite");
    return BONES_E_USAGE;
  }
  const char *p = url + 7;
  if (strncmp(p, "//", 2) == 0) p += 2; /* sqlite:///abs/path */
  const char *q = strchr(p, '?');
  *sync_full = 0;
  if (q) {
    if (strcmp(q, "?sync=full") == 0) *sync_full = 1;
    else if (strcmp(q, "?sync=normal") != 0)
      return bones_error_set(err, BONES_E_USAGE, "sqlite: unknown option '%s' (known: ?sync=normal, ?sync=full)", q + 1);
  }
  *path = bones_xstrndup(p, q ? (size_t)(q - p) : strlen(p));
  if (**path == '\0') {
    free(*path);
    return bones_error_set(err, BONES_E_USAGE, "sqlite substrate '%s' has an empty path", url);
  }
  return BONES_OK;
}

#define WAL_PAGES_TEXT "128" /* pages (4 KiB) in the WAL before an automatic checkpoint */

static int exec_sql(struct sqlite_db *d, const char *sql, const char *what, struct bones_error *err) {
  int rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? BONES_OK : sqlite_db_fail(d, rc, what, err);
}

/* PRAGMA journal_mode=WAL.  When several processes open a new file at
 * once it can fail with BUSY at once (no busy handler on that path): retry
 * until the busy timeout.  Cheap when the file already is in WAL mode. */
static int enable_wal(struct sqlite_db *d, struct bones_error *err) {
  int64_t deadline = bones_monotonic_ms() + d->busy_ms;
  for (int attempt = 0;; attempt++) {
    int rc = sqlite3_exec(d->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    if (rc == SQLITE_OK) return BONES_OK;
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) return sqlite_db_fail(d, rc, "switching to WAL", err);
    if (bones_monotonic_ms() > deadline) return sqlite_db_fail(d, rc, "switching to WAL", err);
    struct timespec ts = {0, 1000000L * (1 + attempt % 10)};
    nanosleep(&ts, NULL);
  }
}

static int ensure_schema(struct sqlite_db *d, struct bones_error *err) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(d->db, "PRAGMA user_version", -1, &st, NULL);
  if (rc != SQLITE_OK) return sqlite_db_fail(d, rc, "reading the schema version", err);
  rc = sqlite3_step(st);
  int version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return sqlite_db_fail(d, rc, "reading the schema version", err);
  if (version == SCHEMA_VERSION) return BONES_OK;
  if (version > SCHEMA_VERSION)
    return bones_error_set(err, BONES_E_INTERNAL, "sqlite %s: schema version %d is newer than this bones (%d)",
                           d->path, version, SCHEMA_VERSION);
  int64_t deadline = bones_monotonic_ms() + d->busy_ms;
  for (;;) {
    rc = sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
      rc = sqlite3_exec(d->db, schema_sql, NULL, NULL, NULL);
      if (rc == SQLITE_OK) rc = sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
      if (rc != SQLITE_OK) sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) return BONES_OK;
    if ((rc & 0xff) != SQLITE_BUSY || bones_monotonic_ms() > deadline)
      return sqlite_db_fail(d, rc, "creating the schema", err);
  }
}

int sqlite_db_open(const char *url, int timeout_ms, struct sqlite_db **out, struct bones_error *err) {
  *out = NULL;
  char *path = NULL;
  int sync_full = 0;
  int rc = parse_url(url, &path, &sync_full, err);
  if (rc != BONES_OK) return rc;
  char *dir = bones_xstrdup(path);
  char *slash = strrchr(dir, '/');
  if (slash == dir) slash[1] = '\0';
  else if (slash) *slash = '\0';
  else strcpy(dir, ".");
  if (!bones_path_is_dir(dir)) {
    rc = bones_error_set(err, BONES_E_NOTFOUND, "sqlite: directory %s of %s does not exist", dir, path);
    free(dir);
    free(path);
    return rc;
  }
  rc = check_local_fs(dir, err);
  free(dir);
  if (rc != BONES_OK) {
    free(path);
    return rc;
  }
  /* create the file 0600 ourselves: sqlite would use the umask */
  if (!bones_path_exists(path)) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      int e = errno;
      rc = bones_error_set(err, BONES_E_INTERNAL, "sqlite: cannot create %s: %s", path, strerror(e));
      free(path);
      return rc;
    }
    close(fd);
  }
  struct sqlite_db *d = bones_xcalloc(1, sizeof *d);
  d->path = path;
  d->busy_ms = timeout_ms * 5 > 10000 ? timeout_ms * 5 : 10000;
  rc = sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    rc = sqlite_db_fail(d, rc, "opening", err);
    sqlite_db_close(d);
    return rc;
  }
  sqlite3_busy_timeout(d->db, d->busy_ms);
  sqlite3_extended_result_codes(d->db, 1);
  int persist = 1;
  sqlite3_file_control(d->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  /* a short-lived CLI process is usually the last connection: skip the
   * checkpoint on close (~1 ms); the WAL keeps every commit and the
   * automatic checkpoint of later writes folds it in */
  sqlite3_db_config(d->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
  rc = enable_wal(d, err);
  if (rc == BONES_OK)
    rc = exec_sql(d, sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", "setting sync", err);
  /* a process that opens the file alone (every CLI verb) rebuilds the WAL
   * index by reading every frame since the last checkpoint: at SQLite's
   * default (1000 pages, 4 MB) that read is most of a short verb's time;
   * checkpoint every WAL_PAGES pages instead */
  if (rc == BONES_OK) rc = exec_sql(d, "PRAGMA wal_autocheckpoint=" WAL_PAGES_TEXT, "setting the checkpoint size", err);
  if (rc == BONES_OK) rc = ensure_schema(d, err);
  if (rc != BONES_OK) {
    sqlite_db_close(d);
    return rc;
  }
  *out = d;
  return BONES_OK;
}

void sqlite_db_close(struct sqlite_db *d) {
  if (d == NULL) return;
  for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(d->stmts[i]);
  sqlite3_close(d->db);
  free(d->path);
  free(d);
}

static int step_simple(struct sqlite_db *d, enum sqlite_stmt_id id) {
  sqlite3_stmt *st = sqlite_db_stmt(d, id);
  if (st == NULL) return sqlite3_errcode(d->db);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int sqlite_db_transaction(struct sqlite_db *d, int (*body)(struct sqlite_db *, void *, struct bones_error *),
                          void *arg, struct bones_error *err) {
  int64_t deadline = bones_monotonic_ms() + d->busy_ms;
  for (int attempt = 0;; attempt++) {
    int rc = step_simple(d, ST_BEGIN);
    if (rc != SQLITE_OK) {
      if ((rc & 0xff) == SQLITE_BUSY && bones_monotonic_ms() < deadline) continue;
      return sqlite_db_fail(d, rc, "starting a write", err);
    }
    int brc = body(d, arg, err);
    if (brc == BONES_OK) {
      rc = step_simple(d, ST_COMMIT);
      if (rc == SQLITE_OK) return BONES_OK;
      step_simple(d, ST_ROLLBACK);
      if ((rc & 0xff) == SQLITE_BUSY && bones_monotonic_ms() < deadline) continue;
      return sqlite_db_fail(d, rc, "committing", err);
    }
    step_simple(d, ST_ROLLBACK);
    if (brc == BONES_SQLITE_RETRY && bones_monotonic_ms() < deadline) {
      struct timespec ts = {0, 1000000L * (1 + attempt % 5)};
      nanosleep(&ts, NULL);
      continue;
    }
    if (brc == BONES_SQLITE_RETRY)
      return bones_error_set(err, BONES_E_UNAVAILABLE, "sqlite %s: database stayed busy for %d ms", d->path,
                             d->busy_ms);
    return brc;
  }
}
