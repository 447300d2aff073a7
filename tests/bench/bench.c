/* bench.c: timing helpers (bench.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

int64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

void bench_stats(int64_t *samples, size_t n, double *median_us, double *p99_us) {
  qsort(samples, n, sizeof *samples, cmp_i64);
  *median_us = samples[n / 2] / 1000.0;
  size_t i99 = (n * 99) / 100;
  if (i99 >= n) i99 = n - 1;
  *p99_us = samples[i99] / 1000.0;
}

void bench_print(const char *label, double median_us, double p99_us, double base_median_us) {
  if (base_median_us > 0)
    printf("  %-34s median %9.1f us   p99 %9.1f us   ratio %.2f\n", label, median_us, p99_us,
           median_us / base_median_us);
  else
    printf("  %-34s median %9.1f us   p99 %9.1f us\n", label, median_us, p99_us);
}
