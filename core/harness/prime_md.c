/* prime_md.c: the `bones prime` report as Markdown (prime.h).  Every line
 * that carries stored text goes through bones_term_printf(), so control
 * characters and bad bytes are shown escaped (\n, \xNN) and a record can
 * neither start a new line nor drive a terminal. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prime.h"
#include "text.h"
#include "util.h"

/* A string member of o, or dflt. */
static const char *s_or(const json_t *o, const char *k, const char *dflt) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : dflt;
}

/* "850ms", "12s", "3m", "2h" (negative: the same, for "ago"). */
static void age(int64_t ms, char *buf, size_t size) {
  if (ms < 0) ms = -ms;
  if (ms < 1000) snprintf(buf, size, "%lldms", (long long)ms);
  else if (ms < 120000) snprintf(buf, size, "%llds", (long long)(ms / 1000));
  else if (ms < 7200000) snprintf(buf, size, "%lldm", (long long)(ms / 60000));
  else snprintf(buf, size, "%lldh", (long long)(ms / 3600000));
}

/* ", files: a, b" for a task's files ("" when none). */
static void print_files(FILE *f, const json_t *files) {
  size_t i;
  json_t *p;
  json_array_foreach(files, i, p) bones_term_printf(f, "%s%s", i ? ", " : " — files: ", json_string_value(p));
}

/* One task line: "- `t-x` P1 title — files: a, b". */
static void print_task(FILE *f, const char *bullet, const json_t *t) {
  json_t *p = json_object_get(t, "priority");
  char prio[8] = "P-";
  if (json_is_integer(p)) snprintf(prio, sizeof prio, "P%lld", (long long)json_integer_value(p));
  bones_term_printf(f, "%s `%s` %s %s", bullet, s_or(t, "id", "?"), prio, s_or(t, "title", ""));
  print_files(f, json_object_get(t, "files"));
  if (json_is_string(json_object_get(t, "lease_expires_at")))
    bones_term_printf(f, " — claim lease until %s", s_or(t, "lease_expires_at", ""));
  fputc('\n', f);
}

static void section_who(FILE *f, const json_t *r) {
  const json_t *ws = json_object_get(r, "workspace"), *id = json_object_get(r, "identity");
  fprintf(f, "## Who and where\n");
  bones_term_printf(f, "- workspace: `%s` (substrate %s)\n", s_or(ws, "root", "?"), s_or(ws, "substrate", "?"));
  if (!json_is_object(id)) {
    fprintf(f, "- agent: unknown (see Problems)\n\n");
    return;
  }
  bones_term_printf(f, "- agent: `%s` (identity from %s)\n", s_or(id, "agent", "?"), s_or(id, "source", "?"));
  bones_term_printf(f, "- role: %s\n", s_or(id, "role", "agent"));
  if (json_is_string(json_object_get(id, "slot"))) {
    bones_term_printf(f, "- slot: `%s`, worktree `%s`\n", s_or(id, "slot", ""), s_or(id, "worktree", ""));
    const json_t *s = json_object_get(r, "session");
    if (json_is_object(s)) {
      char left[32];
      json_t *in = json_object_get(s, "expires_in_ms");
      age(json_is_integer(in) ? (int64_t)json_integer_value(in) : 0, left, sizeof left);
      bones_term_printf(f, "- session: task `%s`, %s, last renewed %s, lease %s %s (until %s)\n", s_or(s, "task_id", "?"),
                        s_or(s, "state", "?"), s_or(s, "last_renewed", "?"),
                        json_is_integer(in) && json_integer_value(in) < 0 ? "expired" : "expires in", left,
                        s_or(s, "lease_expires_at", "?"));
    } else {
      fprintf(f, "- session: none (no live session record for this slot)\n");
    }
  }
  fputc('\n', f);
}

static void section_tasks(FILE *f, const json_t *r) {
  const json_t *mine = json_object_get(r, "claimed"), *ready = json_object_get(r, "ready");
  size_t i;
  json_t *t;
  if (json_is_array(mine)) {
    fprintf(f, "## My claimed tasks (%zu)\n", json_array_size(mine));
    if (json_array_size(mine) == 0) fprintf(f, "none\n");
    json_array_foreach(mine, i, t) print_task(f, "-", t);
  } else {
    fprintf(f, "## My claimed tasks\nunknown (see Problems)\n");
  }
  fputc('\n', f);
  if (!json_is_object(ready)) {
    fprintf(f, "## Ready work\nunknown (see Problems)\n\n");
    return;
  }
  long long shown = json_integer_value(json_object_get(ready, "shown")),
            total = json_integer_value(json_object_get(ready, "total")),
            more = json_integer_value(json_object_get(ready, "more"));
  fprintf(f, "## Ready work (%lld of %lld", shown, total);
  if (more > 0) fprintf(f, "; %lld more: `bones tasks ready`", more);
  fprintf(f, ")\n");
  if (total == 0) fprintf(f, "nothing is ready\n");
  json_array_foreach(json_object_get(ready, "tasks"), i, t) {
    char n[24];
    snprintf(n, sizeof n, "%zu.", i + 1);
    print_task(f, n, t);
  }
  fputc('\n', f);
}

