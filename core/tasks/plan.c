/* plan.c: a plan's life: load, parse (dispatching to the Markdown or JSON
 * reader), the checks and waves, the JSON view, free (plan.h). */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"
#include "text.h"
#include "util.h"

void plan_error(struct bones_plan *plan, int line, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = NULL;
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  msg = bones_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
  if (n >= 0) vsnprintf(msg, (size_t)n + 1, fmt, ap);
  else msg[0] = '\0';
  va_end(ap);
  plan->errors = bones_xrealloc(plan->errors, (plan->nerrors + 1) * sizeof *plan->errors);
  struct bones_plan_error *e = &plan->errors[plan->nerrors++];
  e->line = line < 1 ? 1 : line;
  e->code = bones_xstrdup(code);
  e->message = msg;
}

struct bones_plan_task *plan_add_task(struct bones_plan *plan) {
  plan->tasks = bones_xrealloc(plan->tasks, (plan->ntasks + 1) * sizeof *plan->tasks);
  struct bones_plan_task *t = &plan->tasks[plan->ntasks++];
  memset(t, 0, sizeof *t);
  return t;
}

void plan_add_file(struct bones_plan_task *task, enum bones_plan_file_kind kind, const char *path, int line) {
  task->files = bones_xrealloc(task->files, (task->nfiles + 1) * sizeof *task->files);
  struct bones_plan_file *f = &task->files[task->nfiles++];
  f->kind = kind;
  f->path = bones_xstrdup(path);
  f->line = line;
}

void plan_add_dep(struct bones_plan_task *task, long n, int line) {
  task->depends = bones_xrealloc(task->depends, (task->ndepends + 1) * sizeof *task->depends);
  task->depends[task->ndepends].n = n;
  task->depends[task->ndepends++].line = line;
}

const char *bones_plan_kind_name(enum bones_plan_file_kind kind) {
  return kind == BONES_PLAN_MODIFY ? "modify" : kind == BONES_PLAN_TEST ? "test" : "create";
}

const struct bones_plan_task *bones_plan_task_by_n(const struct bones_plan *plan, long n) {
  for (size_t i = 0; i < plan->ntasks; i++)
    if (plan->tasks[i].n == n) return &plan->tasks[i];
  return NULL;
}

/* The 1-based line of the first byte that is not valid UTF-8 (a NUL byte
 * included), or 0 when all of text is. */
static int first_bad_utf8_line(const char *text, size_t len) {
  int line = 1;
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || text[i] == '\n') {
      if (!bones_utf8_valid(text + start, i - start)) return line;
      line++;
      start = i + 1;
    }
  }
  return 0;
}

static int by_line(const void *a, const void *b) {
  const struct bones_plan_error *x = a, *y = b;
  return (x->line > y->line) - (x->line < y->line);
}

/* A stable sort by line (insertion: violations are few and mostly sorted). */
static void sort_errors(struct bones_plan *plan) {
  for (size_t i = 1; i < plan->nerrors; i++) {
    struct bones_plan_error e = plan->errors[i];
    size_t j = i;
    while (j > 0 && by_line(&plan->errors[j - 1], &e) > 0) {
      plan->errors[j] = plan->errors[j - 1];
      j--;
    }
    plan->errors[j] = e;
  }
}

static int looks_like_json(const char *text, size_t len) {
  size_t i = 0;
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) i = 3; /* a BOM */
  while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) i++;
  return i < len && text[i] == '{';
}

struct bones_plan *bones_plan_parse(const char *name, const char *text, size_t len, enum bones_plan_format format) {
  struct bones_plan *plan = bones_xcalloc(1, sizeof *plan);
  plan->file = bones_xstrdup(name ? name : "-");
  if (format == BONES_PLAN_AUTO) format = looks_like_json(text, len) ? BONES_PLAN_JSON : BONES_PLAN_MD;
  plan->format = format;
  int bad = first_bad_utf8_line(text, len);
  if (bad) {
    plan_error(plan, bad, "bad-utf8", "not valid UTF-8 (or a NUL byte): the plan must be UTF-8 text");
    return plan;
  }
  char *copy = bones_xstrndup(text, len);
  if (format == BONES_PLAN_JSON) plan_read_json(plan, copy, len);
  else plan_read_md(plan, copy);
  free(copy);
  if (plan->ntasks == 0 && plan->nerrors == 0)
    plan_error(plan, 1, "empty-plan",
               format == BONES_PLAN_JSON ? "the plan has no tasks" : "the plan has no tasks (no `### Task N` heading)");
  plan_check(plan);
  plan_waves(plan);
  sort_errors(plan);
  return plan;
}

