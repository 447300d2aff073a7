/* loader.h (internal): finds, opens and validates modules.
 *
 * Modules come from two places that go through the same validation:
 *  - built-ins, registered by the program at start with
 *    bones_loader_add_builtin() (kv_sqlite, repo_fossil, the verbs);
 *  - files kv_X / repo_X / verb_X (.la or .so) found on the search path
 *    --plugin-path > $BONES_PLUGIN_PATH > the build tree's module dirs
 *    (only for the uninstalled bones of that tree, see buildtree.h) >
 *    the installed module dir.
 * Files are opened lazily: only the module asked for.  A built-in wins
 * over a file with the same name.  Not thread-safe (libltdl is not). */
#ifndef BONES_LOADER_H
#define BONES_LOADER_H

#include <bones/error.h>
#include <bones/kv.h>
#include <bones/repo.h>
#include <bones/verb.h>

enum bones_module_kind { BONES_MODULE_KV, BONES_MODULE_REPO, BONES_MODULE_VERB };

/* What `bones plugins` shows about one module (all strings borrowed). */
struct bones_module_info {
  const char *module;      /* "kv_sqlite" */
  enum bones_module_kind kind;
  const char *name;        /* "sqlite", or NULL when it did not load */
  const char *description; /* or NULL */
  unsigned abi;            /* 0 when unknown */
  unsigned caps;
  const char *path;        /* file, or "built-in" */
  const char *error;       /* why it is unusable, or NULL */
  int shadowed;            /* a built-in of the same name wins */
};

/* Sets the extra search directories given by --plugin-path (may be NULL).
 * Call before any lookup.  Copies the string. */
void bones_loader_set_plugin_path(const char *path);

/* The effective search path, ':'-separated (borrowed). */
const char *bones_loader_search_path(void);

/* Registers a module compiled into the program.  module is the file-style
 * name ("kv_sqlite"); symbol points at its exported struct.  Validated
 * exactly like a loaded module; returns BONES_OK or fills err. */
int bones_loader_add_builtin(const char *module, const void *symbol,
                             struct bones_error *err);

/* The KV backend named name ("sqlite"), from the built-ins or by opening
 * kv_<name> on the search path.  *out is static or lives until
 * bones_loader_shutdown(). */
int bones_loader_kv_backend(const char *name,
                            const struct bones_kv_backend_v1 **out,
                            struct bones_error *err);

/* Same for repo backends (repo_<name>). */
int bones_loader_repo_backend(const char *name,
                              const struct bones_repo_backend_v1 **out,
                              struct bones_error *err);

/* Same for verbs (verb_<name>): BONES_E_NOTFOUND when no such verb. */
int bones_loader_verb(const char *name, const struct bones_verb_v1 **out,
                      struct bones_error *err);

/* Calls fn for every built-in verb, in registration order. */
void bones_loader_each_builtin_verb(void (*fn)(void *arg, const struct bones_verb_v1 *v),
                                    void *arg);

/* Visits every module: built-ins, then each file on the search path
 * (opening it to validate).  Broken modules are reported, not fatal. */
int bones_loader_scan(void (*fn)(void *arg, const struct bones_module_info *info),
                      void *arg, struct bones_error *err);

/* Closes every opened module and libltdl.  Pointers handed out before
 * become invalid. */
void bones_loader_shutdown(void);

#endif /* BONES_LOADER_H */
