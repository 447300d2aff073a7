/* tasks.c: `bones tasks`: the backlog and its exactly-once claims. */
#include "config.h"

#include <bones/plugin.h>

#include "prime_verb.h"
#include "tasks_verbs.h"

#define TASKS_NOTE \
  "Tasks live in the substrate's bones-tasks bucket.  IDs are t-XXXXXXXX; any\n" \
  "unique prefix works.  The agent is the slot of the current worktree, else\n" \
  "$BONES_AGENT_ID, else the workspace agent (docs/identity.md).  Exit codes:\n" \
  "2 usage, 3 no such task, 4 claimed by another / lost a race, 5 substrate\n" \
  "unavailable, 6 refused by state (closed, not the claimer, stale epoch).\n"

static const struct bones_subverb tasks_subverbs[] = {
    {"create", "add an open task",
     "usage: bones tasks create TITLE [--files a,b] [--parent ID] [--priority P0..P4]\n"
     "                          [--defer-until TIME|DURATION] [--context K=V]... [--slot S]\n"
     "                          [--description TEXT|@FILE] [--acceptance TEXT|@FILE] [--label L]...\n"
     "With -q prints only the new id.\n",
     tasks_create_run, 0},
    {"list", "list tasks (filters)",
     "usage: bones tasks list [--status open|claimed|closed] [--claimed-by AGENT|-] [--ready]\n"
     "                        [--mine] [--stale DURATION] [--orphans] [--slot S] [--label L] [--limit N]\n"
     "--stale: not changed for DURATION; --orphans: claimed, lease expired, claimer\n"
     "not present.  Never truncated unless --limit.  A corrupt record is reported\n"
     "on stderr (and in \"corrupt\" with --json) and the rest is listed.\n",
     tasks_list_run, 0},
    {"ready", "tasks ready to claim, most urgent first",
     "usage: bones tasks ready [--limit N] [--slot S] [--mine]\n"
     "       bones tasks ready --claim [--slot S] [--ttl DURATION] [--another]\n"
     "Open, unclaimed, not deferred, not blocked (blocks edges), no open children;\n"
     "sorted by priority then age.  Never truncated unless --limit.\n"
     "--claim claims the first of them: the same as `bones tasks claim --next`.\n",
     tasks_ready_run, 0},
    {"show", "one task, every field", "usage: bones tasks show ID [--json]\n", tasks_show_run, 0},
    {"update", "change title, files, parent, priority, deferral, context, description, labels",
     "usage: bones tasks update ID [--title T] [--files a,b] [--parent ID] [--priority P0..P4|none]\n"
     "                             [--defer-until TIME|DURATION|''] [--context K=V|K=]...\n"
     "                             [--description TEXT|@FILE] [--acceptance TEXT|@FILE]\n"
     "                             [--add-label L]... [--remove-label L]...\n",
     tasks_update_run, 0},
    {"claim", "claim a task (exactly once)",
     "usage: bones tasks claim ID [--ttl DURATION] [--takeover]\n"
     "       bones tasks claim --next [--slot S] [--ttl DURATION] [--another]\n"
     "open -> claimed by you, with a lease (default 30m) and a new epoch.  Claiming\n"
     "your own claim again changes nothing.  Claimed by another: exit 4 naming the\n"
     "holder and the lease; --takeover succeeds only when that lease expired and the\n"
     "holder shows no presence (the old claimer's later close is then refused).\n"
     "--next claims the most urgent ready task (the first of `bones tasks ready`\n"
     "[--slot S]); one taken by another agent meanwhile is skipped, so racing\n"
     "agents each get a different task.  If you already hold a claimed task you get\n"
     "it back unchanged (\"(mine)\", changed false) unless --another.  Nothing\n"
     "ready: exit 3.  Output as for `claim ID`; -q prints only the id.\n",
     tasks_claim_run, 0},
    {"renew", "extend your claim's lease", "usage: bones tasks renew ID [--ttl DURATION]\n",
     tasks_renew_run, 0},
    {"release", "give a claim back (claimed -> open)",
     "usage: bones tasks release ID [--epoch N] [--force]\n", tasks_release_run, 0},
    {"close", "close a task (final)",
     "usage: bones tasks close ID [--reason R] [--epoch N] [--force]\n"
     "Only the claimer closes a claimed task; --force (an operator) is recorded\n"
     "(closed_forced, previous_claimer) and names the slot it dispossessed, whose\n"
     "next commit is refused; end that slot with `bones swarm close --result fail`.\n",
     tasks_close_run, 0},
    {"link", "add a typed edge",
     "usage: bones tasks link FROM TO --type blocks|supersedes|duplicates|discovered-from\n",
     tasks_link_run, 0},
    {"watch", "stream task events",
     "usage: bones tasks watch [--after EVENT-ID|--all] [--task ID] [--once] [--timeout DURATION]\n"
     "Polls bones-events (every 250 ms) with a cursor, so no event is missed or\n"
     "shown twice.  --json: one {schema, data} object per line.\n",
     tasks_watch_run, 0},
    {"history", "the events of one task", "usage: bones tasks history ID [--json]\n", tasks_history_run,
     0},
    {"prime", "the same as `bones prime` (the Go name)", prime_verb_usage, prime_verb_run, 0},
    {"comment", "append a note to a task (any status)",
     "usage: bones tasks comment ID TEXT|@FILE [--json]\n"
     "Appends {at, by, text} to the task's notes; notes are never changed or\n"
     "removed, and concurrent comments are all kept.  64 KiB at most (exit 8).\n",
     tasks_comment_run, 0},
    {"blocked", "tasks blocked by an unfinished task",
     "usage: bones tasks blocked [--json]\n"
     "Every non-closed task that a non-closed task blocks (`tasks link A B --type\n"
     "blocks`), with its blockers.\n",
     tasks_blocked_run, 0},
    {"tree", "the parent/child hierarchy",
     "usage: bones tasks tree [ID] [--json]\n"
     "One line per task, indented under its parent, with its status; every root\n"
     "when no ID.  A parent cycle is shown once, marked (cycle).\n",
     tasks_tree_run, 0},
    {"export", "the backlog as JSON Lines",
     "usage: bones tasks export [--out FILE]\n"
     "One full record per line (compact, keys sorted), by created_at then id.\n",
     tasks_export_run, 0},
    {"import", "load records from `tasks export`",
     "usage: bones tasks import FILE [--replace] [--json]\n"
     "Every line is checked first (a bad line: exit 2 naming the lines, nothing\n"
     "written).  Each record is stored under its own id if absent; an identical\n"
     "existing record is left unchanged; a different one: exit 4 listing them,\n"
     "nothing written, unless --replace.  Importing the same file again is a no-op.\n",
     tasks_import_run, 0},
    {NULL, NULL, NULL, NULL, 0}};

BONES_VERB_EXPORT(verb_tasks) = {
    .abi = BONES_VERB_ABI,
    .size = sizeof(struct bones_verb_v1),
    .name = "tasks",
    .description = "the task backlog: create, claim (exactly once), close",
    .flags = 0, /* each sub-verb opens the substrate; prime reports a down one */
    .usage = "usage: bones tasks create|list|ready|show|update|claim|renew|release|close|link|watch|history|comment|blocked|tree|export|import ...\n" TASKS_NOTE,
    .run = NULL,
    .subverbs = tasks_subverbs,
};
