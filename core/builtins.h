/* builtins.h (internal): modules compiled into the bones program (and the
 * test programs), registered through the loader's usual validation. */
#ifndef BONES_BUILTINS_H
#define BONES_BUILTINS_H

#include <bones/error.h>

/* Registers the built-in backends (kv_sqlite, repo_fossil). */
int bones_register_builtin_backends(struct bones_error *err);

/* Registers the built-in verbs of verbs/verbs.def (bones program only). */
int bones_register_builtin_verbs(struct bones_error *err);

#endif
