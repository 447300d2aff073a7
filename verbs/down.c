/* down.c: `bones down [--force] [--dry-run] [-y] [--all]`: undo `bones up`
 * for this workspace (or every registered one), after confirmation. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "ctx.h"
#include "down.h"
#include "proc.h"
#include "registry.h"
#include "util.h"

struct down_opts {
  int force, dry_run, yes, all, discard_unapplied;
};

/* The run's accumulated result: JSON and the worst exit status. */
struct down_run {
  struct bones_ctx *ctx;
  json_t *workspaces; /* [{cwd, refused, error, steps:[...]}] */
  json_t *orphans;    /* [{cwd, pid, reaped, error}] */
  json_t *steps;      /* steps of the workspace being processed */
  int status;         /* exit status so far */
};

/* "stop the hub (pid 12)" / "stopped the hub (pid 12)" into buf. */
static void step_text(const struct bones_down_step *s, int past, char *buf, size_t size) {
  switch (s->action) {
  case BONES_DOWN_STOP_HUB: snprintf(buf, size, "%s the hub (%s)", past ? "stopped" : "stop", s->target); break;
  case BONES_DOWN_REMOVE_STATE: snprintf(buf, size, "%s %s", past ? "removed" : "remove", s->target); break;
  case BONES_DOWN_GITIGNORE:
    snprintf(buf, size, "%s the .bones/ line from %s", past ? "removed" : "remove", s->target);
    break;
  case BONES_DOWN_UNREGISTER:
    snprintf(buf, size, "%s the registry entry of %s", past ? "removed" : "remove", s->target);
    break;
  case BONES_DOWN_HARNESS:
    snprintf(buf, size, "%s the harness files recorded in %s", past ? "removed" : "remove", s->target);
    break;
  }
}

/* Prints "PREFIX<step>" unless --json or -q. */
static void say_step(struct down_run *r, const struct bones_down_step *s, const char *prefix, int past) {
  if (bones_ctx_json(r->ctx) || bones_ctx_quiet(r->ctx)) return;
  char text[1200];
  step_text(s, past, text, sizeof text);
  printf("%s%s\n", prefix, text);
}

/* Reports one step as it is done (or fails). */
static void on_step(void *arg, const struct bones_down_step *s, int ok, const struct bones_error *err) {
  struct down_run *r = arg;
  json_array_append_new(r->steps, json_pack("{s:s, s:s, s:b, s:s?}", "action", bones_down_action_name(s->action),
                                            "target", s->target, "done", ok, "error", ok ? NULL : err->message));
  if (ok) {
    say_step(r, s, "", 1);
  } else if (!bones_ctx_json(r->ctx)) {
    char text[1200];
    step_text(s, 0, text, sizeof text);
    fprintf(stderr, "bones: down: could not %s: %s\n", text, err->message);
  }
}

/* Records p's unapplied check-ins in ws (JSON) and, for a plan that will
 * discard them, says so (prefix: "would " in a dry run). */
static void show_unapplied(struct down_run *r, const struct bones_down_plan *p, json_t *ws, const char *prefix) {
  json_t *list = json_array();
  for (size_t i = 0; i < p->nunapplied; i++) json_array_append_new(list, json_string(p->unapplied[i]));
  json_object_set_new(ws, "unapplied", list);
  if (p->nunapplied == 0 || !p->discard_unapplied || bones_ctx_json(r->ctx) || bones_ctx_quiet(r->ctx)) return;
  printf("%sdiscard %zu trunk check-in(s) never applied to git:\n", prefix, p->nunapplied);
  for (size_t i = 0; i < p->nunapplied; i++) printf("  %s\n", p->unapplied[i]);
}

/* Prints the plan (dry run, or before asking). */
static void show_plan(struct down_run *r, const struct bones_down_plan *p, const char *prefix) {
  for (size_t i = 0; i < p->nsteps; i++) {
    if (bones_ctx_json(r->ctx))
      json_array_append_new(r->steps, json_pack("{s:s, s:s, s:b}", "action", bones_down_action_name(p->steps[i].action),
                                                "target", p->steps[i].target, "done", 0));
    else say_step(r, &p->steps[i], prefix, 0);
  }
}

