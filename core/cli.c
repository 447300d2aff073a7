/* cli.c: the bones command line: global options, verb dispatch (git's
 * run_builtin), and the services a verb gets through struct bones_ctx. */
#include "substrate.h"
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "loader.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

static const char global_usage[] =
    "usage: bones [--substrate=NAME|URL] [-C DIR] [--json] [-q] [-v]\n"
    "             [--plugin-path=DIRS] VERB [ARGS...]\n"
    "       bones help [VERB]     show the verbs, or one verb's help\n"
    "\n"
    "global options:\n"
    "  --substrate=S     KV substrate: sqlite, sqlite:PATH, nats, nats://HOST:PORT,\n"
    "                    redis, redis://HOST:PORT/DB (default: workspace config, then sqlite)\n"
    "  -C DIR            run as if started in DIR\n"
    "  --json            print results as JSON (schema bones.<verb>/v1)\n"
    "  -q, --quiet       print only what was asked for\n"
    "  -v, --verbose     say more\n"
    "  --plugin-path=D   extra module directories (':'-separated), searched first\n"
    "  -h, --help        this help; --version: the version\n"
    "\n"
    "exit codes: 0 ok, 1 internal, 2 usage, 3 not found, 4 conflict, 5 unavailable,\n"
    "            6 refused by state, 7 no workspace, 8 too large, 124 wait timed out\n";

/* ---- services for verbs (bones/verb.h) ---- */

int bones_ctx_json(const struct bones_ctx *ctx) { return ctx->json; }
int bones_ctx_quiet(const struct bones_ctx *ctx) { return ctx->quiet; }
int bones_ctx_verbose(const struct bones_ctx *ctx) { return ctx->verbose; }
const char *bones_ctx_verb_path(const struct bones_ctx *ctx) { return ctx->verb_path; }
const char *bones_ctx_workspace(const struct bones_ctx *ctx) { return ctx->workspace; }
const char *bones_ctx_substrate(const struct bones_ctx *ctx) { return ctx->substrate; }

int bones_ctx_kv(struct bones_ctx *ctx, bones_kv **out, struct bones_error *err) {
  if (ctx->kv) {
    *out = ctx->kv;
    return BONES_OK;
  }
  if (ctx->substrate_err.code != BONES_OK) {
    *err = ctx->substrate_err;
    return err->code;
  }
  char *url = NULL; /* without the managed credential (substrate.h) */
  int rc = bones_substrate_open(ctx->substrate, ctx->workspace, NULL, &ctx->kv, &url, err);
  if (rc == BONES_E_NOWORKSPACE && ctx->workspace_err.code != BONES_OK) {
    *err = ctx->workspace_err; /* say why the workspace was refused */
    return err->code;
  }
  if (rc != BONES_OK) return rc;
  ctx->substrate_url = url;
  *out = ctx->kv;
  return BONES_OK;
}

