/* complete.h (internal): shell completion for the bones command line,
 * computed from the verb registry (built-in and plugin verbs), each
 * (sub-)verb's --help text (its flags, their values, its operands) and,
 * for slot names and task ids, the workspace -- read only, bounded in
 * time, never starting a hub or a server.  `bones __complete` prints what
 * bones_complete() finds; `bones completion bash|zsh|fish` prints the
 * shell glue that calls it (docs/completion.md). */
#ifndef BONES_COMPLETE_H
#define BONES_COMPLETE_H

#include <stddef.h>
#include <stdio.h>

#include <bones/verb.h>

/* ---- the output: one candidate a line, "WORD" or "WORD<TAB>DESCRIPTION";
 * the lines ":files" and ":dirs" ask the shell to add file (directory)
 * names. ---- */

struct bones_complete_out {
  FILE *out;
  const char *prefix; /* only words starting with it are printed */
  const char *lead;   /* printed before each word ("--slot=") and part of the match; "" */
  char **seen;        /* words printed so far (no duplicates); malloc'd */
  size_t nseen;
};

/* Prints word (and desc, may be NULL) when it starts with o->prefix and
 * was not printed before.  Tabs, newlines and control characters in desc
 * become spaces; desc is cut to 100 bytes (at a UTF-8 boundary).  A word
 * holding a control character is never printed. */
void bones_complete_add(struct bones_complete_out *o, const char *word, const char *desc);

/* Prints a ":files" or ":dirs" directive line (kind "files" / "dirs"). */
void bones_complete_directive(struct bones_complete_out *o, const char *kind);

/* Frees o->seen. */
void bones_complete_out_clear(struct bones_complete_out *o);

/* ---- what a --help text says (complete_usage.c) ---- */

#define BONES_USAGE_FLAGS_MAX 64
#define BONES_USAGE_OPERANDS_MAX 8

struct bones_usage_flag {
  char name[40];      /* "--slot", or a short "-m" */
  int takes_value;    /* a value follows (" NAME", "=S", " a|b") */
  int eq_form;        /* written "--name=VALUE" in the text */
  char metavar[32];   /* "NAME", "FILE", or "" */
  char choices[160];  /* "success|fail|fork" (the lower-case words), or "" */
};

struct bones_usage {
  struct bones_usage_flag flags[BONES_USAGE_FLAGS_MAX];
  size_t nflags;
  char operands[BONES_USAGE_OPERANDS_MAX][32]; /* "ID", "FILES" */
  size_t noperands;
  int last_repeats; /* the last operand takes any number of words ("FILES...") */
};

/* Reads usage, the --help text of `bones <path>` (path: "tasks show",
 * "who"; the words before them on the usage line are skipped): the flags
 * on the usage lines and option tables, and the operands of the first
 * usage line.  Never fails; unknown shapes just give fewer entries. */
void bones_usage_parse(const char *usage, const char *path, struct bones_usage *u);

/* The entry of flag name ("--slot", "-m") in u, or NULL. */
const struct bones_usage_flag *bones_usage_flag(const struct bones_usage *u, const char *name);

/* ---- values (complete_values.c) ---- */

/* Every verb name (built-ins, then plugin verbs on the search path; not
 * the hidden ones) with its description. */
void bones_complete_verbs(struct bones_complete_out *o);

/* The names of the KV backends this bones can load (built-in and on the
 * search path): "sqlite", "nats", ... */
void bones_complete_substrates(struct bones_complete_out *o);

/* The slot directories of the workspace root (may be NULL: none). */
void bones_complete_slots(struct bones_complete_out *o, const char *root);

/* The task ids (with their titles) of the substrate spec for root, only
 * the open ones when open_only.  Reads only: a sqlite file that does not
 * exist is not created, a server is asked with a short timeout, nothing
 * is printed when the substrate cannot be read. */
void bones_complete_tasks(struct bones_complete_out *o, const char *spec, const char *root, int open_only);

/* ---- the engine (complete_words.c) ---- */

/* Prints the candidates for the command line words[0..n-1]: words[0] is
 * the program, words[n-1] the (partial, maybe empty) word under the
 * cursor.  root / spec: the workspace and substrate of this run (may be
 * NULL); a -C DIR or --substrate in words overrides them.  Returns 0. */
int bones_complete_words(FILE *out, char **words, int n, const char *root, const char *spec);

#endif /* BONES_COMPLETE_H */
