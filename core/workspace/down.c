/* down.c: taking a workspace down and reaping orphan hubs (down.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "down.h"
#include "harness.h"
#include "hub.h"
#include "loader.h"
#include "proc.h"
#include "slots.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

#define GITIGNORE_LINE ".bones/"

int bones_ws_repo_open(const char *root, const struct bones_repo_backend_v1 **repo, void **handle,
                       struct bones_error *err) {
  *repo = NULL;
  *handle = NULL;
  const struct bones_repo_backend_v1 *r = NULL;
  int rc = bones_loader_repo_backend("fossil", &r, err);
  if (rc != BONES_OK) return rc;
  char *state = bones_ws_path(root, "repo");
  struct bones_repo_options o = {bones_path_is_dir(state) ? state : NULL, 60000}; /* generous: a busy host is slow, not dead */
  rc = r->open(&o, handle, err);
  free(state);
  if (rc == BONES_OK) *repo = r;
  else *handle = NULL;
  return rc;
}

const char *bones_down_action_name(enum bones_down_action a) {
  switch (a) {
  case BONES_DOWN_STOP_HUB: return "stop_hub";
  case BONES_DOWN_REMOVE_STATE: return "remove_state";
  case BONES_DOWN_GITIGNORE: return "gitignore";
  case BONES_DOWN_UNREGISTER: return "unregister";
  case BONES_DOWN_HARNESS: return "harness";
  }
  return "?";
}

/* Index of the last line of text that is exactly ".bones/" (a trailing
 * '\r' allowed), as a byte offset, or -1. */
static long gitignore_line_at(const char *text) {
  long found = -1;
  for (const char *line = text; line && *line;) {
    const char *nl = strchr(line, '\n');
    size_t l = nl ? (size_t)(nl - line) : strlen(line);
    if (l && line[l - 1] == '\r') l--;
    if (l == strlen(GITIGNORE_LINE) && strncmp(line, GITIGNORE_LINE, l) == 0) found = line - text;
    line = nl ? nl + 1 : NULL;
  }
  return found;
}

/* 1 when config.json says up added the .gitignore line and it is there. */
static int gitignore_ours(const char *root) {
  char *cfg_path = bones_ws_path(root, "config.json");
  json_error_t jerr;
  json_t *cfg = json_load_file(cfg_path, 0, &jerr);
  free(cfg_path);
  int added = cfg && json_is_true(json_object_get(cfg, "gitignore_added"));
  json_decref(cfg);
  if (!added) return 0;
  char *path = bones_xasprintf("%s/.gitignore", root);
  char *data = NULL;
  struct bones_error e;
  int present = bones_read_file(path, 16u << 20, &data, NULL, &e) == BONES_OK && gitignore_line_at(data) >= 0;
  free(data);
  free(path);
  return present;
}

/* 1 when git tracks root/.gitignore. */
static int gitignore_tracked(const char *root) {
  const char *argv[] = {"git", "ls-files", "--error-unmatch", "--", ".gitignore", NULL};
  struct bones_run_result r;
  struct bones_error e;
  if (bones_run(argv, root, NULL, 10000, &r, &e) != BONES_OK) return 1; /* cannot tell: keep the file */
  int tracked = r.status == 0;
  bones_run_result_free(&r);
  return tracked;
}

/* Drops the last ".bones/" line of root/.gitignore (keeping its mode);
 * a file left empty that git does not track is removed (up created it). */
static int gitignore_remove(const char *root, struct bones_error *err) {
  char *path = bones_xasprintf("%s/.gitignore", root);
  char *data = NULL;
  size_t len = 0;
  int rc = bones_read_file(path, 16u << 20, &data, &len, err);
  long at = rc == BONES_OK ? gitignore_line_at(data) : -1;
  if (rc == BONES_E_NOTFOUND) rc = BONES_OK;
  if (rc == BONES_OK && at >= 0) {
    const char *nl = strchr(data + at, '\n');
    size_t end = nl ? (size_t)(nl - data) + 1 : len;
    memmove(data + at, data + end, len - end + 1);
    len -= end - (size_t)at;
    if (len == 0 && !gitignore_tracked(root)) {
      if (unlink(path) != 0) rc = bones_error_set(err, BONES_E_INTERNAL, "cannot remove %s: %s", path, strerror(errno));
    } else {
      struct stat st;
      unsigned mode = stat(path, &st) == 0 ? (st.st_mode & 0777) : 0644;
      rc = bones_write_file_atomic(path, data, len, mode, err);
    }
  }
  free(data);
  free(path);
  return rc;
}

