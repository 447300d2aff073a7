/* plan_check.c: the rules over a plan's tasks (docs/plan.md, VIOLATIONS):
 * task numbers, slot names, paths, files, and slot directories -- a
 * slot's directory is the path of its first file up to the last directory
 * named after the slot; every file of the slot lies inside it, and no two
 * slots' directories overlap. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"
#include "text.h"
#include "util.h"

int plan_slot_name_ok(const char *name) {
  size_t n = strlen(name);
  if (n < 1 || n > 64 || !(name[0] >= 'a' && name[0] <= 'z')) return 0;
  for (size_t i = 1; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return 0;
  }
  return 1;
}

/* 1 when path is a clean relative path without glob characters; else
 * reports it at line and returns 0. */
static int path_ok(struct bones_plan *plan, const char *path, int line) {
  struct bones_error err;
  if (bones_relpath_check("file", path, &err) != BONES_OK) {
    plan_error(plan, line, "bad-path", "%s", err.message);
    return 0;
  }
  if (strpbrk(path, "*?[")) {
    plan_error(plan, line, "bad-path", "file '%s' has a glob character ('*', '?' or '['): name each file", path);
    return 0;
  }
  return 1;
}

/* The malloc'd prefix of path up to its last directory component equal to
 * slot ("src/auth/x/auth/a.c", "auth" -> "src/auth/x/auth"), or NULL. */
static char *slot_dir_of(const char *path, const char *slot) {
  size_t sl = strlen(slot);
  const char *best = NULL;
  for (const char *c = path;;) {
    const char *slash = strchr(c, '/');
    if (slash == NULL) break; /* the last component is the file itself */
    if ((size_t)(slash - c) == sl && strncmp(c, slot, sl) == 0) best = slash;
    c = slash + 1;
  }
  return best ? bones_xstrndup(path, (size_t)(best - path)) : NULL;
}

static int inside(const char *path, const char *dir) {
  size_t n = strlen(dir);
  return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static struct bones_plan_slot *slot_named(struct bones_plan *plan, const char *name) {
  for (size_t i = 0; i < plan->nslots; i++)
    if (strcmp(plan->slots[i].name, name) == 0) return &plan->slots[i];
  plan->slots = bones_xrealloc(plan->slots, (plan->nslots + 1) * sizeof *plan->slots);
  struct bones_plan_slot *s = &plan->slots[plan->nslots++];
  memset(s, 0, sizeof *s);
  s->name = bones_xstrdup(name);
  return s;
}

/* "Task 3", or "the task" when its heading had no number. */
static const char *task_label(const struct bones_plan_task *t, char *buf, size_t size) {
  if (t->n <= 0) return "the task";
  snprintf(buf, size, "Task %ld", t->n);
  return buf;
}

static void check_tasks(struct bones_plan *plan, unsigned char *good_path_of_task_file[]) {
  for (size_t i = 0; i < plan->ntasks; i++) {
    struct bones_plan_task *t = &plan->tasks[i];
    char buf[48];
    const char *label = task_label(t, buf, sizeof buf);
    if (t->n > 0)
      for (size_t j = 0; j < i; j++)
        if (plan->tasks[j].n == t->n) {
          plan_error(plan, t->line, "duplicate-task", "Task %ld is already defined at line %d", t->n, plan->tasks[j].line);
          break;
        }
    if (t->slot == NULL)
      plan_error(plan, t->line, "no-slot", "%s has no slot: add `[slot: name]` to its heading", label);
    else if (!plan_slot_name_ok(t->slot))
      plan_error(plan, t->line, "bad-slot",
                 "%s: slot name '%s' is invalid (a lower-case letter, then up to 63 of a-z 0-9 _ -)", label, t->slot);
    if (t->nfiles == 0) plan_error(plan, t->line, "no-files", "%s lists no files: add a **Files:** block", label);
    good_path_of_task_file[i] = bones_xcalloc(t->nfiles ? t->nfiles : 1, 1);
    for (size_t f = 0; f < t->nfiles; f++) good_path_of_task_file[i][f] = (unsigned char)path_ok(plan, t->files[f].path, t->files[f].line);
  }
}

void plan_check(struct bones_plan *plan) {
  unsigned char **good = bones_xcalloc(plan->ntasks ? plan->ntasks : 1, sizeof *good);
  check_tasks(plan, good);
  /* the slots, in order of first appearance, and their directories */
  int *dir_line = NULL;
  for (size_t i = 0; i < plan->ntasks; i++) {
    struct bones_plan_task *t = &plan->tasks[i];
    if (t->slot == NULL || !plan_slot_name_ok(t->slot)) continue;
    size_t before = plan->nslots;
    struct bones_plan_slot *s = slot_named(plan, t->slot);
    size_t si = (size_t)(s - plan->slots);
    if (plan->nslots != before) {
      dir_line = bones_xrealloc(dir_line, plan->nslots * sizeof *dir_line);
      dir_line[si] = 0; /* 0: no file seen yet; -1: the first file had no directory */
    }
    s->tasks = bones_xrealloc(s->tasks, (s->ntasks + 1) * sizeof *s->tasks);
    s->tasks[s->ntasks++] = i;
    for (size_t f = 0; f < t->nfiles; f++) {
      if (!good[i][f]) continue;
      const struct bones_plan_file *file = &t->files[f];
      if (dir_line[si] == 0) {
        s->dir = slot_dir_of(file->path, s->name);
        dir_line[si] = s->dir ? file->line : -1;
        if (s->dir == NULL)
          plan_error(plan, file->line, "slot-dir-missing",
                     "slot '%s': its first file %s has no directory named '%s' (the slot's directory is the path up to "
                     "the last directory named after the slot)",
                     s->name, file->path, s->name);
        continue;
      }
      if (s->dir == NULL || inside(file->path, s->dir)) continue;
      char *other = slot_dir_of(file->path, s->name);
      if (other)
        plan_error(plan, file->line, "slot-two-dirs", "slot '%s' spans two directories: %s (line %d) and %s", s->name,
                   s->dir, dir_line[si], other);
      else
        plan_error(plan, file->line, "outside-slot-dir", "%s is outside the directory %s/ of slot '%s'", file->path, s->dir, s->name);
      free(other);
    }
  }
  for (size_t j = 0; j < plan->nslots; j++)
    for (size_t i = 0; i < j; i++) {
      const char *a = plan->slots[i].dir, *b = plan->slots[j].dir;
      if (a == NULL || b == NULL) continue;
      if (strcmp(a, b) == 0 || inside(a, b) || inside(b, a))
        plan_error(plan, dir_line[j], "slot-dirs-overlap", "slot '%s' (%s/) overlaps slot '%s' (%s/, line %d): slot directories must be disjoint",
                   plan->slots[j].name, b, plan->slots[i].name, a, dir_line[i]);
    }
  for (size_t i = 0; i < plan->ntasks; i++) free(good[i]);
  free(good);
  free(dir_line);
}
