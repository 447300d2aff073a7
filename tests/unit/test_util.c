/* test_util.c: unit tests of core/util.c and core/error.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmocka_all.h"
#include "util.h"

static void durations_parse_with_units(void **state) {
  (void)state;
  struct bones_error err;
  int64_t ms = 0;
  assert_int_equal(bones_parse_duration("250ms", &ms, &err), BONES_OK);
  assert_int_equal(ms, 250);
  assert_int_equal(bones_parse_duration("5s", &ms, &err), BONES_OK);
  assert_int_equal(ms, 5000);
  assert_int_equal(bones_parse_duration("10m", &ms, &err), BONES_OK);
  assert_int_equal(ms, 600000);
  assert_int_equal(bones_parse_duration("1h", &ms, &err), BONES_OK);
  assert_int_equal(ms, 3600000);
  assert_int_equal(bones_parse_duration("1.5s", &ms, &err), BONES_OK);
  assert_int_equal(ms, 1500);
}

static void durations_refuse_bare_and_junk(void **state) {
  (void)state;
  struct bones_error err;
  int64_t ms = 0;
  assert_int_equal(bones_parse_duration("30", &ms, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "unit"));
  assert_int_equal(bones_parse_duration("", &ms, &err), BONES_E_USAGE);
  assert_int_equal(bones_parse_duration("5x", &ms, &err), BONES_E_USAGE);
  assert_int_equal(bones_parse_duration("-5s", &ms, &err), BONES_E_USAGE);
  assert_int_equal(bones_parse_duration("s", &ms, &err), BONES_E_USAGE);
  assert_int_equal(bones_parse_duration("1e300h", &ms, &err), BONES_E_USAGE);
}

static void names_are_checked(void **state) {
  (void)state;
  struct bones_error err;
  assert_int_equal(bones_name_check("slot", "agent-1.a_b", &err), BONES_OK);
  assert_int_equal(bones_name_check("slot", "", &err), BONES_E_USAGE);
  assert_int_equal(bones_name_check("slot", "../x", &err), BONES_E_USAGE);
  assert_int_equal(bones_name_check("slot", "a/b", &err), BONES_E_USAGE);
  assert_int_equal(bones_name_check("slot", "a b", &err), BONES_E_USAGE);
  assert_int_equal(bones_name_check("slot", "a..b", &err), BONES_E_USAGE);
  assert_int_equal(bones_name_check("slot", "-a", &err), BONES_E_USAGE);
  char long_name[70];
  memset(long_name, 'a', 65);
  long_name[65] = '\0';
  assert_int_equal(bones_name_check("slot", long_name, &err), BONES_E_USAGE);
  assert_non_null(strstr(err.message, "64"));
  long_name[64] = '\0';
  assert_int_equal(bones_name_check("slot", long_name, &err), BONES_OK);
}

static void base64_matches_rfc4648(void **state) {
  (void)state;
  static const char *const cases[][2] = {{"", ""},         {"f", "Zg=="},       {"fo", "Zm8="},
                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"foobar", "Zm9vYmFy"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *e = bones_base64_encode(cases[i][0], strlen(cases[i][0]));
    assert_string_equal(e, cases[i][1]);
    free(e);
  }
  char *e = bones_base64_encode("\0\xff", 2);
  assert_string_equal(e, "AP8=");
  free(e);
}

static void edit_distance_counts_edits(void **state) {
  (void)state;
  assert_int_equal(bones_edit_distance("kv", "kv"), 0);
  assert_int_equal(bones_edit_distance("plugin", "plugins"), 1);
  assert_int_equal(bones_edit_distance("verison", "version"), 2);
  assert_int_equal(bones_edit_distance("", "abc"), 3);
}

static void times_round_trip(void **state) {
  (void)state;
  char buf[40];
  bones_format_time(1795440379123LL, buf, sizeof buf);
  assert_string_equal(buf, "2026-11-23T13:26:19.123Z");
  int64_t ms = 0;
  assert_int_equal(bones_parse_time(buf, &ms), 0);
  assert_int_equal(ms, 1795440379123LL);
  assert_int_equal(bones_parse_time("2026-11-23T13:26:19Z", &ms), 0);
  assert_int_equal(ms, 1795440379000LL);
  assert_int_not_equal(bones_parse_time("yesterday", &ms), 0);
  assert_int_not_equal(bones_parse_time("2026-11-23T13:26:19+01:00", &ms), 0);
}

static void atomic_write_is_private_and_complete(void **state) {
  (void)state;
  char dir[] = "/tmp/bones-unit-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *path = bones_xasprintf("%s/sub/f.json", dir);
  char *sub = bones_xasprintf("%s/sub", dir);
  struct bones_error err;
  assert_int_equal(bones_mkdir_p(sub, 0700, &err), BONES_OK);
  assert_int_equal(bones_write_file_atomic(path, "hello\0world", 11, 0600, &err), BONES_OK);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  char *data = NULL;
  size_t len = 0;
  assert_int_equal(bones_read_file(path, 1 << 20, &data, &len, &err), BONES_OK);
  assert_int_equal(len, 11);
  assert_memory_equal(data, "hello\0world", 11);
  free(data);
  assert_int_equal(bones_read_file(path, 4, &data, &len, &err), BONES_E_TOOLARGE);
  assert_int_equal(bones_read_file(path, 11, &data, &len, &err), BONES_OK); /* exactly max fits */
  assert_int_equal(len, 11);
  free(data);
  char *missing = bones_xasprintf("%s/nope", dir);
  assert_int_equal(bones_read_file(missing, 100, &data, &len, &err), BONES_E_NOTFOUND);
  unlink(path);
  rmdir(sub);
  rmdir(dir);
  free(missing);
  free(path);
  free(sub);
}

