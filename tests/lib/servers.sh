# tests/lib/servers.sh: start and stop private nats-server / redis-server
# instances for tests (POSIX sh; Linux).  Servers listen on 127.0.0.1 only,
# on a free port, log to DIR, and never hold the test's stdout.  Source
# config.sh first (it sets NATS_SERVER and REDIS_SERVER); register the stop
# with tap_at_exit right after a start:
#
#   bones_start_nats "$TAP_TMPDIR" || tap_bail "cannot start nats-server"
#   tap_at_exit "bones_stop_server $BONES_NATS_PID"
#   kvconf --substrate "$BONES_NATS_URL"
#
# The server is a background child of the test shell: never use a bare
# `wait` (it would wait for the server too); wait for your own pids.

BONES_SERVER_WAIT=${BONES_SERVER_WAIT:-100} # readiness polls of 0.1 s (10 s)

# _bones_port_in_use PORT: true when a TCP socket on this host uses PORT.
_bones_port_in_use() {
  if [ -r /proc/net/tcp ]; then
    _bp_hex=$(printf ':%04X' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
      awk -v h="$_bp_hex" 'substr($2, length($2) - 4) == h { f = 1 } END { exit !f }'
  elif command -v ss >/dev/null 2>&1; then
    ss -tan | awk -v p=":$1" 'substr($4, length($4) - length(p) + 1) == p { f = 1 } END { exit !f }'
  else
    return 1
  fi
}

# bones_free_port: prints a random TCP port in 20000-59999 nothing uses.
bones_free_port() {
  _bp_i=0
  while [ $_bp_i -lt 100 ]; do
    _bp_i=$((_bp_i + 1))
    _bp_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    _bp_p=$((_bp_r % 40000 + 20000))
    _bones_port_in_use $_bp_p || { echo $_bp_p; return 0; }
  done
  return 1
}

# bones_alive PID: true while PID runs (a zombie counts as gone).
bones_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/status" ] || return 0
  ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# _bones_wait_ready PID LOG OFFSET PATTERN: waits until LOG past byte
# OFFSET matches PATTERN (true), PID dies or BONES_SERVER_WAIT polls pass.
_bones_wait_ready() {
  _bw_i=0
  while [ $_bw_i -lt "$BONES_SERVER_WAIT" ]; do
    tail -c +$(($3 + 1)) "$2" 2>/dev/null | grep -q "$4" && return 0
    bones_alive "$1" || return 1
    sleep 0.1
    _bw_i=$((_bw_i + 1))
  done
  return 1
}

# _bones_spawn PORT LOG CMD...: runs CMD with each @PORT@ argument replaced
# by PORT in the background, output appended to LOG ($! is its pid).
_bones_spawn() {
  _bsp_port=$1 _bsp_log=$2; shift 2
  _bsp_n=$#
  for _bsp_a do
    [ "$_bsp_a" = @PORT@ ] && _bsp_a=$_bsp_port
    set -- "$@" "$_bsp_a"
  done
  shift $_bsp_n
  "$@" >>"$_bsp_log" 2>&1 </dev/null &
}

# _bones_start KIND DIR PORT READY CMD...: starts CMD (with @PORT@ replaced)
# in the background, logging to DIR/KIND.log, until READY appears in the
# log; retries other ports when PORT is empty.  Sets _bs_pid and _bs_port.
_bones_start() {
  _bs_kind=$1 _bs_dir=$2 _bs_fixed=$3 _bs_ready=$4; shift 4
  _bs_try=0
  while [ $_bs_try -lt 5 ]; do
    _bs_try=$((_bs_try + 1))
    _bs_port=${_bs_fixed:-$(bones_free_port)} || return 1
    _bs_log=$_bs_dir/$_bs_kind.log
    _bs_off=0
    [ ! -f "$_bs_log" ] || _bs_off=$(wc -c <"$_bs_log")
    _bones_spawn "$_bs_port" "$_bs_log" "$@"
    _bs_pid=$!
    _bones_wait_ready $_bs_pid "$_bs_log" "$_bs_off" "$_bs_ready" && return 0
    bones_stop_server $_bs_pid
    [ -z "$_bs_fixed" ] || break
  done
  echo "bones: cannot start $_bs_kind on 127.0.0.1 (log $_bs_log):" >&2
  tail -n 5 "$_bs_log" >&2 2>/dev/null
  return 1
}

# bones_start_nats DIR [PORT [ARG...]]: starts nats-server (extra ARGs
# passed on) with JetStream storing in DIR/nats; exports BONES_NATS_URL,
# BONES_NATS_PORT, BONES_NATS_PID.  PORT "" picks a free one.
bones_start_nats() {
  [ -n "$NATS_SERVER" ] || { echo "bones: nats-server not found" >&2; return 1; }
  _bn_dir=$1 _bn_port=${2:-}
  shift; [ $# -eq 0 ] || shift
  mkdir -p "$_bn_dir/nats" || return 1
  # 2.9 takes max_payload only from a file; the default 1 MiB (headers
  # included) cannot hold a 1 MiB value (the managed server does the same)
  printf 'max_payload: 2MB\n' > "$_bn_dir/nats.conf" || return 1
  _bones_start nats "$_bn_dir" "$_bn_port" 'Server is ready' \
    "$NATS_SERVER" -c "$_bn_dir/nats.conf" -js -sd "$_bn_dir/nats" -a 127.0.0.1 -p @PORT@ "$@" || return 1
  BONES_NATS_PID=$_bs_pid BONES_NATS_PORT=$_bs_port
  BONES_NATS_URL=nats://127.0.0.1:$_bs_port
  export BONES_NATS_PID BONES_NATS_PORT BONES_NATS_URL
}

# bones_start_redis DIR [PORT [ARG...]]: starts redis-server (extra ARGs
# passed on) with AOF in DIR/redis, no RDB; exports BONES_REDIS_URL,
# BONES_REDIS_PORT, BONES_REDIS_PID.  PORT "" picks a free one.
bones_start_redis() {
  [ -n "$REDIS_SERVER" ] || { echo "bones: redis-server not found" >&2; return 1; }
  _br_dir=$1 _br_port=${2:-}
  shift; [ $# -eq 0 ] || shift
  mkdir -p "$_br_dir/redis" || return 1
  _bones_start redis "$_br_dir" "$_br_port" 'Ready to accept connections' \
    "$REDIS_SERVER" --bind 127.0.0.1 --port @PORT@ --save '' --appendonly yes \
    --dir "$_br_dir/redis" --daemonize no --logfile '' "$@" || return 1
  BONES_REDIS_PID=$_bs_pid BONES_REDIS_PORT=$_bs_port
  BONES_REDIS_URL=redis://127.0.0.1:$_bs_port/0
  export BONES_REDIS_PID BONES_REDIS_PORT BONES_REDIS_URL
}

# bones_stop_server PID: SIGTERM, waits up to 10 s, then SIGKILL; reaps it.
bones_stop_server() {
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null
  _bk_i=0
  while bones_alive "$1" && [ $_bk_i -lt 100 ]; do sleep 0.1; _bk_i=$((_bk_i + 1)); done
  if bones_alive "$1"; then
    kill -KILL "$1" 2>/dev/null
    _bk_i=0
    while bones_alive "$1" && [ $_bk_i -lt 50 ]; do sleep 0.1; _bk_i=$((_bk_i + 1)); done
  fi
  wait "$1" 2>/dev/null
  return 0
}

# bones_nats_node_conf FILE NAME HOST PORT MON STORE [ROUTE_PORT ROUTES]:
# writes the config of a nats-server node NAME (JetStream storing in STORE,
# clients on HOST:PORT, monitoring on HOST:MON, max_payload 2MB as the
# managed server); with ROUTE_PORT, a member of cluster "bones" routing to
# ROUTES ("nats-route://H:P, ...").
bones_nats_node_conf() {
  {
    echo "server_name: $2"
    echo "listen: $3:$4"
    echo "http: $3:$5"
    echo "max_payload: 2MB"
    echo "jetstream { store_dir: \"$6\" }"
    [ -z "${7:-}" ] || echo "cluster { name: bones, listen: $3:$7, routes: [$8] }"
  } > "$1"
}

# bones_start_nats_cluster DIR: starts a three-node nats-server cluster on
# 127.0.0.1 (JetStream on each node, cluster "bones", node I's files in
# DIR/nI*), waits for its JetStream metadata leader and exports
# BONES_NATS_CLUSTER_URL (the three client addresses, a seed list) and, for
# I in 1 2 3, BONES_NATS_PID_I, BONES_NATS_PORT_I (client) and
# BONES_NATS_MON_I (HTTP monitoring).  Stop with bones_stop_nats_cluster.
bones_start_nats_cluster() {
  [ -n "$NATS_SERVER" ] || { echo "bones: nats-server not found" >&2; return 1; }
  _bc_dir=$1
  mkdir -p "$_bc_dir" || return 1
  _bc_used=
  _bc_routes=
  for _bc_i in 1 2 3; do
    for _bc_what in PORT ROUTE MON; do
      _bc_p=$(bones_free_port) || return 1
      while case " $_bc_used " in *" $_bc_p "*) true ;; *) false ;; esac; do _bc_p=$(bones_free_port) || return 1; done
      _bc_used="$_bc_used $_bc_p"
      eval "_bc_${_bc_what}_$_bc_i=$_bc_p"
    done
    eval "_bc_routes=\"\$_bc_routes\${_bc_routes:+, }nats-route://127.0.0.1:\$_bc_ROUTE_$_bc_i\""
  done
  BONES_NATS_CLUSTER_URL=nats://
  for _bc_i in 1 2 3; do
    eval "_bc_port=\$_bc_PORT_$_bc_i _bc_route=\$_bc_ROUTE_$_bc_i _bc_mon=\$_bc_MON_$_bc_i"
    mkdir -p "$_bc_dir/n$_bc_i" || return 1
    bones_nats_node_conf "$_bc_dir/n$_bc_i.conf" "n$_bc_i" 127.0.0.1 "$_bc_port" "$_bc_mon" "$_bc_dir/n$_bc_i" \
      "$_bc_route" "$_bc_routes" || return 1
    eval "BONES_NATS_PORT_$_bc_i=$_bc_port BONES_NATS_MON_$_bc_i=$_bc_mon"
    export BONES_NATS_PORT_$_bc_i BONES_NATS_MON_$_bc_i
    [ $_bc_i -eq 1 ] || BONES_NATS_CLUSTER_URL=$BONES_NATS_CLUSTER_URL,
    BONES_NATS_CLUSTER_URL=${BONES_NATS_CLUSTER_URL}127.0.0.1:$_bc_port
  done
  export BONES_NATS_CLUSTER_URL
  for _bc_i in 1 2 3; do bones_start_nats_node "$_bc_dir" $_bc_i || return 1; done
  # JetStream answers once the nodes have elected a metadata leader
  _bc_n=0
  while [ $_bc_n -lt "$BONES_SERVER_WAIT" ]; do
    cat "$_bc_dir"/n?.log 2>/dev/null | grep -q 'JetStream cluster new metadata leader\|Self is new JetStream cluster metadata leader' && return 0
    sleep 0.1
    _bc_n=$((_bc_n + 1))
  done
  echo "bones: the nats cluster in $_bc_dir elected no JetStream leader" >&2
  return 1
}

# bones_start_nats_node DIR I: (re)starts node I of the cluster in DIR with
# its own config, port and store (a restarted node catches up from its
# peers); sets BONES_NATS_PID_I.
bones_start_nats_node() {
  eval "_bnn_port=\$BONES_NATS_PORT_$2"
  _bones_start "n$2" "$1" "$_bnn_port" 'Server is ready' "$NATS_SERVER" -c "$1/n$2.conf" || return 1
  eval "BONES_NATS_PID_$2=$_bs_pid"
  export BONES_NATS_PID_$2
}

# bones_stop_nats_cluster: stops the nodes bones_start_nats_cluster started.
bones_stop_nats_cluster() {
  for _bsc_i in 1 2 3; do
    eval "_bsc_pid=\${BONES_NATS_PID_$_bsc_i:-}"
    bones_stop_server "$_bsc_pid"
  done
}
