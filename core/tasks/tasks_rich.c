/* tasks_rich.c: description, acceptance, labels, notes, blocking edges
 * and JSON Lines export/import of task records (tasks_rich.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks_rich.h"
#include "text.h"
#include "util.h"

static const char *str_member(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

int bones_task_text_check(const char *what, const char *text, struct bones_error *err) {
  if (text == NULL) return BONES_OK;
  size_t len = strlen(text);
  if (len > BONES_TASK_TEXT_MAX)
    return bones_error_set(err, BONES_E_TOOLARGE, "%s is %zu bytes long (at most %d)", what, len, BONES_TASK_TEXT_MAX);
  return bones_utf8_check(what, text, err);
}

int bones_task_label_check(const char *label, struct bones_error *err) {
  size_t len = label ? strlen(label) : 0;
  if (len == 0) return bones_error_set(err, BONES_E_USAGE, "a label cannot be empty");
  if (len > BONES_TASK_LABEL_MAX)
    return bones_error_set(err, BONES_E_USAGE, "label is %zu bytes long (at most %d)", len, BONES_TASK_LABEL_MAX);
  if (bones_utf8_check("the label", label, err) != BONES_OK) return BONES_E_USAGE;
  for (const unsigned char *p = (const unsigned char *)label; *p; p++)
    if (*p < 0x20 || *p == 0x7f || *p == ' ' || *p == ',')
      return bones_error_set(err, BONES_E_USAGE, "label '%s': no spaces, commas or control characters",
                             label); /* the message is escaped where it is printed */
  return BONES_OK;
}

static int label_array_check(const char *what, json_t *a, size_t max, struct bones_error *err) {
  if (!json_is_array(a)) return bones_error_set(err, BONES_E_USAGE, "%s must be a list of labels", what);
  if (json_array_size(a) > max)
    return bones_error_set(err, BONES_E_USAGE, "%zu labels (at most %zu)", json_array_size(a), max);
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    if (!json_is_string(v)) return bones_error_set(err, BONES_E_USAGE, "%s must be a list of labels", what);
    int rc = bones_task_label_check(json_string_value(v), err);
    if (rc != BONES_OK) return rc;
  }
  return BONES_OK;
}

int bones_task_rich_changes_check(json_t *changes, struct bones_error *err) {
  static const char *const texts[] = {"description", "acceptance", NULL};
  for (int i = 0; texts[i]; i++) {
    json_t *v = json_object_get(changes, texts[i]);
    if (v == NULL || json_is_null(v)) continue;
    if (!json_is_string(v)) return bones_error_set(err, BONES_E_USAGE, "%s must be a text", texts[i]);
    int rc = bones_task_text_check(texts[i], json_string_value(v), err);
    if (rc != BONES_OK) return rc;
  }
  int rc = BONES_OK;
  json_t *v;
  if (rc == BONES_OK && (v = json_object_get(changes, "labels")))
    rc = label_array_check("labels", v, BONES_TASK_LABELS_MAX, err);
  if (rc == BONES_OK && (v = json_object_get(changes, "add_labels")))
    rc = label_array_check("labels", v, BONES_TASK_LABELS_MAX, err);
  if (rc == BONES_OK && (v = json_object_get(changes, "remove_labels"))) rc = label_array_check("labels", v, SIZE_MAX, err);
  return rc;
}

int bones_task_has_label(json_t *task, const char *label) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(task, "labels"), i, v) {
    if (json_is_string(v) && strcmp(json_string_value(v), label) == 0) return 1;
  }
  return 0;
}

