/* presence.c: agents' heartbeats (presence.h).  Liveness is the bucket
 * TTL's: a key that can be read is a live agent. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "presence.h"
#include "text.h"
#include "util.h"

/* The key of agent: the id itself, except that a final '.' (allowed in a
 * name, not at the end of a key) is written "=2E"; names never hold '='
 * or "..", so keys stay distinct.  Writes into buf (>= 80 bytes). */
static const char *presence_key(const char *agent, char *buf, size_t size) {
  size_t n = strlen(agent);
  if (n && agent[n - 1] == '.') snprintf(buf, size, "%.*s=2E", (int)(n - 1), agent);
  else snprintf(buf, size, "%s", agent);
  return buf;
}

/* Opens bones-presence.  An existing bucket keeps the TTL it was created
 * with (an operator may shorten the heartbeat) as long as it has one; a
 * missing bucket is created with BONES_PRESENCE_TTL_MS when create, else
 * the result is BONES_E_NOTFOUND (no agent was ever present). */
static int presence_bucket(bones_kv *kv, int create, bones_kv_bucket **b, struct bones_error *err) {
  struct bones_kv_bucket_config any = {BONES_KV_TTL_ANY, 0, 0}, actual;
  int rc = bones_kv_bucket_open(kv, BONES_PRESENCE_BUCKET, &any, b, &actual, err);
  if (rc == BONES_E_NOTFOUND && create) {
    struct bones_kv_bucket_config cfg = {BONES_PRESENCE_TTL_MS, 0, BONES_KV_BUCKET_CREATE};
    return bones_kv_bucket_open(kv, BONES_PRESENCE_BUCKET, &cfg, b, NULL, err);
  }
  if (rc == BONES_OK && actual.ttl_ms <= 0) {
    bones_kv_bucket_close(*b);
    *b = NULL;
    bones_error_set(err, BONES_E_CONFLICT, "bucket %s has no TTL, so no agent would ever go away",
                    BONES_PRESENCE_BUCKET);
    return bones_error_hint(err, "remove the bucket; bones creates it again with a %d ms TTL", BONES_PRESENCE_TTL_MS);
  }
  return rc;
}

/* Start time of process pid in ms since the epoch, from its starttime in
 * /proc/<pid>/stat and the boot time in /proc/stat; 0 when unknown. */
static int64_t process_start_ms(pid_t pid) {
  char path[64], *data = NULL;
  struct bones_error e2;
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  if (bones_read_file(path, 4096, &data, NULL, &e2) != BONES_OK) return 0;
  unsigned long long start = 0;
  const char *p = strrchr(data, ')'); /* the command name may hold spaces */
  int field = 2;                      /* ")" ends field 2; starttime is 22 */
  for (; p && *p && field < 22; p++)
    if (*p == ' ') field++;
  int ok = p && field == 22 && sscanf(p, "%llu", &start) == 1;
  free(data);
  if (!ok || bones_read_file("/proc/stat", 1 << 20, &data, NULL, &e2) != BONES_OK) return 0;
  const char *bt = strstr(data, "\nbtime ");
  long long btime = 0;
  ok = bt && sscanf(bt + 7, "%lld", &btime) == 1 && btime > 0;
  free(data);
  long hz = sysconf(_SC_CLK_TCK);
  if (!ok || hz <= 0) return 0;
  return (int64_t)btime * 1000 + (int64_t)(start * 1000 / (unsigned long long)hz);
}

