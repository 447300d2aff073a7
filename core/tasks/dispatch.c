/* dispatch.c: start, status, advance and cancel of a dispatched plan
 * (dispatch.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dispatch.h"
#include "dispatch_int.h"
#include "ids.h"
#include "swarm.h"
#include "tasks_rich.h"
#include "text.h"
#include "util.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int is_active(json_t *m) {
  const char *st = str(m, "state");
  return st && (strcmp(st, "active") == 0 || strcmp(st, "creating") == 0);
}

/* The id of the task this dispatch made for plan task n, from the
 * backlog (a crash may have left it out of the manifest), or NULL. */
static char *find_created(json_t *tasks, const char *dispatch_id, long n) {
  size_t i;
  json_t *task;
  char nbuf[32];
  snprintf(nbuf, sizeof nbuf, "%ld", n);
  json_array_foreach(tasks, i, task) {
    json_t *ctx = json_object_get(task, "context");
    const char *d = str(ctx, "dispatch"), *pn = str(ctx, "plan_task");
    if (d && pn && strcmp(d, dispatch_id) == 0 && strcmp(pn, nbuf) == 0) return bones_xstrdup(str(task, "id"));
  }
  return NULL;
}

/* A new manifest for plan, in state creating, waves pending (wave 1 open),
 * with no task ids yet. */
static json_t *manifest_new(const struct bones_plan *plan, const char *plan_path, const char *sha) {
  char id[17];
  bones_random_base32(id, 16);
  id[16] = '\0';
  json_t *waves = json_array();
  for (size_t w = 0; w < plan->nwaves; w++) {
    json_t *slots = json_array();
    for (size_t k = 0; k < plan->waves[w].ntasks; k++) {
      const struct bones_plan_task *pt = bones_plan_task_by_n(plan, plan->waves[w].tasks[k]);
      json_t *slot = NULL, *s;
      size_t i;
      json_array_foreach(slots, i, s) if (strcmp(str(s, "name"), pt->slot) == 0) slot = s;
      if (slot == NULL) {
        const char *dir = NULL;
        for (size_t j = 0; j < plan->nslots; j++)
          if (strcmp(plan->slots[j].name, pt->slot) == 0) dir = plan->slots[j].dir;
        slot = json_pack("{s:s, s:o, s:[], s:[]}", "name", pt->slot, "dir", dir ? json_string(dir) : json_null(),
                         "plan_tasks", "tasks");
        json_array_append_new(slots, slot);
      }
      json_array_append_new(json_object_get(slot, "plan_tasks"), json_integer(pt->n));
    }
    json_array_append_new(waves, json_pack("{s:I, s:s, s:o}", "n", (json_int_t)(w + 1), "state",
                                           w == 0 ? "open" : "pending", "slots", slots));
  }
  return json_pack("{s:s, s:s, s:o, s:s, s:s, s:I, s:I, s:o}", "schema", "bones.dispatch/v1", "id", id, "plan",
                   bones_utf8_json(plan_path), "plan_sha256", sha, "state", "creating", "created_at", (json_int_t)bones_now_ms(),
                   "current_wave", (json_int_t)1, "waves", waves);
}

/* Creates (or finds, after a crash) the task of plan task pt. */
static int create_one(struct bones_tasks *t, json_t *m, json_t *existing, const struct bones_plan_task *pt, char **id,
                      struct bones_error *err) {
  *id = find_created(existing, str(m, "id"), pt->n);
  if (*id) return BONES_OK;
  const char **files = bones_xmalloc((pt->nfiles ? pt->nfiles : 1) * sizeof *files);
  for (size_t i = 0; i < pt->nfiles; i++) files[i] = pt->files[i].path;
  char nbuf[32], wbuf[32];
  snprintf(nbuf, sizeof nbuf, "%ld", pt->n);
  snprintf(wbuf, sizeof wbuf, "%d", pt->wave);
  json_t *context = json_pack("{s:s, s:s, s:s, s:s}", "slot", pt->slot, "wave", wbuf, "plan_task", nbuf, "dispatch",
                              str(m, "id"));
  struct bones_task_spec spec = {pt->title, files, pt->nfiles, NULL, -1, 0, context};
  json_t *extra = json_object();
  if (pt->text && *pt->text && strlen(pt->text) <= BONES_TASK_TEXT_MAX)
    json_object_set_new(extra, "description", json_string(pt->text));
  json_t *task = NULL;
  int rc = bones_task_create_with(t, &spec, extra, &task, err);
  if (rc == BONES_OK) *id = bones_xstrdup(str(task, "id"));
  json_decref(task);
  json_decref(extra);
  json_decref(context);
  free(files);
  return rc;
}

