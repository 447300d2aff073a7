/* recovery.c: copies of worktrees under .bones/recovery/ (recovery.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recovery.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* The fossil checkout's own files: state of a leaf that no longer exists. */
static int checkout_state(const char *name) {
  return strcmp(name, ".fslckout") == 0 || strcmp(name, "_FOSSIL_") == 0 || strncmp(name, ".fslckout-", 10) == 0 ||
         strncmp(name, "_FOSSIL_-", 9) == 0;
}

struct walk {
  json_t *files;   /* [{path, bytes}] */
  json_t *skipped; /* [path] */
  long long bytes;
};

/* Lists dir/rel recursively without following symbolic links. */
static void walk_dir(const char *dir, const char *rel, struct walk *w, int depth) {
  if (depth > 64) return;
  char *here = *rel ? bones_xasprintf("%s/%s", dir, rel) : bones_xstrdup(dir);
  DIR *d = opendir(here);
  if (d == NULL) {
    free(here);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    if (!*rel && checkout_state(de->d_name)) continue;
    char *path = bones_xasprintf("%s/%s", here, de->d_name);
    char *sub = *rel ? bones_xasprintf("%s/%s", rel, de->d_name) : bones_xstrdup(de->d_name);
    struct stat st;
    if (lstat(path, &st) == 0) {
      if (S_ISDIR(st.st_mode)) walk_dir(dir, sub, w, depth + 1);
      else if (S_ISREG(st.st_mode)) {
        json_array_append_new(w->files, json_pack("{s:o, s:I}", "path", bones_utf8_json(sub), "bytes", (json_int_t)st.st_size));
        w->bytes += st.st_size;
      } else json_array_append_new(w->skipped, bones_utf8_json(sub));
    }
    free(sub);
    free(path);
  }
  closedir(d);
  free(here);
}

static int cmp_path(const void *a, const void *b) {
  return strcmp(str(*(json_t *const *)a, "path"), str(*(json_t *const *)b, "path"));
}

