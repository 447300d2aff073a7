# tasks_cli.sh: `bones tasks` through the real binary on one substrate.
# Sourced by tasks-sqlite.test, tasks-nats.test, tasks-redis.test after
# they set $SUB; every check is the same on every backend.
A() { BONES_AGENT_ID=agent-a "$BONES" --substrate="$SUB" "$@"; }
B() { BONES_AGENT_ID=agent-b "$BONES" --substrate="$SUB" "$@"; }
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

title='fix "the" bug
second line — ünïcödé ✓'
tap_run "create with quotes, a newline and unicode" A -q tasks create "$title" --files src/a.c,src/b.c --priority P1
t1=$TAP_OUT
tap_like "$t1" '^t-[a-z2-7]{8}$' "create -q prints the id"
got=$(A tasks show "$t1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["task"]["title"], end="")')
tap_is "$got" "$title" "the title round-trips exactly"
tap_like "$(A tasks show "$t1")" "file +src/b.c" "show lists the files"
tap_run_status 2 "an empty title is refused" A tasks create ""
tap_run_status 2 "a blank title is refused" A tasks create "   "
tap_run_status 2 "priority P7 is refused" A tasks create x --priority P7
tap_run_status 2 "a duration without unit is refused" A tasks create x --defer-until 5
tap_run_status 3 "show of an unknown id exits 3" A tasks show t-zzzzzzzz
t0=$(A -q tasks create "second, to make t- ambiguous")
tap_run_status 2 "an ambiguous prefix is a usage error" A tasks show t-
tap_like "$TAP_OUT" "several tasks" "naming the problem"
A tasks close "$t0" >/dev/null
short=$(echo "$t1" | cut -c3-10)
tap_like "$(A tasks show "$short" --json)" "\"id\":\"$t1\"" "a unique prefix without t- works"

tap_run "agent-a claims" A tasks claim "$t1" --json
tap_like "$TAP_OUT" '"claimed_by":"agent-a"' "claimed_by is agent-a"
tap_like "$TAP_OUT" '"claim_epoch":1' "epoch 1"
rev1=$(A kv get bones-tasks "$t1" --json | sed 's/.*"revision":\([0-9]*\).*/\1/')
tap_run "agent-a claims again" A tasks claim "$t1" --json
tap_like "$TAP_OUT" '"changed":false' "is idempotent"
rev2=$(A kv get bones-tasks "$t1" --json | sed 's/.*"revision":\([0-9]*\).*/\1/')
tap_is "$rev2" "$rev1" "and writes nothing"
tap_run_status 4 "agent-b's claim exits 4" B tasks claim "$t1"
tap_like "$TAP_OUT" "claimed by agent-a \\(lease until 20[0-9-]+T" "naming the holder and the lease expiry"
tap_run_status 4 "--json gives the same in the error envelope" B --json tasks claim "$t1"
tap_like "$TAP_OUT" '"code":"conflict".*agent-a.*lease until' "error envelope"
tap_run_status 6 "agent-b cannot close it" B tasks close "$t1"
tap_run_status 6 "agent-b cannot release it" B tasks release "$t1"
tap_run "agent-a renews" A tasks renew "$t1" --ttl 1h
tap_run "agent-a releases" A tasks release "$t1"
tap_run "agent-b claims it now" B tasks claim "$t1" --json
tap_like "$TAP_OUT" '"claim_epoch":2' "epoch 2"
tap_run "agent-b closes" B tasks close "$t1" --reason done
tap_run_status 6 "a closed task cannot be claimed" A tasks claim "$t1"
tap_run_status 6 "nor closed again" B tasks close "$t1"
hist=$(A tasks history "$t1" | awk '{print $2}' | tr '\n' ' ')
tap_is "$hist" "created claimed renewed released claimed closed " "history lists each successful change once (refusals are not events)"

# takeover: only after the lease expired AND the claimer is gone
t2=$(A -q tasks create "takeover me")
A tasks claim "$t2" --ttl 3s >/dev/null
tap_run_status 4 "takeover before the lease expires exits 4" B tasks claim "$t2" --takeover
sleep 3.3
tap_run_status 4 "takeover while the claimer is present exits 4" B tasks claim "$t2" --takeover
tap_like "$TAP_OUT" "still present" "saying so"
A kv delete bones-presence agent-a >/dev/null
tap_run "takeover after expiry with the claimer gone" B tasks claim "$t2" --takeover --json
tap_like "$TAP_OUT" '"claim_epoch":2.*"previous_claimer":"agent-a"|"previous_claimer":"agent-a".*"claim_epoch":2' "bumps the epoch and records the previous claimer"
tap_run_status 6 "the old claimer's late close is refused" A tasks close "$t2"
tap_like "$TAP_OUT" "stale" "as stale"
tap_run_status 6 "a stale --epoch is refused" B tasks close "$t2" --epoch 1
tap_run "the current epoch closes" B tasks close "$t2" --epoch 2

# ready: blocks edges, parents, deferral, priority order
p=$(A -q tasks create parent)
c=$(A -q tasks create child --parent "$p")
x=$(A -q tasks create blocker --priority P0)
y=$(A -q tasks create blocked --priority P0)
d=$(A -q tasks create later --defer-until 1h)
tap_run_status 2 "an unknown edge type is refused" A tasks link "$x" "$y" --type precedes
tap_run "link blocks" A tasks link "$x" "$y" --type blocks
tap_run "the same link again" A tasks link "$x" "$y" --type blocks --json
tap_like "$TAP_OUT" '"changed":false' "is not stored twice"
ready=$(A tasks ready --json | python3 -c 'import json,sys; print(" ".join(t["id"] for t in json.load(sys.stdin)["data"]["tasks"]))')
tap_is "$ready" "$x $c" "ready: P0 first, then by age; blocked, deferred and parents-with-open-children left out"
A tasks close "$x" >/dev/null
A tasks close "$c" >/dev/null
ready=$(A tasks ready --json | python3 -c 'import json,sys; print(" ".join(t["id"] for t in json.load(sys.stdin)["data"]["tasks"]))')
tap_is "$ready" "$y $p" "closing the blocker and the child makes both ready"

# a hand-corrupted record: show says so, list goes on
A kv put bones-tasks t-corrupt0 '{"id":"t-corrupt0", not json' >/dev/null
tap_run_status 1 "show of a corrupt record exits 1" A tasks show t-corrupt0
tap_like "$TAP_OUT" "corrupt record bones-tasks/t-corrupt0" "naming the key"
tap_run "list with a corrupt record" A tasks list
tap_like "$TAP_OUT" "corrupt record bones-tasks/t-corrupt0" "reports it"
tap_like "$TAP_OUT" "$y" "and lists the rest"
tap_like "$(A tasks list --json 2>/dev/null)" '"corrupt":\[\{"key":"t-corrupt0"' "--json carries it in corrupt"
A kv delete bones-tasks t-corrupt0 >/dev/null

# many ready tasks: never silently truncated
n0=$(A tasks ready --json | sed 's/.*"count":\([0-9]*\).*/\1/')
i=0; while [ $i -lt 120 ]; do A -q tasks create "bulk $i" >/dev/null; i=$((i + 1)); done
tap_like "$(A tasks ready --json)" "\"count\":$((n0 + 120))," "ready --json returns every ready task ($((n0 + 120)))"
tap_like "$(A tasks ready --json --limit 7)" '"count":7,' "or exactly --limit"
tap_like "$(A tasks list --status closed --json)" '"count":5,' "list --status closed"
tap_like "$(A tasks watch --all --once --task "$t1")" "closed.*$t1" "watch --all --once shows past events"
