# lin.sh: one linearizability run (docs/linearizability.md), sourced by
# tests/lin/lin-{sqlite,nats,redis}.test after they set $SUB: concurrent
# clients -- $BONES_LIN_CLIENTS processes on the public API (lin_client),
# $BONES_LIN_CLI processes on the real `bones kv` program (cli_client.py) --
# run random operations on $BONES_LIN_KEYS keys of one bucket; lincheck.py
# checks the merged history.  A copy of the history with one read made
# stale must be rejected, so the check cannot pass by accepting anything.
LIN=$BONES_TEST_SRCDIR/tests/lin
clients=${BONES_LIN_CLIENTS:-4}; cli=${BONES_LIN_CLI:-2}; keys=${BONES_LIN_KEYS:-2}
ops=${BONES_LIN_OPS:-150}; cli_ops=${BONES_LIN_CLI_OPS:-30}
bucket=lin$$
H=$TAP_TMPDIR/hist
mkdir -p "$H"
pids=""
i=0
while [ $i -lt "$clients" ]; do
  "$BONES_TEST_BUILDDIR/tests/lin/lin_client" --substrate "$SUB" --bucket "$bucket" --client "api$i" --keys "$keys" \
    --ops "$ops" --seed $((i + 1)) >"$H/api$i.jsonl" 2>"$H/api$i.err" &
  pids="$pids $!"
  i=$((i + 1))
done
i=0
while [ $i -lt "$cli" ]; do
  python3 "$LIN/cli_client.py" "$BONES" "$SUB" "$bucket" "cli$i" "$keys" "$cli_ops" $((i + 100)) \
    >"$H/cli$i.jsonl" 2>"$H/cli$i.err" &
  pids="$pids $!"
  i=$((i + 1))
done
bad=0
for p in $pids; do wait "$p" || bad=$((bad + 1)); done
tap_is "$bad" 0 "$clients API clients and $cli CLI clients ran to the end" "$(cat "$H"/*.err | head -5)"
n=$(cat "$H"/*.jsonl | wc -l | tr -d ' ')
tap_is "$n" $((clients * ops + cli * cli_ops)) "every operation is in the history"
count() { grep -c "\"r\":\"$1\"" "$H/all.jsonl"; }
cat "$H"/*.jsonl >"$H/all.jsonl"
[ "$(count conflict)" -gt 0 ] && [ "$(count exists)" -gt 0 ] && [ "$(grep -c '"f":"update".*"r":"ok"' "$H/all.jsonl")" -gt 0 ]
tap_check $? "the clients contended: $(count ok) ok, $(count conflict) conflicts, $(count exists) exists, $(count notfound) notfound, $(count unknown) unknown"
tap_run "the history is linearizable (lincheck.py)" python3 "$LIN/lincheck.py" check "$H/all.jsonl"
tap_diag "$(printf '%s\n' "$TAP_OUT" | tail -n 1)"
# the control: make the last successful read that follows a completed write
# of another value return a value older than that write
python3 "$LIN/lincheck.py" make-stale "$H/all.jsonl" "$H/stale.jsonl"
rc=$?
if [ $rc -eq 0 ]; then
  tap_run_status 1 "the same history with one stale read is rejected" python3 "$LIN/lincheck.py" check "$H/stale.jsonl"
else
  tap_skip "no read followed a completed overwrite in this run" "the same history with one stale read is rejected"
fi
