/* trunk.c: the trunk lease (trunk.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "proc.h"
#include "trunk.h"
#include "text.h"
#include "util.h"

#define TRUNK_KEY "trunk"

static int open_bucket(bones_kv *kv, bones_kv_bucket **b, struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {0, 0, BONES_KV_BUCKET_CREATE};
  return bones_kv_bucket_open(kv, BONES_HUB_BUCKET, &cfg, b, NULL, err);
}

/* The lease record: who holds it until when, and the holder's process
 * (pid, start time, the host and pid namespace they mean something in). */
static char *lease_value(const char *holder, int64_t lease_ms) {
  char now[40], scope[128];
  bones_format_time(bones_now_ms(), now, sizeof now);
  struct bones_pid_record self = bones_pid_record_of(getpid());
  json_t *v = json_pack("{s:o, s:s, s:I, s:i}", "holder", bones_utf8_json(holder), "acquired_at", now, "expires_ms",
                        (json_int_t)(bones_now_ms() + lease_ms), "pid", (int)getpid());
  if (self.start != 0 && bones_pid_scope(scope, sizeof scope)) {
    json_object_set_new(v, "start", json_integer((json_int_t)self.start));
    json_object_set_new(v, "scope", json_string(scope));
  }
  char *text = json_dumps(v, JSON_COMPACT);
  json_decref(v);
  return text;
}

/* 1 when the lease j was taken by a process of this host and pid namespace
 * that is gone, and nothing it started (a fossil push) still runs: its
 * lease protects nothing any more.  0 when it lives, or cannot be told
 * (another host, an old record without a start time). */
static int holder_is_dead(json_t *j) {
  json_int_t pid = json_integer_value(json_object_get(j, "pid"));
  json_int_t start = json_integer_value(json_object_get(j, "start"));
  const char *scope = json_string_value(json_object_get(j, "scope"));
  char here[128];
  if (pid <= 0 || pid == (json_int_t)getpid() || start <= 0 || scope == NULL || !bones_pid_scope(here, sizeof here) ||
      strcmp(scope, here) != 0)
    return 0;
  struct bones_pid_record r = {(pid_t)pid, (unsigned long long)start};
  return bones_pid_check(&r, NULL) != BONES_PID_OURS && !bones_pid_descendants_alive(&r);
}

