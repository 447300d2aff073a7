/* messages.c: `bones coord handoff|handoffs|accept|broadcast|broadcasts`. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord.h"
#include "coord_verbs.h"
#include "cursor.h"
#include "text.h"
#include "util.h"

#define FOLLOW_CHUNK_MS 200

/* A string member of rec, "" when missing (borrowed). */
static const char *str(const json_t *rec, const char *k) {
  const char *v = json_string_value(json_object_get(rec, k));
  return v ? v : "";
}

/* One handoff as a line. */
static void print_handoff(const json_t *h) {
  bones_term_printf(stdout, "%s %-8s %s -> %s %s: %s\n", str(h, "id"), str(h, "state"), str(h, "from"), str(h, "to"),
         str(h, "artifact"), str(h, "message"));
}

int coord_handoff_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"to", required_argument, NULL, 't'},
                                       {"artifact", required_argument, NULL, 'a'},
                                       {"message", required_argument, NULL, 'm'},
                                       {"task", required_argument, NULL, 'k'},
                                       {"ttl", required_argument, NULL, 'l'},
                                       {NULL, 0, NULL, 0}};
  const char *to = NULL, *artifact = NULL, *message = "", *task = NULL;
  int64_t ttl = 0;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 't') to = optarg;
    else if (c == 'a') artifact = optarg;
    else if (c == 'm') message = optarg;
    else if (c == 'k') task = optarg;
    else if (c == 'l') {
      if (bones_parse_duration_in("--ttl", optarg, 1000, 30LL * 24 * 3600 * 1000, &ttl, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind != argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  if (to == NULL || (artifact == NULL) == (task == NULL))
    return bones_ctx_usage(ctx, "--to AGENT and one of --artifact A or --task ID are required");
  if (ttl && task == NULL) return bones_ctx_usage(ctx, "--ttl goes with --task");
  if (bones_utf8_check("--to", to, &err) != BONES_OK || (artifact && bones_utf8_check("--artifact", artifact, &err) != BONES_OK) ||
      bones_utf8_check("--message", message, &err) != BONES_OK)
    return bones_ctx_fail(ctx, &err);
  bones_kv *kv = NULL;
  char *me = NULL;
  json_t *rec = NULL;
  int rc = coord_me(ctx, &kv, &me, &err);
  if (rc == BONES_OK)
    rc = task ? bones_handoff_create_task(kv, me, to, task, message, ttl, &rec, &err)
              : bones_handoff_create(kv, me, to, artifact, message, &rec, &err);
  free(me);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "coord.handoff", json_pack("{s:o}", "handoff", rec));
  bones_term_printf(stdout, "%s\n", str(rec, "id")); /* the id alone, as `tasks create` prints its id */
  if (!bones_ctx_quiet(ctx))
    bones_term_printf(stderr, "handoff %s -> %s (%s): `bones coord accept %s` as %s\n", str(rec, "from"), str(rec, "to"),
                      str(rec, "artifact"), str(rec, "id"), str(rec, "to"));
  json_decref(rec);
  return 0;
}

int coord_handoffs_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"to", required_argument, NULL, 't'}, {"all", no_argument, NULL, 'a'},
                                       {NULL, 0, NULL, 0}};
  const char *to = NULL;
  int all = 0;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 't') to = optarg;
    else if (c == 'a') all = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind != argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  struct bones_error err;
  bones_kv *kv = NULL;
  char *me = NULL;
  json_t *list = NULL;
  int rc = coord_me(ctx, &kv, &me, &err);
  if (rc == BONES_OK) rc = bones_handoff_list(kv, to ? to : me, all, &list, &err);
  free(me);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx))
    return bones_ctx_emit(ctx, "coord.handoffs",
                          json_pack("{s:o, s:I}", "handoffs", list, "count", (json_int_t)json_array_size(list)));
  size_t i;
  json_t *h;
  if (!bones_ctx_quiet(ctx) && json_array_size(list) == 0) printf("no handoffs\n");
  json_array_foreach(list, i, h) {
    if (bones_ctx_quiet(ctx)) bones_term_printf(stdout, "%s\n", str(h, "id"));
    else print_handoff(h);
  }
  json_decref(list);
  return 0;
}

