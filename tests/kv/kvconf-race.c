/* kvconf-race.c: the multi-process race (see kvconf.h).
 *
 * The children are forked before the parent opens any connection (backend
 * client libraries start threads, which do not survive fork), and each
 * child opens its own.  They report on a pipe, one line per event:
 *   same won REV | same lost | claim IDX REV | inc REV | done N CONFLICTS |
 *   error TEXT */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvconf.h"
#include "util.h"

#define RACE_KEYS 100        /* shared keys every child tries to create */
#define RACE_DEADLINE_S 240  /* a child that runs longer is killed */

struct child {
  int pid, status, out; /* out: read end of its report pipe */
  int same_won;         /* 1 when it won the same-revision update */
  uint64_t incs;        /* successful increments */
  uint64_t conflicts;   /* increments that lost a race and retried */
  char error[300];      /* first error line, or "" */
};

static struct race {
  int n, increments;
  struct child *kids;
  unsigned char won_by[RACE_KEYS][8]; /* up to 8 winners per key, as child index+1 */
  int winners[RACE_KEYS];
  uint64_t *revs; /* revisions of every successful write */
  size_t nrevs, caprevs;
  uint64_t max_inc_rev;
  int ran;
} race;

/* Child: reports an error and exits. */
static void child_fail(FILE *out, const char *what, int rc, const struct bones_error *err) {
  fprintf(out, "error %s: %s: %s\n", what, bones_rc_name(rc), err->message);
  fclose(out);
  _exit(1);
}

/* Child body: connect, get ready, wait for the start, race, report. */
static void child_main(struct kvconf *c, int idx, int ready_w, int go_r, int out_w) {
  FILE *out = fdopen(out_w, "w");
  struct bones_error err;
  bones_kv *kv = NULL;
  bones_kv_bucket *b = NULL;
  char name[BONES_KV_BUCKET_NAME_MAX + 1], me[32], key[32];
  struct bones_kv_bucket_config cfg = {0, 0, BONES_KV_BUCKET_CREATE};
  struct bones_kv_value v;
  alarm(RACE_DEADLINE_S);
  snprintf(me, sizeof me, "child-%d", idx);
  kvconf_bucket_name(c, "race", name);
  int rc = bones_kv_open(c->url, NULL, &kv, &err);
  if (rc != BONES_OK) child_fail(out, "open", rc, &err);
  if ((rc = bones_kv_bucket_open(kv, name, &cfg, &b, NULL, &err)) != BONES_OK) child_fail(out, "bucket_open", rc, &err);
  rc = bones_kv_create(b, "counter", "0", 1, NULL, &err);
  if (rc != BONES_OK && rc != BONES_E_EXISTS) child_fail(out, "create counter", rc, &err);
  rc = bones_kv_create(b, "same", "init", 4, NULL, &err);
  if (rc != BONES_OK && rc != BONES_E_EXISTS) child_fail(out, "create same", rc, &err);
  if ((rc = bones_kv_get(b, "same", &v, &err)) != BONES_OK) child_fail(out, "get same", rc, &err);
  uint64_t r0 = v.rev, rev = 0;
  bones_kv_value_free(&v);

  (void)!write(ready_w, "r", 1);
  close(ready_w);
  char ch;
  while (read(go_r, &ch, 1) > 0) {
  }

  rc = bones_kv_update(b, "same", me, strlen(me), r0, &rev, &err);
  if (rc == BONES_OK)
    fprintf(out, "same won %llu\n", (unsigned long long)rev);
  else if (rc == BONES_E_CONFLICT)
    fprintf(out, "same lost\n");
  else
    child_fail(out, "update same", rc, &err);
  for (int k = 0; k < RACE_KEYS; k++) {
    snprintf(key, sizeof key, "claim/%03d", k);
    rc = bones_kv_create(b, key, me, strlen(me), &rev, &err);
    if (rc == BONES_OK) fprintf(out, "claim %d %llu\n", k, (unsigned long long)rev);
    else if (rc != BONES_E_EXISTS) child_fail(out, key, rc, &err);
  }
  uint64_t done = 0, conflicts = 0;
  while (done < (uint64_t)race.increments) {
    if ((rc = bones_kv_get(b, "counter", &v, &err)) != BONES_OK) child_fail(out, "get counter", rc, &err);
    char next[32];
    snprintf(next, sizeof next, "%llu", strtoull((const char *)v.value, NULL, 10) + 1);
    rc = bones_kv_update(b, "counter", next, strlen(next), v.rev, &rev, &err);
    bones_kv_value_free(&v);
    if (rc == BONES_OK) {
      fprintf(out, "inc %llu\n", (unsigned long long)rev);
      done++;
    } else if (rc == BONES_E_CONFLICT) {
      conflicts++;
    } else {
      child_fail(out, "update counter", rc, &err);
    }
  }
  fprintf(out, "done %llu %llu\n", (unsigned long long)done, (unsigned long long)conflicts);
  fclose(out);
  bones_kv_close(kv);
  _exit(0);
}

