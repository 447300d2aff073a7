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

/* Appends {path, reason: "diverged"} for each change whose file in the
 * work tree is neither the old version (under from_dir; absent for 'A')
 * nor the new one (under to_dir; absent for 'D'). */
int apply_check_diverged(const char *root, const char *from_dir, const char *to_dir, json_t *changes,
                         json_t *refused, struct bones_error *err);

/* Stages the written changes: `git add -f` of the added and modified
 * files, `git rm --cached --ignore-unmatch` of the deleted ones. */
int apply_stage(const char *root, json_t *changes, struct bones_error *err);

#endif
