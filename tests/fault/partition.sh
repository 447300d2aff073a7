# partition.sh: body of partition-nats.test / partition-redis.test (needs
# KIND=nats|redis).  The substrate server runs in a private network
# namespace reached through a veth pair; the workspace, its fossil hub and
# every bones verb stay in the root namespace.  Mid-run the namespace's end
# of the link goes down (static ARP entries on both ends, so packets simply
# vanish: no reset, no "host unreachable"), then comes back:
#  - during the cut every verb exits 5 within the timeout (2 s) + slack,
#    also a `tasks watch` that held its connection from before the cut;
#  - after the heal verbs work again; no task is lost or doubled; a claim
#    made before the cut is held by its claimant with the same epoch; a
#    claim tried during the cut never gives a task two owners; a lease that
#    expired during the cut is renewed by its holder and not taken over
#    while the holder is present; a swarm commit refused during the cut
#    lands once after the heal, trunk linear;
#  - a second cut while a commit holds the trunk lease: the commit lands
#    (exit 0, the hub is local) or fails with 5; the lease it could not
#    release stays (expiring at most 60 s after it was taken) until the
#    next commit on this host takes it over, its committer having ended;
#    then trunk is linear with every commit once.
# Root only (skips otherwise).  docs/partitions.md has the figures.
[ "$(id -u)" = 0 ] || tap_skip_all "not root: a partition needs ip netns and veth"
command -v ip >/dev/null 2>&1 || tap_skip_all "ip (iproute2) not found"
[ -n "$FOSSIL" ] || tap_skip_backend fossil "fossil not found"
tap_tmpdir
now_ms() { echo $(($(date +%s%N) / 1000000)); }
BOUND_MS=2000 # the documented timeout (BONES_KV_DEFAULT_TIMEOUT_MS)
SLACK_MS=${BONES_PARTITION_SLACK_MS:-2500} # process start and a loaded CI host

# --- the namespace, the veth pair and a free 10.213.X.0/30 ----------------
tag=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NS=bones-part-$tag VR=bpr$tag VN=bpn$tag
ip netns add "$NS" 2>/dev/null || tap_skip_all "ip netns add does not work here"
tap_at_exit "ip netns delete '$NS' 2>/dev/null"
ip link add "$VR" type veth peer name "$VN" 2>/dev/null || tap_skip_all "cannot make a veth pair"
tap_at_exit "ip link delete '$VR' 2>/dev/null"
ip link set "$VN" netns "$NS" || tap_bail "cannot move $VN into $NS"
i=0 NET=
while [ $i -lt 20 ] && [ -z "$NET" ]; do
  i=$((i + 1))
  o=$(($(od -An -N1 -tu1 /dev/urandom | tr -d ' ')))
  ip -o -4 addr show | grep -q " 10\.213\.$o\." || ip -4 route show | grep -q "^10\.213\.$o\." || NET=10.213.$o
done
[ -n "$NET" ] || tap_bail "no free 10.213.X.0/30 subnet"
IPR=$NET.1 IPN=$NET.2
nsx() { ip netns exec "$NS" "$@"; }
ip addr add "$IPR/30" dev "$VR" && ip link set "$VR" up && nsx ip link set lo up &&
  nsx ip addr add "$IPN/30" dev "$VN" && nsx ip link set "$VN" up || tap_bail "cannot set up the veth pair"
# static neighbours: a cut drops packets instead of failing ARP (EHOSTUNREACH)
mac_r=$(cat "/sys/class/net/$VR/address") mac_n=$(nsx cat "/sys/class/net/$VN/address")
ip neigh replace "$IPN" lladdr "$mac_n" dev "$VR" nud permanent &&
  nsx ip neigh replace "$IPR" lladdr "$mac_r" dev "$VN" nud permanent || tap_bail "cannot set static neighbours"
tap_ok "namespace $NS with $IPN/30, reached from $IPR through $VR"
cut() { nsx ip link set "$VN" down; }
heal() { nsx ip link set "$VN" up; }

