/* nats_err.c: turns nats.c failures into bones result codes and messages.
 * Messages name the server by its redacted URL; nats.c itself never sees
 * credentials in a URL (nats_conn.c passes them through options), so its
 * error texts cannot leak them either. */
#include "config.h"

#include <string.h>

#include "nats_kv.h"

/* 1 when s means the server could not be reached or did not answer in time
 * (the outcome of a write that failed this way is unknown). */
int kvn_status_unavailable(natsStatus s) {
  switch (s) {
  case NATS_IO_ERROR:
  case NATS_CONNECTION_CLOSED:
  case NATS_NO_SERVER:
  case NATS_STALE_CONNECTION:
  case NATS_CONNECTION_DISCONNECTED:
  case NATS_INSUFFICIENT_BUFFER: /* publishing while reconnecting (buffer 0) */
  case NATS_TIMEOUT:
  case NATS_NOT_YET_CONNECTED:
  case NATS_MISSED_HEARTBEAT:
  case NATS_SSL_ERROR:
  case NATS_SECURE_CONNECTION_WANTED:
  case NATS_SECURE_CONNECTION_REQUIRED:
  case NATS_CONNECTION_AUTH_FAILED:
  case NATS_NO_RESPONDERS:
  case NATS_DRAINING:
    return 1;
  default:
    return 0;
  }
}

/* The text nats.c recorded for the last failure of this thread, without its
 * "(file.c:123): " source location; "" when there is none. */
static const char *last_error_text(void) {
  natsStatus ls = NATS_OK;
  const char *t = nats_GetLastError(&ls);
  if (t == NULL) return "";
  if (t[0] == '(') {
    const char *close = strstr(t, "): ");
    if (close) t = close + 3;
  }
  return t;
}