static void errors_carry_code_message_hint(void **state) {
  (void)state;
  struct bones_error err;
  bones_error_clear(&err);
  assert_int_equal(err.code, BONES_OK);
  assert_int_equal(bones_error_set(&err, BONES_E_CONFLICT, "key %s\nmoved", "k"), BONES_E_CONFLICT);
  assert_string_equal(err.message, "key k moved"); /* one line */
  bones_error_hint(&err, "retry");
  bones_error_prefix(&err, "bucket %s", "b");
  assert_string_equal(err.message, "bucket b: key k moved");
  assert_string_equal(err.hint, "retry");
  char huge[2000];
  memset(huge, 'x', sizeof huge - 1);
  huge[sizeof huge - 1] = '\0';
  bones_error_set(&err, BONES_E_USAGE, "%s", huge);
  assert_int_equal(strlen(err.message), BONES_ERROR_MESSAGE_MAX - 1);
  bones_error_prefix(&err, "%s", huge);
  assert_int_equal(strlen(err.message), BONES_ERROR_MESSAGE_MAX - 1);
}

static void exit_codes_follow_the_table(void **state) {
  (void)state;
  assert_int_equal(bones_rc_exit_code(BONES_OK), 0);
  assert_int_equal(bones_rc_exit_code(BONES_E_INTERNAL), 1);
  assert_int_equal(bones_rc_exit_code(BONES_E_USAGE), 2);
  assert_int_equal(bones_rc_exit_code(BONES_E_NOTFOUND), 3);
  assert_int_equal(bones_rc_exit_code(BONES_E_CONFLICT), 4);
  assert_int_equal(bones_rc_exit_code(BONES_E_EXISTS), 4);
  assert_int_equal(bones_rc_exit_code(BONES_E_UNAVAILABLE), 5);
  assert_int_equal(bones_rc_exit_code(BONES_E_REFUSED), 6);
  assert_int_equal(bones_rc_exit_code(BONES_E_NOWORKSPACE), 7);
  assert_int_equal(bones_rc_exit_code(BONES_E_TOOLARGE), 8);
  assert_int_equal(bones_rc_exit_code(BONES_E_TIMEOUT), 124);
  assert_int_equal(bones_rc_exit_code(BONES_E_CORRUPT), 1);
  assert_string_equal(bones_rc_name(BONES_E_NOTFOUND), "not_found");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(durations_parse_with_units),  cmocka_unit_test(durations_refuse_bare_and_junk),
      cmocka_unit_test(names_are_checked),           cmocka_unit_test(base64_matches_rfc4648),
      cmocka_unit_test(edit_distance_counts_edits),  cmocka_unit_test(times_round_trip),
      cmocka_unit_test(atomic_write_is_private_and_complete),
      cmocka_unit_test(errors_carry_code_message_hint), cmocka_unit_test(exit_codes_follow_the_table),
  };
  return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
