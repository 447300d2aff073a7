/* apply_check.c: what `bones apply` checks before writing (paths, git
 * state, divergence) and the staging in git (apply_int.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "apply_int.h"
#include "proc.h"
#include "util.h"

#define GIT_BATCH_PATHS 256
#define GIT_BATCH_BYTES 65536
#define GIT_TIMEOUT_MS 120000

static const char *cpath(json_t *c) { return json_string_value(json_object_get(c, "path")); }
static char ckind(json_t *c) { return json_string_value(json_object_get(c, "change"))[0]; }

static void refuse(json_t *refused, const char *path, const char *reason, const char *detail) {
  json_array_append_new(refused, json_pack("{s:s, s:s, s:s}", "path", path, "reason", reason, "detail", detail));
}

int bones_apply_path_ok(const char *path) {
  if (path == NULL || *path == '\0' || *path == '/') return 0;
  int first = 1;
  for (const char *p = path;; first = 0) {
    size_t n = strcspn(p, "/");
    if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return 0;
    if (n == 4 && strncasecmp(p, ".git", 4) == 0) return 0;
    if (first && n == 6 && strncasecmp(p, ".bones", 6) == 0) return 0;
    if (p[n] == '\0') return 1;
    p += n + 1;
  }
}

/* 1 when changes deletes path. */
static int deleted(json_t *changes, const char *path) {
  size_t i;
  json_t *c;
  json_array_foreach(changes, i, c) if (ckind(c) == 'D' && strcmp(cpath(c), path) == 0) return 1;
  return 0;
}

/* NULL when path may be written under root, else why not (static). */
static const char *fs_unsafe(const char *root, const char *path, json_t *changes) {
  if (!bones_apply_path_ok(path)) return "an absolute path, an empty, . or .. component, or inside .git or .bones";
  const char *why = NULL;
  char *full = bones_xasprintf("%s/%s", root, path);
  size_t off = strlen(root) + 1;
  struct stat st;
  for (char *slash = strchr(full + off, '/'); slash && !why; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    if (lstat(full, &st) != 0) { /* absent: nothing below it exists either */
      *slash = '/';
      break;
    }
    if (S_ISLNK(st.st_mode)) why = "a parent directory is a symbolic link";
    else if (!S_ISDIR(st.st_mode) && !deleted(changes, full + off)) why = "a file stands where trunk has a directory";
    *slash = '/';
  }
  if (!why && lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) why = "a directory stands where trunk has a file";
  free(full);
  return why;
}

int apply_check_paths(const char *root, json_t *changes, json_t *refused, struct bones_error *err) {
  (void)err;
  size_t i;
  json_t *c;
  json_array_foreach(changes, i, c) {
    const char *why = fs_unsafe(root, cpath(c), changes);
    if (why) refuse(refused, cpath(c), "unsafe", why);
  }
  return BONES_OK;
}

/* Runs `git --literal-pathspecs ARGS... -- PATHS...` in root, the paths in
 * batches; on_out (may be NULL) gets each batch's stdout. */
static int git_paths(const char *root, const char *const *args, const char **paths, size_t n,
                     int (*on_out)(void *, const char *, size_t), void *arg, struct bones_error *err) {
  size_t nargs = 0;
  while (args[nargs]) nargs++;
  const char **argv = bones_xcalloc(nargs + GIT_BATCH_PATHS + 4, sizeof *argv);
  static const char *const env[] = {"GIT_OPTIONAL_LOCKS=0", NULL};
  int rc = BONES_OK;
  for (size_t done = 0; done < n && rc == BONES_OK;) {
    size_t k = 0, bytes = 0;
    argv[k++] = "git";
    argv[k++] = "--literal-pathspecs";
    for (size_t i = 0; i < nargs; i++) argv[k++] = args[i];
    argv[k++] = "--";
    while (done < n && k < nargs + 3 + GIT_BATCH_PATHS && bytes < GIT_BATCH_BYTES) {
      bytes += strlen(paths[done]) + 1;
      argv[k++] = paths[done++];
    }
    argv[k] = NULL;
    struct bones_run_result res;
    rc = bones_run(argv, root, env, GIT_TIMEOUT_MS, &res, err);
    if (rc != BONES_OK) break;
    if (res.status != 0) {
      res.err[strcspn(res.err, "\n")] = '\0';
      rc = bones_error_set(err, BONES_E_INTERNAL, "git %s failed (status %d): %s", args[0], res.status, res.err);
    } else if (on_out) {
      rc = on_out(arg, res.out, res.out_len);
    }
    bones_run_result_free(&res);
  }
  free(argv);
  return rc;
}

