/* bones/repo.h: the repo (version control) contract.
 *
 * The hub is one central repository; every slot has a leaf: a clone plus
 * a worktree.  A backend drives its tool (repo-fossil: the fossil binary,
 * fork+execvp, never a shell) and knows nothing of tasks or slots.
 *
 * Every operation returns BONES_OK or an enum bones_rc and fills err
 * (the tool's stderr goes into the message, bounded; passwords never).
 * BONES_E_UNAVAILABLE: the tool is missing, the hub is unreachable, or a
 * call ran past the session timeout (the tool is killed).  Strings passed
 * to callbacks are borrowed for the duration of the call; a callback
 * returns 0 to go on, non-zero to stop (the operation then returns as if
 * the walk had ended).  One session may be used by one thread at a time;
 * sessions in separate processes may share a state_dir.
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
  const char *state_dir; /* private dir for the tool's HOME/config (.bones/repo),
                            made 0700; NULL = a temporary one */
  int timeout_ms;        /* bound on every tool call; 0 = 30000 */
};

/* Kind of change of a file in a worktree or between two check-ins. */
enum bones_repo_change { BONES_REPO_ADDED = 'A', BONES_REPO_MODIFIED = 'M',
                         BONES_REPO_DELETED = 'D', BONES_REPO_CONFLICT = 'C' };

/* A file path relative to the repository root. */
typedef int (*bones_repo_path_fn)(void *arg, const char *path);
/* A file and its enum bones_repo_change. */
typedef int (*bones_repo_change_fn)(void *arg, int change, const char *path);
/* One timeline entry, newest first. */
typedef int (*bones_repo_checkin_fn)(void *arg, const char *id, const char *user,
                                     const char *when, const char *comment);

/* A pending change of a worktree (enum bones_repo_change, path), as
 * leaf_changes reported it. */
struct bones_repo_pending {
  int change;
  const char *path;
};

/* What leaf_land lands (every string borrowed for the call). */
struct bones_repo_land {
  const char *worktree;
  const char *message;
  const char *user;                         /* NULL: the clone's user */
  const struct bones_repo_pending *pending; /* leaf_changes' report just before (or the part to commit) */
  size_t npending;
  int only_these;                           /* 1: commit only the pending files; 0: every pending change */
  const char *hub_path;                     /* the hub's repository file on this host, or NULL */
  bones_repo_change_fn conflict_fn;         /* each conflicted file ('C', path); may be NULL */
  void *conflict_arg;
};

/* What leaf_land did. */
struct bones_repo_landed {
  char id[BONES_REPO_ID_MAX]; /* the new check-in ("" when none was made) */
  int trunk_leaves;           /* open trunk leaves of the hub after the push (0: not counted, no hub_path) */
  int merged;                 /* 1 when trunk had moved and was merged into the worktree first */
};

/* A slot's changes handed to whoever lands trunk (hub_land); every
 * string borrowed for the call. */
struct bones_repo_hub_land {
  const char *hub_path;                     /* the hub's repository file on this host */
  const char *co_dir;                       /* the lander's own check-out of hub_path: made when
                                               missing, brought to trunk's tip when behind */
  const char *src_dir;                      /* the new contents: src_dir/PATH for each 'A' and 'M' */
  const struct bones_repo_pending *pending; /* 'A', 'M' or 'D' */
  size_t npending;
  const char *base;                         /* the check-in the changes were made against */
  const char *user;
  const char *message;
  bones_repo_change_fn stale_fn;            /* each pending file trunk changed after base; may be NULL */
  void *stale_arg;
};

struct bones_repo_backend_v1 {
  uint32_t abi;  /* BONES_REPO_ABI */
  uint32_t size; /* sizeof(struct bones_repo_backend_v1) */
  const char *name;        /* "fossil" */
  const char *description;
  uint32_t caps;

  /* Starts a session; *repo is released with close().  opts may be NULL
   * (a temporary state dir, removed by close, and the default timeout). */
  int (*open)(const struct bones_repo_options *opts, void **repo,
              struct bones_error *err);
  void (*close)(void *repo);
  /* Checks the tool is installed (BONES_E_UNAVAILABLE with a hint if not);
   * fills version ("2.21") when version is not NULL. */
  int (*probe)(void *repo, char *version, size_t version_len, struct bones_error *err);

  /* Creates hub_path and commits files (paths relative to seed_dir, e.g.
   * from `git ls-files`; directories such as submodules are skipped, a
   * missing file is BONES_E_NOTFOUND) as one check-in on trunk, on top of
   * the tool's empty root check-in.  The hub is built aside and moved in
   * only when complete.  Fails with BONES_E_EXISTS when hub_path exists:
   * a hub is never overwritten. */
  int (*hub_init)(void *repo, const char *hub_path, const char *seed_dir,
                  const char *const *files, size_t nfiles, struct bones_error *err);
  /* Creates user, or sets the password of an existing one, with the rights
   * to clone, pull and push (fossil caps "gio") and nothing else. */
  int (*hub_user)(void *repo, const char *hub_path, const char *user,
                  const char *password, struct bones_error *err);
  /* Starts the hub server on 127.0.0.1:port as a child writing to log_fd
   * (-1: /dev/null) and returns once it answers HTTP (bounded by the
   * timeout; the child is killed on failure).  *pid gets its pid: the
   * caller stops (SIGTERM) and reaps it.  BONES_E_CONFLICT when something
   * already answers on the port. */
  int (*hub_serve)(void *repo, const char *hub_path, int port, int log_fd,
                   pid_t *pid, struct bones_error *err);

