# claims.sh: exactly-once claims under contention, through the real CLI.
# Sourced by claims-<backend>.test after they set $SUB.
#  (a) 64 processes run `bones tasks claim` against 200 ready tasks (each
#      task is tried by 8 agents, in a random order per agent);
#  (b) 32 processes loop `tasks ready --limit 1` + `claim` until nothing
#      is ready (all of them fight over the same task each round).
# The store is the judge: every task claimed exactly once, by the agent
# that reported winning it, and no other failure than "claimed by another".
NT=${BONES_RACE_TASKS:-200}
NP=${BONES_RACE_PROCS:-64}
bones() { BONES_AGENT_ID=checker "$BONES" --substrate="$SUB" "$@"; }
ids="$TAP_TMPDIR/ids"
: > "$ids"
i=0; while [ $i -lt "$NT" ]; do BONES_AGENT_ID=maker bones -q tasks create "race task $i" >> "$ids" || tap_bail "create failed"; i=$((i + 1)); done
tap_is "$(wc -l < "$ids" | tr -d ' ')" "$NT" "$NT tasks created"

# agent i tries the tasks on lines j with j % 8 == i % 8, shuffled
pids=
lpids=
p=0
while [ $p -lt "$NP" ]; do
  (
    agent=racer-$p
    awk -v r=$((p % 8)) 'NR % 8 == r' "$ids" | shuf > "$TAP_TMPDIR/try.$p"
    : > "$TAP_TMPDIR/won.$p"; : > "$TAP_TMPDIR/bad.$p"
    while read -r id; do
      BONES_AGENT_ID=$agent "$BONES" --substrate="$SUB" tasks claim "$id" >/dev/null 2>"$TAP_TMPDIR/err.$p"
      rc=$?
      if [ $rc -eq 0 ]; then echo "$id $agent" >> "$TAP_TMPDIR/won.$p"
      elif [ $rc -ne 4 ]; then echo "$id exit $rc: $(cat "$TAP_TMPDIR/err.$p")" >> "$TAP_TMPDIR/bad.$p"; fi
    done < "$TAP_TMPDIR/try.$p"
  ) &
  pids="$pids $!"
  p=$((p + 1))
done
for pid in $pids; do wait "$pid"; done # not a bare wait: the test's server is a child too
cat "$TAP_TMPDIR"/won.* | sort > "$TAP_TMPDIR/won"
cat "$TAP_TMPDIR"/bad.* > "$TAP_TMPDIR/bad"
tap_is "$(wc -l < "$TAP_TMPDIR/bad" | tr -d ' ')" "0" "(a) every failed claim was 'claimed by another' (exit 4)"
[ -s "$TAP_TMPDIR/bad" ] && tap_diag "$(head -5 "$TAP_TMPDIR/bad")"
tap_is "$(wc -l < "$TAP_TMPDIR/won" | tr -d ' ')" "$NT" "(a) $NT claims reported as won"
tap_is "$(cut -d' ' -f1 "$TAP_TMPDIR/won" | sort -u | wc -l | tr -d ' ')" "$NT" "(a) no task won twice"
bones tasks list --json | python3 -c '
import json, sys
for t in json.load(sys.stdin)["data"]["tasks"]:
    print(t["id"], t["claimed_by"] or "-", t["status"], t["claim_epoch"])' | sort > "$TAP_TMPDIR/store"
tap_is "$(awk '{print $1, $2}' "$TAP_TMPDIR/store")" "$(cat "$TAP_TMPDIR/won")" "(a) the store agrees with every winner's report"
tap_is "$(awk '$3 != "claimed" || $4 != 1' "$TAP_TMPDIR/store" | wc -l | tr -d ' ')" "0" "(a) every task is claimed, at epoch 1"

# (b) ready --limit 1 + claim loops until the backlog is empty
NB=${BONES_RACE_BACKLOG:-60}
NQ=${BONES_RACE_LOOPERS:-32}
sub2="$SUB" # the (a) tasks are all claimed: only the new ones are ready
: > "$TAP_TMPDIR/ids2"
i=0; while [ $i -lt "$NB" ]; do BONES_AGENT_ID=maker "$BONES" --substrate="$sub2" -q tasks create "loop task $i" >> "$TAP_TMPDIR/ids2"; i=$((i + 1)); done
p=0
while [ $p -lt "$NQ" ]; do
  (
    agent=looper-$p
    : > "$TAP_TMPDIR/lwon.$p"; : > "$TAP_TMPDIR/lbad.$p"
    rounds=0
    while [ $rounds -lt $((NB * 4)) ]; do
      rounds=$((rounds + 1))
      id=$(BONES_AGENT_ID=$agent "$BONES" --substrate="$sub2" -q tasks ready --limit 1)
      [ -n "$id" ] || break
      BONES_AGENT_ID=$agent "$BONES" --substrate="$sub2" tasks claim "$id" >/dev/null 2>&1
      rc=$?
      if [ $rc -eq 0 ]; then echo "$id $agent" >> "$TAP_TMPDIR/lwon.$p"
      elif [ $rc -ne 4 ]; then echo "$id exit $rc" >> "$TAP_TMPDIR/lbad.$p"; fi
    done
  ) &
  lpids="$lpids $!"
  p=$((p + 1))
done
for pid in $lpids; do wait "$pid"; done
cat "$TAP_TMPDIR"/lwon.* | sort > "$TAP_TMPDIR/lwon"
tap_is "$(cat "$TAP_TMPDIR"/lbad.* | wc -l | tr -d ' ')" "0" "(b) no failure but 'claimed by another'"
tap_is "$(wc -l < "$TAP_TMPDIR/lwon" | tr -d ' ')" "$NB" "(b) $NB claims won"
tap_is "$(cut -d' ' -f1 "$TAP_TMPDIR/lwon" | sort -u | wc -l | tr -d ' ')" "$NB" "(b) no duplicates"
left=$(BONES_AGENT_ID=checker "$BONES" --substrate="$sub2" tasks ready --json | sed 's/.*"count":\([0-9]*\).*/\1/')
tap_is "$left" "0" "(b) no task left unclaimed"
