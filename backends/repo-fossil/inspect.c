/* inspect.c: reading a hub or leaf repository: trunk leaves, timeline,
 * cat, ls, diff, export.  Everything goes through `fossil sql --readonly`
 * in JSON mode with fossil's own SQL functions (files_of_checkin,
 * content, symbolic_name_to_rid), so output is exact and never parsed
 * from text meant for people. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fossil.h"
#include "repo_fossil.h"
#include "util.h"

#define SQL_BATCH_BYTES 65536 /* bytes of file names per export statement */

/* Open (not closed) leaves of the trunk branch. */
static const char TRUNK_LEAVES_SQL[] =
    "SELECT count(*) AS n FROM leaf"
    " WHERE EXISTS(SELECT 1 FROM tagxref WHERE tagxref.rid=leaf.rid AND tagxref.tagtype>0"
    "   AND tagxref.tagid=(SELECT tagid FROM tag WHERE tagname='branch') AND tagxref.value='trunk')"
    " AND NOT EXISTS(SELECT 1 FROM tagxref WHERE tagxref.rid=leaf.rid AND tagxref.tagtype>0"
    "   AND tagxref.tagid=(SELECT tagid FROM tag WHERE tagname='closed'))";

int rf_trunk_leaves(void *repo, const char *repo_path, int *count, struct bones_error *err) {
  int rc = rf_need_repo(repo_path, err);
  if (rc != BONES_OK) return rc;
  json_t *rows = NULL;
  rc = rf_sql_json(repo, repo_path, TRUNK_LEAVES_SQL, &rows, err);
  if (rc != BONES_OK) return rc;
  *count = (int)json_integer_value(json_object_get(json_array_get(rows, 0), "n"));
  json_decref(rows);
  return BONES_OK;
}

/* The text hex-encodes (read as hex, so bytes that are not UTF-8 cannot
 * break the JSON of `fossil sql`), with each such byte replaced by '?' and
 * control characters but newline and tab by ' '; malloc'd. */
static char *text_of_hex(const char *hex) {
  size_t n = hex ? strlen(hex) / 2 : 0;
  char *raw = bones_xmalloc(n + 1);
  for (size_t i = 0; i < n; i++) {
    unsigned v = 0;
    sscanf(hex + 2 * i, "%2x", &v);
    raw[i] = (char)(v ? v : ' ');
  }
  raw[n] = '\0';
  char *out = bones_xmalloc(n + 1);
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    char one[5] = {raw[i], 0, 0, 0, 0};
    size_t len = 1;
    unsigned char c = (unsigned char)raw[i];
    if (c >= 0xC0) len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (i + len <= n) memcpy(one, raw + i, len);
    if (i + len <= n && rf_text_ok(one)) {
      memcpy(out + o, one, len);
      o += len;
      i += len;
    } else {
      out[o++] = c < 0x80 ? ' ' : '?';
      i++;
    }
  }
  out[o] = '\0';
  free(raw);
  return out;
}

int rf_timeline(void *repo, const char *repo_path, int limit, bones_repo_checkin_fn fn, void *arg,
                struct bones_error *err) {
  int rc = rf_need_repo(repo_path, err);
  if (rc != BONES_OK) return rc;
  char *sql = bones_xasprintf(
      "SELECT blob.uuid AS id, hex(coalesce(event.euser, event.user, '')) AS user,"
      " strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', event.mtime) AS at,"
      " hex(coalesce(event.ecomment, event.comment, '')) AS comment"
      " FROM event JOIN blob ON blob.rid=event.objid WHERE event.type='ci'"
      " ORDER BY event.mtime DESC, event.objid DESC LIMIT %d",
      limit > 0 ? limit : -1);
  json_t *rows = NULL;
  rc = rf_sql_json(repo, repo_path, sql, &rows, err);
  free(sql);
  if (rc != BONES_OK) return rc;
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    char *user = text_of_hex(json_string_value(json_object_get(row, "user")));
    char *comment = text_of_hex(json_string_value(json_object_get(row, "comment")));
    int stop = fn(arg, json_string_value(json_object_get(row, "id")), user,
                  json_string_value(json_object_get(row, "at")), comment) != 0;
    free(user);
    free(comment);
    if (stop) break;
  }
  json_decref(rows);
  return BONES_OK;
}

