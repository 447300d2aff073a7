/* rich_args.c: the --description/--acceptance/--label options that
 * `tasks create` and `tasks update` share, and TEXT|@FILE arguments. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rich_args.h"
#include "tasks_rich.h"
#include "text.h"
#include "util.h"

int tasks_text_arg(const char *what, const char *arg, char **text, struct bones_error *err) {
  *text = NULL;
  char *data = NULL;
  if (arg[0] == '@') {
    size_t len = 0;
    int rc = bones_read_file(arg + 1, BONES_TASK_TEXT_MAX, &data, &len, err);
    if (rc == BONES_E_TOOLARGE)
      return bones_error_set(err, BONES_E_TOOLARGE, "%s: %s is larger than %d bytes", what, arg + 1, BONES_TASK_TEXT_MAX);
    if (rc != BONES_OK) return rc == BONES_E_NOTFOUND ? bones_error_prefix(err, "%s", what) : rc;
    if (memchr(data, '\0', len)) {
      free(data);
      return bones_error_set(err, BONES_E_USAGE, "%s: %s holds a NUL byte", what, arg + 1);
    }
  } else {
    data = bones_xstrdup(arg);
  }
  int rc = bones_task_text_check(what, data, err);
  if (rc != BONES_OK) {
    free(data);
    return rc;
  }
  *text = data;
  return BONES_OK;
}

int tasks_rich_option(int c, const char *optarg, json_t *changes, struct bones_error *err) {
  if (c == TASKS_OPT_DESCRIPTION || c == TASKS_OPT_ACCEPTANCE) {
    const char *key = c == TASKS_OPT_DESCRIPTION ? "description" : "acceptance";
    char *text = NULL;
    int rc = tasks_text_arg(c == TASKS_OPT_DESCRIPTION ? "--description" : "--acceptance", optarg, &text, err);
    if (rc != BONES_OK) return rc;
    json_object_set_new(changes, key, *text ? json_string(text) : json_null());
    free(text);
    return BONES_OK;
  }
  const char *key = c == TASKS_OPT_REMOVE_LABEL ? "remove_labels" : c == TASKS_OPT_ADD_LABEL ? "add_labels" : "labels";
  int rc = bones_task_label_check(optarg, err);
  if (rc != BONES_OK) return rc;
  json_t *a = json_object_get(changes, key);
  if (a == NULL) json_object_set_new(changes, key, a = json_array());
  json_array_append_new(a, json_string(optarg));
  return BONES_OK;
}
