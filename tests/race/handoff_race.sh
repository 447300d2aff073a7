# handoff_race.sh: a claim handoff raced three ways through the real CLI
# (issue 18).  Sourced by handoff-<backend>.test after they set $SUB.
# Each round: slot sN claims a task (swarm join) and edits its file, offers
# the claim to two agents (two handoffs), then both accept at one instant
# while the slot commits (the accepts 0 to 600 ms after the commit starts,
# by round).  The task record must show exactly one outcome:
# one accept wins (the other exits 6, its offer void), the claim epoch
# moved once, the holds followed the winner; and the task's event history,
# ordered by revision, never shows two owners: no write by the slot after
# the handoff, none by the winner before it.
[ -n "$FOSSIL" ] || tap_skip_backend fossil "fossil not found"
ROUNDS=${BONES_HANDOFF_ROUNDS:-6}
export BONES_HOME="$TAP_TMPDIR/home"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
unset BONES_AGENT_ID
w=$TAP_TMPDIR/w
T=$TAP_TMPDIR/out
mkdir -p "$w" "$T" && (cd "$w" && git init -q && echo seed > seed.txt && git add . && git commit -qm init) ||
  tap_bail "git setup failed"
b() { "$BONES" -C "$w" "$@"; }
as() { _a=$1; shift; BONES_AGENT_ID=$_a "$BONES" -C "$w" "$@"; }
tap_at_exit "\"$BONES\" -C '$w' hub stop --force >/dev/null 2>&1"
b up --substrate="$SUB" >/dev/null && b hub start --detach >/dev/null || tap_bail "bones up / hub start failed"

r=0
while [ $r -lt "$ROUNDS" ]; do
  o=$T/$r
  task=$(b -q tasks create "round $r" --files "f$r.txt") || tap_bail "create"
  wt=$(b -q swarm join --slot "s$r" --task "$task" --pid $$) || tap_bail "join"
  echo "round $r" > "$wt/f$r.txt"
  h1=$(as "slot-s$r" -q coord handoff --task "$task" --to "bob$r") && h2=$(as "slot-s$r" -q coord handoff --task "$task" --to "carol$r") ||
    tap_bail "handoff"
  rm -f "$T/go"
  # the accepts start later each round (0 ms to 1 s after the commit), so
  # some commits land before the transfer and some meet it
  lag=$(echo "0 0 0.05 0.1 0.2 0.6" | cut -d' ' -f$((r % 6 + 1)))
  ( while [ ! -e "$T/go" ]; do sleep 0.002; done; sleep "$lag"; as "bob$r" --json coord accept "$h1" >"$o.bob" 2>&1; echo $? >"$o.bob.rc" ) &
  p1=$!
  ( while [ ! -e "$T/go" ]; do sleep 0.002; done; sleep "$lag"; as "carol$r" --json coord accept "$h2" >"$o.carol" 2>&1; echo $? >"$o.carol.rc" ) &
  p2=$!
  ( while [ ! -e "$T/go" ]; do sleep 0.002; done; b swarm commit --slot "s$r" -m "round $r" >"$o.commit" 2>&1; echo $? >"$o.commit.rc" ) &
  p3=$!
  sleep 0.2
  touch "$T/go"
  wait $p1; wait $p2; wait $p3
  b --json tasks show "$task" >"$o.task" || tap_bail "tasks show"
  b --json tasks history "$task" >"$o.history" || tap_bail "tasks history"
  b --json coord claims >"$o.claims" || tap_bail "coord claims"
  as "bob$r" --json coord handoffs --all >"$o.h1" && as "carol$r" --json coord handoffs --all >"$o.h2" || tap_bail "handoffs"
  echo "$task" > "$o.id"
  HOME=$TAP_TMPDIR "$FOSSIL" sql -R "$w/.bones/hub.fossil" \
    "SELECT count(*) FROM event WHERE type='ci' AND comment='round $r'" >"$o.landed" 2>&1 || echo "? $(cat "$o.landed")" >"$o.landed"
  r=$((r + 1))
done

