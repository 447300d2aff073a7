/* bones/plugin.h: what a module exports and how.
 *
 * A bones module is a libtool module (kv_<name>.la, repo_<name>.la or
 * verb_<name>.la) that exports exactly ONE symbol: a const, versioned
 * struct.  Define it with the macros below so the symbol carries libtool's
 * <module>_LTX_ prefix; then modules never clash, whether dlopen'd or built
 * into the bones program.
 *
 *   #include <bones/kv.h>
 *   #include <bones/plugin.h>
 *   BONES_KV_BACKEND_EXPORT(kv_example) = { BONES_KV_ABI,
 *       sizeof(struct bones_kv_backend_v1), "example", ... };
 *
 * Link with: -module -avoid-version -no-undefined
 *   -export-symbols-regex '^([a-z0-9_]+_LTX_)?bones_(kv_backend|repo_backend|verb)_v1$$'
 * (pkg-config --variable=module_ldflags bones-plugin prints exactly that).
 */
#ifndef BONES_PLUGIN_H
#define BONES_PLUGIN_H

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI generation of the module directory ($(pkglibdir)/abi1). */
#define BONES_PLUGIN_ABI 1

/* Symbol names the loader asks libltdl for (it adds <module>_LTX_). */
#define BONES_KV_BACKEND_SYMBOL "bones_kv_backend_v1"
#define BONES_REPO_BACKEND_SYMBOL "bones_repo_backend_v1"
#define BONES_VERB_SYMBOL "bones_verb_v1"

#define BONES_PLUGIN_VISIBLE __attribute__((visibility("default")))

/* Defines the exported vtable of module `module` (the file name without
 * .la, e.g. kv_sqlite).  Follow with `= { ... };`. */
#define BONES_KV_BACKEND_EXPORT(module) \
  BONES_PLUGIN_VISIBLE const struct bones_kv_backend_v1 module##_LTX_bones_kv_backend_v1
#define BONES_REPO_BACKEND_EXPORT(module) \
  BONES_PLUGIN_VISIBLE const struct bones_repo_backend_v1 module##_LTX_bones_repo_backend_v1
#define BONES_VERB_EXPORT(module) \
  BONES_PLUGIN_VISIBLE const struct bones_verb_v1 module##_LTX_bones_verb_v1

#ifdef __cplusplus
}
#endif
#endif /* BONES_PLUGIN_H */
