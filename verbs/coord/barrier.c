/* barrier.c: `bones coord checkpoint|wait`: a reusable barrier with
 * rounds (core/coord/coord_barrier.c says which round a wait is for). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord.h"
#include "coord_verbs.h"
#include "text.h"
#include "util.h"

#define WAIT_DEFAULT_MS (5 * 60 * 1000)

int coord_checkpoint_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc != 2 || argv[1][0] == '-') return bones_ctx_usage(ctx, "give one checkpoint NAME (and no options)");
  struct bones_error err;
  if (bones_coord_name_check("checkpoint", argv[1], &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  bones_kv *kv = NULL;
  char *agent = NULL;
  json_t *rec = NULL;
  int rc = coord_me(ctx, &kv, &agent, &err);
  if (rc == BONES_OK) rc = bones_checkpoint_arrive(kv, argv[1], agent, &rec, &err);
  free(agent);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) {
    json_object_set_new(rec, "name", json_string(argv[1]));
    return bones_ctx_emit(ctx, "coord.checkpoint", rec);
  }
  if (bones_ctx_quiet(ctx)) printf("%lld\n", (long long)json_integer_value(json_object_get(rec, "round")));
  else bones_term_printf(stdout, "checkpoint %s: %s arrived at round %lld\n", argv[1], json_string_value(json_object_get(rec, "agent")),
              (long long)json_integer_value(json_object_get(rec, "round")));
  json_decref(rec);
  return 0;
}

/* Splits "a,b,c" into a NULL-terminated array of strdup'd names; *n gets
 * the count. */
static char **split(const char *s, size_t *n) {
  char *copy = bones_xstrdup(s), *save = NULL;
  char **v = bones_xcalloc(strlen(s) / 2 + 2, sizeof *v);
  *n = 0;
  for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) v[(*n)++] = bones_xstrdup(item);
  free(copy);
  return v;
}

static void split_free(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

int coord_wait_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"agents", required_argument, NULL, 'a'},
                                       {"timeout", required_argument, NULL, 't'},
                                       {"round", required_argument, NULL, 'r'},
                                       {NULL, 0, NULL, 0}};
  struct bones_checkpoint_wait w = {0};
  const char *agents = NULL;
  struct bones_error err;
  w.timeout_ms = WAIT_DEFAULT_MS;
  coord_catch_signals(); /* first: a signal during the setup also ends the wait cleanly */
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'a') agents = optarg;
    else if (c == 't') {
      if (bones_parse_duration_in("--timeout", optarg, 1, BONES_WAIT_MAX_MS, &w.timeout_ms, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
    } else if (c == 'r') {
      uint64_t r = 0;
      if (bones_parse_uint("--round", optarg, 1, INT64_MAX, &r, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      w.round = r;
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind != argc - 1) return bones_ctx_usage(ctx, "give one checkpoint NAME");
  if (agents == NULL) return bones_ctx_usage(ctx, "--agents a,b,c is required");
  w.name = argv[optind];
  if (bones_coord_name_check("checkpoint", w.name, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  char **names = split(agents, &w.nagents);
  w.agents = (const char *const *)names;
  bones_kv *kv = NULL;
  char *me = NULL;
  json_t *state = NULL;
  uint64_t round = 0;
  int64_t t0 = bones_monotonic_ms();
  int rc = coord_me(ctx, &kv, &me, &err);
  if (rc == BONES_OK) {
    w.self = me;
    w.stop = &coord_stop;
    int64_t setup = bones_monotonic_ms() - t0; /* the timeout counts from the command's start */
    w.timeout_ms = w.timeout_ms > setup ? w.timeout_ms - setup : 1;
    rc = bones_checkpoint_wait(kv, &w, &round, &state, &err);
  }
  split_free(names, w.nagents);
  free(me);
  if (rc != BONES_OK && coord_stop) return coord_interrupted(ctx);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  int64_t waited = bones_monotonic_ms() - t0;
  if (bones_ctx_json(ctx)) {
    json_object_set_new(state, "waited_ms", json_integer(waited));
    return bones_ctx_emit(ctx, "coord.wait", state);
  }
  bones_ctx_say(ctx, "checkpoint %s round %llu: all %zu agents arrived (waited %lld ms)", w.name,
                (unsigned long long)round, json_array_size(json_object_get(state, "agents")), (long long)waited);
  json_decref(state);
  return 0;
}
