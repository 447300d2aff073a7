/* status.c: `bones status [--all]`: this workspace at a glance (hub,
 * substrate, slots, tasks), or every registered workspace. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "ctx.h"
#include "hub.h"
#include "slots.h"
#include "url.h"
#include "util.h"
#include "workspace.h"
#include "workspaces.h"

#define TASKS_BUCKET "bones-tasks"

struct task_counts {
  int present; /* the bucket exists */
  int total, open, claimed, closed, other;
};

/* Counts one task record by its "status". */
static int count_task(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)key, (void)rev;
  struct task_counts *c = arg;
  c->total++;
  json_error_t jerr;
  json_t *o = json_loadb(value, len, 0, &jerr);
  const char *s = json_string_value(json_object_get(o, "status"));
  if (s && strcmp(s, "open") == 0) c->open++;
  else if (s && strcmp(s, "claimed") == 0) c->claimed++;
  else if (s && strcmp(s, "closed") == 0) c->closed++;
  else c->other++;
  json_decref(o);
  return 0;
}

/* Fills c from the bones-tasks bucket (absent bucket: present = 0). */
static int count_tasks(bones_kv *kv, struct task_counts *c, struct bones_error *err) {
  memset(c, 0, sizeof *c);
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0};
  bones_kv_bucket *b = NULL;
  int rc = bones_kv_bucket_open(kv, TASKS_BUCKET, &cfg, &b, NULL, err);
  if (rc == BONES_E_NOTFOUND) return BONES_OK;
  if (rc != BONES_OK) return rc;
  c->present = 1;
  rc = bones_kv_list(b, "", count_task, c, err);
  bones_kv_bucket_close(b);
  return rc;
}

/* "running", "not answering", "down" (hub.pid names a dead process),
 * "stopped" (no hub.pid) or "on another host" (bones up --hub). */
static const char *hub_word(const struct bones_hub_status *st, int remote) {
  if (remote) return "on another host";
  if (st->running) return "running";
  if (st->pid_alive) return "not answering";
  if (st->pid > 0) return "down";
  return "stopped";
}

/* "live", "dead", "no agent" (a closed slot's kept worktree), "agent gone,
 * session live", or "joined" (no pid, session not known) (static). */
static const char *slot_word(const struct bones_slot *s) {
  if (s->pid_alive) return "live";
  if (bones_slot_dead(s)) return "dead";
  if (!s->joined) return "no agent";
  if (s->pid > 0 && s->session_live == 1) return "agent gone, session live";
  return s->session_live == 1 ? "live" : "joined";
}

struct ws_status {
  const char *root;
  struct bones_hub_status hub;
  int remote; /* bones up --hub: hub.repo_url is the other host's hub */
  const char *spec;
  const char *kv_url;
  int kv_answers;
  struct bones_error kv_err;
  struct bones_slot *slots;
  size_t nslots;
  struct task_counts tasks;
};

/* The data of bones.status/v1 for s (a new reference). */
static json_t *status_json(const struct ws_status *s) {
  const struct bones_hub_status *h = &s->hub;
  json_t *hub = json_pack("{s:s, s:b, s:i, s:b, s:s?, s:b}", "state", hub_word(h, s->remote), "running", h->running, "pid",
                          (int)h->pid, "pid_alive", h->pid_alive, "repo_url", h->repo_url, "repo_answers",
                          h->repo_answers);
  json_object_set_new(hub, "kv_url", h->kv_url ? json_string(h->kv_url) : json_null());
  json_object_set_new(hub, "remote", json_boolean(s->remote));
  json_t *sub = json_pack("{s:s, s:s?, s:b}", "spec", s->spec, "url", s->kv_url, "answers", s->kv_answers);
  if (!s->kv_answers) json_object_set_new(sub, "error", json_string(s->kv_err.message));
  json_t *slots = json_array();
  for (size_t i = 0; i < s->nslots; i++) {
    const struct bones_slot *sl = &s->slots[i];
    json_t *o = json_pack("{s:s, s:s, s:i, s:b, s:b}", "name", sl->name, "state", slot_word(sl), "pid", (int)sl->pid,
                          "pid_alive", sl->pid_alive, "dead", bones_slot_dead(sl));
    json_object_set_new(o, "session_live", sl->session_live < 0 ? json_null() : json_boolean(sl->session_live));
    json_array_append_new(slots, o);
  }
  const struct task_counts *t = &s->tasks;
  json_t *tasks = json_pack("{s:i, s:i, s:i, s:i}", "total", t->total, "open", t->open, "claimed", t->claimed,
                            "closed", t->closed);
  const char *base = strrchr(s->root, '/');
  return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "workspace", s->root, "name", base ? base + 1 : s->root, "hub",
                   hub, "substrate", sub, "slots", slots, "tasks", tasks);
}

