/* coord_handoff.c: handoffs (coord.h).  Key <to>/<id>: listing the prefix
 * "<to>/" is listing by exact addressee (bob never sees bob-2's), and the
 * addressee finds its own handoff by key.  Ids are bones_time_id (ms time
 * + 8 random base32), created with create-if-absent, so two handoffs in the
 * same millisecond never overwrite each other. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "coord.h"
#include "handoff_task.h"
#include "ids.h"
#include "text.h"
#include "util.h"

#define ACCEPT_ATTEMPTS 16

int bones_handoff_create(bones_kv *kv, const char *from, const char *to, const char *artifact, const char *message,
                         json_t **rec, struct bones_error *err) {
  return bones_handoff_create_with(kv, from, to, artifact, message, NULL, rec, err);
}

int bones_handoff_create_with(bones_kv *kv, const char *from, const char *to, const char *artifact, const char *message,
                              json_t *extra, json_t **rec, struct bones_error *err) {
  *rec = NULL;
  if (bones_agent_check(from, err) != BONES_OK || bones_agent_check(to, err) != BONES_OK) return BONES_E_USAGE;
  if (artifact == NULL || *artifact == '\0') return bones_error_set(err, BONES_E_USAGE, "the artifact is empty");
  if (bones_utf8_check("the artifact", artifact, err) != BONES_OK || bones_utf8_check("the message", message, err) != BONES_OK)
    return BONES_E_USAGE;
  bones_kv_bucket *b = NULL;
  int rc = bones_coord_bucket(kv, BONES_HANDOFFS_BUCKET, 1, &b, err);
  if (rc != BONES_OK) return rc;
  char *prefix = bones_coord_agent_prefix(to);
  rc = BONES_E_EXISTS;
  for (int attempt = 0; attempt < 8 && rc == BONES_E_EXISTS; attempt++) {
    char id[BONES_TIME_ID_LEN + 1], at[40];
    bones_time_id(id);
    bones_format_time(bones_now_ms(), at, sizeof at);
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:n}", "id", id, "from", from, "to", to, "artifact",
                          artifact, "message", message ? message : "", "created_at", at, "state", "pending",
                          "accepted_at");
    if (r == NULL) {
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot encode the handoff record");
      break;
    }
    if (extra) json_object_update(r, extra);
    char *text = json_dumps(r, JSON_COMPACT);
    char *key = bones_xasprintf("%s%s", prefix, id);
    rc = bones_kv_create(b, key, text, strlen(text), NULL, err);
    free(key);
    free(text);
    if (rc == BONES_OK) *rec = r;
    else json_decref(r);
  }
  if (rc == BONES_E_EXISTS) bones_error_set(err, BONES_E_CONFLICT, "could not make a unique handoff id");
  free(prefix);
  bones_kv_bucket_close(b);
  return rc;
}

/* list callback: keeps the records (pending ones unless all). */
struct hlist {
  json_t *out;
  int all;
};
static int collect(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)key, (void)rev;
  struct hlist *h = arg;
  json_t *rec = json_loadb(value, len, 0, NULL);
  const char *state = json_string_value(json_object_get(rec, "state"));
  if (json_is_object(rec) && (h->all || (state && strcmp(state, "pending") == 0))) json_array_append(h->out, rec);
  json_decref(rec);
  return 0;
}

int bones_handoff_list(bones_kv *kv, const char *to, int all, json_t **list, struct bones_error *err) {
  *list = NULL;
  if (to && bones_agent_check(to, err) != BONES_OK) return BONES_E_USAGE;
  bones_kv_bucket *b = NULL;
  int rc = bones_coord_bucket(kv, BONES_HANDOFFS_BUCKET, 0, &b, err);
  if (rc != BONES_OK) return rc;
  struct hlist h = {json_array(), all};
  char *prefix = to ? bones_coord_agent_prefix(to) : bones_xstrdup("");
  if (b) rc = bones_kv_list(b, prefix, collect, &h, err);
  free(prefix);
  bones_kv_bucket_close(b);
  if (rc != BONES_OK) {
    json_decref(h.out);
    return rc;
  }
  bones_coord_sort_by_id(h.out);
  *list = h.out;
  return BONES_OK;
}

/* list callback: finds the addressee of handoff id (any key ".../<id>"). */
struct finder {
  const char *id;
  char *to;
};
static int find_id(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  struct finder *f = arg;
  const char *slash = strrchr(key, '/');
  if (slash == NULL || strcmp(slash + 1, f->id) != 0) return 0;
  json_t *rec = json_loadb(value, len, 0, NULL);
  const char *to = json_string_value(json_object_get(rec, "to"));
  f->to = bones_xstrdup(to ? to : "?");
  json_decref(rec);
  return 1;
}

/* The error for an id that is not agent's: REFUSED naming the addressee,
 * or NOTFOUND. */
static int not_mine(bones_kv_bucket *b, const char *agent, const char *id, struct bones_error *err) {
  struct finder f = {id, NULL};
  int rc = bones_kv_list(b, "", find_id, &f, err);
  if (rc != BONES_OK) return rc;
  if (f.to == NULL) return bones_error_set(err, BONES_E_NOTFOUND, "no handoff %s", id);
  bones_error_set(err, BONES_E_REFUSED, "handoff %s is addressed to %s, not %s", id, f.to, agent);
  free(f.to);
  return bones_error_hint(err, "only the addressee accepts a handoff");
}