/* Appends a step to p; target (malloc'd) is taken over. */
static void add_step(struct bones_down_plan *p, enum bones_down_action a, char *target) {
  p->steps = bones_xrealloc(p->steps, (p->nsteps + 1) * sizeof *p->steps);
  p->steps[p->nsteps].action = a;
  p->steps[p->nsteps].target = target;
  p->nsteps++;
}

/* Appends s (malloc'd, taken over) to the string vector *v of *n. */
static void push_str(char ***v, size_t *n, char *s) {
  *v = bones_xrealloc(*v, (*n + 1) * sizeof **v);
  (*v)[(*n)++] = s;
}

/* Fills the live and dirty slot lists of p. */
static int plan_slots(struct bones_down_plan *p, struct bones_error *err) {
  struct bones_slot *slots = NULL;
  size_t n = 0;
  int rc = bones_slots_list(p->root, NULL, &slots, &n, err);
  if (rc != BONES_OK || n == 0) return rc;
  const struct bones_repo_backend_v1 *repo = NULL;
  void *rh = NULL;
  struct bones_error e;
  bones_ws_repo_open(p->root, &repo, &rh, &e); /* without it: any file counts as dirty */
  for (size_t i = 0; i < n; i++) {
    if (slots[i].pid_alive)
      push_str(&p->live_slots, &p->nlive, bones_xasprintf("%s (pid %ld)", slots[i].name, (long)slots[i].pid));
    else if (bones_slot_active(&slots[i])) /* joined without --pid: its session may be live */
      push_str(&p->live_slots, &p->nlive, bones_xasprintf("%s (joined)", slots[i].name));
    char *wt = bones_xasprintf("%s/" BONES_DIR "/swarm/%s/wt", p->root, slots[i].name);
    if (bones_worktree_dirty(wt, repo, rh)) push_str(&p->dirty_slots, &p->ndirty, bones_xstrdup(slots[i].name));
    free(wt);
  }
  if (repo) repo->close(rh);
  bones_slots_free(slots, n);
  return BONES_OK;
}

struct unapplied_scan {
  const char *baseline; /* .bones/applied, NULL: stop at the seed check-in */
  char **v;
  size_t n;
  int reached; /* 1 once the baseline (or the seed) was seen */
  char id[BONES_REPO_ID_MAX]; /* the baseline's id, once reached */
};

/* Collects timeline entries (newest first) until the baseline. */
static int on_unapplied(void *arg, const char *id, const char *user, const char *when, const char *comment) {
  (void)when;
  struct unapplied_scan *u = arg;
  if (id == NULL) return 0;
  if (u->baseline ? strcmp(id, u->baseline) == 0 : (comment && strncmp(comment, "bones: seed", 11) == 0)) {
    u->reached = 1;
    snprintf(u->id, sizeof u->id, "%s", id);
    return 1;
  }
  if (user && strcmp(user, "git") == 0 && comment && strncmp(comment, "git import ", 11) == 0)
    return 0; /* imported from git (docs/git-sync.md): git already has it */
  const char *c = comment ? comment : "";
  push_str(&u->v, &u->n, bones_xasprintf("%.10s %.*s", id, (int)(strcspn(c, "\r\n") > 72 ? 72 : strcspn(c, "\r\n")), c));
  return 0;
}

static int count_diff(void *arg, int change, const char *path) {
  (void)change, (void)path;
  (*(int *)arg)++;
  return 0;
}

int bones_unapplied_checkins(const char *root, char ***lines, size_t *n) {
  *lines = NULL, *n = 0;
  char *hub = bones_ws_path(root, "hub.fossil");
  if (!bones_path_is_file(hub)) {
    free(hub);
    return 0;
  }
  const struct bones_repo_backend_v1 *repo = NULL;
  void *rh = NULL;
  struct bones_error e;
  char *applied = bones_ws_read_line(root, "applied");
  if (applied) applied[strcspn(applied, " \t")] = '\0';
  struct unapplied_scan u = {applied, NULL, 0, 0, ""};
  int rc = bones_ws_repo_open(root, &repo, &rh, &e);
  if (rc == BONES_OK) rc = repo->timeline(rh, hub, 0, on_unapplied, &u, &e);
  if (rc == BONES_OK && u.reached && u.n) {
    int same = 0;
    if (repo->diff(rh, hub, u.id, NULL, count_diff, &same, &e) == BONES_OK && same == 0) {
      bones_strv_free(u.v, u.n);
      u.v = NULL, u.n = 0;
    }
  }
  int known = rc == BONES_OK && !(!u.reached && u.n && applied);
  if (rc != BONES_OK) {
    bones_strv_free(u.v, u.n);
    u.v = NULL, u.n = 0;
    push_str(&u.v, &u.n, bones_xasprintf("(cannot read the hub's timeline: %s)", e.message));
  } else if (!known) {
    push_str(&u.v, &u.n, bones_xasprintf("(.bones/applied names no check-in of the hub)"));
  }
  if (repo) repo->close(rh);
  *lines = u.v;
  *n = u.n;
  free(applied);
  free(hub);
  return known;
}

