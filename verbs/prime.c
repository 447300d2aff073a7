/* prime.c: `bones prime` (and `bones tasks prime`, the Go name): what an
 * agent needs at the start of a session or after a context compaction,
 * in one call (core/harness/prime.h gathers and renders it). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "ctx.h"
#include "prime.h"
#include "prime_verb.h"
#include "text.h"
#include "url.h"
#include "util.h"

/* Prints Claude Code's SessionStart envelope around md on stdout. */
static int print_hook(const char *md) {
  json_t *env = json_pack("{s:{s:s, s:o}}", "hookSpecificOutput", "hookEventName", "SessionStart", "additionalContext",
                          bones_utf8_json(md));
  char *text = env ? json_dumps(env, JSON_COMPACT) : NULL;
  json_decref(env);
  if (text == NULL) return 0; /* a hook must not break the session */
  printf("%s\n", text);
  free(text);
  fflush(stdout);
  return 0;
}

/* The hook: always the envelope, always exit 0; the sentinel first, so a
 * failure to write it is a line of the report. */
static int run_hook(struct bones_ctx *ctx, const struct bones_prime_in *in) {
  const char *root = bones_ctx_workspace(ctx);
  if (root == NULL) {
    struct bones_error err;
    bones_error_clear(&err);
    if (ctx->workspace_err.code) err = ctx->workspace_err;
    char *md = bones_prime_markdown_no_workspace(err.code ? err.message : NULL);
    print_hook(md);
    free(md);
    return 0;
  }
  struct bones_error serr;
  int sentinel = bones_prime_sentinel_write(root, PACKAGE_VERSION, &serr);
  json_t *report = bones_prime_gather(in);
  if (sentinel != BONES_OK) bones_prime_error(report, "sentinel", &serr);
  char *md = bones_prime_markdown(report);
  print_hook(md);
  free(md);
  json_decref(report);
  return 0;
}

int prime_verb_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"limit", required_argument, NULL, 'l'}, {"hook", required_argument, NULL, 'H'},
                                       {NULL, 0, NULL, 0}};
  struct bones_error err;
  struct bones_prime_in in;
  memset(&in, 0, sizeof in);
  int hook = 0;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'l') {
      uint64_t n = 0;
      if (bones_parse_uint("--limit", optarg, 1, 10000, &n, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      in.limit = (size_t)n;
    } else if (c == 'H') {
      if (strcmp(optarg, "session-start") != 0)
        return bones_ctx_usage(ctx, "--hook takes session-start (got '%s')", optarg);
      hook = 1;
    } else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "prime takes no arguments (got '%s')", argv[optind]);
  in.root = bones_ctx_workspace(ctx);
  if (in.root == NULL && !hook) {
    bones_ctx_workspace_error(ctx, &err, "run `bones up` at the top of your git repository (or use -C DIR)");
    return bones_ctx_fail(ctx, &err);
  }
  bones_kv *kv = NULL;
  char *shown = NULL;
  if (in.root) {
    if (bones_ctx_kv(ctx, &kv, &err) != BONES_OK) {
      kv = NULL;
      in.kv_error = err.message;
    }
    shown = bones_url_redact(bones_ctx_substrate(ctx));
  }
  in.kv = kv;
  in.substrate = shown ? shown : "?";
  int rc = 0;
  if (hook) {
    rc = run_hook(ctx, &in);
  } else {
    json_t *report = bones_prime_gather(&in);
    if (bones_ctx_json(ctx)) {
      rc = bones_ctx_emit(ctx, "prime", report);
    } else {
      char *md = bones_prime_markdown(report);
      if (!bones_ctx_quiet(ctx)) fputs(md, stdout);
      free(md);
      json_decref(report);
    }
  }
  free(shown);
  return rc;
}

#define PRIME_USAGE                                                                              \
  "usage: bones prime [--limit N] [--json] [--hook=session-start]\n"                             \
  "Everything an agent needs at the start of a session or after a context\n"                     \
  "compaction, in one call: who and where you are (identity and its source,\n"                   \
  "slot, worktree, session lease), your claimed tasks and holds, the ready\n"                    \
  "work (top N, default 10, with how many more), handoffs for you, unread\n"                     \
  "broadcasts (since your cursor; `bones coord broadcasts CHANNEL --new` marks\n"                \
  "them read), who else is present and what they hold, the trunk tip and how\n"                  \
  "many check-ins are not applied to git, and the exact next commands.\n"                        \
  "Markdown by default; --json: schema bones.prime/v1 (docs/prime.md).\n"                        \
  "Read-only: claims, renews, marks read and starts nothing (the hub stays as\n"                 \
  "it is).  A part that cannot be read is reported under Problems.\n"                            \
  "--hook=session-start: Claude Code's SessionStart hook: prints only\n"                         \
  "{\"hookSpecificOutput\":{\"hookEventName\":\"SessionStart\",\"additionalContext\":MD}},\n"   \
  "exits 0 whatever fails, and writes .bones/last-session-prime (RFC3339 TAB\n"                  \
  "version).  Outside a workspace it says bones is not set up here.\n"                           \
  "Exit codes: 2 usage, 7 no workspace (not with --hook).\n"

const char prime_verb_usage[] = PRIME_USAGE;

BONES_VERB_EXPORT(verb_prime) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "prime",
    .description = "everything an agent needs now: identity, tasks, holds, messages, trunk, next steps",
    .flags = 0, /* opens the substrate itself: a down substrate is a line of the report */
    .usage = PRIME_USAGE,
    .run = prime_verb_run,
    .subverbs = NULL,
};