/* Sorts an array of {path} records. */
static void sort_files(json_t *files) {
  size_t n = json_array_size(files);
  if (n < 2) return;
  json_t **v = bones_xcalloc(n, sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = json_incref(json_array_get(files, i));
  qsort(v, n, sizeof *v, cmp_path);
  json_array_clear(files);
  for (size_t i = 0; i < n; i++) json_array_append_new(files, v[i]);
  free(v);
}

static int collect_change(void *arg, int change, const char *path) {
  char c[2] = {(char)change, 0};
  json_array_append_new(arg, json_pack("{s:o, s:s}", "path", bones_utf8_json(path), "change", c));
  return 0;
}

void bones_recovery_note(const char *root, const char *id, const char *slot, const char *task, const char *reason,
                         json_t *changes) {
  char now[40];
  bones_format_time(bones_now_ms(), now, sizeof now);
  json_t *meta = json_pack("{s:s, s:o, s:o, s:s, s:s}", "schema", "bones.recovery/v1", "id", bones_utf8_json(id), "slot",
                           bones_utf8_json(slot), "time", now, "reason", reason);
  if (meta == NULL) return;
  json_object_set_new(meta, "task", task ? bones_utf8_json(task) : json_null());
  json_object_set_new(meta, "changes", changes ? json_incref(changes) : json_array());
  char *text = json_dumps(meta, JSON_INDENT(2));
  char *path = bones_xasprintf("%s/" BONES_DIR "/recovery/.%s.json", root, id);
  struct bones_error err;
  if (text) bones_write_file_atomic(path, text, strlen(text), 0600, &err);
  free(path);
  free(text);
  json_decref(meta);
}

int bones_recovery_save(const char *root, const char *wt, const char *slot, const char *task, const char *reason,
                        const struct bones_repo_backend_v1 *repo, void *repo_handle, char **id, char **path,
                        struct bones_error *err) {
  if (id) *id = NULL;
  if (path) *path = NULL;
  struct stat st;
  if (lstat(wt, &st) != 0 || !S_ISDIR(st.st_mode))
    return bones_error_set(err, BONES_E_NOTFOUND, "no worktree at %s", wt);
  json_t *changes = NULL;
  if (repo && repo->leaf_changes) {
    struct bones_error cerr;
    changes = json_array();
    if (repo->leaf_changes(repo_handle, wt, collect_change, changes, &cerr) != BONES_OK) {
      json_decref(changes);
      changes = NULL;
    }
  }
  char *rdir = bones_ws_path(root, "recovery");
  int rc = bones_mkdir_p(rdir, 0700, err);
  char stamp[40];
  bones_format_time(bones_now_ms(), stamp, sizeof stamp);
  for (char *c = stamp; *c; c++)
    if (*c == ':') *c = '-';
  char *name = bones_xasprintf("%s-%s", slot, stamp);
  char *to = bones_xasprintf("%s/%s", rdir, name);
  for (int i = 2; rc == BONES_OK && bones_path_exists(to) && i < 100; i++) { /* two saves in one second */
    free(name);
    free(to);
    name = bones_xasprintf("%s-%s-%d", slot, stamp, i);
    to = bones_xasprintf("%s/%s", rdir, name);
  }
  if (rc == BONES_OK && bones_path_exists(to))
    rc = bones_error_set(err, BONES_E_CONFLICT, "cannot name a recovery copy for slot %s", slot);
  if (rc == BONES_OK && rename(wt, to) != 0)
    rc = bones_error_set(err, BONES_E_INTERNAL, "cannot move %s to %s: %s (left in place)", wt, to, strerror(errno));
  /* the check before anything is removed: the copy is there, wt is gone */
  if (rc == BONES_OK && (lstat(to, &st) != 0 || !S_ISDIR(st.st_mode) || bones_path_exists(wt)))
    rc = bones_error_set(err, BONES_E_INTERNAL, "the move of %s to %s cannot be verified", wt, to);
  if (rc == BONES_OK) bones_recovery_note(root, name, slot, task, reason, changes);
  if (rc == BONES_OK && id) *id = bones_xstrdup(name);
  if (rc == BONES_OK && path) *path = bones_xstrdup(to);
  json_decref(changes);
  free(name);
  free(to);
  free(rdir);
  return rc;
}

/* The record of copy id (a directory of rdir): metadata when there is
 * some, else what the name and mtime say; with the file list when files. */
static json_t *copy_record(const char *rdir, const char *id, int files) {
  char *dir = bones_xasprintf("%s/%s", rdir, id);
  char *metapath = bones_xasprintf("%s/.%s.json", rdir, id);
  char *text = NULL;
  size_t len = 0;
  struct bones_error err;
  json_t *meta = NULL;
  if (bones_read_file(metapath, 1 << 20, &text, &len, &err) == BONES_OK) meta = json_loadb(text, len, 0, NULL);
  free(text);
  free(metapath);
  if (!json_is_object(meta)) {
    json_decref(meta);
    meta = json_object();
  }
  json_t *rec = json_pack("{s:o}", "id", bones_utf8_json(id));
  if (str(meta, "slot")) json_object_set(rec, "slot", json_object_get(meta, "slot"));
  else { /* <slot>-YYYY-MM-DDTHH-MM-SS...: the slot is what comes before the date */
    const char *cut = NULL;
    for (const char *p = id; *p; p++)
      if (*p == '-' && p[1] >= '0' && p[1] <= '9' && strlen(p) >= 11 && p[5] == '-') {
        cut = p;
        break;
      }
    char *slot = cut ? bones_xstrndup(id, (size_t)(cut - id)) : bones_xstrdup(id);
    json_object_set_new(rec, "slot", bones_utf8_json(slot));
    free(slot);
  }
  json_object_set(rec, "task", json_object_get(meta, "task") ? json_object_get(meta, "task") : json_null());
  if (str(meta, "time")) json_object_set(rec, "time", json_object_get(meta, "time"));
  else {
    struct stat st;
    char when[40] = "?";
    if (stat(dir, &st) == 0) bones_format_time((int64_t)st.st_mtime * 1000, when, sizeof when);
    json_object_set_new(rec, "time", json_string(when));
  }
  json_object_set_new(rec, "reason", json_string(str(meta, "reason") ? str(meta, "reason") : "unknown"));
  struct walk w = {json_array(), json_array(), 0};
  walk_dir(dir, "", &w, 0);
  sort_files(w.files);
  json_object_set_new(rec, "files", json_integer((json_int_t)json_array_size(w.files)));
  json_object_set_new(rec, "bytes", json_integer(w.bytes));
  json_object_set_new(rec, "path", bones_utf8_json(dir));
  if (files) {
    json_t *changes = json_object_get(meta, "changes");
    json_object_set_new(rec, "changes", json_is_array(changes) ? json_incref(changes) : json_array());
    json_object_set_new(rec, "file_list", w.files);
    json_object_set_new(rec, "skipped", w.skipped);
  } else {
    json_decref(w.files);
    json_decref(w.skipped);
  }
  json_decref(meta);
  free(dir);
  return rec;
}

static int cmp_time(const void *a, const void *b) {
  json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  int c = strcmp(str(x, "time"), str(y, "time"));
  return c ? c : strcmp(str(x, "id"), str(y, "id"));
}

/* The IDs of the copies (directories of .bones/recovery/). */
static int list_ids(const char *root, char ***ids, size_t *n, struct bones_error *err) {
  *ids = NULL;
  *n = 0;
  char *rdir = bones_ws_path(root, "recovery");
  DIR *d = opendir(rdir);
  if (d == NULL) {
    int e = errno;
    free(rdir);
    return e == ENOENT ? BONES_OK : bones_error_set(err, BONES_E_INTERNAL, "cannot read .bones/recovery: %s", strerror(e));
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    char *p = bones_xasprintf("%s/%s", rdir, de->d_name);
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
      *ids = bones_xrealloc(*ids, (*n + 1) * sizeof **ids);
      (*ids)[(*n)++] = bones_xstrdup(de->d_name);
    }
    free(p);
  }
  closedir(d);
  free(rdir);
  return BONES_OK;
}

