/* env.c: `bones env`: shell exports describing this workspace. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "hub.h"
#include "url.h"
#include "text.h"
#include "workspace.h"

/* Prints NAME='value' with single quotes escaped for sh. */
static void export_line(const char *name, const char *value) {
  printf("export %s='", name);
  for (const char *p = value; *p; p++) {
    if (*p == '\'') fputs("'\\''", stdout);
    else putchar(*p);
  }
  printf("'\n");
}

static int env_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[1]);
  const char *root = bones_ctx_workspace(ctx);
  struct bones_error err;
  struct bones_hub_status st;
  bones_hub_status(root, &st, &err);
  char *agent = bones_workspace_agent_id(root);
  char *url = NULL;
  if (bones_substrate_resolve(bones_ctx_substrate(ctx), root, &url, &err) != BONES_OK) url = NULL;
  /* never BONES_AGENT_ID: every agent started from an eval'd shell would
   * share one identity for claims (docs/identity.md); --json shows the
   * workspace id as information only, under another name */
  const char *names[] = {"BONES_WORKSPACE", "BONES_SUBSTRATE", "BONES_KV_URL", "BONES_HUB_URL", "workspace_agent_id"};
  /* never the password: the user info (and secret query parameters) go */
  char *spec_shown = bones_url_redact(bones_ctx_substrate(ctx));
  char *url_shown = bones_url_redact(url);
  const char *values[] = {root, spec_shown, url_shown ? url_shown : "", st.repo_url ? st.repo_url : "",
                          agent ? agent : ""};
  int rc = 0;
  if (bones_ctx_json(ctx)) {
    json_t *d = json_object();
    for (int i = 0; i < 5; i++) json_object_set_new(d, names[i], bones_utf8_json(values[i]));
    rc = bones_ctx_emit(ctx, "env", d);
  } else {
    /* a BONES_SUBSTRATE without its password would override the working
     * one (.bones/config.json, or the caller's own $BONES_SUBSTRATE) */
    int secret = strcmp(spec_shown, bones_ctx_substrate(ctx)) != 0;
    for (int i = 0; i < 4; i++) {
      if (i == 1 && secret) printf("# BONES_SUBSTRATE not exported: its URL holds a password\n");
      else export_line(names[i], values[i]);
    }
    printf("# BONES_AGENT_ID not exported: agents started from this shell would share one identity;\n"
           "# each agent sets its own, a slot's worktree names its slot (docs/identity.md)\n");
  }
  free(url);
  free(url_shown);
  free(spec_shown);
  free(agent);
  bones_hub_status_clear(&st);
  return rc;
}

BONES_VERB_EXPORT(verb_env) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "env",
    .description = "print shell exports for this workspace",
    .flags = BONES_VERB_NEEDS_WORKSPACE,
    .usage = "usage: bones env [--json]\n"
             "Prints `export NAME='value'` lines: BONES_WORKSPACE, BONES_SUBSTRATE,\n"
             "BONES_KV_URL (the resolved substrate URL), BONES_HUB_URL (empty when the\n"
             "hub never ran).  Use: eval \"$(bones env)\".  BONES_AGENT_ID is never\n"
             "exported (every agent started from that shell would share one identity;\n"
             "see docs/identity.md); --json shows the workspace's id as\n"
             "workspace_agent_id, for information.\n"
             "Never a password: URLs lose their user info and secret query parameters,\n"
             "and a BONES_SUBSTRATE that held one is not exported (bones reads it from\n"
             ".bones/config.json); --json shows it without the password.\n",
    .run = env_run,
    .subverbs = NULL,
};
