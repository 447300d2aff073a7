/* land_queue.c: this host's queue of changes waiting for trunk
 * (land_queue.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "land_queue.h"
#include "util.h"
#include "workspace.h"

#define BUNDLE_FILE_MAX (64 * 1024 * 1024) /* bigger files take the slot's own landing */

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* .bones/land/PART[/ID[/NAME]], malloc'd. */
static char *land_path(const char *root, const char *part, const char *id, const char *name) {
  char *base = bones_ws_path(root, "land");
  char *p = bones_xasprintf("%s/%s%s%s%s%s", base, part, id ? "/" : "", id ? id : "", name ? "/" : "",
                            name ? name : "");
  free(base);
  return p;
}

int bones_land_available(const struct bones_swarm *s) {
  const struct bones_repo_backend_v1 *r = s->repo;
  if (!(r->size >= offsetof(struct bones_repo_backend_v1, leaf_catch_up) + sizeof r->leaf_catch_up &&
        r->leaf_checkout && r->hub_land && r->leaf_catch_up))
    return 0;
  char *hub = bones_ws_path(s->root, "hub.fossil");
  int here = bones_path_is_file(hub);
  free(hub);
  return here;
}

/* Copies the regular file src to dst (0755 when src is executable, else
 * 0644); BONES_E_REFUSED for anything else (a link, a directory). */
static int copy_plain(const char *src, const char *dst, struct bones_error *err) {
  int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > BUNDLE_FILE_MAX) {
    if (in >= 0) close(in);
    return bones_error_set(err, BONES_E_REFUSED, "%s is not a regular file bones can queue", src);
  }
  char *data = NULL;
  size_t len = 0;
  int rc = bones_read_fd(in, BUNDLE_FILE_MAX, &data, &len, err);
  close(in);
  char *parent = bones_xstrdup(dst);
  *strrchr(parent, '/') = '\0';
  if (rc == BONES_OK) rc = bones_mkdir_p(parent, 0700, err);
  free(parent);
  int out = rc == BONES_OK ? open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                                  (st.st_mode & 0111) ? 0700 : 0600)
                           : -1;
  if (rc == BONES_OK && out < 0) rc = bones_error_set(err, BONES_E_INTERNAL, "%s: %s", dst, strerror(errno));
  for (size_t w = 0; rc == BONES_OK && w < len;) {
    ssize_t k = write(out, data + w, len - w);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) rc = bones_error_set(err, BONES_E_INTERNAL, "%s: %s", dst, strerror(errno));
    else w += (size_t)k;
  }
  if (out >= 0 && close(out) != 0 && rc == BONES_OK) rc = bones_error_set(err, BONES_E_INTERNAL, "%s: %s", dst, strerror(errno));
  free(data);
  return rc;
}

int bones_land_enqueue(const char *root, const char *slot, const char *user, const char *message,
                       const char *base, const char *wt, json_t *changes, char id[BONES_LAND_ID_MAX],
                       struct bones_error *err) {
  unsigned rnd = 0;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (read(fd, &rnd, sizeof rnd) != (ssize_t)sizeof rnd) rnd = (unsigned)getpid();
    close(fd);
  }
  snprintf(id, BONES_LAND_ID_MAX, "%013lld-%.40s-%08x", (long long)bones_now_ms(), slot, rnd);
  char *tmp = land_path(root, "tmp", id, NULL), *queue = land_path(root, "queue", NULL, NULL);
  char *done = land_path(root, "done", NULL, NULL);
  int rc = bones_mkdir_p(tmp, 0700, err);
  if (rc == BONES_OK) rc = bones_mkdir_p(queue, 0700, err);
  if (rc == BONES_OK) rc = bones_mkdir_p(done, 0700, err);
  size_t i;
  json_t *c;
  json_array_foreach(changes, i, c) {
    const char *path = str(c, "path"), *kind = str(c, "change");
    if (rc != BONES_OK) break;
    if (!path || !kind || strchr("AMD", kind[0]) == NULL || kind[0] == '\0') {
      rc = bones_error_set(err, BONES_E_USAGE, "a change bones cannot queue");
      break;
    }
    if (kind[0] == 'D') continue;
    char *src = bones_xasprintf("%s/%s", wt, path), *dst = bones_xasprintf("%s/files/%s", tmp, path);
    rc = copy_plain(src, dst, err);
    free(src);
    free(dst);
  }
  if (rc == BONES_OK) {
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:O}", "slot", slot, "user", user, "message", message, "base", base,
                          "changes", changes);
    char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;
    char *path = bones_xasprintf("%s/bundle.json", tmp);
    int f = text ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    if (f < 0 || write(f, text, strlen(text)) != (ssize_t)strlen(text))
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot write %s", path);
    if (f >= 0) close(f);
    free(path);
    free(text);
    json_decref(b);
  }
  char *final = land_path(root, "queue", id, NULL);
  if (rc == BONES_OK && rename(tmp, final) != 0)
    rc = bones_error_set(err, BONES_E_INTERNAL, "cannot queue %s: %s", final, strerror(errno));
  if (rc != BONES_OK) {
    struct bones_error ignored;
    bones_remove_tree(tmp, &ignored);
  }
  free(final);
  free(tmp);
  free(queue);
  free(done);
  return rc;
}

