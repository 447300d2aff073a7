/* page_feed.c: the pictures the live page pushes (page.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "page.h"
#include "substrate.h"
#include "text.h"
#include "util.h"
#include "view.h"
#include "view_watch.h"
#include "workspace.h"

/* One picture as the text the page receives; never NULL.  Reopens the
 * substrate when the last attempt failed. */
static char *make_picture(struct page_feed *f) {
  struct bones_error err;
  json_t *snap = NULL;
  int rc = BONES_OK;
  if (f->kv == NULL) {
    char *spec = bones_workspace_config_substrate(f->root), *url = NULL;
    rc = bones_substrate_open(spec ? spec : "sqlite", f->root, NULL, &f->kv, &url, &err);
    free(spec);
    free(url);
    if (rc != BONES_OK) f->kv = NULL;
  }
  if (rc == BONES_OK) rc = bones_view_snapshot_n(f->root, f->kv, BONES_PAGE_CHECKINS, &snap, &err);
  if (rc != BONES_OK) { /* shown on the page; the next round reconnects */
    bones_kv_close(f->kv);
    f->kv = NULL;
    char at[40];
    bones_format_time(bones_now_ms(), at, sizeof at);
    snap = json_pack("{s:s, s:o}", "at", at, "error", bones_utf8_json(err.message));
  }
  json_t *env = json_pack("{s:s, s:o}", "schema", "bones.top/v1", "data", snap);
  char *text = json_dumps(env, JSON_COMPACT);
  json_decref(env);
  return text ? text : bones_xstrdup("{\"schema\":\"bones.top/v1\",\"data\":{\"error\":\"cannot encode the picture\"}}");
}

/* Waits until the next picture is due: a change the substrate's watch
 * saw (at most PAGE_FEED_REFRESH_MS apart otherwise: ages and check-ins
 * made outside a slot), or interval_ms when there is no watch; sooner
 * when the feed stops. */
static void wait_next(struct page_feed *f, struct bones_view_watch *watch) {
  int64_t until = bones_monotonic_ms() + (watch ? f->refresh_ms : f->interval_ms);
  for (;;) {
    pthread_mutex_lock(&f->mu);
    int stop = f->stopping;
    pthread_mutex_unlock(&f->mu);
    int64_t left = until - bones_monotonic_ms();
    if (stop || left <= 0) return;
    if (bones_view_watch_wait(watch, (int)(left < 200 ? left : 200))) return;
  }
}

static void *maker(void *arg) {
  struct page_feed *f = arg;
  struct bones_view_watch *watch = NULL;
  int watch_tried = 0;
  pthread_mutex_lock(&f->mu);
  while (!f->stopping) {
    if (f->clients == 0 && f->waiters == 0) { /* nobody looks: make nothing, watch nothing */
      if (watch_tried) {
        pthread_mutex_unlock(&f->mu);
        bones_view_watch_stop(watch);
        pthread_mutex_lock(&f->mu);
        watch = NULL, watch_tried = 0;
        continue;
      }
      struct timespec ts = bones_monotonic_deadline(1000);
      pthread_cond_timedwait(&f->wake, &f->mu, &ts);
      continue;
    }
    pthread_mutex_unlock(&f->mu);
    if (!watch_tried) { /* sqlite has no watch: then every interval */
      struct bones_error err;
      if (bones_view_watch_start(f->root, &watch, &err) != BONES_OK) watch = NULL;
      watch_tried = 1;
    }
    bones_view_watch_wait(watch, 0); /* what happened until now is in this picture */
    char *pic = make_picture(f);
    pthread_mutex_lock(&f->mu);
    if (f->picture == NULL || strcmp(f->picture, pic) != 0) {
      free(f->picture);
      f->picture = pic;
      f->seq++;
    } else {
      free(pic);
    }
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->mu);
    wait_next(f, watch);
    pthread_mutex_lock(&f->mu);
  }
  pthread_mutex_unlock(&f->mu);
  bones_view_watch_stop(watch);
  return NULL;
}

static void cond_init_monotonic(pthread_cond_t *c) {
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(c, &a);
  pthread_condattr_destroy(&a);
}

int page_feed_start(struct page_feed *f, const char *root, bones_kv *kv, int interval_ms, int refresh_ms,
                    struct bones_error *err) {
  memset(f, 0, sizeof *f);
  pthread_mutex_init(&f->mu, NULL);
  cond_init_monotonic(&f->changed);
  cond_init_monotonic(&f->wake);
  f->root = bones_xstrdup(root);
  f->kv = kv;
  f->interval_ms = interval_ms;
  f->refresh_ms = refresh_ms;
  /* the stop signals stay the hub's main thread's */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM), sigaddset(&block, SIGINT), sigaddset(&block, SIGHUP), sigaddset(&block, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  int rc = pthread_create(&f->thread, NULL, maker, f);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    bones_kv_close(f->kv);
    f->kv = NULL;
    return bones_error_set(err, BONES_E_INTERNAL, "cannot start the live page's thread: %s", strerror(rc));
  }
  f->started = 1;
  return BONES_OK;
}

void page_feed_stop(struct page_feed *f) {
  if (!f->started) return;
  pthread_mutex_lock(&f->mu);
  f->stopping = 1;
  pthread_cond_broadcast(&f->wake);
  pthread_cond_broadcast(&f->changed);
  pthread_mutex_unlock(&f->mu);
  pthread_join(f->thread, NULL);
  f->started = 0;
}

void page_feed_free(struct page_feed *f) {
  bones_kv_close(f->kv);
  f->kv = NULL;
  free(f->picture);
  f->picture = NULL;
  free(f->root);
  f->root = NULL;
  pthread_cond_destroy(&f->changed);
  pthread_cond_destroy(&f->wake);
  pthread_mutex_destroy(&f->mu);
}

void page_feed_join(struct page_feed *f) {
  pthread_mutex_lock(&f->mu);
  f->clients++;
  pthread_cond_broadcast(&f->wake);
  pthread_mutex_unlock(&f->mu);
}

void page_feed_leave(struct page_feed *f) {
  pthread_mutex_lock(&f->mu);
  f->clients--;
  pthread_mutex_unlock(&f->mu);
}

char *page_feed_next(struct page_feed *f, uint64_t *seq, int timeout_ms, int *stopping) {
  char *out = NULL;
  struct timespec ts = bones_monotonic_deadline(timeout_ms);
  pthread_mutex_lock(&f->mu);
  f->waiters++;
  pthread_cond_broadcast(&f->wake);
  while (!f->stopping && (f->picture == NULL || f->seq == *seq))
    if (pthread_cond_timedwait(&f->changed, &f->mu, &ts) == ETIMEDOUT) break;
  if (!f->stopping && f->picture && f->seq != *seq) {
    out = bones_xstrdup(f->picture);
    *seq = f->seq;
  }
  f->waiters--;
  *stopping = f->stopping;
  pthread_mutex_unlock(&f->mu);
  return out;
}
