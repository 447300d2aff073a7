/* hub_commit.c: a check-in made straight into the hub file (no server, no
 * leaf): what `bones hub sync` uses to put git's commits onto trunk. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fossil.h"
#include "repo_fossil.h"
#include "util.h"

#define BATCH 256 /* file names per `fossil add` / `fossil rm` */

/* Copies the regular file src to dst (parents made), 0755 when src is
 * executable, else 0644; never follows a link. */
int rf_copy_file(const char *src, const char *dst, struct bones_error *err) {
  int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (in >= 0) close(in);
    return bones_error_set(err, BONES_E_INTERNAL, "hub commit: %s is not a readable regular file", src);
  }
  char *parent = bones_xstrdup(dst);
  *strrchr(parent, '/') = '\0';
  int rc = bones_mkdir_p(parent, 0755, err);
  free(parent);
  unlink(dst); /* a mode change needs a new file */
  int out = rc == BONES_OK ? open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                                  (st.st_mode & 0111) ? 0755 : 0644)
                           : -1;
  if (rc == BONES_OK && out < 0)
    rc = bones_error_set(err, BONES_E_INTERNAL, "hub commit: %s: %s", dst, strerror(errno));
  char buf[65536];
  while (rc == BONES_OK) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) rc = bones_error_set(err, BONES_E_INTERNAL, "hub commit: reading %s: %s", src, strerror(errno));
      break;
    }
    for (ssize_t w = 0; w < n && rc == BONES_OK;) {
      ssize_t k = write(out, buf + w, (size_t)(n - w));
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) rc = bones_error_set(err, BONES_E_INTERNAL, "hub commit: writing %s: %s", dst, strerror(errno));
      else w += k;
    }
  }
  close(in);
  if (out >= 0 && close(out) != 0 && rc == BONES_OK)
    rc = bones_error_set(err, BONES_E_INTERNAL, "hub commit: writing %s: %s", dst, strerror(errno));
  if (rc == BONES_OK && chmod(dst, (st.st_mode & 0111) ? 0755 : 0644) != 0)
    rc = bones_error_set(err, BONES_E_INTERNAL, "hub commit: chmod %s: %s", dst, strerror(errno));
  /* an mtime unlike the check-out's: fossil then hashes the file, so an
   * edit of the same size in the same second is never missed */
  static const struct timespec old[2] = {{1, 0}, {1, 0}};
  if (rc == BONES_OK && utimensat(AT_FDCWD, dst, old, AT_SYMLINK_NOFOLLOW) != 0)
    rc = bones_error_set(err, BONES_E_INTERNAL, "hub commit: utimensat %s: %s", dst, strerror(errno));
  return rc;
}

/* Runs `fossil <verb> FLAGS -- names...` in co, in batches. */
static int run_batches(struct rf_repo *f, const char *co, const char *const *head, size_t nhead,
                       const char *const *names, size_t n, struct bones_error *err) {
  int rc = BONES_OK;
  for (size_t i = 0; rc == BONES_OK && i < n; i += BATCH) {
    struct rf_argv a = {0};
    rf_av_list(&a, head, nhead);
    rf_av(&a, "--", NULL);
    rf_av_list(&a, names + i, n - i < BATCH ? n - i : BATCH);
    struct rf_call c = {.cwd = co};
    struct rf_run_result r;
    rc = rf_fossil_ok(f, &c, &a, &r, err);
    if (rc == BONES_OK) rf_run_result_free(&r);
    rf_av_free(&a);
  }
  return rc;
}

