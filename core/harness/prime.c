/* prime.c: gathering the `bones prime` report (prime.h).  Each section
 * reads its own bucket without creating it; a section that cannot be read
 * is null plus an entry in "errors", never the end of the report. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "coord.h"
#include "cursor.h"
#include "holds.h"
#include "presence.h"
#include "msg.h"
#include "prime.h"
#include "sessions.h"
#include "slots.h"
#include "tasks.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

void bones_prime_error(json_t *report, const char *section, const struct bones_error *err) {
  json_t *errors = json_object_get(report, "errors");
  json_array_append_new(errors, json_pack("{s:s, s:i, s:o}", "section", section, "code", err->code, "message",
                                          bones_utf8_json(err->message)));
}

/* A string member of o (borrowed), NULL when absent. */
static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* 1 when a and b name the same directory. */
static int same_dir(const char *a, const char *b) {
  char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
  int same = ra && rb && strcmp(ra, rb) == 0;
  free(ra);
  free(rb);
  return same;
}

/* Opens an existing bucket (any TTL); a missing one is BONES_OK with *b
 * NULL: prime creates nothing. */
static int open_existing(bones_kv *kv, const char *name, bones_kv_bucket **b, struct bones_error *err) {
  struct bones_kv_bucket_config cfg = {BONES_KV_TTL_ANY, 0, 0};
  *b = NULL;
  int rc = bones_kv_bucket_open(kv, name, &cfg, b, NULL, err);
  if (rc == BONES_E_NOTFOUND) {
    bones_error_clear(err);
    return BONES_OK;
  }
  return rc;
}

/* ---- who and where ---- */

static void gather_identity(const struct bones_prime_in *in, json_t *r, char **agent, char **slot) {
  enum bones_agent_source src = BONES_AGENT_FROM_WORKSPACE;
  struct bones_error err;
  *agent = *slot = NULL;
  if (bones_agent_resolve(in->root, in->cwd, agent, slot, &src, &err) != BONES_OK) {
    bones_prime_error(r, "identity", &err);
    json_object_set_new(r, "identity", json_null());
    return;
  }
  json_t *id = json_pack("{s:s, s:s}", "agent", *agent, "source", bones_agent_source_name(src));
  json_object_set_new(id, "slot", *slot ? json_string(*slot) : json_null());
  char *wt = *slot ? bones_xasprintf("%s/.bones/swarm/%s/wt", in->root, *slot) : NULL;
  json_object_set_new(id, "worktree", wt ? bones_utf8_json(wt) : json_null());
  free(wt);
  const char *role = *slot ? "leaf" : same_dir(in->cwd ? in->cwd : ".", in->root) ? "orchestrator" : "agent";
  json_object_set_new(id, "role", json_string(role));
  json_object_set_new(r, "identity", id);
}

/* The slot's session with its lease: lease_ms (the record's, else the
 * default TTL), lease_expires_at, expires_in_ms and state (the record's,
 * else active/expired from the lease). */
static void gather_session(bones_kv *kv, const char *slot, json_t *r, int64_t now) {
  json_object_set_new(r, "session", json_null());
  if (slot == NULL || kv == NULL) return;
  struct bones_error err;
  bones_kv_bucket *b = NULL;
  json_t *s = NULL;
  int rc = open_existing(kv, BONES_SESSIONS_BUCKET, &b, &err);
  if (rc == BONES_OK && b) {
    struct bones_kv_value v = {0};
    rc = bones_kv_get(b, slot, &v, &err);
    if (rc == BONES_OK) {
      s = json_loadb((const char *)v.value, v.len, 0, NULL);
      if (!json_is_object(s)) rc = bones_error_set(&err, BONES_E_CORRUPT, "corrupt session record %s", slot);
    } else if (rc == BONES_E_NOTFOUND) {
      bones_error_clear(&err);
      rc = BONES_OK;
    }
    bones_kv_value_free(&v);
    bones_kv_bucket_close(b);
  }
  if (rc != BONES_OK) {
    json_decref(s);
    bones_prime_error(r, "session", &err);
    return;
  }
  if (s == NULL) return;
  json_t *lm = json_object_get(s, "lease_ms");
  int64_t lease = json_is_integer(lm) && json_integer_value(lm) > 0 ? (int64_t)json_integer_value(lm) : BONES_SESSION_TTL_MS;
  json_object_set_new(s, "lease_ms", json_integer(lease));
  int64_t renewed = 0;
  const char *lr = str(s, "last_renewed");
  if (lr && bones_parse_time(lr, &renewed) == 0) {
    char at[40];
    bones_format_time(renewed + lease, at, sizeof at);
    json_object_set_new(s, "lease_expires_at", json_string(at));
    json_object_set_new(s, "expires_in_ms", json_integer(renewed + lease - now));
    if (!json_is_string(json_object_get(s, "state")))
      json_object_set_new(s, "state", json_string(renewed + lease > now ? "active" : "expired"));
  }
  json_object_set_new(r, "session", s);
}

