/* swarm_fanin.c: `bones swarm fan-in` (core/swarm/swarm_fanin.h) and the
 * --summary of `bones swarm close`. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swarm_common.h"
#include "swarm_fanin.h"
#include "tasks_result.h"
#include "text.h"
#include "util.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

int swarm_summary_arg(const char *arg, char **summary, struct bones_error *err) {
  *summary = NULL;
  char *data = NULL;
  size_t len = 0;
  int rc;
  if (arg[0] == '@') {
    rc = bones_read_file(arg + 1, BONES_TASK_SUMMARY_MAX, &data, &len, err);
    if (rc == BONES_E_TOOLARGE)
      bones_error_set(err, BONES_E_TOOLARGE, "the summary file %s has more than %d bytes", arg + 1,
                      BONES_TASK_SUMMARY_MAX);
    else if (rc != BONES_OK) bones_error_prefix(err, "--summary %s", arg);
    if (rc != BONES_OK) return rc;
  } else {
    len = strlen(arg);
    data = bones_xstrdup(arg);
  }
  rc = bones_task_summary_check(data, len, err);
  if (rc != BONES_OK) {
    free(data);
    return rc;
  }
  *summary = data;
  return BONES_OK;
}

static void print_slot(json_t *s) {
  bones_term_printf(stdout, "slot %s: %s (%lld commit(s))\n", str(s, "name"), str(s, "result"),
                    (long long)json_integer_value(json_object_get(s, "commits")));
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(s, "tasks"), i, v) {
    bones_term_printf(stdout, "  task %s [%s%s%s] %s\n", str(v, "id"), str(v, "status"), str(v, "result") ? ", " : "",
                      str(v, "result") ? str(v, "result") : "", str(v, "title"));
    if (str(v, "summary")) bones_term_printf(stdout, "    summary: %s\n", str(v, "summary"));
  }
  json_array_foreach(json_object_get(s, "files"), i, v) bones_term_printf(stdout, "  file %s\n", json_string_value(v));
}

int swarm_fanin_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"wave", required_argument, NULL, 'w'}, {NULL, 0, NULL, 0}};
  const char *wave_arg = NULL;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'w') wave_arg = optarg;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  if (wave_arg && (bones_utf8_check("--wave", wave_arg, &err) != BONES_OK)) return bones_ctx_fail(ctx, &err);
  if (wave_arg && !*wave_arg) return bones_ctx_usage(ctx, "--wave needs a wave number");
  struct bones_swarm s;
  json_t *out = NULL;
  int rc = swarm_open(ctx, &s, &err);
  char *wave = rc == BONES_OK ? bones_fanin_wave(s.root, wave_arg) : NULL;
  if (rc == BONES_OK) rc = bones_swarm_fanin(s.root, s.kv, wave, &out, &err);
  bones_swarm_free(&s);
  if (rc != BONES_OK) {
    free(wave);
    return bones_ctx_fail(ctx, &err);
  }
  int ok = json_is_true(json_object_get(out, "ok"));
  json_t *slots = json_object_get(out, "slots");
  if (bones_ctx_json(ctx)) {
    free(wave);
    int erc = bones_ctx_emit(ctx, "swarm.fan-in", out);
    return erc ? erc : ok ? 0 : 6;
  }
  if (json_array_size(slots) == 0) {
    bones_error_set(&err, BONES_E_REFUSED, "no task with a slot%s%s", wave ? " in wave " : "", wave ? wave : "");
    bones_error_hint(&err, "tasks get a slot with `bones tasks create --context slot=NAME --context wave=N`");
    free(wave);
    json_decref(out);
    return bones_ctx_fail(ctx, &err);
  }
  if (!bones_ctx_quiet(ctx)) {
    size_t i;
    json_t *v;
    json_array_foreach(slots, i, v) print_slot(v);
  }
  const char *verdict = ok ? "every slot succeeded" : "not every slot succeeded (exit 6)";
  if (wave) bones_term_printf(stdout, "wave %s: %s\n", wave, verdict);
  else bones_term_printf(stdout, "all slots: %s\n", verdict);
  free(wave);
  json_decref(out);
  return ok ? 0 : 6;
}
