/* gitsync.c: importing git's commits onto the hub's trunk (gitsync.h). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "gitsync.h"
#include "proc.h"
#include "substrate.h"
#include "text.h"
#include "trunk.h"
#include "util.h"
#include "workspace.h"

#define GIT_TIMEOUT_MS 120000
#define STATE_FILE "git-sync.json"
#define IMPORT_USER "git"
#define ZERO_SHA "0000000000000000000000000000000000000000"

/* Runs `git ARGS...` in root; BONES_OK when git ran (res filled). */
static int git_run(const char *root, const char *const *args, struct bones_run_result *res, struct bones_error *err) {
  size_t n = 0;
  while (args[n]) n++;
  const char **argv = bones_xcalloc(n + 2, sizeof *argv);
  argv[0] = "git";
  for (size_t i = 0; i < n; i++) argv[i + 1] = args[i];
  static const char *const env[] = {"GIT_OPTIONAL_LOCKS=0", "LC_ALL=C", NULL};
  int rc = bones_run(argv, root, env, GIT_TIMEOUT_MS, res, err);
  free(argv);
  return rc;
}

/* git_run, a non-zero status being an error naming what. */
static int git_ok(const char *root, const char *const *args, struct bones_run_result *res, struct bones_error *err) {
  int rc = git_run(root, args, res, err);
  if (rc == BONES_OK && res->status != 0) {
    res->err[strcspn(res->err, "\n")] = '\0';
    rc = bones_error_set(err, BONES_E_INTERNAL, "git %s failed (status %d): %s", args[0], res->status, res->err);
    bones_run_result_free(res);
  }
  return rc;
}

/* git HEAD's commit id into sha; BONES_E_REFUSED when root is no git work
 * tree or has no commit. */
static int git_head(const char *root, char sha[BONES_REPO_ID_MAX], struct bones_error *err) {
  static const char *const inside[] = {"rev-parse", "--is-inside-work-tree", NULL};
  static const char *const head[] = {"rev-parse", "--verify", "-q", "HEAD^{commit}", NULL};
  struct bones_run_result res;
  int rc = git_run(root, inside, &res, err);
  if (rc != BONES_OK) return rc;
  int is = res.status == 0 && strncmp(res.out, "true", 4) == 0;
  bones_run_result_free(&res);
  if (!is) {
    bones_error_set(err, BONES_E_REFUSED, "%s is not a git work tree: nothing to import", root);
    return bones_error_hint(err, "git and the hub stay in step only in a workspace inside a git repository");
  }
  rc = git_run(root, head, &res, err);
  if (rc != BONES_OK) return rc;
  size_t n = strspn(res.out, "0123456789abcdef");
  if (res.status != 0 || n < 40 || n >= BONES_REPO_ID_MAX)
    rc = bones_error_set(err, BONES_E_REFUSED, "git has no commit yet: nothing to import");
  else
    snprintf(sha, BONES_REPO_ID_MAX, "%.*s", (int)n, res.out);
  bones_run_result_free(&res);
  return rc;
}

/* ---- the state file ---- */

static json_t *state_load(const char *root) {
  char *path = bones_ws_path(root, STATE_FILE), *text = NULL;
  struct bones_error e;
  json_t *s = NULL;
  if (bones_read_file(path, 1 << 24, &text, NULL, &e) == BONES_OK) s = json_loads(text, 0, NULL);
  free(text);
  free(path);
  if (!json_is_object(s)) {
    json_decref(s);
    s = json_object();
  }
  if (!json_is_array(json_object_get(s, "pending"))) json_object_set_new(s, "pending", json_array());
  if (!json_is_object(json_object_get(s, "applied_paths"))) json_object_set_new(s, "applied_paths", json_object());
  return s;
}

static int state_save(const char *root, json_t *s, struct bones_error *err) {
  char *text = json_dumps(s, JSON_INDENT(1) | JSON_SORT_KEYS);
  char *path = bones_ws_path(root, STATE_FILE);
  int rc = bones_write_file_atomic(path, text, strlen(text), 0600, err);
  free(path);
  free(text);
  return rc;
}

