/* util.c: small shared helpers (see util.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void out_of_memory(size_t n) {
  fprintf(stderr, "bones: out of memory (asked for %zu bytes)\n", n);
  abort();
}

void *bones_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) out_of_memory(n);
  return p;
}

void *bones_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (p == NULL) out_of_memory(n * size);
  return p;
}

void *bones_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (q == NULL) out_of_memory(n);
  return q;
}

char *bones_xstrdup(const char *s) {
  char *p = strdup(s);
  if (p == NULL) out_of_memory(strlen(s) + 1);
  return p;
}

char *bones_xstrndup(const char *s, size_t n) {
  char *p = strndup(s, n);
  if (p == NULL) out_of_memory(n + 1);
  return p;
}

char *bones_xasprintf(const char *fmt, ...) {
  va_list ap;
  char *p = NULL;
  va_start(ap, fmt);
  int n = vasprintf(&p, fmt, ap);
  va_end(ap);
  if (n < 0) out_of_memory(0);
  return p;
}

int bones_path_exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

int bones_path_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int bones_path_is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int bones_mkdir_p(const char *dir, unsigned mode, struct bones_error *err) {
  char *copy = bones_xstrdup(dir);
  size_t len = strlen(copy);
  for (size_t i = 1; i <= len; i++) {
    if (copy[i] != '/' && copy[i] != '\0') continue;
    char saved = copy[i];
    copy[i] = '\0';
    if (mkdir(copy, (mode_t)mode) != 0 && errno != EEXIST) {
      int e = errno;
      bones_error_set(err, BONES_E_INTERNAL, "cannot create directory %s: %s", copy, strerror(e));
      free(copy);
      return BONES_E_INTERNAL;
    }
    copy[i] = saved;
  }
  free(copy);
  if (!bones_path_is_dir(dir))
    return bones_error_set(err, BONES_E_INTERNAL, "%s exists and is not a directory", dir);
  return BONES_OK;
}

int bones_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                            struct bones_error *err) {
  /* an unpredictable name created exclusively: a planted file or symlink
   * under any name we could have used is never followed or reused */
  char *tmp = bones_xasprintf("%s.tmp.XXXXXX", path);
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd >= 0 && fchmod(fd, (mode_t)mode) != 0) {
    int e = errno;
    close(fd);
    unlink(tmp);
    free(tmp);
    return bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", path, strerror(e));
  }
  if (fd < 0) {
    int e = errno;
    free(tmp);
    return bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", path, strerror(e));
  }
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      unlink(tmp);
      free(tmp);
      return bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", path, strerror(e));
    }
    p += n;
    left -= (size_t)n;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    int e = errno;
    unlink(tmp);
    free(tmp);
    return bones_error_set(err, BONES_E_INTERNAL, "cannot flush %s: %s", path, strerror(e));
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    free(tmp);
    return bones_error_set(err, BONES_E_INTERNAL, "cannot rename into %s: %s", path, strerror(e));
  }
  free(tmp);
  /* make the rename durable */
  char *dir = bones_xstrdup(path);
  char *slash = strrchr(dir, '/');
  if (slash) {
    if (slash == dir) slash[1] = '\0';
    else *slash = '\0';
  } else {
    strcpy(dir, ".");
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  free(dir);
  return BONES_OK;
}

int bones_read_fd(int fd, size_t max, char **data, size_t *len, struct bones_error *err) {
  size_t cap = max < 4096 ? max : 4096, used = 0;
  char *buf = bones_xmalloc(cap + 1);
  for (;;) {
    if (used == cap) {
      if (cap >= max) { /* full: one more byte means too large */
        char extra;
        ssize_t n;
        do n = read(fd, &extra, 1);
        while (n < 0 && errno == EINTR);
        if (n == 0) break;
        free(buf);
        if (n < 0) return bones_error_set(err, BONES_E_INTERNAL, "read failed: %s", strerror(errno));
        return bones_error_set(err, BONES_E_TOOLARGE, "input larger than %zu bytes", max);
      }
      cap = cap * 2 > max ? max : cap * 2;
      buf = bones_xrealloc(buf, cap + 1);
    }
    ssize_t n = read(fd, buf + used, cap - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      free(buf);
      return bones_error_set(err, BONES_E_INTERNAL, "read failed: %s", strerror(e));
    }
    if (n == 0) break;
    used += (size_t)n;
  }
  buf[used] = '\0';
  *data = buf;
  if (len) *len = used;
  return BONES_OK;
}

int bones_read_file(const char *path, size_t max, char **data, size_t *len, struct bones_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return bones_error_set(err, e == ENOENT ? BONES_E_NOTFOUND : BONES_E_INTERNAL,
                           "cannot read %s: %s", path, strerror(e));
  }
  int rc = bones_read_fd(fd, max, data, len, err);
  close(fd);
  if (rc != BONES_OK) bones_error_prefix(err, "%s", path);
  return rc;
}

