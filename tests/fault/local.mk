# tests/fault: servers killed mid-run, processes killed mid-write.
fault_tests = tests/fault/nats-down.test tests/fault/redis-down.test
TESTS += $(fault_tests)
EXTRA_DIST += $(fault_tests) tests/fault/server-down.sh
swarm_fault_tests = tests/fault/swarm-kill.test
TESTS += $(swarm_fault_tests)
EXTRA_DIST += $(swarm_fault_tests)
TESTS += tests/fault/broken-server.test
EXTRA_DIST += tests/fault/broken-server.test tests/fault/broken_server.py
partition_tests = tests/fault/partition-nats.test tests/fault/partition-redis.test
TESTS += $(partition_tests)
EXTRA_DIST += $(partition_tests) tests/fault/partition.sh
# the swarm under kill -9: committers killed at chosen points (swarm-campaign.sh)
campaign_tests = tests/fault/swarm-campaign-sqlite.test tests/fault/swarm-campaign-queue-sqlite.test
TESTS += $(campaign_tests)
EXTRA_DIST += $(campaign_tests) tests/fault/swarm-campaign.sh tests/fault/lease_monitor.py
# `make soak`: tests/lin/local.mk's soak-lin, then longer kill -9
# campaigns on the swarm (BONES_CAMPAIGN_COMMITS, default 300) on sqlite and
# on a nats-server the test starts.  Not part of `make check`.
EXTRA_DIST += tests/fault/swarm-campaign-nats.test
soak-fault: all $(check_PROGRAMS)
	@for t in swarm-campaign-sqlite swarm-campaign-nats; do \
	  echo "== soak: $$t"; \
	  $(AM_TESTS_ENVIRONMENT) BONES_CAMPAIGN_COMMITS=$${BONES_CAMPAIGN_COMMITS:-300} \
	    $(SHELL) $(srcdir)/tests/fault/$$t.test || exit 1; \
	done
soak: soak-lin soak-fault
.PHONY: soak soak-fault
# issue 16: three hosts as network namespaces over a nats cluster (root only)
TESTS += tests/fault/multihost-nats.test
EXTRA_DIST += tests/fault/multihost-nats.test
TESTS += tests/fault/multihost-swarm.test
EXTRA_DIST += tests/fault/multihost-swarm.test
TESTS += tests/fault/multihost-remote.test
EXTRA_DIST += tests/fault/multihost-remote.test
