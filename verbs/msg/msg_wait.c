/* msg_wait.c: `bones msg wait`: blocks until a message arrives, through
 * the substrate's watch where it has one (bones_coord_wait_change, as
 * `coord wait` does), and hands it to exactly one waiter. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "coord.h"
#include "coord/coord_verbs.h"
#include "msg.h"
#include "msg_verbs.h"
#include "text.h"
#include "util.h"

#define WAIT_DEFAULT_MS (5 * 60 * 1000)
#define WAIT_CHUNK_MS 1000

static const char *str(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

/* The first unread message of list from `from` in `thread` (NULL: any). */
static json_t *first_match(json_t *list, const char *from, const char *thread) {
  size_t i;
  json_t *m;
  json_array_foreach(list, i, m) {
    if (from && strcmp(str(m, "from"), from) != 0) continue;
    if (thread && strcmp(str(m, "thread"), thread) != 0) continue;
    return m;
  }
  return NULL;
}

int msg_wait_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                       {"thread", required_argument, NULL, 'h'},
                                       {"timeout", required_argument, NULL, 't'},
                                       {NULL, 0, NULL, 0}};
  const char *from = NULL, *thread = NULL;
  int64_t timeout = WAIT_DEFAULT_MS;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'f') from = optarg;
    else if (c == 'h') thread = optarg;
    else if (c == 't') {
      if (bones_parse_duration_in("--timeout", optarg, 0, BONES_WAIT_MAX_MS, &timeout, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind != argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  if ((from && bones_agent_check(from, &err) != BONES_OK) ||
      (thread && bones_name_check("--thread", thread, &err) != BONES_OK))
    return bones_ctx_fail(ctx, &err);
  int64_t t0 = bones_monotonic_ms(), deadline = t0 + timeout;
  bones_kv *kv = NULL;
  bones_kv_bucket *b = NULL;
  char *me = NULL, *prefix = NULL;
  json_t *got = NULL;
  int rc = coord_me(ctx, &kv, &me, &err);
  if (rc == BONES_OK) rc = bones_msg_bucket(kv, 1, &b, &err); /* made now: the watch has a bucket to follow */
  if (rc == BONES_OK) prefix = bones_coord_agent_prefix(me);
  while (rc == BONES_OK && got == NULL) {
    json_t *list = NULL;
    uint64_t rev = 0;
    rc = bones_msg_inbox(kv, me, 1, &list, &rev, &err);
    json_t *m = rc == BONES_OK ? first_match(list, from, thread) : NULL;
    if (m) { /* exactly one waiter gets it: the one whose mark changed it */
      int changed = 0;
      json_t *rec = NULL;
      rc = bones_msg_mark(kv, me, str(m, "id"), 0, &rec, &changed, &err);
      if (rc == BONES_OK && changed) got = rec;
      else json_decref(rec);
    }
    json_decref(list);
    if (rc != BONES_OK || got || m) continue; /* m taken by another waiter: look again at once */
    int64_t left = deadline - bones_monotonic_ms();
    if (left <= 0) {
      rc = bones_error_set(&err, BONES_E_TIMEOUT, "no message%s%s%s%s for %s within %lld ms", from ? " from " : "",
                           from ? from : "", thread ? " in thread " : "", thread ? thread : "", me, (long long)timeout);
      break;
    }
    rc = bones_coord_wait_change(b, prefix, rev, left < WAIT_CHUNK_MS ? left : WAIT_CHUNK_MS, NULL, &err);
  }
  free(prefix);
  bones_kv_bucket_close(b);
  free(me);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  long long waited = (long long)(bones_monotonic_ms() - t0);
  if (bones_ctx_json(ctx))
    return bones_ctx_emit(ctx, "msg.wait", json_pack("{s:o, s:I}", "message", got, "waited_ms", (json_int_t)waited));
  bones_term_printf(stdout, "%s from %s%s%s (after %lld ms):\n", str(got, "id"), str(got, "from"),
                    *str(got, "thread") ? " #" : "", str(got, "thread"), waited);
  bones_term_print_block(stdout, "text:", str(got, "text"));
  json_decref(got);
  return 0;
}
