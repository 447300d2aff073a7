/* hub.c: starting, running, stopping the hub of a workspace (hub.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "gitsync.h"
#include "hub.h"
#include "hub_join.h"
#include "hublog.h"
#include "durability.h"
#include "kv_secret.h"
#include "loader.h"
#include "proc.h"
#include "registry.h"
#include "server.h"
#include "slots.h"
#include "substrate.h"
#include "text.h"
#include "url.h"
#include "util.h"
#include "workspace.h"

#define HUB_TICK_MS 1000
#define WATCH_EVERY_TICKS 5
#define MAX_WATCHERS 8
#define HUB_MARKER "hub start" /* the words a hub's command line holds */

static bones_hub_watcher_fn watchers[MAX_WATCHERS];
static int nwatchers;
static volatile sig_atomic_t stop_requested;

void bones_hub_add_watcher(bones_hub_watcher_fn fn) {
  for (int i = 0; i < nwatchers; i++)
    if (watchers[i] == fn) return;
  if (nwatchers < MAX_WATCHERS) watchers[nwatchers++] = fn;
}

void bones_hub_status_clear(struct bones_hub_status *st) {
  if (st == NULL) return;
  free(st->repo_url);
  free(st->kv_url);
  free(st->substrate);
  free(st->page_url);
  memset(st, 0, sizeof *st);
}

/* The first line of .bones/<name> (malloc'd) or NULL. */
static char *read_line_file(const char *root, const char *name) { return bones_ws_read_line(root, name); }

static int write_line_file(const char *root, const char *name, const char *value, struct bones_error *err) {
  char *path = bones_ws_path(root, name);
  char *text = bones_xasprintf("%s\n", value);
  int rc = bones_write_file_atomic(path, text, strlen(text), 0600, err);
  free(text);
  free(path);
  return rc;
}

static int port_of(const char *url) {
  const char *p = url ? strstr(url, "127.0.0.1:") : NULL;
  return p ? atoi(p + 10) : 0;
}

/* The port of the hub's repo URL "http://ADDR:PORT" (0 when none). */
static int repo_port_of(const char *url) {
  const char *p = url ? strrchr(url, ':') : NULL;
  return p && p > url + 5 ? atoi(p + 1) : 0;
}

/* The address the hub serves its repository on: .bones/hub-listen
 * (bones_hub_set_listen) or 127.0.0.1.  Malloc'd. */
static char *listen_addr(const char *root) {
  char *a = read_line_file(root, "hub-listen");
  struct in_addr ia;
  if (a == NULL || inet_pton(AF_INET, a, &ia) != 1) {
    free(a);
    return bones_xstrdup("127.0.0.1");
  }
  return a;
}

int bones_hub_set_listen(const char *root, const char *addr, struct bones_error *err) {
  struct in_addr ia;
  if (addr == NULL || inet_pton(AF_INET, addr, &ia) != 1)
    return bones_error_set(err, BONES_E_USAGE, "--listen takes an IPv4 address such as 10.0.0.1, not '%s'",
                           addr ? addr : "");
  if (strcmp(addr, "127.0.0.1") == 0) {
    char *path = bones_ws_path(root, "hub-listen");
    int rc = unlink(path) == 0 || errno == ENOENT
                 ? BONES_OK
                 : bones_error_set(err, BONES_E_INTERNAL, "cannot remove %s: %s", path, strerror(errno));
    free(path);
    return rc;
  }
  return write_line_file(root, "hub-listen", addr, err);
}

/* 1 when the workspace's substrate is a managed one; fills *kind. */
static int managed_kind(const char *substrate, enum bones_server_kind *kind) {
  struct bones_error err;
  return substrate && !strchr(substrate, ':') && bones_server_kind_parse(substrate, kind, &err) == BONES_OK;
}

int bones_hub_status(const char *root, struct bones_hub_status *st, struct bones_error *err) {
  (void)err;
  memset(st, 0, sizeof *st);
  char *pidpath = bones_ws_path(root, "hub.pid");
  struct bones_error e;
  struct bones_pid_record rec;
  if (bones_pid_record_read(pidpath, &rec, &e) == BONES_OK) {
    enum bones_pid_state state = bones_pid_check(&rec, HUB_MARKER);
    st->pid = rec.pid;
    st->pid_alive = state == BONES_PID_OURS;
    st->pid_stale = state == BONES_PID_STALE;
  }
  free(pidpath);
  st->repo_url = read_line_file(root, "hub-repo-url");
  st->substrate = bones_workspace_config_substrate(root);
  if (st->substrate == NULL) st->substrate = bones_xstrdup("sqlite");
  enum bones_server_kind kind;
  st->kv_answers = -1;
  if (managed_kind(st->substrate, &kind)) {
    st->kv_url = read_line_file(root, "hub-kv-url");
    st->kv_answers = st->pid_alive && st->kv_url && bones_server_answers(kind, port_of(st->kv_url), 500);
  }
  st->repo_answers = st->pid_alive && st->repo_url && bones_http_answers(st->repo_url, 500);
  st->running = st->pid_alive && st->repo_answers && st->kv_answers != 0;
  if (st->running) {
    st->page_url = read_line_file(root, "hub-page-url");
    if (st->page_url && !bones_http_answers(st->page_url, 500)) {
      free(st->page_url);
      st->page_url = NULL;
    }
  }
  /* what callers show: never a password */
  char *shown = bones_url_redact(st->kv_url);
  free(st->kv_url);
  st->kv_url = shown;
  shown = bones_url_redact(st->substrate);
  free(st->substrate);
  st->substrate = shown;
  return BONES_OK;
}

