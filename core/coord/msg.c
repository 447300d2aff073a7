/* msg.c: sending, inboxes and marks of direct messages (msg.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "coord.h"
#include "ids.h"
#include "msg.h"
#include "text.h"
#include "util.h"

#define MARK_ATTEMPTS 32

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

int bones_msg_text_check(const char *text, struct bones_error *err) {
  if (text == NULL || *text == '\0') return bones_error_set(err, BONES_E_USAGE, "the message is empty");
  size_t n = strlen(text);
  if (n > BONES_MSG_TEXT_MAX)
    return bones_error_set(err, BONES_E_TOOLARGE, "the message is %zu bytes; at most %d", n, BONES_MSG_TEXT_MAX);
  return bones_utf8_check("the message", text, err);
}

int bones_msg_bucket(bones_kv *kv, int create, bones_kv_bucket **b, struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {BONES_MESSAGES_TTL_MS, 0, create ? BONES_KV_BUCKET_CREATE : 0};
  *b = NULL;
  int rc = bones_kv_bucket_open(kv, BONES_MESSAGES_BUCKET, &cfg, b, NULL, err);
  if (rc == BONES_E_NOTFOUND && !create) {
    bones_error_clear(err);
    return BONES_OK;
  }
  return rc;
}

int bones_msg_send(bones_kv *kv, const struct bones_msg_out *m, json_t *recipients, json_t **sent,
                   struct bones_error *err) {
  *sent = NULL;
  if (bones_agent_check(m->from, err) != BONES_OK) return BONES_E_USAGE;
  if (bones_msg_text_check(m->text, err) != BONES_OK) return err->code;
  if (m->task && bones_name_check("the task id", m->task, err) != BONES_OK) return BONES_E_USAGE;
  const char *thread = m->thread ? m->thread : m->task;
  if (thread && bones_name_check("the thread", thread, err) != BONES_OK) return BONES_E_USAGE;
  size_t n = json_array_size(recipients);
  if (n == 0) return bones_error_set(err, BONES_E_NOTFOUND, "nobody to send to");
  if (n > BONES_MSG_FANOUT_MAX)
    return bones_error_set(err, BONES_E_USAGE, "%zu recipients; at most %d per message", n, BONES_MSG_FANOUT_MAX);
  size_t i;
  json_t *to;
  json_array_foreach(recipients, i, to) {
    if (!json_is_string(to)) return bones_error_set(err, BONES_E_USAGE, "a recipient is not an agent id");
    if (bones_agent_check(json_string_value(to), err) != BONES_OK) return BONES_E_USAGE;
  }
  bones_kv_bucket *b = NULL;
  int rc = bones_msg_bucket(kv, 1, &b, err);
  if (rc != BONES_OK) return rc;
  char id[BONES_TIME_ID_LEN + 1], at[40];
  rc = BONES_E_EXISTS;
  /* the first copy decides the id: create-if-absent, a new id when taken */
  for (int attempt = 0; attempt < 8 && rc == BONES_E_EXISTS; attempt++) {
    bones_time_id(id);
    bones_format_time(bones_now_ms(), at, sizeof at);
    json_t *done = json_array();
    json_array_foreach(recipients, i, to) {
      const char *agent = json_string_value(to);
      json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s?, s:s?, s:s, s:b, s:n, s:n}", "schema", "bones.msg/v1", "id",
                            id, "from", m->from, "to", agent, "address", bones_utf8_json(m->address ? m->address : agent),
                            "task", m->task, "thread", thread, "sent_at", at, "needs_ack", m->needs_ack, "read_at",
                            "acked_at");
      json_object_set_new(r, "text", json_string(m->text));
      char *text = json_dumps(r, JSON_COMPACT);
      json_decref(r);
      char *prefix = bones_coord_agent_prefix(agent);
      char *key = bones_xasprintf("%s%s", prefix, id);
      rc = text ? bones_kv_create(b, key, text, strlen(text), NULL, err)
                : bones_error_set(err, BONES_E_INTERNAL, "cannot encode the message");
      free(key);
      free(prefix);
      free(text);
      if (rc == BONES_E_EXISTS && json_array_size(done) == 0) break; /* the id is taken: another one */
      if (rc == BONES_E_EXISTS) rc = BONES_OK;                       /* cannot happen: a unique id */
      if (rc != BONES_OK) break;
      json_array_append(done, to);
    }
    if (rc == BONES_OK) *sent = json_pack("{s:s, s:s, s:o}", "id", id, "sent_at", at, "to", done);
    else json_decref(done);
  }
  if (rc == BONES_E_EXISTS) bones_error_set(err, BONES_E_CONFLICT, "could not make a unique message id");
  bones_kv_bucket_close(b);
  return rc;
}

