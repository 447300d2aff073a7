/* tasks.c: the task backlog and its exactly-once claims (tasks.h).
 * Written only against the KV front-end. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "events.h"
#include "holds.h"
#include "ids.h"
#include "presence.h"
#include "tasks.h"
#include "tasks_rich.h"
#include "text.h"
#include "util.h"

#define MUTATE_ATTEMPTS 32
#define NO_CHANGE BONES_TASK_NO_CHANGE /* a mutator's "nothing to write" (tasks_rich.h) */

struct bones_tasks {
  bones_kv *kv;
  bones_kv_bucket *bucket;
  char *agent;
};

static const char *const edge_types[] = {"blocks", "supersedes", "duplicates", "discovered-from", NULL};

int bones_edge_type_valid(const char *type) {
  for (int i = 0; type && edge_types[i]; i++)
    if (strcmp(type, edge_types[i]) == 0) return 1;
  return 0;
}

int bones_tasks_open(bones_kv *kv, const char *agent, struct bones_tasks **out, struct bones_error *err) {
  *out = NULL;
  int rc = bones_agent_check(agent, err); /* "slot-" + a 64-char slot is fine */
  if (rc != BONES_OK) return rc;
  struct bones_kv_bucket_config cfg = {0, 0, BONES_KV_BUCKET_CREATE};
  bones_kv_bucket *b = NULL;
  rc = bones_kv_bucket_open(kv, BONES_TASKS_BUCKET, &cfg, &b, NULL, err);
  if (rc != BONES_OK) return rc;
  struct bones_tasks *t = bones_xcalloc(1, sizeof *t);
  t->kv = kv;
  t->bucket = b;
  t->agent = bones_xstrdup(agent);
  *out = t;
  return BONES_OK;
}

void bones_tasks_free(struct bones_tasks *t) {
  if (t == NULL) return;
  bones_kv_bucket_close(t->bucket);
  free(t->agent);
  free(t);
}

static void now_string(char buf[40]) { bones_format_time(bones_now_ms(), buf, 40); }

