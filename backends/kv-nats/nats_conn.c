/* nats_conn.c: the URL, the credentials and the connection of kv-nats.
 *
 * URL: nats://[user:password@|token@]host[:port][,host[:port]...][/][?opts]
 * with opts timeout=DURATION (overrides the caller's timeout), tls=yes|no
 * and replicas=N (1-5: the replicas of a bucket bones creates; more than 1
 * needs a cluster and nats-server >= 2.9.21, see nats_version.c);
 * $BONES_NATS_CA names a CA file to verify a TLS server with.  Credentials, first found wins: the URL's user info, then
 * $BONES_NATS_CREDS (a .creds file), then $BONES_NATS_TOKEN.  nats.c gets
 * them through options only, so no credential ever appears in a URL it
 * could echo, and our messages use the address without them.
 *
 * Reconnection: the library may reconnect in the background (long-lived
 * processes survive a server restart), but with a reconnect buffer of 0 and
 * FailRequestsOnDisconnect nothing waits on a dead server: a write while
 * disconnected fails at once (never replayed later), a request in flight
 * fails when the link drops, and anything else ends with the timeout.
 * With a seed list of several servers (a cluster) an operation first waits,
 * within its timeout, while the library moves to another node
 * (kvn_await_link), and a read that failed because its node dropped is
 * asked once more; a write in flight when the link dropped still fails
 * (its outcome is unknown: the caller re-reads).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nats_kv.h"

#define CONNECT_ATTEMPTS 8 /* handshakes the server broke off, tried again */
#include "util.h"

/* Library reference count: nats_Close only after the last connection. */
static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;
static int lib_refs;

/* Counts one more user of the library (its first use opens it). */
static void lib_retain(void) {
  pthread_mutex_lock(&lib_lock);
  lib_refs++;
  pthread_mutex_unlock(&lib_lock);
}

/* Drops one user; the last one tears the library down and waits for its
 * threads, so the module can be unloaded and valgrind sees no thread. */
static void lib_release(void) {
  pthread_mutex_lock(&lib_lock);
  if (--lib_refs == 0) nats_CloseAndWait(5000);
  pthread_mutex_unlock(&lib_lock);
}

/* What a URL says. */
struct kvn_url {
  char **servers;  /* "nats://host:port" or "tls://host:port", no credentials */
  int nservers;
  char *user, *pass, *token; /* percent-decoded, NULL when absent */
  int timeout_ms;  /* 0: not given */
  int tls;
  int replicas;    /* 0: not given (1) */
  char *redacted;  /* "nats://host:port[,...]" */
};

/* Frees what parse_url filled (wiping the secrets first). */
static void url_free(struct kvn_url *u) {
  for (int i = 0; i < u->nservers; i++) free(u->servers[i]);
  free(u->servers);
  char *secrets[] = {u->pass, u->token};
  for (size_t i = 0; i < 2; i++)
    if (secrets[i]) memset(secrets[i], 0, strlen(secrets[i]));
  free(u->user);
  free(u->pass);
  free(u->token);
  free(u->redacted);
  memset(u, 0, sizeof *u);
}

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Percent-decodes n bytes of s into a malloc'd string (caller frees); NULL
 * for a bad escape or an encoded NUL. */
