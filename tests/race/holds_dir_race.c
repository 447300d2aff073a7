/* holds_dir_race.c: N processes racing for holds on a directory and on
 * paths beneath it (issue 10 item 8).  A hold on "src" covers "src/a.c",
 * so two agents may never hold overlapping paths at the same time, though
 * the two are distinct keys that create-if-absent alone cannot order.
 *
 * Each child runs R rounds: pick 1-2 paths of a small tree (PFX, PFX/src,
 * PFX/src/a.c, PFX/src/b, PFX/src/b/c.c, ...), acquire them (retrying a
 * refusal after a random pause; after a refusal none of them may be left
 * held by the child), hold 1-3 ms, release.  Each win is reported as an
 * interval (from after acquire returned to before release was called,
 * CLOCK_REALTIME).  The parent then checks every pair of intervals of two
 * children whose path sets overlap (equal, or one an ancestor of the
 * other): they must not overlap in time.  A live sampler is not used: the
 * acquire writes before it checks, so a loser's keys are briefly visible
 * before they are rolled back; only wins are promises.  Prints TAP. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "builtins.h"
#include "holds.h"
#include "loader.h"
#include "tap.h"
#include "util.h"

#define TIMEOUT_MS 10000
#define HOLD_TTL_MS 60000

/* The tree, relative to the run's prefix ("" is the prefix itself). */
static const char *const tree[] = {"", "src", "src/a.c", "src/b", "src/b/c.c", "src/b/d.c", "src.c", "srcx/a.c", "other.c"};
#define NTREE ((int)(sizeof tree / sizeof *tree))

struct cfg {
  const char *url;
  int procs, rounds, deadline_s;
  char prefix[64], dir[128];
};

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* 1 when tree paths i and j overlap: equal, or one lies beneath the other. */
static int overlap(int i, int j) {
  const char *a = tree[i], *b = tree[j];
  size_t la = strlen(a), lb = strlen(b);
  if (la == 0 || lb == 0) return 1; /* the prefix covers everything */
  if (la > lb) {
    const char *t = a;
    a = b, b = t;
    size_t tl = la;
    la = lb, lb = tl;
  }
  return strncmp(a, b, la) == 0 && (b[la] == '\0' || b[la] == '/');
}

static char *full(const struct cfg *c, int i) {
  return *tree[i] ? bones_xasprintf("%s/%s", c->prefix, tree[i]) : bones_xstrdup(c->prefix);
}

/* ---- child ---- */

static FILE *report;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(report, "fail ");
  vfprintf(report, fmt, ap);
  fprintf(report, "\n");
  va_end(ap);
  fclose(report);
  _exit(1);
}

/* After a refusal: no key of paths is held by me. */
static void check_none_mine(bones_kv *kv, char **paths, int k, const char *me) {
  struct bones_error err;
  json_t *held = NULL;
  int rc = bones_holds_conflicts(kv, (const char *const *)paths, (size_t)k, "race-observer", &held, &err);
  if (rc != BONES_OK) die("conflicts: %s: %s", bones_rc_name(rc), err.message);
  size_t i;
  json_t *h;
  json_array_foreach(held, i, h) {
    const char *p = json_string_value(json_object_get(h, "path"));
    for (int j = 0; j < k; j++)
      if (strcmp(json_string_value(json_object_get(h, "agent")), me) == 0 && p && strcmp(p, paths[j]) == 0)
        die("a refused acquire left %s held by me", p);
  }
  json_decref(held);
}