/* The human report of s on stdout. */
static void status_print(const struct ws_status *s) {
  const struct bones_hub_status *h = &s->hub;
  const char *base = strrchr(s->root, '/');
  printf("workspace  %s (%s)\n", s->root, base ? base + 1 : s->root);
  printf("hub        %s", hub_word(h, s->remote));
  if (s->remote) printf(", repo %s (%s)", h->repo_url, h->repo_answers ? "answers" : "not answering");
  if (h->pid > 0)
    printf(" (pid %ld%s)", (long)h->pid, h->pid_alive ? "" : h->pid_stale ? " is another process: stale" : " is dead");
  if (h->running && h->repo_url) printf(", repo %s", h->repo_url);
  printf("\n");
  printf("substrate  %s", s->spec);
  if (s->kv_url && strcmp(s->kv_url, s->spec) != 0) printf(" at %s", s->kv_url);
  if (s->kv_answers) printf(" (answers)\n");
  else printf(" (not answering: %s)\n", s->kv_err.message);
  printf("slots      ");
  if (s->nslots == 0) printf("none");
  for (size_t i = 0; i < s->nslots; i++) {
    const struct bones_slot *sl = &s->slots[i];
    printf("%s%s: %s", i ? ", " : "", sl->name, slot_word(sl));
    if (sl->pid > 0) printf(" (pid %ld)", (long)sl->pid);
  }
  printf("\n");
  const struct task_counts *t = &s->tasks;
  if (t->present)
    printf("tasks      %d (%d open, %d claimed, %d closed)\n", t->total, t->open, t->claimed, t->closed);
  if (s->remote && !h->repo_answers)
    printf("hint: start the hub on its host (`bones hub start --detach --listen ADDR`); check the network\n");
  else if (!h->running && !s->remote)
    printf("hint: the hub is %s; `bones hub start --detach` starts it%s\n", hub_word(h, 0),
           h->pid_alive ? " (after `bones hub stop --force`)" : "");
  for (size_t i = 0; i < s->nslots; i++)
    if (bones_slot_dead(&s->slots[i])) {
      printf("hint: dead slots: `bones doctor --fix` prunes them (uncommitted work goes to .bones/recovery/)\n");
      break;
    }
}

