/* bench_race.c: contention throughput.
 *   bench-race --substrate URL [--raw-url URL] [--procs N] [--keys K]
 * N processes (forked before any connection; each opens its own through
 * bones_kv_open, and its own raw client, raw.h) race, all in the same key
 * order, through four timed phases separated by barriers:
 *   create vtable  bones_kv_create of v/00000..      (one winner per key)
 *   create raw     raw->create of r/00000..
 *   (untimed: every process reads each key's revision with bones_kv_get)
 *   update raw     raw->update of r/... from that revision
 *   update vtable  bones_kv_update of v/... from that revision
 * Every update starts from the same revision, so again exactly one process
 * may win each key.  Each process reports its wins (key, revision); the
 * parent prints throughput (wins/s, attempts/s), conflicts, errors and
 * duplicates (keys with more than one winner: must be 0), the vtable/raw
 * wall-time ratio, and checks every stored value names its winner.
 * Exit 1 on duplicates, errors or wrong values (never on speed). */
#include "config.h"

#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "builtins.h"
#include "loader.h"
#include "raw.h"

enum { PH_CREATE_VT = 1, PH_CREATE_RAW, PH_PREREAD, PH_UPDATE_RAW, PH_UPDATE_VT, PH_COUNT };
#define NBARRIERS PH_COUNT /* barrier b ends phase b (0: connected) */
#define BARRIER_WAIT_MS 300000
static const char *const phase_names[PH_COUNT] = {"connect", "create vtable", "create raw", "read revisions",
                                                  "update raw", "update vtable"};

static struct {
  const char *url, *raw_url;
  int procs, keys;
  char bucket[64];
  const struct raw_client *raw;
  int ready_r, ready_w, go_r[NBARRIERS], go_w[NBARRIERS];
} g;

/* Child: tells the parent it reached barrier b ('r', or 'E' on a fatal
 * error), then waits for the parent to open it (EOF on go_r[b]). */
static void child_barrier(int b, char what) {
  (void)!write(g.ready_w, &what, 1);
  if (what == 'E') _exit(1);
  if (b == NBARRIERS - 1) return;
  char ch;
  while (read(g.go_r[b], &ch, 1) > 0) {
  }
}

/* Child: one process of the race; reports "w PHASE KEY REV" per win and
 * "s PHASE LOST ERRORS" per phase on out, then exits. */
