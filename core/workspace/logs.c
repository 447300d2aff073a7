/* logs.c: hub.log, swarm-events.jsonl and the task events merged by time
 * (logs.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "events.h"
#include "hublog.h"
#include "ids.h"
#include "logs.h"
#include "util.h"
#include "workspace.h"

#define LOGS_TASKS_WINDOW_MS 10000 /* task events may land this late (clocks, same-ms ids) */
#define LOGS_LINE_MAX (1024 * 1024) /* a longer line is skipped as corrupt */

/* One log file read forward from where the previous read stopped. */
struct logs_file {
  char *path;
  off_t offset;
};

struct bones_logs_reader {
  struct bones_logs_filter filter;
  char *slot; /* filter.slot's copy */
  bones_kv *kv;
  struct logs_file hub, slot_events;
  char tasks_from[BONES_TIME_ID_LEN + 1]; /* task events with a key after this */
  json_t *tasks_seen;                     /* ids already returned, within the window */
};

/* An entry waiting to be sorted. */
struct logs_item {
  int64_t ms;
  unsigned rank; /* source order for equal times */
  size_t seq;    /* arrival order within the read */
  json_t *entry;
};

struct logs_batch {
  struct logs_item *items;
  size_t n, cap;
};

struct bones_logs_reader *bones_logs_open(const char *root, bones_kv *kv, const struct bones_logs_filter *filter) {
  struct bones_logs_reader *r = bones_xcalloc(1, sizeof *r);
  r->filter = *filter;
  r->slot = filter->slot ? bones_xstrdup(filter->slot) : NULL;
  r->filter.slot = r->slot;
  r->kv = kv;
  r->hub.path = bones_ws_path(root, "hub.log");
  r->slot_events.path = bones_ws_path(root, "swarm-events.jsonl");
  if (filter->since_ms > 0) bones_time_id_prefix(filter->since_ms, r->tasks_from);
  r->tasks_seen = json_object();
  return r;
}

void bones_logs_close(struct bones_logs_reader *r) {
  if (r == NULL) return;
  free(r->slot);
  free(r->hub.path);
  free(r->slot_events.path);
  json_decref(r->tasks_seen);
  free(r);
}

/* The entry {ts, source, ...rec's members but ts and source}: a new reference. */
static json_t *make_entry(const char *source, int64_t ms, json_t *rec) {
  char ts[40];
  bones_format_time(ms, ts, sizeof ts);
  json_t *e = json_pack("{s:s, s:s}", "ts", ts, "source", source);
  const char *k;
  json_t *v;
  json_object_foreach(rec, k, v) {
    if (strcmp(k, "ts") != 0 && strcmp(k, "source") != 0) json_object_set(e, k, v);
  }
  return e;
}

static void batch_add(struct logs_batch *b, int64_t ms, unsigned rank, json_t *entry) {
  if (b->n == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 64;
    b->items = bones_xrealloc(b->items, b->cap * sizeof *b->items);
  }
  b->items[b->n] = (struct logs_item){ms, rank, b->n, entry};
  b->n++;
}

static int item_cmp(const void *pa, const void *pb) {
  const struct logs_item *a = pa, *b = pb;
  if (a->ms != b->ms) return a->ms < b->ms ? -1 : 1;
  if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* 1 when the record of source (rank 0 hub, 1 slot) passes the filter. */
static int file_record_wanted(const struct bones_logs_filter *f, unsigned rank, json_t *rec) {
  if (rank == 0 && f->min_level >= 0) {
    int level = bones_log_level_parse(json_string_value(json_object_get(rec, "level")));
    if (level >= 0 && level < f->min_level) return 0;
  }
  if (rank == 1 && f->slot) {
    const char *slot = json_string_value(json_object_get(rec, "slot"));
    if (slot == NULL || strcmp(slot, f->slot) != 0) return 0;
  }
  return 1;
}

/* Adds the complete lines of file written since the last read. */
static void read_file_source(struct bones_logs_reader *r, struct logs_file *file, const char *source, unsigned rank,
                             struct logs_batch *b, size_t *corrupt) {
  FILE *f = fopen(file->path, "r");
  if (f == NULL) {
    file->offset = 0; /* not there (yet, or any more) */
    return;
  }
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && st.st_size < file->offset) file->offset = 0; /* truncated or replaced */
  if (file->offset > 0 && fseeko(f, file->offset, SEEK_SET) != 0) {
    fclose(f);
    return;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) > 0) {
    if (line[len - 1] != '\n') break; /* being written: the rest comes later */
    file->offset += len;
    line[len - 1] = '\0';
    if (len == 1) continue; /* an empty line */
    json_error_t jerr;
    json_t *rec = len <= LOGS_LINE_MAX ? json_loads(line, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    int64_t ms = 0;
    if (rec == NULL || !json_is_object(rec) || bones_parse_time(json_string_value(json_object_get(rec, "ts")) ?: "", &ms) != 0) {
      (*corrupt)++;
    } else if (ms >= r->filter.since_ms && file_record_wanted(&r->filter, rank, rec)) {
      batch_add(b, ms, rank, make_entry(source, ms, rec));
    }
    json_decref(rec);
  }
  free(line);
  fclose(f);
}

