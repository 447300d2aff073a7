/* bench_claim.c: task claim throughput under contention.
 *   bench-claim --substrate URL [--procs N] [--tasks K]
 * A helper process creates K open tasks (bones_task_create) and hands
 * their ids over; then N processes (forked before any connection) each
 * open the backlog as agent bench-p<i> and, after a barrier, call
 * bones_task_claim on every task once, each in its own random order.
 * Each process reports its wins; the parent prints claims/s (wins over
 * the wall time from the barrier to the last process done), attempts/s,
 * conflicts, errors and duplicates (tasks with more than one winner), and
 * a verifier process checks every record is claimed by its one winner.
 * Exit 1 on duplicates, missing winners, errors or wrong records (never
 * on speed). */
#include "config.h"

#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "builtins.h"
#include "loader.h"
#include "tasks.h"

#define ID_MAX 32
static struct {
  const char *url;
  int procs, tasks;
  char (*ids)[ID_MAX];
} g;

/* Opens the substrate and the backlog as agent; exits the process on error. */
static bones_kv *open_backlog(const char *agent, struct bones_tasks **t) {
  struct bones_error err;
  bones_kv *kv = NULL;
  bones_register_builtin_backends(&err);
  if (bones_kv_open(g.url, NULL, &kv, &err) != BONES_OK || bones_tasks_open(kv, agent, t, &err) != BONES_OK) {
    fprintf(stderr, "bench-claim: %s: %s\n", agent, err.message);
    _exit(1);
  }
  return kv;
}

/* Child: creates the tasks and writes one id per line to fd. */
static void creator_main(int fd) {
  struct bones_tasks *t = NULL;
  bones_kv *kv = open_backlog("bench-creator", &t);
  FILE *out = fdopen(fd, "w");
  for (int i = 0; i < g.tasks; i++) {
    char title[64];
    struct bones_error err;
    json_t *task = NULL;
    snprintf(title, sizeof title, "claim race %d", i);
    struct bones_task_spec spec = {title, NULL, 0, NULL, -1, 0, NULL};
    if (bones_task_create(t, &spec, &task, &err) != BONES_OK) {
      fprintf(stderr, "bench-claim: create: %s\n", err.message);
      _exit(1);
    }
    fprintf(out, "%s\n", json_string_value(json_object_get(task, "id")));
    json_decref(task);
  }
  fclose(out);
  bones_tasks_free(t);
  bones_kv_close(kv);
  _exit(0);
}

/* Parent: runs the creator and reads the ids into g.ids.  0 or -1. */
static int create_tasks(void) {
  int p[2];
  if (pipe(p) != 0) return -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) close(p[0]), creator_main(p[1]);
  close(p[1]);
  FILE *in = fdopen(p[0], "r");
  char line[ID_MAX];
  int n = 0, status = 0;
  while (n < g.tasks && fgets(line, sizeof line, in)) {
    line[strcspn(line, "\n")] = '\0';
    snprintf(g.ids[n++], ID_MAX, "%s", line);
  }
  fclose(in);
  waitpid(pid, &status, 0);
  return n == g.tasks && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Child: one racer.  Connects, reports 'r' on ready, waits for go (EOF),
 * claims every task in its own order; writes "w K" per win, then
 * "s LOST ERRORS END_NS" and optionally "e MESSAGE". */
static void racer_main(int idx, int ready_w, int go_r, FILE *out) {
  char agent[32];
  snprintf(agent, sizeof agent, "bench-p%d", idx);
  alarm(900);
  struct bones_tasks *t = NULL;
  bones_kv *kv = open_backlog(agent, &t);
  int *order = calloc((size_t)g.tasks, sizeof *order);
  for (int k = 0; k < g.tasks; k++) order[k] = k;
  srand((unsigned)(getpid() * 2654435761u + (unsigned)idx));
  for (int k = g.tasks - 1; k > 0; k--) {
    int j = rand() % (k + 1), x = order[k];
    order[k] = order[j], order[j] = x;
  }
  (void)!write(ready_w, "r", 1);
  char ch;
  while (read(go_r, &ch, 1) > 0) {
  }
  int lost = 0, errors = 0;
  char first[600] = "";
  for (int i = 0; i < g.tasks; i++) {
    struct bones_error err;
    json_t *task = NULL;
    int wrote = 0, k = order[i];
    int rc = bones_task_claim(t, g.ids[k], 0, 0, &task, &wrote, &err);
    if (rc == BONES_OK && wrote) fprintf(out, "w %d\n", k);
    else if (rc == BONES_E_CONFLICT) lost++;
    else if (errors++ == 0) snprintf(first, sizeof first, "claim %s: %s", g.ids[k], rc ? err.message : "no write");
    json_decref(task);
  }
  fprintf(out, "s %d %d %lld\n", lost, errors, (long long)bench_now_ns());
  if (first[0]) fprintf(out, "e %s\n", first);
  fclose(out);
  bones_tasks_free(t);
  bones_kv_close(kv);
  free(order);
  _exit(0);
}

