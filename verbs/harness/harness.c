/* harness.c: `bones harness install|remove|status`: wire agent harnesses
 * (Claude Code, Codex, AGENTS.md readers) to this workspace (core/harness/harness.h,
 * docs/harness.md). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "harness.h"
#include "harness_verbs.h"
#include "text.h"

/* Prints each path of report[name] after verb ("wrote"). */
static void say_paths(struct bones_ctx *ctx, json_t *report, const char *name, const char *verb) {
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(report, name), i, p) bones_ctx_say(ctx, "%s %s", verb, json_string_value(p));
}

void harness_print_report(struct bones_ctx *ctx, json_t *report) {
  if (bones_ctx_json(ctx)) return;
  say_paths(ctx, report, "written", "wrote");
  say_paths(ctx, report, "unchanged", "unchanged");
  say_paths(ctx, report, "removed", "removed");
  say_paths(ctx, report, "restored", "restored");
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(report, "kept"), i, k)
    bones_term_printf(stderr, "bones: %s: warning: %s: %s\n", bones_ctx_verb_path(ctx),
                      json_string_value(json_object_get(k, "path")), json_string_value(json_object_get(k, "reason")));
}

static int install_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"harness", required_argument, NULL, 'H'}, {"no-guard", no_argument, NULL, 'G'},
                                       {NULL, 0, NULL, 0}};
  struct bones_harness_opts o = {0, 0};
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'H') {
      if (bones_harness_parse(optarg, &o.harnesses, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
    } else if (c == 'G') o.no_guard = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  json_t *report = NULL;
  int rc = bones_harness_install(bones_ctx_workspace(ctx), &o, &report, &err);
  harness_print_report(ctx, report);
  if (rc != BONES_OK) {
    json_decref(report);
    return bones_ctx_fail(ctx, &err);
  }
  return bones_ctx_emit(ctx, "harness.install", report);
}

static int remove_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "remove takes no arguments (got '%s')", argv[1]);
  struct bones_error err;
  json_t *report = NULL;
  int rc = bones_harness_remove(bones_ctx_workspace(ctx), &report, &err);
  harness_print_report(ctx, report);
  if (rc != BONES_OK) {
    json_decref(report);
    return bones_ctx_fail(ctx, &err);
  }
  size_t n = json_array_size(json_object_get(report, "removed")) + json_array_size(json_object_get(report, "restored")) +
             json_array_size(json_object_get(report, "kept"));
  if (n == 0) bones_ctx_say(ctx, "no harness files recorded (nothing to remove)");
  return bones_ctx_emit(ctx, "harness.remove", report);
}

static int status_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "status takes no arguments (got '%s')", argv[1]);
  struct bones_error err;
  json_t *report = NULL;
  if (bones_harness_status(bones_ctx_workspace(ctx), &report, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "harness.status", report);
  if (!json_is_true(json_object_get(report, "installed"))) {
    bones_ctx_say(ctx, "no harness installed (run `bones harness install --harness=claude|codex|generic`)");
  } else if (!bones_ctx_quiet(ctx)) {
    printf("%-8s %-13s %s\n", "KIND", "STATE", "PATH");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(report, "items"), i, it) {
      const char *detail = json_string_value(json_object_get(it, "detail"));
      bones_term_printf(stdout, "%-8s %-13s %s%s%s\n", json_string_value(json_object_get(it, "kind")),
                        json_string_value(json_object_get(it, "state")), json_string_value(json_object_get(it, "path")),
                        detail ? ": " : "", detail ? detail : "");
    }
    json_int_t drift = json_integer_value(json_object_get(report, "drift"));
    if (drift) printf("%lld item(s) drifted from what bones wrote\n", (long long)drift);
  }
  json_decref(report);
  return 0;
}

#define HARNESS_NOTE                                                                                 \
  "Records what it wrote in .bones/harness.json (path + sha256); `bones harness remove`\n"          \
  "and `bones down` remove exactly that and keep files you edited.  See docs/harness.md.\n"

static const struct bones_subverb harness_subverbs[] = {
    {"install", "write the harness hooks, skills, AGENTS.md section and git guard",
     "usage: bones harness install [--harness=claude|codex|generic]... [--no-guard] [--json]\n"
     "claude: .claude/settings.json hooks merged into yours (SessionStart -> bones prime\n"
     "  --hook=session-start, PostToolUse -> bones hook heartbeat, PreToolUse(Bash) ->\n"
     "  bones hook pre-tool-use unless --no-guard) and the skills bones-orchestrator and\n"
     "  bones-leaf under .claude/skills/, and the MCP server `bones mcp` in .mcp.json.\n"
     "  codex, generic: a section of AGENTS.md between\n"
     "  <!-- bones:begin --> and <!-- bones:end -->.  Every harness: a git pre-commit hook\n"
     "  refusing commits of files slots hold (an existing hook is chained).\n"
     "Default: --harness=claude.  Idempotent; a file you wrote or edited is never overwritten\n"
     "(it is kept, with a warning).\n" HARNESS_NOTE,
     install_run, BONES_VERB_NEEDS_WORKSPACE},
    {"remove", "remove exactly what `harness install` wrote",
     "usage: bones harness remove [--json]\n"
     "Deletes the files bones wrote whose content is unchanged, keeps edited ones (warning),\n"
     "cuts bones' entries out of .claude/settings.json and its section out of AGENTS.md (the\n"
     "original file restored byte for byte when nothing else changed), puts a chained git\n"
     "hook back, and deletes .bones/harness.json.\n",
     remove_run, BONES_VERB_NEEDS_WORKSPACE},
    {"status", "what is installed, and what drifted",
     "usage: bones harness status [--json]\n"
     "One line per recorded item: ok, missing, edited, or entry-removed (a settings entry or\n"
     "the AGENTS.md section bones added is gone or changed).  Changes nothing; exit 0.\n",
     status_run, BONES_VERB_NEEDS_WORKSPACE},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_harness) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "harness",
    .description = "wire agent harnesses (Claude Code, Codex, AGENTS.md) to this workspace",
    .flags = 0,
    .usage = "usage: bones harness install|remove|status ...\n",
    .run = NULL,
    .subverbs = harness_subverbs,
};