int bones_plan_load(const char *path, enum bones_plan_format format, struct bones_plan **out,
                    struct bones_error *err) {
  *out = NULL;
  char *data = NULL;
  size_t len = 0;
  int rc = bones_read_file(path, BONES_PLAN_MAX, &data, &len, err);
  if (rc != BONES_OK) return rc;
  *out = bones_plan_parse(path, data, len, format);
  free(data);
  return BONES_OK;
}

static json_t *numbers_json(const long *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer(v[i]));
  return a;
}

static json_t *task_json(const struct bones_plan_task *t) {
  json_t *files = json_array(), *deps = json_array();
  for (size_t i = 0; i < t->nfiles; i++)
    json_array_append_new(files, json_pack("{s:s,s:o,s:i}", "kind", bones_plan_kind_name(t->files[i].kind), "path",
                                           bones_utf8_json(t->files[i].path), "line", t->files[i].line));
  for (size_t i = 0; i < t->ndepends; i++) json_array_append_new(deps, json_integer(t->depends[i].n));
  return json_pack("{s:I,s:o,s:o,s:i,s:o,s:o,s:o,s:o}", "n", (json_int_t)t->n, "title", bones_utf8_json(t->title),
                   "slot", t->slot ? bones_utf8_json(t->slot) : json_null(), "line", t->line, "files", files,
                   "depends", deps, "wave", t->wave > 0 ? json_integer(t->wave) : json_null(), "text",
                   bones_utf8_json(t->text));
}

json_t *bones_plan_json(const struct bones_plan *plan) {
  json_t *errors = json_array(), *slots = json_array(), *tasks = json_array(), *waves = json_array();
  for (size_t i = 0; i < plan->nerrors; i++) {
    const struct bones_plan_error *e = &plan->errors[i];
    json_array_append_new(errors, json_pack("{s:o,s:i,s:o,s:s}", "file", bones_utf8_json(plan->file), "line", e->line,
                                            "message", bones_utf8_json(e->message), "code", e->code));
  }
  for (size_t i = 0; i < plan->nslots; i++) {
    const struct bones_plan_slot *s = &plan->slots[i];
    json_t *ns = json_array();
    for (size_t j = 0; j < s->ntasks; j++) json_array_append_new(ns, json_integer(plan->tasks[s->tasks[j]].n));
    json_array_append_new(slots, json_pack("{s:o,s:o,s:o}", "name", bones_utf8_json(s->name), "dir",
                                           s->dir ? bones_utf8_json(s->dir) : json_null(), "tasks", ns));
  }
  for (size_t i = 0; i < plan->ntasks; i++) json_array_append_new(tasks, task_json(&plan->tasks[i]));
  for (size_t i = 0; i < plan->nwaves; i++)
    json_array_append_new(waves, numbers_json(plan->waves[i].tasks, plan->waves[i].ntasks));
  return json_pack("{s:o,s:s,s:b,s:o,s:o,s:o,s:o}", "file", bones_utf8_json(plan->file), "format",
                   plan->format == BONES_PLAN_JSON ? "json" : "md", "ok", plan->nerrors == 0, "errors", errors,
                   "slots", slots, "tasks", tasks, "waves", waves);
}

void bones_plan_free(struct bones_plan *plan) {
  if (plan == NULL) return;
  for (size_t i = 0; i < plan->ntasks; i++) {
    struct bones_plan_task *t = &plan->tasks[i];
    for (size_t j = 0; j < t->nfiles; j++) free(t->files[j].path);
    free(t->files);
    free(t->depends);
    free(t->title);
    free(t->slot);
    free(t->text);
  }
  free(plan->tasks);
  for (size_t i = 0; i < plan->nslots; i++) {
    free(plan->slots[i].name);
    free(plan->slots[i].dir);
    free(plan->slots[i].tasks);
  }
  free(plan->slots);
  for (size_t i = 0; i < plan->nwaves; i++) free(plan->waves[i].tasks);
  free(plan->waves);
  for (size_t i = 0; i < plan->nerrors; i++) {
    free(plan->errors[i].code);
    free(plan->errors[i].message);
  }
  free(plan->errors);
  free(plan->file);
  free(plan);
}
