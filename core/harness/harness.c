/* harness.c: `bones harness install|remove|status` in the core: the
 * manifest's items dispatched to their kind (harness.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_int.h"
#include "util.h"
#include "workspace.h"

#define SKILL_ORCHESTRATOR ".claude/skills/bones-orchestrator/SKILL.md"
#define SKILL_LEAF ".claude/skills/bones-leaf/SKILL.md"

static const struct {
  const char *name;
  unsigned bit;
} kinds[] = {{"claude", BONES_HARNESS_CLAUDE}, {"codex", BONES_HARNESS_CODEX}, {"generic", BONES_HARNESS_GENERIC}};

int bones_harness_parse(const char *name, unsigned *mask, struct bones_error *err) {
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(name, kinds[i].name) == 0) {
      *mask |= kinds[i].bit;
      return BONES_OK;
    }
  bones_error_set(err, BONES_E_USAGE, "unknown harness '%s'", name);
  return bones_error_hint(err, "use --harness=claude, codex or generic (AGENTS.md: Codex, Gemini CLI, Aider, ...)");
}

/* Adds the names of mask's harnesses to the array names (once each). */
static void add_names(json_t *names, unsigned mask) {
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    if (!(mask & kinds[i].bit)) continue;
    size_t j;
    json_t *n;
    int have = 0;
    json_array_foreach(names, j, n) have |= strcmp(json_string_value(n), kinds[i].name) == 0;
    if (!have) json_array_append_new(names, json_string(kinds[i].name));
  }
}

int bones_harness_install(const char *root, const struct bones_harness_opts *o, json_t **report,
                          struct bones_error *err) {
  unsigned mask = o->harnesses ? o->harnesses : BONES_HARNESS_CLAUDE;
  json_t *r = json_pack("{s:[], s:[], s:[], s:[]}", "harnesses", "written", "unchanged", "kept");
  *report = r;
  add_names(json_object_get(r, "harnesses"), mask);
  json_t *m = NULL;
  int rc = harness_manifest_load(root, &m, NULL, err);
  if (rc != BONES_OK) return rc;
  if (mask & BONES_HARNESS_CLAUDE) {
    rc = harness_claude_settings_install(root, m, o->no_guard, r, err);
    if (rc == BONES_OK) rc = harness_file_install(root, m, SKILL_ORCHESTRATOR, harness_skill_orchestrator(), r, err);
    if (rc == BONES_OK) rc = harness_file_install(root, m, SKILL_LEAF, harness_skill_leaf(), r, err);
    if (rc == BONES_OK) rc = harness_mcp_install(root, m, r, err); /* .mcp.json: `bones mcp` */
  }
  if (rc == BONES_OK && (mask & (BONES_HARNESS_CODEX | BONES_HARNESS_GENERIC)))
    rc = harness_section_install(root, m, r, err);
  if (rc == BONES_OK) rc = harness_githook_install(root, m, r, err);
  add_names(json_object_get(m, "harnesses"), mask);
  struct bones_error e;
  int src = harness_manifest_save(root, m, &e); /* what was written so far, also after a failure */
  if (rc == BONES_OK && src != BONES_OK) {
    *err = e;
    rc = src;
  }
  json_decref(m);
  return rc;
}

typedef int (*remove_fn)(const char *root, json_t *item, json_t *report, struct bones_error *err);
typedef void (*status_fn)(const char *root, json_t *item, json_t *out);

static const struct {
  const char *kind;
  remove_fn remove;
  status_fn status;
} ops[] = {{HK_FILE, harness_file_remove, harness_file_status},
           {HK_SETTINGS, harness_settings_remove, harness_settings_status},
           {HK_SECTION, harness_section_remove, harness_section_status},
           {HK_GIT_HOOK, harness_githook_remove, harness_githook_status},
           {HK_MCP, harness_mcp_remove, harness_mcp_status}};

/* The index in ops of item's kind, or -1. */
static int op_of(json_t *item) {
  const char *k = json_string_value(json_object_get(item, "kind"));
  if (k == NULL || !json_is_string(json_object_get(item, "path"))) return -1;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp(k, ops[i].kind) == 0) return (int)i;
  return -1;
}

int bones_harness_remove(const char *root, json_t **report, struct bones_error *err) {
  json_t *r = json_pack("{s:[], s:[], s:[]}", "removed", "restored", "kept");
  *report = r;
  json_t *m = NULL;
  int exists = 0;
  int rc = harness_manifest_load(root, &m, &exists, err);
  if (rc != BONES_OK || !exists) {
    json_decref(m);
    return rc;
  }
  json_t *left = json_array(); /* items that failed: kept in the manifest */
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(m, "items"), i, item) {
    int op = op_of(item);
    struct bones_error e;
    bones_error_clear(&e);
    if (op < 0) continue;
    if (ops[op].remove(root, item, r, &e) != BONES_OK) {
      json_array_append(left, item);
      if (rc == BONES_OK) {
        *err = e;
        rc = e.code;
      }
    }
  }
  char *path = bones_ws_path(root, BONES_HARNESS_MANIFEST);
  if (json_array_size(left) == 0) {
    unlink(path);
  } else {
    json_object_set(m, "items", left);
    struct bones_error e;
    harness_manifest_save(root, m, &e);
  }
  free(path);
  json_decref(left);
  json_decref(m);
  return rc;
}

int bones_harness_status(const char *root, json_t **report, struct bones_error *err) {
  json_t *m = NULL;
  int exists = 0;
  *report = NULL;
  int rc = harness_manifest_load(root, &m, &exists, err);
  if (rc != BONES_OK) return rc;
  json_t *r = json_pack("{s:b, s:O, s:[], s:i}", "installed", exists, "harnesses", json_object_get(m, "harnesses"),
                        "items", "drift", 0);
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(m, "items"), i, item) {
    int op = op_of(item);
    if (op >= 0) ops[op].status(root, item, r);
  }
  json_decref(m);
  *report = r;
  return BONES_OK;
}