int64_t bones_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t bones_monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void bones_format_time(int64_t ms, char *buf, size_t len) {
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char base[32];
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, len, "%s.%03dZ", base, (int)(ms % 1000));
}

/* Reads exactly n digits at *p into *v; 0 on success. */
static int fixed_digits(const char **p, int n, int *v) {
  int x = 0;
  for (int i = 0; i < n; i++) {
    char c = (*p)[i];
    if (c < '0' || c > '9') return -1;
    x = x * 10 + (c - '0');
  }
  *p += n;
  *v = x;
  return 0;
}

int bones_flock_wait(int fd, int64_t wait_ms, int poll_ms) {
  int64_t deadline = bones_monotonic_ms() + wait_ms;
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 1;
    if ((errno != EWOULDBLOCK && errno != EINTR) || bones_monotonic_ms() >= deadline) return 0;
    struct timespec ts = {0, poll_ms * 1000000L};
    nanosleep(&ts, NULL);
  }
}

void bones_format_age(int64_t ms, char *buf, size_t size) {
  if (ms < 0) ms = 0;
  if (ms < 1000) snprintf(buf, size, "%lldms", (long long)ms);
  else if (ms < 120000) snprintf(buf, size, "%llds", (long long)(ms / 1000));
  else if (ms < 7200000) snprintf(buf, size, "%lldm", (long long)(ms / 60000));
  else snprintf(buf, size, "%lldh", (long long)(ms / 3600000));
}

int bones_parse_time(const char *s, int64_t *ms) {
  if (s == NULL) return -1;
  /* strictly YYYY-MM-DDTHH:MM:SS[.fff...]Z, years 1970..9999 */
  int y, mo, d, h, mi, sec;
  const char *p = s;
  if (fixed_digits(&p, 4, &y) || *p++ != '-' || fixed_digits(&p, 2, &mo) || *p++ != '-' ||
      fixed_digits(&p, 2, &d) || *p++ != 'T' || fixed_digits(&p, 2, &h) || *p++ != ':' ||
      fixed_digits(&p, 2, &mi) || *p++ != ':' || fixed_digits(&p, 2, &sec))
    return -1;
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < BONES_TIME_MIN_YEAR || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
    return -1;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return -1;
  int frac = 0, digits = 0;
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') {
      if (digits < 3) frac = frac * 10 + (*p - '0');
      digits++;
      p++;
    }
    if (digits == 0 || digits > 9) return -1;
    while (digits < 3) frac *= 10, digits++;
  }
  if (strcmp(p, "Z") != 0) return -1;
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  time_t t = timegm(&tm);
  if (t == (time_t)-1 || t < 0) return -1;
  *ms = (int64_t)t * 1000 + frac;
  return 0;
}

/* "'S' is not a duration" with the accepted form as the hint. */
static int bad_duration(struct bones_error *err, const char *s, const char *why) {
  char shown[48]; /* the text, escaped and cut: it may hold any byte */
  size_t o = 0;
  const unsigned char *p = (const unsigned char *)s;
  for (; *p && o + 5 < sizeof shown; p++) {
    if (*p >= 0x20 && *p < 0x7F) shown[o++] = (char)*p;
    else o += (size_t)snprintf(shown + o, 5, "\\x%02x", *p);
  }
  shown[o] = '\0';
  bones_error_set(err, BONES_E_USAGE, "'%s%s' %s", shown, *p ? "..." : "", why);
  return bones_error_hint(err, "a duration is digits, an optional .fraction and a unit: 250ms, 5s, 1.5m, 10m, 1h, 2d");
}

int bones_parse_duration(const char *s, int64_t *ms, struct bones_error *err) {
  if (s == NULL || *s == '\0')
    return bones_error_set(err, BONES_E_USAGE, "empty duration (use a number with a unit: 250ms, 5s, 10m, 1h)");
  /* strictly DIGITS[.DIGITS]UNIT: no sign, space, exponent, hex, inf or nan */
  const char *p = s;
  uint64_t whole = 0;
  int ndigits = 0;
  for (; *p >= '0' && *p <= '9'; p++, ndigits++) {
    if (whole > (UINT64_MAX - 9) / 10) return bad_duration(err, s, "is too long a duration");
    whole = whole * 10 + (uint64_t)(*p - '0');
  }
  uint64_t frac = 0, scale = 1; /* frac / scale, at most 9 digits kept */
  int fdigits = 0;
  if (*p == '.') {
    for (p++; *p >= '0' && *p <= '9'; p++, fdigits++) {
      if (fdigits < 9) frac = frac * 10 + (uint64_t)(*p - '0'), scale *= 10;
    }
    if (fdigits == 0) return bad_duration(err, s, "is not a duration");
  }
  if (ndigits == 0 && fdigits == 0) return bad_duration(err, s, "is not a duration");
  uint64_t mult;
  if (strcmp(p, "ms") == 0) mult = 1;
  else if (strcmp(p, "s") == 0) mult = 1000;
  else if (strcmp(p, "m") == 0) mult = 60000;
  else if (strcmp(p, "h") == 0) mult = 3600000;
  else if (strcmp(p, "d") == 0) mult = 86400000;
  else if (*p == '\0')
    return bones_error_set(err, BONES_E_USAGE, "duration '%s' needs a unit (ms, s, m, h, d)", s);
  else return bad_duration(err, s, "is not a duration");
  if (whole > (uint64_t)BONES_DURATION_MAX_MS / mult) return bad_duration(err, s, "is too long (at most 366d)");
  uint64_t total = whole * mult + frac * mult / scale;
  if (total > (uint64_t)BONES_DURATION_MAX_MS) return bad_duration(err, s, "is too long (at most 366d)");
  *ms = (int64_t)total;
  return BONES_OK;
}

