/* kv_example.c: an example KV backend for bones, a directory of files.
 *
 * URL: example:DIR (DIR is created when missing; its parent must exist),
 * with ?sync=full to fsync every write.  Layout:
 *   DIR/<bucket>/config      "ttl_ms max_value"
 *   DIR/<bucket>/rev         the bucket's last revision
 *   DIR/<bucket>/lock        flock'ed by every write
 *   DIR/<bucket>/keys/<key>  "rev expires_ms\n" then the value ('/' -> ',')
 * Writes hold the bucket lock while they check, bump rev and rename the new
 * file into place, so CAS is exact across processes; reads take no lock
 * (rename is atomic).  Expired keys are skipped lazily.  No watch.
 *
 * Built from the installed headers only:
 *   cc -fPIC -fvisibility=hidden $(pkg-config --cflags bones-plugin) -shared \
 *      -o kv_example.so kv_example.c example_fs.c $(pkg-config --libs bones-plugin)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bones/kv.h>
#include <bones/plugin.h>

#include "example_fs.h"

#define HEAD_MAX 64 /* "rev expires_ms\n" */

struct ex_conn {
  char *root;
  int timeout_ms;
  int sync;
};

struct ex_bucket {
  struct ex_conn *conn; /* borrowed: the core closes buckets first */
  char *dir;            /* root/name */
  char *name;
  int64_t ttl_ms;
  uint64_t max_value;
  int lock_fd;
};

/* Fills err for a failed system call on path; returns the code. */
static int io_fail(struct bones_error *err, const char *what, const char *path) {
  int e = errno;
  int code = (e == ENOSPC || e == EIO || e == EROFS || e == EACCES || e == EDQUOT || e == EWOULDBLOCK)
                 ? BONES_E_UNAVAILABLE
                 : e == ENOMEM ? BONES_E_INTERNAL : e == ENOENT ? BONES_E_NOTFOUND : BONES_E_INTERNAL;
  if (e == EWOULDBLOCK) return bones_error_set(err, code, "example %s: %s: lock held by another process", path, what);
  return bones_error_set(err, code, "example %s: %s: %s", path, what, strerror(e));
}

static int oom(struct bones_error *err) { return bones_error_set(err, BONES_E_INTERNAL, "out of memory"); }