python3 - "$T" "$ROUNDS" > "$T/verdict" <<'PY'
import json, sys
T, rounds = sys.argv[1], int(sys.argv[2])
def load(p): return json.load(open(p))["data"]
one_winner = epochs = holds = offers = history = 0
commits = {}
landed_ok = 0
problems = []
for r in range(rounds):
    rc = {who: open(f"{T}/{r}.{who}.rc").read().strip() for who in ("bob", "carol", "commit")}
    winners = [who for who in ("bob", "carol") if rc[who] == "0"]
    losers = [who for who in ("bob", "carol") if rc[who] == "6"]
    task = load(f"{T}/{r}.task")["task"]
    if len(winners) == 1 and len(losers) == 1: one_winner += 1
    else: problems.append(f"round {r}: accepts exited {rc['bob']}/{rc['carol']}")
    winner = f"{winners[0]}{r}" if len(winners) == 1 else None
    if task["claimed_by"] == winner and task["claim_epoch"] == 2 and task["previous_claimer"] == f"slot-s{r}": epochs += 1
    else: problems.append(f"round {r}: task {task['claimed_by']} epoch {task['claim_epoch']}")
    owners = [c["agent"] for c in load(f"{T}/{r}.claims")["claims"] if c["path"] == f"f{r}.txt"]
    if owners == [winner]: holds += 1
    else: problems.append(f"round {r}: hold of f{r}.txt: {owners}")
    states = sorted(h["state"] for f in ("h1", "h2") for h in load(f"{T}/{r}.{f}")["handoffs"])
    if states == ["accepted", "void"]: offers += 1
    else: problems.append(f"round {r}: offers {states}")
    commits[rc["commit"]] = commits.get(rc["commit"], 0) + 1
    landed = open(f"{T}/{r}.landed").read().strip()
    if (rc["commit"] == "0" and landed == "1") or (rc["commit"] in ("4", "6") and landed == "0"): landed_ok += 1
    else: problems.append(f"round {r}: commit exit {rc['commit']}, check-ins on the hub: {landed}")
    # the history, by revision: who may write when
    owner, bad = None, []
    for e in sorted(load(f"{T}/{r}.history")["events"], key=lambda e: e["rev"]):
        k, a = e["kind"], e["agent"]
        if k == "claimed": owner = a
        elif k == "handoff":
            if owner != f"slot-s{r}": bad.append(f"handoff while {owner} owned")
            owner = a
        elif k in ("renewed", "released", "closed") and a != owner: bad.append(f"{k} by {a} while {owner} owned")
    if not bad and owner == winner and sum(e["kind"] == "handoff" for e in load(f"{T}/{r}.history")["events"]) == 1: history += 1
    else: problems.append(f"round {r}: history {bad} final owner {owner}")
print(one_winner, epochs, holds, offers, history, landed_ok)
print("commits: %d landed before the transfer, %d refused as stale (6), %d refused on the moved hold (4), %d other" %
      (commits.get("0", 0), commits.get("6", 0), commits.get("4", 0),
       rounds - commits.get("0", 0) - commits.get("6", 0) - commits.get("4", 0)))
for p in problems: print(p)
PY
verdict=$(head -n 1 "$T/verdict")
n=$ROUNDS
set -- $verdict
tap_is "$1" "$n" "$n rounds: exactly one of the two racing accepts wins, the other exits 6"
tap_is "$2" "$n" "the task is the winner's at epoch 2, previous_claimer the slot"
tap_is "$3" "$n" "the file's hold moved to the winner"
tap_is "$4" "$n" "the winning offer is accepted, the other void"
tap_is "$5" "$n" "the event history never shows two owners (one handoff event; no write by the slot after it)"
other=$(sed -n 2p "$T/verdict")
tap_like "$other" " 0 other$" "the slot's commit either landed before the transfer or was refused (stale claim: 6, the moved hold: 4)"
tap_is "$6" "$n" "a commit that exited 0 is on the hub, a refused one is not"
tap_diag "$other"
sed -n '3,$p' "$T/verdict" | while read -r line; do tap_diag "$line"; done
# after the race every round's slot is stale: its next commit is refused
echo "later" >> "$w/.bones/swarm/s0/wt/f0.txt"
tap_run_status 6 "the old claimant's later commit is refused as stale (exit 6)" b swarm commit --slot s0 -m "too late"
tap_like "$TAP_OUT" "taken over by (bob|carol)0 \(claim epoch 2; this slot's was 1\)" "naming who has the claim now"