/* One CAS attempt to accept the record in v: BONES_OK (*rec set),
 * BONES_E_REFUSED when not pending, BONES_E_CONFLICT when it changed. */
static int accept_once(bones_kv *kv, bones_kv_bucket *b, const char *key, const char *id, const char *agent,
                       struct bones_kv_value *v, json_t **rec, struct bones_error *err) {
  json_t *r = json_loadb((const char *)v->value, v->len, 0, NULL);
  const char *state = json_string_value(json_object_get(r, "state"));
  if (state && strcmp(state, "pending") == 0 && json_is_string(json_object_get(r, "task"))) {
    int rc = handoff_accept_task(kv, b, key, r, v->rev, agent, rec, err);
    json_decref(r);
    return rc;
  }
  if (state == NULL || strcmp(state, "pending") != 0) {
    const char *when = json_string_value(json_object_get(r, "accepted_at"));
    bones_error_set(err, BONES_E_REFUSED, "handoff %s is %s%s%s, not pending", id, state ? state : "unreadable",
                    when ? " since " : "", when ? when : "");
    json_decref(r);
    return BONES_E_REFUSED;
  }
  char at[40];
  bones_format_time(bones_now_ms(), at, sizeof at);
  json_object_set_new(r, "state", json_string("accepted"));
  json_object_set_new(r, "accepted_at", json_string(at));
  char *text = json_dumps(r, JSON_COMPACT);
  int rc = bones_kv_update(b, key, text, strlen(text), v->rev, NULL, err);
  free(text);
  if (rc == BONES_OK) *rec = r;
  else json_decref(r);
  return rc;
}

/* One attempt at a decision on the record in v: BONES_E_CONFLICT to read
 * again and retry. */
typedef int (*decide_once_fn)(bones_kv *kv, bones_kv_bucket *b, const char *key, const char *id, const char *agent,
                              struct bones_kv_value *v, json_t **rec, struct bones_error *err);

/* Declines the record in v (see bones_handoff_decline). */
static int decline_once(bones_kv *kv, bones_kv_bucket *b, const char *key, const char *id, const char *agent,
                        struct bones_kv_value *v, json_t **rec, struct bones_error *err) {
  json_t *r = json_loadb((const char *)v->value, v->len, 0, NULL);
  const char *state = json_string_value(json_object_get(r, "state"));
  int rc = BONES_OK;
  if (state && strcmp(state, "declined") == 0) { /* again: nothing changes */
    *rec = json_incref(r);
  } else if (state == NULL || strcmp(state, "pending") != 0) {
    rc = bones_error_set(err, BONES_E_REFUSED, "handoff %s is %s, not pending", id, state ? state : "unreadable");
  } else {
    if (json_is_string(json_object_get(r, "task"))) rc = handoff_decline_task(kv, r, agent, err);
    if (rc == BONES_OK) {
      char at[40];
      bones_format_time(bones_now_ms(), at, sizeof at);
      json_object_set_new(r, "state", json_string("declined"));
      json_object_set_new(r, "decided_at", json_string(at));
      char *text = json_dumps(r, JSON_COMPACT);
      rc = bones_kv_update(b, key, text, strlen(text), v->rev, NULL, err);
      free(text);
      if (rc == BONES_OK) *rec = json_incref(r);
    }
  }
  json_decref(r);
  return rc;
}

/* Resolves agent's handoff given (id or unique prefix) and runs once on
 * it until it does not meet a concurrent change. */
static int decide(bones_kv *kv, const char *agent, const char *given, decide_once_fn once, json_t **rec,
                  struct bones_error *err) {
  *rec = NULL;
  if (bones_agent_check(agent, err) != BONES_OK) return BONES_E_USAGE;
  bones_kv_bucket *b = NULL;
  int rc = bones_coord_bucket(kv, BONES_HANDOFFS_BUCKET, 0, &b, err);
  if (rc != BONES_OK) return rc;
  if (b == NULL) return bones_error_set(err, BONES_E_NOTFOUND, "no handoff %s", given);
  char *prefix = bones_coord_agent_prefix(agent);
  char id[BONES_TIME_ID_LEN + 1];
  rc = bones_coord_resolve_id(b, prefix, given, "handoff", "`bones coord handoffs --all` lists the ids", id, err);
  char *key = rc == BONES_OK ? bones_xasprintf("%s%s", prefix, id) : NULL;
  if (rc == BONES_OK) rc = BONES_E_CONFLICT;
  for (int attempt = 0; attempt < ACCEPT_ATTEMPTS && rc == BONES_E_CONFLICT; attempt++) {
    struct bones_kv_value v = {0};
    rc = bones_kv_get(b, key, &v, err);
    if (rc == BONES_E_NOTFOUND) rc = not_mine(b, agent, id, err);
    else if (rc == BONES_OK) rc = once(kv, b, key, id, agent, &v, rec, err);
    bones_kv_value_free(&v);
  }
  free(key);
  free(prefix);
  bones_kv_bucket_close(b);
  return rc;
}

int bones_handoff_accept(bones_kv *kv, const char *agent, const char *given, json_t **rec, struct bones_error *err) {
  return decide(kv, agent, given, accept_once, rec, err);
}

int bones_handoff_decline(bones_kv *kv, const char *agent, const char *given, json_t **rec, struct bones_error *err) {
  return decide(kv, agent, given, decline_once, rec, err);
}
