/* prime_trunk.c: the "trunk" section of `bones prime` (prime.h): the hub's
 * state, the newest trunk check-in and how many check-ins are newer than
 * the one last applied to git (.bones/applied, else the hub's seed, as
 * `bones apply` counts).  Reads .bones/hub.fossil with one bounded
 * `fossil sql --readonly`; never starts the hub. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bones/repo.h>

#include "hub.h"
#include "loader.h"
#include "prime.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

#define TRUNK_TIMEOUT_MS 5000 /* bound on the one fossil call */

/* timeline callback: every check-in, newest first, as {id, at, user, comment}. */
static int on_checkin(void *arg, const char *id, const char *user, const char *when, const char *comment) {
  json_array_append_new((json_t *)arg, json_pack("{s:o, s:o, s:o, s:o}", "id", bones_utf8_json(id), "at",
                                                 bones_utf8_json(when), "user", bones_utf8_json(user), "comment",
                                                 bones_utf8_json(comment)));
  return 0;
}

/* The id recorded in .bones/applied (malloc'd), or NULL. */
static char *applied_id(const char *root) {
  char *file = bones_ws_path(root, "applied"), *text = NULL;
  struct bones_error err;
  if (bones_read_file(file, 4096, &text, NULL, &err) != BONES_OK) text = NULL;
  free(file);
  if (text) {
    text[strcspn(text, " \r\n")] = '\0';
    size_t n = strspn(text, "0123456789abcdef");
    if (text[n] != '\0' || (n != 40 && n != 64)) {
      free(text);
      text = NULL;
    }
  }
  return text;
}

/* "running", "not answering", "down" or "stopped", as `bones status`. */
static const char *hub_word(const struct bones_hub_status *st) {
  if (st->running) return "running";
  if (st->pid_alive) return "not answering";
  if (st->pid > 0) return "down";
  return "stopped";
}

/* Fills trunk's tip, applied, unapplied and baseline from the timeline. */
static void count_unapplied(const char *root, json_t *checkins, json_t *trunk) {
  json_object_set(trunk, "tip", json_array_size(checkins) ? json_array_get(checkins, 0) : json_null());
  json_object_set_new(trunk, "checkins", json_integer((json_int_t)json_array_size(checkins)));
  char *applied = applied_id(root);
  json_int_t at = -1;
  size_t i;
  json_t *c;
  json_array_foreach(checkins, i, c) {
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *comment = json_string_value(json_object_get(c, "comment"));
    if (applied ? strcmp(id, applied) == 0 : strncmp(comment, "bones: seed", 11) == 0) at = (json_int_t)i;
    if (applied && at >= 0) break; /* the newest match; for the seed, the oldest */
  }
  json_object_set_new(trunk, "baseline", json_string(applied ? "applied" : "seed"));
  json_object_set_new(trunk, "applied", applied ? json_string(applied) : json_null());
  json_object_set_new(trunk, "unapplied", at >= 0 ? json_integer(at) : json_null());
  free(applied);
}

void bones_prime_trunk(const char *root, json_t *report) {
  struct bones_error err;
  bones_error_clear(&err);
  struct bones_hub_status st;
  bones_hub_status(root, &st, &err);
  json_t *trunk = json_pack("{s:s, s:b, s:o}", "hub", hub_word(&st), "hub_running", st.running, "repo_url",
                            st.repo_url ? bones_utf8_json(st.repo_url) : json_null());
  bones_hub_status_clear(&st);
  json_object_set_new(trunk, "tip", json_null());
  json_object_set_new(trunk, "unapplied", json_null());
  json_object_set_new(report, "trunk", trunk);
  char *hub = bones_ws_path(root, "hub.fossil");
  if (access(hub, R_OK) != 0) {
    json_object_set_new(trunk, "unknown", json_string("no .bones/hub.fossil yet: the hub never started"));
    free(hub);
    return;
  }
  const struct bones_repo_backend_v1 *repo = NULL;
  void *rh = NULL;
  char *state = bones_ws_path(root, "repo");
  struct bones_repo_options o = {bones_path_is_dir(state) ? state : NULL, TRUNK_TIMEOUT_MS};
  json_t *checkins = json_array();
  int rc = bones_loader_repo_backend("fossil", &repo, &err);
  if (rc == BONES_OK) rc = repo->open(&o, &rh, &err);
  if (rc == BONES_OK) rc = repo->timeline(rh, hub, 0, on_checkin, checkins, &err);
  if (rc == BONES_OK) count_unapplied(root, checkins, trunk);
  else {
    json_object_set_new(trunk, "unknown", bones_utf8_json(err.message));
    bones_prime_error(report, "trunk", &err);
  }
  if (rh) repo->close(rh);
  json_decref(checkins);
  free(state);
  free(hub);
}