/* Reads DIR/name as JSON; NULL when it is missing or not JSON. */
static json_t *read_json(const char *dir, const char *name) {
  char *p = bones_xasprintf("%s/%s", dir, name), *data = NULL;
  size_t len = 0;
  struct bones_error ignored;
  json_t *j = NULL;
  if (bones_read_file(p, 1 << 24, &data, &len, &ignored) == BONES_OK) {
    json_error_t jerr;
    j = json_loadb(data, len, 0, &jerr);
  }
  free(data);
  free(p);
  return j;
}

/* The bundle's changes as a vector borrowing from b. */
static struct bones_repo_pending *pending_of(json_t *b, size_t *n) {
  json_t *changes = json_object_get(b, "changes");
  *n = json_array_size(changes);
  struct bones_repo_pending *v = bones_xcalloc(*n + 1, sizeof *v);
  for (size_t i = 0; i < *n; i++) {
    const char *k = str(json_array_get(changes, i), "change");
    v[i] = (struct bones_repo_pending){k ? k[0] : 0, str(json_array_get(changes, i), "path")};
  }
  return v;
}

/* Appends a file trunk changed to the JSON array arg. */
static int collect_stale(void *arg, int change, const char *path) {
  (void)change;
  json_array_append_new((json_t *)arg, json_string(path));
  return 0;
}

/* Writes result into queue/ID and moves the bundle to done/. */
static void finish(const char *root, const char *id, json_t *result) {
  char *dir = land_path(root, "queue", id, NULL), *done = land_path(root, "done", id, NULL);
  char *path = bones_xasprintf("%s/result.json", dir);
  char *text = json_dumps(result, JSON_COMPACT);
  struct bones_error ignored;
  if (text == NULL || bones_write_file_atomic(path, text, strlen(text), 0600, &ignored) != BONES_OK ||
      rename(dir, done) != 0)
    bones_remove_tree(dir, &ignored); /* its owner then lands it itself */
  free(text);
  free(path);
  free(dir);
  free(done);
}

