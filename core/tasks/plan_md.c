/* plan_md.c: the Markdown form of a plan (docs/plan.md, GRAMMAR): a task
 * is a `### Task N: title [slot: name]` heading and its section (up to the
 * next heading of level 1 to 3); inside it a `**Files:**` line starts a
 * list of `- Create|Modify|Test: path` items and a `**Depends:**` line
 * names the tasks it waits for.  Fenced code blocks are skipped. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan_int.h"
#include "util.h"

static const char *skip_blank(const char *s) {
  while (*s == ' ' || *s == '\t') s++;
  return s;
}

/* A copy of [s, e) without blanks at either end. */
static char *trimmed(const char *s, const char *e) {
  while (s < e && (*s == ' ' || *s == '\t')) s++;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
  return bones_xstrndup(s, (size_t)(e - s));
}

/* The level (1-6) of an ATX heading line, else 0. */
static int heading_level(const char *line) {
  const char *p = line;
  for (int i = 0; i < 3 && *p == ' '; i++) p++;
  int n = 0;
  while (p[n] == '#') n++;
  if (n < 1 || n > 6) return 0;
  return (p[n] == ' ' || p[n] == '\t' || p[n] == '\0') ? n : 0;
}

/* 1 when line opens or closes a fenced code block (``` or ~~~). */
static int is_fence(const char *line) {
  const char *p = line;
  for (int i = 0; i < 3 && *p == ' '; i++) p++;
  return strncmp(p, "```", 3) == 0 || strncmp(p, "~~~", 3) == 0;
}

/* When line (blanks skipped) starts with the bold label "**NAME:**" or
 * "**NAME**:" (NAME compared without case), the text after it, else NULL. */
static const char *after_label(const char *line, const char *name) {
  const char *p = skip_blank(line);
  size_t n = strlen(name);
  if (strncmp(p, "**", 2) != 0 || strncasecmp(p + 2, name, n) != 0) return NULL;
  p += 2 + n;
  if (strncmp(p, ":**", 3) == 0) return p + 3;
  if (strncmp(p, "**:", 3) == 0) return p + 3;
  return NULL;
}

/* Strips separators (":", "-", en and em dashes) and blanks off the front of s. */
static const char *skip_separators(const char *s) {
  for (;;) {
    s = skip_blank(s);
    if (*s == ':' || *s == '-') s++;
    else if (strncmp(s, "\xe2\x80\x93", 3) == 0 || strncmp(s, "\xe2\x80\x94", 3) == 0) s += 3;
    else return s;
  }
}

/* The heading text after "### ": "Task N[: title] [slot: name]" (1) or
 * another heading (0).  Fills the task's number, title and slot. */
static int read_heading(struct bones_plan *plan, const char *h, int line) {
  if (strncmp(h, "Task", 4) != 0 || (h[4] != ' ' && h[4] != '\t' && h[4] != '\0')) return 0;
  struct bones_plan_task *t = plan_add_task(plan);
  t->line = line;
  const char *p = skip_blank(h + 4);
  if (isdigit((unsigned char)*p)) {
    errno = 0;
    char *end;
    long n = strtol(p, &end, 10);
    if (errno || n < 1 || n > 1000000000L) plan_error(plan, line, "bad-number", "task number %.*s is out of range (1 to 1000000000)", (int)(end - p), p);
    else t->n = n;
    p = end;
  } else {
    plan_error(plan, line, "bad-number", "a `### Task` heading needs a number: `### Task 3: title [slot: name]`");
  }
  /* the slot tag, anywhere after the number */
  char *rest = bones_xstrdup(p);
  char *tag = NULL;
  for (char *q = rest; (q = strchr(q, '[')) != NULL; q++) {
    const char *r = skip_blank(q + 1);
    if (strncasecmp(r, "slot:", 5) == 0) {
      tag = q;
      break;
    }
  }
  if (tag) {
    const char *name = skip_blank(strchr(tag, ':') + 1);
    char *close = strchr(name, ']');
    if (close == NULL) {
      plan_error(plan, line, "bad-slot", "the slot tag is not closed: write `[slot: name]`");
      t->slot = trimmed(name, name + strlen(name));
      *tag = '\0';
    } else {
      t->slot = trimmed(name, close);
      memmove(tag, close + 1, strlen(close + 1) + 1);
    }
  }
  char *title = trimmed(skip_separators(rest), rest + strlen(rest));
  free(rest);
  if (*title == '\0') {
    free(title);
    title = bones_xasprintf("Task %ld", t->n);
  }
  t->title = title;
  return 1;
}

/* A "- Create: `path`" item of a Files block: 1 when line is a list item
 * (read or reported), 0 when it is not one. */