# --- the server, inside the namespace ---------------------------------------
# servers.sh starts "$NATS_SERVER"/"$REDIS_SERVER": a wrapper enters the
# namespace (ip netns exec execs: the pid stays the server's own)
wrap() { printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$NS" "$1" > "$TAP_TMPDIR/$2" && chmod 700 "$TAP_TMPDIR/$2"; }
if [ "$KIND" = nats ]; then
  wrap "$NATS_SERVER" nats-in-ns || tap_bail "wrapper"
  NATS_SERVER=$TAP_TMPDIR/nats-in-ns bones_start_nats "$TAP_TMPDIR/srv" "" -a "$IPN" || tap_bail "cannot start nats-server in $NS"
  SPID=$BONES_NATS_PID SUB=nats://$IPN:$BONES_NATS_PORT
else
  wrap "$REDIS_SERVER" redis-in-ns || tap_bail "wrapper"
  REDIS_SERVER=$TAP_TMPDIR/redis-in-ns bones_start_redis "$TAP_TMPDIR/srv" "" --bind "$IPN" --protected-mode no ||
    tap_bail "cannot start redis-server in $NS"
  SPID=$BONES_REDIS_PID SUB=redis://$IPN:$BONES_REDIS_PORT/0
fi
tap_at_exit "bones_stop_server $SPID"
tap_is "$(ip netns identify "$SPID")" "$NS" "the $KIND server runs in the namespace"

# --- a workspace in the root namespace on that substrate --------------------
export BONES_HOME="$TAP_TMPDIR/home"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
w=$TAP_TMPDIR/w
mkdir -p "$w" "$TAP_TMPDIR/fhome" && (cd "$w" && git init -q && echo seed > seed.txt && git add . && git commit -qm init) ||
  tap_bail "git setup failed"
b() { "$BONES" -C "$w" "$@"; }
hub=$w/.bones/hub.fossil
fsql() { HOME=$TAP_TMPDIR/fhome "$FOSSIL" sql -R "$hub" "$1" | tr -d "'"; }
linear() {
  [ "$(fsql "SELECT count(*) FROM leaf")" = 1 ] && [ "$(fsql "SELECT count(*) FROM plink WHERE isprim=0")" = 0 ]
}
tap_at_exit "\"$BONES\" -C '$w' hub stop --force >/dev/null 2>&1"
tap_run "bones up --substrate=$SUB (the server's address in the namespace)" b up --substrate="$SUB"
tap_run "hub start --detach (local; only the substrate is remote)" b hub start --detach
field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" | tr -d '"'; } # first JSON scalar named $1

# --- the workload before the cut --------------------------------------------
ids=
for n in 1 2 3 4 5; do
  id=$(b -q tasks create "before $n") || tap_bail "tasks create failed"
  ids="$ids $id"
done
set -- $ids
t1=$1 t2=$2 t3=$3 t4=$4 t5=$5
me=$(b -q coord agent-id 2>/dev/null | head -n 1)
tap_run "claim $t1 (the workspace agent)" b --json tasks claim "$t1"
ep1=$(printf '%s\n' "$TAP_OUT" | field claim_epoch)
tap_is "$ep1" 1 "with epoch 1"
for k in 1 2 3; do b -q kv put part "k$k" "v$k" >/dev/null || tap_bail "kv put failed"; done
tap_is "$(b kv get part k2)" v2 "kv put/get before the cut"
tap_run "swarm join s1 on $t3" b -q swarm join --slot s1 --task "$t3" --pid $$
wt=$w/.bones/swarm/s1/wt
echo one > "$wt/one.txt"
tap_run "swarm commit before the cut" b -q swarm commit --slot s1 -m "s1: one"
n_ci=$(fsql "SELECT count(*) FROM event WHERE type='ci'")
echo two > "$wt/two.txt"
# a watch holding its connection across the cut
b tasks watch --all --timeout 60s > "$TAP_TMPDIR/watch.out" 2>&1 &
watch_pid=$!
tap_at_exit "kill $watch_pid 2>/dev/null"
# a short lease that expires during the cut
tap_run "claim $t5 with a 3 s lease (agent shorty)" env BONES_AGENT_ID=shorty "$BONES" -C "$w" -q tasks claim "$t5" --ttl 3s
short_at=$(now_ms)
sleep 1 # the watch is polling

# --- the cut ------------------------------------------------------------------
# each verb runs in the background, timed: DIR/NAME holds "STATUS MS"
timed() {
  _n=$1; shift
  ( _t0=$(now_ms); "$@" > "$TAP_TMPDIR/cut.$_n.out" 2>&1; _s=$?
    echo "$_s $(($(now_ms) - _t0))" > "$TAP_TMPDIR/cut.$_n" ) &
}
cut || tap_bail "cannot cut the link"
cut_at=$(now_ms)
tap_at_exit "ip netns exec '$NS' ip link set '$VN' up 2>/dev/null"
timed list b tasks list
timed show b tasks show "$t1"
timed create b -q tasks create during
timed claim_free env BONES_AGENT_ID=other "$BONES" -C "$w" tasks claim "$t4"
timed claim_held env BONES_AGENT_ID=other "$BONES" -C "$w" tasks claim "$t1"
timed kv_get b kv get part k1
timed kv_put b kv put part k1 during
timed commit b swarm commit --slot s1 -m "s1: two"
wait_files() { # NAME...: waits (at most 30 s) for each result file
  for _f do
    _i=0
    while [ ! -s "$TAP_TMPDIR/cut.$_f" ] && [ $_i -lt 300 ]; do sleep 0.1; _i=$((_i + 1)); done
  done
}
verbs="list show create claim_free claim_held kv_get kv_put commit"
wait_files $verbs
# the watch: started before the cut, it must notice within the bound too
i=0
while bones_alive $watch_pid && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
watch_ms=$(($(now_ms) - cut_at))
wait $watch_pid 2>/dev/null; watch_st=$?
# the figures (docs/partitions.md)
figures="$KIND:"
for v in $verbs; do
  set -- $(cat "$TAP_TMPDIR/cut.$v" 2>/dev/null) "" ""
  st=${1:-none} ms=${2:-none}
  figures="$figures $v=${ms}ms"
  tap_is "$st" 5 "during the cut: $v exits 5 (unavailable)"
  [ "$ms" != none ] && [ "$ms" -le $((BOUND_MS + SLACK_MS)) ]
  tap_check $? "  $v gave up in ${ms} ms (bound ${BOUND_MS} ms + ${SLACK_MS} ms slack)" "$(cat "$TAP_TMPDIR/cut.$v.out")"
done
tap_like "$(cat "$TAP_TMPDIR/cut.kv_get.out")" "$IPN" "the message names the server"
tap_is "$watch_st" 5 "a tasks watch connected before the cut exits 5"
[ "$watch_ms" -le $((BOUND_MS + SLACK_MS)) ]
tap_check $? "  it noticed ${watch_ms} ms after the cut (bound $((BOUND_MS + SLACK_MS)) ms)" "$(tail -n 3 "$TAP_TMPDIR/watch.out")"
figures="$figures watch=${watch_ms}ms"
tap_diag "time to exit 5 after the cut, $figures"
[ -f "$wt/two.txt" ]; tap_check $? "the refused commit left the worktree change in place"
# let the short lease expire while the link is still down
left=$((short_at + 3300 - $(now_ms)))
[ $left -le 0 ] || sleep "$(awk "BEGIN { print $left / 1000 }")"
cut_ms=$(($(now_ms) - cut_at))

# --- the heal ------------------------------------------------------------------
heal || tap_bail "cannot restore the link"
heal_at=$(now_ms)
i=0
until b kv get part k2 >/dev/null 2>&1 || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
back_ms=$(($(now_ms) - heal_at))
tap_is "$(b kv get part k2)" v2 "after the heal (link down ${cut_ms} ms) verbs work again (in ${back_ms} ms)"
tap_diag "$KIND: link down ${cut_ms} ms; first verb to succeed ${back_ms} ms after the heal"
list=$(b tasks list --json)
for id in $t1 $t2 $t3 $t4 $t5; do
  tap_is "$(printf '%s\n' "$list" | grep -o "\"id\":\"$id\"" | wc -l | tr -d ' ')" 1 "task $id is listed exactly once"