/* accept or decline: resolves the caller, decides, reports. */
static int decide_run(struct bones_ctx *ctx, int argc, char **argv, int accept) {
  if (argc != 2 || argv[1][0] == '-') return bones_ctx_usage(ctx, "give one handoff ID (and no options)");
  struct bones_error err;
  bones_kv *kv = NULL;
  char *me = NULL;
  json_t *rec = NULL;
  int rc = coord_me(ctx, &kv, &me, &err);
  if (rc == BONES_OK)
    rc = accept ? bones_handoff_accept(kv, me, argv[1], &rec, &err) : bones_handoff_decline(kv, me, argv[1], &rec, &err);
  free(me);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx))
    return bones_ctx_emit(ctx, accept ? "coord.accept" : "coord.decline", json_pack("{s:o}", "handoff", rec));
  int task = *str(rec, "task") != '\0';
  if (bones_ctx_quiet(ctx)) bones_term_printf(stdout, "%s\n", str(rec, "id"));
  else if (!accept)
    bones_term_printf(stdout, "declined handoff %s from %s: %s%s\n", str(rec, "id"), str(rec, "from"),
                      str(rec, "artifact"), task ? " (the claim stays where it was)" : "");
  else
    bones_term_printf(stdout, "accepted handoff %s from %s: %s%s%s\n", str(rec, "id"), str(rec, "from"),
                      str(rec, "artifact"), str(rec, "message")[0] ? ": " : "", str(rec, "message"));
  if (accept && task && !bones_ctx_quiet(ctx))
    bones_term_printf(stdout, "task %s is yours now (claim epoch %lld, %lld hold(s) moved): `bones swarm join --slot NAME "
                              "--task %s` gives you a worktree for it\n",
                      str(rec, "task"), (long long)json_integer_value(json_object_get(rec, "claim_epoch")),
                      (long long)json_integer_value(json_object_get(rec, "holds_moved")), str(rec, "task"));
  json_decref(rec);
  return 0;
}

int coord_accept_run(struct bones_ctx *ctx, int argc, char **argv) { return decide_run(ctx, argc, argv, 1); }
int coord_decline_run(struct bones_ctx *ctx, int argc, char **argv) { return decide_run(ctx, argc, argv, 0); }

