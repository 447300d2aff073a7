/* verb_hello.c: an example verb module, `bones hello [--ping] [NAME]`.
 *
 * Shows the verb contract of bones/verb.h: the exported struct, the usage
 * text the core prints for --help, and the ctx services: --json and -q
 * (stripped by the core, asked with bones_ctx_json/quiet), the substrate
 * choice, the shared substrate connection, bones_ctx_emit for results,
 * bones_ctx_usage and bones_ctx_fail for errors (one envelope, one exit
 * code table).
 *
 * Built from the installed headers only:
 *   cc -fPIC -fvisibility=hidden $(pkg-config --cflags bones-plugin) -shared \
 *      -o verb_hello.so verb_hello.c $(pkg-config --libs bones-plugin)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/kv.h>
#include <bones/plugin.h>
#include <bones/verb.h>

/* 1 if name is 1..64 of [A-Za-z0-9_.-] (what bones accepts for names). */
static int name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > 64) return 0;
  return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* Opens the substrate the core chose (the core owns the connection) and
 * pings it.  Fills *backend (static) or err. */
static int ping_substrate(struct bones_ctx *ctx, const char **backend, struct bones_error *err) {
  bones_kv *kv = NULL;
  int rc = bones_ctx_kv(ctx, &kv, err);
  if (rc == BONES_OK) rc = bones_kv_ping(kv, err);
  if (rc == BONES_OK) *backend = bones_kv_backend(kv)->name;
  return rc;
}

/* argv[0] is "hello"; the core already removed --json, -q and --help. */
static int hello_run(struct bones_ctx *ctx, int argc, char **argv) {
  const char *name = NULL;
  int ping = 0, options = 1;
  for (int i = 1; i < argc; i++) {
    if (options && strcmp(argv[i], "--") == 0) options = 0;
    else if (options && strcmp(argv[i], "--ping") == 0) ping = 1;
    else if (options && argv[i][0] == '-' && argv[i][1]) return bones_ctx_usage(ctx, "unknown option '%s'", argv[i]);
    else if (name) return bones_ctx_usage(ctx, "too many names ('%s' and '%s')", name, argv[i]);
    else name = argv[i];
  }
  if (name == NULL) name = "world";
  if (!name_ok(name))
    return bones_ctx_usage(ctx, "'%.80s' is not a name (1-64 of A-Z a-z 0-9 _ . -)", name);

  const char *backend = NULL;
  struct bones_error err;
  if (ping && ping_substrate(ctx, &backend, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);

  const char *substrate = bones_ctx_substrate(ctx);
  if (bones_ctx_json(ctx)) {
    json_t *d = json_pack("{s:s, s:s, s:s}", "name", name, "greeting", "hello", "substrate", substrate);
    if (backend) json_object_set_new(d, "backend", json_string(backend));
    return bones_ctx_emit(ctx, "hello", d); /* takes d */
  }
  printf("hello, %s\n", name);
  if (!bones_ctx_quiet(ctx)) {
    printf("substrate: %s\n", substrate);
    if (backend) printf("ping: ok (backend %s)\n", backend);
  }
  return 0;
}

BONES_VERB_EXPORT(verb_hello) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "hello",
    .description = "example verb module: greet NAME and show the substrate",
    .flags = 0, /* BONES_VERB_NEEDS_KV would open the substrate before run */
    .usage = "usage: bones [--substrate=S] hello [--ping] [--json] [-q] [NAME]\n"
             "Prints a greeting for NAME (default: world) and the substrate bones would\n"
             "use.  --ping also opens the substrate and pings it (exit 5 when it does not\n"
             "answer).  An example of a verb module built outside the bones tree.\n",
    .run = hello_run,
    .subverbs = NULL,
};
