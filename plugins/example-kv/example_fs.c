/* example_fs.c: file helpers of the example KV backend (example_fs.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "example_fs.h"

int64_t exfs_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *exfs_path(const char *fmt, ...) {
  va_list ap;
  char *out = NULL;
  va_start(ap, fmt);
  int n = vasprintf(&out, fmt, ap);
  va_end(ap);
  return n < 0 ? NULL : out;
}

int exfs_read(const char *path, size_t max, unsigned char **data, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  unsigned char *buf = NULL;
  size_t got = 0;
  if (fstat(fd, &st) != 0) goto fail;
  if ((uint64_t)st.st_size > max) {
    errno = EFBIG;
    goto fail;
  }
  buf = malloc((size_t)st.st_size + 1);
  if (buf == NULL) goto fail;
  while (got < (size_t)st.st_size) { /* the file never changes: writers rename */
    ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) goto fail;
    if (n == 0) break;
    got += (size_t)n;
  }
  close(fd);
  buf[got] = '\0';
  *data = buf;
  *len = got;
  return 0;
fail:;
  int saved = errno;
  free(buf);
  close(fd);
  errno = saved;
  return -1;
}

/* Writes len bytes of p to fd, retrying short writes. */
static int write_all(int fd, const void *p, size_t len) {
  const char *c = p;
  while (len) {
    ssize_t n = write(fd, c, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    c += n;
    len -= (size_t)n;
  }
  return 0;
}

int exfs_replace(const char *tmp, const char *path, const void *head, size_t hlen, const void *body,
                 size_t blen, int sync) {
  /* callers hold the bucket lock; a leftover (or planted) tmp is removed,
   * never followed: O_EXCL|O_NOFOLLOW refuses anything put back meanwhile */
  if (unlink(tmp) != 0 && errno != ENOENT) return -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (write_all(fd, head, hlen) != 0 || write_all(fd, body, blen) != 0 || (sync && fsync(fd) != 0)) {
    int saved = errno;
    close(fd);
    unlink(tmp);
    errno = saved;
    return -1;
  }
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    int saved = errno;
    unlink(tmp);
    errno = saved;
    return -1;
  }
  if (sync) { /* make the rename itself durable */
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) {
      *slash = '\0';
      int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
      }
    }
    free(dir);
  }
  return 0;
}

int exfs_lock(int fd, int timeout_ms) {
  int64_t deadline = exfs_now_ms() + timeout_ms;
  long pause_us = 100;
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
    if (errno != EWOULDBLOCK && errno != EINTR) return -1;
    if (exfs_now_ms() >= deadline) {
      errno = EWOULDBLOCK;
      return -1;
    }
    /* short, jittered pauses: long ones let busier processes starve us
     * (jitter from the clock, not rand(): the host program owns rand) */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    unsigned long mix = (unsigned long)now.tv_nsec ^ (unsigned long)getpid() * 2654435761u;
    long jitter = (long)(mix % (unsigned long)pause_us);
    struct timespec ts = {0, (pause_us / 2 + jitter) * 1000};
    nanosleep(&ts, NULL);
    if (pause_us < 1000) pause_us *= 2;
  }
}

void exfs_key_to_name(const char *key, char *out) {
  for (; *key; key++) *out++ = *key == '/' ? ',' : *key;
  *out = '\0';
}

void exfs_name_to_key(const char *name, char *out) {
  for (; *name; name++) *out++ = *name == ',' ? '/' : *name;
  *out = '\0';
}
