# tests/race: N-process contention tests, one program per subject and one
# TAP wrapper per backend.  Paths are relative to the top.
check_PROGRAMS += tests/race/holds_race
tests_race_holds_race_SOURCES = tests/race/holds_race.c tests/race/holds_race_child.c tests/race/holds_race.h \
	tests/kv/tap.c tests/kv/tap.h
tests_race_holds_race_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/kv
tests_race_holds_race_CFLAGS = $(AM_CFLAGS)
tests_race_holds_race_LDADD = libbones_builtins.la libbones.la $(JANSSON_LIBS)

race_tests = tests/race/holds-sqlite.test tests/race/holds-nats.test tests/race/holds-redis.test
TESTS += $(race_tests)
EXTRA_DIST += $(race_tests)

# exactly-once claims through the real CLI (claims.sh)
claims_race_tests = tests/race/claims-sqlite.test tests/race/claims-nats.test tests/race/claims-redis.test
TESTS += $(claims_race_tests)
EXTRA_DIST += $(claims_race_tests) tests/race/claims.sh

# parallel slots committing to one linear trunk through the real CLI (swarm_race.sh)
swarm_race_tests = tests/race/swarm-sqlite.test tests/race/swarm-nats.test tests/race/swarm-redis.test \
	tests/race/swarm-queue-sqlite.test
TESTS += $(swarm_race_tests)
EXTRA_DIST += $(swarm_race_tests) tests/race/swarm_race.sh

# coordination primitives under contention through the real CLI (coord_race.sh)
coord_race_tests = tests/race/coord-sqlite.test tests/race/coord-nats.test tests/race/coord-redis.test
TESTS += $(coord_race_tests)
EXTRA_DIST += $(coord_race_tests) tests/race/coord_race.sh

# a directory hold against holds beneath it (issue 10 item 8)
check_PROGRAMS += tests/race/holds_dir_race
tests_race_holds_dir_race_SOURCES = tests/race/holds_dir_race.c tests/kv/tap.c tests/kv/tap.h
tests_race_holds_dir_race_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/kv
tests_race_holds_dir_race_CFLAGS = $(AM_CFLAGS)
tests_race_holds_dir_race_LDADD = libbones_builtins.la libbones.la $(JANSSON_LIBS)
holds_dir_race_tests = tests/race/holds-dir-sqlite.test tests/race/holds-dir-nats.test tests/race/holds-dir-redis.test
TESTS += $(holds_dir_race_tests)
EXTRA_DIST += $(holds_dir_race_tests)
# issue 18: `bones msg` under contention through the real CLI (msg_race.sh)
msg_race_tests = tests/race/msg-sqlite.test tests/race/msg-nats.test tests/race/msg-redis.test
TESTS += $(msg_race_tests)
EXTRA_DIST += $(msg_race_tests) tests/race/msg_race.sh
# issue 18: a claim handoff raced by two accepts and the sender's commit (handoff_race.sh)
handoff_race_tests = tests/race/handoff-sqlite.test tests/race/handoff-nats.test tests/race/handoff-redis.test
TESTS += $(handoff_race_tests)
EXTRA_DIST += $(handoff_race_tests) tests/race/handoff_race.sh
