# coord_race.sh: `bones coord` under contention, through the real CLI.
# Sourced by coord-<backend>.test after they set $SUB.
#  (a) 16 processes claim one path at the same instant: one wins;
#  (b) a barrier of 8 processes arriving at random delays releases every
#      waiter, none before the last arrival; round 2 does not return early;
#      a wait with a missing agent exits 124, not before its timeout
#      (how fast the release is, is a figure of `make bench`, run_coord.sh);
#  (c) 100 handoffs from 10 processes: 100 distinct ids, one accept;
#  (d) 1000 broadcasts from 10 processes, read with a cursor meanwhile:
#      each message seen exactly once, in id order.
# Every worker pid is waited for by pid (the test's server is a child too).
T=$TAP_TMPDIR
as() { _a=$1; shift; BONES_AGENT_ID=$_a "$BONES" --substrate="$SUB" "$@"; }
now_ns() { date +%s%N; }
# The only wall-clock bound: a release or a timeout that has not come
# SLACK seconds after it was due is a hang (the latency figures are in
# `make bench`, never a pass/fail here: a busy machine must not fail it).
SLACK=20

# (a) 16 claimers released together by a start file
pids=
p=0
while [ $p -lt 16 ]; do
  (
    while [ ! -e "$T/go" ]; do sleep 0.005; done
    as claimer-$p coord claim same/path --ttl 4s >/dev/null 2>"$T/claim.err.$p"
    echo $? > "$T/claim.rc.$p"
  ) &
  pids="$pids $!"
  p=$((p + 1))
done
sleep 0.3
touch "$T/go"
for pid in $pids; do wait "$pid"; done
won=$(grep -l '^0$' "$T"/claim.rc.* | sed 's/.*\.//')
tap_is "$(cat "$T"/claim.rc.* | grep -c '^0$')" "1" "(a) exactly one of 16 simultaneous claims wins"
tap_is "$(cat "$T"/claim.rc.* | grep -c '^4$')" "15" "(a) the 15 others exit 4"
tap_is "$(grep -l "held by claimer-$won " "$T"/claim.err.* | wc -l | tr -d ' ')" "15" "(a) each loser names the winner claimer-$won"
tap_is "$(as checker coord owner same/path)" "claimer-$won" "(a) owner agrees"
sleep 4.1
tap_run "(a) after the 4s TTL a new claimer wins" as latecomer coord claim same/path
tap_is "$(as checker coord owner same/path)" "latecomer" "(a) and owns it"

# (b) barrier: 8 processes, random delays, then round 2 with one late agent
N=8
agents=$(seq 0 $((N - 1)) | sed 's/^/b-/' | paste -sd, -)
pids=
p=0
while [ $p -lt $N ]; do
  (
    sleep "0.$(od -An -N1 -tu1 /dev/urandom | tr -d ' ' | awk '{printf "%03d", $1 * 2}')"
    now_ns > "$T/bar.start1.$p"
    as b-$p coord checkpoint bar >/dev/null || echo "checkpoint failed" >> "$T/bar.bad"
    now_ns > "$T/bar.arr1.$p"
    as b-$p coord wait bar --agents "$agents" --timeout 20s >/dev/null 2>>"$T/bar.bad" || echo "wait1 rc $?" >> "$T/bar.bad"
    now_ns > "$T/bar.done1.$p"
    [ $p -eq 0 ] && sleep 1 # b-0 is late for round 2
    now_ns > "$T/bar.start2.$p"
    as b-$p coord checkpoint bar >/dev/null || echo "checkpoint2 failed" >> "$T/bar.bad"
    now_ns > "$T/bar.arr2.$p"
    as b-$p coord wait bar --agents "$agents" --timeout 20s >/dev/null 2>>"$T/bar.bad" || echo "wait2 rc $?" >> "$T/bar.bad"
    now_ns > "$T/bar.done2.$p"
  ) &
  pids="$pids $!"
  p=$((p + 1))