/* ---- the supervisor ---- */

struct hub_run {
  const char *root;
  int lock_fd;
  const struct bones_repo_backend_v1 *repo;
  void *repo_handle;
  char *hub_path;
  int repo_port;
  pid_t repo_pid;
  int managed;
  enum bones_server_kind kv_kind;
  struct bones_server kv;
  char *repo_url;
  char *listen; /* the address the repository is served on (listen_addr) */
  char kv_secret[BONES_KV_SECRET_LEN + 1]; /* managed servers' credential */
  enum bones_durability durability;        /* the workspace's mode, read at start */
  dev_t state_dev; /* .bones/ as it was at start: gone or replaced = stop */
  ino_t state_ino;
  int state_lost; /* set by supervise: .bones/ is gone or replaced */
};

static void on_stop_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

/* Takes .bones/hub.lock (flock, non-blocking) and records our pid. */
static int take_lock(struct hub_run *h, struct bones_error *err) {
  char *path = bones_ws_path(h->root, "hub.lock");
  h->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  free(path);
  if (h->lock_fd < 0) return bones_error_set(err, BONES_E_INTERNAL, "cannot open hub.lock: %s", strerror(errno));
  if (flock(h->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    char *pp = bones_ws_path(h->root, "hub.lock.pid");
    pid_t holder = 0;
    struct bones_error e;
    bones_pidfile_read(pp, &holder, &e);
    free(pp);
    close(h->lock_fd);
    h->lock_fd = -1;
    bones_error_set(err, BONES_E_CONFLICT, "another `bones hub start` (pid %ld) holds the workspace lock",
                    (long)holder);
    bones_error_hint(err, "wait for it, or check it with `bones hub status`");
    return BONES_E_CONFLICT;
  }
  char *pp = bones_ws_path(h->root, "hub.lock.pid");
  int rc = bones_pidfile_write(pp, getpid(), err);
  free(pp);
  return rc;
}

static void release_lock(struct hub_run *h) {
  if (h->lock_fd < 0) return;
  char *pp = bones_ws_path(h->root, "hub.lock.pid");
  if (!h->state_lost) unlink(pp); /* a replaced .bones/ is not ours */
  free(pp);
  close(h->lock_fd);
  h->lock_fd = -1;
}

/* Records the servers' pids in .bones/hub.children, one "PID START MARKER"
 * line each (bones_pid_check), so a later start or stop can stop servers a
 * killed hub left behind -- and only those. */
static void write_children(struct hub_run *h) {
  char text[256] = "";
  struct bones_pid_record repo = bones_pid_record_of(h->repo_pid);
  int n = 0;
  if (h->repo_pid > 0) n = snprintf(text, sizeof text, "%ld %llu fossil server\n", (long)repo.pid, repo.start);
  if (h->managed && h->kv.pid > 0) {
    struct bones_pid_record kv = bones_pid_record_of(h->kv.pid);
    const char *prog = bones_server_program(h->kv_kind);
    const char *base = strrchr(prog, '/');
    snprintf(text + n, sizeof text - (size_t)n, "%ld %llu %s\n", (long)kv.pid, kv.start, base ? base + 1 : prog);
  }
  char *path = bones_ws_path(h->root, "hub.children");
  struct bones_error e;
  bones_write_file_atomic(path, text, strlen(text), 0600, &e);
  free(path);
}

/* Stops the servers .bones/hub.children records that are still the very
 * processes recorded (pid, start time, command line); stale lines are
 * left alone.  Removes the file. */
static void stop_recorded_children(const char *root) {
  char *kidpath = bones_ws_path(root, "hub.children");
  char *kids = NULL;
  struct bones_error e;
  if (bones_read_file(kidpath, 4096, &kids, NULL, &e) == BONES_OK) {
    for (char *line = kids; line && *line;) {
      char *nl = strchr(line, '\n');
      if (nl) *nl = '\0';
      long pid = 0;
      unsigned long long start = 0;
      int used = 0;
      if (sscanf(line, "%ld %llu %n", &pid, &start, &used) == 2 && used > 0 && pid > 0 && pid < 1L << 30 &&
          line[used]) {
        struct bones_pid_record r = {(pid_t)pid, start};
        if (bones_terminate_recorded(&r, line + used, 0, 3000, NULL) == BONES_PID_STALE)
          bones_hublog(root, BONES_LOG_WARN, "lifecycle", "left alone a stale hub.children pid (another process now)",
                       json_pack("{s:i}", "pid", (int)pid));
      }
      line = nl ? nl + 1 : NULL;
    }
    free(kids);
  }
  unlink(kidpath);
  free(kidpath);
}

/* A hub.pid left by a hub that died without cleaning up: stop the servers
 * it left (only those hub.children proves are still them), then forget
 * it.  The old pid itself is never signalled: it is dead, or it is not a
 * hub of ours any more (stale), since a live hub would hold the lock. */
static void clear_stale_hub(struct hub_run *h) {
  char *pidpath = bones_ws_path(h->root, "hub.pid");
  struct bones_pid_record old;
  struct bones_error e;
  int had = bones_pid_record_read(pidpath, &old, &e) == BONES_OK && old.pid != getpid();
  stop_recorded_children(h->root);
  if (had) {
    enum bones_pid_state state = bones_pid_check(&old, HUB_MARKER);
    bones_hublog(h->root, BONES_LOG_WARN, "lifecycle",
                 state == BONES_PID_GONE ? "cleared the state of a hub that died"
                                         : "cleared a stale hub.pid (its pid is another process now; left alone)",
                 json_pack("{s:i, s:s}", "pid", (int)old.pid, "state", bones_pid_state_name(state)));
  }
  unlink(pidpath);
  free(pidpath);
}

static int port_free(int port) { return bones_port_free(port); }

static int seed_hub(struct hub_run *h, struct bones_error *err) {
  if (bones_path_exists(h->hub_path)) return BONES_OK; /* created once, never wiped */
  char **files = NULL;
  size_t n = 0;
  int rc = bones_git_files(h->root, &files, &n, err);
  if (rc != BONES_OK) return rc;
  if (n == 0) {
    bones_strv_free(files, n);
    return bones_error_set(err, BONES_E_NOWORKSPACE, "%s", BONES_SEED_PRECONDITION);
  }
  rc = h->repo->hub_init(h->repo_handle, h->hub_path, h->root, (const char *const *)files, n, err);
  if (rc == BONES_OK)
    bones_hublog(h->root, BONES_LOG_INFO, "lifecycle", "seeded the hub from git-tracked files",
                 json_pack("{s:i}", "files", (int)n));
  if (rc == BONES_OK) rc = bones_gitsync_record_seed(h->root, err); /* git sync starts here */
  size_t links = 0;
  const char *first_link = NULL;
  for (size_t i = 0; rc == BONES_OK && i < n; i++) { /* the backend seeds regular files only */
    char *p = bones_xasprintf("%s/%s", h->root, files[i]);
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode) && links++ == 0) first_link = files[i];
    free(p);
  }
  if (links)
    bones_hublog(h->root, BONES_LOG_WARN, "lifecycle",
                 "symbolic links tracked by git were not seeded (their targets are never copied into the hub)",
                 json_pack("{s:i, s:s?}", "links", (int)links, "first", first_link));
  bones_strv_free(files, n);
  return rc;
}

