# tests/fuzz: fuzz targets over every decoder of stored data and every
# argument parser (docs/safety/fuzzing.md).  Each fuzz-X is fuzz_X.c plus
# libfuzz.la (memkv, helpers, and the plain driver main of a build without
# --enable-fuzz).  corpus.test replays each target's seed corpus
# (tests/fuzz/corpus/X/) in every build, and with --enable-fuzz fuzzes
# each for a few seconds; run.sh is the longer run (`make fuzz`).
check_LTLIBRARIES += tests/fuzz/libfuzz.la
tests_fuzz_libfuzz_la_SOURCES = tests/fuzz/fuzz.h tests/fuzz/common.c tests/fuzz/memkv.c tests/fuzz/driver.c
FUZZ_LDADD = tests/fuzz/libfuzz.la libbones_builtins.la libbones.la $(JANSSON_LIBS)
if FUZZ
FUZZ_LINK = -fsanitize=fuzzer
else
FUZZ_LINK =
endif
FUZZ_TARGETS =
FUZZ_TARGETS += tests/fuzz/fuzz-tasks
tests_fuzz_fuzz_tasks_SOURCES = tests/fuzz/fuzz_tasks.c
tests_fuzz_fuzz_tasks_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_tasks_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-holds
tests_fuzz_fuzz_holds_SOURCES = tests/fuzz/fuzz_holds.c
tests_fuzz_fuzz_holds_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_holds_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-presence
tests_fuzz_fuzz_presence_SOURCES = tests/fuzz/fuzz_presence.c
tests_fuzz_fuzz_presence_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_presence_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-sessions
tests_fuzz_fuzz_sessions_SOURCES = tests/fuzz/fuzz_sessions.c
tests_fuzz_fuzz_sessions_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_sessions_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-checkpoints
tests_fuzz_fuzz_checkpoints_SOURCES = tests/fuzz/fuzz_checkpoints.c
tests_fuzz_fuzz_checkpoints_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_checkpoints_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-handoffs
tests_fuzz_fuzz_handoffs_SOURCES = tests/fuzz/fuzz_handoffs.c
tests_fuzz_fuzz_handoffs_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_handoffs_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-broadcasts
tests_fuzz_fuzz_broadcasts_SOURCES = tests/fuzz/fuzz_broadcasts.c
tests_fuzz_fuzz_broadcasts_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_broadcasts_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-events
tests_fuzz_fuzz_events_SOURCES = tests/fuzz/fuzz_events.c
tests_fuzz_fuzz_events_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_events_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-trunk
tests_fuzz_fuzz_trunk_SOURCES = tests/fuzz/fuzz_trunk.c
tests_fuzz_fuzz_trunk_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_trunk_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-registry
tests_fuzz_fuzz_registry_SOURCES = tests/fuzz/fuzz_registry.c
tests_fuzz_fuzz_registry_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_registry_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-hubfiles
tests_fuzz_fuzz_hubfiles_SOURCES = tests/fuzz/fuzz_hubfiles.c
tests_fuzz_fuzz_hubfiles_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_hubfiles_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-duration
tests_fuzz_fuzz_duration_SOURCES = tests/fuzz/fuzz_duration.c
tests_fuzz_fuzz_duration_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_duration_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-time
tests_fuzz_fuzz_time_SOURCES = tests/fuzz/fuzz_time.c
tests_fuzz_fuzz_time_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_time_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-names
tests_fuzz_fuzz_names_SOURCES = tests/fuzz/fuzz_names.c
tests_fuzz_fuzz_names_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_names_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-taskid
tests_fuzz_fuzz_taskid_SOURCES = tests/fuzz/fuzz_taskid.c
tests_fuzz_fuzz_taskid_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_taskid_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
FUZZ_TARGETS += tests/fuzz/fuzz-substrate
tests_fuzz_fuzz_substrate_SOURCES = tests/fuzz/fuzz_substrate.c
tests_fuzz_fuzz_substrate_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_substrate_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
# the URL parsers of the network backends: the target links the backend's
# source file itself (the modules export only their vtable)
if BUILD_KV_NATS
FUZZ_TARGETS += tests/fuzz/fuzz-nats_url
endif
tests_fuzz_fuzz_nats_url_SOURCES = tests/fuzz/fuzz_nats_url.c backends/kv-nats/nats_conn.c backends/kv-nats/nats_err.c
tests_fuzz_fuzz_nats_url_CFLAGS = $(AM_CFLAGS) $(NATS_CFLAGS) -I$(top_srcdir)/backends/kv-nats -pthread
tests_fuzz_fuzz_nats_url_LDADD = $(FUZZ_LDADD) $(NATS_LIBS) -lpthread
tests_fuzz_fuzz_nats_url_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
if BUILD_KV_REDIS
FUZZ_TARGETS += tests/fuzz/fuzz-redis_url
endif
tests_fuzz_fuzz_redis_url_SOURCES = tests/fuzz/fuzz_redis_url.c backends/kv-redis/redis_url.c
tests_fuzz_fuzz_redis_url_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS) -I$(top_srcdir)/backends/kv-redis
tests_fuzz_fuzz_redis_url_LDADD = $(FUZZ_LDADD) $(HIREDIS_LIBS)
tests_fuzz_fuzz_redis_url_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += tests/fuzz/corpus.test
EXTRA_DIST += tests/fuzz/corpus.test tests/fuzz/run.sh tests/fuzz/corpus tests/fuzz/crashes tests/fuzz/dict

# make fuzz: every target for FUZZ_SECONDS (default 60) each, needs
# --enable-fuzz (tests/fuzz/run.sh)
fuzz: $(FUZZ_TARGETS)
	BONES_TEST_BUILDDIR='$(abs_top_builddir)' BONES_TEST_SRCDIR='$(abs_top_srcdir)' \
	  $(SHELL) $(top_srcdir)/tests/fuzz/run.sh
.PHONY: fuzz
# issue 12 item 1: the plan parser (core/tasks/plan.h)
FUZZ_TARGETS += tests/fuzz/fuzz-plan
tests_fuzz_fuzz_plan_SOURCES = tests/fuzz/fuzz_plan.c
tests_fuzz_fuzz_plan_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_plan_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
