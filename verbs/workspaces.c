/* workspaces.c: `bones workspaces ls|show`: the per-user registry of
 * workspaces (also the row helpers of workspaces.h). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "proc.h"
#include "util.h"
#include "workspace.h"
#include "workspaces.h"

void ws_row_fill(struct ws_row *row, const struct bones_registry_entry *e) {
  row->e = e;
  char *cfg = bones_xasprintf("%s/" BONES_DIR "/config.json", e->cwd);
  row->present = bones_path_is_file(cfg);
  free(cfg);
  int pid_alive = bones_registry_hub_state(e) == BONES_PID_OURS;
  row->orphan = bones_registry_orphan(e);
  row->alive = pid_alive && bones_registry_alive(e);
  if (row->orphan) row->state = "orphan";
  else if (row->alive) row->state = "running";
  else if (pid_alive) row->state = "not-answering";
  else if (e->hub_pid > 0) row->state = "stale";
  else row->state = "stopped";
}

json_t *ws_row_json(const struct ws_row *row) {
  const struct bones_registry_entry *e = row->e;
  char id[17];
  bones_registry_id(e->cwd, id);
  return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:i, s:s, s:s, s:s}", "id", id, "name", e->name, "cwd", e->cwd,
                   "state", row->state, "alive", row->alive, "orphan", row->orphan, "present", row->present,
                   "hub_pid", (int)e->hub_pid, "hub_url", e->hub_url, "kv_url", e->kv_url, "started_at",
                   e->started_at);
}

/* s, or "-" when s is NULL or empty (borrowed). */
static const char *or_dash(const char *s) { return s && *s ? s : "-"; }

void ws_rows_print(FILE *out, const struct ws_row *rows, size_t n) {
  int wname = 4, wstate = 5, whub = 3, wkv = 2;
  for (size_t i = 0; i < n; i++) {
    int l;
    if ((l = (int)strlen(or_dash(rows[i].e->name))) > wname) wname = l;
    if ((l = (int)strlen(rows[i].state)) > wstate) wstate = l;
    if ((l = (int)strlen(or_dash(rows[i].e->hub_url))) > whub) whub = l;
    if ((l = (int)strlen(or_dash(rows[i].e->kv_url))) > wkv) wkv = l;
  }
  fprintf(out, "%-*s  %-*s  %-7s  %-*s  %-*s  %s\n", wname, "NAME", wstate, "STATE", "PID", whub, "HUB", wkv, "KV",
          "CWD");
  for (size_t i = 0; i < n; i++) {
    const struct bones_registry_entry *e = rows[i].e;
    char pid[16] = "-";
    if (e->hub_pid > 0) snprintf(pid, sizeof pid, "%ld", (long)e->hub_pid);
    fprintf(out, "%-*s  %-*s  %-7s  %-*s  %-*s  %s\n", wname, or_dash(e->name), wstate, rows[i].state, pid, whub,
            or_dash(e->hub_url), wkv, or_dash(e->kv_url), e->cwd);
  }
}

/* `workspaces ls`: the registry as a table or bones.workspaces.ls/v1. */
static int ls_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[1]);
  struct bones_registry_entry *v = NULL;
  size_t n = 0, skipped = 0;
  struct bones_error err;
  if (bones_registry_list(&v, &n, &skipped, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  struct ws_row *rows = bones_xcalloc(n ? n : 1, sizeof *rows);
  for (size_t i = 0; i < n; i++) ws_row_fill(&rows[i], &v[i]);
  int rc = 0;
  if (bones_ctx_json(ctx)) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, ws_row_json(&rows[i]));
    rc = bones_ctx_emit(ctx, "workspaces.ls", json_pack("{s:o, s:i}", "workspaces", a, "skipped", (int)skipped));
  } else if (n == 0) {
    bones_ctx_say(ctx, "no registered workspaces (`bones up` in a git repository registers one)");
  } else {
    ws_rows_print(stdout, rows, n);
  }
  if (skipped && !bones_ctx_json(ctx))
    fprintf(stderr, "bones: workspaces ls: skipped %zu unreadable registry file(s) in the registry\n", skipped);
  free(rows);
  bones_registry_entries_free(v, n);
  return rc;
}

/* The absolute path an operand that names a directory stands for
 * (malloc'd): realpath when it exists, else made absolute as written. */
static char *operand_path(const char *arg) {
  char *real = realpath(arg, NULL);
  if (real) return real;
  if (arg[0] == '/') return bones_xstrdup(arg);
  char *cwd = getcwd(NULL, 0);
  char *p = bones_xasprintf("%s/%s", cwd ? cwd : ".", arg);
  free(cwd);
  return p;
}

