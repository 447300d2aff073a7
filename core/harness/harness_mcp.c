/* harness_mcp.c: the project's .mcp.json (Claude Code's project MCP
 * servers): bones' server entry "bones" -> `bones mcp` merged in (the
 * user's servers kept), removed again exactly, drift reported
 * (harness_int.h, docs/mcp.md). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "text.h"
#include "util.h"

#define MCP_FILE ".mcp.json"
#define MCP_SERVER_NAME "bones"

/* {"type":"stdio","command":"bones","args":["mcp"]} (new). */
static json_t *our_server(void) {
  return json_pack("{s:s, s:s, s:[s]}", "type", "stdio", "command", "bones", "args", "mcp");
}

int harness_mcp_install(const char *root, json_t *m, json_t *report, struct bones_error *err) {
  char *path = harness_abs(root, MCP_FILE), *text = NULL;
  json_t *obj = NULL, *ours = our_server();
  struct bones_error e;
  int rc = harness_json_load(path, &text, &obj, &e);
  if (rc != BONES_OK) {
    harness_keep(report, MCP_FILE, "%s: not changed", e.message);
    rc = BONES_OK;
    goto done;
  }
  int exists = obj != NULL;
  if (!exists) obj = json_object();
  json_t *servers = json_object_get(obj, "mcpServers");
  if (servers == NULL) json_object_set_new(obj, "mcpServers", servers = json_object());
  if (!json_is_object(servers)) {
    harness_keep(report, MCP_FILE, "its \"mcpServers\" is not an object: not changed");
    goto done;
  }
  json_t *item = harness_manifest_item(m, HK_MCP, MCP_FILE);
  json_t *have = json_object_get(servers, MCP_SERVER_NAME);
  if (have && !json_equal(have, ours)) {
    harness_keep(report, MCP_FILE, "it has a server \"" MCP_SERVER_NAME "\" of yours: not changed");
    goto done;
  }
  if (have) {
    harness_note(report, "unchanged", MCP_FILE);
  } else {
    json_object_set(servers, MCP_SERVER_NAME, ours);
    rc = harness_json_store(path, obj, err);
    if (rc != BONES_OK) goto done;
    harness_note(report, "written", MCP_FILE);
  }
  if (item == NULL && !have) /* recorded only when bones added the entry */
    json_array_append_new(json_object_get(m, "items"),
                          json_pack("{s:s, s:s, s:b, s:o, s:s, s:O}", "kind", HK_MCP, "path", MCP_FILE, "created",
                                    !exists, "original", exists ? bones_utf8_json(text) : json_null(), "name",
                                    MCP_SERVER_NAME, "server", ours));
done:
  json_decref(ours);
  json_decref(obj);
  free(text);
  free(path);
  return rc;
}

int harness_mcp_remove(const char *root, json_t *item, json_t *report, struct bones_error *err) {
  char *path = harness_abs(root, MCP_FILE), *text = NULL;
  json_t *obj = NULL, *base = NULL;
  struct bones_error e;
  int rc = harness_json_load(path, &text, &obj, &e);
  if (rc != BONES_OK) {
    harness_keep(report, MCP_FILE, "%s: kept", e.message);
    rc = BONES_OK;
    goto done;
  }
  if (obj == NULL) goto done; /* gone already */
  json_t *servers = json_object_get(obj, "mcpServers");
  json_t *have = json_object_get(servers, MCP_SERVER_NAME);
  if (have == NULL) goto done; /* the user removed it */
  if (!json_equal(have, json_object_get(item, "server"))) {
    harness_keep(report, MCP_FILE, "its server \"" MCP_SERVER_NAME "\" was edited: kept");
    goto done;
  }
  json_object_del(servers, MCP_SERVER_NAME);
  const char *original = json_string_value(json_object_get(item, "original"));
  json_error_t jerr;
  base = original ? json_loads(original, 0, &jerr) : NULL;
  if (json_object_size(servers) == 0 && (base == NULL || json_object_get(base, "mcpServers") == NULL))
    json_object_del(obj, "mcpServers");
  if (original && json_equal(base, obj)) { /* nothing but bones' entry changed: restore exactly */
    rc = harness_write(path, original, 0644, err);
    if (rc == BONES_OK) harness_note(report, "restored", MCP_FILE);
  } else if (json_is_true(json_object_get(item, "created")) && json_object_size(obj) == 0) {
    if (unlink(path) == 0) harness_note(report, "removed", MCP_FILE);
  } else if ((rc = harness_json_store(path, obj, err)) == BONES_OK) {
    harness_note(report, "restored", MCP_FILE);
  }
done:
  json_decref(base);
  json_decref(obj);
  free(text);
  free(path);
  return rc;
}

void harness_mcp_status(const char *root, json_t *item, json_t *out) {
  char *path = harness_abs(root, MCP_FILE), *text = NULL;
  json_t *obj = NULL;
  struct bones_error e;
  if (harness_json_load(path, &text, &obj, &e) != BONES_OK) {
    harness_status_add(out, item, "edited", e.message);
  } else if (obj == NULL) {
    harness_status_add(out, item, "missing", NULL);
  } else {
    json_t *have = json_object_get(json_object_get(obj, "mcpServers"), MCP_SERVER_NAME);
    if (have == NULL) harness_status_add(out, item, "entry-removed", "the server \"" MCP_SERVER_NAME "\" is gone");
    else if (!json_equal(have, json_object_get(item, "server")))
      harness_status_add(out, item, "edited", "the server \"" MCP_SERVER_NAME "\" was changed");
    else harness_status_add(out, item, "ok", NULL);
  }
  json_decref(obj);
  free(text);
  free(path);
}
