/* tasks_rich.h: the richer task fields (issue 12 item 6) on top of
 * tasks.h: description and acceptance (texts), labels (a sorted set of
 * names), notes (append-only {at, by, text}), the blocking edges both
 * ways, and export/import as JSON Lines.  Old records without these
 * members read fine (absent = none).  Records are jansson objects; a
 * function handing one out gives a new reference the caller json_decrefs. */
#ifndef BONES_TASKS_RICH_H
#define BONES_TASKS_RICH_H

#include <jansson.h>

#include "tasks.h"

#define BONES_TASK_TEXT_MAX (64 * 1024) /* description, acceptance, a note: bytes */
#define BONES_TASK_LABEL_MAX 64         /* bytes of a label */
#define BONES_TASK_LABELS_MAX 32        /* labels of a task */
#define BONES_TASK_NO_CHANGE (-1)       /* a mutator's "nothing to write" */

/* A change to a fresh copy of a record (see bones_task_mutate): BONES_OK
 * to write it, BONES_TASK_NO_CHANGE to leave it, or an error code.  *kind
 * names the event ("updated" unless set). */
#define BONES_TASK_NO_CHANGE (-1) /* a mutator's "nothing to write": the record as it is is the result */
typedef int (*bones_task_mutator)(struct bones_tasks *t, json_t *task, void *arg, const char **kind,
                                  struct bones_error *err);

/* The one way a task changes (tasks.c): read, fn on the fresh record, CAS
 * update at the read revision (updated_at set), one event; a lost race
 * re-reads and runs fn again (bounded, jitter).  *task (may be NULL) the
 * record as written. */
int bones_task_mutate(struct bones_tasks *t, const char *id, bones_task_mutator fn, void *arg, json_t **task,
                      int *wrote, struct bones_error *err);

/* bones_task_create with the members of extra (may be NULL; already
 * checked by the caller, e.g. with bones_task_rich_check) set on the new
 * record. */
int bones_task_create_with(struct bones_tasks *t, const struct bones_task_spec *spec, json_t *extra, json_t **task,
                           struct bones_error *err);

/* NULL when record is a sound task record (its id is t-...), else a
 * static reason. */
const char *bones_task_record_problem(json_t *record);

/* Stores record under its id only if absent (BONES_E_EXISTS otherwise),
 * as is (no timestamps changed); event "imported". */
int bones_task_put_absent(struct bones_tasks *t, json_t *record, struct bones_error *err);

/* Overwrites the record of record's id with record as is (CAS at the
 * revision read; a lost race: BONES_E_CONFLICT); absent: as put_absent.
 * Event "replaced". */
int bones_task_replace(struct bones_tasks *t, json_t *record, struct bones_error *err);

/* Checks a description/acceptance/note text: over BONES_TASK_TEXT_MAX
 * bytes: BONES_E_TOOLARGE; not UTF-8: BONES_E_USAGE.  what names it. */
int bones_task_text_check(const char *what, const char *text, struct bones_error *err);

/* Checks one label: 1..64 bytes, UTF-8, no control chars, spaces or
 * commas (BONES_E_USAGE). */
int bones_task_label_check(const char *label, struct bones_error *err);

/* Checks the rich members of a create/update change set: description and
 * acceptance strings (or null), labels / add_labels / remove_labels
 * arrays of labels (at most BONES_TASK_LABELS_MAX in labels).  Members it
 * does not know are left alone. */
int bones_task_rich_changes_check(json_t *changes, struct bones_error *err);

/* Adds (add 1) or removes the labels in names on task's labels (kept
 * sorted, each once); *changed set to 1 when it changed.  More than
 * BONES_TASK_LABELS_MAX: BONES_E_USAGE. */
int bones_task_labels_apply(json_t *task, json_t *names, int add, int *changed, struct bones_error *err);

/* 1 when task carries label. */
int bones_task_has_label(json_t *task, const char *label);

/* Appends the note {at, by: the agent, text} to id's notes (any status)
 * in one CAS update; concurrent comments are retried, never lost.
 * *task (may be NULL) the record written. */
int bones_task_comment(struct bones_tasks *t, const char *id, const char *text, json_t **task,
                       struct bones_error *err);

/* The blocks edges around id among tasks (from bones_tasks_list):
 * *blocked_by the non-closed tasks whose blocks edge targets id, *blocking
 * the targets of id's own blocks edges; both new arrays of {id, status,
 * title} (a target missing from tasks has status and title null). */
void bones_task_block_edges(json_t *tasks, const char *id, json_t **blocked_by, json_t **blocking);

/* Every non-closed task of tasks blocked by a non-closed task: a new array
 * of {id, status, title, blockers: [{id, status, title}]}, in tasks order. */
json_t *bones_tasks_blocked(json_t *tasks);

/* tasks (from bones_tasks_list) as JSON Lines: one compact record per
 * line, keys sorted, in the list's order (created_at, then id).  malloc'd,
 * caller frees. */
char *bones_tasks_export_text(json_t *tasks);

/* Parses JSON Lines text into records (empty lines skipped): each line a
 * sound task record (bones_task_record_problem), each id once.  Any bad
 * line: BONES_E_USAGE naming every bad line number, *records NULL. */
int bones_tasks_import_parse(const char *text, size_t len, json_t **records, struct bones_error *err);

#endif
