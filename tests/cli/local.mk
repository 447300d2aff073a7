# tests/cli: the real bones binary, driven from shell, TAP.
cli_tests = tests/cli/kv-sqlite.test tests/cli/kv-nats.test tests/cli/kv-redis.test \
	tests/cli/sqlite-files.test tests/cli/hub.test
TESTS += $(cli_tests)
EXTRA_DIST += $(cli_tests) tests/cli/kv_cli.sh
ops_cli_tests = tests/cli/status.test tests/cli/workspaces.test tests/cli/down.test tests/cli/doctor.test
TESTS += $(ops_cli_tests)
EXTRA_DIST += $(ops_cli_tests)
