/* up.c: `bones up [--substrate=S]`: make this git repository a workspace. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "ctx.h"
#include "harness.h"
#include "harness/harness_verbs.h"
#include "hub.h"
#include "text.h"
#include "url.h"
#include "workspace.h"

static int up_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"substrate", required_argument, NULL, 's'},
                                       {"harness", required_argument, NULL, 'H'},
                                       {"no-guard", no_argument, NULL, 'G'},
                                       {NULL, 0, NULL, 0}};
  const char *substrate = NULL;
  struct bones_harness_opts harness = {0, 0};
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') substrate = optarg;
    else if (c == 'H') {
      if (bones_harness_parse(optarg, &harness.harnesses, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
    } else if (c == 'G') harness.no_guard = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "up takes no arguments (got '%s')", argv[optind]);
  /* a global --substrate before the verb counts too; never the substrate
   * of another workspace (found through $BONES_WORKSPACE or above) */
  if (substrate == NULL) substrate = bones_ctx_substrate_option(ctx);
  if (substrate && *substrate == '\0') {
    bones_error_set(&err, BONES_E_USAGE, "--substrate is empty");
    bones_error_hint(&err, "use --substrate=sqlite|nats|redis|URL");
    return bones_ctx_fail(ctx, &err);
  }
  if (substrate && !bones_text_plain(substrate, "")) {
    bones_error_set(&err, BONES_E_USAGE, "--substrate is not valid UTF-8 or holds control characters");
    bones_error_hint(&err, "use --substrate=sqlite|nats|redis|URL");
    return bones_ctx_fail(ctx, &err);
  }
  struct bones_up_result res;
  if (bones_workspace_up(NULL, substrate, &res, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  /* the orchestrator's act: seed the hub repository now, so the first verb
   * that needs the hub (swarm join) can start it; a failure leaves a
   * usable workspace and says what to run */
  struct bones_error serr;
  int seeded = 0, seed_rc = bones_hub_seed(res.root, &seeded, &serr);
  if (seed_rc != BONES_OK) {
    fprintf(stderr, "bones: up: warning: the hub repository was not seeded: %s\n", serr.message);
    fprintf(stderr, "hint: %s%sthen run `bones hub start --detach` (swarm join refuses until the hub is seeded)\n",
            serr.hint[0] ? serr.hint : "", serr.hint[0] ? "; " : "");
  }
  int rc = 0;
  json_t *installed = NULL; /* the harness report, with --harness */
  if (harness.harnesses && bones_harness_install(res.root, &harness, &installed, &err) != BONES_OK) {
    harness_print_report(ctx, installed);
    json_decref(installed);
    bones_up_result_clear(&res);
    return bones_ctx_fail(ctx, &err);
  }
  char *shown = bones_url_redact(res.substrate); /* never the password */
  if (bones_ctx_json(ctx)) {
    json_t *data = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b}", "workspace", res.root, "substrate", shown, "agent_id",
                             res.agent_id, "created", res.created, "hub_seeded", seed_rc == BONES_OK, "seeded_now", seeded);
    if (data && seed_rc != BONES_OK) json_object_set_new(data, "hub_seed_error", bones_utf8_json(serr.message));
    if (data == NULL) {
      bones_error_set(&err, BONES_E_INTERNAL, "cannot encode the result");
      rc = bones_ctx_fail(ctx, &err);
    } else {
      if (installed) json_object_set(data, "harness", installed);
      rc = bones_ctx_emit(ctx, "up", data);
    }
  } else if (!bones_ctx_quiet(ctx)) {
    printf("%s workspace %s (substrate %s, agent %s)\n", res.created ? "created" : "already a", res.root,
           shown, res.agent_id);
    if (seeded) printf("seeded the hub repository %s/.bones/hub.fossil from the git-tracked files\n", res.root);
    if (res.created || seeded)
      printf("next: create tasks, then `bones swarm join --slot NAME --task ID` (it starts the hub), or start it\n"
             "now with `bones hub start --detach`\n");
  }
  if (installed) harness_print_report(ctx, installed);
  json_decref(installed);
  free(shown);
  bones_up_result_clear(&res);
  return rc;
}

BONES_VERB_EXPORT(verb_up) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "up",
    .description = "make this git repository a bones workspace",
    .flags = 0,
    .usage = "usage: bones up [--substrate=sqlite|nats|redis|URL] [--harness=claude|codex|generic]...\n"
             "                [--no-guard] [--json]\n"
             "Creates .bones/ (0700) at the top of this git repository: the workspace\n"
             "agent id, config.json with the substrate, a .bones/ line in .gitignore,\n"
             "and an entry in the per-user registry, and seeds the hub repository\n"
             ".bones/hub.fossil from the git-tracked files as they are now (no server is\n"
             "started: the first verb that needs the hub starts it, e.g. swarm join).\n"
             "Needs at least one commit with tracked files.  When seeding fails the\n"
             "workspace is still made, a warning says why, and `bones hub start`\n"
             "seeds once it is fixed.  Running it again changes nothing but the\n"
             "substrate, when one is given (and seeds a hub never seeded).\n"
             "--harness=H (repeatable) also runs `bones harness install --harness=H` (see\n"
             "`bones harness install --help`; --no-guard leaves Claude Code's git guard out).\n",
    .run = up_run,
    .subverbs = NULL,
};
