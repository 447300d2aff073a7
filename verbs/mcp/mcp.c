/* mcp.c: `bones mcp`: a Model Context Protocol server on stdio (JSON-RPC
 * 2.0, one message per line): initialize, ping, tools/list, tools/call
 * (mcp_int.h, docs/mcp.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bones/plugin.h>
#include <bones/verb.h>

#include "ctx.h"
#include "mcp_int.h"
#include "text.h"

#define MCP_LINE_MAX (8u << 20) /* a longer request is refused, not read into memory whole */

/* The protocol revisions this server speaks, newest first. */
static const char *const revisions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL};

#define JSONRPC_PARSE_ERROR -32700
#define JSONRPC_INVALID_REQUEST -32600
#define JSONRPC_METHOD_NOT_FOUND -32601
#define JSONRPC_INVALID_PARAMS -32602

/* Writes msg (stolen) as one line on stdout. */
static void send_message(json_t *msg) {
  char *text = json_dumps(msg, JSON_COMPACT);
  if (text) {
    fputs(text, stdout);
    fputc('\n', stdout);
    fflush(stdout);
  }
  free(text);
  json_decref(msg);
}

/* Sends the response of request id; result stays the caller's (borrowed). */
static void send_result(json_t *id, json_t *result) {
  send_message(json_pack("{s:s, s:O, s:O}", "jsonrpc", "2.0", "id", id ? id : json_null(), "result", result));
}

static void send_error(json_t *id, int code, const char *message) {
  send_message(json_pack("{s:s, s:O, s:{s:i, s:o}}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", "code",
                         code, "message", bones_utf8_json(message)));
}

/* initialize: the client's revision when this server speaks it, else the
 * newest (the client then decides whether to go on). */
static json_t *initialize(json_t *params) {
  const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
  const char *answer = revisions[0];
  for (size_t i = 0; asked && revisions[i]; i++)
    if (strcmp(asked, revisions[i]) == 0) answer = revisions[i];
  return json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s, s:s}, s:s}", "protocolVersion", answer, "capabilities", "tools",
                   "listChanged", 0, "serverInfo", "name", "bones", "title", "bones", "version", PACKAGE_VERSION,
                   "instructions",
                   "bones coordinates many agents on one repository. Start with the prime tool; a leaf joins a "
                   "slot (swarm_join), edits files in the slot's worktree, commits with swarm_commit and ends with "
                   "swarm_close. Every tool is the bones CLI verb of the same name; a failed call returns isError "
                   "with the CLI's error object (code, exit, message, hint).");
}

static json_t *tools_list(void) {
  json_t *tools = json_array();
  for (const struct mcp_tool *t = mcp_tools; t->name; t++) json_array_append_new(tools, mcp_tool_describe(t));
  return json_pack("{s:o}", "tools", tools);
}

/* Handles one parsed message: a request gets exactly one response, a
 * notification none. */
static void handle(json_t *msg, const char *substrate) {
  if (!json_is_object(msg)) {
    send_error(NULL, JSONRPC_INVALID_REQUEST, "a message must be a JSON-RPC 2.0 object (batches are not supported)");
    return;
  }
  json_t *id = json_object_get(msg, "id");
  const char *method = json_string_value(json_object_get(msg, "method"));
  const char *version = json_string_value(json_object_get(msg, "jsonrpc"));
  if (method == NULL && id && (json_object_get(msg, "result") || json_object_get(msg, "error")))
    return; /* a response to a request this server never sends: ignore */
  if (version == NULL || strcmp(version, "2.0") != 0 || method == NULL ||
      (id && !json_is_string(id) && !json_is_integer(id))) {
    send_error(json_is_string(id) || json_is_integer(id) ? id : NULL, JSONRPC_INVALID_REQUEST,
               "not a JSON-RPC 2.0 request (jsonrpc \"2.0\", method, id a string or an integer)");
    return;
  }
  if (id == NULL) return; /* notifications (initialized, cancelled, ...): nothing to answer */
  json_t *params = json_object_get(msg, "params");
  if (params && !json_is_object(params)) {
    send_error(id, JSONRPC_INVALID_PARAMS, "params must be an object");
    return;
  }
  if (strcmp(method, "initialize") == 0) {
    json_t *r = initialize(params);
    send_result(id, r);
    json_decref(r);
  } else if (strcmp(method, "ping") == 0) {
    json_t *r = json_object();
    send_result(id, r);
    json_decref(r);
  } else if (strcmp(method, "tools/list") == 0) {
    json_t *r = tools_list();
    send_result(id, r);
    json_decref(r);
  } else if (strcmp(method, "tools/call") == 0) {
    const char *name = json_string_value(json_object_get(params, "name"));
    const struct mcp_tool *t = name ? mcp_tool_find(name) : NULL;
    if (t == NULL) {
      char message[200];
      snprintf(message, sizeof message, "unknown tool '%.100s' (tools/list names them)", name ? name : "");
      send_error(id, JSONRPC_INVALID_PARAMS, message);
      return;
    }
    json_t *r = mcp_call_tool(t, json_object_get(params, "arguments"), substrate);
    send_result(id, r);
    json_decref(r);
  } else {
    char message[200];
    snprintf(message, sizeof message, "method '%.100s' is not supported", method);
    send_error(id, JSONRPC_METHOD_NOT_FOUND, message);
  }
}

