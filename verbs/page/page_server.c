/* page_server.c: the hub's live page over HTTP on 127.0.0.1, with
 * libmicrohttpd: one thread per connection, the page's three files kept
 * in memory, pictures streamed as server-sent events (page.h). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "hub.h"
#include "hublog.h"
#include "page.h"
#include "server.h"
#include "substrate.h"
#include "util.h"
#include "workspace.h"

#define PAGE_ADDR "127.0.0.1"
#define PAGE_INTERVAL_MS 1000   /* a new picture at most this often */
#define PAGE_KEEPALIVE_MS 15000 /* an SSE comment when nothing changed */
#define PAGE_ASSET_MAX (1u << 20)
#define PAGE_BODY_MAX 512 /* the login form */

struct asset {
  const char *path, *file, *type;
  char *data;
  size_t len;
};

struct page_server {
  struct MHD_Daemon *daemon;
  struct page_feed feed;
  char token[BONES_PAGE_TOKEN_LEN + 1];
  char host_ip[32], host_name[32]; /* the Host values a request may carry */
  int port;
  struct asset assets[3];
};

static struct page_server *running; /* the one page of this hub process */

static const char *security_headers[][2] = {
    {"Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                                "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"Cache-Control", "no-store"},
    {"X-Frame-Options", "DENY"}};

static enum MHD_Result send_response(struct MHD_Connection *c, unsigned status, const char *type, const void *body,
                                     size_t len, const char *cookie) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (r == NULL) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", type);
  for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
    MHD_add_response_header(r, security_headers[i][0], security_headers[i][1]);
  if (cookie) MHD_add_response_header(r, "Set-Cookie", cookie);
  enum MHD_Result ok = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ok;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text) {
  return send_response(c, status, "text/plain; charset=utf-8", text, strlen(text), NULL);
}

static const char signed_out_page[] =
    "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>bones: sign in</title>"
    "<body><h1>bones live page</h1><p>This browser is not signed in. In the workspace, run "
    "<code>bones hub page</code> and open the file it names: it signs this browser in.</p></body></html>\n";

/* 1 when the request presents the page token (cookie, or an
 * "Authorization: Bearer" header for scripts). */
static int signed_in(struct page_server *s, struct MHD_Connection *c) {
  const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, BONES_PAGE_COOKIE);
  if (bones_page_token_equal(cookie, s->token)) return 1;
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  return auth && strncmp(auth, "Bearer ", 7) == 0 && bones_page_token_equal(auth + 7, s->token);
}

/* 1 when Host names this server by loopback address or name: a page of
 * another site resolved to 127.0.0.1 (DNS rebinding) gets nothing. */
static int host_ok(struct page_server *s, struct MHD_Connection *c) {
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
  return host && (strcmp(host, s->host_ip) == 0 || strcmp(host, s->host_name) == 0);
}

