/* run.h (internal to repo-fossil): a small process runner.
 *
 * Runs a program with fork + execve of an argument vector (never a shell),
 * stdin from /dev/null (or a short text given in the options), every other descriptor closed, stdout and stderr
 * captured through pipes, and every call bounded by a timeout (the child
 * is killed with SIGKILL and reaped when it runs out).  Knows nothing of
 * fossil. */
#ifndef BONES_REPO_FOSSIL_RUN_H
#define BONES_REPO_FOSSIL_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include <bones/error.h>

#define RF_RUN_MAX_OUT_DEFAULT ((size_t)16 << 20) /* 16 MiB of stdout */
#define RF_RUN_MAX_ERR_DEFAULT ((size_t)64 << 10) /* 64 KiB of stderr kept */

struct rf_run_opts {
  const char *cwd;   /* working directory of the child; NULL = ours */
  char *const *envp; /* the child's whole environment; NULL = ours */
  int timeout_ms;    /* > 0: kill the child after this long */
  size_t max_out;    /* cap on stdout (0 = default); more is BONES_E_TOOLARGE */
  size_t max_err;    /* stderr kept (0 = default); the rest is read and dropped */
  const char *in;    /* rf_run: the child's stdin (NULL: /dev/null), at most
                      * RF_RUN_MAX_IN bytes: it never shows on a command line */
  size_t in_len;
};

#define RF_RUN_MAX_IN ((size_t)4096) /* fits a pipe's buffer on every Linux */

struct rf_run_result {
  int status;     /* exit status, or 128 + signal number */
  char *out;      /* stdout, NUL-terminated, malloc'd */
  size_t out_len;
  char *err;      /* stderr (at most max_err bytes), NUL-terminated, malloc'd */
  size_t err_len;
};

/* The absolute path of program name: name itself when it holds a '/',
 * else the first executable match on $PATH.  malloc'd (the caller frees),
 * or NULL when there is none. */
char *rf_find_program(const char *name);

/* Runs prog (an absolute path from rf_find_program) with argv and waits.
 * BONES_OK when it ran to the end, whatever its exit status (see
 * r->status); BONES_E_UNAVAILABLE when it timed out (killed),
 * BONES_E_TOOLARGE when stdout passed max_out (killed), BONES_E_INTERNAL
 * when a pipe or fork failed.  On BONES_OK the caller frees r with
 * rf_run_result_free(); otherwise r is left empty.  The caller must not
 * reap children behind our back (waitpid(-1) in a SIGCHLD handler): a
 * child reaped elsewhere reads as status 0. */
int rf_run(const char *prog, const char *const *argv, const struct rf_run_opts *o,
           struct rf_run_result *r, struct bones_error *err);

/* Frees the buffers of r (r itself is the caller's) and empties it. */
void rf_run_result_free(struct rf_run_result *r);

/* Starts prog with argv in the background: stdin from /dev/null, stdout
 * and stderr to out_fd (-1: /dev/null), o->cwd and o->envp as above (the
 * timeout is not used).  *pid gets the child, which the caller reaps. */
int rf_spawn(const char *prog, const char *const *argv, const struct rf_run_opts *o, int out_fd,
             pid_t *pid, struct bones_error *err);

#endif