/* ---- tasks ---- */

/* The fields of a task an agent acts on (a new object). */
static json_t *task_brief(json_t *t) {
  json_t *o = json_pack("{s:O?, s:O?, s:O?}", "id", json_object_get(t, "id"), "title", json_object_get(t, "title"),
                        "status", json_object_get(t, "status"));
  json_t *p = json_object_get(t, "priority");
  json_object_set_new(o, "priority", json_is_integer(p) ? json_incref(p) : json_null());
  json_t *files = json_object_get(t, "files");
  json_object_set_new(o, "files", json_is_array(files) ? json_incref(files) : json_array());
  if (json_is_string(json_object_get(t, "lease_expires_at")))
    json_object_set(o, "lease_expires_at", json_object_get(t, "lease_expires_at"));
  if (json_is_integer(json_object_get(t, "claim_epoch")) && json_is_string(json_object_get(t, "claimed_by")))
    json_object_set(o, "claim_epoch", json_object_get(t, "claim_epoch"));
  return o;
}

static void gather_tasks(const struct bones_prime_in *in, const char *agent, json_t *r, int64_t now) {
  json_object_set_new(r, "claimed", json_null());
  json_object_set_new(r, "ready", json_null());
  if (in->kv == NULL || agent == NULL) return;
  struct bones_error err;
  bones_kv_bucket *b = NULL;
  struct bones_tasks *t = NULL;
  json_t *all = NULL, *corrupt = NULL;
  int rc = open_existing(in->kv, BONES_TASKS_BUCKET, &b, &err);
  bones_kv_bucket_close(b);
  if (rc == BONES_OK && b == NULL) all = json_array(); /* no backlog yet */
  else if (rc == BONES_OK && (rc = bones_tasks_open(in->kv, agent, &t, &err)) == BONES_OK)
    rc = bones_tasks_list(t, &all, &corrupt, &err);
  bones_tasks_free(t);
  if (rc != BONES_OK) {
    bones_prime_error(r, "tasks", &err);
    return;
  }
  size_t i;
  json_t *task;
  json_array_foreach(corrupt, i, task) {
    bones_error_set(&err, BONES_E_CORRUPT, "%s (left out)", str(task, "error") ? str(task, "error") : "corrupt task");
    bones_prime_error(r, "tasks", &err);
  }
  json_decref(corrupt);
  json_t *mine = json_array();
  json_array_foreach(all, i, task) {
    const char *by = str(task, "claimed_by");
    if (by && strcmp(by, agent) == 0 && strcmp(str(task, "status") ? str(task, "status") : "", "claimed") == 0)
      json_array_append_new(mine, task_brief(task));
  }
  json_object_set_new(r, "claimed", mine);
  json_t *ready = bones_tasks_ready(all, now, NULL);
  size_t limit = in->limit ? in->limit : BONES_PRIME_LIMIT_DEFAULT, total = json_array_size(ready);
  json_t *shown = json_array();
  for (i = 0; i < total && i < limit; i++) json_array_append_new(shown, task_brief(json_array_get(ready, i)));
  json_object_set_new(r, "ready", json_pack("{s:o, s:I, s:I, s:I}", "tasks", shown, "shown", (json_int_t)json_array_size(shown),
                                            "total", (json_int_t)total, "more", (json_int_t)(total - json_array_size(shown))));
  json_decref(ready);
  json_decref(all);
}

/* ---- holds and presence ---- */