/* Decodes hex into a malloc'd buffer (NUL-terminated for convenience). */
static unsigned char *unhex(const char *hex, size_t *len) {
  size_t n = strlen(hex) / 2;
  unsigned char *out = bones_xmalloc(n + 1);
  for (size_t i = 0; i < n; i++) {
    unsigned v = 0;
    sscanf(hex + 2 * i, "%2x", &v);
    out[i] = (unsigned char)v;
  }
  out[n] = '\0';
  *len = n;
  return out;
}

int rf_cat(void *repo, const char *repo_path, const char *path, const char *rev, unsigned char **data, size_t *len,
           struct bones_error *err) {
  *data = NULL;
  *len = 0;
  int rc = rf_need_repo(repo_path, err);
  if (rc != BONES_OK) return rc;
  if (path == NULL || *path == '\0') return bones_error_set(err, BONES_E_USAGE, "cat: no path given");
  char id[BONES_REPO_ID_MAX];
  rc = rf_resolve(repo, repo_path, rev, id, err);
  if (rc != BONES_OK) return rc;
  char *qp = rf_sql_quote(path);
  char *sql = bones_xasprintf("SELECT hex(content(uuid)) AS h FROM files_of_checkin('%s') WHERE filename=%s", id, qp);
  free(qp);
  json_t *rows = NULL;
  rc = rf_sql_json(repo, repo_path, sql, &rows, err);
  free(sql);
  if (rc != BONES_OK) return rc;
  const char *hex = json_string_value(json_object_get(json_array_get(rows, 0), "h"));
  if (json_array_size(rows) == 0)
    rc = bones_error_set(err, BONES_E_NOTFOUND, "no file %s in check-in %.10s", path, id);
  else if (hex == NULL)
    rc = bones_error_set(err, BONES_E_CORRUPT, "content of %s in check-in %.10s is missing", path, id);
  else
    *data = unhex(hex, len);
  json_decref(rows);
  return rc;
}

/* The files of check-in id as rows {f: name, x: 1 when executable}. */
static int files_of(struct rf_repo *f, const char *repo_path, const char *id, json_t **rows, struct bones_error *err) {
  char *sql = bones_xasprintf("SELECT filename AS f, perm='x' AS x FROM files_of_checkin('%s') ORDER BY filename", id);
  int rc = rf_sql_json(f, repo_path, sql, rows, err);
  free(sql);
  return rc;
}

int rf_ls(void *repo, const char *repo_path, const char *rev, bones_repo_path_fn fn, void *arg,
          struct bones_error *err) {
  int rc = rf_need_repo(repo_path, err);
  if (rc != BONES_OK) return rc;
  char id[BONES_REPO_ID_MAX];
  json_t *rows = NULL;
  rc = rf_resolve(repo, repo_path, rev, id, err);
  if (rc == BONES_OK) rc = files_of(repo, repo_path, id, &rows, err);
  if (rc != BONES_OK) return rc;
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    if (fn(arg, json_string_value(json_object_get(row, "f"))) != 0) break;
  }
  json_decref(rows);
  return BONES_OK;
}

int rf_diff(void *repo, const char *repo_path, const char *from, const char *to, bones_repo_change_fn fn, void *arg,
            struct bones_error *err) {
  int rc = rf_need_repo(repo_path, err);
  if (rc != BONES_OK) return rc;
  char a[BONES_REPO_ID_MAX] = "", b[BONES_REPO_ID_MAX];
  if (from) rc = rf_resolve(repo, repo_path, from, a, err);
  if (rc == BONES_OK) rc = rf_resolve(repo, repo_path, to, b, err);
  if (rc != BONES_OK) return rc;
  char *old = from ? bones_xasprintf("SELECT filename, uuid, coalesce(perm,'') FROM files_of_checkin('%s')", a)
                   : bones_xstrdup("SELECT NULL, NULL, NULL WHERE 0");
  char *sql = bones_xasprintf(
      "WITH a(f,u,p) AS (%s), b(f,u,p) AS (SELECT filename, uuid, coalesce(perm,'') FROM files_of_checkin('%s'))"
      " SELECT 'D' AS k, f FROM a WHERE f NOT IN (SELECT f FROM b)"
      " UNION ALL SELECT 'A', f FROM b WHERE f NOT IN (SELECT f FROM a)"
      " UNION ALL SELECT 'M', b.f FROM a JOIN b ON a.f=b.f WHERE a.u<>b.u OR a.p<>b.p ORDER BY 2",
      old, b);
  free(old);
  json_t *rows = NULL;
  rc = rf_sql_json(repo, repo_path, sql, &rows, err);
  free(sql);
  if (rc != BONES_OK) return rc;
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *k = json_string_value(json_object_get(row, "k"));
    if (fn(arg, k ? k[0] : 'M', json_string_value(json_object_get(row, "f"))) != 0) break;
  }
  json_decref(rows);
  return BONES_OK;
}

