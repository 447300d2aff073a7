/* hub.c: creating, seeding, securing and serving the hub repository. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fossil.h"
#include "repo_fossil.h"
#include "util.h"

#define ADD_BATCH 256        /* file names per `fossil add` */
#define LOCK_TIMEOUT_S "60"  /* hub setting: a check-in lock expires after this */

/* 1 for a regular file, which is seeded; 0 for anything else, which is
 * skipped: a directory (a git submodule), a symbolic link (never followed:
 * its target may lie outside the repository, and is not copied into the
 * hub and every slot), a fifo or device.  A missing path is 1: copy_one
 * reports it. */
static int seedable(const char *seed_dir, const char *rel) {
  char *path = bones_xasprintf("%s/%s", seed_dir, rel);
  struct stat st;
  int ok = lstat(path, &st) != 0 || S_ISREG(st.st_mode);
  /* a parent directory that is a symbolic link leads outside too */
  for (char *slash = strchr(path + strlen(seed_dir) + 1, '/'); ok && slash; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    ok = lstat(path, &st) != 0 || !S_ISLNK(st.st_mode);
    *slash = '/';
  }
  free(path);
  return ok;
}

/* Copies seed_dir/rel to dir/rel (parents made), keeping the exec bit.
 * What seedable() refuses is skipped: *copied is 0 then. */
static int copy_one(const char *seed_dir, const char *dir, const char *rel, int *copied, struct bones_error *err) {
  *copied = 0;
  char *src = bones_xasprintf("%s/%s", seed_dir, rel), *dst = bones_xasprintf("%s/%s", dir, rel);
  struct stat st;
  int rc = BONES_OK, in = -1, out = -1;
  if (lstat(src, &st) != 0) {
    int e = errno;
    rc = bones_error_set(err, e == ENOENT ? BONES_E_NOTFOUND : BONES_E_INTERNAL, "seed file %s: %s", src,
                         strerror(e));
    goto done;
  }
  if (!seedable(seed_dir, rel)) goto done;
  char *slash = strrchr(dst, '/');
  *slash = '\0';
  rc = bones_mkdir_p(dst, 0755, err);
  *slash = '/';
  if (rc != BONES_OK) goto done;
  in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK); /* a file swapped for a link or fifo fails */
  out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (st.st_mode & 0111) ? 0755 : 0644);
  if (in < 0 || out < 0) {
    rc = bones_error_set(err, BONES_E_INTERNAL, "copying seed file %s: %s", rel, strerror(errno));
    goto done;
  }
  if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
    rc = bones_error_set(err, BONES_E_CONFLICT, "seed file %s stopped being a regular file while seeding", rel);
    goto done;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) rc = bones_error_set(err, BONES_E_INTERNAL, "reading %s: %s", src, strerror(errno));
      break;
    }
    for (ssize_t w = 0; w < n;) {
      ssize_t k = write(out, buf + w, (size_t)(n - w));
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) {
        rc = bones_error_set(err, BONES_E_INTERNAL, "writing %s: %s", dst, strerror(errno));
        goto done;
      }
      w += k;
    }
  }
  *copied = rc == BONES_OK;
done:
  if (in >= 0) close(in);
  if (out >= 0 && close(out) != 0 && rc == BONES_OK)
    rc = bones_error_set(err, BONES_E_INTERNAL, "writing %s: %s", dst, strerror(errno));
  free(src);
  free(dst);
  return rc;
}

/* Runs `fossil args` in cwd as the admin user and frees args; any failure
 * is an error. */
static int admin_run(struct rf_repo *f, const char *cwd, struct rf_argv *a, struct bones_error *err) {
  struct rf_call c = {.cwd = cwd, .user = RF_ADMIN_USER};
  struct rf_run_result r;
  int rc = rf_fossil_ok(f, &c, a, &r, err);
  if (rc == BONES_OK) rf_run_result_free(&r);
  rf_av_free(a);
  return rc;
}

