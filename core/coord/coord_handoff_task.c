/* coord_handoff_task.c: handoffs that move a task's claim (coord.h,
 * handoff_task.h).  The task record is the one arbiter: accept and decline
 * each CAS it (handoffs[id] records the outcome), so exactly one of them,
 * and of several handoffs racing for one claim exactly one accept, wins;
 * the handoff record is brought in line afterwards. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "coord.h"
#include "handoff_task.h"
#include "holds.h"
#include "tasks.h"
#include "tasks_rich.h"
#include "util.h"

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

int bones_handoff_create_task(bones_kv *kv, const char *from, const char *to, const char *task, const char *message,
                              int64_t ttl_ms, json_t **rec, struct bones_error *err) {
  *rec = NULL;
  if (bones_agent_check(from, err) != BONES_OK || bones_agent_check(to, err) != BONES_OK) return BONES_E_USAGE;
  if (strcmp(from, to) == 0) return bones_error_set(err, BONES_E_USAGE, "a handoff to yourself changes nothing");
  if (ttl_ms <= 0) ttl_ms = BONES_HANDOFF_TASK_TTL_MS;
  struct bones_tasks *t = NULL;
  json_t *rec_task = NULL;
  char *id = NULL;
  int rc = bones_tasks_open(kv, from, &t, err);
  if (rc == BONES_OK) rc = bones_task_resolve(t, task, &id, err);
  if (rc == BONES_OK) rc = bones_task_get(t, id, &rec_task, err);
  bones_tasks_free(t);
  if (rc == BONES_OK && (strcmp(str(rec_task, "status") ? str(rec_task, "status") : "", "claimed") != 0 ||
                         str(rec_task, "claimed_by") == NULL || strcmp(str(rec_task, "claimed_by"), from) != 0)) {
    rc = bones_error_set(err, BONES_E_REFUSED, "task %s is not claimed by %s (it is %s%s%s): only its claimer hands it off",
                         id, from, str(rec_task, "status") ? str(rec_task, "status") : "?",
                         str(rec_task, "claimed_by") ? " by " : "", str(rec_task, "claimed_by") ? str(rec_task, "claimed_by") : "");
  }
  if (rc == BONES_OK) {
    char until[40];
    bones_format_time(bones_now_ms() + ttl_ms, until, sizeof until);
    char *artifact = bones_xasprintf("task %s", id);
    json_t *extra = json_pack("{s:s, s:O, s:s}", "task", id, "epoch", json_object_get(rec_task, "claim_epoch"),
                              "expires_at", until);
    rc = bones_handoff_create_with(kv, from, to, artifact, message, extra, rec, err);
    json_decref(extra);
    free(artifact);
  }
  json_decref(rec_task);
  free(id);
  return rc;
}

struct outcome_args {
  const char *id, *from, *to;
  json_int_t epoch;
  int64_t expires_ms;
  int accept;  /* else decline */
  int decided; /* set: the task shows another outcome of this handoff */
};

/* The task mutator of accept and decline: the one CAS that decides. */
static int decide(struct bones_tasks *t, json_t *task, void *arg, const char **kind, struct bones_error *err) {
  (void)t;
  struct outcome_args *a = arg;
  const char *tid = str(task, "id");
  json_t *outcomes = json_object_get(task, "handoffs");
  const char *was = str(outcomes, a->id);
  if (was) {
    int same = strcmp(was, a->accept ? "accepted" : "declined") == 0;
    if (same) return BONES_TASK_NO_CHANGE; /* a retry after a crash: already decided so */
    a->decided = 1;
    return bones_error_set(err, BONES_E_REFUSED, "handoff %s of task %s was %s already", a->id, tid, was);
  }
  if (a->accept) {
    const char *status = str(task, "status"), *holder = str(task, "claimed_by");
    json_int_t epoch = json_integer_value(json_object_get(task, "claim_epoch"));
    if (!status || strcmp(status, "claimed") != 0 || !holder || strcmp(holder, a->from) != 0 || epoch != a->epoch) {
      bones_error_set(err, BONES_E_REFUSED,
                      "handoff %s: the claim on task %s moved on since it was offered (%s at epoch %lld; it is %s%s%s "
                      "at epoch %lld now)",
                      a->id, tid, a->from, (long long)a->epoch, status ? status : "?", holder ? " by " : "",
                      holder ? holder : "", (long long)epoch);
      return BONES_E_REFUSED;
    }
    if (a->expires_ms && bones_now_ms() > a->expires_ms)
      return bones_error_set(err, BONES_E_REFUSED, "handoff %s of task %s expired", a->id, tid);
    json_object_set_new(task, "claimed_by", json_string(a->to));
    json_object_set_new(task, "claim_epoch", json_integer(epoch + 1));
    json_object_set_new(task, "previous_claimer", json_string(a->from));
    char lease[40];
    bones_format_time(bones_now_ms() + BONES_CLAIM_TTL_DEFAULT_MS, lease, sizeof lease);
    json_object_set_new(task, "lease_expires_at", json_string(lease));
    *kind = "handoff";
  } else {
    *kind = "handoff-declined";
  }
  if (!json_is_object(outcomes)) json_object_set_new(task, "handoffs", outcomes = json_object());
  json_object_set_new(outcomes, a->id, json_string(a->accept ? "accepted" : "declined"));
  return BONES_OK;
}

