/* substrate.c: opening a workspace's substrate with its credentials
 * (substrate.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kv_int.h"
#include "kv_secret.h"
#include "substrate.h"
#include "util.h"
#include "workspace.h"

/* url with secret as its user info ("redis://:S@..." or "nats://S@...",
 * a nats token), malloc'd; NULL when url already holds user info. */
static char *url_with_secret(const char *url, const char *secret) {
  const char *rest = strstr(url, "://");
  if (rest == NULL || strchr(rest + 3, '@')) return NULL;
  rest += 3;
  int redis = strncmp(url, "redis", 5) == 0;
  return bones_xasprintf("%.*s%s%s@%s", (int)(rest - url), url, redis ? ":" : "", secret, rest);
}

int bones_substrate_open(const char *spec, const char *root, const struct bones_kv_options *opts, bones_kv **kv,
                         char **shown, struct bones_error *err) {
  *kv = NULL;
  if (shown) *shown = NULL;
  char *url = NULL;
  int rc = bones_substrate_resolve(spec, root, &url, err);
  if (rc != BONES_OK) return rc;
  char *secret_url = NULL;
  int managed = spec && root && (strcmp(spec, "nats") == 0 || strcmp(spec, "redis") == 0);
  if (managed) {
    char secret[BONES_KV_SECRET_LEN + 1];
    struct bones_error e;
    if (bones_kv_secret_read(root, secret, &e) == BONES_OK) secret_url = url_with_secret(url, secret);
    explicit_bzero(secret, sizeof secret);
  }
  rc = bones_kv_open(secret_url ? secret_url : url, opts, kv, err);
  if (secret_url) {
    explicit_bzero(secret_url, strlen(secret_url));
    free(secret_url);
  }
  if (rc == BONES_OK && shown) *shown = url;
  else free(url);
  return rc;
}

int bones_substrate_check(const char *spec, struct bones_error *err) {
  const struct bones_kv_backend_v1 *backend = NULL;
  int rc = bones_kv_backend_of(spec, &backend, err);
  if (rc == BONES_OK || rc == BONES_E_USAGE) return rc;
  /* found but unusable (a missing shared library, a wrong ABI): keep the
   * loader's hint, say it cannot be used here */
  if (err) err->code = BONES_E_UNAVAILABLE;
  return BONES_E_UNAVAILABLE;
}
