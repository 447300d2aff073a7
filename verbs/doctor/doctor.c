/* doctor.c: `bones doctor [--fix] [--all] [--json]`: runs the check
 * groups (check_*.c), prints the report, exits 0 only when nothing is
 * wrong. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "checks.h"
#include "ctx.h"
#include "text.h"

#define DOCTOR_PROBLEMS_EXIT 6 /* "refused by state": the workspace is not healthy */

/* The data of bones.doctor/v1 (a new reference). */
static json_t *report_json(const struct doctor_run *run, int all) {
  json_t *checks = json_array();
  for (size_t i = 0; i < run->report.n; i++) {
    const struct bones_check *c = &run->report.checks[i];
    json_t *o = json_pack("{s:s, s:s, s:o, s:o?}", "name", c->name, "status", bones_check_status_name(c->status),
                          "detail", bones_utf8_json(c->detail), "fix_hint", c->fix_hint ? bones_utf8_json(c->fix_hint) : NULL);
    json_object_set_new(o, "workspace", c->workspace ? bones_utf8_json(c->workspace) : json_null());
    json_array_append_new(checks, o);
  }
  json_t *d = json_pack("{s:b, s:b, s:b, s:i, s:o}", "all", all, "fix", run->fix, "healthy",
                        bones_doctor_problems(&run->report) == 0, "problems", (int)bones_doctor_problems(&run->report),
                        "checks", checks);
  json_object_set_new(d, "workspace", run->root ? bones_utf8_json(run->root) : json_null());
  return d;
}

/* One line per check (with -q: problems only), fix hints, a summary. */
static void report_print(const struct doctor_run *run) {
  int width = 6;
  for (size_t i = 0; i < run->report.n; i++)
    if ((int)strlen(run->report.checks[i].name) > width) width = (int)strlen(run->report.checks[i].name);
  int quiet = bones_ctx_quiet(run->ctx);
  for (size_t i = 0; i < run->report.n; i++) {
    const struct bones_check *c = &run->report.checks[i];
    int bad = c->status == BONES_CHECK_WARN || c->status == BONES_CHECK_FAIL;
    if (quiet && !bad) continue;
    const char *word = c->status == BONES_CHECK_WARN ? "WARN" : c->status == BONES_CHECK_FAIL ? "FAIL"
                                                                                             : bones_check_status_name(c->status);
    printf("%-5s  %-*s  %s\n", word, width, c->name, c->detail);
    if (bad && c->fix_hint) printf("%-5s  %-*s  fix: %s\n", "", width, "", c->fix_hint);
  }
  size_t problems = bones_doctor_problems(&run->report);
  if (problems)
    printf("%zu problem%s found%s\n", problems, problems == 1 ? "" : "s",
           run->fix ? " (left after --fix)" : "; `bones doctor --fix` repairs what it safely can");
  else if (!quiet)
    printf("nothing wrong\n");
}

/* Every check of one workspace, in an order where later checks can use
 * what earlier ones found (modes last: fixes may create files). */
static void check_workspace(struct doctor_run *run) {
  doctor_config(run);
  doctor_fossil(run);
  doctor_hub(run);
  doctor_substrate(run);
  doctor_durability(run);
  doctor_slots(run);
  doctor_kept(run);
  doctor_recovery(run);
  doctor_trunk(run);
  doctor_trunk_lease(run);
  doctor_registry_entry(run);
  doctor_orphans(run);
  doctor_harness(run);
  doctor_modes(run);
}

/* Parses the options, runs the checks, prints, maps problems to exit 6. */
static int doctor_main(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"fix", no_argument, NULL, 'f'}, {"all", no_argument, NULL, 'a'},
                                       {NULL, 0, NULL, 0}};
  int all = 0;
  struct doctor_run run;
  memset(&run, 0, sizeof run);
  run.ctx = ctx;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'f') run.fix = 1;
    else if (c == 'a') all = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "doctor takes no arguments (got '%s')", argv[optind]);
  if (all) {
    doctor_registry_all(&run);
    doctor_orphans(&run);
  } else {
    run.root = bones_ctx_workspace(ctx);
    if (run.root == NULL) {
      struct bones_error err;
      bones_ctx_workspace_error(ctx, &err, "use -C DIR, or `bones doctor --all` for the registered workspaces");
      return bones_ctx_fail(ctx, &err);
    }
    check_workspace(&run);
  }
  int rc = 0;
  if (bones_ctx_json(ctx)) rc = bones_ctx_emit(ctx, "doctor", report_json(&run, all));
  else report_print(&run);
  if (rc == 0 && bones_doctor_problems(&run.report)) rc = DOCTOR_PROBLEMS_EXIT;
  if (run.repo) run.repo->close(run.repo_handle);
  bones_hub_status_clear(&run.hub);
  bones_doctor_report_clear(&run.report);
  return rc;
}

BONES_VERB_EXPORT(verb_doctor) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "doctor",
    .description = "check this workspace (hub, substrate, slots, files, registry); --fix repairs",
    .flags = 0,
    .usage = "usage: bones doctor [--fix] [--all] [--json] [-q]\n"
             "Reports, one line per check (ok, WARN, FAIL, fixed) with a fix hint:\n"
             "  config            .bones/config.json readable, a substrate recorded\n"
             "  fossil            the fossil tool is installed\n"
             "  hub.pid           hub.pid names a live process (stale: fixable)\n"
             "  hub.repo, hub.kv  a running hub's servers answer\n"
             "  substrate         the substrate answers a ping (bounded)\n"
             "  durability        the mode recorded by `bones up` and what the\n"
             "                    substrate does with it; warns when the running hub's\n"
             "                    server has another mode or cannot fsync every write\n"
             "  slots             dead slots: --pid process (if any) gone, session gone or\n"
             "                    past lease + grace (docs/liveness.md) (fixable:\n"
             "                    pruned; an uncommitted worktree is moved to\n"
             "                    .bones/recovery/<slot>-<time>/ first, and reported)\n"
             "  slots.kept        kept worktrees (closed fail/fork, or session expired): warn,\n"
             "                    with `bones swarm resume|discard --slot NAME` (not fixed)\n"
             "  recovery          copies in .bones/recovery/: count, bytes, oldest (never\n"
             "                    deleted; docs/recovery.md)\n"
             "  trunk             .bones/hub.fossil has one open trunk leaf (a fork fails)\n"
             "  trunk.lease       free, or held by a live holder; warns when it expired or\n"
             "                    its holder died on this host (fixable: removed; the next\n"
             "                    `swarm commit` would take it over anyway)\n"
             "  registry.entry    this workspace's registry entry matches its hub (fixable)\n"
             "  registry.orphans  hubs still running for vanished workspaces (fixable: stopped)\n"
             "  modes             .bones/ and its directories 0700, its files 0600 (fixable)\n"
             "--fix     repair what is marked fixable; without it nothing is changed.\n"
             "--all     the registry checks for every registered workspace (works anywhere).\n"
             "-q        print only problems.\n"
             "Never waits on the hub lock; every probe is bounded.\n"
             "Exit 0 when nothing is wrong (after --fix), 6 when any check is WARN or FAIL\n"
             "(--json still prints the report), 7 outside a workspace without --all.\n",
    .run = doctor_main,
    .subverbs = NULL,
};