/* list callback: the records of an inbox. */
struct inbox {
  json_t *out;
  int unread_only;
  uint64_t rev;
};
static int collect(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)key;
  struct inbox *in = arg;
  if (rev > in->rev) in->rev = rev;
  json_t *r = json_loadb(value, len, 0, NULL);
  if (json_is_object(r) && str(r, "id") && (!in->unread_only || json_is_null(json_object_get(r, "read_at"))))
    json_array_append(in->out, r);
  json_decref(r);
  return 0;
}

int bones_msg_inbox(bones_kv *kv, const char *agent, int unread_only, json_t **list, uint64_t *last_rev,
                    struct bones_error *err) {
  *list = NULL;
  if (bones_agent_check(agent, err) != BONES_OK) return BONES_E_USAGE;
  bones_kv_bucket *b = NULL;
  int rc = bones_msg_bucket(kv, 0, &b, err);
  if (rc != BONES_OK) return rc;
  struct inbox in = {json_array(), unread_only, 0};
  char *prefix = bones_coord_agent_prefix(agent);
  if (b) rc = bones_kv_list(b, prefix, collect, &in, err);
  free(prefix);
  bones_kv_bucket_close(b);
  if (rc != BONES_OK) {
    json_decref(in.out);
    return rc;
  }
  bones_coord_sort_by_id(in.out);
  *list = in.out;
  if (last_rev) *last_rev = in.rev;
  return BONES_OK;
}

int bones_msg_counts(bones_kv *kv, const char *agent, size_t *unread, size_t *need_ack, struct bones_error *err) {
  json_t *all = NULL;
  *unread = *need_ack = 0;
  int rc = bones_msg_inbox(kv, agent, 0, &all, NULL, err);
  if (rc != BONES_OK) return rc;
  size_t i;
  json_t *r;
  json_array_foreach(all, i, r) {
    if (json_is_null(json_object_get(r, "read_at"))) (*unread)++;
    if (json_is_true(json_object_get(r, "needs_ack")) && json_is_null(json_object_get(r, "acked_at"))) (*need_ack)++;
  }
  json_decref(all);
  return BONES_OK;
}

int bones_msg_mark(bones_kv *kv, const char *agent, const char *given, int ack, json_t **rec, int *changed,
                   struct bones_error *err) {
  *rec = NULL;
  *changed = 0;
  if (bones_agent_check(agent, err) != BONES_OK) return BONES_E_USAGE;
  bones_kv_bucket *b = NULL;
  int rc = bones_msg_bucket(kv, 0, &b, err);
  if (rc != BONES_OK) return rc;
  if (b == NULL) return bones_error_set(err, BONES_E_NOTFOUND, "no message %s", given);
  char *prefix = bones_coord_agent_prefix(agent);
  char id[BONES_TIME_ID_LEN + 1];
  rc = bones_coord_resolve_id(b, prefix, given, "message", "`bones msg inbox` lists the ids", id, err);
  char *key = rc == BONES_OK ? bones_xasprintf("%s%s", prefix, id) : NULL;
  for (int attempt = 0; rc == BONES_OK && attempt < MARK_ATTEMPTS; attempt++) {
    struct bones_kv_value v = {0};
    rc = bones_kv_get(b, key, &v, err);
    if (rc == BONES_E_NOTFOUND) {
      bones_error_set(err, BONES_E_NOTFOUND, "no message %s in the inbox of %s", id, agent);
      break;
    }
    json_t *r = rc == BONES_OK ? json_loadb((const char *)v.value, v.len, 0, NULL) : NULL;
    if (rc == BONES_OK && !json_is_object(r)) rc = bones_error_set(err, BONES_E_CORRUPT, "message %s does not parse", id);
    if (rc == BONES_OK) {
      char at[40];
      bones_format_time(bones_now_ms(), at, sizeof at);
      int dirty = 0;
      if (json_is_null(json_object_get(r, "read_at"))) json_object_set_new(r, "read_at", json_string(at)), dirty = 1;
      if (ack && json_is_null(json_object_get(r, "acked_at"))) json_object_set_new(r, "acked_at", json_string(at)), dirty = 1;
      if (dirty) {
        char *text = json_dumps(r, JSON_COMPACT);
        rc = bones_kv_update(b, key, text, strlen(text), v.rev, NULL, err);
        free(text);
      }
      if (rc == BONES_OK) {
        *rec = json_incref(r);
        *changed = dirty;
      }
    }
    json_decref(r);
    bones_kv_value_free(&v);
    if (rc != BONES_E_CONFLICT) break;
    rc = BONES_OK; /* another mark won the race: look again */
    if (attempt == MARK_ATTEMPTS - 1) rc = bones_error_set(err, BONES_E_CONFLICT, "message %s kept changing", id);
  }
  free(key);
  free(prefix);
  bones_kv_bucket_close(b);
  return rc;
}