/* Parses "New_Version: ID" out of commit's output into id. */
static int new_version(const struct rf_run_result *r, char id[BONES_REPO_ID_MAX], struct bones_error *err) {
  const char *nv = strstr(r->out, "New_Version: ");
  if (nv == NULL) {
    if (rf_said(r, "nothing has changed")) return bones_error_set(err, BONES_E_REFUSED, "hub commit: nothing changed");
    return rf_fail(err, BONES_E_INTERNAL, "commit", r);
  }
  nv += strlen("New_Version: ");
  size_t n = strspn(nv, "0123456789abcdef");
  if (n == 0 || n >= BONES_REPO_ID_MAX) return rf_fail(err, BONES_E_INTERNAL, "commit", r);
  memcpy(id, nv, n);
  id[n] = '\0';
  return BONES_OK;
}

int rf_hub_commit(void *repo, const char *hub_path, const char *src_dir, const char *const *files, size_t nfiles,
                  const char *const *removed, size_t nremoved, const char *user, const char *message,
                  char id[BONES_REPO_ID_MAX], struct bones_error *err) {
  struct rf_repo *f = repo;
  if (!hub_path || !src_dir || !message || !*message || !user || !*user)
    return bones_error_set(err, BONES_E_USAGE, "hub_commit: hub, source dir, user and message are required");
  if (!rf_text_ok(message))
    return bones_error_set(err, BONES_E_USAGE, "hub_commit: the message holds control characters");
  for (size_t i = 0; i < nfiles + nremoved; i++) {
    const char *p = i < nfiles ? files[i] : removed[i - nfiles];
    if (!rf_path_ok(p) || !rf_name_ok(p)) return bones_error_set(err, BONES_E_USAGE, "hub_commit: bad path '%s'", p);
  }
  int rc = rf_need_repo(hub_path, err);
  if (rc != BONES_OK) return rc;
  char *hub = rf_abs(hub_path);
  char *co = bones_xasprintf("%s/import-XXXXXX", f->state_dir);
  int made = mkdtemp(co) != NULL;
  if (!made)
    rc = bones_error_set(err, BONES_E_INTERNAL, "cannot make a directory in %s: %s", f->state_dir, strerror(errno));
  struct rf_argv a = {0};
  struct rf_run_result r;
  struct rf_call c = {.cwd = co};
  if (rc == BONES_OK) {
    rf_av(&a, "open", hub, "trunk", "--workdir", co, "--nested", "--nosync", NULL);
    rc = rf_fossil_ok(f, &c, &a, &r, err);
    if (rc == BONES_OK) rf_run_result_free(&r);
    rf_av_free(&a);
  }
  int opened = rc == BONES_OK;
  for (size_t i = 0; rc == BONES_OK && i < nfiles; i++) {
    char *src = bones_xasprintf("%s/%s", src_dir, files[i]), *dst = bones_xasprintf("%s/%s", co, files[i]);
    rc = rf_copy_file(src, dst, err);
    free(src);
    free(dst);
  }
  static const char *const add[] = {"add", "-f", "--dotfiles", "--ignore", "", "--allow-reserved"};
  static const char *const rm[] = {"rm", "--hard"};
  if (rc == BONES_OK) rc = run_batches(f, co, add, sizeof add / sizeof *add, files, nfiles, err);
  if (rc == BONES_OK) rc = run_batches(f, co, rm, sizeof rm / sizeof *rm, removed, nremoved, err);
  if (rc == BONES_OK) {
    rf_av(&a, "commit", "-m", message, "--no-warnings", "--no-prompt", "--nosign", "--ignore-oversize", "--nosync",
          "--user-override", user, NULL);
    rc = rf_fossil(f, &c, &a, &r, err);
    rf_av_free(&a);
    if (rc == BONES_OK) {
      rc = new_version(&r, id, err);
      rf_run_result_free(&r);
    }
  }
  if (opened) {
    struct bones_error ignored;
    rf_av(&a, "close", "--force", NULL);
    if (rf_fossil_ok(f, &c, &a, &r, &ignored) == BONES_OK) rf_run_result_free(&r);
    rf_av_free(&a);
  }
  if (made) rf_rmtree(co);
  free(co);
  free(hub);
  return rc;
}