int bones_dispatch_start(const char *root, struct bones_tasks *t, const struct bones_plan *plan,
                         const char *plan_path, const char *plan_sha256, json_t **manifest, struct bones_error *err) {
  *manifest = NULL;
  if (plan->nerrors || plan->ntasks == 0)
    return bones_error_set(err, BONES_E_USAGE, "the plan %s has violations", plan_path);
  int fd = dispatch_lock(root, err);
  if (fd < 0) return err->code;
  json_t *m = NULL, *existing = NULL;
  int rc = bones_dispatch_load(root, &m, err);
  if (rc == BONES_OK && is_active(m) &&
      !(strcmp(str(m, "state"), "creating") == 0 && str(m, "plan_sha256") &&
        strcmp(str(m, "plan_sha256"), plan_sha256) == 0)) {
    rc = bones_error_set(err, BONES_E_REFUSED, "a dispatch of %s is %s (wave %lld)", str(m, "plan"), str(m, "state"),
                         (long long)json_integer_value(json_object_get(m, "current_wave")));
    bones_error_hint(err, "see it with `bones swarm dispatch --status`; end it with `bones swarm dispatch --cancel`");
  } else if (rc == BONES_OK && !is_active(m)) {
    json_decref(m);
    m = NULL;
  } else if (rc == BONES_E_NOTFOUND) rc = BONES_OK;
  if (rc == BONES_OK && m == NULL) {
    m = manifest_new(plan, plan_path, plan_sha256);
    rc = dispatch_save(root, m, err); /* first: a crash from here on is finished by the next start */
  }
  json_t *corrupt = NULL;
  if (rc == BONES_OK) rc = bones_tasks_list(t, &existing, &corrupt, err);
  json_decref(corrupt);
  /* one task per plan task, its id recorded in its wave's slot */
  char **ids = bones_xmalloc((plan->ntasks ? plan->ntasks : 1) * sizeof *ids);
  memset(ids, 0, plan->ntasks * sizeof *ids);
  for (size_t i = 0; rc == BONES_OK && i < plan->ntasks; i++) rc = create_one(t, m, existing, &plan->tasks[i], &ids[i], err);
  for (size_t i = 0; rc == BONES_OK && i < plan->ntasks; i++) {
    const struct bones_plan_task *pt = &plan->tasks[i];
    for (size_t d = 0; rc == BONES_OK && d < pt->ndepends; d++) {
      size_t j = 0;
      while (j < plan->ntasks && plan->tasks[j].n != pt->depends[d].n) j++;
      if (j == plan->ntasks) continue;
      int wrote = 0;
      json_t *rec = NULL;
      rc = bones_task_link(t, ids[j], ids[i], "blocks", &rec, &wrote, err);
      json_decref(rec);
    }
  }
  if (rc == BONES_OK) {
    json_t *wave, *slot;
    size_t w, s;
    json_array_foreach(json_object_get(m, "waves"), w, wave) json_array_foreach(json_object_get(wave, "slots"), s, slot) {
      json_t *tids = json_array(), *n;
      size_t k;
      json_array_foreach(json_object_get(slot, "plan_tasks"), k, n) {
        for (size_t i = 0; i < plan->ntasks; i++)
          if (plan->tasks[i].n == json_integer_value(n)) json_array_append_new(tids, json_string(ids[i]));
      }
      json_object_set_new(slot, "tasks", tids);
    }
    json_object_set_new(m, "state", json_string("active"));
    rc = dispatch_save(root, m, err);
  }
  for (size_t i = 0; i < plan->ntasks; i++) free(ids[i]);
  free(ids);
  json_decref(existing);
  dispatch_unlock(fd);
  if (rc == BONES_OK) *manifest = m;
  else json_decref(m);
  return rc;
}

