/* tasks_result.c: a task's reported outcome (tasks_result.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "tasks.h"
#include "tasks_result.h"
#include "text.h"
#include "util.h"

#define RESULT_ATTEMPTS 32

int bones_task_summary_check(const char *summary, size_t len, struct bones_error *err) {
  if (summary == NULL) return BONES_OK;
  if (len > BONES_TASK_SUMMARY_MAX)
    return bones_error_set(err, BONES_E_TOOLARGE, "the summary has %zu bytes; at most %d are kept", len,
                           BONES_TASK_SUMMARY_MAX);
  if (!bones_utf8_valid(summary, len)) return bones_error_set(err, BONES_E_USAGE, "the summary is not valid UTF-8");
  return BONES_OK;
}

static void backoff(int attempt) {
  unsigned r = (unsigned)bones_now_ms() * 2654435761u ^ (unsigned)attempt * 40503u;
  long us = 200 + (long)(r % (unsigned)(500 * (attempt < 8 ? attempt + 1 : 8)));
  struct timespec ts = {0, us * 1000};
  nanosleep(&ts, NULL);
}

/* One attempt: read, set, CAS at the read revision.  BONES_E_CONFLICT
 * when another change came first. */
static int try_set(bones_kv_bucket *b, bones_kv *kv, const char *agent, const char *id, const char *result,
                   const char *summary, json_t **task, struct bones_error *err) {
  struct bones_kv_value v;
  int rc = bones_kv_get(b, id, &v, err);
  if (rc == BONES_E_NOTFOUND) return bones_error_set(err, BONES_E_NOTFOUND, "no task %s", id);
  if (rc != BONES_OK) return rc;
  json_t *rec = json_loadb((const char *)v.value, v.len, 0, NULL);
  uint64_t rev = v.rev;
  bones_kv_value_free(&v);
  const char *rid = json_string_value(json_object_get(rec, "id"));
  if (!json_is_object(rec) || rid == NULL || strcmp(rid, id) != 0) {
    json_decref(rec);
    bones_error_set(err, BONES_E_CORRUPT, "corrupt record %s/%s", BONES_TASKS_BUCKET, id);
    return bones_error_hint(err, "inspect it with `bones kv get %s %s`", BONES_TASKS_BUCKET, id);
  }
  int64_t now = bones_now_ms();
  char stamp[40];
  bones_format_time(now, stamp, sizeof stamp);
  json_object_set_new(rec, "result", json_string(result));
  json_object_set_new(rec, "summary", summary ? json_string(summary) : json_null());
  json_object_set_new(rec, "result_at", json_integer(now));
  json_object_set_new(rec, "result_by", json_string(agent));
  json_object_set_new(rec, "updated_at", json_string(stamp));
  char *text = json_dumps(rec, JSON_COMPACT);
  uint64_t new_rev = 0;
  rc = text ? bones_kv_update(b, id, text, strlen(text), rev, &new_rev, err)
            : bones_error_set(err, BONES_E_INTERNAL, "cannot encode task %s", id);
  free(text);
  if (rc == BONES_OK) {
    struct bones_error eerr;
    const char *status = json_string_value(json_object_get(rec, "status"));
    bones_event_append(kv, agent, id, "result", status, status, new_rev, &eerr);
    if (task) *task = rec;
    else json_decref(rec);
    return BONES_OK;
  }
  json_decref(rec);
  return rc;
}

int bones_task_set_result(bones_kv *kv, const char *agent, const char *id, const char *result, const char *summary,
                          json_t **task, struct bones_error *err) {
  if (task) *task = NULL;
  if (result == NULL || (strcmp(result, "success") != 0 && strcmp(result, "fail") != 0 && strcmp(result, "fork") != 0))
    return bones_error_set(err, BONES_E_USAGE, "a result is success, fail or fork");
  if (id == NULL || !bones_kv_key_valid(id)) return bones_error_set(err, BONES_E_USAGE, "'%s' is not a task id", id ? id : "");
  int rc = bones_task_summary_check(summary, summary ? strlen(summary) : 0, err);
  if (rc != BONES_OK) return rc;
  struct bones_kv_bucket_config cfg = {0, 0, BONES_KV_BUCKET_CREATE};
  bones_kv_bucket *b = NULL;
  rc = bones_kv_bucket_open(kv, BONES_TASKS_BUCKET, &cfg, &b, NULL, err);
  if (rc != BONES_OK) return rc;
  for (int attempt = 0; attempt < RESULT_ATTEMPTS; attempt++) {
    rc = try_set(b, kv, agent, id, result, summary, task, err);
    if (rc != BONES_E_CONFLICT) break;
    backoff(attempt);
  }
  if (rc == BONES_E_CONFLICT)
    rc = bones_error_set(err, BONES_E_CONFLICT, "task %s: gave up after %d concurrent changes", id, RESULT_ATTEMPTS);
  if (rc == BONES_E_UNAVAILABLE)
    bones_error_hint(err, "the result may or may not have landed: check with `bones tasks show %s`", id);
  bones_kv_bucket_close(b);
  return rc;
}