/* 1 when repo has the optional hub_serve_at. */
static int has_serve_at(const struct bones_repo_backend_v1 *repo) {
  return repo->size >= offsetof(struct bones_repo_backend_v1, hub_serve_at) + sizeof repo->hub_serve_at &&
         repo->hub_serve_at != NULL;
}

static int start_repo_server(struct hub_run *h, struct bones_error *err) {
  const char *addr = h->listen;
  int loopback = strcmp(addr, "127.0.0.1") == 0;
  if (!loopback && !has_serve_at(h->repo))
    return bones_error_set(err, BONES_E_UNSUPPORTED, "the %s repo backend serves its hub on 127.0.0.1 only, not %s",
                           h->repo->name, addr);
  char *logpath = bones_ws_path(h->root, "fossil.log");
  int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  free(logpath);
  int rc = loopback ? h->repo->hub_serve(h->repo_handle, h->hub_path, h->repo_port, logfd, &h->repo_pid, err)
                    : h->repo->hub_serve_at(h->repo_handle, h->hub_path, addr, h->repo_port, logfd, &h->repo_pid,
                                            err);
  if (logfd >= 0) close(logfd);
  return rc;
}

static int wait_repo(struct hub_run *h, int wait_ms, struct bones_error *err) {
  int64_t deadline = bones_monotonic_ms() + wait_ms;
  while (!bones_http_answers(h->repo_url, 300)) {
    if (bones_monotonic_ms() > deadline || !bones_pid_alive(h->repo_pid))
      return bones_error_set(err, BONES_E_UNAVAILABLE, "the hub repository server did not answer at %s%s",
                             h->repo_url, bones_pid_alive(h->repo_pid) ? "" : " (it exited; see .bones/fossil.log)");
    struct timespec ts = {0, 20000000L};
    nanosleep(&ts, NULL);
  }
  return BONES_OK;
}

static int start_kv_server(struct hub_run *h, struct bones_error *err) {
  char *dir = bones_ws_path(h->root, h->kv_kind == BONES_SERVER_NATS ? "nats" : "redis");
  char *log = bones_ws_path(h->root, h->kv_kind == BONES_SERVER_NATS ? "nats.log" : "redis.log");
  char *old = read_line_file(h->root, "hub-kv-url");
  int port = port_of(old);
  free(old);
  if (port && !port_free(port)) port = 0;
  struct bones_server_opts opts = {h->kv_secret, h->durability == BONES_DURABILITY_DURABLE};
  int rc = bones_server_start_with(h->kv_kind, dir, log, port, 15000, &opts, &h->kv, err);
  free(dir);
  free(log);
  return rc;
}

