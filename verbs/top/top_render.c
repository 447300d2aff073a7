/* top_render.c: a frame of `bones top` as lines of text (top.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "top.h"
#include "util.h"

static const char *str(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "-";
}

static long long num(json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }

/* The length of s's first width characters (UTF-8: continuation bytes
 * count for nothing), so a cut never splits a character. */
static size_t cut_at(const char *s, int width) {
  size_t i = 0;
  int cols = 0;
  for (; s[i]; i++) {
    if (((unsigned char)s[i] & 0xC0) == 0x80) continue;
    if (cols == width) break;
    cols++;
  }
  return i;
}

/* Appends one line (printf-style, already escaped) cut to f's width. */
static void add(struct top_frame *f, int width, int pane, int heading, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void add(struct top_frame *f, int width, int pane, int heading, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *text = NULL;
  if (vasprintf(&text, fmt, ap) < 0) text = NULL;
  va_end(ap);
  if (text == NULL) return;
  text[cut_at(text, width)] = '\0';
  if (f->n == f->cap) {
    f->cap = f->cap ? 2 * f->cap : 64;
    f->v = bones_xrealloc(f->v, f->cap * sizeof *f->v);
  }
  f->v[f->n++] = (struct top_line){pane, heading, text};
}

/* A substrate text made safe for a terminal line (control characters
 * escaped, newlines too); malloc'd. */
static char *safe(const char *s) { return bones_term_escape(s ? s : "-"); }

static void part_error(struct top_frame *f, int width, int pane, json_t *part) {
  const char *e = json_string_value(json_object_get(part, "error"));
  if (e == NULL) return;
  char *t = safe(e);
  add(f, width, pane, 0, "  (cannot read all of it: %s)", t);
  free(t);
}

static void slots(struct top_frame *f, int width, json_t *snap) {
  json_t *list = json_object_get(snap, "slots");
  size_t i, n[3] = {0, 0, 0};
  json_t *s;
  json_array_foreach(list, i, s) {
    const char *st = str(s, "state");
    n[strcmp(st, "active") == 0 ? 0 : strcmp(st, "idle") == 0 ? 1 : 2]++;
  }
  add(f, width, TOP_SLOTS, 1, "SLOTS  %zu  (%zu active, %zu idle, %zu stale)", json_array_size(list), n[0], n[1], n[2]);
  const char *e = json_string_value(json_object_get(snap, "slots_error"));
  if (e) {
    char *t = safe(e);
    add(f, width, TOP_SLOTS, 0, "  (cannot read all of it: %s)", t);
    free(t);
  }
  if (json_array_size(list) == 0) add(f, width, TOP_SLOTS, 0, "  no slot has joined (bones swarm join --slot NAME --task ID)");
  json_array_foreach(list, i, s) {
    char age[24], held[160] = "";
    bones_format_age(num(s, "idle_ms"), age, sizeof age);
    json_t *holds = json_object_get(s, "holds");
    size_t j, used = 0;
    json_t *h;
    json_array_foreach(holds, j, h) {
      int k = snprintf(held + used, sizeof held - used, "%s%s", j ? "," : "", json_string_value(h));
      if (k < 0 || (size_t)k >= sizeof held - used) break;
      used += (size_t)k;
    }
    char *slot = safe(str(s, "slot")), *task = safe(str(s, "task")), *title = safe(str(s, "title"));
    char *files = safe(held);
    add(f, width, TOP_SLOTS, 0, "  %-12s %-6s %5s  %-10s %3lld commits  %-22s %s", slot, str(s, "state"), age, task,
        num(s, "commits"), json_array_size(holds) ? files : "(no holds)", title);
    free(slot), free(task), free(title), free(files);
  }
}

static void tasks(struct top_frame *f, int width, json_t *snap) {
  json_t *t = json_object_get(snap, "tasks");
  add(f, width, TOP_TASKS, 1, "TASKS  ready %lld  claimed %lld  blocked %lld  closed %lld  (of %lld)", num(t, "ready"),
      num(t, "claimed"), num(t, "blocked"), num(t, "closed"), num(t, "total"));
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(t, "ready_top"), i, r) {
    char prio[8] = "--";
    if (json_is_integer(json_object_get(r, "priority"))) snprintf(prio, sizeof prio, "P%lld", num(r, "priority"));
    char *id = safe(str(r, "id")), *title = safe(str(r, "title"));
    add(f, width, TOP_TASKS, 0, "  ready  %-10s %-3s %s", id, prio, title);
    free(id), free(title);
  }
  if (num(t, "ready") > (long long)json_array_size(json_object_get(t, "ready_top")))
    add(f, width, TOP_TASKS, 0, "  ... %lld more ready", num(t, "ready") - (long long)json_array_size(json_object_get(t, "ready_top")));
}

