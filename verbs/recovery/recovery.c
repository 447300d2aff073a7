/* recovery.c: `bones recovery ls|show|restore` (core/workspace/recovery.h,
 * docs/recovery.md). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "down.h"
#include "recovery.h"
#include "swarm.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

static const char *str(json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "-";
}

/* No options but the common ones; *id the one operand when want_id. */
static int operands(struct bones_ctx *ctx, int argc, char **argv, int want_id, const char **id) {
  static const struct option opts[] = {{NULL, 0, NULL, 0}};
  optind = 0;
  opterr = 0;
  if (getopt_long(argc, argv, "", opts, NULL) != -1)
    return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  if (want_id && optind + 1 != argc) return bones_ctx_usage(ctx, "give one recovery ID (`bones recovery ls`)");
  if (!want_id && optind < argc) return bones_ctx_usage(ctx, "unknown argument '%s'", argv[optind]);
  if (want_id) *id = argv[optind];
  return 0;
}

static int recovery_ls_run(struct bones_ctx *ctx, int argc, char **argv) {
  int u = operands(ctx, argc, argv, 0, NULL);
  if (u) return u;
  json_t *all = NULL;
  struct bones_error err;
  if (bones_recovery_list(bones_ctx_workspace(ctx), &all, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "recovery.ls", json_pack("{s:o}", "copies", all));
  if (json_array_size(all) == 0) bones_ctx_say(ctx, "no recovery copies");
  else bones_term_printf(stdout, "%-40s %-16s %-12s %-9s %6s %10s  %s\n", "ID", "SLOT", "TASK", "REASON", "FILES", "BYTES", "TIME");
  size_t i;
  json_t *r;
  json_array_foreach(all, i, r)
    bones_term_printf(stdout, "%-40s %-16s %-12s %-9s %6lld %10lld  %s\n", str(r, "id"), str(r, "slot"), str(r, "task"),
                      str(r, "reason"), (long long)json_integer_value(json_object_get(r, "files")),
                      (long long)json_integer_value(json_object_get(r, "bytes")), str(r, "time"));
  json_decref(all);
  return 0;
}

static int recovery_show_run(struct bones_ctx *ctx, int argc, char **argv) {
  const char *id = NULL;
  int u = operands(ctx, argc, argv, 1, &id);
  if (u) return u;
  json_t *rec = NULL;
  struct bones_error err;
  if (bones_recovery_get(bones_ctx_workspace(ctx), id, &rec, &err) != BONES_OK) return bones_ctx_fail(ctx, &err);
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "recovery.show", rec);
  bones_term_printf(stdout, "id:     %s\nslot:   %s\ntask:   %s\nreason: %s\ntime:   %s\npath:   %s\n", str(rec, "id"),
                    str(rec, "slot"), str(rec, "task"), str(rec, "reason"), str(rec, "time"), str(rec, "path"));
  size_t i;
  json_t *f;
  json_t *changes = json_object_get(rec, "changes");
  if (json_array_size(changes)) bones_term_printf(stdout, "uncommitted changes when saved:\n");
  json_array_foreach(changes, i, f) bones_term_printf(stdout, "  %s %s\n", str(f, "change"), str(f, "path"));
  bones_term_printf(stdout, "files (%zu):\n", json_array_size(json_object_get(rec, "file_list")));
  json_array_foreach(json_object_get(rec, "file_list"), i, f)
    bones_term_printf(stdout, "  %s (%lld bytes)\n", str(f, "path"), (long long)json_integer_value(json_object_get(f, "bytes")));
  json_array_foreach(json_object_get(rec, "skipped"), i, f)
    bones_term_printf(stdout, "  %s (skipped: not a plain file)\n", json_string_value(f));
  json_decref(rec);
  return 0;
}

struct slot_changes {
  json_t *changed; /* paths with an uncommitted change in the slot */
};

static int note_change(void *arg, int change, const char *path) {
  (void)change;
  json_object_set_new(((struct slot_changes *)arg)->changed, path, json_true());
  return 0;
}

/* A file of the slot's worktree without an uncommitted change is its
 * check-out: the hub has it, so restoring over it loses nothing. */
static int unchanged_in_slot(void *arg, const char *path) {
  return json_object_get(((struct slot_changes *)arg)->changed, path) == NULL;
}

