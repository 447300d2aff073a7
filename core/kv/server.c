/* server.c: managed nats-server / redis-server processes (server.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "durability.h"
#include "server.h"
#include "util.h"

int bones_server_kind_parse(const char *name, enum bones_server_kind *kind, struct bones_error *err) {
  if (name && strcmp(name, "nats") == 0) *kind = BONES_SERVER_NATS;
  else if (name && strcmp(name, "redis") == 0) *kind = BONES_SERVER_REDIS;
  else return bones_error_set(err, BONES_E_USAGE, "no managed server kind '%s' (nats or redis)", name ? name : "");
  return BONES_OK;
}

int bones_port_free(int port) { return bones_port_free_at("127.0.0.1", port); }

int bones_port_free_at(const char *addr, int port) {
  struct in_addr ia;
  if (port <= 0 || port > 65535 || addr == NULL || inet_pton(AF_INET, addr, &ia) != 1) return 0;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = ia};
  int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

int bones_free_port(int *port, struct bones_error *err) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return bones_error_set(err, BONES_E_INTERNAL, "socket: %s", strerror(errno));
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    int e = errno;
    close(fd);
    return bones_error_set(err, BONES_E_INTERNAL, "cannot find a free port: %s", strerror(e));
  }
  *port = ntohs(a.sin_port);
  close(fd);
  return BONES_OK;
}

/* Connects to 127.0.0.1:port and checks the greeting: nats sends "INFO ",
 * redis answers PING with "+PONG".  Bounded by timeout_ms. */
int bones_server_answers(enum bones_server_kind kind, int port, int timeout_ms) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return 0;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int ok = 0;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) goto out;
  struct pollfd p = {fd, POLLOUT, 0};
  if (poll(&p, 1, timeout_ms) != 1 || (p.revents & (POLLERR | POLLHUP))) goto out;
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) goto out;
  const char *want = kind == BONES_SERVER_NATS ? "INFO " : "+PONG";
  const char *want2 = kind == BONES_SERVER_NATS ? "INFO " : "-NOAU"; /* redis with a password */
  if (kind == BONES_SERVER_REDIS && write(fd, "PING\r\n", 6) != 6) goto out;
  char buf[64];
  size_t got = 0;
  int64_t deadline = bones_monotonic_ms() + timeout_ms;
  while (got < 5) {
    int left = (int)(deadline - bones_monotonic_ms());
    if (left <= 0) break;
    p.events = POLLIN;
    if (poll(&p, 1, left) != 1) break;
    ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  ok = got >= 5 && (memcmp(buf, want, 5) == 0 || memcmp(buf, want2, 5) == 0);
out:
  close(fd);
  return ok;
}

const char *bones_server_program(enum bones_server_kind kind) {
  const char *env = getenv(kind == BONES_SERVER_NATS ? "BONES_NATS_SERVER" : "BONES_REDIS_SERVER");
  if (env && *env) return env;
  return kind == BONES_SERVER_NATS ? "nats-server" : "redis-server";
}

/* Fills argv for kind; strings point into port_s/dir. */
static void build_argv(enum bones_server_kind kind, const char *prog, const char *port_s, const char *dir,
                       const char *conf, int durable, const char *argv[24]) {
  int i = 0;
  argv[i++] = prog;
  if (kind == BONES_SERVER_NATS) {
    argv[i++] = "-c";
    argv[i++] = conf;
    argv[i++] = "-a";
    argv[i++] = "127.0.0.1";
    argv[i++] = "-p";
    argv[i++] = port_s;
    argv[i++] = "-js";
    argv[i++] = "-sd";
    argv[i++] = dir;
  } else {
    if (conf) argv[i++] = conf; /* the config file comes first */
    argv[i++] = "--bind";
    argv[i++] = "127.0.0.1";
    argv[i++] = "--port";
    argv[i++] = port_s;
    argv[i++] = "--dir";
    argv[i++] = dir;
    argv[i++] = "--appendonly";
    argv[i++] = "yes";
    argv[i++] = "--appendfsync";
    argv[i++] = durable ? "always" : "everysec";
    argv[i++] = "--save";
    argv[i++] = "";
    argv[i++] = "--daemonize";
    argv[i++] = "no";
    argv[i++] = "--protected-mode";
    argv[i++] = "yes";
  }
  argv[i] = NULL;
}

int bones_server_start(enum bones_server_kind kind, const char *data_dir, const char *log_path, int port, int wait_ms,
                       struct bones_server *out, struct bones_error *err) {
  return bones_server_start_with(kind, data_dir, log_path, port, wait_ms, NULL, out, err);
}

/* Writes the 0600 config file of kind under data_dir; *conf (malloc'd) is
 * its path, or NULL when kind needs none (redis without a secret). */
static int write_config(enum bones_server_kind kind, const char *data_dir, const char *secret, int nats_sync,
                        char **conf, struct bones_error *err) {
  *conf = NULL;
  char *text = NULL;
  if (kind == BONES_SERVER_NATS) {
    /* nats-server 2.9 takes max_payload only from a config file: the
     * default 1 MiB (headers included) cannot hold a 1 MiB value */
    text = bones_xasprintf("# written by bones: room for 1 MiB values plus headers\nmax_payload: 2MB\n%s%s%s%s",
                           nats_sync ? "# durable: fsync every write\njetstream {\n  sync_interval: always\n}\n" : "",
                           secret ? "authorization {\n  token: \"" : "", secret ? secret : "",
                           secret ? "\"\n}\n" : "");
    *conf = bones_xasprintf("%s/bones-nats.conf", data_dir);
  } else if (secret) {
    text = bones_xasprintf("# written by bones: the workspace credential\nrequirepass %s\n", secret);
    *conf = bones_xasprintf("%s/bones-redis.conf", data_dir);
  } else {
    return BONES_OK;
  }
  int rc = bones_write_file_atomic(*conf, text, strlen(text), 0600, err);
  explicit_bzero(text, strlen(text));
  free(text);
  if (rc != BONES_OK) {
    free(*conf);
    *conf = NULL;
  }
  return rc;
}

