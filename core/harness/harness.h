/* harness.h: wiring AI agent harnesses (Claude Code, Codex, any harness
 * that reads AGENTS.md) to a workspace, reversibly (docs/harness.md).
 *
 * `bones harness install` writes the harness files -- Claude Code's
 * .claude/settings.json hooks (merged into the user's file), the two role
 * skills, an AGENTS.md section between markers -- and the git pre-commit
 * guard, and records in .bones/harness.json (0600) exactly what it wrote:
 * each file with the sha256 of bones' content, the settings entries it
 * added, the original bytes of a settings file it merged into.  Removal
 * undoes exactly that and keeps whatever the user edited since. */
#ifndef BONES_HARNESS_H
#define BONES_HARNESS_H

#include <jansson.h>

#include <bones/error.h>

#define BONES_HARNESS_MANIFEST "harness.json" /* under .bones/ */

enum bones_harness_kind {
  BONES_HARNESS_CLAUDE = 1u << 0,  /* .claude/settings.json hooks + skills */
  BONES_HARNESS_CODEX = 1u << 1,   /* AGENTS.md section */
  BONES_HARNESS_GENERIC = 1u << 2  /* AGENTS.md section */
};

/* Adds the harness named name ("claude", "codex", "generic") to *mask;
 * BONES_E_USAGE naming the known ones otherwise. */
int bones_harness_parse(const char *name, unsigned *mask, struct bones_error *err);

struct bones_harness_opts {
  unsigned harnesses; /* enum bones_harness_kind bits; 0 = claude */
  int no_guard;       /* leave the PreToolUse git guard out of settings.json */
};

/* Installs the harnesses' files in the workspace at root, idempotently (a
 * second run writes nothing), never overwriting a file the user wrote or
 * edited (it is kept and reported).  *report (new reference, also on
 * failure when not NULL): {harnesses:[..], written:[path], unchanged:[path],
 * kept:[{path, reason}]}; paths relative to root (the git hook absolute). */
int bones_harness_install(const char *root, const struct bones_harness_opts *o, json_t **report,
                          struct bones_error *err);

/* Removes what the manifest records: files whose content is still bones'
 * are deleted, edited ones kept (listed in kept[]); bones' settings
 * entries and AGENTS.md section are cut out (the original file restored
 * byte for byte when nothing else changed); the chained git hook is put
 * back; then the manifest goes.  No manifest: nothing to do.
 * *report: {removed:[path], restored:[path], kept:[{path, reason}]}. */
int bones_harness_remove(const char *root, json_t **report, struct bones_error *err);

/* Compares the files with the manifest, changing nothing.  *report:
 * {installed: bool, harnesses:[..], items:[{kind, path, state, detail?}],
 * drift: N} where state is "ok", "missing", "edited" or "entry-removed". */
int bones_harness_status(const char *root, json_t **report, struct bones_error *err);

#endif
