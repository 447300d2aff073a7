/* test_plan.c: unit tests of the plan parser (core/tasks/plan.h): the Markdown
 * and JSON forms, every violation with its line, slot directories,
 * dependencies, cycles and waves. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka_all.h"
#include "plan.h"
#include "util.h"

static struct bones_plan *parse(const char *text) { return bones_plan_parse("P.md", text, strlen(text), BONES_PLAN_AUTO); }

/* 1 when plan has a violation with code at line (line 0: any line). */
static int has(const struct bones_plan *plan, const char *code, int line) {
  for (size_t i = 0; i < plan->nerrors; i++)
    if (strcmp(plan->errors[i].code, code) == 0 && (line == 0 || plan->errors[i].line == line)) return 1;
  return 0;
}

static void dump(const struct bones_plan *plan) {
  for (size_t i = 0; i < plan->nerrors; i++)
    fprintf(stderr, "# %d %s %s\n", plan->errors[i].line, plan->errors[i].code, plan->errors[i].message);
}

/* text must give exactly one violation: code at line. */
static void expect_one(const char *text, const char *code, int line) {
  struct bones_plan *p = parse(text);
  if (p->nerrors != 1 || !has(p, code, line)) dump(p);
  assert_int_equal(p->nerrors, 1);
  assert_true(has(p, code, line));
  bones_plan_free(p);
}

static const char good[] =
    "# Plan\n"                                  /* 1 */
    "\n"                                        /* 2 */
    "### Task 1: Schema [slot: db]\n"           /* 3 */
    "**Files:**\n"                              /* 4 */
    "- Create: `src/db/schema.sql`\n"           /* 5 */
    "- Modify: `src/db/conn.c:12-40`\n"         /* 6 */
    "\n"                                        /* 7 */
    "### Task 2 - Login [slot: auth]\n"         /* 8 */
    "**Depends:** Task 1\n"                     /* 9 */
    "**Files:**\n"                              /* 10 */
    "\n"                                        /* 11 */
    "* Test: src/auth/tests/t.c (new)\n"        /* 12 */
    "```\n"                                     /* 13 */
    "### Task 9 [slot: zz]\n"                   /* 14 */
    "```\n"                                     /* 15 */
    "### Task 3 [slot: auth]\r\n"               /* 16 */
    "**Depends:** 1, #2\n"                      /* 17 */
    "**Files:**\n"                              /* 18 */
    "- modify: src/auth/login.c\n"              /* 19 */
    "#### Step 1 (stays in the task)\n"         /* 20 */
    "### Task 4: Docs [slot: docs]\n"           /* 21 */
    "**Depends:** none\n"                       /* 22 */
    "**Files:**\n"                              /* 23 */
    "- Create: docs/x.md\n"                     /* 24 */
    "## Appendix\n"                             /* 25 */
    "- Create: not/a/file\n";                   /* 26 */