int coord_broadcast_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc != 3 || argv[1][0] == '-') return bones_ctx_usage(ctx, "give a CHANNEL and a MESSAGE");
  struct bones_error err;
  if (bones_coord_name_check("channel", argv[1], &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_utf8_check("MESSAGE", argv[2], &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  bones_kv *kv = NULL;
  char *me = NULL;
  json_t *rec = NULL;
  int rc = coord_me(ctx, &kv, &me, &err);
  if (rc == BONES_OK) rc = bones_broadcast_send(kv, argv[1], me, argv[2], &rec, &err);
  free(me);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "coord.broadcast", json_pack("{s:o}", "broadcast", rec));
  if (bones_ctx_quiet(ctx)) bones_term_printf(stdout, "%s\n", str(rec, "id"));
  else bones_term_printf(stdout, "broadcast %s on %s\n", str(rec, "id"), argv[1]);
  json_decref(rec);
  return 0;
}

/* Prints messages (JSON lines with --json when following), returns the
 * id of the last one (borrowed from msgs) or NULL. */
static const char *show(struct bones_ctx *ctx, json_t *msgs, int lines) {
  const char *last = NULL;
  size_t i;
  json_t *m;
  json_array_foreach(msgs, i, m) {
    last = str(m, "id");
    if (lines && bones_ctx_json(ctx)) {
      json_t *env = json_pack("{s:s, s:O}", "schema", "bones.coord.broadcasts/v1", "data", m);
      json_dumpf(env, stdout, JSON_COMPACT);
      putchar('\n');
      json_decref(env);
    } else if (bones_ctx_quiet(ctx)) {
      bones_term_printf(stdout, "%s\n", last);
    } else if (!bones_ctx_json(ctx)) {
      bones_term_printf(stdout, "%s %s %s: %s\n", last, str(m, "at"), str(m, "agent"), str(m, "message"));
    }
  }
  fflush(stdout);
  return last;
}

int coord_broadcasts_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"after", required_argument, NULL, 'a'}, {"limit", required_argument, NULL, 'l'},
                                       {"follow", no_argument, NULL, 'f'},        {"timeout", required_argument, NULL, 't'},
                                       {"new", no_argument, NULL, 'n'},           {NULL, 0, NULL, 0}};
  const char *after_arg = "";
  size_t limit = 0;
  int follow = 0, unread = 0, after_given = 0;
  int64_t timeout = 0;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'a') after_arg = optarg, after_given = 1;
    else if (c == 'n') unread = 1;
    else if (c == 'f') follow = 1;
    else if (c == 'l') {
      uint64_t v = 0;
      if (bones_parse_uint("--limit", optarg, 1, SIZE_MAX, &v, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      limit = (size_t)v;
    } else if (c == 't') {
      if (bones_parse_duration_in("--timeout", optarg, 0, BONES_WAIT_MAX_MS, &timeout, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind != argc - 1) return bones_ctx_usage(ctx, "give one CHANNEL");
  const char *channel = argv[optind];
  if (bones_coord_name_check("channel", channel, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (*after_arg && !bones_broadcast_id_valid(after_arg))
    return bones_ctx_usage(ctx, "--after '%s' is not a broadcast id (%d digits)", after_arg, BONES_BROADCAST_ID_LEN);
  if (unread && after_given) return bones_ctx_usage(ctx, "--new reads after your stored cursor: drop --after");
  bones_kv *kv = NULL;
  char *me = NULL; /* with --new: whose cursor */
  if ((unread ? coord_me(ctx, &kv, &me, &err) : bones_ctx_kv(ctx, &kv, &err)) != BONES_OK) {
    free(me);
    return bones_ctx_fail(ctx, &err);
  }
  char after[BONES_BROADCAST_ID_LEN + 1];
  snprintf(after, sizeof after, "%s", after_arg);
  if (unread && bones_cursor_get(kv, me, channel, after, sizeof after, &err) != BONES_OK) {
    free(me);
    return bones_ctx_fail(ctx, &err);
  }
  json_t *msgs = NULL;
  uint64_t rev = 0;
  if (bones_broadcast_read(kv, channel, after, limit, &msgs, &rev, &err) != BONES_OK) {
    free(me);
    return bones_ctx_fail(ctx, &err);
  }
  if (!follow) {
    const char *last = json_array_size(msgs) ? str(json_array_get(msgs, json_array_size(msgs) - 1), "id") : after;
    /* --new: what was shown is read; the cursor moves before printing so
     * a failure to store it is an error, not messages shown twice later */
    int crc = unread && *last ? bones_cursor_advance(kv, me, channel, last, &err) : BONES_OK;
    free(me);
    if (crc != BONES_OK) {
      json_decref(msgs);
      return bones_ctx_fail(ctx, &err);
    }
    if (bones_ctx_json(ctx))
      return bones_ctx_emit(ctx, "coord.broadcasts", json_pack("{s:s, s:o, s:I, s:s}", "channel", channel, "messages",
                                                               msgs, "count", (json_int_t)json_array_size(msgs), "next", last));
    show(ctx, msgs, 0);
    json_decref(msgs);
    return 0;
  }
  /* follow: print, then wait for a change, until a signal or --timeout */
  coord_catch_signals();
  int64_t deadline = timeout > 0 ? bones_monotonic_ms() + timeout : 0;
  bones_kv_bucket *b = NULL;
  int rc = bones_coord_bucket(kv, BONES_BROADCASTS_BUCKET, 1, &b, &err);
  char *prefix = bones_xasprintf("%s/", channel);
  while (rc == BONES_OK) {
    const char *last = show(ctx, msgs, 1);
    if (last) snprintf(after, sizeof after, "%s", last);
    if (last && unread) rc = bones_cursor_advance(kv, me, channel, last, &err);
    if (rc != BONES_OK) break;
    json_decref(msgs);
    msgs = NULL;
    int64_t left = deadline ? deadline - bones_monotonic_ms() : FOLLOW_CHUNK_MS;
    if (coord_stop || left <= 0) break;
    rc = bones_coord_wait_change(b, prefix, rev, left < FOLLOW_CHUNK_MS ? left : FOLLOW_CHUNK_MS, &rev, &err);
    if (rc == BONES_OK && !coord_stop) rc = bones_broadcast_read(kv, channel, after, limit, &msgs, &rev, &err);
  }
  json_decref(msgs);
  free(prefix);
  free(me);
  bones_kv_bucket_close(b);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  return coord_stop ? coord_interrupted(ctx) : 0;
}
