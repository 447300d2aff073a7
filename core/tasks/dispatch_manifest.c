/* dispatch_manifest.c: .bones/dispatch.json and its lock, and the command
 * lines that start a wave's leaves (dispatch.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dispatch.h"
#include "dispatch_int.h"
#include "text.h"
#include "util.h"

#define MANIFEST_MAX (16u * 1024 * 1024)

static char *manifest_path(const char *root) { return bones_xasprintf("%s/.bones/dispatch.json", root); }

int bones_dispatch_load(const char *root, json_t **manifest, struct bones_error *err) {
  *manifest = NULL;
  char *path = manifest_path(root), *data = NULL;
  size_t len = 0;
  int rc = bones_read_file(path, MANIFEST_MAX, &data, &len, err);
  if (rc == BONES_E_NOTFOUND)
    bones_error_set(err, BONES_E_NOTFOUND, "no plan was dispatched in this workspace (.bones/dispatch.json)");
  if (rc == BONES_OK) {
    json_error_t jerr;
    json_t *m = json_loadb(data, len, 0, &jerr);
    if (!json_is_object(m) || !json_is_array(json_object_get(m, "waves")) ||
        !json_is_string(json_object_get(m, "state"))) {
      json_decref(m);
      rc = bones_error_set(err, BONES_E_CORRUPT, "corrupt dispatch manifest %s: %s", path,
                           m ? "members missing" : jerr.text);
    } else *manifest = m;
  }
  free(data);
  free(path);
  return rc;
}

int dispatch_save(const char *root, json_t *manifest, struct bones_error *err) {
  char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_SORT_KEYS);
  if (text == NULL) return bones_error_set(err, BONES_E_INTERNAL, "cannot encode the dispatch manifest");
  char *path = manifest_path(root);
  size_t len = strlen(text);
  int rc = bones_write_file_atomic(path, text, len, 0600, err);
  free(path);
  free(text);
  return rc;
}

int dispatch_lock(const char *root, struct bones_error *err) {
  char *path = bones_xasprintf("%s/.bones/dispatch.lock", root);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || flock(fd, LOCK_EX) != 0) {
    bones_error_set(err, BONES_E_INTERNAL, "cannot lock %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    fd = -1;
  }
  free(path);
  return fd;
}

void dispatch_unlock(int fd) {
  if (fd >= 0) close(fd); /* closing drops the flock */
}

json_t *dispatch_wave(json_t *manifest, long n) {
  if (n < 1) return NULL;
  return json_array_get(json_object_get(manifest, "waves"), (size_t)(n - 1));
}

json_t *bones_dispatch_wave_slots(const char *root, json_t *manifest, long n) {
  json_t *out = json_array(), *wave = dispatch_wave(manifest, n), *slot;
  size_t i;
  char *qroot = bones_shell_quote(root);
  json_array_foreach(json_object_get(wave, "slots"), i, slot) {
    const char *name = json_string_value(json_object_get(slot, "name"));
    if (name == NULL) continue;
    char *command = bones_xasprintf("cd %s && bones swarm join --slot %s --next", qroot, name);
    char *prompt = bones_xasprintf(
        "You are the leaf agent of slot %s (wave %ld of the plan). Start with: %s\n"
        "It claims your task, holds its files and prints your worktree: work only there. "
        "`bones tasks show` with the task id it printed gives the plan's text for the task; `bones prime` "
        "tells you where you are at any time.\n"
        "Commit with `bones swarm commit -m MESSAGE` (never git commit). When the task is done: "
        "`bones swarm close --result success --summary TEXT`; if you cannot finish it: "
        "`bones swarm close --result fail --summary WHY` (your worktree is kept for `bones swarm resume`).",
        name, n, command);
    json_t *s = json_deep_copy(slot);
    json_object_set_new(s, "command", bones_utf8_json(command));
    json_object_set_new(s, "prompt", bones_utf8_json(prompt));
    json_array_append_new(out, s);
    free(command);
    free(prompt);
  }
  free(qroot);
  return out;
}
