# core/: libbones (contracts, loader, verb services, domain logic) and the
# bones program.

lib_LTLIBRARIES += libbones.la
libbones_la_SOURCES = \
	core/error.c \
	core/util.c core/util.h \
	core/loader.c core/loader.h \
	core/kv.c \
	core/workspace.c core/workspace.h \
	core/durability.c core/durability.h \
	core/cli.c core/ctx.h \
	core/server.c core/server.h \
	core/proc.c core/proc.h core/proc_lineage.c \
	core/ids.c core/ids.h \
	core/hublog.c core/hublog.h \
	core/registry.c core/registry.h \
	core/slots.c core/slots.h \
	core/hub.c core/hub.h core/hub_join.c core/hub_join.h \
	core/events.c core/events.h \
	core/tasks.c core/tasks.h \
	core/sessions.c core/sessions.h \
	core/trunk.c core/trunk_gate.c core/trunk.h \
	core/swarm.h core/swarm_join.c core/swarm_commit.c core/swarm_close.c
libbones_la_SOURCES += core/down.c core/down.h core/doctor.c core/doctor.h
libbones_la_CFLAGS = $(AM_CFLAGS)
libbones_la_LIBADD = $(LIBLTDL) $(JANSSON_LIBS)
libbones_la_LDFLAGS = $(AM_LDFLAGS) -no-undefined -version-info $(LIBBONES_VERSION_INFO)

bonesinclude_HEADERS += \
	core/bones/error.h core/bones/kv.h core/bones/repo.h \
	core/bones/verb.h core/bones/plugin.h

# Modules compiled into the program and the tests (registered through the
# loader like any other module).
noinst_LTLIBRARIES += libbones_builtins.la
libbones_builtins_la_SOURCES = core/builtins.c core/builtins.h
libbones_builtins_la_LIBADD =

bin_PROGRAMS += bones
bones_SOURCES = core/main.c
bones_LDADD = libbones_builtins.la libbones.la $(JANSSON_LIBS)
libbones_la_SOURCES += core/agent.c core/agent.h core/presence.c core/presence_lazy.c core/presence.h \
	core/holds.c core/holds.h core/holds_int.h core/holds_key.c core/holds_query.c
libbones_la_SOURCES += core/apply.c core/apply.h core/apply_int.h core/apply_check.c
libbones_la_SOURCES += core/coord.c core/coord.h core/coord_barrier.c core/coord_handoff.c core/coord_broadcast.c
libbones_la_SOURCES += core/kv_secret.c core/kv_secret.h core/substrate.c core/substrate.h
libbones_la_SOURCES += core/url.c core/url.h

# text at the edges: UTF-8 checks, terminal escaping, relative paths (text.h)
libbones_la_SOURCES += core/text.c core/text.h
libbones_la_SOURCES += core/holds_overlap.c
libbones_la_SOURCES += core/swarm_stale.c
# issue 11 (harness): harness installation (harness.h) and its manifest
libbones_la_SOURCES += core/sha256.c core/sha256.h core/harness.c core/harness.h core/harness_int.h \
	core/harness_manifest.c core/harness_files.c core/harness_section.c core/harness_settings.c core/harness_mcp.c \
	core/harness_githook.c core/harness_text.c
libbones_la_SOURCES += core/cursor.c core/cursor.h core/prime.c core/prime.h core/prime_md.c core/prime_trunk.c
libbones_la_SOURCES += core/tasks_next.c
# issue 12 item 1: plans (plan.h): Markdown and JSON readers, rules, waves
libbones_la_SOURCES += core/plan.c core/plan.h core/plan_int.h core/plan_md.c core/plan_json.c \
	core/plan_check.c core/plan_waves.c
# issue 12 item 5: git and the hub stay in step (gitsync.h), three-way apply
libbones_la_SOURCES += core/gitsync.c core/gitsync.h core/apply_merge.c
libbones_la_SOURCES += core/recovery.c core/recovery.h core/swarm_resume.c core/swarm_resume.h
# issue 12 item 3: task results and `bones swarm fan-in`
libbones_la_SOURCES += core/tasks_result.c core/tasks_result.h core/swarm_fanin.c core/swarm_fanin.h
libbones_la_SOURCES += core/tasks_rich.c core/tasks_rich.h
# issue 12 item 2: `bones swarm dispatch` (dispatch.h): plan -> tasks, manifest, waves
libbones_la_SOURCES += core/dispatch.c core/dispatch.h core/dispatch_int.h core/dispatch_manifest.c
# issue 13 item 1: an uninstalled bones finds the modules of its build tree
# (buildtree.h); only loader.c's search path uses these.
libbones_la_SOURCES += core/buildtree.c core/buildtree.h
AM_CPPFLAGS += -DBONES_BUILD_DIR='"$(abs_top_builddir)"' \
	-DBONES_BUILD_TREE_MODULE_PATH='"$(abs_top_builddir)/backends/kv-nats:$(abs_top_builddir)/backends/kv-redis"'
libbones_la_SOURCES += core/kv_int.h
# issue 13 item 7: `bones logs` over hub.log, swarm-events.jsonl and the task events
libbones_la_SOURCES += core/logs.c core/logs.h