int bones_recovery_list(const char *root, json_t **out, struct bones_error *err) {
  *out = NULL;
  char **ids = NULL;
  size_t n = 0;
  int rc = list_ids(root, &ids, &n, err);
  if (rc != BONES_OK) return rc;
  char *rdir = bones_ws_path(root, "recovery");
  json_t **v = bones_xcalloc(n + 1, sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = copy_record(rdir, ids[i], 0);
  if (n > 1) qsort(v, n, sizeof *v, cmp_time);
  *out = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(*out, v[i]);
  free(v);
  bones_strv_free(ids, n);
  free(rdir);
  return BONES_OK;
}

int bones_recovery_get(const char *root, const char *prefix, json_t **out, struct bones_error *err) {
  *out = NULL;
  if (prefix == NULL || !*prefix || strchr(prefix, '/') || strcmp(prefix, ".") == 0 || strcmp(prefix, "..") == 0)
    return bones_error_set(err, BONES_E_USAGE, "a recovery ID is a name from `bones recovery ls`");
  char **ids = NULL;
  size_t n = 0;
  int rc = list_ids(root, &ids, &n, err);
  if (rc != BONES_OK) return rc;
  const char *found = NULL;
  size_t matches = 0;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(ids[i], prefix) == 0) { /* an exact ID wins over longer ones */
      found = ids[i];
      matches = 1;
      break;
    }
    if (strncmp(ids[i], prefix, strlen(prefix)) == 0) found = ids[i], matches++;
  }
  if (matches == 0) {
    rc = bones_error_set(err, BONES_E_NOTFOUND, "no recovery copy %s", prefix);
    bones_error_hint(err, "`bones recovery ls` lists them");
  } else if (matches > 1) {
    rc = bones_error_set(err, BONES_E_USAGE, "recovery ID %s is ambiguous (%zu copies start with it)", prefix, matches);
    bones_error_hint(err, "give more of the ID (`bones recovery ls`)");
  } else {
    char *rdir = bones_ws_path(root, "recovery");
    *out = copy_record(rdir, found, 1);
    free(rdir);
  }
  bones_strv_free(ids, n);
  return rc;
}

int bones_recovery_summary(const char *root, size_t *count, long long *bytes, char **oldest, struct bones_error *err) {
  *count = 0;
  *bytes = 0;
  if (oldest) *oldest = NULL;
  json_t *all = NULL;
  int rc = bones_recovery_list(root, &all, err);
  if (rc != BONES_OK) return rc;
  size_t i;
  json_t *r;
  json_array_foreach(all, i, r) *bytes += json_integer_value(json_object_get(r, "bytes"));
  *count = json_array_size(all);
  if (oldest && *count) *oldest = bones_xstrdup(str(json_array_get(all, 0), "time"));
  json_decref(all);
  return BONES_OK;
}

/* 1 when the files at a and b have the same bytes (b must be a regular
 * file, not followed when a link). */
