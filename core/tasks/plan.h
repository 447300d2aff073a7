/* plan.h: a plan of tasks for slots (docs/plan.md), read from Markdown
 * (`### Task N ... [slot: name]`, `**Files:**`, `**Depends:**`) or from
 * its JSON form, checked (slot directories disjoint, every file inside its
 * slot's directory, dependencies known and acyclic, ...) and sorted into
 * waves.  `bones plan validate` prints it; `swarm dispatch` reuses it.
 *
 * Ownership: bones_plan_parse()/bones_plan_load() return one malloc'd
 * struct bones_plan that owns every string and array reachable from it;
 * bones_plan_free() frees it all.  Nothing in it is borrowed from the
 * input text. */
#ifndef BONES_PLAN_H
#define BONES_PLAN_H

#include <stddef.h>

#include <jansson.h>

#include <bones/error.h>

/* The largest plan file bones reads (bytes). */
#define BONES_PLAN_MAX (4u * 1024 * 1024)

enum bones_plan_format { BONES_PLAN_AUTO = 0, BONES_PLAN_MD, BONES_PLAN_JSON };

enum bones_plan_file_kind { BONES_PLAN_CREATE = 0, BONES_PLAN_MODIFY, BONES_PLAN_TEST };

struct bones_plan_file {
  enum bones_plan_file_kind kind;
  char *path; /* as written, backticks and a ":12-40" line range removed */
  int line;   /* 1-based line of the entry (JSON: the task's line) */
};

struct bones_plan_dep {
  long n;   /* the task number depended on */
  int line; /* where it was written */
};

struct bones_plan_task {
  long n;       /* the task number (>= 1; 0 when the heading had none) */
  char *title;  /* the heading without "Task N", the slot tag and separators */
  char *slot;   /* NULL when the heading has no [slot: name] */
  char *text;   /* the task's whole Markdown section (JSON: "text" or "") */
  int line;     /* line of the heading (JSON: of the task object) */
  struct bones_plan_file *files;
  size_t nfiles;
  struct bones_plan_dep *depends;
  size_t ndepends;
  int wave; /* 1 = no dependencies; 0 = none (a dependency is unknown or in a cycle) */
};

struct bones_plan_slot {
  char *name;
  char *dir;     /* the slot's directory; NULL when its first file has none */
  size_t *tasks; /* indexes into plan->tasks, in plan order */
  size_t ntasks;
};

struct bones_plan_error {
  int line;      /* 1-based */
  char *code;    /* stable, e.g. "no-slot", "dependency-cycle" (docs/plan.md) */
  char *message; /* one line, without "FILE:LINE: " */
};

struct bones_plan_wave {
  long *tasks; /* task numbers, in plan order */
  size_t ntasks;
};

struct bones_plan {
  char *file; /* the name errors are reported under */
  enum bones_plan_format format;
  struct bones_plan_task *tasks;
  size_t ntasks;
  struct bones_plan_slot *slots; /* in order of first appearance */
  size_t nslots;
  struct bones_plan_wave *waves; /* waves[0] is wave 1 */
  size_t nwaves;
  struct bones_plan_error *errors; /* sorted by line */
  size_t nerrors;
};

/* Parses and checks the len bytes at text (need not be NUL-terminated) as
 * a plan named name (for messages).  format AUTO: JSON when the first
 * non-blank byte is '{', else Markdown.  Always returns a plan (never
 * NULL); the violations are in plan->errors, none means valid.  The
 * caller frees it with bones_plan_free(). */
struct bones_plan *bones_plan_parse(const char *name, const char *text, size_t len, enum bones_plan_format format);

/* Reads path (at most BONES_PLAN_MAX bytes) and parses it as above into
 * *out (the caller frees it).  A file that cannot be read fills err
 * (BONES_E_NOTFOUND, BONES_E_TOOLARGE, BONES_E_INTERNAL) and leaves *out NULL. */
int bones_plan_load(const char *path, enum bones_plan_format format, struct bones_plan **out,
                    struct bones_error *err);

/* The plan as JSON: {file, format, errors:[{file,line,message,code}],
 * slots:[{name,dir,tasks:[n...]}], tasks:[{n,title,slot,line,files:
 * [{kind,path,line}],depends:[n...],wave,text}], waves:[[n...]]}.  A new
 * reference the caller owns; every text made valid UTF-8. */
json_t *bones_plan_json(const struct bones_plan *plan);

/* "create", "modify" or "test". */
const char *bones_plan_kind_name(enum bones_plan_file_kind kind);

/* The task numbered n, or NULL. */
const struct bones_plan_task *bones_plan_task_by_n(const struct bones_plan *plan, long n);

/* Frees plan and everything it owns; NULL is fine. */
void bones_plan_free(struct bones_plan *plan);

#endif /* BONES_PLAN_H */