int bones_server_start_with(enum bones_server_kind kind, const char *data_dir, const char *log_path, int port,
                            int wait_ms, const struct bones_server_opts *opts, struct bones_server *out,
                            struct bones_error *err) {
  memset(out, 0, sizeof *out);
  const char *secret = opts ? opts->secret : NULL;
  int durable = opts ? opts->durable : 0;
  int rc = bones_mkdir_p(data_dir, 0700, err);
  if (rc != BONES_OK) return rc;
  if (port == 0 && (rc = bones_free_port(&port, err)) != BONES_OK) return rc;
  if (bones_server_answers(kind, port, 100) || bones_server_answers(BONES_SERVER_NATS, port, 50))
    return bones_error_set(err, BONES_E_CONFLICT, "port %d on 127.0.0.1 is already in use", port);
  const char *prog = bones_server_program(kind);
  char port_s[16];
  snprintf(port_s, sizeof port_s, "%d", port);
  char *conf = NULL;
  if (secret && *secret == '\0') secret = NULL;
  if (kind == BONES_SERVER_REDIS) {
    char *stale = bones_xasprintf("%s/bones-redis.conf", data_dir);
    unlink(stale); /* an old password must not outlive its workspace secret */
    free(stale);
  }
  int nats_sync = durable && kind == BONES_SERVER_NATS && bones_nats_server_syncs_always(prog, NULL);
  rc = write_config(kind, data_dir, secret, nats_sync, &conf, err);
  if (rc != BONES_OK) return rc;
  const char *argv[24];
  build_argv(kind, prog, port_s, data_dir, conf, durable, argv);
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) != 0) {
    free(conf);
    return bones_error_set(err, BONES_E_INTERNAL, "pipe: %s", strerror(errno));
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(errpipe[0]);
    close(errpipe[1]);
    free(conf);
    return bones_error_set(err, BONES_E_INTERNAL, "fork: %s", strerror(errno));
  }
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int logfd = log_path ? open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600) : open("/dev/null", O_WRONLY);
    if (in >= 0) dup2(in, 0);
    if (logfd >= 0) {
      dup2(logfd, 1);
      dup2(logfd, 2);
    }
    if (chdir(data_dir) != 0) _exit(126);
    /* PATH may lack /usr/sbin for non-root users: add it */
    const char *path = getenv("PATH");
    char *newpath = bones_xasprintf("%s:/usr/sbin:/usr/local/sbin", path ? path : "/usr/bin:/bin");
    setenv("PATH", newpath, 1);
    execvp(prog, (char *const *)argv);
    int e = errno;
    if (write(errpipe[1], &e, sizeof e) < 0) _exit(127);
    _exit(127);
  }
  close(errpipe[1]);
  free(conf);
  int child_errno = 0;
  ssize_t n = read(errpipe[0], &child_errno, sizeof child_errno);
  close(errpipe[0]);
  if (n == (ssize_t)sizeof child_errno) {
    waitpid(pid, NULL, 0);
    bones_error_set(err, BONES_E_UNAVAILABLE, "cannot run %s: %s", prog, strerror(child_errno));
    bones_error_hint(err, "install it: apt-get install %s", kind == BONES_SERVER_NATS ? "nats-server" : "redis-server");
    return BONES_E_UNAVAILABLE;
  }
  int64_t deadline = bones_monotonic_ms() + (wait_ms > 0 ? wait_ms : 10000);
  for (;;) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      bones_error_set(err, BONES_E_UNAVAILABLE, "%s exited during start-up (status %d)%s%s", prog,
                      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), log_path ? "; see " : "",
                      log_path ? log_path : "");
      return BONES_E_UNAVAILABLE;
    }
    if (bones_server_answers(kind, port, 200)) break;
    if (bones_monotonic_ms() > deadline) {
      bones_server_stop(pid, 1000, NULL);
      return bones_error_set(err, BONES_E_UNAVAILABLE, "%s did not answer on 127.0.0.1:%d within %d ms", prog, port,
                             wait_ms);
    }
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
  }
  out->kind = kind;
  out->pid = pid;
  out->port = port;
  out->durable = kind == BONES_SERVER_NATS ? nats_sync : durable;
  snprintf(out->url, sizeof out->url, kind == BONES_SERVER_NATS ? "nats://127.0.0.1:%d" : "redis://127.0.0.1:%d/0",
           port);
  return BONES_OK;
}

/* 1 once pid is gone (reaped if it is our child). */
static int gone(pid_t pid) {
  int status;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == pid) return 1;
  if (r < 0 && errno == ECHILD) return kill(pid, 0) != 0 && errno == ESRCH;
  return 0;
}

int bones_server_stop(pid_t pid, int grace_ms, struct bones_error *err) {
  if (pid <= 0) return bones_error_set(err, BONES_E_USAGE, "no server process to stop");
  if (kill(pid, SIGTERM) != 0) {
    if (errno == ESRCH) {
      gone(pid);
      return BONES_OK;
    }
    return bones_error_set(err, BONES_E_INTERNAL, "cannot signal %ld: %s", (long)pid, strerror(errno));
  }
  int64_t deadline = bones_monotonic_ms() + grace_ms;
  while (bones_monotonic_ms() < deadline) {
    if (gone(pid)) return BONES_OK;
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGKILL);
  for (int i = 0; i < 200 && !gone(pid); i++) {
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return BONES_OK;
}