/* Takes .bones/git-sync.lock (blocking: its holders are short): the state
 * file's read-modify-write by an import and by apply never interleave.
 * Returns the descriptor to close, or -1 (then unlocked: best effort). */
static int state_lock(const char *root) {
  char *path = bones_ws_path(root, "git-sync.lock");
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  free(path);
  if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

static void state_unlock(int fd) {
  if (fd >= 0) close(fd);
}

/* Index of path in the string array a, or -1. */
static int index_of(json_t *a, const char *path) {
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) if (strcmp(json_string_value(v), path) == 0) return (int)i;
  return -1;
}

int bones_gitsync_record_seed(const char *root, struct bones_error *err) {
  char sha[BONES_REPO_ID_MAX];
  struct bones_error e;
  if (git_head(root, sha, &e) != BONES_OK) return BONES_OK;
  int lock = state_lock(root);
  json_t *s = state_load(root);
  json_object_set_new(s, "seed", json_string(sha));
  json_object_set_new(s, "imported", json_string(sha));
  int rc = state_save(root, s, err);
  json_decref(s);
  state_unlock(lock);
  return rc;
}

int bones_gitsync_note_applied(const char *root, const char *checkin, json_t *paths, struct bones_error *err) {
  int lock = state_lock(root);
  json_t *s = state_load(root);
  json_t *pending = json_object_get(s, "pending"), *applied = json_object_get(s, "applied_paths");
  size_t i;
  json_t *p;
  json_array_foreach(paths, i, p) {
    int at = index_of(pending, json_string_value(p));
    if (at >= 0) json_array_remove(pending, (size_t)at);
    json_object_set_new(applied, json_string_value(p), json_string(checkin));
  }
  int rc = state_save(root, s, err);
  json_decref(s);
  state_unlock(lock);
  return rc;
}

/* ---- contents ---- */

struct blob {
  int present;
  unsigned char *data;
  size_t len;
};

static void blob_free(struct blob *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

static int blob_same(const struct blob *a, const struct blob *b) {
  if (a->present != b->present) return 0;
  return !a->present || (a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0));
}

/* git's object sha (a blob) into b; the zero id is "absent". */
static int git_blob(const char *root, const char *sha, struct blob *b, struct bones_error *err) {
  memset(b, 0, sizeof *b);
  if (strspn(sha, "0") == strlen(sha)) return BONES_OK;
  const char *const args[] = {"cat-file", "blob", sha, NULL};
  struct bones_run_result res;
  int rc = git_ok(root, args, &res, err);
  if (rc != BONES_OK) return rc;
  b->present = 1;
  b->data = (unsigned char *)res.out;
  b->len = res.out_len;
  free(res.err);
  return BONES_OK;
}

/* trunk's content of path at rev (NULL: the tip) into b. */
static int hub_blob(const struct bones_repo_backend_v1 *repo, void *rh, const char *hub, const char *path,
                    const char *rev, struct blob *b, struct bones_error *err) {
  memset(b, 0, sizeof *b);
  int rc = repo->cat(rh, hub, path, rev, &b->data, &b->len, err);
  if (rc == BONES_E_NOTFOUND) {
    bones_error_clear(err);
    return BONES_OK;
  }
  b->present = rc == BONES_OK;
  return rc;
}

static int write_bytes(const char *path, const void *data, size_t len, unsigned mode, struct bones_error *err) {
  char *parent = bones_xstrdup(path);
  *strrchr(parent, '/') = '\0';
  int rc = bones_mkdir_p(parent, 0700, err);
  free(parent);
  if (rc != BONES_OK) return rc;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", path, strerror(errno));
  const unsigned char *p = data;
  for (size_t done = 0; done < len;) {
    ssize_t k = write(fd, p + done, len - done);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot write %s: %s", path, strerror(errno));
      break;
    }
    done += (size_t)k;
  }
  if (close(fd) != 0 && rc == BONES_OK) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot write %s", path);
  if (rc == BONES_OK) chmod(path, mode);
  return rc;
}