/* POST /login: token=HEX (the form of .bones/page-open.html). */
static enum MHD_Result login(struct page_server *s, struct MHD_Connection *c, const char *body) {
  const char *v = strncmp(body, "token=", 6) == 0 ? body + 6 : "";
  char given[BONES_PAGE_TOKEN_LEN + 1] = "";
  size_t n = strcspn(v, "&\r\n");
  if (n == BONES_PAGE_TOKEN_LEN) memcpy(given, v, n);
  if (!bones_page_token_equal(given, s->token))
    return send_response(c, MHD_HTTP_FORBIDDEN, "text/html; charset=utf-8", signed_out_page, sizeof signed_out_page - 1,
                         NULL);
  static const char welcome[] =
      "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0; url=/\">"
      "<title>bones: signed in</title><body><p>Signed in. <a href=\"/\">Open the live page</a>.</p></body></html>\n";
  char cookie[BONES_PAGE_TOKEN_LEN + 96];
  snprintf(cookie, sizeof cookie, BONES_PAGE_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict", s->token);
  return send_response(c, MHD_HTTP_OK, "text/html; charset=utf-8", welcome, sizeof welcome - 1, cookie);
}

/* One server-sent-events stream. */
struct stream {
  struct page_server *s;
  uint64_t seq;
  char *buf;
  size_t len, off;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max) {
  (void)pos;
  struct stream *st = cls;
  while (st->off >= st->len) {
    free(st->buf);
    st->buf = NULL;
    st->len = st->off = 0;
    int stopping = 0;
    char *pic = page_feed_next(&st->s->feed, &st->seq, PAGE_KEEPALIVE_MS, &stopping);
    if (stopping) return MHD_CONTENT_READER_END_OF_STREAM;
    st->buf = pic ? bones_xasprintf("event: view\nid: %llu\ndata: %s\n\n", (unsigned long long)st->seq, pic)
                  : bones_xstrdup(": keep-alive\n\n");
    free(pic);
    st->len = strlen(st->buf);
  }
  size_t n = st->len - st->off < max ? st->len - st->off : max;
  memcpy(out, st->buf + st->off, n);
  st->off += n;
  return (ssize_t)n;
}

static void stream_free(void *cls) {
  struct stream *st = cls;
  page_feed_leave(&st->s->feed);
  free(st->buf);
  free(st);
}

static enum MHD_Result events(struct page_server *s, struct MHD_Connection *c) {
  struct stream *st = bones_xcalloc(1, sizeof *st);
  st->s = s;
  page_feed_join(&s->feed);
  struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, st, stream_free);
  if (r == NULL) {
    stream_free(st);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
  for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
    MHD_add_response_header(r, security_headers[i][0], security_headers[i][1]);
  enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return ok;
}

/* GET /api/view: the newest picture (waits for the first one). */
static enum MHD_Result view(struct page_server *s, struct MHD_Connection *c) {
  uint64_t seq = 0;
  int stopping = 0;
  char *pic = page_feed_next(&s->feed, &seq, 10000, &stopping);
  if (pic == NULL) return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no picture of the swarm yet\n");
  enum MHD_Result ok = send_response(c, MHD_HTTP_OK, "application/json", pic, strlen(pic), NULL);
  free(pic);
  return ok;
}

struct request {
  char body[PAGE_BODY_MAX + 1];
  size_t len;
  int too_large;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state) {
  (void)version;
  struct page_server *s = cls;
  struct request *rq = *state;
  if (rq == NULL) { /* the headers: the body (if any) comes in the next calls */
    *state = bones_xcalloc(1, sizeof *rq);
    return MHD_YES;
  }
  if (*upload_size) {
    if (rq->len + *upload_size > PAGE_BODY_MAX) rq->too_large = 1;
    else memcpy(rq->body + rq->len, upload, *upload_size), rq->len += *upload_size;
    *upload_size = 0;
    return MHD_YES;
  }
  if (!host_ok(s, c)) return send_text(c, MHD_HTTP_MISDIRECTED_REQUEST, "this server answers 127.0.0.1 and localhost only\n");
  if (strcmp(url, "/healthz") == 0) return send_text(c, MHD_HTTP_OK, "ok\n");
  if (strcmp(url, "/login") == 0) {
    if (strcmp(method, "POST") != 0) return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "POST only\n");
    if (rq->too_large) return send_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "too large\n");
    rq->body[rq->len] = '\0';
    return login(s, c, rq->body);
  }
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
    return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
  if (!signed_in(s, c)) {
    if (strcmp(url, "/") == 0)
      return send_response(c, MHD_HTTP_UNAUTHORIZED, "text/html; charset=utf-8", signed_out_page,
                           sizeof signed_out_page - 1, NULL);
    return send_text(c, MHD_HTTP_UNAUTHORIZED, "not signed in: run `bones hub page`\n");
  }
  if (strcmp(url, "/events") == 0) return events(s, c);
  if (strcmp(url, "/api/view") == 0) return view(s, c);
  for (size_t i = 0; i < sizeof s->assets / sizeof s->assets[0]; i++)
    if (strcmp(url, s->assets[i].path) == 0)
      return send_response(c, MHD_HTTP_OK, s->assets[i].type, s->assets[i].data, s->assets[i].len, NULL);
  return send_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode why) {
  (void)cls, (void)c, (void)why;
  free(*state);
  *state = NULL;
}

static void server_free(struct page_server *s) {
  for (size_t i = 0; i < sizeof s->assets / sizeof s->assets[0]; i++) free(s->assets[i].data);
  explicit_bzero(s->token, sizeof s->token);
  free(s);
}