/* Lands the queued bundle id (the caller holds the trunk lease). */
static int land_one(struct bones_swarm *s, const char *id) {
  char *dir = land_path(s->root, "queue", id, NULL);
  char *src = bones_xasprintf("%s/files", dir), *co = land_path(s->root, "co", NULL, NULL);
  char *hub = bones_ws_path(s->root, "hub.fossil"), *intent = land_path(s->root, "intent", NULL, NULL);
  json_t *b = read_json(dir, "bundle.json"), *stale = json_array(), *result = NULL;
  size_t n = 0;
  struct bones_repo_pending *pending = b ? pending_of(b, &n) : NULL;
  struct bones_error err;
  struct bones_repo_landed out;
  int rc;
  memset(&out, 0, sizeof out);
  if (b == NULL || str(b, "user") == NULL || str(b, "message") == NULL || str(b, "base") == NULL) {
    rc = bones_error_set(&err, BONES_E_INTERNAL, "bundle %s cannot be read", id);
  } else {
    rc = bones_write_file_atomic(intent, id, strlen(id), 0600, &err);
    struct bones_repo_hub_land in = {hub, co, src, pending, n, str(b, "base"), str(b, "user"), str(b, "message"),
                                     collect_stale, stale};
    if (rc == BONES_OK) rc = s->repo->hub_land(s->repo_handle, &in, &out, &err);
  }
  if (rc == BONES_OK)
    result = json_pack("{s:s, s:s, s:i}", "state", "landed", "checkin", out.id, "trunk_leaves", out.trunk_leaves);
  else if (rc == BONES_E_CONFLICT && !*out.id)
    result = json_pack("{s:s, s:O, s:s}", "state", "stale", "files", stale, "error", err.message);
  else
    result = json_pack("{s:s, s:i, s:s, s:s}", "state", "failed", "code", rc, "error", err.message, "checkin", out.id);
  finish(s->root, id, result);
  unlink(intent);
  json_decref(result);
  json_decref(stale);
  json_decref(b);
  free(pending);
  free(intent);
  free(hub);
  free(co);
  free(src);
  free(dir);
  return rc == BONES_OK;
}

/* The names in dir (without . and ..), sorted; *n their number. */
static char **list_dir(const char *dir, size_t *n) {
  *n = 0;
  DIR *d = opendir(dir);
  if (d == NULL) return NULL;
  char **v = NULL;
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (*n == cap) v = bones_xrealloc(v, (cap = cap ? 2 * cap : 16) * sizeof *v);
    v[(*n)++] = bones_xstrdup(e->d_name);
  }
  closedir(d);
  for (size_t i = 1; i < *n; i++) /* insertion sort: the names begin with the time */
    for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
      char *t = v[j];
      v[j] = v[j - 1], v[j - 1] = t;
    }
  return v;
}