/* Maps a failure of `what` to a bones code and message; see nats_kv.h. */
int kvn_fail(const struct kvn_conn *c, natsStatus s, jsErrCode jerr, const char *what,
             struct bones_error *err) {
  const char *url = c ? c->url : "nats";
  int tmo = c ? c->timeout_ms : BONES_KV_DEFAULT_TIMEOUT_MS;
  const char *detail = last_error_text();
  if (s == NATS_OK) s = NATS_ERR;

  if (jerr == JSNotEnabledErr || jerr == JSNotEnabledForAccountErr || s == NATS_NO_RESPONDERS) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "%s: %s: the server has no JetStream", url, what);
    bones_error_hint(err, "start nats-server with -js (and -sd DIR for its store)");
    return BONES_E_UNAVAILABLE;
  }
  /* a cluster that cannot answer now (no metadata leader: a node cut off
   * from the others, an election; a stream whose node is down) */
  if (jerr == JSClusterNotAvailErr || jerr == JSClusterNotLeaderErr || jerr == JSClusterNoPeersErr ||
      jerr == JSStreamOfflineErr) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "%s: %s: the cluster cannot answer now (%s)", url, what,
                    *detail ? detail : "JetStream error");
    bones_error_hint(err, "is a node of %s cut off from the others, or the node that holds the bucket down? "
                          "(docs/multi-host.md)", url);
    return BONES_E_UNAVAILABLE;
  }
  if (s == NATS_MAX_PAYLOAD || jerr == JSStreamMessageExceedsMaximumErr)
    return bones_error_set(err, BONES_E_TOOLARGE, "%s: %s: value too large for the server (%s)", url, what,
                           *detail ? detail : natsStatus_GetText(s));
  if (s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "%s: %s: %s", url, what,
                    s == NATS_NOT_PERMITTED ? "not permitted by the server" : "authentication failed");
    bones_error_hint(err, "check BONES_NATS_CREDS, BONES_NATS_TOKEN or the URL's user:password");
    return BONES_E_UNAVAILABLE;
  }
  if (s == NATS_SSL_ERROR || s == NATS_SECURE_CONNECTION_WANTED || s == NATS_SECURE_CONNECTION_REQUIRED) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "%s: %s: TLS failed (%s)", url, what,
                    *detail ? detail : natsStatus_GetText(s));
    bones_error_hint(err, "add ?tls=yes to the URL; set BONES_NATS_CA to the CA file that signed the "
                          "server's certificate");
    return BONES_E_UNAVAILABLE;
  }
  if (s == NATS_TIMEOUT) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "%s: %s: no answer within %d ms", url, what, tmo);
    if (strchr(url, ','))
      bones_error_hint(err, "is the cluster at %s up?  A bucket with one replica answers only while the node "
                            "that holds it runs (docs/multi-host.md)", url);
    else
      bones_error_hint(err, "is nats-server running and responsive at %s?", url);
    return BONES_E_UNAVAILABLE;
  }
  if (s == NATS_INSUFFICIENT_BUFFER || s == NATS_CONNECTION_DISCONNECTED) {
    /* the link dropped; the library is reconnecting in the background */
    bones_error_set(err, BONES_E_UNAVAILABLE, "%s: %s: connection to the server lost", url, what);
    bones_error_hint(err, "is nats-server running at %s?", url);
    return BONES_E_UNAVAILABLE;
  }
  if (kvn_status_unavailable(s)) {
    bones_error_set(err, BONES_E_UNAVAILABLE, "%s: %s: server unreachable (%s)", url, what,
                    natsStatus_GetText(s));
    bones_error_hint(err, "is nats-server running at %s?", url);
    return BONES_E_UNAVAILABLE;
  }
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr || jerr == JSNoMessageFoundErr)
    return bones_error_set(err, BONES_E_NOTFOUND, "%s: %s: not found", url, what);
  if (s == NATS_NO_MEMORY) return bones_error_set(err, BONES_E_INTERNAL, "%s: %s: out of memory", url, what);
  if (jerr != 0)
    return bones_error_set(err, BONES_E_INTERNAL, "%s: %s: JetStream error %d (%s)", url, what, (int)jerr,
                           *detail ? detail : natsStatus_GetText(s));
  return bones_error_set(err, BONES_E_INTERNAL, "%s: %s: %s", url, what, *detail ? detail : natsStatus_GetText(s));
}

/* kvn_fail for a write: when the write may have reached the server without
 * our seeing the answer (timeout, link lost in flight), says so. */
int kvn_fail_write(const struct kvn_conn *c, natsStatus s, jsErrCode jerr, const char *what,
                   struct bones_error *err) {
  int rc = kvn_fail(c, s, jerr, what, err);
  if (rc == BONES_E_UNAVAILABLE && s == NATS_TIMEOUT) {
    bones_error_set(err, rc, "%s: %s: no answer within %d ms; the write may or may not have happened", c->url,
                    what, c->timeout_ms);
    bones_error_hint(err, "re-read the key before retrying");
  } else if (rc == BONES_E_UNAVAILABLE && s == NATS_CONNECTION_DISCONNECTED) {
    bones_error_set(err, rc, "%s: %s: the connection dropped before the server answered; the write may or may "
                    "not have happened", c->url, what);
    bones_error_hint(err, "re-read the key before retrying");
  }
  return rc;
}

/* kvn_fail for the handshake; see nats_kv.h. */
int kvn_fail_connect(const struct kvn_conn *c, natsStatus s, struct bones_error *err) {
  int rc = kvn_fail(c, s, 0, "connect", err);
  if (rc != BONES_E_INTERNAL || s == NATS_NO_MEMORY) return rc;
  const char *url = c ? c->url : "nats";
  const char *detail = last_error_text();
  bones_error_set(err, BONES_E_UNAVAILABLE, "%s: connect: the server broke off the handshake (%s)", url,
                  *detail ? detail : natsStatus_GetText(s));
  bones_error_hint(err, "something other than a working nats-server answers at %s; check the address", url);
  return BONES_E_UNAVAILABLE;
}