static int cmp_label(const void *a, const void *b) {
  return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

int bones_task_labels_apply(json_t *task, json_t *names, int add, int *changed, struct bones_error *err) {
  json_t *old = json_object_get(task, "labels");
  json_t *set = json_object(); /* label -> true */
  size_t i;
  json_t *v;
  json_array_foreach(old, i, v) {
    if (json_is_string(v)) json_object_set_new(set, json_string_value(v), json_true());
  }
  json_array_foreach(names, i, v) {
    if (add) json_object_set_new(set, json_string_value(v), json_true());
    else json_object_del(set, json_string_value(v));
  }
  size_t n = json_object_size(set);
  if (n > BONES_TASK_LABELS_MAX) {
    json_decref(set);
    return bones_error_set(err, BONES_E_USAGE, "task %s would have %zu labels (at most %d)", str_member(task, "id"), n,
                           BONES_TASK_LABELS_MAX);
  }
  json_t **sorted = bones_xcalloc(n + 1, sizeof *sorted);
  const char *k;
  size_t j = 0;
  json_object_foreach(set, k, v) sorted[j++] = json_string(k);
  qsort(sorted, n, sizeof *sorted, cmp_label);
  json_t *labels = json_array();
  for (j = 0; j < n; j++) json_array_append_new(labels, sorted[j]);
  free(sorted);
  json_decref(set);
  int same = old ? json_equal(labels, old) : n == 0;
  if (!same) {
    json_object_set_new(task, "labels", labels);
    *changed = 1;
  } else {
    json_decref(labels);
  }
  return BONES_OK;
}

static int comment_fn(struct bones_tasks *t, json_t *task, void *arg, const char **kind, struct bones_error *err) {
  (void)err;
  char now[40];
  bones_format_time(bones_now_ms(), now, sizeof now);
  json_t *notes = json_object_get(task, "notes");
  if (!json_is_array(notes)) json_object_set_new(task, "notes", notes = json_array());
  json_array_append_new(notes, json_pack("{s:s, s:s, s:s}", "at", now, "by", bones_tasks_agent(t), "text", (const char *)arg));
  *kind = "commented";
  return BONES_OK;
}

int bones_task_comment(struct bones_tasks *t, const char *id, const char *text, json_t **task,
                       struct bones_error *err) {
  if (text == NULL || *text == '\0') return bones_error_set(err, BONES_E_USAGE, "a comment needs a text");
  int rc = bones_task_text_check("the comment", text, err);
  if (rc != BONES_OK) return rc;
  return bones_task_mutate(t, id, comment_fn, (void *)text, task, NULL, err);
}

static json_t *find_task(json_t *tasks, const char *id) {
  size_t i;
  json_t *task;
  json_array_foreach(tasks, i, task) {
    if (strcmp(str_member(task, "id") ?: "", id) == 0) return task;
  }
  return NULL;
}

static json_t *brief(json_t *tasks, const char *id) {
  json_t *task = find_task(tasks, id);
  json_t *b = json_pack("{s:s}", "id", id);
  json_object_set_new(b, "status", task ? json_string(str_member(task, "status")) : json_null());
  json_object_set(b, "title", task ? json_object_get(task, "title") : json_null());
  return b;
}

static int is_closed(json_t *task) { return strcmp(str_member(task, "status") ?: "", "closed") == 0; }

/* 1 when task has a blocks edge to id. */
static int blocks(json_t *task, const char *id) {
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(task, "edges"), i, e) {
    const char *type = str_member(e, "type"), *target = str_member(e, "target");
    if (type && target && strcmp(type, "blocks") == 0 && strcmp(target, id) == 0) return 1;
  }
  return 0;
}

void bones_task_block_edges(json_t *tasks, const char *id, json_t **blocked_by, json_t **blocking) {
  *blocked_by = json_array();
  *blocking = json_array();
  size_t i;
  json_t *task;
  json_array_foreach(tasks, i, task) {
    if (!is_closed(task) && blocks(task, id)) json_array_append_new(*blocked_by, brief(tasks, str_member(task, "id")));
  }
  json_t *self = find_task(tasks, id);
  json_t *seen = json_object();
  json_t *e;
  json_array_foreach(json_object_get(self, "edges"), i, e) {
    const char *type = str_member(e, "type"), *target = str_member(e, "target");
    if (!type || !target || strcmp(type, "blocks") != 0 || json_object_get(seen, target)) continue;
    json_object_set_new(seen, target, json_true());
    json_array_append_new(*blocking, brief(tasks, target));
  }
  json_decref(seen);
}

