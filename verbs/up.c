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
#include "durability.h"
#include "hub.h"
#include "server.h"
#include "text.h"
#include "url.h"
#include "workspace.h"

/* Warnings on stderr about what the recorded durability means here: a
 * running hub keeps the mode its managed server was started with; an
 * external server is configured by its operator; nats-server before 2.10
 * cannot fsync every write. */
static void durability_notes(struct bones_ctx *ctx, const struct bones_up_result *res) {
  if (bones_ctx_quiet(ctx)) return;
  const char *sub = res->substrate;
  int durable = strcmp(res->durability, "durable") == 0;
  int managed = strcmp(sub, "nats") == 0 || strcmp(sub, "redis") == 0;
  if (managed) {
    char *running = bones_ws_read_line(res->root, "hub-kv-durability");
    struct bones_hub_status st;
    struct bones_error e;
    if (running && bones_hub_status(res->root, &st, &e) == BONES_OK) {
      if (st.pid_alive && strcmp(running, res->durability) != 0)
        fprintf(stderr, "bones: up: note: the running hub's %s server was started %s; restart the hub (`bones hub stop "
                        "&& bones hub start --detach`) to make it %s\n", sub, running, res->durability);
      bones_hub_status_clear(&st);
    }
    free(running);
  }
  if (durable && strcmp(sub, "nats") == 0) {
    char *version = NULL;
    if (!bones_nats_server_syncs_always(bones_server_program(BONES_SERVER_NATS), &version))
      fprintf(stderr, "bones: up: warning: nats-server %s cannot fsync every write (JetStream sync_interval needs "
                      "2.10 or later): an acknowledged write survives a crash of the server, not of the host "
                      "(docs/durability.md)\n", version ? version : "(version unknown)");
    free(version);
  } else if (durable && !managed && strncmp(sub, "sqlite", 6) != 0) {
    fprintf(stderr, "bones: up: note: %s is an external server: its durability is set by its operator, not by bones "
                    "(docs/durability.md)\n", strncmp(sub, "redis", 5) == 0 ? "this redis" : "this substrate");
  }
}

static int up_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"substrate", required_argument, NULL, 's'},
                                       {"harness", required_argument, NULL, 'H'},
                                       {"no-guard", no_argument, NULL, 'G'},
                                       {"durability", required_argument, NULL, 'D'},
                                       {"hub", required_argument, NULL, 'U'},
                                       {NULL, 0, NULL, 0}};
  const char *substrate = NULL, *durability = NULL, *hub = NULL;
  enum bones_durability mode;
  struct bones_harness_opts harness = {0, 0};
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') substrate = optarg;
    else if (c == 'U') {
      if (bones_hub_url_check(optarg, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      hub = optarg;
    } else if (c == 'H') {
      if (bones_harness_parse(optarg, &harness.harnesses, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
    } else if (c == 'G') harness.no_guard = 1;
    else if (c == 'D') {
      if (bones_durability_parse(optarg, &mode, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
      durability = bones_durability_name(mode);
    }
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
  if (bones_workspace_up(NULL, substrate, durability, &res, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (hub && bones_workspace_set_remote_hub(res.root, hub, &err) != BONES_OK) {
    bones_up_result_clear(&res);
    return bones_ctx_fail(ctx, &err);
  }
  char *remote = bones_workspace_remote_hub(res.root);
  durability_notes(ctx, &res);
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
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "workspace", res.root, "substrate", shown,
                             "durability", res.durability, "agent_id", res.agent_id, "created", res.created,
                             "hub_seeded", seed_rc == BONES_OK, "seeded_now", seeded);
    if (data && seed_rc != BONES_OK) json_object_set_new(data, "hub_seed_error", bones_utf8_json(serr.message));
    if (data && remote) json_object_set_new(data, "hub", bones_utf8_json(remote));
    if (data == NULL) {
      bones_error_set(&err, BONES_E_INTERNAL, "cannot encode the result");
      rc = bones_ctx_fail(ctx, &err);
    } else {
      if (installed) json_object_set(data, "harness", installed);
      rc = bones_ctx_emit(ctx, "up", data);
    }
  } else if (!bones_ctx_quiet(ctx)) {
    printf("%s workspace %s (substrate %s, %s, agent %s)\n", res.created ? "created" : "already a", res.root,
           shown, res.durability, res.agent_id);
    if (seeded) printf("seeded the hub repository %s/.bones/hub.fossil from the git-tracked files\n", res.root);
    if (remote)
      printf("uses the hub at %s on another host: `bones swarm join` asks it for each slot; apply and hub\n"
             "verbs run on the hub's host\n", remote);
    else if (res.created || seeded)
      printf("next: create tasks, then `bones swarm join --slot NAME --task ID` (it starts the hub), or start it\n"
             "now with `bones hub start --detach`\n");
  }
  if (installed) harness_print_report(ctx, installed);
  json_decref(installed);
  free(shown);
  free(remote);
  bones_up_result_clear(&res);
  return rc;
}

BONES_VERB_EXPORT(verb_up) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "up",
    .description = "make this git repository a bones workspace",
    .flags = 0,
    .usage = "usage: bones up [--substrate=sqlite|nats|redis|URL] [--durability=fast|durable]\n"
             "                [--hub=http://HOST:PORT] [--harness=claude|codex|generic]... [--no-guard] [--json]\n"
             "Creates .bones/ (0700) at the top of this git repository: the workspace\n"
             "agent id, config.json with the substrate, a .bones/ line in .gitignore,\n"
             "and an entry in the per-user registry, and seeds the hub repository\n"
             ".bones/hub.fossil from the git-tracked files as they are now (no server is\n"
             "started: the first verb that needs the hub starts it, e.g. swarm join).\n"
             "Needs at least one commit with tracked files.  When seeding fails the\n"
             "workspace is still made, a warning says why, and `bones hub start`\n"
             "seeds once it is fixed.  Running it again changes nothing but the\n"
             "substrate or durability, when given (and seeds a hub never seeded).\n"
             "--durability=fast (the default) or durable, recorded in config.json: durable\n"
             "fsyncs every acknowledged write (sqlite synchronous=FULL, managed redis\n"
             "appendfsync always, managed nats sync_interval always where nats-server\n"
             "has it: 2.10+); fast can lose the last second of writes on a host crash.\n"
             "A running hub's server keeps its mode until the hub restarts.  `bones\n"
             "doctor` shows the mode in effect (docs/durability.md).\n"
             "--harness=H (repeatable) also runs `bones harness install --harness=H` (see\n"
             "`bones harness install --help`; --no-guard leaves Claude Code's git guard out).\n"
             "--hub=http://HOST:PORT makes a workspace on another host than the hub's (no\n"
             "shared disk): it never runs or seeds a hub, `swarm join` asks that hub (which\n"
             "must run with `hub start --listen ADDR`) through the substrate, which must\n"
             "be the hub's, given by URL (nats://... or redis://...); apply and hub verbs\n"
             "run on the hub's host (docs/multi-host.md).\n",
    .run = up_run,
    .subverbs = NULL,
};
