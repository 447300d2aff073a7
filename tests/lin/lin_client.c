/* lin_client.c: one client of the linearizability runs (tests/lin/): random
 * get / put / create / update-at-revision / delete(-at-revision) on a few
 * keys of one bucket, through the public KV API (libbones), each operation
 * printed as one JSON line with its invocation and completion times
 * (CLOCK_MONOTONIC ns, the clock every process shares) and its outcome.
 * lincheck.py checks the merged histories.
 *
 * usage: lin_client --substrate S --bucket B --client ID [--keys N] [--ops N]
 *                   [--seed N] [--duration-ms N] [--pause-ms N] [--announce]
 *                   [--reads-only] [--stop-file PATH]
 * --stop-file: a timed run also ends as soon as PATH exists.
 * An outcome the contract does not name (unavailable, timeout, internal)
 * is "unknown": the operation may or may not have taken effect; the
 * client then reconnects (as the next CLI process would).
 * --announce (fault runs, tests/lin/lin-fault.sh): every line is flushed at
 * once and each operation is announced by a "pending" line before it
 * starts, so a client killed mid-operation leaves that operation in the
 * history (lin_fixup.py turns it into "unknown").  Every line carries
 * "n", the client's operation number.  --reads-only: only gets. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <bones/kv.h>

#include "builtins.h"

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *outcome(int rc) {
  switch (rc) {
  case BONES_OK: return "ok";
  case BONES_E_NOTFOUND: return "notfound";
  case BONES_E_EXISTS: return "exists";
  case BONES_E_CONFLICT: return "conflict";
  default: return "unknown";
  }
}

/* Opens the bucket (creating it) on a new connection. */
static int open_bucket(const char *substrate, const char *bucket, bones_kv **kv, bones_kv_bucket **b,
                       struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {.ttl_ms = 0, .flags = BONES_KV_BUCKET_CREATE};
  *kv = NULL;
  *b = NULL;
  int rc = bones_kv_open(substrate, NULL, kv, err);
  if (rc == BONES_OK) rc = bones_kv_bucket_open(*kv, bucket, &cfg, b, NULL, err);
  if (rc != BONES_OK) {
    bones_kv_close(*kv);
    *kv = NULL;
    *b = NULL;
  }
  return rc;
}

/* The "pending" line of --announce: what operation n will do (its
 * invocation time is taken just after, so t0 here is not later than it). */
static void announce_op(const char *client, int n, const char *key, int dice, const char *value, uint64_t expected) {
  const char *f = dice < 30 ? "get" : dice < 45 ? "put" : dice < 60 ? "create" : dice < 85 ? "update" : "delete";
  json_t *line = json_pack("{s:s, s:i, s:s, s:s, s:I, s:s}", "c", client, "n", n, "k", key, "f", f, "t0",
                           (json_int_t)now_ns(), "r", "pending");
  if (strcmp(f, "get") != 0 && strcmp(f, "delete") != 0) json_object_set_new(line, "v", json_string(value));
  if (strcmp(f, "update") == 0 || strcmp(f, "delete") == 0)
    json_object_set_new(line, "e", json_integer(strcmp(f, "delete") == 0 && dice < 92 ? 0 : (json_int_t)expected));
  char *text = json_dumps(line, JSON_COMPACT);
  puts(text);
  free(text);
  json_decref(line);
}

