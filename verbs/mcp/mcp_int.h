/* mcp_int.h: what the files of `bones mcp` share (not public).
 *
 * `bones mcp` is a Model Context Protocol server on stdio: JSON-RPC 2.0,
 * one message per line.  Each tool is a bones verb; a call runs the real
 * `bones --json VERB ...` as a child process (never a shell), so identity,
 * checks and output are exactly the CLI's (docs/mcp.md). */
#ifndef BONES_MCP_INT_H
#define BONES_MCP_INT_H

#include <jansson.h>

#include <bones/verb.h>

/* One input property of a tool: a CLI flag or operand. */
struct mcp_param {
  const char *name; /* property name: the flag without "--", or the operand's name */
  char kind;        /* 's' string, 'i' integer, 'b' boolean (a flag without value), 'a' array of strings */
  const char *flag; /* "--slot", or NULL for an operand (operands go in table order, after the flags) */
  int required;
  const char *doc;
};

#define MCP_MAX_PARAMS 16

/* One tool: `bones VERB[ SUB] [fixed]` plus its params. */
struct mcp_tool {
  const char *name;
  const char *description;
  const char *verb[2]; /* e.g. {"tasks", "claim"}; verb[1] NULL for a verb without sub-verbs */
  const char *fixed;   /* a flag always given (e.g. "--next"), or NULL */
  int timeout_s;       /* the child is killed after this; 0 = 120 s */
  struct mcp_param params[MCP_MAX_PARAMS]; /* ends at name NULL */
};

/* The tool table, ending with a NULL name. */
extern const struct mcp_tool mcp_tools[];

/* The property every tool also takes: dir, the CLI's -C DIR. */
extern const struct mcp_param mcp_dir_param;

/* The tool called name, or NULL. */
const struct mcp_tool *mcp_tool_find(const char *name);

/* The tools/list entry of t: {name, description, inputSchema} (new). */
json_t *mcp_tool_describe(const struct mcp_tool *t);

/* Builds the child's argv for a call of t with arguments (an object or
 * NULL): {self, "--json", [-C dir], verb..., fixed, flags..., operands...,
 * NULL}.  Every string is a copy: free with mcp_argv_free.  On invalid
 * arguments (unknown, wrong type, missing required, an operand starting
 * with '-') returns NULL and writes the reason to why (size bytes). */
char **mcp_tool_argv(const struct mcp_tool *t, const char *self, json_t *arguments, char *why, size_t size);
void mcp_argv_free(char **argv);

/* Runs a call of t with arguments and returns its tools/call result (new):
 * {content:[{type:"text", text}], structuredContent, isError}.  A failed
 * verb is a result with isError true whose structuredContent.error is the
 * CLI's error object {code, exit, message, hint?}; bad arguments are such
 * an error with exit 2.  substrate: the --substrate given to `bones mcp`
 * (passed to the child in $BONES_SUBSTRATE, never in argv), or NULL. */
json_t *mcp_call_tool(const struct mcp_tool *t, json_t *arguments, const char *substrate);

/* A tools/call error result for code/exit/message (new). */
json_t *mcp_error_result(const char *code, int exit_code, const char *message, const char *hint);

#endif