static void trunk(struct top_frame *f, int width, json_t *snap) {
  json_t *t = json_object_get(snap, "trunk");
  char leaves[48] = "?", unapplied[24] = "?";
  if (json_is_integer(json_object_get(t, "leaves")))
    snprintf(leaves, sizeof leaves, "%lld%s", num(t, "leaves"), num(t, "leaves") == 1 ? " (linear)" : "  FORKED");
  if (json_is_integer(json_object_get(t, "unapplied"))) snprintf(unapplied, sizeof unapplied, "%lld", num(t, "unapplied"));
  add(f, width, TOP_TRUNK, 1, "TRUNK  leaves %s  not applied to git %s", leaves, unapplied);
  part_error(f, width, TOP_TRUNK, t);
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(t, "checkins"), i, c) {
    char *when = safe(str(c, "when")), *id = safe(str(c, "id"));
    char *user = safe(str(c, "user")), *comment = safe(str(c, "comment"));
    /* "2026-12-06T05:20:56.123Z": the time of day */
    add(f, width, TOP_TRUNK, 0, "  %.8s  %.10s  %-10s %s", strlen(when) >= 19 ? when + 11 : when, id, user, comment);
    free(when), free(id), free(user), free(comment);
  }
}

static void coord(struct top_frame *f, int width, json_t *snap) {
  json_t *c = json_object_get(snap, "coord");
  json_t *cps = json_object_get(c, "checkpoints"), *hs = json_object_get(c, "handoffs"),
         *bs = json_object_get(c, "broadcasts");
  add(f, width, TOP_COORD, 1, "COORD  checkpoints %zu  handoffs pending %zu  recent broadcasts %zu", json_array_size(cps),
      json_array_size(hs), json_array_size(bs));
  part_error(f, width, TOP_COORD, c);
  size_t i, j;
  json_t *x, *a;
  json_array_foreach(cps, i, x) {
    char at[200] = "", behind[200] = "";
    size_t u = 0;
    json_array_foreach(json_object_get(x, "at_round"), j, a) {
      int k = snprintf(at + u, sizeof at - u, "%s%s", j ? "," : "", json_string_value(a));
      if (k < 0 || (size_t)k >= sizeof at - u) break;
      u += (size_t)k;
    }
    u = 0;
    json_array_foreach(json_object_get(x, "behind"), j, a) {
      int k = snprintf(behind + u, sizeof behind - u, "%s%s", j ? "," : "", json_string_value(a));
      if (k < 0 || (size_t)k >= sizeof behind - u) break;
      u += (size_t)k;
    }
    char *name = safe(str(x, "name")), *sa = safe(at), *sb = safe(behind);
    if (*behind) add(f, width, TOP_COORD, 0, "  checkpoint %s round %lld: %s wait for %s", name, num(x, "round"), sa, sb);
    else add(f, width, TOP_COORD, 0, "  checkpoint %s round %lld: all of %s arrived", name, num(x, "round"), sa);
    free(name), free(sa), free(sb);
  }
  json_array_foreach(hs, i, x) {
    char *id = safe(str(x, "id")), *from = safe(str(x, "from")), *to = safe(str(x, "to")), *msg = safe(str(x, "message"));
    add(f, width, TOP_COORD, 0, "  handoff %.10s %s -> %s: %s", id, from, to, msg);
    free(id), free(from), free(to), free(msg);
  }
  json_array_foreach(bs, i, x) {
    char *at = safe(str(x, "at"));
    char *ch = safe(str(x, "channel")), *agent = safe(str(x, "agent")), *msg = safe(str(x, "message"));
    add(f, width, TOP_COORD, 0, "  #%s %.8s %s: %s", ch, strlen(at) >= 19 ? at + 11 : at, agent, msg);
    free(at), free(ch), free(agent), free(msg);
  }
}

void top_render(json_t *snap, int width, int64_t now_ms, struct top_frame *out) {
  memset(out, 0, sizeof *out);
  if (width < 20) width = 20;
  char now[40];
  bones_format_time(now_ms, now, sizeof now);
  char *ws = safe(str(snap, "workspace"));
  add(out, width, TOP_TITLE, 1, "bones top - %s - %.19sZ", ws, now);
  free(ws);
  slots(out, width, snap);
  tasks(out, width, snap);
  trunk(out, width, snap);
  coord(out, width, snap);
}

void top_frame_free(struct top_frame *f) {
  for (size_t i = 0; i < f->n; i++) free(f->v[i].text);
  free(f->v);
  memset(f, 0, sizeof *f);
}