/* Notes a failure with its exit status; the worst (highest) wins. */
static void note_failure(struct down_run *r, const struct bones_error *err, json_t *ws) {
  int code = bones_rc_exit_code(err->code);
  if (code > r->status) r->status = code;
  if (ws) json_object_set_new(ws, "error", json_string(err->message));
  if (!bones_ctx_json(r->ctx)) {
    fprintf(stderr, "bones: down: %s\n", err->message);
    if (err->hint[0]) fprintf(stderr, "hint: %s\n", err->hint);
  }
}

/* Plans, and unless dry_run applies, down for one workspace root.  The
 * user has confirmed already (or it is a dry run). */
static void down_workspace(struct down_run *r, const char *root, const struct down_opts *o,
                           const struct bones_down_plan *planned) {
  struct bones_error err;
  struct bones_down_plan own;
  const struct bones_down_plan *p = planned;
  json_t *ws = json_pack("{s:s, s:b, s:o}", "cwd", root, "refused", 0, "steps", json_array());
  r->steps = json_object_get(ws, "steps");
  json_array_append_new(r->workspaces, ws);
  if (p == NULL) {
    if (bones_down_plan(root, &own, &err) != BONES_OK) {
      note_failure(r, &err, ws);
      return;
    }
    own.discard_unapplied = o->force || o->discard_unapplied;
    p = &own;
  }
  if (!bones_ctx_json(r->ctx) && !bones_ctx_quiet(r->ctx)) printf("%s:\n", root);
  show_unapplied(r, p, ws, o->dry_run ? "would " : "");
  int refused = !o->force && bones_down_refusal(p, &err) != BONES_OK;
  if (refused) {
    json_object_set_new(ws, "refused", json_true());
    note_failure(r, &err, ws);
  } else if (o->dry_run) {
    show_plan(r, p, "would ");
  } else if (bones_down_apply(p, o->force, on_step, r, &err) != BONES_OK) {
    note_failure(r, &err, ws);
  }
  if (p == &own) bones_down_plan_clear(&own);
}

/* Asks for "yes" on the terminal; 1 when given. */
static int confirm(const char *what) {
  fprintf(stderr, "%s\nType 'yes' to continue: ", what);
  fflush(stderr);
  char line[64];
  if (fgets(line, sizeof line, stdin) == NULL) return 0;
  line[strcspn(line, "\r\n")] = '\0';
  return strcmp(line, "yes") == 0;
}

/* -y, or "yes" typed on a terminal; else fills err (exit 6). */
static int confirmed(struct bones_ctx *ctx, const struct down_opts *o, const char *what, struct bones_error *err) {
  if (o->yes) return BONES_OK;
  if (!bones_ctx_json(ctx) && isatty(STDIN_FILENO)) {
    if (confirm(what)) return BONES_OK;
    return bones_error_set(err, BONES_E_REFUSED, "not confirmed; nothing was changed");
  }
  bones_error_set(err, BONES_E_REFUSED, "removing .bones/ deletes the hub repository; refusing without confirmation");
  return bones_error_hint(err, "pass -y to confirm (standard input is not a terminal), or --dry-run to see the plan");
}

/* Prints the JSON result (with --json) and returns the exit status. */
static int finish(struct down_run *r, const struct down_opts *o) {
  if (bones_ctx_json(r->ctx)) {
    int e = bones_ctx_emit(r->ctx, "down", json_pack("{s:b, s:O, s:O}", "dry_run", o->dry_run, "workspaces",
                                                     r->workspaces, "orphans", r->orphans));
    if (e && !r->status) r->status = e;
  }
  return r->status;
}

