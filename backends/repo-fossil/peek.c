/* peek.c: reading a fossil repository or check-out file directly with
 * SQLite, read-only, without starting fossil (about 1 ms instead of a
 * process): what a commit on the hot path needs to know (leaf.h).  Built
 * only with SQLite (the kv-sqlite dependency); without it land.c is left
 * out and callers take the fossil-command path. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "leaf.h"
#include "util.h"

#define PEEK_BUSY_MS 15000 /* a hub busy with a push: wait as fossil would */

/* Opens path read-only into *db; BONES_E_NOTFOUND when it cannot. */
static int peek_open(const char *path, sqlite3 **db, struct bones_error *err) {
  *db = NULL;
  if (!bones_path_is_file(path)) return bones_error_set(err, BONES_E_NOTFOUND, "%s: no such repository file", path);
  if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    bones_error_set(err, BONES_E_INTERNAL, "%s: %s", path, *db ? sqlite3_errmsg(*db) : "cannot open");
    sqlite3_close(*db);
    *db = NULL;
    return BONES_E_INTERNAL;
  }
  sqlite3_busy_timeout(*db, PEEK_BUSY_MS);
  return BONES_OK;
}

/* Prepares sql on db (BONES_E_INTERNAL naming path on failure). */
static int peek_prepare(sqlite3 *db, const char *path, const char *sql, sqlite3_stmt **st, struct bones_error *err) {
  if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK) return BONES_OK;
  return bones_error_set(err, BONES_E_INTERNAL, "%s: %s", path, sqlite3_errmsg(db));
}

/* Copies a hash column into id; BONES_E_INTERNAL when it is not one. */
static int copy_hash(const unsigned char *text, char id[BONES_REPO_ID_MAX], const char *what,
                     struct bones_error *err) {
  size_t n = text ? strlen((const char *)text) : 0;
  if (n == 0 || n >= BONES_REPO_ID_MAX || strspn((const char *)text, "0123456789abcdef") != n)
    return bones_error_set(err, BONES_E_INTERNAL, "%s: not a check-in hash", what);
  memcpy(id, text, n + 1);
  return BONES_OK;
}

/* The value of vvar name in the check-out file of wt (malloc'd). */
static int checkout_var(const char *wt, const char *name, char **value, struct bones_error *err) {
  *value = NULL;
  char *ck = bones_xasprintf("%s/.fslckout", wt);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int rc = peek_open(ck, &db, err);
  if (rc == BONES_OK) rc = peek_prepare(db, ck, "SELECT value FROM vvar WHERE name=?1", &st, err);
  if (rc == BONES_OK) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_text(st, 0))
      *value = bones_xstrdup((const char *)sqlite3_column_text(st, 0));
    else if (step == SQLITE_ROW || step == SQLITE_DONE)
      rc = bones_error_set(err, BONES_E_INTERNAL, "%s: no %s recorded", ck, name);
    else
      rc = bones_error_set(err, BONES_E_INTERNAL, "%s: %s", ck, sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(ck);
  return rc;
}

int rf_peek_checkout(struct rf_repo *f, const char *wt, char id[BONES_REPO_ID_MAX], struct bones_error *err) {
  (void)f;
  id[0] = '\0';
  char *hash = NULL;
  int rc = checkout_var(wt, "checkout-hash", &hash, err);
  if (rc == BONES_OK) rc = copy_hash((const unsigned char *)hash, id, wt, err);
  free(hash);
  return rc;
}

/* Open (not closed) trunk leaves, newest first. */
static const char TRUNK_TIPS_SQL[] =
    "SELECT blob.uuid FROM leaf JOIN blob ON blob.rid=leaf.rid LEFT JOIN event ON event.objid=leaf.rid"
    " WHERE EXISTS(SELECT 1 FROM tagxref WHERE tagxref.rid=leaf.rid AND tagxref.tagtype>0"
    "   AND tagxref.tagid=(SELECT tagid FROM tag WHERE tagname='branch') AND tagxref.value='trunk')"
    " AND NOT EXISTS(SELECT 1 FROM tagxref WHERE tagxref.rid=leaf.rid AND tagxref.tagtype>0"
    "   AND tagxref.tagid=(SELECT tagid FROM tag WHERE tagname='closed'))"
    " ORDER BY event.mtime DESC";