static int recovery_restore_run(struct bones_ctx *ctx, int argc, char **argv) {
  static const struct option opts[] = {{"to", required_argument, NULL, 't'}, {"slot", required_argument, NULL, 's'},
                                       {"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
  const char *to = NULL, *slot = NULL;
  int force = 0;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 't') to = optarg;
    else if (c == 's') slot = optarg;
    else if (c == 'f') force = 1;
    else return bones_ctx_usage(ctx, "unknown or incomplete option '%s'", argv[optind - 1]);
  }
  if (optind + 1 != argc) return bones_ctx_usage(ctx, "restore needs one recovery ID (`bones recovery ls`)");
  if ((to == NULL) == (slot == NULL)) return bones_ctx_usage(ctx, "restore needs --to DIR or --slot NAME (one of them)");
  const char *root = bones_ctx_workspace(ctx);
  struct bones_error err;
  json_t *rec = NULL, *result = NULL;
  char *dest = NULL;
  struct slot_changes sc = {json_object()};
  int rc = BONES_OK;
  if (to && bones_utf8_check("--to", to, &err) != BONES_OK) rc = err.code;
  if (rc == BONES_OK && slot) rc = bones_name_check("slot", slot, &err);
  if (rc == BONES_OK) rc = bones_recovery_get(root, argv[optind], &rec, &err);
  if (rc == BONES_OK && slot) {
    dest = bones_slot_worktree(root, slot);
    struct stat st;
    if (lstat(dest, &st) != 0 || !S_ISDIR(st.st_mode)) {
      rc = bones_error_set(&err, BONES_E_NOTFOUND, "slot %s has no worktree (it must be joined or kept)", slot);
      bones_error_hint(&err, "`bones swarm join --slot %s --task ID` first, or restore with --to DIR", slot);
    } else {
      const struct bones_repo_backend_v1 *repo = NULL;
      void *rh = NULL;
      struct bones_error rerr;
      int known = 0;
      if (bones_ws_repo_open(root, &repo, &rh, &rerr) == BONES_OK) {
        known = repo->leaf_changes && repo->leaf_changes(rh, dest, note_change, &sc, &rerr) == BONES_OK;
        repo->close(rh);
      }
      if (!known) { /* cannot tell what the slot changed: every differing file is a conflict */
        json_decref(sc.changed);
        sc.changed = NULL;
      }
    }
  } else if (rc == BONES_OK) {
    dest = bones_xstrdup(to);
  }
  if (rc == BONES_OK)
    rc = bones_recovery_restore(rec, dest, force, slot && sc.changed ? unchanged_in_slot : NULL, &sc, &result, &err);
  if (rc != BONES_OK && result && !bones_ctx_json(ctx)) {
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(result, "conflicts"), i, f) bones_term_printf(stderr, "differs: %s\n", json_string_value(f));
  }
  json_decref(sc.changed);
  json_decref(rec);
  free(dest);
  if (rc != BONES_OK) {
    json_decref(result);
    return bones_ctx_fail(ctx, &err);
  }
  if (slot) json_object_set_new(result, "slot", json_string(slot));
  if (bones_ctx_json(ctx)) return bones_ctx_emit(ctx, "recovery.restore", result);
  bones_ctx_say(ctx, "restored %s into %s: %zu written, %zu replaced, %zu already the same", str(result, "id"),
                str(result, "to"), json_array_size(json_object_get(result, "written")),
                json_array_size(json_object_get(result, "replaced")), json_array_size(json_object_get(result, "same")));
  json_decref(result);
  return 0;
}

#define RECOVERY_NOTE \
  "Copies live in .bones/recovery/<ID>/ with metadata in .<ID>.json; IDs take a\n" \
  "unique prefix.  They are made by `bones swarm discard`, `bones swarm reap`\n" \
  "and the hub's lease watcher (dead slots with uncommitted changes), and\n" \
  "`bones doctor --fix` (dead slots).  Nothing deletes them but you\n" \
  "(rm -r the directory and its .<ID>.json).  Exit codes: 2 usage or ambiguous ID,\n" \
  "3 no such copy or slot, 4 differing files (listed), 7 no workspace.\n" \
  "See docs/recovery.md.\n"

static const struct bones_subverb recovery_subverbs[] = {
    {"ls", "list the recovery copies",
     "usage: bones recovery ls [--json]\n"
     "One line per copy, oldest first: ID, slot, task, reason (discard, reap,\n"
     "prune, unknown for copies of an older bones), files, bytes, time.\n",
     recovery_ls_run, 0},
    {"show", "metadata and files of one copy",
     "usage: bones recovery show ID [--json]\n"
     "The copy's slot, task, reason, time, the uncommitted changes recorded when\n"
     "it was saved, and every file (the fossil check-out state is left out;\n"
     "symbolic links are listed as skipped, never followed).\n",
     recovery_show_run, 0},
    {"restore", "copy a recovery copy's files into a directory or a slot",
     "usage: bones recovery restore ID (--to DIR | --slot NAME) [--force] [--json]\n"
     "--to DIR writes every file of the copy into DIR (made when missing).  A\n"
     "file already there with other bytes is refused (exit 4, all listed, nothing\n"
     "written) unless --force; identical files are left alone.  --slot NAME\n"
     "writes into that slot's worktree (joined or kept) by the same rule, except\n"
     "that a file the slot has not changed is its check-out (the hub has it) and\n"
     "is replaced.  Then commit it with `bones swarm commit` as usual.  Never\n"
     "writes through a symbolic link; the copy itself is left as it is.\n",
     recovery_restore_run, 0},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_recovery) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "recovery",
    .description = "worktrees saved to .bones/recovery/: list, show, restore",
    .flags = BONES_VERB_NEEDS_WORKSPACE,
    .usage = "usage: bones recovery ls|show|restore ...\n" RECOVERY_NOTE,
    .run = NULL,
    .subverbs = recovery_subverbs,
};
