/* substrate.h: opening a workspace's substrate with its credentials. */
#ifndef BONES_SUBSTRATE_H
#define BONES_SUBSTRATE_H

#include <bones/error.h>
#include <bones/kv.h>

/* Opens the substrate spec for the workspace root (may be NULL): resolves
 * it (bones_substrate_resolve) and, for a managed `nats` or `redis`, hands
 * the workspace's credential (.bones/hub-kv-secret, when present) to the
 * backend inside the connection URL only -- the URL returned in *shown
 * (may be NULL; malloc'd, caller frees) and bones_kv_url() never hold it.
 * On failure *kv is NULL and err says why (without the credential). */
int bones_substrate_open(const char *spec, const char *root, const struct bones_kv_options *opts, bones_kv **kv,
                         char **shown, struct bones_error *err);

/* Checks, without connecting nor creating anything, that this bones can
 * load the KV backend serving spec (a bare name "nats", or a URL): BONES_OK,
 * BONES_E_USAGE when no module serves it (the message names the module and
 * the search path, the hint how to install it), BONES_E_UNAVAILABLE when
 * the module is found but cannot be used. */
int bones_substrate_check(const char *spec, struct bones_error *err);

#endif
