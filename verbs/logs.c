/* logs.c: `bones logs [--hub] [--slot NAME] [--tasks] [--all] [--since D]
 * [-n N] [-f] [--level L] [--json]`: hub.log, swarm-events.jsonl and the
 * task events merged by time (core/workspace/logs.h, docs/logs.md). */
#include "config.h"

#include <limits.h>
#include <poll.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "hublog.h"
#include "logs.h"
#include "text.h"
#include "util.h"

#define LOGS_POLL_MS 500

static volatile sig_atomic_t logs_stop;

/* The handler of SIGINT/SIGTERM while following: ends the loop. */
static void on_stop(int sig) {
  (void)sig;
  logs_stop = 1;
}

static void catch_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = SIG_IGN; /* a closed pipe shows as a write error: we stop */
  sigaction(SIGPIPE, &sa, NULL);
}

/* 1 when nobody reads stdout any more (a pipe whose reader exited), so a
 * follow with nothing new to print still ends, as `tail -f | head` does. */
static int stdout_gone(void) {
  struct pollfd p = {STDOUT_FILENO, 0, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

/* Parses --since: an RFC 3339 UTC time, or a duration back from now. */
static int parse_since(const char *s, int64_t *ms, struct bones_error *err) {
  if (bones_parse_time(s, ms) == 0) return BONES_OK;
  int64_t ago = 0;
  if (bones_parse_duration_in("--since", s, 0, BONES_DURATION_MAX_MS, &ago, err) != BONES_OK)
    return bones_error_hint(err, "give a duration back from now (90s, 10m, 2h, 1d) or an RFC 3339 UTC time "
                                 "(2026-11-23T13:26:19Z)");
  *ms = bones_now_ms() - ago;
  return BONES_OK;
}

/* Prints one entry: an NDJSON line (json) or "TS SOURCE TEXT". */
static void print_entry(json_t *e, int json) {
  if (json) {
    json_dumpf(e, stdout, JSON_COMPACT);
    putchar('\n');
    return;
  }
  char *text = bones_logs_text(e);
  bones_term_printf(stdout, "%s %-5s %s\n", json_string_value(json_object_get(e, "ts")) ?: "?",
                    json_string_value(json_object_get(e, "source")) ?: "?", text);
  free(text);
}

/* Tells stderr about the corrupt lines skipped since the last report. */
static void report_corrupt(struct bones_ctx *ctx, size_t corrupt, size_t *reported) {
  if (corrupt == *reported) return;
  fprintf(stderr, "bones: %s: skipped %zu corrupt log line%s\n", bones_ctx_verb_path(ctx), corrupt - *reported,
          corrupt - *reported == 1 ? "" : "s");
  *reported = corrupt;
}

static int logs_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {
      {"hub", no_argument, NULL, 'H'},         {"slot", required_argument, NULL, 's'},
      {"tasks", no_argument, NULL, 'T'},       {"all", no_argument, NULL, 'A'},
      {"since", required_argument, NULL, 'S'}, {"follow", no_argument, NULL, 'f'},
      {"lines", required_argument, NULL, 'n'}, {"level", required_argument, NULL, 'l'},
      {NULL, 0, NULL, 0}};
  struct bones_logs_filter filter = {0, NULL, 0, -1};
  int follow = 0, all = 0, tasks = 0;
  long last = 0; /* only the last N entries of the first read; 0 = all */
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "fn:", opts, NULL)) != -1) {
    if (c == 'H') filter.sources |= BONES_LOGS_HUB;
    else if (c == 's') {
      if (bones_name_check("--slot", optarg, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      filter.sources |= BONES_LOGS_SLOT;
      filter.slot = optarg;
    } else if (c == 'T') {
      filter.sources |= BONES_LOGS_TASKS;
      tasks = 1;
    } else if (c == 'A') {
      filter.sources |= BONES_LOGS_ALL;
      all = 1;
    } else if (c == 'S') {
      if (parse_since(optarg, &filter.since_ms, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
    } else if (c == 'f') follow = 1;
    else if (c == 'n') {
      uint64_t n = 0;
      if (bones_parse_uint("-n", optarg, 1, LONG_MAX, &n, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      last = (long)n;
    } else if (c == 'l') {
      filter.min_level = bones_log_level_parse(optarg);
      if (filter.min_level < 0) return bones_ctx_usage(ctx, "--level takes DEBUG, INFO, WARN or ERROR");
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  if (filter.sources == 0) filter.sources = BONES_LOGS_ALL;
  if (all) filter.slot = NULL; /* --all: every slot's events, even with --slot */
  bones_kv *kv = NULL;
  if ((filter.sources & BONES_LOGS_TASKS) && bones_ctx_kv(ctx, &kv, &err) != BONES_OK) {
    if (tasks) return bones_ctx_fail(ctx, &err); /* asked for by name: no quiet fallback */
    bones_term_printf(stderr, "bones: %s: task events left out: %s\n", bones_ctx_verb_path(ctx), err.message);
    filter.sources &= ~(unsigned)BONES_LOGS_TASKS;
  }
  int json = bones_ctx_json(ctx);
  struct bones_logs_reader *r = bones_logs_open(bones_ctx_workspace(ctx), kv, &filter);
  size_t corrupt = 0, reported = 0;
  json_t *entries = NULL;
  if (bones_logs_read(r, &entries, &corrupt, &err) != BONES_OK) {
    bones_logs_close(r);
    return bones_ctx_fail(ctx, &err);
  }
  report_corrupt(ctx, corrupt, &reported);
  size_t n = json_array_size(entries);
  size_t skip = last > 0 && n > (size_t)last ? n - (size_t)last : 0;
  if (!follow) {
    bones_logs_close(r);
    if (skip) {
      json_t *tail = json_array();
      for (size_t i = skip; i < n; i++) json_array_append(tail, json_array_get(entries, i));
      json_decref(entries);
      entries = tail;
    }
    if (json) return bones_ctx_emit(ctx, "logs", json_pack("{s:o}", "entries", entries));
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) print_entry(e, 0);
    if (json_array_size(entries) == 0) bones_ctx_say(ctx, "(nothing logged yet%s)", filter.since_ms ? " in that time" : "");
    json_decref(entries);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
  }
  /* -f: the first read, then what arrives, until SIGINT/SIGTERM or a closed stdout */
  catch_signals();
  int rc = 0;
  for (;;) {
    for (size_t i = skip; i < json_array_size(entries); i++) print_entry(json_array_get(entries, i), json);
    json_decref(entries);
    entries = NULL;
    skip = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) break; /* the reader went away */
    for (int waited = 0; waited < LOGS_POLL_MS && !logs_stop && !stdout_gone(); waited += 50) {
      struct timespec ts = {0, 50 * 1000000L};
      nanosleep(&ts, NULL);
    }
    if (logs_stop || stdout_gone()) break;
    if (bones_logs_read(r, &entries, &corrupt, &err) != BONES_OK) {
      rc = bones_ctx_fail(ctx, &err);
      break;
    }
    report_corrupt(ctx, corrupt, &reported);
  }
  bones_logs_close(r);
  return rc;
}

BONES_VERB_EXPORT(verb_logs) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "logs",
    .description = "show the hub log, the slots' events and the task events, merged by time",
    .flags = BONES_VERB_NEEDS_WORKSPACE,
    .usage = "usage: bones logs [--hub] [--slot NAME] [--tasks] [--all] [--since WHEN] [-n N]\n"
             "                  [-f|--follow] [--level LEVEL] [--json]\n"
             "Shows bones' logs merged by time, one line each: TIME SOURCE TEXT.\n"
             "  --hub         .bones/hub.log, the hub's log (source hub)\n"
             "  --slot NAME   .bones/swarm-events.jsonl, the events of slot NAME (source slot)\n"
             "  --tasks       the task events of the substrate, kept 7 days (source tasks)\n"
             "  --all         all three, every slot (the default when no source is given)\n"
             "  --since WHEN  entries from a duration ago (90s, 10m, 2h, 1d) or an RFC 3339\n"
             "                UTC time (2026-11-23T13:26:19Z) on\n"
             "  -n, --lines N the last N entries (after merging)\n"
             "  -f, --follow  keep printing entries as they arrive (every 0.5 s) until\n"
             "                SIGINT/SIGTERM or a closed output (exit 0)\n"
             "  --level LEVEL hide hub entries below LEVEL (DEBUG, INFO, WARN, ERROR)\n"
             "--json prints {entries:[{ts, source, ...the entry's own members}]}, or with\n"
             "-f one such object per line.  Corrupt lines are skipped and counted on\n"
             "stderr.  See docs/logs.md.\n",
    .run = logs_run,
    .subverbs = NULL,
};