/* `bones down` for this workspace: plan, refuse or confirm, apply. */
static int down_one(struct down_run *r, const struct down_opts *o) {
  struct bones_ctx *ctx = r->ctx;
  const char *root = bones_ctx_workspace(ctx);
  struct bones_error err;
  if (root == NULL) {
    bones_ctx_workspace_error(ctx, &err, "use -C DIR, or `bones down --all` for every registered workspace");
    return bones_ctx_fail(ctx, &err);
  }
  struct bones_down_plan p;
  if (bones_down_plan(root, &p, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  p.discard_unapplied = o->force || o->discard_unapplied;
  if (!o->force && bones_down_refusal(&p, &err) != BONES_OK) { /* slots, unapplied work: refused, dry run or not */
    bones_down_plan_clear(&p);
    return bones_ctx_fail(ctx, &err);
  }
  if (!o->dry_run) {
    char *what = bones_xasprintf("This stops the hub of %s and deletes %s/.bones (the hub repository, slots and "
                                 "all coordination state).", root, root);
    int rc = confirmed(ctx, o, what, &err);
    free(what);
    if (rc != BONES_OK) {
      bones_down_plan_clear(&p);
      return bones_ctx_fail(ctx, &err);
    }
  }
  down_workspace(r, root, o, &p);
  bones_down_plan_clear(&p);
  return finish(r, o);
}

/* Reaps (or, dry run, lists) one orphan entry. */
static void reap_orphan(struct down_run *r, const struct bones_registry_entry *e, const struct down_opts *o) {
  json_t *j = json_pack("{s:s, s:i, s:b}", "cwd", e->cwd, "pid", (int)e->hub_pid, "reaped", 0);
  json_array_append_new(r->orphans, j);
  int quiet = bones_ctx_json(r->ctx) || bones_ctx_quiet(r->ctx);
  if (o->dry_run) {
    if (!quiet) printf("%s (gone):\nwould stop its orphan hub (pid %ld) and remove its registry entry\n", e->cwd,
                       (long)e->hub_pid);
    return;
  }
  int killed = 0;
  struct bones_error err;
  if (bones_orphan_reap(e, &killed, &err) != BONES_OK) {
    note_failure(r, &err, j);
    return;
  }
  json_object_set_new(j, "reaped", json_true());
  if (!quiet) printf("%s (gone):\n%s (pid %ld)\nremoved its registry entry\n", e->cwd,
                     killed ? "stopped its orphan hub" : "left alone a process that reused the hub's pid",
                     (long)e->hub_pid);
}

/* An entry of a vanished workspace whose hub pid is another process now
 * (a reused pid, or an entry without a start time): never signalled; the
 * entry is removed (or, dry run, would be). */
static void forget_stale(struct down_run *r, const struct bones_registry_entry *e, const struct down_opts *o) {
  json_t *j = json_pack("{s:s, s:i, s:b, s:b}", "cwd", e->cwd, "pid", (int)e->hub_pid, "reaped", 0, "stale", 1);
  json_array_append_new(r->orphans, j);
  int quiet = bones_ctx_json(r->ctx) || bones_ctx_quiet(r->ctx);
  struct bones_error err;
  if (!o->dry_run && bones_registry_remove(e->cwd, &err) != BONES_OK) {
    note_failure(r, &err, j);
    return;
  }
  if (!o->dry_run) json_object_set_new(j, "reaped", json_true());
  if (!quiet)
    printf("%s (gone):\nits hub pid %ld is stale (another process now): left alone\n%s its registry entry\n", e->cwd,
           (long)e->hub_pid, o->dry_run ? "would remove" : "removed");
}

/* `bones down --all`: confirm once, then every entry (orphans reaped). */
static int down_all(struct down_run *r, const struct down_opts *o) {
  struct bones_registry_entry *v = NULL;
  size_t n = 0;
  struct bones_error err;
  if (bones_registry_list(&v, &n, NULL, &err) != BONES_OK) return bones_ctx_fail(r->ctx, &err);
  if (n == 0) {
    bones_ctx_say(r->ctx, "no registered workspaces");
    bones_registry_entries_free(v, n);
    return finish(r, o);
  }
  if (!o->dry_run) {
    char *what = bones_xasprintf("This takes down %zu registered workspace(s) (deleting each .bones/) and stops "
                                 "orphan hubs:", n);
    for (size_t i = 0; i < n; i++) {
      char *more = bones_xasprintf("%s\n  %s", what, v[i].cwd);
      free(what);
      what = more;
    }
    int rc = confirmed(r->ctx, o, what, &err);
    free(what);
    if (rc != BONES_OK) {
      bones_registry_entries_free(v, n);
      return bones_ctx_fail(r->ctx, &err);
    }
  }
  for (size_t i = 0; i < n; i++) {
    char *cfg = bones_xasprintf("%s/.bones/config.json", v[i].cwd);
    int present = bones_path_is_file(cfg);
    free(cfg);
    if (present) down_workspace(r, v[i].cwd, o, NULL);
    else if (bones_registry_orphan(&v[i])) reap_orphan(r, &v[i], o);
    else if (bones_registry_hub_state(&v[i]) == BONES_PID_STALE) forget_stale(r, &v[i], o);
    else if (!o->dry_run) bones_registry_remove(v[i].cwd, &err); /* gone, hub dead: a stale entry */
  }
  bones_registry_entries_free(v, n);
  return finish(r, o);
}

/* Parses the options; r's JSON arrays are freed here whatever happens. */
static int down_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                       {"dry-run", no_argument, NULL, 'n'},
                                       {"yes", no_argument, NULL, 'y'},
                                       {"all", no_argument, NULL, 'a'},
                                       {"discard-unapplied", no_argument, NULL, 'D'},
                                       {NULL, 0, NULL, 0}};
  struct down_opts o = {0, 0, 0, 0, 0};
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "fny", opts, NULL)) != -1) {
    if (c == 'f') o.force = 1;
    else if (c == 'n') o.dry_run = 1;
    else if (c == 'y') o.yes = 1;
    else if (c == 'a') o.all = 1;
    else if (c == 'D') o.discard_unapplied = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "down takes no arguments (got '%s')", argv[optind]);
  struct down_run r = {ctx, json_array(), json_array(), NULL, 0};
  int rc = o.all ? down_all(&r, &o) : down_one(&r, &o);
  json_decref(r.workspaces);
  json_decref(r.orphans);
  return rc;
}

