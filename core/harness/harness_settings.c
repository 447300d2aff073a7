/* harness_settings.c: Claude Code's .claude/settings.json: bones' hook
 * entries merged in (the user's keys and hooks kept, each of ours added
 * once), removed again exactly, drift reported (harness_int.h).  The file
 * bones writes validates against
 * docs/schemas/claude-code-settings-hooks.schema.json. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "text.h"
#include "util.h"

#define SETTINGS_FILE ".claude/settings.json"
#define HOOK_TIMEOUT_S 10 /* Claude Code kills a hook after this (seconds) */

/* {matcher, hooks:[{type:"command", command, timeout}]} */
static json_t *group(const char *matcher, const char *command) {
  return json_pack("{s:s, s:[{s:s, s:s, s:i}]}", "matcher", matcher, "hooks", "type", "command", "command", command,
                   "timeout", HOOK_TIMEOUT_S);
}

/* The entries bones adds: [{event, group}]. */
static json_t *wanted(int no_guard) {
  json_t *w = json_array();
  static const char *const starts[] = {"startup", "resume", "compact"};
  for (size_t i = 0; i < 3; i++)
    json_array_append_new(w, json_pack("{s:s, s:o}", "event", "SessionStart", "group",
                                       group(starts[i], "bones prime --hook=session-start")));
  json_array_append_new(w, json_pack("{s:s, s:o}", "event", "PostToolUse", "group", group("*", "bones hook heartbeat")));
  if (!no_guard)
    json_array_append_new(w, json_pack("{s:s, s:o}", "event", "PreToolUse", "group", group("Bash", "bones hook pre-tool-use")));
  return w;
}

/* Adds entry's group to settings (an object) unless an equal one is
 * there: 1 when added, 0 when present, -1 when settings' shape is not a
 * hooks object of arrays. */
static int add_entry(json_t *settings, json_t *entry) {
  const char *event = json_string_value(json_object_get(entry, "event"));
  json_t *g = json_object_get(entry, "group");
  json_t *hooks = json_object_get(settings, "hooks");
  if (hooks == NULL) json_object_set_new(settings, "hooks", hooks = json_object());
  if (!json_is_object(hooks)) return -1;
  json_t *arr = json_object_get(hooks, event);
  if (arr == NULL) json_object_set_new(hooks, event, arr = json_array());
  if (!json_is_array(arr)) return -1;
  size_t i;
  json_t *x;
  json_array_foreach(arr, i, x) if (json_equal(x, g)) return 0;
  json_array_append(arr, g);
  return 1;
}

/* 1 when settings holds entry's group. */
static int has_entry(json_t *settings, json_t *entry) {
  json_t *arr = json_object_get(json_object_get(settings, "hooks"), json_string_value(json_object_get(entry, "event")));
  size_t i;
  json_t *x;
  json_array_foreach(arr, i, x) if (json_equal(x, json_object_get(entry, "group"))) return 1;
  return 0;
}

/* Removes entry's group from settings, and the event array and the hooks
 * object when that leaves them empty. */
static void drop_entry(json_t *settings, json_t *entry) {
  const char *event = json_string_value(json_object_get(entry, "event"));
  json_t *hooks = json_object_get(settings, "hooks");
  json_t *arr = json_object_get(hooks, event);
  if (!json_is_array(arr)) return;
  for (size_t i = json_array_size(arr); i-- > 0;)
    if (json_equal(json_array_get(arr, i), json_object_get(entry, "group"))) json_array_remove(arr, i);
  if (json_array_size(arr) == 0) json_object_del(hooks, event);
  if (json_is_object(hooks) && json_object_size(hooks) == 0) json_object_del(settings, "hooks");
}

