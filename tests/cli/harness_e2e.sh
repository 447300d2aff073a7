# harness_e2e.sh: an orchestrator and three leaf agents driven the way an
# agent harness (Claude Code, Codex) drives bones: every command in a fresh
# `bash -c` whose shell exits at once, the hooks that `bones up
# --harness=claude` wrote into .claude/settings.json fired around each "tool
# call" (SessionStart -> prime, PostToolUse -> heartbeat), short session
# leases so the hub's lease watcher would reap a slot the hooks failed to
# keep alive.  Sourced by harness-e2e-{sqlite,redis}.test after they set $SUB.
[ -n "$FOSSIL" ] || tap_skip_backend fossil "fossil not found"
command -v python3 >/dev/null || tap_skip_all "python3 not found"
export BONES_HOME="$TAP_TMPDIR/home"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
w=$TAP_TMPDIR/w
mkdir -p "$w/src" && (cd "$w" && git init -q && for f in a b c d; do echo "$f 0" > "src/$f.txt"; done &&
  echo readme > README && git add . && git commit -qm init) || tap_bail "git setup failed"
bindir=$(cd "$(dirname "$BONES")" && pwd)
# env -i keeps LD_LIBRARY_PATH only where the tests set it: it finds the
# build tree's libbones for $BONES (tests/local.mk), as an install would
# A harness's fresh shell: PATH finds bones, nothing else is inherited from
# the "agent" but what a harness passes (HOME, PATH, the lease for the test).
fresh() { # fresh DIR COMMAND...: runs COMMAND in a new bash in DIR, which exits at once
  _d=$1; shift
  env -i ${LD_LIBRARY_PATH:+LD_LIBRARY_PATH="$LD_LIBRARY_PATH"} HOME="$HOME" PATH="$bindir:/usr/bin:/bin" BONES_HOME="$BONES_HOME" BONES_PLUGIN_PATH="$BONES_PLUGIN_PATH" \
    BONES_SESSION_LEASE=8s BONES_SESSION_GRACE=8s BONES_HUB_WATCH_EVERY=300ms BONES_HOOK_HEARTBEAT_INTERVAL=1s ${AGENT:+BONES_AGENT_ID=$AGENT} \
    GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t \
    bash -c "cd \"\$1\" && shift && exec \"\$@\"" fresh "$_d" "$@"
}
# hook EVENT DIR [TOOL]: fires every command .claude/settings.json gives EVENT
# (matcher-filtered like Claude Code: "" or a regex over the source/tool name)
# in DIR with Claude Code's hook input on stdin; prints their stdout.
hook() {
  _cmds=$(mktemp "$TAP_TMPDIR/hookcmds.XXXXXX") # one per call: leaves fire hooks concurrently
  python3 - "$w/.claude/settings.json" "$1" "${3:-}" > "$_cmds" <<'PY'
import json, re, sys
settings, event, name = sys.argv[1], sys.argv[2], sys.argv[3]
for group in json.load(open(settings)).get("hooks", {}).get(event, []):
    m = group.get("matcher", "")
    if m in ("", "*") or re.fullmatch(m, name):
        for h in group.get("hooks", []):
            if h.get("type") == "command": print(h["command"])
PY
  _hin=$(printf '{"session_id":"s","hook_event_name":"%s","cwd":"%s","source":"%s","tool_name":"%s","tool_input":{}}' \
    "$1" "$2" "${3:-}" "${3:-}")
  while IFS= read -r _cmd; do
    printf '%s' "$_hin" | fresh "$2" bash -c "$_cmd" || echo "hook-failed: $_cmd"
  done < "$_cmds"
  rm -f "$_cmds"
}
st() { fresh "$w" bones --json swarm status | python3 -c '
import json, sys
for s in json.load(sys.stdin)["data"]["sessions"]: print(s["slot"], s["state"])' | sort; }
trap_stop() { "$BONES" -C "$w" hub stop --force >/dev/null 2>&1; }
tap_at_exit trap_stop

# ---- the orchestrator: up with the Claude Code harness, prime, a plan ----
tap_run "orchestrator: bones up --harness=claude" fresh "$w" bones up --substrate="$SUB" --harness=claude
tap_like "$(cat "$w/.claude/settings.json")" "bones prime --hook=session-start" "settings.json runs prime at SessionStart"
out=$(hook SessionStart "$w" startup)
ctx=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["hookSpecificOutput"]["hookEventName"]); print(d["hookSpecificOutput"]["additionalContext"])' 2>&1)
tap_like "$ctx" "^SessionStart$" "the SessionStart hook prints Claude Code's envelope"
tap_like "$ctx" "role: orchestrator" "and prime tells the orchestrator who it is"
for f in a b c d; do # d is the least urgent: the silent agent, joining last, gets it
  p=P1; [ $f = d ] && p=P3
  fresh "$w" bones -q tasks create "edit $f" --files "src/$f.txt" --priority $p >> "$TAP_TMPDIR/tasks" 2>&1 ||
    tap_bail "tasks create failed"
