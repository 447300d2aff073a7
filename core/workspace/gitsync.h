/* gitsync.h: git and the hub stay in step (docs/git-sync.md).
 *
 * Commits made in git after the hub's seed (or after the last import) are
 * imported onto trunk as ONE check-in per sync, by user "git", comment
 * "git import SHORT: SUBJECT" (plus "(+N earlier commits)").  Only
 * committed content (git HEAD) is read, never the work tree.  The state
 * lives in .bones/git-sync.json (0600, atomic):
 *   {seed, imported, pending: [path], applied_paths: {path: checkin}}
 * seed: git HEAD when the hub was seeded; imported: the last git commit
 * imported; pending: paths whose import conflicted with trunk (left to
 * `bones apply`, which merges them into git); applied_paths: paths apply
 * wrote into git and the check-in it wrote them from (the merge base of
 * their next import).  Per path changed in git, with base = trunk's
 * content at applied_paths[path] when listed, else git's at `imported`:
 * trunk already equal to git: nothing; trunk equal to base: git's
 * version; else a three-way merge (git merge-file): clean = merged, a
 * conflict leaves trunk alone and the path pending. */
#ifndef BONES_GITSYNC_H
#define BONES_GITSYNC_H

#include <jansson.h>

#include <bones/error.h>
#include <bones/repo.h>

/* Imports git HEAD onto trunk of root's hub (.bones/hub.fossil) under the
 * trunk lease.  *result (set on BONES_OK; the caller json_decrefs):
 * {up_to_date, git_from, git_to, rewritten, checkin, commits: [{sha,
 * subject}], files: [{path, change}], conflicts: [path], pending: [path],
 * skipped: [{path, reason}], started}.  BONES_E_REFUSED when root is not
 * a git work tree or HEAD has no commit; BONES_E_NOWORKSPACE without hub. */
int bones_gitsync_import(const char *root, const struct bones_repo_backend_v1 *repo, void *repo_handle,
                         json_t **result, struct bones_error *err);

/* Records git HEAD as the hub's seed (and as imported): called once the
 * hub is seeded.  Silent when root has no commit. */
int bones_gitsync_record_seed(const char *root, struct bones_error *err);

/* Called by apply after it wrote paths (array of strings) into git from
 * trunk check-in checkin: they leave pending and become applied_paths. */
int bones_gitsync_note_applied(const char *root, const char *checkin, json_t *paths, struct bones_error *err);

/* Runs `git merge-file -p OURS BASE THEIRS` (files); *out gets the result
 * (malloc'd, the caller frees), *conflicts the number of conflicts (0 =
 * clean; -1 = git could not merge, e.g. a binary file: *out NULL). */
int bones_git_merge3(const char *ours, const char *base, const char *theirs, char **out, size_t *len, int *conflicts,
                     struct bones_error *err);

#endif