BONES_VERB_EXPORT(verb_down) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "down",
    .description = "stop the hub and remove what `bones up` created (asks first)",
    .flags = 0,
    .usage = "usage: bones down [--force] [--discard-unapplied] [--dry-run] [-y] [--all] [--json]\n"
             "Undoes `bones up` for this workspace, reporting each step: stops the hub\n"
             "(and its servers), deletes .bones/ -- the hub repository, the slots and\n"
             "the sqlite substrate with it --, removes the .bones/ line of .gitignore\n"
             "when `bones up` added it, and removes the registry entry.\n"
             "  -y, --yes    confirm (needed unless you type 'yes' on a terminal)\n"
             "  -n, --dry-run  print the plan, change nothing\n"
             "  -f, --force  also when slots have a live agent or uncommitted changes in\n"
             "               their worktree (that work is deleted; agents are not killed)\n"
             "  --discard-unapplied  also when trunk has check-ins never landed in git\n"
             "               by `bones apply` (they are deleted with the hub; --force too)\n"
             "  --all        every registered workspace; orphan hubs (workspace gone,\n"
             "               hub still running) are stopped and unregistered\n"
             "Exit 0 when done; 6 when refused (unconfirmed, slots with live agents\n"
             "or uncommitted work, or trunk check-ins never applied to git: they are\n"
             "listed, and nothing is changed); 7 outside a workspace without --all.\n"
             "A dry run exits 6 when the real run would be refused.\n",
    .run = down_run,
    .subverbs = NULL,
};
