/* test_tasks_next.c: bones_task_claim_next (core/tasks/tasks_next.c) on the
 * built-in sqlite substrate: priority order, a task claimed by another is
 * skipped, the held task comes back unless `another`, the slot filter,
 * "no ready task". */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "cmocka_all.h"
#include "loader.h"
#include "tasks.h"
#include "util.h"

static char tmpdir[] = "/tmp/bones-next-XXXXXX";
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

/* Creates a task; returns its id (malloc'd). */
static char *make(struct bones_tasks *t, const char *title, int priority, const char *slot) {
  struct bones_error err;
  json_t *ctx = slot ? json_pack("{s:s}", "slot", slot) : NULL;
  struct bones_task_spec spec = {title, NULL, 0, NULL, priority, 0, ctx};
  json_t *task = NULL;
  assert_int_equal(bones_task_create(t, &spec, &task, &err), BONES_OK);
  char *id = bones_xstrdup(json_string_value(json_object_get(task, "id")));
  json_decref(task);
  json_decref(ctx);
  return id;
}

/* claim_next as t; returns rc, *id the claimed id (malloc'd) or NULL. */
static int next(struct bones_tasks *t, int another, const char *slot, char **id, int *wrote, int *held) {
  struct bones_error err;
  struct bones_claim_next_opts o = {0, slot, another, 0};
  json_t *task = NULL;
  int rc = bones_task_claim_next(t, &o, &task, wrote, held, NULL, &err);
  *id = task ? bones_xstrdup(json_string_value(json_object_get(task, "id"))) : NULL;
  json_decref(task);
  return rc;
}

static void test_claim_next(void **state) {
  (void)state;
  struct bones_error err;
  struct bones_tasks *a = NULL, *b = NULL;
  assert_int_equal(bones_tasks_open(kv, "agent-a", &a, &err), BONES_OK);
  assert_int_equal(bones_tasks_open(kv, "agent-b", &b, &err), BONES_OK);
  char *id = NULL;
  int wrote = 0, held = 0;
  assert_int_equal(next(a, 0, NULL, &id, &wrote, &held), BONES_E_NOTFOUND);
  assert_null(id);
  char *low = make(a, "low", -1, NULL), *p2 = make(a, "p2", 2, NULL), *p0 = make(a, "p0", 0, NULL);
  char *p0b = make(a, "p0 later", 0, NULL), *slotted = make(a, "slotted", 1, "s1");
  /* b takes the most urgent one first: a must skip it */
  json_t *task = NULL;
  assert_int_equal(bones_task_claim(b, p0, 0, 0, &task, &wrote, &err), BONES_OK);
  json_decref(task);
  assert_int_equal(next(a, 0, NULL, &id, &wrote, &held), BONES_OK);
  assert_string_equal(id, p0b);
  assert_int_equal(wrote, 1);
  assert_int_equal(held, 0);
  free(id);
  /* a holds p0b: it comes back unchanged */
  assert_int_equal(next(a, 0, NULL, &id, &wrote, &held), BONES_OK);
  assert_string_equal(id, p0b);
  assert_int_equal(wrote, 0);
  assert_int_equal(held, 1);
  free(id);
  /* --another: the next by priority (P1 slotted, then P2, then none) */
  assert_int_equal(next(a, 1, NULL, &id, &wrote, &held), BONES_OK);
  assert_string_equal(id, slotted);
  free(id);
  /* the slot filter: nothing ready for s1 any more, none held by b there */
  assert_int_equal(next(b, 1, "s1", &id, &wrote, &held), BONES_E_NOTFOUND);
  assert_int_equal(next(a, 1, NULL, &id, &wrote, &held), BONES_OK);
  assert_string_equal(id, p2);
  free(id);
  assert_int_equal(next(b, 1, NULL, &id, &wrote, &held), BONES_OK);
  assert_string_equal(id, low);
  free(id);
  assert_int_equal(next(b, 1, NULL, &id, &wrote, &held), BONES_E_NOTFOUND);
  free(low), free(p2), free(p0), free(p0b), free(slotted);
  bones_tasks_free(a);
  bones_tasks_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_claim_next)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
