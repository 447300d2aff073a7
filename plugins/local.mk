# plugins/: the SDK for third parties (bones-plugin.pc; an example KV
# backend and an example verb built from the installed headers only; a
# guide) and deliberately broken modules for the loader tests.

pkgconfig_DATA += plugins/bones-plugin.pc

# The examples are not built here: plugins/sdk.test builds them against a
# staged `make install` with their own Makefiles, as a third party would.
EXTRA_DIST += plugins/README.md \
	plugins/example-kv/Makefile plugins/example-kv/kv_example.c \
	plugins/example-kv/example_fs.c plugins/example-kv/example_fs.h \
	plugins/example-verb/Makefile plugins/example-verb/verb_hello.c

# Broken modules, built for `make check` only, never installed.  They live
# in their own directory so only plugins/broken.test puts them on the path.
# (The literal -module tells automake the non-lib names are modules.)
check_LTLIBRARIES += plugins/broken/kv_broken.la plugins/broken/kv_nolist.la \
	plugins/broken/kv_misnamed.la
plugins_broken_kv_broken_la_SOURCES = plugins/broken/kv_broken.c plugins/broken/broken.h
plugins_broken_kv_broken_la_LDFLAGS = $(AM_LDFLAGS) -module $(MODULE_LDFLAGS)
plugins_broken_kv_broken_la_LIBADD = libbones.la
plugins_broken_kv_nolist_la_SOURCES = plugins/broken/kv_nolist.c plugins/broken/broken.h
plugins_broken_kv_nolist_la_LDFLAGS = $(AM_LDFLAGS) -module $(MODULE_LDFLAGS)
plugins_broken_kv_nolist_la_LIBADD = libbones.la
plugins_broken_kv_misnamed_la_SOURCES = plugins/broken/kv_misnamed.c plugins/broken/broken.h
plugins_broken_kv_misnamed_la_LDFLAGS = $(AM_LDFLAGS) -module $(MODULE_LDFLAGS)
plugins_broken_kv_misnamed_la_LIBADD = libbones.la

TESTS += plugins/broken.test plugins/sdk.test
EXTRA_DIST += plugins/broken.test plugins/sdk.test

# sdk.test builds against `make install DESTDIR=plugins/sdk-stage`.  The
# install runs here, where $(MAKE) and its jobserver are known, just
# before the test (a dependency of its log, as automake allows).
plugins/sdk.log: plugins-sdk-stage
plugins-sdk-stage:
	$(AM_V_GEN)rm -rf plugins/sdk-stage; \
	$(MAKE) $(AM_MAKEFLAGS) install DESTDIR='$(abs_top_builddir)/plugins/sdk-stage' \
	  >plugins/sdk-stage.out 2>&1 || { cat plugins/sdk-stage.out; exit 1; }
clean-local: clean-local-plugins
clean-local-plugins:
	-rm -rf plugins/sdk-stage plugins/sdk-stage.out
.PHONY: plugins-sdk-stage clean-local-plugins
