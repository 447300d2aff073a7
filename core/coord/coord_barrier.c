/* coord_barrier.c: checkpoints, a reusable barrier with rounds (coord.h).
 *
 * Each agent's record <name>/<agent> holds the round it last arrived at;
 * arriving again is round + 1 (one CAS).  A wait is for one round R and
 * is satisfied when every named agent's round is >= R, so an earlier,
 * finished round never satisfies a later wait, and an agent that already
 * went on to R+1 still counts as having reached R.  R is --round, else the
 * caller's own round (the usual "checkpoint, then wait for everyone"),
 * else (the caller never arrived: an observer) the highest round any named
 * agent reached, at least 1; an observer waiting for a later round should
 * pass it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "coord.h"
#include "util.h"

#define ARRIVE_ATTEMPTS 64
#define WAIT_CHUNK_MS 200 /* longest single watch, so a signal is seen soon */

/* The key of agent at checkpoint name (malloc'd): a final '.' of the agent
 * (allowed in names, not at the end of a key) is written "=2E". */
static char *cp_key(const char *name, const char *agent) {
  size_t n = strlen(agent);
  if (n && agent[n - 1] == '.') return bones_xasprintf("%s/%.*s=2E", name, (int)(n - 1), agent);
  return bones_xasprintf("%s/%s", name, agent);
}

/* The round of a stored record, 0 when it does not parse. */
static uint64_t rec_round(const json_t *rec) {
  json_t *r = json_object_get(rec, "round");
  return json_is_integer(r) && json_integer_value(r) > 0 ? (uint64_t)json_integer_value(r) : 0;
}

int bones_checkpoint_arrive(bones_kv *kv, const char *name, const char *agent, json_t **rec,
                            struct bones_error *err) {
  *rec = NULL;
  if (bones_coord_name_check("checkpoint", name, err) != BONES_OK || bones_agent_check(agent, err) != BONES_OK)
    return BONES_E_USAGE;
  bones_kv_bucket *b = NULL;
  int rc = bones_coord_bucket(kv, BONES_CHECKPOINTS_BUCKET, 1, &b, err);
  if (rc != BONES_OK) return rc;
  char *key = cp_key(name, agent);
  rc = BONES_E_CONFLICT;
  for (int attempt = 0; attempt < ARRIVE_ATTEMPTS && rc == BONES_E_CONFLICT; attempt++) {
    struct bones_kv_value v = {0};
    uint64_t round = 1;
    rc = bones_kv_get(b, key, &v, err);
    if (rc == BONES_OK) {
      json_t *old = json_loadb((const char *)v.value, v.len, 0, NULL);
      round = rec_round(old) + 1;
      json_decref(old);
    } else if (rc != BONES_E_NOTFOUND) {
      break;
    }
    char at[40];
    bones_format_time(bones_now_ms(), at, sizeof at);
    json_t *r = json_pack("{s:s, s:I, s:s}", "agent", agent, "round", (json_int_t)round, "at", at);
    if (r == NULL) {
      bones_kv_value_free(&v);
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot encode the checkpoint record");
      break;
    }
    char *text = json_dumps(r, JSON_COMPACT);
    rc = v.value ? bones_kv_update(b, key, text, strlen(text), v.rev, NULL, err)
                 : bones_kv_create(b, key, text, strlen(text), NULL, err);
    free(text);
    bones_kv_value_free(&v);
    if (rc == BONES_E_EXISTS || rc == BONES_E_NOTFOUND) rc = BONES_E_CONFLICT; /* raced: read again */
    if (rc == BONES_OK) *rec = r;
    else json_decref(r);
  }
  if (rc == BONES_E_CONFLICT) bones_error_set(err, rc, "checkpoint %s: lost %d races in a row", name, ARRIVE_ATTEMPTS);
  free(key);
  bones_kv_bucket_close(b);
  return rc;
}

/* list callback: collects records by agent and the highest revision. */
struct rounds {
  json_t *by_agent;
  uint64_t max_rev;
};
static int collect(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)key;
  struct rounds *r = arg;
  if (rev > r->max_rev) r->max_rev = rev;
  json_t *rec = json_loadb(value, len, 0, NULL);
  const char *agent = json_string_value(json_object_get(rec, "agent"));
  if (agent) json_object_set(r->by_agent, agent, rec);
  json_decref(rec);
  return 0;
}

/* Reads every agent's record at checkpoint name into r (r->by_agent must
 * be an empty object). */
static int read_rounds(bones_kv_bucket *b, const char *prefix, struct rounds *r, struct bones_error *err) {
  json_object_clear(r->by_agent);
  return bones_kv_list(b, prefix, collect, r, err);
}