done
n_during=$(printf '%s\n' "$list" | grep -o '"title":"during"' | wc -l | tr -d ' ')
[ "$n_during" -le 1 ]
tap_check $? "the create refused during the cut left at most one task ($n_during)"
total=$(printf '%s\n' "$list" | grep -o '"id":"t-[a-z0-9]*"' | sort -u | wc -l | tr -d ' ')
tap_is "$total" $((5 + n_during)) "no other task appeared"
s1=$(b --json tasks show "$t1")
tap_is "$(printf '%s\n' "$s1" | field claimed_by)/$(printf '%s\n' "$s1" | field claim_epoch)" "$me/$ep1" \
  "the claim made before the cut is held by $me with the same epoch"
tap_run_status 4 "another agent still cannot claim it" env BONES_AGENT_ID=other "$BONES" -C "$w" tasks claim "$t1"
s4=$(b --json tasks show "$t4")
owner4=$(printf '%s\n' "$s4" | field claimed_by)
case "$owner4" in null | other) tap_ok "the claim tried during the cut: one owner at most ($owner4)" ;;
  *) tap_not_ok "the claim tried during the cut: one owner at most" "$s4" ;; esac
tap_run "the agent whose claim was refused claims it now (or has it already)" \
  env BONES_AGENT_ID=other "$BONES" -C "$w" tasks claim "$t4"
tap_run_status 4 "then a third agent cannot" env BONES_AGENT_ID=third "$BONES" -C "$w" tasks claim "$t4"
v1=$(b kv get part k1)
case "$v1" in v1 | during) tap_ok "kv: the put refused during the cut landed or not ($v1), nothing else" ;;
  *) tap_not_ok "kv: k1 is v1 or during" "got '$v1'" ;; esac
tap_is "$(b kv get part k3)" v3 "kv: the other keys are intact"
# leases: a lease is a time in the record; the cut changes nothing about it
tap_run_status 4 "the lease that expired during the cut: no takeover while its holder is present" \
  env BONES_AGENT_ID=taker "$BONES" -C "$w" tasks claim "$t5" --takeover