int main(int argc, char **argv) {
  static const struct option opts[] = {{"substrate", required_argument, NULL, 's'},
                                       {"bucket", required_argument, NULL, 'b'},
                                       {"client", required_argument, NULL, 'c'},
                                       {"keys", required_argument, NULL, 'k'},
                                       {"ops", required_argument, NULL, 'n'},
                                       {"seed", required_argument, NULL, 'r'},
                                       {"duration-ms", required_argument, NULL, 'd'},
                                       {"announce", no_argument, NULL, 'a'},
                                       {"reads-only", no_argument, NULL, 'g'},
                                       {"pause-ms", required_argument, NULL, 'p'},
                                       {"stop-file", required_argument, NULL, 'S'},
                                       {NULL, 0, NULL, 0}};
  const char *substrate = NULL, *bucket = "lin", *client = "c0";
  int keys = 3, ops = 200;
  long duration_ms = 0;
  int announce = 0, reads_only = 0;
  long pause_ms = 0;
  const char *stop_file = NULL;
  unsigned seed = 1;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') substrate = optarg;
    else if (c == 'b') bucket = optarg;
    else if (c == 'c') client = optarg;
    else if (c == 'k') keys = atoi(optarg);
    else if (c == 'n') ops = atoi(optarg);
    else if (c == 'r') seed = (unsigned)strtoul(optarg, NULL, 10);
    else if (c == 'd') duration_ms = atol(optarg);
    else if (c == 'a') announce = 1;
    else if (c == 'g') reads_only = 1;
    else if (c == 'p') pause_ms = atol(optarg);
    else if (c == 'S') stop_file = optarg;
    else return 2;
  }
  if (substrate == NULL || keys < 1 || keys > 100) {
    fprintf(stderr, "usage: lin_client --substrate S --bucket B --client ID [--keys N] [--ops N] [--seed N]\n");
    return 2;
  }
  srand(seed);
  if (announce) setvbuf(stdout, NULL, _IOLBF, 0);
  struct bones_error err;
  bones_kv *kv = NULL;
  bones_kv_bucket *b = NULL;
  if (bones_register_builtin_backends(&err) != BONES_OK || open_bucket(substrate, bucket, &kv, &b, &err) != BONES_OK) {
    fprintf(stderr, "lin_client: %s\n", err.message);
    return 1;
  }
  uint64_t *seen = calloc((size_t)keys, sizeof *seen); /* the last revision this client saw, per key */
  int64_t end = duration_ms > 0 ? now_ns() + duration_ms * 1000000 : 0;
  for (int i = 0; (end ? now_ns() < end : i < ops) && !(stop_file && access(stop_file, F_OK) == 0); i++) {
    if (b == NULL) { /* reconnecting after an unknown outcome (a server killed or hung) */
      if (open_bucket(substrate, bucket, &kv, &b, &err) != BONES_OK) {
        struct timespec pause = {0, 100000000L};
        nanosleep(&pause, NULL);
        if (end) i--; /* a timed run retries the same operation number */
        continue;
      }
    }
    if (pause_ms > 0 && i > 0) { /* a timed run: keep the history small enough to check */
      struct timespec gap = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
      nanosleep(&gap, NULL);
    }
    int k = rand() % keys, dice = reads_only ? 0 : rand() % 100;
    char key[16], value[64];
    snprintf(key, sizeof key, "k%d", k);
    snprintf(value, sizeof value, "%s-%d", client, i);
    /* an expected revision: mostly the last one seen, sometimes one off */
    uint64_t expected = seen[k] + (uint64_t)(rand() % 4 == 0 ? 1 : 0);
    if (expected == 0) expected = 1;
    const char *f;
    json_t *line = json_object();
    uint64_t rev = 0;
    int rc;
    if (announce) announce_op(client, i, key, dice, value, expected);
    int64_t t0 = now_ns(), t1;
    if (dice < 30) {
      struct bones_kv_value v = {0};
      f = "get";
      rc = bones_kv_get(b, key, &v, &err);
      t1 = now_ns();
      if (rc == BONES_OK) {
        json_object_set_new(line, "ov", json_stringn((const char *)v.value, v.len));
        json_object_set_new(line, "orev", json_integer((json_int_t)v.rev));
        seen[k] = v.rev;
      }
      bones_kv_value_free(&v);
    } else if (dice < 45) {
      f = "put";
      rc = bones_kv_put(b, key, value, strlen(value), &rev, &err);
      t1 = now_ns();
    } else if (dice < 60) {
      f = "create";
      rc = bones_kv_create(b, key, value, strlen(value), &rev, &err);
      t1 = now_ns();
    } else if (dice < 85) {
      f = "update";
      rc = bones_kv_update(b, key, value, strlen(value), expected, &rev, &err);
      t1 = now_ns();
      json_object_set_new(line, "e", json_integer((json_int_t)expected));
    } else {
      f = "delete";
      if (dice < 92) expected = 0; /* unconditional */
      rc = bones_kv_delete(b, key, expected, &err);
      t1 = now_ns();
      json_object_set_new(line, "e", json_integer((json_int_t)expected));
    }
    if (strcmp(f, "get") != 0 && strcmp(f, "delete") != 0) json_object_set_new(line, "v", json_string(value));
    if (rc == BONES_OK && rev) {
      json_object_set_new(line, "orev", json_integer((json_int_t)rev));
      seen[k] = rev;
    }
    json_object_set_new(line, "c", json_string(client));
    json_object_set_new(line, "k", json_string(key));
    json_object_set_new(line, "f", json_string(f));
    json_object_set_new(line, "t0", json_integer(t0));
    json_object_set_new(line, "t1", json_integer(t1));
    json_object_set_new(line, "r", json_string(outcome(rc)));
    json_object_set_new(line, "n", json_integer(i));
    if (strcmp(outcome(rc), "unknown") == 0) json_object_set_new(line, "why", json_string(err.message));
    char *text = json_dumps(line, JSON_COMPACT);
    puts(text);
    free(text);
    json_decref(line);
    if (strcmp(outcome(rc), "unknown") == 0) { /* reconnect before the next operation */
      bones_kv_bucket_close(b);
      bones_kv_close(kv);
      b = NULL;
      kv = NULL;
    }
  }
  fflush(stdout);
  free(seen);
  bones_kv_bucket_close(b);
  bones_kv_close(kv);
  return 0;
}
