/* repo_fossil.h (internal to repo-fossil): the vtable functions, one file
 * per job: hub.c (create, users, serve), leaf.c (clone, sync, changes,
 * commit, push), inspect.c (leaves, timeline, cat, ls, diff, export).
 * Contracts in <bones/repo.h>. */
#ifndef BONES_REPO_FOSSIL_H
#define BONES_REPO_FOSSIL_H

#include <sys/types.h>

#include <bones/repo.h>

int rf_hub_init(void *repo, const char *hub_path, const char *seed_dir, const char *const *files, size_t nfiles,
                struct bones_error *err);
int rf_hub_user(void *repo, const char *hub_path, const char *user, const char *password, struct bones_error *err);
int rf_hub_serve(void *repo, const char *hub_path, int port, int log_fd, pid_t *pid, struct bones_error *err);
int rf_hub_serve_at(void *repo, const char *hub_path, const char *addr, int port, int log_fd, pid_t *pid,
                    struct bones_error *err);

int rf_leaf_clone(void *repo, const char *hub_url, const char *user, const char *password, const char *leaf_path,
                  const char *worktree, struct bones_error *err);
int rf_leaf_sync(void *repo, const char *worktree, bones_repo_change_fn fn, void *arg, struct bones_error *err);
int rf_leaf_changes(void *repo, const char *worktree, bones_repo_change_fn fn, void *arg, struct bones_error *err);
int rf_leaf_commit(void *repo, const char *worktree, const char *message, const char *const *files, size_t nfiles,
                   const char *user, char id[BONES_REPO_ID_MAX], struct bones_error *err);
int rf_leaf_push(void *repo, const char *worktree, struct bones_error *err);

int rf_trunk_leaves(void *repo, const char *repo_path, int *count, struct bones_error *err);
int rf_timeline(void *repo, const char *repo_path, int limit, bones_repo_checkin_fn fn, void *arg,
                struct bones_error *err);
int rf_cat(void *repo, const char *repo_path, const char *path, const char *rev, unsigned char **data, size_t *len,
           struct bones_error *err);
int rf_ls(void *repo, const char *repo_path, const char *rev, bones_repo_path_fn fn, void *arg,
          struct bones_error *err);
int rf_diff(void *repo, const char *repo_path, const char *from, const char *to, bones_repo_change_fn fn, void *arg,
            struct bones_error *err);
int rf_export_files(void *repo, const char *repo_path, const char *rev, const char *const *files, size_t nfiles,
                    const char *dir, struct bones_error *err);
int rf_leaf_clone_local(void *repo, const char *hub_path, const char *hub_url, const char *user, const char *password,
                        const char *leaf_path, const char *worktree, struct bones_error *err);
int rf_hub_commit(void *repo, const char *hub_path, const char *src_dir, const char *const *files, size_t nfiles,
                  const char *const *removed, size_t nremoved, const char *user, const char *message,
                  char id[BONES_REPO_ID_MAX], struct bones_error *err);

int rf_hub_identity(void *repo, const char *hub_path, char identity[BONES_REPO_ID_MAX], struct bones_error *err);
int rf_leaf_clone_remote(void *repo, const char *hub_url, const char *identity, const char *user,
                         const char *password, const char *leaf_path, const char *worktree, struct bones_error *err);

/* Copies the regular file src to dst (parents made), 0755 when src is
 * executable, else 0644, with an old mtime (fossil then hashes it); never
 * follows a link (hub_commit.c). */
int rf_copy_file(const char *src, const char *dst, struct bones_error *err);
int rf_leaf_checkout(void *repo, const char *worktree, char id[BONES_REPO_ID_MAX], struct bones_error *err);
int rf_hub_land(void *repo, const struct bones_repo_hub_land *in, struct bones_repo_landed *out,
                struct bones_error *err);
int rf_leaf_catch_up(void *repo, const char *worktree, const struct bones_repo_pending *landed, size_t n,
                     bones_repo_change_fn conflict_fn, void *conflict_arg, struct bones_error *err);

int rf_leaf_land(void *repo, const struct bones_repo_land *in, struct bones_repo_landed *out, struct bones_error *err);

#endif
