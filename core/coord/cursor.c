/* cursor.c: per-agent broadcast read cursors (cursor.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cursor.h"
#include "util.h"

#define ADVANCE_ATTEMPTS 16

/* Opens bones-cursors; without create a missing bucket is BONES_OK with
 * *b NULL. */
static int cursors_bucket(bones_kv *kv, int create, bones_kv_bucket **b, struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {create ? BONES_CURSORS_TTL_MS : BONES_KV_TTL_ANY, 0,
                                       create ? BONES_KV_BUCKET_CREATE : 0};
  *b = NULL;
  int rc = bones_kv_bucket_open(kv, BONES_CURSORS_BUCKET, &cfg, b, NULL, err);
  if (rc == BONES_E_NOTFOUND && !create) {
    bones_error_clear(err);
    return BONES_OK;
  }
  return rc;
}

static int check_names(const char *agent, const char *channel, struct bones_error *err) {
  if (bones_agent_check(agent, err) != BONES_OK) return BONES_E_USAGE;
  return bones_coord_name_check("channel", channel, err);
}

/* The id stored in a cursor record, or NULL when it holds none (borrowed
 * from rec). */
static const char *id_of(json_t *rec) {
  const char *id = json_string_value(json_object_get(rec, "id"));
  return bones_broadcast_id_valid(id) ? id : NULL;
}

int bones_cursor_get(bones_kv *kv, const char *agent, const char *channel, char *id, size_t idlen,
                     struct bones_error *err) {
  if (idlen) id[0] = '\0';
  int rc = check_names(agent, channel, err);
  bones_kv_bucket *b = NULL;
  if (rc == BONES_OK) rc = cursors_bucket(kv, 0, &b, err);
  if (rc != BONES_OK || b == NULL) return rc;
  char *key = bones_xasprintf("%s/%s", agent, channel);
  struct bones_kv_value v = {0};
  rc = bones_kv_get(b, key, &v, err);
  if (rc == BONES_OK) {
    json_t *rec = json_loadb((const char *)v.value, v.len, 0, NULL);
    if (id_of(rec)) snprintf(id, idlen, "%s", id_of(rec));
    json_decref(rec);
  } else if (rc == BONES_E_NOTFOUND) {
    bones_error_clear(err);
    rc = BONES_OK;
  }
  bones_kv_value_free(&v);
  free(key);
  bones_kv_bucket_close(b);
  return rc;
}

int bones_cursor_advance(bones_kv *kv, const char *agent, const char *channel, const char *id,
                         struct bones_error *err) {
  int rc = check_names(agent, channel, err);
  if (rc != BONES_OK) return rc;
  if (!bones_broadcast_id_valid(id))
    return bones_error_set(err, BONES_E_USAGE, "'%s' is not a broadcast id (%d digits)", id ? id : "",
                           BONES_BROADCAST_ID_LEN);
  bones_kv_bucket *b = NULL;
  rc = cursors_bucket(kv, 1, &b, err);
  if (rc != BONES_OK) return rc;
  char *key = bones_xasprintf("%s/%s", agent, channel);
  char at[40];
  bones_format_time(bones_now_ms(), at, sizeof at);
  json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "agent", agent, "channel", channel, "id", id, "at", at);
  char *text = json_dumps(rec, JSON_COMPACT);
  json_decref(rec);
  rc = BONES_E_CONFLICT;
  for (int attempt = 0; attempt < ADVANCE_ATTEMPTS && rc == BONES_E_CONFLICT; attempt++) {
    struct bones_kv_value v = {0};
    rc = bones_kv_get(b, key, &v, err);
    if (rc == BONES_E_NOTFOUND) {
      bones_error_clear(err);
      rc = bones_kv_create(b, key, text, strlen(text), NULL, err);
      if (rc == BONES_E_EXISTS) rc = BONES_E_CONFLICT; /* created meanwhile: read again */
    } else if (rc == BONES_OK) {
      json_t *old = json_loadb((const char *)v.value, v.len, 0, NULL);
      const char *old_id = id_of(old);
      if (old_id == NULL || strcmp(old_id, id) < 0) rc = bones_kv_update(b, key, text, strlen(text), v.rev, NULL, err);
      if (rc == BONES_E_NOTFOUND) rc = BONES_E_CONFLICT; /* deleted meanwhile: read again */
      json_decref(old);
    }
    bones_kv_value_free(&v);
  }
  if (rc == BONES_E_CONFLICT) rc = bones_error_set(err, BONES_E_CONFLICT, "cursor %s: too many concurrent changes", key);
  free(text);
  free(key);
  bones_kv_bucket_close(b);
  return rc;
}

/* list callback: {channel: id} of one agent's records. */
static int on_cursor(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  const char *channel = strchr(key, '/');
  json_t *rec = json_loadb(value, len, 0, NULL);
  if (channel && id_of(rec) && bones_name_check("channel", channel + 1, NULL) == BONES_OK)
    json_object_set_new((json_t *)arg, channel + 1, json_string(id_of(rec)));
  json_decref(rec);
  return 0;
}

int bones_cursor_all(bones_kv *kv, const char *agent, json_t **cursors, struct bones_error *err) {
  *cursors = NULL;
  if (bones_agent_check(agent, err) != BONES_OK) return BONES_E_USAGE;
  bones_kv_bucket *b = NULL;
  int rc = cursors_bucket(kv, 0, &b, err);
  if (rc != BONES_OK) return rc;
  json_t *out = json_object();
  char *prefix = bones_xasprintf("%s/", agent);
  if (b) rc = bones_kv_list(b, prefix, on_cursor, out, err);
  free(prefix);
  bones_kv_bucket_close(b);
  if (rc != BONES_OK) {
    json_decref(out);
    return rc;
  }
  *cursors = out;
  return BONES_OK;
}