static void gather_holds_presence(bones_kv *kv, const char *agent, json_t *r, int64_t now) {
  json_object_set_new(r, "holds", json_null());
  json_object_set_new(r, "present", json_null());
  if (kv == NULL) return;
  struct bones_error err;
  json_t *holds = NULL, *agents = NULL;
  if (bones_holds_list(kv, &holds, &err) != BONES_OK) bones_prime_error(r, "holds", &err);
  json_t *mine = json_array(), *by_agent = json_object();
  size_t i;
  json_t *h;
  json_array_foreach(holds, i, h) {
    const char *who = str(h, "agent");
    if (!json_is_true(json_object_get(h, "live")) || who == NULL || str(h, "path") == NULL) continue;
    if (agent && strcmp(who, agent) == 0) {
      json_array_append_new(mine, json_pack("{s:O, s:O?, s:O?, s:O?}", "path", json_object_get(h, "path"), "task",
                                            json_object_get(h, "task"), "slot", json_object_get(h, "slot"),
                                            "expires_at", json_object_get(h, "expires_at")));
      continue;
    }
    json_t *list = json_object_get(by_agent, who);
    if (list == NULL) json_object_set_new(by_agent, who, list = json_array());
    json_array_append(list, json_object_get(h, "path"));
  }
  if (holds) json_object_set_new(r, "holds", mine);
  else json_decref(mine);
  json_decref(holds);
  if (bones_presence_list(kv, &agents, &err) != BONES_OK) {
    bones_prime_error(r, "presence", &err);
    json_decref(by_agent);
    return;
  }
  json_t *others = json_array();
  json_t *a;
  json_array_foreach(agents, i, a) {
    const char *who = str(a, "agent");
    if (who == NULL || (agent && strcmp(who, agent) == 0)) continue;
    json_t *o = json_pack("{s:s, s:O?, s:O?, s:O?}", "agent", who, "slot", json_object_get(a, "slot"), "host",
                          json_object_get(a, "host"), "last_seen", json_object_get(a, "last_seen"));
    int64_t seen;
    if (str(a, "last_seen") && bones_parse_time(str(a, "last_seen"), &seen) == 0)
      json_object_set_new(o, "age_ms", json_integer(now - seen));
    json_t *held = json_object_get(by_agent, who);
    json_object_set_new(o, "holds", held ? json_incref(held) : json_array());
    json_array_append_new(others, o);
  }
  json_object_set_new(r, "present", others);
  json_decref(agents);
  json_decref(by_agent);
}

/* ---- handoffs and broadcasts ---- */

static void gather_handoffs(bones_kv *kv, const char *agent, json_t *r) {
  json_object_set_new(r, "handoffs", json_null());
  if (kv == NULL || agent == NULL) return;
  struct bones_error err;
  json_t *list = NULL;
  if (bones_handoff_list(kv, agent, 0, &list, &err) != BONES_OK) {
    bones_prime_error(r, "handoffs", &err);
    return;
  }
  json_object_set_new(r, "handoffs", list);
}

/* r.messages: {unread, need_ack, latest: the 5 oldest unread, each
 * {id, from, thread, needs_ack, text (its first line)}}, or null. */
static void gather_messages(bones_kv *kv, const char *agent, json_t *r) {
  json_object_set_new(r, "messages", json_null());
  if (kv == NULL || agent == NULL) return;
  struct bones_error err;
  json_t *list = NULL;
  if (bones_msg_inbox(kv, agent, 0, &list, NULL, &err) != BONES_OK) {
    bones_prime_error(r, "messages", &err);
    return;
  }
  size_t i, unread = 0, need_ack = 0;
  json_t *m, *latest = json_array();
  json_array_foreach(list, i, m) {
    int is_unread = json_is_null(json_object_get(m, "read_at"));
    int wants_ack = json_is_true(json_object_get(m, "needs_ack")) && json_is_null(json_object_get(m, "acked_at"));
    unread += is_unread;
    need_ack += wants_ack;
    if ((is_unread || wants_ack) && json_array_size(latest) < 5) {
      const char *text = str(m, "text") ? str(m, "text") : "";
      json_array_append_new(latest, json_pack("{s:O, s:O, s:O, s:b, s:s%}", "id", json_object_get(m, "id"), "from",
                                              json_object_get(m, "from"), "thread", json_object_get(m, "thread"),
                                              "needs_ack", wants_ack, "text", text, strcspn(text, "\n")));
    }
  }
  json_decref(list);
  json_object_set_new(r, "messages", json_pack("{s:I, s:I, s:o}", "unread", (json_int_t)unread, "need_ack",
                                               (json_int_t)need_ack, "latest", latest));
}

/* list state: the unread messages of every channel, grouped. */
struct unread {
  json_t *cursors;  /* {channel: id} */
  json_t *channels; /* array of {channel, cursor, unread, latest[]} in key order */
  json_t *cur;      /* the last element of channels */
  size_t latest;
};

