/* swarm_fanin.c: what the slots of a wave did (swarm_fanin.h). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sessions.h"
#include "swarm_fanin.h"
#include "tasks.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

#define EVENTS_MAX (64 * 1024 * 1024)

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

void bones_swarm_commit_event(const char *root, const char *slot, const char *task, const char *agent,
                              const char *checkin, json_t *changes) {
  json_t *e = bones_swarm_event_record("slot_commit", slot, task, agent, NULL, NULL, checkin);
  if (e == NULL) return;
  json_t *files = json_array();
  size_t i;
  json_t *c;
  json_array_foreach(changes, i, c) if (str(c, "path")) json_array_append_new(files, bones_utf8_json(str(c, "path")));
  json_object_set_new(e, "files", files);
  bones_swarm_event_append(root, e);
}

char *bones_fanin_wave(const char *root, const char *wave) {
  if (wave) return bones_xstrdup(wave);
  char *path = bones_ws_path(root, "dispatch.json");
  char *data = NULL;
  size_t len = 0;
  struct bones_error err;
  char *out = NULL;
  if (bones_read_file(path, 1024 * 1024, &data, &len, &err) == BONES_OK) {
    json_t *d = json_loadb(data, len, 0, NULL);
    json_t *w = json_object_get(d, "current_wave");
    if (json_is_integer(w)) out = bones_xasprintf("%lld", (long long)json_integer_value(w));
    else if (json_is_string(w)) out = bones_xstrdup(json_string_value(w));
    json_decref(d);
  }
  free(data);
  free(path);
  return out;
}

/* The slot's entry in slots (created on first use; borrowed). */
static json_t *slot_entry(json_t *slots, const char *name) {
  size_t i;
  json_t *s;
  json_array_foreach(slots, i, s) if (strcmp(str(s, "name"), name) == 0) return s;
  s = json_pack("{s:s, s:s, s:i, s:[], s:n, s:[]}", "name", name, "result", "success", "commits", 0, "files", "summary",
                "tasks");
  json_array_append_new(slots, s);
  return s;
}

/* A task's state for the slot's result: its result when it failed or
 * forked, else its status unless closed, else its result (or "closed"). */
static const char *task_state(json_t *task) {
  const char *status = str(task, "status"), *result = str(task, "result");
  if (result && (strcmp(result, "fail") == 0 || strcmp(result, "fork") == 0)) return result;
  if (status && strcmp(status, "closed") != 0) return status;
  return result && strcmp(result, "success") == 0 ? "success" : "closed";
}

static int rank(const char *state) {
  static const char *const order[] = {"success", "closed", "open", "claimed", "fork", "fail", NULL};
  for (int i = 0; order[i]; i++)
    if (strcmp(order[i], state) == 0) return i;
  return 2;
}

static int has_string(json_t *arr, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return 1;
  return 0;
}

/* Counts the slot_commit records of swarm-events.jsonl into the slots. */
static void add_commits(const char *root, json_t *slots) {
  char *path = bones_ws_path(root, "swarm-events.jsonl");
  char *data = NULL;
  size_t len = 0;
  struct bones_error err;
  int rc = bones_read_file(path, EVENTS_MAX, &data, &len, &err);
  free(path);
  if (rc != BONES_OK) return;
  for (char *line = data, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    json_t *e = json_loads(line, 0, NULL);
    const char *event = str(e, "event"), *slot = str(e, "slot"), *task = str(e, "task_id");
    if (event && slot && task && strcmp(event, "slot_commit") == 0) {
      size_t i;
      json_t *s;
      json_array_foreach(slots, i, s) {
        if (strcmp(str(s, "name"), slot) != 0) continue;
        size_t j;
        json_t *t;
        int mine = 0;
        json_array_foreach(json_object_get(s, "tasks"), j, t) if (strcmp(str(t, "id"), task) == 0) mine = 1;
        if (!mine) break;
        json_object_set_new(s, "commits", json_integer(json_integer_value(json_object_get(s, "commits")) + 1));
        json_t *files = json_object_get(s, "files"), *f;
        json_array_foreach(json_object_get(e, "files"), j, f) {
          if (json_is_string(f) && !has_string(files, json_string_value(f))) json_array_append(files, f);
        }
        break;
      }
    }
    json_decref(e);
  }
  free(data);
}

int bones_swarm_fanin(const char *root, bones_kv *kv, const char *wave, json_t **out, struct bones_error *err) {
  *out = NULL;
  struct bones_tasks *t = NULL;
  json_t *all = NULL;
  int rc = bones_tasks_open(kv, "fan-in", &t, err);
  if (rc == BONES_OK) rc = bones_tasks_list(t, &all, NULL, err);
  bones_tasks_free(t);
  if (rc != BONES_OK) return rc;
  json_t *slots = json_array();
  size_t i;
  json_t *task;
  json_array_foreach(all, i, task) { /* created_at order: a slot's last task is its last one */
    json_t *ctxo = json_object_get(task, "context");
    const char *slot = str(ctxo, "slot"), *w = str(ctxo, "wave");
    if (slot == NULL || (wave && (w == NULL || strcmp(w, wave) != 0))) continue;
    json_t *s = slot_entry(slots, slot);
    json_t *summary = json_object_get(task, "summary");
    json_t *entry = json_pack("{s:s?, s:s?, s:s?, s:O?, s:O?}", "id", str(task, "id"), "title", str(task, "title"),
                              "status", str(task, "status"), "result", json_object_get(task, "result"), "summary", summary);
    if (!json_object_get(entry, "result")) json_object_set_new(entry, "result", json_null());
    if (!json_object_get(entry, "summary")) json_object_set_new(entry, "summary", json_null());
    json_array_append_new(json_object_get(s, "tasks"), entry);
    json_object_set(s, "summary", summary && json_is_string(summary) ? summary : json_null());
    const char *state = task_state(task);
    if (rank(state) > rank(str(s, "result"))) json_object_set_new(s, "result", json_string(state));
  }
  json_decref(all);
  add_commits(root, slots);
  int ok = json_array_size(slots) > 0;
  json_array_foreach(slots, i, task) if (strcmp(str(task, "result"), "success") != 0) ok = 0;
  *out = json_pack("{s:o, s:b, s:o}", "wave", wave ? json_string(wave) : json_null(), "ok", ok, "slots", slots);
  return BONES_OK;
}