/* Locks the default users out and sets the hub's settings on repo. */
static int secure(struct rf_repo *f, const char *repo, struct bones_error *err) {
  static const char *const locked[] = {"nobody", "anonymous"};
  int rc = BONES_OK;
  for (size_t i = 0; rc == BONES_OK && i < sizeof locked / sizeof *locked; i++) {
    struct rf_argv a = {0};
    rf_av(&a, "user", "capabilities", locked[i], "", "-R", repo, NULL);
    rc = admin_run(f, NULL, &a, err);
  }
  if (rc == BONES_OK) {
    struct rf_argv a = {0};
    rf_av(&a, "settings", "lock-timeout", LOCK_TIMEOUT_S, "-R", repo, NULL);
    rc = admin_run(f, NULL, &a, err);
  }
  return rc;
}

/* Opens repo in a fresh check-out co, copies files in, adds and commits
 * them as one check-in, closes the check-out. */
static int seed(struct rf_repo *f, const char *repo, const char *co, const char *seed_dir, const char *const *files,
                size_t nfiles, const char *message, struct bones_error *err) {
  struct rf_argv a = {0};
  rf_av(&a, "open", repo, "--workdir", co, "--nested", "--nosync", NULL);
  int rc = admin_run(f, co, &a, err);
  size_t added = 0;
  for (size_t i = 0; rc == BONES_OK && i < nfiles; i += ADD_BATCH) {
    size_t n = nfiles - i < ADD_BATCH ? nfiles - i : ADD_BATCH;
    rf_av(&a, "add", "-f", "--dotfiles", "--ignore", "", "--allow-reserved", "--", NULL); /* nothing skipped */
    size_t batch = 0;
    for (size_t j = i; rc == BONES_OK && j < i + n; j++) {
      int copied = 0;
      rc = copy_one(seed_dir, co, files[j], &copied, err);
      if (copied) rf_av_list(&a, &files[j], 1), batch++;
    }
    if (rc == BONES_OK && batch) rc = admin_run(f, co, &a, err);
    else rf_av_free(&a);
    added += batch;
  }
  if (rc == BONES_OK && added == 0) rc = bones_error_set(err, BONES_E_USAGE, "no regular file to seed the hub with");
  if (rc == BONES_OK) {
    rf_av(&a, "commit", "-m", message, "--no-warnings", "--no-prompt", "--nosign",
          "--ignore-oversize", NULL);
    rc = admin_run(f, co, &a, err);
  }
  rf_av(&a, "close", "--force", NULL);
  struct bones_error ignored;
  admin_run(f, co, &a, rc == BONES_OK ? err : &ignored);
  return rc;
}

/* Checks that the trunk tip of repo holds exactly the files seeded. */
static int verify_seed(struct rf_repo *f, const char *repo, size_t want, struct bones_error *err) {
  json_t *rows = NULL;
  int rc = rf_sql_json(f, repo, "SELECT count(*) AS n FROM files_of_checkin('trunk')", &rows, err);
  if (rc != BONES_OK) return rc;
  json_int_t n = json_integer_value(json_object_get(json_array_get(rows, 0), "n"));
  json_decref(rows);
  if ((size_t)n != want)
    return bones_error_set(err, BONES_E_INTERNAL, "hub seed: %zu files given, the check-in holds %lld", want,
                           (long long)n);
  return BONES_OK;
}

