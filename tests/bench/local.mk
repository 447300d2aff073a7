# tests/bench: `make bench` prints latency figures and ratios against the
# raw clients in the same run.  Benchmarks never fail on speed.
EXTRA_PROGRAMS = tests/bench/bench-kv tests/bench/bench-cli
tests_bench_bench_kv_SOURCES = tests/bench/bench_kv.c tests/bench/bench.c tests/bench/bench.h \
	tests/bench/raw.h tests/bench/raw_sqlite.c
tests_bench_bench_kv_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS)
tests_bench_bench_kv_LDADD = libbones_builtins.la libbones.la $(JANSSON_LIBS) $(SQLITE3_LIBS)
tests_bench_bench_cli_SOURCES = tests/bench/bench_cli.c tests/bench/bench.c tests/bench/bench.h
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += tests/bench/run.sh

bench: all $(EXTRA_PROGRAMS)
	BONES_TEST_BUILDDIR='$(abs_top_builddir)' BONES_TEST_SRCDIR='$(abs_top_srcdir)' \
	  $(SHELL) $(top_srcdir)/tests/bench/run.sh
.PHONY: bench
