/* proc.c: running programs, pid files, liveness (proc.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
  char *data = NULL;
  int rc = bones_read_file(path, 64, &data, NULL, err);
  if (rc != BONES_OK) return rc;
  char *end = NULL;
  long v = strtol(data, &end, 10);
  int ok = end != data && v > 0 && v < 1L << 30 && (*end == '\0' || *end == '\n');
  free(data);
  if (!ok) return bones_error_set(err, BONES_E_CORRUPT, "%s does not hold a process id", path);
  *pid = (pid_t)v;
  return BONES_OK;
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
