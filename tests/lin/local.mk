# tests/lin: linearizability of the KV contract (docs/linearizability.md):
# a Wing-Gong/Lowe checker (lincheck.py) with its self-tests, and a bounded
# run of concurrent API and CLI clients on each backend.
check_PROGRAMS += tests/lin/lin_client
tests_lin_lin_client_SOURCES = tests/lin/lin_client.c
tests_lin_lin_client_CFLAGS = $(AM_CFLAGS)
tests_lin_lin_client_LDADD = libbones_builtins.la libbones.la $(JANSSON_LIBS)
TESTS += tests/lin/lincheck-self.test tests/lin/lin-sqlite.test tests/lin/lin-nats.test tests/lin/lin-redis.test
EXTRA_DIST += tests/lin/lincheck-self.test tests/lin/lin-sqlite.test tests/lin/lin-nats.test tests/lin/lin-redis.test \
	tests/lin/lin.sh tests/lin/lincheck.py tests/lin/cli_client.py
# the same under faults (lin-fault.sh): servers killed -9 and hung, clients killed -9
lin_fault_tests = tests/lin/lin-fault-sqlite.test tests/lin/lin-fault-nats.test tests/lin/lin-fault-redis.test
TESTS += $(lin_fault_tests)
EXTRA_DIST += $(lin_fault_tests) tests/lin/lin-fault.sh tests/lin/lin_fixup.py

# `make soak` (with tests/fault/local.mk's soak-fault): the same runs,
# longer (BONES_LIN_OPS operations per API client, default 3000; more
# clients and keys), on every backend, then the fault runs with a longer
# tail; prints each run's figures.  Not part of `make check`.
soak-lin: all $(check_PROGRAMS)
	@for t in lin-sqlite lin-nats lin-redis; do \
	  echo "== soak: $$t"; \
	  $(AM_TESTS_ENVIRONMENT) BONES_LIN_OPS=$${BONES_LIN_OPS:-3000} BONES_LIN_CLIENTS=$${BONES_LIN_CLIENTS:-6} \
	    BONES_LIN_CLI=$${BONES_LIN_CLI:-3} BONES_LIN_CLI_OPS=$${BONES_LIN_CLI_OPS:-200} BONES_LIN_KEYS=$${BONES_LIN_KEYS:-3} \
	    $(SHELL) $(srcdir)/tests/lin/$$t.test || exit 1; \
	done
	@for t in lin-fault-sqlite lin-fault-nats lin-fault-redis; do \
	  echo "== soak: $$t"; \
	  $(AM_TESTS_ENVIRONMENT) BONES_LIN_FAULT_TAIL=$${BONES_LIN_FAULT_TAIL:-10} BONES_LIN_KEYS=$${BONES_LIN_KEYS:-3} \
	    $(SHELL) $(srcdir)/tests/lin/$$t.test || exit 1; \
	done
.PHONY: soak-lin
