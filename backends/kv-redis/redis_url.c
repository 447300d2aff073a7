/* redis_url.c: parses the URLs the kv-redis backend serves.
 *
 *   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?timeout=DUR&db=N]
 *   redis+unix:PATH[?db=N&timeout=DUR]
 *   redis+unix://[[USER]:PASSWORD@]/PATH[?...]
 *
 * HOST may be [IPv6].  PORT defaults to 6379, DB to 0.  Userinfo is
 * percent-decoded.  The password comes from the URL, else from
 * $BONES_REDIS_PASSWORD.  No message written here ever contains it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kv_redis_int.h"
#include "util.h"

/* Value of a hex digit, -1 when c is not one. */
static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes s[0..n) into a new malloc'd string (caller frees), or
 * NULL when an escape is malformed or decodes to NUL. */
static char *pct_decode(const char *s, size_t n) {
  char *out = bones_xmalloc(n + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '%') {
      out[o++] = s[i];
      continue;
    }
    int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
    int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
      free(out);
      return NULL;
    }
    out[o++] = (char)(hi * 16 + lo);
    i += 2;
  }
  out[o] = '\0';
  return out;
}

/* Parses a non-negative decimal int of at most max in s[0..n). */
static int parse_uint(const char *s, size_t n, long max, int *out) {
  if (n == 0 || n > 9) return -1;
  long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  if (v > max) return -1;
  *out = (int)v;
  return 0;
}

/* Splits userinfo ui[0..n) ("USER:PASS", ":PASS" or "USER") into u->user
 * and u->password. */
static int parse_userinfo(const char *ui, size_t n, struct kvr_url *u, struct bones_error *err) {
  const char *colon = memchr(ui, ':', n);
  size_t ulen = colon ? (size_t)(colon - ui) : n;
  if (ulen > 0) {
    u->user = pct_decode(ui, ulen);
    if (u->user == NULL)
      return bones_error_set(err, BONES_E_USAGE, "redis URL: malformed %%-escape in the user name");
  }
  if (colon) {
    u->password = pct_decode(colon + 1, n - ulen - 1);
    if (u->password == NULL)
      return bones_error_set(err, BONES_E_USAGE, "redis URL: malformed %%-escape in the password");
  }
  return BONES_OK;
}

/* Parses the query q[0..n) ("k=v&k=v"): db and timeout. */
static int parse_query(const char *q, size_t n, struct kvr_url *u, int *db_set,
                       struct bones_error *err) {
  while (n > 0) {
    size_t len = 0;
    while (len < n && q[len] != '&') len++;
    const char *eq = memchr(q, '=', len);
    if (len > 0) {
      if (eq == NULL)
        return bones_error_set(err, BONES_E_USAGE, "redis URL %s: query item '%.*s' has no '='", u->safe,
                               (int)len, q);
      size_t klen = (size_t)(eq - q);
      const char *v = eq + 1;
      size_t vlen = len - klen - 1;
      if (klen == 2 && memcmp(q, "db", 2) == 0) {
        if (*db_set)
          return bones_error_set(err, BONES_E_USAGE, "redis URL %s: database given twice", u->safe);
        if (parse_uint(v, vlen, 1000000, &u->db) != 0)
          return bones_error_set(err, BONES_E_USAGE, "redis URL %s: db=%.*s is not a database number",
                                 u->safe, (int)vlen, v);
        *db_set = 1;
      } else if (klen == 7 && memcmp(q, "timeout", 7) == 0) {
        char *s = bones_xstrndup(v, vlen);
        int64_t ms = 0;
        int rc = bones_parse_duration(s, &ms, err);
        free(s);
        if (rc != BONES_OK) return bones_error_prefix(err, "redis URL %s: timeout", u->safe);
        if (ms < 1 || ms > 3600000)
          return bones_error_set(err, BONES_E_USAGE, "redis URL %s: timeout must be between 1ms and 1h",
                                 u->safe);
        u->timeout_ms = (int)ms;
      } else {
        return bones_error_set(err, BONES_E_USAGE,
                               "redis URL %s: unknown option '%.*s' (known: db, timeout; put a password in "
                               "$BONES_REDIS_PASSWORD)",
                               u->safe, (int)klen, q);
      }
    }
    q += len;
    n -= len;
    if (n > 0) q++, n--;
  }
  return BONES_OK;
}