/* Child: checks each task is claimed by its one winner; exit 0 or 1. */
static void verifier_main(const int *winner) {
  struct bones_tasks *t = NULL;
  bones_kv *kv = open_backlog("bench-verify", &t);
  int bad = 0;
  for (int k = 0; k < g.tasks; k++) {
    struct bones_error err;
    json_t *task = NULL;
    char want[32];
    snprintf(want, sizeof want, "bench-p%d", winner[k]);
    const char *by = NULL;
    if (bones_task_get(t, g.ids[k], &task, &err) == BONES_OK) by = json_string_value(json_object_get(task, "claimed_by"));
    if (by == NULL || strcmp(by, want) != 0) {
      if (bad++ < 3) fprintf(stderr, "bench-claim: %s claimed by %s, reported winner %s\n", g.ids[k], by ? by : "nobody", want);
    }
    json_decref(task);
  }
  bones_tasks_free(t);
  bones_kv_close(kv);
  _exit(bad ? 1 : 0);
}

/* Parses the options into g; -1 on a usage error. */
static int parse_args(int argc, char **argv) {
  static const struct option opts[] = {{"substrate", required_argument, NULL, 's'},
                                       {"procs", required_argument, NULL, 'p'},
                                       {"tasks", required_argument, NULL, 'k'},
                                       {NULL, 0, NULL, 0}};
  g.procs = 32, g.tasks = 1000;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') g.url = optarg;
    else if (c == 'p') g.procs = atoi(optarg);
    else if (c == 'k') g.tasks = atoi(optarg);
    else return -1;
  }
  if (g.url && g.procs >= 2 && g.procs <= 256 && g.tasks >= 1 && g.tasks <= 100000) return 0;
  fprintf(stderr, "usage: bench-claim --substrate URL [--procs 2-256] [--tasks 1-100000]\n");
  return -1;
}

/* Forks the racers, opens the barrier, tallies, verifies, prints. */
int main(int argc, char **argv) {
  if (parse_args(argc, argv) != 0) return 2;
  g.ids = calloc((size_t)g.tasks, sizeof *g.ids);
  if (create_tasks() != 0) {
    fprintf(stderr, "bench-claim: creating %d tasks failed\n", g.tasks);
    return 1;
  }
  int rp[2], gp[2], op[2];
  if (pipe(rp) != 0 || pipe(gp) != 0) return 1;
  pid_t *pids = calloc((size_t)g.procs, sizeof *pids);
  FILE **ins = calloc((size_t)g.procs, sizeof *ins);
  fflush(stdout);
  for (int i = 0; i < g.procs; i++) {
    if (pipe(op) != 0 || (pids[i] = fork()) < 0) return 1;
    if (pids[i] == 0) {
      close(rp[0]), close(gp[1]), close(op[0]);
      for (int j = 0; j < i; j++) fclose(ins[j]);
      racer_main(i, rp[1], gp[0], fdopen(op[1], "w"));
    }
    close(op[1]);
    ins[i] = fdopen(op[0], "r");
  }
  close(rp[1]), close(gp[0]);
  int ready = 0, failed = 0;
  while (ready < g.procs && !failed) {
    struct pollfd p = {rp[0], POLLIN, 0};
    char buf[64];
    ssize_t got = poll(&p, 1, 300000) > 0 ? read(rp[0], buf, sizeof buf) : -1;
    if (got <= 0) failed = 1;
    else ready += (int)got;
  }
  int64_t t0 = bench_now_ns(), t_end = t0;
  close(gp[1]); /* go */
  int *winner = malloc((size_t)g.tasks * sizeof *winner), *wins = calloc((size_t)g.tasks, sizeof *wins);
  long lost = 0, errors = 0, reported = 0;
  for (int i = 0; i < g.procs; i++) {
    char line[700];
    while (fgets(line, sizeof line, ins[i])) {
      int k;
      long l, e;
      long long end;
      if (line[0] == 'w' && sscanf(line + 2, "%d", &k) == 1 && k >= 0 && k < g.tasks) wins[k]++, winner[k] = i;
      else if (line[0] == 's' && sscanf(line + 2, "%ld %ld %lld", &l, &e, &end) == 3) {
        lost += l, errors += e, reported++;
        if (end > t_end) t_end = end;
      } else if (line[0] == 'e') fprintf(stderr, "bench-claim: process %d: %s", i, line + 2);
    }
    fclose(ins[i]);
    waitpid(pids[i], NULL, 0);
  }
  if (failed || reported != g.procs) {
    fprintf(stderr, "bench-claim: a process failed; no figures\n");
    return 1;
  }
  long won = 0, dup = 0, none = 0;
  for (int k = 0; k < g.tasks; k++) won += wins[k], dup += wins[k] > 1, none += wins[k] == 0;
  double s = (double)(t_end - t0) / 1e9;
  printf("  %-34s %d processes x %d tasks: wall %.1f ms, %.0f claims/s, %.0f attempts/s\n", g.url, g.procs, g.tasks,
         s * 1000, won / s, (won + lost + errors) / s);
  printf("  wins %ld, conflicts %ld, errors %ld, duplicates %ld, tasks without a winner %ld\n", won, lost, errors, dup,
         none);
  int status = dup || none || errors ? 1 : 0;
  pid_t v = status ? -1 : fork();
  if (v == 0) verifier_main(winner);
  if (v > 0) {
    int vs = 0;
    waitpid(v, &vs, 0);
    status = WIFEXITED(vs) && WEXITSTATUS(vs) == 0 ? 0 : 1;
    printf("  verify: every record claimed by its one reported winner: %s\n", status ? "NO" : "yes");
  }
  free(g.ids), free(pids), free(ins), free(winner), free(wins);
  return status;
}
