/* hub_join.c: slot joins from hosts without the hub's file (hub_join.h). */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hub_join.h"
#include "hublog.h"
#include "sessions.h"
#include "slots.h"
#include "swarm.h"
#include "text.h"
#include "util.h"

static int joins_bucket(bones_kv *kv, bones_kv_bucket **b, struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {BONES_HUB_JOINS_TTL_MS, 0, BONES_KV_BUCKET_CREATE};
  return bones_kv_bucket_open(kv, BONES_HUB_JOINS_BUCKET, &cfg, b, NULL, err);
}

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* Overwrites and frees the password member of a decoded request. */
static void forget_password(json_t *rec) {
  json_t *pw = json_object_get(rec, "password");
  if (json_is_string(pw)) explicit_bzero((char *)json_string_value(pw), json_string_length(pw));
  json_object_del(rec, "password");
}

int bones_hub_join_ask(bones_kv *kv, const char *slot, const char *user, const char *password, int64_t wait_ms,
                       char identity[BONES_REPO_ID_MAX], struct bones_error *err) {
  identity[0] = '\0';
  bones_kv_bucket *b = NULL;
  int rc = joins_bucket(kv, &b, err);
  if (rc != BONES_OK) return rc;
  char now[40];
  bones_format_time(bones_now_ms(), now, sizeof now);
  json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "schema", "bones.hub-join/v1", "state", "asked",
                          "slot", slot, "user", user, "password", password, "host", bones_utf8_json(bones_hostname()),
                          "asked_at", now);
  char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
  if (req) forget_password(req);
  json_decref(req);
  uint64_t rev = 0;
  if (text == NULL) rc = bones_error_set(err, BONES_E_INTERNAL, "slot %s: cannot encode the join request", slot);
  else rc = bones_kv_put(b, slot, text, strlen(text), &rev, err); /* replaces a request a dead joiner left */
  if (text) explicit_bzero(text, strlen(text));
  free(text);
  int64_t deadline = bones_monotonic_ms() + wait_ms;
  int answered = 0;
  while (rc == BONES_OK && !answered) {
    struct bones_kv_value v = {0};
    rc = bones_kv_get(b, slot, &v, err);
    if (rc == BONES_E_NOTFOUND) {
      rc = bones_error_set(err, BONES_E_UNAVAILABLE, "slot %s: the join request vanished before the hub answered",
                           slot);
      bones_error_hint(err, "another join of the same slot replaced it, or it expired; join again");
      break;
    }
    if (rc != BONES_OK) break;
    json_t *rec = json_loadb((const char *)v.value, v.len, 0, NULL);
    const char *state = str(rec, "state");
    if (v.rev != rev && state && strcmp(state, "ready") == 0) {
      const char *id = str(rec, "identity");
      if (id == NULL || strlen(id) >= BONES_REPO_ID_MAX)
        rc = bones_error_set(err, BONES_E_INTERNAL, "slot %s: the hub's answer holds no usable identity", slot);
      else
        memcpy(identity, id, strlen(id) + 1);
      answered = 1;
    } else if (v.rev != rev && state && strcmp(state, "refused") == 0) {
      rc = bones_error_set(err, BONES_E_REFUSED, "slot %s: the hub refused the join: %s", slot,
                           str(rec, "reason") ? str(rec, "reason") : "(no reason given)");
      answered = 1;
    } else if (v.rev != rev) { /* someone else's request for the same slot replaced ours */
      rc = bones_error_set(err, BONES_E_CONFLICT, "slot %s: a concurrent join of the same slot replaced this one", slot);
      json_decref(rec);
      bones_kv_value_free(&v);
      bones_kv_bucket_close(b);
      return rc;
    }
    json_decref(rec);
    bones_kv_value_free(&v);
    if (answered || rc != BONES_OK) break;
    if (bones_monotonic_ms() >= deadline) {
      rc = bones_error_set(err, BONES_E_UNAVAILABLE, "slot %s: no hub answered the join request within %lld ms", slot,
                           (long long)wait_ms);
      bones_error_hint(err, "the hub must run on its host, serving other hosts (`bones hub start --detach --listen "
                            "ADDR` there), on the same substrate as this workspace");
      break;
    }
    struct timespec ts = {0, 50000000L};
    nanosleep(&ts, NULL);
  }
  /* withdraw the request (its password) or the answer, whatever happened */
  struct bones_error derr;
  struct bones_kv_value v = {0};
  if (bones_kv_get(b, slot, &v, &derr) == BONES_OK) {
    json_t *rec = json_loadb((const char *)v.value, v.len, 0, NULL);
    const char *user_of = str(rec, "user");
    if (user_of && strcmp(user_of, user) == 0) bones_kv_delete(b, slot, v.rev, &derr);
    json_decref(rec);
    bones_kv_value_free(&v);
  }
  bones_kv_bucket_close(b);
  return rc;
}

struct pending {
  char *slot;
  uint64_t rev;
};

struct pending_list {
  struct pending *items;
  size_t n;
};

