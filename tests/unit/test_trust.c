/* test_trust.c: unit tests of bones_url_redact() (core/url.c) and of the
 * text check workspaces use (bones_ws_text_ok, core/workspace/workspace.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmocka_all.h"
#include "text.h"
#include "url.h"
#include "workspace.h"

/* Asserts that redacting in gives want. */
static void redacts_to(const char *in, const char *want) {
  char *got = bones_url_redact(in);
  assert_non_null(got);
  assert_string_equal(got, want);
  free(got);
}

static void user_info_is_removed(void **state) {
  (void)state;
  redacts_to("redis://:S3cret@127.0.0.1:6379/0", "redis://127.0.0.1:6379/0");
  redacts_to("redis://user:S3cret@h:1/2", "redis://h:1/2");
  redacts_to("nats://user:pass@h1:4222,h2:4222", "nats://h1:4222,h2:4222");
  redacts_to("nats://TOKEN@h:4222", "nats://h:4222");
  redacts_to("redis+unix://:pw@/run/redis.sock", "redis+unix:///run/redis.sock");
  /* a password with unencoded '/', '?' or '@' is cut off too */
  redacts_to("redis://:a/b@h:1/0", "redis://h:1/0");
  redacts_to("redis://:a?b@h:1/0", "redis://h:1/0");
  redacts_to("redis://:a@b@h:1/0", "redis://h:1/0");
}

static void secret_query_parameters_are_removed(void **state) {
  (void)state;
  redacts_to("redis://h:1/0?timeout=2s", "redis://h:1/0?timeout=2s");
  redacts_to("redis://h:1/0?password=x&timeout=2s", "redis://h:1/0?timeout=2s");
  redacts_to("nats://h:1?tls=yes&token=x&AuthKey=y", "nats://h:1?tls=yes");
  redacts_to("x://h?api_key=1&pwd=2&credentials=3&sig=4", "x://h");
  redacts_to("sqlite:/w/.bones/kv.sqlite?sync=full", "sqlite:/w/.bones/kv.sqlite?sync=full");
}

static void plain_specs_are_unchanged(void **state) {
  (void)state;
  redacts_to("sqlite", "sqlite");
  redacts_to("redis", "redis");
  redacts_to("nats://127.0.0.1:4222", "nats://127.0.0.1:4222");
  redacts_to("", "");
  assert_null(bones_url_redact(NULL));
}

static void text_check_refuses_bad_bytes(void **state) {
  (void)state;
  assert_true(bones_text_plain("/home/ann/proj", ""));
  assert_true(bones_text_plain("/tmp/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80", ""));
  assert_false(bones_text_plain("/tmp/bad\xff", ""));
  assert_false(bones_text_plain("/tmp/\xc0\x80", ""));          /* overlong NUL */
  assert_false(bones_text_plain("/tmp/\xed\xa0\x80", ""));      /* a surrogate */
  assert_false(bones_text_plain("/tmp/\xf4\x90\x80\x80", ""));  /* past U+10FFFF */
  assert_false(bones_text_plain("/tmp/\xe2\x82", ""));          /* cut mid-character */
  assert_false(bones_text_plain("/tmp/new\nline", ""));
  assert_false(bones_text_plain("/tmp/esc\x1b[31m", ""));
  assert_false(bones_text_plain("/tmp/del\x7f", ""));
  assert_false(bones_text_plain("/tmp/c1\xc2\x9b", ""));        /* C1 CSI */
  assert_true(bones_text_plain("a\tcommit\r\nmessage", "\t\n\r")); /* allowed controls */
  assert_false(bones_text_plain("a\tb", "\n"));
  assert_true(bones_text_plain("nbsp\xc2\xa0ok", ""));                   /* U+00A0 is no control */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(user_info_is_removed),
      cmocka_unit_test(secret_query_parameters_are_removed),
      cmocka_unit_test(plain_specs_are_unchanged),
      cmocka_unit_test(text_check_refuses_bad_bytes),
  };
  return cmocka_run_group_tests_name("trust", tests, NULL, NULL);
}
