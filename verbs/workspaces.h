/* workspaces.h: registry rows as `bones workspaces` and `bones status
 * --all` show them (shared by verbs/workspaces.c and verbs/status.c). */
#ifndef BONES_VERBS_WORKSPACES_H
#define BONES_VERBS_WORKSPACES_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "registry.h"

/* One registry entry with its probed state (e is borrowed). */
struct ws_row {
  const struct bones_registry_entry *e;
  int alive;         /* hub pid alive AND hub_url answers */
  int orphan;        /* hub pid alive, workspace gone */
  int present;       /* <cwd>/.bones/config.json exists */
  const char *state; /* running | not-answering | orphan | stale | stopped (static) */
};

/* Probes e (bounded: 500 ms of HTTP at most) into *row. */
void ws_row_fill(struct ws_row *row, const struct bones_registry_entry *e);

/* {id, name, cwd, state, alive, orphan, present, hub_pid, hub_url, kv_url,
 * started_at}: a new reference the caller owns. */
json_t *ws_row_json(const struct ws_row *row);

/* A table NAME STATE PID HUB KV CWD, one row each, with a header. */
void ws_rows_print(FILE *out, const struct ws_row *rows, size_t n);

#endif
