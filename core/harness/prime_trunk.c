/* prime_trunk.c: the "trunk" section of `bones prime` (prime.h): the hub's
 * state, the newest trunk check-in and how many check-ins are newer than
 * the one last applied to git (.bones/applied, else the hub's seed, as
 * `bones apply` counts).  Reads .bones/hub.fossil with one bounded
 * `fossil sql --readonly` -- or not at all when .bones/prime-trunk.json
 * (0600) holds the answer for the same hub.fossil (device, inode, size,
 * mtime, and its -wal's) and the same .bones/applied: a fossil process is
 * most of prime's cost, and an agent primes far more often than trunk
 * moves.  Never starts the hub. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bones/repo.h>

#include "hub.h"
#include "loader.h"
#include "prime.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

#define TRUNK_TIMEOUT_MS 5000 /* bound on the one fossil call */

/* timeline callback: every check-in, newest first, as {id, at, user, comment}. */
static int on_checkin(void *arg, const char *id, const char *user, const char *when, const char *comment) {
  json_array_append_new((json_t *)arg, json_pack("{s:o, s:o, s:o, s:o}", "id", bones_utf8_json(id), "at",
                                                 bones_utf8_json(when), "user", bones_utf8_json(user), "comment",
                                                 bones_utf8_json(comment)));
  return 0;
}

/* The id recorded in .bones/applied (malloc'd), or NULL. */
static char *applied_id(const char *root) {
  char *file = bones_ws_path(root, "applied"), *text = NULL;
  struct bones_error err;
  if (bones_read_file(file, 4096, &text, NULL, &err) != BONES_OK) text = NULL;
  free(file);
  if (text) {
    text[strcspn(text, " \r\n")] = '\0';
    size_t n = strspn(text, "0123456789abcdef");
    if (text[n] != '\0' || (n != 40 && n != 64)) {
      free(text);
      text = NULL;
    }
  }
  return text;
}

/* "running", "not answering", "down" or "stopped", as `bones status`. */
static const char *hub_word(const struct bones_hub_status *st) {
  if (st->running) return "running";
  if (st->pid_alive) return "not answering";
  if (st->pid > 0) return "down";
  return "stopped";
}

/* Fills trunk's tip, applied, unapplied and baseline from the timeline. */
static void count_unapplied(const char *root, json_t *checkins, json_t *trunk) {
  json_object_set(trunk, "tip", json_array_size(checkins) ? json_array_get(checkins, 0) : json_null());
  json_object_set_new(trunk, "checkins", json_integer((json_int_t)json_array_size(checkins)));
  char *applied = applied_id(root);
  json_int_t at = -1;
  size_t i;
  json_t *c;
  json_array_foreach(checkins, i, c) {
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *comment = json_string_value(json_object_get(c, "comment"));
    if (applied ? strcmp(id, applied) == 0 : strncmp(comment, "bones: seed", 11) == 0) at = (json_int_t)i;
    if (applied && at >= 0) break; /* the newest match; for the seed, the oldest */
  }
  json_object_set_new(trunk, "baseline", json_string(applied ? "applied" : "seed"));
  json_object_set_new(trunk, "applied", applied ? json_string(applied) : json_null());
  json_object_set_new(trunk, "unapplied", at >= 0 ? json_integer(at) : json_null());
  free(applied);
}

#define TRUNK_CACHE_MAX 65536
static const char *const trunk_fields[] = {"tip", "checkins", "baseline", "applied", "unapplied"};

/* What the trunk answer depends on, as one string (malloc'd): hub.fossil
 * and its -wal as stat sees them, and the content of .bones/applied. */
