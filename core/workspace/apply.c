/* apply.c: landing trunk in the git working tree (apply.h).  The checks
 * (paths, git state, divergence) live in apply_check.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "apply_int.h"
#include "gitsync.h"
#include "util.h"
#include "workspace.h"

/* Collects diff entries into a JSON array of {path, change}. */
static int collect(void *arg, int change, const char *path) {
  char kind[2] = {(char)change, '\0'};
  json_array_append_new((json_t *)arg, json_pack("{s:s, s:s}", "path", path, "change", kind));
  return 0;
}

struct seed_find {
  char id[BONES_REPO_ID_MAX];
};

/* Keeps the last (oldest, the timeline being newest first) seed check-in. */
static int on_checkin_seed(void *arg, const char *id, const char *user, const char *when, const char *comment) {
  (void)user, (void)when;
  struct seed_find *s = arg;
  if (comment && strncmp(comment, "bones: seed", 11) == 0) snprintf(s->id, sizeof s->id, "%s", id);
  return 0;
}

/* Keeps every id of the timeline page (newest first). */
static int on_checkin_all(void *arg, const char *id, const char *user, const char *when, const char *comment) {
  (void)user, (void)when, (void)comment;
  json_array_append_new((json_t *)arg, json_string(id));
  return 0;
}

/* The baseline: .bones/applied, else the hub's seed check-in. */
static int baseline(const char *root, const struct apply_ctx *a, char id[BONES_REPO_ID_MAX], struct bones_error *err) {
  char *file = bones_ws_path(root, "applied");
  char *text = NULL;
  int rc = bones_read_file(file, 4096, &text, NULL, err);
  free(file);
  if (rc == BONES_OK) {
    text[strcspn(text, " \r\n")] = '\0';
    size_t n = strspn(text, "0123456789abcdef");
    if (text[n] != '\0' || (n != 40 && n != 64) || n >= BONES_REPO_ID_MAX) {
      /* a symbolic name (trunk, a tag, a prefix) moves: trusting it skips pending changes */
      rc = bones_error_set(err, BONES_E_REFUSED, ".bones/applied does not hold a full check-in id (40 or 64 lowercase "
                                                 "hex digits)");
      bones_error_hint(err, "write the full id of the check-in last applied to git into .bones/applied (see `fossil "
                            "timeline -R .bones/hub.fossil`), or remove the file to compare against the hub's seed");
    } else {
      snprintf(id, BONES_REPO_ID_MAX, "%s", text);
    }
    free(text);
    return rc;
  }
  if (rc != BONES_E_NOTFOUND) return rc;
  struct seed_find s = {""};
  rc = a->repo->timeline(a->rh, a->hub, 0, on_checkin_seed, &s, err);
  if (rc != BONES_OK) return rc;
  if (*s.id == '\0') return bones_error_set(err, BONES_E_NOTFOUND, "the hub has no \"bones: seed\" check-in");
  snprintf(id, BONES_REPO_ID_MAX, "%s", s.id);
  return BONES_OK;
}

static int count_change(void *arg, int change, const char *path) {
  (void)change, (void)path;
  (*(int *)arg)++;
  return 0;
}

/* The trunk tip as a fixed id: among the newest check-ins the first whose
 * tree is trunk's (so a commit landing meanwhile cannot mix two states). */
static int trunk_tip(const struct apply_ctx *a, char id[BONES_REPO_ID_MAX], struct bones_error *err) {
  int leaves = 0;
  int rc = a->repo->trunk_leaves(a->rh, a->hub, &leaves, err);
  if (rc != BONES_OK) return rc;
  if (leaves > 1) {
    bones_error_set(err, BONES_E_CONFLICT, "trunk has %d leaves (a fork); nothing applied", leaves);
    return bones_error_hint(err, "`bones doctor` reports the fork");
  }
  for (int attempt = 0; attempt < 5; attempt++) {
    json_t *ids = json_array();
    rc = a->repo->timeline(a->rh, a->hub, 5, on_checkin_all, ids, err);
    for (size_t i = 0; rc == BONES_OK && i < json_array_size(ids); i++) {
      const char *cand = json_string_value(json_array_get(ids, i));
      int n = 0;
      rc = a->repo->diff(a->rh, a->hub, cand, NULL, count_change, &n, err);
      if (rc == BONES_OK && n == 0) {
        snprintf(id, BONES_REPO_ID_MAX, "%s", cand);
        json_decref(ids);
        return BONES_OK;
      }
    }
    json_decref(ids);
    if (rc != BONES_OK) return rc;
    struct timespec ts = {0, 50000000L};
    nanosleep(&ts, NULL);
  }
  return bones_error_set(err, BONES_E_CONFLICT, "trunk kept moving while reading it; nothing applied, retry");
}

