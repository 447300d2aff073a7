/* slots.c: slot directories and their garbage collection (slots.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "recovery.h"
#include "sessions.h"
#include "slots.h"
#include "util.h"
#include "workspace.h"

static int cmp_slot(const void *a, const void *b) {
  return strcmp(((const struct bones_slot *)a)->name, ((const struct bones_slot *)b)->name);
}

int bones_slots_list(const char *root, bones_kv *kv, struct bones_slot **slots, size_t *n, struct bones_error *err) {
  *slots = NULL;
  *n = 0;
  char *dir = bones_ws_path(root, "swarm");
  DIR *d = opendir(dir);
  if (d == NULL) {
    int e = errno;
    free(dir);
    return e == ENOENT ? BONES_OK : bones_error_set(err, BONES_E_INTERNAL, "cannot read slots: %s", strerror(e));
  }
  bones_kv_bucket *sessions = NULL;
  if (kv) {
    struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0};
    struct bones_error e2;
    if (bones_kv_bucket_open(kv, BONES_SESSIONS_BUCKET, &cfg, &sessions, NULL, &e2) != BONES_OK) sessions = NULL;
  }
  size_t cap = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    char *sdir = bones_xasprintf("%s/%s", dir, de->d_name);
    int is_dir = bones_path_is_dir(sdir);
    if (!is_dir) {
      free(sdir);
      continue;
    }
    struct bones_slot s = {bones_xstrdup(de->d_name), 0, 0, -1, 0};
    char *pidfile = bones_xasprintf("%s/leaf.pid", sdir);
    char *marker = bones_xasprintf("%s/joined", sdir);
    struct bones_error e2;
    if (bones_pidfile_read(pidfile, &s.pid, &e2) == BONES_OK) s.pid_alive = bones_pid_alive(s.pid);
    s.joined = bones_path_exists(marker) || bones_path_exists(pidfile);
    free(marker);
    free(pidfile);
    free(sdir);
    if (kv) {
      s.session_live = 0;
      struct bones_kv_value v;
      if (sessions && bones_kv_get(sessions, s.name, &v, &e2) == BONES_OK) {
        json_t *rec = json_loadb((const char *)v.value, v.len, 0, NULL);
        struct bones_session_times t;
        bones_session_times_of(rec, &t);
        s.session_live = rec != NULL && bones_now_ms() <= t.reap_at;
        json_decref(rec);
        bones_kv_value_free(&v);
      }
    }
    if (*n == cap) {
      cap = cap ? cap * 2 : 8;
      *slots = bones_xrealloc(*slots, cap * sizeof **slots);
    }
    (*slots)[(*n)++] = s;
  }
  closedir(d);
  free(dir);
  bones_kv_bucket_close(sessions);
  if (*n) qsort(*slots, *n, sizeof **slots, cmp_slot);
  return BONES_OK;
}

void bones_slots_free(struct bones_slot *slots, size_t n) {
  for (size_t i = 0; i < n; i++) free(slots[i].name);
  free(slots);
}

int bones_slot_dead(const struct bones_slot *s) {
  return s->joined && !s->pid_alive && (s->session_live == 0 || (s->session_live == -1 && s->pid > 0));
}

int bones_slot_active(const struct bones_slot *s) {
  return s->pid_alive || (s->joined && (s->session_live == 1 || (s->session_live == -1 && s->pid <= 0)));
}

static int count_change(void *arg, int change, const char *path) {
  (void)change, (void)path;
  (*(int *)arg)++;
  return 0;
}

/* 1 when dir holds any entry. */
static int dir_has_files(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return 0;
  int found = 0;
  struct dirent *de;
  while (!found && (de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) found = 1;
  closedir(d);
  return found;
}

int bones_worktree_dirty(const char *wt, const struct bones_repo_backend_v1 *repo, void *repo_handle) {
  if (!bones_path_is_dir(wt)) return 0;
  if (repo && repo->leaf_changes) {
    int changes = 0;
    struct bones_error err;
    if (repo->leaf_changes(repo_handle, wt, count_change, &changes, &err) == BONES_OK) return changes > 0;
  }
  return dir_has_files(wt); /* cannot tell: keep it */
}

void bones_slots_pruned_free(struct bones_slot_pruned *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(p[i].name);
    free(p[i].recovered_to);
  }
  free(p);
}

int bones_slots_prune(const char *root, bones_kv *kv, const struct bones_repo_backend_v1 *repo, void *repo_handle,
                      int dry_run, struct bones_slot_pruned **out, size_t *n, struct bones_error *err) {
  *out = NULL;
  *n = 0;
  struct bones_slot *slots = NULL;
  size_t count = 0;
  int rc = bones_slots_list(root, kv, &slots, &count, err);
  if (rc != BONES_OK) return rc;
  for (size_t i = 0; i < count && rc == BONES_OK; i++) {
    if (!bones_slot_dead(&slots[i])) continue;
    char *sdir = bones_xasprintf("%s/" BONES_DIR "/swarm/%s", root, slots[i].name);
    char *wt = bones_xasprintf("%s/wt", sdir);
    struct bones_slot_pruned p = {bones_xstrdup(slots[i].name), NULL};
    if (bones_worktree_dirty(wt, repo, repo_handle)) {
      char stamp[40];
      bones_format_time(bones_now_ms(), stamp, sizeof stamp);
      for (char *c = stamp; *c; c++)
        if (*c == ':') *c = '-';
      p.recovered_to = bones_xasprintf("%s/" BONES_DIR "/recovery/%s-%s", root, slots[i].name, stamp);
      if (!dry_run) {
        char *rdir = bones_ws_path(root, "recovery");
        rc = bones_mkdir_p(rdir, 0700, err);
        free(rdir);
        if (rc == BONES_OK && rename(wt, p.recovered_to) != 0)
          rc = bones_error_set(err, BONES_E_INTERNAL, "cannot move %s to %s: %s (slot left in place)", wt,
                               p.recovered_to, strerror(errno));
        if (rc == BONES_OK) bones_recovery_note(root, strrchr(p.recovered_to, '/') + 1, slots[i].name, NULL, "prune", NULL);
      }
    }
    if (rc == BONES_OK && !dry_run) rc = bones_remove_tree(sdir, err);
    free(wt);
    free(sdir);
    if (rc != BONES_OK) {
      free(p.name);
      free(p.recovered_to);
      break;
    }
    *out = bones_xrealloc(*out, (*n + 1) * sizeof **out);
    (*out)[(*n)++] = p;
  }
  bones_slots_free(slots, count);
  return rc;
}