static void child_main(int idx, FILE *out) {
  struct bones_error err;
  bones_kv *kv = NULL;
  bones_kv_bucket *b = NULL;
  struct bones_kv_bucket_config cfg = {0, 0, BONES_KV_BUCKET_CREATE};
  alarm(900);
  bones_register_builtin_backends(&err);
  if (bones_kv_open(g.url, NULL, &kv, &err) != BONES_OK || bones_kv_bucket_open(kv, g.bucket, &cfg, &b, NULL, &err)) {
    fprintf(stderr, "bench-race: process %d: %s\n", idx, err.message);
    child_barrier(0, 'E');
  }
  void *rh = g.raw->open(g.raw_url, g.bucket);
  if (rh == NULL) child_barrier(0, 'E');
  uint64_t *revs = calloc((size_t)g.keys * 2, sizeof *revs); /* v/ then r/ */
  char key[32], val[32], first[600] = "";
  int lost[PH_COUNT] = {0}, errors[PH_COUNT] = {0};
  child_barrier(0, 'r');
  for (int ph = PH_CREATE_VT; ph < PH_COUNT; ph++) {
    int vt = ph == PH_CREATE_VT || ph == PH_UPDATE_VT;
    snprintf(val, sizeof val, "%c%d", ph <= PH_CREATE_RAW ? 'p' : 'u', idx);
    for (int k = 0; k < g.keys; k++) {
      uint64_t rev = 0, *from = &revs[(vt ? 0 : g.keys) + k];
      int rc;
      snprintf(key, sizeof key, "%c/%05d", vt ? 'v' : 'r', k);
      if (ph == PH_PREREAD) {
        for (int j = 0; j < 2; j++) {
          struct bones_kv_value v;
          snprintf(key, sizeof key, "%c/%05d", j ? 'r' : 'v', k);
          if (bones_kv_get(b, key, &v, &err) == BONES_OK) revs[j * g.keys + k] = v.rev;
          else errors[ph]++, snprintf(first, sizeof first, "get %s: %s", key, err.message);
          bones_kv_value_free(&v);
        }
        continue;
      }
      if (ph == PH_CREATE_VT || ph == PH_UPDATE_VT) {
        rc = ph == PH_CREATE_VT ? bones_kv_create(b, key, val, strlen(val), &rev, &err)
                                : bones_kv_update(b, key, val, strlen(val), *from, &rev, &err);
        rc = rc == BONES_OK ? 0 : (rc == BONES_E_EXISTS || rc == BONES_E_CONFLICT) ? -1 : -2;
        if (rc == -2) snprintf(first, sizeof first, "%s %s: %s", phase_names[ph], key, err.message);
      } else {
        rc = ph == PH_CREATE_RAW ? g.raw->create(rh, key, val, strlen(val), &rev)
                                 : g.raw->update(rh, key, val, strlen(val), *from, &rev);
        if (rc <= -2) snprintf(first, sizeof first, "%s %s: raw client failed", phase_names[ph], key);
      }
      if (rc == 0) fprintf(out, "w %d %d %llu\n", ph, k, (unsigned long long)rev);
      else if (rc == -1) lost[ph]++;
      else errors[ph]++;
    }
    child_barrier(ph, 'r');
  }
  for (int ph = PH_CREATE_VT; ph < PH_COUNT; ph++) fprintf(out, "s %d %d %d\n", ph, lost[ph], errors[ph]);
  if (first[0]) fprintf(out, "e %s\n", first);
  fclose(out);
  g.raw->close(rh);
  bones_kv_close(kv);
  bones_loader_shutdown();
  free(revs);
  _exit(0);
}

/* Parent: waits until every process reached the barrier.  0, or -1 when one
 * failed ('E'), died, or BARRIER_WAIT_MS passed. */
static int parent_wait(int b) {
  int n = 0;
  while (n < g.procs) {
    struct pollfd p = {g.ready_r, POLLIN, 0};
    char buf[64];
    if (poll(&p, 1, BARRIER_WAIT_MS) <= 0) {
      fprintf(stderr, "bench-race: barrier %d (%s): timed out\n", b, phase_names[b]);
      return -1;
    }
    ssize_t got = read(g.ready_r, buf, sizeof buf);
    if (got <= 0 || memchr(buf, 'E', (size_t)got)) return -1;
    n += (int)got;
  }
  return 0;
}

/* What the parent learns from the reports. */
struct tally {
  int *winners, *who;   /* per phase x key: count, last winner */
  uint64_t *revs;       /* every win's revision */
  size_t nrevs;
  long lost[PH_COUNT], errors[PH_COUNT];
};

/* Parent: reads child idx's report into t. */
static void parent_read(struct tally *t, int idx, FILE *in) {
  char line[700];
  int ph, k, a, e;
  unsigned long long rev;
  while (fgets(line, sizeof line, in)) {
    if (sscanf(line, "w %d %d %llu", &ph, &k, &rev) == 3 && ph > 0 && ph < PH_COUNT && k >= 0 && k < g.keys) {
      t->winners[ph * g.keys + k]++;
      t->who[ph * g.keys + k] = idx;
      t->revs[t->nrevs++] = rev;
    } else if (sscanf(line, "s %d %d %d", &ph, &a, &e) == 3 && ph > 0 && ph < PH_COUNT) {
      t->lost[ph] += a;
      t->errors[ph] += e;
    } else if (line[0] == 'e') {
      fprintf(stderr, "bench-race: process %d: %s", idx, line + 2);
    }
  }
}