int rf_peek_trunk(struct rf_repo *f, const char *repo, int *count, char tip[BONES_REPO_ID_MAX],
                  struct bones_error *err) {
  (void)f;
  *count = 0;
  tip[0] = '\0';
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int rc = peek_open(repo, &db, err);
  if (rc == BONES_OK) rc = peek_prepare(db, repo, TRUNK_TIPS_SQL, &st, err);
  int step = SQLITE_DONE;
  while (rc == BONES_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
    if (++*count == 1) rc = copy_hash(sqlite3_column_text(st, 0), tip, repo, err);
  }
  if (rc == BONES_OK && step != SQLITE_DONE) rc = bones_error_set(err, BONES_E_INTERNAL, "%s: %s", repo, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rc;
}

int rf_peek_has(struct rf_repo *f, const char *repo, const char *id, int *has, struct bones_error *err) {
  (void)f;
  *has = 0;
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int rc = peek_open(repo, &db, err);
  if (rc == BONES_OK) rc = peek_prepare(db, repo, "SELECT 1 FROM blob WHERE uuid=?1 AND size>=0", &st, err);
  if (rc == BONES_OK) {
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) *has = 1;
    else if (step != SQLITE_DONE) rc = bones_error_set(err, BONES_E_INTERNAL, "%s: %s", repo, sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rc;
}

int rf_peek_checkin_files(struct rf_repo *f, const char *wt, const char *id, bones_repo_change_fn fn, void *arg,
                          struct bones_error *err) {
  (void)f;
  char *repo = NULL;
  int rc = checkout_var(wt, "repository", &repo, err);
  if (rc != BONES_OK) return rc;
  if (repo[0] != '/') { /* recorded relative to the check-out */
    char *abs = bones_xasprintf("%s/%s", wt, repo);
    free(repo);
    repo = abs;
  }
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  rc = peek_open(repo, &db, err);
  if (rc == BONES_OK)
    rc = peek_prepare(db, repo,
                      "SELECT DISTINCT filename.name, CASE WHEN mlink.fid=0 THEN 'D' WHEN mlink.pid=0 THEN 'A' ELSE 'M' END"
                      " FROM mlink JOIN filename ON filename.fnid=mlink.fnid"
                      " WHERE mlink.mid=(SELECT rid FROM blob WHERE uuid=?1)",
                      &st, err);
  if (rc == BONES_OK) {
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(st, 0);
      const char *kind = (const char *)sqlite3_column_text(st, 1);
      if (name && kind && fn(arg, kind[0], name) != 0) break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
      rc = bones_error_set(err, BONES_E_INTERNAL, "%s: %s", repo, sqlite3_errmsg(db));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(repo);
  return rc;
}

/* The check-ins after ?2 (base) up to ?1 (tip) along primary parents,
 * then every file name (new and former, for renames) they touched; a
 * last row (NULL, 1) tells whether base was met on the way. */
static const char CHANGED_SINCE_SQL[] =
    "WITH RECURSIVE anc(rid) AS ("
    "  SELECT rid FROM blob WHERE uuid=?1"
    "  UNION SELECT plink.pid FROM plink JOIN anc ON plink.cid=anc.rid"
    "   WHERE plink.isprim AND anc.rid<>(SELECT rid FROM blob WHERE uuid=?2))"
    " SELECT DISTINCT filename.name, 0 FROM mlink JOIN filename"
    "  ON filename.fnid=mlink.fnid OR filename.fnid=mlink.pfnid"
    "  WHERE mlink.mid IN (SELECT rid FROM anc WHERE rid<>(SELECT rid FROM blob WHERE uuid=?2))"
    " UNION ALL SELECT NULL, EXISTS(SELECT 1 FROM anc WHERE rid=(SELECT rid FROM blob WHERE uuid=?2))";

int rf_peek_changed_since(struct rf_repo *f, const char *repo, const char *base, const char *tip,
                          bones_repo_change_fn fn, void *arg, struct bones_error *err) {
  (void)f;
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int rc = peek_open(repo, &db, err), met = 0, step = SQLITE_DONE;
  if (rc == BONES_OK) rc = peek_prepare(db, repo, CHANGED_SINCE_SQL, &st, err);
  if (rc == BONES_OK) {
    sqlite3_bind_text(st, 1, tip, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, base, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(st, 0);
      if (name == NULL) met = sqlite3_column_int(st, 1);
      else if (fn(arg, BONES_REPO_MODIFIED, name) != 0) break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
      rc = bones_error_set(err, BONES_E_INTERNAL, "%s: %s", repo, sqlite3_errmsg(db));
  }
  if (rc == BONES_OK && step == SQLITE_DONE && !met)
    rc = bones_error_set(err, BONES_E_NOTFOUND, "%s: check-in %.10s is not on trunk's line to %.10s", repo, base, tip);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rc;
}
