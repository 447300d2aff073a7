/* nats_version.c: may this nats-server hold a replicated (R>1) bucket?
 *
 * nats-server before 2.9.21 checks a clustered stream's expected last
 * subject sequence before the Raft proposal (nats-server issue 4320, fixed
 * by PR 4319): concurrent CAS writes to one key of a replicated stream can
 * all succeed, so a replicated bucket on such a server can hand one task to
 * two claimers.  bones never creates or opens a replicated bucket there.
 *
 * nats.c 3.4 does not expose the server's version, so this reads it from the
 * INFO line every nats-server sends first on a new TCP connection (in clear
 * even when TLS follows, up to 2.10's handshake-first mode, which a 2.9
 * server has not).  The connected server is asked, then every peer its INFO
 * lists in connect_urls: one old node in a cluster is enough to refuse.
 * Only called when a bucket with more than one replica is about to be made
 * or opened: never on the path of an R1 bucket.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "nats_kv.h"
#include "util.h"

#define INFO_MAX 16384

/* Connects to host:port within the time left before deadline; -1 on
 * failure. */
static int dial(const char *host, const char *port, int64_t deadline) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
  int fd = -1;
  for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    int ok = 0;
    if (errno == EINPROGRESS) {
      int64_t left = deadline - bones_monotonic_ms();
      struct pollfd p = {fd, POLLOUT, 0};
      int soerr = 0;
      socklen_t sl = sizeof soerr;
      ok = left > 0 && poll(&p, 1, (int)left) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
           soerr == 0;
    }
    if (!ok) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  return fd;
}

/* Reads the server's first line ("INFO {...}\r\n") from host:port and
 * returns its JSON (caller json_decref's) or NULL. */
static json_t *read_info(const char *host, const char *port, int64_t deadline) {
  int fd = dial(host, port, deadline);
  if (fd < 0) return NULL;
  char *buf = bones_xmalloc(INFO_MAX + 1);
  size_t n = 0;
  json_t *info = NULL;
  while (n < INFO_MAX) {
    int64_t left = deadline - bones_monotonic_ms();
    struct pollfd p = {fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, (int)left) != 1) break;
    ssize_t r = read(fd, buf + n, INFO_MAX - n);
    if (r <= 0) break;
    n += (size_t)r;
    buf[n] = '\0';
    char *nl = strstr(buf, "\r\n");
    if (nl == NULL) continue;
    *nl = '\0';
    if (strncmp(buf, "INFO ", 5) == 0) info = json_loads(buf + 5, 0, NULL);
    break;
  }
  free(buf);
  close(fd);
  return info;
}

/* Splits "nats://host:port", "host:port" or "[v6]:port" into host and port
 * (malloc'd; 0 on success). */
static int split_hostport(const char *url, char **host, char **port) {
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  const char *at = strrchr(p, '@');
  if (at) p = at + 1;
  size_t len = strcspn(p, "/?");
  const char *colon = NULL;
  const char *hs = p, *he;
  if (*p == '[') {
    const char *close = memchr(p, ']', len);
    if (close == NULL) return -1;
    hs = p + 1;
    he = close;
    if (close + 1 < p + len && close[1] == ':') colon = close + 1;
  } else {
    for (const char *q = p; q < p + len; q++)
      if (*q == ':') colon = q;
    he = colon ? colon : p + len;
  }
  if (he == hs) return -1;
  *host = bones_xstrndup(hs, (size_t)(he - hs));
  *port = colon ? bones_xstrndup(colon + 1, (size_t)(p + len - colon - 1)) : bones_xstrdup("4222");
  return 0;
}

/* See nats_kv.h. */
int kvn_version_safe(const char *v) {
  int a = 0, b = 0, c = 0;
  if (v == NULL || sscanf(v, "%d.%d.%d", &a, &b, &c) != 3) return 0;
  if (a != 2) return a > 2;
  if (b != 9) return b > 9;
  return c >= 21;
}