/* Finds the entry an operand names: a path (has '/' or is "."/".."), a
 * 16-hex id, or a name.  Returns its index in v, or fills err: 3 none,
 * 2 ambiguous (listing the matches). */
static int find_entry(const struct bones_registry_entry *v, size_t n, const char *arg, size_t *at,
                      struct bones_error *err) {
  int is_path = strchr(arg, '/') || strcmp(arg, ".") == 0 || strcmp(arg, "..") == 0;
  char *path = is_path ? operand_path(arg) : NULL;
  size_t matches = 0;
  char list[200] = "";
  for (size_t i = 0; i < n; i++) {
    char id[17];
    bones_registry_id(v[i].cwd, id);
    int hit = path ? strcmp(v[i].cwd, path) == 0 : strcmp(v[i].name, arg) == 0 || strcmp(id, arg) == 0;
    if (!hit) continue;
    if (matches++ == 0) *at = i;
    size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", v[i].cwd);
  }
  free(path);
  if (matches == 1) return BONES_OK;
  if (matches == 0) {
    bones_error_set(err, BONES_E_NOTFOUND, "no registered workspace named '%s'", arg);
    return bones_error_hint(err, "`bones workspaces ls` lists them");
  }
  bones_error_set(err, BONES_E_USAGE, "'%s' names %zu workspaces: %s", arg, matches, list);
  return bones_error_hint(err, "give the path or the id instead");
}

/* `workspaces show X`: one entry, as text or bones.workspaces.show/v1. */
static int show_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc != 2) return bones_ctx_usage(ctx, "workspaces show takes one PATH, NAME or ID");
  struct bones_registry_entry *v = NULL;
  size_t n = 0, at = 0;
  struct bones_error err;
  if (bones_registry_list(&v, &n, NULL, &err) != BONES_OK || find_entry(v, n, argv[1], &at, &err) != BONES_OK) {
    bones_registry_entries_free(v, n);
    return bones_ctx_fail(ctx, &err);
  }
  struct ws_row row;
  ws_row_fill(&row, &v[at]);
  char *agent = row.present ? bones_workspace_agent_id(v[at].cwd) : NULL;
  char *dir = bones_registry_dir();
  char id[17];
  bones_registry_id(v[at].cwd, id);
  int rc = 0;
  if (bones_ctx_json(ctx)) {
    json_t *d = ws_row_json(&row);
    json_object_set_new(d, "agent_id", agent ? json_string(agent) : json_null());
    json_object_set_new(d, "registry_file", json_sprintf("%s/%s.json", dir, id));
    rc = bones_ctx_emit(ctx, "workspaces.show", d);
  } else {
    const struct bones_registry_entry *e = &v[at];
    printf("name:        %s\nid:          %s\ncwd:         %s%s\nstate:       %s\n", e->name, id, e->cwd,
           row.present ? "" : " (gone)", row.state);
    if (e->hub_pid > 0) printf("hub pid:     %ld\n", (long)e->hub_pid);
    printf("hub url:     %s\nkv url:      %s\nstarted at:  %s\n", or_dash(e->hub_url), or_dash(e->kv_url),
           or_dash(e->started_at));
    if (agent) printf("agent id:    %s\n", agent);
    printf("registry:    %s/%s.json\n", dir, id);
  }
  free(dir);
  free(agent);
  bones_registry_entries_free(v, n);
  return rc;
}

static const struct bones_subverb workspaces_subverbs[] = {
    {"ls", "list the registered workspaces and the state of their hubs",
     "usage: bones workspaces ls [--json]\n"
     "One row per workspace in the per-user registry ($BONES_HOME, default\n"
     "~/.bones/workspaces): NAME, STATE, hub PID, HUB and KV URLs, CWD.\n"
     "STATE: running (pid alive and the hub answers), not-answering (pid alive,\n"
     "no answer), orphan (pid alive, workspace gone: `bones down --all` or\n"
     "`bones doctor --all --fix` reaps it), stale (the hub died), stopped.\n"
     "Entries whose hub is dead and whose workspace is gone are pruned on read.\n",
     ls_run, 0},
    {"show", "show one registered workspace",
     "usage: bones workspaces show PATH|NAME|ID [--json]\n"
     "PATH is the workspace directory (anything with a '/', or '.'); NAME its\n"
     "registered name; ID the 16-hex registry id.  Exit 3 when nothing matches,\n"
     "2 when a name matches several workspaces (the error lists them).\n",
     show_run, 0},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_workspaces) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "workspaces",
    .description = "list and show the workspaces registered for this user",
    .flags = 0,
    .usage = "usage: bones workspaces ls|show ...\n",
    .run = NULL,
    .subverbs = workspaces_subverbs,
};
