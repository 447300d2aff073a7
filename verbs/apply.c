/* apply.c: `bones apply [--dry-run] [--force] [--json]`: lands the hub's
 * trunk in the git working tree (core/apply.h). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "apply.h"
#include "down.h"

static const char *str(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

/* Prints the changes ("A  path") and a summary line, unless -q. */
static void say_result(struct bones_ctx *ctx, json_t *r) {
  json_t *changes = json_object_get(r, "changes");
  int dry = json_is_true(json_object_get(r, "dry_run"));
  if (json_is_true(json_object_get(r, "up_to_date"))) {
    bones_ctx_say(ctx, "nothing to apply: trunk %.10s is applied", str(r, "to"));
    return;
  }
  size_t i, counts[3] = {0, 0, 0};
  json_t *c;
  json_array_foreach(changes, i, c) {
    const char *k = str(c, "change");
    counts[*k == 'A' ? 0 : *k == 'M' ? 1 : 2]++;
    bones_ctx_say(ctx, "%s  %s", k, str(c, "path"));
  }
  bones_ctx_say(ctx, "%s trunk %.10s (from %.10s): %zu added, %zu modified, %zu deleted%s", dry ? "would apply" : "applied",
                str(r, "to"), str(r, "from"), counts[0], counts[1], counts[2],
                dry ? "" : "; staged in git, not committed");
}

/* The verb: parses options, runs bones_apply, prints. */
static int apply_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'}, {"force", no_argument, NULL, 'f'},
                                       {NULL, 0, NULL, 0}};
  struct bones_apply_opts o = {0, 0};
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'n') o.dry_run = 1;
    else if (c == 'f') o.force = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  const char *root = bones_ctx_workspace(ctx);
  const struct bones_repo_backend_v1 *repo = NULL;
  void *rh = NULL;
  json_t *result = NULL;
  struct bones_error err;
  int rc = bones_ws_repo_open(root, &repo, &rh, &err);
  if (rc == BONES_OK) rc = bones_apply(root, repo, rh, &o, &result, &err);
  if (repo && rh) repo->close(rh);
  if (rc != BONES_OK) {
    json_t *refused = json_object_get(result, "refused");
    size_t i;
    json_t *r;
    if (!bones_ctx_json(ctx))
      json_array_foreach(refused, i, r) fprintf(stderr, "refused: %s (%s: %s)\n", str(r, "path"), str(r, "reason"),
                                                str(r, "detail"));
    json_decref(result);
    return bones_ctx_fail(ctx, &err);
  }
  json_object_del(result, "refused");
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "apply", result);
  say_result(ctx, result);
  json_decref(result);
  return 0;
}

BONES_VERB_EXPORT(verb_apply) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "apply",
    .description = "land the hub's trunk in the git working tree (staged, never committed)",
    .flags = BONES_VERB_NEEDS_WORKSPACE,
    .usage = "usage: bones apply [--dry-run] [--force] [--json]\n"
             "Writes the files trunk changed since the last apply (the hub's seed the\n"
             "first time) into the git working tree: adds, edits, deletions.  Stages\n"
             "them (git add / git rm --cached), never commits, and records the applied\n"
             "check-in in .bones/applied.  Nothing is written (exit 6, paths listed) when\n"
             "a path has uncommitted git changes (staged, unstaged, untracked or ignored\n"
             "files), is unsafe (absolute, .., inside .git or .bones, under a symlink),\n"
             "or diverged: git changed it since the last apply and trunk changed it too\n"
             "(--force overwrites diverged paths, never uncommitted ones).  A forked\n"
             "trunk exits 4.  --dry-run lists what would change and writes nothing.\n",
    .run = apply_run,
    .subverbs = NULL,
};
