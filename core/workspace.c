/* workspace.c: workspace discovery and substrate choice (workspace.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "util.h"
#include "workspace.h"

int bones_workspace_find(const char *start, char **root, struct bones_error *err) {
  *root = NULL;
  char *dir = start ? realpath(start, NULL) : getcwd(NULL, 0);
  if (dir == NULL)
    return bones_error_set(err, BONES_E_USAGE, "cannot resolve %s: %s", start ? start : ".", strerror(errno));
  for (;;) {
    char *cfg = bones_xasprintf("%s%s" BONES_DIR "/config.json", dir, strcmp(dir, "/") == 0 ? "" : "/");
    int found = bones_path_is_file(cfg);
    free(cfg);
    if (found) {
      *root = dir;
      return BONES_OK;
    }
    char *slash = strrchr(dir, '/');
    if (slash == NULL || strcmp(dir, "/") == 0) break;
    if (slash == dir) slash[1] = '\0';
    else *slash = '\0';
  }
  free(dir);
  return BONES_OK;
}

char *bones_workspace_config_substrate(const char *root) {
  char *path = bones_xasprintf("%s/" BONES_DIR "/config.json", root);
  json_error_t jerr;
  json_t *cfg = json_load_file(path, 0, &jerr);
  free(path);
  if (cfg == NULL) return NULL;
  const char *s = json_string_value(json_object_get(cfg, "substrate"));
  char *out = s && *s ? bones_xstrdup(s) : NULL;
  json_decref(cfg);
  return out;
}

int bones_substrate_resolve(const char *spec, const char *root, char **url, struct bones_error *err) {
  *url = NULL;
  if (spec == NULL || *spec == '\0')
    return bones_error_set(err, BONES_E_USAGE, "empty substrate");
  if (strchr(spec, ':')) {
    *url = bones_xstrdup(spec);
    return BONES_OK;
  }
  if (strcmp(spec, "sqlite") == 0) {
    if (root == NULL) {
      bones_error_set(err, BONES_E_NOWORKSPACE, "the sqlite substrate needs a workspace or a path");
      bones_error_hint(err, "run `bones up` in a git repository, or pass --substrate=sqlite:PATH");
      return BONES_E_NOWORKSPACE;
    }
    *url = bones_xasprintf("sqlite:%s/" BONES_DIR "/kv.sqlite", root);
    return BONES_OK;
  }
  if (strcmp(spec, "nats") == 0 || strcmp(spec, "redis") == 0) {
    if (root == NULL) {
      bones_error_set(err, BONES_E_NOWORKSPACE, "a managed %s substrate needs a workspace", spec);
      bones_error_hint(err, "run `bones up --substrate=%s`, or name a server: --substrate=%s://HOST:PORT", spec, spec);
      return BONES_E_NOWORKSPACE;
    }
    char *path = bones_xasprintf("%s/" BONES_DIR "/hub-kv-url", root);
    char *data = NULL;
    struct bones_error e;
    int rc = bones_read_file(path, 4096, &data, NULL, &e);
    free(path);
    if (rc != BONES_OK) {
      bones_error_set(err, BONES_E_UNAVAILABLE, "the managed %s server of this workspace is not running", spec);
      bones_error_hint(err, "start it with `bones hub start`");
      return BONES_E_UNAVAILABLE;
    }
    data[strcspn(data, "\r\n")] = '\0';
    if (strncmp(data, spec, strlen(spec)) != 0) {
      bones_error_set(err, BONES_E_USAGE, "workspace hub runs '%s', not a %s substrate", data, spec);
      free(data);
      return BONES_E_USAGE;
    }
    *url = data;
    return BONES_OK;
  }
  *url = bones_xstrdup(spec);
  return BONES_OK;
}