static const char *str_member(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* Checks a parsed record; NULL when sound, else a static reason. */
static const char *record_problem(json_t *r, const char *key) {
  if (!json_is_object(r)) return "not a JSON object";
  const char *id = str_member(r, "id");
  if (id == NULL || strcmp(id, key) != 0) return "id does not match the key";
  if (str_member(r, "title") == NULL) return "no title";
  const char *status = str_member(r, "status");
  if (status == NULL) return "no status";
  int claimed = strcmp(status, "claimed") == 0;
  if (!claimed && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0) return "unknown status";
  json_t *by = json_object_get(r, "claimed_by");
  if (claimed != (json_is_string(by) && *json_string_value(by))) return "claimed_by does not match the status";
  if (!json_is_integer(json_object_get(r, "claim_epoch"))) return "claim_epoch is not a number";
  if (!json_is_array(json_object_get(r, "files"))) return "files is not an array";
  if (!json_is_array(json_object_get(r, "edges"))) return "edges is not an array";
  if (!json_is_object(json_object_get(r, "context"))) return "context is not an object";
  return NULL;
}

static json_t *parse_record(const char *key, const void *value, size_t len, struct bones_error *err) {
  json_error_t jerr;
  json_t *r = json_loadb(value, len, 0, &jerr);
  const char *problem = r == NULL ? jerr.text : record_problem(r, key);
  if (problem) {
    json_decref(r);
    bones_error_set(err, BONES_E_CORRUPT, "corrupt record %s/%s: %s", BONES_TASKS_BUCKET, key, problem);
    bones_error_hint(err, "inspect it with `bones kv get %s %s`; fix or delete it by hand", BONES_TASKS_BUCKET, key);
    return NULL;
  }
  return r;
}

/* Reads id's record and revision. */
static int read_task(struct bones_tasks *t, const char *id, json_t **task, uint64_t *rev, struct bones_error *err) {
  struct bones_kv_value v;
  int rc = bones_kv_get(t->bucket, id, &v, err);
  if (rc == BONES_E_NOTFOUND) return bones_error_set(err, BONES_E_NOTFOUND, "no task %s", id);
  if (rc != BONES_OK) return rc;
  *task = parse_record(id, v.value, v.len, err);
  if (rev) *rev = v.rev;
  bones_kv_value_free(&v);
  return *task ? BONES_OK : BONES_E_CORRUPT;
}

int bones_task_get(struct bones_tasks *t, const char *id, json_t **task, struct bones_error *err) {
  *task = NULL;
  if (!bones_kv_key_valid(id)) return bones_error_set(err, BONES_E_USAGE, "'%s' is not a task id", id);
  return read_task(t, id, task, NULL, err);
}

typedef int (*mutator_fn)(struct bones_tasks *t, json_t *task, void *arg, const char **kind,
                          struct bones_error *err);

static void jitter_sleep(int attempt) {
  unsigned r = (unsigned)bones_now_ms() * 2654435761u ^ (unsigned)attempt * 40503u;
  long us = 200 + (long)(r % (unsigned)(500 * (attempt < 8 ? attempt + 1 : 8)));
  struct timespec ts = {0, us * 1000};
  nanosleep(&ts, NULL);
}

/* The one way a task changes: read, mutate a copy, CAS update at the read
 * revision, record an event.  A lost race re-reads (the mutator checks its
 * preconditions again on the fresh record). */
static int mutate(struct bones_tasks *t, const char *id, mutator_fn fn, void *arg, json_t **out, int *wrote,
                  struct bones_error *err) {
  if (out) *out = NULL;
  if (wrote) *wrote = 0;
  if (!bones_kv_key_valid(id)) return bones_error_set(err, BONES_E_USAGE, "'%s' is not a task id", id);
  for (int attempt = 0; attempt < MUTATE_ATTEMPTS; attempt++) {
    json_t *task = NULL;
    uint64_t rev = 0;
    int rc = read_task(t, id, &task, &rev, err);
    if (rc != BONES_OK) return rc;
    char *from = bones_xstrdup(str_member(task, "status"));
    const char *kind = "updated";
    rc = fn(t, task, arg, &kind, err);
    if (rc == NO_CHANGE) {
      free(from);
      if (out) *out = task;
      else json_decref(task);
      return BONES_OK;
    }
    if (rc != BONES_OK) {
      free(from);
      json_decref(task);
      return rc;
    }
    char now[40];
    now_string(now);
    json_object_set_new(task, "updated_at", json_string(now));
    char *text = json_dumps(task, JSON_COMPACT);
    uint64_t new_rev = 0;
    rc = bones_kv_update(t->bucket, id, text, strlen(text), rev, &new_rev, err);
    free(text);
    if (rc == BONES_OK) {
      struct bones_error eerr;
      bones_event_append(t->kv, t->agent, id, kind, from, str_member(task, "status"), new_rev, &eerr);
      free(from);
      if (wrote) *wrote = 1;
      if (out) *out = task;
      else json_decref(task);
      return BONES_OK;
    }
    free(from);
    json_decref(task);
    if (rc != BONES_E_CONFLICT) {
      if (rc == BONES_E_UNAVAILABLE)
        bones_error_hint(err, "the change may or may not have landed: check with `bones tasks show %s`", id);
      return rc;
    }
    jitter_sleep(attempt);
  }
  return bones_error_set(err, BONES_E_CONFLICT, "task %s: gave up after %d concurrent changes", id, MUTATE_ATTEMPTS);
}

/* ---- create / resolve / list ---- */

static json_t *string_array(const char *const *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(v[i]));
  return a;
}

int bones_task_create(struct bones_tasks *t, const struct bones_task_spec *spec, json_t **task,
                      struct bones_error *err) {
  return bones_task_create_with(t, spec, NULL, task, err);
}