static void markdown_plan_parses(void **state) {
  (void)state;
  struct bones_plan *p = parse(good);
  dump(p);
  assert_int_equal(p->nerrors, 0);
  assert_int_equal(p->format, BONES_PLAN_MD);
  assert_int_equal(p->ntasks, 4);
  const struct bones_plan_task *t = &p->tasks[0];
  assert_int_equal(t->n, 1);
  assert_string_equal(t->title, "Schema");
  assert_string_equal(t->slot, "db");
  assert_int_equal(t->line, 3);
  assert_int_equal(t->nfiles, 2);
  assert_string_equal(t->files[0].path, "src/db/schema.sql");
  assert_int_equal(t->files[0].kind, BONES_PLAN_CREATE);
  assert_string_equal(t->files[1].path, "src/db/conn.c"); /* the line range is dropped */
  assert_int_equal(t->files[1].kind, BONES_PLAN_MODIFY);
  assert_int_equal(t->files[1].line, 6);
  t = &p->tasks[1];
  assert_string_equal(t->title, "Login");
  assert_int_equal(t->nfiles, 1);
  assert_string_equal(t->files[0].path, "src/auth/tests/t.c");
  assert_int_equal(t->files[0].kind, BONES_PLAN_TEST);
  assert_int_equal(t->ndepends, 1);
  assert_int_equal(t->depends[0].n, 1);
  assert_int_equal(t->depends[0].line, 9);
  t = &p->tasks[2];
  assert_int_equal(t->n, 3); /* the fenced heading is not a task */
  assert_string_equal(t->title, "Task 3");
  assert_int_equal(t->ndepends, 2);
  assert_non_null(strstr(t->text, "#### Step 1"));
  assert_null(strstr(t->text, "Task 4"));
  assert_int_equal(p->tasks[3].ndepends, 0);
  assert_int_equal(p->tasks[3].nfiles, 1); /* the appendix's list is not its */
  /* slots: db, auth (tasks 2 and 3), docs */
  assert_int_equal(p->nslots, 3);
  assert_string_equal(p->slots[1].name, "auth");
  assert_string_equal(p->slots[1].dir, "src/auth");
  assert_int_equal(p->slots[1].ntasks, 2);
  assert_string_equal(p->slots[2].dir, "docs");
  /* waves: {1, 4}, {2}, {3} */
  assert_int_equal(p->nwaves, 3);
  assert_int_equal(p->waves[0].ntasks, 2);
  assert_int_equal(p->waves[0].tasks[0], 1);
  assert_int_equal(p->waves[0].tasks[1], 4);
  assert_int_equal(p->waves[1].tasks[0], 2);
  assert_int_equal(p->waves[2].tasks[0], 3);
  assert_int_equal(p->tasks[2].wave, 3);
  assert_ptr_equal(bones_plan_task_by_n(p, 4), &p->tasks[3]);
  assert_null(bones_plan_task_by_n(p, 9));
  bones_plan_free(p);
}

static void json_form_round_trips(void **state) {
  (void)state;
  struct bones_plan *p = parse(good);
  json_t *j = bones_plan_json(p);
  assert_true(json_is_true(json_object_get(j, "ok")));
  assert_int_equal(json_array_size(json_object_get(j, "waves")), 3);
  char *text = json_dumps(j, JSON_INDENT(1));
  json_decref(j);
  struct bones_plan *q = parse(text); /* detected by content */
  dump(q);
  assert_int_equal(q->format, BONES_PLAN_JSON);
  assert_int_equal(q->nerrors, 0);
  assert_int_equal(q->ntasks, p->ntasks);
  for (size_t i = 0; i < p->ntasks; i++) {
    assert_int_equal(q->tasks[i].n, p->tasks[i].n);
    assert_string_equal(q->tasks[i].title, p->tasks[i].title);
    assert_string_equal(q->tasks[i].slot, p->tasks[i].slot);
    assert_string_equal(q->tasks[i].text, p->tasks[i].text);
    assert_int_equal(q->tasks[i].nfiles, p->tasks[i].nfiles);
    assert_int_equal(q->tasks[i].wave, p->tasks[i].wave);
  }
  assert_int_equal(q->nwaves, 3);
  free(text);
  bones_plan_free(q);
  bones_plan_free(p);
}