int bones_presence_touch(bones_kv *kv, const char *agent, const char *slot, pid_t pid, struct bones_error *err) {
  if (bones_agent_check(agent, err) != BONES_OK) return BONES_E_USAGE;
  if (slot && bones_name_check("slot", slot, err) != BONES_OK) return BONES_E_USAGE;
  char host[256] = "";
  if (gethostname(host, sizeof host - 1) != 0) snprintf(host, sizeof host, "unknown");
  int64_t now = bones_now_ms(), started = pid > 0 ? process_start_ms(pid) : 0;
  char seen[40], start[40], key[96];
  bones_format_time(now, seen, sizeof seen);
  bones_format_time(started > 0 && started <= now ? started : now, start, sizeof start);
  json_t *rec = json_pack("{s:s, s:o, s:s?, s:s}", "agent", agent, "host", bones_utf8_json(host), "slot", slot,
                          "last_seen", seen);
  if (rec && pid > 0) { /* only a process the agent named: never our caller's shell */
    json_object_set_new(rec, "pid", json_integer(pid));
    json_object_set_new(rec, "started_at", json_string(start));
  }
  char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
  json_decref(rec);
  if (text == NULL) return bones_error_set(err, BONES_E_INTERNAL, "cannot encode the presence record of %s", agent);
  bones_kv_bucket *b = NULL;
  int rc = presence_bucket(kv, 1, &b, err);
  if (rc == BONES_OK) rc = bones_kv_put(b, presence_key(agent, key, sizeof key), text, strlen(text), NULL, err);
  free(text);
  bones_kv_bucket_close(b);
  return rc;
}

int bones_presence_live(bones_kv *kv, const char *agent, struct bones_error *err) {
  if (bones_agent_check(agent, err) != BONES_OK) return -1;
  char key[96];
  bones_kv_bucket *b = NULL;
  struct bones_kv_value v = {0};
  int rc = presence_bucket(kv, 0, &b, err);
  if (rc == BONES_OK) rc = bones_kv_get(b, presence_key(agent, key, sizeof key), &v, err);
  bones_kv_value_free(&v);
  bones_kv_bucket_close(b);
  if (rc == BONES_OK) return 1;
  if (rc == BONES_E_NOTFOUND) {
    bones_error_clear(err);
    return 0;
  }
  return -1;
}

/* Appends each listed record that is an object naming its agent. */
static int collect(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)key, (void)rev;
  json_t *rec = json_loadb(value, len, 0, NULL);
  if (json_is_object(rec) && json_is_string(json_object_get(rec, "agent"))) json_array_append(arg, rec);
  json_decref(rec);
  return 0;
}

static int cmp_agent(const void *a, const void *b) {
  return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "agent")),
                json_string_value(json_object_get(*(json_t *const *)b, "agent")));
}

int bones_presence_list(bones_kv *kv, json_t **agents, struct bones_error *err) {
  *agents = NULL;
  bones_kv_bucket *b = NULL;
  json_t *all = json_array();
  int rc = presence_bucket(kv, 0, &b, err);
  if (rc == BONES_OK) rc = bones_kv_list(b, "", collect, all, err);
  else if (rc == BONES_E_NOTFOUND) rc = BONES_OK; /* no bucket: nobody */
  bones_kv_bucket_close(b);
  if (rc != BONES_OK) {
    json_decref(all);
    return rc;
  }
  size_t n = json_array_size(all);
  json_t **v = bones_xcalloc(n ? n : 1, sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = json_array_get(all, i);
  qsort(v, n, sizeof *v, cmp_agent);
  json_t *out = json_array();
  for (size_t i = 0; i < n; i++) json_array_append(out, v[i]);
  free(v);
  json_decref(all);
  *agents = out;
  return BONES_OK;
}

int bones_presence_remove(bones_kv *kv, const char *agent, struct bones_error *err) {
  if (bones_agent_check(agent, err) != BONES_OK) return BONES_E_USAGE;
  bones_presence_forget(kv, agent); /* the next verb writes presence again */
  char key[96];
  bones_kv_bucket *b = NULL;
  int rc = presence_bucket(kv, 0, &b, err);
  if (rc == BONES_OK) rc = bones_kv_delete(b, presence_key(agent, key, sizeof key), 0, err);
  bones_kv_bucket_close(b);
  if (rc == BONES_E_NOTFOUND) {
    bones_error_clear(err);
    return BONES_OK;
  }
  return rc;
}