static void free_list(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

/* A lander that died while committing left land/intent: its bundle is
 * reported failed (its owner lands it itself; if it did reach trunk the
 * owner's update finds the same content there), and the check-out, which
 * may hold half of it, is made afresh. */
static void recover(struct bones_swarm *s) {
  char *intent = land_path(s->root, "intent", NULL, NULL), *id = NULL;
  size_t len = 0;
  struct bones_error ignored;
  if (bones_read_file(intent, BONES_LAND_ID_MAX, &id, &len, &ignored) == BONES_OK) {
    char *dir = land_path(s->root, "queue", id, NULL), *co = land_path(s->root, "co", NULL, NULL);
    if (strchr(id, '/') == NULL && bones_path_is_dir(dir)) {
      json_t *r = json_pack("{s:s, s:i, s:s, s:s}", "state", "failed", "code", BONES_E_UNAVAILABLE, "error",
                            "the process landing it stopped mid-way", "checkin", "");
      finish(s->root, id, r);
      json_decref(r);
    }
    bones_remove_tree(co, &ignored);
    unlink(intent);
    free(co);
    free(dir);
  }
  free(id);
  free(intent);
}

/* Removes done bundles older than BONES_LAND_DONE_KEEP_MS (their owners
 * are gone; what they hold landed or is still in the worktree). */
static void sweep(const char *root) {
  char *done = land_path(root, "done", NULL, NULL);
  size_t n = 0;
  char **v = list_dir(done, &n);
  long long cut = (long long)(bones_now_ms() - BONES_LAND_DONE_KEEP_MS);
  for (size_t i = 0; i < n; i++)
    if (atoll(v[i]) < cut) bones_land_forget(root, v[i]);
  free_list(v, n);
  free(done);
}

int bones_land_drain(struct bones_swarm *s, int max) {
  if (!bones_land_available(s)) return 0;
  recover(s);
  char *queue = land_path(s->root, "queue", NULL, NULL);
  int landed = 0, seen = 0;
  for (;;) {
    size_t n = 0;
    char **v = list_dir(queue, &n);
    for (size_t i = 0; i < n && seen < max; i++, seen++) landed += land_one(s, v[i]);
    free_list(v, n);
    if (n == 0 || seen >= max) break;
  }
  free(queue);
  if (seen) sweep(s->root);
  return landed;
}

int bones_land_result(const char *root, const char *id, json_t **result) {
  *result = NULL;
  char *done = land_path(root, "done", id, NULL), *queue = land_path(root, "queue", id, NULL);
  int state = -1;
  if ((*result = read_json(done, "result.json")) != NULL) state = 1;
  else if (bones_path_is_dir(queue)) state = 0;
  free(done);
  free(queue);
  return state;
}

void bones_land_forget(const char *root, const char *id) {
  struct bones_error ignored;
  char *done = land_path(root, "done", id, NULL), *queue = land_path(root, "queue", id, NULL);
  bones_remove_tree(queue, &ignored);
  bones_remove_tree(done, &ignored);
  free(done);
  free(queue);
}

/* 1 when the file at a holds exactly the bytes of the file at b (both
 * missing counts as the same). */
static int same_content(const char *a, const char *b) {
  char *x = NULL, *y = NULL;
  size_t lx = 0, ly = 0;
  struct bones_error ignored;
  int ra = bones_read_file(a, BUNDLE_FILE_MAX, &x, &lx, &ignored);
  int rb = bones_read_file(b, BUNDLE_FILE_MAX, &y, &ly, &ignored);
  int same = (ra == BONES_E_NOTFOUND && rb == BONES_E_NOTFOUND) ||
             (ra == BONES_OK && rb == BONES_OK && lx == ly && memcmp(x, y, lx) == 0);
  free(x);
  free(y);
  return same;
}

int bones_land_catch_up(struct bones_swarm *s, const char *id, const char *wt, bones_repo_change_fn conflict_fn,
                        void *conflict_arg, struct bones_error *err) {
  char *dir = land_path(s->root, "done", id, NULL);
  json_t *b = read_json(dir, "bundle.json");
  size_t n = 0, keep = 0;
  struct bones_repo_pending *pending = b ? pending_of(b, &n) : NULL;
  for (size_t i = 0; i < n; i++) { /* only files still as they were queued */
    char *mine = bones_xasprintf("%s/%s", wt, pending[i].path);
    char *queued = bones_xasprintf("%s/files/%s", dir, pending[i].path);
    if (pending[i].change == BONES_REPO_DELETED ? !bones_path_exists(mine) : same_content(mine, queued))
      pending[keep++] = pending[i];
    free(mine);
    free(queued);
  }
  int rc = b ? s->repo->leaf_catch_up(s->repo_handle, wt, pending, keep, conflict_fn, conflict_arg, err)
             : bones_error_set(err, BONES_E_INTERNAL, "bundle %s cannot be read", id);
  if (rc == BONES_OK || rc == BONES_E_CONFLICT) bones_land_forget(s->root, id);
  json_decref(b);
  free(pending);
  free(dir);
  return rc;
}

int bones_land_settle(struct bones_swarm *s, const char *slot, const char *wt) {
  char *done = land_path(s->root, "done", NULL, NULL);
  size_t n = 0;
  char **v = list_dir(done, &n);
  int caught = 0;
  for (size_t i = 0; i < n; i++) {
    char *dir = land_path(s->root, "done", v[i], NULL);
    json_t *b = read_json(dir, "bundle.json"), *r = read_json(dir, "result.json");
    if (b && r && str(b, "slot") && strcmp(str(b, "slot"), slot) == 0) {
      struct bones_error err;
      if (str(r, "state") && strcmp(str(r, "state"), "landed") == 0) {
        if (bones_land_catch_up(s, v[i], wt, NULL, NULL, &err) == BONES_OK) caught++;
      } else {
        bones_land_forget(s->root, v[i]); /* its changes are still in the worktree */
      }
    }
    json_decref(b);
    json_decref(r);
    free(dir);
  }
  free_list(v, n);
  free(done);
  return caught;
}