  /* Clones hub_url as user (password saved in the clone, never shown in
   * messages) into leaf_path and opens it at worktree, autosync on.
   * BONES_E_EXISTS when leaf_path exists or worktree is not empty;
   * BONES_E_REFUSED when the hub refuses the login; on failure nothing is
   * left behind. */
  int (*leaf_clone)(void *repo, const char *hub_url, const char *user,
                    const char *password, const char *leaf_path,
                    const char *worktree, struct bones_error *err);
  /* Records new and removed files (as commit would), pulls, and updates the
   * worktree to the trunk tip, merging local edits.  Conflicted files
   * (conflict markers, edit vs delete, add vs add) are reported through fn
   * ('C', path; fn may be NULL) and the result is BONES_E_CONFLICT; the
   * worktree is left for the agent to resolve, nothing is discarded.
   * While files still hold conflict markers it only reports them. */
  int (*leaf_sync)(void *repo, const char *worktree, bones_repo_change_fn fn,
                   void *arg, struct bones_error *err);
  /* The worktree's pending changes, sorted by path: 'A' added or new
   * untracked file, 'M' modified, 'D' deleted or removed from disk, 'C'
   * unresolved conflict markers. */
  int (*leaf_changes)(void *repo, const char *worktree, bones_repo_change_fn fn,
                      void *arg, struct bones_error *err);
  /* Commits files (NULL = every pending change; listed files without a
   * change are ignored) as user (NULL: the clone's user) and pushes; id
   * gets the new check-in id.  New files are added and removed ones
   * recorded as deleted.  BONES_E_CONFLICT when trunk moved ("would
   * fork", a concurrent check-in holds the lock) or a selected file has
   * conflict markers: sync and retry.  BONES_E_REFUSED when there is
   * nothing to commit.  BONES_E_UNAVAILABLE when the hub is unreachable
   * (nothing committed) or the call timed out (leaf_changes tells what is
   * still pending).  On BONES_OK the check-in exists in the leaf even if
   * the automatic push failed: leaf_push confirms it reached the hub. */
  int (*leaf_commit)(void *repo, const char *worktree, const char *message,
                     const char *const *files, size_t nfiles, const char *user,
                     char id[BONES_REPO_ID_MAX], struct bones_error *err);
  /* Pushes the leaf's check-ins to the hub. */
  int (*leaf_push)(void *repo, const char *worktree, struct bones_error *err);

  /* Number of open leaves on trunk (1 = linear). repo_path: hub or leaf. */
  int (*trunk_leaves)(void *repo, const char *repo_path, int *count,
                      struct bones_error *err);
  /* The last limit check-ins (<= 0: all), newest first; when is RFC3339
   * UTC with milliseconds. */
  int (*timeline)(void *repo, const char *repo_path, int limit,
                  bones_repo_checkin_fn fn, void *arg, struct bones_error *err);
  /* Content of path at rev (NULL = trunk); *data is malloc'd (NUL added
   * after *len bytes), the caller frees it.  BONES_E_NOTFOUND when rev or
   * the file does not exist. */
  int (*cat)(void *repo, const char *repo_path, const char *path, const char *rev,
             unsigned char **data, size_t *len, struct bones_error *err);
  /* The files of rev (NULL = trunk), sorted. */
  int (*ls)(void *repo, const char *repo_path, const char *rev,
            bones_repo_path_fn fn, void *arg, struct bones_error *err);
  /* Files that differ from check-in from (NULL = the empty tree) to to
   * (NULL = trunk), sorted: 'A', 'M' (content or exec bit), 'D'; a rename
   * is 'D' + 'A'. */
  int (*diff)(void *repo, const char *repo_path, const char *from, const char *to,
              bones_repo_change_fn fn, void *arg, struct bones_error *err);
  /* Writes files (NULL = all; each listed once) of rev (NULL = trunk) under
   * dir, making directories, with mode 0755 for executables and 0644
   * otherwise.  BONES_E_NOTFOUND when a listed file is not in rev. */
  int (*export_files)(void *repo, const char *repo_path, const char *rev,
                      const char *const *files, size_t nfiles, const char *dir,
                      struct bones_error *err);

  /* Optional (NULL, or a backend built before it: callers use leaf_clone).
   * As leaf_clone, but the clone is made from the hub repository file
   * hub_path on this host (a consistent snapshot), and hub_url is only
   * remembered for later syncs: the password never appears on a command
   * line (where every local user can read it). */
  int (*leaf_clone_local)(void *repo, const char *hub_path, const char *hub_url,
                          const char *user, const char *password, const char *leaf_path,
                          const char *worktree, struct bones_error *err);

