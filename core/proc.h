/* proc.h: processes: running a program (fork + execvp, argv only, never a
 * shell), pid files, liveness. */
#ifndef BONES_PROC_H
#define BONES_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include <bones/error.h>

/* What bones_run produced.  out and err are malloc'd, NUL-terminated
 * (possibly empty); free with bones_run_result_free(). */
struct bones_run_result {
  int status;   /* exit status, or 128+signal; -1 when it timed out */
  char *out;
  size_t out_len;
  char *err;
  size_t err_len;
};

/* Runs argv[0] (found on PATH) with argv in dir (NULL = cwd), stdin from
 * /dev/null, env_add ("NAME=value" strings, NULL-terminated, may be NULL)
 * added to the environment.  Captures stdout and stderr (each up to 16 MiB).
 * Kills the child after timeout_ms (0 = 30 s): then BONES_E_UNAVAILABLE.
 * Returns BONES_OK when the program ran (whatever its exit status; look at
 * res->status), BONES_E_UNAVAILABLE when it cannot be run or timed out. */
int bones_run(const char *const *argv, const char *dir, const char *const *env_add, int timeout_ms,
              struct bones_run_result *res, struct bones_error *err);
void bones_run_result_free(struct bones_run_result *res);

/* 1 if pid names a live process (zombies count as dead). */
int bones_pid_alive(pid_t pid);

/* Reads a pid file: BONES_OK with *pid, BONES_E_NOTFOUND when absent,
 * BONES_E_CORRUPT when it does not hold a pid. */
int bones_pidfile_read(const char *path, pid_t *pid, struct bones_error *err);

/* Writes pid to path atomically, mode 0600. */
int bones_pidfile_write(const char *path, pid_t pid, struct bones_error *err);

/* SIGTERM to pid (or its process group when group is 1), wait grace_ms,
 * then SIGKILL; returns 1 when it is gone. */
int bones_terminate(pid_t pid, int group, int grace_ms);

/* The path of the running executable (malloc'd), from /proc/self/exe. */
char *bones_self_exe(void);

#endif
