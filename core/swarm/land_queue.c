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
#include "trunk.h"
#include "util.h"
#include "workspace.h"

#define BUNDLE_FILE_MAX (64 * 1024 * 1024) /* bigger files take the slot's own landing */

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int slurp(const char *path, char **data, size_t *len);
static int same(const char *a, size_t la, const char *b, size_t lb);

/* .bones/land/PART[/ID[/NAME]], malloc'd. */
static char *land_path(const char *root, const char *part, const char *id, const char *name) {
  char *base = bones_ws_path(root, "land");
  char *p = bones_xasprintf("%s/%s%s%s%s%s", base, part, id ? "/" : "", id ? id : "", name ? "/" : "",
                            name ? name : "");
  free(base);
  return p;
}

int bones_land_available(const struct bones_swarm *s) {
  const char *on = getenv("BONES_LAND_QUEUE"); /* off by default: see docs/speed.md */
  if (on == NULL || strcmp(on, "1") != 0) return 0;
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
    size_t pl = path ? strlen(path) : 0;
    int escapes = path && (path[0] == '/' || strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 ||
                           strstr(path, "/../") != NULL || (pl >= 3 && strcmp(path + pl - 3, "/..") == 0));
    if (!path || !*path || escapes || !kind || kind[0] == '\0' || strchr("AMD", kind[0]) == NULL) {
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

struct newest {
  char id[BONES_REPO_ID_MAX];
};

static int take_newest(void *arg, const char *id, const char *user, const char *when, const char *comment) {
  (void)user, (void)when, (void)comment;
  snprintf(((struct newest *)arg)->id, BONES_REPO_ID_MAX, "%s", id);
  return 1;
}

/* 1 when trunk of hub holds bundle dir's changes exactly: each new
 * content as queued, each deleted file absent. */
static int on_trunk(struct bones_swarm *s, const char *hub, const char *dir, json_t *b) {
  size_t n = 0;
  struct bones_repo_pending *p = pending_of(b, &n);
  int all = n > 0;
  for (size_t i = 0; all && i < n; i++) {
    unsigned char *t = NULL;
    size_t lt = 0;
    struct bones_error err;
    int rc = s->repo->cat(s->repo_handle, hub, p[i].path, NULL, &t, &lt, &err);
    if (p[i].change == BONES_REPO_DELETED) {
      all = rc == BONES_E_NOTFOUND;
    } else {
      char *q = bones_xasprintf("%s/files/%s", dir, p[i].path), *l = NULL;
      size_t ll = 0;
      all = rc == BONES_OK && slurp(q, &l, &ll) == BONES_OK && same((const char *)t, lt, l, ll);
      free(l);
      free(q);
    }
    free(t);
  }
  free(p);
  return all;
}

/* A lander that died while committing left land/intent: its bundle is
 * reported landed when trunk holds its changes exactly (the commit got
 * through), else failed (its owner lands it itself); the check-out,
 * which may hold half of it, is made afresh. */
static void recover(struct bones_swarm *s) {
  char *intent = land_path(s->root, "intent", NULL, NULL), *id = NULL;
  size_t len = 0;
  struct bones_error ignored;
  if (bones_read_file(intent, BONES_LAND_ID_MAX, &id, &len, &ignored) == BONES_OK) {
    char *dir = land_path(s->root, "queue", id, NULL), *co = land_path(s->root, "co", NULL, NULL);
    char *hub = bones_ws_path(s->root, "hub.fossil");
    json_t *b = strchr(id, '/') == NULL && bones_path_is_dir(dir) ? read_json(dir, "bundle.json") : NULL;
    if (b) {
      struct newest tip = {""};
      json_t *r;
      if (on_trunk(s, hub, dir, b)) {
        s->repo->timeline(s->repo_handle, hub, 1, take_newest, &tip, &ignored);
        r = json_pack("{s:s, s:s, s:i}", "state", "landed", "checkin", tip.id, "trunk_leaves", 1);
      } else {
        r = json_pack("{s:s, s:i, s:s, s:s}", "state", "failed", "code", BONES_E_UNAVAILABLE, "error",
                      "the process landing it stopped mid-way", "checkin", "");
      }
      finish(s->root, id, r);
      json_decref(r);
      json_decref(b);
    }
    bones_remove_tree(co, &ignored);
    unlink(intent);
    free(hub);
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

int bones_land_withdraw(const char *root, const char *id) {
  char *queue = land_path(root, "queue", id, NULL), *tmp = land_path(root, "tmp", id, "withdrawn");
  char *parent = land_path(root, "tmp", id, NULL);
  struct bones_error ignored;
  int out = mkdir(parent, 0700) == 0 && rename(queue, tmp) == 0;
  bones_remove_tree(parent, &ignored);
  free(parent);
  free(tmp);
  free(queue);
  return out;
}

void bones_land_forget(const char *root, const char *id) {
  struct bones_error ignored;
  char *done = land_path(root, "done", id, NULL), *queue = land_path(root, "queue", id, NULL);
  bones_remove_tree(queue, &ignored);
  bones_remove_tree(done, &ignored);
  free(done);
  free(queue);
}

/* Reads path into *data (NULL when missing); BONES_OK or the read's error. */
static int slurp(const char *path, char **data, size_t *len) {
  struct bones_error ignored;
  *data = NULL, *len = 0;
  int rc = bones_read_file(path, BUNDLE_FILE_MAX, data, len, &ignored);
  return rc == BONES_E_NOTFOUND ? BONES_OK : rc;
}

/* 1 when a (len la, NULL: missing) and b hold the same bytes. */
static int same(const char *a, size_t la, const char *b, size_t lb) {
  return (a == NULL && b == NULL) || (a && b && la == lb && memcmp(a, b, la) == 0);
}

/* Writes data (NULL: removes path) atomically: a worktree file 0755 when
 * exec else 0644; a saved copy under .bones (private) 0700 / 0600, its
 * directories 0700. */
static int put(const char *path, const char *data, size_t len, int exec, int private,
               struct bones_error *err) {
  if (data == NULL)
    return unlink(path) == 0 || errno == ENOENT ? BONES_OK
                                                : bones_error_set(err, BONES_E_INTERNAL, "%s: %s", path, strerror(errno));
  char *parent = bones_xstrdup(path);
  *strrchr(parent, '/') = '\0';
  int rc = bones_mkdir_p(parent, private ? 0700 : 0755, err);
  free(parent);
  unsigned mode = private ? (exec ? 0700 : 0600) : (exec ? 0755 : 0644);
  return rc == BONES_OK ? bones_write_file_atomic(path, data, len, mode, err) : rc;
}

/* 1 when path is executable. */
static int is_exec(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && (st.st_mode & 0100);
}

/* For each landed file: the worktree gets exactly what landed, and what
 * the agent wrote there since (its content W unlike the landed one) is
 * saved first in keep/PATH (a file), or keep/PATH.gone when the agent
 * removed it; a saved copy from an earlier try that was cut off is kept
 * as it is.  *saved counts the files saved. */
static int set_landed(const char *dir, const char *wt, const struct bones_repo_pending *p, size_t n, size_t *saved,
                      struct bones_error *err) {
  int rc = BONES_OK;
  *saved = 0;
  for (size_t i = 0; rc == BONES_OK && i < n; i++) {
    char *mine = bones_xasprintf("%s/%s", wt, p[i].path), *queued = bones_xasprintf("%s/files/%s", dir, p[i].path);
    char *keep = bones_xasprintf("%s/keep/%s", dir, p[i].path), *gone = bones_xasprintf("%s.gone", keep);
    char *w = NULL, *l = NULL;
    size_t lw = 0, ll = 0;
    int deleted = p[i].change == BONES_REPO_DELETED;
    rc = slurp(mine, &w, &lw);
    if (rc == BONES_OK && !deleted) rc = slurp(queued, &l, &ll);
    if (rc == BONES_OK && !deleted && l == NULL) rc = bones_error_set(err, BONES_E_INTERNAL, "%s is missing", queued);
    if (rc == BONES_OK && !same(w, lw, l, ll)) {
      if (!bones_path_exists(keep) && !bones_path_exists(gone)) /* save the agent's newer state */
        rc = w ? put(keep, w, lw, is_exec(mine), 1, err) : put(gone, "", 0, 0, 1, err);
      if (rc == BONES_OK) rc = put(mine, l, ll, is_exec(queued), 0, err);
    }
    if (rc == BONES_OK && (bones_path_exists(keep) || bones_path_exists(gone))) ++*saved;
    free(w);
    free(l);
    free(mine);
    free(queued);
    free(keep);
    free(gone);
  }
  return rc;
}

/* After the update: each saved state goes back into the worktree, as an
 * edit on top of trunk; a file trunk changed again after the landing
 * (another writer despite the holds) is named to conflict_fn. */
static int restore_saved(const char *dir, const char *wt, const struct bones_repo_pending *p, size_t n,
                         bones_repo_change_fn conflict_fn, void *conflict_arg, struct bones_error *err) {
  int rc = BONES_OK, moved = 0;
  for (size_t i = 0; rc == BONES_OK && i < n; i++) {
    char *mine = bones_xasprintf("%s/%s", wt, p[i].path), *queued = bones_xasprintf("%s/files/%s", dir, p[i].path);
    char *keep = bones_xasprintf("%s/keep/%s", dir, p[i].path), *gone = bones_xasprintf("%s.gone", keep);
    int has_keep = bones_path_exists(keep), has_gone = bones_path_exists(gone);
    if (has_keep || has_gone) {
      char *t = NULL, *l = NULL, *w = NULL;
      size_t lt = 0, ll = 0, lw = 0;
      rc = slurp(mine, &t, &lt);
      if (rc == BONES_OK && p[i].change != BONES_REPO_DELETED) rc = slurp(queued, &l, &ll);
      if (rc == BONES_OK && !same(t, lt, l, ll)) {
        moved = 1;
        if (conflict_fn) conflict_fn(conflict_arg, BONES_REPO_CONFLICT, p[i].path);
      }
      if (rc == BONES_OK && has_keep) rc = slurp(keep, &w, &lw);
      if (rc == BONES_OK) rc = put(mine, has_keep ? (w ? w : "") : NULL, lw, has_keep && is_exec(keep), 0, err);
      if (rc == BONES_OK) unlink(has_keep ? keep : gone);
      free(t);
      free(l);
      free(w);
    }
    free(mine);
    free(queued);
    free(keep);
    free(gone);
  }
  if (rc == BONES_OK && moved)
    rc = bones_error_set(err, BONES_E_CONFLICT,
                         "a landed file changed on trunk again before the worktree caught up; the worktree holds "
                         "your newer version of it: compare before the next commit");
  return rc;
}

int bones_land_catch_up(struct bones_swarm *s, const char *id, const char *wt, bones_repo_change_fn conflict_fn,
                        void *conflict_arg, struct bones_error *err) {
  char *dir = land_path(s->root, "done", id, NULL);
  json_t *b = read_json(dir, "bundle.json");
  size_t n = 0, saved = 0;
  struct bones_repo_pending *pending = b ? pending_of(b, &n) : NULL;
  int rc = b ? set_landed(dir, wt, pending, n, &saved, err)
             : bones_error_set(err, BONES_E_INTERNAL, "bundle %s cannot be read", id);
  if (rc == BONES_OK) rc = s->repo->leaf_catch_up(s->repo_handle, wt, pending, n, conflict_fn, conflict_arg, err);
  int restored = rc == BONES_OK || rc == BONES_E_CONFLICT;
  if (restored && saved) {
    struct bones_error rerr;
    int rrc = restore_saved(dir, wt, pending, n, conflict_fn, conflict_arg, &rerr);
    restored = rrc == BONES_OK || rrc == BONES_E_CONFLICT; /* a conflict there is reported, all restored */
    if (rrc != BONES_OK && rc == BONES_OK) rc = rrc, *err = rerr;
  }
  /* done with it once nothing saved is left in it */
  if (restored) {
    char *keep = bones_xasprintf("%s/keep", dir);
    struct bones_error ignored;
    bones_remove_tree(keep, &ignored); /* every saved file went back: empty directories */
    free(keep);
    bones_land_forget(s->root, id);
  }
  json_decref(b);
  free(pending);
  free(dir);
  return rc;
}

/* 1 when queue/ holds a bundle of slot. */
static int slot_queued(const char *root, const char *slot) {
  char *queue = land_path(root, "queue", NULL, NULL);
  size_t n = 0;
  char **v = list_dir(queue, &n);
  int found = 0;
  for (size_t i = 0; i < n && !found; i++) {
    char *dir = land_path(root, "queue", v[i], NULL);
    json_t *b = read_json(dir, "bundle.json");
    found = b && str(b, "slot") && strcmp(str(b, "slot"), slot) == 0;
    json_decref(b);
    free(dir);
  }
  free_list(v, n);
  free(queue);
  return found;
}

int bones_land_settle(struct bones_swarm *s, const char *slot, const char *agent, const char *wt, int64_t wait_ms) {
  if (slot_queued(s->root, slot)) {
    /* a commit of this slot that stopped while its changes waited: they
     * land first (one lease round), or the new commit would meet them on
     * trunk as somebody else's edit of the same lines */
    int gate = -1;
    uint64_t rev = 0;
    struct bones_error err;
    bones_trunk_gate_enter(s->root, wait_ms, &gate);
    if (slot_queued(s->root, slot) &&
        bones_trunk_lease_take(s->kv, agent, BONES_TRUNK_LEASE_MS, wait_ms, &rev, &err) == BONES_OK) {
      bones_land_drain(s, 64);
      bones_trunk_lease_release(s->kv, rev, &err);
    }
    bones_trunk_gate_leave(gate);
  }
  char *done = land_path(s->root, "done", NULL, NULL);
  size_t n = 0;
  char **v = list_dir(done, &n);
  int caught = 0;
  for (size_t i = 0; i < n; i++) {
    char *dir = land_path(s->root, "done", v[i], NULL);
    json_t *b = read_json(dir, "bundle.json"), *r = read_json(dir, "result.json");
    if (b && r && str(b, "slot") && strcmp(str(b, "slot"), slot) == 0) {
      struct bones_error err;
      const char *state = str(r, "state"), *checkin = str(r, "checkin");
      if (state && (strcmp(state, "landed") == 0 || (checkin && *checkin))) {
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