/* Parses `git status --porcelain -z` output into refusals. */
static int on_status(void *arg, const char *out, size_t len) {
  json_t *refused = arg;
  for (size_t i = 0; i < len;) {
    const char *entry = out + i;
    size_t n = strnlen(entry, len - i);
    if (n > 3) {
      char detail[32];
      snprintf(detail, sizeof detail, "git status '%c%c'", entry[0], entry[1]);
      refuse(refused, entry + 3, "uncommitted", detail);
    }
    i += n + 1;
    if (n > 3 && (entry[0] == 'R' || entry[0] == 'C')) i += strnlen(out + i, len - i) + 1; /* the origin path */
  }
  return BONES_OK;
}

/* The paths of every change (borrowed), or only deletions / non-deletions. */
static const char **paths_of(json_t *changes, int which, size_t *n) {
  const char **v = bones_xcalloc(json_array_size(changes) + 1, sizeof *v);
  *n = 0;
  size_t i;
  json_t *c;
  json_array_foreach(changes, i, c) {
    int del = ckind(c) == 'D';
    if (which == 0 || (which == 'D') == del) v[(*n)++] = cpath(c);
  }
  return v;
}

int apply_check_git(const char *root, json_t *changes, json_t *refused, struct bones_error *err) {
  static const char *const args[] = {"status", "--porcelain=v1", "-z", "--ignored=matching", "--untracked-files=all",
                                     NULL};
  size_t n = 0;
  const char **paths = paths_of(changes, 0, &n);
  int rc = git_paths(root, args, paths, n, on_status, refused, err);
  free(paths);
  return rc;
}

/* 0 absent, 1 regular file (size in *size), 2 anything else. */
static int kind_of(const char *path, off_t *size) {
  struct stat st;
  if (lstat(path, &st) != 0) return 0;
  *size = st.st_size;
  return S_ISREG(st.st_mode) ? 1 : 2;
}

int apply_same_content(const char *a, const char *b) {
  off_t sa = 0, sb = 0;
  int ka = kind_of(a, &sa), kb = kind_of(b, &sb);
  if (ka == 0 || kb == 0) return ka == kb;
  if (ka != 1 || kb != 1 || sa != sb) return 0;
  int fa = open(a, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), fb = open(b, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  int same = fa >= 0 && fb >= 0;
  static char ba[65536], bb[65536];
  while (same) {
    ssize_t na = read(fa, ba, sizeof ba);
    if (na <= 0) {
      same = na == 0 && read(fb, bb, 1) == 0;
      break;
    }
    ssize_t got = 0;
    while (got < na) {
      ssize_t r = read(fb, bb + got, (size_t)(na - got));
      if (r <= 0) break;
      got += r;
    }
    same = got == na && memcmp(ba, bb, (size_t)na) == 0;
  }
  if (fa >= 0) close(fa);
  if (fb >= 0) close(fb);
  return same;
}

int apply_stage(const char *root, json_t *changes, struct bones_error *err) {
  static const char *const add[] = {"add", "-f", NULL};
  static const char *const rm[] = {"rm", "--cached", "-q", "--ignore-unmatch", NULL};
  size_t nw = 0, nd = 0;
  const char **written = paths_of(changes, 'W', &nw), **removed = paths_of(changes, 'D', &nd);
  int rc = git_paths(root, add, written, nw, NULL, NULL, err);
  if (rc == BONES_OK) rc = git_paths(root, rm, removed, nd, NULL, NULL, err);
  free(written);
  free(removed);
  return rc;
}