/* Writes the files named in the IN list `in` (count n) of check-in id
 * under dir with the sqlite shell's writefile(), which makes parent
 * directories and sets the mode. */
static int write_batch(struct rf_repo *f, const char *repo_path, const char *id, const char *qdir, const char *in,
                       size_t n, struct bones_error *err) {
  char *sql = bones_xasprintf("SELECT count(writefile(%s || '/' || filename, content(uuid),"
                              " CASE WHEN perm='x' THEN 33261 ELSE 33188 END)) AS n"
                              " FROM files_of_checkin('%s') WHERE filename IN (%s)",
                              qdir, id, in);
  json_t *rows = NULL;
  int rc = rf_sql_json(f, repo_path, sql, &rows, err);
  free(sql);
  if (rc != BONES_OK) return rc;
  json_int_t got = json_integer_value(json_object_get(json_array_get(rows, 0), "n"));
  json_decref(rows);
  if ((size_t)got != n)
    return bones_error_set(err, BONES_E_INTERNAL, "export: wrote %lld of %zu files", (long long)got, n);
  return BONES_OK;
}

/* 1 when name is in the files of rows. */
static int has_file(json_t *rows, const char *name) {
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *f = json_string_value(json_object_get(row, "f"));
    if (f && strcmp(f, name) == 0) return 1;
  }
  return 0;
}

int rf_export_files(void *repo, const char *repo_path, const char *rev, const char *const *files, size_t nfiles,
                    const char *dir, struct bones_error *err) {
  int rc = rf_need_repo(repo_path, err);
  if (rc != BONES_OK) return rc;
  if (dir == NULL || *dir == '\0') return bones_error_set(err, BONES_E_USAGE, "export: no directory given");
  char id[BONES_REPO_ID_MAX];
  json_t *rows = NULL;
  rc = rf_resolve(repo, repo_path, rev, id, err);
  if (rc == BONES_OK) rc = files_of(repo, repo_path, id, &rows, err);
  if (rc != BONES_OK) return rc;
  size_t total = files ? nfiles : json_array_size(rows);
  for (size_t i = 0; rc == BONES_OK && i < total; i++) {
    const char *name = files ? files[i] : json_string_value(json_object_get(json_array_get(rows, i), "f"));
    if (files && !has_file(rows, name))
      rc = bones_error_set(err, BONES_E_NOTFOUND, "export: no file %s in check-in %.10s", name, id);
    else if (!rf_path_ok(name))
      rc = bones_error_set(err, BONES_E_CORRUPT, "export: unsafe file name '%s' in check-in %.10s", name, id);
  }
  char *abs = rf_abs(dir);
  char *qdir = rf_sql_quote(abs);
  if (rc == BONES_OK) rc = bones_mkdir_p(abs, 0755, err);
  char *in = NULL;
  size_t inlen = 0, n = 0;
  for (size_t i = 0; rc == BONES_OK && i < total; i++) {
    const char *name = files ? files[i] : json_string_value(json_object_get(json_array_get(rows, i), "f"));
    char *q = rf_sql_quote(name);
    char *next = bones_xasprintf("%s%s%s", in ? in : "", in ? "," : "", q);
    free(q);
    free(in);
    in = next;
    inlen = strlen(in);
    n++;
    if (inlen >= SQL_BATCH_BYTES || i + 1 == total) {
      rc = write_batch(repo, repo_path, id, qdir, in, n, err);
      free(in);
      in = NULL;
      n = 0;
    }
  }
  free(in);
  free(qdir);
  free(abs);
  json_decref(rows);
  return rc;
}