static void write_registry(struct hub_run *h, const struct bones_pid_record *hub) {
  struct bones_error e;
  const char *base = strrchr(h->root, '/');
  char now[40];
  bones_format_time(bones_now_ms(), now, sizeof now);
  struct bones_registry_entry entry = {(char *)h->root, (char *)(base ? base + 1 : h->root), h->repo_url,
                                       h->managed ? h->kv.url : "", hub->pid, now, hub->start};
  bones_registry_write(&entry, &e);
}

/* After the workspace vanished: the registry entry, when it still names
 * this hub, is removed (workspace gone) or recorded as stopped (a new
 * workspace took the place). */
static void forget_registry(struct hub_run *h, const struct bones_pid_record *self) {
  struct bones_registry_entry e;
  struct bones_error err;
  if (bones_registry_read(h->root, &e, &err) != BONES_OK) return;
  int ours = e.hub_pid == self->pid && e.hub_pid_start == self->start;
  bones_registry_entry_clear(&e);
  if (!ours) return;
  char *cfg = bones_ws_path(h->root, "config.json");
  int present = bones_path_is_file(cfg);
  free(cfg);
  if (present) {
    struct bones_pid_record none = {0, 0};
    write_registry(h, &none);
  } else {
    bones_registry_remove(h->root, &err);
  }
}

#define MAX_SERVICES 4
static const struct bones_hub_service *services[MAX_SERVICES];
static int nservices, services_started;

void bones_hub_add_service(const struct bones_hub_service *s) {
  for (int i = 0; i < nservices; i++)
    if (services[i] == s) return;
  if (nservices < MAX_SERVICES) services[nservices++] = s;
}

static void start_services(const char *root) {
  for (int i = 0; i < nservices; i++) {
    struct bones_error e;
    if (services[i]->start(root, &e) != BONES_OK)
      bones_hublog(root, BONES_LOG_WARN, "error", "a hub service did not start; the hub runs without it",
                   json_pack("{s:s, s:o}", "service", services[i]->name, "err", bones_utf8_json(e.message)));
  }
  services_started = 1;
}

static void stop_services(const char *root) {
  if (!services_started) return;
  for (int i = nservices - 1; i >= 0; i--) services[i]->stop(root);
  services_started = 0;
}

static void run_watchers(struct hub_run *h) {
  if (nwatchers == 0) return;
  char *spec = bones_workspace_config_substrate(h->root);
  char *url = NULL;
  bones_kv *kv = NULL;
  struct bones_error e;
  if (bones_substrate_open(spec ? spec : "sqlite", h->root, NULL, &kv, &url, &e) == BONES_OK) {
    for (int i = 0; i < nwatchers; i++) watchers[i](h->root, kv);
  } else {
    bones_hublog(h->root, BONES_LOG_WARN, "error", "lease watcher cannot reach the substrate",
                 json_pack("{s:s}", "err", e.message));
  }
  bones_kv_close(kv);
  free(url);
  free(spec);
}

static void stop_servers(struct hub_run *h) {
  if (h->repo_pid > 0) bones_terminate(h->repo_pid, 0, 5000);
  h->repo_pid = 0;
  if (h->managed && h->kv.pid > 0) bones_server_stop(h->kv.pid, 10000, NULL);
  h->kv.pid = 0;
}

static void report(int fd, const struct bones_error *err) {
  if (fd < 0) return;
  char buf[BONES_ERROR_MESSAGE_MAX + BONES_ERROR_HINT_MAX + 32];
  int n = err ? snprintf(buf, sizeof buf, "error %d %s\n%s\n", err->code, err->message, err->hint)
              : snprintf(buf, sizeof buf, "ok\n");
  if (write(fd, buf, (size_t)n) < 0) { /* the parent gave up waiting */
  }
  close(fd);
}

/* 0 when root/.bones is gone (or root is) or is no longer the directory
 * the hub started in (another device or inode); 1 otherwise, also when
 * it cannot be looked at for another reason (EACCES, EIO: not proof). */
static int state_dir_same(const struct hub_run *h) {
  if (h->state_ino == 0) return 1; /* not known at start: nothing to compare */
  char *dir = bones_xasprintf("%s/" BONES_DIR, h->root);
  struct stat st;
  int same = 1;
  if (stat(dir, &st) != 0) same = !(errno == ENOENT || errno == ENOTDIR);
  else same = S_ISDIR(st.st_mode) && st.st_dev == h->state_dev && st.st_ino == h->state_ino;
  free(dir);
  return same;
}

/* 1 when this hub answers slot joins from hosts without its file
 * (hub_join.h): it serves beyond loopback, on a substrate other hosts can
 * share (not sqlite), with a backend that has hub_identity. */
static int serves_joins(const struct hub_run *h) {
  if (h->listen == NULL || strcmp(h->listen, "127.0.0.1") == 0) return 0;
  if (h->repo->size < offsetof(struct bones_repo_backend_v1, hub_identity) + sizeof h->repo->hub_identity ||
      h->repo->hub_identity == NULL)
    return 0;
  char *spec = bones_workspace_config_substrate(h->root);
  int shared = spec && strncmp(spec, "sqlite", 6) != 0;
  free(spec);
  return shared;
}