/* Parses "example:DIR[?sync=full]".  Owns nothing; fills conn. */
static int kv_example_connect(const char *url, const struct bones_kv_options *opts, void **out,
                              struct bones_error *err) {
  const char *path = strncmp(url, "example:", 8) == 0 ? url + 8 : "";
  size_t plen = strcspn(path, "?");
  if (plen == 0) {
    bones_error_set(err, BONES_E_USAGE, "substrate '%s' names no directory", url);
    bones_error_hint(err, "use --substrate=example:/path/to/dir");
    return BONES_E_USAGE;
  }
  const char *query = path[plen] ? path + plen + 1 : "";
  if (*query && strcmp(query, "sync=full") != 0 && strcmp(query, "sync=normal") != 0)
    return bones_error_set(err, BONES_E_USAGE, "substrate '%s': unknown option '%s' (only sync=full|normal)",
                           url, query);
  struct ex_conn *c = calloc(1, sizeof *c);
  if (c == NULL || (c->root = strndup(path, plen)) == NULL) {
    free(c);
    return oom(err);
  }
  c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : BONES_KV_DEFAULT_TIMEOUT_MS;
  c->sync = strcmp(query, "sync=full") == 0;
  struct stat st;
  if ((mkdir(c->root, 0700) != 0 && errno != EEXIST) || stat(c->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
    int rc = bones_error_set(err, BONES_E_UNAVAILABLE, "example %s: cannot use the directory: %s", c->root,
                             errno == EEXIST ? "not a directory" : strerror(errno));
    bones_error_hint(err, "the directory is created when missing, but its parent must exist");
    free(c->root);
    free(c);
    return rc;
  }
  *out = c;
  return BONES_OK;
}

static void kv_example_disconnect(void *conn) {
  struct ex_conn *c = conn;
  if (c) free(c->root);
  free(c);
}

/* No server: the directory being there is the round trip. */
static int kv_example_ping(void *conn, struct bones_error *err) {
  struct ex_conn *c = conn;
  struct stat st;
  if (stat(c->root, &st) != 0 || !S_ISDIR(st.st_mode))
    return bones_error_set(err, BONES_E_UNAVAILABLE, "example %s: the directory is gone", c->root);
  return BONES_OK;
}

/* Reads dir/config into cfg: 0, or -1 with errno. */
static int read_config(const char *dir, struct bones_kv_bucket_config *cfg) {
  char *path = exfs_path("%s/config", dir);
  unsigned char *data = NULL;
  size_t len;
  int rc = path ? exfs_read(path, HEAD_MAX, &data, &len) : -1;
  free(path);
  if (rc != 0) return -1;
  long long ttl;
  unsigned long long max;
  rc = sscanf((char *)data, "%lld %llu", &ttl, &max) == 2 ? 0 : (errno = EINVAL, -1);
  free(data);
  cfg->ttl_ms = ttl, cfg->max_value = max, cfg->flags = 0;
  return rc;
}

/* Removes a half-made bucket directory (our own temporary). */
static void remove_tmp_bucket(const char *tmp) {
  static const char *const parts[] = {"config", "rev", "lock", NULL};
  for (int i = 0; parts[i]; i++) {
    char *p = exfs_path("%s/%s", tmp, parts[i]);
    if (p) unlink(p);
    free(p);
  }
  char *keys = exfs_path("%s/keys", tmp);
  if (keys) rmdir(keys);
  free(keys);
  rmdir(tmp);
}

/* Creates bucket dir atomically: builds it under a temporary name, then
 * renames it into place.  Losing the race to another process is success. */
static int create_bucket(struct ex_conn *c, const char *name, const char *dir,
                         const struct bones_kv_bucket_config *cfg, struct bones_error *err) {
  char *tmp = exfs_path("%s/.new-%s-%ld", c->root, name, (long)getpid());
  char *keys = tmp ? exfs_path("%s/keys", tmp) : NULL;
  char *conf = tmp ? exfs_path("%s/config", tmp) : NULL, *conft = tmp ? exfs_path("%s/config.t", tmp) : NULL;
  char *rev = tmp ? exfs_path("%s/rev", tmp) : NULL, *lock = tmp ? exfs_path("%s/lock", tmp) : NULL;
  char head[HEAD_MAX];
  int rc = BONES_OK, fd = -1;
  if (!keys || !conf || !conft || !rev || !lock) {
    rc = oom(err);
    goto out;
  }
  remove_tmp_bucket(tmp); /* left over by a crashed process with our pid */
  int n = snprintf(head, sizeof head, "%lld %llu\n", (long long)(cfg->ttl_ms > 0 ? cfg->ttl_ms : 0),
                   (unsigned long long)(cfg->max_value ? cfg->max_value : BONES_KV_DEFAULT_MAX_VALUE));
  if (mkdir(tmp, 0700) != 0 || mkdir(keys, 0700) != 0 ||
      exfs_replace(conft, conf, head, (size_t)n, "", 0, c->sync) != 0 ||
      (fd = open(rev, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 || write(fd, "0\n", 2) != 2 ||
      close(fd) != 0 || (fd = open(lock, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0 || close(fd) != 0) {
    rc = io_fail(err, "cannot create the bucket", tmp);
    remove_tmp_bucket(tmp);
    goto out;
  }
  if (rename(tmp, dir) != 0) {
    if (errno != EEXIST && errno != ENOTEMPTY) rc = io_fail(err, "cannot create the bucket", dir);
    remove_tmp_bucket(tmp); /* another process made it first: fine */
  }
out:
  free(tmp), free(keys), free(conf), free(conft), free(rev), free(lock);
  return rc;
}

static int kv_example_bucket_open(void *conn, const char *name, const struct bones_kv_bucket_config *cfg,
                                  void **bucket, struct bones_kv_bucket_config *actual, struct bones_error *err) {
  struct ex_conn *c = conn;
  struct bones_kv_bucket_config real;
  char *dir = exfs_path("%s/%s", c->root, name);
  if (dir == NULL) return oom(err);
  int rc = BONES_OK;
  if (read_config(dir, &real) != 0) {
    if (errno != ENOENT) rc = io_fail(err, "cannot read the bucket config", dir);
    else if (!(cfg->flags & BONES_KV_BUCKET_CREATE))
      rc = bones_error_set(err, BONES_E_NOTFOUND, "bucket %s does not exist", name);
    else if ((rc = create_bucket(c, name, dir, cfg, err)) == BONES_OK && read_config(dir, &real) != 0)
      rc = io_fail(err, "cannot read the bucket config", dir);
  }
  if (rc == BONES_OK && cfg->ttl_ms != BONES_KV_TTL_ANY && cfg->ttl_ms != real.ttl_ms)
    rc = bones_error_set(err, BONES_E_CONFLICT, "bucket %s has a TTL of %lld ms, not the %lld ms asked for", name,
                         (long long)real.ttl_ms, (long long)cfg->ttl_ms);
  struct ex_bucket *b = rc == BONES_OK ? calloc(1, sizeof *b) : NULL;
  if (rc == BONES_OK && (b == NULL || (b->name = strdup(name)) == NULL)) rc = oom(err);
  if (rc == BONES_OK) {
    char *lock = exfs_path("%s/lock", dir);
    b->lock_fd = lock ? open(lock, O_RDWR | O_CLOEXEC) : -1;
    if (b->lock_fd < 0) rc = io_fail(err, "cannot open the lock file", dir);
    free(lock);
  }
  if (rc != BONES_OK) {
    if (b) free(b->name);
    free(b);
    free(dir);
    return rc;
  }
  b->conn = c, b->dir = dir, b->ttl_ms = real.ttl_ms, b->max_value = real.max_value;
  *bucket = b;
  if (actual) *actual = real;
  return BONES_OK;
}

static void kv_example_bucket_close(void *bucket) {
  struct ex_bucket *b = bucket;
  if (b == NULL) return;
  close(b->lock_fd);
  free(b->dir);
  free(b->name);
  free(b);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Names in dir not starting with '.', sorted; keys != 0 maps file names
 * back to keys and keeps only those starting with prefix.  *names and
 * each string are malloc'd: the caller frees them.  Returns the count or -1. */
static ssize_t sorted_names(const char *dir, int keys, const char *prefix, char ***names) {
  DIR *d = opendir(dir);
  if (d == NULL) return -1;
  size_t n = 0, cap = 0;
  char **v = NULL;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char *s = strdup(e->d_name);
    if (s && keys) exfs_name_to_key(e->d_name, s);
    if (s && keys && strncmp(s, prefix, strlen(prefix)) != 0) {
      free(s);
      continue;
    }
    char **grown = n == cap ? realloc(v, (cap = cap ? 2 * cap : 32) * sizeof *v) : v;
    if (s == NULL || grown == NULL) {
      free(s);
      for (size_t i = 0; i < n; i++) free((grown ? grown : v)[i]);
      free(grown ? grown : v);
      closedir(d);
      errno = ENOMEM;
      return -1;
    }
    v = grown;
    v[n++] = s;
  }
  closedir(d);
  if (n) qsort(v, n, sizeof *v, cmp_str);
  *names = v;
  return (ssize_t)n;
}

static void free_names(char **v, ssize_t n) {
  for (ssize_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static int kv_example_buckets(void *conn, bones_kv_bucket_fn fn, void *arg, struct bones_error *err) {
  struct ex_conn *c = conn;
  char **names = NULL;
  ssize_t n = sorted_names(c->root, 0, "", &names);
  if (n < 0) return io_fail(err, "cannot list buckets", c->root);
  for (ssize_t i = 0; i < n; i++) {
    struct bones_kv_bucket_config cfg;
    char *dir = exfs_path("%s/%s", c->root, names[i]);
    int ok = dir && read_config(dir, &cfg) == 0;
    free(dir);
    if (ok && fn(arg, names[i], &cfg) != 0) break;
  }
  free_names(names, n);
  return BONES_OK;
}

/* The file of key in bucket b (malloc'd, NULL when out of memory). */
static char *key_path(const struct ex_bucket *b, const char *key) {
  char name[BONES_KV_KEY_MAX + 1];
  exfs_key_to_name(key, name);
  return exfs_path("%s/keys/%s", b->dir, name);
}

/* Reads key's file.  Returns BONES_OK with *data (malloc'd, caller frees),
 * the value at data + *off, *len bytes, and its revision; or NOTFOUND when
 * absent or expired; or an error. */
static int read_key(const struct ex_bucket *b, const char *path, unsigned char **data, size_t *off, size_t *len,
                    uint64_t *rev, struct bones_error *err) {
  size_t total;
  *data = NULL;
  if (exfs_read(path, b->max_value + HEAD_MAX, data, &total) != 0)
    return errno == ENOENT ? BONES_E_NOTFOUND : io_fail(err, "cannot read", path);
  char *nl = memchr(*data, '\n', total < HEAD_MAX ? total : HEAD_MAX);
  unsigned long long r;
  long long expires;
  if (nl == NULL || sscanf((char *)*data, "%llu %lld", &r, &expires) != 2) {
    free(*data);
    *data = NULL;
    return bones_error_set(err, BONES_E_CORRUPT, "example %s: bad header", path);
  }
  if (expires != 0 && expires <= exfs_now_ms()) {
    free(*data);
    *data = NULL;
    return BONES_E_NOTFOUND;
  }
  *off = (size_t)(nl + 1 - (char *)*data);
  *len = total - *off;
  *rev = r;
  return BONES_OK;
}

static int check_key(const char *key, struct bones_error *err) {
  return bones_kv_key_valid(key) ? BONES_OK : bones_error_set(err, BONES_E_USAGE, "invalid key '%.300s'", key);
}

static int kv_example_get(void *bucket, const char *key, struct bones_kv_value *out, struct bones_error *err) {
  struct ex_bucket *b = bucket;
  int rc = check_key(key, err);
  char *path = rc == BONES_OK ? key_path(b, key) : NULL;
  if (rc != BONES_OK) return rc;
  if (path == NULL) return oom(err);
  unsigned char *data;
  size_t off, len;
  uint64_t rev;
  rc = read_key(b, path, &data, &off, &len, &rev, err);
  free(path);
  if (rc == BONES_E_NOTFOUND) return bones_error_set(err, rc, "bucket %s: no key %s", b->name, key);
  if (rc != BONES_OK) return rc;
  memmove(data, data + off, len + 1); /* the value, then read_key's NUL */
  out->value = data, out->len = len, out->rev = rev;
  return BONES_OK;
}

enum write_mode { W_PUT, W_CREATE, W_UPDATE, W_DELETE };

/* Under the lock: the key's live revision (0 when absent or expired). */
static int current_rev(struct ex_bucket *b, const char *path, uint64_t *cur, struct bones_error *err) {
  unsigned char *data;
  size_t off, len;
  int rc = read_key(b, path, &data, &off, &len, cur, err);
  free(data);
  if (rc == BONES_E_NOTFOUND) *cur = 0, rc = BONES_OK;
  return rc;
}

/* Under the lock: bumps and stores the bucket's revision counter. */
static int next_rev(struct ex_bucket *b, uint64_t *rev, struct bones_error *err) {
  char *path = exfs_path("%s/rev", b->dir), *tmp = exfs_path("%s/rev.t", b->dir);
  unsigned char *data = NULL;
  size_t len;
  char buf[32];
  int rc = BONES_OK;
  if (!path || !tmp) rc = oom(err);
  else if (exfs_read(path, sizeof buf, &data, &len) != 0) rc = io_fail(err, "cannot read the revision", path);
  else if (sscanf((char *)data, "%" SCNu64, rev) != 1)
    rc = bones_error_set(err, BONES_E_CORRUPT, "example %s: bad revision file", path);
  if (rc == BONES_OK) {
    int n = snprintf(buf, sizeof buf, "%" PRIu64 "\n", ++*rev);
    if (exfs_replace(tmp, path, buf, (size_t)n, "", 0, b->conn->sync) != 0)
      rc = io_fail(err, "cannot write the revision", path);
  }
  free(data), free(path), free(tmp);
  return rc;
}

/* Checks mode's precondition against the current revision, bumps the
 * revision and writes (or removes) the key's file.  Holds the lock. */
static int locked_write(struct ex_bucket *b, enum write_mode mode, const char *key, const char *path,
                        const void *value, size_t len, uint64_t expected, uint64_t *rev, struct bones_error *err) {
  uint64_t cur = 0, next = 0;
  int rc = mode == W_PUT ? BONES_OK : current_rev(b, path, &cur, err);
  if (rc != BONES_OK) return rc;
  if (mode == W_CREATE && cur != 0)
    return bones_error_set(err, BONES_E_EXISTS, "bucket %s: key %s exists (revision %" PRIu64 ")", b->name, key, cur);
  if ((mode == W_UPDATE || mode == W_DELETE) && cur == 0)
    return bones_error_set(err, BONES_E_NOTFOUND, "bucket %s: no key %s", b->name, key);
  if ((mode == W_UPDATE || (mode == W_DELETE && expected != 0)) && cur != expected)
    return bones_error_set(err, BONES_E_CONFLICT, "bucket %s: key %s is at revision %" PRIu64 ", not %" PRIu64,
                           b->name, key, cur, expected);
  if ((rc = next_rev(b, &next, err)) != BONES_OK) return rc;
  if (mode == W_DELETE) {
    if (unlink(path) != 0) return io_fail(err, "cannot delete", path);
    return BONES_OK;
  }
  char head[HEAD_MAX];
  int64_t expires = b->ttl_ms > 0 ? exfs_now_ms() + b->ttl_ms : 0;
  int n = snprintf(head, sizeof head, "%" PRIu64 " %lld\n", next, (long long)expires);
  char *tmp = exfs_path("%s/value.t", b->dir);
  if (tmp == NULL) return oom(err);
  if (exfs_replace(tmp, path, head, (size_t)n, value, len, b->conn->sync) != 0) rc = io_fail(err, "cannot write", path);
  free(tmp);
  if (rc == BONES_OK && rev) *rev = next;
  return rc;
}

/* One write operation: validates, locks the bucket, writes, unlocks. */
static int do_write(struct ex_bucket *b, enum write_mode mode, const char *key, const void *value, size_t len,
                    uint64_t expected, uint64_t *rev, struct bones_error *err) {
  int rc = check_key(key, err);
  if (rc != BONES_OK) return rc;
  if (len > b->max_value)
    return bones_error_set(err, BONES_E_TOOLARGE, "bucket %s: value of %zu bytes is over %" PRIu64, b->name, len,
                           b->max_value);
  char *path = key_path(b, key);
  if (path == NULL) return oom(err);
  if (exfs_lock(b->lock_fd, b->conn->timeout_ms) != 0) {
    rc = io_fail(err, "waiting for the bucket lock", b->dir);
  } else {
    rc = locked_write(b, mode, key, path, value, len, expected, rev, err);
    flock(b->lock_fd, LOCK_UN);
  }
  free(path);
  return rc;
}

static int kv_example_put(void *bucket, const char *key, const void *value, size_t len, uint64_t *rev,
                          struct bones_error *err) {
  return do_write(bucket, W_PUT, key, value, len, 0, rev, err);
}

static int kv_example_create(void *bucket, const char *key, const void *value, size_t len, uint64_t *rev,
                             struct bones_error *err) {
  return do_write(bucket, W_CREATE, key, value, len, 0, rev, err);
}

static int kv_example_update(void *bucket, const char *key, const void *value, size_t len, uint64_t expected,
                             uint64_t *rev, struct bones_error *err) {
  return do_write(bucket, W_UPDATE, key, value, len, expected, rev, err);
}

static int kv_example_remove(void *bucket, const char *key, uint64_t expected, struct bones_error *err) {
  return do_write(bucket, W_DELETE, key, NULL, 0, expected, NULL, err);
}

/* Live keys in key order; values are borrowed by fn for one call only. */
static int kv_example_list(void *bucket, const char *prefix, bones_kv_list_fn fn, void *arg,
                           struct bones_error *err) {
  struct ex_bucket *b = bucket;
  char **keys = NULL;
  char *dir = exfs_path("%s/keys", b->dir);
  if (dir == NULL) return oom(err);
  ssize_t n = sorted_names(dir, 1, prefix, &keys);
  int rc = n < 0 ? io_fail(err, "cannot list", dir) : BONES_OK;
  free(dir);
  for (ssize_t i = 0; rc == BONES_OK && i < n; i++) {
    char *path = key_path(b, keys[i]);
    unsigned char *data = NULL;
    size_t off, len;
    uint64_t rev;
    rc = path ? read_key(b, path, &data, &off, &len, &rev, err) : oom(err);
    free(path);
    if (rc == BONES_E_NOTFOUND) { /* deleted since readdir, or expired */
      rc = BONES_OK;
      continue;
    }
    int stop = rc == BONES_OK && fn(arg, keys[i], data + off, len, rev) != 0;
    free(data);
    if (stop) break;
  }
  free_names(keys, n);
  return rc;
}

static const char *const kv_example_schemes[] = {"example", NULL};

BONES_KV_BACKEND_EXPORT(kv_example) = {
    .abi = BONES_KV_ABI,
    .size = sizeof(struct bones_kv_backend_v1),
    .name = "example",
    .description = "example: a directory of files, flock'ed CAS (plugins/example-kv)",
    .caps = BONES_KV_CAP_EMBEDDED,
    .schemes = kv_example_schemes,
    .connect = kv_example_connect,
    .disconnect = kv_example_disconnect,
    .ping = kv_example_ping,
    .bucket_open = kv_example_bucket_open,
    .bucket_close = kv_example_bucket_close,
    .buckets = kv_example_buckets,
    .get = kv_example_get,
    .put = kv_example_put,
    .create = kv_example_create,
    .update = kv_example_update,
    .remove = kv_example_remove,
    .list = kv_example_list,
    .watch = NULL,
};