/* Removes path's now empty parent directories up to (not including) root. */
static void prune_dirs(const char *root, const char *path) {
  char *p = bones_xstrdup(path);
  for (char *slash = strrchr(p, '/'); slash; slash = strrchr(p, '/')) {
    *slash = '\0';
    char *dir = bones_xasprintf("%s/%s", root, p);
    int gone = rmdir(dir) == 0;
    free(dir);
    if (!gone) break;
  }
  free(p);
}

/* Writes the changes into the work tree: deletions first (a file may give
 * way to a directory), then the exported tip versions moved into place. */
static int write_changes(const char *root, const char *tip_dir, json_t *changes, struct bones_error *err) {
  size_t i;
  json_t *c;
  json_array_foreach(changes, i, c) {
    const char *path = json_string_value(json_object_get(c, "path"));
    if (json_string_value(json_object_get(c, "change"))[0] != 'D') continue;
    char *dst = bones_xasprintf("%s/%s", root, path);
    int ok = unlink(dst) == 0 || errno == ENOENT;
    int e = errno;
    free(dst);
    if (!ok) return bones_error_set(err, BONES_E_INTERNAL, "cannot remove %s: %s", path, strerror(e));
    prune_dirs(root, path);
  }
  json_array_foreach(changes, i, c) {
    const char *path = json_string_value(json_object_get(c, "path"));
    if (json_string_value(json_object_get(c, "change"))[0] == 'D') continue;
    char *src = bones_xasprintf("%s/%s", tip_dir, path);
    char *dst = bones_xasprintf("%s/%s", root, path);
    char *parent = bones_xstrdup(dst);
    *strrchr(parent, '/') = '\0';
    int rc = bones_mkdir_p(parent, 0777, err);
    if (rc == BONES_OK && rename(src, dst) != 0)
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", path, strerror(errno));
    free(parent);
    free(src);
    free(dst);
    if (rc != BONES_OK) return rc;
  }
  return BONES_OK;
}

/* Takes .bones/apply.lock (non-blocking); *fd gets the descriptor. */
static int lock_apply(const char *root, int *fd, struct bones_error *err) {
  char *path = bones_ws_path(root, "apply.lock");
  *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  int e = errno;
  free(path);
  if (*fd < 0) return bones_error_set(err, BONES_E_INTERNAL, "cannot open .bones/apply.lock: %s", strerror(e));
  if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
    close(*fd);
    *fd = -1;
    return bones_error_set(err, BONES_E_CONFLICT, "another `bones apply` is running in this workspace");
  }
  return BONES_OK;
}

/* The paths of changes whose kind is (or, with not, is not) kind. */
static const char **paths_where(json_t *changes, char kind, int not, size_t *n) {
  const char **v = bones_xcalloc(json_array_size(changes) + 1, sizeof *v);
  *n = 0;
  size_t i;
  json_t *c;
  json_array_foreach(changes, i, c) {
    int is = json_string_value(json_object_get(c, "change"))[0] == kind;
    if (is != not) v[(*n)++] = json_string_value(json_object_get(c, "path"));
  }
  return v;
}

/* Exports the listed files of rev under a new directory of tmp (*dir). */
static int export_rev(const struct apply_ctx *a, const char *rev, const char **files, size_t n, const char *tmp,
                      const char *name, char **dir, struct bones_error *err) {
  *dir = bones_xasprintf("%s/%s", tmp, name);
  if (n == 0) return bones_mkdir_p(*dir, 0700, err);
  return a->repo->export_files(a->rh, a->hub, rev, files, n, *dir, err);
}