int rf_hub_init(void *repo, const char *hub_path, const char *seed_dir, const char *const *files, size_t nfiles,
                struct bones_error *err) {
  struct rf_repo *f = repo;
  if (hub_path == NULL || *hub_path == '\0' || seed_dir == NULL || (nfiles && files == NULL))
    return bones_error_set(err, BONES_E_USAGE, "hub_init: hub path, seed directory and files are required");
  if (nfiles == 0) return bones_error_set(err, BONES_E_USAGE, "no files to seed the hub with");
  size_t regular = 0;
  for (size_t i = 0; i < nfiles; i++) {
    if (!rf_path_ok(files[i]))
      return bones_error_set(err, BONES_E_USAGE, "seed file '%s' is not a clean relative path", files[i]);
    if (!rf_name_ok(files[i]) || files[i][0] == ' ') { /* leaf.c's check_names refuses them in every slot */
      char *shown = rf_name_escape(files[i]);
      bones_error_set(err, BONES_E_REFUSED,
                      "cannot seed the hub: git tracks \"%s\", a file name that is not valid UTF-8, holds a "
                      "control character or starts with a space", shown);
      free(shown);
      return bones_error_hint(err, "rename it in git (git mv OLD NEW; git commit), then start the hub again");
    }
    regular += seedable(seed_dir, files[i]);
  }
  char *hub = rf_abs(hub_path);
  if (bones_path_exists(hub)) {
    bones_error_set(err, BONES_E_EXISTS, "hub %s already exists (a hub is never overwritten)", hub);
    free(hub);
    return BONES_E_EXISTS;
  }
  char *dir = bones_xstrdup(hub);
  *strrchr(dir, '/') = '\0';
  int rc = bones_mkdir_p(*dir ? dir : "/", 0700, err);
  free(dir);
  /* built in a fresh private directory beside the hub (no predictable
   * name to plant a link at), then hard-linked into place */
  char *tmpdir = bones_xasprintf("%s.init-XXXXXX", hub);
  int made = rc == BONES_OK && mkdtemp(tmpdir) != NULL;
  if (rc == BONES_OK && !made)
    rc = bones_error_set(err, BONES_E_INTERNAL, "cannot make a directory beside %s: %s", hub, strerror(errno));
  char *tmp = bones_xasprintf("%s/hub.fossil", tmpdir);
  char *co = bones_xasprintf("%s/seed-XXXXXX", f->state_dir);
  if (rc == BONES_OK && mkdtemp(co) == NULL)
    rc = bones_error_set(err, BONES_E_INTERNAL, "cannot make a directory in %s: %s", f->state_dir, strerror(errno));
  if (rc == BONES_OK) {
    struct rf_argv a = {0};
    rf_av(&a, "init", "--admin-user", RF_ADMIN_USER, "--project-name", "bones hub", tmp, NULL);
    rc = admin_run(f, NULL, &a, err);
  }
  if (rc == BONES_OK) rc = secure(f, tmp, err);
  char *message = bones_xasprintf("bones: seed %zu files", regular);
  if (rc == BONES_OK) rc = seed(f, tmp, co, seed_dir, files, nfiles, message, err);
  free(message);
  if (rc == BONES_OK) rc = verify_seed(f, tmp, regular, err);
  if (rc == BONES_OK && chmod(tmp, 0600) != 0)
    rc = bones_error_set(err, BONES_E_INTERNAL, "chmod %s: %s", tmp, strerror(errno));
  if (rc == BONES_OK && link(tmp, hub) != 0) { /* never replaces a hub made meanwhile */
    rc = bones_error_set(err, errno == EEXIST ? BONES_E_EXISTS : BONES_E_INTERNAL, "cannot create hub %s: %s", hub,
                         strerror(errno));
  }
  static const char *const sidecars[] = {"", "-journal", "-wal", "-shm"};
  for (size_t i = 0; i < sizeof sidecars / sizeof *sidecars; i++) {
    char *p = bones_xasprintf("%s%s", tmp, sidecars[i]);
    unlink(p);
    free(p);
  }
  if (made) rf_rmtree(tmpdir);
  free(tmpdir);
  rf_rmtree(co);
  free(co);
  free(tmp);
  free(hub);
  return rc;
}

