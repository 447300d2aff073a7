# tests/cli: the real bones binary, driven from shell, TAP.
cli_tests = tests/cli/kv-sqlite.test tests/cli/kv-nats.test tests/cli/kv-redis.test \
	tests/cli/sqlite-files.test tests/cli/hub.test
TESTS += $(cli_tests)
EXTRA_DIST += $(cli_tests) tests/cli/kv_cli.sh
ops_cli_tests = tests/cli/status.test tests/cli/workspaces.test tests/cli/down.test tests/cli/doctor.test
TESTS += $(ops_cli_tests)
EXTRA_DIST += $(ops_cli_tests)
cli_tests += tests/cli/substrate-errors.test
tasks_cli_tests = tests/cli/tasks-sqlite.test tests/cli/tasks-nats.test tests/cli/tasks-redis.test
TESTS += $(tasks_cli_tests)
EXTRA_DIST += $(tasks_cli_tests) tests/cli/tasks_cli.sh
TESTS += tests/cli/who.test
EXTRA_DIST += tests/cli/who.test
TESTS += tests/cli/top.test
EXTRA_DIST += tests/cli/top.test
TESTS += tests/cli/page.test tests/cli/view-watch.test tests/cli/msg.test
EXTRA_DIST += tests/cli/page.test tests/cli/view-watch.test tests/cli/msg.test
apply_cli_tests = tests/cli/apply.test
TESTS += $(apply_cli_tests)
EXTRA_DIST += $(apply_cli_tests)
swarm_cli_tests = tests/cli/swarm-sqlite.test tests/cli/swarm-nats.test tests/cli/swarm-redis.test
TESTS += $(swarm_cli_tests)
EXTRA_DIST += $(swarm_cli_tests) tests/cli/swarm_cli.sh
coord_cli_tests = tests/cli/coord-sqlite.test tests/cli/coord-nats.test tests/cli/coord-redis.test
TESTS += $(coord_cli_tests)
EXTRA_DIST += $(coord_cli_tests) tests/cli/coord_cli.sh
TESTS += tests/cli/safety-procs.test
EXTRA_DIST += tests/cli/safety-procs.test
TESTS += tests/cli/safety-trust.test
EXTRA_DIST += tests/cli/safety-trust.test
TESTS += tests/cli/safety-fossil.test
EXTRA_DIST += tests/cli/safety-fossil.test

# issue 10 (utf8): bad bytes, escaping, strict durations/numbers, temp files
TESTS += tests/cli/safety-utf8.test
EXTRA_DIST += tests/cli/safety-utf8.test
TESTS += tests/cli/safety-holds.test
EXTRA_DIST += tests/cli/safety-holds.test
# issue 11 (live): session leases through a harness, one identity rule, up seeds the hub
TESTS += tests/cli/liveness.test
EXTRA_DIST += tests/cli/liveness.test

# issue 11 (harness): harness files, the git guard, the hook commands
TESTS += tests/cli/git-guard.test
EXTRA_DIST += tests/cli/git-guard.test
TESTS += tests/cli/harness.test
EXTRA_DIST += tests/cli/harness.test
TESTS += tests/cli/hooks.test
EXTRA_DIST += tests/cli/hooks.test

# issue 11 (prime): bones prime / tasks prime, coord broadcasts --new
TESTS += tests/cli/prime.test tests/cli/prime-redis.test
EXTRA_DIST += tests/cli/prime.test tests/cli/prime-redis.test tests/cli/prime_cli.sh

