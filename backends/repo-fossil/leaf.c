/* leaf.c: a slot's clone and worktree: clone, sync, changes, commit, push.
 *
 * The worktree's pending state is what fossil calls --differ: edits, adds,
 * deletions, plus new untracked files (extras) and files removed without
 * fossil (missing).  Extras count as added and missing files as deleted:
 * sync and commit record them with `fossil add` / `fossil rm` first, so
 * the merge and the check-in see what the agent did. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fossil.h"
#include "leaf.h"
#include "repo_fossil.h"
#include "util.h"

#define PATH_BATCH 256 /* file names per `fossil add` / `fossil rm` */

void rf_chgs_add(struct chgs *c, int kind, enum raw raw, const char *path, size_t len) {
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 16;
    c->v = bones_xrealloc(c->v, c->cap * sizeof *c->v);
  }
  c->v[c->n++] = (struct chg){kind, raw, bones_xstrndup(path, len)};
}

void rf_chgs_free(struct chgs *c) {
  for (size_t i = 0; i < c->n; i++) free(c->v[i].path);
  free(c->v);
  memset(c, 0, sizeof *c);
}

static int chg_cmp(const void *a, const void *b) {
  return strcmp(((const struct chg *)a)->path, ((const struct chg *)b)->path);
}

/* Sorts c by path and drops repeated paths (the first kept). */
void rf_chgs_sort_unique(struct chgs *c) {
  if (c->n == 0) return;
  qsort(c->v, c->n, sizeof *c->v, chg_cmp);
  size_t k = 1;
  for (size_t i = 1; i < c->n; i++) {
    if (strcmp(c->v[i].path, c->v[k - 1].path) == 0) free(c->v[i].path);
    else c->v[k++] = c->v[i];
  }
  c->n = k;
}

/* Runs a command in worktree; any non-zero exit is an error. */
int rf_wt_run(struct rf_repo *f, const char *wt, struct rf_argv *a, struct bones_error *err) {
  struct rf_call c = {.cwd = wt};
  struct rf_run_result r;
  int rc = rf_fossil_ok(f, &c, a, &r, err);
  if (rc == BONES_OK) rf_run_result_free(&r);
  rf_av_free(a);
  return rc;
}

/* Runs a command that talks to the hub in worktree; checks its output. */
int rf_wt_sync(struct rf_repo *f, const char *wt, struct rf_argv *a, struct bones_error *err) {
  struct rf_call c = {.cwd = wt};
  struct rf_run_result r;
  int rc = rf_fossil(f, &c, a, &r, err);
  if (rc == BONES_OK) {
    rc = rf_sync_check(a->v[0], &r, err);
    rf_run_result_free(&r);
  }
  rf_av_free(a);
  return rc;
}

/* Checks that worktree is an open check-out. */
int rf_need_worktree(const char *wt, struct bones_error *err) {
  if (wt == NULL || *wt == '\0') return bones_error_set(err, BONES_E_USAGE, "no worktree given");
  char *ck = bones_xasprintf("%s/.fslckout", wt);
  int ok = bones_path_is_file(ck);
  free(ck);
  if (!ok) return bones_error_set(err, BONES_E_NOTFOUND, "%s is not an open fossil worktree", wt);
  return BONES_OK;
}

/* Kind of a `fossil changes --classify` token; -1 for lines to skip. */
static int classify(const char *tok, size_t n, enum raw *raw) {
  static const struct {
    const char *tok;
    int kind;
  } map[] = {{"EDITED", 'M'},         {"UPDATED_BY_MERGE", 'M'}, {"UPDATED_BY_INTEGRATE", 'M'},
             {"RENAMED", 'M'},        {"EXECUTABLE", 'M'},       {"SYMLINK", 'M'},
             {"UNEXEC", 'M'},         {"UNLINK", 'M'},           {"ADDED", 'A'},
             {"ADDED_BY_MERGE", 'A'}, {"ADDED_BY_INTEGRATE", 'A'}, {"EXTRA", 'A'},
             {"DELETED", 'D'},        {"MISSING", 'D'},          {"NOT_A_FILE", 'D'},
             {"CONFLICT", 'C'},       {NULL, 0}};
  *raw = n == 5 && strncmp(tok, "EXTRA", 5) == 0     ? RAW_EXTRA
         : n == 7 && strncmp(tok, "MISSING", 7) == 0 ? RAW_MISSING
                                                       : RAW_OTHER;
  for (int i = 0; map[i].tok; i++)
    if (strlen(map[i].tok) == n && strncmp(tok, map[i].tok, n) == 0) return map[i].kind;
  return -1; /* MERGED_WITH, BACKOUT, ... : not a file */
}

/* What find_bad_entry found. */
enum bad_entry { BAD_NONE, BAD_NAME, BAD_LINK };

