/* harness_int.h: what the core/harness*.c files share (not public). */
#ifndef BONES_HARNESS_INT_H
#define BONES_HARNESS_INT_H

#include <stddef.h>

#include <jansson.h>

#include <bones/error.h>

/* The manifest's item kinds. */
#define HK_FILE "file"         /* a file bones created: {path, sha256} */
#define HK_SETTINGS "settings" /* {path, created, original|null, entries:[{event, group}]} */
#define HK_SECTION "section"   /* {path, created, sha256 (of the section), separator} */
#define HK_GIT_HOOK "git-hook" /* {path (absolute), sha256, chained (absolute)|null} */
#define HK_MCP "mcp-server"    /* {path, created, original|null, name, server} in .mcp.json */

#define AGENTS_BEGIN "<!-- bones:begin -->"
#define AGENTS_END "<!-- bones:end -->"
#define GIT_HOOK_MARKER "# bones:pre-commit-guard"

/* The manifest of root (a new object {version, harnesses, items}), empty
 * when there is none; BONES_E_CORRUPT when it does not parse. */
int harness_manifest_load(const char *root, json_t **m, int *exists, struct bones_error *err);
int harness_manifest_save(const char *root, json_t *m, struct bones_error *err);
/* The item of kind at path in m (borrowed), or NULL. */
json_t *harness_manifest_item(json_t *m, const char *kind, const char *path);

/* <root>/<rel> (malloc'd); rel absolute is returned as a copy. */
char *harness_abs(const char *root, const char *rel);
/* sha256 hex of the file at path into hex; 0 when read, -1 when absent or
 * unreadable. */
int harness_file_sha(const char *path, char hex[65]);
/* Writes text to path (parents created 0755), mode; atomic. */
int harness_write(const char *path, const char *text, unsigned mode, struct bones_error *err);
/* Removes the empty directories from dir's parent... up to (excluding)
 * root: rmdir stops at the first one that is not empty. */
void harness_prune_dirs(const char *root, const char *path);
/* Reads and parses the JSON object file path: *obj (new) and *text (its
 * bytes, malloc'd), both NULL when the file is absent; BONES_E_CORRUPT
 * when it is not a JSON object (at most 4 MiB). */
int harness_json_load(const char *path, char **text, json_t **obj, struct bones_error *err);
/* Writes obj to path two-space indented with a final newline, 0644, atomically. */
int harness_json_store(const char *path, json_t *obj, struct bones_error *err);
/* Appends {path, reason} to report's kept[]. */
void harness_keep(json_t *report, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Appends path to report's array member name. */
void harness_note(json_t *report, const char *name, const char *path);

/* The texts bones writes (static). */
const char *harness_skill_orchestrator(void);
const char *harness_skill_leaf(void);
const char *harness_agents_section(void); /* from AGENTS_BEGIN to AGENTS_END + "\n" */
const char *harness_git_hook_script(void);

/* Per kind: install (into the manifest m), remove, status. */
int harness_claude_settings_install(const char *root, json_t *m, int no_guard, json_t *report, struct bones_error *err);
int harness_settings_remove(const char *root, json_t *item, json_t *report, struct bones_error *err);
void harness_settings_status(const char *root, json_t *item, json_t *out);

int harness_file_install(const char *root, json_t *m, const char *rel, const char *text, json_t *report,
                         struct bones_error *err);
int harness_file_remove(const char *root, json_t *item, json_t *report, struct bones_error *err);
void harness_file_status(const char *root, json_t *item, json_t *out);

int harness_section_install(const char *root, json_t *m, json_t *report, struct bones_error *err);
int harness_section_remove(const char *root, json_t *item, json_t *report, struct bones_error *err);
void harness_section_status(const char *root, json_t *item, json_t *out);

int harness_githook_install(const char *root, json_t *m, json_t *report, struct bones_error *err);
int harness_githook_remove(const char *root, json_t *item, json_t *report, struct bones_error *err);
void harness_githook_status(const char *root, json_t *item, json_t *out);

int harness_mcp_install(const char *root, json_t *m, json_t *report, struct bones_error *err);
int harness_mcp_remove(const char *root, json_t *item, json_t *report, struct bones_error *err);
void harness_mcp_status(const char *root, json_t *item, json_t *out);

/* Appends {kind, path, state, detail?} to out's items[] (and counts drift). */
void harness_status_add(json_t *out, json_t *item, const char *state, const char *detail);

#endif
