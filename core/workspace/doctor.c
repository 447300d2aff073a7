/* doctor.c: the doctor's report and the state-modes audit (doctor.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor.h"
#include "util.h"
#include "workspace.h"

void bones_doctor_add(struct bones_doctor_report *r, const char *workspace, const char *name,
                      enum bones_check_status status, const char *fix_hint, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char detail[1024];
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  r->checks = bones_xrealloc(r->checks, (r->n + 1) * sizeof *r->checks);
  struct bones_check *c = &r->checks[r->n++];
  c->workspace = workspace ? bones_xstrdup(workspace) : NULL;
  c->name = bones_xstrdup(name);
  c->status = status;
  c->detail = bones_xstrdup(detail);
  c->fix_hint = fix_hint ? bones_xstrdup(fix_hint) : NULL;
}

size_t bones_doctor_problems(const struct bones_doctor_report *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->n; i++)
    if (r->checks[i].status == BONES_CHECK_WARN || r->checks[i].status == BONES_CHECK_FAIL) n++;
  return n;
}

const char *bones_check_status_name(enum bones_check_status s) {
  switch (s) {
  case BONES_CHECK_OK: return "ok";
  case BONES_CHECK_WARN: return "warn";
  case BONES_CHECK_FAIL: return "fail";
  case BONES_CHECK_FIXED: return "fixed";
  }
  return "?";
}

void bones_doctor_report_clear(struct bones_doctor_report *r) {
  for (size_t i = 0; i < r->n; i++) {
    free(r->checks[i].workspace);
    free(r->checks[i].name);
    free(r->checks[i].detail);
    free(r->checks[i].fix_hint);
  }
  free(r->checks);
  r->checks = NULL;
  r->n = 0;
}

struct modes {
  int fix;
  struct bones_mode_issue *v;
  size_t n;
};

/* Checks one path (lstat): a directory or regular file with group or
 * other bits is an issue; symlinks and other types are skipped.  Returns
 * 1 when path is a directory (not a symlink). */
static int check_one(struct modes *m, const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return 0;
  int is_dir = S_ISDIR(st.st_mode);
  if (!is_dir && !S_ISREG(st.st_mode)) return 0;
  unsigned mode = st.st_mode & 07777;
  if (mode & 077) {
    struct bones_mode_issue is = {bones_xstrdup(path), mode, is_dir ? 0700u : 0600u, 0};
    if (m->fix && chmod(path, mode & 0700) == 0) is.fixed = 1;
    m->v = bones_xrealloc(m->v, (m->n + 1) * sizeof *m->v);
    m->v[m->n++] = is;
  }
  return is_dir;
}

/* Checks every entry of dir (not dir itself).  level 0 is .bones/ (goes
 * into swarm/), 1 is swarm/ (goes into each slot dir), 2 is a slot dir
 * (its worktree wt/ holds the agent's files: skipped). */
static void check_dir(struct modes *m, const char *dir, int level) {
  DIR *d = opendir(dir);
  if (d == NULL) return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    if (level == 2 && strcmp(de->d_name, "wt") == 0) continue;
    char *path = bones_xasprintf("%s/%s", dir, de->d_name);
    int is_dir = check_one(m, path);
    if (is_dir && ((level == 0 && strcmp(de->d_name, "swarm") == 0) || level == 1)) check_dir(m, path, level + 1);
    free(path);
  }
  closedir(d);
}

/* qsort order of mode issues: by path. */
static int cmp_issue(const void *a, const void *b) {
  return strcmp(((const struct bones_mode_issue *)a)->path, ((const struct bones_mode_issue *)b)->path);
}

int bones_state_modes(const char *root, int fix, struct bones_mode_issue **out, size_t *n, struct bones_error *err) {
  *out = NULL;
  *n = 0;
  struct modes m = {fix, NULL, 0};
  char *dir = bones_xasprintf("%s/" BONES_DIR, root);
  if (!bones_path_is_dir(dir)) {
    int rc = bones_error_set(err, BONES_E_NOWORKSPACE, "%s is not a directory", dir);
    free(dir);
    return rc;
  }
  check_one(&m, dir);
  DIR *d = opendir(dir);
  if (d == NULL) {
    int rc = bones_error_set(err, BONES_E_INTERNAL, "cannot read %s: %s", dir, strerror(errno));
    free(dir);
    return rc;
  }
  closedir(d);
  check_dir(&m, dir, 0);
  free(dir);
  if (m.n) qsort(m.v, m.n, sizeof *m.v, cmp_issue);
  *out = m.v;
  *n = m.n;
  return BONES_OK;
}

void bones_mode_issues_free(struct bones_mode_issue *v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i].path);
  free(v);
}
