/* complete_words.c: walks the command line being completed and prints
 * the candidates for its last word (complete.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "complete.h"
#include "ctx.h"
#include "loader.h"
#include "util.h"
#include "workspace.h"

/* Where the words say to look for dynamic values: -C DIR and --substrate
 * on the command line win over the run's own workspace and substrate. */
struct complete_scope {
  char *root;        /* malloc'd, or NULL */
  char *spec;        /* malloc'd, or NULL */
  const char *verb;  /* "tasks" */
  const char *sub;   /* "claim", or NULL */
};

/* 1 for the global options whose value is the next word. */
static int global_takes_value(const char *w) {
  return strcmp(w, "-C") == 0 || strcmp(w, "--substrate") == 0 || strcmp(w, "--plugin-path") == 0;
}

/* Prints the values of flag (NULL: an operand), whose help names metavar
 * and the lower-case choices (both may be NULL): the choices, then by the
 * flag or metavar slot names, backends, task ids (open ones for a claim or
 * a join), or a file / directory directive. */
static void complete_value(struct bones_complete_out *o, const struct complete_scope *s, const char *flag,
                           const char *metavar, const char *choices) {
  if (choices && *choices) {
    char *copy = bones_xstrdup(choices);
    for (char *save = NULL, *c = strtok_r(copy, "|", &save); c; c = strtok_r(NULL, "|", &save))
      bones_complete_add(o, c, NULL);
    free(copy);
  }
  const char *m = metavar ? metavar : "";
  const char *f = flag ? flag : "";
  int task_operand = flag == NULL && s->verb && strcmp(s->verb, "tasks") == 0 &&
                     (strcmp(m, "ID") == 0 || strcmp(m, "FROM") == 0 || strcmp(m, "TO") == 0);
  if (strcmp(f, "--slot") == 0) {
    bones_complete_slots(o, s->root);
  } else if (strcmp(f, "--substrate") == 0) {
    bones_complete_substrates(o);
  } else if (strcmp(f, "--task") == 0 || strcmp(f, "--parent") == 0 || task_operand) {
    int open_only = s->sub && (strcmp(s->sub, "claim") == 0 || strcmp(s->sub, "join") == 0);
    bones_complete_tasks(o, s->spec, s->root, open_only);
  } else if (strcmp(f, "-C") == 0 || strcmp(f, "--plugin-path") == 0 || strstr(m, "DIR")) {
    bones_complete_directive(o, "dirs");
  } else if (strstr(m, "FILE") || strstr(m, "PATH")) {
    bones_complete_directive(o, "files");
  }
}

/* The global options, read from `bones --help` itself. */
static void global_usage(struct bones_usage *u) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (mem == NULL) {
    memset(u, 0, sizeof *u);
    return;
  }
  bones_cli_print_help(mem);
  fclose(mem);
  bones_usage_parse(text, "bones", u);
  free(text);
}

static void complete_flags(struct bones_complete_out *o, const struct bones_usage *u) {
  for (size_t i = 0; i < u->nflags; i++) {
    const struct bones_usage_flag *f = &u->flags[i];
    if (f->name[1] != '-') continue; /* short flags: not offered */
    char word[48];
    snprintf(word, sizeof word, "%s%s", f->name, f->eq_form ? "=" : "");
    bones_complete_add(o, word, NULL);
  }
  bones_complete_add(o, "--help", NULL);
}

/* cur is "--flag=PARTIAL": completes PARTIAL as the value of --flag. */
static void complete_eq_value(struct bones_complete_out *o, const struct complete_scope *s,
                              const struct bones_usage *u, const char *cur) {
  size_t nl = strcspn(cur, "=");
  char name[40];
  snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1), cur);
  const struct bones_usage_flag *f = bones_usage_flag(u, name);
  char *lead = bones_xasprintf("%s=", name);
  o->lead = lead;
  complete_value(o, s, name, f ? f->metavar : NULL, f ? f->choices : NULL);
  o->lead = "";
  free(lead);
}

/* `bones help VERB SUB-VERB`: verbs, then that verb's sub-verbs. */
static void complete_help_operand(struct bones_complete_out *o, size_t index, const char *verb_word) {
  if (index == 0) {
    bones_complete_verbs(o);
    return;
  }
  const struct bones_verb_v1 *v = NULL;
  struct bones_error err;
  if (index == 1 && bones_loader_verb(verb_word, &v, &err) == BONES_OK && v->subverbs)
    for (const struct bones_subverb *sv = v->subverbs; sv->name; sv++) bones_complete_add(o, sv->name, sv->summary);
}

