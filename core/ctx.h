/* ctx.h (internal): the state of one bones run, behind struct bones_ctx. */
#ifndef BONES_CTX_H
#define BONES_CTX_H

#include <stdio.h>

#include <bones/verb.h>

struct bones_ctx {
  int json;
  int quiet;
  int verbose;
  char *workspace;       /* root holding .bones/, or NULL */
  char *substrate;       /* the chosen spec before resolution */
  char *substrate_url;   /* resolved URL, once opened */
  char verb_path[128];   /* "kv get" */
  const char *usage;     /* --help text of the running (sub-)verb */
  bones_kv *kv;
  const char *substrate_option;      /* --substrate given before the verb, or NULL */
  struct bones_error workspace_err;  /* why discovery refused a workspace (code 0: none refused) */
  struct bones_error substrate_err;  /* why the workspace's config.json gives no substrate (code 0: fine) */
};

/* Runs the bones command line; returns the exit status.  The program's
 * main() registers built-ins first, then calls this. */
int bones_cli_main(int argc, char **argv);

/* Prints the global usage and the list of built-in verbs. */
void bones_cli_print_help(FILE *out);

/* Prints the help of verb (and sub-verb sub, may be NULL); returns 0, or
 * BONES_E_NOTFOUND when there is no such verb or sub-verb. */
int bones_cli_verb_help(FILE *out, const char *verb, const char *sub);

/* Fills err for "this verb needs a workspace and there is none": the
 * reason discovery refused one (bones_workspace_trust()), else "not in
 * a bones workspace" with hint.  Returns err's code. */
int bones_ctx_workspace_error(const struct bones_ctx *ctx, struct bones_error *err, const char *hint);

/* The --substrate given before the verb (borrowed), or NULL: unlike
 * bones_ctx_substrate(), never $BONES_SUBSTRATE nor the workspace's. */
const char *bones_ctx_substrate_option(const struct bones_ctx *ctx);

#endif /* BONES_CTX_H */
