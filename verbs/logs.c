/* logs.c: `bones logs --hub [-f] [-n N] [--level L] [--json]`. */
#include "config.h"

#include <limits.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "hublog.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

struct logs_opts {
  int follow;
  long last;      /* only the last N entries; 0 = all */
  int min_level;  /* -1 = all */
  json_t *array;  /* --json without -f */
  int raw_json;   /* --json with -f: one JSON object per line */
};

/* Shows one NDJSON line according to o; malformed lines are shown as is. */
static void show_line(const char *line, struct logs_opts *o) {
  json_error_t jerr;
  json_t *e = json_loads(line, 0, &jerr);
  if (e == NULL) {
    if (!o->array && !o->raw_json) bones_term_printf(stdout, "%s\n", line);
    return;
  }
  int level = bones_log_level_parse(json_string_value(json_object_get(e, "level")));
  if (o->min_level >= 0 && level >= 0 && level < o->min_level) {
    json_decref(e);
    return;
  }
  if (o->array) {
    json_array_append_new(o->array, e);
    return;
  }
  if (o->raw_json) {
    bones_term_printf(stdout, "%s\n", line);
  } else {
    bones_term_printf(stdout, "%s %-5s %-9s", json_string_value(json_object_get(e, "ts")) ?: "?",
           json_string_value(json_object_get(e, "level")) ?: "?", json_string_value(json_object_get(e, "event")) ?: "?");
    const char *msg = json_string_value(json_object_get(e, "msg"));
    if (msg) bones_term_printf(stdout, " %s", msg);
    const char *k;
    json_t *v;
    json_object_foreach(e, k, v) {
      if (!strcmp(k, "ts") || !strcmp(k, "level") || !strcmp(k, "event") || !strcmp(k, "msg")) continue;
      char *s = json_is_string(v) ? bones_xstrdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
      bones_term_printf(stdout, " %s=%s", k, s ? s : "?");
      free(s);
    }
    printf("\n");
  }
  json_decref(e);
  fflush(stdout);
}

static int logs_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"hub", no_argument, NULL, 'H'},      {"follow", no_argument, NULL, 'f'},
                                       {"lines", required_argument, NULL, 'n'}, {"level", required_argument, NULL, 'l'},
                                       {NULL, 0, NULL, 0}};
  struct logs_opts o = {0, 0, -1, NULL, 0};
  int hub = 0;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "fn:", opts, NULL)) != -1) {
    if (c == 'H') hub = 1;
    else if (c == 'f') o.follow = 1;
    else if (c == 'n') {
      uint64_t n = 0;
      struct bones_error err;
      if (bones_parse_uint("-n", optarg, 1, LONG_MAX, &n, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      o.last = (long)n;
    } else if (c == 'l') {
      o.min_level = bones_log_level_parse(optarg);
      if (o.min_level < 0) return bones_ctx_usage(ctx, "--level takes DEBUG, INFO, WARN or ERROR");
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  if (!hub) return bones_ctx_usage(ctx, "say which log: --hub (the only one so far)");
  if (bones_ctx_json(ctx)) {
    if (o.follow) o.raw_json = 1;
    else o.array = json_array();
  }
  char *path = bones_ws_path(bones_ctx_workspace(ctx), "hub.log");
  FILE *f = fopen(path, "r");
  if (f == NULL && !o.follow) {
    free(path);
    if (o.array) return bones_ctx_emit(ctx, "logs", json_pack("{s:o}", "entries", o.array));
    bones_ctx_say(ctx, "(no hub log yet: the hub has not run)");
    return 0;
  }
  /* -n: count lines first, then skip */
  long total = 0, skip = 0;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  if (f && o.last > 0) {
    while ((len = getline(&line, &cap, f)) > 0) total++;
    skip = total > o.last ? total - o.last : 0;
    rewind(f);
  }
  for (;;) {
    while (f && (len = getline(&line, &cap, f)) > 0) {
      if (line[len - 1] != '\n') { /* a partial line being written: wait for the rest */
        fseek(f, -len, SEEK_CUR);
        break;
      }
      line[len - 1] = '\0';
      if (skip > 0) {
        skip--;
        continue;
      }
      show_line(line, &o);
    }
    if (!o.follow) break;
    if (f) clearerr(f);
    else f = fopen(path, "r");
    struct timespec ts = {0, 200000000L};
    nanosleep(&ts, NULL);
  }
  free(line);
  if (f) fclose(f);
  free(path);
  if (o.array) return bones_ctx_emit(ctx, "logs", json_pack("{s:o}", "entries", o.array));
  return 0;
}

BONES_VERB_EXPORT(verb_logs) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "logs",
    .description = "show the hub log",
    .flags = BONES_VERB_NEEDS_WORKSPACE,
    .usage = "usage: bones logs --hub [-f|--follow] [-n N] [--level LEVEL] [--json]\n"
             "Renders .bones/hub.log (NDJSON: ts, level, event, msg, fields).  -f keeps\n"
             "reading as lines arrive; -n shows the last N entries; --level hides\n"
             "entries below LEVEL.  --json prints {entries:[...]}, or with -f one JSON\n"
             "object per line.\n",
    .run = logs_run,
    .subverbs = NULL,
};