static int collect_asked(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  struct pending_list *l = arg;
  json_t *rec = json_loadb(value, len, 0, NULL);
  const char *state = str(rec, "state");
  if (state && strcmp(state, "asked") == 0) {
    l->items = bones_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = (struct pending){bones_xstrdup(key), rev};
  }
  json_decref(rec);
  return 0;
}

/* Why the hub refuses req for slot (static), or NULL to serve it. */
static const char *refusal(bones_kv *kv, const char *slot, json_t *req) {
  const char *user = str(req, "user"), *pw = str(req, "password");
  struct bones_error e;
  if (bones_name_check("slot", slot, &e) != BONES_OK) return "the slot name is invalid";
  if (user == NULL || pw == NULL || *pw == '\0') return "the request names no user or password";
  char *want = bones_slot_agent(slot);
  int same = strcmp(want, user) == 0;
  free(want);
  if (!same) return "the user is not the slot's (slot-NAME)";
  bones_kv_bucket *sessions = NULL;
  if (bones_sessions_bucket(kv, &sessions, &e) != BONES_OK) return "the hub cannot read the sessions";
  json_t *old = NULL;
  uint64_t old_rev = 0;
  int grc = bones_session_get(sessions, slot, &old, &old_rev, &e);
  json_decref(old);
  bones_kv_bucket_close(sessions);
  if (grc == BONES_OK) return "the slot has a live session (close it, or wait until it expires)";
  if (grc != BONES_E_NOTFOUND) return "the hub cannot read the slot's session";
  return NULL;
}

/* Serves one request (read again at its revision); 1 when answered. */
static int serve_one(const char *root, bones_kv *kv, bones_kv_bucket *b, const struct bones_repo_backend_v1 *repo,
                     void *repo_handle, const char *hub_path, const char *slot) {
  struct bones_error e;
  struct bones_kv_value v = {0};
  if (bones_kv_get(b, slot, &v, &e) != BONES_OK) return 0;
  json_t *req = json_loadb((const char *)v.value, v.len, 0, NULL);
  explicit_bzero(v.value, v.len);
  uint64_t rev = v.rev;
  bones_kv_value_free(&v);
  if (req == NULL || !str(req, "state") || strcmp(str(req, "state"), "asked") != 0) {
    json_decref(req);
    return 0;
  }
  const char *why = refusal(kv, slot, req);
  char identity[BONES_REPO_ID_MAX] = "";
  int rc = BONES_OK;
  if (why == NULL) {
    rc = repo->hub_user(repo_handle, hub_path, str(req, "user"), str(req, "password"), &e);
    for (int attempt = 1; rc != BONES_OK && rc != BONES_E_USAGE && attempt < 10; attempt++) {
      struct timespec ts = {0, 20000000L * attempt}; /* concurrent joins contend for the hub file */
      nanosleep(&ts, NULL);
      rc = repo->hub_user(repo_handle, hub_path, str(req, "user"), str(req, "password"), &e);
    }
    if (rc == BONES_OK) rc = repo->hub_identity(repo_handle, hub_path, identity, &e);
    if (rc != BONES_OK) why = "the hub could not add the slot's user (see the hub's log)";
  }
  forget_password(req);
  char now[40];
  bones_format_time(bones_now_ms(), now, sizeof now);
  json_object_set_new(req, "state", json_string(why ? "refused" : "ready"));
  json_object_set_new(req, "answered_at", json_string(now));
  if (why) json_object_set_new(req, "reason", json_string(why));
  else json_object_set_new(req, "identity", json_string(identity));
  char *text = json_dumps(req, JSON_COMPACT);
  int answered = text && bones_kv_update(b, slot, text, strlen(text), rev, NULL, &e) == BONES_OK;
  free(text);
  json_t *fields = json_pack("{s:s, s:s, s:s}", "slot", slot, "agent", str(req, "user") ? str(req, "user") : "?",
                             "host", str(req, "host") ? str(req, "host") : "?");
  if (why && rc != BONES_OK && fields) json_object_set_new(fields, "err", json_string(e.message));
  if (why && fields) json_object_set_new(fields, "reason", json_string(why));
  bones_hublog(root, why ? BONES_LOG_WARN : BONES_LOG_INFO, "join",
               why ? "refused a slot join from another host" : "added a slot's user for another host", fields);
  json_decref(req);
  return answered;
}

int bones_hub_join_serve(const char *root, bones_kv *kv, const struct bones_repo_backend_v1 *repo, void *repo_handle,
                         const char *hub_path, struct bones_error *err) {
  bones_kv_bucket *b = NULL;
  int rc = joins_bucket(kv, &b, err);
  if (rc != BONES_OK) return -1;
  struct pending_list l = {NULL, 0};
  rc = bones_kv_list(b, NULL, collect_asked, &l, err);
  int answered = 0;
  for (size_t i = 0; i < l.n; i++) {
    if (rc == BONES_OK) answered += serve_one(root, kv, b, repo, repo_handle, hub_path, l.items[i].slot);
    free(l.items[i].slot);
  }
  free(l.items);
  bones_kv_bucket_close(b);
  return rc == BONES_OK ? answered : -1;
}
