/* bench_kv.c: per-operation latency through the bones KV vtable vs the
 * backend's raw client doing the same work, in the same run.
 *   bench-kv --substrate URL --raw-url URL [-n N]
 * The raw client is picked from the URL scheme. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "builtins.h"
#include "loader.h"
#include "raw.h"

#define VALUE "{\"id\":\"t-abcdefgh\",\"title\":\"benchmark task\",\"status\":\"open\"}"

enum op { OP_GET, OP_PUT, OP_CREATE, OP_UPDATE, OP_COUNT };
static const char *const op_names[] = {"get", "put", "create", "update"};

int main(int argc, char **argv) {
  const char *url = NULL, *raw_url = NULL;
  int n = 2000;
  int c;
  static const struct option opts[] = {{"substrate", required_argument, NULL, 's'},
                                       {"raw-url", required_argument, NULL, 'r'},
                                       {NULL, 0, NULL, 0}};
  while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
    if (c == 's') url = optarg;
    else if (c == 'r') raw_url = optarg;
    else if (c == 'n') n = atoi(optarg);
    else return 2;
  }
  if (!url || !raw_url || n < 10) {
    fprintf(stderr, "usage: bench-kv --substrate URL --raw-url URL [-n N]\n");
    return 2;
  }
  const struct raw_client *raw = raw_for(raw_url);
  struct bones_error err;
  bones_register_builtin_backends(&err);
  bones_kv *kv = NULL;
  bones_kv_bucket *b = NULL;
  char bucket[64];
  snprintf(bucket, sizeof bucket, "bench%ld", (long)getpid());
  struct bones_kv_bucket_config cfg = {0, 0, BONES_KV_BUCKET_CREATE};
  if (bones_kv_open(url, NULL, &kv, &err) != BONES_OK ||
      bones_kv_bucket_open(kv, bucket, &cfg, &b, NULL, &err) != BONES_OK) {
    fprintf(stderr, "bench-kv: %s\n", err.message);
    return 1;
  }
  void *rh = raw ? raw->open(raw_url, bucket) : NULL;
  if (raw && !rh) return 1;
  int64_t *vt[OP_COUNT], *rw[OP_COUNT];
  for (int o = 0; o < OP_COUNT; o++) {
    vt[o] = calloc((size_t)n, sizeof(int64_t));
    rw[o] = calloc((size_t)n, sizeof(int64_t));
  }
  size_t vlen = strlen(VALUE);
  char key[64];
  /* interleave vtable and raw so both see the same machine state */
  for (int i = 0; i < n; i++) {
    uint64_t rev = 0, rrev = 0;
    snprintf(key, sizeof key, "v/k%d", i);
    int64_t t = bench_now_ns();
    bones_kv_create(b, key, VALUE, vlen, &rev, &err);
    vt[OP_CREATE][i] = bench_now_ns() - t;
    t = bench_now_ns();
    bones_kv_put(b, key, VALUE, vlen, &rev, &err);
    vt[OP_PUT][i] = bench_now_ns() - t;
    t = bench_now_ns();
    struct bones_kv_value v;
    bones_kv_get(b, key, &v, &err);
    vt[OP_GET][i] = bench_now_ns() - t;
    bones_kv_value_free(&v);
    t = bench_now_ns();
    if (bones_kv_update(b, key, VALUE, vlen, rev, &rev, &err) != BONES_OK) {
      fprintf(stderr, "bench-kv: update failed: %s\n", err.message);
      return 1;
    }
    vt[OP_UPDATE][i] = bench_now_ns() - t;
    if (!rh) continue;
    snprintf(key, sizeof key, "r/k%d", i);
    t = bench_now_ns();
    raw->create(rh, key, VALUE, vlen, &rrev);
    rw[OP_CREATE][i] = bench_now_ns() - t;
    t = bench_now_ns();
    raw->put(rh, key, VALUE, vlen, &rrev);
    rw[OP_PUT][i] = bench_now_ns() - t;
    t = bench_now_ns();
    raw->get(rh, key);
    rw[OP_GET][i] = bench_now_ns() - t;
    t = bench_now_ns();
    if (raw->update(rh, key, VALUE, vlen, rrev, &rrev) != 0) {
      fprintf(stderr, "bench-kv: raw update failed\n");
      return 1;
    }
    rw[OP_UPDATE][i] = bench_now_ns() - t;
  }
  printf("%s: %d ops each, vtable (bones_kv_*) vs raw %s client\n", bones_kv_backend(kv)->name, n,
         raw ? raw->name : "(none)");
  for (int o = 0; o < OP_COUNT; o++) {
    double rmed = 0, rp99 = 0, vmed, vp99;
    if (rh) bench_stats(rw[o], (size_t)n, &rmed, &rp99);
    bench_stats(vt[o], (size_t)n, &vmed, &vp99);
    char label[64];
    snprintf(label, sizeof label, "%s raw", op_names[o]);
    if (rh) bench_print(label, rmed, rp99, 0);
    snprintf(label, sizeof label, "%s vtable", op_names[o]);
    bench_print(label, vmed, vp99, rmed);
    free(vt[o]);
    free(rw[o]);
  }
  if (rh) raw->close(rh);
  bones_kv_close(kv);
  bones_loader_shutdown();
  return 0;
}