/* Watch helper: waits for a byte on go_r (EOF: exit), then writes live/1. */
static void helper_main(struct kvconf *c, int go_r) {
  char ch, name[BONES_KV_BUCKET_NAME_MAX + 1];
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0};
  struct bones_error err;
  bones_kv *kv = NULL;
  bones_kv_bucket *b = NULL;
  if (read(go_r, &ch, 1) != 1) _exit(0); /* EOF: no watch, or the parent died */
  alarm(60);
  kvconf_bucket_name(c, "watch", name);
  if (bones_kv_open(c->url, NULL, &kv, &err) != BONES_OK) _exit(2);
  if (bones_kv_bucket_open(kv, name, &cfg, &b, NULL, &err) != BONES_OK) _exit(3);
  kvconf_sleep_ms(300);
  int rc = bones_kv_put(b, "live/1", "hello", 5, NULL, &err);
  bones_kv_close(kv);
  _exit(rc == BONES_OK ? 0 : 4);
}

/* Parses one report line of child i. */
static void parse_line(int i, const char *line) {
  struct child *k = &race.kids[i];
  unsigned long long rev = 0;
  int idx;
  if (sscanf(line, "same won %llu", &rev) == 1) {
    k->same_won = 1;
  } else if (sscanf(line, "claim %d %llu", &idx, &rev) == 2 && idx >= 0 && idx < RACE_KEYS) {
    if (race.winners[idx] < 8) race.won_by[idx][race.winners[idx]] = (unsigned char)(i + 1);
    race.winners[idx]++;
  } else if (sscanf(line, "inc %llu", &rev) == 1) {
    k->incs++;
    if (rev > race.max_inc_rev) race.max_inc_rev = rev;
  } else if (sscanf(line, "done %*u %llu", &rev) == 1) {
    k->conflicts = rev;
    rev = 0;
  } else if (strncmp(line, "error ", 6) == 0 && k->error[0] == '\0') {
    snprintf(k->error, sizeof k->error, "%.299s", line + 6);
  }
  if (rev) {
    if (race.nrevs == race.caprevs) {
      race.caprevs = race.caprevs ? 2 * race.caprevs : 1024;
      race.revs = bones_xrealloc(race.revs, race.caprevs * sizeof *race.revs);
    }
    race.revs[race.nrevs++] = rev;
  }
}

void kvconf_race_run(struct kvconf *c, int increments) {
  int ready[2], go[2], hp[2];
  race.n = c->procs;
  race.increments = increments;
  race.kids = bones_xcalloc((size_t)race.n, sizeof *race.kids);
  fflush(stdout);
  if (pipe(hp) != 0) tap_bail("pipe failed");
  c->helper_pid = fork();
  if (c->helper_pid == 0) {
    close(hp[1]);
    helper_main(c, hp[0]);
  }
  close(hp[0]);
  c->watch_helper = hp[1];
  if (pipe(ready) != 0 || pipe(go) != 0) tap_bail("pipe failed");
  for (int i = 0; i < race.n; i++) {
    int out[2];
    if (pipe(out) != 0) tap_bail("pipe failed");
    race.kids[i].pid = fork();
    if (race.kids[i].pid < 0) tap_bail("fork failed");
    if (race.kids[i].pid == 0) {
      close(ready[0]);
      close(go[1]);
      close(out[0]);
      close(c->watch_helper);
      for (int j = 0; j < i; j++) close(race.kids[j].out);
      child_main(c, i, ready[1], go[0], out[1]);
    }
    close(out[1]);
    race.kids[i].out = out[0];
  }
  close(ready[1]);
  close(go[0]);
  int nready = 0;
  char ch;
  while (nready < race.n && read(ready[0], &ch, 1) == 1) nready++;
  close(ready[0]);
  close(go[1]); /* start: every ready child is now waiting on EOF */
  tap_diag("race: %d of %d children connected and ready", nready, race.n);
  for (int i = 0; i < race.n; i++) {
    FILE *in = fdopen(race.kids[i].out, "r");
    char line[512];
    while (fgets(line, sizeof line, in)) parse_line(i, line);
    fclose(in);
    waitpid(race.kids[i].pid, &race.kids[i].status, 0);
  }
  race.ran = 1;
}

/* Sorts revisions. */
static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