/* The backlog's records of the manifest's tasks, by id (a new object). */
static int records_by_id(struct bones_tasks *t, json_t **out, struct bones_error *err) {
  json_t *all = NULL, *corrupt = NULL, *task;
  *out = NULL;
  int rc = bones_tasks_list(t, &all, &corrupt, err);
  json_decref(corrupt);
  if (rc != BONES_OK) return rc;
  *out = json_object();
  size_t i;
  json_array_foreach(all, i, task) if (str(task, "id")) json_object_set(*out, str(task, "id"), task);
  json_decref(all);
  return BONES_OK;
}

static json_t *task_summary(json_t *records, const char *id) {
  json_t *r = json_object_get(records, id);
  if (r == NULL) return json_pack("{s:s, s:s}", "id", id, "status", "missing");
  json_t *o = json_object();
  static const char *const keys[] = {"id", "title", "status", "claimed_by", "closed_reason", "result", "summary"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    json_t *v = json_object_get(r, keys[i]);
    json_object_set(o, keys[i], v ? v : json_null());
  }
  return o;
}

int bones_dispatch_status(const char *root, struct bones_tasks *t, json_t **status, struct bones_error *err) {
  *status = NULL;
  json_t *m = NULL, *records = NULL;
  int rc = bones_dispatch_load(root, &m, err);
  if (rc == BONES_OK) rc = records_by_id(t, &records, err);
  if (rc != BONES_OK) {
    json_decref(m);
    return rc;
  }
  json_t *wave, *slot, *id;
  size_t w, s, k;
  json_array_foreach(json_object_get(m, "waves"), w, wave) json_array_foreach(json_object_get(wave, "slots"), s, slot) {
    json_t *recs = json_array();
    json_array_foreach(json_object_get(slot, "tasks"), k, id) json_array_append_new(recs, task_summary(records, json_string_value(id)));
    json_object_set_new(slot, "task_records", recs);
  }
  json_decref(records);
  *status = m;
  return BONES_OK;
}

/* 1 when slot's worktree is kept: it exists and no session is open. */
static int slot_kept(const char *root, const char *slot) {
  char *wt = bones_slot_worktree(root, slot), *dir = bones_slot_dir(root, slot);
  char *joined = bones_xasprintf("%s/joined", dir);
  struct stat st;
  int kept = stat(wt, &st) == 0 && S_ISDIR(st.st_mode) && lstat(joined, &st) != 0;
  free(joined);
  free(dir);
  free(wt);
  return kept;
}

/* The manifest of the active dispatch, or an error saying why there is none. */
static int load_active(const char *root, json_t **m, struct bones_error *err) {
  int rc = bones_dispatch_load(root, m, err);
  if (rc == BONES_E_NOTFOUND) bones_error_hint(err, "dispatch a plan with `bones swarm dispatch PLAN.md`");
  if (rc == BONES_OK && strcmp(str(*m, "state"), "active") != 0) {
    rc = bones_error_set(err, BONES_E_REFUSED, "the dispatch of %s is %s", str(*m, "plan"), str(*m, "state"));
    bones_error_hint(err, "dispatch a plan with `bones swarm dispatch PLAN.md`");
    json_decref(*m);
    *m = NULL;
  }
  return rc;
}

