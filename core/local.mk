# core/: libbones (contracts, loader, verb services, domain logic) and the
# bones program.

lib_LTLIBRARIES += libbones.la
libbones_la_SOURCES = \
	core/error.c \
	core/util.c core/util.h \
	core/loader.c core/loader.h \
	core/kv/kv.c \
	core/workspace/workspace.c core/workspace/workspace.h \
	core/kv/durability.c core/kv/durability.h \
	core/cli.c core/ctx.h \
	core/kv/server.c core/kv/server.h \
	core/proc.c core/proc.h core/proc_lineage.c \
	core/ids.c core/ids.h \
	core/workspace/hublog.c core/workspace/hublog.h \
	core/workspace/registry.c core/workspace/registry.h \
	core/swarm/slots.c core/swarm/slots.h \
	core/workspace/hub.c core/workspace/hub.h core/workspace/hub_join.c core/workspace/hub_join.h \
	core/tasks/events.c core/tasks/events.h \
	core/tasks/tasks.c core/tasks/tasks.h \
	core/swarm/sessions.c core/swarm/sessions.h \
	core/swarm/trunk.c core/swarm/trunk_gate.c core/swarm/trunk.h core/swarm/slot_lock.c \
	core/swarm/swarm.h core/swarm/swarm_join.c core/swarm/swarm_commit.c core/swarm/swarm_close.c \
	core/swarm/land_queue.c core/swarm/land_queue.h
libbones_la_SOURCES += core/workspace/down.c core/workspace/down.h core/workspace/doctor.c core/workspace/doctor.h
libbones_la_CFLAGS = $(AM_CFLAGS) -pthread
libbones_la_LIBADD = $(LIBLTDL) $(JANSSON_LIBS) -lpthread
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
libbones_la_SOURCES += core/swarm/agent.c core/swarm/agent.h core/swarm/presence.c core/swarm/presence_lazy.c core/swarm/presence.h \
	core/swarm/holds.c core/swarm/holds.h core/swarm/holds_int.h core/swarm/holds_key.c core/swarm/holds_query.c
libbones_la_SOURCES += core/workspace/apply.c core/workspace/apply.h core/workspace/apply_int.h core/workspace/apply_check.c
libbones_la_SOURCES += core/coord/coord.c core/coord/coord.h core/coord/coord_barrier.c core/coord/coord_handoff.c core/coord/coord_broadcast.c
# issue 18: direct messages, inboxes, threads (core/coord/msg.h)
libbones_la_SOURCES += core/coord/msg.h core/coord/msg.c core/coord/msg_thread.c core/coord/msg_address.c
libbones_la_SOURCES += core/coord/coord_handoff_task.c core/coord/handoff_task.h core/swarm/holds_transfer.c
libbones_la_SOURCES += core/kv/kv_secret.c core/kv/kv_secret.h core/kv/substrate.c core/kv/substrate.h
libbones_la_SOURCES += core/url.c core/url.h

# text at the edges: UTF-8 checks, terminal escaping, relative paths (text.h)
libbones_la_SOURCES += core/text.c core/text.h
libbones_la_SOURCES += core/swarm/holds_overlap.c
libbones_la_SOURCES += core/swarm/swarm_stale.c
# issue 11 (harness): harness installation (harness.h) and its manifest
libbones_la_SOURCES += core/sha256.c core/sha256.h core/harness/harness.c core/harness/harness.h core/harness/harness_int.h \
	core/harness/harness_manifest.c core/harness/harness_files.c core/harness/harness_section.c core/harness/harness_settings.c core/harness/harness_mcp.c \
	core/harness/harness_githook.c core/harness/harness_text.c
# issue 17: the picture `bones top` draws
libbones_la_SOURCES += core/view/view.c core/view/view.h core/view/view_watch.c core/view/view_watch.h
libbones_la_SOURCES += core/coord/cursor.c core/coord/cursor.h core/harness/prime.c core/harness/prime.h core/harness/prime_md.c core/harness/prime_trunk.c
libbones_la_SOURCES += core/tasks/tasks_next.c
# issue 12 item 1: plans (plan.h): Markdown and JSON readers, rules, waves
libbones_la_SOURCES += core/tasks/plan.c core/tasks/plan.h core/tasks/plan_int.h core/tasks/plan_md.c core/tasks/plan_json.c \
	core/tasks/plan_check.c core/tasks/plan_waves.c
# issue 12 item 5: git and the hub stay in step (gitsync.h), three-way apply
libbones_la_SOURCES += core/workspace/gitsync.c core/workspace/gitsync.h core/workspace/apply_merge.c
libbones_la_SOURCES += core/workspace/recovery.c core/workspace/recovery.h core/swarm/swarm_resume.c core/swarm/swarm_resume.h
# issue 12 item 3: task results and `bones swarm fan-in`
libbones_la_SOURCES += core/tasks/tasks_result.c core/tasks/tasks_result.h core/swarm/swarm_fanin.c core/swarm/swarm_fanin.h
libbones_la_SOURCES += core/tasks/tasks_rich.c core/tasks/tasks_rich.h
# issue 12 item 2: `bones swarm dispatch` (dispatch.h): plan -> tasks, manifest, waves
libbones_la_SOURCES += core/tasks/dispatch.c core/tasks/dispatch.h core/tasks/dispatch_int.h core/tasks/dispatch_manifest.c
# issue 13 item 1: an uninstalled bones finds the modules of its build tree
# (buildtree.h); only loader.c's search path uses these.
libbones_la_SOURCES += core/buildtree.c core/buildtree.h
AM_CPPFLAGS += -DBONES_BUILD_DIR='"$(abs_top_builddir)"' \
	-DBONES_BUILD_TREE_MODULE_PATH='"$(abs_top_builddir)/backends/kv-nats:$(abs_top_builddir)/backends/kv-redis"'
libbones_la_SOURCES += core/kv/kv_int.h
# issue 13 item 7: `bones logs` over hub.log, swarm-events.jsonl and the task events
libbones_la_SOURCES += core/workspace/logs.c core/workspace/logs.h
