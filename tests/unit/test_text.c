/* test_text.c: unit tests of core/text.c (UTF-8 checks, terminal escaping,
 * relative paths) and of the strict parsers and atomic writes of
 * core/util.c that issue 10 hardened. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmocka_all.h"
#include "text.h"
#include "util.h"

static void utf8_validity_follows_rfc3629(void **state) {
  (void)state;
  static const char *const good[] = {"", "plain", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
                                     "\x7f", "\xc2\x80"};
  static const char *const bad[] = {"\xff",         "\xc0\xaf",         "\xc1\xbf",     "\xe0\x80\xaf",
                                    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xe2\x82",
                                    "\x80",         "a\xc3",            "\xf0\x9f\x98"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    assert_int_equal(bones_utf8_valid(good[i], strlen(good[i])), 1);
    assert_int_equal(bones_utf8_check("x", good[i], NULL), BONES_OK);
  }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_int_equal(bones_utf8_valid(bad[i], strlen(bad[i])), 0);
  assert_int_equal(bones_utf8_valid("a\0b", 3), 0); /* no NUL inside */
  struct bones_error err;
  assert_int_equal(bones_utf8_check("--reason", "ok\xff", &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "--reason is not valid UTF-8"));
  assert_non_null(strstr(err.message, "0xFF at offset 2"));
  assert_int_equal(bones_utf8_check("x", NULL, &err), BONES_OK);
}

