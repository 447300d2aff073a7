/* view.c: the picture of a workspace's swarm (view.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "coord.h"
#include "down.h"
#include "holds.h"
#include "swarm.h"
#include "tasks.h"
#include "text.h"
#include "util.h"
#include "view.h"
#include "workspace.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* "error": message on part. */
static void part_error(json_t *part, const struct bones_error *err) {
  json_object_set_new(part, "error", bones_utf8_json(err->message));
}

/* The live holds of agent, as an array of paths. */
static json_t *holds_of(json_t *holds, const char *agent) {
  json_t *paths = json_array();
  size_t i;
  json_t *h;
  if (agent == NULL) return paths;
  json_array_foreach(holds, i, h) if (json_is_true(json_object_get(h, "live")) && str(h, "agent") &&
                                      strcmp(str(h, "agent"), agent) == 0) json_array_append(paths, json_object_get(h, "path"));
  return paths;
}

/* The task of id in tasks (borrowed), or NULL. */
static json_t *task_by_id(json_t *tasks, const char *id) {
  size_t i;
  json_t *t;
  if (id) json_array_foreach(tasks, i, t) if (str(t, "id") && strcmp(str(t, "id"), id) == 0) return t;
  return NULL;
}

static json_t *slots_part(const char *root, bones_kv *kv, json_t *tasks, json_t *holds) {
  json_t *slots = json_array();
  struct bones_swarm s;
  struct bones_error err;
  json_t *sessions = NULL;
  if (bones_swarm_open(root, kv, &s, &err) != BONES_OK) return json_pack("{s:o, s:s}", "list", slots, "error", err.message);
  int rc = bones_swarm_sessions(&s, &sessions, &err);
  bones_swarm_free(&s);
  if (rc != BONES_OK) return json_pack("{s:o, s:s}", "list", slots, "error", err.message);
  size_t i;
  json_t *r;
  json_array_foreach(sessions, i, r) {
    json_t *task = task_by_id(tasks, str(r, "task_id"));
    json_array_append_new(
        slots, json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:o}", "slot", json_object_get(r, "slot"), "agent",
                         json_object_get(r, "agent_id"), "task", json_object_get(r, "task_id"), "title",
                         task ? json_object_get(task, "title") : json_null(), "state", json_object_get(r, "state"),
                         "idle_ms", json_object_get(r, "idle_ms"), "commits", json_object_get(r, "commits"), "holds",
                         holds_of(holds, str(r, "agent_id"))));
  }
  json_decref(sessions);
  return json_pack("{s:o}", "list", slots);
}

static json_t *tasks_part(json_t *tasks) {
  size_t i, open = 0, claimed = 0, closed = 0;
  json_t *t;
  json_array_foreach(tasks, i, t) {
    const char *st = str(t, "status");
    if (st && strcmp(st, "open") == 0) open++;
    else if (st && strcmp(st, "claimed") == 0) claimed++;
    else if (st && strcmp(st, "closed") == 0) closed++;
  }
  json_t *ready = bones_tasks_ready(tasks, bones_now_ms(), NULL);
  size_t nready = json_array_size(ready);
  json_t *top = json_array();
  json_array_foreach(ready, i, t) {
    if (i >= BONES_VIEW_READY_TOP) break;
    json_array_append_new(top, json_pack("{s:O?, s:O?, s:O?}", "id", json_object_get(t, "id"), "title",
                                         json_object_get(t, "title"),
                                         "priority", json_object_get(t, "priority")));
  }
  json_decref(ready);
  return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "total", (json_int_t)json_array_size(tasks), "open",
                   (json_int_t)open, "ready", (json_int_t)nready, "claimed", (json_int_t)claimed, "blocked",
                   (json_int_t)(open - nready), "closed", (json_int_t)closed, "ready_top", top);
}

