# run_multihost.sh: the multihost section of `make bench` (issue 16;
# sourced by run.sh).  Root only (network namespaces, tests/lib/netns.sh):
# three simulated hosts.  One host: a lone nats-server on h1, every agent
# on h1.  Three hosts: a three-node cluster (a node per host), agents on
# every host, each listing its own node first.  Figures: one `bones tasks
# claim` process (median, from h1 where the bucket lives and from h2, one
# hop away) and claims/s of 6 agents looping `claim --next --another` over
# 120 tasks.  Then `swarm join` and `swarm commit` latency through a hub on
# h1 (`hub start --listen`) from a slot on h1, a slot on h2 (the workspace
# directory shared) and a slot on h3 with its own workspace (`bones up
# --hub`: no shared disk).
section "multihost (issue 16)"
. "$BONES_TEST_SRCDIR/tests/lib/netns.sh"
mh_rows=
if [ "$BUILD_KV_NATS" != yes ] || [ -z "$NATS_SERVER" ]; then
  echo "(multihost: nats backend or nats-server missing; skipped)"
elif ! bones_netns_up 3; then
  echo "(multihost: needs root and network namespaces; skipped)"
else
  mh_net=$BONES_NET
  # mh_url N I: host I's seed list on an N-node setup
  mh_url() {
    if [ "$1" = 1 ]; then echo "nats://$mh_net.1:4222"; return; fi
    case $2 in 1) echo "nats://$mh_net.1:4222,$mh_net.2:4222,$mh_net.3:4222" ;;
      2) echo "nats://$mh_net.2:4222,$mh_net.3:4222,$mh_net.1:4222" ;;
      *) echo "nats://$mh_net.3:4222,$mh_net.1:4222,$mh_net.2:4222" ;; esac
  }
  # mh_run NODES: one setup's figures (appends a row to mh_rows)
  mh_run() {
    _mn=$1
    _md=$tmp/mh$_mn
    mkdir -p "$_md"
    _i=1
    while [ $_i -le "$_mn" ]; do bones_nats_node_in "$_md" $_i "$_mn" || { echo "  (cannot start node $_i)"; return; }; _i=$((_i + 1)); done
    [ "$_mn" = 1 ] || bones_nats_wait_leader "$_md" || { echo "  (no JetStream leader)"; return; }
    _u1=$(mh_url "$_mn" 1)
    : > "$_md/ids"
    _i=0
    while [ $_i -lt 200 ]; do
      bones_netns_run 1 env BONES_AGENT_ID=maker "$bones" -q --substrate="$_u1" tasks create "mh $_i" >> "$_md/ids" || break
      _i=$((_i + 1))
    done
    head -n 40 "$_md/ids" > "$_md/ids.1"
    sed -n 41,80p "$_md/ids" > "$_md/ids.2"
    echo
    echo "== $_mn node(s): one \`bones tasks claim\` process from h1 and from h2 (40 runs each),"
    echo "   less the floor of entering a namespace (ip netns exec ... /bin/true)"
    cli_row "floor: ip netns exec h1 /bin/true" 40 -- ip netns exec "$(bones_netns_name 1)" /bin/true
    _fl=$med
    BENCH_CLI_LINES="$_md/ids.1" cli_row "claim from h1 ($_mn node(s))" 40 -- \
      ip netns exec "$(bones_netns_name 1)" env BONES_AGENT_ID=a1 "$bones" --substrate="$_u1" tasks claim "{line}"
    _m1=$(awk -v a="$med" -v f="$_fl" 'BEGIN { if (a == "" || f == "") print ""; else printf "%.2f", a - f }')
    _h2=
    if [ "$_mn" = 1 ]; then _u2=$_u1; else _u2=$(mh_url "$_mn" 2); fi
    BENCH_CLI_LINES="$_md/ids.2" cli_row "claim from h2 ($_mn node(s))" 40 -- \
      ip netns exec "$(bones_netns_name 2)" env BONES_AGENT_ID=a2 "$bones" --substrate="$_u2" tasks claim "{line}"
    _m2=$(awk -v a="$med" -v f="$_fl" 'BEGIN { if (a == "" || f == "") print ""; else printf "%.2f", a - f }')
    echo "== $_mn node(s): 6 agents (2 per host) loop \`claim --next --another\` over the other 120 tasks"
    _s=$(date +%s%N)
    _pids=
    for _a in 1 2 3 4 5 6; do
      _h=$(( (_a - 1) % 3 + 1 ))
      [ "$_mn" = 1 ] && _h=1
      (
        _ua=$(mh_url "$_mn" $_h)
        while bones_netns_run $_h env BONES_AGENT_ID=loop$_a "$bones" -q --substrate="$_ua" tasks claim --next --another >> "$_md/won.$_a" 2>/dev/null; do :; done
      ) &
      _pids="$_pids $!"
    done
    for _p in $_pids; do wait "$_p"; done
    _ms=$(( ($(date +%s%N) - _s) / 1000000 ))
    _won=$(cat "$_md"/won.* | wc -l | tr -d ' ')
    _dup=$(cat "$_md"/won.* | sort | uniq -d | wc -l | tr -d ' ')
    _cps=$(awk -v n="$_won" -v ms="$_ms" 'BEGIN { printf "%.1f", (ms > 0 ? n * 1000 / ms : 0) }')
    echo "  $_won claims in $_ms ms: $_cps claims/s, duplicates $_dup"
    mh_rows="$mh_rows$(printf '%-22s %10s %10s %10s %6s' "$_mn node(s)" "$_m1" "$_m2" "$_cps" "$_dup")
"
    eval "mh_cps_$_mn=$_cps mh_m1_$_mn=$_m1 mh_m2_$_mn=$_m2"
    _i=1
    while [ $_i -le "$_mn" ]; do eval "bones_stop_server \${BONES_NATS_PID_$_i:-}"; _i=$((_i + 1)); done
  }
  # mh_commit: the hub on h1 (--listen), a three-node cluster, one slot on
  # h1 and one on h2; 12 one-file commits each, one slot after the other
  mh_commit() {
    _md=$tmp/mhc
    mkdir -p "$_md/proj"
    for _i in 1 2 3; do bones_nats_node_in "$_md" $_i 3 || { echo "  (cannot start node $_i)"; return; }; done
    bones_nats_wait_leader "$_md" || { echo "  (no JetStream leader)"; return; }
    _w=$_md/proj
    ( cd "$_w" && git init -q . && git config user.email b@example.com && git config user.name b &&
      echo a > a.txt && echo b > b.txt && git add . && git commit -qm init ) || return
    _u="nats://$mh_net.1:4222,$mh_net.2:4222,$mh_net.3:4222"
    bones_netns_run 1 env BONES_AGENT_ID=orch "$bones" -C "$_w" up --substrate="$_u" >/dev/null &&
      bones_netns_run 1 env BONES_AGENT_ID=orch "$bones" -C "$_w" hub start --detach --listen "$mh_net.1" >/dev/null ||
      { echo "  (cannot start the hub on h1)"; return; }
    # h3 has its own workspace (bones up --hub: no shared disk)
    _w3=$_md/h3ws
    ( mkdir -p "$_w3" && cd "$_w3" && git init -q . && git config user.email b@example.com &&
      git config user.name b && echo h3 > README && git add . && git commit -qm init ) || return
    bones_netns_run 3 env BONES_AGENT_ID=orch3 "$bones" -C "$_w3" up --hub "$(cat "$_w/.bones/hub-repo-url")" \
      --substrate="$_u" >/dev/null || { echo "  (cannot make h3's workspace)"; return; }
    _ta=$(bones_netns_run 1 env BONES_AGENT_ID=orch "$bones" -C "$_w" -q tasks create "a" --files a.txt)
    _tb=$(bones_netns_run 1 env BONES_AGENT_ID=orch "$bones" -C "$_w" -q tasks create "b" --files b.txt)
    _tc=$(bones_netns_run 1 env BONES_AGENT_ID=orch "$bones" -C "$_w" -q tasks create "c" --files c.txt)
    echo
    echo "== swarm join: from h1 (the hub's file at hand) vs from h3 (own disk: asked through the substrate)"
    _t0=$(date +%s%N)
    bones_netns_run 1 env BONES_AGENT_ID=x "$bones" -C "$_w" swarm join --slot sa --task "$_ta" >/dev/null ||
      { echo "  (cannot join on h1)"; return; }
    mh_join_1=$(( ($(date +%s%N) - _t0) / 1000000 ))
    bones_netns_run 2 env BONES_AGENT_ID=y "$bones" -C "$_w" swarm join --slot sb --task "$_tb" >/dev/null ||
      { echo "  (cannot join on h2)"; return; }
    _t0=$(date +%s%N)
    bones_netns_run 3 env BONES_AGENT_ID=z "$bones" -C "$_w3" swarm join --slot sc --task "$_tc" >/dev/null ||
      { echo "  (cannot join on h3)"; return; }
    mh_join_3=$(( ($(date +%s%N) - _t0) / 1000000 ))
    echo "  join on h1: $mh_join_1 ms, on h3 (own disk): $mh_join_3 ms (one each, namespace entry included)"
    echo
    echo "== swarm commit: a slot on h1 (the hub's host), on h2 (shared workspace), on h3 (own disk),"
    echo "   12 one-file commits each"
    for _spec in 1:sa:a 2:sb:b 3:sc:c; do
      _h=${_spec%%:*} _r=${_spec#*:}; _s=${_r%%:*} _f=${_r#*:}
      _ws=$_w; [ "$_h" = 3 ] && _ws=$_w3
      : > "$_md/ms.$_s"
      _i=0
      while [ $_i -lt 12 ]; do
        echo "$_i" >> "$_ws/.bones/swarm/$_s/wt/$_f.txt"
        _t0=$(date +%s%N)
        bones_netns_run "$_h" sh -c 'cd "$1" && "$2" -q swarm commit -m "c $3"' sh "$_ws/.bones/swarm/$_s/wt" "$bones" "$_i" >/dev/null 2>&1 ||
          echo "  (commit $_i of $_s failed)"
        echo $(( ($(date +%s%N) - _t0) / 1000 )) >> "$_md/ms.$_s"
        _i=$((_i + 1))
      done
      _med=$(sort -n "$_md/ms.$_s" | awk '{ a[NR] = $1 } END { printf "%.1f", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) / 1000 }')
      echo "  slot $_s on h$_h: median $_med ms (includes entering the namespace)"
      eval "mh_commit_$_h=$_med"
    done
    bones_netns_run 1 env BONES_AGENT_ID=orch "$bones" -C "$_w" hub stop --force >/dev/null 2>&1
    for _i in 1 2 3; do eval "bones_stop_server \${BONES_NATS_PID_$_i:-}"; done
  }
  mh_run 1
  mh_run 3
  command -v git >/dev/null 2>&1 && command -v "${FOSSIL:-fossil}" >/dev/null 2>&1 && mh_commit
  bones_netns_down
  echo
  echo "== multihost summary (1 node: everything on h1; 3 nodes: a node per host, agents on every host)"
  echo "(h1 ms, h2 ms: median of one claim process, less the namespace floor)"
  printf '%-22s %10s %10s %10s %6s\n' setup "h1 ms" "h2 ms" claims/s dups
  printf '%s' "$mh_rows"
  echo "3 nodes vs 1: claim from h1 $(ratio "${mh_m1_3:-}" "${mh_m1_1:-}")x, from h2 $(ratio "${mh_m2_3:-}" "${mh_m2_1:-}")x, claims/s $(ratio "${mh_cps_3:-}" "${mh_cps_1:-}")x"
  echo "swarm commit through the hub on h1: from h1 ${mh_commit_1:--} ms, from h2 ${mh_commit_2:--} ms: $(ratio "${mh_commit_2:-}" "${mh_commit_1:-}")x"
  echo "  from h3 with its own disk ${mh_commit_3:--} ms: $(ratio "${mh_commit_3:-}" "${mh_commit_1:-}")x"
  echo "swarm join: on h1 ${mh_join_1:--} ms, on h3 with its own disk ${mh_join_3:--} ms: $(ratio "${mh_join_3:-}" "${mh_join_1:-}")x"
fi