int bones_name_check(const char *what, const char *name, struct bones_error *err) {
  if (name == NULL || *name == '\0')
    return bones_error_set(err, BONES_E_USAGE, "%s name is empty", what);
  size_t n = strlen(name);
  if (n > 64)
    return bones_error_set(err, BONES_E_USAGE, "%s name is %zu characters long (at most 64)", what, n);
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (i == 0 && !alnum)
      return bones_error_set(err, BONES_E_USAGE, "%s name '%s' must start with a letter or digit", what, name);
    if (!alnum && c != '_' && c != '.' && c != '-')
      return bones_error_set(err, BONES_E_USAGE,
                             "%s name '%s' has an invalid character (allowed: A-Z a-z 0-9 _ . -)", what, name);
  }
  if (strstr(name, ".."))
    return bones_error_set(err, BONES_E_USAGE, "%s name '%s' must not contain '..'", what, name);
  return BONES_OK;
}

size_t bones_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  size_t *row = bones_xcalloc(lb + 1, sizeof *row);
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t cur = row[j];
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t best = prev + cost;
      if (row[j] + 1 < best) best = row[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      prev = cur;
    }
  }
  size_t d = row[lb];
  free(row);
  return d;
}

char *bones_base64_encode(const void *data, size_t len) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *in = data;
  char *out = bones_xmalloc(4 * ((len + 2) / 3) + 1);
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned)in[i] << 16;
    if (i + 1 < len) v |= (unsigned)in[i + 1] << 8;
    if (i + 2 < len) v |= in[i + 2];
    out[o++] = tbl[(v >> 18) & 63];
    out[o++] = tbl[(v >> 12) & 63];
    out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < len ? tbl[v & 63] : '=';
  }
  out[o] = '\0';
  return out;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int bones_remove_tree(const char *path, struct bones_error *err) {
  if (!bones_path_exists(path)) return BONES_OK;
  if (nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS) != 0)
    return bones_error_set(err, BONES_E_INTERNAL, "cannot remove %s: %s", path, strerror(errno));
  return BONES_OK;
}

int bones_parse_duration_in(const char *what, const char *s, int64_t min_ms, int64_t max_ms, int64_t *ms,
                            struct bones_error *err) {
  int64_t v = 0;
  if (bones_parse_duration(s, &v, err) != BONES_OK) return bones_error_prefix(err, "%s", what);
  if (v < min_ms || v > max_ms) {
    char lo[32], hi[32];
    snprintf(lo, sizeof lo, min_ms % 1000 ? "%lldms" : "%llds", (long long)(min_ms % 1000 ? min_ms : min_ms / 1000));
    if (max_ms % 86400000 == 0 && max_ms > 86400000) snprintf(hi, sizeof hi, "%lldd", (long long)(max_ms / 86400000));
    else if (max_ms % 3600000 == 0) snprintf(hi, sizeof hi, "%lldh", (long long)(max_ms / 3600000));
    else snprintf(hi, sizeof hi, "%lldms", (long long)max_ms);
    return bones_error_set(err, BONES_E_USAGE, "%s must be from %s to %s, not '%s'", what, lo, hi, s);
  }
  *ms = v;
  return BONES_OK;
}

int bones_parse_uint(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out,
                     struct bones_error *err) {
  uint64_t v = 0;
  int ok = s != NULL && *s != '\0';
  for (const char *p = s; ok && *p; p++) {
    if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10) ok = 0;
    else v = v * 10 + (uint64_t)(*p - '0');
  }
  if (!ok || v < min || v > max)
    return bones_error_set(err, BONES_E_USAGE, "%s takes a number from %llu to %llu", what, (unsigned long long)min,
                           (unsigned long long)max);
  *out = v;
  return BONES_OK;
}

struct timespec bones_monotonic_deadline(int64_t ms) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (ms < 0) ms = 0;
  ts.tv_sec += (time_t)(ms / 1000);
  ts.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
  return ts;
}
