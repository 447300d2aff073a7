/* claims.c: `bones coord claim|release|owner|claimed|claims`: path claims,
 * which are holds (holds.h), so swarm commit respects them. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord.h"
#include "coord_verbs.h"
#include "holds.h"
#include "text.h"
#include "util.h"

#define CLAIM_TTL_MS (30 * 60 * 1000)

/* Parses the options of a claim sub-verb (allowed: letters of allowed);
 * returns -1 when done (the PATH at argv[optind]), else an exit status. */
static int parse(struct bones_ctx *ctx, int argc, char **argv, const char *allowed, const char **reason,
                 int64_t *ttl, int *flag) {
  static const struct option opts[] = {{"reason", required_argument, NULL, 'r'}, {"ttl", required_argument, NULL, 't'},
                                       {"force", no_argument, NULL, 'f'},        {"all", no_argument, NULL, 'a'},
                                       {NULL, 0, NULL, 0}};
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == '?' || c == ':' || !strchr(allowed, c))
      return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
    if (c == 'r' && bones_utf8_check("--reason", optarg, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
    if (c == 'r') *reason = optarg;
    if (c == 't' && bones_parse_duration(optarg, ttl, &err) != BONES_OK)
      return bones_ctx_usage(ctx, "--ttl: %s", err.message);
    if (c == 't' && (*ttl <= 0 || *ttl > BONES_HOLD_TTL_MAX_MS)) return bones_ctx_usage(ctx, "--ttl must be in (0, 1h]");
    if (c == 'f' || c == 'a') *flag = 1;
  }
  return -1;
}

/* Prints a hold record as one line. */
static void print_hold(json_t *h) {
  bones_term_printf(stdout, "%s claimed by %s until %s%s%s\n", json_string_value(json_object_get(h, "path")),
         json_string_value(json_object_get(h, "agent")), json_string_value(json_object_get(h, "expires_at")),
         json_is_string(json_object_get(h, "reason")) ? ": " : "",
         json_is_string(json_object_get(h, "reason")) ? json_string_value(json_object_get(h, "reason")) : "");
}

int coord_claim_run(struct bones_ctx *ctx, int argc, char **argv) {
  const char *reason = NULL;
  int64_t ttl = CLAIM_TTL_MS;
  int unused = 0, st = parse(ctx, argc, argv, "rt", &reason, &ttl, &unused);
  if (st >= 0) return st;
  if (optind != argc - 1) return bones_ctx_usage(ctx, "give one PATH");
  const char *path = argv[optind];
  struct bones_error err;
  if (bones_utf8_check("PATH", path, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  bones_kv *kv = NULL;
  char *agent = NULL;
  json_t *hold = NULL;
  int rc = coord_me(ctx, &kv, &agent, &err);
  struct bones_hold_owner o = {agent, NULL, NULL, 0, reason};
  if (rc == BONES_OK) rc = bones_holds_acquire(kv, &path, 1, &o, ttl, &err);
  if (rc == BONES_OK) rc = bones_coord_owner(kv, path, &hold, &err);
  free(agent);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "coord.claim", json_pack("{s:o}", "claim", hold));
  if (!bones_ctx_quiet(ctx)) print_hold(hold);
  json_decref(hold);
  return 0;
}

int coord_release_run(struct bones_ctx *ctx, int argc, char **argv) {
  const char *reason = NULL;
  int64_t ttl = 0;
  int force = 0, st = parse(ctx, argc, argv, "f", &reason, &ttl, &force);
  if (st >= 0) return st;
  if (optind != argc - 1) return bones_ctx_usage(ctx, "give one PATH");
  const char *path = argv[optind];
  struct bones_error err;
  bones_kv *kv = NULL;
  char *agent = NULL;
  size_t n = 0;
  int rc = coord_me(ctx, &kv, &agent, &err);
  if (rc == BONES_OK) rc = bones_holds_release(kv, &path, 1, agent, force, &n, &err);
  free(agent);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx))
    return bones_ctx_emit(ctx, "coord.release", json_pack("{s:s, s:b}", "path", path, "released", n > 0));
  bones_ctx_say(ctx, "%s %s", n ? "released" : "not claimed:", path);
  return 0;
}

/* owner and claimed: look the path up; claimed answers like test(1). */
static int lookup(struct bones_ctx *ctx, int argc, char **argv, int as_test) {
  const char *reason = NULL;
  int64_t ttl = 0;
  int unused = 0, st = parse(ctx, argc, argv, "", &reason, &ttl, &unused);
  if (st >= 0) return st;
  if (optind != argc - 1) return bones_ctx_usage(ctx, "give one PATH");
  struct bones_error err;
  bones_kv *kv = NULL;
  json_t *hold = NULL;
  int rc = bones_ctx_kv(ctx, &kv, &err);
  if (rc == BONES_OK) rc = bones_coord_owner(kv, argv[optind], &hold, &err);
  if (rc == BONES_E_NOTFOUND && as_test) {
    if (bones_ctx_json(ctx))
      bones_ctx_emit(ctx, "coord.claimed", json_pack("{s:s, s:b}", "path", argv[optind], "claimed", 0));
    else bones_ctx_say(ctx, "not claimed");
    return 1;
  }
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx))
    return bones_ctx_emit(ctx, as_test ? "coord.claimed" : "coord.owner",
                          json_pack("{s:s, s:b, s:o}", "path", argv[optind], "claimed", 1, "claim", hold));
  if (as_test) bones_ctx_say(ctx, "claimed by %s", json_string_value(json_object_get(hold, "agent")));
  else bones_term_printf(stdout, "%s\n", json_string_value(json_object_get(hold, "agent")));
  json_decref(hold);
  return 0;
}

int coord_owner_run(struct bones_ctx *ctx, int argc, char **argv) { return lookup(ctx, argc, argv, 0); }
int coord_claimed_run(struct bones_ctx *ctx, int argc, char **argv) { return lookup(ctx, argc, argv, 1); }

int coord_claims_run(struct bones_ctx *ctx, int argc, char **argv) {
  const char *reason = NULL;
  int64_t ttl = 0;
  int all = 0, st = parse(ctx, argc, argv, "a", &reason, &ttl, &all);
  if (st >= 0) return st;
  if (optind != argc) return bones_ctx_usage(ctx, "claims takes no arguments");
  struct bones_error err;
  bones_kv *kv = NULL;
  json_t *holds = NULL;
  if (bones_ctx_kv(ctx, &kv, &err) != BONES_OK || bones_holds_list(kv, &holds, &err) != BONES_OK)
    return bones_ctx_fail(ctx, &err);
  json_t *out = json_array();
  size_t i;
  json_t *h;
  json_array_foreach(holds, i, h) {
    if (all || json_is_true(json_object_get(h, "live"))) json_array_append(out, h);
  }
  json_decref(holds);
  if (bones_ctx_json(ctx))
    return bones_ctx_emit(ctx, "coord.claims", json_pack("{s:o, s:I}", "claims", out, "count", (json_int_t)json_array_size(out)));
  if (!bones_ctx_quiet(ctx)) {
    if (json_array_size(out) == 0) printf("no claims\n");
    json_array_foreach(out, i, h) print_hold(h);
  }
  json_decref(out);
  return 0;
}
