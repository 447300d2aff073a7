# tests/: every test speaks TAP and runs under automake's tap-driver.
# A skip is the plan "1..0 # SKIP reason"; BONES_TEST_REQUIRE="nats redis"
# (set by CI) turns a skip of those backends into a failure.

TEST_EXTENSIONS = .test
TEST_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
LOG_DRIVER = $(TEST_LOG_DRIVER)
TEST_LOG_COMPILER = $(SHELL)

# Build-tree modules and programs for the tests.  $BONES is the real
# binary libtool keeps in .libs (run with the build tree's libbones, which
# is all libtool's wrapper script does): the wrapper is a shell script that
# costs ~70 ms per call, and the tests call bones thousands of times.
AM_TESTS_ENVIRONMENT = \
	BONES_PLUGIN_PATH='$(abs_top_builddir)/backends/kv-nats:$(abs_top_builddir)/backends/kv-redis:$(abs_top_builddir)/plugins'; \
	BONES='$(abs_top_builddir)/bones'; \
	if test -x '$(abs_top_builddir)/.libs/bones'; then \
	  BONES='$(abs_top_builddir)/.libs/bones'; \
	  LD_LIBRARY_PATH='$(abs_top_builddir)/.libs'$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH}; \
	  export LD_LIBRARY_PATH; \
	fi; \
	BONES_TEST_BUILDDIR='$(abs_top_builddir)'; \
	BONES_TEST_SRCDIR='$(abs_top_srcdir)'; \
	CMOCKA_MESSAGE_OUTPUT=TAP; \
	export BONES_PLUGIN_PATH BONES BONES_TEST_BUILDDIR BONES_TEST_SRCDIR CMOCKA_MESSAGE_OUTPUT;

EXTRA_DIST += tests/lib/tap.sh tests/lib/servers.sh tests/lib/netns.sh tests/lib/config.sh.in tests/lib/cdp.py tests/lib/cdp.sh

# The unit tests need cmocka (configure --with-cmocka); without it one test
# says what is missing, so the summary shows it instead of hiding it.
if HAVE_CMOCKA
include $(srcdir)/tests/unit/local.mk
else
TESTS += tests/no-cmocka.test
endif
EXTRA_DIST += tests/no-cmocka.test tests/unit/valgrind.test
include $(srcdir)/tests/kv/local.mk
include $(srcdir)/tests/cli/local.mk
include $(srcdir)/tests/bench/local.mk
include $(srcdir)/tests/fault/local.mk
if HAVE_CMOCKA
include $(srcdir)/tests/repo/local.mk
endif
include $(srcdir)/tests/race/local.mk
include $(srcdir)/tests/fuzz/local.mk
include $(srcdir)/tests/lin/local.mk