int bones_trunk_lease_take(bones_kv *kv, const char *holder, int64_t lease_ms, int64_t wait_ms, uint64_t *rev,
                           struct bones_error *err) {
  bones_kv_bucket *b = NULL;
  int rc = open_bucket(kv, &b, err);
  if (rc != BONES_OK) return rc;
  int64_t deadline = bones_monotonic_ms() + wait_ms;
  char last_holder[128] = "?";
  uint64_t dead_rev = 0; /* the lease revision whose holder was seen dead, since when */
  int64_t dead_since = 0;
  for (int attempt = 0;; attempt++) {
    char *value = lease_value(holder, lease_ms);
    rc = bones_kv_create(b, TRUNK_KEY, value, strlen(value), rev, err);
    if (rc == BONES_E_EXISTS) { /* held: take it over only when expired */
      struct bones_kv_value cur;
      rc = bones_kv_get(b, TRUNK_KEY, &cur, err);
      if (rc == BONES_OK) {
        json_error_t jerr;
        json_t *j = json_loadb((const char *)cur.value, cur.len, 0, &jerr);
        int64_t expires = j ? (int64_t)json_integer_value(json_object_get(j, "expires_ms")) : 0;
        const char *h = j ? json_string_value(json_object_get(j, "holder")) : NULL;
        snprintf(last_holder, sizeof last_holder, "%s", h ? h : "?");
        int dead = expires >= bones_now_ms() && j && holder_is_dead(j);
        long long dead_pid = dead ? (long long)json_integer_value(json_object_get(j, "pid")) : 0;
        json_decref(j);
        /* a dead holder's last request may still be at the hub: its lease
         * is taken over once it has been seen dead for the grace period */
        if (!dead) dead_rev = 0;
        else if (dead_rev != cur.rev) dead_rev = cur.rev, dead_since = bones_monotonic_ms();
        dead = dead && bones_monotonic_ms() - dead_since >= BONES_TRUNK_DEAD_GRACE_MS;
        /* expired, corrupt, or its holder died here: take it over by CAS */
        rc = expires < bones_now_ms() || dead ? bones_kv_update(b, TRUNK_KEY, value, strlen(value), cur.rev, rev, err)
                                              : BONES_E_CONFLICT;
        if (rc == BONES_OK && dead)
          bones_term_printf(stderr, "bones: took over the trunk lease of %s: its process %lld is gone\n", last_holder,
                            dead_pid);
        bones_kv_value_free(&cur);
      } else if (rc == BONES_E_NOTFOUND) {
        rc = BONES_E_CONFLICT; /* released between our create and get: go again */
      }
    }
    free(value);
    if (rc == BONES_OK || (rc != BONES_E_CONFLICT && rc != BONES_E_EXISTS)) break;
    if (bones_monotonic_ms() > deadline) {
      rc = bones_error_set(err, BONES_E_CONFLICT, "the trunk is busy: %s holds the trunk lease (waited %lld ms)",
                           last_holder, (long long)wait_ms);
      bones_error_hint(err,
                       "retry; a holder that died on this host is taken over once the programs it started are gone, "
                       "one elsewhere expires within %d s",
                       BONES_TRUNK_LEASE_MS / 1000);
      break;
    }
    unsigned r = (unsigned)bones_now_ms() * 2654435761u ^ (unsigned)getpid() * 40503u;
    struct timespec ts = {0, (long)(2 + r % (attempt < 10 ? 10 : 30)) * 1000000L};
    nanosleep(&ts, NULL);
  }
  bones_kv_bucket_close(b);
  return rc;
}

int bones_trunk_lease_release(bones_kv *kv, uint64_t rev, struct bones_error *err) {
  bones_kv_bucket *b = NULL;
  int rc = open_bucket(kv, &b, err);
  if (rc != BONES_OK) return rc;
  rc = bones_kv_delete(b, TRUNK_KEY, rev, err);
  if (rc == BONES_E_CONFLICT || rc == BONES_E_NOTFOUND)
    rc = bones_error_set(err, BONES_E_CONFLICT, "the trunk lease was taken over before we released it");
  bones_kv_bucket_close(b);
  return rc;
}

int bones_trunk_lease_look(bones_kv *kv, struct bones_trunk_lease *out, struct bones_error *err) {
  memset(out, 0, sizeof *out);
  bones_kv_bucket *b = NULL;
  int rc = open_bucket(kv, &b, err);
  if (rc != BONES_OK) return rc;
  struct bones_kv_value cur;
  rc = bones_kv_get(b, TRUNK_KEY, &cur, err);
  bones_kv_bucket_close(b);
  if (rc == BONES_E_NOTFOUND) return BONES_OK;
  if (rc != BONES_OK) return rc;
  json_error_t jerr;
  json_t *j = json_loadb((const char *)cur.value, cur.len, 0, &jerr);
  const char *h = j ? json_string_value(json_object_get(j, "holder")) : NULL;
  out->held = 1;
  out->rev = cur.rev;
  snprintf(out->holder, sizeof out->holder, "%s", h ? h : "?");
  out->pid = j ? (long long)json_integer_value(json_object_get(j, "pid")) : 0;
  out->expires_ms = j ? (int64_t)json_integer_value(json_object_get(j, "expires_ms")) : 0;
  out->expired = out->expires_ms < bones_now_ms();
  out->dead = !out->expired && holder_is_dead(j);
  json_decref(j);
  bones_kv_value_free(&cur);
  return BONES_OK;
}