int bones_git_merge3(const char *ours, const char *base, const char *theirs, char **out, size_t *len, int *conflicts,
                     struct bones_error *err) {
  *out = NULL;
  *len = 0;
  *conflicts = -1;
  const char *const argv[] = {"git", "merge-file", "-p", "-L", "git", "-L", "base", "-L", "trunk", ours, base, theirs,
                              NULL};
  struct bones_run_result res;
  int rc = bones_run(argv, NULL, NULL, GIT_TIMEOUT_MS, &res, err);
  if (rc != BONES_OK) return rc;
  if (res.status >= 0 && res.status < 127 && !strstr(res.err, "binary")) {
    *conflicts = res.status;
    *out = res.out;
    *len = res.out_len;
    res.out = NULL;
  }
  bones_run_result_free(&res);
  return BONES_OK;
}

/* Three-way merge of blobs (all present) in tmp; *merged set when clean. */
static int merge_blobs(const char *tmp, const struct blob *base, const struct blob *ours, const struct blob *theirs,
                       struct blob *merged, struct bones_error *err) {
  memset(merged, 0, sizeof *merged);
  char *pb = bones_xasprintf("%s/m.base", tmp), *po = bones_xasprintf("%s/m.ours", tmp),
       *pt = bones_xasprintf("%s/m.theirs", tmp);
  int rc = write_bytes(pb, base->data, base->len, 0600, err);
  if (rc == BONES_OK) rc = write_bytes(po, ours->data, ours->len, 0600, err);
  if (rc == BONES_OK) rc = write_bytes(pt, theirs->data, theirs->len, 0600, err);
  char *out = NULL;
  size_t len = 0;
  int conflicts = -1;
  if (rc == BONES_OK) rc = bones_git_merge3(po, pb, pt, &out, &len, &conflicts, err);
  if (rc == BONES_OK && conflicts == 0) {
    merged->present = 1;
    merged->data = (unsigned char *)out;
    merged->len = len;
  } else {
    free(out);
  }
  unlink(pb), unlink(po), unlink(pt);
  free(pb), free(po), free(pt);
  return rc;
}

/* ---- the import ---- */

/* One entry of `git diff --raw -z`: modes, blob ids, status, path. */
struct raw_change {
  char old_sha[BONES_REPO_ID_MAX], new_sha[BONES_REPO_ID_MAX];
  unsigned new_mode;
  char status;
  const char *path;
};

/* What one sync does: its inputs and what it decided. */
struct import_run {
  const char *root;
  const struct bones_repo_backend_v1 *repo;
  void *rh;
  char *hub;
  char *tmp, *src;
  json_t *state;
  json_t *files, *conflicts, *skipped, *written, *removed;
};