/* Looks under dir (rel: its path inside the worktree, "" at the top) for
 * an entry whose name rf_name_ok() refuses (or a top-level name starting
 * with a space: fossil's listing eats it), or a symbolic link (fossil,
 * with allow-symlinks off, would commit its target's content, which may
 * lie anywhere); links are never followed.  *bad (malloc'd, relative)
 * names the first hit. */
static enum bad_entry find_bad_entry(const char *dir, const char *rel, char **bad) {
  DIR *d = opendir(dir);
  if (d == NULL) return BAD_NONE;
  enum bad_entry found = BAD_NONE;
  for (struct dirent *e; found == BAD_NONE && (e = readdir(d)) != NULL;) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char *sub = bones_xasprintf("%s%s%s", rel, *rel ? "/" : "", e->d_name);
    char *path = bones_xasprintf("%s/%s", dir, e->d_name);
    struct stat st;
    int have = lstat(path, &st) == 0;
    if (!rf_name_ok(e->d_name) || (*rel == '\0' && e->d_name[0] == ' ')) found = BAD_NAME;
    else if (have && S_ISLNK(st.st_mode)) found = BAD_LINK;
    if (found != BAD_NONE) {
      *bad = sub;
      sub = NULL;
    } else if (have && S_ISDIR(st.st_mode)) {
      found = find_bad_entry(path, sub, bad);
    }
    free(path);
    free(sub); /* a hit below is its own string */
  }
  closedir(d);
  return found;
}

/* BONES_E_USAGE naming (escaped) an entry of the worktree bones cannot
 * carry: a name that is not UTF-8 or holds a control character (such as
 * a newline), or a symbolic link.  Refused rather than silently left out
 * of (or, for a link, its target copied into) a commit. */
static int check_names(const char *wt, struct bones_error *err) {
  char *bad = NULL;
  enum bad_entry what = find_bad_entry(wt, "", &bad);
  if (what == BAD_NONE) return BONES_OK;
  char *shown = rf_name_escape(bad);
  free(bad);
  if (what == BAD_LINK) {
    bones_error_set(err, BONES_E_USAGE, "the worktree has a symbolic link: \"%s\"", shown);
    bones_error_hint(err, "remove it or replace it with a regular file (bones never commits a link, nor copies its "
                          "target into the hub)");
  } else {
    bones_error_set(err, BONES_E_USAGE,
                    "the worktree has a file name that is not valid UTF-8, holds a control character or starts "
                    "with a space: \"%s\"", shown);
    bones_error_hint(err, "rename or remove it (bones carries only UTF-8 names without control characters)");
  }
  free(shown);
  return BONES_E_USAGE;
}

/* The worktree's pending changes, extras and missing files included.
 * Versioned settings (.fossil-settings/ignore-glob, dotfiles) cannot hide
 * a file: every unmanaged file, dot files too, is an extra. */
int rf_worktree_changes(struct rf_repo *f, const char *wt, struct chgs *out, struct bones_error *err) {
  int rc = check_names(wt, err);
  if (rc != BONES_OK) return rc;
  struct rf_argv a = {0};
  rf_av(&a, "changes", "--differ", "--classify", "--no-merge", "--dotfiles", "--ignore", "", NULL);
  struct rf_call c = {.cwd = wt};
  struct rf_run_result r;
  /* `changes` records the files' times in the check-out's database: a
   * fossil of this slot's killed commit may still be writing it */
  for (int tries = 1;; tries++) {
    rc = rf_fossil_ok(f, &c, &a, &r, err);
    if (rc == BONES_OK || !rf_db_locked(err) || tries == WORKTREE_LOCKED_TRIES) break;
    rf_locked_pause(tries);
  }
  rf_av_free(&a);
  if (rc != BONES_OK) return rc;
  for (const char *p = r.out; *p;) {
    size_t n = strcspn(p, "\n");
    size_t t = strcspn(p, " \n");
    const char *path = p + t;
    while (path < p + n && *path == ' ') path++;
    size_t plen = (size_t)(p + n - path);
    while (plen && (path[plen - 1] == '\r')) plen--;
    if (plen > 2 && strncmp(path, "./", 2) == 0) path += 2, plen -= 2;
    enum raw raw;
    int kind = classify(p, t, &raw);
    if (kind > 0 && plen > 0) rf_chgs_add(out, kind, raw, path, plen);
    p += n;
    if (*p == '\n') p++;
  }
  rf_run_result_free(&r);
  rf_chgs_sort_unique(out);
  return BONES_OK;
}

/* Runs `fossil verb -- paths` for the changes of c with raw kind, in
 * batches. */
