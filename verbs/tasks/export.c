/* export.c: `bones tasks export [--out FILE]` and `bones tasks import
 * FILE [--replace]`: the backlog as JSON Lines, one record per line. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks_common.h"
#include "tasks_rich.h"
#include "tasks_verbs.h"
#include "text.h"
#include "util.h"

#define IMPORT_MAX (256u * 1024u * 1024u) /* bytes of an import file */

int tasks_export_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
  const char *out = NULL;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  struct bones_error err;
  struct bones_tasks *t = NULL;
  json_t *all = NULL, *corrupt = NULL;
  int rc = tasks_open(ctx, &t, NULL, &err);
  if (rc == BONES_OK) rc = bones_tasks_list(t, &all, &corrupt, &err);
  bones_tasks_free(t);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  size_t i;
  json_t *cr;
  json_array_foreach(corrupt, i, cr)
      bones_term_printf(stderr, "bones: tasks: %s (not exported)\n", json_string_value(json_object_get(cr, "error")));
  char *text = bones_tasks_export_text(all);
  size_t count = json_array_size(all);
  json_decref(all);
  json_decref(corrupt);
  if (out == NULL) {
    fputs(text, stdout);
    free(text);
    return fflush(stdout) == 0 ? 0 : 1;
  }
  rc = bones_write_file_atomic(out, text, strlen(text), 0644, &err);
  free(text);
  if (rc != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx))
    return bones_ctx_emit(ctx, "tasks.export", json_pack("{s:o, s:i}", "file", bones_utf8_json(out), "count", (int)count));
  bones_ctx_say(ctx, "exported %zu tasks to %s", count, out);
  return 0;
}

/* Appends id to the array under key of report. */
static void note_id(json_t *report, const char *key, json_t *record) {
  json_array_append(json_object_get(report, key), json_object_get(record, "id"));
}

int tasks_import_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"replace", no_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
  int replace = 0;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'r') replace = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind != argc - 1) return bones_ctx_usage(ctx, "import takes one FILE (JSON Lines from `bones tasks export`)");
  struct bones_error err;
  char *data = NULL;
  size_t len = 0;
  json_t *records = NULL;
  if (bones_read_file(argv[optind], IMPORT_MAX, &data, &len, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  int rc = bones_tasks_import_parse(data, len, &records, &err);
  free(data);
  if (rc != BONES_OK) {
    bones_error_hint(&err, "fix those lines; nothing was written");
    return bones_ctx_fail(ctx, &err);
  }
  struct bones_tasks *t = NULL;
  if (tasks_open(ctx, &t, NULL, &err) != BONES_OK) {
    json_decref(records);
    return bones_ctx_fail(ctx, &err);
  }
  json_t *report = json_pack("{s:[], s:[], s:[], s:[]}", "created", "skipped", "replaced", "conflicts");
  json_t *to_write = json_array(); /* the records to write: absent or (with --replace) different */
  size_t i;
  json_t *r;
  rc = BONES_OK;
  json_array_foreach(records, i, r) { /* classify everything before writing anything */
    json_t *old = NULL;
    int grc = bones_task_get(t, json_string_value(json_object_get(r, "id")), &old, &err);
    if (grc == BONES_OK && json_equal(old, r)) note_id(report, "skipped", r);
    else if (grc == BONES_OK || grc == BONES_E_CORRUPT) note_id(report, "conflicts", r), json_array_append(to_write, r);
    else if (grc == BONES_E_NOTFOUND) json_array_append(to_write, r);
    else rc = grc;
    json_decref(old);
    if (rc != BONES_OK) break;
  }
  size_t nconf = json_array_size(json_object_get(report, "conflicts"));
  if (rc == BONES_OK && nconf && !replace) {
    char list[256] = "";
    for (size_t k = 0; k < nconf && k < 6; k++) {
      size_t used = strlen(list);
      snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
               json_string_value(json_array_get(json_object_get(report, "conflicts"), k)));
    }
    rc = bones_error_set(&err, BONES_E_CONFLICT, "%zu task%s from the existing one%s (%s%s): nothing imported",
                         nconf, nconf == 1 ? " differs" : "s differ", nconf == 1 ? "" : "s", list, nconf > 6 ? ", ..." : "");
    bones_error_hint(&err, "pass --replace to overwrite them with the file's records");
  }
  json_array_foreach(rc == BONES_OK ? to_write : NULL, i, r) {
    int exists = 0;
    size_t k;
    json_t *cid;
    json_array_foreach(json_object_get(report, "conflicts"), k, cid) {
      if (json_equal(cid, json_object_get(r, "id"))) exists = 1;
    }
    rc = exists ? bones_task_replace(t, r, &err) : bones_task_put_absent(t, r, &err);
    if (rc == BONES_E_EXISTS) {
      rc = bones_error_set(&err, BONES_E_CONFLICT, "task %s appeared during the import",
                           json_string_value(json_object_get(r, "id")));
      bones_error_hint(&err, "run the import again");
    }
    if (rc != BONES_OK) break;
    note_id(report, exists ? "replaced" : "created", r);
  }
  json_decref(to_write);
  json_decref(records);
  bones_tasks_free(t);
  if (rc == BONES_OK && !replace) json_object_set_new(report, "conflicts", json_array());
  if (rc != BONES_OK) {
    json_decref(report);
    return bones_ctx_fail(ctx, &err);
  }
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "tasks.import", report);
  bones_ctx_say(ctx, "imported: %zu created, %zu replaced, %zu unchanged",
                json_array_size(json_object_get(report, "created")), json_array_size(json_object_get(report, "replaced")),
                json_array_size(json_object_get(report, "skipped")));
  json_decref(report);
  return 0;
}