static void json_violations_name_the_task_line(void **state) {
  (void)state;
  const char *text = "{\"tasks\": [\n"
                     "  {\"n\": 1, \"slot\": \"a\", \"files\": [{\"kind\": \"create\", \"path\": \"a/x\"}]},\n"
                     "  {\"n\": 2, \"slot\": \"b\", \"files\": [{\"kind\": \"create\", \"path\": \"b/y\"}],\n"
                     "   \"depends\": [3]},\n"
                     "  {\"n\": 3, \"slot\": \"c\", \"files\": [{\"kind\": \"delete\", \"path\": \"c/z\"}, {\"kind\":\"test\",\"path\":\"c/t\"}], \"depends\": [2], \"x\": 1}\n"
                     "]}\n";
  struct bones_plan *p = bones_plan_parse("P.json", text, strlen(text), BONES_PLAN_JSON);
  dump(p);
  assert_true(has(p, "dependency-cycle", 3) || has(p, "dependency-cycle", 5));
  assert_true(has(p, "bad-file-line", 5));
  assert_true(has(p, "bad-json", 5)); /* the unknown member */
  assert_int_equal(p->tasks[0].wave, 1);
  assert_int_equal(p->tasks[1].wave, 0);
  assert_int_equal(p->nwaves, 1);
  bones_plan_free(p);
  expect_one("{\"tasks\": [1,", "bad-json", 1);
  p = parse("{\"tasks\": [\n 7,\n \"x\",\n\n {\"n\": 1, \"slot\": \"a\", \"files\": [{\"kind\": \"test\", \"path\": \"/a/t\"}]}]}");
  assert_true(has(p, "bad-json", 2));
  assert_true(has(p, "bad-json", 3));
  assert_true(has(p, "bad-path", 5)); /* the lines stay aligned after elements that are not objects */
  assert_int_equal(p->nerrors, 3);
  bones_plan_free(p);
  p = parse("\xef\xbb\xbf{\"tasks\": [{\"n\": 1, \"slot\": \"a\", \"files\": [{\"kind\": \"test\", \"path\": \"a/t\"}]}]}");
  assert_int_equal(p->format, BONES_PLAN_JSON); /* after a byte order mark */
  assert_int_equal(p->nerrors, 0);
  bones_plan_free(p);
  expect_one("{\"tasks\": []}", "empty-plan", 1);
  expect_one("{\"task\": []}", "bad-json", 1);
  expect_one("{\"tasks\": [{\"n\": 0, \"slot\": \"a\", \"files\": [{\"kind\": \"create\", \"path\": \"a/x\"}]}]}", "bad-number", 1);
  expect_one("{\"tasks\": [{\"n\": 1, \"files\": [{\"kind\": \"create\", \"path\": \"a/x\"}]}]}", "no-slot", 1);
  expect_one("{\"tasks\": [{\"n\": 1, \"slot\": 7, \"files\": [{\"kind\": \"create\", \"path\": \"a/x\"}]}]}", "bad-slot", 1);
  expect_one("{\"tasks\": [{\"n\": 1, \"slot\": \"a\", \"files\": [{\"kind\": \"create\", \"path\": \"a/x\\u0000\"}]}]}",
             "bad-json", 1); /* a NUL character is refused */
  expect_one("{\"tasks\": [{\"n\": 1, \"slot\": \"a\", \"files\": [{\"kind\": \"create\", \"path\": \"a/x\"}], "
             "\"depends\": \"2\"}]}",
             "bad-depends", 1);
}

#define T1 "### Task 1 [slot: a]\n**Files:**\n- Create: a/x.c\n"

