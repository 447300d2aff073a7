/* leaf.h (internal to repo-fossil): a worktree's pending changes and the
 * fossil calls on a leaf that leaf.c (clone, sync, commit, push) and
 * land.c (the one-call landing) share. */
#ifndef BONES_RF_LEAF_H
#define BONES_RF_LEAF_H

#include <stddef.h>

#include "fossil.h"

enum raw { RAW_OTHER, RAW_EXTRA, RAW_MISSING };

struct chg {
  int kind;     /* enum bones_repo_change */
  enum raw raw; /* how fossil saw it */
  char *path;
};

/* A list of changes; owns its paths (rf_chgs_free). */
struct chgs {
  struct chg *v;
  size_t n, cap;
};

/* Appends (kind, raw, the first len bytes of path) to c. */
void rf_chgs_add(struct chgs *c, int kind, enum raw raw, const char *path, size_t len);
/* Frees c's paths and array; c is empty after. */
void rf_chgs_free(struct chgs *c);
/* Sorts c by path and drops repeated paths (the first kept). */
void rf_chgs_sort_unique(struct chgs *c);
/* Keeps in c only the changes whose path is one of files. */
void rf_select_files(struct chgs *c, const char *const *files, size_t nfiles);
/* Adds to conflicts the files of c with conflict markers. */
void rf_marked(const struct chgs *c, struct chgs *conflicts);
/* Adds to conflicts the paths `fossil update`'s output out reports as
 * conflicts. */
void rf_update_conflicts(const char *out, struct chgs *conflicts);

/* Checks that wt is an open check-out (BONES_E_NOTFOUND otherwise). */
int rf_need_worktree(const char *wt, struct bones_error *err);
/* The worktree's pending changes into out (sorted), extras and missing
 * files included; a name bones cannot carry is BONES_E_USAGE. */
int rf_worktree_changes(struct rf_repo *f, const char *wt, struct chgs *out, struct bones_error *err);
/* Runs `fossil verb -- paths` in wt for the changes of c with raw kind,
 * in batches. */
int rf_record(struct rf_repo *f, const char *wt, const char *verb, const struct chgs *c, enum raw raw,
              struct bones_error *err);
/* Runs a command in wt; any non-zero exit is an error; frees a. */
int rf_wt_run(struct rf_repo *f, const char *wt, struct rf_argv *a, struct bones_error *err);
/* Runs a command that talks to the hub in wt and checks its output
 * (rf_sync_check); frees a. */
int rf_wt_sync(struct rf_repo *f, const char *wt, struct rf_argv *a, struct bones_error *err);
/* One `fossil commit -m message` in wt as user (NULL: the clone's), of
 * c's files when only_these, else of every pending change; id gets the
 * new check-in ("" when none).  BONES_E_CONFLICT when trunk moved ("would
 * fork") or markers remain; rf_commit_failed's mapping otherwise. */
int rf_commit_run(struct rf_repo *f, const char *wt, const char *message, const char *user, const struct chgs *c,
                  int only_these, char id[BONES_REPO_ID_MAX], struct bones_error *err);
/* land.c's helpers, shared with hub_land.c. */
#define LOCKED_TRIES 6 /* a hub busy with other writers (joins adding users, pushes) */
/* a worktree's check-out database still written by an orphaned fossil of
 * a killed commit (its commit and autosync: up to ~3.6 s of pauses) */
#define WORKTREE_LOCKED_TRIES 12
/* 1 when err says a repository database was locked: another process was
 * writing it; another try a little later goes through. */
int rf_db_locked(const struct bones_error *err);
/* Sleeps before try number `tries` (1, 2, ...) after a locked database. */
void rf_locked_pause(int tries);
/* The changes pending as chgs (sorted), with what commit must record
 * first: new files RAW_EXTRA (added), removed ones RAW_MISSING. */
void rf_pending_chgs(const struct bones_repo_pending *pending, size_t n, struct chgs *c);
/* Checks that check-in id (of the repository open at wt) holds every
 * change of c as it was meant (an edit or addition as content, a
 * deletion as one): a commit that left a change out is an error. */
int rf_verify_checkin(struct rf_repo *f, const char *wt, const char *id, const struct chgs *c,
                      struct bones_error *err);
/* `fossil update trunk` in wt (land.c); its autosync pulls first unless
 * pulled (then --nosync).  r gets fossil's report (the caller frees it).
 * A failed pull (the reasons are on stderr) is mapped as for a sync; a
 * hub database that is locked is tried again. */
int rf_update_trunk(struct rf_repo *f, const char *wt, int pulled, struct rf_run_result *r, struct bones_error *err);
/* Calls fn(arg, 'M', path) for each file trunk of repo changed (content,
 * addition, removal or rename) in the check-ins after base up to tip
 * (peek.c); BONES_E_NOTFOUND when base is not an ancestor of tip. */
int rf_peek_changed_since(struct rf_repo *f, const char *repo, const char *base, const char *tip,
                          bones_repo_change_fn fn, void *arg, struct bones_error *err);
/* Sets err for a check-in id that left out missed of total changes
 * (first names one); returns BONES_E_INTERNAL. */
int rf_left_out(const char *id, size_t missed, size_t total, const char *first, struct bones_error *err);
/* Maps a failed `fossil commit` (no New_Version in r) to a result. */
int rf_commit_failed(const struct rf_run_result *r, struct bones_error *err);

/* Direct reads of repository files with SQLite (peek.c; through
 * `fossil sql` when bones is built without SQLite). */

/* The hash of the check-in open in worktree wt into id. */
int rf_peek_checkout(struct rf_repo *f, const char *wt, char id[BONES_REPO_ID_MAX], struct bones_error *err);
/* The hub's open trunk leaves: *count, and the newest one's hash in tip
 * ("" when none). */
int rf_peek_trunk(struct rf_repo *f, const char *repo, int *count, char tip[BONES_REPO_ID_MAX],
                  struct bones_error *err);
/* 1 in *has when check-in id is in repo. */
int rf_peek_has(struct rf_repo *f, const char *repo, const char *id, int *has, struct bones_error *err);
/* For check-in id of the leaf open at wt: calls fn(arg, kind, path) for
 * each file it changed against its parent: 'A'/'M' (new content or
 * permissions) or 'D'. */
int rf_peek_checkin_files(struct rf_repo *f, const char *wt, const char *id, bones_repo_change_fn fn, void *arg,
                          struct bones_error *err);

#endif
