# swarm_cli.sh: `bones swarm` through the real binary and the real fossil on
# one substrate.  Sourced by swarm-{sqlite,nats,redis}.test after they set
# $SUB (the substrate given to `bones up`: "sqlite" or a server's URL).
[ -n "$FOSSIL" ] || tap_skip_backend fossil "fossil not found"
export BONES_HOME="$TAP_TMPDIR/home"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
w=$TAP_TMPDIR/w
mkdir -p "$w/d" "$TAP_TMPDIR/fhome" &&
  (cd "$w" && git init -q && printf '1\n2\n3\n4\n5\n6\n7\n8\n' > shared.txt && echo b > d/b.txt &&
    echo gone > gone.txt && echo h > held.txt && git add . && git commit -qm init) || tap_bail "git setup failed"
b() { "$BONES" -C "$w" "$@"; }
hub=$w/.bones/hub.fossil
fsql() { HOME=$TAP_TMPDIR/fhome "$FOSSIL" sql -R "$hub" "$1" | tr -d "'"; }
trunk_file() { HOME=$TAP_TMPDIR/fhome "$FOSSIL" cat -R "$hub" -r trunk "$1" 2>/dev/null; }
# linear: one trunk leaf, no merge parent, no check-in with two children
linear() {
  [ "$(fsql "SELECT count(*) FROM leaf")" = 1 ] && [ "$(fsql "SELECT count(*) FROM plink WHERE isprim=0")" = 0 ] &&
    [ "$(fsql "SELECT count(*) FROM (SELECT pid FROM plink GROUP BY pid HAVING count(*)>1)")" = 0 ]
}
ncheckins() { fsql "SELECT count(*) FROM event WHERE type='ci'"; }
wt() { echo "$w/.bones/swarm/$1/wt"; }
tap_at_exit "\"$BONES\" -C '$w' hub stop --force >/dev/null 2>&1"
tap_run "bones up --substrate=$SUB" b up --substrate="$SUB"

# before any hub start: the role-leak guard, in a workspace whose hub was
# never seeded (bones up seeds it now: remove it as an older bones left it)
[ -f "$hub" ]; tap_check $? "bones up seeded the hub repository"
rm -f "$hub"
t0=$(b -q tasks create early) || tap_bail "tasks create failed"
tap_run_status 7 "join before the hub exists exits 7" b swarm join --slot early --task "$t0" --pid $$
tap_like "$TAP_OUT" "not bootstrapped.*refusing to bootstrap from a leaf context" "with the seed's wording"
case $TAP_OUT in *"bones up"*) tap_not_ok "it must not tell a leaf to run bones up" "$TAP_OUT" ;;
  *) tap_ok "it does not tell a leaf to run bones up" ;; esac
[ ! -e "$w/.bones/swarm/early" ] && [ ! -e "$hub" ]; tap_check $? "and it bootstraps nothing"
tap_is "$(b tasks show "$t0" --json | grep -c '"status":"open"')" "1" "the task stays open"
tap_run "hub start --detach" b hub start --detach

# names and missing tasks
for bad in a/b .. 'a b' "$(printf 'x%.0s' $(seq 65))"; do
  tap_run_status 2 "slot name '$(echo "$bad" | cut -c1-12)' ($(printf %s "$bad" | wc -c | tr -d ' ') chars) is refused" \
    b swarm join --slot "$bad" --task "$t0" --pid $$
done
tap_run "a 64-char slot name is fine" b swarm join --slot "$(printf 'y%.0s' $(seq 64))" --task "$t0" --pid $$
b swarm close --slot "$(printf 'y%.0s' $(seq 64))" --result fail >/dev/null
tap_run_status 3 "join of a missing task exits 3" b swarm join --slot s1 --task t-zzzzzzzz --pid $$

