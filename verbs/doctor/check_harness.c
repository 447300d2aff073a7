/* check_harness.c: doctor check on the harness files `bones harness
 * install` recorded in .bones/harness.json: each still as bones wrote it,
 * or drifted (missing, edited, a settings entry or the AGENTS.md section
 * removed).  No manifest: no check. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "harness.h"

void doctor_harness(struct doctor_run *run) {
  json_t *st = NULL;
  struct bones_error err;
  if (bones_harness_status(run->root, &st, &err) != BONES_OK) {
    bones_doctor_add(&run->report, run->root, "harness", BONES_CHECK_FAIL, "run `bones harness remove`, or delete the file",
                     "%s", err.message);
    return;
  }
  if (!json_is_true(json_object_get(st, "installed"))) {
    json_decref(st);
    return;
  }
  char buf[700] = "";
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(st, "items"), i, it) {
    const char *state = json_string_value(json_object_get(it, "state"));
    if (strcmp(state, "ok") == 0) continue;
    size_t used = strlen(buf);
    if (used + 8 >= sizeof buf) break;
    snprintf(buf + used, sizeof buf - used, "%s%s %s", used ? ", " : "", json_string_value(json_object_get(it, "path")),
             state);
  }
  if (buf[0])
    bones_doctor_add(&run->report, run->root, "harness", BONES_CHECK_WARN,
                     "`bones harness install` rewrites what is missing (edited files are kept); `bones harness status` "
                     "shows each item",
                     "harness files drifted from what bones wrote: %s", buf);
  else
    bones_doctor_add(&run->report, run->root, "harness", BONES_CHECK_OK, NULL,
                     "%zu harness item(s) as bones wrote them (`bones harness status`)",
                     json_array_size(json_object_get(st, "items")));
  json_decref(st);
}
