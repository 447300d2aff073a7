/* version.c: `bones version`: the version, ABIs and built backends. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <bones/kv.h>
#include <bones/plugin.h>
#include <bones/repo.h>
#include <bones/verb.h>

/* The backends configure built, as a JSON array of {name, kind (kv|repo),
 * linkage (built-in|module)}, parsed from configure's one string
 * "sqlite(built-in) nats(module) ... fossil(built-in repo)". */
static json_t *configured_backends(void) {
  json_t *list = json_array();
  const char *p = BONES_CONFIGURED_BACKENDS;
  for (;;) {
    while (*p == ' ') p++;
    const char *open = strchr(p, '('), *close = open ? strchr(open, ')') : NULL;
    if (*p == '\0' || close == NULL) break;
    char attrs[64];
    snprintf(attrs, sizeof attrs, "%.*s", (int)(close - open - 1), open + 1);
    json_array_append_new(list, json_pack("{s:s%, s:s, s:s}", "name", p, (size_t)(open - p), "kind",
                                          strstr(attrs, "repo") ? "repo" : "kv", "linkage",
                                          strstr(attrs, "module") ? "module" : "built-in"));
    p = close + 1;
  }
  return list;
}

static int version_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "version takes no arguments");
  (void)argv;
  if (bones_ctx_json(ctx)) {
    json_t *d = json_pack("{s:s, s:{s:i, s:i, s:i, s:i}, s:o, s:s}", "version", PACKAGE_VERSION, "abi", "plugin",
                          BONES_PLUGIN_ABI, "kv", BONES_KV_ABI, "repo", BONES_REPO_ABI, "verb", BONES_VERB_ABI,
                          "backends", configured_backends(), "module_dir", BONES_MODULEDIR);
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