int rf_record(struct rf_repo *f, const char *wt, const char *verb, const struct chgs *c, enum raw raw,
                  struct bones_error *err) {
  struct rf_argv a = {0};
  size_t batch = 0;
  int rc = BONES_OK;
  for (size_t i = 0; rc == BONES_OK && i < c->n; i++) {
    if (c->v[i].raw != raw) continue;
    /* add: never asks about (and skips) a file ignore-glob matches, nor
     * refuses a name reserved on Windows (aux.c, con) */
    if (batch == 0 && raw == RAW_EXTRA)
      rf_av(&a, verb, "-f", "--dotfiles", "--ignore", "", "--allow-reserved", "--", NULL);
    else if (batch == 0) rf_av(&a, verb, "--", NULL);
    rf_av_list(&a, (const char *const *)&c->v[i].path, 1);
    if (++batch == PATH_BATCH) rc = rf_wt_run(f, wt, &a, err), batch = 0;
  }
  if (rc == BONES_OK && batch) rc = rf_wt_run(f, wt, &a, err);
  rf_av_free(&a);
  return rc;
}

/* hub_url with user:password@ put in (%-encoded); malloc'd. */
static char *url_with_login(const char *hub_url, const char *user, const char *password) {
  const char *rest = strstr(hub_url, "://");
  size_t scheme = rest ? (size_t)(rest - hub_url) + 3 : 0;
  rest = hub_url + scheme;
  const char *at = strchr(rest, '@'), *slash = strchr(rest, '/');
  if (at && (!slash || at < slash)) rest = at + 1;
  char *out = bones_xmalloc(strlen(hub_url) + 3 * (strlen(user) + strlen(password)) + 8), *o = out;
  o += sprintf(o, "%.*s", (int)scheme, hub_url);
  for (int part = 0; part < 2; part++) {
    for (const unsigned char *s = (const unsigned char *)(part ? password : user); *s; s++) {
      if (isalnum(*s) || strchr("-._~", *s)) *o++ = (char)*s;
      else o += sprintf(o, "%%%02X", *s);
    }
    *o++ = part ? '@' : ':';
  }
  strcpy(o, rest);
  return out;
}

/* 0 when dir does not exist, 1 when it is an empty directory, 2 else. */
static int dir_state(const char *dir) {
  if (!bones_path_exists(dir)) return 0;
  DIR *d = opendir(dir);
  if (d == NULL) return 2;
  int state = 1;
  for (struct dirent *e; state == 1 && (e = readdir(d)) != NULL;)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) state = 2;
  closedir(d);
  return state;
}

/* hub_url with user@ put in (%-encoded), no password: what the leaf
 * remembers as its remote; malloc'd. */
static char *url_with_user(const char *hub_url, const char *user) {
  const char *rest = strstr(hub_url, "://");
  size_t scheme = rest ? (size_t)(rest - hub_url) + 3 : 0;
  rest = hub_url + scheme;
  const char *at = strchr(rest, '@'), *slash = strchr(rest, '/');
  if (at && (!slash || at < slash)) rest = at + 1;
  char *out = bones_xmalloc(strlen(hub_url) + 3 * strlen(user) + 4), *o = out;
  o += sprintf(o, "%.*s", (int)scheme, hub_url);
  for (const unsigned char *s = (const unsigned char *)user; *s; s++) {
    if (isalnum(*s) || strchr("-._~", *s)) *o++ = (char)*s;
    else o += sprintf(o, "%%%02X", *s);
  }
  *o++ = '@';
  strcpy(o, rest);
  return out;
}

/* The leaf's settings (repository-wide, as `fossil settings NAME VALUE`
 * in its check-out would store them), as SQL for the scripts that make a
 * leaf: autosync on; dotfiles on (new files starting with '.' count as
 * extras too); mtime-changes off (edits found by hash, so an edit in the
 * same second as the last update with the same size is never missed, nor
 * overwritten by the next update). */
#define LEAF_SETTINGS_SQL                                                                       \
  "REPLACE INTO config(name, value, mtime) VALUES('autosync', 'on', now()), ('dotfiles', 'on', now()), " \
  "('mtime-changes', 'off', now());\n"

/* Pulls into the repository file leaf from its remembered URL with its
 * saved password (secret: kept out of error texts): the hub accepts the
 * login, and what the leaf lacks comes in. */
static int pull_leaf(struct rf_repo *f, const char *leaf, const char *secret, struct bones_error *err) {
  struct rf_argv a = {0};
  struct rf_call c = {.secret = secret};
  struct rf_run_result r;
  char *abs = rf_abs(leaf);
  rf_av(&a, "pull", "-R", abs, NULL);
  free(abs);
  int rc = rf_fossil(f, &c, &a, &r, err);
  rf_av_free(&a);
  if (rc == BONES_OK) {
    rc = rf_sync_check("pull", &r, err);
    rf_run_result_free(&r);
  }
  return rc;
}

/* Makes leaf a clone of the hub file hub_path that syncs with hub_url as
 * user: a consistent snapshot of the hub (SQLite's backup, taken under the
 * hub's locks) cloned as a local file, then the remote URL and the
 * password saved in the leaf by SQL through stdin.  The password never
 * reaches a command line; no other hub user stays in the leaf. */
