/* rich.c: `bones tasks comment|blocked|tree` and the richer part of
 * `tasks show` (description, acceptance, labels, notes, blocks edges). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rich_args.h"
#include "tasks_common.h"
#include "tasks_rich.h"
#include "tasks_verbs.h"
#include "text.h"
#include "util.h"

static const char *s(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "-";
}

static void print_briefs(const char *label, json_t *briefs) {
  size_t i;
  json_t *b;
  json_array_foreach(briefs, i, b) bones_term_printf(stdout, "%-17s %s %s %s\n", label, s(b, "id"), s(b, "status"), s(b, "title"));
}

void tasks_print_rich(json_t *task, json_t *blocked_by, json_t *blocking) {
  const char *d = json_string_value(json_object_get(task, "description"));
  const char *a = json_string_value(json_object_get(task, "acceptance"));
  size_t i;
  json_t *v;
  if (json_array_size(json_object_get(task, "labels"))) {
    bones_term_printf(stdout, "%-17s", "labels");
    json_array_foreach(json_object_get(task, "labels"), i, v) bones_term_printf(stdout, " %s", json_string_value(v));
    putchar('\n');
  }
  print_briefs("blocked by:", blocked_by);
  print_briefs("blocks:", blocking);
  if (d) bones_term_print_block(stdout, "description:", d);
  if (a) bones_term_print_block(stdout, "acceptance:", a);
  json_array_foreach(json_object_get(task, "notes"), i, v) {
    char label[160];
    snprintf(label, sizeof label, "note %s by %s:", s(v, "at"), s(v, "by"));
    bones_term_print_block(stdout, label, s(v, "text"));
  }
}

int tasks_comment_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc != 3) return bones_ctx_usage(ctx, "comment takes a task ID and a TEXT (or @FILE)");
  struct bones_error err;
  struct bones_tasks *t = NULL;
  char *id = NULL, *text = NULL;
  json_t *task = NULL;
  int rc = tasks_text_arg("the comment", argv[2], &text, &err);
  if (rc == BONES_OK) rc = tasks_open(ctx, &t, NULL, &err);
  if (rc == BONES_OK) rc = tasks_resolve(t, argv[1], &id, &err);
  if (rc == BONES_OK) rc = bones_task_comment(t, id, text, &task, &err);
  free(id);
  free(text);
  bones_tasks_free(t);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  return tasks_emit_task(ctx, "tasks.comment", "commented", task, 1);
}

/* Lists every task of the backlog (corrupt ones reported on stderr). */
static int list_all(struct bones_ctx *ctx, json_t **all, struct bones_error *err) {
  struct bones_tasks *t = NULL;
  json_t *corrupt = NULL;
  int rc = tasks_open(ctx, &t, NULL, err);
  if (rc == BONES_OK) rc = bones_tasks_list(t, all, &corrupt, err);
  bones_tasks_free(t);
  size_t i;
  json_t *c;
  json_array_foreach(corrupt, i, c)
      bones_term_printf(stderr, "bones: tasks: %s (left out)\n", json_string_value(json_object_get(c, "error")));
  json_decref(corrupt);
  return rc;
}