/* The round of agent in r (0 = never arrived). */
static uint64_t round_of(const struct rounds *r, const char *agent) {
  return agent ? rec_round(json_object_get(r->by_agent, agent)) : 0;
}

/* The round to wait for when none was given (see the top of the file). */
static uint64_t pick_round(const struct bones_checkpoint_wait *w, const struct rounds *r) {
  uint64_t own = round_of(r, w->self);
  if (own) return own;
  uint64_t max = 1;
  for (size_t i = 0; i < w->nagents; i++)
    if (round_of(r, w->agents[i]) > max) max = round_of(r, w->agents[i]);
  return max;
}

/* The agents that have not reached round, "a (round 1), b (never)" in buf;
 * returns how many. */
static size_t missing(const struct bones_checkpoint_wait *w, const struct rounds *r, uint64_t round, char *buf,
                      size_t size) {
  size_t n = 0, used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < w->nagents; i++) {
    uint64_t got = round_of(r, w->agents[i]);
    if (got >= round) continue;
    n++;
    if (used < size) {
      int k = got ? snprintf(buf + used, size - used, "%s%s (round %llu)", n > 1 ? ", " : "", w->agents[i],
                             (unsigned long long)got)
                  : snprintf(buf + used, size - used, "%s%s (never)", n > 1 ? ", " : "", w->agents[i]);
      used += k > 0 ? (size_t)k : 0;
    }
  }
  return n;
}

/* The result of a satisfied wait (a new object). */
static json_t *wait_state(const struct bones_checkpoint_wait *w, const struct rounds *r, uint64_t round) {
  json_t *agents = json_array();
  for (size_t i = 0; i < w->nagents; i++) {
    json_t *rec = json_object_get(r->by_agent, w->agents[i]);
    if (rec) json_array_append(agents, rec);
  }
  return json_pack("{s:s, s:I, s:o}", "name", w->name, "round", (json_int_t)round, "agents", agents);
}

/* Checks the request; BONES_E_USAGE naming the bad part. */
static int check_wait(const struct bones_checkpoint_wait *w, struct bones_error *err) {
  if (bones_coord_name_check("checkpoint", w->name, err) != BONES_OK) return BONES_E_USAGE;
  if (w->nagents == 0) return bones_error_set(err, BONES_E_USAGE, "no agents to wait for");
  for (size_t i = 0; i < w->nagents; i++)
    if (bones_agent_check(w->agents[i], err) != BONES_OK) return BONES_E_USAGE;
  return BONES_OK;
}

int bones_checkpoint_wait(bones_kv *kv, const struct bones_checkpoint_wait *w, uint64_t *round_out, json_t **state,
                          struct bones_error *err) {
  *state = NULL;
  int rc = check_wait(w, err);
  if (rc != BONES_OK) return rc;
  int64_t deadline = w->timeout_ms > 0 ? bones_monotonic_ms() + w->timeout_ms : 0;
  bones_kv_bucket *b = NULL;
  if ((rc = bones_coord_bucket(kv, BONES_CHECKPOINTS_BUCKET, 1, &b, err)) != BONES_OK) return rc;
  char *prefix = bones_xasprintf("%s/", w->name);
  struct rounds r = {json_object(), 0};
  uint64_t round = w->round, seen = 0;
  char who[400];
  for (;;) {
    if (w->stop && *w->stop) {
      rc = bones_error_set(err, BONES_E_INTERNAL, "interrupted");
      break;
    }
    if ((rc = read_rounds(b, prefix, &r, err)) != BONES_OK) break;
    if (round == 0) round = pick_round(w, &r);
    if (missing(w, &r, round, who, sizeof who) == 0) {
      *state = wait_state(w, &r, round);
      break;
    }
    int64_t left = deadline ? deadline - bones_monotonic_ms() : WAIT_CHUNK_MS;
    if (left <= 0) {
      rc = bones_error_set(err, BONES_E_TIMEOUT, "checkpoint %s round %llu: timed out after %lld ms waiting for %s",
                           w->name, (unsigned long long)round, (long long)w->timeout_ms, who);
      break;
    }
    if (seen < r.max_rev) seen = r.max_rev;
    rc = bones_coord_wait_change(b, prefix, seen, left < WAIT_CHUNK_MS ? left : WAIT_CHUNK_MS, &seen, err);
    if (rc != BONES_OK) break;
  }
  if (round_out) *round_out = round;
  json_decref(r.by_agent);
  free(prefix);
  bones_kv_bucket_close(b);
  return rc;
}