int bones_dispatch_advance(const char *root, struct bones_tasks *t, json_t **manifest, struct bones_error *err) {
  *manifest = NULL;
  int fd = dispatch_lock(root, err);
  if (fd < 0) return err->code;
  json_t *m = NULL, *records = NULL;
  int rc = load_active(root, &m, err);
  if (rc == BONES_OK) rc = records_by_id(t, &records, err);
  long cur = rc == BONES_OK ? (long)json_integer_value(json_object_get(m, "current_wave")) : 0;
  json_t *wave = rc == BONES_OK ? dispatch_wave(m, cur) : NULL;
  if (rc == BONES_OK && wave == NULL) rc = bones_error_set(err, BONES_E_CORRUPT, "the manifest has no wave %ld", cur);
  if (rc == BONES_OK) {
    char open_list[768] = "", hints[768] = "";
    size_t nopen = 0, s, k;
    json_t *slot, *id;
    json_array_foreach(json_object_get(wave, "slots"), s, slot) {
      const char *name = str(slot, "name");
      json_array_foreach(json_object_get(slot, "tasks"), k, id) {
        json_t *r = json_object_get(records, json_string_value(id));
        const char *status = r ? str(r, "status") : "missing";
        if (status && strcmp(status, "closed") == 0) continue;
        nopen++;
        size_t used = strlen(open_list);
        snprintf(open_list + used, sizeof open_list - used, "%s%s [%s] %s", nopen > 1 ? ", " : "",
                 json_string_value(id), name, status ? status : "?");
        if (slot_kept(root, name) && !strstr(hints, name)) {
          used = strlen(hints);
          snprintf(hints + used, sizeof hints - used, "%s`bones swarm resume --slot %s` (or `bones swarm discard --slot %s`)",
                   *hints ? "; " : "", name, name);
        }
      }
    }
    if (nopen) {
      rc = bones_error_set(err, BONES_E_REFUSED, "wave %ld is not done: %zu task%s not closed: %s", cur, nopen,
                           nopen == 1 ? "" : "s", open_list);
      if (*hints) bones_error_hint(err, "a failed slot keeps its worktree: %s", hints);
      else bones_error_hint(err, "wait for the slots to close; see `bones swarm dispatch --status`");
    }
  }
  if (rc == BONES_OK) {
    json_object_set_new(wave, "state", json_string("done"));
    json_t *next = dispatch_wave(m, cur + 1);
    if (next) {
      json_object_set_new(next, "state", json_string("open"));
      json_object_set_new(m, "current_wave", json_integer(cur + 1));
    } else json_object_set_new(m, "state", json_string("complete"));
    rc = dispatch_save(root, m, err);
  }
  json_decref(records);
  dispatch_unlock(fd);
  if (rc == BONES_OK) *manifest = m;
  else json_decref(m);
  return rc;
}

int bones_dispatch_cancel(const char *root, struct bones_tasks *t, json_t **report, struct bones_error *err) {
  *report = NULL;
  int fd = dispatch_lock(root, err);
  if (fd < 0) return err->code;
  json_t *m = NULL, *records = NULL, *cancelled = json_array();
  int rc = bones_dispatch_load(root, &m, err);
  if (rc == BONES_OK && !is_active(m)) {
    rc = bones_error_set(err, BONES_E_REFUSED, "the dispatch of %s is already %s", str(m, "plan"), str(m, "state"));
  }
  if (rc == BONES_OK) rc = records_by_id(t, &records, err);
  json_t *wave, *slot, *id;
  size_t w, s, k;
  if (rc == BONES_OK) json_array_foreach(json_object_get(m, "waves"), w, wave) {
    json_array_foreach(json_object_get(wave, "slots"), s, slot) json_array_foreach(json_object_get(slot, "tasks"), k, id) {
      if (rc != BONES_OK) break;
      json_t *r = json_object_get(records, json_string_value(id));
      if (r == NULL || strcmp(str(r, "status"), "closed") == 0) continue;
      json_t *task = NULL;
      rc = bones_task_close(t, json_string_value(id), "cancelled", 0, 1, &task, err);
      json_decref(task);
      if (rc == BONES_E_REFUSED || rc == BONES_E_NOTFOUND) rc = BONES_OK; /* closed or gone meanwhile */
      else if (rc == BONES_OK) json_array_append(cancelled, id);
    }
    if (strcmp(str(wave, "state"), "done") != 0) json_object_set_new(wave, "state", json_string("cancelled"));
  }
  if (rc == BONES_OK) {
    json_object_set_new(m, "state", json_string("cancelled"));
    json_object_set_new(m, "cancelled_at", json_integer(bones_now_ms()));
    rc = dispatch_save(root, m, err);
  }
  json_decref(records);
  dispatch_unlock(fd);
  if (rc == BONES_OK) *report = json_pack("{s:o, s:o}", "cancelled", cancelled, "manifest", m);
  else {
    json_decref(cancelled);
    json_decref(m);
  }
  return rc;
}