static int clone_from_file(struct rf_repo *f, const char *hub_path, const char *hub_url, const char *user,
                           const char *password, const char *leaf, struct bones_error *err) {
  char *hub = rf_abs(hub_path);
  char *snap = bones_xasprintf("%s.snap-%ld", leaf, (long)getpid()); /* beside the leaf: a 0700 dir */
  char *qsnap = rf_sql_quote(snap);
  char *dot = bones_xasprintf(".backup %s", qsnap); /* waits for a busy hub like any script */
  int rc = rf_sql_script(f, hub, dot, NULL, err);
  if (rc == BONES_OK && !bones_path_is_file(snap))
    rc = bones_error_set(err, BONES_E_INTERNAL, "fossil sql .backup made no snapshot %s", snap);
  struct rf_argv a = {0};
  struct rf_call c = {.secret = password};
  struct rf_run_result r;
  if (rc == BONES_OK && chmod(snap, 0600) != 0)
    rc = bones_error_set(err, BONES_E_INTERNAL, "chmod %s: %s", snap, strerror(errno));
  if (rc == BONES_OK) {
    rf_av(&a, "clone", "--no-open", "--nested", "-A", user, snap, leaf, NULL);
    rc = rf_fossil_ok(f, &c, &a, &r, err);
    rf_av_free(&a);
    if (rc == BONES_OK) rf_run_result_free(&r);
  }
  if (rc == BONES_OK && chmod(leaf, 0600) != 0) /* it keeps the saved password */
    rc = bones_error_set(err, BONES_E_INTERNAL, "chmod %s: %s", leaf, strerror(errno));
  if (rc == BONES_OK) {
    char *remote = url_with_user(hub_url, user);
    char *qu = rf_sql_quote(user), *qr = rf_sql_quote(remote), *qp = rf_sql_quote(password);
    char *sql = bones_xasprintf(
        "BEGIN;\n"
        "DELETE FROM user WHERE login NOT IN (%s, 'anonymous', 'nobody', 'developer', 'reader');\n"
        "REPLACE INTO config(name, value, mtime) VALUES('last-sync-url', %s, now());\n"
        "REPLACE INTO config(name, value, mtime) VALUES('last-sync-pw', obscure(%s), now());\n"
        "REPLACE INTO config(name, value, mtime) VALUES('server-code', lower(hex(randomblob(20))), now());\n"
        LEAF_SETTINGS_SQL
        "COMMIT;",
        qu, qr, qp);
    rc = rf_sql_script(f, leaf, sql, password, err);
    if (rc == BONES_OK) rc = pull_leaf(f, leaf, password, err); /* anything newer than the snapshot comes in */
    explicit_bzero(qp, strlen(qp));
    explicit_bzero(sql, strlen(sql));
    free(remote);
    free(qu);
    free(qr);
    free(qp);
    free(sql);
  }
  static const char *const sidecars[] = {"", "-journal", "-wal", "-shm"};
  for (size_t i = 0; i < sizeof sidecars / sizeof *sidecars; i++) {
    char *p = bones_xasprintf("%s%s", snap, sidecars[i]);
    unlink(p);
    free(p);
  }
  free(dot);
  free(qsnap);
  free(snap);
  free(hub);
  return rc;
}

/* Makes leaf, on a host without the hub's file, a repository of the
 * hub's project (identity: its project code) that syncs with hub_url as
 * user, then pulls everything: `fossil new` (whose initial check-in is
 * removed before anything else sees it), the project code, the remote URL
 * and the password set by SQL through stdin, then `fossil pull`.  The
 * password never reaches a command line, which `fossil clone` over HTTP
 * would need (fossil asks for a missing one only on a terminal). */
