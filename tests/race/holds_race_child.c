/* holds_race_child.c: one contender of the holds race (holds_race.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "holds.h"
#include "holds_race.h"
#include "util.h"

#define HOLD_TTL_MS 60000 /* far longer than any hold in the race */

int64_t race_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void race_sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static FILE *report;
static unsigned seed;

/* Reports a failure and exits 1. */
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

/* Picks k distinct path indices of n into idx. */
static void pick(int n, int k, int *idx) {
  for (int i = 0; i < k; i++) {
    int j, dup;
    do {
      j = rand_r(&seed) % n;
      dup = 0;
      for (int m = 0; m < i; m++) dup |= idx[m] == j;
    } while (dup);
    idx[i] = j;
  }
}

/* Path i spelled one of three equivalent ways (normalisation must make
 * them one key, or two holders could show up on one path). */
static char *spell(const struct race_cfg *c, int i) {
  switch (rand_r(&seed) % 3) {
  case 0: return bones_xasprintf("%s/f%d", c->prefix, i);
  case 1: return bones_xasprintf("./%s/f%d", c->prefix, i);
  default: return bones_xasprintf("%s//f%d/.", c->prefix, i);
  }
}

/* The live holds of anyone on paths (read from the records). */
static json_t *live_holds(bones_kv *kv, const char *const *paths, int k) {
  struct bones_error err;
  json_t *held = NULL;
  int rc = bones_holds_conflicts(kv, paths, (size_t)k, "race-observer", &held, &err);
  if (rc != BONES_OK) die("conflicts: %s: %s", bones_rc_name(rc), err.message);
  return held;
}

/* While holding: the store names me as the live holder of every path. */
static void check_mine(bones_kv *kv, const char *const *paths, int k, const char *me) {
  json_t *held = live_holds(kv, paths, k);
  size_t i, mine = 0;
  json_t *h;
  json_array_foreach(held, i, h) mine += strcmp(json_string_value(json_object_get(h, "agent")), me) == 0;
  if (mine != (size_t)k || json_array_size(held) != (size_t)k)
    die("while holding %d paths the store shows %zu live holds, %zu of them mine", k, json_array_size(held), mine);
  json_decref(held);
}

/* After a refused acquire: none of the paths is held by me. */
static void check_none_mine(bones_kv *kv, const char *const *paths, int k, const char *me) {
  json_t *held = live_holds(kv, paths, k);
  size_t i;
  json_t *h;
  json_array_foreach(held, i, h) {
    if (strcmp(json_string_value(json_object_get(h, "agent")), me) == 0)
      die("a refused acquire left %s held by me", json_string_value(json_object_get(h, "path")));
  }
  json_decref(held);
}

/* One round: acquire (retrying refusals), check, hold, release. */
static void round_once(bones_kv *kv, const struct race_cfg *c, const char *me, long *refused) {
  int idx[4], k = 2 + rand_r(&seed) % 3;
  if (k > c->paths) k = c->paths;
  char *paths[4];
  struct bones_hold_owner owner = {me, "t-race", NULL, 1, "holds race"};
  struct bones_error err;
  pick(c->paths, k, idx);
  for (int i = 0; i < k; i++) paths[i] = spell(c, idx[i]);
  for (;;) {
    int rc = bones_holds_acquire(kv, (const char *const *)paths, (size_t)k, &owner, HOLD_TTL_MS, &err);
    if (rc == BONES_OK) break;
    if (rc != BONES_E_CONFLICT) die("acquire: %s: %s", bones_rc_name(rc), err.message);
    (*refused)++;
    check_none_mine(kv, (const char *const *)paths, k, me);
    race_sleep_ms(rand_r(&seed) % 4);
  }
  int64_t start = race_now_us();
  check_mine(kv, (const char *const *)paths, k, me);
  race_sleep_ms(1 + rand_r(&seed) % 3);
  int64_t end = race_now_us();
  size_t released = 0;
  int rc = bones_holds_release(kv, (const char *const *)paths, (size_t)k, me, 0, &released, &err);
  if (rc != BONES_OK) die("release: %s: %s", bones_rc_name(rc), err.message);
  if (released != (size_t)k) die("release removed %zu of %d holds", released, k);
  for (int i = 0; i < k; i++) {
    fprintf(report, "iv %d %lld %lld\n", idx[i], (long long)start, (long long)end);
    free(paths[i]);
  }
}

void race_child(const struct race_cfg *c, int idx, int ready_w, int go_r) {
  char path[200], me[32], ch;
  snprintf(path, sizeof path, "%s/child-%d", c->dir, idx);
  snprintf(me, sizeof me, "race-%d", idx);
  if ((report = fopen(path, "w")) == NULL) _exit(2);
  seed = (unsigned)getpid() * 2654435761u ^ (unsigned)race_now_us();
  alarm((unsigned)c->deadline_s);
  bones_kv *kv = NULL;
  struct bones_error err;
  struct bones_kv_options opts = {RACE_TIMEOUT_MS};
  int rc = bones_kv_open(c->url, &opts, &kv, &err);
  if (rc != BONES_OK) die("open %s: %s: %s", c->url, bones_rc_name(rc), err.message);
  (void)!write(ready_w, "r", 1);
  close(ready_w);
  while (read(go_r, &ch, 1) > 0) {
  }
  close(go_r);
  long refused = 0;
  for (int r = 0; r < c->rounds; r++) round_once(kv, c, me, &refused);
  fprintf(report, "done %d %ld\n", c->rounds, refused);
  bones_kv_close(kv);
  if (fclose(report) != 0) _exit(2);
  _exit(0);
}