static int decide_on_task(bones_kv *kv, json_t *rec, const char *agent, int accept, json_t **task_out, int *decided,
                          struct bones_error *err) {
  struct outcome_args a = {str(rec, "id"), str(rec, "from"), agent,
                           json_integer_value(json_object_get(rec, "epoch")), 0, accept, 0};
  if (str(rec, "expires_at") && bones_parse_time(str(rec, "expires_at"), &a.expires_ms) != 0) a.expires_ms = 0;
  struct bones_tasks *t = NULL;
  int rc = bones_tasks_open(kv, agent, &t, err);
  if (rc == BONES_OK) rc = bones_task_mutate(t, str(rec, "task"), decide, &a, task_out, NULL, err);
  bones_tasks_free(t);
  if (decided) *decided = a.decided;
  return rc;
}

/* Sets the handoff record at key (read at rev) to state, CAS; the record
 * as written in *out (may be NULL). */
static int mark(bones_kv_bucket *b, const char *key, json_t *rec, uint64_t rev, const char *state, json_t *extra,
                json_t **out, struct bones_error *err) {
  json_t *r = json_deep_copy(rec);
  char at[40];
  bones_format_time(bones_now_ms(), at, sizeof at);
  json_object_set_new(r, "state", json_string(state));
  json_object_set_new(r, strcmp(state, "accepted") == 0 ? "accepted_at" : "decided_at", json_string(at));
  if (extra) json_object_update(r, extra);
  char *text = json_dumps(r, JSON_COMPACT);
  int rc = bones_kv_update(b, key, text, strlen(text), rev, NULL, err);
  free(text);
  if (rc == BONES_OK && out) *out = r;
  else json_decref(r);
  return rc;
}

int handoff_accept_task(bones_kv *kv, bones_kv_bucket *b, const char *key, json_t *rec, uint64_t v_rev,
                        const char *agent, json_t **out, struct bones_error *err) {
  json_t *task = NULL;
  int decided = 0;
  int rc = decide_on_task(kv, rec, agent, 1, &task, &decided, err);
  if (rc != BONES_OK) {
    if (rc == BONES_E_REFUSED && !decided) { /* the claim moved on, or it expired: the offer is void (best effort) */
      struct bones_error e2;
      json_t *why = json_pack("{s:s}", "void_reason", err->message);
      mark(b, key, rec, v_rev, "void", why, NULL, &e2);
      json_decref(why);
    }
    return rc;
  }
  json_t *tasks_handoffs = json_object_get(task, "handoffs");
  if (strcmp(str(tasks_handoffs, str(rec, "id")) ? str(tasks_handoffs, str(rec, "id")) : "", "accepted") != 0 ||
      strcmp(str(task, "claimed_by") ? str(task, "claimed_by") : "", agent) != 0) {
    json_decref(task);
    return bones_error_set(err, BONES_E_INTERNAL, "handoff %s: the task record does not show the transfer", str(rec, "id"));
  }
  json_int_t epoch = json_integer_value(json_object_get(task, "claim_epoch"));
  size_t moved = 0;
  struct bones_error herr;
  int hrc = bones_holds_transfer(kv, str(rec, "task"), str(rec, "from"), agent, (uint64_t)epoch, &moved, &herr);
  json_t *extra = json_pack("{s:I, s:I}", "claim_epoch", epoch, "holds_moved", (json_int_t)moved);
  if (hrc != BONES_OK) json_object_set_new(extra, "holds_error", json_string(herr.message));
  rc = mark(b, key, rec, v_rev, "accepted", extra, out, err);
  json_decref(extra);
  json_decref(task);
  return rc; /* CONFLICT: the caller re-reads and comes back: the task says accepted, NO_CHANGE */
}

int handoff_decline_task(bones_kv *kv, json_t *rec, const char *agent, struct bones_error *err) {
  return decide_on_task(kv, rec, agent, 0, NULL, NULL, err);
}