int bones_ctx_emit(struct bones_ctx *ctx, const char *schema, json_t *data) {
  if (!ctx->json) {
    json_decref(data);
    return 0;
  }
  if (data == NULL) { /* a json_pack/json_string upstream failed: never print data:null as success */
    struct bones_error err;
    bones_error_set(&err, BONES_E_INTERNAL, "cannot encode the %s result as JSON", schema);
    return bones_ctx_fail(ctx, &err);
  }
  json_t *env = json_object();
  char *name = bones_xasprintf("bones.%s/v1", schema);
  json_t *jname = json_string(name);
  free(name);
  if (env == NULL || jname == NULL || json_object_set_new(env, "schema", jname) != 0 ||
      json_object_set_new(env, "data", data) != 0) {
    json_decref(env);
    struct bones_error err;
    bones_error_set(&err, BONES_E_INTERNAL, "cannot encode the %s result as JSON", schema);
    return bones_ctx_fail(ctx, &err);
  }
  int rc = json_dumpf(env, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(env);
  if (rc != 0 || fputc('\n', stdout) == EOF) return 1;
  return 0;
}

/* Prints the bones.error/v1 envelope of code, msg, hint (left out when
 * empty) and the fields of detail (may be NULL; borrowed) on stdout.  The
 * texts are made valid UTF-8 first (a message may quote bad input or be
 * cut mid-character), so the envelope always prints. */
static void print_error_envelope(int code, const char *msg, const char *hint, json_t *detail) {
  json_t *e = json_pack("{s:s, s:i, s:o}", "code", bones_rc_name(code), "exit", bones_rc_exit_code(code), "message",
                        bones_utf8_json(msg));
  if (e && hint && hint[0]) json_object_set_new(e, "hint", bones_utf8_json(hint));
  const char *key;
  json_t *value;
  if (e && json_is_object(detail)) json_object_foreach(detail, key, value) {
      if (json_object_get(e, key) == NULL) json_object_set(e, key, value);
    }
  json_t *env = e ? json_pack("{s:s, s:o}", "schema", "bones.error/v1", "error", e) : NULL;
  if (env == NULL || json_dumpf(env, stdout, JSON_COMPACT) != 0)
    printf("{\"schema\":\"bones.error/v1\",\"error\":{\"code\":\"%s\",\"exit\":%d,\"message\":\"%s\"}}",
           bones_rc_name(code), bones_rc_exit_code(code), "the error message cannot be encoded");
  fputc('\n', stdout);
  fflush(stdout);
  json_decref(env);
}

int bones_ctx_fail(struct bones_ctx *ctx, const struct bones_error *err) {
  return bones_ctx_fail_detail(ctx, err, NULL);
}

int bones_ctx_fail_detail(struct bones_ctx *ctx, const struct bones_error *err, json_t *detail) {
  int code = err->code == BONES_OK ? BONES_E_INTERNAL : err->code;
  const char *msg = err->message[0] ? err->message : bones_rc_name(code);
  if (ctx->json) {
    print_error_envelope(code, msg, err->hint, detail);
  } else {
    bones_term_printf(stderr, "bones: %s%s%s\n", ctx->verb_path, ctx->verb_path[0] ? ": " : "", msg);
    if (err->hint[0]) bones_term_printf(stderr, "hint: %s\n", err->hint);
  }
  return bones_rc_exit_code(code);
}

int bones_ctx_usage(struct bones_ctx *ctx, const char *fmt, ...) {
  struct bones_error err;
  va_list ap;
  va_start(ap, fmt);
  bones_error_setv(&err, BONES_E_USAGE, fmt, ap);
  va_end(ap);
  bones_error_hint(&err, "see `bones %s --help`", ctx->verb_path[0] ? ctx->verb_path : "help");
  return bones_ctx_fail(ctx, &err);
}

void bones_ctx_say(struct bones_ctx *ctx, const char *fmt, ...) {
  if (ctx->quiet || ctx->json) return;
  va_list ap;
  char *text = NULL;
  va_start(ap, fmt);
  int n = vasprintf(&text, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  bones_term_printf(stdout, "%s\n", text); /* the line may quote stored or user text */
  free(text);
}

/* ---- dispatch ---- */

/* "did you mean" for an unknown verb WORD: the verbs within a small edit
 * distance or starting with WORD, and the sub-verbs named WORD (`bones
 * join` -> `bones swarm join`), best first, at most three. */
struct suggest {
  const char *word;
  char text[200];
  size_t best_distance;
  int exact_subverbs;
};

static size_t suggest_threshold(const char *word) { return strlen(word) <= 4 ? 1 : 2; }

static void suggest_add(struct suggest *s, const char *verb, const char *sub) {
  size_t used = strlen(s->text);
  const char *sep = used ? " or " : "";
  snprintf(s->text + used, sizeof s->text - used, "%s`bones %s%s%s`", sep, verb, sub ? " " : "", sub ? sub : "");
}

static void suggest_subverb(void *arg, const struct bones_verb_v1 *v) {
  struct suggest *s = arg;
  if ((v->flags & BONES_VERB_HIDDEN) || v->subverbs == NULL) return;
  for (const struct bones_subverb *sv = v->subverbs; sv->name; sv++)
    if (strcmp(sv->name, s->word) == 0 && s->exact_subverbs < 3) {
      suggest_add(s, v->name, sv->name);
      s->exact_subverbs++;
    }
}

static void suggest_verb(void *arg, const struct bones_verb_v1 *v) {
  struct suggest *s = arg;
  if (v->flags & BONES_VERB_HIDDEN) return;
  size_t d = bones_edit_distance(s->word, v->name);
  if (strncmp(v->name, s->word, strlen(s->word)) == 0) d = 1; /* a prefix: `bones work` */
  if (d <= suggest_threshold(s->word) && d < s->best_distance) {
    s->best_distance = d;
    snprintf(s->text, sizeof s->text, "`bones %s`", v->name);
  }
}

static void print_verb_line(void *arg, const struct bones_verb_v1 *v) {
  if (v->flags & BONES_VERB_HIDDEN) return;
  fprintf((FILE *)arg, "  %-12s %s\n", v->name, v->description);
}

void bones_cli_print_help(FILE *out) {
  fputs(global_usage, out);
  fputs("\nverbs:\n", out);
  bones_loader_each_builtin_verb(print_verb_line, out);
  fputs("\nverbs from modules on the plugin path are listed by `bones plugins`.\n", out);
}

static void print_verb_usage(FILE *out, const struct bones_verb_v1 *v) {
  if (v->usage) fputs(v->usage, out);
  else fprintf(out, "usage: bones %s ...\n", v->name);
  if (v->subverbs) {
    fputs("\nsub-verbs:\n", out);
    for (const struct bones_subverb *s = v->subverbs; s->name; s++)
      fprintf(out, "  %-12s %s\n", s->name, s->summary ? s->summary : "");
  }
}

/* A sub-verb's --help: its own text, then one pointer to what every
 * sub-verb of the verb shares (the verb's --help: IDs, agent, exit codes),
 * so that paragraph is printed once, not under every sub-verb. */
static void print_subverb_usage(FILE *out, const struct bones_verb_v1 *v, const struct bones_subverb *s) {
  fputs(s->usage ? s->usage : s->summary, out);
  if (v->usage && strstr(v->usage, "xit codes"))
    fprintf(out, "Shared by every `bones %s` sub-verb (names, agent, exit codes): `bones %s --help`.\n", v->name,
          v->name);
}

int bones_cli_verb_help(FILE *out, const char *verb, const char *sub) {
  const struct bones_verb_v1 *v = NULL;
  struct bones_error err;
  if (bones_loader_verb(verb, &v, &err) != BONES_OK) return BONES_E_NOTFOUND;
  if (sub && v->subverbs) {
    for (const struct bones_subverb *s = v->subverbs; s->name; s++) {
      if (strcmp(s->name, sub) == 0) {
        print_subverb_usage(out, v, s);
        return 0;
      }
    }
    return BONES_E_NOTFOUND;
  }
  print_verb_usage(out, v);
  return 0;
}

/* Removes --json, -q/--quiet and notes --help/-h in argv[1..] (up to a
 * "--", which is kept so verbs see plain operands after it). */
static int strip_common_flags(struct bones_ctx *ctx, int *argc, char **argv, int *help) {
  int out = 1;
  int passthrough = 0;
  for (int i = 1; i < *argc; i++) {
    char *a = argv[i];
    if (!passthrough) {
      if (strcmp(a, "--") == 0) passthrough = 1;
      else if (strcmp(a, "--json") == 0) { ctx->json = 1; continue; }
      else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) { ctx->quiet = 1; continue; }
      else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { *help = 1; continue; }
    }
    argv[out++] = a;
  }
  argv[out] = NULL;
  *argc = out;
  return 0;
}

static int run_verb(struct bones_ctx *ctx, const struct bones_verb_v1 *verb, int argc, char **argv) {
  uint32_t flags = verb->flags;
  bones_verb_fn fn = verb->run;
  const char *usage = verb->usage;
  int help = 0;
  const struct bones_subverb *found_sub = NULL;
  snprintf(ctx->verb_path, sizeof ctx->verb_path, "%s", verb->name);

  if (verb->subverbs) {
    if (argc < 2 || argv[1][0] == '-') {
      /* no sub-verb: verb --help, or the verb's own run, or an error */
      if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        print_verb_usage(stdout, verb);
        return 0;
      }
      if (fn == NULL) {
        print_verb_usage(stderr, verb);
        return 2;
      }
    } else {
      const struct bones_subverb *found = NULL;
      for (const struct bones_subverb *s = verb->subverbs; s->name; s++)
        if (strcmp(s->name, argv[1]) == 0) found = s;
      if (found == NULL && fn == NULL) {
        const char *best = NULL;
        size_t bestd = 3;
        for (const struct bones_subverb *s = verb->subverbs; s->name; s++) {
          size_t d = bones_edit_distance(argv[1], s->name);
          if (d < bestd) bestd = d, best = s->name;
        }
        struct bones_error err;
        bones_error_set(&err, BONES_E_USAGE, "'%s' is not a sub-verb of %s", argv[1], verb->name);
        if (best) bones_error_hint(&err, "did you mean `bones %s %s`?", verb->name, best);
        else bones_error_hint(&err, "see `bones %s --help`", verb->name);
        return bones_ctx_fail(ctx, &err);
      }
      if (found) {
        found_sub = found;
        fn = found->run;
        flags |= found->flags;
        usage = found->usage ? found->usage : found->summary;
        snprintf(ctx->verb_path, sizeof ctx->verb_path, "%s %s", verb->name, found->name);
        argc--;
        argv++;
      }
    }
  }
  strip_common_flags(ctx, &argc, argv, &help);
  ctx->usage = usage;
  if (help) {
    if (found_sub) print_subverb_usage(stdout, verb, found_sub);
    else if (usage) fputs(usage, stdout);
    else print_verb_usage(stdout, verb);
    return 0;
  }
  struct bones_error err;
  bones_error_clear(&err);
  if ((flags & BONES_VERB_NEEDS_WORKSPACE) && ctx->workspace == NULL) {
    bones_ctx_workspace_error(ctx, &err, "run `bones up` at the top of your git repository, or use -C DIR");
    return bones_ctx_fail(ctx, &err);
  }
  if (flags & BONES_VERB_NEEDS_KV) {
    bones_kv *kv = NULL;
    if (bones_ctx_kv(ctx, &kv, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  }
  return fn(ctx, argc, argv);
}

int bones_cli_main(int argc, char **argv) {
  static const struct option opts[] = {
      {"substrate", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
      {"quiet", no_argument, NULL, 'q'},           {"verbose", no_argument, NULL, 'v'},
      {"plugin-path", required_argument, NULL, 'p'}, {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},         {NULL, 0, NULL, 0}};
  struct bones_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  const char *substrate_opt = NULL, *dir_opt = NULL;
  int want_help = 0, want_version = 0;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+C:qvhj", opts, NULL)) != -1) {
    switch (c) {
    case 's': substrate_opt = ctx.substrate_option = optarg; break;
    case 'C': dir_opt = optarg; break;
    case 'j': ctx.json = 1; break;
    case 'q': ctx.quiet = 1; break;
    case 'v': ctx.verbose++; break;
    case 'p': bones_loader_set_plugin_path(optarg); break;
    case 'h': want_help = 1; break;
    case 'V': want_version = 1; break;
    default: {
      struct bones_error err;
      if (optopt) bones_error_set(&err, BONES_E_USAGE, "unknown or incomplete global option '-%c'", optopt);
      else bones_error_set(&err, BONES_E_USAGE, "unknown or incomplete global option '%s'", argv[optind - 1]);
      bones_error_hint(&err, "see `bones --help`; verb options go after the verb");
      return bones_ctx_fail(&ctx, &err);
    }
    }
  }
  int rc = 0;
  struct bones_error err;
  bones_error_clear(&err);
  if (dir_opt && chdir(dir_opt) != 0) {
    bones_error_set(&err, BONES_E_USAGE, "cannot change to directory %s: %s", dir_opt, strerror(errno));
    return bones_ctx_fail(&ctx, &err);
  }
  char *version_argv[] = {"version", NULL};
  int verb_argc = argc - optind;
  char **verb_argv = argv + optind;
  if (want_version) { /* --version runs `bones version` */
    verb_argc = 1;
    verb_argv = version_argv;
  } else if (want_help || optind >= argc) {
    bones_cli_print_help(want_help ? stdout : stderr);
    return want_help ? 0 : 2;
  }
  /* workspace: the top of the git work tree of -C DIR or the cwd, else
   * $BONES_WORKSPACE; a refused one is kept as the reason there is none */
  const char *env_ws = getenv("BONES_WORKSPACE");
  bones_error_clear(&ctx.workspace_err);
  bones_workspace_find(NULL, &ctx.workspace, &ctx.workspace_err);
  if (ctx.workspace == NULL && ctx.workspace_err.code == BONES_OK && dir_opt == NULL && env_ws && *env_ws)
    bones_workspace_find(env_ws, &ctx.workspace, &ctx.workspace_err);
  /* substrate: --substrate > $BONES_SUBSTRATE > workspace config > sqlite */
  const char *env_sub = getenv("BONES_SUBSTRATE");
  if (substrate_opt) ctx.substrate = bones_xstrdup(substrate_opt);
  else if (env_sub && *env_sub) ctx.substrate = bones_xstrdup(env_sub);
  else if (ctx.workspace) {
    /* a broken config.json is an error, never a silent sqlite */
    bones_error_clear(&ctx.substrate_err);
    bones_workspace_config_check(ctx.workspace, &ctx.substrate_err);
    ctx.substrate = bones_workspace_config_substrate(ctx.workspace);
  }
  if (ctx.substrate == NULL) ctx.substrate = bones_xstrdup("sqlite");

  const char *name = verb_argv[0];
  const struct bones_verb_v1 *verb = NULL;
  rc = bones_loader_verb(name, &verb, &err);
  if (rc != BONES_OK) {
    if (rc == BONES_E_NOTFOUND) {
      struct suggest s = {.word = name, .best_distance = SIZE_MAX};
      bones_loader_each_builtin_verb(suggest_subverb, &s);
      if (s.exact_subverbs == 0) bones_loader_each_builtin_verb(suggest_verb, &s);
      bones_error_set(&err, BONES_E_USAGE, "'%s' is not a bones verb", name);
      if (s.text[0]) bones_error_hint(&err, "did you mean %s?", s.text);
      else bones_error_hint(&err, "`bones help` lists the verbs");
    }
    rc = bones_ctx_fail(&ctx, &err);
  } else {
    rc = run_verb(&ctx, verb, verb_argc, verb_argv);
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "bones: cannot write to standard output: %s\n", strerror(errno));
    if (rc == 0) rc = 1;
  }
  bones_kv_close(ctx.kv);
  free(ctx.workspace);
  free(ctx.substrate);
  free(ctx.substrate_url);
  return rc;
}

int bones_ctx_workspace_error(const struct bones_ctx *ctx, struct bones_error *err, const char *hint) {
  if (ctx->workspace_err.code != BONES_OK) {
    *err = ctx->workspace_err;
    return err->code;
  }
  bones_error_set(err, BONES_E_NOWORKSPACE, "not in a bones workspace (no .bones/ at the top of this git repository)");
  if (hint) bones_error_hint(err, "%s", hint);
  return BONES_E_NOWORKSPACE;
}

const char *bones_ctx_substrate_option(const struct bones_ctx *ctx) { return ctx->substrate_option; }
