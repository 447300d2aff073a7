/* harness_manifest.c: .bones/harness.json and the small file helpers the
 * harness installers share (harness_int.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_int.h"
#include "sha256.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

#define MANIFEST_MAX (4u << 20)

int harness_manifest_load(const char *root, json_t **m, int *exists, struct bones_error *err) {
  *m = NULL;
  if (exists) *exists = 0;
  char *path = bones_ws_path(root, BONES_HARNESS_MANIFEST);
  char *text = NULL;
  size_t len = 0;
  int rc = bones_read_file(path, MANIFEST_MAX, &text, &len, err);
  if (rc == BONES_E_NOTFOUND) {
    free(path);
    bones_error_clear(err);
    *m = json_pack("{s:i, s:[], s:[]}", "version", 1, "harnesses", "items");
    return BONES_OK;
  }
  if (rc != BONES_OK) {
    free(path);
    return rc;
  }
  json_error_t jerr;
  json_t *j = json_loadb(text, len, 0, &jerr);
  free(text);
  if (!json_is_object(j) || !json_is_array(json_object_get(j, "items")) ||
      !json_is_array(json_object_get(j, "harnesses"))) {
    json_decref(j);
    bones_error_set(err, BONES_E_CORRUPT, "%s is not a bones harness manifest", path);
    bones_error_hint(err, "remove the harness files by hand, then delete %s", path);
    free(path);
    return BONES_E_CORRUPT;
  }
  free(path);
  *m = j;
  if (exists) *exists = 1;
  return BONES_OK;
}

int harness_manifest_save(const char *root, json_t *m, struct bones_error *err) {
  char *path = bones_ws_path(root, BONES_HARNESS_MANIFEST);
  char *text = json_dumps(m, JSON_INDENT(2));
  int rc = text ? BONES_OK : bones_error_set(err, BONES_E_INTERNAL, "cannot encode %s", path);
  if (rc == BONES_OK) {
    char *line = bones_xasprintf("%s\n", text);
    rc = bones_write_file_atomic(path, line, strlen(line), 0600, err);
    free(line);
  }
  free(text);
  free(path);
  return rc;
}

json_t *harness_manifest_item(json_t *m, const char *kind, const char *path) {
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(m, "items"), i, it) {
    const char *k = json_string_value(json_object_get(it, "kind"));
    const char *p = json_string_value(json_object_get(it, "path"));
    if (k && p && strcmp(k, kind) == 0 && strcmp(p, path) == 0) return it;
  }
  return NULL;
}

char *harness_abs(const char *root, const char *rel) {
  if (rel[0] == '/') return bones_xstrdup(rel);
  return bones_xasprintf("%s/%s", root, rel);
}

int harness_file_sha(const char *path, char hex[65]) {
  char *text = NULL;
  size_t len = 0;
  struct bones_error e;
  if (bones_read_file(path, 64u << 20, &text, &len, &e) != BONES_OK) return -1;
  bones_sha256_hex(text, len, hex);
  free(text);
  return 0;
}

int harness_write(const char *path, const char *text, unsigned mode, struct bones_error *err) {
  struct stat st;
  if (stat(path, &st) == 0) mode = (unsigned)(st.st_mode & 07777); /* a user's file keeps its mode */
  char *dir = bones_xstrdup(path);
  char *slash = strrchr(dir, '/');
  int rc = BONES_OK;
  if (slash && slash != dir) {
    *slash = '\0';
    rc = bones_mkdir_p(dir, 0755, err);
  }
  free(dir);
  if (rc == BONES_OK) rc = bones_write_file_atomic(path, text, strlen(text), mode, err);
  return rc;
}

void harness_prune_dirs(const char *root, const char *path) {
  char *dir = bones_xstrdup(path);
  size_t rl = strlen(root);
  for (;;) {
    char *slash = strrchr(dir, '/');
    if (slash == NULL) break;
    *slash = '\0';
    if (strlen(dir) <= rl || strncmp(dir, root, rl) != 0) break;
    if (rmdir(dir) != 0) break; /* not empty (or not ours to judge): stop */
  }
  free(dir);
}

/* report[name], created as an array when missing (borrowed). */
static json_t *report_array(json_t *report, const char *name) {
  json_t *a = json_object_get(report, name);
  if (!json_is_array(a)) {
    a = json_array();
    json_object_set_new(report, name, a);
  }
  return a;
}

void harness_keep(json_t *report, const char *path, const char *fmt, ...) {
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  json_array_append_new(report_array(report, "kept"),
                        json_pack("{s:o, s:o}", "path", bones_utf8_json(path), "reason", bones_utf8_json(reason)));
}

void harness_note(json_t *report, const char *name, const char *path) {
  json_array_append_new(report_array(report, name), bones_utf8_json(path));
}

void harness_status_add(json_t *out, json_t *item, const char *state, const char *detail) {
  json_t *o = json_pack("{s:O, s:O, s:s}", "kind", json_object_get(item, "kind"), "path", json_object_get(item, "path"),
                        "state", state);
  if (detail) json_object_set_new(o, "detail", bones_utf8_json(detail));
  json_array_append_new(report_array(out, "items"), o);
  if (strcmp(state, "ok") != 0)
    json_object_set_new(out, "drift", json_integer(json_integer_value(json_object_get(out, "drift")) + 1));
}

#define HARNESS_JSON_MAX (4u << 20)

int harness_json_load(const char *path, char **text, json_t **obj, struct bones_error *err) {
  size_t len = 0;
  *text = NULL;
  *obj = NULL;
  int rc = bones_read_file(path, HARNESS_JSON_MAX, text, &len, err);
  if (rc == BONES_E_NOTFOUND) {
    bones_error_clear(err);
    return BONES_OK;
  }
  if (rc != BONES_OK) return rc;
  json_error_t jerr;
  *obj = json_loadb(*text, len, 0, &jerr);
  if (!json_is_object(*obj)) {
    json_decref(*obj);
    *obj = NULL;
    return bones_error_set(err, BONES_E_CORRUPT, "%s is not a JSON object (%s, line %d)", path, jerr.text, jerr.line);
  }
  return BONES_OK;
}

int harness_json_store(const char *path, json_t *obj, struct bones_error *err) {
  char *body = json_dumps(obj, JSON_INDENT(2));
  if (body == NULL) return bones_error_set(err, BONES_E_INTERNAL, "cannot encode %s", path);
  char *text = bones_xasprintf("%s\n", body);
  free(body);
  int rc = harness_write(path, text, 0644, err);
  free(text);
  return rc;
}