static void section_holds(FILE *f, const json_t *r) {
  const json_t *holds = json_object_get(r, "holds");
  if (!json_is_array(holds)) {
    fprintf(f, "## My holds\nunknown (see Problems)\n\n");
    return;
  }
  fprintf(f, "## My holds (%zu)\n", json_array_size(holds));
  if (json_array_size(holds) == 0) fprintf(f, "none\n");
  size_t i;
  json_t *h;
  json_array_foreach(holds, i, h)
      bones_term_printf(f, "- `%s` (task %s, until %s)\n", s_or(h, "path", "?"), s_or(h, "task", "-"), s_or(h, "expires_at", "?"));
  fputc('\n', f);
}

static void section_handoffs(FILE *f, const json_t *r) {
  const json_t *list = json_object_get(r, "handoffs");
  if (!json_is_array(list)) {
    fprintf(f, "## Handoffs for me\nunknown (see Problems)\n\n");
    return;
  }
  fprintf(f, "## Handoffs for me (%zu pending)\n", json_array_size(list));
  if (json_array_size(list) == 0) fprintf(f, "none\n");
  size_t i;
  json_t *h;
  json_array_foreach(list, i, h)
      bones_term_printf(f, "- `%s` from `%s`: %s — %s (accept: `bones coord accept %s`)\n", s_or(h, "id", "?"),
                        s_or(h, "from", "?"), s_or(h, "artifact", ""), s_or(h, "message", ""), s_or(h, "id", "?"));
  fputc('\n', f);
}

static void section_messages(FILE *f, const json_t *r) {
  const json_t *m = json_object_get(r, "messages");
  if (!json_is_object(m)) {
    fprintf(f, "## Messages for me\nunknown (see Problems)\n\n");
    return;
  }
  json_int_t unread = json_integer_value(json_object_get(m, "unread")), ack = json_integer_value(json_object_get(m, "need_ack"));
  fprintf(f, "## Messages for me (%lld unread, %lld need an ack)\n", (long long)unread, (long long)ack);
  if (unread == 0 && ack == 0) fprintf(f, "none\n");
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(m, "latest"), i, x)
      bones_term_printf(f, "- `%s` from `%s`%s%s%s: %s (read: `bones msg read %s`)\n", s_or(x, "id", "?"),
                        s_or(x, "from", "?"), json_is_string(json_object_get(x, "thread")) ? " in #" : "",
                        s_or(x, "thread", ""), json_is_true(json_object_get(x, "needs_ack")) ? ", needs an ack" : "",
                        s_or(x, "text", ""), s_or(x, "id", "?"));
  fputc('\n', f);
}

static void section_broadcasts(FILE *f, const json_t *r) {
  const json_t *b = json_object_get(r, "broadcasts");
  if (!json_is_object(b)) {
    fprintf(f, "## Unread broadcasts\nunknown (see Problems)\n\n");
    return;
  }
  const json_t *channels = json_object_get(b, "channels");
  fprintf(f, "## Unread broadcasts (%lld on %zu channel%s)\n", (long long)json_integer_value(json_object_get(b, "unread")),
          json_array_size(channels), json_array_size(channels) == 1 ? "" : "s");
  if (json_array_size(channels) == 0) fprintf(f, "none\n");
  size_t i, j;
  json_t *c, *m;
  json_array_foreach(channels, i, c) {
    const json_t *latest = json_object_get(c, "latest");
    bones_term_printf(f, "- channel `%s`: %lld unread (latest %zu shown; mark read: `%s`)\n", s_or(c, "channel", "?"),
                      (long long)json_integer_value(json_object_get(c, "unread")), json_array_size(latest),
                      s_or(c, "mark_read", ""));
    json_array_foreach(latest, j, m)
        bones_term_printf(f, "  - `%s` %s %s: %s\n", s_or(m, "id", "?"), s_or(m, "at", "?"), s_or(m, "agent", "?"),
                          s_or(m, "message", ""));
  }
  fputc('\n', f);
}

