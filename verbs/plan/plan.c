/* plan.c: `bones plan validate FILE` (docs/plan.md) and the verb's table of
 * sub-verbs (room for `plan dispatch` and `plan finalize`).  No workspace
 * needed: it only reads the file. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "plan.h"
#include "text.h"
#include "util.h"

/* validate's own exit codes, those of the Go original (an exception to
 * bones' table, where 1 is an internal error): */
enum { PLAN_EXIT_OK = 0, PLAN_EXIT_VIOLATIONS = 1, PLAN_EXIT_UNREADABLE = 2 };

static void print_human(const struct bones_plan *plan) {
  if (plan->nerrors) {
    for (size_t i = 0; i < plan->nerrors; i++)
      bones_term_printf(stdout, "%s:%d: %s\n", plan->file, plan->errors[i].line, plan->errors[i].message);
    bones_term_printf(stderr, "bones: plan validate: %zu violation%s in %s\n", plan->nerrors,
                      plan->nerrors == 1 ? "" : "s", plan->file);
    return;
  }
  printf("plan ok: %zu task%s in %zu slot%s, %zu wave%s\n", plan->ntasks, plan->ntasks == 1 ? "" : "s", plan->nslots,
         plan->nslots == 1 ? "" : "s", plan->nwaves, plan->nwaves == 1 ? "" : "s");
  for (size_t w = 0; w < plan->nwaves; w++) {
    printf("wave %zu:", w + 1);
    for (size_t k = 0; k < plan->waves[w].ntasks; k++) {
      const struct bones_plan_task *t = bones_plan_task_by_n(plan, plan->waves[w].tasks[k]);
      bones_term_printf(stdout, "%s Task %ld [%s]", k ? "," : "", t->n, t->slot ? t->slot : "-");
    }
    printf("\n");
  }
}

static int plan_validate_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
  enum bones_plan_format format = BONES_PLAN_AUTO;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'f') {
      if (strcmp(optarg, "md") == 0 || strcmp(optarg, "markdown") == 0) format = BONES_PLAN_MD;
      else if (strcmp(optarg, "json") == 0) format = BONES_PLAN_JSON;
      else if (strcmp(optarg, "auto") == 0) format = BONES_PLAN_AUTO;
      else return bones_ctx_usage(ctx, "--format takes md, json or auto (got '%s')", optarg);
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind != argc - 1) return bones_ctx_usage(ctx, "validate needs one plan FILE (or - for stdin)");
  const char *path = argv[optind];
  struct bones_error err;
  struct bones_plan *plan = NULL;
  if (strcmp(path, "-") == 0) {
    char *data = NULL;
    size_t len = 0;
    if (bones_read_fd(STDIN_FILENO, BONES_PLAN_MAX, &data, &len, &err) == BONES_OK) {
      plan = bones_plan_parse("-", data, len, format);
      free(data);
    }
  } else {
    bones_plan_load(path, format, &plan, &err);
  }
  if (plan == NULL) {
    if (err.code == BONES_E_NOTFOUND) bones_error_hint(&err, "give the path of a plan file (docs/plan.md)");
    err.code = BONES_E_USAGE; /* exit 2, as the envelope says */
    bones_ctx_fail(ctx, &err);
    return PLAN_EXIT_UNREADABLE;
  }
  int rc = plan->nerrors ? PLAN_EXIT_VIOLATIONS : PLAN_EXIT_OK;
  if (bones_ctx_json(ctx)) {
    if (bones_ctx_emit(ctx, "plan.validate", bones_plan_json(plan)) != 0) rc = BONES_E_INTERNAL;
  } else if (!bones_ctx_quiet(ctx) || plan->nerrors)
    print_human(plan);
  bones_plan_free(plan);
  return rc;
}

static const struct bones_subverb plan_subverbs[] = {
    {"validate", "check a plan of tasks for slots",
     "usage: bones plan validate [--format=md|json|auto] [--json] FILE|-\n"
     "Reads a plan (Markdown: `### Task N: title [slot: name]` headings with a\n"
     "**Files:** block of `- Create|Modify|Test: path` lines and an optional\n"
     "`**Depends:** Task 1, Task 3` line; or its JSON form {\"tasks\":[...]},\n"
     "detected when the file starts with '{') and checks it: every task has a\n"
     "number, a slot and files; slot directories are disjoint and hold their\n"
     "files; dependencies are known and acyclic.  Prints each violation as\n"
     "FILE:LINE: message, or \"plan ok: N tasks in K slots, W waves\" and the\n"
     "waves (wave 1 = no dependencies).  --json: {ok, errors:[{file,line,message,\n"
     "code}], slots:[{name,dir,tasks}], tasks:[{n,title,slot,files,depends,wave,\n"
     "...}], waves:[[n...]]}.  No workspace needed.\n"
     "Exit status (the Go original's, an exception to bones' table where 1 is an\n"
     "internal error): 0 valid, 1 violations, 2 usage or unreadable file.\n"
     "See docs/plan.md for the grammar.\n",
     plan_validate_run, 0},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_plan) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "plan",
    .description = "plans of tasks for slots: validate",
    .flags = 0,
    .usage = "usage: bones plan validate ...\n",
    .run = NULL,
    .subverbs = plan_subverbs,
};
