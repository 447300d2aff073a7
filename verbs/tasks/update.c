/* update.c: `bones tasks update ID [...]` and `bones tasks link FROM TO --type T`. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "rich_args.h"
#include "tasks_common.h"
#include "tasks_verbs.h"
#include "text.h"
#include "util.h"

int tasks_update_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"title", required_argument, NULL, 't'},    {"files", required_argument, NULL, 'f'},
                                       {"parent", required_argument, NULL, 'p'},   {"priority", required_argument, NULL, 'P'},
                                       {"defer-until", required_argument, NULL, 'd'}, {"context", required_argument, NULL, 'c'},
                                       {"description", required_argument, NULL, TASKS_OPT_DESCRIPTION},
                                       {"acceptance", required_argument, NULL, TASKS_OPT_ACCEPTANCE},
                                       {"add-label", required_argument, NULL, TASKS_OPT_ADD_LABEL},
                                       {"remove-label", required_argument, NULL, TASKS_OPT_REMOVE_LABEL},
                                       {NULL, 0, NULL, 0}};
  json_t *changes = json_object();
  const char *parent_arg = NULL;
  struct bones_error err;
  int rc = 0;
  optind = 0;
  opterr = 0;
  int c;
  while (rc == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c >= TASKS_OPT_DESCRIPTION && c <= TASKS_OPT_REMOVE_LABEL) {
      if (tasks_rich_option(c, optarg, changes, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
    } else if (c == 't') {
      json_t *s = bones_utf8_check("--title", optarg, &err) == BONES_OK ? json_string(optarg) : NULL;
      if (s == NULL) rc = bones_ctx_fail(ctx, &err);
      else json_object_set_new(changes, "title", s);
    } else if (c == 'f') {
      json_t *files = json_array();
      if (tasks_split_files(optarg, files, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
      json_object_set_new(changes, "files", files);
    } else if (c == 'p') {
      parent_arg = optarg;
    } else if (c == 'P') {
      int p;
      if (strcmp(optarg, "none") == 0) json_object_set_new(changes, "priority", json_null());
      else if (tasks_parse_priority(optarg, &p, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
      else json_object_set_new(changes, "priority", json_integer(p));
    } else if (c == 'd') {
      int64_t ms;
      if (*optarg == '\0') json_object_set_new(changes, "defer_until", json_null());
      else if (tasks_parse_when(optarg, &ms, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
      else {
        char buf[40];
        bones_format_time(ms, buf, sizeof buf);
        json_object_set_new(changes, "defer_until", json_string(buf));
      }
    } else if (c == 'c') {
      const char *eq = strchr(optarg, '=');
      if (eq == NULL || eq == optarg) rc = bones_ctx_usage(ctx, "--context takes KEY=VALUE (KEY= removes KEY)");
      else if (bones_utf8_check("--context", optarg, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
      else {
        json_t *ctxobj = json_object_get(changes, "context");
        if (ctxobj == NULL) json_object_set_new(changes, "context", ctxobj = json_object());
        char *key = bones_xstrndup(optarg, (size_t)(eq - optarg));
        json_object_set_new(ctxobj, key, eq[1] ? json_string(eq + 1) : json_null());
        free(key);
      }
    } else {
      rc = bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
    }
  }
  if (rc == 0 && optind != argc - 1) rc = bones_ctx_usage(ctx, "give one task ID");
  if (rc == 0 && json_object_size(changes) == 0 && parent_arg == NULL) rc = bones_ctx_usage(ctx, "nothing to update");
  struct bones_tasks *t = NULL;
  char *id = NULL, *parent = NULL;
  json_t *task = NULL;
  int wrote = 0;
  if (rc == 0) {
    int brc = tasks_open(ctx, &t, NULL, &err);
    if (brc == BONES_OK) brc = tasks_resolve(t, argv[optind], &id, &err);
    if (brc == BONES_OK && parent_arg) {
      brc = tasks_resolve(t, parent_arg, &parent, &err);
      if (brc == BONES_OK) json_object_set_new(changes, "parent", json_string(parent));
    }
    if (brc == BONES_OK) brc = bones_task_update(t, id, changes, &task, &wrote, &err);
    rc = brc == BONES_OK ? tasks_emit_task(ctx, "tasks.update", wrote ? "updated" : "unchanged", task, wrote)
                         : bones_ctx_fail(ctx, &err);
  }
  free(id);
  free(parent);
  bones_tasks_free(t);
  json_decref(changes);
  return rc;
}

int tasks_link_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"type", required_argument, NULL, 't'}, {NULL, 0, NULL, 0}};
  const char *type = NULL;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 't') type = optarg;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind != argc - 2) return bones_ctx_usage(ctx, "link takes FROM and TO task IDs");
  if (type == NULL) return bones_ctx_usage(ctx, "link needs --type blocks|supersedes|duplicates|discovered-from");
  if (!bones_edge_type_valid(type))
    return bones_ctx_usage(ctx, "unknown edge type '%s' (blocks, supersedes, duplicates, discovered-from)", type);
  struct bones_error err;
  struct bones_tasks *t = NULL;
  char *from = NULL, *to = NULL;
  json_t *task = NULL;
  int wrote = 0;
  int rc = tasks_open(ctx, &t, NULL, &err);
  if (rc == BONES_OK) rc = tasks_resolve(t, argv[optind], &from, &err);
  if (rc == BONES_OK) rc = tasks_resolve(t, argv[optind + 1], &to, &err);
  if (rc == BONES_OK) rc = bones_task_link(t, from, to, type, &task, &wrote, &err);
  bones_tasks_free(t);
  if (rc != BONES_OK) {
    free(from);
    free(to);
    return bones_ctx_fail(ctx, &err);
  }
  /* echo the edge: FROM --TYPE--> TO, and whether it was new */
  if (bones_ctx_json(ctx)) {
    json_t *d = json_pack("{s:{s:s, s:s, s:s}, s:o, s:b}", "edge", "from", from, "type", type, "to", to, "task", task,
                          "changed", wrote);
    free(from);
    free(to);
    return bones_ctx_emit(ctx, "tasks.link", d);
  }
  if (bones_ctx_quiet(ctx)) bones_term_printf(stdout, "%s %s %s\n", from, type, to);
  else bones_term_printf(stdout, "%s %s --%s--> %s\n", wrote ? "linked" : "already linked:", from, type, to);
  json_decref(task);
  free(from);
  free(to);
  return 0;
}
