# backends/kv-sqlite: the embedded default substrate, compiled into bones
# (registered through the loader like any module; see core/builtins.c).
if BUILD_KV_SQLITE
libbones_builtins_la_SOURCES += \
	backends/kv-sqlite/kv_sqlite.c \
	backends/kv-sqlite/sqlite_db.c backends/kv-sqlite/sqlite_db.h
libbones_builtins_la_LIBADD += $(SQLITE3_LIBS)
endif
libbones_builtins_la_CFLAGS = $(AM_CFLAGS) $(SQLITE3_CFLAGS)
