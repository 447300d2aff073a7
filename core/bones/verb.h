/* bones/verb.h: the verb contract (git's cmd_struct, as a module ABI).
 *
 * A verb is a struct bones_verb_v1: a name, flags telling the core what to
 * prepare before the call (workspace, substrate), and either a run function
 * or a table of sub-verbs.  Built-in verbs are listed in verbs/verbs.def;
 * third-party verbs are verb_<name> modules (see bones/plugin.h).
 *
 * The core handles `--help` for every verb and sub-verb (it prints usage)
 * and prints every result and error through bones_ctx_emit / bones_ctx_fail,
 * so the JSON envelope and exit codes are the same everywhere.
 */
#ifndef BONES_VERB_H
#define BONES_VERB_H

#include <stdint.h>

#include <jansson.h>

#include <bones/error.h>
#include <bones/kv.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BONES_VERB_ABI 1

struct bones_ctx; /* owned by the core for the whole run */

enum bones_verb_flags {
  BONES_VERB_NEEDS_WORKSPACE = 1u << 0, /* fail with exit 7 outside a workspace */
  BONES_VERB_NEEDS_KV = 1u << 1,        /* open the substrate before the call */
  BONES_VERB_HIDDEN = 1u << 2           /* not listed by `bones help` */
};

/* A verb body: argv[0] is the (sub-)verb name; returns the exit status. */
typedef int (*bones_verb_fn)(struct bones_ctx *ctx, int argc, char **argv);

struct bones_subverb {
  const char *name;    /* "get" */
  const char *summary; /* one line */
  const char *usage;   /* full --help text (usage line, options) */
  bones_verb_fn run;
  uint32_t flags;      /* added to the verb's flags */
};

struct bones_verb_v1 {
  uint32_t abi;  /* BONES_VERB_ABI */
  uint32_t size; /* sizeof(struct bones_verb_v1) */
  const char *name;        /* "kv"; [a-z][a-z0-9-]* */
  const char *description; /* one line */
  uint32_t flags;          /* enum bones_verb_flags */
  const char *usage;       /* --help text of the verb itself */
  bones_verb_fn run;       /* NULL when the verb only has sub-verbs */
  const struct bones_subverb *subverbs; /* {NULL}-terminated, or NULL */
};

/* ---- services the core gives a running verb ---- */

/* 1 when --json was given (globally or to the verb). */
int bones_ctx_json(const struct bones_ctx *ctx);
/* 1 when -q was given. */
int bones_ctx_quiet(const struct bones_ctx *ctx);
/* Verbosity from -v (0 = normal). */
int bones_ctx_verbose(const struct bones_ctx *ctx);
/* "kv get": the verb path for messages (borrowed). */
const char *bones_ctx_verb_path(const struct bones_ctx *ctx);
/* The workspace root, or NULL outside one (borrowed). */
const char *bones_ctx_workspace(const struct bones_ctx *ctx);
/* The substrate spec chosen by --substrate > $BONES_SUBSTRATE >
 * workspace config > "sqlite" (borrowed). */
const char *bones_ctx_substrate(const struct bones_ctx *ctx);

/* The substrate connection, opened on first use; owned by the core (do not
 * close it).  Fills err when it cannot be opened. */
int bones_ctx_kv(struct bones_ctx *ctx, bones_kv **out, struct bones_error *err);

/* Prints a success result.  With --json: {"schema":"bones.<schema>/v1",
 * "data":data} on one line.  Without: nothing (the verb prints its own
 * text).  Takes ownership of data.  data NULL (a json_pack that failed)
 * prints an internal-error envelope instead and returns 1; otherwise
 * returns 0, or 1 when stdout cannot be written. */
int bones_ctx_emit(struct bones_ctx *ctx, const char *schema, json_t *data);

/* Prints err (stderr line "bones: <verb>: msg" plus "hint: ..." or, with
 * --json, the bones.error/v1 envelope on stdout) and returns the exit
 * status for err->code.  The texts are escaped for the terminal (control
 * characters, bad bytes) or made valid UTF-8 for the envelope, so the
 * error always prints. */
int bones_ctx_fail(struct bones_ctx *ctx, const struct bones_error *err);

/* As bones_ctx_fail, and with --json the fields of the object detail
 * (borrowed; may be NULL) are added to the error object, e.g. "files": [...]
 * for a merge conflict; code, exit, message and hint are never replaced. */
int bones_ctx_fail_detail(struct bones_ctx *ctx, const struct bones_error *err, json_t *detail);

/* A usage error (exit 2) with a printf-style message and a hint pointing
 * at `bones <verb> --help`. */
int bones_ctx_usage(struct bones_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints a human line to stdout unless -q or --json; for progress text.
 * Control characters and bytes that are not UTF-8 in the line are shown
 * escaped (\xNN), so quoted user or stored text cannot drive the terminal. */
void bones_ctx_say(struct bones_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif /* BONES_VERB_H */
