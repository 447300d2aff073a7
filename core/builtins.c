/* builtins.c: registers the backends compiled into bones (builtins.h). */
#include "config.h"

#include <bones/kv.h>
#include <bones/repo.h>

#include "builtins.h"
#include "loader.h"

#ifdef BONES_BUILTIN_SQLITE
extern const struct bones_kv_backend_v1 kv_sqlite_LTX_bones_kv_backend_v1;
#endif
#ifdef BONES_BUILTIN_FOSSIL
extern const struct bones_repo_backend_v1 repo_fossil_LTX_bones_repo_backend_v1;
#endif

int bones_register_builtin_backends(struct bones_error *err) {
  int rc = BONES_OK;
#ifdef BONES_BUILTIN_SQLITE
  rc = bones_loader_add_builtin("kv_sqlite", &kv_sqlite_LTX_bones_kv_backend_v1, err);
  if (rc != BONES_OK) return rc;
#endif
#ifdef BONES_BUILTIN_FOSSIL
  rc = bones_loader_add_builtin("repo_fossil", &repo_fossil_LTX_bones_repo_backend_v1, err);
  if (rc != BONES_OK) return rc;
#endif
  (void)err;
  return rc;
}
