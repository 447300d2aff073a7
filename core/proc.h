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

/* The one descriptor every program this process starts keeps open (-1:
 * none), whatever else a spawner closes: a lock its children must go on
 * holding if this process dies (bones_slot_lock_take).  Set it to -1
 * before closing that descriptor. */
void bones_proc_keep_fd(int fd);
int bones_proc_kept_fd(void);

/* 1 if pid names a live process (zombies count as dead). */
int bones_pid_alive(pid_t pid);

/* Reads a pid file ("PID" or a pid record "PID START"): BONES_OK with
 * *pid, BONES_E_NOTFOUND when absent, BONES_E_CORRUPT when it does not
 * hold a pid.  For liveness only: never signal a pid read this way (use
 * bones_pid_record_read and bones_terminate_recorded). */
int bones_pidfile_read(const char *path, pid_t *pid, struct bones_error *err);

/* Writes pid to path atomically, mode 0600. */
int bones_pidfile_write(const char *path, pid_t pid, struct bones_error *err);

/* SIGTERM to pid (or its process group when group is 1), wait grace_ms,
 * then SIGKILL; returns 1 when it is gone.  Only for pids this process
 * knows are its own (its unreaped children); a recorded pid goes through
 * bones_terminate_recorded. */
int bones_terminate(pid_t pid, int group, int grace_ms);

/* The path of the running executable (malloc'd), from /proc/self/exe. */
char *bones_self_exe(void);

/* ---- pid records: whose pid is it? ----
 *
 * A pid alone does not name a process: after a crash or a reboot it is
 * reused by anything.  Every pid bones may signal later (the hub, the
 * servers it starts) is recorded with the process's start time (clock
 * ticks after boot, /proc/PID/stat field 22), and checked against it and
 * the command line before any signal.  A mismatch is "stale": the record
 * is forgotten, the process is never signalled. */
struct bones_pid_record {
  pid_t pid;
  unsigned long long start; /* 0: unknown (a file written before start times) */
};

/* The start time of pid (field 22 of /proc/PID/stat, read after the last
 * ')'), or 0 when it cannot be read. */
unsigned long long bones_pid_start_time(pid_t pid);

/* The record of the live process pid, as it is now. */
struct bones_pid_record bones_pid_record_of(pid_t pid);

/* Writes r to path as "PID START\n", atomically, mode 0600. */
int bones_pid_record_write(const char *path, const struct bones_pid_record *r, struct bones_error *err);

/* Reads "PID START" (or an old "PID": start 0) from path: BONES_OK,
 * BONES_E_NOTFOUND when absent, BONES_E_CORRUPT when it holds no pid. */
int bones_pid_record_read(const char *path, struct bones_pid_record *r, struct bones_error *err);

/* Parses "PID START" / "PID" at text (up to a newline or NUL); 1 when ok. */
int bones_pid_record_parse(const char *text, struct bones_pid_record *r);

enum bones_pid_state {
  BONES_PID_GONE,  /* no live process has that pid */
  BONES_PID_STALE, /* a live process, but not the recorded one: its start
                      time differs or is unknown, or its command line
                      lacks the marker */
  BONES_PID_OURS   /* the recorded process itself */
};

/* What r names now.  marker: words that must appear, in this order, among
 * the words of the process's command line (split at NULs and spaces; a
 * word also matches by its base name): "hub start", "fossil server",
 * "redis-server".  NULL or "" skips the command-line check. */
enum bones_pid_state bones_pid_check(const struct bones_pid_record *r, const char *marker);

/* 1 when bones_pid_check(r, marker) is BONES_PID_OURS. */
int bones_pid_is_ours(const struct bones_pid_record *r, const char *marker);

/* The only way to signal a recorded process: when r is ours (see
 * bones_pid_check) it is terminated like bones_terminate(r->pid, group,
 * grace_ms) -- its process group only when it still leads one -- and
 * *stopped (may be NULL) is set to whether it is gone.  A stale or gone
 * record is never signalled.  Returns the state found before signalling. */
enum bones_pid_state bones_terminate_recorded(const struct bones_pid_record *r, const char *marker, int group,
                                              int grace_ms, int *stopped);

/* A stable word for a state: "gone", "stale", "ours" (static). */
const char *bones_pid_state_name(enum bones_pid_state s);

/* ---- lineage: what a dead process left running (proc_lineage.c) ----
 *
 * bones_run gives every program it starts BONES_SPAWNED_BY=PID-START (the
 * record of the process that ran it); the program's own children inherit
 * it.  So a survivor can tell whether the programs a dead process started
 * (a fossil push, and the `fossil http` that push runs) still run. */
#define BONES_SPAWNED_BY_ENV "BONES_SPAWNED_BY"

/* Formats "BONES_SPAWNED_BY=PID-START" for r into buf; 1 when it fits. */
int bones_spawned_by_value(const struct bones_pid_record *r, char *buf, size_t len);

/* 1 when a live process other than r itself (and the caller) carries r's
 * BONES_SPAWNED_BY entry: something r started still runs.  A process whose
 * environment cannot be read (another user's) is not counted; when /proc
 * cannot be listed at all the answer is 1 (cannot tell). */
int bones_pid_descendants_alive(const struct bones_pid_record *r);

/* The scope a pid record means something in: this boot of this host and
 * this pid namespace, as "BOOT_ID/pid:[INODE]" into buf (96 bytes are
 * enough).  1 when known; 0 (buf "") when /proc cannot tell. */
int bones_pid_scope(char *buf, size_t len);

#endif