/* Answers pending joins through *kv (opened here when NULL; closed after
 * a failure so the next tick reconnects).  *failing keeps the log to one
 * line per outage. */
static void serve_joins(struct hub_run *h, bones_kv **kv, int *failing) {
  struct bones_error e;
  if (*kv == NULL) {
    char *spec = bones_workspace_config_substrate(h->root), *url = NULL;
    int rc = bones_substrate_open(spec ? spec : "sqlite", h->root, NULL, kv, &url, &e);
    free(spec);
    free(url);
    if (rc != BONES_OK) {
      *kv = NULL;
      if (!*failing)
        bones_hublog(h->root, BONES_LOG_WARN, "error", "cannot reach the substrate to answer slot joins",
                     json_pack("{s:s}", "err", e.message));
      *failing = 1;
      return;
    }
  }
  if (bones_hub_join_serve(h->root, *kv, h->repo, h->repo_handle, h->hub_path, &e) < 0) {
    if (!*failing)
      bones_hublog(h->root, BONES_LOG_WARN, "error", "cannot read the slot join requests",
                   json_pack("{s:s}", "err", e.message));
    *failing = 1;
    bones_kv_close(*kv);
    *kv = NULL;
    return;
  }
  *failing = 0;
}

/* Keeps the servers up until a stop signal, or until the workspace's
 * .bones/ is gone or replaced (then h->state_lost is set). */