static void sanitize_replaces_bad_bytes(void **state) {
  (void)state;
  char *s = bones_utf8_sanitize("a\xff\xc3\xa9\xe2\x82");
  assert_string_equal(s, "a\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
  assert_int_equal(bones_utf8_valid(s, strlen(s)), 1);
  free(s);
  s = bones_utf8_sanitize(NULL);
  assert_string_equal(s, "");
  free(s);
  json_t *j = bones_utf8_json("x\x80y");
  assert_non_null(j);
  assert_string_equal(json_string_value(j), "x\xef\xbf\xbdy");
  json_decref(j);
}

static void term_escape_neutralises_controls(void **state) {
  (void)state;
  char *s = bones_term_escape("red \x1b[31m\a\t\n\r\x7f \xc2\x9b \xff end \\ \xc3\xa9");
  assert_string_equal(s, "red \\x1b[31m\\x07\\t\\n\\r\\x7f \\u009b \\xff end \\ \xc3\xa9");
  free(s);
  s = bones_term_escape(NULL);
  assert_string_equal(s, "");
  free(s);
  /* worst case growth: every byte a control */
  char ctl[65];
  memset(ctl, 0x01, 64);
  ctl[64] = '\0';
  s = bones_term_escape(ctl);
  assert_int_equal(strlen(s), 4 * 64);
  free(s);
  char c1[129];
  for (int i = 0; i < 64; i++) c1[2 * i] = '\xc2', c1[2 * i + 1] = '\x85';
  c1[128] = '\0';
  s = bones_term_escape(c1);
  assert_int_equal(strlen(s), 6 * 64);
  free(s);
}

static void term_printf_keeps_only_the_final_newline(void **state) {
  (void)state;
  FILE *f = tmpfile();
  assert_non_null(f);
  bones_term_printf(f, "title %s\n", "a\nb\x1b");
  bones_term_printf(f, "%s", "no newline\n");
  rewind(f);
  char buf[128] = "";
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  assert_string_equal(buf, "title a\\nb\\x1b\nno newline\\n");
}

static void relative_paths_are_clean(void **state) {
  (void)state;
  struct bones_error err;
  static const char *const good[] = {"a", "src/a.c", "docs/\xc3\xa9t\xc3\xa9.md", ".github/x", "a..b/c"};
  static const char *const bad[] = {"",     "/etc/passwd", "../x",  "a/../b", "a//b",     "a/",
                                    "./a",  "a/.",         "..",    "a\x1b",  "a\xff",    "a\n",
                                    "a\x7f", "x\xc2\x85y"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    assert_int_equal(bones_relpath_check("--files entry", good[i], &err), BONES_OK);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(bones_relpath_check("--files entry", bad[i], &err), BONES_E_USAGE);
  bones_relpath_check("--files entry", "../../x", &err);
  assert_non_null(strstr(err.message, "'..' component"));
  char *longp = bones_xmalloc(5000);
  memset(longp, 'a', 4999);
  longp[4999] = '\0';
  assert_int_equal(bones_relpath_check("f", longp, &err), BONES_E_USAGE);
  free(longp);
}

static void integers_parse_strictly(void **state) {
  (void)state;
  struct bones_error err;
  uint64_t v = 0;
  assert_int_equal(bones_parse_uint("--epoch", "42", 1, INT64_MAX, &v, &err), BONES_OK);
  assert_int_equal(v, 42);
  assert_int_equal(bones_parse_uint("--x", "18446744073709551609", 0, UINT64_MAX, &v, &err), BONES_OK);
  static const char *const bad[] = {"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "99999999999999999999",
                                    "18446744073709551616", "0", "12a"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(bones_parse_uint("--epoch", bad[i], 1, INT64_MAX, &v, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "--epoch takes a number from 1 to"));
  assert_int_equal(bones_parse_uint("--pid", "99999999999", 1, INT_MAX, &v, &err), BONES_E_USAGE);
  assert_int_equal(bones_parse_uint("--pid", "2147483647", 1, INT_MAX, &v, &err), BONES_OK);
  assert_int_equal(bones_parse_uint("--epoch", NULL, 1, 2, &v, &err), BONES_E_USAGE);
}

static void durations_parse_strictly_and_bounded(void **state) {
  (void)state;
  struct bones_error err;
  int64_t ms = 0;
  static const char *const bad[] = {"nans", "nan", "inf", "infs", "1e999s", "1e3s", "99999999999999999999h",
                                    "-5s", "+5s", "0x10s", " 5s", "5s ", ".s", "5.s", "s", "367d", "5 s", "5ss"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(bones_parse_duration(bad[i], &ms, &err), BONES_E_USAGE);
  }
  assert_int_equal(bones_parse_duration("366d", &ms, &err), BONES_OK);
  assert_int_equal(ms, BONES_DURATION_MAX_MS);
  assert_int_equal(bones_parse_duration(".5s", &ms, &err), BONES_OK);
  assert_int_equal(ms, 500);
  assert_int_equal(bones_parse_duration("0.001s", &ms, &err), BONES_OK);
  assert_int_equal(ms, 1);
  assert_int_equal(bones_parse_duration("1.23456789012s", &ms, &err), BONES_OK);
  assert_int_equal(ms, 1234);
  assert_int_equal(bones_parse_duration("0s", &ms, &err), BONES_OK);
  assert_int_equal(ms, 0);
  assert_int_equal(bones_parse_duration_in("--ttl", "31d", 1, BONES_LEASE_MAX_MS, &ms, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "--ttl must be from 1ms to 30d"));
  assert_int_equal(bones_parse_duration_in("--timeout", "25h", 0, BONES_WAIT_MAX_MS, &ms, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "24h"));
  assert_int_equal(bones_parse_duration_in("--timeout", "nans", 0, BONES_WAIT_MAX_MS, &ms, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "--timeout: "));
  assert_int_equal(bones_parse_duration_in("--ttl", "30d", 1, BONES_LEASE_MAX_MS, &ms, &err), BONES_OK);
  assert_int_equal(ms, BONES_LEASE_MAX_MS);
}

static void times_parse_strictly(void **state) {
  (void)state;
  int64_t ms = 0;
  assert_int_equal(bones_parse_time("1970-01-01T00:00:00Z", &ms), 0);
  assert_int_equal(ms, 0);
  assert_int_equal(bones_parse_time("2024-02-29T12:00:00.5Z", &ms), 0);
  assert_int_equal(ms, 1709208000500LL);
  static const char *const bad[] = {"0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2023-02-29T00:00:00Z",
                                    "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z",
                                    "2026-01-01T00:00:00",  "2026-01-01T00:00:00.Z", "2026-1-01T00:00:00Z",
                                    "+2026-01-01T00:00:00Z", "2026-01-01T00:00:00Zjunk", "99999-01-01T00:00:00Z",
                                    "2026-01-01T00:00:00.1234567890Z", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_int_equal(bones_parse_time(bad[i], &ms), -1);
  assert_int_equal(bones_parse_time(NULL, &ms), -1);
}

static void atomic_write_never_follows_a_planted_link(void **state) {
  (void)state;
  char dir[] = "/tmp/bones-text-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *victim = bones_xasprintf("%s/victim", dir);
  char *path = bones_xasprintf("%s/file", dir);
  char *old_tmp = bones_xasprintf("%s.tmp.%ld", path, (long)getpid());
  struct bones_error err;
  assert_int_equal(bones_write_file_atomic(victim, "keep", 4, 0600, &err), BONES_OK);
  assert_int_equal(symlink(victim, old_tmp), 0);
  assert_int_equal(bones_write_file_atomic(path, "new", 3, 0640, &err), BONES_OK);
  char *data = NULL;
  assert_int_equal(bones_read_file(victim, 100, &data, NULL, &err), BONES_OK);
  assert_string_equal(data, "keep");
  free(data);
  assert_int_equal(bones_read_file(path, 100, &data, NULL, &err), BONES_OK);
  assert_string_equal(data, "new");
  free(data);
  struct stat st;
  assert_int_equal(lstat(path, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0640);
  unlink(old_tmp);
  unlink(path);
  unlink(victim);
  rmdir(dir);
  free(old_tmp);
  free(path);
  free(victim);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(utf8_validity_follows_rfc3629),
      cmocka_unit_test(sanitize_replaces_bad_bytes),
      cmocka_unit_test(term_escape_neutralises_controls),
      cmocka_unit_test(term_printf_keeps_only_the_final_newline),
      cmocka_unit_test(relative_paths_are_clean),
      cmocka_unit_test(integers_parse_strictly),
      cmocka_unit_test(durations_parse_strictly_and_bounded),
      cmocka_unit_test(times_parse_strictly),
      cmocka_unit_test(atomic_write_never_follows_a_planted_link),
  };
  return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