static void section_present(FILE *f, const json_t *r) {
  const json_t *list = json_object_get(r, "present");
  if (!json_is_array(list)) {
    fprintf(f, "## Others present\nunknown (see Problems)\n\n");
    return;
  }
  fprintf(f, "## Others present (%zu)\n", json_array_size(list));
  if (json_array_size(list) == 0) fprintf(f, "nobody else\n");
  size_t i, j;
  json_t *a, *p;
  json_array_foreach(list, i, a) {
    char seen[32] = "?";
    json_t *ms = json_object_get(a, "age_ms");
    if (json_is_integer(ms)) age((int64_t)json_integer_value(ms), seen, sizeof seen);
    bones_term_printf(f, "- `%s`", s_or(a, "agent", "?"));
    if (json_is_string(json_object_get(a, "slot"))) bones_term_printf(f, " (slot %s)", s_or(a, "slot", ""));
    bones_term_printf(f, ", seen %s ago", seen);
    const json_t *holds = json_object_get(a, "holds");
    json_array_foreach(holds, j, p) bones_term_printf(f, "%s%s", j ? ", " : " — holds: ", json_string_value(p));
    fputc('\n', f);
  }
  fputc('\n', f);
}

static void section_trunk(FILE *f, const json_t *r) {
  const json_t *t = json_object_get(r, "trunk");
  fprintf(f, "## Trunk\n");
  bones_term_printf(f, "- hub: %s", s_or(t, "hub", "unknown"));
  if (json_is_string(json_object_get(t, "repo_url")) && json_is_true(json_object_get(t, "hub_running")))
    bones_term_printf(f, " at %s", s_or(t, "repo_url", ""));
  fputc('\n', f);
  const json_t *tip = json_object_get(t, "tip");
  if (json_is_object(tip)) {
    bones_term_printf(f, "- tip: `%.12s` %s by %s: %s\n", s_or(tip, "id", "?"), s_or(tip, "at", "?"), s_or(tip, "user", "?"),
                      s_or(tip, "comment", ""));
  }
  json_t *un = json_object_get(t, "unapplied");
  if (json_is_integer(un))
    fprintf(f, "- not applied to git: %lld check-in%s (counted from %s)%s\n", (long long)json_integer_value(un),
            json_integer_value(un) == 1 ? "" : "s",
            strcmp(s_or(t, "baseline", ""), "applied") == 0 ? ".bones/applied" : "the hub's seed",
            json_integer_value(un) > 0 ? "; `bones apply` lands them" : "");
  else bones_term_printf(f, "- tip and check-ins not applied: unknown (%s)\n", s_or(t, "unknown", "see Problems"));
  fputc('\n', f);
}

static void section_next(FILE *f, const json_t *r) {
  fprintf(f, "## Next steps\n");
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(r, "next"), i, s)
      bones_term_printf(f, "%zu. `%s` — %s\n", i + 1, s_or(s, "command", ""), s_or(s, "why", ""));
  if (json_array_size(json_object_get(r, "next")) == 0) fprintf(f, "nothing to do\n");
  fputc('\n', f);
}

static void section_problems(FILE *f, const json_t *r) {
  const json_t *errors = json_object_get(r, "errors");
  if (json_array_size(errors) == 0) return;
  fprintf(f, "## Problems (parts of this report are unknown)\n");
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) bones_term_printf(f, "- %s: %s\n", s_or(e, "section", "?"), s_or(e, "message", ""));
  fputc('\n', f);
}

/* Finishes a memstream into its buffer (malloc'd). */
static char *finish(FILE *f, char **buf) {
  fclose(f);
  return *buf ? *buf : bones_xstrdup("");
}

char *bones_prime_markdown(const json_t *r) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL) return bones_xstrdup("# bones prime\n\n(out of memory)\n");
  const json_t *id = json_object_get(r, "identity");
  bones_term_printf(f, "# bones prime: %s in %s\n", s_or(id, "agent", "unknown agent"),
                    s_or(json_object_get(r, "workspace"), "name", "?"));
  fputc('\n', f);
  bones_term_printf(f, "_%s · bones %s · read-only: nothing was claimed, renewed or marked read_\n",
                    s_or(r, "generated_at", "?"), s_or(r, "version", "?"));
  fputc('\n', f);
  section_who(f, r);
  section_tasks(f, r);
  section_holds(f, r);
  section_handoffs(f, r);
  section_messages(f, r);
  section_broadcasts(f, r);
  section_present(f, r);
  section_trunk(f, r);
  section_next(f, r);
  section_problems(f, r);
  return finish(f, &buf);
}

char *bones_prime_markdown_no_workspace(const char *why) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL) return bones_xstrdup("# bones prime\n\nbones is not set up here.\n");
  fprintf(f, "# bones prime\n\nbones is not set up here: no bones workspace holds this directory");
  if (why && *why) bones_term_printf(f, " (%s)", why);
  fprintf(f, ".\nWork as usual; to share this repository between agents, run `bones up` at the top of "
             "its git checkout.\n");
  return finish(f, &buf);
}