static void supervise(struct hub_run *h) {
  /* $BONES_HUB_WATCH_EVERY (100ms..1h; for tests) replaces the watchers'
   * period of WATCH_EVERY_TICKS ticks */
  int64_t watch_ms = WATCH_EVERY_TICKS * HUB_TICK_MS, tick_ms = HUB_TICK_MS;
  const char *every = getenv("BONES_HUB_WATCH_EVERY");
  struct bones_error werr;
  if (every && *every &&
      bones_parse_duration_in("BONES_HUB_WATCH_EVERY", every, 100, 3600000, &watch_ms, &werr) != BONES_OK) {
    bones_hublog(h->root, BONES_LOG_WARN, "lifecycle", "BONES_HUB_WATCH_EVERY ignored",
                 json_pack("{s:s}", "err", werr.message));
    watch_ms = WATCH_EVERY_TICKS * HUB_TICK_MS;
  }
  if (watch_ms < tick_ms) tick_ms = watch_ms;
  int joins = serves_joins(h), joins_failing = 0;
  bones_kv *joins_kv = NULL;
  if (joins && tick_ms > BONES_HUB_JOIN_POLL_MS) tick_ms = BONES_HUB_JOIN_POLL_MS;
  int64_t last_watch = bones_monotonic_ms();
  while (!stop_requested) {
    struct timespec ts = {(time_t)(tick_ms / 1000), (long)(tick_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    if (stop_requested) break;
    if (!state_dir_same(h)) {
      h->state_lost = 1;
      fprintf(stderr, "bones hub %ld: %s/" BONES_DIR " is gone or replaced; stopping\n", (long)getpid(), h->root);
      break;
    }
    int status;
    struct bones_error e;
    if (h->repo_pid > 0 && waitpid(h->repo_pid, &status, WNOHANG) == h->repo_pid) {
      bones_hublog(h->root, BONES_LOG_ERROR, "error", "the hub repository server exited; restarting it", NULL);
      h->repo_pid = 0; /* reaped: that pid may be reused, never signal it */
      if (start_repo_server(h, &e) != BONES_OK)
        bones_hublog(h->root, BONES_LOG_ERROR, "error", "cannot restart the repository server",
                     json_pack("{s:s}", "err", e.message));
      else
        write_children(h);
    }
    if (h->managed && h->kv.pid > 0 && waitpid(h->kv.pid, &status, WNOHANG) == h->kv.pid) {
      bones_hublog(h->root, BONES_LOG_ERROR, "error", "the substrate server exited; restarting it", NULL);
      int port = h->kv.port;
      char *dir = bones_ws_path(h->root, h->kv_kind == BONES_SERVER_NATS ? "nats" : "redis");
      char *log = bones_ws_path(h->root, h->kv_kind == BONES_SERVER_NATS ? "nats.log" : "redis.log");
      struct bones_server_opts opts = {h->kv_secret, h->durability == BONES_DURABILITY_DURABLE};
      if (bones_server_start_with(h->kv_kind, dir, log, port, 15000, &opts, &h->kv, &e) != BONES_OK)
        bones_hublog(h->root, BONES_LOG_ERROR, "error", "cannot restart the substrate server",
                     json_pack("{s:s}", "err", e.message));
      else
        write_children(h);
      free(dir);
      free(log);
    }
    if (joins) serve_joins(h, &joins_kv, &joins_failing);
    if (bones_monotonic_ms() - last_watch >= watch_ms) {
      run_watchers(h);
      last_watch = bones_monotonic_ms();
    }
  }
  bones_kv_close(joins_kv);
}

/* Imports git's new commits onto trunk before the hub reports ready, so
 * slots joined after a start see them; a failure is logged, not fatal. */
static void import_git(struct hub_run *h) {
  json_t *res = NULL;
  struct bones_error e;
  if (bones_gitsync_import(h->root, h->repo, h->repo_handle, &res, &e) != BONES_OK) {
    if (e.code != BONES_E_REFUSED) /* no git repository: nothing to follow */
      bones_hublog(h->root, BONES_LOG_WARN, "git-sync", "importing git commits failed", json_pack("{s:s}", "err", e.message));
    return;
  }
  if (!json_is_true(json_object_get(res, "up_to_date")))
    bones_hublog(h->root, BONES_LOG_INFO, "git-sync", "imported git commits onto trunk",
                 json_pack("{s:O, s:I, s:O}", "checkin", json_object_get(res, "checkin"), "files",
                           (json_int_t)json_array_size(json_object_get(res, "files")), "conflicts",
                           json_object_get(res, "conflicts")));
  json_decref(res);
}

/* The hub itself: runs until a stop signal (or fails and reports). */
static int hub_run(const char *root, int ready_fd, int wait_ms, struct bones_error *err) {
  if (ready_fd >= 0) fcntl(ready_fd, F_SETFD, FD_CLOEXEC); /* the servers must not hold it */
  struct hub_run h;
  memset(&h, 0, sizeof h);
  h.root = root;
  h.lock_fd = -1;
  int rc = take_lock(&h, err);
  if (rc != BONES_OK) {
    report(ready_fd, err);
    return rc;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  stop_requested = 0;
  clear_stale_hub(&h);
  char *state_dir = bones_xasprintf("%s/" BONES_DIR, root);
  struct stat sst;
  if (stat(state_dir, &sst) == 0) h.state_dev = sst.st_dev, h.state_ino = sst.st_ino;
  free(state_dir);
  h.hub_path = bones_ws_path(root, "hub.fossil");
  char *state = bones_ws_path(root, "repo");
  struct bones_repo_options ro = {state, 60000};
  rc = bones_loader_repo_backend("fossil", &h.repo, err);
  if (rc == BONES_OK) rc = bones_mkdir_p(state, 0700, err);
  if (rc == BONES_OK) rc = h.repo->open(&ro, &h.repo_handle, err);
  free(state);
  if (rc == BONES_OK) rc = seed_hub(&h, err);
  h.listen = listen_addr(root);
  if (rc == BONES_OK) {
    char *old = read_line_file(root, "hub-repo-url");
    h.repo_port = repo_port_of(old);
    free(old);
    if (!bones_port_free_at(h.listen, h.repo_port)) rc = bones_free_port(&h.repo_port, err);
  }
  if (rc == BONES_OK) {
    h.repo_url = bones_xasprintf("http://%s:%d", h.listen, h.repo_port);
    rc = start_repo_server(&h, err);
  }
  char *spec = bones_workspace_config_substrate(root);
  h.managed = managed_kind(spec, &h.kv_kind);
  /* never start a server whose backend module this bones cannot load */
  if (rc == BONES_OK && h.managed) rc = bones_substrate_check(spec, err);
  free(spec);
  if (rc == BONES_OK && h.managed) rc = bones_kv_secret_ensure(root, h.kv_secret, err);
  h.durability = bones_workspace_durability(root);
  if (rc == BONES_OK && h.managed) rc = start_kv_server(&h, err);
  if (rc == BONES_OK) rc = wait_repo(&h, wait_ms, err);
  char *pidpath = bones_ws_path(root, "hub.pid");
  if (rc == BONES_OK) rc = write_line_file(root, "hub-repo-url", h.repo_url, err);
  if (rc == BONES_OK && h.managed) rc = write_line_file(root, "hub-kv-url", h.kv.url, err);
  /* what the managed server was started with, for doctor */
  if (rc == BONES_OK && h.managed)
    rc = write_line_file(root, "hub-kv-durability", bones_durability_name(h.kv.durable ? BONES_DURABILITY_DURABLE
                                                                                         : BONES_DURABILITY_FAST), err);
  struct bones_pid_record self = bones_pid_record_of(getpid());
  if (rc == BONES_OK) rc = bones_pid_record_write(pidpath, &self, err);
  if (rc == BONES_OK) write_children(&h);
  if (rc == BONES_OK) import_git(&h);
  if (rc != BONES_OK) {
    bones_hublog(root, BONES_LOG_ERROR, "lifecycle", "hub start failed", json_pack("{s:s}", "err", err->message));
    stop_servers(&h);
    report(ready_fd, err);
  } else {
    write_registry(&h, &self);
    char *kv_shown = bones_url_redact(h.managed ? h.kv.url : ""); /* never the password */
    bones_hublog(root, BONES_LOG_INFO, "lifecycle", "hub ready",
                 json_pack("{s:s, s:s, s:i, s:s, s:b}", "repo_url", h.repo_url, "kv_url", kv_shown, "pid", (int)getpid(),
                           "durability", bones_durability_name(h.durability), "kv_fsync_every_write",
                           h.managed && h.kv.durable));
    free(kv_shown);
    report(ready_fd, NULL);
    start_services(root);
    supervise(&h);
    stop_services(root);
    if (h.state_lost || !state_dir_same(&h)) { /* its files are gone, or belong to a new workspace: touch none */
      stop_servers(&h);
      forget_registry(&h, &self);
    } else {
      bones_hublog(root, BONES_LOG_INFO, "lifecycle", "hub stopping", NULL);
      stop_servers(&h);
      char *kidpath = bones_ws_path(root, "hub.children");
      unlink(kidpath);
      free(kidpath);
      unlink(pidpath);
      struct bones_pid_record none = {0, 0};
      write_registry(&h, &none);
      bones_hublog(root, BONES_LOG_INFO, "lifecycle", "hub stopped", NULL);
    }
  }
  explicit_bzero(h.kv_secret, sizeof h.kv_secret);
  free(pidpath);
  if (h.repo_handle) h.repo->close(h.repo_handle);
  free(h.hub_path);
  free(h.repo_url);
  free(h.listen);
  release_lock(&h);
  return rc;
}

/* Starts `bones -C root hub start --ready-fd N` in a new session and
 * waits for its report. */
static int start_detached(const char *root, int wait_ms, struct bones_error *err) {
  char *exe = bones_self_exe();
  if (exe == NULL) return bones_error_set(err, BONES_E_INTERNAL, "cannot find the bones executable");
  int p[2];
  if (pipe(p) != 0) {
    free(exe);
    return bones_error_set(err, BONES_E_INTERNAL, "pipe: %s", strerror(errno));
  }
  pid_t pid = fork();
  if (pid < 0) {
    free(exe);
    close(p[0]), close(p[1]);
    return bones_error_set(err, BONES_E_INTERNAL, "fork: %s", strerror(errno));
  }
  if (pid == 0) {
    close(p[0]);
    setsid();
    if (fork() > 0) _exit(0); /* the grandchild is reparented: no zombie for our caller */
    setpgid(0, 0);            /* the hub leads its own group: its servers join it */
    unsetenv(BONES_SPAWNED_BY_ENV); /* a daemon: no run program of whoever started it */
    int in = open("/dev/null", O_RDONLY);
    char *outpath = bones_ws_path(root, "hub.out");
    int out = open(outpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) dup2(out, 1), dup2(out, 2);
    char fdbuf[16], waitbuf[24];
    snprintf(fdbuf, sizeof fdbuf, "%d", p[1]);
    snprintf(waitbuf, sizeof waitbuf, "%dms", wait_ms);
    const char *argv[] = {exe, "-C", root, "hub", "start", "--ready-fd", fdbuf, "--wait", waitbuf, NULL};
    execv(exe, (char *const *)argv);
    _exit(127);
  }
  close(p[1]);
  waitpid(pid, NULL, 0);
  free(exe);
  char buf[1024];
  size_t got = 0;
  int64_t deadline = bones_monotonic_ms() + wait_ms + 5000;
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  while (got < sizeof buf - 1 && bones_monotonic_ms() < deadline) {
    ssize_t n = read(p[0], buf + got, sizeof buf - 1 - got);
    if (n > 0) {
      got += (size_t)n;
      buf[got] = '\0';
      /* complete reports: "ok\n", or "error C MSG\nHINT\n" */
      if (strncmp(buf, "ok\n", 3) == 0) break;
      char *nl = strchr(buf, '\n');
      if (strncmp(buf, "error", 5) == 0 && nl && strchr(nl + 1, '\n')) break;
      continue;
    }
    if (n == 0) break;
    struct timespec ts = {0, 10000000L};
    nanosleep(&ts, NULL);
  }
  close(p[0]);
  buf[got] = '\0';
  if (strncmp(buf, "ok", 2) == 0) return BONES_OK;
  int code = 0;
  char msg[BONES_ERROR_MESSAGE_MAX] = "";
  if (sscanf(buf, "error %d %511[^\n]", &code, msg) >= 1 && code > 0) {
    bones_error_set(err, code, "%s", msg);
    char *hint = strchr(buf, '\n');
    if (hint && hint[1]) {
      hint++;
      hint[strcspn(hint, "\n")] = '\0';
      if (*hint) bones_error_hint(err, "%s", hint);
    }
    return code;
  }
  bones_error_set(err, BONES_E_UNAVAILABLE, "the hub did not report ready within %d ms", wait_ms);
  bones_error_hint(err, "see .bones/hub.log and .bones/hub.out");
  return BONES_E_UNAVAILABLE;
}

int bones_hub_start(const char *root, const struct bones_hub_start_options *o, int *already,
                    struct bones_error *err) {
  int wait_ms = o && o->wait_ms > 0 ? o->wait_ms : 20000;
  if (already) *already = 0;
  int rc = bones_workspace_refuse_remote(root, "hub start", err);
  if (rc != BONES_OK) return rc;
  struct bones_hub_status st;
  bones_hub_status(root, &st, err);
  int running = st.running;
  bones_hub_status_clear(&st);
  if (running) {
    if (already) *already = 1;
    if (o && o->ready_fd >= 0) report(o->ready_fd, NULL);
    return BONES_OK;
  }
  if (o && o->detach) return start_detached(root, wait_ms, err);
  return hub_run(root, o ? o->ready_fd : -1, wait_ms, err);
}

int bones_hub_ensure(const char *root, struct bones_error *err) {
  char *remote = bones_workspace_remote_hub(root);
  free(remote);
  if (remote) return BONES_OK; /* it runs on its own host */
  struct bones_hub_start_options o = {1, 0, -1};
  int rc = bones_hub_start(root, &o, NULL, err);
  if (rc == BONES_E_CONFLICT) { /* someone else is starting it: wait for them */
    for (int i = 0; i < 200; i++) {
      struct bones_hub_status st;
      bones_hub_status(root, &st, err);
      int up = st.running;
      bones_hub_status_clear(&st);
      if (up) return BONES_OK;
      struct timespec ts = {0, 100000000L};
      nanosleep(&ts, NULL);
    }
  }
  return rc;
}

int bones_hub_stop(const char *root, int force, int *was_running, struct bones_error *err) {
  if (was_running) *was_running = 0;
  char *pidpath = bones_ws_path(root, "hub.pid");
  struct bones_pid_record rec;
  struct bones_error e;
  int have = bones_pid_record_read(pidpath, &rec, &e) == BONES_OK;
  enum bones_pid_state state = have ? bones_pid_check(&rec, HUB_MARKER) : BONES_PID_GONE;
  if (state != BONES_PID_OURS) {
    /* no hub, a dead one, or a stale hub.pid naming another process (never
     * signalled): stop only the servers hub.children proves are still the
     * dead hub's, and forget the pid */
    stop_recorded_children(root);
    if (state == BONES_PID_STALE)
      bones_hublog(root, BONES_LOG_WARN, "lifecycle", "removed a stale hub.pid (its pid is another process; left alone)",
                   json_pack("{s:i}", "pid", (int)rec.pid));
    unlink(pidpath);
    free(pidpath);
    return BONES_OK;
  }
  if (!force) {
    struct bones_slot *slots = NULL;
    size_t n = 0;
    int rc = bones_slots_list(root, NULL, &slots, &n, err);
    if (rc != BONES_OK) {
      free(pidpath);
      return rc;
    }
    char names[256] = "";
    int live = 0;
    for (size_t i = 0; i < n; i++) {
      if (!bones_slot_active(&slots[i])) continue;
      live++;
      if (strlen(names) + strlen(slots[i].name) + 3 < sizeof names) {
        if (*names) strcat(names, ", ");
        strcat(names, slots[i].name);
      }
    }
    bones_slots_free(slots, n);
    if (live) {
      free(pidpath);
      bones_error_set(err, BONES_E_REFUSED, "hub: active swarm slots present (%s)", names);
      bones_error_hint(err, "close them with `bones swarm close`, or stop anyway with --force");
      return BONES_E_REFUSED;
    }
  }
  if (was_running) *was_running = 1;
  int leads = getpgid(rec.pid) == rec.pid; /* looked at while it is verified ours */
  int gone = 0;
  bones_terminate_recorded(&rec, HUB_MARKER, 0, 10000, &gone);
  /* what is left of its group (fossil's per-connection children hold the
   * port): right after the verified leader exits, its group id can only
   * name its own processes (Linux does not reuse a pid that is still a
   * process group id) */
  if (gone && leads && kill(-rec.pid, 0) == 0) bones_terminate(rec.pid, 1, 3000);
  stop_recorded_children(root); /* what a killed hub could not stop */
  unlink(pidpath);
  free(pidpath);
  if (!gone) return bones_error_set(err, BONES_E_INTERNAL, "the hub (pid %ld) did not stop", (long)rec.pid);
  bones_hublog(root, BONES_LOG_INFO, "lifecycle", "hub stopped by bones hub stop", NULL);
  return BONES_OK;
}

int bones_hub_seed(const char *root, int *seeded, struct bones_error *err) {
  if (seeded) *seeded = 0;
  char *remote = bones_workspace_remote_hub(root);
  free(remote);
  if (remote) return BONES_OK; /* seeded on its own host */
  char *path = bones_ws_path(root, "hub.fossil");
  int exists = bones_path_exists(path);
  free(path);
  if (exists) return BONES_OK;
  struct hub_run h;
  memset(&h, 0, sizeof h);
  h.root = root;
  h.lock_fd = -1;
  if (take_lock(&h, err) != BONES_OK) { /* a hub is starting: it seeds */
    bones_error_clear(err);
    return BONES_OK;
  }
  h.hub_path = bones_ws_path(root, "hub.fossil");
  char *state = bones_ws_path(root, "repo");
  struct bones_repo_options ro = {state, 60000};
  int rc = bones_loader_repo_backend("fossil", &h.repo, err);
  if (rc == BONES_OK) rc = bones_mkdir_p(state, 0700, err);
  if (rc == BONES_OK) rc = h.repo->open(&ro, &h.repo_handle, err);
  free(state);
  int had = bones_path_exists(h.hub_path);
  if (rc == BONES_OK) rc = seed_hub(&h, err);
  if (rc == BONES_OK && seeded) *seeded = !had;
  if (h.repo_handle) h.repo->close(h.repo_handle);
  free(h.hub_path);
  release_lock(&h);
  return rc;
}
