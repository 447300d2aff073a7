# backends/repo-fossil: the repo backend over the fossil binary, compiled
# into bones (registered through the loader like any module; see
# core/builtins.c, enabled by BONES_BUILTIN_FOSSIL from configure.ac).
libbones_builtins_la_SOURCES += \
	backends/repo-fossil/repo_fossil.c backends/repo-fossil/repo_fossil.h \
	backends/repo-fossil/hub.c backends/repo-fossil/leaf.c backends/repo-fossil/inspect.c \
	backends/repo-fossil/fossil.c backends/repo-fossil/fossil.h \
	backends/repo-fossil/run.c backends/repo-fossil/run.h
libbones_builtins_la_SOURCES += backends/repo-fossil/hub_commit.c
# leaf_land reads repository files directly with SQLite (the kv-sqlite
# dependency); without it callers take the sync + commit + push path
if BUILD_KV_SQLITE
libbones_builtins_la_SOURCES += backends/repo-fossil/land.c backends/repo-fossil/peek.c \
	backends/repo-fossil/hub_land.c
endif
libbones_builtins_la_SOURCES += backends/repo-fossil/leaf.h