/* Fills p->unapplied (bones_unapplied_checkins). */
static void plan_unapplied(struct bones_down_plan *p) {
  bones_unapplied_checkins(p->root, &p->unapplied, &p->nunapplied);
}

int bones_down_plan(const char *root, struct bones_down_plan *p, struct bones_error *err) {
  memset(p, 0, sizeof *p);
  p->root = bones_xstrdup(root);
  char *pidpath = bones_ws_path(root, "hub.pid");
  struct bones_error e;
  struct bones_pid_record rec;
  int have_pid = bones_pid_record_read(pidpath, &rec, &e) == BONES_OK;
  enum bones_pid_state state = have_pid ? bones_pid_check(&rec, "hub start") : BONES_PID_GONE;
  p->hub_pid = rec.pid;
  p->hub_alive = state == BONES_PID_OURS;
  int rc = plan_slots(p, err);
  if (rc != BONES_OK) {
    free(pidpath);
    bones_down_plan_clear(p);
    return rc;
  }
  if (have_pid)
    add_step(p, BONES_DOWN_STOP_HUB,
             bones_xasprintf("pid %ld%s", (long)p->hub_pid,
                             p->hub_alive                ? ""
                             : state == BONES_PID_STALE ? ", stale: another process now, left alone"
                                                        : ", not running"));
  else if (bones_path_exists(pidpath)) add_step(p, BONES_DOWN_STOP_HUB, bones_xstrdup("unreadable hub.pid"));
  free(pidpath);
  plan_unapplied(p);
  char *manifest = bones_ws_path(root, BONES_HARNESS_MANIFEST);
  if (bones_path_exists(manifest)) add_step(p, BONES_DOWN_HARNESS, manifest);
  else free(manifest);
  add_step(p, BONES_DOWN_REMOVE_STATE, bones_xasprintf("%s/" BONES_DIR, root));
  if (gitignore_ours(root)) add_step(p, BONES_DOWN_GITIGNORE, bones_xasprintf("%s/.gitignore", root));
  struct bones_registry_entry entry;
  if (bones_registry_read(root, &entry, &e) == BONES_OK) {
    bones_registry_entry_clear(&entry);
    add_step(p, BONES_DOWN_UNREGISTER, bones_xstrdup(root));
  }
  return BONES_OK;
}

void bones_down_plan_clear(struct bones_down_plan *p) {
  if (p == NULL) return;
  free(p->root);
  bones_strv_free(p->live_slots, p->nlive);
  bones_strv_free(p->dirty_slots, p->ndirty);
  bones_strv_free(p->unapplied, p->nunapplied);
  for (size_t i = 0; i < p->nsteps; i++) free(p->steps[i].target);
  free(p->steps);
  memset(p, 0, sizeof *p);
}

/* Appends the strings of v to buf ("a, b"), truncating politely. */
static void join_into(char *buf, size_t size, char *const *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s%s", i ? ", " : "", v[i]);
  }
}

/* BONES_E_REFUSED listing p's unapplied check-ins, unless none or
 * p->discard_unapplied. */
static int unapplied_refusal(const struct bones_down_plan *p, struct bones_error *err) {
  if (p->nunapplied == 0 || p->discard_unapplied) return BONES_OK;
  char what[1500] = "";
  for (size_t i = 0; i < p->nunapplied && i < 10; i++) {
    size_t used = strlen(what);
    snprintf(what + used, sizeof what - used, "%s%s", i ? "; " : " ", p->unapplied[i]);
  }
  if (p->nunapplied > 10) {
    size_t used = strlen(what);
    snprintf(what + used, sizeof what - used, "; ... and %zu more", p->nunapplied - 10);
  }
  bones_error_set(err, BONES_E_REFUSED,
                  "refusing to take %s down: trunk has %zu check-in(s) never applied to git, and removing .bones/ "
                  "deletes the hub, their only copy:%s",
                  p->root, p->nunapplied, what);
  bones_error_hint(err, "`bones apply` lands them in the git working tree (then commit them in git); "
                        "--discard-unapplied (or --force) deletes them");
  return BONES_E_REFUSED;
}

/* 1 when slot is among p's live slots ("NAME (pid N)", "NAME (joined)"). */
static int is_live(const struct bones_down_plan *p, const char *slot) {
  size_t n = strlen(slot);
  for (size_t i = 0; i < p->nlive; i++)
    if (strncmp(p->live_slots[i], slot, n) == 0 && p->live_slots[i][n] == ' ') return 1;
  return 0;
}

