/* workspace.h: finding a bones workspace and choosing its substrate. */
#ifndef BONES_WORKSPACE_H
#define BONES_WORKSPACE_H

#include <bones/error.h>

#define BONES_DIR ".bones"

/* Walks up from start (or the cwd when NULL) to the first directory whose
 * .bones/ holds a config.json.  *root is malloc'd (caller frees) or NULL
 * when there is none; returns BONES_OK either way unless start is bad. */
int bones_workspace_find(const char *start, char **root, struct bones_error *err);

/* The substrate spec recorded in <root>/.bones/config.json ("substrate"),
 * malloc'd, or NULL when none is recorded. */
char *bones_workspace_config_substrate(const char *root);

/* Turns a substrate spec into a URL a backend accepts:
 *   "sqlite"            -> "sqlite:<root>/.bones/kv.sqlite" (needs a workspace)
 *   "nats" / "redis"    -> the managed server's URL from .bones/hub-kv-url
 *   anything with ':'   -> unchanged
 *   another bare name   -> unchanged (a third-party backend decides)
 * *url is malloc'd (caller frees). */
int bones_substrate_resolve(const char *spec, const char *root, char **url, struct bones_error *err);

#endif /* BONES_WORKSPACE_H */