tap_like "$TAP_OUT" "still present" "saying why"
tap_run "its holder renews it after the heal" env BONES_AGENT_ID=shorty "$BONES" -C "$w" --json tasks renew "$t5"
tap_is "$(printf '%s\n' "$TAP_OUT" | field claimed_by)/$(printf '%s\n' "$TAP_OUT" | field claim_epoch)" shorty/1 \
  "  still shorty's, epoch 1"
# the swarm: the commit refused during the cut lands once now
tap_run "swarm commit after the heal" b -q swarm commit --slot s1 -m "s1: two"
tap_is "$(fsql "SELECT count(*) FROM event WHERE type='ci'")" $((n_ci + 1)) "trunk gained exactly one check-in"
linear; tap_check $? "trunk is one straight line"
tap_run "tasks create after the heal" b -q tasks create after
tap_run "swarm close" b swarm close --slot s1 --result success

# --- a second cut, while a commit holds the trunk lease ---------------------
# the hub is local: a commit that has the lease lands (exit 0) or, if the
# cut ate the lease's acknowledgement, fails with 5 having changed nothing;
# either way the lease it cannot release stays until it expires (60 s after
# it was taken, docs/partitions.md), and no other slot commits meanwhile
tk=$(b -q tasks create K) && tm=$(b -q tasks create M) &&
  b -q swarm join --slot k --task "$tk" --pid $$ >/dev/null && b -q swarm join --slot m --task "$tm" --pid $$ >/dev/null ||
  tap_bail "joins failed"
n_ci=$(fsql "SELECT count(*) FROM event WHERE type='ci'")
head -c 8000000 /dev/urandom > "$w/.bones/swarm/k/wt/big.bin"
t0=$(now_ms)
( b swarm commit --slot k -m big > "$TAP_TMPDIR/k.out" 2>&1; echo "$? $(($(now_ms) - t0))" > "$TAP_TMPDIR/k.rc" ) &
i=0
until b kv get bones-hub trunk 2>/dev/null | grep -q '"holder":"slot-k"' || [ $i -ge 300 ]; do i=$((i + 1)); done
cut || tap_bail "cannot cut the link"
cut_at=$(now_ms)
i=0
while [ ! -s "$TAP_TMPDIR/k.rc" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
k_ms=$(($(now_ms) - cut_at))
set -- $(cat "$TAP_TMPDIR/k.rc") "" ""
k_st=${1:-none}
heal || tap_bail "cannot restore the link"
i=0
until b kv get part k2 >/dev/null 2>&1 || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
tap_diag "$KIND: the commit holding the lease ended ${k_ms} ms after the cut with status $k_st"
case $k_st in
  0) tap_like "$(cat "$TAP_TMPDIR/k.out")" "trunk lease could not be released" \
       "the commit cut while holding the lease landed (exit 0) and says the lease stays"
     tap_is "$(fsql "SELECT count(*) FROM event WHERE type='ci'")" $((n_ci + 1)) "  its check-in is on trunk, once" ;;
  5) tap_ok "the commit cut while holding the lease exits 5"
     [ -f "$w/.bones/swarm/k/wt/big.bin" ] && [ "$(fsql "SELECT count(*) FROM event WHERE type='ci'")" = "$n_ci" ]
     tap_check $? "  nothing committed, the change still in its worktree" ;;
  *) tap_not_ok "the commit cut while holding the lease exits 0 or 5" "status $k_st: $(cat "$TAP_TMPDIR/k.out")" ;;
esac
[ "$k_ms" -le 30000 ]; tap_check $? "  it ended ${k_ms} ms after the cut, no hang"
lease=$(b kv get bones-hub trunk)
tap_like "$lease" '"holder":"slot-k"' "after the heal the lease is still slot-k's"
exp=$(printf '%s\n' "$lease" | sed -n 's/.*"expires_ms":\([0-9]*\).*/\1/p')
[ -n "$exp" ] && [ "$exp" -le $((t0 + 60000 + 1000)) ]
tap_check $? "the lease expires at most 60 s after it was taken" "$lease"
# its committer has ended on this host: the next commit takes the lease over
# (docs/swarm-kill.md) instead of waiting for the expiry
echo m > "$w/.bones/swarm/m/wt/m.txt"
tap_run "another slot's commit takes over the lease its ended committer left" b swarm commit --slot m -m m
tap_like "$TAP_OUT" "took over the trunk lease of slot-k" "  saying so"
[ "$k_st" = 0 ] || tap_run "the refused committer commits again" b swarm commit --slot k -m big
tap_is "$(fsql "SELECT count(*) FROM event WHERE type='ci'")" $((n_ci + 2)) "trunk gained exactly the two check-ins"
linear; tap_check $? "trunk is one straight line"
tap_run_status 3 "and the lease was released" b kv get bones-hub trunk