int bones_down_refusal(const struct bones_down_plan *p, struct bones_error *err) {
  if (p->nlive == 0 && p->ndirty == 0) return unapplied_refusal(p, err);
  char what[400] = "";
  if (p->ndirty) {
    strcat(what, "slots with uncommitted changes: ");
    join_into(what, sizeof what, p->dirty_slots, p->ndirty);
  }
  if (p->nlive) {
    size_t used = strlen(what);
    snprintf(what + used, sizeof what - used, "%sslots with a live agent: ", used ? "; " : "");
    join_into(what, sizeof what, p->live_slots, p->nlive);
  }
  bones_error_set(err, BONES_E_REFUSED, "refusing to take %s down: %s", p->root, what);
  /* every hint is a command that works on the slot as it is (hints are
   * short: the first slots only) */
  char hint[BONES_ERROR_HINT_MAX] = "";
  size_t shown = 0;
  for (size_t i = 0; i < p->ndirty && shown < 2; i++) {
    if (is_live(p, p->dirty_slots[i])) continue;
    size_t used = strlen(hint);
    snprintf(hint + used, sizeof hint - used, "%s`bones swarm discard --slot %s -y`", shown++ ? ", " : "", p->dirty_slots[i]);
  }
  if (shown) {
    size_t used = strlen(hint);
    snprintf(hint + used, sizeof hint - used, " (saved to .bones/recovery/; or `bones swarm resume --slot NAME`)%s",
             p->nlive ? "; " : "");
  }
  if (p->nlive) {
    size_t used = strlen(hint);
    int name_len = (int)strcspn(p->live_slots[0], " ");
    snprintf(hint + used, sizeof hint - used, "end each live slot (`bones swarm close --slot %.*s --result fail` keeps its work)",
             name_len, p->live_slots[0]);
  }
  bones_error_hint(err, "%s, then `bones down`; --force deletes their work", hint);
  return BONES_E_REFUSED;
}

/* Carries out one step of p. */
/* Removes what `bones harness install` recorded; a file the user edited is
 * kept, with a warning line on stderr. */
static int remove_harness(const char *root, struct bones_error *err) {
  json_t *report = NULL;
  int rc = bones_harness_remove(root, &report, err);
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(report, "kept"), i, k)
    bones_term_printf(stderr, "bones: down: warning: %s: %s\n", json_string_value(json_object_get(k, "path")),
                      json_string_value(json_object_get(k, "reason")));
  json_decref(report);
  return rc;
}

static int run_step(const struct bones_down_plan *p, const struct bones_down_step *s, struct bones_error *err) {
  switch (s->action) {
  case BONES_DOWN_STOP_HUB: return bones_hub_stop(p->root, 1, NULL, err);
  case BONES_DOWN_REMOVE_STATE: return bones_remove_tree(s->target, err);
  case BONES_DOWN_GITIGNORE: return gitignore_remove(p->root, err);
  case BONES_DOWN_UNREGISTER: return bones_registry_remove(p->root, err);
  case BONES_DOWN_HARNESS: return remove_harness(p->root, err);
  }
  return bones_error_set(err, BONES_E_INTERNAL, "unknown down step");
}

int bones_down_apply(const struct bones_down_plan *p, int force, bones_down_report_fn report, void *arg,
                     struct bones_error *err) {
  if (!force) {
    int rc = bones_down_refusal(p, err);
    if (rc != BONES_OK) return rc;
  }
  for (size_t i = 0; i < p->nsteps; i++) {
    bones_error_clear(err);
    int rc = run_step(p, &p->steps[i], err);
    if (report) report(arg, &p->steps[i], rc == BONES_OK, err);
    if (rc != BONES_OK) return rc;
  }
  return BONES_OK;
}

int bones_orphan_reap(const struct bones_registry_entry *e, int *killed, struct bones_error *err) {
  if (killed) *killed = 0;
  /* only the very hub the entry recorded (pid, start time, command line):
   * a reused pid, or an entry without a start time, is left alone */
  struct bones_pid_record r = bones_registry_hub_record(e);
  int gone = 0;
  if (bones_terminate_recorded(&r, "hub start", 1, 3000, &gone) == BONES_PID_OURS) {
    if (!gone)
      return bones_error_set(err, BONES_E_INTERNAL, "the orphan hub of %s (pid %ld) did not stop", e->cwd, (long)r.pid);
    if (killed) *killed = 1;
  }
  return bones_registry_remove(e->cwd, err);
}
