/* test_msg.c: core/coord/msg*.c and the task handoff (coord_handoff_task.c)
 * on the built-in sqlite substrate: fan-out, inboxes, read/ack marks and
 * their idempotence, id prefixes, text and address checks, threads; a
 * claim handed off (epoch, holds, refusals). */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtins.h"
#include "cmocka_all.h"
#include "coord.h"
#include "holds.h"
#include "loader.h"
#include "msg.h"
#include "tasks.h"
#include "util.h"

static char tmpdir[] = "/tmp/bones-msg-XXXXXX";
static bones_kv *kv;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static int setup(void **state) {
  (void)state;
  struct bones_error err;
  if (mkdtemp(tmpdir) == NULL || bones_register_builtin_backends(&err) != BONES_OK) return -1;
  char *url = bones_xasprintf("sqlite:%s/kv.db", tmpdir);
  int rc = bones_kv_open(url, NULL, &kv, &err);
  free(url);
  return rc == BONES_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  bones_kv_close(kv);
  bones_loader_shutdown();
  nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* Sends text from -> the agents listed (NULL-terminated); the new id. */
static char *send_to(const char *from, const char *thread, const char *text, const char *const *agents) {
  json_t *to = json_array(), *sent = NULL;
  for (size_t i = 0; agents[i]; i++) json_array_append_new(to, json_string(agents[i]));
  struct bones_msg_out m = {from, "test", NULL, thread, text, 0};
  struct bones_error err;
  assert_int_equal(bones_msg_send(kv, &m, to, &sent, &err), BONES_OK);
  json_decref(to);
  char *id = bones_xstrdup(str(sent, "id"));
  json_decref(sent);
  return id;
}

static void fan_out_one_copy_each(void **state) {
  (void)state;
  const char *const two[] = {"ann", "bob", NULL};
  char *id = send_to("cat", NULL, "hello both", two);
  struct bones_error err;
  const char *agents[] = {"ann", "bob"};
  for (int i = 0; i < 2; i++) {
    json_t *list = NULL;
    assert_int_equal(bones_msg_inbox(kv, agents[i], 0, &list, NULL, &err), BONES_OK);
    assert_int_equal(json_array_size(list), 1);
    json_t *m = json_array_get(list, 0);
    assert_string_equal(str(m, "id"), id);
    assert_string_equal(str(m, "to"), agents[i]);
    assert_string_equal(str(m, "text"), "hello both");
    assert_true(json_is_null(json_object_get(m, "read_at")));
    json_decref(list);
  }
  json_t *list = NULL;
  assert_int_equal(bones_msg_inbox(kv, "cat", 0, &list, NULL, &err), BONES_OK);
  assert_int_equal(json_array_size(list), 0); /* the sender keeps no copy */
  json_decref(list);
  free(id);
}

static void marks_are_exact_and_idempotent(void **state) {
  (void)state;
  const char *const one[] = {"dan", NULL};
  char *id = send_to("cat", NULL, "read me", one);
  struct bones_error err;
  size_t unread, ack;
  assert_int_equal(bones_msg_counts(kv, "dan", &unread, &ack, &err), BONES_OK);
  assert_int_equal(unread, 1);
  json_t *rec = NULL;
  int changed = 0;
  char prefix[15];
  snprintf(prefix, sizeof prefix, "%.14s", id);
  assert_int_equal(bones_msg_mark(kv, "dan", prefix, 0, &rec, &changed, &err), BONES_OK); /* a unique prefix */
  assert_int_equal(changed, 1);
  assert_non_null(str(rec, "read_at"));
  assert_true(json_is_null(json_object_get(rec, "acked_at")));
  json_decref(rec);
  assert_int_equal(bones_msg_mark(kv, "dan", id, 0, &rec, &changed, &err), BONES_OK);
  assert_int_equal(changed, 0); /* read again: nothing changes */
  json_decref(rec);
  assert_int_equal(bones_msg_mark(kv, "dan", id, 1, &rec, &changed, &err), BONES_OK);
  assert_int_equal(changed, 1);
  assert_non_null(str(rec, "acked_at"));
  json_decref(rec);
  assert_int_equal(bones_msg_counts(kv, "dan", &unread, &ack, &err), BONES_OK);
  assert_int_equal(unread, 0);
  assert_int_equal(bones_msg_mark(kv, "eve", id, 0, &rec, &changed, &err), BONES_E_NOTFOUND); /* not eve's */
  assert_int_equal(bones_msg_mark(kv, "dan", "zzzzzzzz", 0, &rec, &changed, &err), BONES_E_NOTFOUND);
  free(id);
}

static void texts_and_addresses_are_checked(void **state) {
  (void)state;
  struct bones_error err;
  assert_int_equal(bones_msg_text_check("", &err), BONES_E_USAGE);
  assert_int_equal(bones_msg_text_check("\xff\xfe", &err), BONES_E_USAGE);
  char *big = bones_xcalloc(BONES_MSG_TEXT_MAX + 2, 1);
  memset(big, 'a', BONES_MSG_TEXT_MAX + 1);
  assert_int_equal(bones_msg_text_check(big, &err), BONES_E_TOOLARGE);
  big[BONES_MSG_TEXT_MAX] = '\0';
  assert_int_equal(bones_msg_text_check(big, &err), BONES_OK);
  free(big);
  assert_int_equal(bones_msg_text_check("line\n\x1b[31m kept as sent", &err), BONES_OK);
  json_t *to = NULL;
  assert_int_equal(bones_msg_recipients(NULL, kv, "me", "slot:alpha", &to, &err), BONES_OK);
  assert_string_equal(json_string_value(json_array_get(to, 0)), "slot-alpha");
  json_decref(to);
  assert_int_equal(bones_msg_recipients(NULL, kv, "me", "bob", &to, &err), BONES_OK);
  assert_int_equal(json_array_size(to), 1);
  json_decref(to);
  assert_int_equal(bones_msg_recipients(NULL, kv, "me", "../x", &to, &err), BONES_E_USAGE);
  assert_int_equal(bones_msg_recipients(NULL, kv, "me", "", &to, &err), BONES_E_USAGE);
  assert_int_equal(bones_msg_recipients(NULL, kv, "me", "group:x", &to, &err), BONES_E_USAGE);
  assert_int_equal(bones_msg_recipients(NULL, kv, "me", "all-in-wave:x", &to, &err), BONES_E_USAGE);
  assert_int_equal(bones_msg_recipients(NULL, kv, "me", "all", &to, &err), BONES_E_NOWORKSPACE);
}

static void a_thread_merges_the_copies(void **state) {
  (void)state;
  const char *const two[] = {"fay", "gus", NULL}, *const one[] = {"hal", NULL};
  char *a = send_to("hal", "plan", "first", two);
  struct timespec ms = {0, 3 * 1000000L}; /* ids order by millisecond: the reply comes later */
  nanosleep(&ms, NULL);
  char *b = send_to("fay", "plan", "reply", one);
  char *c = send_to("fay", "other", "elsewhere", one);
  json_t *list = NULL;
  struct bones_error err;
  assert_int_equal(bones_msg_thread(kv, "plan", &list, &err), BONES_OK);
  assert_int_equal(json_array_size(list), 2);
  assert_string_equal(str(json_array_get(list, 0), "id"), a);
  assert_int_equal(json_array_size(json_object_get(json_array_get(list, 0), "to")), 2);
  assert_string_equal(str(json_array_get(list, 1), "text"), "reply");
  json_decref(list);
  assert_int_equal(bones_msg_thread(kv, "../x", &list, &err), BONES_E_USAGE);
  free(a), free(b), free(c);
}

static void a_handoff_moves_the_claim(void **state) {
  (void)state;
  struct bones_error err;
  struct bones_tasks *t = NULL;
  json_t *task = NULL, *rec = NULL;
  assert_int_equal(bones_tasks_open(kv, "ann", &t, &err), BONES_OK);
  const char *files[] = {"src/a.c"};
  struct bones_task_spec spec = {"hand me over", files, 1, NULL, -1, 0, NULL};
  assert_int_equal(bones_task_create(t, &spec, &task, &err), BONES_OK);
  char *id = bones_xstrdup(str(task, "id"));
  json_decref(task);
  int wrote = 0;
  assert_int_equal(bones_task_claim(t, id, 0, 0, &task, &wrote, &err), BONES_OK);
  json_decref(task);
  bones_tasks_free(t);
  struct bones_hold_owner owner = {"ann", id, NULL, 1, "test"};
  assert_int_equal(bones_holds_acquire(kv, files, 1, &owner, 60000, &err), BONES_OK);
  /* only the claimer offers it */
  assert_int_equal(bones_handoff_create_task(kv, "bob", "cat", id, "", 0, &rec, &err), BONES_E_REFUSED);
  json_t *h1 = NULL, *h2 = NULL;
  assert_int_equal(bones_handoff_create_task(kv, "ann", "bob", id, "yours", 0, &h1, &err), BONES_OK);
  assert_int_equal(bones_handoff_create_task(kv, "ann", "cat", id, "or yours", 0, &h2, &err), BONES_OK);
  assert_int_equal(json_integer_value(json_object_get(h1, "epoch")), 1);
  assert_int_equal(bones_handoff_accept(kv, "bob", str(h1, "id"), &rec, &err), BONES_OK);
  assert_string_equal(str(rec, "state"), "accepted");
  assert_int_equal(json_integer_value(json_object_get(rec, "claim_epoch")), 2);
  assert_int_equal(json_integer_value(json_object_get(rec, "holds_moved")), 1);
  json_decref(rec);
  /* the other offer of the same claim: refused, void */
  assert_int_equal(bones_handoff_accept(kv, "cat", str(h2, "id"), &rec, &err), BONES_E_REFUSED);
  json_t *list = NULL;
  assert_int_equal(bones_handoff_list(kv, "cat", 1, &list, &err), BONES_OK);
  assert_string_equal(str(json_array_get(list, 0), "state"), "void");
  json_decref(list);
  /* the accepted one cannot be declined */
  assert_int_equal(bones_handoff_decline(kv, "bob", str(h1, "id"), &rec, &err), BONES_E_REFUSED);
  assert_int_equal(bones_tasks_open(kv, "ann", &t, &err), BONES_OK);
  assert_int_equal(bones_task_get(t, id, &task, &err), BONES_OK);
  assert_string_equal(str(task, "claimed_by"), "bob");
  assert_int_equal(json_integer_value(json_object_get(task, "claim_epoch")), 2);
  assert_string_equal(str(task, "previous_claimer"), "ann");
  json_decref(task);
  /* the old claimant's writes are refused */
  assert_int_equal(bones_task_renew(t, id, 0, &task, &err), BONES_E_REFUSED);
  assert_non_null(strstr(err.message, "stale"));
  bones_tasks_free(t);
  json_t *hold = NULL;
  assert_int_equal(bones_coord_owner(kv, "src/a.c", &hold, &err), BONES_OK);
  assert_string_equal(str(hold, "agent"), "bob");
  json_decref(hold);
  /* bob offers it on to dan, who declines: the claim stays bob's */
  json_t *h3 = NULL;
  assert_int_equal(bones_handoff_create_task(kv, "bob", "dan", id, "", 0, &h3, &err), BONES_OK);
  assert_int_equal(bones_handoff_decline(kv, "dan", str(h3, "id"), &rec, &err), BONES_OK);
  assert_string_equal(str(rec, "state"), "declined");
  json_decref(rec);
  assert_int_equal(bones_handoff_decline(kv, "dan", str(h3, "id"), &rec, &err), BONES_OK); /* again: no change */
  json_decref(rec);
  assert_int_equal(bones_handoff_accept(kv, "dan", str(h3, "id"), &rec, &err), BONES_E_REFUSED);
  assert_int_equal(bones_tasks_open(kv, "bob", &t, &err), BONES_OK);
  assert_int_equal(bones_task_get(t, id, &task, &err), BONES_OK);
  assert_string_equal(str(task, "claimed_by"), "bob");
  json_decref(task);
  bones_tasks_free(t);
  json_decref(h1), json_decref(h2), json_decref(h3);
  free(id);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fan_out_one_copy_each),
      cmocka_unit_test(marks_are_exact_and_idempotent),
      cmocka_unit_test(texts_and_addresses_are_checked),
      cmocka_unit_test(a_thread_merges_the_copies),
      cmocka_unit_test(a_handoff_moves_the_claim),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
