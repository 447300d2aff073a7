/* plan_int.h: what the plan readers (plan_md.c, plan_json.c), the checks
 * (plan_check.c) and the waves (plan_waves.c) share; internal to core. */
#ifndef BONES_PLAN_INT_H
#define BONES_PLAN_INT_H

#include "plan.h"

/* Adds a violation at line (printf-style message; the plan owns it). */
void plan_error(struct bones_plan *plan, int line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends a zeroed task and returns it (the plan owns it; the pointer is
 * valid until the next plan_add_task). */
struct bones_plan_task *plan_add_task(struct bones_plan *plan);

/* Appends a file / a dependency to task (path copied). */
void plan_add_file(struct bones_plan_task *task, enum bones_plan_file_kind kind, const char *path, int line);
void plan_add_dep(struct bones_plan_task *task, long n, int line);

/* Parses the Markdown / JSON text (NUL-terminated, valid UTF-8) into plan,
 * adding violations of the grammar. */
void plan_read_md(struct bones_plan *plan, const char *text);
void plan_read_json(struct bones_plan *plan, const char *text, size_t len);

/* The rules over the tasks read: numbers, slot names, paths, files,
 * slot directories (fills plan->slots). */
void plan_check(struct bones_plan *plan);

/* Dependencies: unknown, self, cycles; fills task->wave and plan->waves. */
void plan_waves(struct bones_plan *plan);

/* 1 when name is a slot name a plan accepts: [a-z][a-z0-9_-]{0,63}. */
int plan_slot_name_ok(const char *name);

#endif /* BONES_PLAN_INT_H */
