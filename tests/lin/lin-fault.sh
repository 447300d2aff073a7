# lin-fault.sh: a linearizability run under faults (docs/linearizability.md,
# "Faults"), sourced by tests/lin/lin-fault-{sqlite,nats,redis}.test after
# they set $SUB and, for a server, the functions server_kill (kill -9),
# server_restart (on the same store and port), server_pid.
# Announcing API clients (lin_client --announce) and one CLI client run
# while a nemesis kills -9 two clients (each replaced
# by a new one) and, with a server, kills -9 the server and restarts it on
# the same store, then hangs it (SIGSTOP) past the client timeout and
# resumes it; 3 s later ($BONES_LIN_FAULT_TAIL) it ends the run (a stop
# file).  After the run a reader reads every key.  The merged history
# (killed clients' last operations unknown) must be linearizable: an
# acknowledged write lost by a crash shows as a later read of an older
# value.  The control: the same history with one stale read is rejected.
LIN=$BONES_TEST_SRCDIR/tests/lin
CLIENT=$BONES_TEST_BUILDDIR/tests/lin/lin_client
keys=${BONES_LIN_KEYS:-2}; cli_ops=${BONES_LIN_CLI_OPS:-25}
ms=120000 # a cap: the nemesis ends the run (the stop file)
pause=${BONES_LIN_PAUSE_MS:-15} # between a client's operations: ~3000 operations in a default run
bucket=linf$$
H=$TAP_TMPDIR/hist
mkdir -p "$H"
mono_ns() { python3 -c 'import time; print(time.monotonic_ns())'; }
nap() { python3 -c "import time; time.sleep($1)"; }
api() { # api ID SEED MS: one announcing client in the background ($! its pid)
  "$CLIENT" --substrate "$SUB" --bucket "$bucket" --client "$1" --keys "$keys" --duration-ms "$3" --seed "$2" \
    --pause-ms "$pause" --stop-file "$H/stop" --announce >"$H/$1.jsonl" 2>"$H/$1.err" &
}
t_start=$(mono_ns)
pids=""
for i in 0 1 2 3; do api "api$i" $((i + 1)) "$ms"; eval "pid_api$i=$!"; pids="$pids $!"; done
python3 "$LIN/cli_client.py" "$BONES" "$SUB" "$bucket" cli0 "$keys" "$cli_ops" 100 >"$H/cli0.jsonl" 2>"$H/cli0.err" &
cli_pid=$!
faults=0 kills=0 restart_ns=0 resume_ns=0
# kill -9 two clients mid-run; a new client takes the place of each
nap 1.5
kill -9 "$pid_api0" 2>/dev/null && kills=$((kills + 1))
api api0b 11 "$ms"; pids="$pids $!"
nap 1
kill -9 "$pid_api1" 2>/dev/null && kills=$((kills + 1))
api api1b 12 "$ms"; pids="$pids $!"
if [ -n "$SERVER" ]; then
  nap 1
  server_kill && faults=$((faults + 1))
  nap 0.7
  server_restart || tap_bail "cannot restart the $SERVER server on its store"
  restart_ns=$(mono_ns)
  nap 1.5
  kill -STOP "$(server_pid)" && faults=$((faults + 1))
  nap 2.5 # past the clients' 2 s request timeout
  kill -CONT "$(server_pid)"
  resume_ns=$(mono_ns)
fi
nap "${BONES_LIN_FAULT_TAIL:-3}" # the clients go on after the last fault
touch "$H/stop"
for p in $pids; do wait "$p" 2>/dev/null; done
wait $cli_pid
tap_is "$?" 0 "the CLI client ran to the end" "$(head -3 "$H/cli0.err")"
[ "$kills" -eq 2 ]; tap_check $? "$kills clients were killed -9 mid-run${SERVER:+, the $SERVER server killed -9 and restarted on its store, then hung (SIGSTOP) and resumed}"
# after everything: read every key (a lost acknowledged write shows here)
"$CLIENT" --substrate "$SUB" --bucket "$bucket" --client final --keys "$keys" --ops $((keys * 4)) --seed 7 \
  --reads-only --announce >"$H/final.jsonl" 2>"$H/final.err"
tap_is "$?" 0 "a reader reads every key after the run" "$(head -3 "$H/final.err")"
tap_run "the histories merge (killed clients' last operations: unknown)" python3 "$LIN/lin_fixup.py" "$H/all.jsonl" "$H"/api*.jsonl "$H/cli0.jsonl" "$H/final.jsonl"
tap_diag "$TAP_OUT"
count() { grep -c "\"r\": *\"$1\"" "$H/all.jsonl"; }
after() { # ok operations that started after ns $1
  python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if (lambda o: o["r"] == "ok" and o["t0"] > int(sys.argv[2]))(json.loads(l))))' "$H/all.jsonl" "$1"
}
[ "$(count ok)" -gt 0 ] && [ "$(count conflict)" -gt 0 ] && [ "$(count exists)" -gt 0 ]
tap_check $? "the clients contended: $(count ok) ok, $(count conflict) conflicts, $(count exists) exists, $(count notfound) notfound, $(count unknown) unknown"
if [ -n "$SERVER" ]; then
  [ "$(count unknown)" -gt 0 ]; tap_check $? "the faults were felt: $(count unknown) operations with an unknown outcome"
  n=$(after "$resume_ns")
  [ "$n" -gt 10 ]; tap_check $? "the clients worked again after the restart and the hang ($n ok operations after the resume)"
fi
tap_run "the history is linearizable under the faults (lincheck.py)" python3 "$LIN/lincheck.py" check "$H/all.jsonl"
tap_diag "$(printf '%s\n' "$TAP_OUT" | tail -n 1)"
python3 "$LIN/lincheck.py" make-stale "$H/all.jsonl" "$H/stale.jsonl"
if [ $? -eq 0 ]; then
  tap_run_status 1 "the same history with one stale read is rejected" python3 "$LIN/lincheck.py" check "$H/stale.jsonl"
else
  tap_skip "no read followed a completed overwrite in this run" "the same history with one stale read is rejected"
fi
tap_diag "figures: $(wc -l < "$H/all.jsonl") operations checked, $((faults + kills)) faults injected ($kills client kills, $faults server faults), $(( ($(mono_ns) - t_start) / 1000000 )) ms"
