/* url.h: showing substrate URLs and specs without their secrets. */
#ifndef BONES_URL_H
#define BONES_URL_H

/* spec as it may be shown to anyone: a URL's user info ("user:pass@",
 * "token@": everything from "://" up to the last '@' of the spec, so a
 * password with an unencoded '/', '?' or '@' is cut off too) is removed,
 * and so is each query parameter whose name looks like a secret
 * (password, pass, pwd, token, secret, key, cred..., auth...).  Specs
 * without "://" ("sqlite:PATH?sync=full", "redis") only lose such query
 * parameters.  NULL gives NULL; the result is malloc'd (caller frees). */
char *bones_url_redact(const char *spec);

#endif /* BONES_URL_H */
