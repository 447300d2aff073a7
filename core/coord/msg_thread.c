/* msg_thread.c: the messages of a thread (msg.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "coord.h"
#include "msg.h"
#include "text.h"
#include "util.h"

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int open_bucket(bones_kv *kv, const char *name, int64_t ttl, int create, bones_kv_bucket **b,
                       struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {ttl, 0, create ? BONES_KV_BUCKET_CREATE : 0};
  *b = NULL;
  int rc = bones_kv_bucket_open(kv, name, &cfg, b, NULL, err);
  if (rc == BONES_E_NOTFOUND && !create) {
    bones_error_clear(err);
    return BONES_OK;
  }
  return rc;
}

/* list callback: one entry per send of the thread (copies merged). */
struct gather {
  const char *thread;
  json_t *by_id; /* id -> entry */
};
static int on_message(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)key, (void)rev;
  struct gather *g = arg;
  json_t *r = json_loadb(value, len, 0, NULL);
  const char *id = str(r, "id"), *thread = str(r, "thread");
  if (id && thread && strcmp(thread, g->thread) == 0) {
    json_t *e = json_object_get(g->by_id, id);
    if (e == NULL) {
      e = json_pack("{s:s, s:O?, s:o, s:O?, s:O?, s:O?, s:O?}", "id", id, "from", json_object_get(r, "from"), "to",
                    json_array(), "address", json_object_get(r, "address"), "text", json_object_get(r, "text"),
                    "sent_at", json_object_get(r, "sent_at"), "task", json_object_get(r, "task"));
      json_object_set_new(g->by_id, id, e);
    }
    if (str(r, "to")) json_array_append(json_object_get(e, "to"), json_object_get(r, "to"));
  }
  json_decref(r);
  return 0;
}

int bones_msg_thread(bones_kv *kv, const char *thread, json_t **list, struct bones_error *err) {
  *list = NULL;
  if (bones_name_check("the thread", thread, err) != BONES_OK) return BONES_E_USAGE;
  bones_kv_bucket *b = NULL;
  struct gather g = {thread, json_object()};
  json_t *out = json_array();
  int rc = open_bucket(kv, BONES_MESSAGES_BUCKET, BONES_MESSAGES_TTL_MS, 0, &b, err);
  if (rc == BONES_OK && b) rc = bones_kv_list(b, "", on_message, &g, err);
  bones_kv_bucket_close(b);
  b = NULL;
  const char *id;
  json_t *e;
  json_object_foreach(g.by_id, id, e) json_array_append(out, e);
  json_decref(g.by_id);
  if (rc != BONES_OK) {
    json_decref(out);
    return rc;
  }
  bones_coord_sort_by_id(out);
  *list = out;
  return BONES_OK;
}
