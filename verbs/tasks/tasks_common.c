/* tasks_common.c: shared parts of the `bones tasks` sub-verbs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "presence.h"
#include "sessions.h"
#include "text.h"
#include "tasks_common.h"
#include "util.h"

int tasks_open(struct bones_ctx *ctx, struct bones_tasks **t, char **agent_out, struct bones_error *err) {
  *t = NULL;
  if (agent_out) *agent_out = NULL;
  bones_kv *kv = NULL;
  int rc = bones_ctx_kv(ctx, &kv, err);
  if (rc != BONES_OK) return rc;
  char *agent = NULL, *slot = NULL;
  enum bones_agent_source src;
  rc = bones_agent_resolve(bones_ctx_workspace(ctx), NULL, &agent, &slot, &src, err);
  if (rc != BONES_OK) return rc;
  struct bones_error perr;
  bones_presence_touch_lazy(kv, agent, slot, &perr); /* best effort: a heartbeat, at most one per half heartbeat */
  if (slot) bones_session_touch(kv, slot, &perr);  /* a verb run as the slot renews its session lease */
  free(slot);
  rc = bones_tasks_open(kv, agent, t, err);
  if (rc == BONES_OK && agent_out) *agent_out = agent;
  else free(agent);
  return rc;
}

int tasks_resolve(struct bones_tasks *t, const char *arg, char **id, struct bones_error *err) {
  return bones_task_resolve(t, arg, id, err);
}

static const char *s(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "-";
}

void tasks_print_line(json_t *task) {
  const char *status = s(task, "status");
  const char *glyph = strcmp(status, "open") == 0 ? "o" : strcmp(status, "claimed") == 0 ? "*" : "x";
  json_t *p = json_object_get(task, "priority");
  char prio[8] = "--";
  if (json_is_integer(p)) snprintf(prio, sizeof prio, "P%lld", (long long)json_integer_value(p));
  bones_term_printf(stdout, "%s %s %-7s %s claimed=%s %s\n", glyph, s(task, "id"), status, prio, s(task, "claimed_by"), s(task, "title"));
}

void tasks_print_full(json_t *task) {
  static const char *const order[] = {"id", "title", "status", "claimed_by", "claim_epoch", "lease_expires_at",
                                      "priority", "parent", "defer_until", "created_at", "created_by", "updated_at",
                                      "closed_at", "closed_by", "closed_reason", "closed_forced", "previous_claimer",
                                      NULL};
  for (int i = 0; order[i]; i++) {
    json_t *v = json_object_get(task, order[i]);
    if (v == NULL || json_is_null(v)) continue;
    if (json_is_string(v)) bones_term_printf(stdout, "%-17s %s\n", order[i], json_string_value(v));
    else {
      char *d = json_dumps(v, JSON_ENCODE_ANY);
      bones_term_printf(stdout, "%-17s %s\n", order[i], d);
      free(d);
    }
  }
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(task, "files"), i, f) bones_term_printf(stdout, "%-17s %s\n", "file", json_string_value(f));
  json_array_foreach(json_object_get(task, "edges"), i, f)
      bones_term_printf(stdout, "%-17s %s %s\n", "edge", s(f, "type"), s(f, "target"));
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(task, "context"), k, v) {
    char *d = json_is_string(v) ? bones_xstrdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
    bones_term_printf(stdout, "context.%-9s %s\n", k, d);
    free(d);
  }
}

int tasks_parse_when(const char *str, int64_t *ms, struct bones_error *err) {
  if (bones_parse_time(str, ms) == 0) return BONES_OK;
  int64_t d = 0;
  if (bones_parse_duration(str, &d, err) == BONES_OK) {
    *ms = bones_now_ms() + d;
    return BONES_OK;
  }
  return bones_error_set(err, BONES_E_USAGE, "'%s' is neither a time (2026-11-23T12:00:00Z) nor a duration (2h)", str);
}

int tasks_parse_priority(const char *str, int *priority, struct bones_error *err) {
  const char *p = (str[0] == 'P' || str[0] == 'p') ? str + 1 : str;
  if (p[0] >= '0' && p[0] <= '4' && p[1] == '\0') {
    *priority = p[0] - '0';
    return BONES_OK;
  }
  return bones_error_set(err, BONES_E_USAGE, "priority '%s' is out of range (P0..P4)", str);
}

int tasks_split_files(const char *str, json_t *into, struct bones_error *err) {
  char *copy = bones_xstrdup(str);
  int rc = BONES_OK;
  for (char *save = NULL, *item = strtok_r(copy, ",", &save); item && rc == BONES_OK; item = strtok_r(NULL, ",", &save)) {
    if (*item == '\0') continue;
    rc = bones_relpath_check("--files entry", item, err);
    json_t *s = rc == BONES_OK ? json_string(item) : NULL;
    if (rc == BONES_OK && (s == NULL || json_array_append_new(into, s) != 0))
      rc = bones_error_set(err, BONES_E_INTERNAL, "cannot encode the --files entry");
  }
  free(copy);
  return rc;
}

int tasks_emit_task(struct bones_ctx *ctx, const char *schema, const char *word, json_t *task, int wrote) {
  if (bones_ctx_json(ctx)) {
    json_t *d = json_pack("{s:o, s:b}", "task", task, "changed", wrote);
    return bones_ctx_emit(ctx, schema, d);
  }
  if (!bones_ctx_quiet(ctx)) {
    printf("%-9s ", word); /* "unchanged" fills the column: keep a space */
    tasks_print_line(task);
  } else {
    bones_term_printf(stdout, "%s\n", s(task, "id"));
  }
  json_decref(task);
  return 0;
}