static int on_broadcast(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  struct unread *u = arg;
  const char *slash = strchr(key, '/');
  if (slash == NULL || !bones_broadcast_id_valid(slash + 1)) return 0; /* the head hint */
  char channel[80];
  if ((size_t)(slash - key) >= sizeof channel) return 0;
  snprintf(channel, sizeof channel, "%.*s", (int)(slash - key), key);
  const char *cursor = json_string_value(json_object_get(u->cursors, channel));
  if (cursor && strcmp(slash + 1, cursor) <= 0) return 0;
  if (u->cur == NULL || strcmp(str(u->cur, "channel"), channel) != 0) {
    u->cur = json_pack("{s:s, s:s?, s:i, s:[]}", "channel", channel, "cursor", cursor, "unread", 0, "latest");
    json_array_append_new(u->channels, u->cur);
  }
  json_object_set_new(u->cur, "unread", json_integer(json_integer_value(json_object_get(u->cur, "unread")) + 1));
  json_t *m = json_loadb(value, len, 0, NULL);
  json_t *latest = json_object_get(u->cur, "latest");
  if (json_is_object(m)) {
    json_array_append_new(latest, json_pack("{s:s, s:O?, s:O?, s:O?}", "id", slash + 1, "agent", json_object_get(m, "agent"),
                                            "at", json_object_get(m, "at"), "message", json_object_get(m, "message")));
    if (json_array_size(latest) > u->latest) json_array_remove(latest, 0);
  }
  json_decref(m);
  return 0;
}

static void gather_broadcasts(const struct bones_prime_in *in, const char *agent, json_t *r) {
  json_object_set_new(r, "broadcasts", json_null());
  if (in->kv == NULL || agent == NULL) return;
  struct bones_error err;
  struct unread u = {NULL, json_array(), NULL, in->latest ? in->latest : BONES_PRIME_LATEST_DEFAULT};
  bones_kv_bucket *b = NULL;
  int rc = bones_cursor_all(in->kv, agent, &u.cursors, &err);
  if (rc == BONES_OK) rc = open_existing(in->kv, BONES_BROADCASTS_BUCKET, &b, &err);
  if (rc == BONES_OK && b) rc = bones_kv_list(b, "", on_broadcast, &u, &err);
  bones_kv_bucket_close(b);
  json_decref(u.cursors);
  if (rc != BONES_OK) {
    json_decref(u.channels);
    bones_prime_error(r, "broadcasts", &err);
    return;
  }
  json_int_t total = 0;
  size_t i;
  json_t *c;
  json_array_foreach(u.channels, i, c) {
    total += json_integer_value(json_object_get(c, "unread"));
    json_object_set_new(c, "mark_read", json_sprintf("bones coord broadcasts %s --new", str(c, "channel")));
  }
  json_object_set_new(r, "broadcasts", json_pack("{s:o, s:I}", "channels", u.channels, "unread", total));
}

/* ---- next steps ---- */


static void step(json_t *next, const char *command, const char *why) {
  json_array_append_new(next, json_pack("{s:o, s:s}", "command", bones_utf8_json(command), "why", why));
}

/* The commands for the situation in r: a leaf works, commits and closes;
 * an agent outside a slot takes work; everyone accepts handoffs and marks
 * broadcasts read; the orchestrator plans, watches and applies. */