done
tap_is "$(wc -l < "$TAP_TMPDIR/tasks" | tr -d ' ')" "4" "orchestrator: four tasks planned"
ctx=$(hook SessionStart "$w" resume | python3 -c 'import json,sys; print(json.load(sys.stdin)["hookSpecificOutput"]["additionalContext"])')
tap_like "$ctx" "Ready work \(4 of 4\)" "prime lists the four ready tasks"

# ---- three leaf agents, concurrently, each command in a fresh shell ----
# A leaf: joins the most urgent ready task (`swarm join --next`: the three
# race for the same top task), primes in its worktree, then "works" for longer than lease + grace (16 s) with only the
# PostToolUse hook renewing its session, tries git commit (denied), commits
# through bones and closes.
leaf() { # leaf N
  _n=$1 _log=$TAP_TMPDIR/leaf$1
  {
    fresh "$w" bones --json swarm join --slot "leaf$_n" --next > "$_log.join" || { echo "FAIL join $(cat "$_log.join")"; return; }
    _wt=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["session"]["worktree"])' < "$_log.join")
    # the join was a Bash tool call: Claude Code fires PostToolUse after it,
    # with the cwd its shell is in now (the agent cd'ed into the worktree)
    hook PostToolUse "$_wt" Bash
    _t=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["session"]["task_id"])' < "$_log.join")
    _f=$(fresh "$w" bones --json tasks show "$_t" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["task"]["files"][0])')
    echo "$_t $_f" > "$_log.task"
    echo "wt $_wt"
    hook SessionStart "$_wt" compact | python3 -c 'import json,sys; print(json.load(sys.stdin)["hookSpecificOutput"]["additionalContext"])' > "$_log.prime"
    _r=0
    while [ $_r -lt 12 ]; do
      fresh "$_wt" sh -c "echo 'leaf$_n round $_r' >> $_f" || echo "FAIL edit of '$_f' in '$_wt'"
      hook PostToolUse "$_wt" Edit
      sleep 1.5
      _r=$((_r + 1))
    done
    hook PreToolUse "$_wt" Bash > /dev/null
    printf '{"tool_name":"Bash","cwd":"%s","tool_input":{"command":"git commit -am x"}}' "$_wt" |
      fresh "$_wt" bones hook pre-tool-use > "$_log.guard"
    fresh "$_wt" bones -q swarm commit -m "leaf$_n: twelve rounds on $_f" > "$_log.commit" 2>&1 || echo "FAIL commit $(cat "$_log.commit")"
    hook PostToolUse "$_wt" Bash
    fresh "$_wt" bones swarm close --result success > "$_log.close" 2>&1 || echo "FAIL close $(cat "$_log.close")"
    echo done
  } > "$_log" 2>&1
}
tsilent=$(sed -n 4p "$TAP_TMPDIR/tasks")
leaf 1 & p1=$!
leaf 2 & p2=$!
leaf 3 & p3=$!
# a fourth agent joins and then goes silent: no hooks, no verbs
i=0; while [ $i -lt 80 ] && [ "$(cat "$TAP_TMPDIR"/leaf?.task 2>/dev/null | wc -l)" -lt 3 ]; do sleep 0.25; i=$((i + 1)); done
tap_run "a silent agent joins too (--next)" fresh "$w" bones -q swarm join --slot silent --next
tap_is "$(fresh "$w" bones --json swarm status | python3 -c '
import json, sys
print([s["task_id"] for s in json.load(sys.stdin)["data"]["sessions"] if s["slot"] == "silent"][0])')" "$tsilent" \
  "it got the one task left, the least urgent"
