/* harness_files.c: the whole files bones writes for a harness (the Claude
 * Code skills): install, remove, status (harness_int.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "sha256.h"
#include "util.h"

int harness_file_install(const char *root, json_t *m, const char *rel, const char *text, json_t *report,
                         struct bones_error *err) {
  char *path = harness_abs(root, rel);
  char want[65], cur[65];
  bones_sha256_hex(text, strlen(text), want);
  int have = harness_file_sha(path, cur) == 0;
  json_t *item = harness_manifest_item(m, HK_FILE, rel);
  const char *rec = item ? json_string_value(json_object_get(item, "sha256")) : NULL;
  int rc = BONES_OK;
  if (have && strcmp(cur, want) == 0) {
    harness_note(report, "unchanged", rel);
  } else if (have && (rec == NULL || strcmp(rec, cur) != 0)) {
    harness_keep(report, rel,
                 item ? "edited since bones wrote it: kept (delete it and install again for bones' version)"
                      : "a file bones did not write is there: left alone");
    free(path);
    return BONES_OK;
  } else {
    rc = harness_write(path, text, 0644, err);
    if (rc == BONES_OK) harness_note(report, "written", rel);
  }
  if (rc == BONES_OK) {
    if (item == NULL) {
      item = json_pack("{s:s, s:s}", "kind", HK_FILE, "path", rel);
      json_array_append_new(json_object_get(m, "items"), item);
    }
    json_object_set_new(item, "sha256", json_string(want));
  }
  free(path);
  return rc;
}

int harness_file_remove(const char *root, json_t *item, json_t *report, struct bones_error *err) {
  (void)err;
  const char *rel = json_string_value(json_object_get(item, "path"));
  const char *rec = json_string_value(json_object_get(item, "sha256"));
  char *path = harness_abs(root, rel);
  char cur[65];
  if (harness_file_sha(path, cur) != 0) {
    /* gone already: nothing to do */
  } else if (rec && strcmp(rec, cur) == 0) {
    if (unlink(path) == 0) {
      harness_note(report, "removed", rel);
      harness_prune_dirs(root, path);
    } else {
      harness_keep(report, rel, "cannot be removed");
    }
  } else {
    harness_keep(report, rel, "edited since bones wrote it: kept");
  }
  free(path);
  return BONES_OK;
}

void harness_file_status(const char *root, json_t *item, json_t *out) {
  const char *rec = json_string_value(json_object_get(item, "sha256"));
  char *path = harness_abs(root, json_string_value(json_object_get(item, "path")));
  char cur[65];
  if (harness_file_sha(path, cur) != 0) harness_status_add(out, item, "missing", NULL);
  else if (rec == NULL || strcmp(rec, cur) != 0) harness_status_add(out, item, "edited", "differs from what bones wrote");
  else harness_status_add(out, item, "ok", NULL);
  free(path);
}