static void every_markdown_violation_has_its_line(void **state) {
  (void)state;
  expect_one("### Task 1: no slot\n**Files:**\n- Create: a/x.c\n", "no-slot", 1);
  expect_one(T1 "### Task 1 [slot: b]\n**Files:**\n- Create: b/y.c\n", "duplicate-task", 4);
  expect_one(T1 "### Task [slot: b]\n**Files:**\n- Create: b/y.c\n", "bad-number", 4);
  expect_one(T1 "### Task 99999999999999999999 [slot: b]\n**Files:**\n- Create: b/y.c\n", "bad-number", 4);
  expect_one(T1 "### Task 2 [slot: B]\n**Files:**\n- Create: B/y.c\n", "bad-slot", 4);
  expect_one(T1 "### Task 2 [slot: 2b]\n**Files:**\n- Create: 2b/y.c\n", "bad-slot", 4);
  expect_one(T1 "### Task 2 [slot: b\n**Files:**\n- Create: b/y.c\n", "bad-slot", 4);
  expect_one(T1 "### Task 2 [slot: b]\nno files here\n", "no-files", 4);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: b/y.c\n- Delete: b/z.c\n", "bad-file-line", 7);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: b/x.c\n- Create: `b/y.c\n", "bad-file-line", 7);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: /b/y.c\n", "bad-path", 6);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: b/../y.c\n", "bad-path", 6);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: b/*.c\n", "bad-path", 6);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: b/y?.c\n", "bad-path", 6);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create:\n", "bad-path", 6);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: src/y.c\n", "slot-dir-missing", 6);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: x/b\n", "slot-dir-missing", 6); /* a file, not a dir */
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: x/b/1.c\n- Create: y/b/2.c\n", "slot-two-dirs", 7);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: x/b/1.c\n- Create: x/c/2.c\n", "outside-slot-dir", 7);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: a/b/1.c\n", "slot-dirs-overlap", 6);
  expect_one("### Task 1 [slot: a]\n**Files:**\n- Create: x/a/b/1.c\n### Task 2 [slot: b]\n**Files:**\n- Create: x/a/2.c\n",
             "slot-dir-missing", 6); /* b is a file name here, not a directory */
  expect_one(T1 "### Task 2 [slot: a]\n**Files:**\n- Create: a/y.c\n- Create: b/a/z.c\n", "slot-two-dirs", 7);
  expect_one(T1 "### Task 2 [slot: b]\n**Depends:** Task 7\n**Files:**\n- Create: b/y.c\n", "unknown-dependency", 5);
  expect_one(T1 "### Task 2 [slot: b]\n**Depends:** Task 2\n**Files:**\n- Create: b/y.c\n", "self-dependency", 5);
  expect_one(T1 "### Task 2 [slot: b]\n**Depends:** first\n**Files:**\n- Create: b/y.c\n", "bad-depends", 5);
  expect_one("**Files:**\n- Create: a/x.c\n" T1, "files-outside-task", 1);
  expect_one("**Depends:** Task 1\n" T1, "depends-outside-task", 1);
  expect_one("", "empty-plan", 1);
  expect_one("# Just a title\n\nsome text\n", "empty-plan", 1);
  expect_one(T1 "### Task 2 [slot: b]\n**Files:**\n- Create: b/\xff.c\n", "bad-utf8", 6);
  const char nul[] = T1 "x\0y\n";
  struct bones_plan *p = bones_plan_parse("P.md", nul, sizeof nul - 1, BONES_PLAN_MD);
  assert_true(has(p, "bad-utf8", 4));
  assert_int_equal(p->ntasks, 0);
  bones_plan_free(p);
}

static void same_slot_same_dir_is_fine(void **state) {
  (void)state;
  struct bones_plan *p =
      parse("### Task 1 [slot: auth]\n**Files:**\n- Create: src/auth/a.c\n- Test: src/auth/t/auth/b.c\n"
            "### Task 2 [slot: auth]\n**Files:**\n- Modify: src/auth/c.c\n"
            "### Task 3 [slot: authz]\n**Files:**\n- Modify: src/authz/c.c\n");
  dump(p);
  assert_int_equal(p->nerrors, 0);
  assert_int_equal(p->nslots, 2);
  assert_string_equal(p->slots[0].dir, "src/auth"); /* src/auth/ and src/authz/ do not overlap */
  assert_int_equal(p->nwaves, 1);
  assert_int_equal(p->waves[0].ntasks, 3);
  bones_plan_free(p);
}

static void cycles_are_named_and_waves_skip_them(void **state) {
  (void)state;
  struct bones_plan *p = parse("### Task 1 [slot: a]\n**Depends:** Task 3\n**Files:**\n- Create: a/x\n"
                               "### Task 2 [slot: b]\n**Depends:** Task 1\n**Files:**\n- Create: b/x\n"
                               "### Task 3 [slot: c]\n**Depends:** Task 2\n**Files:**\n- Create: c/x\n"
                               "### Task 4 [slot: d]\n**Depends:** Task 2\n**Files:**\n- Create: d/x\n"
                               "### Task 5 [slot: e]\n**Files:**\n- Create: e/x\n"
                               "### Task 6 [slot: f]\n**Depends:** Task 5\n**Files:**\n- Create: f/x\n");
  dump(p);
  assert_int_equal(p->nerrors, 1);
  assert_string_equal(p->errors[0].code, "dependency-cycle");
  assert_int_equal(p->errors[0].line, 6); /* found at Task 2's dependency on Task 1 */
  assert_string_equal(p->errors[0].message, "dependency cycle: Task 1 -> Task 3 -> Task 2 -> Task 1");
  for (int i = 0; i < 4; i++) assert_int_equal(p->tasks[i].wave, 0);
  assert_int_equal(p->tasks[4].wave, 1);
  assert_int_equal(p->tasks[5].wave, 2);
  assert_int_equal(p->nwaves, 2);
  bones_plan_free(p);
}