/* Adds the task events not returned yet; keeps a window of seen ids as
 * `bones tasks watch` does, since ids of concurrent writers may land late. */
static int read_tasks_source(struct bones_logs_reader *r, struct logs_batch *b, size_t *corrupt,
                             struct bones_error *err) {
  json_t *events = NULL;
  int rc = bones_events_list(r->kv, r->tasks_from, NULL, 0, &events, err);
  if (rc != BONES_OK) return rc;
  size_t i;
  json_t *rec;
  json_array_foreach(events, i, rec) {
    const char *id = json_string_value(json_object_get(rec, "id"));
    if (id == NULL || json_object_get(r->tasks_seen, id)) continue;
    json_object_set_new(r->tasks_seen, id, json_true());
    int64_t ms = 0;
    if (json_object_get(rec, "corrupt") || bones_parse_time(json_string_value(json_object_get(rec, "at")) ?: "", &ms) != 0) {
      (*corrupt)++;
      continue;
    }
    if (ms >= r->filter.since_ms) batch_add(b, ms, 2, make_entry("tasks", ms, rec));
  }
  json_decref(events);
  /* next read: from the window's start; forget the ids older than it */
  char window[11];
  bones_time_id_prefix(bones_now_ms() - LOGS_TASKS_WINDOW_MS, window);
  if (strcmp(window, r->tasks_from) > 0) {
    snprintf(r->tasks_from, sizeof r->tasks_from, "%s", window);
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(r->tasks_seen, tmp, k, v) {
      if (strncmp(k, window, 10) < 0) json_object_del(r->tasks_seen, k);
    }
  }
  return BONES_OK;
}

int bones_logs_read(struct bones_logs_reader *r, json_t **entries, size_t *corrupt, struct bones_error *err) {
  *entries = NULL;
  struct logs_batch b = {NULL, 0, 0};
  if (r->filter.sources & BONES_LOGS_TASKS) {
    /* first, so a substrate error consumes nothing from the files */
    int rc = read_tasks_source(r, &b, corrupt, err);
    if (rc != BONES_OK) {
      for (size_t i = 0; i < b.n; i++) json_decref(b.items[i].entry);
      free(b.items);
      return rc;
    }
  }
  if (r->filter.sources & BONES_LOGS_HUB) read_file_source(r, &r->hub, "hub", 0, &b, corrupt);
  if (r->filter.sources & BONES_LOGS_SLOT) read_file_source(r, &r->slot_events, "slot", 1, &b, corrupt);
  if (b.n > 1) qsort(b.items, b.n, sizeof *b.items, item_cmp);
  json_t *out = json_array();
  for (size_t i = 0; i < b.n; i++) json_array_append_new(out, b.items[i].entry);
  free(b.items);
  *entries = out;
  return BONES_OK;
}

/* Writes v as text: a string as it is, anything else as compact JSON. */
static void put_value(FILE *out, json_t *v) {
  if (json_is_string(v)) {
    fputs(json_string_value(v), out);
    return;
  }
  char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  fputs(s ? s : "?", out);
  free(s);
}

/* Writes " k=v" for every member of e whose name is not in skip (NULL-terminated). */
static void put_fields(FILE *out, const json_t *e, const char *const *skip) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)e, k, v) {
    int skipped = 0;
    for (const char *const *s = skip; *s; s++) skipped |= strcmp(k, *s) == 0;
    if (skipped) continue;
    fprintf(out, " %s=", k);
    put_value(out, v);
  }
}

static const char *str_or(const json_t *e, const char *key, const char *dflt) {
  const char *s = json_string_value(json_object_get(e, key));
  return s ? s : dflt;
}

char *bones_logs_text(const json_t *entry) {
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  if (out == NULL) return bones_xstrdup("?");
  const char *source = str_or(entry, "source", "");
  if (strcmp(source, "tasks") == 0) {
    const char *from = json_string_value(json_object_get(entry, "from"));
    const char *to = json_string_value(json_object_get(entry, "to"));
    fprintf(out, "%-16s %s %s -> %s by %s", str_or(entry, "kind", "?"), str_or(entry, "task", "?"), from ? from : "-",
            to ? to : "-", str_or(entry, "agent", "?"));
  } else if (strcmp(source, "hub") == 0) {
    static const char *const skip[] = {"ts", "source", "level", "event", "msg", NULL};
    fprintf(out, "%-5s %-9s", str_or(entry, "level", "?"), str_or(entry, "event", "?"));
    const char *msg = json_string_value(json_object_get(entry, "msg"));
    if (msg) fprintf(out, " %s", msg);
    put_fields(out, entry, skip);
  } else {
    static const char *const skip[] = {"ts", "source", "event", NULL};
    fputs(str_or(entry, "event", "?"), out);
    put_fields(out, entry, skip);
  }
  if (fclose(out) != 0 || text == NULL) {
    free(text);
    return bones_xstrdup("?");
  }
  return text;
}
