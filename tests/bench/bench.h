/* bench.h: timing helpers shared by the benchmark programs. */
#ifndef BONES_BENCH_H
#define BONES_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* Nanoseconds on the monotonic clock. */
int64_t bench_now_ns(void);

/* Sorts samples (ns) and fills median and p99 in microseconds. */
void bench_stats(int64_t *samples, size_t n, double *median_us, double *p99_us);

/* Prints one result line: "label  median  p99  [ratio]". */
void bench_print(const char *label, double median_us, double p99_us, double base_median_us);

#endif
