/* who.c: `bones who`: the live agents (presence records) on the substrate. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "presence.h"
#include "text.h"
#include "util.h"

/* Adds "age_ms" (now - last_seen) to each record (unknown: omitted). */
static void add_ages(json_t *agents, int64_t now) {
  size_t i;
  json_t *a;
  json_array_foreach(agents, i, a) {
    int64_t seen;
    const char *s = json_string_value(json_object_get(a, "last_seen"));
    if (s && bones_parse_time(s, &seen) == 0) json_object_set_new(a, "age_ms", json_integer(now - seen));
  }
}

/* A member of a presence record as text, "-" when missing. */
static const char *text_of(json_t *rec, const char *name, char *buf, size_t size) {
  json_t *v = json_object_get(rec, name);
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_integer(v) && buf) {
    snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  return "-";
}

static void print_table(json_t *agents) {
  if (json_array_size(agents) == 0) {
    printf("no live agents\n");
    return;
  }
  printf("%-28s %-16s %-20s %-8s %-24s %s\n", "AGENT", "SLOT", "HOST", "PID", "LAST SEEN", "AGE");
  size_t i;
  json_t *a;
  json_array_foreach(agents, i, a) {
    char pid[32], age[32] = "-";
    json_t *ms = json_object_get(a, "age_ms");
    if (json_is_integer(ms)) bones_format_age((int64_t)json_integer_value(ms), age, sizeof age);
    bones_term_printf(stdout, "%-28s %-16s %-20s %-8s %-24s %s\n", text_of(a, "agent", NULL, 0), text_of(a, "slot", NULL, 0),
           text_of(a, "host", NULL, 0), text_of(a, "pid", pid, sizeof pid), text_of(a, "last_seen", NULL, 0), age);
  }
}

static int who_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) {
    if (argv[1][0] == '-') return bones_ctx_usage(ctx, "unknown option '%s'", argv[1]);
    return bones_ctx_usage(ctx, "who takes no arguments (got '%s')", argv[1]);
  }
  struct bones_error err;
  bones_kv *kv = NULL;
  json_t *agents = NULL;
  if (bones_ctx_kv(ctx, &kv, &err) != BONES_OK || bones_presence_list(kv, &agents, &err) != BONES_OK)
    return bones_ctx_fail(ctx, &err);
  add_ages(agents, bones_now_ms());
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "who", json_pack("{s:o}", "agents", agents));
  if (!bones_ctx_quiet(ctx)) print_table(agents);
  json_decref(agents);
  return 0;
}

BONES_VERB_EXPORT(verb_who) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "who",
    .description = "list the live agents (presence heartbeats)",
    .flags = BONES_VERB_NEEDS_KV,
    .usage = "usage: bones who [--json]\n"
             "Lists every agent with a live presence record on the substrate: its id,\n"
             "slot, host, pid, when it was last seen and how long ago.  An agent stays\n"
             "listed for the presence TTL (3 heartbeats) after its last bones command\n"
             "or heartbeat.\n",
    .run = who_run,
    .subverbs = NULL,
};
