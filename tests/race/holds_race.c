/* holds_race.c: N processes contending for overlapping sets of holds
 * (holds_race.h); the parent is the checker.  Prints TAP. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "builtins.h"
#include "holds.h"
#include "holds_race.h"
#include "loader.h"
#include "tap.h"
#include "util.h"

struct interval {
  int proc;
  int64_t start, end;
};

static struct {
  struct interval *iv[RACE_MAX_PATHS];
  size_t niv[RACE_MAX_PATHS], cap[RACE_MAX_PATHS];
  long acquired, refused;
  int done, failed_children;
} res;

/* The path index of a record of this run (PREFIX/fN), or -1. */
static int path_index(const struct race_cfg *c, const char *path) {
  size_t n = strlen(c->prefix);
  int i;
  char extra;
  if (path == NULL || strncmp(path, c->prefix, n) != 0 || path[n] != '/') return -1;
  if (sscanf(path + n + 1, "f%d%c", &i, &extra) != 1 || i < 0 || i >= c->paths) return -1;
  return i;
}

/* One sample: counts live holders per path; returns how many paths had
 * more than one (diagnosing the first few), or -1 when the list failed. */
static int sample(bones_kv *kv, const struct race_cfg *c, int *reported) {
  struct bones_error err;
  json_t *all = NULL;
  int rc = bones_holds_list(kv, &all, &err);
  if (rc != BONES_OK) {
    tap_diag("checker: list: %s: %s", bones_rc_name(rc), err.message);
    return -1;
  }
  int count[RACE_MAX_PATHS] = {0}, bad = 0;
  json_t *first[RACE_MAX_PATHS] = {NULL};
  size_t i;
  json_t *h;
  json_array_foreach(all, i, h) {
    const char *path = json_string_value(json_object_get(h, "path"));
    if (strncmp(path ? path : "", c->prefix, strlen(c->prefix)) != 0) continue; /* not this run's */
    int idx = path_index(c, path);
    if (idx < 0) {
      if ((*reported)++ < 5) tap_diag("checker: a hold on an unexpected path '%s'", path);
      bad++;
    } else if (json_is_true(json_object_get(h, "live")) && count[idx]++ == 0) {
      first[idx] = h;
    } else if (json_is_true(json_object_get(h, "live")) && count[idx] == 2 && (*reported)++ < 5) {
      tap_diag("checker: path f%d has two live holders at once: %s by %s (acquired %s) and %s by %s (acquired %s)",
               idx, json_string_value(json_object_get(first[idx], "key")),
               json_string_value(json_object_get(first[idx], "agent")),
               json_string_value(json_object_get(first[idx], "acquired_at")),
               json_string_value(json_object_get(h, "key")), json_string_value(json_object_get(h, "agent")),
               json_string_value(json_object_get(h, "acquired_at")));
    }
  }
  for (int p = 0; p < c->paths; p++) bad += count[p] > 1;
  json_decref(all);
  return bad;
}

