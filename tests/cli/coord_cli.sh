# coord_cli.sh: `bones coord` through the real binary on one substrate.
# Sourced by coord-sqlite.test, coord-nats.test, coord-redis.test after they
# set $SUB (and $SRV_PID for a server the last checks may kill).
A() { BONES_AGENT_ID=agent-a "$BONES" --substrate="$SUB" "$@"; }
B() { BONES_AGENT_ID=agent-b "$BONES" --substrate="$SUB" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# claims are holds
tap_run "agent-a claims src/x.c" A coord claim src/x.c --reason editing --json
tap_like "$TAP_OUT" '"agent":"agent-a".*"reason":"editing"|"reason":"editing".*"agent":"agent-a"' "the claim names agent and reason"
tap_like "$(A kv list bones-holds --json)" 'src/x.c' "stored as a hold in bones-holds (swarm commit checks those)"
tap_run_status 4 "agent-b's claim exits 4" B coord claim ./src//x.c
tap_like "$TAP_OUT" "held by agent-a" "naming the holder (the path is normalised)"
tap_is "$(B coord owner src/x.c)" "agent-a" "owner prints the holder"
tap_run "claimed exits 0 for a claimed path" B coord claimed src/x.c
tap_run_status 1 "claimed exits 1 for a free path" B coord claimed src/free.c
tap_run_status 3 "owner of a free path exits 3" B coord owner src/free.c
tap_run_status 2 "a path escaping the workspace is refused" A coord claim ../etc/passwd
tap_run_status 2 "an absolute path is refused" A coord claim /etc/passwd
tap_run_status 2 "a bare-number --ttl is refused" A coord claim src/y.c --ttl 5
tap_run_status 4 "agent-b cannot release agent-a's claim" B coord release src/x.c
tap_like "$(A coord claims --json)" '"count":1' "claims lists the live claim"
tap_run "agent-a releases" A coord release src/x.c
tap_run_status 1 "and it is free" B coord claimed src/x.c
tap_run "releasing a free path is fine" A coord release src/x.c

# checkpoints: rounds
tap_is "$(A -q coord checkpoint phase)" "1" "first arrival is round 1"
tap_run "wait for agent-a alone returns" A coord wait phase --agents agent-a --timeout 20s
tap_run_status 124 "agent-b missing: exit 124" A coord wait phase --agents agent-a,agent-b --timeout 200ms
tap_like "$TAP_OUT" "agent-b \\(never\\)" "naming who is missing"
B coord checkpoint phase >/dev/null
tap_run "both arrived" A coord wait phase --agents agent-a,agent-b --timeout 20s
tap_is "$(A -q coord checkpoint phase)" "2" "arriving again is round 2"
tap_run_status 124 "round 2 is not satisfied by round 1" A coord wait phase --agents agent-a,agent-b --timeout 200ms
tap_like "$TAP_OUT" "agent-b \\(round 1\\)" "agent-b is at round 1"
tap_run "an observer waits for the highest round (2): not done yet" \
  sh -c "BONES_AGENT_ID=obs '$BONES' --substrate='$SUB' coord wait phase --agents agent-a,agent-b --timeout 200ms; [ \$? -eq 124 ]"
tap_run "--round 1 is done" env BONES_AGENT_ID=obs "$BONES" --substrate="$SUB" coord wait phase --agents agent-a,agent-b --round 1 --timeout 20s
tap_like "$(env BONES_AGENT_ID=obs "$BONES" --substrate="$SUB" --json coord wait phase --agents agent-a --timeout 20s)" '"round":2' "--json reports the round"
# a wait on a signal ends cleanly ($! must be bones itself, not a subshell)
BONES_AGENT_ID=agent-a "$BONES" --substrate="$SUB" coord wait phase --agents nobody --timeout 30s 2>"$TAP_TMPDIR/sig.err" &
wpid=$!
sleep 1
t0=$(now_ms)
kill -TERM $wpid
wait $wpid
st=$?
tap_is "$st" "143" "SIGTERM ends a wait with 143"
tap_check "$([ $(($(now_ms) - t0)) -lt 10000 ] && echo 0 || echo 1)" "promptly (long before its 30 s timeout)"
tap_like "$(cat "$TAP_TMPDIR/sig.err")" "interrupted" "saying so"

# names: '/', '..', empty, over 64 characters
long=$(printf 'n%.0s' $(seq 1 65))
for bad in a/b .. x..y "" "$long"; do
  tap_run_status 2 "checkpoint name '$(echo "$bad" | cut -c1-10)' is refused" A coord checkpoint "$bad"
  tap_run_status 2 "wait name '$(echo "$bad" | cut -c1-10)' is refused" A coord wait "$bad" --agents agent-a
  tap_run_status 2 "channel '$(echo "$bad" | cut -c1-10)' is refused" A coord broadcast "$bad" hi
  tap_run_status 2 "reading channel '$(echo "$bad" | cut -c1-10)' is refused" A coord broadcasts "$bad"
done
tap_run_status 2 "a bad agent in --agents is refused" A coord wait phase --agents agent-a,x/y
tap_run_status 2 "a bad addressee is refused" A coord handoff --to ../b --artifact f

# handoffs
tap_run "handoff to bob" A -q coord handoff --to bob --artifact build.tar --message "ready"
h1=$TAP_OUT
h2=$(A -q coord handoff --to bob-2 --artifact other)
tap_is "$(BONES_AGENT_ID=bob "$BONES" --substrate="$SUB" -q coord handoffs)" "$h1" "bob sees only his own (not bob-2's)"
tap_is "$(A -q coord handoffs --to bob-2)" "$h2" "--to lists another addressee"
tap_run_status 6 "agent-a (not the addressee) cannot accept" A coord accept "$h1"
tap_run_status 3 "an unknown id exits 3" env BONES_AGENT_ID=bob "$BONES" --substrate="$SUB" coord accept 0000000000zzzzzzzz
tap_run_status 3 "a malformed id exits 3" env BONES_AGENT_ID=bob "$BONES" --substrate="$SUB" coord accept nope
tap_run "bob accepts" env BONES_AGENT_ID=bob "$BONES" --substrate="$SUB" coord accept "$h1" --json
tap_like "$TAP_OUT" '"state":"accepted"' "state accepted"
tap_run_status 6 "accepting twice exits 6" env BONES_AGENT_ID=bob "$BONES" --substrate="$SUB" coord accept "$h1"
tap_is "$(BONES_AGENT_ID=bob "$BONES" --substrate="$SUB" -q coord handoffs --all)" "$h1" "--all shows accepted ones"

# broadcasts: ids, cursor, limit
for m in one two three; do A -q coord broadcast status "$m" >> "$TAP_TMPDIR/bids"; done
tap_like "$(head -1 "$TAP_TMPDIR/bids")" '^[0-9]{16}$' "ids are 16 digits"
first=$(head -1 "$TAP_TMPDIR/bids")
tap_is "$(B -q coord broadcasts status | tr '\n' ' ')" "$(tr '\n' ' ' < "$TAP_TMPDIR/bids")" "read back in order"
tap_is "$(B -q coord broadcasts status --after "$first" --limit 1)" "$(sed -n 2p "$TAP_TMPDIR/bids")" "--after + --limit"
tap_like "$(B --json coord broadcasts status --after "$first")" '"count":2.*"next":"'"$(tail -1 "$TAP_TMPDIR/bids")"'"' "--json gives the next cursor"
tap_run_status 2 "a malformed --after is refused" B coord broadcasts status --after xyz
(sleep 0.4; A coord broadcast status four >/dev/null) &
fpid=$!
tap_run "--follow --timeout prints new messages" B -q coord broadcasts status --after "$(tail -1 "$TAP_TMPDIR/bids")" --follow --timeout 4s
wait $fpid
tap_is "$(echo "$TAP_OUT" | wc -l | tr -d ' ')" "1" "the one sent while following"

# agent identity
tap_like "$(A coord agent-id)" "agent-a \\(from .BONES_AGENT_ID\\)" "agent-id says where the id came from"
tap_like "$(A --json coord agent-id)" '"agent":"agent-a","source":"env"' "agent-id --json"
tap_run_status 2 "an invalid \$BONES_AGENT_ID is refused" env BONES_AGENT_ID=a/b "$BONES" --substrate="$SUB" coord agent-id

# the substrate dies during a wait: exit 5, not 124, not a hang
if [ -n "${SRV_PID:-}" ]; then
  BONES_AGENT_ID=agent-a "$BONES" --substrate="$SUB" coord wait phase --agents nobody --timeout 60s >/dev/null 2>"$TAP_TMPDIR/down.err" &
  wpid=$!
  sleep 0.5
  bones_stop_server "$SRV_PID"
  t0=$(now_ms)
  wait $wpid
  st=$?
  tap_is "$st" "5" "the substrate going away during a wait exits 5"
  tap_check "$([ $(($(now_ms) - t0)) -lt 30000 ] && echo 0 || echo 1)" "long before its 60 s timeout ($(($(now_ms) - t0)) ms)"
fi
