# orchestrator_e2e.sh: the orchestrator's loop of issue 12, end to end.
# A plan of three waves for three slots is validated and dispatched; each
# wave's three leaf agents run concurrently as separate processes, every
# command in a fresh shell (as a harness runs them); the orchestrator fans
# in each wave and advances.  In wave 2 one leaf fails and is resumed with
# its worktree; a person commits in git twice mid-run (once synced into the
# hub before wave 3 joins, once while wave 3 works); fan-in reports every
# slot; `bones apply` lands everything; each file's final content is
# checked.  Sourced by orchestrator-e2e-{sqlite,redis}.test after they set
# $SUB.
[ -n "$FOSSIL" ] || tap_skip_backend fossil "fossil not found"
command -v python3 >/dev/null || tap_skip_all "python3 not found"
export BONES_HOME="$TAP_TMPDIR/home"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
w=$TAP_TMPDIR/w
mkdir -p "$w/src/alpha" "$w/src/beta" "$w/src/gamma" &&
  (cd "$w" && git init -q && printf 'line1\nline2\nline3\n' > src/gamma/shared.txt &&
    printf 'notes 1\nnotes 2\nnotes 3\n' > src/beta/notes.txt && echo readme > README &&
    git add . && git commit -qm init) || tap_bail "git setup failed"