/* Reads child idx's report into res; returns 1 when it reports done. */
static int read_report(const struct race_cfg *c, int idx) {
  char path[200], line[512];
  snprintf(path, sizeof path, "%s/child-%d", c->dir, idx);
  FILE *f = fopen(path, "r");
  int done = 0;
  while (f && fgets(line, sizeof line, f)) {
    int p;
    long long s, e;
    long a, r;
    if (sscanf(line, "iv %d %lld %lld", &p, &s, &e) == 3 && p >= 0 && p < c->paths) {
      if (res.niv[p] == res.cap[p]) {
        res.cap[p] = res.cap[p] ? 2 * res.cap[p] : 64;
        res.iv[p] = bones_xrealloc(res.iv[p], res.cap[p] * sizeof *res.iv[p]);
      }
      res.iv[p][res.niv[p]++] = (struct interval){idx, s, e};
    } else if (sscanf(line, "done %ld %ld", &a, &r) == 2) {
      res.acquired += a;
      res.refused += r;
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

static int cmp_start(const void *a, const void *b) {
  const struct interval *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* Counts pairs of hold intervals on one path that overlap. */
static long overlaps(const struct race_cfg *c, size_t *total) {
  long bad = 0;
  *total = 0;
  for (int p = 0; p < c->paths; p++) {
    *total += res.niv[p];
    if (res.niv[p]) qsort(res.iv[p], res.niv[p], sizeof *res.iv[p], cmp_start);
    for (size_t i = 1; i < res.niv[p]; i++) {
      struct interval *a = &res.iv[p][i - 1], *b = &res.iv[p][i];
      if (b->start < a->end && bad++ < 5)
        tap_diag("f%d: race-%d held [%lld, %lld] us, race-%d from %lld", p, a->proc, (long long)a->start,
                 (long long)a->end, b->proc, (long long)b->start);
    }
    free(res.iv[p]);
  }
  return bad;
}

/* Holds of this run still stored (live or not). */
static long leftovers(bones_kv *kv, const struct race_cfg *c) {
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
  fprintf(status ? stderr : stdout, "usage: holds_race --substrate URL [--procs N] [--rounds R] [--paths P] "
                                    "[--deadline SECONDS]\n");
  exit(status);
}

static void parse_args(int argc, char **argv, struct race_cfg *c) {
  static const struct option opts[] = {{"substrate", required_argument, NULL, 's'},
                                       {"procs", required_argument, NULL, 'n'},
                                       {"rounds", required_argument, NULL, 'r'},
                                       {"paths", required_argument, NULL, 'p'},
                                       {"deadline", required_argument, NULL, 'd'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int o;
  *c = (struct race_cfg){NULL, 16, 30, 8, 180, "", ""};
  while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (o) {
    case 's': c->url = optarg; break;
    case 'n': c->procs = atoi(optarg); break;
    case 'r': c->rounds = atoi(optarg); break;
    case 'p': c->paths = atoi(optarg); break;
    case 'd': c->deadline_s = atoi(optarg); break;
    case 'h': usage(0); break;
    default: usage(2);
    }
  }
  if (!c->url || optind != argc || c->procs < 2 || c->procs > 256 || c->rounds < 1 || c->paths < 4 ||
      c->paths > RACE_MAX_PATHS || c->deadline_s < 10)
    usage(2);
  snprintf(c->prefix, sizeof c->prefix, "race-%ld-%ld", (long)getpid(), (long)time(NULL));
}

int main(int argc, char **argv) {
  struct race_cfg c;
  struct bones_error err;
  parse_args(argc, argv, &c);
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *tmp = getenv("TMPDIR");
  snprintf(c.dir, sizeof c.dir, "%s/bones-holdsrace-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(c.dir) == NULL) tap_bail("mkdtemp %s failed", c.dir);
  if (bones_register_builtin_backends(&err) != BONES_OK) tap_bail("cannot register built-ins: %s", err.message);
  tap_diag("substrate %s: %d processes x %d rounds over %d paths (%s/f*)", c.url, c.procs, c.rounds, c.paths,
           c.prefix);

  /* Children fork before this process opens any connection. */
  int ready[2], go[2];
  pid_t *pids = bones_xcalloc((size_t)c.procs, sizeof *pids);
  if (pipe(ready) != 0 || pipe(go) != 0) tap_bail("pipe failed");
  for (int i = 0; i < c.procs; i++) {
    fflush(NULL);
    if ((pids[i] = fork()) < 0) tap_bail("fork failed");
    if (pids[i] == 0) {
      close(ready[0]);
      close(go[1]);
      race_child(&c, i, ready[1], go[0]);
    }
  }
  close(ready[1]);
  close(go[0]);
  int nready = 0;
  char ch;
  while (nready < c.procs && read(ready[0], &ch, 1) == 1) nready++;
  close(ready[0]);
  bones_kv *kv = NULL;
  struct bones_kv_options opts = {RACE_TIMEOUT_MS};
  int rc = bones_kv_open(c.url, &opts, &kv, &err);
  if (rc != BONES_OK) {
    for (int i = 0; i < c.procs; i++) kill(pids[i], SIGKILL);
    tap_bail("cannot open %s: %s: %s", c.url, bones_rc_name(rc), err.message);
  }
  tap_ok(nready == c.procs, "%d of %d children connected", nready, c.procs);
  int64_t t0 = bones_monotonic_ms(), deadline = t0 + (int64_t)c.deadline_s * 1000;
  close(go[1]); /* go */

  long samples = 0, bad_samples = 0, list_errors = 0;
  int running = c.procs, reported = 0, timed_out = 0;
  while (running > 0) {
    int b = sample(kv, &c, &reported);
    samples++;
    if (b < 0) list_errors++;
    else bad_samples += b > 0;
    for (int i = 0; i < c.procs; i++) {
      int st;
      if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
        pids[i] = 0;
        running--;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) res.failed_children++;
      }
    }
    if (running > 0 && bones_monotonic_ms() > deadline) {
      timed_out = 1;
      for (int i = 0; i < c.procs; i++)
        if (pids[i] > 0) kill(pids[i], SIGKILL), waitpid(pids[i], NULL, 0), res.failed_children++;
      break;
    }
    race_sleep_ms(RACE_SAMPLE_PAUSE_MS);
  }
  int64_t elapsed = bones_monotonic_ms() - t0;
  for (int i = 0; i < c.procs; i++) res.done += read_report(&c, i);
  tap_diag("%ld acquisitions, %ld refusals retried, %ld samples in %lld ms", res.acquired, res.refused, samples,
           (long long)elapsed);
  tap_ok(!timed_out, "finished within %d s (no deadlock)", c.deadline_s);
  tap_ok(res.done == c.procs && res.failed_children == 0, "%d of %d children finished %d rounds (%d failed)",
         res.done, c.procs, c.rounds, res.failed_children);
  tap_ok(res.acquired == (long)c.procs * c.rounds, "%ld of %ld acquisitions succeeded and were checked",
         res.acquired, (long)c.procs * c.rounds);
  tap_ok(samples >= 10 && list_errors == 0, "checker took %ld samples (%ld failed)", samples, list_errors);
  tap_ok(bad_samples == 0, "no path ever had two live holders (%ld bad samples)", bad_samples);
  size_t total = 0;
  long ov = overlaps(&c, &total);
  tap_ok(ov == 0 && total > 0, "%zu hold intervals, none overlapping another on its path (%ld overlaps)", total,
         ov);
  long left = leftovers(kv, &c);
  tap_ok(left == 0, "no holds left behind (%ld)", left);
  bones_kv_close(kv);
  bones_loader_shutdown();
  rmdir(c.dir);
  free(pids);
  return tap_done();
}