static int read_file_item(struct bones_plan *plan, struct bones_plan_task *t, const char *line, int ln) {
  const char *p = skip_blank(line);
  if (!((*p == '-' || *p == '*' || *p == '+') && (p[1] == ' ' || p[1] == '\t'))) return 0;
  p = skip_blank(p + 1);
  static const struct {
    const char *word;
    enum bones_plan_file_kind kind;
  } kinds[] = {{"create", BONES_PLAN_CREATE}, {"modify", BONES_PLAN_MODIFY}, {"test", BONES_PLAN_TEST}};
  size_t k;
  for (k = 0; k < 3; k++) {
    size_t n = strlen(kinds[k].word);
    if (strncasecmp(p, kinds[k].word, n) == 0 && p[n] == ':') break;
  }
  if (k == 3) {
    plan_error(plan, ln, "bad-file-line", "a Files item must read `- Create|Modify|Test: path`");
    return 1;
  }
  p = skip_blank(p + strlen(kinds[k].word) + 1);
  char *path;
  if (*p == '`') {
    const char *close = strchr(p + 1, '`');
    if (close == NULL) {
      plan_error(plan, ln, "bad-file-line", "the path's backtick is not closed");
      return 1;
    }
    path = bones_xstrndup(p + 1, (size_t)(close - p - 1));
  } else {
    const char *e = p;
    while (*e && *e != ' ' && *e != '\t') e++;
    path = bones_xstrndup(p, (size_t)(e - p));
  }
  /* a line range "path:12" or "path:12-40" names a part of the file */
  char *colon = strrchr(path, ':');
  if (colon && isdigit((unsigned char)colon[1])) {
    const char *q = colon + 1;
    while (isdigit((unsigned char)*q)) q++;
    if (*q == '-' && isdigit((unsigned char)q[1]))
      for (q++; isdigit((unsigned char)*q);) q++;
    if (*q == '\0') *colon = '\0';
  }
  plan_add_file(t, kinds[k].kind, path, ln);
  free(path);
  return 1;
}

/* "Task 1, Task 3", "1, 3", "#2" or "none" after **Depends:**. */
static void read_depends(struct bones_plan *plan, struct bones_plan_task *t, const char *list, int ln) {
  char *copy = bones_xstrdup(list);
  char *all = trimmed(copy, copy + strlen(copy));
  free(copy);
  if (*all == '\0' || strcasecmp(all, "none") == 0 || strcmp(all, "-") == 0) {
    free(all);
    return;
  }
  char *save = NULL;
  for (char *item = strtok_r(all, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    const char *p = skip_blank(item);
    if (strncasecmp(p, "task", 4) == 0) p = skip_blank(p + 4);
    if (*p == '#') p++;
    char *end = NULL;
    errno = 0;
    long n = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : 0;
    if (end) end = (char *)skip_blank(end);
    if (n < 1 || errno || end == NULL || *end != '\0' || n > 1000000000L) {
      char *shown = trimmed(item, item + strlen(item));
      plan_error(plan, ln, "bad-depends", "'%s' is not a task: write `**Depends:** Task 1, Task 3` (or `none`)", shown);
      free(shown);
      continue;
    }
    plan_add_dep(t, n, ln);
  }
  free(all);
}

void plan_read_md(struct bones_plan *plan, const char *text) {
  int ln = 0, fence = 0, in_files = 0, files_items = 0;
  struct bones_plan_task *t = NULL;
  const char *section = NULL; /* where the current task's text starts */
  const char *p = text;
  if (strncmp(p, "\xef\xbb\xbf", 3) == 0) p += 3;
  while (*p) {
    const char *eol = strchr(p, '\n');
    const char *next = eol ? eol + 1 : p + strlen(p);
    size_t len = (size_t)((eol ? eol : next) - p);
    if (len && p[len - 1] == '\r') len--;
    char *line = bones_xstrndup(p, len);
    ln++;
    int level = fence ? 0 : heading_level(line);
    if (is_fence(line)) {
      fence = !fence;
      in_files = 0;
    } else if (level >= 1 && level <= 3) {
      if (t) t->text = bones_xstrndup(section, (size_t)(p - section));
      t = NULL;
      in_files = 0;
      if (level == 3 && read_heading(plan, skip_blank(strchr(line, '#') + 3), ln)) {
        t = &plan->tasks[plan->ntasks - 1];
        section = p;
      }
    } else if (!fence) {
      const char *v;
      if (in_files) {
        if (read_file_item(plan, t, line, ln)) files_items++;
        else if (*skip_blank(line) == '\0' && files_items == 0) { /* a blank line before the list */
        } else in_files = 0;
      }
      if (in_files) {
      } else if (after_label(line, "Files") != NULL) {
        if (t == NULL) plan_error(plan, ln, "files-outside-task", "a **Files:** block outside a `### Task N` section");
        else {
          in_files = 1;
          files_items = 0;
        }
      } else if ((v = after_label(line, "Depends")) != NULL || (v = after_label(line, "Depends on")) != NULL) {
        if (t == NULL) plan_error(plan, ln, "depends-outside-task", "a **Depends:** line outside a `### Task N` section");
        else read_depends(plan, t, v, ln);
      }
    }
    free(line);
    p = next;
  }
  if (t) t->text = bones_xstrndup(section, (size_t)(p - section));
}
