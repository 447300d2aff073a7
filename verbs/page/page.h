/* page.h (internal): the hub's live page (issue 17 item 2, docs/page.md).
 *
 * The running hub serves one small page of its swarm on 127.0.0.1 with
 * libmicrohttpd (page_server.c): the same picture `bones top` draws
 * (core/view/view.h, schema bones.top/v1) with more trunk check-ins, pushed
 * to the browser as server-sent events each time it changes (page_feed.c).
 * Every request but /healthz needs the page token, derived from the
 * workspace credential (.bones/hub-kv-secret); `bones hub page` writes a
 * private file that signs a browser in (page_auth.c, page_verb.c). */
#ifndef BONES_PAGE_H
#define BONES_PAGE_H

#include <pthread.h>
#include <stdint.h>

#include <bones/error.h>
#include <bones/kv.h>

#include "ctx.h"

#define BONES_PAGE_URL_FILE "hub-page-url"   /* http://127.0.0.1:PORT, 0600 */
#define BONES_PAGE_OPEN_FILE "page-open.html" /* signs a browser in, 0600 */
#define BONES_PAGE_TOKEN_LEN 64               /* hex characters */
#define BONES_PAGE_COOKIE "bones_page"
#define BONES_PAGE_CHECKINS 60 /* trunk check-ins the page draws */

/* The page token of root: the hex SHA-256 of a fixed label and the
 * workspace credential, so the credential itself never reaches a browser.
 * create: make the credential when missing (the hub, holding the workspace
 * lock); otherwise BONES_E_NOTFOUND when there is none. */
int bones_page_token(const char *root, int create, char out[BONES_PAGE_TOKEN_LEN + 1], struct bones_error *err);

/* 1 when the presented token equals want (compared in constant time). */
int bones_page_token_equal(const char *presented, const char *want);

/* The directory holding index.html, app.js and style.css: the build
 * tree's verbs/page/assets when this is the build tree's bones, else the
 * installed $(pkgdatadir)/page.  Static; never freed. */
const char *bones_page_assets_dir(void);

/* The hub service that serves the page (page_server.c; only when bones
 * is built with libmicrohttpd: HAVE_MICROHTTPD). */
struct bones_hub_service;
extern const struct bones_hub_service bones_page_service;

/* `bones hub page`: ensures the hub, waits for its page, writes the
 * sign-in file and prints where to open it (page_verb.c). */
int bones_page_verb_run(struct bones_ctx *ctx, int argc, char **argv);

/* The pictures the page pushes: while someone looks (clients > 0, or a
 * request waits) one thread makes a new picture each time the substrate's
 * watch (view_watch.h) sees a change, and every PAGE_FEED_REFRESH_MS
 * anyway (ages; check-ins made outside a slot), or every interval where
 * the backend has no watch (sqlite; $BONES_PAGE_REFRESH sets both, for
 * tests); it wakes the waiting connections when
 * the picture changed.  Nobody looking: no picture, no watch. */
#define PAGE_FEED_REFRESH_MS 5000
struct page_feed {
  pthread_mutex_t mu;
  pthread_cond_t changed; /* a new picture, or stopping */
  pthread_cond_t wake;    /* the maker: a client came, or stopping */
  char *root;
  bones_kv *kv; /* the maker's connection (owned; reopened after a failure) */
  int interval_ms; /* between pictures without a watch */
  int refresh_ms;  /* between pictures with one, when nothing changed */
  int clients, waiters, stopping, started;
  uint64_t seq;   /* pictures made that differed from the previous one */
  char *picture;  /* the newest {"schema":"bones.top/v1","data":...}, or NULL */
  pthread_t thread;
};

/* Starts the maker thread on kv (ownership passes to the feed, also on
 * failure).  BONES_E_INTERNAL when the thread cannot start. */
int page_feed_start(struct page_feed *f, const char *root, bones_kv *kv, int interval_ms, int refresh_ms,
                    struct bones_error *err);

/* Stops the maker and wakes every waiting connection (they see
 * *stopping); page_feed_free then frees the feed's data once no
 * connection can use it. */
void page_feed_stop(struct page_feed *f);
void page_feed_free(struct page_feed *f);

/* A connection that streams pictures comes and goes. */
void page_feed_join(struct page_feed *f);
void page_feed_leave(struct page_feed *f);

/* Waits at most timeout_ms for a picture newer than *seq; returns a copy
 * (the caller frees) and updates *seq, or NULL on timeout (*stopping
 * tells whether the feed is stopping). */
char *page_feed_next(struct page_feed *f, uint64_t *seq, int timeout_ms, int *stopping);

#endif
