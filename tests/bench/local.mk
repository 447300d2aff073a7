# tests/bench: `make bench` prints latency figures and ratios against the
# raw clients in the same run.  Benchmarks never fail on speed.
EXTRA_PROGRAMS = tests/bench/bench-kv tests/bench/bench-cli
tests_bench_bench_kv_SOURCES = tests/bench/bench_kv.c tests/bench/bench.c tests/bench/bench.h \
	tests/bench/raw.h tests/bench/raw.c tests/bench/raw_sqlite.c
tests_bench_bench_kv_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS)
tests_bench_bench_kv_LDADD = libbones_builtins.la libbones.la $(JANSSON_LIBS) $(SQLITE3_LIBS)
tests_bench_bench_cli_SOURCES = tests/bench/bench_cli.c tests/bench/bench.c tests/bench/bench.h
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += tests/bench/run.sh tests/bench/run_kv.sh tests/bench/run_tasks.sh tests/bench/run_swarm.sh \
	tests/bench/run_coord.sh

# bench-race: N processes racing CAS creates and updates, vtable vs raw.
# bench-floor-X: connect + one get + exit with backend X's library only.
EXTRA_PROGRAMS += tests/bench/bench-race tests/bench/bench-floor-sqlite
tests_bench_bench_race_SOURCES = tests/bench/bench_race.c tests/bench/bench.c tests/bench/bench.h \
	tests/bench/raw.h tests/bench/raw.c tests/bench/raw_sqlite.c
tests_bench_bench_race_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS)
tests_bench_bench_race_LDADD = libbones_builtins.la libbones.la $(JANSSON_LIBS) $(SQLITE3_LIBS)
# bench-claim: N processes racing bones_task_claim over K tasks.
EXTRA_PROGRAMS += tests/bench/bench-claim
tests_bench_bench_claim_SOURCES = tests/bench/bench_claim.c tests/bench/bench.c tests/bench/bench.h
tests_bench_bench_claim_LDADD = libbones_builtins.la libbones.la $(JANSSON_LIBS)
tests_bench_bench_floor_sqlite_SOURCES = tests/bench/bench_floor.c
tests_bench_bench_floor_sqlite_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS) -DFLOOR_SQLITE
tests_bench_bench_floor_sqlite_LDADD = $(SQLITE3_LIBS)

# The raw clients of the network backends, built in when the backend is
# configured; raw_redis links the backend's own script (redis_script.c).
if BUILD_KV_NATS
EXTRA_PROGRAMS += tests/bench/bench-floor-nats
tests_bench_bench_kv_SOURCES += tests/bench/raw_nats.c
tests_bench_bench_kv_CFLAGS += -DBENCH_RAW_NATS $(NATS_CFLAGS) -pthread
tests_bench_bench_kv_LDADD += $(NATS_LIBS) -lpthread
tests_bench_bench_race_SOURCES += tests/bench/raw_nats.c
tests_bench_bench_race_CFLAGS += -DBENCH_RAW_NATS $(NATS_CFLAGS) -pthread
tests_bench_bench_race_LDADD += $(NATS_LIBS) -lpthread
endif
tests_bench_bench_floor_nats_SOURCES = tests/bench/bench_floor.c
tests_bench_bench_floor_nats_CFLAGS = $(AM_CFLAGS) $(NATS_CFLAGS) -DFLOOR_NATS
tests_bench_bench_floor_nats_LDADD = $(NATS_LIBS)
if BUILD_KV_REDIS
EXTRA_PROGRAMS += tests/bench/bench-floor-redis
tests_bench_bench_kv_SOURCES += tests/bench/raw_redis.c backends/kv-redis/redis_script.c
tests_bench_bench_kv_CFLAGS += -DBENCH_RAW_REDIS $(HIREDIS_CFLAGS) -I$(top_srcdir)/backends/kv-redis
tests_bench_bench_kv_LDADD += $(HIREDIS_LIBS)
tests_bench_bench_race_SOURCES += tests/bench/raw_redis.c backends/kv-redis/redis_script.c
tests_bench_bench_race_CFLAGS += -DBENCH_RAW_REDIS $(HIREDIS_CFLAGS) -I$(top_srcdir)/backends/kv-redis
tests_bench_bench_race_LDADD += $(HIREDIS_LIBS)
endif
tests_bench_bench_floor_redis_SOURCES = tests/bench/bench_floor.c
tests_bench_bench_floor_redis_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS) -DFLOOR_REDIS
tests_bench_bench_floor_redis_LDADD = $(HIREDIS_LIBS)

bench: all $(EXTRA_PROGRAMS)
	BONES_TEST_BUILDDIR='$(abs_top_builddir)' BONES_TEST_SRCDIR='$(abs_top_srcdir)' \
	  $(SHELL) $(top_srcdir)/tests/bench/run.sh
.PHONY: bench
EXTRA_DIST += tests/bench/run_prime.sh tests/bench/run_multihost.sh
