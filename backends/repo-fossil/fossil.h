/* fossil.h (internal to repo-fossil): running the fossil binary.
 *
 * Every call goes through rf_fossil(): the program is looked up on PATH
 * each time ($BONES_FOSSIL overrides), the environment is the caller's
 * minus anything that would leak the user's fossil settings or a proxy in
 * (HOME, FOSSIL_HOME and XDG_CONFIG_HOME point at the private state dir),
 * stdin is /dev/null (or rf_call's text), and the session's timeout bounds the call. */
#ifndef BONES_REPO_FOSSIL_FOSSIL_H
#define BONES_REPO_FOSSIL_FOSSIL_H

#include <stddef.h>

#include <jansson.h>

#include <bones/repo.h>

#include "run.h"

#define RF_ADMIN_USER "bones" /* admin of the hub; author of the seed check-in */
#define RF_DEFAULT_TIMEOUT_MS 30000

/* A repo session (the void *repo of the vtable). */
struct rf_repo {
  char *state_dir; /* private HOME of fossil */
  int own_state;   /* 1: a temporary dir that close removes */
  int timeout_ms;
};

/* An argument vector under construction (owned copies, NULL-terminated). */
struct rf_argv {
  char **v;
  size_t n, cap;
};

/* Appends the strings up to a NULL to a. */
void rf_av(struct rf_argv *a, ...) __attribute__((sentinel));
/* Appends n strings of list to a. */
void rf_av_list(struct rf_argv *a, const char *const *list, size_t n);
void rf_av_free(struct rf_argv *a);

/* How to run one command. */
struct rf_call {
  const char *cwd;    /* NULL = "/" (outside any check-out) */
  const char *user;   /* FOSSIL_USER for this call, NULL = RF_ADMIN_USER */
  const char *secret; /* redacted ("***") from the output, also %-encoded */
  size_t max_out;     /* stdout cap, 0 = run.h default */
  const char *in;     /* stdin text (NULL: /dev/null), how secrets reach fossil */
};

/* The fossil program to run ($BONES_FOSSIL or "fossil", found on PATH),
 * malloc'd; NULL with err set (BONES_E_UNAVAILABLE, a hint) when absent. */
char *rf_program(struct bones_error *err);

/* The environment of a fossil child (see above) with FOSSIL_USER=user
 * (NULL: the admin user; a clone's own default user still wins, and
 * without it fossil fails when $USER is unset); free with rf_env_free(). */
char **rf_env(const struct rf_repo *f, const char *user);
void rf_env_free(char **env);

/* Runs `fossil args...`.  BONES_OK when fossil ran (any exit status; r is
 * filled, secrets redacted, the caller frees it); BONES_E_UNAVAILABLE when
 * fossil is missing or timed out. */
int rf_fossil(struct rf_repo *f, const struct rf_call *c, const struct rf_argv *args,
              struct rf_run_result *r, struct bones_error *err);

/* rf_fossil, then a non-zero exit becomes an error (BONES_E_INTERNAL,
 * message from the output) and r is freed. */
int rf_fossil_ok(struct rf_repo *f, const struct rf_call *c, const struct rf_argv *args,
                 struct rf_run_result *r, struct bones_error *err);

/* Sets err to code with "fossil <what>: <what fossil said>"; returns code. */
int rf_fail(struct bones_error *err, int code, const char *what, const struct rf_run_result *r);

/* Looks at the output of a command that talks to the hub (clone, pull,
 * push, update, commit): BONES_OK when nothing went wrong, else fills err:
 * BONES_E_UNAVAILABLE (hub unreachable), BONES_E_REFUSED (login or
 * permission refused), BONES_E_INTERNAL (any other error or exit status). */
int rf_sync_check(const char *what, const struct rf_run_result *r, struct bones_error *err);

/* 1 when text (stdout or stderr of r) contains needle. */
int rf_said(const struct rf_run_result *r, const char *needle);

/* Runs one SELECT on repo with `fossil sql --readonly` in JSON mode;
 * *rows is a JSON array of objects (empty when no row), the caller
 * releases it with json_decref. */
int rf_sql_json(struct rf_repo *f, const char *repo, const char *sql, json_t **rows, struct bones_error *err);

/* 'text' with quotes doubled, for SQL; malloc'd. */
char *rf_sql_quote(const char *s);

/* Resolves rev (NULL = "trunk") to the full hash of a check-in in repo:
 * BONES_E_NOTFOUND when there is none, BONES_E_USAGE when ambiguous. */
int rf_resolve(struct rf_repo *f, const char *repo, const char *rev, char id[BONES_REPO_ID_MAX],
               struct bones_error *err);

/* Checks that repo is an existing file: BONES_E_NOTFOUND otherwise. */
int rf_need_repo(const char *repo, struct bones_error *err);

/* path made absolute against the current directory; malloc'd. */
char *rf_abs(const char *path);

/* 1 when rel is a clean relative path (no leading '/', no empty, "." or
 * ".." component). */
int rf_path_ok(const char *rel);

/* Removes path and everything under it (no error when absent). */
int rf_rmtree(const char *path);

/* rf_sql_json run with cwd as fossil's working directory; repo NULL
 * means the repository of the check-out open at cwd. */
int rf_sql_json_at(struct rf_repo *f, const char *cwd, const char *repo, const char *sql, json_t **rows,
                   struct bones_error *err);

/* Runs the SQL script on repo (`fossil sql -R repo`, writable) fed
 * through stdin, so what it holds (a password: pass it as secret, it is
 * redacted from messages) never shows on a command line.  Waits up to
 * 15 s for a busy database; any output on stderr is an error. */
int rf_sql_script(struct rf_repo *f, const char *repo, const char *script, const char *secret,
                  struct bones_error *err);

/* 1 when name is valid UTF-8 without control characters (C0, DEL, C1):
 * a file name fossil and bones' JSON carry faithfully. */
int rf_name_ok(const char *name);

/* 1 when identity is a fossil project code (hub_identity's answer). */
int rf_identity_ok(const char *identity);

/* name with bytes that are not printable UTF-8 written as \xHH (and '\'
 * as "\\"), for messages; malloc'd. */
char *rf_name_escape(const char *name);

/* 1 when text is valid UTF-8 whose only control characters are tab,
 * newline and carriage return (a commit message). */
int rf_text_ok(const char *text);

#endif