/* Reads one line of stdin into *line (grown as needed): its length, -1 at
 * EOF, -2 when it is longer than MCP_LINE_MAX (the rest is skipped). */
static long read_line(char **line, size_t *cap) {
  size_t n = 0;
  int c, too_long = 0;
  while ((c = getchar()) != EOF && c != '\n') {
    if (n + 2 > MCP_LINE_MAX) {
      too_long = 1;
      continue;
    }
    if (n + 2 > *cap) {
      *cap = *cap ? *cap * 2 : 4096;
      *line = realloc(*line, *cap);
      if (*line == NULL) abort();
    }
    (*line)[n++] = (char)c;
  }
  if (c == EOF && n == 0 && !too_long) return -1;
  if (too_long) return -2;
  if (*line) (*line)[n] = '\0';
  return (long)n;
}

static int mcp_run(struct bones_ctx *ctx, int argc, char **argv) {
  (void)argv;
  if (argc > 1) return bones_ctx_usage(ctx, "mcp takes no arguments (it speaks JSON-RPC on stdin/stdout)");
  const char *substrate = bones_ctx_substrate_option(ctx);
  char *line = NULL;
  size_t cap = 0;
  long n;
  while ((n = read_line(&line, &cap)) != -1) {
    if (n == -2) {
      send_error(NULL, JSONRPC_PARSE_ERROR, "message longer than 8 MiB");
      continue;
    }
    if (n == 0 || strspn(line, " \t\r") == (size_t)n) continue;
    json_error_t jerr;
    json_t *msg = bones_utf8_valid(line, (size_t)n) ? json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (msg == NULL) {
      send_error(NULL, JSONRPC_PARSE_ERROR, "not valid JSON (one UTF-8 JSON-RPC message per line)");
      continue;
    }
    handle(msg, substrate);
    json_decref(msg);
  }
  free(line);
  return 0;
}

BONES_VERB_EXPORT(verb_mcp) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "mcp",
    .description = "a Model Context Protocol server on stdio (the verbs an agent uses, as tools)",
    .flags = 0,
    .usage = "usage: bones [--substrate=S] [-C DIR] mcp\n"
             "Speaks MCP (JSON-RPC 2.0, one message per line) on stdin/stdout until stdin\n"
             "ends: initialize, ping, tools/list, tools/call.  The tools are the verbs an\n"
             "agent uses: prime, tasks_ready, tasks_claim, tasks_claim_next, tasks_show,\n"
             "tasks_update, tasks_close, swarm_join, swarm_commit, swarm_close,\n"
             "swarm_status, coord_claim, coord_release, coord_checkpoint, coord_wait,\n"
             "coord_handoff, coord_accept, coord_decline, coord_broadcast, coord_broadcasts,\n"
             "msg_send, msg_inbox, msg_read, msg_ack, msg_thread, msg_wait, who, status.\n"
             "Each call runs `bones --json VERB ...` with the tool's arguments as the\n"
             "CLI's flags (inputSchema), in this process's directory (or the dir\n"
             "argument: -C), so identity follows the CLI's rule.  A failed call is a\n"
             "result with isError and the CLI's error object (code, exit, message, hint);\n"
             "bad arguments: exit 2; an unknown tool or method: a JSON-RPC error.\n"
             "`bones up --harness=claude` registers it in .mcp.json.  See docs/mcp.md.\n",
    .run = mcp_run,
    .subverbs = NULL,
};
