// client.mjs: drives `bones mcp` with the official MCP client SDK, for
// tests/cli/mcp.test.  Usage: node client.mjs BONES WORKSPACE TASK_A TASK_B
// Prints one JSON line per step: {"step": NAME, "ok": bool, ...what was seen};
// the shell test asserts on them.  Never exits non-zero on a failed step
// (the test reports it); exits 1 only when it cannot connect at all.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { writeFileSync } from "node:fs";

const [bones, ws, taskA, taskB] = process.argv.slice(2);
const out = (step, obj) => console.log(JSON.stringify({ step, ...obj }));

const transport = new StdioClientTransport({
  command: bones,
  args: ["mcp"],
  cwd: ws,
  env: { ...process.env, BONES_AGENT_ID: "mcp-agent" },
  stderr: "inherit",
});
const client = new Client({ name: "bones-test", version: "1.0.0" });
try {
  await client.connect(transport);
} catch (e) {
  out("connect", { ok: false, error: String(e) });
  process.exit(1);
}
out("connect", { ok: true, server: client.getServerVersion(), protocol: transport._protocolVersion ?? null });

// call a tool; never throw: a thrown McpError is reported as {thrown}
async function call(step, name, args) {
  try {
    const r = await client.callTool({ name, arguments: args });
    out(step, {
      ok: !r.isError,
      isError: r.isError === true,
      structured: r.structuredContent ?? null,
      text: r.content?.[0]?.text ?? null,
    });
    return r;
  } catch (e) {
    out(step, { ok: false, thrown: { code: e.code ?? null, message: String(e.message) } });
    return null;
  }
}

const tools = await client.listTools();
out("list", {
  ok: true,
  names: tools.tools.map((t) => t.name).sort(),
  claimSchema: tools.tools.find((t) => t.name === "tasks_claim")?.inputSchema ?? null,
});

await call("show-missing-arg", "tasks_show", {});
await call("show-unknown", "tasks_show", { id: "t-zzzzzzzz" });
await call("claim-bad-type", "tasks_claim", { id: 5 });
await call("claim-unknown-arg", "tasks_claim", { id: taskA, bogus: true });
await call("broadcast-dash", "coord_broadcast", { channel: "-x", message: "hi" });
await call("unknown-tool", "no_such_tool", {});
await call("claim", "tasks_claim", { id: taskA });
await call("claim-again", "tasks_claim", { id: taskA });
await call("join", "swarm_join", { slot: "m1", task: taskB });
try {
  writeFileSync(`${ws}/.bones/swarm/m1/wt/from-mcp.txt`, "written through MCP\n");
  out("write", { ok: true });
} catch (e) {
  out("write", { ok: false, error: String(e) });
}
await call("commit", "swarm_commit", { slot: "m1", message: "from mcp" });
await call("status", "swarm_status", {});
await call("close", "swarm_close", { slot: "m1", result: "success", summary: "done via MCP" });
await call("prime", "prime", { limit: 3 });
await call("who", "who", {});
await call("msg-send", "msg_send", { to: "mcp-agent", text: "note to self", ack: true });
await call("msg-inbox", "msg_inbox", { unread: true });
await call("msg-wait", "msg_wait", { timeout: "5s" });
try {
  await client.ping();
  out("ping", { ok: true });
} catch (e) {
  out("ping", { ok: false, error: String(e) });
}
await client.close();