/* This workspace's status; exit 0 whenever it could be gathered. */
static int status_one(struct bones_ctx *ctx) {
  struct bones_error err;
  struct ws_status s;
  memset(&s, 0, sizeof s);
  s.root = bones_ctx_workspace(ctx);
  if (s.root == NULL) {
    bones_ctx_workspace_error(ctx, &err, "run `bones up` at the top of your git repository, use -C DIR, "
                                         "or `bones status --all` for every registered workspace");
    return bones_ctx_fail(ctx, &err);
  }
  bones_hub_status(s.root, &s.hub, &err);
  char *remote = bones_workspace_remote_hub(s.root);
  if (remote) {
    s.remote = 1;
    free(s.hub.repo_url);
    s.hub.repo_url = remote; /* freed with s.hub */
    s.hub.repo_answers = bones_http_answers(remote, 500);
  }
  char *spec_shown = bones_url_redact(bones_ctx_substrate(ctx)); /* never the password */
  s.spec = spec_shown;
  bones_kv *kv = NULL;
  bones_error_clear(&s.kv_err);
  if (bones_ctx_kv(ctx, &kv, &s.kv_err) == BONES_OK) {
    s.kv_url = bones_kv_url(kv);
    s.kv_answers = bones_kv_ping(kv, &s.kv_err) == BONES_OK;
  }
  if (!s.kv_answers) kv = NULL;
  int rc = bones_slots_list(s.root, kv, &s.slots, &s.nslots, &err);
  if (rc == BONES_OK && kv && count_tasks(kv, &s.tasks, &err) != BONES_OK) {
    memset(&s.tasks, 0, sizeof s.tasks); /* tasks unreadable: not shown */
  }
  if (rc != BONES_OK) {
    bones_hub_status_clear(&s.hub);
    free(spec_shown);
    return bones_ctx_fail(ctx, &err);
  }
  if (bones_ctx_json(ctx)) rc = bones_ctx_emit(ctx, "status", status_json(&s));
  else status_print(&s);
  bones_slots_free(s.slots, s.nslots);
  bones_hub_status_clear(&s.hub);
  free(spec_shown);
  return rc;
}

/* Every registered workspace. */
static int status_all(struct bones_ctx *ctx) {
  struct bones_registry_entry *v = NULL;
  size_t n = 0, skipped = 0;
  struct bones_error err;
  if (bones_registry_list(&v, &n, &skipped, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  struct ws_row *rows = bones_xcalloc(n ? n : 1, sizeof *rows);
  size_t orphans = 0;
  for (size_t i = 0; i < n; i++) {
    ws_row_fill(&rows[i], &v[i]);
    orphans += (size_t)rows[i].orphan;
  }
  int rc = 0;
  if (bones_ctx_json(ctx)) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, ws_row_json(&rows[i]));
    rc = bones_ctx_emit(ctx, "status.all", json_pack("{s:o, s:i, s:i}", "workspaces", a, "orphans", (int)orphans,
                                                     "skipped", (int)skipped));
  } else if (n == 0) {
    printf("no registered workspaces (`bones up` in a git repository registers one)\n");
  } else {
    ws_rows_print(stdout, rows, n);
    if (orphans)
      printf("hint: %zu orphan hub(s) (workspace gone, hub still running): `bones down --all` or "
             "`bones doctor --all --fix` stops them\n", orphans);
  }
  if (skipped && !bones_ctx_json(ctx)) fprintf(stderr, "bones: status: skipped %zu unreadable registry file(s)\n", skipped);
  free(rows);
  bones_registry_entries_free(v, n);
  return rc;
}

/* Parses [--all] and runs status_one or status_all. */
static int status_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
  int all = 0;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "a", opts, NULL)) != -1) {
    if (c == 'a') all = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "status takes no arguments (got '%s')", argv[optind]);
  return all ? status_all(ctx) : status_one(ctx);
}

BONES_VERB_EXPORT(verb_status) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "status",
    .description = "this workspace at a glance (hub, substrate, slots, tasks); --all: every workspace",
    .flags = 0,
    .usage = "usage: bones status [--all] [--json]\n"
             "Without --all: this workspace's root, its hub (running, not answering,\n"
             "down = hub.pid names a dead process, stopped), the substrate and whether\n"
             "it answers (bounded by the substrate timeout), its slots, and the number\n"
             "of tasks when the bones-tasks bucket exists.  Never starts anything.\n"
             "--all: one row per registered workspace (see `bones workspaces ls`),\n"
             "orphan hubs included; works outside a workspace.\n"
             "Exit 0 whenever the report could be made (status reports; `bones doctor`\n"
             "judges), 7 outside a workspace without --all.\n",
    .run = status_run,
    .subverbs = NULL,
};
