/* apply.c: `bones apply [--dry-run] [--force] [--json]`: lands the hub's
 * trunk in the git working tree (core/workspace/apply.h). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "apply.h"
#include "down.h"
#include "gitsync.h"
#include "text.h"

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
    bones_ctx_say(ctx, "%s  %s%s", k, str(c, "path"),
                  json_is_true(json_object_get(c, "conflict")) ? " (conflict markers, not staged)" : "");
  }
  json_array_foreach(json_object_get(r, "merged"), i, c) bones_ctx_say(ctx, "merged  %s (git's and trunk's edits)",
                                                                       json_string_value(c));
  bones_ctx_say(ctx, "%s trunk %.10s (from %.10s): %zu added, %zu modified, %zu deleted%s", dry ? "would apply" : "applied",
                str(r, "to"), str(r, "from"), counts[0], counts[1], counts[2],
                dry ? "" : "; staged in git, not committed");
}

/* The verb: parses options, runs bones_apply, prints. */
static int apply_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
                                       {"force", no_argument, NULL, 'f'},
                                       {"conflict", required_argument, NULL, 'c'},
                                       {NULL, 0, NULL, 0}};
  struct bones_apply_opts o = {0, 0, 0};
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'n') o.dry_run = 1;
    else if (c == 'f') o.force = 1;
    else if (c == 'c' && strcmp(optarg, "markers") == 0) o.conflict_markers = 1;
    else if (c == 'c' && strcmp(optarg, "refuse") == 0) o.conflict_markers = 0;
    else if (c == 'c') return bones_ctx_usage(ctx, "--conflict takes markers or refuse");
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  const char *root = bones_ctx_workspace(ctx);
  const struct bones_repo_backend_v1 *repo = NULL;
  void *rh = NULL;
  json_t *result = NULL;
  struct bones_error err;
  json_t *imported = NULL;
  int rc = bones_ws_repo_open(root, &repo, &rh, &err);
  if (rc == BONES_OK && !o.dry_run) { /* git's new commits go onto trunk first: no false divergence */
    rc = bones_gitsync_import(root, repo, rh, &imported, &err);
    if (rc == BONES_E_UNAVAILABLE) { /* e.g. a managed substrate while the hub is stopped: apply as before */
      if (!bones_ctx_json(ctx))
        bones_term_printf(stderr,
                          "bones: apply: git's new commits not imported first (%s); a path changed on both sides "
                          "may conflict\n",
                          err.message);
      imported = json_pack("{s:o}", "error", bones_utf8_json(err.message));
      rc = BONES_OK;
    } else if (rc != BONES_OK) {
      bones_error_prefix(&err, "importing git's commits onto trunk");
    }
  }
  if (rc == BONES_OK) rc = bones_apply(root, repo, rh, &o, &result, &err);
  if (repo && rh) repo->close(rh);
  if (result && imported) json_object_set(result, "import", imported);
  json_decref(imported);
  if (rc != BONES_OK) {
    json_t *refused = json_object_get(result, "refused");
    size_t i;
    json_t *r;
    if (!bones_ctx_json(ctx)) {
      json_array_foreach(refused, i, r) fprintf(stderr, "refused: %s (%s: %s)\n", str(r, "path"), str(r, "reason"),
                                                str(r, "detail"));
      json_array_foreach(json_object_get(result, "conflicts"), i, r)
          bones_term_printf(stderr, "conflict: %s\n", json_string_value(r));
    } else if (result && json_array_size(json_object_get(result, "conflicts")) > 0) {
      /* one document: the result with its conflicts (as plan validate does), exit 4 */
      json_object_del(result, "refused");
      json_t *e = json_pack("{s:o}", "message", bones_utf8_json(err.message));
      if (err.hint[0]) json_object_set_new(e, "hint", bones_utf8_json(err.hint));
      json_object_set_new(result, "error", e);
      int code = bones_rc_exit_code(err.code);
      return bones_ctx_emit(ctx, "apply", result) != 0 ? 1 : code;
    }
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
    .usage = "usage: bones apply [--dry-run] [--force] [--conflict=markers|refuse] [--json]\n"
             "First imports git's new commits onto trunk (`bones hub sync`; not with\n"
             "--dry-run).  Then writes the files trunk changed since the last apply (the\n"
             "hub's seed the first time) into the git working tree: adds, edits,\n"
             "deletions.  Stages them (git add / git rm --cached), never commits, and\n"
             "records the applied check-in in .bones/applied.  A path git changed since\n"
             "the last apply and trunk changed too is merged three ways (base: the last\n"
             "applied version; git merge-file); clean merges are written and listed as\n"
             "merged.  A conflict exits 4 listing the paths, nothing written; with\n"
             "--conflict=markers the conflicted files are written with conflict markers\n"
             "(not staged), everything else applied, and the exit is still 4.  --force\n"
             "skips the merge: trunk's version overwrites git's committed one.  Nothing\n"
             "is written (exit 6, paths listed) when a path has uncommitted git changes\n"
             "(staged, unstaged, untracked or ignored files; never overwritten, not even\n"
             "with --force) or is unsafe (absolute, .., inside .git or .bones, under a\n"
             "symlink).  A forked trunk exits 4.  --dry-run lists what would change and\n"
             "writes nothing.  See docs/git-sync.md.\n",
    .run = apply_run,
    .subverbs = NULL,
};
