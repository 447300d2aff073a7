/* harness_githook.c: the git pre-commit guard (issue 11 item 6): a
 * pre-commit hook in the host repository's hooks directory (git rev-parse
 * --git-path hooks, so core.hooksPath is respected) that runs `bones hook
 * pre-commit`; a hook already there is renamed pre-commit.bones-chained,
 * run first, and put back on removal (harness_int.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "proc.h"
#include "sha256.h"
#include "util.h"

#define CHAINED_SUFFIX ".bones-chained"

/* The absolute path of the pre-commit hook of root's repository. */
static int hook_path(const char *root, char **path, struct bones_error *err) {
  const char *argv[] = {"git", "rev-parse", "--git-path", "hooks", NULL};
  struct bones_run_result res;
  *path = NULL;
  int rc = bones_run(argv, root, NULL, 10000, &res, err);
  if (rc != BONES_OK) return rc;
  if (res.status != 0 || res.out_len == 0) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "git rev-parse --git-path hooks failed in %s: %s", root, res.err);
    bones_run_result_free(&res);
    return BONES_E_UNAVAILABLE;
  }
  res.out[strcspn(res.out, "\r\n")] = '\0';
  char *dir = harness_abs(root, res.out);
  *path = bones_xasprintf("%s/pre-commit", dir);
  free(dir);
  bones_run_result_free(&res);
  return BONES_OK;
}

/* 1 when the file at path is a bones guard (holds the marker line). */
static int is_ours(const char *path) {
  char *text = NULL;
  size_t len = 0;
  struct bones_error e;
  if (bones_read_file(path, 1u << 20, &text, &len, &e) != BONES_OK) return 0;
  int ours = strstr(text, GIT_HOOK_MARKER) != NULL;
  free(text);
  return ours;
}

int harness_githook_install(const char *root, json_t *m, json_t *report, struct bones_error *err) {
  char *path = NULL;
  int rc = hook_path(root, &path, err);
  if (rc != BONES_OK) return rc;
  char *chained = bones_xasprintf("%s" CHAINED_SUFFIX, path);
  const char *script = harness_git_hook_script();
  char want[65], cur[65];
  bones_sha256_hex(script, strlen(script), want);
  json_t *item = harness_manifest_item(m, HK_GIT_HOOK, path);
  const char *rec = item ? json_string_value(json_object_get(item, "sha256")) : NULL;
  int chain = 0;
  if (harness_file_sha(path, cur) == 0) {
    if (strcmp(cur, want) == 0) {
      harness_note(report, "unchanged", path);
      goto record;
    }
    if (is_ours(path) && rec && strcmp(rec, cur) != 0) {
      harness_keep(report, path, "the bones guard was edited since bones wrote it: kept");
      goto done;
    }
    if (!is_ours(path)) {
      if (bones_path_exists(chained)) {
        harness_keep(report, path, "a pre-commit hook is there and %s too: cannot chain, guard not installed", chained);
        goto done;
      }
      if (rename(path, chained) != 0) {
        rc = bones_error_set(err, BONES_E_INTERNAL, "cannot rename %s to %s: %s", path, chained, strerror(errno));
        goto done;
      }
      chain = 1;
    }
  }
  rc = harness_write(path, script, 0755, err);
  if (rc != BONES_OK) {
    if (chain) (void)rename(chained, path); /* put the user's hook back */
    goto done;
  }
  harness_note(report, "written", path);
record:
  if (item == NULL) {
    item = json_pack("{s:s, s:s, s:n}", "kind", HK_GIT_HOOK, "path", path, "chained");
    json_array_append_new(json_object_get(m, "items"), item);
  }
  if (chain) json_object_set_new(item, "chained", json_string(chained));
  json_object_set_new(item, "sha256", json_string(want));
done:
  free(chained);
  free(path);
  return rc;
}

int harness_githook_remove(const char *root, json_t *item, json_t *report, struct bones_error *err) {
  (void)root;
  const char *path = json_string_value(json_object_get(item, "path"));
  const char *chained = json_string_value(json_object_get(item, "chained"));
  const char *rec = json_string_value(json_object_get(item, "sha256"));
  char cur[65];
  int present = harness_file_sha(path, cur) == 0;
  if (present && (rec == NULL || strcmp(rec, cur) != 0)) {
    if (chained && bones_path_exists(chained))
      harness_keep(report, path, "edited since bones wrote it: kept (your earlier hook is still at %s)", chained);
    else harness_keep(report, path, "edited since bones wrote it: kept");
    return BONES_OK;
  }
  if (present) {
    if (unlink(path) != 0) return bones_error_set(err, BONES_E_INTERNAL, "cannot remove %s: %s", path, strerror(errno));
    harness_note(report, "removed", path);
  }
  if (chained && bones_path_exists(chained)) {
    if (rename(chained, path) != 0)
      return bones_error_set(err, BONES_E_INTERNAL, "cannot put %s back as %s: %s", chained, path, strerror(errno));
    harness_note(report, "restored", path);
  }
  return BONES_OK;
}

void harness_githook_status(const char *root, json_t *item, json_t *out) {
  (void)root;
  const char *path = json_string_value(json_object_get(item, "path"));
  const char *rec = json_string_value(json_object_get(item, "sha256"));
  char cur[65];
  if (harness_file_sha(path, cur) != 0) harness_status_add(out, item, "missing", NULL);
  else if (rec == NULL || strcmp(rec, cur) != 0) harness_status_add(out, item, "edited", "differs from what bones wrote");
  else if (access(path, X_OK) != 0) harness_status_add(out, item, "edited", "not executable: git skips it");
  else harness_status_add(out, item, "ok", NULL);
}
