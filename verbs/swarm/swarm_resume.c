/* swarm_resume.c: `bones swarm resume|discard` (core/swarm/swarm_resume.h). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slots.h"
#include "swarm_common.h"
#include "swarm_resume.h"
#include "text.h"
#include "util.h"

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

int swarm_resume_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"slot", required_argument, NULL, 's'}, {"lease", required_argument, NULL, 'L'},
                                       {"grace", required_argument, NULL, 'G'}, {NULL, 0, NULL, 0}};
  struct bones_resume_opts o = {NULL, NULL, NULL};
  const char *slot_arg = NULL;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') slot_arg = optarg;
    else if (c == 'L') o.session_lease = optarg;
    else if (c == 'G') o.grace = optarg;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  char *slot = NULL;
  if (swarm_pick_slot(ctx, slot_arg, &slot, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  o.slot = slot;
  struct bones_swarm s;
  json_t *session = NULL;
  int rc = swarm_open(ctx, &s, &err);
  if (rc == BONES_OK) rc = bones_swarm_resume(&s, &o, &session, &err);
  bones_swarm_free(&s);
  free(slot);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "swarm.resume", json_pack("{s:o}", "session", session));
  if (bones_ctx_quiet(ctx)) printf("%s\n", str(session, "worktree")); /* raw: for cd "$(...)" */
  else {
    bones_term_printf(stdout, "resumed slot %s as %s on task %s\n", str(session, "slot"), str(session, "agent_id"),
                      str(session, "task_id"));
    bones_term_printf(stdout, "worktree: %s\n", str(session, "worktree"));
  }
  json_decref(session);
  return 0;
}

/* "yes" typed on the terminal. */
static int confirm(const char *slot) {
  fprintf(stderr, "discard slot %s (its worktree is saved to .bones/recovery/ first)?\nType 'yes' to continue: ", slot);
  fflush(stderr);
  char line[64];
  if (fgets(line, sizeof line, stdin) == NULL) return 0;
  line[strcspn(line, "\r\n")] = '\0';
  return strcmp(line, "yes") == 0;
}

int swarm_discard_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"slot", required_argument, NULL, 's'}, {"yes", no_argument, NULL, 'y'},
                                       {NULL, 0, NULL, 0}};
  const char *slot_arg = NULL;
  int yes = 0;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "y", opts, NULL)) != -1) {
    if (c == 's') slot_arg = optarg;
    else if (c == 'y') yes = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  char *slot = NULL;
  if (swarm_pick_slot(ctx, slot_arg, &slot, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  /* nothing is lost (the worktree goes to recovery), so only a person at a
   * terminal is asked */
  if (!yes && !bones_ctx_json(ctx) && isatty(STDIN_FILENO) && !confirm(slot)) {
    free(slot);
    bones_error_set(&err, BONES_E_REFUSED, "not confirmed; nothing was changed");
    return bones_ctx_fail(ctx, &err);
  }
  struct bones_swarm s;
  json_t *result = NULL;
  int rc = swarm_open(ctx, &s, &err);
  if (rc == BONES_OK) rc = bones_swarm_discard(&s, slot, &result, &err);
  bones_swarm_free(&s);
  free(slot);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "swarm.discard", result);
  if (str(result, "recovery_id"))
    bones_ctx_say(ctx, "discarded slot %s; its worktree is saved as recovery copy %s (`bones recovery show %s`)",
                  str(result, "slot"), str(result, "recovery_id"), str(result, "recovery_id"));
  else
    bones_ctx_say(ctx, "discarded slot %s (it had no worktree)", str(result, "slot"));
  if (json_is_true(json_object_get(result, "task_released")))
    bones_ctx_say(ctx, "task %s is released", str(result, "task"));
  json_decref(result);
  return 0;
}

void swarm_say_kept(struct bones_ctx *ctx) {
  const char *root = bones_ctx_workspace(ctx);
  struct bones_slot *v = NULL;
  size_t n = 0;
  struct bones_error err;
  if (bones_slots_list(root, NULL, &v, &n, &err) != BONES_OK) return;
  for (size_t i = 0; i < n; i++) {
    if (v[i].joined || v[i].pid_alive) continue;
    char *wt = bones_slot_worktree(root, v[i].name);
    if (bones_path_is_dir(wt))
      bones_ctx_say(ctx, "kept worktree of slot %s (closed, not reaped): `bones swarm resume --slot %s` or "
                         "`bones swarm discard --slot %s`", v[i].name, v[i].name, v[i].name);
    free(wt);
  }
  bones_slots_free(v, n);
}
