/* sessions.c: slot session records and the swarm event log (sessions.h). */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sessions.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

const char *bones_hostname(void) {
  static char name[256];
  if (name[0] == '\0' && gethostname(name, sizeof name - 1) != 0) strcpy(name, "localhost");
  return name;
}

int bones_sessions_bucket_open(bones_kv *kv, bones_kv_bucket **b, int64_t *ttl_ms, struct bones_error *err) {
  /* no backend can change a bucket's TTL, and slots may live in it: an
   * existing bucket is taken as it is */
  struct bones_kv_bucket_config any = {BONES_KV_TTL_ANY, 0, 0}, actual = {0, 0, 0};
  int rc = bones_kv_bucket_open(kv, BONES_SESSIONS_BUCKET, &any, b, &actual, err);
  if (rc == BONES_E_NOTFOUND) {
    struct bones_kv_bucket_config cfg = {BONES_SESSIONS_BUCKET_TTL_MS, 0, BONES_KV_BUCKET_CREATE};
    bones_error_clear(err);
    rc = bones_kv_bucket_open(kv, BONES_SESSIONS_BUCKET, &cfg, b, &actual, err);
  }
  if (ttl_ms) *ttl_ms = rc == BONES_OK ? actual.ttl_ms : 0;
  return rc;
}

int bones_sessions_bucket(bones_kv *kv, bones_kv_bucket **b, struct bones_error *err) {
  return bones_sessions_bucket_open(kv, b, NULL, err);
}

/* A duration from given (named what), else from the environment variable
 * var, else def; bounded to [min, max]. */
static int duration_pick(const char *given, const char *what, const char *var, int64_t def, int64_t min, int64_t max,
                         int64_t *ms, struct bones_error *err) {
  const char *env = getenv(var);
  if (given) return bones_parse_duration_in(what, given, min, max, ms, err);
  if (env && *env) return bones_parse_duration_in(var, env, min, max, ms, err);
  *ms = def;
  return BONES_OK;
}

int bones_session_lease_pick(const char *given, int64_t *lease_ms, struct bones_error *err) {
  return duration_pick(given, "--lease", "BONES_SESSION_LEASE", BONES_SESSION_TTL_MS, BONES_SESSION_LEASE_MIN_MS,
                       BONES_LEASE_MAX_MS, lease_ms, err);
}

int bones_session_grace_pick(const char *given, int64_t lease_ms, int64_t *grace_ms, struct bones_error *err) {
  return duration_pick(given, "--grace", "BONES_SESSION_GRACE", lease_ms, 0, BONES_LEASE_MAX_MS, grace_ms, err);
}

/* A member that must be a duration in ms within (0, max]; def otherwise. */
static int64_t ms_member(json_t *o, const char *k, int64_t min, int64_t def) {
  json_t *v = json_object_get(o, k);
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > BONES_LEASE_MAX_MS) return def;
  return (int64_t)json_integer_value(v);
}

void bones_session_times_of(json_t *session, struct bones_session_times *t) {
  memset(t, 0, sizeof *t);
  const char *lr = json_string_value(json_object_get(session, "last_renewed"));
  if (lr == NULL || bones_parse_time(lr, &t->renewed) != 0) t->renewed = 0;
  t->lease_ms = ms_member(session, "lease_ms", BONES_SESSION_LEASE_MIN_MS, BONES_SESSION_TTL_MS);
  t->grace_ms = ms_member(session, "grace_ms", 0, t->lease_ms);
  t->expires_at = t->renewed + t->lease_ms;
  t->reap_at = t->expires_at + t->grace_ms;
}

const char *bones_session_state(const struct bones_session_times *t, int64_t now) {
  int64_t active = t->lease_ms / 2 < BONES_SESSION_ACTIVE_MS ? t->lease_ms / 2 : BONES_SESSION_ACTIVE_MS;
  if (now > t->expires_at) return "stale";
  return now - t->renewed <= active ? "active" : "idle";
}

int bones_session_touch(bones_kv *kv, const char *slot, struct bones_error *err) {
  bones_kv_bucket *b = NULL;
  int rc = bones_sessions_bucket(kv, &b, err);
  if (rc == BONES_OK) rc = bones_session_renew(b, slot, 0, NULL, err);
  bones_kv_bucket_close(b);
  return rc;
}

