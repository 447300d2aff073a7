/* table.c: registers the built-in verbs of verbs.def with the loader
 * (the same validation as a verb module gets). */
#include "config.h"

#include <bones/plugin.h>
#include <bones/verb.h>

#include "builtins.h"
#include "loader.h"

#define BONES_BUILTIN_VERB(n) extern const struct bones_verb_v1 verb_##n##_LTX_bones_verb_v1;
#include "verbs.def"
#undef BONES_BUILTIN_VERB

int bones_register_builtin_verbs(struct bones_error *err) {
  int rc;
#define BONES_BUILTIN_VERB(n)                                                       \
  rc = bones_loader_add_builtin("verb_" #n, &verb_##n##_LTX_bones_verb_v1, err); \
  if (rc != BONES_OK) return rc;
#include "verbs.def"
#undef BONES_BUILTIN_VERB
  return BONES_OK;
}
