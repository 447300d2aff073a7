/* events.c: the task event log (events.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "ids.h"
#include "text.h"
#include "util.h"

static int open_events(bones_kv *kv, bones_kv_bucket **b, struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {BONES_EVENTS_TTL_MS, 0, BONES_KV_BUCKET_CREATE};
  return bones_kv_bucket_open(kv, BONES_EVENTS_BUCKET, &cfg, b, NULL, err);
}

int bones_event_append(bones_kv *kv, const char *agent, const char *task, const char *kind, const char *from,
                       const char *to, uint64_t rev, struct bones_error *err) {
  bones_kv_bucket *b = NULL;
  int rc = open_events(kv, &b, err);
  if (rc != BONES_OK) return rc;
  char id[BONES_TIME_ID_LEN + 1], at[40];
  bones_time_id(id);
  bones_format_time(bones_now_ms(), at, sizeof at);
  json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "id", id, "at", at, "agent", agent ? agent : "", "task",
                        task ? task : "", "kind", kind, "rev", (json_int_t)rev);
  json_object_set_new(e, "from", from ? json_string(from) : json_null());
  json_object_set_new(e, "to", to ? json_string(to) : json_null());
  char *text = e ? json_dumps(e, JSON_COMPACT) : NULL;
  json_decref(e);
  if (text == NULL) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot encode the event record");
  else rc = bones_kv_create(b, id, text, strlen(text), NULL, err);
  free(text);
  bones_kv_bucket_close(b);
  return rc;
}

struct list_state {
  const char *after;
  const char *task;
  size_t limit;
  json_t *out;
};

static int on_event(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  struct list_state *st = arg;
  if (st->after && *st->after && strcmp(key, st->after) <= 0) return 0;
  json_error_t jerr;
  json_t *e = json_loadb(value, len, 0, &jerr);
  if (e == NULL || !json_is_object(e)) {
    json_decref(e);
    e = json_pack("{s:o, s:o}", "id", bones_utf8_json(key), "corrupt", bones_utf8_json(jerr.text));
  }
  const char *task = json_string_value(json_object_get(e, "task"));
  if (st->task && (task == NULL || strcmp(task, st->task) != 0)) {
    json_decref(e);
    return 0;
  }
  json_array_append_new(st->out, e);
  return st->limit && json_array_size(st->out) >= st->limit;
}

int bones_events_list(bones_kv *kv, const char *after, const char *task, size_t limit, json_t **events,
                      struct bones_error *err) {
  *events = NULL;
  bones_kv_bucket *b = NULL;
  int rc = open_events(kv, &b, err);
  if (rc != BONES_OK) return rc;
  struct list_state st = {after, task, limit, json_array()};
  rc = bones_kv_list(b, "", on_event, &st, err);
  bones_kv_bucket_close(b);
  if (rc != BONES_OK) {
    json_decref(st.out);
    return rc;
  }
  *events = st.out;
  return BONES_OK;
}
