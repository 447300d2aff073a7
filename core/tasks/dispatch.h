/* dispatch.h: a validated plan turned into tasks and opened wave by wave
 * (`bones swarm dispatch`, docs/dispatch.md).  The manifest
 * .bones/dispatch.json (0600, written atomically) records the plan (path,
 * sha256), a dispatch id, its state (creating|active|complete|cancelled),
 * the current wave and per wave its state (open|pending|done|cancelled)
 * and slots {name, dir, tasks:[ids]}.  Each plan task becomes one task
 * with context {slot, wave, plan_task, dispatch} and the plan's section as
 * its description; a dependency becomes a `blocks` edge, so a task is
 * ready only once what it depends on is closed.  Start, advance and cancel
 * run under the flock of .bones/dispatch.lock.  Functions handing out a
 * json_t give a new reference the caller json_decrefs. */
#ifndef BONES_DISPATCH_H
#define BONES_DISPATCH_H

#include <jansson.h>

#include <bones/error.h>

#include "plan.h"
#include "tasks.h"

/* The manifest of root's workspace: BONES_E_NOTFOUND when there is none,
 * BONES_E_CORRUPT when it does not parse. */
int bones_dispatch_load(const char *root, json_t **manifest, struct bones_error *err);

/* Dispatches plan (valid: no errors; read from plan_path, whose bytes
 * hash to plan_sha256): creates its tasks and edges through t and writes
 * the manifest with wave 1 open.  A manifest that is active:
 * BONES_E_REFUSED.  One left in state creating by a crash, for the same
 * plan, is finished: tasks already created (found by context.dispatch and
 * plan_task) are not created again.  *manifest: the manifest written. */
int bones_dispatch_start(const char *root, struct bones_tasks *t, const struct bones_plan *plan,
                         const char *plan_path, const char *plan_sha256, json_t **manifest, struct bones_error *err);

/* The manifest with, in each slot, "task_records": [{id, title, status,
 * claimed_by, closed_reason, result, summary}] read from the backlog. */
int bones_dispatch_status(const char *root, struct bones_tasks *t, json_t **status, struct bones_error *err);

/* Opens the next wave once every task of the current one is closed
 * (*manifest the manifest written; its state is complete after the last
 * wave).  Otherwise BONES_E_REFUSED naming the tasks not closed and, for a
 * slot whose worktree is kept, the resume/discard commands.  No active
 * dispatch: BONES_E_NOTFOUND or BONES_E_REFUSED. */
int bones_dispatch_advance(const char *root, struct bones_tasks *t, json_t **manifest, struct bones_error *err);

/* Ends the active dispatch: its tasks that are not closed are closed with
 * reason "cancelled" (a claim is dispossessed, as `tasks close --force`);
 * worktrees are left alone.  *report: {cancelled:[ids], manifest}. */
int bones_dispatch_cancel(const char *root, struct bones_tasks *t, json_t **report, struct bones_error *err);

/* The slots of wave n of manifest, each {name, dir, tasks, command,
 * prompt}: command is the shell line that starts the slot's leaf agent
 * (`cd ROOT && bones swarm join --slot NAME --next`), prompt what to tell
 * it.  A new array. */
json_t *bones_dispatch_wave_slots(const char *root, json_t *manifest, long n);

#endif