static int make_from_identity(struct rf_repo *f, const char *hub_url, const char *identity, const char *user,
                              const char *password, const char *leaf, struct bones_error *err) {
  struct rf_argv a = {0};
  struct rf_call c = {.secret = password};
  struct rf_run_result r;
  rf_av(&a, "new", "-A", user, leaf, NULL);
  int rc = rf_fossil_ok(f, &c, &a, &r, err);
  rf_av_free(&a);
  if (rc == BONES_OK) rf_run_result_free(&r);
  if (rc == BONES_OK && chmod(leaf, 0600) != 0) /* it keeps the saved password */
    rc = bones_error_set(err, BONES_E_INTERNAL, "chmod %s: %s", leaf, strerror(errno));
  if (rc != BONES_OK) return rc;
  char *remote = url_with_user(hub_url, user);
  char *qu = rf_sql_quote(user), *qr = rf_sql_quote(remote), *qp = rf_sql_quote(password), *qi = rf_sql_quote(identity);
  /* the artifacts of `fossil new` (its initial check-in, a second root
   * trunk would fork on) and everything derived from them go; the rebuild
   * after checks what stays */
  char *sql = bones_xasprintf(
      "BEGIN;\n"
      "DELETE FROM blob; DELETE FROM delta; DELETE FROM rcvfrom; DELETE FROM unclustered; DELETE FROM unsent;\n"
      "DELETE FROM event; DELETE FROM leaf; DELETE FROM plink; DELETE FROM mlink; DELETE FROM tagxref;\n"
      "REPLACE INTO config(name, value, mtime) VALUES('project-code', %s, now());\n"
      "REPLACE INTO config(name, value, mtime) VALUES('default-user', %s, now());\n"
      "REPLACE INTO config(name, value, mtime) VALUES('last-sync-url', %s, now());\n"
      "REPLACE INTO config(name, value, mtime) VALUES('last-sync-pw', obscure(%s), now());\n"
      LEAF_SETTINGS_SQL
      "COMMIT;",
      qi, qu, qr, qp);
  rc = rf_sql_script(f, leaf, sql, password, err);
  char *abs = rf_abs(leaf);
  if (rc == BONES_OK) {
    rf_av(&a, "rebuild", abs, NULL);
    rc = rf_fossil_ok(f, &c, &a, &r, err);
    rf_av_free(&a);
    if (rc == BONES_OK) rf_run_result_free(&r);
  }
  if (rc == BONES_OK) rc = pull_leaf(f, leaf, password, err); /* trunk comes in */
  explicit_bzero(qp, strlen(qp));
  explicit_bzero(sql, strlen(sql));
  free(abs);
  free(remote);
  free(qu);
  free(qr);
  free(qp);
  free(qi);
  free(sql);
  return rc;
}

/* leaf_clone, leaf_clone_local and leaf_clone_remote: from the hub file
 * hub_path when given, else from the hub's identity when given, else with
 * `fossil clone` over HTTP (the password in the URL, on fossil's command
 * line). */
static int leaf_make(struct rf_repo *f, const char *hub_path, const char *identity, const char *hub_url,
                     const char *user, const char *password, const char *leaf_path, const char *worktree,
                     struct bones_error *err) {
  if (!hub_url || !user || !*user || !password || !*password || !leaf_path || !*leaf_path || !worktree || !*worktree)
    return bones_error_set(err, BONES_E_USAGE, "leaf_clone: hub URL, user, password, leaf and worktree are required");
  char *leaf = rf_abs(leaf_path), *wt = rf_abs(worktree);
  int rc = BONES_OK, wt_was = dir_state(wt);
  if (bones_path_exists(leaf)) rc = bones_error_set(err, BONES_E_EXISTS, "leaf %s already exists", leaf);
  else if (wt_was == 2) rc = bones_error_set(err, BONES_E_EXISTS, "worktree %s exists and is not empty", wt);
  for (int i = 0; rc == BONES_OK && i < 2; i++) {
    char *parent = bones_xstrdup(i ? wt : leaf);
    *strrchr(parent, '/') = '\0';
    if (*parent) rc = bones_mkdir_p(parent, 0700, err);
    free(parent);
  }
  if (rc != BONES_OK) goto out;
  struct rf_argv a = {0};
  struct rf_call c = {.secret = password};
  struct rf_run_result r;
  if (hub_path) {
    rc = clone_from_file(f, hub_path, hub_url, user, password, leaf, err);
  } else if (identity) {
    rc = make_from_identity(f, hub_url, identity, user, password, leaf, err);
  } else {
    /* clone without opening (its output then names no files, so file
     * names cannot look like errors), then open without a second pull */
    char *url = url_with_login(hub_url, user, password);
    rf_av(&a, "clone", "--no-open", "--save-http-password", "--nested", url, leaf, NULL);
    rc = rf_fossil(f, &c, &a, &r, err);
    rf_av_free(&a);
    free(url);
    if (rc == BONES_OK) {
      rc = rf_sync_check("clone", &r, err);
      rf_run_result_free(&r);
    }
    if (rc == BONES_OK && chmod(leaf, 0600) != 0) /* it keeps the saved password */
      rc = bones_error_set(err, BONES_E_INTERNAL, "chmod %s: %s", leaf, strerror(errno));
  }
  if (rc == BONES_OK) {
    rf_av(&a, "open", leaf, "--workdir", wt, "--nested", "--nosync", NULL);
    rc = rf_fossil_ok(f, &c, &a, &r, err);
    rf_av_free(&a);
    if (rc == BONES_OK) rf_run_result_free(&r);
  }
  /* a leaf made from the file or the identity got LEAF_SETTINGS_SQL with
   * its other SQL; a `fossil clone` over HTTP sets them here */
  static const char *const settings[][2] = {{"autosync", "on"}, {"dotfiles", "on"}, {"mtime-changes", "off"}};
  for (size_t i = 0; rc == BONES_OK && !hub_path && !identity && i < sizeof settings / sizeof *settings; i++) {
    rf_av(&a, "settings", settings[i][0], settings[i][1], NULL);
    rc = rf_wt_run(f, wt, &a, err);
  }
  if (rc != BONES_OK) { /* leave nothing half made: both were absent (or wt empty) */
    static const char *const sidecars[] = {"", "-journal", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof sidecars / sizeof *sidecars; i++) {
      char *p = bones_xasprintf("%s%s", leaf, sidecars[i]);
      unlink(p);
      free(p);
    }
    rf_rmtree(wt);
    if (wt_was == 1) mkdir(wt, 0755);
  }
out:
  free(leaf);
  free(wt);
  return rc;
}