json_t *bones_tasks_blocked(json_t *tasks) {
  json_t *out = json_array();
  size_t i;
  json_t *task;
  json_array_foreach(tasks, i, task) {
    if (is_closed(task)) continue;
    json_t *by = NULL, *blocking = NULL;
    bones_task_block_edges(tasks, str_member(task, "id"), &by, &blocking);
    json_decref(blocking);
    if (json_array_size(by) == 0) {
      json_decref(by);
      continue;
    }
    json_t *b = brief(tasks, str_member(task, "id"));
    json_object_set_new(b, "blockers", by);
    json_array_append_new(out, b);
  }
  return out;
}

char *bones_tasks_export_text(json_t *tasks) {
  size_t cap = 4096, used = 0;
  char *buf = bones_xmalloc(cap);
  buf[0] = '\0';
  size_t i;
  json_t *task;
  json_array_foreach(tasks, i, task) {
    char *line = json_dumps(task, JSON_COMPACT | JSON_SORT_KEYS);
    if (line == NULL) continue;
    size_t n = strlen(line);
    while (used + n + 2 > cap) buf = bones_xrealloc(buf, cap *= 2);
    memcpy(buf + used, line, n);
    used += n;
    buf[used++] = '\n';
    buf[used] = '\0';
    free(line);
  }
  return buf;
}

/* 1 when notes is absent or an array of {at, by, text} strings. */
static int notes_sound(json_t *notes) {
  if (notes == NULL) return 1;
  if (!json_is_array(notes)) return 0;
  size_t i;
  json_t *n;
  json_array_foreach(notes, i, n) {
    if (!json_is_string(json_object_get(n, "at")) || !json_is_string(json_object_get(n, "by")) ||
        !json_is_string(json_object_get(n, "text")))
      return 0;
  }
  return 1;
}

int bones_tasks_import_parse(const char *text, size_t len, json_t **records, struct bones_error *err) {
  *records = NULL;
  json_t *out = json_array(), *ids = json_object();
  char bad[512] = "";
  size_t nbad = 0, lineno = 0;
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    lineno++;
    const char *problem = NULL;
    json_error_t jerr;
    json_t *r = NULL;
    if (n == 0 || (n == 1 && p[0] == '\r')) goto next;
    if (!bones_utf8_valid(p, n)) problem = "not valid UTF-8";
    else if ((r = json_loadb(p, n, 0, &jerr)) == NULL) problem = "not JSON";
    else if ((problem = bones_task_record_problem(r)) == NULL) {
      if (json_object_get(ids, str_member(r, "id"))) problem = "the id appears twice";
      else if (bones_task_rich_changes_check(r, err) != BONES_OK) problem = "bad description, acceptance or labels";
      else if (!notes_sound(json_object_get(r, "notes"))) problem = "notes is not a list of {at, by, text}";
    }
    if (problem) {
      json_decref(r);
      if (nbad++ < 8) {
        size_t used = strlen(bad);
        snprintf(bad + used, sizeof bad - used, "%sline %zu: %s", used ? "; " : "", lineno, problem);
      }
    } else {
      json_object_set_new(ids, str_member(r, "id"), json_true());
      json_array_append_new(out, r);
    }
  next:
    p = nl ? nl + 1 : end;
  }
  json_decref(ids);
  if (nbad) {
    json_decref(out);
    bones_error_set(err, BONES_E_USAGE, "%zu bad line%s (nothing imported): %s%s", nbad, nbad == 1 ? "" : "s", bad,
                    nbad > 8 ? "; ..." : "");
    return BONES_E_USAGE;
  }
  *records = out;
  return BONES_OK;
}
