/* bones/repo.h: the repo (version control) contract.
 *
 * The hub is one central repository; every slot has a leaf: a clone plus
 * a worktree.  A backend drives its tool (repo-fossil: the fossil binary,
 * fork+execvp, never a shell) and knows nothing of tasks or slots.
 *
 * Every operation returns BONES_OK or an enum bones_rc and fills err
 * (the tool's stderr goes into the message).  Strings passed to callbacks
 * are borrowed for the duration of the call.
 */
#ifndef BONES_REPO_H
#define BONES_REPO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bones/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BONES_REPO_ABI 1
#define BONES_REPO_ID_MAX 80 /* a check-in id, NUL included */

/* Options for a repo session. */
struct bones_repo_options {
  const char *state_dir; /* private dir for the tool's HOME/config (.bones/repo) */
  int timeout_ms;        /* bound on every tool call; 0 = 30000 */
};

/* Kind of change of a file in a worktree or between two check-ins. */
enum bones_repo_change { BONES_REPO_ADDED = 'A', BONES_REPO_MODIFIED = 'M',
                         BONES_REPO_DELETED = 'D', BONES_REPO_CONFLICT = 'C' };

typedef int (*bones_repo_path_fn)(void *arg, const char *path);
typedef int (*bones_repo_change_fn)(void *arg, int change, const char *path);
/* One timeline entry, newest first. */
typedef int (*bones_repo_checkin_fn)(void *arg, const char *id, const char *user,
                                     const char *when, const char *comment);

struct bones_repo_backend_v1 {
  uint32_t abi;  /* BONES_REPO_ABI */
  uint32_t size; /* sizeof(struct bones_repo_backend_v1) */
  const char *name;        /* "fossil" */
  const char *description;
  uint32_t caps;

  int (*open)(const struct bones_repo_options *opts, void **repo,
              struct bones_error *err);
  void (*close)(void *repo);
  /* Checks the tool is installed; fills version (may be NULL). */
  int (*probe)(void *repo, char *version, size_t version_len, struct bones_error *err);

  /* Creates hub_path and commits files (paths relative to seed_dir) as one
   * initial check-in.  Fails with BONES_E_EXISTS when hub_path exists. */
  int (*hub_init)(void *repo, const char *hub_path, const char *seed_dir,
                  const char *const *files, size_t nfiles, struct bones_error *err);
  /* Creates or updates user with password and commit rights on the hub. */
  int (*hub_user)(void *repo, const char *hub_path, const char *user,
                  const char *password, struct bones_error *err);
  /* Starts the hub server on 127.0.0.1:port as a child; *pid gets its pid. */
  int (*hub_serve)(void *repo, const char *hub_path, int port, int log_fd,
                   pid_t *pid, struct bones_error *err);

  /* Clones hub_url as user into leaf_path and opens it at worktree. */
  int (*leaf_clone)(void *repo, const char *hub_url, const char *user,
                    const char *password, const char *leaf_path,
                    const char *worktree, struct bones_error *err);
  /* Pulls and updates the worktree, merging local edits; conflicted files
   * are reported through fn and the result is BONES_E_CONFLICT. */
  int (*leaf_sync)(void *repo, const char *worktree, bones_repo_change_fn fn,
                   void *arg, struct bones_error *err);
  /* Added, modified and deleted files of the worktree. */
  int (*leaf_changes)(void *repo, const char *worktree, bones_repo_change_fn fn,
                      void *arg, struct bones_error *err);
  /* Commits files (NULL = every change) as user; id gets the check-in id. */
  int (*leaf_commit)(void *repo, const char *worktree, const char *message,
                     const char *const *files, size_t nfiles, const char *user,
                     char id[BONES_REPO_ID_MAX], struct bones_error *err);
  int (*leaf_push)(void *repo, const char *worktree, struct bones_error *err);

  /* Number of open leaves on trunk (1 = linear). repo_path: hub or leaf. */
  int (*trunk_leaves)(void *repo, const char *repo_path, int *count,
                      struct bones_error *err);
  int (*timeline)(void *repo, const char *repo_path, int limit,
                  bones_repo_checkin_fn fn, void *arg, struct bones_error *err);
  /* Content of path at rev; *data is malloc'd, the caller frees it. */
  int (*cat)(void *repo, const char *repo_path, const char *path, const char *rev,
             unsigned char **data, size_t *len, struct bones_error *err);
  int (*ls)(void *repo, const char *repo_path, const char *rev,
            bones_repo_path_fn fn, void *arg, struct bones_error *err);
  int (*diff)(void *repo, const char *repo_path, const char *from, const char *to,
              bones_repo_change_fn fn, void *arg, struct bones_error *err);
  /* Writes files (NULL = all) of rev under dir. */
  int (*export_files)(void *repo, const char *repo_path, const char *rev,
                      const char *const *files, size_t nfiles, const char *dir,
                      struct bones_error *err);
};

#ifdef __cplusplus
}
#endif
#endif /* BONES_REPO_H */
