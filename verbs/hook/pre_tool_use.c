/* pre_tool_use.c: `bones hook pre-tool-use`: Claude Code's PreToolUse
 * guard on the Bash tool.  Reads the hook input on stdin and, when the
 * command runs `git commit` or `git push` in the host checkout (not a
 * slot's worktree) while slots are active, denies it with Claude Code's
 * decision output (hookSpecificOutput.permissionDecision "deny").
 * Anything else -- other tools and commands, garbage or oversized input,
 * $BONES_ALLOW_GIT=1 -- is allowed silently (exit 0, nothing printed). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "hook_common.h"
#include "swarm.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

#define INPUT_MAX (1u << 20)
#define WORDS_MAX 64

/* Splits one shell command segment into words (quotes removed, no
 * expansion); returns how many (at most WORDS_MAX), each malloc'd. */
static size_t split_words(const char *s, size_t len, char **w) {
  size_t n = 0, i = 0;
  while (i < len && n < WORDS_MAX) {
    while (i < len && strchr(" \t\r", s[i])) i++;
    if (i >= len) break;
    char *word = bones_xmalloc(len - i + 1);
    size_t k = 0;
    char q = 0;
    for (; i < len; i++) {
      char c = s[i];
      if (q) {
        if (c == q) q = 0;
        else word[k++] = c;
      } else if (c == '\'' || c == '"') q = c;
      else if (strchr(" \t\r", c)) break;
      else word[k++] = c;
    }
    word[k] = '\0';
    w[n++] = word;
  }
  return n;
}

/* base if path is relative, else path, as a new string. */
static char *join_dir(const char *base, const char *path) {
  if (path[0] == '/') return bones_xstrdup(path);
  return bones_xasprintf("%s/%s", base, path);
}

/* For a segment "git [opts] SUB ...": SUB is commit or push.  *dir is the
 * directory git runs in (updated by -C).  0 when the segment is not one. */
static int is_git_write(char **w, size_t n, char **dir) {
  size_t i = 0;
  while (i < n && strchr(w[i], '=') && w[i][0] != '-' && w[i][0] != '=') i++; /* VAR=value prefixes */
  if (i < n && (strcmp(w[i], "command") == 0 || strcmp(w[i], "exec") == 0)) i++;
  if (i >= n) return 0;
  const char *base = strrchr(w[i], '/');
  if (strcmp(base ? base + 1 : w[i], "git") != 0) return 0;
  for (i++; i < n && w[i][0] == '-'; i++) {
    if (strcmp(w[i], "-C") == 0 && i + 1 < n) {
      char *d = join_dir(*dir, w[++i]);
      free(*dir);
      *dir = d;
    } else if ((strcmp(w[i], "-c") == 0 || strcmp(w[i], "--git-dir") == 0 || strcmp(w[i], "--work-tree") == 0 ||
                strcmp(w[i], "--namespace") == 0) && i + 1 < n) {
      i++;
    }
  }
  return i < n && (strcmp(w[i], "commit") == 0 || strcmp(w[i], "push") == 0);
}

/* The names of root's slots that have a worktree, comma-separated
 * (malloc'd), or NULL when none: "slots are active". */
static char *active_slots(const char *root) {
  char *dir = bones_xasprintf("%s/" BONES_DIR "/swarm", root);
  DIR *d = opendir(dir);
  char *names = NULL;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char *wt = bones_slot_worktree(root, e->d_name);
    if (bones_path_is_dir(wt)) {
      char *more = names ? bones_xasprintf("%s, %s", names, e->d_name) : bones_xstrdup(e->d_name);
      free(names);
      names = more;
    }
    free(wt);
  }
  if (d) closedir(d);
  free(dir);
  return names;
}

/* The reason to deny a git commit/push run in dir, or NULL to allow. */
static char *deny_reason(struct bones_ctx *ctx, const char *dir) {
  char *root = hook_workspace(ctx, dir), *agent = NULL, *slot = NULL, *slots = NULL, *reason = NULL;
  enum bones_agent_source src;
  struct bones_error e;
  if (root == NULL) return NULL;
  if (bones_agent_resolve(root, dir, &agent, &slot, &src, &e) == BONES_OK && slot) {
    /* a slot's worktree is a fossil checkout inside the host's git work
     * tree: git there would commit or push the host repository */
    reason = bones_xasprintf("bones: %s is slot %s's worktree, not a git checkout: git commit/push here would act on the "
                             "host repository %s. Commit the slot's work with `bones swarm commit -m MSG`. (A human can "
                             "disable this guard with BONES_ALLOW_GIT=1 in Claude Code's environment.)",
                             dir, slot, root);
    goto done;
  }
  slots = active_slots(root);
  if (slots)
    reason = bones_xasprintf("bones: slots are active in this workspace (%s): do not run git commit or git push in the "
                             "host checkout %s. Work in your slot's worktree and commit there with `bones swarm commit "
                             "-m MSG`; trunk reaches git through `bones apply` once the slots are closed. (A human can "
                             "disable this guard with BONES_ALLOW_GIT=1 in Claude Code's environment.)",
                             slots, root);
done:
  free(slots);
  free(agent);
  free(slot);
  free(root);
  return reason;
}

/* The deny reason for the first git commit/push of command, or NULL. */
static char *check_command(struct bones_ctx *ctx, const char *command, const char *cwd) {
  char *dir = bones_xstrdup(cwd), *reason = NULL;
  const char *p = command;
  while (*p && reason == NULL) {
    size_t len = strcspn(p, ";&|\n()");
    char *w[WORDS_MAX];
    size_t n = split_words(p, len, w);
    char *gitdir = bones_xstrdup(dir);
    if (n >= 1 && strcmp(w[0], "cd") == 0) {
      if (n >= 2) {
        char *d = join_dir(dir, w[1]);
        free(dir);
        dir = d;
      }
    } else if (is_git_write(w, n, &gitdir)) {
      reason = deny_reason(ctx, gitdir);
    }
    free(gitdir);
    for (size_t i = 0; i < n; i++) free(w[i]);
    p += len;
    while (*p && strchr(";&|\n()", *p)) p++;
  }
  free(dir);
  return reason;
}

int hook_pre_tool_use_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "pre-tool-use takes no arguments (got '%s')", argv[1]);
  if (hook_git_allowed()) return 0;
  json_t *in = hook_read_input(INPUT_MAX, 2000);
  const char *tool = json_string_value(json_object_get(in, "tool_name"));
  const char *command = json_string_value(json_object_get(json_object_get(in, "tool_input"), "command"));
  const char *cwd = json_string_value(json_object_get(in, "cwd"));
  char *here = NULL;
  if (cwd == NULL || cwd[0] != '/') cwd = here = getcwd(NULL, 0);
  char *reason = NULL;
  if (command && cwd && (tool == NULL || strcmp(tool, "Bash") == 0)) reason = check_command(ctx, command, cwd);
  if (reason) {
    json_t *out = json_pack("{s:{s:s, s:s, s:o}}", "hookSpecificOutput", "hookEventName", "PreToolUse",
                            "permissionDecision", "deny", "permissionDecisionReason", bones_utf8_json(reason));
    char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
    if (text) printf("%s\n", text);
    free(text);
    json_decref(out);
  }
  free(reason);
  free(here);
  json_decref(in);
  return 0;
}
