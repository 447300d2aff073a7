# tests/lib/netns.sh: simulated hosts for multi-host tests and benches
# (POSIX sh, Linux, root).  Host I is a network namespace with the address
# $BONES_NET.I/24 on a veth joined to a bridge in a switch namespace; it
# reaches the other hosts and nothing else (not even the root namespace).
# Commands run on a host with its own host name hI (a UTS namespace).
# Source servers.sh first (for _bones_start).
#
#   bones_netns_up N || skip    # hosts 1..N; sets BONES_NET
#   bones_netns_run I CMD...    # CMD on host I
#   bones_netns_name I          # host I's namespace name
#   bones_netns_cut I / bones_netns_heal I   # unplug / replug host I
#   bones_nats_node_in DIR I URLS   # nats node I on host I (cluster of URLS)
#   bones_netns_down            # deletes the namespaces
#
# Names carry a suffix from the shell's pid, so parallel runs do not meet.

_bn_sfx=$(( $$ % 10000 ))
BONES_NET=10.201.$(( $$ % 250 ))
_bn_hosts=0

# bones_netns_up N: builds the switch and hosts 1..N; false (with nothing
# left behind) when namespaces cannot be made here.
bones_netns_up() {
  [ "$(id -u)" = 0 ] || return 1
  command -v ip >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1 || return 1
  ip netns add "bsw$_bn_sfx" 2>/dev/null || return 1
  _bn_hosts=$1
  ip netns exec "bsw$_bn_sfx" ip link add br0 type bridge && ip netns exec "bsw$_bn_sfx" ip link set br0 up || {
    bones_netns_down
    return 1
  }
  _bn_i=1
  while [ $_bn_i -le "$1" ]; do
    _bn_h=bh$_bn_i$_bn_sfx
    { ip netns add "$_bn_h" &&
      ip link add "bv$_bn_i.$_bn_sfx" type veth peer name "bp$_bn_i.$_bn_sfx" &&
      ip link set "bv$_bn_i.$_bn_sfx" netns "$_bn_h" && ip link set "bp$_bn_i.$_bn_sfx" netns "bsw$_bn_sfx" &&
      ip netns exec "bsw$_bn_sfx" ip link set "bp$_bn_i.$_bn_sfx" master br0 &&
      ip netns exec "bsw$_bn_sfx" ip link set "bp$_bn_i.$_bn_sfx" up &&
      ip netns exec "$_bn_h" ip link set lo up &&
      ip netns exec "$_bn_h" ip addr add "$BONES_NET.$_bn_i/24" dev "bv$_bn_i.$_bn_sfx" &&
      ip netns exec "$_bn_h" ip link set "bv$_bn_i.$_bn_sfx" up; } || {
      bones_netns_down
      return 1
    }
    _bn_i=$((_bn_i + 1))
  done
  export BONES_NET
}

# bones_netns_run I CMD...: runs CMD on host I (its network, host name hI).
bones_netns_run() {
  _bnr=$1; shift
  ip netns exec "bh$_bnr$_bn_sfx" unshare --uts sh -c 'hostname "$0" && exec "$@"' "h$_bnr" "$@"
}

# bones_netns_name I: the namespace of host I (for `ip netns exec NAME CMD`
# where a program, not a shell function, must run the command).
bones_netns_name() { echo "bh$1$_bn_sfx"; }

# bones_netns_cut I / bones_netns_heal I: unplugs / replugs host I's cable
# (packets are dropped, as in a real partition: peers time out).
bones_netns_cut() { ip netns exec "bsw$_bn_sfx" ip link set "bp$1.$_bn_sfx" down; }
bones_netns_heal() { ip netns exec "bsw$_bn_sfx" ip link set "bp$1.$_bn_sfx" up; }

# bones_nats_node_in DIR I N: (re)starts node I of an N-node nats cluster
# on host I (client port 4222, routes 6222, monitoring 8222 at $BONES_NET.I;
# store DIR/nI, log DIR/nI.log); N=1 is a lone server.  Sets
# BONES_NATS_PID_I.
bones_nats_node_in() {
  _bnn_dir=$1 _bnn_i=$2 _bnn_n=$3
  mkdir -p "$_bnn_dir/n$_bnn_i" || return 1
  if [ ! -f "$_bnn_dir/n$_bnn_i.conf" ]; then
    _bnn_r= _bnn_j=1
    while [ "$_bnn_n" -gt 1 ] && [ $_bnn_j -le "$_bnn_n" ]; do
      _bnn_r="$_bnn_r${_bnn_r:+, }nats-route://$BONES_NET.$_bnn_j:6222"
      _bnn_j=$((_bnn_j + 1))
    done
    if [ -n "$_bnn_r" ]; then
      bones_nats_node_conf "$_bnn_dir/n$_bnn_i.conf" "n$_bnn_i" "$BONES_NET.$_bnn_i" 4222 8222 "$_bnn_dir/n$_bnn_i" \
        6222 "$_bnn_r" || return 1
    else
      bones_nats_node_conf "$_bnn_dir/n$_bnn_i.conf" "n$_bnn_i" "$BONES_NET.$_bnn_i" 4222 8222 "$_bnn_dir/n$_bnn_i" ||
        return 1
    fi
  fi
  _bones_start "n$_bnn_i" "$_bnn_dir" 4222 'Server is ready' \
    ip netns exec "bh$_bnn_i$_bn_sfx" "$NATS_SERVER" -c "$_bnn_dir/n$_bnn_i.conf" || return 1
  eval "BONES_NATS_PID_$_bnn_i=$_bs_pid"
}

# bones_nats_wait_leader DIR: waits (15 s at most) until the nodes logging
# in DIR have elected a JetStream metadata leader.
bones_nats_wait_leader() {
  _bnw=0
  until cat "$1"/n?.log 2>/dev/null | grep -q 'JetStream cluster new metadata leader\|Self is new JetStream cluster metadata leader'; do
    _bnw=$((_bnw + 1))
    [ $_bnw -lt 150 ] || return 1
    sleep 0.1
  done
}

# bones_netns_down: deletes the hosts and the switch (their processes keep
# running: stop them first).
bones_netns_down() {
  _bnd=1
  while [ $_bnd -le "$_bn_hosts" ]; do ip netns del "bh$_bnd$_bn_sfx" 2>/dev/null; _bnd=$((_bnd + 1)); done
  ip netns del "bsw$_bn_sfx" 2>/dev/null
  return 0
}
