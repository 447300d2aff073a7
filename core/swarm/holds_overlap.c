/* holds_overlap.c: holds cover directories (holds_int.h).  A hold on
 * "src" covers every path beneath it, so it overlaps a hold on "src" itself,
 * on any ancestor of "src" ("" excluded: the root cannot be held) and on any
 * path under "src/".  Ancestors are looked up one key each; descendants by
 * listing the key prefix of "src/" (the key escaping keeps '/' and escapes
 * every byte of a component the same way whatever follows it, except a
 * final '.', so the key of "src/" + anything starts with that prefix). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "holds_int.h"
#include "util.h"

/* The live record under key when another agent than agent holds it;
 * *rec NULL when absent, expired or agent's own. */
static int other_live(bones_kv_bucket *b, const char *key, const char *agent, json_t **rec, struct bones_error *err) {
  struct bones_kv_value v = {0};
  *rec = NULL;
  int rc = bones_kv_get(b, key, &v, err);
  if (rc == BONES_E_NOTFOUND) {
    bones_error_clear(err);
    return BONES_OK;
  }
  if (rc != BONES_OK) return rc;
  json_t *r = NULL;
  rc = holds_parse(key, v.value, v.len, &r, err);
  bones_kv_value_free(&v);
  if (rc != BONES_OK) return rc;
  if (strcmp(holds_agent(r), agent) != 0 && holds_live(r, bones_now_ms())) *rec = r;
  else json_decref(r);
  return BONES_OK;
}

/* The first live hold of another agent seen by a prefix listing. */
struct beneath {
  const char *agent;
  int64_t now;
  json_t *found;
  char *corrupt; /* key of an unreadable record */
};

static int beneath_one(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  struct beneath *s = arg;
  struct bones_error e2;
  json_t *r = NULL;
  if (holds_parse(key, value, len, &r, &e2) != BONES_OK) {
    s->corrupt = bones_xstrdup(key);
    return 1;
  }
  if (strcmp(holds_agent(r), s->agent) != 0 && holds_live(r, s->now)) {
    s->found = r;
    return 1;
  }
  json_decref(r);
  return 0;
}

/* The key prefix every hold under "path/" starts with (malloc'd), or NULL
 * when such a key would be too long to exist. */
static char *child_prefix(const char *path) {
  char *probe = bones_xasprintf("%s/x", path), *key = NULL;
  struct bones_error e2;
  if (holds_path_key(probe, NULL, &key, &e2) != BONES_OK) key = NULL;
  free(probe);
  if (key) key[strlen(key) - 1] = '\0'; /* drop the "x" */
  return key;
}

static int find_beneath(bones_kv_bucket *b, const char *path, const char *agent, json_t **rec,
                        struct bones_error *err) {
  char *prefix = child_prefix(path);
  if (prefix == NULL) return BONES_OK;
  struct beneath s = {agent, bones_now_ms(), NULL, NULL};
  int rc = bones_kv_list(b, prefix, beneath_one, &s, err);
  free(prefix);
  if (rc == BONES_OK && s.corrupt) {
    bones_error_set(err, BONES_E_CORRUPT, "%s %s: not a hold record (want an object with agent and expires_at)",
                    BONES_HOLDS_BUCKET, s.corrupt);
    rc = bones_error_hint(err, "inspect it with `bones kv get %s %s`; delete it with `bones kv delete`",
                          BONES_HOLDS_BUCKET, s.corrupt);
  }
  free(s.corrupt);
  if (rc == BONES_OK) *rec = s.found;
  else json_decref(s.found);
  return rc;
}

int holds_overlap_find(bones_kv_bucket *b, const char *path, const char *agent, int exact, int beneath, json_t **rec,
                       struct bones_error *err) {
  *rec = NULL;
  int rc = BONES_OK;
  char *key = NULL;
  if (exact) {
    if ((rc = holds_path_key(path, NULL, &key, err)) != BONES_OK) return rc;
    rc = other_live(b, key, agent, rec, err);
    free(key);
    if (rc != BONES_OK || *rec) return rc;
  }
  /* every ancestor directory, nearest the root first */
  for (const char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
    char *dir = bones_xstrndup(path, (size_t)(slash - path));
    rc = holds_path_key(dir, NULL, &key, err);
    free(dir);
    if (rc != BONES_OK) return rc;
    rc = other_live(b, key, agent, rec, err);
    free(key);
    if (rc != BONES_OK || *rec) return rc;
  }
  if (beneath) rc = find_beneath(b, path, agent, rec, err);
  return rc;
}

int holds_overlap_error(const char *path, const json_t *rec, struct bones_error *err) {
  const char *task = json_string_value(json_object_get(rec, "task"));
  const char *other = json_string_value(json_object_get(rec, "path"));
  if (other == NULL) other = "?";
  size_t n = strlen(path);
  const char *how = strncmp(other, path, n) == 0 && other[n] == '/' ? "lies under" : "covers";
  bones_error_set(err, BONES_E_CONFLICT, "%s: %s is held by %s%s%s until %s, and it %s %s", path, other,
                  holds_agent(rec), task ? " for task " : "", task ? task : "",
                  json_string_value(json_object_get(rec, "expires_at")), how, path);
  return bones_error_hint(err, "a hold on a directory covers every path beneath it; wait until the hold expires, or "
                               "ask %s to release it",
                          holds_agent(rec));
}

int bones_hold_path_check(const char *path, struct bones_error *err) {
  if (path && strpbrk(path, "*?[")) {
    bones_error_set(err, BONES_E_USAGE, "hold path '%s' has a glob character ('*', '?' or '['): holds are literal paths",
                    path);
    return bones_error_hint(err, "hold the directory itself (e.g. `src` covers every path beneath src/)");
  }
  return BONES_OK;
}