int bones_task_create_with(struct bones_tasks *t, const struct bones_task_spec *spec, json_t *extra, json_t **task,
                           struct bones_error *err) {
  *task = NULL;
  size_t tlen = spec->title ? strlen(spec->title) : 0;
  if (tlen == 0 || strspn(spec->title, " \t\r\n") == tlen)
    return bones_error_set(err, BONES_E_USAGE, "a task needs a title");
  if (tlen > BONES_TASK_TITLE_MAX)
    return bones_error_set(err, BONES_E_USAGE, "title is %zu bytes long (at most %d)", tlen, BONES_TASK_TITLE_MAX);
  if (spec->priority < -1 || spec->priority > 4)
    return bones_error_set(err, BONES_E_USAGE, "priority P%d is out of range (P0..P4)", spec->priority);
  if (spec->nfiles > BONES_TASK_FILES_MAX)
    return bones_error_set(err, BONES_E_USAGE, "%zu files (at most %d)", spec->nfiles, BONES_TASK_FILES_MAX);
  if (bones_utf8_check("the title", spec->title, err) != BONES_OK) return BONES_E_USAGE;
  for (size_t i = 0; i < spec->nfiles; i++)
    if (bones_relpath_check("file", spec->files[i], err) != BONES_OK ||
        bones_hold_path_check(spec->files[i], err) != BONES_OK)
      return BONES_E_USAGE;
  json_t *title = json_string(spec->title);
  if (title == NULL) return bones_error_set(err, BONES_E_USAGE, "the title is not valid UTF-8");
  if (spec->parent) {
    json_t *p = NULL;
    int rc = bones_task_get(t, spec->parent, &p, err);
    json_decref(p);
    if (rc != BONES_OK) {
      json_decref(title);
      return bones_error_prefix(err, "parent");
    }
  }
  char now[40];
  now_string(now);
  json_t *r = json_pack("{s:s, s:o, s:s, s:n, s:i, s:n, s:o, s:o, s:o}", "schema", "bones.task/v1", "title", title,
                        "status", "open", "claimed_by", "claim_epoch", 0, "lease_expires_at", "files",
                        string_array(spec->files, spec->nfiles), "edges", json_array(), "context",
                        spec->context ? json_deep_copy(spec->context) : json_object());
  if (r == NULL) return bones_error_set(err, BONES_E_INTERNAL, "cannot encode the task record");
  json_object_set_new(r, "parent", spec->parent ? json_string(spec->parent) : json_null());
  json_object_set_new(r, "priority", spec->priority >= 0 ? json_integer(spec->priority) : json_null());
  if (spec->defer_until_ms > 0) {
    char d[40];
    bones_format_time(spec->defer_until_ms, d, sizeof d);
    json_object_set_new(r, "defer_until", json_string(d));
  } else {
    json_object_set_new(r, "defer_until", json_null());
  }
  json_object_set_new(r, "created_at", json_string(now));
  json_object_set_new(r, "created_by", json_string(t->agent));
  json_object_set_new(r, "updated_at", json_string(now));
  json_object_set_new(r, "closed_at", json_null());
  json_object_set_new(r, "closed_by", json_null());
  json_object_set_new(r, "closed_reason", json_null());
  json_object_set_new(r, "closed_forced", json_false());
  json_object_set_new(r, "previous_claimer", json_null());
  if (extra) json_object_update(r, extra);
  for (int attempt = 0; attempt < 8; attempt++) { /* an id collision is astronomically rare: retry */
    char rnd[9], id[12];
    bones_random_base32(rnd, 8);
    snprintf(id, sizeof id, "t-%s", rnd);
    json_object_set_new(r, "id", json_string(id));
    char *text = json_dumps(r, JSON_COMPACT);
    uint64_t rev = 0;
    int rc = bones_kv_create(t->bucket, id, text, strlen(text), &rev, err);
    free(text);
    if (rc == BONES_OK) {
      struct bones_error eerr;
      bones_event_append(t->kv, t->agent, id, "created", NULL, "open", rev, &eerr);
      *task = r;
      return BONES_OK;
    }
    if (rc != BONES_E_EXISTS) {
      json_decref(r);
      return rc;
    }
  }
  json_decref(r);
  return bones_error_set(err, BONES_E_INTERNAL, "could not find a free task id");
}

struct prefix_state {
  const char *prefix;
  json_t *matches;
};

static int on_prefix(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)value, (void)len, (void)rev;
  struct prefix_state *st = arg;
  json_array_append_new(st->matches, json_string(key));
  return json_array_size(st->matches) > 8;
}

char *bones_task_whole_id(const char *id_or_prefix) {
  if (id_or_prefix == NULL) return NULL;
  char *id = strncmp(id_or_prefix, "t-", 2) == 0 ? bones_xstrdup(id_or_prefix) : bones_xasprintf("t-%s", id_or_prefix);
  if (strlen(id) == 10 && bones_kv_key_valid(id)) return id;
  free(id);
  return NULL;
}