int rf_leaf_clone(void *repo, const char *hub_url, const char *user, const char *password, const char *leaf_path,
                  const char *worktree, struct bones_error *err) {
  return leaf_make(repo, NULL, NULL, hub_url, user, password, leaf_path, worktree, err);
}

int rf_leaf_clone_local(void *repo, const char *hub_path, const char *hub_url, const char *user, const char *password,
                        const char *leaf_path, const char *worktree, struct bones_error *err) {
  if (hub_path == NULL || *hub_path == '\0') return bones_error_set(err, BONES_E_USAGE, "leaf_clone: no hub path");
  int rc = rf_need_repo(hub_path, err);
  if (rc != BONES_OK) return rc;
  return leaf_make(repo, hub_path, NULL, hub_url, user, password, leaf_path, worktree, err);
}

/* Adds to conflicts the paths `fossil update` reports as conflicts. */
void rf_update_conflicts(const char *out, struct chgs *conflicts) {
  static const struct {
    const char *pre, *post;
  } pats[] = {{"CONFLICT ", " - edited locally but deleted by update"},
              {"CONFLICT ", NULL},
              {"***** Cannot merge binary file ", NULL},
              {"***** Cannot merge symlink ", NULL},
              {"UPDATE ", " - change to unmanaged file"},
              {"ADD ", " - overwrites an unmanaged file"},
              {NULL, NULL}};
  for (const char *p = out; *p;) {
    size_t n = strcspn(p, "\r\n");
    for (int i = 0; pats[i].pre; i++) {
      size_t pl = strlen(pats[i].pre), sl = pats[i].post ? strlen(pats[i].post) : 0;
      if (n <= pl + sl || strncmp(p, pats[i].pre, pl) != 0) continue;
      if (sl && strncmp(p + n - sl, pats[i].post, sl) != 0) continue;
      rf_chgs_add(conflicts, 'C', RAW_OTHER, p + pl, n - pl - sl);
      break;
    }
    if (n > 6 && strncmp(p, "***** ", 6) == 0) { /* "***** N merge conflicts in PATH" */
      const char *in = strstr(p, " merge conflict");
      const char *at = in && in < p + n ? strstr(in, " in ") : NULL;
      if (at && at < p + n) rf_chgs_add(conflicts, 'C', RAW_OTHER, at + 4, (size_t)(p + n - at - 4));
    }
    p += n;
    while (*p == '\r' || *p == '\n') p++;
  }
}

/* Adds the files of c with conflict markers to conflicts. */
void rf_marked(const struct chgs *c, struct chgs *conflicts) {
  for (size_t i = 0; i < c->n; i++)
    if (c->v[i].kind == BONES_REPO_CONFLICT) rf_chgs_add(conflicts, 'C', RAW_OTHER, c->v[i].path, strlen(c->v[i].path));
}

int rf_leaf_sync(void *repo, const char *worktree, bones_repo_change_fn fn, void *arg, struct bones_error *err) {
  struct rf_repo *f = repo;
  int rc = rf_need_worktree(worktree, err);
  if (rc != BONES_OK) return rc;
  struct chgs pending = {0}, conflicts = {0};
  rc = rf_worktree_changes(f, worktree, &pending, err);
  if (rc == BONES_OK) rf_marked(&pending, &conflicts);
  /* unresolved conflicts stop here: merging again would nest markers */
  if (rc == BONES_OK && conflicts.n == 0) {
    rc = rf_record(f, worktree, "add", &pending, RAW_EXTRA, err);
    if (rc == BONES_OK) rc = rf_record(f, worktree, "rm", &pending, RAW_MISSING, err);
    struct rf_argv a = {0};
    if (rc == BONES_OK) {
      rf_av(&a, "pull", NULL);
      rc = rf_wt_sync(f, worktree, &a, err);
    }
    if (rc == BONES_OK) {
      rf_av(&a, "update", "--nosync", "trunk", NULL);
      struct rf_call c = {.cwd = worktree};
      struct rf_run_result r;
      rc = rf_fossil_ok(f, &c, &a, &r, err);
      rf_av_free(&a);
      if (rc == BONES_OK) {
        rf_update_conflicts(r.out, &conflicts);
        rf_run_result_free(&r);
      }
    }
    rf_chgs_free(&pending);
    if (rc == BONES_OK) rc = rf_worktree_changes(f, worktree, &pending, err);
    if (rc == BONES_OK) rf_marked(&pending, &conflicts);
  }
  rf_chgs_sort_unique(&conflicts);
  if (rc == BONES_OK && conflicts.n) {
    for (size_t i = 0; i < conflicts.n; i++)
      if (fn && fn(arg, BONES_REPO_CONFLICT, conflicts.v[i].path) != 0) break;
    rc = bones_error_set(err, BONES_E_CONFLICT, "sync: %zu file%s with merge conflicts (first: %s)", conflicts.n,
                         conflicts.n == 1 ? "" : "s", conflicts.v[0].path);
    bones_error_hint(err, "resolve them in the worktree, then sync or commit again");
  }
  rf_chgs_free(&pending);
  rf_chgs_free(&conflicts);
  return rc;
}

