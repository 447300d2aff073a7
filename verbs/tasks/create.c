/* create.c: `bones tasks create TITLE [...]`. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "rich_args.h"
#include "tasks_common.h"
#include "tasks_rich.h"
#include "tasks_verbs.h"
#include "text.h"
#include "util.h"

int tasks_create_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"files", required_argument, NULL, 'f'},   {"parent", required_argument, NULL, 'p'},
                                       {"priority", required_argument, NULL, 'P'}, {"defer-until", required_argument, NULL, 'd'},
                                       {"context", required_argument, NULL, 'c'},  {"slot", required_argument, NULL, 's'},
                                       {"description", required_argument, NULL, TASKS_OPT_DESCRIPTION},
                                       {"acceptance", required_argument, NULL, TASKS_OPT_ACCEPTANCE},
                                       {"label", required_argument, NULL, TASKS_OPT_LABEL},
                                       {NULL, 0, NULL, 0}};
  struct bones_task_spec spec = {NULL, NULL, 0, NULL, -1, 0, NULL};
  struct bones_error err;
  json_t *files = json_array(), *context = json_object(), *extra = json_object();
  const char *parent_arg = NULL;
  int rc = 0;
  optind = 0;
  opterr = 0;
  int c;
  while (rc == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c >= TASKS_OPT_DESCRIPTION && c <= TASKS_OPT_LABEL) {
      if (tasks_rich_option(c, optarg, extra, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
    } else if (c == 'f') {
      if (tasks_split_files(optarg, files, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
    } else if (c == 'p') {
      parent_arg = optarg;
    } else if (c == 'P') {
      if (tasks_parse_priority(optarg, &spec.priority, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
    } else if (c == 'd') {
      if (tasks_parse_when(optarg, &spec.defer_until_ms, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
    } else if (c == 'c' || c == 's') {
      const char *eq = c == 'c' ? strchr(optarg, '=') : NULL;
      if (c == 'c' && (eq == NULL || eq == optarg)) rc = bones_ctx_usage(ctx, "--context takes KEY=VALUE");
      else if (c == 's' && bones_name_check("--slot", optarg, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
      else if (c == 's') json_object_set_new(context, "slot", json_string(optarg));
      else if (bones_utf8_check("--context", optarg, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
      else {
        char *key = bones_xstrndup(optarg, (size_t)(eq - optarg));
        json_t *val = json_string(eq + 1);
        if (val == NULL || json_object_set_new(context, key, val) != 0)
          rc = bones_ctx_usage(ctx, "--context KEY=VALUE cannot be stored");
        free(key);
      }
    } else {
      rc = bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
    }
  }
  if (rc == 0 && optind != argc - 1)
    rc = bones_ctx_usage(ctx, optind >= argc ? "create needs a TITLE" : "create takes one TITLE (quote it)");
  if (rc == 0 && bones_utf8_check("TITLE", argv[optind], &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
  if (json_is_null(json_object_get(extra, "description"))) json_object_del(extra, "description"); /* "" = none */
  if (json_is_null(json_object_get(extra, "acceptance"))) json_object_del(extra, "acceptance");
  json_t *labels = json_incref(json_object_get(extra, "labels"));
  json_object_del(extra, "labels");
  int unused = 0;
  if (rc == 0 && labels && bones_task_labels_apply(extra, labels, 1, &unused, &err) != BONES_OK)
    rc = bones_ctx_fail(ctx, &err); /* sorted, each once, at most 32 */
  json_decref(labels);
  struct bones_tasks *t = NULL;
  if (rc == 0 && tasks_open(ctx, &t, NULL, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
  char *parent = NULL;
  if (rc == 0 && parent_arg && tasks_resolve(t, parent_arg, &parent, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
  if (rc == 0) {
    size_t n = json_array_size(files);
    const char **fv = calloc(n + 1, sizeof *fv);
    for (size_t i = 0; i < n; i++) fv[i] = json_string_value(json_array_get(files, i));
    spec.title = argv[optind];
    spec.files = fv;
    spec.nfiles = n;
    spec.parent = parent;
    spec.context = context;
    json_t *task = NULL;
    if (bones_task_create_with(t, &spec, extra, &task, &err) != BONES_OK) rc = bones_ctx_fail(ctx, &err);
    else rc = tasks_emit_task(ctx, "tasks.create", "created", task, 1);
    free(fv);
  }
  free(parent);
  bones_tasks_free(t);
  json_decref(files);
  json_decref(context);
  json_decref(extra);
  return rc;
}
