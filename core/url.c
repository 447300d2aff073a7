/* url.c: showing substrate URLs and specs without their secrets (url.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"
#include "util.h"

/* 1 when the query parameter name (n bytes) may name a secret. */
static int secret_param(const char *name, size_t n) {
  static const char *const words[] = {"pass", "pwd", "token", "secret", "key", "cred", "auth", "sig", NULL};
  for (const char *const *w = words; *w; w++) {
    size_t wl = strlen(*w);
    for (size_t i = 0; i + wl <= n; i++)
      if (strncasecmp(name + i, *w, wl) == 0) return 1;
  }
  return 0;
}

char *bones_url_redact(const char *spec) {
  if (spec == NULL) return NULL;
  /* user info: up to the last '@' after "://" (anywhere, so that a
   * password holding an unencoded '/' or '?' is still cut off) */
  const char *body = spec;
  size_t prefix_len = 0;
  const char *scheme_end = strstr(spec, "://");
  if (scheme_end) {
    body = scheme_end + 3;
    prefix_len = (size_t)(body - spec);
    const char *at = strrchr(body, '@');
    if (at) body = at + 1;
  }
  const char *query = strchr(body, '?');
  size_t head_len = query ? (size_t)(query - body) : strlen(body);
  size_t cap = prefix_len + strlen(body) + 2;
  char *out = bones_xmalloc(cap);
  memcpy(out, spec, prefix_len);
  memcpy(out + prefix_len, body, head_len);
  size_t len = prefix_len + head_len;
  /* the query without the parameters that may hold secrets */
  char sep = '?';
  for (const char *p = query ? query + 1 : ""; *p;) {
    size_t n = strcspn(p, "&");
    size_t name_len = strcspn(p, "=&");
    if (name_len > n) name_len = n;
    if (n > 0 && !secret_param(p, name_len)) {
      out[len++] = sep;
      memcpy(out + len, p, n);
      len += n;
      sep = '&';
    }
    p += n;
    if (*p == '&') p++;
  }
  out[len] = '\0';
  return out;
}