static int on_checkin(void *arg, const char *id, const char *user, const char *when, const char *comment) {
  json_array_append_new(arg, json_pack("{s:o, s:o, s:o, s:o}", "id", bones_utf8_json(id ? id : ""), "user",
                                       bones_utf8_json(user ? user : ""), "when", bones_utf8_json(when ? when : ""),
                                       "comment", bones_utf8_json(comment ? comment : "")));
  return 0;
}

static json_t *trunk_part(const char *root, int checkins) {
  json_t *part = json_pack("{s:n, s:n, s:[]}", "leaves", "unapplied", "checkins");
  char *hub = bones_ws_path(root, "hub.fossil");
  const struct bones_repo_backend_v1 *repo = NULL;
  void *rh = NULL;
  struct bones_error err;
  if (!bones_path_is_file(hub)) {
    json_object_set_new(part, "error", json_string("no hub yet (bones up makes it)"));
  } else if (bones_ws_repo_open(root, &repo, &rh, &err) != BONES_OK) {
    part_error(part, &err);
  } else {
    int leaves = 0;
    if (repo->trunk_leaves(rh, hub, &leaves, &err) == BONES_OK) json_object_set_new(part, "leaves", json_integer(leaves));
    else part_error(part, &err);
    if (repo->timeline(rh, hub, checkins, on_checkin, json_object_get(part, "checkins"), &err) != BONES_OK)
      part_error(part, &err);
    repo->close(rh);
    char **lines = NULL;
    size_t n = 0;
    if (bones_unapplied_checkins(root, &lines, &n)) json_object_set_new(part, "unapplied", json_integer((json_int_t)n));
    bones_strv_free(lines, n);
  }
  free(hub);
  return part;
}

/* checkpoints: name -> {round, at_round: [agents], behind: [agents]} */
struct cp_state {
  json_t *by_name; /* name -> [{agent, round}] */
};

static int on_checkpoint(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  struct cp_state *st = arg;
  json_t *rec = json_loadb(value, len, 0, NULL);
  const char *agent = str(rec, "agent");
  size_t nl = strcspn(key, "/");
  if (agent && key[nl] == '/') {
    char *name = bones_xstrndup(key, nl);
    json_t *list = json_object_get(st->by_name, name);
    if (list == NULL) json_object_set_new(st->by_name, name, list = json_array());
    json_array_append_new(list, json_pack("{s:s, s:I}", "agent", agent, "round",
                                          json_integer_value(json_object_get(rec, "round"))));
    free(name);
  }
  json_decref(rec);
  return 0;
}

static json_t *checkpoints_of(json_t *by_name) {
  json_t *out = json_array();
  const char *name;
  json_t *list;
  json_object_foreach(by_name, name, list) {
    json_int_t top = 0;
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a) if (json_integer_value(json_object_get(a, "round")) > top) top =
        json_integer_value(json_object_get(a, "round"));
    json_t *at = json_array(), *behind = json_array();
    json_array_foreach(list, i, a) json_array_append(json_integer_value(json_object_get(a, "round")) == top ? at : behind,
                                                     json_object_get(a, "agent"));
    json_array_append_new(out, json_pack("{s:o, s:I, s:o, s:o}", "name", bones_utf8_json(name), "round", top,
                                         "at_round", at, "behind", behind));
  }
  return out;
}

static int on_broadcast(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  size_t kl = strlen(key);
  if (kl >= 5 && strcmp(key + kl - 5, "/head") == 0) return 0;
  json_t *rec = json_loadb(value, len, 0, NULL);
  if (json_is_object(rec) && str(rec, "message"))
    json_array_append_new(arg, json_pack("{s:O?, s:O?, s:O?, s:O?}", "channel", json_object_get(rec, "channel"), "agent",
                                         json_object_get(rec, "agent"), "at", json_object_get(rec, "at"), "message",
                                         json_object_get(rec, "message")));
  json_decref(rec);
  return 0;
}

/* newest first by "at" (RFC3339 UTC sorts as text) */
static int by_at_desc(const void *a, const void *b) {
  const char *x = str(*(json_t *const *)a, "at"), *y = str(*(json_t *const *)b, "at");
  return strcmp(y ? y : "", x ? x : "");
}

