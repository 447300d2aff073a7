/* claim_next.c: `bones tasks claim --next` and its other name `bones tasks
 * ready --claim`: claim the most urgent ready task in one call
 * (bones_task_claim_next). */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tasks_common.h"
#include "tasks_verbs.h"
#include "text.h"
#include "util.h"

int tasks_args_have(int argc, char **argv, const char *flag) {
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], flag) == 0) return 1;
  return 0;
}

int tasks_claim_next_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"next", no_argument, NULL, 'n'},       {"claim", no_argument, NULL, 'c'},
                                       {"ttl", required_argument, NULL, 't'},  {"slot", required_argument, NULL, 's'},
                                       {"another", no_argument, NULL, 'a'},    {NULL, 0, NULL, 0}};
  struct bones_claim_next_opts o = {0, NULL, 0, 0};
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 't' && bones_parse_duration_in("--ttl", optarg, 1, BONES_LEASE_MAX_MS, &o.ttl_ms, &err) != BONES_OK)
      return bones_ctx_fail(ctx, &err);
    else if (c == 's' && bones_name_check("--slot", optarg, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
    else if (c == 's') o.slot = optarg;
    else if (c == 'a') o.another = 1;
    else if (c != 'n' && c != 'c' && c != 't')
      return bones_ctx_usage(ctx, "unknown or incomplete option '%s' (with %s: --ttl, --slot, --another)",
                             argv[optind - 1], strcmp(argv[0], "ready") == 0 ? "--claim" : "--next");
  }
  if (optind < argc)
    return bones_ctx_usage(ctx, "%s picks the task itself: no task ID ('%s')",
                           strcmp(argv[0], "ready") == 0 ? "--claim" : "--next", argv[optind]);
  struct bones_tasks *t = NULL;
  json_t *task = NULL;
  int wrote = 0, held = 0;
  int rc = tasks_open(ctx, &t, NULL, &err);
  if (rc == BONES_OK) rc = bones_task_claim_next(t, &o, &task, &wrote, &held, NULL, &err);
  bones_tasks_free(t);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  char *id = held ? bones_xstrdup(json_string_value(json_object_get(task, "id"))) : NULL;
  rc = tasks_emit_task(ctx, "tasks.claim", wrote ? "claimed" : "(mine)", task, wrote);
  if (id)
    bones_ctx_say(ctx, "you already hold %s: finish it (`bones tasks close %s`) or pass --another to claim one more", id,
                  id);
  free(id);
  return rc;
}
