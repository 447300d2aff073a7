/* proc.c: running programs, pid files, liveness (proc.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

#define RUN_CAPTURE_MAX (16u << 20)

extern char **environ;

struct capture {
  int fd;
  char *buf;
  size_t len, cap;
};

static void capture_read(struct capture *c) {
  if (c->len == c->cap) {
    if (c->cap >= RUN_CAPTURE_MAX) { /* drain and drop */
      char sink[4096];
      ssize_t n = read(c->fd, sink, sizeof sink);
      if (n <= 0) {
        close(c->fd);
        c->fd = -1;
      }
      return;
    }
    c->cap = c->cap ? c->cap * 2 : 4096;
    c->buf = bones_xrealloc(c->buf, c->cap + 1);
  }
  ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    close(c->fd);
    c->fd = -1;
    return;
  }
  c->len += (size_t)n;
}

static int kept_fd = -1;

void bones_proc_keep_fd(int fd) { kept_fd = fd; }
int bones_proc_kept_fd(void) { return kept_fd; }

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int bones_run(const char *const *argv, const char *dir, const char *const *env_add, int timeout_ms,
              struct bones_run_result *res, struct bones_error *err) {
  memset(res, 0, sizeof *res);
  if (timeout_ms <= 0) timeout_ms = 30000;
  int outp[2], errp[2], execp[2];
  if (pipe2(outp, O_CLOEXEC) != 0) return bones_error_set(err, BONES_E_INTERNAL, "pipe: %s", strerror(errno));
  if (pipe2(errp, O_CLOEXEC) != 0) {
    close(outp[0]), close(outp[1]);
    return bones_error_set(err, BONES_E_INTERNAL, "pipe: %s", strerror(errno));
  }
  if (pipe2(execp, O_CLOEXEC) != 0) {
    close(outp[0]), close(outp[1]), close(errp[0]), close(errp[1]);
    return bones_error_set(err, BONES_E_INTERNAL, "pipe: %s", strerror(errno));
  }
  /* every program run carries who ran it (proc_lineage.c) */
  char spawned_by[96];
  struct bones_pid_record self = bones_pid_record_of(getpid());
  int marked = self.start != 0 && bones_spawned_by_value(&self, spawned_by, sizeof spawned_by);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(outp[0]), close(outp[1]), close(errp[0]), close(errp[1]), close(execp[0]), close(execp[1]);
    return bones_error_set(err, BONES_E_INTERNAL, "fork: %s", strerror(e));
  }
  if (pid == 0) {
    setpgid(0, 0); /* its own group, so a timeout kills its children too */
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    dup2(outp[1], 1);
    dup2(errp[1], 2);
    if (dir && chdir(dir) != 0) {
      int e = errno;
      if (write(execp[1], &e, sizeof e) < 0) _exit(126);
      _exit(126);
    }
    if (marked) putenv(spawned_by);
    for (size_t i = 0; env_add && env_add[i]; i++) putenv((char *)env_add[i]);
    execvp(argv[0], (char *const *)argv);
    int e = errno;
    if (write(execp[1], &e, sizeof e) < 0) _exit(127);
    _exit(127);
  }
  close(outp[1]);
  close(errp[1]);
  close(execp[1]);
  int child_errno = 0;
  ssize_t got = read(execp[0], &child_errno, sizeof child_errno);
  close(execp[0]);
  struct capture out = {outp[0], NULL, 0, 0}, errc = {errp[0], NULL, 0, 0};
  int64_t deadline = bones_monotonic_ms() + timeout_ms;
  int timed_out = 0;
  while (out.fd >= 0 || errc.fd >= 0) {
    struct pollfd p[2];
    int n = 0;
    if (out.fd >= 0) p[n++] = (struct pollfd){out.fd, POLLIN, 0};
    if (errc.fd >= 0) p[n++] = (struct pollfd){errc.fd, POLLIN, 0};
    int left = (int)(deadline - bones_monotonic_ms());
    if (left <= 0) {
      timed_out = 1;
      break;
    }
    int r = poll(p, (nfds_t)n, left);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    for (int i = 0; i < n; i++) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (p[i].fd == out.fd) capture_read(&out);
      else capture_read(&errc);
    }
  }
  int status = 0;
  if (timed_out) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  } else {
    /* pipes closed; the child may still be exiting */
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (bones_monotonic_ms() > deadline) {
        timed_out = 1;
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        break;
      }
      sleep_ms(1);
    }
  }
  if (timed_out) waitpid(pid, &status, 0);
  if (out.fd >= 0) close(out.fd);
  if (errc.fd >= 0) close(errc.fd);
  if (out.buf == NULL) out.buf = bones_xmalloc(1);
  if (errc.buf == NULL) errc.buf = bones_xmalloc(1);
  out.buf[out.len] = '\0';
  errc.buf[errc.len] = '\0';
  res->out = out.buf, res->out_len = out.len;
  res->err = errc.buf, res->err_len = errc.len;
  if (got == (ssize_t)sizeof child_errno) {
    res->status = 127;
    return bones_error_set(err, BONES_E_UNAVAILABLE, "cannot run %s%s%s: %s", argv[0], dir ? " in " : "",
                           dir ? dir : "", strerror(child_errno));
  }
  if (timed_out) {
    res->status = -1;
    return bones_error_set(err, BONES_E_UNAVAILABLE, "%s did not finish within %d ms (killed)", argv[0], timeout_ms);
  }
  res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return BONES_OK;
}

