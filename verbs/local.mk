# verbs/: the built-in verbs, compiled into the bones program and
# registered through the loader (verbs/verbs.def, verbs/table.c).
bones_SOURCES += \
	verbs/table.c verbs/verbs.def \
	verbs/env.c \
	verbs/help.c \
	verbs/logs.c \
	verbs/hub.c \
	verbs/up.c \
	verbs/version.c \
	verbs/plugins.c \
	verbs/kv/kv.c verbs/kv/kv_verbs.h \
	verbs/kv/kv_common.c verbs/kv/kv_common.h \
	verbs/kv/get.c verbs/kv/write.c verbs/kv/delete.c \
	verbs/kv/list.c verbs/kv/buckets.c
bones_SOURCES += verbs/status.c verbs/workspaces.c verbs/workspaces.h verbs/down.c \
	verbs/doctor/doctor.c verbs/doctor/checks.h verbs/doctor/check_files.c \
	verbs/doctor/check_hub.c verbs/doctor/check_repo.c verbs/doctor/check_registry.c
bones_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/verbs
bones_SOURCES += verbs/tasks/tasks.c verbs/tasks/tasks_verbs.h \
	verbs/tasks/tasks_common.c verbs/tasks/tasks_common.h \
	verbs/tasks/create.c verbs/tasks/list.c verbs/tasks/show.c \
	verbs/tasks/claim.c verbs/tasks/update.c verbs/tasks/watch.c
bones_SOURCES += verbs/who.c
bones_SOURCES += verbs/swarm/swarm.c verbs/swarm/swarm_more.c \
	verbs/swarm/swarm_common.c verbs/swarm/swarm_common.h
bones_SOURCES += verbs/apply.c
bones_SOURCES += verbs/coord/coord.c verbs/coord/coord_verbs.h verbs/coord/claims.c \
	verbs/coord/barrier.c verbs/coord/messages.c
# issue 11 (harness): `bones harness` and `bones hook`
bones_SOURCES += verbs/harness/harness.c verbs/harness/harness_verbs.h \
	verbs/hook/hook.c verbs/hook/hook_common.c verbs/hook/hook_common.h \
	verbs/hook/heartbeat.c verbs/hook/pre_tool_use.c verbs/hook/pre_commit.c
bones_SOURCES += verbs/doctor/check_harness.c
bones_SOURCES += verbs/doctor/check_durability.c verbs/doctor/check_trunk_lease.c
bones_SOURCES += verbs/prime.c verbs/prime_verb.h
bones_SOURCES += verbs/tasks/claim_next.c
# issue 12 item 1: `bones plan validate` (core/tasks/plan.h)
bones_SOURCES += verbs/plan/plan.c
# issue 12 item 4: `bones swarm resume|discard`, `bones recovery`
bones_SOURCES += verbs/swarm/swarm_resume.c verbs/recovery/recovery.c verbs/doctor/check_recovery.c
# issue 12 item 3: `bones swarm fan-in`, `swarm close --summary`
bones_SOURCES += verbs/swarm/swarm_fanin.c
bones_SOURCES += verbs/tasks/rich.c verbs/tasks/rich_args.c verbs/tasks/rich_args.h verbs/tasks/export.c
# issue 12 item 2: `bones swarm dispatch`
bones_SOURCES += verbs/swarm/swarm_dispatch.c
# issue 13 item 6: `bones mcp`, the MCP server on stdio
bones_SOURCES += verbs/mcp/mcp.c verbs/mcp/mcp_int.h verbs/mcp/mcp_tools.c verbs/mcp/mcp_args.c verbs/mcp/mcp_call.c
# issue 13 item 4: shell completion (`bones completion`, `bones __complete`)
bones_SOURCES += verbs/complete/complete.h verbs/complete/complete_verb.c \
	verbs/complete/complete_words.c verbs/complete/complete_usage.c \
	verbs/complete/complete_values.c verbs/complete/completion.c
# issue 17 item 1: `bones top` (core/view/view.h; ncursesw when configured)
bones_SOURCES += verbs/top/top.c verbs/top/top_render.c verbs/top/top.h
if HAVE_NCURSES
bones_SOURCES += verbs/top/top_screen.c
bones_CPPFLAGS += $(NCURSES_CFLAGS)
bones_LDADD += $(NCURSES_LIBS)
endif
# issue 17 item 2: the hub's live page (verbs/page/page.h; libmicrohttpd when
# configured).  `bones hub page` is always built and says what is missing.
bones_SOURCES += verbs/page/page.h verbs/page/page_verb.c verbs/page/page_auth.c
pagedir = $(pkgdatadir)/page
dist_page_DATA = verbs/page/assets/index.html verbs/page/assets/app.js verbs/page/assets/style.css
bones_CPPFLAGS += -DBONES_PAGE_INSTALL_DIR='"$(pagedir)"' -DBONES_PAGE_SOURCE_DIR='"$(abs_top_srcdir)/verbs/page/assets"'
if HAVE_MICROHTTPD
bones_SOURCES += verbs/page/page_server.c verbs/page/page_feed.c
bones_CPPFLAGS += $(MICROHTTPD_CFLAGS) -pthread
bones_LDADD += $(MICROHTTPD_LIBS) -lpthread
endif
# issue 18: `bones msg` (core/coord/msg.h)
bones_SOURCES += verbs/msg/msg_verb.c verbs/msg/msg_verbs.h verbs/msg/msg.c verbs/msg/msg_wait.c
