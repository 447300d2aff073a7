/* logs.h: one view over bones' three logs, merged by time (docs/logs.md):
 *   source "hub":   .bones/hub.log (hublog.h: ts, level, event, msg, ...)
 *   source "slot":  .bones/swarm-events.jsonl (sessions.h: ts, event, slot, ...)
 *   source "tasks": the task events of bucket bones-events (events.h: at, kind, task, ...)
 * Each entry is one JSON object {ts, source, ...the record's own members}. */
#ifndef BONES_LOGS_H
#define BONES_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <bones/error.h>
#include <bones/kv.h>

enum bones_logs_source {
  BONES_LOGS_HUB = 1u << 0,
  BONES_LOGS_SLOT = 1u << 1,
  BONES_LOGS_TASKS = 1u << 2,
  BONES_LOGS_ALL = (1u << 3) - 1
};

struct bones_logs_filter {
  unsigned sources; /* enum bones_logs_source bits */
  const char *slot; /* only the swarm events of this slot (NULL: every slot) */
  int64_t since_ms; /* only entries at or after this time (0: all) */
  int min_level;    /* hub entries below this enum bones_log_level hidden (-1: all) */
};

struct bones_logs_reader;

/* A reader of root's logs (root: the workspace root).  kv is borrowed and
 * must outlive the reader; it may be NULL when filter->sources has no
 * BONES_LOGS_TASKS.  The filter is copied (its slot string too).  Never
 * NULL; the caller frees it with bones_logs_close(). */
struct bones_logs_reader *bones_logs_open(const char *root, bones_kv *kv, const struct bones_logs_filter *filter);

/* The entries that appeared since the previous call (the first call: all
 * there are), filtered and merged by time (a stable sort: equal times keep
 * hub, slot, tasks order and each file's order), as a new JSON array the
 * caller json_decrefs.  A line still being written (no newline yet) waits
 * for the next call; a file that shrank is read again from its start.
 * Lines and records that are not a JSON object with a readable time are
 * skipped and counted in *corrupt (added to).  Only the task events can
 * fail (the substrate's error; *entries is then NULL and nothing is
 * consumed from the task events). */
int bones_logs_read(struct bones_logs_reader *r, json_t **entries, size_t *corrupt, struct bones_error *err);

/* The human text of one entry, without its time and source: "LEVEL event
 * msg k=v ..." for hub, "event slot=... k=v ..." for slot, "kind task
 * from -> to by agent" for tasks.  Raw (not escaped: print it with
 * bones_term_printf); malloc'd, the caller frees. */
char *bones_logs_text(const json_t *entry);

/* Frees r (NULL is fine). */
void bones_logs_close(struct bones_logs_reader *r);

#endif