int rf_hub_user(void *repo, const char *hub_path, const char *user, const char *password, struct bones_error *err) {
  struct rf_repo *f = repo;
  if (user == NULL || *user == '\0' || password == NULL || *password == '\0')
    return bones_error_set(err, BONES_E_USAGE, "hub_user: a user name and a password are required");
  /* stored in clear (the hub is 0600): fossil takes a 40-character value
   * for its SHA1 form, so such a password would never match */
  if (strlen(password) == 40 || !rf_name_ok(password) || !rf_name_ok(user))
    return bones_error_set(err, BONES_E_USAGE, "hub_user: unusable user name or password (40 characters, or bytes "
                                               "that are not printable UTF-8)");
  int rc = rf_need_repo(hub_path, err);
  if (rc != BONES_OK) return rc;
  /* SQL through stdin, not `fossil user new ... PASSWORD`: a command line
   * is readable by every local user (ps, /proc/PID/cmdline) */
  char *qu = rf_sql_quote(user), *qp = rf_sql_quote(password);
  char *sql = bones_xasprintf("BEGIN IMMEDIATE;\n"
                              "INSERT INTO user(login, pw, cap, info, mtime) VALUES(%s, %s, 'gio', 'bones slot user', now())"
                              " ON CONFLICT(login) DO UPDATE SET pw=excluded.pw, cap=excluded.cap, mtime=excluded.mtime;\n"
                              "COMMIT;",
                              qu, qp);
  rc = rf_sql_script(f, hub_path, sql, password, err);
  if (rc != BONES_OK) bones_error_prefix(err, "cannot add the hub user %s", user);
  explicit_bzero(qp, strlen(qp));
  explicit_bzero(sql, strlen(sql));
  free(qu);
  free(qp);
  free(sql);
  return rc;
}

/* Connects to host:port within timeout_ms, sends GET / and waits for an
 * "HTTP/1." status line.  1 when something answered so. */
static int http_answers(const char *host, const char *port, int timeout_ms) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai;
  if (getaddrinfo(host, port, &hints, &ai) != 0) return 0;
  int ok = 0, fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int64_t deadline = bones_monotonic_ms() + timeout_ms;
  struct pollfd p = {fd, POLLOUT, 0};
  if (fd < 0 || (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS)) goto out;
  if (poll(&p, 1, timeout_ms) != 1 || (p.revents & (POLLERR | POLLHUP))) goto out;
  char req[300];
  int n = snprintf(req, sizeof req, "GET / HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", host);
  if (n <= 0 || n >= (int)sizeof req || write(fd, req, (size_t)n) != n) goto out;
  char buf[16];
  size_t got = 0;
  while (got < 7) {
    int left = (int)(deadline - bones_monotonic_ms());
    p.events = POLLIN;
    if (left <= 0 || poll(&p, 1, left) != 1) break;
    ssize_t k = read(fd, buf + got, sizeof buf - got);
    if (k <= 0) break;
    got += (size_t)k;
  }
  ok = got >= 7 && memcmp(buf, "HTTP/1.", 7) == 0;
out:
  if (fd >= 0) close(fd);
  freeaddrinfo(ai);
  return ok;
}

int rf_hub_serve(void *repo, const char *hub_path, int port, int log_fd, pid_t *pid, struct bones_error *err) {
  return rf_hub_serve_at(repo, hub_path, "127.0.0.1", port, log_fd, pid, err);
}

