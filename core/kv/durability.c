/* durability.c: the workspace's durability mode (durability.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "durability.h"
#include "proc.h"
#include "util.h"
#include "workspace.h"

int bones_durability_parse(const char *name, enum bones_durability *out, struct bones_error *err) {
  if (name && strcmp(name, "fast") == 0) *out = BONES_DURABILITY_FAST;
  else if (name && strcmp(name, "durable") == 0) *out = BONES_DURABILITY_DURABLE;
  else {
    bones_error_set(err, BONES_E_USAGE, "unknown durability '%s' (fast or durable)", name ? name : "");
    bones_error_hint(err, "use --durability=fast (the default) or --durability=durable (fsync every write)");
    return BONES_E_USAGE;
  }
  return BONES_OK;
}

const char *bones_durability_name(enum bones_durability d) {
  return d == BONES_DURABILITY_DURABLE ? "durable" : "fast";
}

enum bones_durability bones_workspace_durability(const char *root) {
  char *path = bones_ws_path(root, "config.json");
  json_error_t jerr;
  json_t *cfg = json_load_file(path, 0, &jerr);
  free(path);
  const char *s = json_string_value(json_object_get(cfg, "durability"));
  enum bones_durability d = s && strcmp(s, "durable") == 0 ? BONES_DURABILITY_DURABLE : BONES_DURABILITY_FAST;
  json_decref(cfg);
  return d;
}

const char *bones_durability_sqlite_query(enum bones_durability d) {
  return d == BONES_DURABILITY_DURABLE ? "?sync=full" : "";
}

/* "nats-server: v2.9.10" -> 2, 9, 10 and "2.9.10" in ver */
static int parse_nats_version(const char *text, int v[3], char ver[32]) {
  const char *p = strstr(text, " v");
  if (p == NULL) return 0;
  p += 2;
  if (sscanf(p, "%d.%d.%d", &v[0], &v[1], &v[2]) != 3) return 0;
  size_t n = strspn(p, "0123456789.");
  if (n >= 32) n = 31;
  memcpy(ver, p, n);
  ver[n] = '\0';
  return 1;
}

int bones_nats_server_syncs_always(const char *prog, char **version) {
  if (version) *version = NULL;
  const char *argv[] = {prog, "--version", NULL};
  struct bones_run_result res;
  struct bones_error err;
  if (bones_run(argv, NULL, NULL, 5000, &res, &err) != BONES_OK) return 0;
  int v[3] = {0, 0, 0};
  char ver[32] = "";
  int ok = res.status == 0 && parse_nats_version(res.out, v, ver);
  bones_run_result_free(&res);
  if (!ok) return 0;
  if (version) *version = bones_xstrdup(ver);
  return v[0] > 2 || (v[0] == 2 && v[1] >= 10);
}