static char *trunk_cache_key(const char *root, const char *hub) {
  struct stat st, wal;
  if (stat(hub, &st) != 0) return NULL;
  char *walpath = bones_xasprintf("%s-wal", hub);
  int has_wal = stat(walpath, &wal) == 0;
  free(walpath);
  char *applied = applied_id(root);
  char *key = bones_xasprintf("%llu:%llu:%lld:%lld.%09ld|%lld:%lld.%09ld|%s", (unsigned long long)st.st_dev,
                              (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                              st.st_mtim.tv_nsec, has_wal ? (long long)wal.st_size : -1LL,
                              has_wal ? (long long)wal.st_mtim.tv_sec : 0LL, has_wal ? wal.st_mtim.tv_nsec : 0L,
                              applied ? applied : "-");
  free(applied);
  return key;
}

/* 1 when .bones/prime-trunk.json answers for key: its fields go to trunk. */
static int trunk_cache_load(const char *root, const char *key, json_t *trunk) {
  char *file = bones_ws_path(root, "prime-trunk.json"), *text = NULL;
  struct bones_error err;
  int hit = 0;
  if (bones_read_file(file, TRUNK_CACHE_MAX, &text, NULL, &err) == BONES_OK) {
    json_t *c = json_loads(text, 0, NULL);
    const char *k = json_string_value(json_object_get(c, "key"));
    json_t *t = json_object_get(c, "trunk");
    hit = k && strcmp(k, key) == 0 && json_is_object(t) && bones_utf8_check("cache", text, &err) == BONES_OK;
    for (size_t i = 0; hit && i < sizeof trunk_fields / sizeof *trunk_fields; i++) {
      json_t *v = json_object_get(t, trunk_fields[i]);
      if (v == NULL) hit = 0;
      else json_object_set(trunk, trunk_fields[i], v);
    }
    json_decref(c);
  }
  free(text);
  free(file);
  return hit;
}

/* Best effort: records trunk's fields under key (0600, atomic). */
static void trunk_cache_store(const char *root, const char *key, json_t *trunk) {
  json_t *t = json_object();
  for (size_t i = 0; i < sizeof trunk_fields / sizeof *trunk_fields; i++)
    json_object_set(t, trunk_fields[i], json_object_get(trunk, trunk_fields[i]));
  json_t *c = json_pack("{s:s, s:o}", "key", key, "trunk", t);
  char *text = c ? json_dumps(c, JSON_COMPACT) : NULL;
  char *file = bones_ws_path(root, "prime-trunk.json");
  struct bones_error err;
  if (text && strlen(text) < TRUNK_CACHE_MAX) bones_write_file_atomic(file, text, strlen(text), 0600, &err);
  free(file);
  free(text);
  json_decref(c);
}

void bones_prime_trunk(const char *root, json_t *report) {
  struct bones_error err;
  bones_error_clear(&err);
  struct bones_hub_status st;
  bones_hub_status(root, &st, &err);
  json_t *trunk = json_pack("{s:s, s:b, s:o}", "hub", hub_word(&st), "hub_running", st.running, "repo_url",
                            st.repo_url ? bones_utf8_json(st.repo_url) : json_null());
  bones_hub_status_clear(&st);
  json_object_set_new(trunk, "tip", json_null());
  json_object_set_new(trunk, "unapplied", json_null());
  json_object_set_new(report, "trunk", trunk);
  char *hub = bones_ws_path(root, "hub.fossil");
  char *remote = bones_workspace_remote_hub(root);
  if (remote) {
    char *why = bones_xasprintf("the hub runs on another host (%s): trunk is counted there", remote);
    json_object_set_new(trunk, "unknown", bones_utf8_json(why));
    free(why);
    free(remote);
    free(hub);
    return;
  }
  if (access(hub, R_OK) != 0) {
    json_object_set_new(trunk, "unknown", json_string("no .bones/hub.fossil yet: the hub never started"));
    free(hub);
    return;
  }
  char *key = trunk_cache_key(root, hub);
  if (key && trunk_cache_load(root, key, trunk)) {
    json_object_set_new(trunk, "cached", json_true());
    free(key);
    free(hub);
    return;
  }
  const struct bones_repo_backend_v1 *repo = NULL;
  void *rh = NULL;
  char *state = bones_ws_path(root, "repo");
  struct bones_repo_options o = {bones_path_is_dir(state) ? state : NULL, TRUNK_TIMEOUT_MS};
  json_t *checkins = json_array();
  int rc = bones_loader_repo_backend("fossil", &repo, &err);
  if (rc == BONES_OK) rc = repo->open(&o, &rh, &err);
  if (rc == BONES_OK) rc = repo->timeline(rh, hub, 0, on_checkin, checkins, &err);
  if (rc == BONES_OK) {
    count_unapplied(root, checkins, trunk);
    json_object_set_new(trunk, "cached", json_false());
    /* only when hub.fossil did not move while it was read */
    char *after = key ? trunk_cache_key(root, hub) : NULL;
    if (after && strcmp(after, key) == 0) trunk_cache_store(root, key, trunk);
    free(after);
  } else {
    json_object_set_new(trunk, "unknown", bones_utf8_json(err.message));
    bones_prime_error(report, "trunk", &err);
  }
  if (rh) repo->close(rh);
  json_decref(checkins);
  free(key);
  free(state);
  free(hub);
}
