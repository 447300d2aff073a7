# tests/kv: the KV conformance suite (one program, kvconf) and one TAP
# wrapper per backend.  Paths are relative to the top.
check_PROGRAMS += tests/kv/kvconf
tests_kv_kvconf_SOURCES = \
	tests/kv/conformance.c tests/kv/kvconf.h \
	tests/kv/kvconf-list.c tests/kv/kvconf-race.c tests/kv/kvconf-watch.c \
	tests/kv/tap.c tests/kv/tap.h
tests_kv_kvconf_CFLAGS = $(AM_CFLAGS)
tests_kv_kvconf_LDADD = libbones_builtins.la libbones.la $(JANSSON_LIBS)

TESTS += tests/kv/sqlite.test tests/kv/nats.test tests/kv/redis.test
EXTRA_DIST += tests/kv/sqlite.test tests/kv/nats.test tests/kv/redis.test