int bones_apply(const char *root, const struct bones_repo_backend_v1 *repo, void *repo_handle,
                const struct bones_apply_opts *o, json_t **result, struct bones_error *err) {
  *result = NULL;
  if (bones_workspace_refuse_remote(root, "apply", err) != BONES_OK) return BONES_E_REFUSED;
  struct apply_ctx a = {root, repo, repo_handle, bones_ws_path(root, "hub.fossil")};
  int lock_fd = -1, rc = BONES_OK;
  char from[BONES_REPO_ID_MAX] = "", to[BONES_REPO_ID_MAX] = "";
  json_t *changes = json_array(), *refused = json_array(), *merged = json_array(), *conflicts = json_array();
  char *tmp = NULL, *from_dir = NULL, *to_dir = NULL;
  const char **olds = NULL, **news = NULL;
  size_t nolds = 0, nnews = 0;
  if (!bones_path_is_file(a.hub)) {
    rc = bones_error_set(err, BONES_E_NOWORKSPACE, "the workspace has no hub repository yet (%s)", a.hub);
    bones_error_hint(err, "`bones hub start` creates it");
  }
  if (rc == BONES_OK && !o->dry_run) rc = lock_apply(root, &lock_fd, err);
  if (rc == BONES_OK) rc = baseline(root, &a, from, err);
  if (rc == BONES_OK) rc = trunk_tip(&a, to, err);
  if (rc == BONES_OK && strcmp(from, to) != 0) {
    rc = repo->diff(repo_handle, a.hub, from, to, collect, changes, err);
    if (rc == BONES_E_NOTFOUND) bones_error_prefix(err, "the last applied check-in %.10s is not in the hub", from);
  }
  if (rc == BONES_OK && json_array_size(changes) > 0) {
    rc = apply_check_paths(root, changes, refused, err);
    if (rc == BONES_OK && json_array_size(refused) == 0) rc = apply_check_git(root, changes, refused, err);
    if (rc == BONES_OK && json_array_size(refused) == 0) {
      char *tmpl = bones_ws_path(root, "apply.tmp-XXXXXX");
      if (mkdtemp(tmpl) == NULL) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot make %s: %s", tmpl, strerror(errno));
      tmp = tmpl;
      olds = paths_where(changes, 'A', 1, &nolds);
      news = paths_where(changes, 'D', 1, &nnews);
      if (rc == BONES_OK) rc = export_rev(&a, from, olds, nolds, tmp, "from", &from_dir, err);
      if (rc == BONES_OK) rc = export_rev(&a, to, news, nnews, tmp, "to", &to_dir, err);
      if (rc == BONES_OK && !o->force)
        rc = apply_merge(root, from_dir, to_dir, changes, o->conflict_markers, merged, conflicts, err);
    }
    if (rc == BONES_OK && json_array_size(refused) > 0) {
      json_t *r0 = json_array_get(refused, 0);
      rc = bones_error_set(err, BONES_E_REFUSED, "%zu path(s) refused (%s: %s%s); nothing applied",
                           json_array_size(refused), json_string_value(json_object_get(r0, "reason")),
                           json_string_value(json_object_get(r0, "path")), json_array_size(refused) > 1 ? ", ..." : "");
      bones_error_hint(err, "uncommitted: commit or stash them in git; unsafe: fix the path on trunk");
    }
  }
  int conflicted = rc == BONES_OK && json_array_size(conflicts) > 0;
  if (conflicted && !o->conflict_markers) {
    rc = bones_error_set(err, BONES_E_CONFLICT,
                         "%zu path(s) changed in git and on trunk do not merge (%s%s); nothing applied",
                         json_array_size(conflicts), json_string_value(json_array_get(conflicts, 0)),
                         json_array_size(conflicts) > 1 ? ", ..." : "");
    bones_error_hint(err, "--conflict=markers writes them with conflict markers to resolve and commit in git; "
                          "--force takes trunk's version");
  }
  if (rc == BONES_OK && !o->dry_run && json_array_size(changes) > 0) {
    rc = write_changes(root, to_dir, changes, err);
    json_t *clean = json_array(), *paths = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c) {
      if (!json_is_true(json_object_get(c, "conflict"))) json_array_append(clean, c);
      json_array_append(paths, json_object_get(c, "path"));
    }
    if (rc == BONES_OK) rc = apply_stage(root, clean, err); /* conflicted files stay unstaged */
    if (rc == BONES_OK) rc = bones_gitsync_note_applied(root, to, paths, err);
    json_decref(clean);
    json_decref(paths);
  }
  if (rc == BONES_OK && !o->dry_run && strcmp(from, to) != 0) {
    char *file = bones_ws_path(root, "applied");
    char *line = bones_xasprintf("%s\n", to);
    rc = bones_write_file_atomic(file, line, strlen(line), 0600, err);
    free(line);
    free(file);
  }
  if (rc == BONES_OK && conflicted) { /* written with markers: the caller must still know */
    rc = bones_error_set(err, BONES_E_CONFLICT, "%zu path(s) written with conflict markers (%s%s); resolve them in git",
                         json_array_size(conflicts), json_string_value(json_array_get(conflicts, 0)),
                         json_array_size(conflicts) > 1 ? ", ..." : "");
    bones_error_hint(err, "edit the files, then `git add` and `git commit` them; the next sync imports the result");
  }
  if (rc == BONES_OK || json_array_size(refused) > 0 || json_array_size(conflicts) > 0) {
    *result = json_pack("{s:s, s:s, s:b, s:b, s:O, s:O, s:O, s:O}", "from", from, "to", to, "up_to_date",
                        strcmp(from, to) == 0, "dry_run", o->dry_run, "changes", changes, "refused", refused, "merged",
                        merged, "conflicts", conflicts);
  }
  if (tmp) {
    struct bones_error e2;
    bones_remove_tree(tmp, &e2);
  }
  if (lock_fd >= 0) close(lock_fd);
  free(olds);
  free(news);
  free(from_dir);
  free(to_dir);
  free(tmp);
  free(a.hub);
  json_decref(changes);
  json_decref(refused);
  json_decref(merged);
  json_decref(conflicts);
  return rc;
}
