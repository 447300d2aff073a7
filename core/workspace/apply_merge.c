/* apply_merge.c: the three-way merge of a path git and trunk both changed
 * since the last apply (apply_int.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply_int.h"
#include "gitsync.h"
#include "util.h"

/* 1 when path is a regular file (never following a link). */
static int regular(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int absent(const char *path) {
  struct stat st;
  return lstat(path, &st) != 0 && errno == ENOENT;
}

/* Replaces the content of the existing file path (its mode kept). */
static int overwrite(const char *path, const char *data, size_t len, struct bones_error *err) {
  int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", path, strerror(errno));
  int rc = BONES_OK;
  for (size_t done = 0; done < len;) {
    ssize_t k = write(fd, data + done, len - done);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", path, strerror(errno));
      break;
    }
    done += (size_t)k;
  }
  if (close(fd) != 0 && rc == BONES_OK) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot write %s", path);
  return rc;
}

/* Merges one diverged path; *conflict set when it conflicts, *textual when
 * the conflict could be written with markers. */
static int merge_one(const char *cur, const char *old, const char *new, const char *empty, int markers, int *merged,
                     int *conflict, int *textual, struct bones_error *err) {
  *merged = *conflict = *textual = 0;
  int base_ok = regular(old) || absent(old); /* absent: added on both sides, merged from nothing */
  if (!regular(cur) || !regular(new) || !base_ok) {
    *conflict = 1; /* deleted on one side, or not a file */
    return BONES_OK;
  }
  char *out = NULL;
  size_t len = 0;
  int n = -1;
  int rc = bones_git_merge3(cur, regular(old) ? old : empty, new, &out, &len, &n, err);
  if (rc == BONES_OK && n == 0) {
    rc = overwrite(new, out, len, err);
    *merged = rc == BONES_OK;
  } else if (rc == BONES_OK) {
    *conflict = 1;
    *textual = n > 0;
    if (*textual && markers) rc = overwrite(new, out, len, err);
  }
  free(out);
  return rc;
}

int apply_merge(const char *root, const char *from_dir, const char *to_dir, json_t *changes, int markers,
                json_t *merged, json_t *conflicts, struct bones_error *err) {
  char *empty = bones_xasprintf("%s/../empty", to_dir);
  int fd = open(empty, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  int rc = fd >= 0 ? BONES_OK : bones_error_set(err, BONES_E_INTERNAL, "cannot create %s: %s", empty, strerror(errno));
  if (fd >= 0) close(fd);
  for (size_t i = json_array_size(changes); rc == BONES_OK && i-- > 0;) {
    json_t *c = json_array_get(changes, i);
    const char *path = json_string_value(json_object_get(c, "path"));
    char *cur = bones_xasprintf("%s/%s", root, path);
    char *old = bones_xasprintf("%s/%s", from_dir, path);
    char *new = bones_xasprintf("%s/%s", to_dir, path);
    if (!apply_same_content(cur, old) && !apply_same_content(cur, new)) {
      int m = 0, conflict = 0, textual = 0;
      rc = merge_one(cur, old, new, empty, markers, &m, &conflict, &textual, err);
      if (rc == BONES_OK && m) json_array_insert_new(merged, 0, json_string(path));
      if (rc == BONES_OK && conflict) {
        json_array_insert_new(conflicts, 0, json_string(path));
        if (markers && textual) json_object_set_new(c, "conflict", json_true());
        else if (markers) json_array_remove(changes, i); /* git's version stays */
      }
    }
    free(cur);
    free(old);
    free(new);
  }
  unlink(empty);
  free(empty);
  return rc;
}
