/* view_watch.c: waiting for the picture to change (view_watch.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bones/kv.h>

#include "coord.h"
#include "holds.h"
#include "slots.h"
#include "substrate.h"
#include "tasks.h"
#include "trunk.h"
#include "util.h"
#include "view_watch.h"
#include "workspace.h"

#define WATCH_CHUNK_MS 1000 /* a watch call's bound: how soon a thread sees stop */
#define RETRY_MS 1000       /* after a failure, or while a bucket does not exist */
#define READY_MS 3000       /* start waits this long at most for the threads' first look */

static const char *const watched[] = {BONES_TASKS_BUCKET,       BONES_SESSIONS_BUCKET, BONES_HOLDS_BUCKET,
                                      BONES_CHECKPOINTS_BUCKET, BONES_HANDOFFS_BUCKET, BONES_BROADCASTS_BUCKET,
                                      BONES_HUB_BUCKET};
#define NWATCHED (sizeof watched / sizeof watched[0])

struct bones_view_watch {
  pthread_mutex_t mu;
  pthread_cond_t cond;
  int changed, stopping;
  int ready; /* threads past their first look at their bucket */
  char *spec, *root;
  pthread_t threads[NWATCHED];
  int started[NWATCHED];
  const char *bucket[NWATCHED]; /* thread i's */
};

struct thread_arg {
  struct bones_view_watch *w;
  size_t i;
};

static int stopping(struct bones_view_watch *w) {
  pthread_mutex_lock(&w->mu);
  int s = w->stopping;
  pthread_mutex_unlock(&w->mu);
  return s;
}

static void mark_changed(struct bones_view_watch *w) {
  pthread_mutex_lock(&w->mu);
  w->changed = 1;
  pthread_cond_broadcast(&w->cond);
  pthread_mutex_unlock(&w->mu);
}

/* Sleeps ms unless stop comes first. */
static void pause_ms(struct bones_view_watch *w, int ms) {
  struct timespec ts = bones_monotonic_deadline(ms);
  pthread_mutex_lock(&w->mu);
  while (!w->stopping && pthread_cond_timedwait(&w->cond, &w->mu, &ts) != ETIMEDOUT) {
  }
  pthread_mutex_unlock(&w->mu);
}

static int on_rev(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)key, (void)value, (void)len;
  uint64_t *top = arg;
  if (rev > *top) *top = rev;
  return 0;
}

struct seen {
  uint64_t rev;
  int any;
};

static int on_change(void *arg, const char *key, const void *value, size_t len, uint64_t rev, int deleted) {
  (void)key, (void)value, (void)len, (void)deleted;
  struct seen *s = arg;
  if (rev > s->rev) s->rev = rev;
  s->any = 1;
  return 1; /* one is enough: the picture is made again from scratch */
}

/* Opens the bucket and its newest revision; BONES_E_NOTFOUND while it
 * does not exist yet. */
static int open_bucket(bones_kv *kv, const char *name, bones_kv_bucket **b, uint64_t *rev, struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0};
  *rev = 0;
  int rc = bones_kv_bucket_open(kv, name, &cfg, b, NULL, err);
  if (rc == BONES_OK) rc = bones_kv_list(*b, "", on_rev, rev, err);
  if (rc != BONES_OK) {
    bones_kv_bucket_close(*b);
    *b = NULL;
  }
  return rc;
}

/* One bucket: connect, wait for the bucket to exist, follow its changes
 * from its newest revision; start again after a failure. */