/* See nats_kv.h. */
char *kvn_info_version(const char *url, int timeout_ms, char ***peers, size_t *npeers) {
  char *host = NULL, *port = NULL;
  if (peers) *peers = NULL;
  if (npeers) *npeers = 0;
  if (split_hostport(url, &host, &port) != 0) return NULL;
  json_t *info = read_info(host, port, bones_monotonic_ms() + timeout_ms);
  free(host);
  free(port);
  if (info == NULL) return NULL;
  const char *v = json_string_value(json_object_get(info, "version"));
  char *out = bones_xstrdup(v ? v : "");
  json_t *cu = json_object_get(info, "connect_urls");
  size_t i;
  json_t *p;
  json_array_foreach(cu, i, p) {
    if (!peers || !json_is_string(p)) continue;
    *peers = bones_xrealloc(*peers, (*npeers + 1) * sizeof **peers);
    (*peers)[(*npeers)++] = bones_xstrdup(json_string_value(p));
  }
  json_decref(info);
  return out;
}

/* Asks one server; BONES_OK when it answered with a safe version (or did
 * not answer: an unreachable peer cannot take part), BONES_E_UNSUPPORTED
 * with err filled otherwise.  Its announced peers are appended to
 * peers (npeers counts them). */
static int check_one(const struct kvn_conn *c, const char *url, const char *bucket, int replicas, int64_t deadline,
                     int *answered, char ***peers, size_t *npeers, struct bones_error *err) {
  int64_t left = deadline - bones_monotonic_ms();
  char **more = NULL;
  size_t nmore = 0;
  char *v = left > 0 ? kvn_info_version(url, (int)left, &more, &nmore) : NULL;
  if (v == NULL) return BONES_OK;
  (*answered)++;
  int rc = BONES_OK;
  if (!kvn_version_safe(v)) {
    rc = bones_error_set(err, BONES_E_UNSUPPORTED,
                         "%s: bucket %s wants %d replicas, but nats-server %s (at %s) can let two concurrent "
                         "compare-and-set writes of one key both succeed on a replicated stream "
                         "(nats-server issue 4320, fixed in 2.9.21): bones refuses to run a bucket there that "
                         "could hand one task to two claimers",
                         c->url, bucket, replicas, *v ? v : "(unknown version)", url);
    bones_error_hint(err, "use nats-server 2.9.21 or newer on every node, or replicas=1 "
                          "(each bucket then lives on one node: see docs/multi-host.md)");
  }
  free(v);
  for (size_t i = 0; i < nmore; i++) {
    if (peers) {
      *peers = bones_xrealloc(*peers, (*npeers + 1) * sizeof **peers);
      (*peers)[(*npeers)++] = more[i];
    } else {
      free(more[i]);
    }
  }
  free(more);
  return rc;
}

/* See nats_kv.h. */
int kvn_check_replicas(const struct kvn_conn *c, const char *bucket, int replicas, struct bones_error *err) {
  if (replicas <= 1) return BONES_OK;
  char url[512] = "";
  if (natsConnection_GetConnectedUrl(c->nc, url, sizeof url) != NATS_OK || url[0] == '\0')
    return bones_error_set(err, BONES_E_UNAVAILABLE, "%s: not connected: cannot check the server's version", c->url);
  int64_t deadline = bones_monotonic_ms() + c->timeout_ms;
  int answered = 0;
  char **peers = NULL;
  size_t npeers = 0;
  int rc = check_one(c, url, bucket, replicas, deadline, &answered, &peers, &npeers, err);
  for (size_t i = 0; i < npeers; i++) {
    if (rc == BONES_OK) rc = check_one(c, peers[i], bucket, replicas, deadline, &answered, NULL, NULL, err);
    free(peers[i]);
  }
  free(peers);
  if (rc == BONES_OK && answered == 0)
    rc = bones_error_set(err, BONES_E_UNAVAILABLE,
                         "%s: bucket %s wants %d replicas: cannot read the server's version (no INFO from %s "
                         "within %d ms), so cannot tell whether its replicated compare-and-set is safe",
                         c->url, bucket, replicas, url, c->timeout_ms);
  return rc;
}