static char *pct_decode(const char *s, size_t n) {
  char *out = bones_xmalloc(n + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
      int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
        free(out);
        return NULL;
      }
      out[o++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = '\0';
  return out;
}

/* Parses one "key=value" of the query into u. */
static int parse_option(const char *opt, size_t n, struct kvn_url *u, struct bones_error *err) {
  const char *eq = memchr(opt, '=', n);
  if (eq == NULL)
    return bones_error_set(err, BONES_E_USAGE,
                           "nats URL option '%.*s' has no value (use timeout=2s, tls=yes or replicas=3)",
                           (int)n, opt);
  size_t kl = (size_t)(eq - opt);
  char *val = bones_xstrndup(eq + 1, n - kl - 1);
  int rc = BONES_OK;
  if (kl == 7 && strncmp(opt, "timeout", 7) == 0) {
    int64_t ms = 0;
    rc = bones_parse_duration(val, &ms, err);
    if (rc != BONES_OK) bones_error_prefix(err, "nats URL option timeout");
    if (rc == BONES_OK && (ms <= 0 || ms > 3600000))
      rc = bones_error_set(err, BONES_E_USAGE, "nats URL timeout=%s: must be between 1ms and 1h", val);
    if (rc == BONES_OK) u->timeout_ms = (int)ms;
  } else if (kl == 3 && strncmp(opt, "tls", 3) == 0) {
    if (!strcmp(val, "yes") || !strcmp(val, "1") || !strcmp(val, "true"))
      u->tls = 1;
    else if (!strcmp(val, "no") || !strcmp(val, "0") || !strcmp(val, "false"))
      u->tls = 0;
    else
      rc = bones_error_set(err, BONES_E_USAGE, "nats URL tls=%s: use yes or no", val);
  } else if (kl == 8 && strncmp(opt, "replicas", 8) == 0) {
    if (strlen(val) == 1 && val[0] >= '1' && val[0] <= '5')
      u->replicas = val[0] - '0';
    else
      rc = bones_error_set(err, BONES_E_USAGE, "nats URL replicas=%s: use a number from 1 to 5", val);
  } else {
    rc = bones_error_set(err, BONES_E_USAGE, "unknown nats URL option '%.*s' (known: timeout, tls, replicas)",
                         (int)kl, opt);
  }
  free(val);
  return rc;
}

/* Checks one "host[:port]" (or "[v6][:port]") of length n: a port, when
 * given, is 1..65535 in digits. */
static int check_host_port(const char *p, size_t n, const char *shown, struct bones_error *err) {
  const char *end = p + n;
  const char *host_end = end;
  if (*p == '[') {
    host_end = memchr(p, ']', n);
    if (host_end == NULL) return bones_error_set(err, BONES_E_USAGE, "%s: unclosed [ in a server address", shown);
    host_end++;
  } else {
    const char *colon = memchr(p, ':', n);
    if (colon) host_end = colon;
  }
  if (host_end == p) return bones_error_set(err, BONES_E_USAGE, "%s: a server has no host", shown);
  if (host_end == end) return BONES_OK; /* default port */
  if (*host_end != ':') return bones_error_set(err, BONES_E_USAGE, "%s: junk after a server address", shown);
  const char *port = host_end + 1;
  size_t plen = (size_t)(end - port);
  long v = 0;
  if (plen == 0 || plen > 5) v = -1;
  for (size_t i = 0; v >= 0 && i < plen; i++) v = (port[i] >= '0' && port[i] <= '9') ? v * 10 + (port[i] - '0') : -1;
  if (v < 1 || v > 65535)
    return bones_error_set(err, BONES_E_USAGE, "%s: '%.*s' is not a port (1-65535)", shown, (int)plen, port);
  return BONES_OK;
}

/* Splits url into u (see the top of this file).  BONES_E_USAGE, naming the
 * URL without its user info, when it does not parse. */
static int parse_url(const char *url, struct kvn_url *u, struct bones_error *err) {
  memset(u, 0, sizeof *u);
  if (strncmp(url, "nats://", 7) != 0) {
    /* name only the scheme: the rest may hold credentials */
    bones_error_set(err, BONES_E_USAGE, "the nats substrate needs a URL nats://HOST:PORT, not '%.*s%s'",
                    (int)strcspn(url, ":"), url, strchr(url, ':') ? ":..." : "");
    bones_error_hint(err, "a bare 'nats' means the managed server: run `bones hub start` to get its URL");
    return BONES_E_USAGE;
  }
  const char *auth = url + 7;
  size_t alen = strcspn(auth, "/?");
  const char *rest = auth + alen;
  /* the user info ends at the last '@' of the authority */
  const char *at = NULL;
  for (const char *p = auth; p < rest; p++)
    if (*p == '@') at = p;
  const char *hosts = at ? at + 1 : auth;
  size_t hlen = (size_t)(rest - hosts);
  if (hlen == 0 || hosts[0] == ',' || hosts[hlen - 1] == ',' || memchr(hosts, ' ', hlen)) {
    return bones_error_set(err, BONES_E_USAGE, "nats URL nats://%.*s has no valid host (use nats://HOST:PORT)",
                           (int)hlen, hosts);
  }
  u->redacted = bones_xasprintf("nats://%.*s", (int)hlen, hosts);
  if (at) {
    size_t ulen = (size_t)(at - auth);
    const char *colon = memchr(auth, ':', ulen);
    if (colon) {
      u->user = pct_decode(auth, (size_t)(colon - auth));
      u->pass = pct_decode(colon + 1, ulen - (size_t)(colon - auth) - 1);
    } else {
      u->token = pct_decode(auth, ulen);
    }
    if ((colon && (u->user == NULL || u->pass == NULL)) || (!colon && u->token == NULL) ||
        (u->user && !*u->user)) {
      return bones_error_set(err, BONES_E_USAGE,
                             "%s: the URL's user info does not parse (percent-encode ':' '@' '%%')", u->redacted);
    }
  }
  if (*rest == '/') rest++;
  if (*rest != '\0' && *rest != '?')
    return bones_error_set(err, BONES_E_USAGE, "%s: a nats URL has no path ('/%.*s')", u->redacted,
                           (int)strcspn(rest, "?"), rest);
  if (*rest == '?') {
    const char *q = rest + 1;
    while (*q) {
      size_t n = strcspn(q, "&");
      if (n > 0) {
        int rc = parse_option(q, n, u, err);
        if (rc != BONES_OK) return rc;
      }
      q += n;
      if (*q == '&') q++;
    }
  }
  /* the servers, each with the scheme nats.c wants */
  const char *scheme = u->tls ? "tls://" : "nats://";
  for (const char *p = hosts; p < hosts + hlen;) {
    size_t n = strcspn(p, ",");
    if (p + n > hosts + hlen) n = (size_t)(hosts + hlen - p);
    if (n == 0) return bones_error_set(err, BONES_E_USAGE, "%s: empty server in the list", u->redacted);
    int rc = check_host_port(p, n, u->redacted, err);
    if (rc != BONES_OK) return rc;
    u->servers = bones_xrealloc(u->servers, (size_t)(u->nservers + 1) * sizeof *u->servers);
    u->servers[u->nservers++] = bones_xasprintf("%s%.*s", scheme, (int)n, p);
    p += n;
    if (p < hosts + hlen && *p == ',') p++;
  }
  return BONES_OK;
}

/* Applies the credentials (URL user info, $BONES_NATS_CREDS, then
 * $BONES_NATS_TOKEN) to o. */
static int set_credentials(natsOptions *o, const struct kvn_url *u, struct bones_error *err) {
  natsStatus s = NATS_OK;
  const char *creds = getenv("BONES_NATS_CREDS");
  const char *token = getenv("BONES_NATS_TOKEN");
  if (u->user) {
    s = natsOptions_SetUserInfo(o, u->user, u->pass);
  } else if (u->token) {
    s = natsOptions_SetToken(o, u->token);
  } else if (creds && *creds) {
    if (!bones_path_is_file(creds)) {
      bones_error_set(err, BONES_E_USAGE, "BONES_NATS_CREDS names '%s', which is not a readable file", creds);
      bones_error_hint(err, "point it at the .creds file of your NATS user, or unset it");
      return BONES_E_USAGE;
    }
    s = natsOptions_SetUserCredentialsFromFiles(o, creds, NULL);
  } else if (token && *token) {
    s = natsOptions_SetToken(o, token);
  }
  if (s != NATS_OK)
    return bones_error_set(err, BONES_E_USAGE, "%s: credentials refused by the client library (%s)", u->redacted,
                           natsStatus_GetText(s));
  return BONES_OK;
}

/* Fills o for u with the timeouts and reconnect policy described on top. */
static natsStatus set_options(natsOptions *o, const struct kvn_url *u, int timeout_ms) {
  natsStatus s = natsOptions_SetServers(o, (const char **)u->servers, u->nservers);
  if (s == NATS_OK) s = natsOptions_SetNoRandomize(o, true);
  if (s == NATS_OK) s = natsOptions_SetName(o, "bones");
  if (s == NATS_OK) s = natsOptions_SetTimeout(o, timeout_ms);
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(o, true);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, 1000);
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(o, 0);
  if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(o, true);
  if (s == NATS_OK && u->tls) s = natsOptions_SetSecure(o, true);
  return s;
}