/* Decides what trunk gets for one path git changed. */
static int import_path(struct import_run *r, const struct raw_change *c, struct bones_error *err) {
  json_t *pending = json_object_get(r->state, "pending");
  if (index_of(pending, c->path) >= 0) return BONES_OK; /* waits for apply */
  if (!bones_apply_path_ok(c->path) || !bones_text_plain(c->path, "") || c->path[0] == ' ') {
    json_array_append_new(r->skipped, json_pack("{s:o, s:s}", "path", bones_utf8_json(c->path), "reason", "unsafe"));
    return BONES_OK;
  }
  int regular = c->new_mode == 0100644 || c->new_mode == 0100755 || c->new_mode == 0;
  if (!regular) {
    json_array_append_new(r->skipped,
                          json_pack("{s:s, s:s}", "path", c->path, "reason", "not a regular file (link or submodule)"));
    return BONES_OK;
  }
  struct blob theirs = {0, NULL, 0}, ours = {0, NULL, 0}, base = {0, NULL, 0}, merged = {0, NULL, 0};
  int rc = git_blob(r->root, c->new_sha, &theirs, err);
  if (rc == BONES_OK) rc = hub_blob(r->repo, r->rh, r->hub, c->path, NULL, &ours, err);
  const char *applied_at = json_string_value(json_object_get(json_object_get(r->state, "applied_paths"), c->path));
  if (rc == BONES_OK)
    rc = applied_at ? hub_blob(r->repo, r->rh, r->hub, c->path, applied_at, &base, err)
                    : git_blob(r->root, c->old_sha, &base, err);
  const struct blob *take = NULL;
  int conflict = 0;
  if (rc == BONES_OK && !blob_same(&ours, &theirs)) {
    if (blob_same(&ours, &base)) take = &theirs;
    else if (ours.present && theirs.present && base.present) {
      rc = merge_blobs(r->tmp, &base, &ours, &theirs, &merged, err);
      if (rc == BONES_OK && merged.present) take = &merged;
      else conflict = 1;
    } else conflict = 1;
  }
  if (rc == BONES_OK && conflict) {
    json_array_append_new(r->conflicts, json_string(c->path));
    json_array_append_new(pending, json_string(c->path));
  }
  if (rc == BONES_OK && take) {
    const char *kind = !take->present ? "D" : ours.present ? "M" : "A";
    json_array_append_new(r->files, json_pack("{s:s, s:s, s:b}", "path", c->path, "change", kind, "merged",
                                              take == &merged));
    if (take->present) {
      char *dst = bones_xasprintf("%s/%s", r->src, c->path);
      rc = write_bytes(dst, take->data, take->len, c->new_mode == 0100755 ? 0755 : 0644, err);
      free(dst);
      json_array_append_new(r->written, json_string(c->path));
    } else {
      json_array_append_new(r->removed, json_string(c->path));
    }
  }
  if (rc == BONES_OK) json_object_del(json_object_get(r->state, "applied_paths"), c->path);
  blob_free(&theirs), blob_free(&ours), blob_free(&base), blob_free(&merged);
  return rc;
}

/* Parses `git diff --raw -z` output and imports each entry. */
static int import_diff(struct import_run *r, char *out, size_t len, struct bones_error *err) {
  int rc = BONES_OK;
  for (size_t i = 0; rc == BONES_OK && i < len;) {
    char *meta = out + i;
    size_t n = strnlen(meta, len - i);
    i += n + 1;
    if (i >= len || meta[0] != ':') break;
    char *path = out + i;
    i += strnlen(path, len - i) + 1;
    struct raw_change c;
    unsigned old_mode = 0;
    char old_sha[BONES_REPO_ID_MAX], new_sha[BONES_REPO_ID_MAX], status = 0;
    if (sscanf(meta, ":%o %o %79s %79s %c", &old_mode, &c.new_mode, old_sha, new_sha, &status) != 5) {
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot read git diff output");
      break;
    }
    snprintf(c.old_sha, sizeof c.old_sha, "%s", old_sha);
    snprintf(c.new_sha, sizeof c.new_sha, "%s", new_sha);
    c.status = status;
    c.path = path;
    if (old_mode != 0100644 && old_mode != 0100755) snprintf(c.old_sha, sizeof c.old_sha, "%s", ZERO_SHA);
    rc = import_path(r, &c, err);
  }
  return rc;
}

/* The commits from..to (or only to when rewritten), oldest first. */
static int list_commits(const char *root, const char *from, const char *to, int rewritten, json_t *commits,
                        struct bones_error *err) {
  char *range = rewritten ? bones_xasprintf("-1") : bones_xasprintf("%s..%s", from, to);
  const char *const args[] = {"log", "-z", "--reverse", "--format=%H%x1f%s", range, rewritten ? to : "--", NULL};
  struct bones_run_result res;
  int rc = git_ok(root, args, &res, err);
  free(range);
  if (rc != BONES_OK) return rc;
  for (size_t i = 0; i < res.out_len;) {
    char *rec = res.out + i;
    i += strnlen(rec, res.out_len - i) + 1;
    char *sep = strchr(rec, '\x1f');
    if (!sep) continue;
    *sep = '\0';
    while (*rec == '\n') rec++;
    json_array_append_new(commits, json_pack("{s:s, s:o}", "sha", rec, "subject", bones_utf8_json(sep + 1)));
  }
  bones_run_result_free(&res);
  return BONES_OK;
}

