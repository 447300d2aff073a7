/* check_durability.c: doctor check on the durability in effect: the mode
 * recorded in config.json, what the substrate does with it, and whether
 * the running hub's managed server was started with it
 * (docs/durability.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "durability.h"
#include "server.h"
#include "workspace.h"

#define SURVIVES_ALL "an acknowledged write survives a crash of any process and of the host"
#define RESTART_HINT "restart the hub: `bones hub stop && bones hub start --detach`"

/* sqlite: the URL the verbs open decides (?sync=full). */
static void check_sqlite(struct doctor_run *run, const char *spec, const char *mode) {
  char *url = NULL;
  struct bones_error err;
  if (bones_substrate_resolve(spec, run->root, &url, &err) != BONES_OK) {
    bones_doctor_add(&run->report, run->root, "durability", BONES_CHECK_FAIL, NULL, "%s: %s", mode, err.message);
    return;
  }
  size_t n = strlen(url);
  int full = n >= 10 && strcmp(url + n - 10, "?sync=full") == 0;
  free(url);
  if (full)
    bones_doctor_add(&run->report, run->root, "durability", BONES_CHECK_OK, NULL,
                     "%s: sqlite synchronous=FULL: " SURVIVES_ALL, mode);
  else
    bones_doctor_add(&run->report, run->root, "durability", BONES_CHECK_OK, NULL,
                     "%s: sqlite synchronous=NORMAL (WAL): an acknowledged write survives a process crash; the last "
                     "transactions can be lost on a host crash or power loss",
                     mode);
}

/* A managed server: what the running hub started it with. */
static void check_managed(struct doctor_run *run, enum bones_server_kind kind, const char *mode) {
  const char *name = kind == BONES_SERVER_NATS ? "nats" : "redis";
  char *running = run->hub.pid_alive ? bones_ws_read_line(run->root, "hub-kv-durability") : NULL;
  int want = strcmp(mode, "durable") == 0;
  if (kind == BONES_SERVER_NATS && want) {
    char *version = NULL;
    int can = bones_nats_server_syncs_always(bones_server_program(kind), &version);
    if (!can) {
      bones_doctor_add(&run->report, run->root, "durability", BONES_CHECK_WARN,
                       "use the sqlite or redis substrate for durable writes on this host, or a nats-server 2.10+",
                       "durable requested, but nats-server %s cannot fsync every write (sync_interval needs 2.10+): "
                       "an acknowledged write survives a nats-server crash, not a host crash",
                       version ? version : "(version unknown)");
      free(version);
      free(running);
      return;
    }
    free(version);
  }
  if (running && strcmp(running, mode) != 0) {
    bones_doctor_add(&run->report, run->root, "durability", BONES_CHECK_WARN, RESTART_HINT,
                     "%s recorded, but the running hub started its %s server %s", mode, name, running);
  } else {
    const char *what = kind == BONES_SERVER_NATS
                           ? (want ? "nats-server sync_interval always: " SURVIVES_ALL
                                   : "nats-server default sync: an acknowledged write survives a nats-server crash; "
                                     "up to the last minute can be lost on a host crash")
                           : (want ? "redis appendfsync always: " SURVIVES_ALL
                                   : "redis appendfsync everysec: the last second or two of writes can be lost on a "
                                     "redis or host crash");
    bones_doctor_add(&run->report, run->root, "durability", BONES_CHECK_OK, NULL, "%s%s: %s", mode,
                     running ? "" : " (hub not running: applied at its start)", what);
  }
  free(running);
}

void doctor_durability(struct doctor_run *run) {
  char *spec = bones_workspace_config_substrate(run->root);
  const char *mode = bones_durability_name(bones_workspace_durability(run->root));
  const char *s = spec ? spec : "sqlite";
  if (strcmp(s, "sqlite") == 0 || strncmp(s, "sqlite:", 7) == 0) check_sqlite(run, s, mode);
  else if (strcmp(s, "nats") == 0) check_managed(run, BONES_SERVER_NATS, mode);
  else if (strcmp(s, "redis") == 0) check_managed(run, BONES_SERVER_REDIS, mode);
  else
    bones_doctor_add(&run->report, run->root, "durability", BONES_CHECK_OK, NULL,
                     "%s recorded; an external server's durability is set by its operator, not by bones (redis: "
                     "appendfsync always; nats-server 2.10+: jetstream sync_interval always)",
                     mode);
  free(spec);
}
