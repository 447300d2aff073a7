/* doctor.h: what `bones doctor` finds: a list of checks, each ok, warn,
 * fail or fixed, with a detail line and a hint for the next step; and the
 * audit of the modes of a workspace's state files (.bones/ 0700, its
 * files 0600). */
#ifndef BONES_DOCTOR_H
#define BONES_DOCTOR_H

#include <stddef.h>

#include <bones/error.h>

enum bones_check_status {
  BONES_CHECK_OK,    /* nothing wrong */
  BONES_CHECK_WARN,  /* wrong, but nothing is lost or blocked yet */
  BONES_CHECK_FAIL,  /* wrong, and something does not work */
  BONES_CHECK_FIXED  /* was wrong, --fix repaired it */
};

struct bones_check {
  char *workspace; /* the workspace it concerns, or NULL (global) */
  char *name;      /* "hub.pid" */
  enum bones_check_status status;
  char *detail;    /* one line */
  char *fix_hint;  /* what to do, or NULL */
};

struct bones_doctor_report {
  struct bones_check *checks;
  size_t n;
};

/* Appends a check (strings are copied; workspace and fix_hint may be
 * NULL) with a printf-style detail. */
void bones_doctor_add(struct bones_doctor_report *r, const char *workspace, const char *name,
                      enum bones_check_status status, const char *fix_hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Number of checks still warn or fail (fixed ones do not count). */
size_t bones_doctor_problems(const struct bones_doctor_report *r);

/* "ok", "warn", "fail", "fixed" (static). */
const char *bones_check_status_name(enum bones_check_status s);

/* Frees every check; r is empty afterwards. */
void bones_doctor_report_clear(struct bones_doctor_report *r);

/* One state path whose mode is too open. */
struct bones_mode_issue {
  char *path;    /* absolute */
  unsigned mode; /* what it was (permission bits) */
  unsigned want; /* 0700 or 0600 */
  int fixed;     /* chmod done */
};

/* Audits <root>/.bones itself (0700), its direct entries (directories
 * 0700, files 0600: no group or other bits), and the slot dirs under
 * swarm/ with their files (worktrees wt/ are the agent's files and are
 * left alone).  Symbolic links are skipped.  With fix, strips the group
 * and other bits (chmod) and marks the issue fixed.  *out is malloc'd;
 * free with bones_mode_issues_free(). */
int bones_state_modes(const char *root, int fix, struct bones_mode_issue **out, size_t *n,
                      struct bones_error *err);
void bones_mode_issues_free(struct bones_mode_issue *v, size_t n);

#endif /* BONES_DOCTOR_H */