int rf_leaf_changes(void *repo, const char *worktree, bones_repo_change_fn fn, void *arg, struct bones_error *err) {
  struct rf_repo *f = repo;
  int rc = rf_need_worktree(worktree, err);
  if (rc != BONES_OK) return rc;
  struct chgs c = {0};
  rc = rf_worktree_changes(f, worktree, &c, err);
  for (size_t i = 0; rc == BONES_OK && i < c.n; i++)
    if (fn(arg, c.v[i].kind, c.v[i].path) != 0) break;
  rf_chgs_free(&c);
  return rc;
}

/* Keeps in c only the changes whose path is one of files. */
void rf_select_files(struct chgs *c, const char *const *files, size_t nfiles) {
  size_t k = 0;
  for (size_t i = 0; i < c->n; i++) {
    int want = 0;
    for (size_t j = 0; !want && j < nfiles; j++) want = strcmp(c->v[i].path, files[j]) == 0;
    if (want) c->v[k++] = c->v[i];
    else free(c->v[i].path);
  }
  c->n = k;
}

/* Maps a failed `fossil commit` (no New_Version) to a result. */
int rf_commit_failed(const struct rf_run_result *r, struct bones_error *err) {
  if (rf_said(r, "Would fork") || rf_said(r, "Might fork") || rf_said(r, "check-in race") ||
      rf_said(r, "Parent check-in locked")) {
    rf_fail(err, BONES_E_CONFLICT, "commit", r);
    return bones_error_hint(err, "trunk moved: sync (update) and commit again");
  }
  if (rf_said(r, "nothing has changed")) return rf_fail(err, BONES_E_REFUSED, "commit", r);
  if (rf_said(r, "merge conflict")) {
    rf_fail(err, BONES_E_CONFLICT, "commit", r);
    return bones_error_hint(err, "resolve the conflict markers, then commit again");
  }
  int rc = rf_sync_check("commit", r, err);
  return rc != BONES_OK ? rc : rf_fail(err, BONES_E_INTERNAL, "commit", r);
}

int rf_left_out(const char *id, size_t missed, size_t total, const char *first, struct bones_error *err) {
  char *shown = rf_name_escape(first);
  bones_error_set(err, BONES_E_INTERNAL, "commit %.10s left out %zu of %zu change(s) (first: %s)", id, missed, total,
                  shown);
  bones_error_hint(err, "the check-in may be on trunk without them; they stay pending in the worktree (see `fossil "
                        "changes` there): commit again");
  free(shown);
  return BONES_E_INTERNAL;
}

/* Checks that check-in id (in the worktree's leaf) holds every added or
 * edited file of c and none of its deleted ones: a commit that left a
 * change out is an error, never a success. */
static int verify_commit(struct rf_repo *f, const char *wt, const char *id, const struct chgs *c,
                         struct bones_error *err) {
  char *sql = bones_xasprintf("SELECT filename AS f FROM files_of_checkin('%s')", id);
  json_t *rows = NULL;
  int rc = rf_sql_json_at(f, wt, NULL, sql, &rows, err);
  free(sql);
  if (rc != BONES_OK) return bones_error_prefix(err, "commit %.10s made, but it cannot be verified", id);
  size_t missed = 0;
  const char *first = NULL;
  for (size_t i = 0; i < c->n; i++) {
    int present = 0;
    size_t j;
    json_t *row;
    json_array_foreach(rows, j, row) {
      const char *name = json_string_value(json_object_get(row, "f"));
      if (name && strcmp(name, c->v[i].path) == 0) present = 1;
    }
    if (present != (c->v[i].kind != BONES_REPO_DELETED)) {
      if (!first) first = c->v[i].path;
      missed++;
    }
  }
  if (missed) rc = rf_left_out(id, missed, c->n, first, err);
  json_decref(rows);
  return rc;
}

