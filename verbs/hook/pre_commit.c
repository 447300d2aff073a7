/* pre_commit.c: `bones hook pre-commit`: what the git pre-commit guard
 * runs in the host repository (issue 11 item 6).  Refuses (exit 1) a
 * commit of staged files that another agent -- a slot -- holds live
 * (directory holds cover the files beneath), naming file and holder.
 * Bypass: $BONES_ALLOW_GIT=1 or `git commit --no-verify`.  Outside a
 * workspace, or when git or the substrate does not answer in time: the
 * commit is allowed (a warning on stderr when bones could not check). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "holds.h"
#include "hook_common.h"
#include "proc.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

#define GIT_TIMEOUT_MS 10000

static const char *str(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "-";
}

/* The staged paths of the repository at root (git diff --cached
 * --name-only -z, run directly, never through a shell). */
static int staged_paths(const char *root, char ***paths, size_t *n, struct bones_error *err) {
  const char *argv[] = {"git", "diff", "--cached", "--name-only", "-z", NULL};
  struct bones_run_result res;
  *paths = NULL;
  *n = 0;
  int rc = bones_run(argv, root, NULL, GIT_TIMEOUT_MS, &res, err);
  if (rc != BONES_OK) return rc;
  if (res.status != 0) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "git diff --cached failed: %s", res.err);
    bones_run_result_free(&res);
    return BONES_E_UNAVAILABLE;
  }
  size_t cap = 0;
  for (size_t i = 0; i < res.out_len;) {
    size_t l = strnlen(res.out + i, res.out_len - i);
    if (l) {
      if (*n == cap) *paths = bones_xrealloc(*paths, (cap = cap ? 2 * cap : 16) * sizeof **paths);
      (*paths)[(*n)++] = bones_xstrndup(res.out + i, l);
    }
    i += l + 1;
  }
  bones_run_result_free(&res);
  return BONES_OK;
}

/* Prints the refusal for the held records. */
static void refuse(json_t *held) {
  fprintf(stderr, "bones: pre-commit: refusing this commit: staged files are held by bones slots:\n");
  size_t i;
  json_t *h;
  json_array_foreach(held, i, h) {
    const char *covers = json_string_value(json_object_get(h, "covers"));
    const char *path = str(h, "path");
    bones_term_printf(stderr, "  %s held by %s%s (agent %s, task %s) until %s%s%s\n", covers ? covers : path,
                      json_is_string(json_object_get(h, "slot")) ? "slot " : "agent ",
                      json_is_string(json_object_get(h, "slot")) ? str(h, "slot") : str(h, "agent"), str(h, "agent"),
                      str(h, "task"), str(h, "expires_at"), covers && strcmp(covers, path) ? " via " : "",
                      covers && strcmp(covers, path) ? path : "");
  }
  fprintf(stderr, "hint: commit them through the slot (`bones swarm commit` in its worktree), unstage them\n"
                  "      (`git restore --staged PATH`), or bypass: BONES_ALLOW_GIT=1 git commit ... / git commit --no-verify\n");
}

int hook_pre_commit_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "pre-commit takes no arguments (got '%s')", argv[1]);
  if (hook_git_allowed()) return 0;
  char *root = hook_workspace(ctx, NULL);
  if (root == NULL) return 0;
  char **paths = NULL, *agent = NULL, *slot = NULL;
  size_t n = 0;
  bones_kv *kv = NULL;
  json_t *held = NULL;
  struct bones_error err;
  enum bones_agent_source src;
  int status = 0;
  int rc = staged_paths(root, &paths, &n, &err);
  if (rc == BONES_OK && n > 0) {
    if (bones_agent_resolve(root, NULL, &agent, &slot, &src, &err) != BONES_OK) agent = bones_xstrdup("");
    rc = hook_kv_open(ctx, root, &kv, &err);
    if (rc == BONES_OK) rc = bones_holds_conflicts(kv, (const char *const *)paths, n, agent, &held, &err);
  }
  if (rc != BONES_OK) {
    bones_term_printf(stderr, "bones: pre-commit: warning: cannot check held files (%s); commit allowed\n", err.message);
  } else if (json_array_size(held) > 0) {
    refuse(held);
    status = 1;
  }
  json_decref(held);
  bones_kv_close(kv);
  bones_strv_free(paths, n);
  free(agent);
  free(slot);
  free(root);
  return status;
}