# issue 11: an orchestrator and three leaves under a scripted harness, every command in a fresh shell
harness_e2e_tests = tests/cli/harness-e2e-sqlite.test tests/cli/harness-e2e-redis.test
TESTS += $(harness_e2e_tests)
EXTRA_DIST += $(harness_e2e_tests) tests/cli/harness_e2e.sh
# issue 11 item 5: tasks claim --next
TESTS += tests/cli/tasks_next.test
EXTRA_DIST += tests/cli/tasks_next.test
# issue 12 item 1: bones plan validate
TESTS += tests/cli/plan.test
EXTRA_DIST += tests/cli/plan.test
# issue 12 item 5: git and the hub stay in step
TESTS += tests/cli/git-sync.test
EXTRA_DIST += tests/cli/git-sync.test
# issue 12 item 4: slots can always be recovered
TESTS += tests/cli/recovery.test
EXTRA_DIST += tests/cli/recovery.test
# issue 12 item 3: swarm close --summary, swarm fan-in
TESTS += tests/cli/fan-in.test
EXTRA_DIST += tests/cli/fan-in.test

# issue 12 item 6: richer tasks (fields, comment, blocked, tree, export/import)
TESTS += tests/cli/tasks-rich-sqlite.test tests/cli/tasks-rich-redis.test
EXTRA_DIST += tests/cli/tasks-rich-sqlite.test tests/cli/tasks-rich-redis.test tests/cli/tasks-rich.sh

# issue 12: the orchestrator's loop end to end, 3 waves x 3 slots, a failure resumed, a person's git commits
orchestrator_e2e_tests = tests/cli/orchestrator-e2e-sqlite.test tests/cli/orchestrator-e2e-redis.test
TESTS += $(orchestrator_e2e_tests)
EXTRA_DIST += $(orchestrator_e2e_tests) tests/cli/orchestrator_e2e.sh
# issue 12 item 2: bones swarm dispatch
TESTS += tests/cli/dispatch.test
EXTRA_DIST += tests/cli/dispatch.test
# issue 13 item 1: the uninstalled bones finds its build tree's modules
TESTS += tests/cli/buildtree.test
EXTRA_DIST += tests/cli/buildtree.test
# issue 13 item 7: bones logs over hub.log, swarm-events.jsonl and the task events
TESTS += tests/cli/logs.test
EXTRA_DIST += tests/cli/logs.test
# issue 13 item 8: output polish (handoff ids, error envelope, version, link, did-you-mean, help)
TESTS += tests/cli/polish.test
EXTRA_DIST += tests/cli/polish.test
# issue 13 item 6: `bones mcp` through the official MCP client SDK (Node)
TESTS += tests/cli/mcp.test
EXTRA_DIST += tests/cli/mcp.test tests/mcp/package.json tests/mcp/package-lock.json tests/mcp/client.mjs
TESTS += tests/cli/mcp-harness.test
EXTRA_DIST += tests/cli/mcp-harness.test
# issue 13 item 3: the man pages render cleanly and agree with --help
TESTS += tests/cli/man.test
EXTRA_DIST += tests/cli/man.test tests/lib/man_check.py
# issue 13 item 5: every --json output validates against schemas/ (Draft 2020-12)
TESTS += tests/cli/schemas.test
EXTRA_DIST += tests/cli/schemas.test tests/lib/validate_schemas.py
# issue 13 item 4: shell completion driven through bash's completion function
TESTS += tests/cli/completion.test
EXTRA_DIST += tests/cli/completion.test
# issue 13 item 3: make install puts the man pages under $(mandir)/man1 and man7
TESTS += tests/cli/man-install.test
EXTRA_DIST += tests/cli/man-install.test
# mcp.test's npm install of the pinned SDK lives in the build tree: make
# clean removes it (distcheck's distcleancheck requires it)
clean-local: clean-local-mcp-node
clean-local-mcp-node:
	-rm -rf tests/mcp-node
.PHONY: clean-local-mcp-node
# durability modes (issue 14 item 3)
TESTS += tests/cli/durability.test
EXTRA_DIST += tests/cli/durability.test
# issue 16: a three-node nats cluster (seed list, replicas, node loss)
TESTS += tests/cli/nats-cluster.test
EXTRA_DIST += tests/cli/nats-cluster.test
# tests/cli/page.test saves the live page's screenshot here
clean-local: clean-local-artifacts
clean-local-artifacts:
	rm -rf tests/artifacts
.PHONY: clean-local-artifacts