void bones_run_result_free(struct bones_run_result *res) {
  if (res == NULL) return;
  free(res->out);
  free(res->err);
  memset(res, 0, sizeof *res);
}

int bones_pid_alive(pid_t pid) {
  if (pid <= 0) return 0;
  if (kill(pid, 0) != 0 && errno != EPERM) return 0;
  /* a zombie is dead: look at /proc/PID/stat's state */
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 1;
  char buf[512];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *rp = strrchr(buf, ')');
  if (rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X')) return 0;
  return 1;
}

int bones_pidfile_read(const char *path, pid_t *pid, struct bones_error *err) {
  struct bones_pid_record r;
  int rc = bones_pid_record_read(path, &r, err);
  if (rc == BONES_OK) *pid = r.pid;
  return rc;
}

int bones_pidfile_write(const char *path, pid_t pid, struct bones_error *err) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%ld\n", (long)pid);
  return bones_write_file_atomic(path, buf, (size_t)n, 0600, err);
}

int bones_terminate(pid_t pid, int group, int grace_ms) {
  if (pid <= 0) return 1;
  pid_t target = group ? -pid : pid;
  if (kill(target, SIGTERM) != 0 && errno == ESRCH) {
    waitpid(pid, NULL, WNOHANG);
    return 1;
  }
  kill(target, SIGCONT); /* a stopped process acts on SIGTERM only once continued */
  int64_t deadline = bones_monotonic_ms() + grace_ms;
  while (bones_monotonic_ms() < deadline) {
    waitpid(pid, NULL, WNOHANG);
    if (!bones_pid_alive(pid) && (!group || kill(target, 0) != 0)) return 1;
    sleep_ms(10);
  }
  kill(target, SIGKILL);
  for (int i = 0; i < 300; i++) {
    waitpid(pid, NULL, WNOHANG);
    if (!bones_pid_alive(pid)) return 1;
    sleep_ms(10);
  }
  return 0;
}

char *bones_self_exe(void) {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return NULL;
  buf[n] = '\0';
  return bones_xstrdup(buf);
}

/* ---- pid records ---- */

unsigned long long bones_pid_start_time(pid_t pid) {
  if (pid <= 0) return 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  char *data = NULL;
  size_t len = 0;
  struct bones_error e;
  if (bones_read_file(path, 4096, &data, &len, &e) != BONES_OK) return 0;
  /* fields after the command name "(...)", which may hold ')' and spaces:
   * field 3 (state) is the first after the last ')', field 22 the 20th */
  unsigned long long start = 0;
  char *p = strrchr(data, ')');
  for (int field = 2; p && field < 22; field++) {
    p = strchr(p + 1, ' ');
    if (p) while (p[1] == ' ') p++;
  }
  if (p) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(p + 1, &end, 10);
    if (errno == 0 && end != p + 1 && (*end == ' ' || *end == '\n' || *end == '\0')) start = v;
  }
  free(data);
  return start;
}

struct bones_pid_record bones_pid_record_of(pid_t pid) {
  struct bones_pid_record r = {pid, bones_pid_start_time(pid)};
  return r;
}

int bones_pid_record_parse(const char *text, struct bones_pid_record *r) {
  r->pid = 0;
  r->start = 0;
  if (text == NULL || !(*text >= '0' && *text <= '9')) return 0;
  char *end = NULL;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || v <= 0 || v >= 1L << 30) return 0;
  unsigned long long start = 0;
  if (*end == ' ') {
    const char *s = end + 1;
    if (!(*s >= '0' && *s <= '9')) return 0;
    errno = 0;
    start = strtoull(s, &end, 10);
    if (errno != 0) return 0;
  }
  if (*end == '\n') end++;
  if (*end != '\0') return 0;
  r->pid = (pid_t)v;
  r->start = start;
  return 1;
}

int bones_pid_record_read(const char *path, struct bones_pid_record *r, struct bones_error *err) {
  r->pid = 0;
  r->start = 0;
  char *data = NULL;
  int rc = bones_read_file(path, 64, &data, NULL, err);
  if (rc != BONES_OK) return rc;
  int ok = bones_pid_record_parse(data, r);
  free(data);
  if (!ok) return bones_error_set(err, BONES_E_CORRUPT, "%s does not hold a process id", path);
  return BONES_OK;
}

int bones_pid_record_write(const char *path, const struct bones_pid_record *r, struct bones_error *err) {
  char buf[64];
  int n = snprintf(buf, sizeof buf, "%ld %llu\n", (long)r->pid, r->start);
  return bones_write_file_atomic(path, buf, (size_t)n, 0600, err);
}

