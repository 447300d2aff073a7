# tests/unit: cmocka unit tests of core (TAP through CMOCKA_MESSAGE_OUTPUT).
unit_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
unit_ldadd = libbones_builtins.la libbones.la $(JANSSON_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_util tests/unit/test_loader tests/unit/test_kv_front tests/unit/test_server
tests_unit_test_util_SOURCES = tests/unit/test_util.c tests/unit/cmocka_all.h
tests_unit_test_util_CFLAGS = $(unit_cflags)
tests_unit_test_util_LDADD = $(unit_ldadd)
tests_unit_test_loader_SOURCES = tests/unit/test_loader.c tests/unit/cmocka_all.h
tests_unit_test_loader_CFLAGS = $(unit_cflags)
tests_unit_test_loader_LDADD = $(unit_ldadd)
tests_unit_test_kv_front_SOURCES = tests/unit/test_kv_front.c tests/unit/cmocka_all.h
tests_unit_test_kv_front_CFLAGS = $(unit_cflags)
tests_unit_test_kv_front_LDADD = $(unit_ldadd)

tests_unit_test_server_SOURCES = tests/unit/test_server.c tests/unit/cmocka_all.h
tests_unit_test_server_CFLAGS = $(unit_cflags)
tests_unit_test_server_LDADD = $(unit_ldadd)

TESTS += tests/unit/test_util tests/unit/test_loader tests/unit/test_kv_front tests/unit/test_server

# The same unit tests under valgrind memcheck (leaks are errors); skipped
# when valgrind is missing or the build uses sanitizers.
TESTS += tests/unit/valgrind.test
# (tests/unit/valgrind.test is distributed by tests/local.mk, with or without cmocka)
CLEANFILES += tests/unit/*.valgrind.log

# holds, presence and agent identity (core/holds*.c, presence.c, agent.c)
check_PROGRAMS += tests/unit/test_holds tests/unit/test_presence tests/unit/test_agent
tests_unit_test_holds_SOURCES = tests/unit/test_holds.c tests/unit/cmocka_all.h
tests_unit_test_holds_CFLAGS = $(unit_cflags)
tests_unit_test_holds_LDADD = $(unit_ldadd)
tests_unit_test_presence_SOURCES = tests/unit/test_presence.c tests/unit/cmocka_all.h
tests_unit_test_presence_CFLAGS = $(unit_cflags)
tests_unit_test_presence_LDADD = $(unit_ldadd)
tests_unit_test_agent_SOURCES = tests/unit/test_agent.c tests/unit/cmocka_all.h
tests_unit_test_agent_CFLAGS = $(unit_cflags)
tests_unit_test_agent_LDADD = $(unit_ldadd)
TESTS += tests/unit/test_holds tests/unit/test_presence tests/unit/test_agent

# pid records (issue 10, item 1): core/proc.c
check_PROGRAMS += tests/unit/test_pid_record
tests_unit_test_pid_record_SOURCES = tests/unit/test_pid_record.c tests/unit/cmocka_all.h
tests_unit_test_pid_record_CFLAGS = $(unit_cflags)
tests_unit_test_pid_record_LDADD = $(unit_ldadd)
TESTS += tests/unit/test_pid_record
# bones_url_redact and the workspace text check (issue 10, trust)
check_PROGRAMS += tests/unit/test_trust
tests_unit_test_trust_SOURCES = tests/unit/test_trust.c tests/unit/cmocka_all.h
tests_unit_test_trust_CFLAGS = $(unit_cflags)
tests_unit_test_trust_LDADD = $(unit_ldadd)
TESTS += tests/unit/test_trust
# issue 10 (utf8): UTF-8 checks, terminal escaping, strict parsers, temp files
check_PROGRAMS += tests/unit/test_text
tests_unit_test_text_SOURCES = tests/unit/test_text.c tests/unit/cmocka_all.h
tests_unit_test_text_CFLAGS = $(unit_cflags)
tests_unit_test_text_LDADD = $(unit_ldadd)
TESTS += tests/unit/test_text
# session lease, grace, states (core/swarm/sessions.c; docs/liveness.md)
check_PROGRAMS += tests/unit/test_sessions
tests_unit_test_sessions_SOURCES = tests/unit/test_sessions.c tests/unit/cmocka_all.h
tests_unit_test_sessions_CFLAGS = $(unit_cflags)
tests_unit_test_sessions_LDADD = $(unit_ldadd)
TESTS += tests/unit/test_sessions
# issue 11 (prime): broadcast cursors and the prime report
check_PROGRAMS += tests/unit/test_prime
tests_unit_test_prime_SOURCES = tests/unit/test_prime.c tests/unit/cmocka_all.h
tests_unit_test_prime_CFLAGS = $(unit_cflags)
tests_unit_test_prime_LDADD = $(unit_ldadd)
TESTS += tests/unit/test_prime
# issue 11 item 5: bones_task_claim_next (core/tasks/tasks_next.c)
check_PROGRAMS += tests/unit/test_tasks_next
tests_unit_test_tasks_next_SOURCES = tests/unit/test_tasks_next.c tests/unit/cmocka_all.h
tests_unit_test_tasks_next_CFLAGS = $(unit_cflags)
tests_unit_test_tasks_next_LDADD = $(unit_ldadd)
TESTS += tests/unit/test_tasks_next
# issue 12 item 1: the plan parser (core/tasks/plan.h)
check_PROGRAMS += tests/unit/test_plan
tests_unit_test_plan_SOURCES = tests/unit/test_plan.c tests/unit/cmocka_all.h
tests_unit_test_plan_CFLAGS = $(unit_cflags)
tests_unit_test_plan_LDADD = $(unit_ldadd)
TESTS += tests/unit/test_plan

# kv-nats' server version check (issue 16: replicated buckets refused on
# nats-server < 2.9.21), linked with the module's source
if BUILD_KV_NATS
check_PROGRAMS += tests/unit/test_nats_version
TESTS += tests/unit/test_nats_version
endif
tests_unit_test_nats_version_SOURCES = tests/unit/test_nats_version.c tests/unit/cmocka_all.h \
	backends/kv-nats/nats_version.c
tests_unit_test_nats_version_CFLAGS = $(unit_cflags) $(NATS_CFLAGS) -I$(top_srcdir)/backends/kv-nats
tests_unit_test_nats_version_LDADD = $(unit_ldadd) $(NATS_LIBS)
# issue 16 (several hosts): slot joins asked through the substrate
check_PROGRAMS += tests/unit/test_hub_join
tests_unit_test_hub_join_SOURCES = tests/unit/test_hub_join.c tests/unit/cmocka_all.h
tests_unit_test_hub_join_CFLAGS = $(unit_cflags)
tests_unit_test_hub_join_LDADD = $(unit_ldadd)
TESTS += tests/unit/test_hub_join
# issue 18: messages and task handoffs (core/coord/msg.h, coord.h)
check_PROGRAMS += tests/unit/test_msg
tests_unit_test_msg_SOURCES = tests/unit/test_msg.c tests/unit/cmocka_all.h
tests_unit_test_msg_CFLAGS = $(unit_cflags)
tests_unit_test_msg_LDADD = $(unit_ldadd)
TESTS += tests/unit/test_msg
