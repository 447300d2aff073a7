/* tap.h: a tiny TAP producer for kvconf.
 *
 * Why not cmocka: cmocka 1.1.5 prints a skipped test as "not ok N # SKIP",
 * which automake's tap-driver.sh counts as a FAIL, and it gives one TAP line
 * per test function with hex diagnostics ("0x2 != 0x3").  The conformance
 * suite wants one line per semantic check with a "# got X, want Y" line.
 *
 * Everything goes to stdout; the plan is printed last by tap_done().
 * Descriptions must not contain '#'. */
#ifndef KVCONF_TAP_H
#define KVCONF_TAP_H

#include <stddef.h>
#include <stdint.h>

#include <bones/error.h>

/* Prints "ok N - desc" or "not ok N - desc"; returns ok (0/1). */
int tap_ok(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "# ..." (a diagnostic line). */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checks a result code; on failure prints "# got X, want Y: <message>". */
int tap_rc(int got, int want, const struct bones_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks got == want. */
int tap_u64_eq(uint64_t got, uint64_t want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Checks got > bound (e.g. a new revision against the last one). */
int tap_u64_gt(uint64_t got, uint64_t bound, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Checks two byte strings are identical; the diagnostic shows lengths, the
 * first differing offset and an escaped preview. */
int tap_mem_eq(const void *got, size_t glen, const void *want, size_t wlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Prints "ok N - desc # SKIP reason". */
void tap_skip(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "Bail out! reason" and exits 1. */
void tap_bail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Number of failed checks so far. */
int tap_failed(void);

/* Prints the plan "1..N"; returns the exit status (0 when nothing failed). */
int tap_done(void);

/* Escapes up to 48 bytes of p for a diagnostic into buf (at least 200 bytes). */
const char *tap_preview(const void *p, size_t len, char *buf, size_t size);

#endif