int harness_claude_settings_install(const char *root, json_t *m, int no_guard, json_t *report,
                                    struct bones_error *err) {
  char *path = harness_abs(root, SETTINGS_FILE), *text = NULL;
  json_t *obj = NULL, *want = wanted(no_guard);
  struct bones_error e;
  int rc = harness_json_load(path, &text, &obj, &e);
  if (rc != BONES_OK) {
    harness_keep(report, SETTINGS_FILE, "%s: not changed", e.message);
    rc = BONES_OK;
    goto done;
  }
  int exists = obj != NULL;
  if (!exists) obj = json_object();
  json_t *item = harness_manifest_item(m, HK_SETTINGS, SETTINGS_FILE);
  int added = 0;
  size_t i;
  json_t *entry;
  json_array_foreach(want, i, entry) {
    int r = add_entry(obj, entry);
    if (r < 0) {
      harness_keep(report, SETTINGS_FILE, "its \"hooks\" is not an object of arrays: not changed");
      goto done;
    }
    added += r;
  }
  if (added) {
    rc = harness_json_store(path, obj, err);
    if (rc != BONES_OK) goto done;
    harness_note(report, "written", SETTINGS_FILE);
  } else {
    harness_note(report, "unchanged", SETTINGS_FILE);
  }
  if (item == NULL) {
    item = json_pack("{s:s, s:s, s:b, s:o, s:[]}", "kind", HK_SETTINGS, "path", SETTINGS_FILE, "created", !exists,
                     "original", exists ? bones_utf8_json(text) : json_null(), "entries");
    json_array_append_new(json_object_get(m, "items"), item);
  }
  json_t *entries = json_object_get(item, "entries");
  json_array_foreach(want, i, entry) {
    size_t j;
    json_t *have;
    int known = 0;
    json_array_foreach(entries, j, have) known |= json_equal(have, entry);
    if (!known) json_array_append(entries, entry);
  }
done:
  json_decref(want);
  json_decref(obj);
  free(text);
  free(path);
  return rc;
}

int harness_settings_remove(const char *root, json_t *item, json_t *report, struct bones_error *err) {
  char *path = harness_abs(root, SETTINGS_FILE), *text = NULL;
  json_t *obj = NULL, *base = NULL, *entries = json_object_get(item, "entries");
  struct bones_error e;
  int rc = harness_json_load(path, &text, &obj, &e);
  if (rc != BONES_OK) {
    harness_keep(report, SETTINGS_FILE, "%s: kept", e.message);
    rc = BONES_OK;
    goto done;
  }
  if (obj == NULL) goto done; /* gone already */
  const char *original = json_string_value(json_object_get(item, "original"));
  json_error_t jerr;
  base = original ? json_loads(original, 0, &jerr) : json_object();
  size_t i;
  json_t *entry;
  if (json_is_object(base)) json_array_foreach(entries, i, entry) add_entry(base, entry);
  if (json_is_object(base) && json_equal(base, obj)) { /* nothing but bones' entries changed: restore exactly */
    if (original) {
      rc = harness_write(path, original, 0644, err);
      if (rc == BONES_OK) harness_note(report, "restored", SETTINGS_FILE);
    } else if (unlink(path) == 0) {
      harness_note(report, "removed", SETTINGS_FILE);
      harness_prune_dirs(root, path);
    }
    goto done;
  }
  json_array_foreach(entries, i, entry) drop_entry(obj, entry);
  if (json_is_true(json_object_get(item, "created")) && json_object_size(obj) == 0) {
    if (unlink(path) == 0) {
      harness_note(report, "removed", SETTINGS_FILE);
      harness_prune_dirs(root, path);
    }
  } else if ((rc = harness_json_store(path, obj, err)) == BONES_OK) {
    harness_note(report, "restored", SETTINGS_FILE);
  }
done:
  json_decref(base);
  json_decref(obj);
  free(text);
  free(path);
  return rc;
}

void harness_settings_status(const char *root, json_t *item, json_t *out) {
  char *path = harness_abs(root, SETTINGS_FILE), *text = NULL;
  json_t *obj = NULL;
  struct bones_error e;
  if (harness_json_load(path, &text, &obj, &e) != BONES_OK) harness_status_add(out, item, "edited", e.message);
  else if (obj == NULL) harness_status_add(out, item, "missing", NULL);
  else {
    size_t i;
    json_t *entry;
    char detail[256] = "";
    json_array_foreach(json_object_get(item, "entries"), i, entry) {
      if (!has_entry(obj, entry) && detail[0] == '\0')
        snprintf(detail, sizeof detail, "the %s hook (matcher %s) bones added is gone or changed",
                 json_string_value(json_object_get(entry, "event")),
                 json_string_value(json_object_get(json_object_get(entry, "group"), "matcher")));
    }
    harness_status_add(out, item, detail[0] ? "entry-removed" : "ok", detail[0] ? detail : NULL);
  }
  json_decref(obj);
  free(text);
  free(path);
}