# happy path: join, commit (edit, add, delete), close
n0=$(ncheckins)
t1=$(b -q tasks create "happy path")
tap_run "join" b --json swarm join --slot s1 --task "$t1" --pid $$
tap_like "$TAP_OUT" '"agent_id":"slot-s1"' "the slot works as slot-s1"
tap_is "$(cat "$w/.bones/swarm/s1/leaf.pid")" "$$" "leaf.pid is the agent's process"
tap_is "$(cat "$(wt s1)/shared.txt" | wc -l | tr -d ' ')" "8" "the worktree holds trunk"
tap_run_status 4 "a second slot joining the claimed task exits 4" b swarm join --slot s2 --task "$t1" --pid $$
tap_like "$TAP_OUT" "slot-s1" "naming the claimer"
[ ! -e "$w/.bones/swarm/s2" ]; tap_check $? "and leaves no slot directory behind"
tap_run_status 4 "a second join on the live slot exits 4" b swarm join --slot s1 --task "$t1" --pid $$
tap_like "$TAP_OUT" "live session" "saying so"
tap_run "--force takes the live (clean) slot over" b swarm join --slot s1 --task "$t1" --pid $$ --force
echo new > "$(wt s1)/new.txt"
echo b2 > "$(wt s1)/d/b.txt"
rm "$(wt s1)/gone.txt"
tap_run "commit" b -q swarm commit --slot s1 -m "s1: add, edit, delete"
c1=$TAP_OUT
tap_like "$c1" '^[0-9a-f]{40,64}$' "-q prints the check-in id"
tap_is "$(fsql "SELECT count(*) FROM blob WHERE uuid='$c1'")" "1" "the check-in is on the hub"
tap_is "$(trunk_file new.txt)/$(trunk_file d/b.txt)" "new/b2" "trunk has the added and edited files"
trunk_file gone.txt >/dev/null; [ $? -ne 0 ]; tap_check $? "and not the deleted one"
tap_run_status 6 "a commit with nothing changed exits 6" b swarm commit --slot s1 -m nothing
echo again >> "$(wt s1)/new.txt"
c2=$(cd "$(wt s1)" && "$BONES" -q swarm commit -m "s1: from inside the worktree")
tap_like "$c2" '^[0-9a-f]{40,64}$' "a commit from inside the worktree finds its slot"
tap_is "$(ncheckins)" "$((n0 + 2))" "trunk gained exactly the two check-ins"
linear; tap_check $? "trunk is one straight line"
tap_like "$(HOME=$TAP_TMPDIR/fhome "$FOSSIL" leaves -R "$hub")" "s1: from inside" "fossil leaves shows the one leaf"
tap_run "close --result success" b --json swarm close --slot s1 --result success
tap_like "$TAP_OUT" '"task_status":"closed"' "closes the task"
[ ! -e "$w/.bones/swarm/s1" ]; tap_check $? "and removes the slot"
tap_like "$(cat "$w/.bones/swarm-events.jsonl")" '"event":"slot_commit".*"slot":"s1"' "swarm-events.jsonl has the commits"

# two slots on one file: a merge (different lines), then a conflict (same line)
ta=$(b -q tasks create A); tb=$(b -q tasks create B)
b -q swarm join --slot a --task "$ta" --pid $$ >/dev/null && b -q swarm join --slot b --task "$tb" --pid $$ >/dev/null ||
  tap_bail "joins failed"
sed -i 's/^1$/1 from a/' "$(wt a)/shared.txt"
sed -i 's/^8$/8 from b/' "$(wt b)/shared.txt"
b -q swarm commit --slot a -m "a: line 1" >/dev/null
tap_run "b commits after a on other lines" b swarm commit --slot b -m "b: line 8"
tap_is "$(trunk_file shared.txt | sed -n '1p;8p' | tr '\n' '|')" "1 from a|8 from b|" "trunk has both edits merged"
tap_is "$(sed -n '1p;8p' "$(wt b)/shared.txt" | tr '\n' '|')" "1 from a|8 from b|" "and so does b's worktree"
sed -i 's/^4$/4 from a/' "$(wt a)/shared.txt"
sed -i 's/^4$/4 from b/' "$(wt b)/shared.txt"
b -q swarm commit --slot a -m "a: line 4" >/dev/null
n1=$(ncheckins)
tap_run_status 4 "b's commit of the same line exits 4" b --json swarm commit --slot b -m "b: line 4"
tap_like "$TAP_OUT" '"error":\{"code":"conflict","exit":4,.*"files":\["shared.txt"\]' "--json lists the file in an array"
tap_like "$TAP_OUT" '"message":"slot b: merging the newest trunk conflicts in shared.txt' "and in the message"
tap_is "$(ncheckins)" "$n1" "nothing was committed"
tap_is "$(trunk_file shared.txt | sed -n 4p)" "4 from a" "trunk keeps a's line"
grep -q '^4 from a$' "$(wt b)/shared.txt" && grep -q '^4 from b$' "$(wt b)/shared.txt"
tap_check $? "b's worktree keeps both lines (conflict markers)"
tap_run_status 4 "committing again with the markers still there exits 4" b swarm commit --slot b -m "b: line 4"
sed -i -e '/^<<<<<<<\|^|||||||\|^=======\|^>>>>>>>\|^4$\|^4 from a$/d' -e 's/^4 from b$/4 from a and b/' "$(wt b)/shared.txt"
tap_run "after resolving, b commits" b swarm commit --slot b -m "b: resolved"
tap_is "$(trunk_file shared.txt | tr '\n' '|')" "1 from a|2|3|4 from a and b|5|6|7|8 from b|" "trunk has every side's work"
linear; tap_check $? "trunk is still one straight line"