static json_t *newest(json_t *all, size_t keep) {
  size_t n = json_array_size(all);
  json_t **v = bones_xcalloc(n ? n : 1, sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = json_array_get(all, i);
  qsort(v, n, sizeof *v, by_at_desc);
  json_t *out = json_array();
  for (size_t i = 0; i < n && i < keep; i++) json_array_append(out, v[i]);
  free(v);
  return out;
}

static json_t *coord_part(bones_kv *kv) {
  json_t *part = json_object();
  struct bones_error err;
  bones_kv_bucket *b = NULL;
  struct cp_state cp = {json_object()};
  if (bones_coord_bucket(kv, BONES_CHECKPOINTS_BUCKET, 0, &b, &err) != BONES_OK) part_error(part, &err);
  else if (b && bones_kv_list(b, "", on_checkpoint, &cp, &err) != BONES_OK) part_error(part, &err);
  bones_kv_bucket_close(b);
  json_object_set_new(part, "checkpoints", checkpoints_of(cp.by_name));
  json_decref(cp.by_name);
  b = NULL;
  json_t *all = json_array();
  if (bones_coord_bucket(kv, BONES_BROADCASTS_BUCKET, 0, &b, &err) != BONES_OK) part_error(part, &err);
  else if (b && bones_kv_list(b, "", on_broadcast, all, &err) != BONES_OK) part_error(part, &err);
  bones_kv_bucket_close(b);
  json_object_set_new(part, "broadcasts", newest(all, BONES_VIEW_BROADCASTS));
  json_decref(all);
  json_t *handoffs = NULL;
  if (bones_handoff_list(kv, NULL, 0, &handoffs, &err) != BONES_OK) {
    part_error(part, &err);
    handoffs = json_array();
  }
  json_t *pending = json_array();
  size_t i;
  json_t *h;
  json_array_foreach(handoffs, i, h) json_array_append_new(
      pending, json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}", "id", json_object_get(h, "id"), "from", json_object_get(h, "from"),
                         "to", json_object_get(h, "to"), "message", json_object_get(h, "message"),
                         "created_at", json_object_get(h, "created_at")));
  json_decref(handoffs);
  json_object_set_new(part, "handoffs", pending);
  return part;
}

int bones_view_snapshot(const char *root, bones_kv *kv, json_t **out, struct bones_error *err) {
  return bones_view_snapshot_n(root, kv, BONES_VIEW_CHECKINS, out, err);
}

int bones_view_snapshot_n(const char *root, bones_kv *kv, int checkins, json_t **out, struct bones_error *err) {
  *out = NULL;
  if (checkins < 1) checkins = 1;
  if (checkins > 500) checkins = 500;
  struct bones_tasks *t = NULL;
  json_t *tasks = NULL, *corrupt = NULL, *holds = NULL;
  int rc = bones_tasks_open(kv, "bones-top", &t, err);
  if (rc == BONES_OK) rc = bones_tasks_list(t, &tasks, &corrupt, err);
  bones_tasks_free(t);
  json_decref(corrupt);
  if (rc != BONES_OK) return rc; /* the substrate does not answer: nothing to show */
  struct bones_error herr;
  if (bones_holds_list(kv, &holds, &herr) != BONES_OK) holds = json_array();
  char at[40];
  bones_format_time(bones_now_ms(), at, sizeof at);
  const char *slash = strrchr(root, '/');
  json_t *slots = slots_part(root, kv, tasks, holds);
  *out = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "at", at, "workspace",
                   bones_utf8_json(slash && slash[1] ? slash + 1 : root), "slots",
                   json_incref(json_object_get(slots, "list")), "tasks", tasks_part(tasks), "trunk", trunk_part(root, checkins),
                   "coord", coord_part(kv));
  if (json_object_get(slots, "error")) json_object_set(*out, "slots_error", json_object_get(slots, "error"));
  json_decref(slots);
  json_decref(tasks);
  json_decref(holds);
  return BONES_OK;
}