/* 1 when a word of the command line equals w (or its base name does). */
static int word_matches(const char *word, size_t len, const char *w, size_t wlen) {
  if (len == wlen && memcmp(word, w, len) == 0) return 1;
  const char *slash = memrchr(word, '/', len);
  if (slash == NULL) return 0;
  size_t blen = len - (size_t)(slash + 1 - word);
  return blen == wlen && memcmp(slash + 1, w, wlen) == 0;
}

/* 1 when the words of marker appear in order among the words of pid's
 * command line (split at NULs and spaces). */
static int cmdline_has(pid_t pid, const char *marker) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
  char *data = NULL;
  size_t len = 0;
  struct bones_error e;
  if (bones_read_file(path, 1u << 16, &data, &len, &e) != BONES_OK) return 0;
  const char *m = marker;
  size_t i = 0;
  while (*m) {
    while (*m == ' ') m++;
    if (*m == '\0') break;
    size_t mlen = strcspn(m, " ");
    int found = 0;
    while (i < len && !found) {
      while (i < len && (data[i] == '\0' || data[i] == ' ')) i++;
      size_t j = i;
      while (j < len && data[j] != '\0' && data[j] != ' ') j++;
      if (j > i && word_matches(data + i, j - i, m, mlen)) found = 1;
      i = j;
    }
    if (!found) {
      free(data);
      return 0;
    }
    m += mlen;
  }
  free(data);
  return 1;
}

enum bones_pid_state bones_pid_check(const struct bones_pid_record *r, const char *marker) {
  if (r == NULL || r->pid <= 0 || !bones_pid_alive(r->pid)) return BONES_PID_GONE;
  unsigned long long now = bones_pid_start_time(r->pid);
  if (r->start == 0 || now != r->start) return BONES_PID_STALE;
  if (marker && *marker && !cmdline_has(r->pid, marker)) return BONES_PID_STALE;
  /* it may have exited and been replaced since the first look */
  if (bones_pid_start_time(r->pid) != r->start) return BONES_PID_STALE;
  return BONES_PID_OURS;
}

int bones_pid_is_ours(const struct bones_pid_record *r, const char *marker) {
  return bones_pid_check(r, marker) == BONES_PID_OURS;
}

/* A pidfd of pid (it keeps naming that very process, even once the pid
 * is reused), or -1 where the kernel has none. */
static int pidfd_of(pid_t pid) {
#ifdef SYS_pidfd_open
  return (int)syscall(SYS_pidfd_open, pid, 0);
#else
  (void)pid;
  return -1;
#endif
}

static int pidfd_signal(int pfd, int sig) {
#ifdef SYS_pidfd_send_signal
  return (int)syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
#else
  (void)pfd, (void)sig;
  return -1;
#endif
}

/* 1 once the process of pfd has exited (within ms). */
static int pidfd_exited(int pfd, int ms) {
  struct pollfd p = {pfd, POLLIN, 0};
  int64_t deadline = bones_monotonic_ms() + ms;
  for (;;) {
    int left = (int)(deadline - bones_monotonic_ms());
    int r = poll(&p, 1, left > 0 ? left : 0);
    if (r > 0) return 1;
    if (r == 0) return 0;
    if (errno != EINTR) return 0;
  }
}

/* SIGTERM (and SIGCONT), grace_ms, SIGKILL through pfd: the signals can
 * only reach the process the pidfd was opened on. */
static int terminate_pidfd(int pfd, pid_t pid, int grace_ms) {
  if (pidfd_signal(pfd, SIGTERM) != 0) return errno == ESRCH;
  pidfd_signal(pfd, SIGCONT);
  int gone = pidfd_exited(pfd, grace_ms);
  if (!gone && pidfd_signal(pfd, SIGKILL) == 0) gone = pidfd_exited(pfd, 3000);
  waitpid(pid, NULL, WNOHANG); /* reaps it when it is our child */
  return gone;
}

enum bones_pid_state bones_terminate_recorded(const struct bones_pid_record *r, const char *marker, int group,
                                              int grace_ms, int *stopped) {
  if (stopped) *stopped = 0;
  /* the pidfd first: the check below then proves what the pidfd names */
  int pfd = r && r->pid > 0 ? pidfd_of(r->pid) : -1;
  enum bones_pid_state st = bones_pid_check(r, marker);
  if (st != BONES_PID_OURS) {
    if (pfd >= 0) close(pfd);
    if (stopped) *stopped = st == BONES_PID_GONE;
    return st;
  }
  int leads = group && getpgid(r->pid) == r->pid;
  int gone;
  if (pfd >= 0 && !leads) gone = terminate_pidfd(pfd, r->pid, grace_ms);
  else gone = bones_terminate(r->pid, leads, grace_ms); /* a group has no pidfd: checked just now */
  if (pfd >= 0) close(pfd);
  if (stopped) *stopped = gone;
  return st;
}

const char *bones_pid_state_name(enum bones_pid_state s) {
  switch (s) {
  case BONES_PID_GONE: return "gone";
  case BONES_PID_STALE: return "stale";
  case BONES_PID_OURS: return "ours";
  }
  return "?";
}
