/* claim.c: `bones tasks claim|renew|release|close ID`. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tasks_common.h"
#include "tasks_verbs.h"
#include "text.h"
#include "util.h"

enum claim_op { OP_CLAIM, OP_RENEW, OP_RELEASE, OP_CLOSE };

/* Tells who a forced close dispossessed (a slot agent is "slot-NAME"):
 * that slot's next commit is refused, so say how it ends. */
static void tasks_say_forced(struct bones_ctx *ctx, json_t *task) {
  const char *id = json_string_value(json_object_get(task, "id"));
  const char *holder = json_string_value(json_object_get(task, "previous_claimer"));
  if (holder == NULL) return;
  if (strncmp(holder, "slot-", 5) == 0 && holder[5])
    bones_ctx_say(ctx,
                  "force-closed task %s, which slot %s (agent %s) held: its next commit is refused; end it with "
                  "`bones swarm close --slot %s --result fail` (keeps its worktree)",
                  id, holder + 5, holder, holder + 5);
  else bones_ctx_say(ctx, "force-closed task %s, which agent %s held: that claim is void now", id, holder);
}

static int run_op(struct bones_ctx *ctx, int argc, char **argv, enum claim_op op) {
  static const struct option opts[] = {{"ttl", required_argument, NULL, 't'},  {"takeover", no_argument, NULL, 'T'},
                                       {"force", no_argument, NULL, 'f'},        {"reason", required_argument, NULL, 'r'},
                                       {"epoch", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0}};
  static const char *const allowed[] = {"tT", "t", "fe", "fre"};
  int64_t ttl = 0;
  int takeover = 0, force = 0;
  const char *reason = NULL;
  uint64_t epoch = 0;
  struct bones_error err;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == '?' || c == ':' || !strchr(allowed[op], c))
      return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
    if (c == 't' && bones_parse_duration_in("--ttl", optarg, 1, BONES_LEASE_MAX_MS, &ttl, &err) != BONES_OK)
      return bones_ctx_fail(ctx, &err);
    if (c == 'T') takeover = 1;
    if (c == 'f') force = 1;
    if (c == 'r' && bones_utf8_check("--reason", optarg, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
    if (c == 'r') reason = optarg;
    if (c == 'e' && bones_parse_uint("--epoch", optarg, 1, INT64_MAX, &epoch, &err) != BONES_OK)
      return bones_ctx_fail(ctx, &err);
  }
  if (optind != argc - 1) return bones_ctx_usage(ctx, "give one task ID");
  struct bones_tasks *t = NULL;
  char *id = NULL;
  json_t *task = NULL;
  int wrote = 1;
  int rc = tasks_open(ctx, &t, NULL, &err);
  /* a whole id is read once, by the operation itself */
  if (rc == BONES_OK && (id = bones_task_whole_id(argv[optind])) == NULL) rc = tasks_resolve(t, argv[optind], &id, &err);
  if (rc == BONES_OK) {
    if (op == OP_CLAIM) rc = bones_task_claim(t, id, ttl, takeover, &task, &wrote, &err);
    else if (op == OP_RENEW) rc = bones_task_renew(t, id, ttl, &task, &err);
    else if (op == OP_RELEASE) rc = bones_task_release(t, id, epoch, force, &task, &err);
    else rc = bones_task_close(t, id, reason, epoch, force, &task, &err);
  }
  free(id);
  bones_tasks_free(t);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (op == OP_CLOSE && json_is_true(json_object_get(task, "closed_forced"))) tasks_say_forced(ctx, task);
  static const char *const schemas[] = {"tasks.claim", "tasks.renew", "tasks.release", "tasks.close"};
  static const char *const words[] = {"claimed", "renewed", "released", "closed"};
  return tasks_emit_task(ctx, schemas[op], op == OP_CLAIM && !wrote ? "(mine)" : words[op], task, wrote);
}

int tasks_claim_run(struct bones_ctx *ctx, int argc, char **argv) {
  if (tasks_args_have(argc, argv, "--next")) return tasks_claim_next_run(ctx, argc, argv);
  return run_op(ctx, argc, argv, OP_CLAIM);
}
int tasks_renew_run(struct bones_ctx *ctx, int argc, char **argv) { return run_op(ctx, argc, argv, OP_RENEW); }
int tasks_release_run(struct bones_ctx *ctx, int argc, char **argv) { return run_op(ctx, argc, argv, OP_RELEASE); }
int tasks_close_run(struct bones_ctx *ctx, int argc, char **argv) { return run_op(ctx, argc, argv, OP_CLOSE); }
