/* durability.h: the workspace's durability mode, `fast` or `durable`
 * (`bones up --durability=MODE`, recorded in .bones/config.json), and
 * what each substrate does with it (docs/durability.md):
 *   sqlite         fast: synchronous=NORMAL (WAL); durable: synchronous=FULL
 *   managed redis  fast: appendfsync everysec;    durable: appendfsync always
 *   managed nats   durable: JetStream sync_interval: always where the
 *                  nats-server has it (2.10 and later); older servers
 *                  cannot fsync each write (survives a server crash, not
 *                  a host crash), and doctor says so
 *   external URLs  configured by their operator, not by bones. */
#ifndef BONES_DURABILITY_H
#define BONES_DURABILITY_H

#include <bones/error.h>

enum bones_durability { BONES_DURABILITY_FAST = 0, BONES_DURABILITY_DURABLE = 1 };

/* "fast" / "durable" into *out; BONES_E_USAGE (with a hint) otherwise. */
int bones_durability_parse(const char *name, enum bones_durability *out, struct bones_error *err);

/* "fast" / "durable" (static storage). */
const char *bones_durability_name(enum bones_durability d);

/* The mode root's .bones/config.json records ("durability"); FAST when
 * none is recorded or the file cannot be read (bones_workspace_config_check
 * reports a bad value). */
enum bones_durability bones_workspace_durability(const char *root);

/* 1 when the nats-server program prog (bones_server_program) takes the
 * JetStream `sync_interval` option (version 2.10.0 or later), from a
 * bounded `prog --version`.  *version (may be NULL) gets its version
 * ("2.9.10", malloc'd, caller frees) or NULL when it did not say. */
int bones_nats_server_syncs_always(const char *prog, char **version);

/* The URL suffix that makes a sqlite substrate durable ("?sync=full"), or
 * "" when d is FAST. */
const char *bones_durability_sqlite_query(enum bones_durability d);

#endif /* BONES_DURABILITY_H */
