# server-down.sh: body of nats-down.test / redis-down.test.  Needs KIND
# (nats|redis).  A server killed mid-run: the next `bones kv` exits 5
# (bounded by the 2 s timeout; the test only asserts no hang: 30 s)
# naming the server; restarted on the same port and data dir,
# everything written before the kill is still there.
start() { if [ "$KIND" = nats ]; then bones_start_nats "$TAP_TMPDIR" ${1:+"$1"}; else bones_start_redis "$TAP_TMPDIR" ${1:+"$1"}; fi; }
url() { if [ "$KIND" = nats ]; then echo "$BONES_NATS_URL"; else echo "$BONES_REDIS_URL"; fi; }
pid() { if [ "$KIND" = nats ]; then echo "$BONES_NATS_PID"; else echo "$BONES_REDIS_PID"; fi; }
port() { if [ "$KIND" = nats ]; then echo "$BONES_NATS_PORT"; else echo "$BONES_REDIS_PORT"; fi; }

start || tap_bail "cannot start $KIND"
SUB=$(url); PORT=$(port)
tap_at_exit "bones_stop_server \$(pid)"
for i in 1 2 3 4 5; do "$BONES" -q --substrate="$SUB" kv put durable "k$i" "value-$i" >/dev/null; done
tap_is "$("$BONES" --substrate="$SUB" kv get durable k5)" "value-5" "written before the kill"

# a hung server (stopped, so the kernel still accepts connections): bounded
kill -STOP "$(pid)"
t0=$(date +%s%N)
tap_run_status 5 "kv get against a hung server exits 5" "$BONES" --substrate="$SUB" kv get durable k1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 30000 ]; tap_check $? "it gave up, no hang (took ${ms} ms, bound 30 s)"
kill -CONT "$(pid)"
tap_is "$("$BONES" --substrate="$SUB" kv get durable k2)" "value-2" "the resumed server answers again"

kill -KILL "$(pid)"; wait "$(pid)" 2>/dev/null
t0=$(date +%s%N)
tap_run_status 5 "kv get with the server dead exits 5" "$BONES" --substrate="$SUB" kv get durable k1
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -lt 30000 ]; tap_check $? "it gave up, no hang (took ${ms} ms, bound 30 s)"
tap_like "$TAP_OUT" "127.0.0.1:$PORT" "the message names the server"
tap_run_status 5 "kv put with the server dead exits 5" "$BONES" --substrate="$SUB" kv put durable k6 v
tap_run_status 5 "--json says unavailable" "$BONES" --json --substrate="$SUB" kv get durable k1
tap_like "$TAP_OUT" '"code":"unavailable"' "error envelope with code unavailable"

start "$PORT" || tap_bail "cannot restart $KIND on port $PORT"
tap_at_exit "bones_stop_server \$(pid)"
all=""
for i in 1 2 3 4 5; do all="$all$("$BONES" --substrate="$SUB" kv get durable "k$i") "; done
tap_is "$all" "value-1 value-2 value-3 value-4 value-5 " "after a restart every acknowledged write is there"
tap_run_status 3 "the write refused while down did not land" "$BONES" --substrate="$SUB" kv get durable k6
tap_run "writes work again" "$BONES" --substrate="$SUB" kv put durable k7 v