/* qsort order of revisions. */
static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Parent: counts stored values that do not name their phase's winner
 * (the update winner, else the creator). */
static int parent_verify(const struct tally *t) {
  struct bones_error err;
  bones_kv *kv = NULL;
  bones_kv_bucket *b = NULL;
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0};
  if (bones_kv_open(g.url, NULL, &kv, &err) != BONES_OK || bones_kv_bucket_open(kv, g.bucket, &cfg, &b, NULL, &err)) {
    fprintf(stderr, "bench-race: verify: %s\n", err.message);
    return g.keys * 2;
  }
  int bad = 0;
  for (int j = 0; j < 2; j++) {
    int cph = j ? PH_CREATE_RAW : PH_CREATE_VT, uph = j ? PH_UPDATE_RAW : PH_UPDATE_VT;
    for (int k = 0; k < g.keys; k++) {
      char key[32], want[32];
      struct bones_kv_value v;
      int u = t->winners[uph * g.keys + k] == 1;
      snprintf(key, sizeof key, "%c/%05d", j ? 'r' : 'v', k);
      snprintf(want, sizeof want, "%c%d", u ? 'u' : 'p', t->who[(u ? uph : cph) * g.keys + k]);
      if (bones_kv_get(b, key, &v, &err) != BONES_OK || v.len != strlen(want) || memcmp(v.value, want, v.len))
        bad++;
      bones_kv_value_free(&v);
    }
  }
  bones_kv_close(kv);
  return bad;
}

/* Parent: prints the phase table and the checks; returns the exit status. */
static int parent_report(struct tally *t, const int64_t *wall_ns) {
  int status = 0;
  long dup_total = 0;
  printf("%s: %d processes x %d keys, own connections, raw client %s\n", g.url, g.procs, g.keys, g.raw->name);
  printf("  %-14s %9s %10s %11s %6s %9s %6s %4s %7s\n", "phase", "wall ms", "wins/s", "attempts/s", "wins",
         "conflicts", "errors", "dup", "no-win");
  for (int ph = PH_CREATE_VT; ph < PH_COUNT; ph++) {
    if (ph == PH_PREREAD) continue;
    long wins = 0, dup = 0, none = 0;
    for (int k = 0; k < g.keys; k++) {
      int w = t->winners[ph * g.keys + k];
      wins += w, dup += w > 1, none += w == 0;
    }
    double s = (double)wall_ns[ph] / 1e9;
    printf("  %-14s %9.1f %10.0f %11.0f %6ld %9ld %6ld %4ld %7ld\n", phase_names[ph], s * 1000, wins / s,
           (double)g.procs * g.keys / s, wins, t->lost[ph], t->errors[ph], dup, none);
    dup_total += dup;
    if (dup || none || t->errors[ph]) status = 1;
  }
  printf("  ratio vtable/raw wall time: create %.2f   update %.2f\n",
         (double)wall_ns[PH_CREATE_VT] / (double)wall_ns[PH_CREATE_RAW],
         (double)wall_ns[PH_UPDATE_VT] / (double)wall_ns[PH_UPDATE_RAW]);
  qsort(t->revs, t->nrevs, sizeof *t->revs, cmp_u64);
  size_t same = 0;
  for (size_t i = 1; i < t->nrevs; i++) same += t->revs[i] == t->revs[i - 1];
  int bad = parent_verify(t);
  printf("  duplicates (keys with more than one winner): %ld; revisions given twice: %zu; "
         "stored values not naming their winner: %d%s\n",
         dup_total, same, bad, dup_total || same || bad || status ? "   <-- WRONG" : "");
  return dup_total || same || bad ? 1 : status;
}

