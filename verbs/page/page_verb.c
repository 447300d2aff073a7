/* page_verb.c: `bones hub page`: where the hub's live page is, and a
 * private file that signs a browser in (page.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hub.h"
#include "page.h"
#include "registry.h"
#include "util.h"
#include "workspace.h"

#define PAGE_WAIT_MS 10000 /* for a hub just started to serve its page */

/* The URL the running hub's page answers at, or NULL after PAGE_WAIT_MS. */
static char *wait_page_url(const char *root) {
  char *path = bones_ws_path(root, BONES_PAGE_URL_FILE);
  char *url = NULL;
  int64_t deadline = bones_monotonic_ms() + PAGE_WAIT_MS;
  for (;;) {
    char *text = NULL;
    size_t len = 0;
    struct bones_error e;
    if (bones_read_file(path, 256, &text, &len, &e) == BONES_OK) {
      text[strcspn(text, "\r\n")] = '\0';
      if (bones_http_answers(text, 500)) {
        url = text;
        break;
      }
      free(text);
    }
    if (bones_monotonic_ms() >= deadline) break;
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
  }
  free(path);
  return url;
}

/* file:// URL of an absolute path, bytes outside [A-Za-z0-9/._~-] as %XX. */
static char *file_url(const char *path) {
  static const char hex[] = "0123456789ABCDEF";
  char *out = bones_xcalloc(strlen(path) * 3 + 8, 1), *o = out;
  memcpy(o, "file://", 7), o += 7;
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/._~-", *p)) {
      *o++ = (char)*p;
    } else {
      *o++ = '%', *o++ = hex[*p >> 4], *o++ = hex[*p & 15];
    }
  }
  return out;
}

int bones_page_verb_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (argc > 1) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[1]);
  const char *root = bones_ctx_workspace(ctx);
  struct bones_error err;
  if (bones_workspace_refuse_remote(root, "`bones hub page`", &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
#ifndef HAVE_MICROHTTPD
  bones_error_set(&err, BONES_E_UNSUPPORTED, "this bones was built without libmicrohttpd: its hub serves no live page");
  bones_error_hint(&err, "install libmicrohttpd-dev, run ./configure and make again; `bones top` shows the same picture");
  return bones_ctx_fail(ctx, &err);
#else
  struct bones_hub_status st;
  bones_hub_status(root, &st, &err);
  int was_running = st.running;
  bones_hub_status_clear(&st);
  if (!was_running && bones_hub_ensure(root, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  char *url = wait_page_url(root);
  if (url == NULL) {
    bones_error_set(&err, BONES_E_UNAVAILABLE, "the hub serves no live page (none answered within %d s)",
                    PAGE_WAIT_MS / 1000);
    bones_error_hint(&err, "a hub started by an older bones has none: `bones hub stop`, then `bones hub start "
                           "--detach`; .bones/hub.log says why a page did not start");
    return bones_ctx_fail(ctx, &err);
  }
  char token[BONES_PAGE_TOKEN_LEN + 1];
  char *open_path = bones_ws_path(root, BONES_PAGE_OPEN_FILE);
  int rc = bones_page_token(root, 0, token, &err);
  if (rc == BONES_OK) {
    char *html = bones_xasprintf(
        "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>bones: signing in</title>\n"
        "<!-- written by `bones hub page`: it holds the live page's key; keep it yours (0600) -->\n"
        "<body><form id=\"signin\" method=\"post\" action=\"%s/login\">"
        "<input type=\"hidden\" name=\"token\" value=\"%s\">"
        "<p>Signing this browser in to the bones live page... <button>Open the live page</button></p></form>\n"
        "<script>document.getElementById('signin').submit();</script></body></html>\n",
        url, token);
    rc = bones_write_file_atomic(open_path, html, strlen(html), 0600, &err);
    explicit_bzero(html, strlen(html));
    free(html);
  }
  explicit_bzero(token, sizeof token);
  if (rc != BONES_OK) {
    free(url);
    free(open_path);
    return bones_ctx_fail(ctx, &err);
  }
  char *open_url = file_url(open_path);
  int out = 0;
  if (bones_ctx_json(ctx)) {
    char *page = bones_xasprintf("%s/", url);
    out = bones_ctx_emit(ctx, "hub.page", json_pack("{s:s, s:s, s:s, s:b}", "url", page, "open_file", open_path,
                                                     "open_url", open_url, "hub_started", !was_running));
    free(page);
  } else {
    if (!was_running) bones_ctx_say(ctx, "hub started");
    bones_ctx_say(ctx, "live page: %s/", url);
    bones_ctx_say(ctx, "sign a browser in: open %s", open_url);
    bones_ctx_say(ctx, "(that file holds the page's key and is readable by you only; the page then updates by itself)");
  }
  free(open_url);
  free(url);
  free(open_path);
  return out;
#endif
}
