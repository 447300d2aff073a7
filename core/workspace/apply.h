/* apply.h: `bones apply`: landing the hub's trunk in the user's git
 * working tree (DESIGN.md §7).
 *
 * The files that differ between the last applied check-in and the trunk
 * tip (adds, modifications, deletions) are written into (or removed from)
 * the git work tree at root and staged (`git add -f`, `git rm --cached`),
 * never committed; the tip's id is then recorded in .bones/applied (one
 * line, atomic write, 0600).  Before anything is applied the baseline is
 * the hub's seed check-in: the oldest check-in whose comment starts
 * "bones: seed" (the seed is not recorded separately: the hub keeps it).
 *
 * Nothing is written when any of these holds (the whole list is reported):
 *  - a path is unsafe: absolute, empty, with a "", "." or ".." component,
 *    any ".git" component, a first ".bones" component, a symlinked parent
 *    directory in the work tree, or a directory where trunk has a file
 *    (BONES_E_REFUSED, reason "unsafe");
 *  - a path has uncommitted git changes: staged, unstaged, untracked or
 *    ignored files (`git status --porcelain --ignored`) (BONES_E_REFUSED,
 *    reason "uncommitted");
 *  - unless force or conflict_markers: a path git changed since the last
 *    apply and trunk changed too does not merge cleanly three ways (base:
 *    the last applied version, ours: git's committed content, theirs:
 *    trunk's tip) (BONES_E_CONFLICT, the paths in "conflicts"); clean
 *    merges are written (listed in "merged").  With conflict_markers the
 *    textual conflicts are written with markers, left unstaged, the tip is
 *    recorded, and the result is still BONES_E_CONFLICT (*result set);
 *  - trunk has more than one leaf (BONES_E_CONFLICT).
 * Concurrent applies are serialized by a non-blocking lock on
 * .bones/apply.lock (BONES_E_CONFLICT). */
#ifndef BONES_APPLY_H
#define BONES_APPLY_H

#include <jansson.h>

#include <bones/error.h>
#include <bones/repo.h>

struct bones_apply_opts {
  int dry_run; /* check and list, write nothing */
  int force;   /* overwrite paths changed in git and on trunk with trunk's
                  version, no merge (never uncommitted ones) */
  int conflict_markers; /* write conflicted merges with markers (still
                           BONES_E_CONFLICT) instead of writing nothing */
};

/* Applies trunk to the work tree at root (the workspace root, also the
 * git top level) reading .bones/hub.fossil through repo.  *result (set on
 * success, and on a refusal or conflict with the paths) is a new object
 * {from, to, up_to_date, dry_run, changes: [{path, change: A|M|D}],
 * refused: [{path, reason}], merged: [path], conflicts: [path]} the
 * caller json_decrefs.  Paths written are noted for the next git import
 * (bones_gitsync_note_applied). */
int bones_apply(const char *root, const struct bones_repo_backend_v1 *repo, void *repo_handle,
                const struct bones_apply_opts *o, json_t **result, struct bones_error *err);

/* 1 when path (relative to the work tree) may be written by apply: see
 * the "unsafe" rule above (lexical part only). */
int bones_apply_path_ok(const char *path);

#endif
