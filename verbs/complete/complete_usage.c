/* complete_usage.c: the flags and operands a (sub-)verb's --help text
 * names, for completion (complete.h).  The help texts follow one shape:
 *   usage: bones tasks claim ID [--ttl DURATION] [--takeover]
 *          bones tasks claim --next [--slot S]          (another form)
 *                             [--grace DURATION]        (continued)
 *     -f, --follow  TEXT                                (option table)
 * so reading them keeps completion in step with the help by construction. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "complete.h"

static void copy(char *dst, size_t size, const char *src, size_t len) {
  if (len >= size) len = size - 1;
  memcpy(dst, src, len);
  dst[len] = '\0';
}

/* A word of a usage line without its brackets, parentheses and "...". */
struct token {
  char text[160];
  int closed;  /* a ']' ended it: a flag in it takes no following value */
  int repeats; /* "..." ended it */
};

static void token_clean(const char *raw, size_t len, struct token *t) {
  while (len && (raw[0] == '[' || raw[0] == '(')) raw++, len--;
  t->closed = t->repeats = 0;
  for (;;) {
    if (len >= 3 && memcmp(raw + len - 3, "...", 3) == 0) len -= 3, t->repeats = 1;
    else if (len && strchr("]),", raw[len - 1])) t->closed |= raw[len - 1] != ',', len--;
    else break;
  }
  copy(t->text, sizeof t->text, raw, len);
}

static struct bones_usage_flag *flag_entry(struct bones_usage *u, const char *name, size_t len) {
  char buf[40];
  copy(buf, sizeof buf, name, len);
  for (size_t i = 0; i < u->nflags; i++)
    if (strcmp(u->flags[i].name, buf) == 0) return &u->flags[i];
  if (u->nflags == BONES_USAGE_FLAGS_MAX) return NULL;
  struct bones_usage_flag *f = &u->flags[u->nflags++];
  memset(f, 0, sizeof *f);
  snprintf(f->name, sizeof f->name, "%s", buf);
  return f;
}

/* The value of f, written "a|b|NAME|@FILE": lower-case words are choices,
 * the first upper-case one (without '@') the metavar. */
static void flag_value(struct bones_usage_flag *f, const char *value) {
  f->takes_value = 1;
  const char *p = value;
  while (*p) {
    size_t len = strcspn(p, "|");
    const char *w = p;
    size_t wl = len;
    if (wl && w[0] == '@') w++, wl--;
    int upper = 0, word = wl > 0;
    for (size_t i = 0; i < wl; i++) {
      if (isupper((unsigned char)w[i])) upper = 1;
      else if (!islower((unsigned char)w[i]) && !isdigit((unsigned char)w[i]) && w[i] != '-' && w[i] != '_') word = 0;
    }
    if (upper && !f->metavar[0]) copy(f->metavar, sizeof f->metavar, w, wl);
    else if (!upper && word && w[0] != '-' && strlen(f->choices) + wl + 2 < sizeof f->choices) {
      if (f->choices[0]) strcat(f->choices, "|");
      strncat(f->choices, w, wl);
    }
    p += len;
    if (*p == '|') p++;
  }
}

/* Records the flags of one token ("--slot", "--conflict=a|b", "-f|--follow");
 * returns the flag waiting for the next token as its value, or NULL. */
static struct bones_usage_flag *flag_token(struct bones_usage *u, const struct token *t) {
  struct bones_usage_flag *pending = NULL;
  const char *p = t->text;
  while (*p == '-') {
    size_t len = strcspn(p, "|");
    size_t name_len = strcspn(p, "=|");
    int named = name_len > 1 && p[1] != '=' && !(name_len == 2 && p[1] == '-'); /* not "-", "--" */
    if (named && strspn(p + 1, "-abcdefghijklmnopqrstuvwxyz0123456789") >= name_len - 1) {
      struct bones_usage_flag *f = flag_entry(u, p, name_len);
      if (f && p[name_len] == '=') {
        f->eq_form = 1;
        char value[160];
        copy(value, sizeof value, p + name_len + 1, strlen(p + name_len + 1));
        flag_value(f, value);
        return NULL; /* "--x=a|b": the rest of the token is its value */
      }
      pending = f;
    }
    p += len;
    if (*p == '|') p++;
  }
  return t->closed ? NULL : pending;
}

static int is_metavar_or_choice(const char *w) { return w[0] && w[0] != '-' && w[0] != '[' && w[0] != '('; }

/* Reads one line: all its flags; operands too when operands is set (the
 * first usage line, after path).  table: an option table line, read up to
 * the first double space (the description follows). */
static void parse_line(struct bones_usage *u, const char *line, size_t len, const char *path, int operands,
                       int table) {
  struct bones_usage_flag *pending = NULL;
  const char *path_at = path; /* the words of path still to skip */
  size_t i = 0;
  while (i < len) {
    size_t start = i;
    while (i < len && !isspace((unsigned char)line[i])) i++;
    size_t tlen = i - start;
    size_t spaces = 0;
    while (i < len && isspace((unsigned char)line[i])) i++, spaces++;
    if (tlen == 0 || (tlen == 1 && line[start] == '|')) continue; /* "(--to DIR | --slot NAME)" */
    struct token t;
    token_clean(line + start, tlen, &t);
    if (path_at) { /* skip "usage:", "bones", global options, up to the verb path */
      size_t wl = strcspn(path_at, " ");
      if (strlen(t.text) == wl && strncmp(t.text, path_at, wl) == 0) {
        path_at += wl;
        while (*path_at == ' ') path_at++;
        if (!*path_at) path_at = NULL;
      }
      continue;
    }
    if (pending && is_metavar_or_choice(line + start)) {
      flag_value(pending, t.text);
      pending = NULL;
    } else if (t.text[0] == '-' && t.text[1]) {
      pending = flag_token(u, &t);
    } else if (operands && t.text[0] && !pending && u->noperands < BONES_USAGE_OPERANDS_MAX) {
      const char *w = t.text[0] == '@' ? t.text + 1 : t.text;
      copy(u->operands[u->noperands++], sizeof u->operands[0], w, strlen(w));
      u->last_repeats = t.repeats;
    } else {
      pending = NULL;
    }
    if (table && spaces >= 2) break;
  }
}

void bones_usage_parse(const char *usage, const char *path, struct bones_usage *u) {
  memset(u, 0, sizeof *u);
  if (usage == NULL) return;
  int first = 1;
  for (const char *line = usage; *line;) {
    size_t len = strcspn(line, "\n");
    size_t indent = strspn(line, " \t");
    int usage_line = len >= 6 && strncmp(line, "usage:", 6) == 0;
    int other_form = indent > 0 && indent + 6 <= len && strncmp(line + indent, "bones ", 6) == 0;
    int continued = indent > 0 && indent < len && line[indent] == '[';
    int table = indent > 0 && indent + 1 < len && line[indent] == '-' && line[indent + 1] != ' ';
    if (usage_line || other_form) {
      parse_line(u, line, len, path, usage_line && first, 0);
      if (usage_line) first = 0;
    } else if (continued) {
      parse_line(u, line, len, NULL, 0, 0);
    } else if (table) {
      parse_line(u, line, len, NULL, 0, 1);
    }
    line += len;
    if (*line) line++;
  }
}

const struct bones_usage_flag *bones_usage_flag(const struct bones_usage *u, const char *name) {
  for (size_t i = 0; i < u->nflags; i++)
    if (strcmp(u->flags[i].name, name) == 0) return &u->flags[i];
  return NULL;
}