void kvconf_race_check(struct kvconf *c) {
  struct bones_error err;
  struct bones_kv_value v;
  char me[32], key[32];
  int bad = -1, same = 0, same_who = -1;
  uint64_t incs = 0, conflicts = 0, want = (uint64_t)race.n * (uint64_t)race.increments;
  for (int i = 0; i < race.n; i++) {
    struct child *k = &race.kids[i];
    if (bad < 0 && !(WIFEXITED(k->status) && WEXITSTATUS(k->status) == 0)) bad = i;
    if (k->same_won) same++, same_who = i;
    incs += k->incs;
    conflicts += k->conflicts;
  }
  tap_diag("race: %llu increments retried after CONFLICT", (unsigned long long)conflicts);
  tap_ok(bad < 0, "race: all %d children (own connections) finished without error", race.n);
  if (bad >= 0)
    tap_diag("child %d: %s %d: %s", bad, WIFSIGNALED(race.kids[bad].status) ? "killed by signal" : "exit status",
             WIFSIGNALED(race.kids[bad].status) ? WTERMSIG(race.kids[bad].status) : WEXITSTATUS(race.kids[bad].status),
             race.kids[bad].error[0] ? race.kids[bad].error : "(no report)\n");
  bones_kv_bucket *b = kvconf_bucket(c, "race", 0, 0);
  tap_u64_eq((uint64_t)same, 1, "race: of %d processes updating from the same revision exactly one wins", race.n);
  snprintf(me, sizeof me, "child-%d", same_who);
  int rc = bones_kv_get(b, "same", &v, &err);
  tap_mem_eq(rc == BONES_OK ? v.value : NULL, v.len, me, strlen(me), "race: the same-revision key holds the winner's value");
  bones_kv_value_free(&v);

  tap_u64_eq(incs, want, "race: successful CAS increments add up to procs x increments");
  rc = bones_kv_get(b, "counter", &v, &err);
  uint64_t value = rc == BONES_OK ? strtoull((const char *)v.value, NULL, 10) : 0;
  uint64_t crev = v.rev;
  bones_kv_value_free(&v);
  tap_u64_eq(value, incs, "race: the final counter equals the number of successful increments");
  tap_u64_eq(crev, race.max_inc_rev, "race: the counter's revision is the highest any increment was given");

  int multi = -1, none = -1, wrong = -1;
  char wrong_val[64] = "";
  for (int k = 0; k < RACE_KEYS; k++) {
    if (race.winners[k] > 1 && multi < 0) multi = k;
    if (race.winners[k] == 0 && none < 0) none = k;
    if (race.winners[k] != 1) continue;
    snprintf(key, sizeof key, "claim/%03d", k);
    snprintf(me, sizeof me, "child-%d", race.won_by[k][0] - 1);
    rc = bones_kv_get(b, key, &v, &err);
    if ((rc != BONES_OK || v.len != strlen(me) || memcmp(v.value, me, v.len) != 0) && wrong < 0) {
      wrong = k;
      snprintf(wrong_val, sizeof wrong_val, "%s", rc == BONES_OK ? (const char *)v.value : bones_rc_name(rc));
    }
    bones_kv_value_free(&v);
  }
  tap_ok(multi < 0 && none < 0, "race: each of %d shared keys has exactly one creator", RACE_KEYS);
  if (multi >= 0) tap_diag("claim/%03d was created by %d children", multi, race.winners[multi]);
  if (none >= 0) tap_diag("claim/%03d was created by no child", none);
  tap_ok(wrong < 0, "race: each shared key's stored value names its creator");
  if (wrong >= 0) tap_diag("claim/%03d holds '%s', creator child-%d", wrong, wrong_val, race.won_by[wrong][0] - 1);

  qsort(race.revs, race.nrevs, sizeof *race.revs, cmp_u64);
  size_t dup = 0;
  for (size_t i = 1; i < race.nrevs; i++)
    if (race.revs[i] == race.revs[i - 1] && !dup) dup = i;
  tap_ok(race.nrevs > 0 && !dup, "race: the %zu successful writes of all processes got distinct revisions", race.nrevs);
  if (dup) tap_diag("revision %llu was given twice", (unsigned long long)race.revs[dup]);
  bones_kv_bucket_close(b);
  free(race.revs);
  free(race.kids);
}

void kvconf_helper_go(struct kvconf *c, int go) {
  if (c->watch_helper >= 0) {
    if (go) (void)!write(c->watch_helper, "g", 1);
    close(c->watch_helper);
    c->watch_helper = -1;
  }
  if (!go && c->helper_pid > 0) {
    waitpid(c->helper_pid, NULL, 0);
    c->helper_pid = 0;
  }
}