done
for pid in $pids; do wait "$pid"; done
tap_is "$(cat "$T/bar.bad" 2>/dev/null)" "" "(b) every checkpoint and wait succeeded"
last1=$(cat "$T"/bar.arr1.* | sort -n | tail -1)
lat=$(cat "$T"/bar.done1.* | awk -v l="$last1" '{d = ($1 - l) / 1e6; if (d > m) m = d} END {printf "%d", m}')
tap_diag "round 1: slowest release $lat ms after the last arrival"
tap_check "$([ "$lat" -le $((SLACK * 1000)) ] && echo 0 || echo 1)" "(b) every wait returned after the last arrival, none hung ($lat ms, bound $SLACK s)"
first1=$(cat "$T"/bar.start1.* | sort -n | tail -1) # the last arrival began its checkpoint here
early=$(cat "$T"/bar.done1.* | awk -v l="$first1" '$1 < l' | wc -l | tr -d ' ')
tap_is "$early" "0" "(b) and none before it"
start2=$(cat "$T/bar.start2.0")
late2=$(cat "$T/bar.arr2.0")
early2=$(cat "$T"/bar.done2.* | awk -v l="$start2" '$1 < l' | wc -l | tr -d ' ')
tap_is "$early2" "0" "(b) round 2 (same NAME): no wait returned before the late agent arrived"
lat2=$(cat "$T"/bar.done2.* | awk -v l="$late2" '{d = ($1 - l) / 1e6; if (d > m) m = d} END {printf "%d", m}')
tap_diag "round 2: slowest release $lat2 ms after the last arrival"
tap_check "$([ "$lat2" -le $((SLACK * 1000)) ] && echo 0 || echo 1)" "(b) round 2: every wait returned, none hung ($lat2 ms, bound $SLACK s)"
t0=$(now_ns)
tap_run_status 124 "(b) wait --timeout 300ms with a missing agent exits 124" as b-1 coord wait bar --agents b-1,nobody --timeout 300ms
ms=$((($(now_ns) - t0) / 1000000))
tap_check "$([ $ms -ge 300 ] && [ $ms -le $((300 + SLACK * 1000)) ] && echo 0 || echo 1)" "(b) not before the 300 ms timeout, and no hang (took $ms ms)"

# (c) 100 handoffs to bob from 10 processes (and 10 to bob-2)
pids=
p=0
while [ $p -lt 10 ]; do
  (
    i=0
    while [ $i -lt 10 ]; do
      as sender-$p -q coord handoff --to bob --artifact "a$p-$i" --message "m $i" >> "$T/ho.$p" || echo "handoff failed" >> "$T/ho.bad"
      i=$((i + 1))
    done
    [ $p -eq 0 ] && as sender-0 -q coord handoff --to bob-2 --artifact x > "$T/ho.other"
  ) &
  pids="$pids $!"
  p=$((p + 1))
done
for pid in $pids; do wait "$pid"; done
tap_is "$(cat "$T"/ho.[0-9]* | sort -u | wc -l | tr -d ' ')" "100" "(c) 100 distinct handoff ids"
as bob -q coord handoffs > "$T/ho.listed"
tap_is "$(sort "$T/ho.listed")" "$(cat "$T"/ho.[0-9]* | sort)" "(c) bob lists exactly those 100, not bob-2's"
tap_is "$(sort -c "$T/ho.listed" 2>&1 && echo sorted)" "sorted" "(c) in id order"
id=$(head -1 "$T/ho.listed")
tap_run_status 6 "(c) another agent's accept is refused" as bob-2 coord accept "$id"
tap_run "(c) the addressee accepts" as bob coord accept "$id"
tap_run_status 6 "(c) a second accept exits 6" as bob coord accept "$id"
tap_is "$(as bob -q coord handoffs | wc -l | tr -d ' ')" "99" "(c) 99 left pending"

# (d) 1000 broadcasts from 10 writers, read meanwhile with a cursor
pids=
p=0
while [ $p -lt 10 ]; do
  (
    i=0
    while [ $i -lt 100 ]; do
      as w-$p -q coord broadcast news "w$p m$i" >/dev/null || echo "broadcast failed" >> "$T/bc.bad"
      i=$((i + 1))
    done
  ) &
  pids="$pids $!"
  p=$((p + 1))
done
cursor=
reads=0
: > "$T/bc.seen"
while :; do
  running=0
  for pid in $pids; do bones_alive "$pid" && running=1; done
  as reader -q coord broadcasts news ${cursor:+--after "$cursor"} > "$T/bc.batch" || echo "read failed" >> "$T/bc.bad"
  reads=$((reads + 1))
  cat "$T/bc.batch" >> "$T/bc.seen"
  [ -s "$T/bc.batch" ] && cursor=$(tail -1 "$T/bc.batch")
  [ $running -eq 1 ] || break
done
for pid in $pids; do wait "$pid"; done
tap_diag "(d) $reads cursor reads"
tap_is "$(cat "$T/bc.bad" 2>/dev/null)" "" "(d) every broadcast and read succeeded"
tap_check "$([ $reads -ge 3 ] && echo 0 || echo 1)" "(d) read in several --after calls while writing ($reads)"
tap_is "$(wc -l < "$T/bc.seen" | tr -d ' ')" "1000" "(d) the reader saw 1000 messages"
tap_is "$(sort -u "$T/bc.seen" | wc -l | tr -d ' ')" "1000" "(d) each exactly once"
tap_is "$(sort -c "$T/bc.seen" 2>&1 && echo sorted)" "sorted" "(d) in id order"