bindir=$(cd "$(dirname "$BONES")" && pwd)
# env -i keeps LD_LIBRARY_PATH only where the tests set it: it finds the
# build tree's libbones for $BONES (tests/local.mk), as an install would
fresh() { # fresh DIR COMMAND...: runs COMMAND in a new shell in DIR, with a harness's environment only
  _d=$1; shift
  env -i ${LD_LIBRARY_PATH:+LD_LIBRARY_PATH="$LD_LIBRARY_PATH"} HOME="$HOME" PATH="$bindir:/usr/bin:/bin" BONES_HOME="$BONES_HOME" BONES_PLUGIN_PATH="$BONES_PLUGIN_PATH" \
    GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t \
    bash -c "cd \"\$1\" && shift && exec \"\$@\"" fresh "$_d" "$@"
}
jget() { python3 -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[int(k)] if isinstance(d,list) else d[k]
print(d if not isinstance(d,(list,dict)) else json.dumps(d))' "$1"; }
trap_stop() { "$BONES" -C "$w" hub stop --force >/dev/null 2>&1; }
tap_at_exit trap_stop

# ---- the plan: wave k of slot S creates src/S/partk.txt and appends to part(k-1) ----
{
  echo "# Plan: three waves"
  n=0
  for k in 1 2 3; do
    for s in alpha beta gamma; do
      n=$((n + 1))
      echo
      echo "### Task $n: $s wave $k [slot: $s]"
      echo
      [ $k -gt 1 ] && echo "**Depends:** Task $((n - 3))" && echo
      echo "**Files:**"
      echo "- Create: \`src/$s/part$k.txt\`"
      [ $k -gt 1 ] && echo "- Modify: \`src/$s/part$((k - 1)).txt\`"
      [ $k = 3 ] && [ $s = gamma ] && echo "- Modify: \`src/gamma/shared.txt\`"
      [ $k = 3 ] && [ $s = beta ] && echo "- Modify: \`src/beta/notes.txt\`"
    done
  done
} > "$TAP_TMPDIR/PLAN.md"
tap_run "the plan validates" fresh "$w" bones plan validate "$TAP_TMPDIR/PLAN.md"
tap_like "$TAP_OUT" "9 tasks in 3 slots, 3 waves" "9 tasks, 3 slots, 3 waves"

tap_run "orchestrator: bones up" fresh "$w" bones up --substrate="$SUB"
tap_run "orchestrator: swarm dispatch" fresh "$w" bones --json swarm dispatch "$TAP_TMPDIR/PLAN.md"
printf '%s' "$TAP_OUT" > "$TAP_TMPDIR/dispatch.json"
tap_run_status 6 "a second dispatch while one is active is refused" fresh "$w" bones swarm dispatch "$TAP_TMPDIR/PLAN.md"
tap_is "$(fresh "$w" bones --json tasks list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["tasks"]))')" "9" \
  "the nine tasks exist once"

# A leaf: the command dispatch printed for its slot, then it appends one
# line "task N by S" to each file of its task (skipping a file that already
# has it: a resumed leaf), commits and closes with a summary.  With FAIL set
# it stops after the first file and closes with --result fail.
leaf() { # leaf SLOT WAVE [fail|resume]
  _s=$1 _k=$2 _mode=${3:-} _log=$TAP_TMPDIR/leaf-$1-$2${3:+-$3}
  {
    if [ "$_mode" = resume ]; then
      fresh "$w" bones --json swarm resume --slot "$_s" > "$_log.join" || { echo "FAIL resume $(cat "$_log.join")"; return; }
    else
      _cmd=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))["data"]
for s in d["slots"]:
    if s["name"]==sys.argv[2]: print(s["command"])' "$TAP_TMPDIR/dispatch$_k.json" "$_s")
      [ -n "$_cmd" ] || { echo "FAIL no command for $_s in wave $_k"; return; }
      # the command is for a shell (run from the workspace root); ask for JSON
      fresh "$w" bash -c "$_cmd --json" > "$_log.join" || { echo "FAIL join: $_cmd: $(cat "$_log.join")"; return; }
    fi
    _wt=$(jget data.session.worktree < "$_log.join") _t=$(jget data.session.task_id < "$_log.join")
    [ -d "$_wt" ] || { echo "FAIL no worktree: $(cat "$_log.join")"; return; }
    _n=$(fresh "$_wt" bones --json tasks show "$_t" | python3 -c 'import json,sys
t=json.load(sys.stdin)["data"]["task"]; print(t["context"]["plan_task"])')
    echo "task $_n"
    for _f in $(fresh "$_wt" bones --json tasks show "$_t" | python3 -c 'import json,sys
print(" ".join(json.load(sys.stdin)["data"]["task"]["files"]))'); do
      grep -qx "task $_n by $_s" "$_wt/$_f" 2>/dev/null && continue
      mkdir -p "$(dirname "$_wt/$_f")" && echo "task $_n by $_s" >> "$_wt/$_f"
      if [ "$_mode" = fail ]; then
        fresh "$_wt" bones -q swarm close --result fail --summary "task $_n: gave up after $_f" > "$_log.close" 2>&1 ||
          echo "FAIL close fail $(cat "$_log.close")"
        echo failed; return
      fi
    done
    fresh "$_wt" bones -q swarm commit -m "task $_n by $_s" > "$_log.commit" 2>&1 || echo "FAIL commit $(cat "$_log.commit")"
    fresh "$_wt" bones -q swarm close --result success --summary "task $_n by $_s: done" > "$_log.close" 2>&1 ||
      echo "FAIL close $(cat "$_log.close")"
    echo done
  } > "$_log" 2>&1
}
wave() { # wave K [SLOT-THAT-FAILS]: runs the wave's three leaves concurrently and waits
  _pids=
  for _s in alpha beta gamma; do
    if [ "$_s" = "${2:-}" ]; then leaf "$_s" "$1" fail & else leaf "$_s" "$1" & fi
    _pids="$_pids $!"
  done
  [ "${1}" = 3 ] && person_during_wave3
  for _p in $_pids; do wait "$_p"; done
  for _s in alpha beta gamma; do
    _l=$TAP_TMPDIR/leaf-$_s-$1; [ "$_s" = "${2:-}" ] && _l=$_l-fail
    _want=done; [ "$_s" = "${2:-}" ] && _want=failed
    tap_is "$(grep -c FAIL "$_l")/$(tail -1 "$_l")" "0/$_want" "wave $1: leaf $_s ran in fresh shells ($_want)"
    grep -q FAIL "$_l" && tap_diag "$(head -c 1500 "$_l")"
  done
}
cp "$TAP_TMPDIR/dispatch.json" "$TAP_TMPDIR/dispatch1.json"
tap_is "$(python3 -c 'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin)["data"]["slots"]))' < "$TAP_TMPDIR/dispatch1.json")" \
  "alpha beta gamma" "dispatch prints a command for each slot of wave 1"
tap_like "$(jget data.slots.0.command < "$TAP_TMPDIR/dispatch1.json")" "swarm join --slot alpha --next" "the command joins the slot's next task"

# ---- wave 1 ----
tap_run_status 6 "advance before wave 1 is done is refused" fresh "$w" bones swarm dispatch --advance
wave 1
tap_run "fan-in of wave 1: every slot succeeded" fresh "$w" bones --json swarm fan-in --wave 1
tap_is "$(printf '%s' "$TAP_OUT" | python3 -c 'import json,sys
print(" ".join(sorted("%s:%s" % (s["name"], s["result"]) for s in json.load(sys.stdin)["data"]["slots"])))')" \
  "alpha:success beta:success gamma:success" "fan-in lists the three slots with their results"
tap_like "$TAP_OUT" "task 1 by alpha: done" "and their summaries"
tap_run "advance to wave 2" fresh "$w" bones --json swarm dispatch --advance
printf '%s' "$TAP_OUT" > "$TAP_TMPDIR/dispatch2.json"

# ---- wave 2: beta fails; a person commits in git and syncs the hub ----
wave 2 beta
tap_run_status 6 "fan-in of wave 2 reports the failure (exit 6)" fresh "$w" bones --json swarm fan-in --wave 2
tap_like "$TAP_OUT" '"result": ?"fail"' "with beta's result"
tap_like "$TAP_OUT" "task 5: gave up after" "and its summary"
tap_run_status 6 "advance while beta failed is refused" fresh "$w" bones swarm dispatch --advance
tap_like "$TAP_OUT" "swarm resume --slot beta" "with the hint to resume it"
(cd "$w" && sed -i 's/^line1$/line1 edited by a person/' src/gamma/shared.txt && git commit -qam "person: shared line1") ||
  tap_bail "person's git commit failed"
tap_run "hub sync imports the person's commit" fresh "$w" bones hub sync
leaf beta 2 resume
tap_is "$(grep -c FAIL "$TAP_TMPDIR/leaf-beta-2-resume")/$(tail -1 "$TAP_TMPDIR/leaf-beta-2-resume")" "0/done" \
  "the failed leaf is resumed in its kept worktree and finishes"
grep -q FAIL "$TAP_TMPDIR/leaf-beta-2-resume" && tap_diag "$(head -c 1500 "$TAP_TMPDIR/leaf-beta-2-resume")"
tap_run "fan-in of wave 2 is clean after the resume" fresh "$w" bones swarm fan-in --wave 2
tap_run "advance to wave 3" fresh "$w" bones --json swarm dispatch --advance
printf '%s' "$TAP_OUT" > "$TAP_TMPDIR/dispatch3.json"

# ---- wave 3: the person commits in git again while the leaves work (no sync) ----
person_during_wave3() {
  _i=0; while [ $_i -lt 120 ] && [ ! -s "$TAP_TMPDIR/leaf-beta-3.join" ]; do sleep 0.25; _i=$((_i + 1)); done
  sleep 0.5
  (cd "$w" && sed -i 's/^notes 1$/notes 1 edited by a person/' src/beta/notes.txt && git commit -qam "person: notes line 1") ||
    echo "person's second commit failed" >&2
}
wave 3
tap_is "$(grep -c 'line1 edited by a person' "$w/.bones/swarm/gamma/wt/src/gamma/shared.txt" 2>/dev/null || echo gone)" "gone" \
  "gamma's worktree went away on success"
tap_run "fan-in of wave 3" fresh "$w" bones --json swarm fan-in --wave 3
tap_is "$(printf '%s' "$TAP_OUT" | python3 -c 'import json,sys
print(len(json.load(sys.stdin)["data"]["slots"]))')" "3" "fan-in reports every slot of wave 3"
tap_run "advance after the last wave: the plan is complete" fresh "$w" bones swarm dispatch --advance
tap_like "$TAP_OUT" "complete" "saying so"

# ---- land: apply merges trunk and the person's git commits ----
tap_run "orchestrator: bones apply" fresh "$w" bones apply
for s in alpha beta gamma; do
  b=$(case $s in alpha) echo 1;; beta) echo 2;; gamma) echo 3;; esac)
  tap_is "$(cat "$w/src/$s/part1.txt" | tr '\n' '|')" "task $b by $s|task $((b + 3)) by $s|" "src/$s/part1.txt: wave 1 and wave 2"
  tap_is "$(cat "$w/src/$s/part2.txt" | tr '\n' '|')" "task $((b + 3)) by $s|task $((b + 6)) by $s|" "src/$s/part2.txt: wave 2 and wave 3"
  tap_is "$(cat "$w/src/$s/part3.txt" | tr '\n' '|')" "task $((b + 6)) by $s|" "src/$s/part3.txt: wave 3"
done
tap_is "$(tr '\n' '|' < "$w/src/gamma/shared.txt")" "line1 edited by a person|line2|line3|task 9 by gamma|" \
  "shared.txt: the person's synced commit and gamma's wave-3 line"
tap_is "$(tr '\n' '|' < "$w/src/beta/notes.txt")" "notes 1 edited by a person|notes 2|notes 3|task 8 by beta|" \
  "notes.txt: the person's commit during wave 3 and beta's line, merged"
tap_is "$(cd "$w" && git status --porcelain | grep -v '^[AM] ' | grep -v '^?? \.gitignore$' | wc -l | tr -d ' ')" "0" \
  "apply left everything staged, nothing else (but the .gitignore bones up made)" ||
  tap_diag "$(cd "$w" && git status --porcelain)"