int rf_commit_run(struct rf_repo *f, const char *wt, const char *message, const char *user, const struct chgs *c,
                  int only_these, char id[BONES_REPO_ID_MAX], struct bones_error *err) {
  id[0] = '\0';
  struct rf_argv a = {0};
  rf_av(&a, "commit", "-m", message, "--no-warnings", "--no-prompt", "--nosign", "--ignore-oversize", NULL);
  if (user && *user) rf_av(&a, "--user-override", user, NULL);
  if (only_these) {
    rf_av(&a, "--", NULL);
    for (size_t i = 0; i < c->n; i++) rf_av_list(&a, (const char *const *)&c->v[i].path, 1);
  }
  struct rf_call call = {.cwd = wt};
  struct rf_run_result r;
  int rc = rf_fossil(f, &call, &a, &r, err);
  rf_av_free(&a);
  if (rc != BONES_OK) return rc;
  const char *nv = strstr(r.out, "New_Version: ");
  if (nv) {
    nv += strlen("New_Version: ");
    size_t n = strspn(nv, "0123456789abcdef");
    if (n == 0 || n >= BONES_REPO_ID_MAX) rc = rf_fail(err, BONES_E_INTERNAL, "commit", &r);
    else memcpy(id, nv, n), id[n] = '\0';
  } else {
    rc = rf_commit_failed(&r, err);
  }
  rf_run_result_free(&r);
  return rc;
}

int rf_leaf_commit(void *repo, const char *worktree, const char *message, const char *const *files, size_t nfiles,
                   const char *user, char id[BONES_REPO_ID_MAX], struct bones_error *err) {
  struct rf_repo *f = repo;
  id[0] = '\0';
  int rc = rf_need_worktree(worktree, err);
  if (rc != BONES_OK) return rc;
  if (message == NULL || *message == '\0') return bones_error_set(err, BONES_E_USAGE, "commit: empty message");
  if (!rf_text_ok(message))
    return bones_error_set(err, BONES_E_USAGE,
                           "commit: the message is not valid UTF-8 or holds control characters (tab and newline are fine)");
  for (size_t i = 0; files && i < nfiles; i++)
    if (!rf_path_ok(files[i])) return bones_error_set(err, BONES_E_USAGE, "commit: bad path '%s'", files[i]);
  struct chgs c = {0};
  rc = rf_worktree_changes(f, worktree, &c, err);
  if (rc == BONES_OK && files) rf_select_files(&c, files, nfiles);
  for (size_t i = 0; rc == BONES_OK && i < c.n; i++)
    if (c.v[i].kind == BONES_REPO_CONFLICT) {
      rc = bones_error_set(err, BONES_E_CONFLICT, "commit: unresolved merge conflict in %s", c.v[i].path);
      bones_error_hint(err, "resolve the conflict markers, then commit again");
    }
  if (rc == BONES_OK && c.n == 0) rc = bones_error_set(err, BONES_E_REFUSED, "commit: nothing to commit");
  /* checked before fossil takes the hub's check-in lock, which a failed
   * commit would otherwise hold for lock-timeout */
  if (rc == BONES_OK) rc = rf_record(f, worktree, "add", &c, RAW_EXTRA, err);
  if (rc == BONES_OK) rc = rf_record(f, worktree, "rm", &c, RAW_MISSING, err);
  if (rc != BONES_OK) {
    rf_chgs_free(&c);
    return rc;
  }
  rc = rf_commit_run(f, worktree, message, user, &c, files != NULL, id, err);
  if (rc == BONES_OK) rc = verify_commit(f, worktree, id, &c, err);
  rf_chgs_free(&c);
  if (rc != BONES_OK && rc != BONES_E_UNAVAILABLE) { /* frees a check-in lock the attempt may hold */
    struct bones_error ignored;
    struct rf_argv a = {0};
    rf_av(&a, "pull", NULL);
    rf_wt_sync(f, worktree, &a, &ignored);
  }
  return rc;
}

int rf_leaf_push(void *repo, const char *worktree, struct bones_error *err) {
  struct rf_repo *f = repo;
  int rc = rf_need_worktree(worktree, err);
  if (rc != BONES_OK) return rc;
  struct rf_argv a = {0};
  rf_av(&a, "push", NULL);
  return rf_wt_sync(f, worktree, &a, err);
}

int rf_leaf_clone_remote(void *repo, const char *hub_url, const char *identity, const char *user,
                         const char *password, const char *leaf_path, const char *worktree, struct bones_error *err) {
  if (!rf_identity_ok(identity))
    return bones_error_set(err, BONES_E_USAGE, "leaf_clone: the hub's identity is not a fossil project code");
  return leaf_make(repo, NULL, identity, hub_url, user, password, leaf_path, worktree, err);
}