static void *follow(void *p) {
  struct thread_arg *a = p;
  struct bones_view_watch *w = a->w;
  const char *name = w->bucket[a->i];
  free(a);
  int missing = 0; /* the bucket did not exist: its creation is a change */
  int looked = 0;
  while (!stopping(w)) {
    bones_kv *kv = NULL;
    bones_kv_bucket *b = NULL;
    struct bones_error err;
    char *shown = NULL;
    int rc = bones_substrate_open(w->spec, w->root, NULL, &kv, &shown, &err);
    free(shown);
    struct seen s = {0, 0};
    while (rc == BONES_OK && !stopping(w)) {
      if (b == NULL) {
        rc = open_bucket(kv, name, &b, &s.rev, &err);
        if (!looked) { /* from here on no change is missed */
          looked = 1;
          pthread_mutex_lock(&w->mu);
          w->ready++;
          pthread_cond_broadcast(&w->cond);
          pthread_mutex_unlock(&w->mu);
        }
        if (rc == BONES_E_NOTFOUND) {
          missing = 1;
          rc = BONES_OK;
          pause_ms(w, RETRY_MS);
          continue;
        }
        if (rc != BONES_OK) break;
        if (missing) mark_changed(w);
        missing = 0;
      }
      s.any = 0;
      rc = bones_kv_watch(b, "", s.rev, on_change, &s, WATCH_CHUNK_MS, &err);
      if (rc == BONES_E_TIMEOUT) rc = BONES_OK;
      if (rc == BONES_OK && s.any) mark_changed(w);
    }
    bones_kv_close(kv); /* closes b too */
    if (!looked) { /* no connection: do not hold start up */
      looked = 1;
      pthread_mutex_lock(&w->mu);
      w->ready++;
      pthread_cond_broadcast(&w->cond);
      pthread_mutex_unlock(&w->mu);
    }
    if (!stopping(w)) pause_ms(w, RETRY_MS);
  }
  return NULL;
}

int bones_view_watch_start(const char *root, struct bones_view_watch **out, struct bones_error *err) {
  *out = NULL;
  char *spec = bones_workspace_config_substrate(root);
  if (spec == NULL) spec = bones_xstrdup("sqlite");
  bones_kv *kv = NULL;
  char *shown = NULL;
  /* in the caller's thread: the backend module loads here, not in a watcher */
  int rc = bones_substrate_open(spec, root, NULL, &kv, &shown, err);
  free(shown);
  if (rc == BONES_OK && (!(bones_kv_backend(kv)->caps & BONES_KV_CAP_WATCH) || bones_kv_backend(kv)->watch == NULL))
    rc = bones_error_set(err, BONES_E_UNSUPPORTED, "this substrate has no watch: poll it");
  bones_kv_close(kv);
  if (rc != BONES_OK) {
    free(spec);
    return rc;
  }
  struct bones_view_watch *w = bones_xcalloc(1, sizeof *w);
  pthread_mutex_init(&w->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&w->cond, &ca);
  pthread_condattr_destroy(&ca);
  w->spec = spec;
  w->root = bones_xstrdup(root);
  sigset_t block, old; /* signals stay the caller's main thread's */
  sigfillset(&block);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  for (size_t i = 0; i < NWATCHED; i++) {
    struct thread_arg *a = bones_xcalloc(1, sizeof *a);
    a->w = w, a->i = i;
    w->bucket[i] = watched[i];
    if (pthread_create(&w->threads[i], NULL, follow, a) == 0) w->started[i] = 1;
    else free(a);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  /* a change made once this returns is seen: wait for each thread's first
   * look at its bucket (bounded: a slow server must not hold the caller) */
  int nstarted = 0;
  for (size_t i = 0; i < NWATCHED; i++) nstarted += w->started[i];
  struct timespec ts = bones_monotonic_deadline(READY_MS);
  pthread_mutex_lock(&w->mu);
  while (w->ready < nstarted)
    if (pthread_cond_timedwait(&w->cond, &w->mu, &ts) == ETIMEDOUT) break;
  w->changed = 0; /* the caller makes its first picture after this */
  pthread_mutex_unlock(&w->mu);
  *out = w;
  return BONES_OK;
}

int bones_view_watch_wait(struct bones_view_watch *w, int timeout_ms) {
  if (w == NULL) {
    if (timeout_ms > 0) {
      struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    }
    return 0;
  }
  struct timespec ts = bones_monotonic_deadline(timeout_ms);
  pthread_mutex_lock(&w->mu);
  while (!w->changed && !w->stopping && timeout_ms > 0)
    if (pthread_cond_timedwait(&w->cond, &w->mu, &ts) == ETIMEDOUT) break;
  int changed = w->changed;
  w->changed = 0;
  pthread_mutex_unlock(&w->mu);
  return changed;
}

void bones_view_watch_stop(struct bones_view_watch *w) {
  if (w == NULL) return;
  pthread_mutex_lock(&w->mu);
  w->stopping = 1;
  pthread_cond_broadcast(&w->cond);
  pthread_mutex_unlock(&w->mu);
  for (size_t i = 0; i < NWATCHED; i++)
    if (w->started[i]) pthread_join(w->threads[i], NULL);
  pthread_cond_destroy(&w->cond);
  pthread_mutex_destroy(&w->mu);
  free(w->spec);
  free(w->root);
  free(w);
}