  /* Optional (NULL, or a backend built before it).  Commits straight onto
   * trunk of the hub file hub_path (a fresh check-out of trunk's tip in the
   * state dir, closed and removed after): each of files is copied from
   * src_dir (regular files; the exec bit kept), each of removed deleted, as
   * one check-in by user with message; id gets it.  BONES_E_REFUSED when
   * nothing changed.  Callers serialize trunk writers (the trunk lease). */
  int (*hub_commit)(void *repo, const char *hub_path, const char *src_dir, const char *const *files,
                    size_t nfiles, const char *const *removed, size_t nremoved, const char *user,
                    const char *message, char id[BONES_REPO_ID_MAX], struct bones_error *err);

  /* Optional (NULL, or a backend built before it: callers run leaf_sync,
   * leaf_commit, leaf_push and trunk_leaves in turn).  For a caller that
   * holds the trunk lease: lands in->pending on trunk with as few tool
   * calls as the backend can.  New files are added and removed ones
   * recorded; when trunk moved since the worktree's last sync it is merged
   * in first (as leaf_sync: conflicts go to conflict_fn, the result is
   * BONES_E_CONFLICT, nothing is committed, the worktree keeps the markers
   * and every edit); then one check-in is made, checked to hold exactly
   * the pending changes, and pushed.  BONES_OK: out->id is on the hub
   * (out->trunk_leaves counted when hub_path is given).  BONES_E_REFUSED:
   * nothing to commit.  BONES_E_UNAVAILABLE with out->id set: the check-in
   * is safe in the leaf but the push failed (leaf_push sends it later);
   * with out->id empty: nothing was committed. */
  int (*leaf_land)(void *repo, const struct bones_repo_land *in, struct bones_repo_landed *out,
                   struct bones_error *err);

  /* Optional (NULL, or a backend built before it: the hub then serves on
   * 127.0.0.1 only).  hub_serve on the IPv4 address addr (a literal such
   * as "10.0.0.1"; "0.0.0.0" for every interface) instead of loopback, for
   * slots on other hosts; the hub still refuses anonymous access. */
  int (*hub_serve_at)(void *repo, const char *hub_path, const char *addr, int port, int log_fd, pid_t *pid,
                      struct bones_error *err);

  /* Optional (NULL, or a backend built before it: slots then need the hub
   * repository's file on their own host).  What a leaf made on a host
   * without the hub's file must know of the hub repository hub_path to
   * sync with it, as a short printable token holding no secret (for
   * fossil: the project code), copied into identity. */
  int (*hub_identity)(void *repo, const char *hub_path, char identity[BONES_REPO_ID_MAX], struct bones_error *err);

  /* Optional (NULL, or a backend built before it).  As leaf_clone, on a
   * host without the hub's file: identity is hub_identity's answer on the
   * hub's host.  The password never appears on a command line.
   * BONES_E_USAGE when identity is malformed. */
  int (*leaf_clone_remote)(void *repo, const char *hub_url, const char *identity, const char *user,
                           const char *password, const char *leaf_path, const char *worktree,
                           struct bones_error *err);

  /* Optional, the three together (NULL, or a backend built before them:
   * every slot lands its own changes with leaf_land).  The check-in open
   * in worktree (what its pending changes are made against) into id. */
  int (*leaf_checkout)(void *repo, const char *worktree, char id[BONES_REPO_ID_MAX], struct bones_error *err);
  /* For a caller that holds the trunk lease: lands another slot's changes
   * (in) on trunk's tip as one check-in by in->user, without that slot's
   * leaf: when none of the pending files changed on trunk after in->base
   * the result is what that slot's own update + commit would make.
   * BONES_OK: out->id is on trunk, out->trunk_leaves counted.
   * BONES_E_CONFLICT: a pending file changed on trunk after base (each
   * named to stale_fn) or base is not on trunk; nothing committed. */
  int (*hub_land)(void *repo, const struct bones_repo_hub_land *in, struct bones_repo_landed *out,
                  struct bones_error *err);
  /* After hub_land put the worktree's changes on trunk, with each landed
   * file holding the content that landed (deleted ones absent): updates
   * the worktree to trunk's tip, pulling first; the landed files end as
   * trunk has them with nothing pending, other pending changes are merged
   * as by leaf_sync (conflicts there go to conflict_fn, the result is
   * BONES_E_CONFLICT).  No file is removed, reverted or rewritten on the
   * way (fossil: the landed files are first committed privately in the
   * leaf, a check-in never synced, so the update finds them at trunk's
   * versions). */
  int (*leaf_catch_up)(void *repo, const char *worktree, const struct bones_repo_pending *landed, size_t n,
                       bones_repo_change_fn conflict_fn, void *conflict_arg, struct bones_error *err);
};

#ifdef __cplusplus
}
#endif
#endif /* BONES_REPO_H */
