/* complete_values.c: the words completion offers that are not in a help
 * text: verb names (plugins too), substrate backends, slot names, task
 * ids.  Everything here only reads, and gives up quietly. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "complete.h"
#include "loader.h"
#include "slots.h"
#include "substrate.h"
#include "tasks.h"
#include "util.h"
#include "workspace.h"

/* A description (a task's title) is cut to this many bytes. */
#define COMPLETE_DESC_MAX 100

void bones_complete_add(struct bones_complete_out *o, const char *word, const char *desc) {
  if (word == NULL || !*word) return;
  char *full = bones_xasprintf("%s%s", o->lead ? o->lead : "", word);
  const char *prefix = o->prefix ? o->prefix : "";
  if (strncmp(full, prefix, strlen(prefix)) != 0) { /* not what the user started typing */
    free(full);
    return;
  }
  for (size_t i = 0; i < o->nseen; i++)
    if (strcmp(o->seen[i], full) == 0) {
      free(full);
      return;
    }
  o->seen = bones_xrealloc(o->seen, (o->nseen + 1) * sizeof *o->seen);
  o->seen[o->nseen++] = full;
  for (const char *p = full; *p; p++) /* a word with a tab or newline would break the protocol */
    if ((unsigned char)*p < 0x20) return;
  fputs(full, o->out);
  if (desc && *desc) {
    size_t len = strlen(desc);
    if (len > COMPLETE_DESC_MAX) { /* cut, but not inside a UTF-8 sequence */
      len = COMPLETE_DESC_MAX;
      while (len > 0 && ((unsigned char)desc[len] & 0xC0) == 0x80) len--;
    }
    fputc('\t', o->out);
    for (size_t i = 0; i < len; i++) fputc((unsigned char)desc[i] < 0x20 || desc[i] == 0x7f ? ' ' : desc[i], o->out);
  }
  fputc('\n', o->out);
}

void bones_complete_directive(struct bones_complete_out *o, const char *kind) {
  fprintf(o->out, ":%s\n", kind);
}

void bones_complete_out_clear(struct bones_complete_out *o) {
  for (size_t i = 0; i < o->nseen; i++) free(o->seen[i]);
  free(o->seen);
  o->seen = NULL;
  o->nseen = 0;
}

static void add_builtin_verb(void *arg, const struct bones_verb_v1 *v) {
  if (!(v->flags & BONES_VERB_HIDDEN)) bones_complete_add(arg, v->name, v->description);
}

static void add_module_verb(void *arg, const struct bones_module_info *info) {
  if (info->kind == BONES_MODULE_VERB && info->name && !info->error && !info->shadowed &&
      !(info->caps & BONES_VERB_HIDDEN))
    bones_complete_add(arg, info->name, info->description);
}

void bones_complete_verbs(struct bones_complete_out *o) {
  bones_loader_each_builtin_verb(add_builtin_verb, o);
  struct bones_error err;
  bones_loader_scan(add_module_verb, o, &err); /* a broken module is just left out */
}

static void add_module_kv(void *arg, const struct bones_module_info *info) {
  if (info->kind == BONES_MODULE_KV && info->name && !info->error && !info->shadowed)
    bones_complete_add(arg, info->name, info->description);
}

void bones_complete_substrates(struct bones_complete_out *o) {
  struct bones_error err;
  bones_loader_scan(add_module_kv, o, &err);
}

void bones_complete_slots(struct bones_complete_out *o, const char *root) {
  if (root == NULL) return;
  struct bones_slot *slots = NULL;
  size_t n = 0;
  struct bones_error err;
  if (bones_slots_list(root, NULL, &slots, &n, &err) != BONES_OK) return;
  for (size_t i = 0; i < n; i++) bones_complete_add(o, slots[i].name, NULL);
  bones_slots_free(slots, n);
}

struct task_walk {
  struct bones_complete_out *o;
  int open_only;
};

static int add_task(void *arg, const char *key, const void *value, size_t len, uint64_t rev) {
  (void)rev;
  struct task_walk *w = arg;
  json_t *rec = json_loadb(value, len, 0, NULL);
  const char *status = json_string_value(json_object_get(rec, "status"));
  const char *title = json_string_value(json_object_get(rec, "title"));
  if (rec && (!w->open_only || (status && strcmp(status, "open") == 0))) bones_complete_add(w->o, key, title);
  json_decref(rec);
  return 0;
}

/* How long a network substrate may take to answer a completion. */
#define COMPLETE_KV_TIMEOUT_MS 300

void bones_complete_tasks(struct bones_complete_out *o, const char *spec, const char *root, int open_only) {
  if (spec == NULL) return;
  struct bones_error err;
  char *url = NULL;
  if (bones_substrate_resolve(spec, root, &url, &err) != BONES_OK) return;
  struct stat st;
  int missing_file = strncmp(url, "sqlite:", 7) == 0 && stat(url + 7, &st) != 0; /* never create one */
  free(url);
  if (missing_file) return;
  struct bones_kv_options opts = {.timeout_ms = COMPLETE_KV_TIMEOUT_MS};
  bones_kv *kv = NULL;
  if (bones_substrate_open(spec, root, &opts, &kv, NULL, &err) != BONES_OK) return;
  struct bones_kv_bucket_config cfg = {.ttl_ms = BONES_KV_TTL_ANY, .max_value = 0, .flags = 0};
  bones_kv_bucket *b = NULL;
  if (bones_kv_bucket_open(kv, BONES_TASKS_BUCKET, &cfg, &b, NULL, &err) == BONES_OK) {
    struct task_walk w = {o, open_only};
    bones_kv_list(b, "", add_task, &w, &err);
  }
  bones_kv_close(kv); /* closes b too */
}