int rf_hub_serve_at(void *repo, const char *hub_path, const char *addr, int port, int log_fd, pid_t *pid,
                    struct bones_error *err) {
  struct rf_repo *f = repo;
  int rc = rf_need_repo(hub_path, err);
  if (rc != BONES_OK) return rc;
  if (port <= 0 || port > 65535) return bones_error_set(err, BONES_E_USAGE, "hub_serve: bad port %d", port);
  struct in_addr ia;
  if (addr == NULL || inet_pton(AF_INET, addr, &ia) != 1)
    return bones_error_set(err, BONES_E_USAGE, "hub_serve: '%s' is not an IPv4 address", addr ? addr : "");
  int loopback = strcmp(addr, "127.0.0.1") == 0;
  /* readiness is asked where the server answers: "every interface" answers on loopback */
  const char *ask = strcmp(addr, "0.0.0.0") == 0 ? "127.0.0.1" : addr;
  char port_s[16], bind_s[64];
  snprintf(port_s, sizeof port_s, "%d", port);
  snprintf(bind_s, sizeof bind_s, "%s:%d", addr, port);
  if (http_answers(ask, port_s, 200))
    return bones_error_set(err, BONES_E_CONFLICT, "port %d on %s is already in use", port, addr);
  char *prog = rf_program(err);
  if (prog == NULL) return BONES_E_UNAVAILABLE;
  char *hub = rf_abs(hub_path);
  /* fossil 2.21 binds one address with --port ADDR:PORT */
  const char *argv_lo[] = {"fossil", "server", "--localhost", "--port", port_s, hub, NULL};
  const char *argv_at[] = {"fossil", "server", "--port", bind_s, hub, NULL};
  const char *const *argv = loopback ? argv_lo : argv_at;
  char **env = rf_env(f, NULL);
  struct rf_run_opts o = {.cwd = "/", .envp = env};
  pid_t child = 0;
  rc = rf_spawn(prog, argv, &o, log_fd, &child, err);
  int64_t deadline = bones_monotonic_ms() + (f->timeout_ms < 10000 ? f->timeout_ms : 10000);
  while (rc == BONES_OK) {
    int status;
    if (waitpid(child, &status, WNOHANG) == child) {
      rc = bones_error_set(err, BONES_E_UNAVAILABLE, "fossil server exited at start (status %d); see the hub log",
                           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
      break;
    }
    if (http_answers(ask, port_s, 200)) break;
    if (bones_monotonic_ms() > deadline) {
      kill(child, SIGKILL);
      waitpid(child, NULL, 0);
      rc = bones_error_set(err, BONES_E_UNAVAILABLE, "fossil server did not answer on %s:%d", ask, port);
      break;
    }
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  if (rc == BONES_OK) *pid = child;
  rf_env_free(env);
  free(hub);
  free(prog);
  return rc;
}

/* 1 when id is a fossil project code: 40 or 64 lowercase hex digits. */
static int project_code_ok(const char *id) {
  size_t n = strspn(id, "0123456789abcdef");
  return id[n] == '\0' && (n == 40 || n == 64);
}

int rf_hub_identity(void *repo, const char *hub_path, char identity[BONES_REPO_ID_MAX], struct bones_error *err) {
  struct rf_repo *f = repo;
  identity[0] = '\0';
  int rc = rf_need_repo(hub_path, err);
  if (rc != BONES_OK) return rc;
  char *hub = rf_abs(hub_path);
  struct rf_argv a = {0};
  struct rf_call c = {0};
  struct rf_run_result r;
  rf_av(&a, "info", "-R", hub, NULL);
  rc = rf_fossil_ok(f, &c, &a, &r, err);
  rf_av_free(&a);
  free(hub);
  if (rc != BONES_OK) return rc;
  const char *line = strstr(r.out, "project-code:");
  char code[BONES_REPO_ID_MAX] = "";
  if (line) {
    line += strlen("project-code:");
    line += strspn(line, " \t");
    size_t n = strcspn(line, " \t\r\n");
    if (n < sizeof code) snprintf(code, sizeof code, "%.*s", (int)n, line);
  }
  rf_run_result_free(&r);
  if (!project_code_ok(code))
    return bones_error_set(err, BONES_E_INTERNAL, "fossil info -R %s printed no project code", hub_path);
  memcpy(identity, code, strlen(code) + 1);
  return BONES_OK;
}

int rf_identity_ok(const char *identity) { return identity != NULL && project_code_ok(identity); }