/* Completes words[i..n-1] after the verb (and sub-verb) with usage u. */
static void complete_args(struct bones_complete_out *o, struct complete_scope *s, const struct bones_usage *u,
                          char **words, int i, int n) {
  const char *cur = words[n - 1];
  size_t operand = 0;
  const char *first_operand = NULL;
  int options = 1;
  for (; i < n - 1; i++) {
    const char *w = words[i];
    if (options && strcmp(w, "--") == 0) {
      options = 0;
    } else if (options && w[0] == '-' && w[1]) {
      const struct bones_usage_flag *f = bones_usage_flag(u, w);
      if (f && f->takes_value && !strchr(w, '=')) {
        if (i == n - 2) { /* cur is this flag's value */
          complete_value(o, s, w, f->metavar, f->choices);
          return;
        }
        i++;
      }
    } else {
      if (operand == 0) first_operand = w;
      operand++;
    }
  }
  if (options && cur[0] == '-') {
    if (cur[1] == '-' && strchr(cur, '=')) complete_eq_value(o, s, u, cur);
    else complete_flags(o, u);
    return;
  }
  if (s->verb && strcmp(s->verb, "help") == 0) {
    complete_help_operand(o, operand, first_operand);
    return;
  }
  if (u->noperands == 0) return;
  size_t k = operand < u->noperands ? operand : u->noperands - 1;
  if (operand >= u->noperands && !u->last_repeats) return;
  complete_value(o, s, NULL, u->operands[k], NULL);
}

int bones_complete_words(FILE *out, char **words, int n, const char *root, const char *spec) {
  if (n < 1) return 0;
  struct bones_complete_out o = {.out = out, .prefix = words[n - 1], .lead = ""};
  struct complete_scope s = {0};
  s.root = root ? bones_xstrdup(root) : NULL;
  s.spec = spec ? bones_xstrdup(spec) : NULL;
  struct bones_usage *u = bones_xcalloc(1, sizeof *u);
  global_usage(u);
  /* the global options before the verb; like the real run, --substrate
   * wins over $BONES_SUBSTRATE, which wins over -C DIR's recorded one */
  const char *dir = NULL, *substrate = NULL;
  int i = 1;
  while (i < n - 1 && words[i][0] == '-' && words[i][1]) {
    const char *w = words[i];
    if (global_takes_value(w) && i + 1 == n - 1) { /* cur is its value */
      complete_value(&o, &s, w, NULL, NULL);
      goto done;
    }
    const char *value = global_takes_value(w) ? words[++i] : NULL;
    if (strcmp(w, "-C") == 0) dir = value;
    else if (strcmp(w, "--substrate") == 0) substrate = value;
    else if (strncmp(w, "--substrate=", 12) == 0) substrate = w + 12;
    i++;
  }
  if (dir) {
    char *found = NULL;
    struct bones_error err;
    free(s.root);
    s.root = bones_workspace_find(dir, &found, &err) == BONES_OK ? found : NULL;
    if (s.root == NULL) free(found);
    const char *env = getenv("BONES_SUBSTRATE");
    free(s.spec);
    s.spec = env && *env ? bones_xstrdup(env) : s.root ? bones_workspace_config_substrate(s.root) : NULL;
    if (s.spec == NULL) s.spec = bones_xstrdup("sqlite");
  }
  if (substrate) {
    free(s.spec);
    s.spec = bones_xstrdup(substrate);
  }
  const char *cur = words[n - 1];
  if (i == n - 1) { /* cur is a global option, its value, or the verb */
    if (cur[0] == '-' && strchr(cur, '=')) complete_eq_value(&o, &s, u, cur);
    else if (cur[0] == '-') {
      complete_flags(&o, u);
      bones_complete_add(&o, "--version", NULL);
    } else bones_complete_verbs(&o);
  } else {
    const struct bones_verb_v1 *v = NULL;
    struct bones_error err;
    if (bones_loader_verb(words[i], &v, &err) == BONES_OK && !(v->flags & BONES_VERB_HIDDEN)) {
      s.verb = v->name;
      i++;
      const struct bones_subverb *sub = NULL;
      if (v->subverbs && i < n - 1)
        for (const struct bones_subverb *sv = v->subverbs; sv->name; sv++)
          if (strcmp(sv->name, words[i]) == 0) sub = sv;
      if (v->subverbs && sub == NULL && i == n - 1 && cur[0] != '-') {
        for (const struct bones_subverb *sv = v->subverbs; sv->name; sv++)
          bones_complete_add(&o, sv->name, sv->summary);
      } else if (!v->subverbs || sub || v->run) {
        char path[160];
        snprintf(path, sizeof path, "%s%s%s", v->name, sub ? " " : "", sub ? sub->name : "");
        if (sub) {
          s.sub = sub->name;
          i++;
        }
        bones_usage_parse(sub ? (sub->usage ? sub->usage : sub->summary) : v->usage, path, u);
        complete_args(&o, &s, u, words, i, n);
      }
    }
  }
done:
  bones_complete_out_clear(&o);
  free(u);
  free(s.root);
  free(s.spec);
  return 0;
}
