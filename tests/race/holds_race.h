/* holds_race.h: the multi-process holds race (tests/race/holds_race*.c).
 *
 * N children (forked before anyone opens a connection; each opens its
 * own) run R rounds each: acquire a random set of 2-4 of P paths (spelled
 * in varied but equivalent ways), check the store names them as holder of
 * every path, hold briefly, release.  Each child writes a report file:
 *   iv PATH START_US END_US   a hold, from after acquire returned to before
 *                             release was called (CLOCK_REALTIME, us)
 *   fail TEXT                 a broken promise or an unexpected error
 *   done ACQUIRED REFUSED     the child finished its rounds
 * Meanwhile the parent samples the store and checks that no path ever has
 * two live holders; at the end it checks the intervals never overlap and
 * that no hold is left. */
#ifndef HOLDS_RACE_H
#define HOLDS_RACE_H

#include <stdint.h>

#define RACE_MAX_PATHS 64
#define RACE_TIMEOUT_MS 10000 /* per round trip: the race checks correctness, not latency */
#define RACE_SAMPLE_PAUSE_MS 5 /* between two checker samples (a nats list makes a consumer) */

struct race_cfg {
  const char *url;
  int procs, rounds, paths;
  int deadline_s;   /* a child still running then is killed */
  char prefix[64];  /* every path is PREFIX/fN: this run's own */
  char dir[128];    /* report files dir/child-N */
};

/* The child body: never returns (exits 0 on success, 1 on a failure it
 * reported, 2 when it could not even report). */
void race_child(const struct race_cfg *cfg, int idx, int ready_w, int go_r) __attribute__((noreturn));

/* CLOCK_REALTIME in microseconds. */
int64_t race_now_us(void);

/* Sleeps ms milliseconds. */
void race_sleep_ms(long ms);

#endif
