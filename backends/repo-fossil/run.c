/* run.c: the process runner of repo-fossil (run.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "run.h"
#include "util.h"

extern char **environ;

char *rf_find_program(const char *name) {
  if (name == NULL || *name == '\0') return NULL;
  if (strchr(name, '/')) return access(name, X_OK) == 0 ? bones_xstrdup(name) : NULL;
  const char *path = getenv("PATH");
  if (path == NULL) path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path;;) {
    const char *end = strchr(p, ':');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char *cand = n ? bones_xasprintf("%.*s/%s", (int)n, p, name) : bones_xasprintf("./%s", name);
    struct stat st;
    if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) return cand;
    free(cand);
    if (end == NULL) return NULL;
    p = end + 1;
  }
}

/* Writes a fixed message to fd 2 in the child (async-signal-safe). */
static void child_say(const char *a, const char *b) {
  ssize_t w = write(2, a, strlen(a));
  w = write(2, b, strlen(b));
  w = write(2, "\n", 1);
  (void)w;
}

/* In the child after fork: wires 0/1/2, closes the rest, enters cwd and
 * executes prog.  Only async-signal-safe calls. */
static void child_exec(const char *prog, const char *const *argv, const struct rf_run_opts *o, int in_fd, int out_fd,
                       int err_fd) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, NULL);
  int nul = open("/dev/null", O_RDWR);
  if (nul < 0) _exit(126);
  dup2(in_fd >= 0 ? in_fd : nul, 0);
  dup2(out_fd >= 0 ? out_fd : nul, 1);
  dup2(err_fd >= 0 ? err_fd : nul, 2);
  /* every descriptor but 0-2 closes; a kept one (a slot's commit lock,
   * which fossil must hold on if we are killed) moves to 3 first */
  int keep = bones_proc_kept_fd(), first = 3;
  if (keep >= 3 && (keep == 3 || dup2(keep, 3) == 3)) first = 4;
  long closed = -1;
#ifdef SYS_close_range
  closed = syscall(SYS_close_range, (unsigned)first, ~0U, 0U);
#endif
  if (closed != 0) {
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = first; fd < (max > 0 ? max : 1024); fd++) close((int)fd);
  }
  if (o->cwd && chdir(o->cwd) != 0) {
    child_say("cannot enter directory ", o->cwd);
    _exit(126);
  }
  execve(prog, (char *const *)argv, o->envp ? o->envp : environ);
  child_say("cannot execute ", prog);
  _exit(127);
}

/* A growing buffer with a cap; bytes past the cap are counted, not kept. */
struct buf {
  char *p;
  size_t len, cap, max;
  int over; /* 1 once more than max bytes arrived */
};

