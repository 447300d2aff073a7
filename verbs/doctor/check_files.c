/* check_files.c: doctor checks on the workspace's files: config.json
 * readable, and the modes of the state files (.bones/ 0700, files 0600). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checks.h"
#include "url.h"
#include "util.h"
#include "workspace.h"

void doctor_config(struct doctor_run *run) {
  char *path = bones_ws_path(run->root, "config.json");
  json_error_t jerr;
  json_t *cfg = json_load_file(path, 0, &jerr);
  const char *sub = json_string_value(json_object_get(cfg, "substrate"));
  if (cfg == NULL)
    bones_doctor_add(&run->report, run->root, "config", BONES_CHECK_FAIL,
                     "fix or remove the file, then run `bones up` again", "%s is unreadable: %s (line %d)", path,
                     jerr.text, jerr.line);
  else if (!json_is_object(cfg) || sub == NULL || *sub == '\0')
    bones_doctor_add(&run->report, run->root, "config", BONES_CHECK_FAIL, "run `bones up --substrate=sqlite|nats|redis|URL`",
                     "%s records no substrate", path);
  else {
    char *shown = bones_url_redact(sub); /* never the password */
    bones_doctor_add(&run->report, run->root, "config", BONES_CHECK_OK, NULL, "%s readable (substrate %s)", path, shown);
    free(shown);
  }
  json_decref(cfg);
  free(path);
}

/* Appends "PATH MODE, " items of issues (fixed or not, per want_fixed)
 * to buf. */
static void list_issues(char *buf, size_t size, const struct bones_mode_issue *v, size_t n, int want_fixed,
                        const char *root) {
  size_t rl = strlen(root);
  for (size_t i = 0; i < n; i++) {
    if (v[i].fixed != want_fixed) continue;
    const char *p = strncmp(v[i].path, root, rl) == 0 && v[i].path[rl] == '/' ? v[i].path + rl + 1 : v[i].path;
    size_t used = strlen(buf);
    if (used + 8 >= size) break;
    snprintf(buf + used, size - used, "%s%s %s %04o (want %04o)", used ? ", " : "", p, want_fixed ? "was" : "is",
             v[i].mode, v[i].want);
  }
}

void doctor_modes(struct doctor_run *run) {
  struct bones_mode_issue *v = NULL;
  size_t n = 0;
  struct bones_error err;
  if (bones_state_modes(run->root, run->fix, &v, &n, &err) != BONES_OK) {
    bones_doctor_add(&run->report, run->root, "modes", BONES_CHECK_FAIL, NULL, "%s", err.message);
    return;
  }
  size_t fixed = 0;
  for (size_t i = 0; i < n; i++) fixed += (size_t)v[i].fixed;
  char buf[700] = "";
  if (n == 0) {
    bones_doctor_add(&run->report, run->root, "modes", BONES_CHECK_OK, NULL,
                     ".bones/ is private (directories 0700, files 0600)");
  } else if (fixed == n) {
    list_issues(buf, sizeof buf, v, n, 1, run->root);
    bones_doctor_add(&run->report, run->root, "modes", BONES_CHECK_FIXED, NULL, "made private: %s", buf);
  } else {
    list_issues(buf, sizeof buf, v, n, 0, run->root);
    bones_doctor_add(&run->report, run->root, "modes", BONES_CHECK_WARN,
                     run->fix ? "chmod failed: check the owner of those files" : FIX_HINT " (chmod go-rwx)",
                     "readable by others: %s", buf);
  }
  bones_mode_issues_free(v, n);
}
