/* kvconf-watch.c: watch (when the backend has the cap) and unavailable
 * server cases (network backends); see kvconf.h. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvconf.h"
#include "util.h"

/* What a watch saw. */
struct events {
  int n, want;
  char key[4][64];
  char val[4][16];
  uint64_t rev[4];
  int deleted[4];
};

/* watch callback: records up to 4 events, stops after want. */
static int event_fn(void *arg, const char *key, const void *value, size_t len, uint64_t rev, int deleted) {
  struct events *e = arg;
  if (e->n < 4) {
    snprintf(e->key[e->n], sizeof e->key[0], "%s", key);
    snprintf(e->val[e->n], sizeof e->val[0], "%.*s", (int)(len < 15 ? len : 15), value ? (const char *)value : "");
    e->rev[e->n] = rev;
    e->deleted[e->n] = deleted;
  }
  e->n++;
  return e->n >= e->want;
}

void kvconf_watch(struct kvconf *c) {
  bones_kv_bucket *b = kvconf_bucket(c, "watch", 0, 0);
  struct bones_error err;
  struct events e = {.want = 2};
  if (!(c->be->caps & BONES_KV_CAP_WATCH)) {
    int rc = bones_kv_watch(b, "", 0, event_fn, &e, 100, &err);
    tap_rc(rc, BONES_E_UNSUPPORTED, &err, "watch without the watch cap is UNSUPPORTED");
    tap_skip("backend has no watch cap", "watch reports a put and a delete");
    tap_skip("backend has no watch cap", "watch reports a live change from another process");
    tap_skip("backend has no watch cap", "watch with nothing to report times out");
    kvconf_helper_release(c);
    bones_kv_bucket_close(b);
    return;
  }
  uint64_t r0 = 0, ra = 0, rs = 0;
  int rc = bones_kv_put(b, "w/x", "X", 1, &r0, &err);
  rc |= bones_kv_put(b, "w/a", "A", 1, &ra, &err);
  rc |= bones_kv_put(b, "v/other", "O", 1, NULL, &err);
  rc |= bones_kv_delete(b, "w/x", 0, &err);
  tap_ok(rc == BONES_OK, "watch fixture written");
  rc = bones_kv_watch(b, "w/", r0, event_fn, &e, 5000, &err);
  tap_ok(rc == BONES_OK && e.n == 2 && strcmp(e.key[0], "w/a") == 0 && strcmp(e.val[0], "A") == 0 &&
             e.rev[0] == ra && !e.deleted[0] && strcmp(e.key[1], "w/x") == 0 && e.deleted[1] && e.rev[1] > ra,
         "watch after a revision reports a put and a delete under the prefix, in order");
  for (int i = 0; i < e.n && i < 4; i++)
    tap_diag("event %d: %s '%s' rev %llu deleted %d", i, e.key[i], e.val[i], (unsigned long long)e.rev[i], e.deleted[i]);
  if (rc != BONES_OK) tap_diag("watch: %s: %s", bones_rc_name(rc), err.message);

  bones_kv_put(b, "w/sync", "S", 1, &rs, &err);
  e = (struct events){.want = 1};
  kvconf_helper_go(c, 1);
  rc = bones_kv_watch(b, "live/", rs, event_fn, &e, 10000, &err);
  tap_ok(rc == BONES_OK && e.n == 1 && strcmp(e.key[0], "live/1") == 0 && strcmp(e.val[0], "hello") == 0 &&
             e.rev[0] > rs && !e.deleted[0],
         "watch reports a live change made by another process");
  if (rc != BONES_OK || e.n != 1) tap_diag("got %s with %d events: %s", bones_rc_name(rc), e.n, err.message);
  int status = 0;
  if (c->helper_pid > 0) waitpid(c->helper_pid, &status, 0);
  c->helper_pid = 0;
  tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the watch helper process wrote its key");

  e = (struct events){.want = 1};
  int64_t t = bones_monotonic_ms();
  rc = bones_kv_watch(b, "none/", rs, event_fn, &e, 300, &err);
  t = bones_monotonic_ms() - t;
  tap_ok(rc == BONES_E_TIMEOUT && e.n == 0 && t >= 250 && t < 3000, "watch with nothing to report times out");
  if (rc != BONES_E_TIMEOUT || e.n || t < 250 || t >= 3000)
    tap_diag("got %s, %d events after %lld ms, want timeout after ~300 ms", bones_rc_name(rc), e.n, (long long)t);
  bones_kv_bucket_close(b);
}

/* url with host:port replaced by 127.0.0.1:port (NULL if not host-based). */
static char *url_with_port(const char *url, int port) {
  const char *p = strstr(url, "://");
  if (p == NULL) return NULL;
  const char *rest = p + 3 + strcspn(p + 3, "/?");
  const char *path = *rest == '/' ? rest : "";
  size_t plen = strcspn(path, "?");
  return bones_xasprintf("%.*s127.0.0.1:%d%.*s", (int)(p + 3 - url), url, port, (int)plen, path);
}

/* Opens url with a 1 s timeout, pings; checks UNAVAILABLE and no hang (10 s:
 * a bound against a hang, not a speed test). */
static void check_dead(const char *url, const char *what) {
  struct bones_kv_options opts = {1000};
  struct bones_error err;
  bones_kv *kv = NULL;
  int64_t t = bones_monotonic_ms();
  int rc = bones_kv_open(url, &opts, &kv, &err);
  if (rc == BONES_OK) rc = bones_kv_ping(kv, &err);
  t = bones_monotonic_ms() - t;
  bones_kv_close(kv);
  tap_rc(rc, BONES_E_UNAVAILABLE, &err, "%s is UNAVAILABLE", what);
  tap_ok(t < 10000, "%s fails within the timeout (1 s, took %lld ms, bound 10 s)", what, (long long)t);
}

void kvconf_unavailable(struct kvconf *c) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  socklen_t len = sizeof sa;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char *dead = NULL;
  if (!(c->be->caps & BONES_KV_CAP_NETWORK) || s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 ||
      listen(s, 8) != 0 || getsockname(s, (struct sockaddr *)&sa, &len) != 0 ||
      (dead = url_with_port(c->url, ntohs(sa.sin_port))) == NULL) {
    const char *why = (c->be->caps & BONES_KV_CAP_NETWORK) ? "cannot make a dead server" : "embedded backend";
    tap_skip(why, "a server that accepts but never answers is UNAVAILABLE");
    tap_skip(why, "a server that accepts but never answers fails within the timeout");
    tap_skip(why, "a closed port is UNAVAILABLE");
    tap_skip(why, "a closed port fails within the timeout");
    if (s >= 0) close(s);
    return;
  }
  /* a listener that never answers: the client must time out, not hang */
  check_dead(dead, "a server that accepts but never answers");
  close(s);
  /* the same port, now closed: connection refused */
  check_dead(dead, "a closed port");
  free(dead);
}
