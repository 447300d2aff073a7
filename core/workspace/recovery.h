/* recovery.h: copies of worktrees kept under .bones/recovery/ (issue 12
 * item 4, docs/recovery.md).  A copy is the directory
 * .bones/recovery/<ID>/ holding the worktree's files (moved there, never
 * copied, so nothing is lost on the way) and its metadata next to it,
 * .bones/recovery/.<ID>.json: {schema "bones.recovery/v1", id, slot, task,
 * time, reason (discard | reap | prune), changes: [{path, change}]}.
 * ID = <slot>-<time with ':' as '-'>.  Copies of an older bones have no
 * metadata: slot and time come from the ID (or the directory's mtime). */
#ifndef BONES_RECOVERY_H
#define BONES_RECOVERY_H

#include <jansson.h>

#include <bones/error.h>
#include <bones/repo.h>

/* Moves the worktree wt to a new .bones/recovery/<ID>/ (0700 parent),
 * checks the move (the copy is there, wt is gone) and writes its metadata
 * (changes: the worktree's uncommitted changes, read before the move when
 * repo can tell; may be NULL).  *id (may be NULL) gets the malloc'd ID,
 * *path (may be NULL) the malloc'd directory.  Nothing is removed. */
int bones_recovery_save(const char *root, const char *wt, const char *slot, const char *task, const char *reason,
                        const struct bones_repo_backend_v1 *repo, void *repo_handle, char **id, char **path,
                        struct bones_error *err);

/* Writes the metadata of a copy already at .bones/recovery/<id>/ (best
 * effort: the copy is what matters). */
void bones_recovery_note(const char *root, const char *id, const char *slot, const char *task, const char *reason,
                         json_t *changes);

/* Every copy, oldest first: array of {id, slot, task, time, reason,
 * files, bytes, path}.  *out is the caller's. */
int bones_recovery_list(const char *root, json_t **out, struct bones_error *err);

/* The copy whose ID is given or starts with prefix: its record (as in
 * the list, plus changes) with file_list [{path, bytes}] and skipped
 * (symbolic links, never followed).  BONES_E_NOTFOUND, or BONES_E_USAGE
 * when the prefix names several.  *out is the caller's. */
int bones_recovery_get(const char *root, const char *prefix, json_t **out, struct bones_error *err);

/* Copies the files of copy rec (from bones_recovery_get) into dest (made
 * 0700 when missing).  A file already in dest with other bytes is a
 * conflict (BONES_E_CONFLICT listing them in *result's conflicts,
 * nothing written) unless force, or unless keep_ok says the file is safe
 * to replace (keep_ok(arg, path) == 1: e.g. unchanged in a slot's
 * worktree); identical files are left alone.  Never writes through a
 * symbolic link in dest.  *result: {id, to, written[], same[], replaced[],
 * conflicts[], skipped[]}. */
int bones_recovery_restore(json_t *rec, const char *dest, int force, int (*keep_ok)(void *arg, const char *path),
                           void *arg, json_t **result, struct bones_error *err);

/* Number of copies and their total bytes; *oldest (may be NULL) the
 * time of the oldest (malloc'd, NULL when none). */
int bones_recovery_summary(const char *root, size_t *count, long long *bytes, char **oldest, struct bones_error *err);

#endif
