/* mcp_call.c: a tools/call run as the real `bones --json VERB ...` child
 * and its JSON envelope and exit status turned into an MCP tool result
 * (mcp_int.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_int.h"
#include "proc.h"
#include "text.h"
#include "util.h"

/* {type:"text", text} content holding the compact JSON of doc. */
static json_t *text_content(json_t *doc) {
  char *text = json_dumps(doc, JSON_COMPACT);
  json_t *c = json_pack("[{s:s, s:s}]", "type", "text", "text", text ? text : "{}");
  free(text);
  return c;
}

json_t *mcp_error_result(const char *code, int exit_code, const char *message, const char *hint) {
  json_t *e = json_pack("{s:s, s:i, s:o}", "code", code, "exit", exit_code, "message", bones_utf8_json(message));
  if (hint && *hint) json_object_set_new(e, "hint", bones_utf8_json(hint));
  json_t *structured = json_pack("{s:o}", "error", e);
  json_t *r = json_pack("{s:o, s:O, s:b}", "content", text_content(structured), "structuredContent", structured,
                        "isError", 1);
  json_decref(structured);
  return r;
}

/* The last line of text that is not empty, at most 300 bytes, as a copy. */
static char *last_line(const char *text) {
  const char *end = text + strlen(text);
  while (end > text && (end[-1] == '\n' || end[-1] == '\r')) end--;
  const char *start = end;
  while (start > text && start[-1] != '\n') start--;
  size_t n = (size_t)(end - start);
  if (n > 300) n = 300;
  char *line = bones_xcalloc(n + 1, 1);
  memcpy(line, start, n);
  return line;
}

/* The result for the child's output doc (may be NULL) and exit status. */
static json_t *result_of(json_t *doc, int status, const char *stderr_text) {
  json_t *data = json_object_get(doc, "data");
  json_t *error = json_object_get(doc, "error");
  if (status == 0 && data != NULL) {
    json_t *structured = json_is_object(data) ? json_incref(data) : json_pack("{s:O}", "result", data);
    json_t *r = json_pack("{s:o, s:o, s:b}", "content", text_content(structured), "structuredContent", structured,
                          "isError", 0);
    return r;
  }
  if (json_is_object(error)) {
    json_t *structured = json_pack("{s:O}", "error", error);
    if (data) json_object_set(structured, "data", data); /* e.g. apply's conflicts */
    json_t *r = json_pack("{s:o, s:o, s:b}", "content", text_content(structured), "structuredContent", structured,
                          "isError", 1);
    return r;
  }
  /* no envelope: a crash, or a verb that printed something else */
  char *line = last_line(stderr_text);
  char *message = bones_xasprintf("bones exited with status %d without a JSON result%s%s", status,
                                  *line ? ": " : "", line);
  json_t *r = mcp_error_result(status == 0 ? "internal" : "failed", status == 0 ? 1 : status, message, NULL);
  if (data) json_object_set(json_object_get(r, "structuredContent"), "data", data);
  free(message);
  free(line);
  return r;
}

json_t *mcp_call_tool(const struct mcp_tool *t, json_t *arguments, const char *substrate) {
  char why[300] = "";
  char *self = bones_self_exe();
  char **argv = mcp_tool_argv(t, self ? self : "bones", arguments, why, sizeof why);
  free(self);
  if (argv == NULL) {
    char hint[120];
    snprintf(hint, sizeof hint, "tools/list gives %s's inputSchema", t->name);
    return mcp_error_result("usage", 2, why, hint);
  }
  char *env_substrate = substrate ? bones_xasprintf("BONES_SUBSTRATE=%s", substrate) : NULL;
  const char *env_add[] = {env_substrate, NULL};
  struct bones_run_result res;
  struct bones_error err;
  memset(&res, 0, sizeof res);
  int timeout_s = t->timeout_s ? t->timeout_s : 120;
  int rc = bones_run((const char *const *)argv, NULL, env_add, timeout_s * 1000, &res, &err);
  free(env_substrate);
  mcp_argv_free(argv);
  json_t *r;
  if (rc != BONES_OK) {
    r = res.status == -1 ? mcp_error_result("timeout", 124, err.message, "the tool ran longer than its limit")
                         : mcp_error_result(bones_rc_name(rc), bones_rc_exit_code(rc), err.message, NULL);
  } else {
    json_error_t jerr;
    json_t *doc = NULL;
    if (res.out_len > 0 && bones_utf8_valid(res.out, res.out_len)) doc = json_loadb(res.out, res.out_len, 0, &jerr);
    r = result_of(doc, res.status, res.err ? res.err : "");
    json_decref(doc);
  }
  bones_run_result_free(&res);
  return r;
}