int bones_task_resolve(struct bones_tasks *t, const char *id_or_prefix, char **id, struct bones_error *err) {
  *id = NULL;
  if (id_or_prefix == NULL || *id_or_prefix == '\0') return bones_error_set(err, BONES_E_USAGE, "no task id given");
  char *prefix = strncmp(id_or_prefix, "t-", 2) == 0 ? bones_xstrdup(id_or_prefix)
                                                     : bones_xasprintf("t-%s", id_or_prefix);
  if (!bones_kv_key_valid(prefix)) {
    free(prefix);
    return bones_error_set(err, BONES_E_USAGE, "'%s' is not a task id", id_or_prefix);
  }
  if (strlen(prefix) == 10) { /* a whole id: one get, no listing (ids are all this long) */
    struct bones_kv_value v;
    int grc = bones_kv_get(t->bucket, prefix, &v, err);
    if (grc == BONES_OK) {
      bones_kv_value_free(&v);
      *id = prefix;
      return BONES_OK;
    }
    if (grc != BONES_E_NOTFOUND) {
      free(prefix);
      return grc;
    }
  }
  struct prefix_state st = {prefix, json_array()};
  int rc = bones_kv_list(t->bucket, prefix, on_prefix, &st, err);
  if (rc == BONES_OK) {
    size_t n = json_array_size(st.matches);
    /* an exact match wins over longer ids that share it as a prefix */
    for (size_t i = 0; i < n && *id == NULL; i++)
      if (strcmp(json_string_value(json_array_get(st.matches, i)), prefix) == 0) *id = bones_xstrdup(prefix);
    if (*id == NULL && n == 1) *id = bones_xstrdup(json_string_value(json_array_get(st.matches, 0)));
    if (*id == NULL && n == 0) rc = bones_error_set(err, BONES_E_NOTFOUND, "no task matches '%s'", id_or_prefix);
    if (*id == NULL && n > 1) {
      char list[256] = "";
      for (size_t i = 0; i < n && i < 4; i++) {
        if (i) strcat(list, ", ");
        strncat(list, json_string_value(json_array_get(st.matches, i)), 40);
      }
      rc = bones_error_set(err, BONES_E_USAGE, "'%s' matches several tasks (%s%s)", id_or_prefix, list,
                           n > 4 ? ", ..." : "");
      bones_error_hint(err, "give more of the id");
    }
  }
  json_decref(st.matches);
  free(prefix);
  return rc;
}

struct list_state {
  json_t *tasks;
  json_t *corrupt;
};

static int on_task(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  struct list_state *st = arg;
  struct bones_error err;
  json_t *r = parse_record(key, value, len, &err);
  if (r) json_array_append_new(st->tasks, r);
  else json_array_append_new(st->corrupt, json_pack("{s:o, s:o}", "key", bones_utf8_json(key), "error", bones_utf8_json(err.message)));
  return 0;
}

static int cmp_created(const void *a, const void *b) {
  json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  int c = strcmp(str_member(x, "created_at") ?: "", str_member(y, "created_at") ?: "");
  return c ? c : strcmp(str_member(x, "id"), str_member(y, "id"));
}

