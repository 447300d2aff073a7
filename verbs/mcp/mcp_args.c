/* mcp_args.c: a tool call's arguments checked against the tool's params
 * and turned into the argv of `bones --json VERB ...` (mcp_int.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_int.h"
#include "text.h"
#include "util.h"

struct argv_builder {
  char **v;
  size_t n, cap;
};

static void push(struct argv_builder *b, char *s) {
  if (b->n + 2 > b->cap) {
    b->cap = b->cap ? b->cap * 2 : 16;
    b->v = bones_xrealloc(b->v, b->cap * sizeof *b->v);
  }
  b->v[b->n++] = s;
  b->v[b->n] = NULL;
}

void mcp_argv_free(char **argv) {
  if (argv == NULL) return;
  for (char **p = argv; *p; p++) free(*p);
  free(argv);
}

static const struct mcp_param *param_of(const struct mcp_tool *t, const char *name) {
  for (const struct mcp_param *p = t->params; p->name; p++)
    if (strcmp(p->name, name) == 0) return p;
  if (strcmp(name, mcp_dir_param.name) == 0) return &mcp_dir_param;
  return NULL;
}

static int refuse(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, size, fmt, ap);
  va_end(ap);
  return -1;
}

/* Checks one string value: valid UTF-8, no NUL (jansson allows one), and,
 * for an operand, not taken for an option by the verb. */
static int check_text(const struct mcp_param *p, const char *s, size_t len, char *why, size_t size) {
  if (strlen(s) != len) return refuse(why, size, "%s: a NUL character is not allowed", p->name);
  if (!bones_utf8_valid(s, len)) return refuse(why, size, "%s: not valid UTF-8", p->name);
  if (p->flag == NULL && s[0] == '-')
    return refuse(why, size, "%s: an operand may not start with '-' (it would be read as an option)", p->name);
  return 0;
}

/* Appends the argv words of p = value: "--flag=value", the bare flag for
 * true, one "--flag=v" per array item; an operand's values to ops. */
static int add_value(struct argv_builder *b, struct argv_builder *ops, const struct mcp_param *p, json_t *value,
                     char *why, size_t size) {
  switch (p->kind) {
  case 'b':
    if (!json_is_boolean(value)) return refuse(why, size, "%s must be a boolean", p->name);
    if (json_is_true(value)) push(b, bones_xstrdup(p->flag));
    return 0;
  case 'i':
    if (!json_is_integer(value) || json_integer_value(value) < 0)
      return refuse(why, size, "%s must be a non-negative integer", p->name);
    push(b, bones_xasprintf("%s=%lld", p->flag, (long long)json_integer_value(value)));
    return 0;
  case 'a': {
    if (!json_is_array(value)) return refuse(why, size, "%s must be an array of strings", p->name);
    size_t i;
    json_t *item;
    json_array_foreach(value, i, item) {
      if (!json_is_string(item)) return refuse(why, size, "%s[%zu] must be a string", p->name, i);
      if (check_text(p, json_string_value(item), json_string_length(item), why, size) != 0) return -1;
      if (p->flag) push(b, bones_xasprintf("%s=%s", p->flag, json_string_value(item)));
      else push(ops, bones_xstrdup(json_string_value(item)));
    }
    return 0;
  }
  default:
    if (!json_is_string(value)) return refuse(why, size, "%s must be a string", p->name);
    if (check_text(p, json_string_value(value), json_string_length(value), why, size) != 0) return -1;
    if (p->flag == NULL) push(ops, bones_xstrdup(json_string_value(value)));
    else if (p->flag[1] != '-') { /* a short option (-C): its value is the next word */
      push(b, bones_xstrdup(p->flag));
      push(b, bones_xstrdup(json_string_value(value)));
    } else push(b, bones_xasprintf("%s=%s", p->flag, json_string_value(value)));
    return 0;
  }
}

char **mcp_tool_argv(const struct mcp_tool *t, const char *self, json_t *arguments, char *why, size_t size) {
  if (arguments != NULL && !json_is_object(arguments)) {
    refuse(why, size, "arguments must be an object");
    return NULL;
  }
  const char *key;
  json_t *value;
  json_object_foreach(arguments, key, value) {
    if (param_of(t, key) == NULL) {
      refuse(why, size, "unknown argument '%s' for %s", key, t->name);
      return NULL;
    }
  }
  for (const struct mcp_param *p = t->params; p->name; p++)
    if (p->required && json_object_get(arguments, p->name) == NULL) {
      refuse(why, size, "%s needs the argument '%s'", t->name, p->name);
      return NULL;
    }
  struct argv_builder b = {NULL, 0, 0}, flags = {NULL, 0, 0}, ops = {NULL, 0, 0};
  push(&b, bones_xstrdup(self));
  push(&b, bones_xstrdup("--json"));
  json_t *dir = json_object_get(arguments, mcp_dir_param.name);
  int bad = dir ? add_value(&b, &ops, &mcp_dir_param, dir, why, size) : 0;
  for (size_t i = 0; i < 2 && t->verb[i]; i++) push(&b, bones_xstrdup(t->verb[i]));
  if (t->fixed) push(&b, bones_xstrdup(t->fixed));
  for (const struct mcp_param *p = t->params; p->name && bad == 0; p++) {
    json_t *v = json_object_get(arguments, p->name);
    if (v && !json_is_null(v)) bad = add_value(&flags, &ops, p, v, why, size);
  }
  for (size_t i = 0; i < flags.n; i++) push(&b, flags.v[i]);
  for (size_t i = 0; i < ops.n; i++) push(&b, ops.v[i]);
  free(flags.v);
  free(ops.v);
  if (bad) {
    mcp_argv_free(b.v);
    return NULL;
  }
  return b.v;
}