static void child(const struct cfg *c, int idx, int ready_w, int go_r) __attribute__((noreturn));
static void child(const struct cfg *c, int idx, int ready_w, int go_r) {
  char path[200], me[32], ch;
  snprintf(path, sizeof path, "%s/child-%d", c->dir, idx);
  snprintf(me, sizeof me, "dirrace-%d", idx);
  if ((report = fopen(path, "w")) == NULL) _exit(2);
  unsigned seed = (unsigned)getpid() * 2654435761u ^ (unsigned)now_us();
  alarm((unsigned)c->deadline_s);
  bones_kv *kv = NULL;
  struct bones_error err;
  struct bones_kv_options opts = {TIMEOUT_MS};
  int rc = bones_kv_open(c->url, &opts, &kv, &err);
  if (rc != BONES_OK) die("open %s: %s: %s", c->url, bones_rc_name(rc), err.message);
  (void)!write(ready_w, "r", 1);
  close(ready_w);
  while (read(go_r, &ch, 1) > 0) {
  }
  close(go_r);
  long refused = 0;
  struct bones_hold_owner owner = {me, "t-dirrace", NULL, 1, "directory race"};
  for (int r = 0; r < c->rounds; r++) {
    int k = 1 + (int)(rand_r(&seed) % 2), idx2[2];
    /* the root prefix, which blocks everyone, only now and then */
    do idx2[0] = (int)(rand_r(&seed) % NTREE);
    while (idx2[0] == 0 && rand_r(&seed) % 4);
    idx2[1] = 1 + (int)(rand_r(&seed) % (NTREE - 1));
    if (k == 2 && idx2[1] == idx2[0]) k = 1;
    char *paths[2];
    for (int i = 0; i < k; i++) paths[i] = full(c, idx2[i]);
    for (;;) {
      rc = bones_holds_acquire(kv, (const char *const *)paths, (size_t)k, &owner, HOLD_TTL_MS, &err);
      if (rc == BONES_OK) break;
      if (rc != BONES_E_CONFLICT) die("acquire: %s: %s", bones_rc_name(rc), err.message);
      refused++;
      check_none_mine(kv, paths, k, me);
      sleep_ms((long)(rand_r(&seed) % 6));
    }
    int64_t start = now_us();
    sleep_ms(1 + (long)(rand_r(&seed) % 3));
    int64_t end = now_us();
    size_t released = 0;
    rc = bones_holds_release(kv, (const char *const *)paths, (size_t)k, me, 0, &released, &err);
    if (rc != BONES_OK) die("release: %s: %s", bones_rc_name(rc), err.message);
    if (released != (size_t)k) die("release removed %zu of %d holds", released, k);
    fprintf(report, "iv %d %d %lld %lld\n", idx2[0], k == 2 ? idx2[1] : -1, (long long)start, (long long)end);
    for (int i = 0; i < k; i++) free(paths[i]);
  }
  fprintf(report, "done %d %ld\n", c->rounds, refused);
  bones_kv_close(kv);
  if (fclose(report) != 0) _exit(2);
  _exit(0);
}

/* ---- parent ---- */

struct win {
  int proc, p[2];
  int64_t start, end;
};

static struct win *wins;
static size_t nwins, capwins;
static long acquired, refusals;

static int read_report(const struct cfg *c, int idx) {
  char path[200], line[512];
  snprintf(path, sizeof path, "%s/child-%d", c->dir, idx);
  FILE *f = fopen(path, "r");
  int done = 0;
  while (f && fgets(line, sizeof line, f)) {
    int a, b;
    long long s, e;
    long x, y;
    if (sscanf(line, "iv %d %d %lld %lld", &a, &b, &s, &e) == 4 && a >= 0 && a < NTREE && b < NTREE) {
      if (nwins == capwins) {
        capwins = capwins ? 2 * capwins : 256;
        wins = bones_xrealloc(wins, capwins * sizeof *wins);
      }
      wins[nwins++] = (struct win){idx, {a, b}, s, e};
    } else if (sscanf(line, "done %ld %ld", &x, &y) == 2) {
      acquired += x;
      refusals += y;
      done = 1;
    } else if (strncmp(line, "fail ", 5) == 0) {
      line[strcspn(line, "\n")] = '\0';
      tap_diag("child %d: %s", idx, line + 5);
    }
  }
  if (f) fclose(f);
  unlink(path);
  return done;
}

static int wins_overlap(const struct win *a, const struct win *b) {
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      if (a->p[i] >= 0 && b->p[j] >= 0 && overlap(a->p[i], b->p[j])) return 1;
  return 0;
}

/* Pairs of wins by two children on overlapping paths that overlap in time;
 * *pairs counts the pairs that had to be ordered. */
static long bad_pairs(long *pairs) {
  long bad = 0;
  *pairs = 0;
  for (size_t i = 0; i < nwins; i++)
    for (size_t j = i + 1; j < nwins; j++) {
      const struct win *a = &wins[i], *b = &wins[j];
      if (a->proc == b->proc || !wins_overlap(a, b)) continue;
      (*pairs)++;
      if (a->start < b->end && b->start < a->end && bad++ < 5)
        tap_diag("dirrace-%d held /%s%s%s [%lld, %lld] while dirrace-%d held /%s%s%s [%lld, %lld]", a->proc,
                 tree[a->p[0]], a->p[1] >= 0 ? " and /" : "", a->p[1] >= 0 ? tree[a->p[1]] : "",
                 (long long)a->start, (long long)a->end, b->proc, tree[b->p[0]], b->p[1] >= 0 ? " and /" : "",
                 b->p[1] >= 0 ? tree[b->p[1]] : "", (long long)b->start, (long long)b->end);
    }
  return bad;
}

static long leftovers(bones_kv *kv, const struct cfg *c) {
  struct bones_error err;
  json_t *all = NULL;
  if (bones_holds_list(kv, &all, &err) != BONES_OK) return -1;
  long n = 0;
  size_t i;
  json_t *h;
  json_array_foreach(all, i, h) {
    const char *path = json_string_value(json_object_get(h, "path"));
    if (path && strncmp(path, c->prefix, strlen(c->prefix)) == 0 && n++ < 5)
      tap_diag("left behind: %s held by %s", path, json_string_value(json_object_get(h, "agent")));
  }
  json_decref(all);
  return n;
}