/* Connects to url; see nats_kv.h. */
int kvn_connect(const char *url, const struct bones_kv_options *opts, struct kvn_conn **out,
                struct bones_error *err) {
  *out = NULL;
  struct kvn_url u;
  int rc = parse_url(url, &u, err);
  if (rc != BONES_OK) {
    url_free(&u);
    return rc;
  }
  struct kvn_conn *c = bones_xcalloc(1, sizeof *c);
  c->url = bones_xstrdup(u.redacted);
  c->replicas = u.replicas > 0 ? u.replicas : 1;
  c->nservers = u.nservers;
  c->timeout_ms = u.timeout_ms > 0 ? u.timeout_ms
                  : (opts && opts->timeout_ms > 0 ? opts->timeout_ms : BONES_KV_DEFAULT_TIMEOUT_MS);
  lib_retain();
  natsStatus s = natsOptions_Create(&c->opts);
  if (s != NATS_OK) {
    rc = bones_error_set(err, BONES_E_INTERNAL, "%s: cannot start the NATS client library (%s)", c->url,
                         natsStatus_GetText(s));
    goto fail;
  }
  rc = set_credentials(c->opts, &u, err);
  if (rc != BONES_OK) goto fail;
  s = set_options(c->opts, &u, c->timeout_ms);
  if (s != NATS_OK) {
    rc = bones_error_set(err, BONES_E_USAGE, "%s: bad connection options (%s)", c->url, natsStatus_GetText(s));
    goto fail;
  }
  /* the CA also serves when a server that requires TLS upgrades us */
  const char *ca = getenv("BONES_NATS_CA");
  if (ca && *ca && (s = natsOptions_LoadCATrustedCertificates(c->opts, ca)) != NATS_OK) {
    rc = bones_error_set(err, BONES_E_USAGE, "BONES_NATS_CA=%s: cannot load the CA certificates (%s)", ca,
                         natsStatus_GetText(s));
    goto fail;
  }
  /* a handshake the server broke off (it closed a client that was slow to
   * send CONNECT on a loaded machine: 200 processes connecting at once on
   * 2 cores do that) is tried again while the timeout lasts, at most
   * CONNECT_ATTEMPTS times, pausing 50, 100, 200, 400 ms... (with jitter,
   * so the clients it closed together do not come back together); a
   * refused connection or bad credentials are final at once */
  int64_t deadline = bones_monotonic_ms() + c->timeout_ms;
  for (int attempt = 1;; attempt++) {
    s = natsConnection_Connect(&c->nc, c->opts);
    if (s == NATS_OK) break;
    int64_t pause = (50LL << (attempt < 5 ? attempt - 1 : 4)) + (int64_t)(nats_NowInNanoSeconds() % 50);
    int retry = (s == NATS_PROTOCOL_ERROR || s == NATS_CONNECTION_CLOSED || s == NATS_ERR) &&
                attempt < CONNECT_ATTEMPTS && bones_monotonic_ms() + pause + 100 < deadline;
    if (!retry) {
      rc = kvn_fail_connect(c, s, err);
      goto fail;
    }
    natsConnection_Destroy(c->nc);
    c->nc = NULL;
    nats_Sleep(pause);
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = c->timeout_ms;
  s = natsConnection_JetStream(&c->js, c->nc, &jo);
  if (s != NATS_OK) {
    rc = kvn_fail(c, s, 0, "JetStream context", err);
    goto fail;
  }
  url_free(&u);
  *out = c;
  return BONES_OK;
fail:
  url_free(&u);
  kvn_disconnect(c);
  return rc;
}

/* Closes the connection and frees c; see nats_kv.h. */
void kvn_disconnect(struct kvn_conn *c) {
  if (c == NULL) return;
  jsCtx_Destroy(c->js);
  if (c->nc) {
    natsConnection_Close(c->nc);
    natsConnection_Destroy(c->nc);
  }
  natsOptions_Destroy(c->opts);
  free(c->url);
  free(c);
  lib_release();
}

/* PING/PONG within the timeout (at once UNAVAILABLE when the link is
 * down); see nats_kv.h. */
int kvn_ping(struct kvn_conn *c, struct bones_error *err) {
  /* while the library reconnects, say so at once instead of waiting */
  if (natsConnection_Status(c->nc) != NATS_CONN_STATUS_CONNECTED)
    return kvn_fail(c, NATS_CONNECTION_DISCONNECTED, 0, "ping", err);
  natsStatus s = natsConnection_FlushTimeout(c->nc, c->timeout_ms);
  if (s == NATS_OK) return BONES_OK;
  return kvn_fail(c, s, 0, "ping", err);
}

int kvn_await_link(const struct kvn_conn *c, int64_t deadline) {
  if (c->nservers < 2) return natsConnection_Status(c->nc) == NATS_CONN_STATUS_CONNECTED;
  natsConnStatus st = natsConnection_Status(c->nc);
  while (st != NATS_CONN_STATUS_CONNECTED && st != NATS_CONN_STATUS_CLOSED && bones_monotonic_ms() < deadline) {
    nats_Sleep(5);
    st = natsConnection_Status(c->nc);
  }
  return st == NATS_CONN_STATUS_CONNECTED;
}

int kvn_link_lost(natsStatus s) {
  return s == NATS_CONNECTION_DISCONNECTED || s == NATS_INSUFFICIENT_BUFFER || s == NATS_STALE_CONNECTION ||
         s == NATS_IO_ERROR;
}

int kvn_url_check(const char *url, char **redacted, struct bones_error *err) {
  struct kvn_url u;
  int rc = parse_url(url, &u, err);
  if (redacted) *redacted = rc == BONES_OK && u.redacted ? bones_xstrdup(u.redacted) : NULL;
  url_free(&u);
  return rc;
}