int tasks_blocked_run(struct bones_ctx *ctx, int argc, char **argv) {
  (void)argv;
  if (argc != 1) return bones_ctx_usage(ctx, "blocked takes no arguments");
  struct bones_error err;
  json_t *all = NULL;
  if (list_all(ctx, &all, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  json_t *blocked = bones_tasks_blocked(all);
  json_decref(all);
  if (bones_ctx_json(ctx))
    return bones_ctx_emit(ctx, "tasks.blocked",
                          json_pack("{s:o, s:i}", "tasks", blocked, "count", (int)json_array_size(blocked)));
  size_t i, j;
  json_t *b, *by;
  json_array_foreach(blocked, i, b) {
    bones_term_printf(stdout, "%s %-7s %s\n", s(b, "id"), s(b, "status"), s(b, "title"));
    json_array_foreach(json_object_get(b, "blockers"), j, by)
        bones_term_printf(stdout, "  blocked by %s %-7s %s\n", s(by, "id"), s(by, "status"), s(by, "title"));
  }
  if (json_array_size(blocked) == 0) bones_ctx_say(ctx, "(no blocked tasks)");
  json_decref(blocked);
  return 0;
}

/* ---- tree ---- */

struct tree {
  json_t *all;      /* every task */
  json_t *children; /* id -> array of child tasks, in list order */
  json_t *seen;     /* ids already placed */
  int json;
};

/* The subtree of task at depth: printed (human) or returned (JSON, a new
 * node).  A task met again (a cycle) is shown once more, marked, and not
 * descended into. */
static json_t *tree_node(struct tree *tr, json_t *task, int depth) {
  const char *id = s(task, "id");
  int again = json_object_get(tr->seen, id) != NULL;
  json_object_set_new(tr->seen, id, json_true());
  json_t *node = NULL;
  if (tr->json) {
    node = json_pack("{s:s, s:s, s:O}", "id", id, "status", s(task, "status"), "title", json_object_get(task, "title"));
    if (again) json_object_set_new(node, "cycle", json_true());
  } else {
    bones_term_printf(stdout, "%*s%s %-7s %s%s\n", depth * 2, "", id, s(task, "status"), s(task, "title"),
                      again ? " (cycle)" : "");
  }
  if (again) return node;
  json_t *kids = json_array();
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(tr->children, id), i, c) {
    json_t *k = tree_node(tr, c, depth + 1);
    if (k) json_array_append_new(kids, k);
  }
  if (node) json_object_set_new(node, "children", kids);
  else json_decref(kids);
  return node;
}

static json_t *find_id(json_t *all, const char *id) {
  size_t i;
  json_t *task;
  json_array_foreach(all, i, task) {
    if (strcmp(s(task, "id"), id) == 0) return task;
  }
  return NULL;
}

int tasks_tree_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 2) return bones_ctx_usage(ctx, "tree takes at most one task ID");
  struct bones_error err;
  char *root_id = NULL;
  if (argc == 2) {
    struct bones_tasks *t = NULL;
    int rc = tasks_open(ctx, &t, NULL, &err);
    if (rc == BONES_OK) rc = tasks_resolve(t, argv[1], &root_id, &err);
    bones_tasks_free(t);
    if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  }
  struct tree tr = {NULL, json_object(), json_object(), bones_ctx_json(ctx)};
  if (list_all(ctx, &tr.all, &err) != BONES_OK) {
    free(root_id);
    json_decref(tr.children);
    json_decref(tr.seen);
    return bones_ctx_fail(ctx, &err);
  }
  size_t i;
  json_t *task;
  json_array_foreach(tr.all, i, task) {
    const char *parent = json_string_value(json_object_get(task, "parent"));
    if (parent == NULL || find_id(tr.all, parent) == NULL) continue;
    json_t *kids = json_object_get(tr.children, parent);
    if (kids == NULL) json_object_set_new(tr.children, parent, kids = json_array());
    json_array_append(kids, task);
  }
  json_t *roots = json_array();
  int rc = 0;
  if (root_id) {
    task = find_id(tr.all, root_id);
    if (task == NULL) rc = bones_ctx_fail(ctx, (bones_error_set(&err, BONES_E_NOTFOUND, "no task %s", root_id), &err));
    else {
      json_t *n = tree_node(&tr, task, 0);
      if (n) json_array_append_new(roots, n);
    }
  } else {
    for (int pass = 0; pass < 2; pass++) { /* roots first, then what only a cycle reaches */
      json_array_foreach(tr.all, i, task) {
        const char *parent = json_string_value(json_object_get(task, "parent"));
        int root = parent == NULL || find_id(tr.all, parent) == NULL;
        if (json_object_get(tr.seen, s(task, "id")) || (pass == 0 && !root)) continue;
        json_t *n = tree_node(&tr, task, 0);
        if (n) json_array_append_new(roots, n);
      }
    }
  }
  if (rc == 0 && tr.json) rc = bones_ctx_emit(ctx, "tasks.tree", json_pack("{s:O}", "roots", roots));
  else if (rc == 0 && json_array_size(tr.all) == 0) bones_ctx_say(ctx, "(no tasks)");
  json_decref(roots);
  json_decref(tr.all);
  json_decref(tr.children);
  json_decref(tr.seen);
  free(root_id);
  return rc;
}
