/* tasks_result.h: a task's outcome as the slot that worked on it reports
 * it (`bones swarm close --result R --summary TEXT`), kept on the task
 * record as result (success|fail|fork), summary (text or null), result_at
 * (ms since the epoch) and result_by (the agent). */
#ifndef BONES_TASKS_RESULT_H
#define BONES_TASKS_RESULT_H

#include <stddef.h>

#include <jansson.h>

#include <bones/kv.h>

#define BONES_TASK_SUMMARY_MAX (64 * 1024) /* bytes */

/* Checks a summary of len bytes: NULL is fine; more than
 * BONES_TASK_SUMMARY_MAX bytes is BONES_E_TOOLARGE, invalid UTF-8 (or a
 * NUL byte) BONES_E_USAGE. */
int bones_task_summary_check(const char *summary, size_t len, struct bones_error *err);

/* Records result (success|fail|fork, else BONES_E_USAGE) and summary (may
 * be NULL: stored as null) on task id as agent, whatever its status (a
 * closed task too): one CAS update from a fresh read (a lost race is
 * retried, bounded, with jitter), then one event "result" in bones-events.
 * kv stays the caller's; *task (may be NULL) gets the new record, a new
 * reference the caller json_decrefs.  BONES_E_NOTFOUND when id does not
 * exist. */
int bones_task_set_result(bones_kv *kv, const char *agent, const char *id, const char *result, const char *summary,
                          json_t **task, struct bones_error *err);

#endif
