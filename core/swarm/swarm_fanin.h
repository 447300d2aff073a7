/* swarm_fanin.h: collecting what the slots of a wave did (`bones swarm
 * fan-in`), and the commit record it reads. */
#ifndef BONES_SWARM_FANIN_H
#define BONES_SWARM_FANIN_H

#include <jansson.h>

#include <bones/kv.h>

/* Appends the slot_commit line to .bones/swarm-events.jsonl (as
 * bones_swarm_event does) with "files": the paths of changes (array of
 * {path, ...}, borrowed).  Best effort. */
void bones_swarm_commit_event(const char *root, const char *slot, const char *task, const char *agent,
                              const char *checkin, json_t *changes);

/* The wave fan-in reports on: wave when not NULL, else current_wave of
 * .bones/dispatch.json, else NULL (every task with context.slot).  A
 * malloc'd string or NULL; the caller frees it. */
char *bones_fanin_wave(const char *root, const char *wave);

/* The tasks with context.slot (and context.wave == wave when wave is not
 * NULL), grouped per slot: *out = {wave, ok, slots:[{name, result,
 * commits, files, summary, tasks:[{id, title, status, result,
 * summary}]}]}, a new reference the caller json_decrefs.  A slot's result
 * is fail or fork when a task has that result, else claimed/open when a
 * task is not finished, else closed when a closed task has no result,
 * else success; ok is 1 when every slot's is success (and there is one).
 * commits and files come from the slot_commit records of this workspace's
 * .bones/swarm-events.jsonl for the slot and those tasks. */
int bones_swarm_fanin(const char *root, bones_kv *kv, const char *wave, json_t **out, struct bones_error *err);

#endif