static int load_assets(struct page_server *s, struct bones_error *err) {
  static const struct asset files[3] = {{"/", "index.html", "text/html; charset=utf-8", NULL, 0},
                                        {"/app.js", "app.js", "text/javascript; charset=utf-8", NULL, 0},
                                        {"/style.css", "style.css", "text/css; charset=utf-8", NULL, 0}};
  const char *dir = bones_page_assets_dir();
  for (size_t i = 0; i < 3; i++) {
    s->assets[i] = files[i];
    char *path = bones_xasprintf("%s/%s", dir, files[i].file);
    int rc = bones_read_file(path, PAGE_ASSET_MAX, &s->assets[i].data, &s->assets[i].len, err);
    free(path);
    if (rc != BONES_OK) return rc;
  }
  return BONES_OK;
}

/* The port of the last page (hub-page-url), to keep the address a person
 * has open; 0 when none. */
static int last_port(const char *root) {
  char *path = bones_ws_path(root, BONES_PAGE_URL_FILE), *text = NULL;
  size_t len = 0;
  struct bones_error e;
  int port = 0;
  if (bones_read_file(path, 256, &text, &len, &e) == BONES_OK && strncmp(text, "http://" PAGE_ADDR ":", 17) == 0)
    port = atoi(text + 17);
  free(text);
  free(path);
  return port > 0 && port < 65536 ? port : 0;
}

static int page_start(const char *root, struct bones_error *err) {
  if (running) return BONES_OK;
  struct page_server *s = bones_xcalloc(1, sizeof *s);
  int rc = bones_page_token(root, 1, s->token, err);
  if (rc == BONES_OK) rc = load_assets(s, err);
  s->port = last_port(root);
  if (rc == BONES_OK && (s->port == 0 || !bones_port_free_at(PAGE_ADDR, s->port))) rc = bones_free_port(&s->port, err);
  bones_kv *kv = NULL;
  if (rc == BONES_OK) { /* opened here: the backend module loads in the main thread */
    char *spec = bones_workspace_config_substrate(root), *url = NULL;
    rc = bones_substrate_open(spec ? spec : "sqlite", root, NULL, &kv, &url, err);
    free(spec);
    free(url);
  }
  int64_t refresh = PAGE_FEED_REFRESH_MS, interval = PAGE_INTERVAL_MS;
  const char *every = getenv("BONES_PAGE_REFRESH"); /* tests: the longest time between pictures */
  if (rc == BONES_OK && every && *every) {
    rc = bones_parse_duration_in("BONES_PAGE_REFRESH", every, 100, 3600000, &refresh, err);
    interval = refresh;
  }
  if (rc == BONES_OK) rc = page_feed_start(&s->feed, root, kv, (int)interval, (int)refresh, err);
  else bones_kv_close(kv);
  if (rc != BONES_OK) {
    server_free(s);
    return rc;
  }
  snprintf(s->host_ip, sizeof s->host_ip, PAGE_ADDR ":%d", s->port);
  snprintf(s->host_name, sizeof s->host_name, "localhost:%d", s->port);
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t)s->port);
  inet_pton(AF_INET, PAGE_ADDR, &sin.sin_addr);
  sigset_t block, old; /* the connection threads leave the stop signals to the hub */
  sigemptyset(&block);
  sigaddset(&block, SIGTERM), sigaddset(&block, SIGINT), sigaddset(&block, SIGHUP), sigaddset(&block, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  s->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
                               (uint16_t)s->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
                               MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_LIMIT,
                               (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (s->daemon == NULL) {
    page_feed_stop(&s->feed);
    page_feed_free(&s->feed);
    rc = bones_error_set(err, BONES_E_UNAVAILABLE, "cannot serve the live page on " PAGE_ADDR ":%d", s->port);
    server_free(s);
    return rc;
  }
  char *path = bones_ws_path(root, BONES_PAGE_URL_FILE);
  char *line = bones_xasprintf("http://" PAGE_ADDR ":%d\n", s->port);
  rc = bones_write_file_atomic(path, line, strlen(line), 0600, err);
  free(line);
  free(path);
  running = s;
  if (rc != BONES_OK) return rc; /* serving, but nobody can find it: logged by the hub */
  bones_hublog(root, BONES_LOG_INFO, "lifecycle", "live page ready",
               json_pack("{s:s, s:i}", "addr", PAGE_ADDR, "port", s->port));
  return BONES_OK;
}

static void page_stop(const char *root) {
  (void)root;
  struct page_server *s = running;
  if (s == NULL) return;
  running = NULL;
  page_feed_stop(&s->feed);     /* streams end */
  MHD_stop_daemon(s->daemon);   /* every connection thread is gone */
  page_feed_free(&s->feed);
  server_free(s);
}

const struct bones_hub_service bones_page_service = {"page", page_start, page_stop};