static void usage(int status) {
  fprintf(status ? stderr : stdout, "usage: holds_dir_race --substrate URL [--procs N] [--rounds R] [--deadline S]\n");
  exit(status);
}

int main(int argc, char **argv) {
  static const struct option opts[] = {{"substrate", required_argument, NULL, 's'}, {"procs", required_argument, NULL, 'n'},
                                       {"rounds", required_argument, NULL, 'r'},    {"deadline", required_argument, NULL, 'd'},
                                       {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0}};
  struct cfg c = {NULL, 12, 20, 150, "", ""};
  int o;
  while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (o == 's') c.url = optarg;
    else if (o == 'n') c.procs = atoi(optarg);
    else if (o == 'r') c.rounds = atoi(optarg);
    else if (o == 'd') c.deadline_s = atoi(optarg);
    else usage(o == 'h' ? 0 : 2);
  }
  if (!c.url || optind != argc || c.procs < 2 || c.procs > 256 || c.rounds < 1 || c.deadline_s < 10) usage(2);
  snprintf(c.prefix, sizeof c.prefix, "dirrace-%ld-%ld", (long)getpid(), (long)time(NULL));
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct bones_error err;
  const char *tmp = getenv("TMPDIR");
  snprintf(c.dir, sizeof c.dir, "%s/bones-dirrace-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(c.dir) == NULL) tap_bail("mkdtemp %s failed", c.dir);
  if (bones_register_builtin_backends(&err) != BONES_OK) tap_bail("cannot register built-ins: %s", err.message);
  tap_diag("substrate %s: %d processes x %d rounds over a tree of %d paths under %s", c.url, c.procs, c.rounds, NTREE,
           c.prefix);

  int ready[2], go[2];
  pid_t *pids = bones_xcalloc((size_t)c.procs, sizeof *pids);
  if (pipe(ready) != 0 || pipe(go) != 0) tap_bail("pipe failed");
  for (int i = 0; i < c.procs; i++) {
    fflush(NULL);
    if ((pids[i] = fork()) < 0) tap_bail("fork failed");
    if (pids[i] == 0) {
      close(ready[0]);
      close(go[1]);
      child(&c, i, ready[1], go[0]);
    }
  }
  close(ready[1]);
  close(go[0]);
  int nready = 0;
  char ch;
  while (nready < c.procs && read(ready[0], &ch, 1) == 1) nready++;
  close(ready[0]);
  tap_ok(nready == c.procs, "%d of %d children connected", nready, c.procs);
  int64_t t0 = bones_monotonic_ms(), deadline = t0 + (int64_t)c.deadline_s * 1000;
  close(go[1]); /* go */
  int running = c.procs, failed = 0, timed_out = 0;
  while (running > 0) {
    for (int i = 0; i < c.procs; i++) {
      int st;
      if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
        pids[i] = 0;
        running--;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failed++;
      }
    }
    if (running > 0 && bones_monotonic_ms() > deadline) {
      timed_out = 1;
      for (int i = 0; i < c.procs; i++)
        if (pids[i] > 0) kill(pids[i], SIGKILL), waitpid(pids[i], NULL, 0), failed++;
      break;
    }
    sleep_ms(20);
  }
  int64_t elapsed = bones_monotonic_ms() - t0;
  int done = 0;
  for (int i = 0; i < c.procs; i++) done += read_report(&c, i);
  tap_diag("%ld acquisitions, %ld refusals retried, in %lld ms", acquired, refusals, (long long)elapsed);
  tap_ok(!timed_out, "finished within %d s (no deadlock)", c.deadline_s);
  tap_ok(done == c.procs && failed == 0, "%d of %d children finished %d rounds (%d failed)", done, c.procs, c.rounds,
         failed);
  tap_ok(acquired == (long)c.procs * c.rounds && nwins == (size_t)acquired, "%zu of %ld acquisitions won and reported",
         nwins, (long)c.procs * c.rounds);
  long pairs = 0, bad = bad_pairs(&pairs);
  tap_ok(bad == 0 && pairs > 0,
         "no two children ever held overlapping paths at once (%ld overlapping pairs of wins checked, %ld overlapped in "
         "time)",
         pairs, bad);
  tap_ok(refusals > 0, "the race was real: %ld acquisitions were refused and retried", refusals);
  bones_kv *kv = NULL;
  struct bones_kv_options kopts = {TIMEOUT_MS};
  if (bones_kv_open(c.url, &kopts, &kv, &err) != BONES_OK) tap_bail("cannot open %s: %s", c.url, err.message);
  long left = leftovers(kv, &c);
  tap_ok(left == 0, "no holds left behind (%ld)", left);
  bones_kv_close(kv);
  bones_loader_shutdown();
  free(wins);
  free(pids);
  rmdir(c.dir);
  return tap_done();
}