/* redis://authority[/db][?query]; rest points after "redis://". */
static int parse_tcp(const char *rest, struct kvr_url *u, struct bones_error *err) {
  size_t alen = strcspn(rest, "/?");
  const char *auth = rest;
  const char *at = NULL;
  for (size_t i = 0; i < alen; i++)
    if (auth[i] == '@') at = auth + i;
  const char *hp = at ? at + 1 : auth;
  size_t hplen = alen - (size_t)(hp - auth);
  const char *after = rest + alen;
  size_t plen = strcspn(after, "?");
  /* the printable URL: scheme, host:port and path, no userinfo, no query */
  u->safe = bones_xasprintf("redis://%.*s%.*s", (int)hplen, hp, (int)plen, after);
  if (at) {
    int rc = parse_userinfo(auth, (size_t)(at - auth), u, err);
    if (rc != BONES_OK) return rc;
  }
  /* host and port */
  const char *port = NULL;
  size_t hlen;
  if (hplen > 0 && hp[0] == '[') {
    const char *close = memchr(hp, ']', hplen);
    if (close == NULL)
      return bones_error_set(err, BONES_E_USAGE, "redis URL %s: unclosed '[' in the host", u->safe);
    u->host = bones_xstrndup(hp + 1, (size_t)(close - hp - 1));
    hlen = (size_t)(close - hp) + 1;
    if (hlen < hplen) {
      if (hp[hlen] != ':')
        return bones_error_set(err, BONES_E_USAGE, "redis URL %s: junk after ']'", u->safe);
      port = hp + hlen + 1;
    }
  } else {
    const char *colon = memchr(hp, ':', hplen);
    hlen = colon ? (size_t)(colon - hp) : hplen;
    u->host = bones_xstrndup(hp, hlen);
    if (colon) port = colon + 1;
  }
  if (u->host[0] == '\0')
    return bones_error_set(err, BONES_E_USAGE, "redis URL %s: no host (use redis://HOST:PORT/DB)", u->safe);
  u->port = 6379;
  if (port && parse_uint(port, (size_t)(hp + hplen - port), 65535, &u->port) != 0)
    return bones_error_set(err, BONES_E_USAGE, "redis URL %s: bad port", u->safe);
  if (u->port == 0) return bones_error_set(err, BONES_E_USAGE, "redis URL %s: port 0", u->safe);
  /* /db */
  int db_set = 0;
  if (plen > 1) {
    if (parse_uint(after + 1, plen - 1, 1000000, &u->db) != 0)
      return bones_error_set(err, BONES_E_USAGE, "redis URL %s: '%.*s' is not a database number", u->safe,
                             (int)(plen - 1), after + 1);
    db_set = 1;
  }
  const char *q = after + plen;
  return parse_query(*q == '?' ? q + 1 : q, *q == '?' ? strlen(q + 1) : 0, u, &db_set, err);
}

/* redis+unix:PATH or redis+unix://[userinfo@]/PATH; rest is after ':'. */
static int parse_unix(const char *rest, struct kvr_url *u, struct bones_error *err) {
  const char *path = rest;
  const char *ui = NULL;
  size_t uilen = 0;
  if (strncmp(rest, "//", 2) == 0) {
    const char *auth = rest + 2;
    size_t alen = strcspn(auth, "/?");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
      if (auth[i] == '@') at = auth + i;
    size_t hostlen = at ? alen - (size_t)(at + 1 - auth) : alen;
    const char *host = at ? at + 1 : auth;
    if (!(hostlen == 0 || (hostlen == 9 && memcmp(host, "localhost", 9) == 0)))
      return bones_error_set(err, BONES_E_USAGE,
                             "redis+unix URL: a unix socket has no host (use redis+unix:/path/to/sock)");
    if (at) ui = auth, uilen = (size_t)(at - auth);
    path = auth + alen;
  }
  size_t plen = strcspn(path, "?");
  u->is_unix = 1;
  u->path = bones_xstrndup(path, plen);
  u->safe = bones_xasprintf("redis+unix:%s", u->path);
  if (plen == 0)
    return bones_error_set(err, BONES_E_USAGE, "redis+unix URL: no socket path (use redis+unix:/path/to/sock)");
  if (ui) {
    int rc = parse_userinfo(ui, uilen, u, err);
    if (rc != BONES_OK) return rc;
  }
  const char *q = path + plen;
  int db_set = 0;
  return parse_query(*q == '?' ? q + 1 : q, *q == '?' ? strlen(q + 1) : 0, u, &db_set, err);
}

int kvr_url_parse(const char *url, struct kvr_url *u, struct bones_error *err) {
  memset(u, 0, sizeof *u);
  int rc;
  if (url == NULL) url = "";
  if (strncmp(url, "redis://", 8) == 0) {
    rc = parse_tcp(url + 8, u, err);
  } else if (strncmp(url, "redis+unix:", 11) == 0) {
    rc = parse_unix(url + 11, u, err);
  } else {
    /* never echo the whole URL: it may hold a password */
    return bones_error_set(err, BONES_E_USAGE,
                           "not a redis URL (use redis://HOST:PORT/DB or redis+unix:/path/to/sock)");
  }
  if (rc == BONES_OK && u->password == NULL) {
    const char *env = getenv("BONES_REDIS_PASSWORD");
    if (env && *env) u->password = bones_xstrdup(env);
  }
  if (rc != BONES_OK) kvr_url_free(u);
  return rc;
}

void kvr_url_free(struct kvr_url *u) {
  if (u == NULL) return;
  if (u->password) {
    volatile char *p = u->password;
    while (*p) *p++ = '\0';
  }
  free(u->host);
  free(u->path);
  free(u->user);
  free(u->password);
  free(u->safe);
  memset(u, 0, sizeof *u);
}
