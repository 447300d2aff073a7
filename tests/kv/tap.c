/* tap.c: a tiny TAP producer (see tap.h). */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int tap_n;    /* checks printed */
static int tap_fail; /* of which failed */

/* Prints one result line with a formatted description. */
static int tap_line(int ok, const char *directive, const char *fmt, va_list ap) {
  char desc[512];
  vsnprintf(desc, sizeof desc, fmt, ap);
  tap_n++;
  if (!ok) tap_fail++;
  printf("%s %d - %s%s\n", ok ? "ok" : "not ok", tap_n, desc, directive ? directive : "");
  fflush(stdout);
  return ok;
}

int tap_ok(int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tap_line(ok != 0, NULL, fmt, ap);
  va_end(ap);
  return ok != 0;
}

void tap_diag(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  for (char *p = msg; *p; p++)
    if (*p == '\n') *p = ' ';
  printf("# %s\n", msg);
  fflush(stdout);
}

int tap_rc(int got, int want, const struct bones_error *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int ok = tap_line(got == want, NULL, fmt, ap);
  va_end(ap);
  if (!ok)
    tap_diag("got %s (%d), want %s (%d)%s%s", bones_rc_name(got), got, bones_rc_name(want), want,
             got != BONES_OK && err && err->message[0] ? ": " : "",
             got != BONES_OK && err ? err->message : "");
  return ok;
}

int tap_u64_eq(uint64_t got, uint64_t want, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int ok = tap_line(got == want, NULL, fmt, ap);
  va_end(ap);
  if (!ok) tap_diag("got %" PRIu64 ", want %" PRIu64, got, want);
  return ok;
}

int tap_u64_gt(uint64_t got, uint64_t bound, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int ok = tap_line(got > bound, NULL, fmt, ap);
  va_end(ap);
  if (!ok) tap_diag("got %" PRIu64 ", want > %" PRIu64, got, bound);
  return ok;
}

const char *tap_preview(const void *p, size_t len, char *buf, size_t size) {
  const unsigned char *s = p;
  size_t o = 0;
  if (s == NULL) {
    snprintf(buf, size, "(null)");
    return buf;
  }
  for (size_t i = 0; i < len && i < 48 && o + 5 < size; i++) {
    if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
      buf[o++] = (char)s[i];
    else
      o += (size_t)snprintf(buf + o, size - o, "\\x%02x", s[i]);
  }
  buf[o] = '\0';
  if (len > 48 && o + 4 < size) strcat(buf, "...");
  return buf;
}

int tap_mem_eq(const void *got, size_t glen, const void *want, size_t wlen, const char *fmt, ...) {
  int same = got != NULL && glen == wlen && (wlen == 0 || memcmp(got, want, wlen) == 0);
  va_list ap;
  va_start(ap, fmt);
  tap_line(same, NULL, fmt, ap);
  va_end(ap);
  if (!same) {
    char g[200], w[200];
    size_t at = 0;
    while (got && at < glen && at < wlen && ((const char *)got)[at] == ((const char *)want)[at]) at++;
    tap_diag("got %zu bytes \"%s\", want %zu bytes \"%s\" (first difference at byte %zu)", glen,
             tap_preview(got, glen, g, sizeof g), wlen, tap_preview(want, wlen, w, sizeof w), at);
  }
  return same;
}

void tap_skip(const char *reason, const char *fmt, ...) {
  char directive[300];
  snprintf(directive, sizeof directive, " # SKIP %s", reason);
  va_list ap;
  va_start(ap, fmt);
  tap_line(1, directive, fmt, ap);
  va_end(ap);
}

void tap_bail(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  printf("Bail out! %s\n", msg);
  fflush(stdout);
  exit(1);
}

int tap_failed(void) { return tap_fail; }

int tap_done(void) {
  printf("1..%d\n", tap_n);
  if (tap_fail) printf("# %d of %d checks failed\n", tap_fail, tap_n);
  fflush(stdout);
  return tap_fail ? 1 : 0;
}
