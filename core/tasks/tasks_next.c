/* tasks_next.c: claim the most urgent ready task in one call
 * (bones_task_claim_next, tasks.h).  Written only against tasks.h: every
 * claim goes through bones_task_claim. */
#include "config.h"

#include <string.h>

#include "tasks.h"
#include "util.h"

#define CLAIM_NEXT_ROUNDS 8

static const char *str_member(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int slot_matches(json_t *task, const char *slot) {
  if (slot == NULL) return 1;
  const char *s = str_member(json_object_get(task, "context"), "slot");
  return s != NULL && strcmp(s, slot) == 0;
}

/* 1 when x is more urgent than y: priority (none last), then age, then id
 * (the order of bones_tasks_ready). */
static int more_urgent(json_t *x, json_t *y) {
  json_t *px = json_object_get(x, "priority"), *py = json_object_get(y, "priority");
  long long vx = json_is_integer(px) ? json_integer_value(px) : 99, vy = json_is_integer(py) ? json_integer_value(py) : 99;
  if (vx != vy) return vx < vy;
  int c = strcmp(str_member(x, "created_at") ?: "", str_member(y, "created_at") ?: "");
  if (c) return c < 0;
  return strcmp(str_member(x, "id") ?: "", str_member(y, "id") ?: "") < 0;
}

/* The agent's most urgent claimed task among tasks (borrowed), or NULL. */
static json_t *held_task(json_t *tasks, const char *agent, const char *slot) {
  json_t *best = NULL, *task;
  size_t i;
  json_array_foreach(tasks, i, task) {
    const char *status = str_member(task, "status"), *by = str_member(task, "claimed_by");
    if (status == NULL || strcmp(status, "claimed") != 0 || by == NULL || strcmp(by, agent) != 0) continue;
    if (!slot_matches(task, slot)) continue;
    if (best == NULL || more_urgent(task, best)) best = task;
  }
  return best;
}

/* 1 when a failed claim only means another agent got there first (or the
 * task left the ready set since the list was read): try the next one. */
static int lost_race(int rc) { return rc == BONES_E_CONFLICT || rc == BONES_E_REFUSED || rc == BONES_E_NOTFOUND; }

int bones_task_claim_next(struct bones_tasks *t, const struct bones_claim_next_opts *o, json_t **task, int *wrote,
                          int *held, int *lost, struct bones_error *err) {
  *task = NULL;
  *wrote = 0;
  *held = 0;
  if (lost) *lost = 0;
  int rounds = o->max_rounds > 0 ? o->max_rounds : CLAIM_NEXT_ROUNDS;
  for (int round = 0; round < rounds; round++) {
    json_t *all = NULL;
    int rc = bones_tasks_list(t, &all, NULL, err);
    if (rc != BONES_OK) return rc;
    json_t *mine = o->another ? NULL : held_task(all, bones_tasks_agent(t), o->slot);
    if (mine) {
      *task = json_incref(mine);
      *held = 1;
      json_decref(all);
      return BONES_OK;
    }
    json_t *ready = bones_tasks_ready(all, bones_now_ms(), o->slot);
    json_decref(all);
    if (json_array_size(ready) == 0) {
      json_decref(ready);
      if (o->slot && *o->slot) bones_error_set(err, BONES_E_NOTFOUND, "no ready task for slot %s", o->slot);
      else if (o->slot) bones_error_set(err, BONES_E_NOTFOUND, "no ready task without a slot");
      else bones_error_set(err, BONES_E_NOTFOUND, "no ready task");
      bones_error_hint(err, "see `bones tasks list --status open` (blocked or deferred tasks are not ready), or add "
                            "one with `bones tasks create`");
      return BONES_E_NOTFOUND;
    }
    size_t i;
    json_t *cand;
    json_array_foreach(ready, i, cand) {
      struct bones_error cerr;
      rc = bones_task_claim(t, str_member(cand, "id"), o->ttl_ms, 0, task, wrote, &cerr);
      if (rc == BONES_OK) {
        json_decref(ready);
        return BONES_OK;
      }
      if (!lost_race(rc)) {
        json_decref(ready);
        if (err) *err = cerr;
        return rc;
      }
      if (lost) (*lost)++;
    }
    json_decref(ready);
  }
  bones_error_set(err, BONES_E_CONFLICT, "lost the race for every ready task, %d times over", rounds);
  bones_error_hint(err, "many agents are claiming at once: run it again");
  return BONES_E_CONFLICT;
}