static void buf_add(struct buf *b, const char *data, size_t n) {
  if (b->len + n > b->max) {
    b->over = 1;
    n = b->max - b->len;
  }
  if (n == 0) return;
  if (b->len + n + 1 > b->cap) {
    size_t c = b->cap ? b->cap : 4096;
    while (c < b->len + n + 1) c *= 2;
    b->p = bones_xrealloc(b->p, c);
    b->cap = c;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void buf_finish(struct buf *b, char **out, size_t *len) {
  if (b->p == NULL) b->p = bones_xstrdup("");
  *out = b->p;
  *len = b->len;
  b->p = NULL;
}

/* Reads what fd has into b; returns 0 at EOF (fd closed), 1 otherwise. */
static int drain(int fd, struct buf *b) {
  char chunk[16384];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n > 0) {
      buf_add(b, chunk, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 1;
    close(fd);
    return 0;
  }
}

/* Kills and reaps pid. */
static void kill_reap(pid_t pid) {
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
}

/* Waits for pid until deadline; 1 with *status set, 0 on timeout. */
static int reap_until(pid_t pid, int64_t deadline, int *status) {
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return 1;
    if (r < 0 && errno != EINTR) {
      *status = 0;
      return 1;
    }
    if (deadline && bones_monotonic_ms() >= deadline) return 0;
    struct timespec ts = {0, 2 * 1000000L};
    nanosleep(&ts, NULL);
  }
}

/* A pipe holding o->in (written whole, write end closed): *rd gets the
 * read end, -1 when there is no input. */
static int stdin_pipe(const struct rf_run_opts *o, int *rd, struct bones_error *err) {
  *rd = -1;
  if (o->in == NULL) return BONES_OK;
  if (o->in_len > RF_RUN_MAX_IN)
    return bones_error_set(err, BONES_E_INTERNAL, "stdin text of %zu bytes is over %zu", o->in_len, RF_RUN_MAX_IN);
  int ip[2];
  if (pipe2(ip, O_CLOEXEC | O_NONBLOCK) != 0) return bones_error_set(err, BONES_E_INTERNAL, "pipe: %s", strerror(errno));
  size_t done = 0;
  while (done < o->in_len) {
    ssize_t w = write(ip[1], o->in + done, o->in_len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += (size_t)w;
  }
  close(ip[1]);
  if (done < o->in_len) {
    close(ip[0]);
    return bones_error_set(err, BONES_E_INTERNAL, "cannot fill the stdin pipe");
  }
  fcntl(ip[0], F_SETFL, 0); /* the child reads it blocking */
  *rd = ip[0];
  return BONES_OK;
}

int rf_run(const char *prog, const char *const *argv, const struct rf_run_opts *o, struct rf_run_result *r,
           struct bones_error *err) {
  memset(r, 0, sizeof *r);
  int op[2], ep[2], in_fd = -1;
  if (stdin_pipe(o, &in_fd, err) != BONES_OK) return err->code;
  if (pipe2(op, O_CLOEXEC) != 0) {
    int e = errno;
    if (in_fd >= 0) close(in_fd);
    return bones_error_set(err, BONES_E_INTERNAL, "pipe: %s", strerror(e));
  }
  if (pipe2(ep, O_CLOEXEC) != 0) {
    int e = errno;
    close(op[0]), close(op[1]);
    if (in_fd >= 0) close(in_fd);
    return bones_error_set(err, BONES_E_INTERNAL, "pipe: %s", strerror(e));
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(op[0]), close(op[1]), close(ep[0]), close(ep[1]);
    if (in_fd >= 0) close(in_fd);
    return bones_error_set(err, BONES_E_INTERNAL, "fork: %s", strerror(e));
  }
  if (pid == 0) child_exec(prog, argv, o, in_fd, op[1], ep[1]);
  if (in_fd >= 0) close(in_fd);
  close(op[1]);
  close(ep[1]);
  fcntl(op[0], F_SETFL, O_NONBLOCK);
  fcntl(ep[0], F_SETFL, O_NONBLOCK);
  struct buf out = {.max = o->max_out ? o->max_out : RF_RUN_MAX_OUT_DEFAULT};
  struct buf er = {.max = o->max_err ? o->max_err : RF_RUN_MAX_ERR_DEFAULT};
  int64_t deadline = o->timeout_ms > 0 ? bones_monotonic_ms() + o->timeout_ms : 0;
  int open_out = 1, open_err = 1, rc = BONES_OK;
  while (open_out || open_err) {
    struct pollfd p[2];
    int n = 0;
    if (open_out) p[n++] = (struct pollfd){op[0], POLLIN, 0};
    if (open_err) p[n++] = (struct pollfd){ep[0], POLLIN, 0};
    int wait_ms = -1;
    if (deadline) {
      int64_t left = deadline - bones_monotonic_ms();
      if (left <= 0) {
        rc = BONES_E_UNAVAILABLE;
        break;
      }
      wait_ms = (int)left;
    }
    int k = poll(p, (nfds_t)n, wait_ms);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      rc = bones_error_set(err, BONES_E_INTERNAL, "poll: %s", strerror(errno));
      break;
    }
    for (int i = 0; i < n; i++) {
      if (p[i].revents == 0) continue;
      if (p[i].fd == op[0]) open_out = drain(op[0], &out);
      else open_err = drain(ep[0], &er);
    }
    if (out.over) {
      rc = BONES_E_TOOLARGE;
      break;
    }
  }
  if (open_out) close(op[0]);
  if (open_err) close(ep[0]);
  int status = 0;
  if (rc == BONES_OK && !reap_until(pid, deadline, &status)) rc = BONES_E_UNAVAILABLE;
  if (rc != BONES_OK) {
    kill_reap(pid);
    free(out.p);
    free(er.p);
    if (rc == BONES_E_UNAVAILABLE)
      return bones_error_set(err, rc, "%s timed out after %d ms (killed)", argv[0], o->timeout_ms);
    if (rc == BONES_E_TOOLARGE)
      return bones_error_set(err, rc, "%s printed more than %zu bytes (killed)", argv[0], out.max);
    return rc;
  }
  r->status = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
  buf_finish(&out, &r->out, &r->out_len);
  buf_finish(&er, &r->err, &r->err_len);
  return BONES_OK;
}

void rf_run_result_free(struct rf_run_result *r) {
  if (r == NULL) return;
  free(r->out);
  free(r->err);
  memset(r, 0, sizeof *r);
}

int rf_spawn(const char *prog, const char *const *argv, const struct rf_run_opts *o, int out_fd, pid_t *pid,
             struct bones_error *err) {
  pid_t p = fork();
  if (p < 0) return bones_error_set(err, BONES_E_INTERNAL, "fork: %s", strerror(errno));
  if (p == 0) child_exec(prog, argv, o, -1, out_fd, out_fd);
  *pid = p;
  return BONES_OK;
}
