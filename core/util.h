/* util.h (internal to bones, exported from libbones for in-tree modules):
 * small helpers every part of bones uses.  Search here before writing one. */
#ifndef BONES_UTIL_H
#define BONES_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <bones/error.h>

/* Allocation that aborts with a message on out-of-memory; the caller
 * frees the result with free(). */
void *bones_xmalloc(size_t n);
void *bones_xcalloc(size_t n, size_t size);
void *bones_xrealloc(void *p, size_t n);
char *bones_xstrdup(const char *s);
char *bones_xstrndup(const char *s, size_t n);
char *bones_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 if path exists (any type) / is a directory / is a regular file. */
int bones_path_exists(const char *path);
int bones_path_is_dir(const char *path);
int bones_path_is_file(const char *path);

/* Creates dir and its parents with mode (existing dirs are left alone). */
int bones_mkdir_p(const char *dir, unsigned mode, struct bones_error *err);

/* Writes data to path atomically: a temporary file in the same directory
 * created with mode, fsync, rename, fsync of the directory. */
int bones_write_file_atomic(const char *path, const void *data, size_t len,
                            unsigned mode, struct bones_error *err);

/* Reads a whole file (at most max bytes) into a malloc'd, NUL-terminated
 * buffer the caller frees.  BONES_E_NOTFOUND when it does not exist. */
int bones_read_file(const char *path, size_t max, char **data, size_t *len,
                    struct bones_error *err);

/* Reads all of fd (at most max bytes) into a malloc'd, NUL-terminated
 * buffer the caller frees. */
int bones_read_fd(int fd, size_t max, char **data, size_t *len, struct bones_error *err);

/* Wall clock in milliseconds since the epoch; monotonic clock in ms. */
int64_t bones_now_ms(void);
int64_t bones_monotonic_ms(void);

/* Formats ms since the epoch as RFC3339 UTC with milliseconds
 * ("2026-11-23T13:26:19.123Z") into buf (at least 32 bytes). */
void bones_format_time(int64_t ms, char *buf, size_t len);

/* Takes an exclusive flock on fd, trying every poll_ms until wait_ms
 * passed (0: once).  1 when taken; 0 when the wait ran out or flock fails
 * for another reason than a holder. */
int bones_flock_wait(int fd, int64_t wait_ms, int poll_ms);

/* A short age for tables: "850ms", "12s", "3m", "2h" (negative: 0) into
 * buf (at least 24 bytes). */
void bones_format_age(int64_t ms, char *buf, size_t size);

/* The CLOCK_MONOTONIC time ms from now, for pthread_cond_timedwait on a
 * condition made with that clock. */
struct timespec bones_monotonic_deadline(int64_t ms);

/* Parses RFC3339 UTC with optional fraction ("...Z"); 0 on success. */
int bones_parse_time(const char *s, int64_t *ms);

/* Parses a duration with a unit: 250ms, 5s, 10m, 1h, 2d (a bare number is
 * refused).  Fills *ms; BONES_E_USAGE with a clear message otherwise. */
int bones_parse_duration(const char *s, int64_t *ms, struct bones_error *err);

/* Validates a name of an agent, slot, channel or checkpoint:
 * [A-Za-z0-9][A-Za-z0-9_.-]{0,63}.  BONES_E_USAGE naming what otherwise. */
int bones_name_check(const char *what, const char *name, struct bones_error *err);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t bones_edit_distance(const char *a, const char *b);

#endif /* BONES_UTIL_H */

/* Base64 (RFC 4648, padded) of data; malloc'd, the caller frees. */
char *bones_base64_encode(const void *data, size_t len);

/* Removes path and everything below it (no symlinks followed).  Absent
 * is fine. */
int bones_remove_tree(const char *path, struct bones_error *err);

/* Bounds on times and durations (docs/safety/text-and-input.md).  Every duration
 * bones parses is at most BONES_DURATION_MAX_MS; leases (task claims, slot
 * leases) at most BONES_LEASE_MAX_MS; bounded waits (--timeout, --wait) at
 * most BONES_WAIT_MAX_MS.  Times are years BONES_TIME_MIN_YEAR..9999. */
#define BONES_DURATION_MAX_MS (366LL * 24 * 3600 * 1000)
#define BONES_LEASE_MAX_MS (30LL * 24 * 3600 * 1000)
#define BONES_WAIT_MAX_MS (24LL * 3600 * 1000)
#define BONES_TIME_MIN_YEAR 1970

/* bones_parse_duration() bounded to [min_ms, max_ms]: BONES_E_USAGE
 * "WHAT: ..." naming the bound otherwise.  Fills *ms on success. */
int bones_parse_duration_in(const char *what, const char *s, int64_t min_ms, int64_t max_ms, int64_t *ms,
                            struct bones_error *err);

/* Parses a decimal integer strictly (digits only: no sign, space, 0x or
 * trailing text) in [min, max]; BONES_E_USAGE "WHAT takes a number from
 * MIN to MAX" otherwise, overflow included.  Fills *out on success. */
int bones_parse_uint(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out,
                     struct bones_error *err);
