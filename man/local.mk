# man/: the manual pages, written in mdoc(7): bones(1), one page per verb,
# bones-plugin(7) and bones-substrates(7).  tests/cli/man.test renders each
# without warnings and checks it against the verbs' --help (docs/man.md).
dist_man_MANS = \
	man/bones.1 man/bones-apply.1 man/bones-completion.1 man/bones-coord.1 man/bones-doctor.1 man/bones-down.1 \
	man/bones-env.1 man/bones-harness.1 man/bones-help.1 man/bones-hook.1 man/bones-hub.1 \
	man/bones-kv.1 man/bones-logs.1 man/bones-mcp.1 man/bones-msg.1 man/bones-plan.1 man/bones-plugins.1 \
	man/bones-prime.1 man/bones-recovery.1 man/bones-status.1 man/bones-swarm.1 \
	man/bones-tasks.1 man/bones-top.1 man/bones-up.1 man/bones-version.1 man/bones-who.1 man/bones-workspaces.1 \
	man/bones-plugin.7 man/bones-substrates.7