/* Sorts a JSON array in place with cmp over its elements. */
static void sort_array(json_t *a, int (*cmp)(const void *, const void *)) {
  size_t n = json_array_size(a);
  if (n < 2) return;
  json_t **v = bones_xmalloc(n * sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = json_incref(json_array_get(a, i));
  qsort(v, n, sizeof *v, cmp);
  json_array_clear(a);
  for (size_t i = 0; i < n; i++) json_array_append_new(a, v[i]);
  free(v);
}

int bones_tasks_list(struct bones_tasks *t, json_t **tasks, json_t **corrupt, struct bones_error *err) {
  struct list_state st = {json_array(), json_array()};
  int rc = bones_kv_list(t->bucket, "t-", on_task, &st, err);
  if (rc != BONES_OK) {
    json_decref(st.tasks);
    json_decref(st.corrupt);
    *tasks = NULL;
    if (corrupt) *corrupt = NULL;
    return rc;
  }
  sort_array(st.tasks, cmp_created);
  *tasks = st.tasks;
  if (corrupt) *corrupt = st.corrupt;
  else json_decref(st.corrupt);
  return BONES_OK;
}

/* ---- claims ---- */

static int64_t time_member(json_t *o, const char *k) {
  int64_t ms = 0;
  const char *s = str_member(o, k);
  return s && bones_parse_time(s, &ms) == 0 ? ms : 0;
}

static void set_lease(json_t *task, int64_t ttl_ms) {
  char lease[40];
  bones_format_time(bones_now_ms() + ttl_ms, lease, sizeof lease);
  json_object_set_new(task, "lease_expires_at", json_string(lease));
}

struct claim_args {
  int64_t ttl_ms;
  int takeover;
};

static int claim_fn(struct bones_tasks *t, json_t *task, void *arg, const char **kind, struct bones_error *err) {
  struct claim_args *a = arg;
  const char *id = str_member(task, "id");
  const char *status = str_member(task, "status");
  const char *holder = str_member(task, "claimed_by");
  if (strcmp(status, "closed") == 0) return bones_error_set(err, BONES_E_REFUSED, "task %s is closed", id);
  if (holder && strcmp(holder, t->agent) == 0) return NO_CHANGE; /* mine already: idempotent */
  if (holder) {
    int64_t lease = time_member(task, "lease_expires_at");
    const char *lease_s = str_member(task, "lease_expires_at");
    if (!a->takeover || lease > bones_now_ms()) {
      bones_error_set(err, BONES_E_CONFLICT, "task %s is claimed by %s (lease until %s)", id, holder,
                      lease_s ? lease_s : "?");
      bones_error_hint(err, a->takeover ? "the lease has not expired: takeover waits for it"
                                        : "pick another task (`bones tasks ready`), or --takeover once its lease expired");
      return BONES_E_CONFLICT;
    }
    struct bones_error perr;
    int live = bones_presence_live(t->kv, holder, &perr);
    if (live < 0) return bones_error_set(err, perr.code, "cannot check %s's presence: %s", holder, perr.message);
    if (live) {
      bones_error_set(err, BONES_E_CONFLICT, "task %s: %s's lease expired but %s is still present", id, holder, holder);
      bones_error_hint(err, "takeover needs the claimer to be gone (no heartbeat for %d s)", BONES_PRESENCE_TTL_MS / 1000);
      return BONES_E_CONFLICT;
    }
    json_object_set_new(task, "previous_claimer", json_string(holder));
    *kind = "takeover";
  } else {
    *kind = "claimed";
  }
  json_object_set_new(task, "status", json_string("claimed"));
  json_object_set_new(task, "claimed_by", json_string(t->agent));
  json_object_set_new(task, "claim_epoch",
                      json_integer(json_integer_value(json_object_get(task, "claim_epoch")) + 1));
  set_lease(task, a->ttl_ms);
  return BONES_OK;
}

int bones_task_claim(struct bones_tasks *t, const char *id, int64_t ttl_ms, int takeover, json_t **task, int *wrote,
                     struct bones_error *err) {
  if (ttl_ms < 0) return bones_error_set(err, BONES_E_USAGE, "negative lease");
  if (ttl_ms > BONES_LEASE_MAX_MS) return bones_error_set(err, BONES_E_USAGE, "a lease is at most 30d");
  struct claim_args a = {ttl_ms ? ttl_ms : BONES_CLAIM_TTL_DEFAULT_MS, takeover};
  return mutate(t, id, claim_fn, &a, task, wrote, err);
}

/* Refuses unless the agent claims task: REFUSED, saying when a takeover
 * made the agent's claim stale. */
static int require_claimer(struct bones_tasks *t, json_t *task, const char *what, struct bones_error *err) {
  const char *id = str_member(task, "id");
  const char *holder = str_member(task, "claimed_by");
  const char *prev = str_member(task, "previous_claimer");
  if (holder && strcmp(holder, t->agent) == 0) return BONES_OK;
  if (holder && prev && strcmp(prev, t->agent) == 0) {
    bones_error_set(err, BONES_E_REFUSED, "cannot %s task %s: your claim is stale (taken over by %s, epoch %lld)",
                    what, id, holder, (long long)json_integer_value(json_object_get(task, "claim_epoch")));
    return BONES_E_REFUSED;
  }
  if (holder) {
    bones_error_set(err, BONES_E_REFUSED, "cannot %s task %s: it is claimed by %s, not %s", what, id, holder, t->agent);
    bones_error_hint(err, "an operator can pass --force");
    return BONES_E_REFUSED;
  }
  return bones_error_set(err, BONES_E_REFUSED, "cannot %s task %s: it is %s, not claimed", what, id,
                         str_member(task, "status"));
}

static int check_epoch(json_t *task, uint64_t epoch, struct bones_error *err) {
  uint64_t cur = (uint64_t)json_integer_value(json_object_get(task, "claim_epoch"));
  if (epoch == 0 || epoch == cur) return BONES_OK;
  return bones_error_set(err, BONES_E_REFUSED, "task %s: stale epoch %llu (the claim is at epoch %llu)",
                         str_member(task, "id"), (unsigned long long)epoch, (unsigned long long)cur);
}

static int renew_fn(struct bones_tasks *t, json_t *task, void *arg, const char **kind, struct bones_error *err) {
  int rc = require_claimer(t, task, "renew", err);
  if (rc != BONES_OK) return rc;
  set_lease(task, *(int64_t *)arg);
  *kind = "renewed";
  return BONES_OK;
}

int bones_task_renew(struct bones_tasks *t, const char *id, int64_t ttl_ms, json_t **task, struct bones_error *err) {
  int64_t ttl = ttl_ms > 0 ? ttl_ms : BONES_CLAIM_TTL_DEFAULT_MS;
  if (ttl > BONES_LEASE_MAX_MS) return bones_error_set(err, BONES_E_USAGE, "a lease is at most 30d");
  return mutate(t, id, renew_fn, &ttl, task, NULL, err);
}

struct release_args {
  uint64_t epoch;
  int force;
};

static int release_fn(struct bones_tasks *t, json_t *task, void *arg, const char **kind, struct bones_error *err) {
  struct release_args *a = arg;
  if (strcmp(str_member(task, "status"), "claimed") != 0)
    return bones_error_set(err, BONES_E_REFUSED, "task %s is %s, not claimed", str_member(task, "id"),
                           str_member(task, "status"));
  int rc = a->force ? BONES_OK : require_claimer(t, task, "release", err);
  if (rc == BONES_OK) rc = check_epoch(task, a->epoch, err);
  if (rc != BONES_OK) return rc;
  json_object_set_new(task, "status", json_string("open"));
  json_object_set_new(task, "claimed_by", json_null());
  json_object_set_new(task, "lease_expires_at", json_null());
  *kind = a->force ? "released-forced" : "released";
  return BONES_OK;
}

int bones_task_release(struct bones_tasks *t, const char *id, uint64_t epoch, int force, json_t **task,
                       struct bones_error *err) {
  struct release_args a = {epoch, force};
  return mutate(t, id, release_fn, &a, task, NULL, err);
}

struct close_args {
  const char *reason;
  uint64_t epoch;
  int force;
};

static int close_fn(struct bones_tasks *t, json_t *task, void *arg, const char **kind, struct bones_error *err) {
  struct close_args *a = arg;
  const char *status = str_member(task, "status");
  if (strcmp(status, "closed") == 0)
    return bones_error_set(err, BONES_E_REFUSED, "task %s is already closed", str_member(task, "id"));
  int rc = BONES_OK;
  if (strcmp(status, "claimed") == 0 && !a->force) rc = require_claimer(t, task, "close", err);
  if (rc == BONES_OK) rc = check_epoch(task, a->epoch, err);
  if (rc != BONES_OK) return rc;
  char now[40];
  now_string(now);
  int forced = a->force && strcmp(status, "claimed") == 0; /* status dies with the old member below */
  const char *holder = str_member(task, "claimed_by");
  if (forced && holder) /* the claim this close ended, for the claimer's refusals */
    json_object_set_new(task, "previous_claimer", json_string(holder));
  json_object_set_new(task, "status", json_string("closed"));
  json_object_set_new(task, "claimed_by", json_null());
  json_object_set_new(task, "lease_expires_at", json_null());
  json_object_set_new(task, "closed_at", json_string(now));
  json_object_set_new(task, "closed_by", json_string(t->agent));
  json_object_set_new(task, "closed_reason", a->reason ? json_string(a->reason) : json_null());
  json_object_set_new(task, "closed_forced", json_boolean(forced));
  *kind = "closed";
  return BONES_OK;
}

int bones_task_close(struct bones_tasks *t, const char *id, const char *reason, uint64_t epoch, int force,
                     json_t **task, struct bones_error *err) {
  if (reason) {
    json_t *check = json_string(reason);
    if (check == NULL) return bones_error_set(err, BONES_E_USAGE, "the reason is not valid UTF-8");
    json_decref(check);
  }
  struct close_args a = {reason, epoch, force};
  return mutate(t, id, close_fn, &a, task, NULL, err);
}

/* ---- update, link ---- */

static int update_fn(struct bones_tasks *t, json_t *task, void *arg, const char **kind, struct bones_error *err) {
  (void)t;
  json_t *changes = arg;
  if (strcmp(str_member(task, "status"), "closed") == 0)
    return bones_error_set(err, BONES_E_REFUSED, "task %s is closed", str_member(task, "id"));
  int changed = 0;
  const char *k;
  json_t *v;
  json_object_foreach(changes, k, v) {
    if (strcmp(k, "add_labels") == 0 || strcmp(k, "remove_labels") == 0) {
      int lrc = bones_task_labels_apply(task, v, k[0] == 'a', &changed, err);
      if (lrc != BONES_OK) return lrc;
    } else if (strcmp(k, "context") == 0) {
      json_t *ctx = json_object_get(task, "context");
      const char *ck;
      json_t *cv;
      json_object_foreach(v, ck, cv) {
        json_t *old = json_object_get(ctx, ck);
        if (json_is_null(cv)) {
          if (old) json_object_del(ctx, ck), changed = 1;
        } else if (!old || !json_equal(old, cv)) {
          json_object_set(ctx, ck, cv), changed = 1;
        }
      }
    } else if (!json_equal(json_object_get(task, k), v)) {
      json_object_set(task, k, v);
      changed = 1;
    }
  }
  *kind = "updated";
  return changed ? BONES_OK : NO_CHANGE;
}

int bones_task_update(struct bones_tasks *t, const char *id, json_t *changes, json_t **task, int *wrote,
                      struct bones_error *err) {
  static const char *const allowed[] = {"title",       "files",      "parent",    "priority",      "defer_until",
                                        "context",     "description", "acceptance", "add_labels", "remove_labels",
                                        NULL};
  const char *k;
  json_t *v;
  json_object_foreach(changes, k, v) {
    int ok = 0;
    for (int i = 0; allowed[i]; i++)
      if (strcmp(k, allowed[i]) == 0) ok = 1;
    if (!ok) return bones_error_set(err, BONES_E_USAGE, "'%s' cannot be updated", k);
  }
  int rrc = bones_task_rich_changes_check(changes, err);
  if (rrc != BONES_OK) return rrc;
  json_t *title = json_object_get(changes, "title");
  if (title && (!json_is_string(title) || json_string_length(title) == 0 ||
                json_string_length(title) > BONES_TASK_TITLE_MAX))
    return bones_error_set(err, BONES_E_USAGE, "a task needs a title of 1..%d bytes", BONES_TASK_TITLE_MAX);
  json_t *files = json_object_get(changes, "files");
  if (files && !json_is_array(files)) return bones_error_set(err, BONES_E_USAGE, "files must be a list of paths");
  size_t fi;
  json_t *fv;
  json_array_foreach(files, fi, fv) {
    if (!json_is_string(fv)) return bones_error_set(err, BONES_E_USAGE, "files must be a list of paths");
    if (bones_relpath_check("file", json_string_value(fv), err) != BONES_OK ||
        bones_hold_path_check(json_string_value(fv), err) != BONES_OK)
      return BONES_E_USAGE;
  }
  json_t *prio = json_object_get(changes, "priority");
  if (prio && !json_is_null(prio) && (!json_is_integer(prio) || json_integer_value(prio) < 0 || json_integer_value(prio) > 4))
    return bones_error_set(err, BONES_E_USAGE, "priority is out of range (P0..P4)");
  const char *parent = json_string_value(json_object_get(changes, "parent"));
  if (parent) {
    if (strcmp(parent, id) == 0) return bones_error_set(err, BONES_E_USAGE, "a task cannot be its own parent");
    json_t *p = NULL;
    int rc = bones_task_get(t, parent, &p, err);
    json_decref(p);
    if (rc != BONES_OK) return bones_error_prefix(err, "parent");
  }
  return mutate(t, id, update_fn, changes, task, wrote, err);
}

struct link_args {
  const char *to;
  const char *type;
};

static int link_fn(struct bones_tasks *t, json_t *task, void *arg, const char **kind, struct bones_error *err) {
  (void)t, (void)err;
  struct link_args *a = arg;
  json_t *edges = json_object_get(task, "edges");
  size_t i;
  json_t *e;
  json_array_foreach(edges, i, e) {
    if (strcmp(str_member(e, "type") ?: "", a->type) == 0 && strcmp(str_member(e, "target") ?: "", a->to) == 0)
      return NO_CHANGE;
  }
  json_array_append_new(edges, json_pack("{s:s, s:s}", "type", a->type, "target", a->to));
  *kind = "linked";
  return BONES_OK;
}

int bones_task_link(struct bones_tasks *t, const char *from, const char *to, const char *type, json_t **task,
                    int *wrote, struct bones_error *err) {
  if (!bones_edge_type_valid(type))
    return bones_error_set(err, BONES_E_USAGE, "unknown edge type '%s' (blocks, supersedes, duplicates, discovered-from)",
                           type ? type : "");
  if (strcmp(from, to) == 0) return bones_error_set(err, BONES_E_USAGE, "a task cannot be linked to itself");
  json_t *target = NULL;
  int rc = bones_task_get(t, to, &target, err);
  json_decref(target);
  if (rc != BONES_OK) return rc;
  struct link_args a = {to, type};
  return mutate(t, from, link_fn, &a, task, wrote, err);
}

/* ---- ready ---- */

static int cmp_ready(const void *a, const void *b) {
  json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  json_t *px = json_object_get(x, "priority"), *py = json_object_get(y, "priority");
  long long vx = json_is_integer(px) ? json_integer_value(px) : 99, vy = json_is_integer(py) ? json_integer_value(py) : 99;
  if (vx != vy) return vx < vy ? -1 : 1;
  return cmp_created(a, b);
}

json_t *bones_tasks_ready(json_t *tasks, int64_t now_ms, const char *slot) {
  json_t *blocked = json_object(); /* ids blocked by a non-closed task or with a non-closed child */
  size_t i;
  json_t *task;
  json_array_foreach(tasks, i, task) {
    if (strcmp(str_member(task, "status"), "closed") == 0) continue;
    const char *parent = str_member(task, "parent");
    if (parent) json_object_set_new(blocked, parent, json_true());
    size_t j;
    json_t *e;
    json_array_foreach(json_object_get(task, "edges"), j, e) {
      const char *type = str_member(e, "type"), *target = str_member(e, "target");
      if (type && target && strcmp(type, "blocks") == 0) json_object_set_new(blocked, target, json_true());
    }
  }
  json_t *ready = json_array();
  json_array_foreach(tasks, i, task) {
    if (strcmp(str_member(task, "status"), "open") != 0) continue;
    if (json_object_get(blocked, str_member(task, "id"))) continue;
    int64_t defer = time_member(task, "defer_until");
    if (defer && defer > now_ms) continue;
    if (slot) { /* "" keeps the tasks that name no slot */
      const char *s = str_member(json_object_get(task, "context"), "slot");
      if (*slot ? s == NULL || strcmp(s, slot) != 0 : s != NULL) continue;
    }
    json_array_append(ready, task);
  }
  json_decref(blocked);
  sort_array(ready, cmp_ready);
  return ready;
}

const char *bones_tasks_agent(const struct bones_tasks *t) { return t->agent; }

/* ---- for the richer tasks (tasks_rich.h) ---- */

int bones_task_mutate(struct bones_tasks *t, const char *id, bones_task_mutator fn, void *arg, json_t **task,
                      int *wrote, struct bones_error *err) {
  return mutate(t, id, fn, arg, task, wrote, err);
}

const char *bones_task_record_problem(json_t *record) {
  const char *id = str_member(record, "id");
  if (id == NULL || strncmp(id, "t-", 2) != 0 || !bones_kv_key_valid(id)) return "no valid id (t-...)";
  return record_problem(record, id);
}

int bones_task_put_absent(struct bones_tasks *t, json_t *record, struct bones_error *err) {
  const char *id = str_member(record, "id");
  char *text = json_dumps(record, JSON_COMPACT);
  if (text == NULL) return bones_error_set(err, BONES_E_INTERNAL, "cannot encode task %s", id);
  uint64_t rev = 0;
  int rc = bones_kv_create(t->bucket, id, text, strlen(text), &rev, err);
  free(text);
  if (rc == BONES_OK) {
    struct bones_error eerr;
    bones_event_append(t->kv, t->agent, id, "imported", NULL, str_member(record, "status"), rev, &eerr);
  }
  return rc;
}

int bones_task_replace(struct bones_tasks *t, json_t *record, struct bones_error *err) {
  const char *id = str_member(record, "id");
  struct bones_kv_value v;
  int rc = bones_kv_get(t->bucket, id, &v, err);
  if (rc == BONES_E_NOTFOUND) return bones_task_put_absent(t, record, err);
  if (rc != BONES_OK) return rc;
  uint64_t rev = v.rev, new_rev = 0;
  bones_kv_value_free(&v);
  char *text = json_dumps(record, JSON_COMPACT);
  if (text == NULL) return bones_error_set(err, BONES_E_INTERNAL, "cannot encode task %s", id);
  rc = bones_kv_update(t->bucket, id, text, strlen(text), rev, &new_rev, err);
  free(text);
  if (rc == BONES_OK) {
    struct bones_error eerr;
    bones_event_append(t->kv, t->agent, id, "replaced", NULL, str_member(record, "status"), new_rev, &eerr);
  } else if (rc == BONES_E_CONFLICT) {
    bones_error_set(err, BONES_E_CONFLICT, "task %s changed while it was being replaced", id);
    bones_error_hint(err, "run the import again");
  }
  return rc;
}