# cross-host: the session says another host
rec=$(b kv get bones-swarm-sessions a)
b kv put bones-swarm-sessions a "$(printf '%s' "$rec" | sed 's/"host":"[^"]*"/"host":"elsewhere.example"/')" >/dev/null
echo x >> "$(wt a)/shared.txt"
tap_run_status 6 "commit of a session owned by another host exits 6" b swarm commit --slot a -m x
tap_like "$TAP_OUT" "cross-host" "as cross-host"
tap_run_status 6 "so does close" b swarm close --slot a --result fail
b kv put bones-swarm-sessions a "$rec" >/dev/null
sed -i '$d' "$(wt a)/shared.txt"

# close: success needs an artifact; fail keeps the worktree and releases
tc=$(b -q tasks create C)
b -q swarm join --slot c --task "$tc" --pid $$ >/dev/null
tap_run_status 6 "close --result success with no commit exits 6" b swarm close --slot c --result success
tap_like "$TAP_OUT" "no commit landed" "saying why"
tap_run "with --no-artifact REASON it closes" b swarm close --slot c --result success --no-artifact "findings inline"
tap_like "$(b tasks show "$tc" --json)" '"status":"closed"' "the task is closed"
tap_like "$(tail -n 1 "$w/.bones/swarm-events.jsonl")" '"no_artifact":"findings inline"' "the reason is in the event log"
echo "half done" > "$(wt a)/wip.txt"
tap_run "close --result fail" b swarm close --slot a --result fail
tap_is "$(cat "$(wt a)/wip.txt")" "half done" "keeps the worktree and its uncommitted work"
tap_like "$(b tasks show "$ta" --json)" '"status":"open"' "the task is open again"
tap_like "$(b tasks show "$ta" --json)" '"claimed_by":null' "and unclaimed"
tap_run "another slot can take it" b swarm join --slot a2 --task "$ta" --pid $$
b swarm close --slot a2 --result fail >/dev/null

# holds: join holds the task's files; another slot's commit of one is refused
th=$(b -q tasks create H --files held.txt)
b -q swarm join --slot h --task "$th" --pid $$ >/dev/null
echo "b's edit" > "$(wt b)/held.txt"
tap_run_status 4 "committing a file another slot holds exits 4" b swarm commit --slot b -m held
tap_like "$TAP_OUT" "held.txt is held by slot-h" "naming the holder"
tap_is "$(trunk_file held.txt)" "h" "trunk is untouched"
echo "h's edit" > "$(wt h)/held.txt"
tap_run "the holder commits it" b swarm commit --slot h -m held
rm "$(wt b)/held.txt" && (cd "$(wt b)" && HOME=$TAP_TMPDIR/fhome "$FOSSIL" revert held.txt >/dev/null 2>&1)

# the trunk gate: this host's committers queue on .bones/trunk.gate (an
# flock) instead of polling the substrate; it is never needed for
# correctness: one held past --wait is passed by, the lease still excludes
gate=$w/.bones/trunk.gate
tap_is "$(stat -c %a "$gate" 2>/dev/null)" "600" ".bones/trunk.gate exists, mode 0600"
if command -v flock >/dev/null 2>&1; then
  echo "past the gate" >> "$(wt h)/held.txt"
  flock "$gate" sleep 3 &
  gate_pid=$!
  sleep 0.3
  t0=$(date +%s%N)
  tap_run "a commit while another process holds the gate, --wait 1s" b swarm commit --slot h -m "past the gate" --wait 1s
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$ms" -ge 900 ] && [ "$ms" -lt 2900 ]; tap_check $? "it queued at the gate for its --wait, then went through ($ms ms)"
  tap_is "$(trunk_file held.txt | tail -n 1)" "past the gate" "and landed"
  kill "$gate_pid" 2>/dev/null; wait "$gate_pid" 2>/dev/null
else
  for d in "commit past a held gate" "queued for its --wait" "and landed"; do tap_skip "flock(1) not installed" "$d"; done
fi

# the slot's worktree lock: .bones/swarm/SLOT/commit.lock, taken by a
# commit and inherited by the fossil processes it starts, so the next
# commit of the slot waits for a killed commit's orphaned fossil (the kill
# campaign, tests/fault/swarm-campaign.sh, races that); here a process
# holding it stands in for such an orphan
slock=$w/.bones/swarm/h/commit.lock
tap_is "$(stat -c %a "$slock" 2>/dev/null)" "600" "the slot's commit.lock exists, mode 0600"
if command -v flock >/dev/null 2>&1; then
  echo "after the orphan" >> "$(wt h)/held.txt"
  flock "$slock" sleep 1.5 &
  lock_pid=$!
  sleep 0.3
  tap_run_status 4 "a commit while the slot's lock stays held past --wait exits 4" \
    b swarm commit --slot h -m "too soon" --wait 300ms
  tap_like "$TAP_OUT" "another commit of this slot" "and says what it waited for"
  t0=$(date +%s%N)
  tap_run "a commit while the slot's lock is held waits for it" b swarm commit --slot h -m "after the orphan"
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$ms" -ge 500 ]; tap_check $? "it waited until the holder was gone ($ms ms)"
  tap_is "$(trunk_file held.txt | tail -n 1)" "after the orphan" "and landed"
  kill "$lock_pid" 2>/dev/null; wait "$lock_pid" 2>/dev/null
else
  for d in "held lock, exit 4" "says what it waited for" "waits for the lock" "waited" "and landed"; do
    tap_skip "flock(1) not installed" "$d"
  done
fi

# status, cwd, heartbeat --json
tap_run "status --json" b --json swarm status
tap_like "$TAP_OUT" '^\{"schema":"bones.swarm.status/v1","data":\{"sessions":\[' "status schema"
for k in slot task_id agent_id host leaf_pid started_at last_renewed claim_epoch commits pid_alive worktree; do
  printf '%s' "$TAP_OUT" | grep -q "\"$k\":"; tap_check $? "status sessions carry $k"
done
tap_like "$TAP_OUT" "\"slot\":\"h\"[^}]*\"leaf_pid\":$$[^}]*\"pid_alive\":true" "slot h's agent is alive"
tap_run "cwd --json" b --json swarm cwd --slot h
tap_is "$TAP_OUT" "{\"schema\":\"bones.swarm.cwd/v1\",\"data\":{\"slot\":\"h\",\"worktree\":\"$(wt h)\"}}" "cwd shape"
tap_is "$(b swarm cwd --slot h)" "$(wt h)" "cwd prints the worktree"
tap_run_status 3 "cwd of an unknown slot exits 3" b swarm cwd --slot nope
before=$(b kv get bones-swarm-sessions h | sed 's/.*"last_renewed":"\([^"]*\)".*/\1/')
sleep 0.05
tap_run "heartbeat --json" b --json swarm heartbeat --slot h
tap_like "$TAP_OUT" '^\{"schema":"bones.swarm.heartbeat/v1","data":\{"session":\{.*"slot":"h"' "heartbeat shape"
after=$(printf '%s' "$TAP_OUT" | sed 's/.*"last_renewed":"\([^"]*\)".*/\1/')
[ "$after" != "$before" ] && [ "$(printf '%s\n' "$before" "$after" | sort | tail -n 1)" = "$after" ]; tap_check $? "heartbeat renews last_renewed ($before -> $after)"
tap_run_status 3 "heartbeat of an unknown slot exits 3" b swarm heartbeat --slot nope
linear; tap_check $? "in the end trunk is one straight line"