tap_run_status 3 "join --next with nothing ready exits 3" fresh "$w" bones swarm join --slot extra --next
tap_like "$TAP_OUT" "no ready task" "saying so"
[ ! -e "$w/.bones/swarm/extra" ]; tap_check $? "and leaves no slot behind"
tap_run_status 2 "join with both --task and --next is a usage error" fresh "$w" bones swarm join --slot extra --next --task "$tsilent"
tap_is "$(cut -d' ' -f2 "$TAP_TMPDIR"/leaf?.task | sort | tr '\n' ' ')" "src/a.txt src/b.txt src/c.txt " \
  "the three racing leaves joined the three urgent tasks, one each"
sleep 2
tap_like "$(st)" "leaf1 (active|idle)" "mid-run: leaf1's session is alive"
wait $p1; wait $p2; wait $p3
for n in 1 2 3; do
  tap_is "$(grep -c FAIL "$TAP_TMPDIR/leaf$n")/$(tail -1 "$TAP_TMPDIR/leaf$n")" "0/done" \
    "leaf$n ran join, prime, twelve hooked rounds, commit and close without a failure"
  grep -q FAIL "$TAP_TMPDIR/leaf$n" && tap_diag "$(head -c 1500 "$TAP_TMPDIR/leaf$n")"
  tap_like "$(cat "$TAP_TMPDIR/leaf$n.prime")" "slot: .?leaf$n" "leaf$n: prime in the worktree names the slot"
  tap_like "$(cat "$TAP_TMPDIR/leaf$n.prime")" "bones swarm commit" "leaf$n: and tells it how to commit"
  tap_like "$(cat "$TAP_TMPDIR/leaf$n.guard")" '"permissionDecision":"deny"' "leaf$n: git commit in the worktree was denied"
  tap_like "$(cat "$TAP_TMPDIR/leaf$n.commit")" '^[0-9a-f]{40,64}$' "leaf$n: its commit landed on trunk"
done
tap_unlike() { if printf '%s\n' "$1" | grep -Eq -- "$2"; then tap_not_ok "$3" "$1"; else tap_ok "$3"; fi; }
tap_unlike "$(grep -h '"event":"slot_reap' "$w/.bones/swarm-events.jsonl" "$w/.bones/hub.log" 2>/dev/null | grep leaf)" "leaf" \
  "no leaf was reaped though each worked for longer than lease + grace between bones verbs"

# the silent agent's lease ran out: the hub's watcher reaped it
i=0; while [ $i -lt 160 ] && [ -d "$w/.bones/swarm/silent/wt" ]; do sleep 0.25; i=$((i + 1)); done
[ ! -d "$w/.bones/swarm/silent/wt" ]; tap_check $? "the silent agent's slot was reaped after lease + grace"
tap_like "$(cat "$w/.bones/swarm-events.jsonl")" '"event":"slot_reap".*"slot":"silent"' "swarm-events.jsonl records that reap"
tap_like "$(fresh "$w" bones --json tasks show "$tsilent")" '"status":"open"' "and its task is ready again"

# ---- fan-in: the orchestrator lands trunk in git ----
tap_is "$(st)" "" "no session is left"
tap_run "orchestrator: bones apply" fresh "$w" bones apply
for f in a b c; do
  n=$(grep -c "round" "$w/src/$f.txt")
  tap_is "$n" "12" "src/$f.txt holds its leaf's twelve rounds in the git work tree"
done
tap_like "$(cd "$w" && git diff --cached --name-only | tr '\n' ' ')" "src/a.txt src/b.txt src/c.txt" "staged for the person to commit"
out=$(cd "$TAP_TMPDIR" && printf '{}' | env -i ${LD_LIBRARY_PATH:+LD_LIBRARY_PATH="$LD_LIBRARY_PATH"} PATH="$bindir:/usr/bin:/bin" HOME="$HOME" bash -c 'bones hook heartbeat; echo "rc=$?"')
tap_is "$out" "rc=0" "the heartbeat hook outside any workspace is silent and exits 0"
