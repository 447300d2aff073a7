/* top.c: `bones top [--once] [--json] [--interval D] [--width N]`. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "top.h"
#include "util.h"
#include "view.h"

int top_snapshot(struct bones_ctx *ctx, json_t **snap, struct bones_error *err) {
  *snap = NULL;
  const char *root = bones_ctx_workspace(ctx);
  if (root == NULL)
    return bones_error_set(err, BONES_E_NOTFOUND, "no bones workspace here (run `bones up` in a git repository)");
  bones_kv *kv = NULL;
  int rc = bones_ctx_kv(ctx, &kv, err);
  if (rc == BONES_OK) rc = bones_view_snapshot(root, kv, snap, err);
  return rc;
}

/* The width of a --once frame: --width, else $COLUMNS, else 80. */
static int once_width(long given) {
  if (given > 0) return (int)given;
  const char *c = getenv("COLUMNS");
  long w = c ? strtol(c, NULL, 10) : 0;
  return w >= 40 && w <= 1000 ? (int)w : 80;
}

static int top_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"once", no_argument, NULL, 'o'},
                                       {"interval", required_argument, NULL, 'i'},
                                       {"width", required_argument, NULL, 'w'},
                                       {NULL, 0, NULL, 0}};
  int once = 0, c;
  long width = 0;
  int64_t interval = 2000;
  struct bones_error err;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'o') once = 1;
    else if (c == 'i') {
      if (bones_parse_duration_in("--interval", optarg, 200, 3600000, &interval, &err) != BONES_OK)
        return bones_ctx_fail(ctx, &err);
    } else if (c == 'w') {
      char *end = NULL;
      width = strtol(optarg, &end, 10);
      if (end == optarg || *end || width < 40 || width > 1000)
        return bones_ctx_usage(ctx, "--width takes a number of columns from 40 to 1000 (got '%s')", optarg);
    } else return bones_ctx_usage(ctx, "unknown option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "top takes no arguments (got '%s')", argv[optind]);
  if (bones_ctx_json(ctx) || once) {
    json_t *snap = NULL;
    if (top_snapshot(ctx, &snap, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
    if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "top", snap);
    struct top_frame f = {0};
    top_render(snap, once_width(width), bones_now_ms(), &f);
    for (size_t i = 0; i < f.n; i++) printf("%s\n", f.v[i].text);
    top_frame_free(&f);
    json_decref(snap);
    return 0;
  }
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    bones_error_set(&err, BONES_E_USAGE, "bones top needs a terminal");
    bones_error_hint(&err, "use `bones top --once` (one frame as text) or `bones top --json` in scripts");
    return bones_ctx_fail(ctx, &err);
  }
#ifdef HAVE_NCURSES
  return top_screen_run(ctx, interval);
#else
  bones_error_set(&err, BONES_E_UNSUPPORTED, "this bones was built without ncursesw: no full-screen view");
  bones_error_hint(&err, "rebuild with libncurses-dev installed, or use `bones top --once`");
  return bones_ctx_fail(ctx, &err);
#endif
}

BONES_VERB_EXPORT(verb_top) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "top",
    .description = "watch the swarm: slots, tasks, trunk, coordination",
    .flags = BONES_VERB_NEEDS_WORKSPACE | BONES_VERB_NEEDS_KV,
    .usage = "usage: bones top [--once] [--json] [--interval DURATION] [--width N]\n"
             "A full-screen view of the workspace's swarm, redrawn every --interval (2s):\n"
             "slots (agent, task, active/idle/stale with age, commits, held files), tasks\n"
             "(ready / claimed / blocked counts and the top of the ready list), trunk (last\n"
             "check-ins, leaves: 1 means linear, check-ins not applied to git yet) and\n"
             "coordination (checkpoints and who waits there, pending handoffs, recent\n"
             "broadcasts).  Keys: q quits, Tab or 1-4 shows one pane in full, r redraws now.\n"
             "--once prints one frame as text (--width N, else $COLUMNS, else 80 columns);\n"
             "--json prints the picture itself (schema bones.top/v1).\n",
    .run = top_run,
    .subverbs = NULL,
};
