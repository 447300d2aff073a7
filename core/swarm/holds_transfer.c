/* holds_transfer.c: moving a task's holds to the agent a handoff gave the
 * task to (holds.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "holds_int.h"
#include "util.h"

/* list callback: the keys of from's live holds for task. */
struct mine {
  const char *from, *task;
  json_t *keys;
};
static int collect(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  struct mine *m = arg;
  json_t *r = json_loadb(value, len, 0, NULL);
  const char *agent = json_string_value(json_object_get(r, "agent")), *task = json_string_value(json_object_get(r, "task"));
  if (agent && task && strcmp(agent, m->from) == 0 && strcmp(task, m->task) == 0) json_array_append_new(m->keys, json_string(key));
  json_decref(r);
  return 0;
}

int bones_holds_transfer(bones_kv *kv, const char *task, const char *from, const char *to, uint64_t epoch,
                         size_t *moved, struct bones_error *err) {
  if (moved) *moved = 0;
  bones_kv_bucket *b = NULL;
  int rc = holds_bucket(kv, 0, &b, err);
  if (rc != BONES_OK || b == NULL) return rc;
  struct mine m = {from, task, json_array()};
  rc = bones_kv_list(b, HOLDS_KEY_PREFIX, collect, &m, err);
  size_t i;
  json_t *k;
  json_array_foreach(m.keys, i, k) {
    if (rc != BONES_OK) break;
    const char *key = json_string_value(k);
    for (int attempt = 1; attempt <= HOLDS_ATTEMPTS; attempt++) {
      struct bones_kv_value v = {0};
      rc = bones_kv_get(b, key, &v, err);
      if (rc == BONES_E_NOTFOUND) { /* released meanwhile: nothing to move */
        bones_error_clear(err);
        rc = BONES_OK;
        break;
      }
      json_t *r = NULL;
      if (rc == BONES_OK) rc = holds_parse(key, v.value, v.len, &r, err);
      if (rc == BONES_OK && strcmp(holds_agent(r), from) != 0) { /* not from's any more */
        json_decref(r);
        bones_kv_value_free(&v);
        break;
      }
      if (rc == BONES_OK) {
        json_object_set_new(r, "agent", json_string(to));
        json_object_set_new(r, "epoch", json_integer((json_int_t)epoch));
        json_object_set_new(r, "slot", json_null()); /* the new owner has none yet */
        json_object_set_new(r, "handed_from", json_string(from));
        char *text = json_dumps(r, JSON_COMPACT);
        rc = bones_kv_update(b, key, text, strlen(text), v.rev, NULL, err);
        free(text);
      }
      json_decref(r);
      bones_kv_value_free(&v);
      if (rc == BONES_OK && moved) (*moved)++;
      if (rc != BONES_E_CONFLICT) break;
      holds_backoff(attempt);
    }
  }
  json_decref(m.keys);
  bones_kv_bucket_close(b);
  return rc;
}
