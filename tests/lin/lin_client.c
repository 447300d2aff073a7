/* lin_client.c: one client of the linearizability runs (tests/lin/): random
 * get / put / create / update-at-revision / delete(-at-revision) on a few
 * keys of one bucket, through the public KV API (libbones), each operation
 * printed as one JSON line with its invocation and completion times
 * (CLOCK_MONOTONIC ns, the clock every process shares) and its outcome.
 * lincheck.py checks the merged histories.
 *
 * usage: lin_client --substrate S --bucket B --client ID [--keys N] [--ops N]
 *                   [--seed N] [--duration-ms N]
 * An outcome the contract does not name (unavailable, timeout, internal)
 * is "unknown": the operation may or may not have taken effect. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int main(int argc, char **argv) {
  static const struct option opts[] = {{"substrate", required_argument, NULL, 's'},
                                       {"bucket", required_argument, NULL, 'b'},
                                       {"client", required_argument, NULL, 'c'},
                                       {"keys", required_argument, NULL, 'k'},
                                       {"ops", required_argument, NULL, 'n'},
                                       {"seed", required_argument, NULL, 'r'},
                                       {"duration-ms", required_argument, NULL, 'd'},
                                       {NULL, 0, NULL, 0}};
  const char *substrate = NULL, *bucket = "lin", *client = "c0";
  int keys = 3, ops = 200;
  long duration_ms = 0;
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
    else return 2;
  }
  if (substrate == NULL || keys < 1 || keys > 100) {
    fprintf(stderr, "usage: lin_client --substrate S --bucket B --client ID [--keys N] [--ops N] [--seed N]\n");
    return 2;
  }
  srand(seed);
  struct bones_error err;
  bones_kv *kv = NULL;
  bones_kv_bucket *b = NULL;
  struct bones_kv_bucket_config cfg = {.ttl_ms = 0, .flags = BONES_KV_BUCKET_CREATE};
  if (bones_register_builtin_backends(&err) != BONES_OK || bones_kv_open(substrate, NULL, &kv, &err) != BONES_OK ||
      bones_kv_bucket_open(kv, bucket, &cfg, &b, NULL, &err) != BONES_OK) {
    fprintf(stderr, "lin_client: %s\n", err.message);
    bones_kv_close(kv);
    return 1;
  }
  uint64_t *seen = calloc((size_t)keys, sizeof *seen); /* the last revision this client saw, per key */
  int64_t end = duration_ms > 0 ? now_ns() + duration_ms * 1000000 : 0;
  for (int i = 0; (end ? now_ns() < end : i < ops); i++) {
    int k = rand() % keys, dice = rand() % 100;
    char key[16], value[64];
    snprintf(key, sizeof key, "k%d", k);
    snprintf(value, sizeof value, "%s-%d", client, i);
    /* an expected revision: mostly the last one seen, sometimes one off */
    uint64_t expected = seen[k] + (uint64_t)(rand() % 4 == 0 ? 1 : 0);
    if (expected == 0) expected = 1;
    const char *f;
    json_t *line = json_object();
    int64_t t0 = now_ns(), t1;
    uint64_t rev = 0;
    int rc;
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
    if (strcmp(outcome(rc), "unknown") == 0) json_object_set_new(line, "why", json_string(err.message));
    char *text = json_dumps(line, JSON_COMPACT);
    puts(text);
    free(text);
    json_decref(line);
  }
  fflush(stdout);
  free(seen);
  bones_kv_bucket_close(b);
  bones_kv_close(kv);
  return 0;
}
