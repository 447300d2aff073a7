/* kv_secret.c: the managed substrate credential (kv_secret.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ids.h"
#include "kv_secret.h"
#include "util.h"
#include "workspace.h"

/* 1 when s is exactly BONES_KV_SECRET_LEN base32 characters. */
static int secret_valid(const char *s, size_t len) {
  if (len != BONES_KV_SECRET_LEN) return 0;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' && s[i] <= '7'))) return 0;
  return 1;
}

int bones_kv_secret_read(const char *root, char out[BONES_KV_SECRET_LEN + 1], struct bones_error *err) {
  out[0] = '\0';
  char *path = bones_ws_path(root, BONES_KV_SECRET_FILE);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    int rc = e == ENOENT ? bones_error_set(err, BONES_E_NOTFOUND, "no managed substrate credential in %s", path)
                         : bones_error_set(err, BONES_E_CORRUPT, "cannot read %s: %s", path, strerror(e));
    free(path);
    return rc;
  }
  struct stat st;
  char buf[BONES_KV_SECRET_LEN + 2];
  ssize_t n = -1;
  int private_file = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == getuid() && (st.st_mode & 077) == 0;
  if (private_file) n = read(fd, buf, sizeof buf);
  close(fd);
  if (n > 0 && buf[n - 1] == '\n') n--;
  if (!private_file || n <= 0 || !secret_valid(buf, (size_t)n)) {
    int rc = bones_error_set(err, BONES_E_CORRUPT, "%s is %s; not used", path,
                             private_file ? "malformed" : "not a private file of yours (mode 0600)");
    free(path);
    return rc;
  }
  memcpy(out, buf, (size_t)n);
  out[n] = '\0';
  free(path);
  return BONES_OK;
}

int bones_kv_secret_ensure(const char *root, char out[BONES_KV_SECRET_LEN + 1], struct bones_error *err) {
  struct bones_error e;
  int rc = bones_kv_secret_read(root, out, &e);
  if (rc == BONES_OK) return BONES_OK;
  char *path = bones_ws_path(root, BONES_KV_SECRET_FILE);
  char *tmp = bones_ws_path(root, BONES_KV_SECRET_FILE ".XXXXXX");
  int fd = mkstemp(tmp); /* O_EXCL, mode 0600 */
  if (fd < 0) {
    rc = bones_error_set(err, BONES_E_INTERNAL, "cannot create %s: %s", tmp, strerror(errno));
    free(tmp);
    free(path);
    return rc;
  }
  char secret[BONES_KV_SECRET_LEN + 2];
  bones_random_base32(secret, BONES_KV_SECRET_LEN);
  secret[BONES_KV_SECRET_LEN] = '\n';
  int ok = fchmod(fd, 0600) == 0 && write(fd, secret, BONES_KV_SECRET_LEN + 1) == BONES_KV_SECRET_LEN + 1 &&
           fsync(fd) == 0;
  int werr = errno;
  close(fd);
  if (ok) {
    /* a missing file: link (never replaces what another writer put there);
     * a refused one: rename over it */
    if (rc == BONES_E_NOTFOUND) ok = link(tmp, path) == 0 || errno == EEXIST;
    else ok = rename(tmp, path) == 0;
    werr = errno;
  }
  unlink(tmp);
  explicit_bzero(secret, sizeof secret);
  if (!ok) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", path, strerror(werr));
  else rc = bones_kv_secret_read(root, out, err);
  free(tmp);
  free(path);
  return rc;
}
