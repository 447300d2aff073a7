/* error.c: the one error type (bones/error.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <bones/error.h>

void bones_error_clear(struct bones_error *err) {
  if (err == NULL) return;
  err->code = BONES_OK;
  err->message[0] = '\0';
  err->hint[0] = '\0';
}

int bones_error_setv(struct bones_error *err, int code, const char *fmt, va_list ap) {
  if (err == NULL) return code;
  err->code = code;
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  /* keep messages on one line */
  for (char *p = err->message; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  err->hint[0] = '\0';
  return code;
}

int bones_error_set(struct bones_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bones_error_setv(err, code, fmt, ap);
  va_end(ap);
  return code;
}

int bones_error_hint(struct bones_error *err, const char *fmt, ...) {
  if (err == NULL) return BONES_E_INTERNAL;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->hint, sizeof err->hint, fmt, ap);
  va_end(ap);
  return err->code;
}

int bones_error_prefix(struct bones_error *err, const char *fmt, ...) {
  if (err == NULL) return BONES_E_INTERNAL;
  char prefix[BONES_ERROR_MESSAGE_MAX];
  char joined[BONES_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  size_t n = strlen(prefix);
  if (n > sizeof joined - 3) n = sizeof joined - 3;
  memcpy(joined, prefix, n);
  joined[n++] = ':';
  joined[n++] = ' ';
  size_t m = strlen(err->message);
  if (m > sizeof joined - 1 - n) m = sizeof joined - 1 - n;
  memcpy(joined + n, err->message, m);
  joined[n + m] = '\0';
  memcpy(err->message, joined, sizeof joined);
  return err->code;
}

int bones_rc_exit_code(int rc) {
  switch (rc) {
  case BONES_OK: return 0;
  case BONES_E_USAGE: return 2;
  case BONES_E_NOTFOUND: return 3;
  case BONES_E_CONFLICT:
  case BONES_E_EXISTS: return 4;
  case BONES_E_UNAVAILABLE: return 5;
  case BONES_E_REFUSED: return 6;
  case BONES_E_NOWORKSPACE: return 7;
  case BONES_E_TOOLARGE: return 8;
  case BONES_E_TIMEOUT: return 124;
  case BONES_E_UNSUPPORTED: return 2;
  default: return 1;
  }
}

const char *bones_rc_name(int rc) {
  switch (rc) {
  case BONES_OK: return "ok";
  case BONES_E_INTERNAL: return "internal";
  case BONES_E_USAGE: return "usage";
  case BONES_E_NOTFOUND: return "not_found";
  case BONES_E_CONFLICT: return "conflict";
  case BONES_E_UNAVAILABLE: return "unavailable";
  case BONES_E_REFUSED: return "refused";
  case BONES_E_NOWORKSPACE: return "no_workspace";
  case BONES_E_TOOLARGE: return "too_large";
  case BONES_E_EXISTS: return "exists";
  case BONES_E_UNSUPPORTED: return "unsupported";
  case BONES_E_CORRUPT: return "corrupt";
  case BONES_E_TIMEOUT: return "timeout";
  default: return "internal";
  }
}
