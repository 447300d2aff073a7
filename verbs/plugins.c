/* plugins.c: `bones plugins`: every module found, built-in or on the
 * plugin path, with its ABI, caps, path, and why it is broken if it is. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "loader.h"

static const char *kind_name(enum bones_module_kind k) {
  return k == BONES_MODULE_KV ? "kv" : k == BONES_MODULE_REPO ? "repo" : "verb";
}

/* Capability words of a module, into buf. */
static void caps_words(const struct bones_module_info *m, char *buf, size_t len) {
  buf[0] = '\0';
  if (m->kind == BONES_MODULE_KV) {
    if (m->caps & BONES_KV_CAP_WATCH) strncat(buf, "watch,", len - strlen(buf) - 1);
    if (m->caps & BONES_KV_CAP_NETWORK) strncat(buf, "network,", len - strlen(buf) - 1);
    if (m->caps & BONES_KV_CAP_EMBEDDED) strncat(buf, "embedded,", len - strlen(buf) - 1);
  } else if (m->kind == BONES_MODULE_VERB) {
    if (m->caps & BONES_VERB_NEEDS_WORKSPACE) strncat(buf, "needs-workspace,", len - strlen(buf) - 1);
    if (m->caps & BONES_VERB_NEEDS_KV) strncat(buf, "needs-kv,", len - strlen(buf) - 1);
  }
  size_t n = strlen(buf);
  if (n) buf[n - 1] = '\0';
  else snprintf(buf, len, "-");
}

struct listing {
  struct bones_ctx *ctx;
  json_t *array;
  int broken;
};

static void on_module(void *arg, const struct bones_module_info *m) {
  struct listing *l = arg;
  char caps[128];
  caps_words(m, caps, sizeof caps);
  if (m->error && !m->shadowed) l->broken++;
  if (l->array) {
    json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:i, s:i, s:s, s:s, s:b}", "module", m->module, "kind",
                          kind_name(m->kind), "name", m->name, "description", m->description, "abi", m->abi,
                          "caps", m->caps, "caps_words", caps, "path", m->path, "shadowed", m->shadowed);
    json_object_set_new(o, "error", m->error ? json_string(m->error) : json_null());
    json_array_append_new(l->array, o);
    return;
  }
  if (m->error)
    printf("%-16s %-5s %-4s %-22s %s\n    %s: %s\n", m->module, kind_name(m->kind), m->abi ? "" : "?", caps, m->path,
           m->shadowed ? "note" : "error", m->error);
  else
    printf("%-16s %-5s %-4u %-22s %s\n", m->module, kind_name(m->kind), m->abi, caps, m->path);
}

static int plugins_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "plugins takes no arguments (got '%s')", argv[1]);
  struct listing l = {ctx, bones_ctx_json(ctx) ? json_array() : NULL, 0};
  if (!l.array) printf("%-16s %-5s %-4s %-22s %s\n", "MODULE", "KIND", "ABI", "CAPS", "PATH");
  struct bones_error err;
  if (bones_loader_scan(on_module, &l, &err) != BONES_OK) {
    json_decref(l.array);
    return bones_ctx_fail(ctx, &err);
  }
  if (l.array) {
    json_t *d = json_pack("{s:s, s:o, s:i}", "search_path", bones_loader_search_path(), "modules", l.array,
                          "broken", l.broken);
    return bones_ctx_emit(ctx, "plugins", d);
  }
  printf("search path: %s\n", bones_loader_search_path());
  if (l.broken) printf("%d module(s) could not be used; see the errors above\n", l.broken);
  return 0;
}

BONES_VERB_EXPORT(verb_plugins) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "plugins",
    .description = "list every module: built-in and on the plugin path",
    .flags = 0,
    .usage = "usage: bones [--plugin-path=DIRS] plugins [--json]\n"
             "Lists the built-in modules and every kv_*, repo_* and verb_* module found on\n"
             "the search path (--plugin-path, then $BONES_PLUGIN_PATH, then -- for a bones\n"
             "run uninstalled from its build tree -- the build tree's modules, then the\n"
             "installed module directory), with ABI, capabilities and path.  A module that\n"
             "cannot be used is listed with the reason; it does not hide the others.\n",
    .run = plugins_run,
    .subverbs = NULL,
};