static void long_chains_and_diamonds(void **state) {
  (void)state;
  /* 2000 tasks, each depending on the one before: 2000 waves, no recursion */
  size_t n = 2000, cap = n * 96, off = 0;
  char *text = bones_xmalloc(cap);
  for (size_t i = 1; i <= n; i++)
    off += (size_t)snprintf(text + off, cap - off, "### Task %zu [slot: s%zu]\n**Depends:** %zu\n**Files:**\n- Create: s%zu/f\n",
                            i, i, i == 1 ? n + 1 : i - 1, i);
  struct bones_plan *p = parse(text);
  assert_int_equal(p->nerrors, 1); /* Task 1 depends on the missing Task 2001 */
  assert_true(has(p, "unknown-dependency", 2));
  assert_int_equal(p->nwaves, 0);
  bones_plan_free(p);
  char *fix = strstr(text, "2001");
  memcpy(fix, "none", 4);
  p = parse(text);
  dump(p);
  assert_int_equal(p->nerrors, 0);
  assert_int_equal(p->nwaves, n);
  assert_int_equal(p->tasks[n - 1].wave, (int)n);
  bones_plan_free(p);
  /* a long cycle is shortened in the message */
  fix = strstr(text, "none");
  memcpy(fix, "2000", 4);
  p = parse(text);
  assert_int_equal(p->nerrors, 1);
  assert_true(has(p, "dependency-cycle", 0));
  assert_non_null(strstr(p->errors[0].message, "(2000 tasks)"));
  bones_plan_free(p);
  free(text);
  /* a diamond: 4 waits for 2 and 3, both wait for 1 */
  p = parse("### Task 1 [slot: a]\n**Files:**\n- Create: a/x\n"
            "### Task 2 [slot: b]\n**Depends:** Task 1\n**Files:**\n- Create: b/x\n"
            "### Task 3 [slot: c]\n**Depends:** Task 1\n**Files:**\n- Create: c/x\n"
            "### Task 4 [slot: d]\n**Depends:** Task 3, Task 2\n**Files:**\n- Create: d/x\n");
  assert_int_equal(p->nerrors, 0);
  assert_int_equal(p->nwaves, 3);
  assert_int_equal(p->waves[1].ntasks, 2);
  assert_int_equal(p->tasks[3].wave, 3);
  bones_plan_free(p);
}

static void load_reports_unreadable_files(void **state) {
  (void)state;
  struct bones_plan *p = (struct bones_plan *)1;
  struct bones_error err;
  assert_int_equal(bones_plan_load("/nonexistent/plan.md", BONES_PLAN_AUTO, &p, &err), BONES_E_NOTFOUND);
  assert_null(p);
  /* forcing Markdown on JSON text finds no task */
  const char *j = "{\"tasks\": []}";
  p = bones_plan_parse("x", j, strlen(j), BONES_PLAN_MD);
  assert_true(has(p, "empty-plan", 1));
  bones_plan_free(p);
  bones_plan_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(markdown_plan_parses),
      cmocka_unit_test(json_form_round_trips),
      cmocka_unit_test(json_violations_name_the_task_line),
      cmocka_unit_test(every_markdown_violation_has_its_line),
      cmocka_unit_test(same_slot_same_dir_is_fine),
      cmocka_unit_test(cycles_are_named_and_waves_skip_them),
      cmocka_unit_test(long_chains_and_diamonds),
      cmocka_unit_test(load_reports_unreadable_files),
  };
  return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
