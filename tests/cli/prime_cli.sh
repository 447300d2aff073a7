# prime_cli.sh: `bones prime` (and `tasks prime`, `coord broadcasts --new`)
# through the real binary and the real fossil on one substrate.  Sourced by
# prime.test (sqlite) and prime-redis.test after they set $SUB (given to
# `bones up`).  An orchestrator at the workspace root, a leaf in slot s1 and
# another agent (bob) with a hold, a handoff and broadcasts.
[ -n "$FOSSIL" ] || tap_skip_backend fossil "fossil not found"
export BONES_HOME="$TAP_TMPDIR/home"
unset BONES_AGENT_ID BONES_SUBSTRATE
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
w=$TAP_TMPDIR/w
mkdir -p "$w" && (cd "$w" && git init -q && echo a > a.txt && echo o > other.txt && git add . && git commit -qm init) ||
  tap_bail "git setup failed"
b() { "$BONES" -C "$w" "$@"; }
wt=$w/.bones/swarm/s1/wt
inwt() { (cd "$wt" && "$BONES" "$@"); }
bob() { BONES_AGENT_ID=bob "$BONES" -C "$w" "$@"; }
# jq-like checks of a bones.prime/v1 envelope on stdin: py EXPR prints EXPR
# evaluated with d = the data
py() { python3 -c "import json,sys
d = json.load(sys.stdin)['data']
print($1, end='')"; }
tap_at_exit "\"$BONES\" -C '$w' hub stop --force >/dev/null 2>&1"
tap_run "bones up --substrate=$SUB" b up --substrate="$SUB"

# ---- before the hub: prime reads what it can and starts nothing ----
tap_run "prime on a fresh workspace" b prime
tap_like "$TAP_OUT" "^# bones prime: ws-" "a Markdown title naming the workspace agent"
tap_like "$TAP_OUT" "^- agent: \`ws-[a-z0-9]+\` \(identity from workspace\)" "the identity and its source"
tap_like "$TAP_OUT" "^- role: orchestrator" "at the workspace root: the orchestrator"
tap_like "$TAP_OUT" "^- hub: stopped" "the hub is stopped"
tap_like "$TAP_OUT" "^- tip: \`[0-9a-f]{12}\` .*seed" "trunk is the seed bones up made, read with the hub stopped"
tap_like "$TAP_OUT" "bones hub start --detach. — the hub is not running \(optional" "and the next step says how to start it"
[ ! -e "$w/.bones/hub.pid" ]; tap_check $? "prime started no hub"

tap_run_status 2 "--limit 0 is a usage error" b prime --limit 0
tap_run_status 2 "--hook takes only session-start" b prime --hook=stop
tap_run_status 2 "prime takes no operands" b prime x
tap_run "prime --help" b prime --help
tap_like "$TAP_OUT" "usage: bones prime" "help shows the usage"

# 12 ready tasks, one hostile title (escape, C0 control, newline)
i=0
while [ $i -lt 11 ]; do b -q tasks create "task $i" --priority P3 >/dev/null || tap_bail "tasks create"; i=$((i + 1)); done
evil=$(printf 'evil\033[31m\001\nline # heading')
tev=$(b -q tasks create "$evil" --priority P0) || tap_bail "create the hostile task"
tap_run_status 2 "a title that is not UTF-8 is refused at the door" b tasks create "$(printf 'bad\377')"
tap_run "prime --limit 3" b prime --limit 3
tap_like "$TAP_OUT" "^## Ready work \(3 of 12; 9 more: \`bones tasks ready\`\)" "3 of 12 shown, 9 more, with the command"
tap_like "$TAP_OUT" "^1\. \`$tev\` P0 evil" "the P0 task first"
printf '%s' "$TAP_OUT" | grep -q "$(printf '\033')"; [ $? -ne 0 ]; tap_check $? "no raw escape byte reaches the output"
printf '%s' "$TAP_OUT" | grep -q "$(printf '\001')"; [ $? -ne 0 ]; tap_check $? "no raw control byte either"
tap_like "$TAP_OUT" 'evil\\x1b\[31m\\x01\\nline # heading' "the hostile title is shown escaped on one line"
printf '%s\n' "$TAP_OUT" | grep -q '^line # heading'; [ $? -ne 0 ]; tap_check $? "its newline cannot start a line"
tap_run "prime --json --limit 3" b prime --json --limit 3
tap_is "$(printf '%s' "$TAP_OUT" | py '" ".join(sorted(d))')" \
  "broadcasts claimed errors generated_at handoffs holds identity messages next present ready session trunk version workspace" \
  "the documented top-level fields"
tap_is "$(printf '%s' "$TAP_OUT" | py '"%d %d %d %s" % (d["ready"]["shown"], d["ready"]["total"], d["ready"]["more"], d["ready"]["tasks"][0]["title"] == "evil\x1b[31m\x01\nline # heading")')" \
  "3 12 9 True" "ready: shown, total, more; the title kept exactly in JSON"
tap_run "tasks prime is the same verb" b tasks prime --json
tap_like "$TAP_OUT" '^\{"schema":"bones.prime/v1","data":' "with the same schema"
# a corrupt record (bytes that are not UTF-8) is a problem line, not a failure
printf 'x\377y' > "$TAP_TMPDIR/bad"
b kv put bones-tasks t-zzzzzzzz "$(cat "$TAP_TMPDIR/bad")" >/dev/null 2>&1
tap_run "prime with a corrupt task record" b prime --json
tap_like "$(printf '%s' "$TAP_OUT" | py 'd["errors"]')" "tasks" "the corrupt record is listed under errors (if it could be stored)"

# ---- the hook ----
tap_run "prime --hook=session-start" b prime --hook=session-start
hook=$(b prime --hook=session-start 2>"$TAP_TMPDIR/hook.err")
tap_is "$(cat "$TAP_TMPDIR/hook.err")" "" "the hook writes nothing on stderr"
tap_is "$(printf '%s\n' "$hook" | wc -l | tr -d ' ')" "1" "one line on stdout"
md=$(b prime)
tap_is "$(printf '%s' "$hook" | python3 -c 'import json,sys
d = json.load(sys.stdin)
h = d["hookSpecificOutput"]
print(list(d), list(h), h["hookEventName"], end="")')" "['hookSpecificOutput'] ['hookEventName', 'additionalContext'] SessionStart" \
  "exactly Claude Code's envelope"
strip() { grep -v '^_20'; } # the generated_at line differs between two runs
tap_is "$(printf '%s' "$hook" | python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["hookSpecificOutput"]["additionalContext"])' | strip)" \
  "$(printf '%s\n' "$md" | strip)" "additionalContext is the Markdown of bones prime"
s=$w/.bones/last-session-prime
tap_is "$(stat -c %a "$s")" "600" "the sentinel is 0600"
tap_like "$(cat "$s")" "^20[0-9-]+T[0-9:.]+Z	[0-9]" "it holds RFC3339 TAB version"
tap_run "the hook with the substrate down" "$BONES" -C "$w" --substrate "sqlite:$TAP_TMPDIR/no/such/dir/kv.db" prime --hook=session-start
tap_like "$TAP_OUT" '"hookEventName":"SessionStart"' "still the envelope, exit 0"
tap_like "$TAP_OUT" 'Problems.*substrate' "saying the substrate is unavailable"
mkdir -p "$TAP_TMPDIR/nows"
tap_run "the hook outside a workspace" sh -c "cd '$TAP_TMPDIR/nows' && '$BONES' prime --hook=session-start"
tap_like "$TAP_OUT" '^\{"hookSpecificOutput":\{"hookEventName":"SessionStart","additionalContext":"# bones prime.*not set up here' \
  "an envelope saying bones is not set up here"
tap_run_status 7 "plain prime outside a workspace exits 7" sh -c "cd '$TAP_TMPDIR/nows' && '$BONES' prime"

# ---- a leaf in slot s1, another agent, a handoff, broadcasts ----
tap_run "hub start --detach" b hub start --detach
t1=$(b -q tasks create "leaf work" --files a.txt --priority P1) || tap_bail "tasks create"
tap_run "join s1" b swarm join --slot s1 --task "$t1" --pid $$
tap_run "bob claims other.txt" bob coord claim other.txt
tap_run "bob hands an artifact to slot-s1" bob -q coord handoff --to slot-s1 --artifact spec.md --message "read me"
hid=$TAP_OUT
tap_run "bob broadcasts twice" sh -c "BONES_AGENT_ID=bob '$BONES' -C '$w' coord broadcast general one && BONES_AGENT_ID=bob '$BONES' -C '$w' coord broadcast general two"
tap_run "prime in the slot's worktree" inwt prime
out=$TAP_OUT
tap_like "$out" "^- agent: \`slot-s1\` \(identity from slot\)" "the slot's identity, from the slot"
tap_like "$out" "^- role: leaf" "a leaf"
tap_like "$out" "^- slot: \`s1\`, worktree \`.*/.bones/swarm/s1/wt\`" "the slot and its worktree"
tap_like "$out" "^- session: task \`$t1\`, [a-z]+, last renewed .*lease expires in" "the session with task and lease"
tap_like "$out" "^## My claimed tasks \(1\)" "one claimed task"
tap_like "$out" "^- \`$t1\` P1 leaf work — files: a.txt" "with its files"
tap_like "$out" "^- \`a.txt\` \(task $t1" "the task's file is my hold"
tap_like "$out" "^- \`$hid\` from \`bob\`: spec.md — read me \(accept: \`bones coord accept $hid\`\)" "the pending handoff, with the accept command"
tap_like "$out" "^## Unread broadcasts \(2 on 1 channel\)" "two unread broadcasts"
tap_like "$out" "bob: two" "the latest shown"
tap_like "$out" "^- \`bob\`, seen .* ago — holds: other.txt" "bob is present with his hold"
tap_like "$out" "^[0-9]+\. \`bones swarm commit -m MESSAGE\`" "next: commit"
tap_like "$out" "^[0-9]+\. \`bones swarm close --result=success\`" "next: close"
tap_like "$out" "^[0-9]+\. \`bones coord broadcasts general --new\`" "next: mark the broadcasts read"
tap_run "prime --json in the worktree" inwt prime --json
tap_is "$(printf '%s' "$TAP_OUT" | py '"%s %s %s %s %s %s %d %s" % (d["identity"]["agent"], d["identity"]["source"], d["identity"]["slot"], d["session"]["task_id"], d["claimed"][0]["id"], d["holds"][0]["path"], d["broadcasts"]["unread"], d["handoffs"][0]["from"])')" \
  "slot-s1 slot s1 $t1 $t1 a.txt 2 bob" "JSON: identity, session, claimed, holds, unread, handoffs"
tap_like "$(printf '%s' "$TAP_OUT" | py 'd["session"]["lease_ms"] > 0 and d["session"]["expires_in_ms"] > 0 and "lease_expires_at" in d["session"]')" \
  "True" "the session's lease, its expiry and time left"
tap_run "prime again does not mark anything read" inwt prime --json
tap_is "$(printf '%s' "$TAP_OUT" | py 'd["broadcasts"]["unread"]')" "2" "still 2 unread"
tap_run "coord broadcasts general --new" inwt coord broadcasts general --new
tap_like "$TAP_OUT" "bob: one" "prints the unread ones"
tap_run "prime after --new" inwt prime --json
tap_is "$(printf '%s' "$TAP_OUT" | py 'd["broadcasts"]["unread"]')" "0" "nothing unread"
tap_run "--new again" inwt -q coord broadcasts general --new
tap_is "$TAP_OUT" "" "prints nothing new"
bob coord broadcast general three >/dev/null
tap_run "a third broadcast" inwt prime --json
tap_is "$(printf '%s' "$TAP_OUT" | py '"%d %s" % (d["broadcasts"]["unread"], d["broadcasts"]["channels"][0]["latest"][-1]["message"])')" \
  "1 three" "only the new one is unread"
tap_run "bob's prime: his hold, not the leaf's" bob prime --json
tap_is "$(printf '%s' "$TAP_OUT" | py '"%s %s %s" % (d["holds"][0]["path"], d["present"][0]["agent"], d["present"][0]["holds"])')" \
  "other.txt slot-s1 ['a.txt']" "bob holds other.txt; slot-s1 is present holding a.txt"

# ---- trunk: a commit is one check-in not applied to git ----
b prime --json >/dev/null
tap_run "prime again, trunk unchanged" b prime --json
tap_is "$(printf '%s' "$TAP_OUT" | py 'd["trunk"]["cached"]')" "True" "the trunk answer comes from .bones/prime-trunk.json"
tap_is "$(stat -c %a "$w/.bones/prime-trunk.json")" "600" "which is 0600"
echo changed > "$wt/a.txt"
tap_run "commit in s1" inwt -q swarm commit -m "s1: change a"
c1=$TAP_OUT
tap_run "orchestrator prime" b prime --json
tap_is "$(printf '%s' "$TAP_OUT" | py '"%s %s %s %s" % (d["trunk"]["hub"], d["trunk"]["tip"]["id"], d["trunk"]["unapplied"], d["trunk"]["baseline"])')" \
  "running $c1 1 seed" "trunk: the hub runs, the tip is the commit, 1 not applied (from the seed)"
tap_is "$(printf '%s' "$TAP_OUT" | py 'd["trunk"]["cached"]')" "False" "the commit moved hub.fossil: read afresh"
tap_like "$(printf '%s' "$TAP_OUT" | py '[s["command"] for s in d["next"]]')" "bones apply" "the orchestrator is told to apply"
tap_run "hub stop --force" b hub stop --force
tap_run "prime with the hub stopped" b prime
tap_like "$TAP_OUT" "^- hub: stopped" "says stopped"
tap_like "$TAP_OUT" "^- not applied to git: 1 check-in " "still reads trunk from hub.fossil offline"
[ ! -e "$w/.bones/hub.pid" ]; tap_check $? "and did not start the hub"
