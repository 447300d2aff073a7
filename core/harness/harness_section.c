/* harness_section.c: the AGENTS.md section between AGENTS_BEGIN and
 * AGENTS_END, for harnesses that read AGENTS.md (Codex, Gemini CLI,
 * Aider): created if missing, replaced in place if present, the rest of
 * the file untouched (harness_int.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "sha256.h"
#include "util.h"

#define AGENTS_FILE "AGENTS.md"
#define AGENTS_MAX (16u << 20)

/* The section in text: *at its start, *len through AGENTS_END and one
 * newline after it.  0 when found, 1 when absent, -1 when only one marker
 * (or the end before the begin) is there. */
static int find_section(const char *text, size_t *at, size_t *len) {
  const char *b = strstr(text, AGENTS_BEGIN);
  const char *e = b ? strstr(b, AGENTS_END) : NULL;
  if (b == NULL) return strstr(text, AGENTS_END) ? -1 : 1;
  if (e == NULL) return -1;
  e += strlen(AGENTS_END);
  if (*e == '\n') e++;
  *at = (size_t)(b - text);
  *len = (size_t)(e - b);
  return 0;
}

/* The file's text (malloc'd, "" when absent: *exists 0). */
static int read_agents(const char *path, char **text, int *exists, struct bones_error *err) {
  size_t len = 0;
  *exists = 1;
  int rc = bones_read_file(path, AGENTS_MAX, text, &len, err);
  if (rc == BONES_E_NOTFOUND) {
    bones_error_clear(err);
    *exists = 0;
    *text = bones_xstrdup("");
    return BONES_OK;
  }
  return rc;
}

int harness_section_install(const char *root, json_t *m, json_t *report, struct bones_error *err) {
  const char *section = harness_agents_section();
  char *path = harness_abs(root, AGENTS_FILE), *text = NULL, *out = NULL;
  int exists = 0;
  int rc = read_agents(path, &text, &exists, err);
  if (rc != BONES_OK) {
    free(path);
    return rc;
  }
  json_t *item = harness_manifest_item(m, HK_SECTION, AGENTS_FILE);
  const char *rec = item ? json_string_value(json_object_get(item, "sha256")) : NULL;
  const char *sep = "";
  size_t at = 0, len = 0;
  int found = find_section(text, &at, &len);
  char cur[65];
  if (found < 0) {
    harness_keep(report, AGENTS_FILE, "holds only one of the %s / %s markers: left alone", AGENTS_BEGIN, AGENTS_END);
    goto done;
  }
  if (found == 0) {
    bones_sha256_hex(text + at, len, cur);
    if (len == strlen(section) && memcmp(text + at, section, len) == 0) {
      harness_note(report, "unchanged", AGENTS_FILE);
      goto record;
    }
    if (rec && strcmp(rec, cur) != 0) {
      harness_keep(report, AGENTS_FILE, "the bones section was edited since bones wrote it: kept");
      goto done;
    }
    out = bones_xasprintf("%.*s%s%s", (int)at, text, section, text + at + len);
  } else {
    size_t tl = strlen(text);
    sep = tl == 0 ? "" : text[tl - 1] != '\n' ? "\n\n" : (tl >= 2 && text[tl - 2] == '\n') ? "" : "\n";
    out = bones_xasprintf("%s%s%s", text, sep, section);
  }
  rc = harness_write(path, out, 0644, err);
  if (rc != BONES_OK) goto done;
  harness_note(report, "written", AGENTS_FILE);
record:
  if (item == NULL) {
    item = json_pack("{s:s, s:s, s:b, s:s}", "kind", HK_SECTION, "path", AGENTS_FILE, "created", !exists, "separator", sep);
    json_array_append_new(json_object_get(m, "items"), item);
  } else if (found == 1) {
    json_object_set_new(item, "separator", json_string(sep)); /* appended again: this time's separator */
  }
  bones_sha256_hex(section, strlen(section), cur);
  json_object_set_new(item, "sha256", json_string(cur));
done:
  free(out);
  free(text);
  free(path);
  return rc;
}

/* 1 when text holds nothing but white space. */
static int blank(const char *text) {
  for (; *text; text++)
    if (!strchr(" \t\r\n", *text)) return 0;
  return 1;
}

int harness_section_remove(const char *root, json_t *item, json_t *report, struct bones_error *err) {
  char *path = harness_abs(root, AGENTS_FILE), *text = NULL, *out = NULL;
  int exists = 0;
  int rc = read_agents(path, &text, &exists, err);
  size_t at = 0, len = 0;
  char cur[65];
  const char *rec = json_string_value(json_object_get(item, "sha256"));
  if (rc != BONES_OK || !exists || find_section(text, &at, &len) != 0) goto done; /* gone already */
  bones_sha256_hex(text + at, len, cur);
  if (rec == NULL || strcmp(rec, cur) != 0) {
    harness_keep(report, AGENTS_FILE, "the bones section was edited since bones wrote it: kept");
    goto done;
  }
  const char *sep = json_string_value(json_object_get(item, "separator"));
  size_t sl = sep ? strlen(sep) : 0;
  const char *after = text + at + len;
  if (*after == '\0' && sl && at >= sl && memcmp(text + at - sl, sep, sl) == 0) at -= sl; /* the blank line bones added */
  out = bones_xasprintf("%.*s%s", (int)at, text, after);
  if (json_is_true(json_object_get(item, "created")) && blank(out)) {
    if (unlink(path) == 0) harness_note(report, "removed", AGENTS_FILE);
  } else if ((rc = harness_write(path, out, 0644, err)) == BONES_OK) {
    harness_note(report, "restored", AGENTS_FILE);
  }
done:
  free(out);
  free(text);
  free(path);
  return rc;
}

void harness_section_status(const char *root, json_t *item, json_t *out) {
  char *path = harness_abs(root, AGENTS_FILE), *text = NULL;
  int exists = 0;
  struct bones_error e;
  size_t at = 0, len = 0;
  char cur[65];
  const char *rec = json_string_value(json_object_get(item, "sha256"));
  if (read_agents(path, &text, &exists, &e) != BONES_OK || !exists) harness_status_add(out, item, "missing", NULL);
  else if (find_section(text, &at, &len) != 0) harness_status_add(out, item, "entry-removed", "the bones section is gone");
  else {
    bones_sha256_hex(text + at, len, cur);
    if (rec == NULL || strcmp(rec, cur) != 0) harness_status_add(out, item, "edited", "the bones section was edited");
    else harness_status_add(out, item, "ok", NULL);
  }
  free(text);
  free(path);
}