/* "git import SHORT: SUBJECT (+N earlier commits)". */
static char *import_message(json_t *commits, int rewritten, const char *from) {
  json_t *last = json_array_get(commits, json_array_size(commits) - 1);
  const char *subject = json_string_value(json_object_get(last, "subject"));
  char *clean = bones_xstrdup(subject ? subject : "");
  for (char *p = clean; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';
  if (!bones_text_plain(clean, "")) clean[0] = '\0';
  char *msg;
  if (rewritten)
    msg = bones_xasprintf("git import %.10s: %s (git history rewritten since %.10s: the tree difference)",
                          json_string_value(json_object_get(last, "sha")), clean, from);
  else if (json_array_size(commits) > 1)
    msg = bones_xasprintf("git import %.10s: %s (+%zu earlier commits)",
                          json_string_value(json_object_get(last, "sha")), clean, json_array_size(commits) - 1);
  else
    msg = bones_xasprintf("git import %.10s: %s", json_string_value(json_object_get(last, "sha")), clean);
  free(clean);
  return msg;
}

/* The string array's values (borrowed), for the backend. */
static const char **strings_of(json_t *a) {
  const char **v = bones_xcalloc(json_array_size(a) + 1, sizeof *v);
  size_t i;
  json_t *s;
  json_array_foreach(a, i, s) v[i] = json_string_value(s);
  return v;
}

/* Imports from..head under the lease: diff, decide, commit, record. */
static int import_locked(struct import_run *r, const char *from, const char *head, int rewritten, json_t *result,
                         struct bones_error *err) {
  json_t *commits = json_object_get(result, "commits");
  int rc = list_commits(r->root, from, head, rewritten, commits, err);
  const char *const args[] = {"diff", "--raw", "-z", "--no-renames", "--no-abbrev", from, head, "--", NULL};
  struct bones_run_result res;
  if (rc == BONES_OK) rc = git_ok(r->root, args, &res, err);
  if (rc != BONES_OK) return rc;
  char *tmpl = bones_ws_path(r->root, "gitsync.tmp-XXXXXX");
  if (mkdtemp(tmpl) == NULL) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot make %s: %s", tmpl, strerror(errno));
  r->tmp = tmpl;
  r->src = bones_xasprintf("%s/files", tmpl);
  if (rc == BONES_OK) rc = bones_mkdir_p(r->src, 0700, err);
  if (rc == BONES_OK) rc = import_diff(r, res.out, res.out_len, err);
  bones_run_result_free(&res);
  size_t nw = json_array_size(r->written), nd = json_array_size(r->removed);
  if (rc == BONES_OK && nw + nd > 0) {
    if (!(r->repo->size >= offsetof(struct bones_repo_backend_v1, hub_commit) + sizeof r->repo->hub_commit &&
          r->repo->hub_commit))
      return bones_error_set(err, BONES_E_UNAVAILABLE, "the repo backend %s cannot commit into the hub", r->repo->name);
    char *msg = import_message(commits, rewritten, from);
    const char **w = strings_of(r->written), **d = strings_of(r->removed);
    char id[BONES_REPO_ID_MAX] = "";
    rc = r->repo->hub_commit(r->rh, r->hub, r->src, w, nw, d, nd, IMPORT_USER, msg, id, err);
    if (rc == BONES_E_REFUSED) { /* trunk already held all of it */
      bones_error_clear(err);
      rc = BONES_OK;
    } else if (rc == BONES_OK) {
      json_object_set_new(result, "checkin", json_string(id));
    }
    free(w);
    free(d);
    free(msg);
  }
  if (rc == BONES_OK) {
    json_object_set_new(r->state, "imported", json_string(head));
    rc = state_save(r->root, r->state, err);
  }
  return rc;
}

int bones_gitsync_import(const char *root, const struct bones_repo_backend_v1 *repo, void *repo_handle,
                         json_t **result, struct bones_error *err) {
  *result = NULL;
  char head[BONES_REPO_ID_MAX];
  int rc = bones_workspace_refuse_remote(root, "hub sync", err);
  if (rc == BONES_OK) rc = git_head(root, head, err);
  if (rc != BONES_OK) return rc;
  struct import_run r = {root, repo, repo_handle, bones_ws_path(root, "hub.fossil"), NULL, NULL, state_load(root),
                         json_array(), json_array(), json_array(), json_array(), json_array()};
  if (!bones_path_is_file(r.hub)) {
    rc = bones_error_set(err, BONES_E_NOWORKSPACE, "the workspace has no hub repository yet");
    bones_error_hint(err, "`bones up` or `bones hub start` creates it");
  }
  const char *from = json_string_value(json_object_get(r.state, "imported"));
  if (!from) from = json_string_value(json_object_get(r.state, "seed"));
  json_t *res = json_pack("{s:s?, s:s, s:b, s:b, s:b, s:n, s:[], s:O, s:O, s:O}", "git_from", from, "git_to", head,
                          "up_to_date", 0, "rewritten", 0, "started", 0, "checkin", "commits", "files", r.files,
                          "conflicts", r.conflicts, "skipped", r.skipped);
  char *from_copy = from ? bones_xstrdup(from) : NULL;
  if (rc == BONES_OK && from_copy == NULL) { /* a hub seeded before git sync: follow git from now on */
    json_object_set_new(r.state, "imported", json_string(head));
    rc = state_save(root, r.state, err);
    json_object_set_new(res, "started", json_true());
    json_object_set_new(res, "up_to_date", json_true());
  } else if (rc == BONES_OK && strcmp(from_copy, head) == 0) {
    json_object_set_new(res, "up_to_date", json_true());
  } else if (rc == BONES_OK) {
    char *spec = bones_workspace_config_substrate(root);
    bones_kv *kv = NULL;
    char *shown = NULL;
    uint64_t lease_rev = 0;
    int leased = 0;
    rc = bones_substrate_open(spec ? spec : "sqlite", root, NULL, &kv, &shown, err);
    if (rc == BONES_OK) {
      rc = bones_trunk_lease_take(kv, "git-import", BONES_TRUNK_LEASE_MS, 120000, &lease_rev, err);
      leased = rc == BONES_OK;
    }
    int lock = -1;
    if (rc == BONES_OK) { /* read again under the locks: a concurrent sync may have imported meanwhile */
      lock = state_lock(root);
      json_decref(r.state);
      r.state = state_load(root);
      const char *now = json_string_value(json_object_get(r.state, "imported"));
      if (now && strcmp(now, from_copy) != 0) {
        free(from_copy);
        from_copy = bones_xstrdup(now);
        json_object_set_new(res, "git_from", json_string(now));
      }
    }
    if (rc == BONES_OK && strcmp(from_copy, head) == 0) {
      json_object_set_new(res, "up_to_date", json_true());
    } else if (rc == BONES_OK) {
      const char *const anc[] = {"merge-base", "--is-ancestor", from_copy, head, NULL};
      struct bones_run_result ar;
      rc = git_run(root, anc, &ar, err);
      int rewritten = rc == BONES_OK && ar.status != 0;
      if (rc == BONES_OK) bones_run_result_free(&ar);
      json_object_set_new(res, "rewritten", json_boolean(rewritten));
      if (rc == BONES_OK) rc = import_locked(&r, from_copy, head, rewritten, res, err);
    }
    state_unlock(lock);
    if (leased) {
      struct bones_error rerr;
      bones_trunk_lease_release(kv, lease_rev, &rerr);
    }
    bones_kv_close(kv);
    free(shown);
    free(spec);
  }
  json_object_set(res, "pending", json_object_get(r.state, "pending"));
  if (r.tmp) {
    struct bones_error e2;
    bones_remove_tree(r.tmp, &e2);
  }
  if (rc == BONES_OK) *result = res;
  else json_decref(res);
  free(from_copy);
  free(r.tmp);
  free(r.src);
  free(r.hub);
  json_decref(r.state);
  json_decref(r.files), json_decref(r.conflicts), json_decref(r.skipped), json_decref(r.written),
      json_decref(r.removed);
  return rc;
}