/* Parses the options into g; 0 or -1 (usage printed). */
static int parse_args(int argc, char **argv) {
  static const struct option opts[] = {{"substrate", required_argument, NULL, 's'},
                                       {"raw-url", required_argument, NULL, 'r'},
                                       {"procs", required_argument, NULL, 'p'},
                                       {"keys", required_argument, NULL, 'k'},
                                       {NULL, 0, NULL, 0}};
  int c;
  g.procs = 32, g.keys = 1000;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') g.url = optarg;
    else if (c == 'r') g.raw_url = optarg;
    else if (c == 'p') g.procs = atoi(optarg);
    else if (c == 'k') g.keys = atoi(optarg);
    else return -1;
  }
  if (!g.raw_url) g.raw_url = g.url;
  if (g.url && (g.raw = raw_for(g.raw_url)) != NULL && g.procs >= 2 && g.procs <= 256 && g.keys >= 1 &&
      g.keys <= 100000)
    return 0;
  fprintf(stderr, "usage: bench-race --substrate URL [--raw-url URL] [--procs 2-256] [--keys 1-100000]\n"
                  "(the raw client is picked from the raw URL's scheme; it must be built in)\n");
  return -1;
}

/* Forks the racers, opens the barriers one after the other (timing each
 * phase), collects the reports and prints the figures. */
int main(int argc, char **argv) {
  if (parse_args(argc, argv) != 0) return 2;
  snprintf(g.bucket, sizeof g.bucket, "race%ld", (long)getpid());
  int rp[2], out[2];
  if (pipe(rp) != 0) return 1;
  g.ready_r = rp[0], g.ready_w = rp[1];
  for (int b = 0; b < NBARRIERS; b++) {
    int gp[2];
    if (pipe(gp) != 0) return 1;
    g.go_r[b] = gp[0], g.go_w[b] = gp[1];
  }
  pid_t *pids = calloc((size_t)g.procs, sizeof *pids);
  FILE **ins = calloc((size_t)g.procs, sizeof *ins);
  fflush(stdout);
  for (int i = 0; i < g.procs; i++) {
    if (pipe(out) != 0 || (pids[i] = fork()) < 0) return 1;
    if (pids[i] == 0) {
      close(g.ready_r), close(out[0]);
      for (int b = 0; b < NBARRIERS; b++) close(g.go_w[b]);
      for (int j = 0; j < i; j++) fclose(ins[j]);
      child_main(i, fdopen(out[1], "w"));
    }
    close(out[1]);
    ins[i] = fdopen(out[0], "r");
  }
  close(g.ready_w);
  for (int b = 0; b < NBARRIERS; b++) close(g.go_r[b]);
  int64_t t_go[NBARRIERS] = {0}, wall[PH_COUNT] = {0};
  int failed = 0;
  for (int b = 0; b < NBARRIERS && !failed; b++) {
    failed = parent_wait(b) != 0;
    int64_t now = bench_now_ns();
    if (b > 0) wall[b] = now - t_go[b - 1];
    t_go[b] = bench_now_ns();
    close(g.go_w[b]); /* open the barrier */
  }
  if (failed)
    for (int i = 0; i < g.procs; i++) kill(pids[i], SIGKILL);
  struct tally t = {calloc((size_t)PH_COUNT * (size_t)g.keys, sizeof(int)),
                    calloc((size_t)PH_COUNT * (size_t)g.keys, sizeof(int)),
                    calloc((size_t)PH_COUNT * (size_t)g.keys * (size_t)g.procs, sizeof(uint64_t)), 0, {0}, {0}};
  for (int i = 0; i < g.procs; i++) {
    parent_read(&t, i, ins[i]);
    fclose(ins[i]);
    waitpid(pids[i], NULL, 0);
  }
  int status = 1;
  bones_register_builtin_backends(&(struct bones_error){0});
  if (!failed) status = parent_report(&t, wall);
  else fprintf(stderr, "bench-race: a process failed; no figures\n");
  bones_loader_shutdown();
  free(t.winners), free(t.who), free(t.revs), free(pids), free(ins);
  return status;
}