static void gather_next(json_t *r) {
  json_t *next = json_array();
  json_t *id = json_object_get(r, "identity");
  const char *role = str(id, "role") ? str(id, "role") : "agent";
  const char *slot = str(id, "slot");
  json_t *session = json_object_get(r, "session"), *claimed = json_object_get(r, "claimed");
  json_t *ready = json_object_get(json_object_get(r, "ready"), "tasks");
  json_t *trunk = json_object_get(r, "trunk");
  char *cmd = NULL;
  if (slot) {
    if (!json_is_object(session)) {
      const char *tid = str(json_array_get(claimed, 0), "id");
      cmd = bones_xasprintf("bones swarm join --slot %s --task %s --force", slot, tid ? tid : "TASK-ID");
      step(next, cmd, "this slot has no live session: join it again (its claim may be gone)");
    } else {
      char *q = bones_shell_quote(str(id, "worktree") ? str(id, "worktree") : ".");
      cmd = bones_xasprintf("cd %s", q);
      free(q);
      step(next, cmd, "edit the task's files in this worktree (nowhere else)");
      step(next, "bones swarm commit -m MESSAGE", "land your changes on trunk (renews the lease)");
      step(next, "bones swarm close --result=success", "when the task is done (after at least one commit)");
      step(next, "bones swarm close --result=fail", "when you give the task up");
    }
  } else if (json_array_size(claimed) > 0) {
    const char *tid = str(json_array_get(claimed, 0), "id");
    cmd = bones_xasprintf("bones tasks close %s --reason done", tid);
    step(next, cmd, "you hold this claim: finish it and close it (or `bones tasks release ID`)");
  } else if (strcmp(role, "orchestrator") != 0) {
    if (json_array_size(ready) > 0) {
      step(next, "bones -q swarm join --slot NAME --next",
           "claim the most urgent ready task and get a worktree for it (prints its path: cd there)");
      cmd = bones_xasprintf("bones swarm join --slot NAME --task %s", str(json_array_get(ready, 0), "id"));
      step(next, cmd, "or join a given task (this is the most urgent one now)");
      step(next, "bones tasks claim --next", "or only claim the most urgent ready task, without a slot");
    } else {
      step(next, "bones tasks watch --timeout 5m", "nothing is ready: wait for new tasks");
    }
  }
  free(cmd);
  cmd = NULL;
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(r, "handoffs"), i, x) {
    cmd = bones_xasprintf("bones coord accept %s", str(x, "id") ? str(x, "id") : "ID");
    step(next, cmd, "a handoff addressed to you is pending");
    free(cmd);
  }
  json_t *msgs = json_object_get(r, "messages");
  json_int_t unread = json_integer_value(json_object_get(msgs, "unread")),
             need_ack = json_integer_value(json_object_get(msgs, "need_ack"));
  if (unread || need_ack) {
    char why[96];
    snprintf(why, sizeof why, "%lld unread message%s, %lld need%s an ack", (long long)unread, unread == 1 ? "" : "s",
             (long long)need_ack, need_ack == 1 ? "s" : "");
    step(next, "bones msg inbox --unread", why);
  }
  json_array_foreach(json_object_get(json_object_get(r, "broadcasts"), "channels"), i, x)
      step(next, str(x, "mark_read"), "read the unread broadcasts and mark them read");
  if (strcmp(role, "orchestrator") == 0) {
    if (!json_is_true(json_object_get(trunk, "hub_running"))) {
      if (json_is_string(json_object_get(trunk, "tip")) || json_is_object(json_object_get(trunk, "tip")))
        step(next, "bones hub start --detach", "the hub is not running (optional: `swarm join` starts it)");
      else
        step(next, "bones hub start --detach", "the hub was never seeded: leaves cannot join until it is");
    }
    step(next, "bones tasks create TITLE --files a,b --priority P1", "plan: one task per independent change");
    step(next, "bones swarm status", "watch the slots (active / idle / stale)");
    json_t *un = json_object_get(trunk, "unapplied");
    if (json_is_integer(un) && json_integer_value(un) > 0)
      step(next, "bones apply", "land trunk's new check-ins in the git working tree (staged, not committed)");
  }
  json_object_set_new(r, "next", next);
}

json_t *bones_prime_gather(const struct bones_prime_in *in) {
  int64_t now = bones_now_ms();
  char at[40];
  bones_format_time(now, at, sizeof at);
  const char *base = strrchr(in->root, '/');
  json_t *r = json_pack("{s:s, s:s, s:{s:o, s:o, s:o}, s:[]}", "generated_at", at, "version", PACKAGE_VERSION,
                        "workspace", "root", bones_utf8_json(in->root), "name", bones_utf8_json(base ? base + 1 : in->root),
                        "substrate", bones_utf8_json(in->substrate), "errors");
  if (in->kv == NULL) {
    struct bones_error err;
    bones_error_set(&err, BONES_E_UNAVAILABLE, "substrate unavailable: %s", in->kv_error ? in->kv_error : "not opened");
    bones_prime_error(r, "substrate", &err);
  }
  char *agent = NULL, *slot = NULL;
  gather_identity(in, r, &agent, &slot);
  gather_session(in->kv, slot, r, now);
  gather_tasks(in, agent, r, now);
  gather_holds_presence(in->kv, agent, r, now);
  gather_handoffs(in->kv, agent, r);
  gather_messages(in->kv, agent, r);
  gather_broadcasts(in, agent, r);
  bones_prime_trunk(in->root, r);
  gather_next(r);
  free(agent);
  free(slot);
  return r;
}

int bones_prime_sentinel_write(const char *root, const char *version, struct bones_error *err) {
  char at[40];
  bones_format_time(bones_now_ms(), at, sizeof at);
  char *line = bones_xasprintf("%s\t%s\n", at, version);
  char *path = bones_ws_path(root, BONES_PRIME_SENTINEL);
  int rc = bones_write_file_atomic(path, line, strlen(line), 0600, err);
  free(path);
  free(line);
  return rc;
}
