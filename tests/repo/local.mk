# tests/repo: the repo-fossil backend against the real fossil binary
# (cmocka, TAP through CMOCKA_MESSAGE_OUTPUT; "1..0 # SKIP" without fossil).
check_PROGRAMS += tests/repo/test_fossil
tests_repo_test_fossil_SOURCES = \
	tests/repo/test_fossil.c tests/repo/test_fossil_more.c tests/repo/suite.h \
	tests/repo/fixture.c tests/repo/fixture.h tests/repo/test_hub_commit.c tests/repo/test_land.c tests/repo/test_hub_land.c \
	tests/repo/test_remote_clone.c
tests_repo_test_fossil_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit -I$(top_srcdir)/backends/repo-fossil
tests_repo_test_fossil_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_repo_test_fossil_LDADD = libbones_builtins.la libbones.la $(JANSSON_LIBS) $(CMOCKA_LIBS)
TESTS += tests/repo/test_fossil
