/* bones/error.h: the one error type of bones.
 *
 * Every fallible function in bones returns an int result code from enum
 * bones_rc (BONES_OK is 0) and, when it fails, fills a caller-owned
 * struct bones_error with a message and an optional hint.  The CLI maps the
 * code to an exit status with bones_rc_exit_code().  Nothing here allocates.
 */
#ifndef BONES_ERROR_H
#define BONES_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes.  Values are stable ABI: backends return them. */
enum bones_rc {
  BONES_OK = 0,
  BONES_E_INTERNAL = 1,     /* a bug, out of memory, an I/O error we cannot name */
  BONES_E_USAGE = 2,        /* bad arguments, invalid name or key */
  BONES_E_NOTFOUND = 3,     /* key, task, bucket, module ... does not exist */
  BONES_E_CONFLICT = 4,     /* lost a race: CAS revision mismatch, held by another */
  BONES_E_UNAVAILABLE = 5,  /* server, hub or tool unreachable; timed out */
  BONES_E_REFUSED = 6,      /* refused by state: bad transition, stale epoch */
  BONES_E_NOWORKSPACE = 7,  /* no workspace / not bootstrapped */
  BONES_E_TOOLARGE = 8,     /* value over the bucket's max_value */
  BONES_E_EXISTS = 9,       /* create-if-absent found the key (exit code 4) */
  BONES_E_UNSUPPORTED = 10, /* optional operation the backend does not offer */
  BONES_E_CORRUPT = 11,     /* a stored record or file does not parse (exit 1) */
  BONES_E_TIMEOUT = 124     /* a bounded wait ran out (exit 124) */
};

#define BONES_ERROR_MESSAGE_MAX 512
#define BONES_ERROR_HINT_MAX 256

/* A filled-in error.  Caller-owned, usually on the stack; never freed. */
struct bones_error {
  int code;                              /* enum bones_rc, BONES_OK when clear */
  char message[BONES_ERROR_MESSAGE_MAX]; /* one line, no trailing newline */
  char hint[BONES_ERROR_HINT_MAX];       /* next step for the user, or "" */
};

/* Resets err to BONES_OK with empty texts.  err may be NULL. */
void bones_error_clear(struct bones_error *err);

/* Sets code and a printf-style message (truncated to fit), clears the hint,
 * and returns code so callers can write `return bones_error_set(...)`.
 * err may be NULL (the code is still returned). */
int bones_error_set(struct bones_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* va_list form of bones_error_set. */
int bones_error_setv(struct bones_error *err, int code, const char *fmt, va_list ap);

/* Sets the hint line of an already set error; returns err->code. */
int bones_error_hint(struct bones_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Puts "prefix: " in front of the current message (keeps code and hint).
 * Returns err->code. */
int bones_error_prefix(struct bones_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The process exit status for a result code (DESIGN.md section 9). */
int bones_rc_exit_code(int rc);

/* A stable lower-case name for a result code ("conflict", "not_found", ...);
 * a static string. */
const char *bones_rc_name(int rc);

#ifdef __cplusplus
}
#endif
#endif /* BONES_ERROR_H */