int bones_session_get(bones_kv_bucket *b, const char *slot, json_t **session, uint64_t *rev, struct bones_error *err) {
  *session = NULL;
  struct bones_kv_value v;
  int rc = bones_kv_get(b, slot, &v, err);
  if (rc == BONES_E_NOTFOUND) {
    bones_error_set(err, BONES_E_NOTFOUND, "slot %s: %s", slot, BONES_ERR_SESSION_NOT_FOUND);
    return BONES_E_NOTFOUND;
  }
  if (rc != BONES_OK) return rc;
  json_error_t jerr;
  *session = json_loadb((const char *)v.value, v.len, 0, &jerr);
  if (rev) *rev = v.rev;
  bones_kv_value_free(&v);
  if (*session == NULL || !json_is_object(*session) || !json_is_string(json_object_get(*session, "task_id"))) {
    json_decref(*session);
    *session = NULL;
    return bones_error_set(err, BONES_E_CORRUPT, "corrupt record %s/%s", BONES_SESSIONS_BUCKET, slot);
  }
  return BONES_OK;
}

int bones_session_check_host(json_t *session, struct bones_error *err) {
  const char *host = json_string_value(json_object_get(session, "host"));
  if (host && strcmp(host, bones_hostname()) == 0) return BONES_OK;
  bones_error_set(err, BONES_E_REFUSED, "%s (session host %s, this host %s)", BONES_ERR_CROSS_HOST, host ? host : "?",
                  bones_hostname());
  return BONES_E_REFUSED;
}

int bones_session_renew(bones_kv_bucket *b, const char *slot, int add_commits, json_t **out, struct bones_error *err) {
  if (out) *out = NULL;
  for (int attempt = 0; attempt < 16; attempt++) {
    json_t *s = NULL;
    uint64_t rev = 0;
    int rc = bones_session_get(b, slot, &s, &rev, err);
    if (rc != BONES_OK) return rc;
    char now[40];
    bones_format_time(bones_now_ms(), now, sizeof now);
    json_object_set_new(s, "last_renewed", json_string(now));
    if (add_commits) { /* a stored count out of range (corrupt, hand-edited) saturates, never overflows */
      json_int_t commits = json_integer_value(json_object_get(s, "commits"));
      if (commits < 0) commits = 0;
      if (add_commits > 0 && commits <= INT64_MAX - add_commits) commits += add_commits;
      json_object_set_new(s, "commits", json_integer(commits));
    }
    char *text = json_dumps(s, JSON_COMPACT);
    rc = bones_kv_update(b, slot, text, strlen(text), rev, NULL, err);
    free(text);
    if (rc == BONES_OK) {
      if (out) *out = s;
      else json_decref(s);
      return BONES_OK;
    }
    json_decref(s);
    if (rc != BONES_E_CONFLICT) return rc;
    struct timespec ts = {0, 1000000L * (1 + attempt)};
    nanosleep(&ts, NULL);
  }
  return bones_error_set(err, BONES_E_CONFLICT, "slot %s: the session kept changing under us", slot);
}

json_t *bones_swarm_event_record(const char *event, const char *slot, const char *task, const char *agent,
                                 const char *result, const char *no_artifact, const char *commit) {
  char ts[40];
  bones_format_time(bones_now_ms(), ts, sizeof ts);
  json_t *e = json_pack("{s:s, s:s, s:o, s:o}", "ts", ts, "event", event, "slot", bones_utf8_json(slot), "host",
                        bones_utf8_json(bones_hostname()));
  if (e == NULL) return NULL;
  if (task) json_object_set_new(e, "task_id", bones_utf8_json(task));
  if (agent) json_object_set_new(e, "agent_id", bones_utf8_json(agent));
  if (result) json_object_set_new(e, "result", bones_utf8_json(result));
  if (no_artifact) json_object_set_new(e, "no_artifact", bones_utf8_json(no_artifact));
  if (commit) json_object_set_new(e, "commit_uuid", bones_utf8_json(commit));
  return e;
}

void bones_swarm_event_append(const char *root, json_t *e) {
  char *line = e ? json_dumps(e, JSON_COMPACT) : NULL;
  json_decref(e);
  char *path = bones_ws_path(root, "swarm-events.jsonl");
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  free(path);
  if (fd >= 0 && line) {
    size_t n = strlen(line);
    line[n] = '\n';
    if (write(fd, line, n + 1) < 0) { /* best effort */
    }
  }
  if (fd >= 0) close(fd);
  free(line);
}

void bones_swarm_event(const char *root, const char *event, const char *slot, const char *task, const char *agent,
                       const char *result, const char *no_artifact, const char *commit) {
  bones_swarm_event_append(root, bones_swarm_event_record(event, slot, task, agent, result, no_artifact, commit));
}
