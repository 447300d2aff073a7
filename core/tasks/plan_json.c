/* plan_json.c: the JSON form of a plan (docs/plan.md, JSON FORM):
 * {"tasks":[{"n":1,"title":"...","slot":"auth","files":[{"kind":"create",
 * "path":"src/auth/a.c"}],"depends":[2],"text":"..."}]}.  The data of
 * `bones plan validate --json` is accepted as it is (its derived members
 * are ignored).  Violations name the line of the task's object. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plan_int.h"
#include "util.h"

/* The line where each element of the top-level "tasks" array starts, in
 * order; a small scanner over the text (jansson keeps no positions).  *n
 * set; the caller frees the array. */
static int *task_lines(const char *text, size_t len, size_t *n) {
  int *lines = NULL;
  size_t count = 0;
  int line = 1, depth = 0, in_tasks = 0, want = 0; /* want: the next token starts an element */
  const char *key = NULL;                           /* the last string seen at depth 1 */
  size_t key_len = 0;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (c == '\n') line++;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (want && c != ']') {
      lines = bones_xrealloc(lines, (count + 1) * sizeof *lines);
      lines[count++] = line;
    }
    want = 0;
    if (c == '"') {
      size_t s = i + 1;
      for (i++; i < len && text[i] != '"'; i++) {
        if (text[i] == '\\') i++;
        else if (text[i] == '\n') line++;
      }
      if (depth == 1) {
        key = text + s;
        key_len = i - s;
      }
    } else if (c == '{' || c == '[') {
      if (c == '[' && depth == 1 && key && key_len == 5 && memcmp(key, "tasks", 5) == 0) in_tasks = want = 1;
      depth++;
    } else if (c == '}' || c == ']') {
      depth--;
      if (depth == 1) in_tasks = 0;
    } else if (c == ',' && depth == 2 && in_tasks) want = 1;
  }
  *n = count;
  return lines;
}

static const char *const derived[] = {"file", "format", "ok", "errors", "slots", "waves", NULL};

static int is_one_of(const char *k, const char *const *set) {
  for (; *set; set++)
    if (strcmp(k, *set) == 0) return 1;
  return 0;
}

static void read_files(struct bones_plan *plan, struct bones_plan_task *t, json_t *files, int line) {
  if (files == NULL) return;
  if (!json_is_array(files)) {
    plan_error(plan, line, "bad-json", "task %ld: \"files\" must be an array of {\"kind\",\"path\"}", t->n);
    return;
  }
  size_t i;
  json_t *f;
  json_array_foreach(files, i, f) {
    const char *kind = json_string_value(json_object_get(f, "kind"));
    const char *path = json_string_value(json_object_get(f, "path"));
    enum bones_plan_file_kind k;
    if (kind && strcmp(kind, "create") == 0) k = BONES_PLAN_CREATE;
    else if (kind && strcmp(kind, "modify") == 0) k = BONES_PLAN_MODIFY;
    else if (kind && strcmp(kind, "test") == 0) k = BONES_PLAN_TEST;
    else {
      plan_error(plan, line, "bad-file-line", "task %ld: file %zu needs \"kind\": \"create\", \"modify\" or \"test\"", t->n, i + 1);
      continue;
    }
    if (path == NULL) {
      plan_error(plan, line, "bad-file-line", "task %ld: file %zu needs a \"path\" string", t->n, i + 1);
      continue;
    }
    plan_add_file(t, k, path, line);
  }
}

static void read_depends(struct bones_plan *plan, struct bones_plan_task *t, json_t *deps, int line) {
  if (deps == NULL) return;
  size_t i;
  json_t *d;
  if (!json_is_array(deps)) {
    plan_error(plan, line, "bad-depends", "task %ld: \"depends\" must be an array of task numbers", t->n);
    return;
  }
  json_array_foreach(deps, i, d) {
    if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 1000000000) {
      plan_error(plan, line, "bad-depends", "task %ld: \"depends\" item %zu is not a task number", t->n, i + 1);
      continue;
    }
    plan_add_dep(t, (long)json_integer_value(d), line);
  }
}

static void read_task(struct bones_plan *plan, json_t *o, size_t index, int line) {
  if (!json_is_object(o)) {
    plan_error(plan, line, "bad-json", "tasks[%zu] is not an object", index);
    return;
  }
  struct bones_plan_task *t = plan_add_task(plan);
  t->line = line;
  json_t *n = json_object_get(o, "n");
  if (json_is_integer(n) && json_integer_value(n) >= 1 && json_integer_value(n) <= 1000000000) t->n = (long)json_integer_value(n);
  else plan_error(plan, line, "bad-number", "tasks[%zu] needs \"n\": a task number from 1 to 1000000000", index);
  const char *title = json_string_value(json_object_get(o, "title"));
  t->title = title && *title ? bones_xstrdup(title) : bones_xasprintf("Task %ld", t->n); /* jansson refuses NUL */
  json_t *slot = json_object_get(o, "slot");
  if (json_is_string(slot)) t->slot = bones_xstrdup(json_string_value(slot));
  else if (slot && !json_is_null(slot)) t->slot = bones_xstrdup(""); /* reported as a bad slot */
  const char *text = json_string_value(json_object_get(o, "text"));
  t->text = bones_xstrdup(text ? text : "");
  read_files(plan, t, json_object_get(o, "files"), line);
  read_depends(plan, t, json_object_get(o, "depends"), line);
  const char *k;
  json_t *v;
  static const char *const known[] = {"n", "title", "slot", "text", "files", "depends", "line", "wave", NULL};
  json_object_foreach(o, k, v) {
    if (!is_one_of(k, known)) plan_error(plan, line, "bad-json", "task %ld: unknown member \"%s\"", t->n, k);
  }
}

void plan_read_json(struct bones_plan *plan, const char *text, size_t len) {
  json_error_t jerr;
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) { /* a byte order mark */
    text += 3;
    len -= 3;
  }
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    plan_error(plan, jerr.line, "bad-json", "not valid JSON: %s", jerr.text);
    return;
  }
  json_t *tasks = json_object_get(root, "tasks");
  if (!json_is_object(root) || !json_is_array(tasks)) {
    plan_error(plan, 1, "bad-json", "a JSON plan is an object {\"tasks\": [...]}");
    json_decref(root);
    return;
  }
  const char *k;
  json_t *v;
  json_object_foreach(root, k, v) {
    if (strcmp(k, "tasks") != 0 && !is_one_of(k, derived)) plan_error(plan, 1, "bad-json", "unknown member \"%s\"", k);
  }
  size_t nlines = 0;
  int *lines = task_lines(text, len, &nlines);
  size_t i;
  json_array_foreach(tasks, i, v) read_task(plan, v, i, i < nlines ? lines[i] : 1);
  free(lines);
  json_decref(root);
}