static int same_bytes(const char *a, const char *b) {
  int fa = open(a, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), fb = open(b, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int same = fa >= 0 && fb >= 0;
  char x[8192], y[8192];
  while (same) {
    ssize_t nx = read(fa, x, sizeof x);
    ssize_t ny = nx > 0 ? read(fb, y, (size_t)nx) : read(fb, y, 1);
    if (nx < 0 || ny < 0 || nx != ny) same = 0;
    else if (nx == 0) break;
    else if (memcmp(x, y, (size_t)nx) != 0) same = 0;
  }
  if (fa >= 0) close(fa);
  if (fb >= 0) close(fb);
  return same;
}

/* Copies src to dst through dst.tmp + rename, with mode. */
static int copy_file(const char *src, const char *dst, unsigned mode, struct bones_error *err) {
  int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return bones_error_set(err, BONES_E_INTERNAL, "cannot read %s: %s", src, strerror(errno));
  char *tmp = bones_xasprintf("%s.bones-restore.%ld", dst, (long)getpid());
  int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  int rc = BONES_OK;
  if (out < 0) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", tmp, strerror(errno));
  char buf[16384];
  ssize_t k;
  while (rc == BONES_OK && (k = read(in, buf, sizeof buf)) != 0) {
    if (k < 0 || write(out, buf, (size_t)k) != k) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot copy %s", src);
  }
  if (out >= 0 && rc == BONES_OK && fsync(out) != 0) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot sync %s", tmp);
  if (out >= 0 && close(out) != 0 && rc == BONES_OK) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot write %s", tmp);
  close(in);
  if (rc == BONES_OK && rename(tmp, dst) != 0)
    rc = bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", dst, strerror(errno));
  if (rc != BONES_OK) unlink(tmp);
  free(tmp);
  return rc;
}

/* 1 when a directory on the way from dest to dest/rel (not dest itself)
 * is a symbolic link or not a directory. */
static int bad_parent(const char *dest, const char *rel) {
  char *p = bones_xstrdup(rel);
  int bad = 0;
  for (char *slash = strchr(p, '/'); slash && !bad; slash = strchr(slash + 1, '/')) {
    *slash = 0;
    char *full = bones_xasprintf("%s/%s", dest, p);
    struct stat st;
    if (lstat(full, &st) == 0 && !S_ISDIR(st.st_mode)) bad = 1;
    free(full);
    *slash = '/';
  }
  free(p);
  return bad;
}

/* Makes dest/rel's parent directories (0755 like a worktree's). */
static int make_parents(const char *dest, const char *rel, struct bones_error *err) {
  const char *slash = strrchr(rel, '/');
  if (slash == NULL) return BONES_OK;
  char *sub = bones_xstrndup(rel, (size_t)(slash - rel));
  char *full = bones_xasprintf("%s/%s", dest, sub);
  int rc = bones_mkdir_p(full, 0755, err);
  free(full);
  free(sub);
  return rc;
}

int bones_recovery_restore(json_t *rec, const char *dest, int force, int (*keep_ok)(void *arg, const char *path),
                           void *arg, json_t **result, struct bones_error *err) {
  *result = json_pack("{s:O, s:o, s:[], s:[], s:[], s:[], s:O}", "id", json_object_get(rec, "id"), "to",
                      bones_utf8_json(dest), "written", "same", "replaced", "conflicts", "skipped",
                      json_object_get(rec, "skipped"));
  struct stat st;
  if (lstat(dest, &st) == 0 && !S_ISDIR(st.st_mode))
    return bones_error_set(err, BONES_E_USAGE, "%s is not a directory", dest);
  int rc = bones_mkdir_p(dest, 0700, err);
  if (rc != BONES_OK) return rc;
  const char *src = str(rec, "path");
  json_t *files = json_object_get(rec, "file_list");
  json_t *to_copy = json_array(); /* {path, replace} */
  size_t i;
  json_t *f;
  json_array_foreach(files, i, f) {
    const char *rel = str(f, "path");
    char *from = bones_xasprintf("%s/%s", src, rel);
    char *to = bones_xasprintf("%s/%s", dest, rel);
    if (bad_parent(dest, rel)) json_array_append_new(json_object_get(*result, "conflicts"), json_string(rel));
    else if (lstat(to, &st) != 0) json_array_append_new(to_copy, json_pack("{s:s, s:b}", "path", rel, "replace", 0));
    else if (!S_ISREG(st.st_mode)) json_array_append_new(json_object_get(*result, "conflicts"), json_string(rel));
    else if (same_bytes(from, to)) json_array_append_new(json_object_get(*result, "same"), json_string(rel));
    else if (force || (keep_ok && keep_ok(arg, rel) == 1))
      json_array_append_new(to_copy, json_pack("{s:s, s:b}", "path", rel, "replace", 1));
    else json_array_append_new(json_object_get(*result, "conflicts"), json_string(rel));
    free(from);
    free(to);
  }
  size_t nconf = json_array_size(json_object_get(*result, "conflicts"));
  if (nconf) {
    rc = bones_error_set(err, BONES_E_CONFLICT, "%zu file(s) in %s differ from the copy (or are not plain files); nothing written",
                         nconf, dest);
    bones_error_hint(err, "--force replaces them (a symbolic link on the way is never followed)");
  }
  json_array_foreach(to_copy, i, f) {
    if (rc != BONES_OK) break;
    const char *rel = str(f, "path");
    char *from = bones_xasprintf("%s/%s", src, rel);
    char *to = bones_xasprintf("%s/%s", dest, rel);
    rc = bad_parent(dest, rel) ? bones_error_set(err, BONES_E_CONFLICT, "%s: a symbolic link on the way", rel)
                               : make_parents(dest, rel, err);
    if (rc == BONES_OK && lstat(from, &st) == 0 && S_ISREG(st.st_mode))
      rc = copy_file(from, to, st.st_mode & 0755, err);
    if (rc == BONES_OK)
      json_array_append_new(json_object_get(*result, json_is_true(json_object_get(f, "replace")) ? "replaced" : "written"),
                            json_string(rel));
    free(from);
    free(to);
  }
  json_decref(to_copy);
  return rc;
}
