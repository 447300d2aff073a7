/* version.c: `bones version`: the version, ABIs and built backends. */
#include "config.h"

#include <stdio.h>

#include <bones/kv.h>
#include <bones/plugin.h>
#include <bones/repo.h>
#include <bones/verb.h>

static int version_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "version takes no arguments");
  (void)argv;
  if (bones_ctx_json(ctx)) {
    json_t *d = json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:s, s:s}", "version", PACKAGE_VERSION, "abi", "plugin",
                          BONES_PLUGIN_ABI, "kv", BONES_KV_ABI, "repo", BONES_REPO_ABI, "verb", BONES_VERB_ABI,
                          "backends", BONES_CONFIGURED_BACKENDS, "module_dir", BONES_MODULEDIR);
    return bones_ctx_emit(ctx, "version", d);
  }
  printf("bones %s\n", PACKAGE_VERSION);
  if (!bones_ctx_quiet(ctx)) {
    printf("ABI: plugin %d, kv %d, repo %d, verb %d\n", BONES_PLUGIN_ABI, BONES_KV_ABI, BONES_REPO_ABI,
           BONES_VERB_ABI);
    printf("backends:%s\n", BONES_CONFIGURED_BACKENDS);
    printf("module dir: %s\n", BONES_MODULEDIR);
  }
  return 0;
}

BONES_VERB_EXPORT(verb_version) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "version",
    .description = "print the version, ABI numbers and built backends",
    .flags = 0,
    .usage = "usage: bones version [--json] [-q]\n"
             "Prints the bones version, the module ABI numbers and the backends this\n"
             "build made (built-in or module).\n",
    .run = version_run,
    .subverbs = NULL,
};
