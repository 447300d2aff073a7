/* apply_int.h: the parts of `bones apply` shared by apply.c and
 * apply_check.c (not installed). */
#ifndef BONES_APPLY_INT_H
#define BONES_APPLY_INT_H

#include <jansson.h>

#include <bones/error.h>
#include <bones/repo.h>

/* One run: the work tree, the repo backend, the hub repository path. */
struct apply_ctx {
  const char *root;
  const struct bones_repo_backend_v1 *repo;
  void *rh;
  char *hub; /* malloc'd */
};

/* Appends {path, reason: "unsafe", detail} to refused for each change
 * (array of {path, change}) that may not be written under root. */
int apply_check_paths(const char *root, json_t *changes, json_t *refused, struct bones_error *err);

/* Appends {path, reason: "uncommitted", detail: git's XY} for each path
 * under the changes that git reports as changed, untracked or ignored. */
int apply_check_git(const char *root, json_t *changes, json_t *refused, struct bones_error *err);

/* 1 when files a and b are both absent, or regular files with the same
 * bytes (links are never followed). */
int apply_same_content(const char *a, const char *b);

/* For each change whose file in the work tree (git's committed content:
 * the path is clean) is neither the old version (under from_dir) nor the
 * new one (under to_dir), i.e. changed in git and on trunk: merges three
 * ways (base old, ours the work tree, theirs new; git merge-file).  A
 * clean merge replaces the new version under to_dir (path appended to
 * merged); a conflict appends the path to conflicts and, with markers,
 * puts the result with conflict markers under to_dir and sets the
 * change's "conflict" to true.  A conflict that cannot be merged as text
 * (binary, deleted on one side) is never written: with markers its change
 * is dropped from changes (git's version stays). */
int apply_merge(const char *root, const char *from_dir, const char *to_dir, json_t *changes, int markers,
                json_t *merged, json_t *conflicts, struct bones_error *err);

/* Stages the written changes: `git add -f` of the added and modified
 * files, `git rm --cached --ignore-unmatch` of the deleted ones. */
int apply_stage(const char *root, json_t *changes, struct bones_error *err);

#endif
