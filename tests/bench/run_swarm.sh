# run_swarm.sh: the swarm section of `make bench` (issue 6; sourced by
# run.sh), on the sqlite substrate: a scratch git repository, `bones up`,
# `bones hub start --detach` under a temporary BONES_HOME (the hub is
# stopped by run.sh's exit trap).  Figures:
#   one `bones swarm commit` of a one-file change vs raw `fossil commit` +
#   `fossil push` of the same change in another slot's worktree (a fossil
#   clone of the served hub, autosync on); BONES_BENCH_SWARM_RUNS (20)
#   a committer killed -9 holding the trunk lease: ms from the kill to the
#   end of another slot's next commit (BONES_BENCH_KILL_RUNS, 5), vs the
#   commit median; target 2000 ms
#   16 slots committing in parallel (3 commits each): commits/s vs serial raw
#   BONES_BENCH_AGENTS (100) agents: join, 3 commits, close; p50/p99 per
#   verb, bounded by BONES_BENCH_AGENTS_LIMIT seconds (900)
section "swarm (issue 6)"
if [ -z "$FOSSIL" ]; then
  echo "(swarm: fossil not found; skipped)"
else
  sw=$tmp/sw
  runs=${BONES_BENCH_SWARM_RUNS:-20} nslots=${BONES_BENCH_SLOTS:-16} nagents=${BONES_BENCH_AGENTS:-100}
  kruns=${BONES_BENCH_KILL_RUNS:-5}
  limit=${BONES_BENCH_AGENTS_LIMIT:-900}
  export BONES_HOME=$sw/home HOME=$sw/fhome GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=b \
    GIT_COMMITTER_EMAIL=b@b
  unset BONES_AGENT_ID BONES_SUBSTRATE
  ws=$sw/ws
  mkdir -p "$ws" "$HOME" "$sw/out" && (cd "$ws" && git init -q && echo seed > seed.txt && git add . &&
    git commit -qm init) || echo "  (git setup failed)"
  hub_ws=$ws
  sb() { "$bones" -C "$ws" "$@"; }
  # now_ms: milliseconds since the epoch
  now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
  # pctl FILE VERB: "p50 p99" (ms) of VERB's lines "VERB MS" in FILE
  pctl() {
    awk -v v="$2" '$1 == v { print $2 }' "$1" | sort -n |
      awk '{ a[n++] = $1 } END { if (n == 0) print "- -"; else { i = int(n * 99 / 100); if (i >= n) i = n - 1; print a[int(n / 2)], a[i] } }'
  }
  # slot_run NAME TASK COMMITS FILE OUT: join (unless joined), COMMITS
  # commits of FILE, close; "VERB MS" lines to OUT.t, failures to OUT.bad
  slot_run() {
    _wt=$("$bones" -C "$ws" swarm cwd --slot "$1" 2>/dev/null)
    if [ -z "$_wt" ] || [ ! -d "$_wt" ]; then
      _t=$(now_ms)
      _wt=$("$bones" -C "$ws" -q swarm join --slot "$1" --task "$2" --pid $$ 2>>"$5.bad") || return
      echo "join $(( $(now_ms) - _t ))" >> "$5.t"
    fi
    _j=0
    while [ $_j -lt "$3" ]; do
      [ "$(now_ms)" -lt "$deadline" ] || { echo "deadline passed" >> "$5.bad"; return; }
      echo "$1 $_j" >> "$_wt/$4"
      _t=$(now_ms)
      (cd "$_wt" && "$bones" -q swarm commit --wait "${limit}s" -m "$1 c$_j") >/dev/null 2>>"$5.bad" || return
      echo "commit $(( $(now_ms) - _t ))" >> "$5.t"
      _j=$((_j + 1))
    done
    [ "${close_too:-1}" = 1 ] || return 0
    _t=$(now_ms)
    "$bones" -C "$ws" swarm close --slot "$1" --result success >/dev/null 2>>"$5.bad" || return
    echo "close $(( $(now_ms) - _t ))" >> "$5.t"
  }
  # many NAME COUNT COMMITS: COUNT slots NAME0.. at once (tasks created
  # first, untimed); prints the wall time in ms; per-verb times in
  # $sw/out/NAME.t, failures in $sw/out/NAME.bad
  many() {
    _i=0 _pids=
    : > "$sw/out/$1.t"; : > "$sw/out/$1.bad"
    while [ $_i -lt "$2" ]; do
      sb -q tasks create "$1 $_i" > "$sw/out/$1.task.$_i" || echo "create failed" >> "$sw/out/$1.bad"
      _i=$((_i + 1))
    done
    [ "${prejoin:-0}" = 0 ] || { _i=0; while [ $_i -lt "$2" ]; do
      sb -q swarm join --slot "$1$_i" --task "$(cat "$sw/out/$1.task.$_i")" --pid $$ >/dev/null 2>>"$sw/out/$1.bad"
      _i=$((_i + 1)); done; }
    _t0=$(now_ms) _i=0
    deadline=$((_t0 + limit * 1000))
    while [ $_i -lt "$2" ]; do
      slot_run "$1$_i" "$(cat "$sw/out/$1.task.$_i")" "$3" "f-$1$_i.txt" "$sw/out/$1.$_i" &
      _pids="$_pids $!"
      _i=$((_i + 1))
    done
    for _p in $_pids; do wait "$_p"; done # never a bare wait: the servers are children too
    echo $(( $(now_ms) - _t0 ))
    cat "$sw/out/$1".*.t >> "$sw/out/$1.t" 2>/dev/null
    cat "$sw/out/$1".*.bad >> "$sw/out/$1.bad" 2>/dev/null
  }
  # kill_figure: $kruns times, a committer of a big change is killed -9 as
  # soon as the trunk lease names it; another slot commits a one-file
  # change at once: ms from the kill to that commit's end, in $sw/out/k.t;
  # sets kmed and kmax
  kill_figure() {
    tk=$(sb -q tasks create "bench killed") && tw=$(sb -q tasks create "bench waiter") &&
      wk=$(sb -q swarm join --slot kh --task "$tk" --pid $$) && ww=$(sb -q swarm join --slot kw --task "$tw" --pid $$) ||
      { echo "  (tasks create / swarm join failed)"; kmed= kmax=; return; }
    : > "$sw/out/k.t"
    _k=0
    while [ $_k -lt "$kruns" ]; do
      _k=$((_k + 1))
      head -c 4000000 /dev/urandom > "$wk/big-$_k.bin"
      "$bones" -C "$ws" swarm commit --slot kh -m "big $_k" >/dev/null 2>&1 &
      _cp=$!
      _n=0
      until sb kv get bones-hub trunk 2>/dev/null | grep -q "\"pid\":$_cp," || [ $_n -ge 500 ] || ! kill -0 $_cp 2>/dev/null; do
        _n=$((_n + 1))
      done
      _t=$(now_ms)
      kill -9 $_cp 2>/dev/null || { wait $_cp; echo "  (run $_k: the commit ended before the kill)"; continue; }
      echo "$_k" >> "$ww/w.txt"
      "$bones" -C "$ws" swarm commit --slot kw -m "after kill $_k" >/dev/null 2>>"$sw/out/k.bad" &&
        echo "next $(( $(now_ms) - _t ))" >> "$sw/out/k.t"
      wait $_cp 2>/dev/null
    done
    set -- $(awk '$1 == "next" { print $2 }' "$sw/out/k.t" | sort -n |
      awk '{ a[n++] = $1 } END { if (n == 0) print "- -"; else print a[int(n / 2)], a[n - 1] }')
    kmed=$1 kmax=$2
    echo "  $(wc -l < "$sw/out/k.t" | tr -d ' ') of $kruns runs: median ${kmed} ms, max ${kmax} ms from the kill to the next commit's end"
  }
  # swarm_figures: the measurements and the summary table
  swarm_figures() {
    deadline=$(( $(now_ms) + limit * 1000 ))
    tl=$(sb -q tasks create "bench latency") && tr=$(sb -q tasks create "bench raw") &&
      wl=$(sb -q swarm join --slot lat --task "$tl" --pid $$) && wr=$(sb -q swarm join --slot raw --task "$tr" --pid $$) ||
      { echo "  (tasks create / swarm join failed)"; return; }
    echo 0 > "$wl/f.txt"; (cd "$wl" && "$bones" -q swarm commit -m seed) >/dev/null
    echo 0 > "$wr/r.txt"
    (cd "$wr" && "$FOSSIL" update >/dev/null && "$FOSSIL" add r.txt >/dev/null && "$FOSSIL" commit -m seed --no-warnings >/dev/null) ||
      echo "  (raw seed commit failed)"
    echo
    echo "== one-file change: bones swarm commit vs raw fossil commit + push ($runs runs each; target ratio <= 1.3)"
    cli_row "raw fossil commit + push" "$runs" -- sh -c 'cd "$0" && echo "$1" >> r.txt &&
      "$2" commit -m "r$1" --no-warnings --no-prompt >/dev/null && "$2" push >/dev/null' "$wr" "{i}" "$FOSSIL"
    rawm=$med rawp=$p99
    cli_row "bones swarm commit" "$runs" -- sh -c 'cd "$0" && echo "$1" >> f.txt && exec "$2" -q swarm commit -m "c$1"' \
      "$wl" "{i}" "$bones"
    bm=$med bp=$p99
    echo
    echo "== a committer killed -9 holding the trunk lease: the next commit of another slot ($kruns runs; target <= 2000 ms)"
    kill_figure 2>> "$sw/out/k.shell" # the shell's "Killed" notices
    echo
    echo "== $nslots slots committing in parallel (3 commits each, joined beforehand)"
    pw=$(close_too=0 prejoin=1 many s "$nslots" 3)
    _i=0
    while [ $_i -lt "$nslots" ]; do sb swarm close --slot "s$_i" --result success >/dev/null 2>&1; _i=$((_i + 1)); done
    pn=$(awk '$1 == "commit"' "$sw/out/s.t" | wc -l | tr -d ' ')
    prate=$(awk -v n="$pn" -v ms="$pw" 'BEGIN { printf "%.2f", (ms > 0 ? n * 1000 / ms : 0) }')
    srate=$(awk -v m="$rawm" 'BEGIN { if (m + 0 > 0) printf "%.2f", 1000 / m; else print "-" }')
    echo "  $pn commits in $pw ms: $prate commits/s; serial raw fossil commit+push: $srate commits/s (1000 / raw median)"
    [ ! -s "$sw/out/s.bad" ] || { echo "  failures:"; head -n 5 "$sw/out/s.bad" | sed 's/^/    /'; }
    echo
    echo "== $nagents agents: join, 3 commits, close, all at once (bound ${limit} s)"
    echo "  load before: $(uptime | sed 's/^ *//')"
    aw=$(many a "$nagents" 3)
    an=$(awk '$1 == "close"' "$sw/out/a.t" | wc -l | tr -d ' ')
    echo "  $an of $nagents agents completed in $aw ms; failures: $(wc -l < "$sw/out/a.bad" | tr -d ' ')"
    [ ! -s "$sw/out/a.bad" ] || head -n 5 "$sw/out/a.bad" | sed 's/^/    /'
    leaves=$(HOME=$HOME "$FOSSIL" sql -R "$ws/.bones/hub.fossil" "SELECT count(*) FROM leaf" 2>/dev/null)
    echo "  hub trunk leaves after all: ${leaves:-?} (must be 1)"
    echo
    echo "== swarm summary (sqlite substrate; ms unless noted)"
    printf '%-44s %10s %10s %10s %8s\n' figure value baseline ratio target
    printf '%-44s %10s %10s %10s %8s\n' "commit median (bones vs raw commit+push)" "$bm" "$rawm" "$(ratio "$bm" "$rawm")" \
      "<=1.3 $(target "$(ratio "$bm" "$rawm")" 1.3)"
    printf '%-44s %10s %10s %10s\n' "commit p99 (bones vs raw)" "$bp" "$rawp" "$(ratio "$bp" "$rawp")"
    printf '%-44s %10s %10s %10s %8s\n' "killed lease holder: next commit, max ms" "$kmax" "$bm" "$(ratio "$kmax" "$bm")" \
      "<=2000 $(target "$kmax" 2000)"
    _r=$(ratio "$prate" "$srate")
    printf '%-44s %10s %10s %10s %8s\n' "$nslots slots: commits/s vs serial raw" "$prate" "$srate" "$_r" ">=1.0 $(target_min "$_r" 1.0)"
    # issue 15's bounds: every agent done, commit p99 <= 10 s, join p99 <= 2 s
    printf '%-44s %10s %10s %10s %8s\n' "$nagents agents: completed / wall ms" "$an/$nagents" "$aw" "" \
      "all $([ "$an" = "$nagents" ] && echo met || echo MISSED)"
    for v in join commit close; do
      set -- $(pctl "$sw/out/a.t" "$v")
      case $v in join) _b=2000 ;; commit) _b=10000 ;; *) _b= ;; esac
      printf '%-44s %10s %10s %10s %8s\n' "$nagents agents: $v p50 / p99" "$1" "$2" "" \
        "${_b:+p99<=$_b $(target "$2" "$_b")}"
    done
  }
  if sb up --substrate=sqlite >/dev/null && sb hub start --detach >/dev/null; then
    swarm_figures
  else
    echo "  (bones up / hub start failed)"
  fi
  "$bones" -C "$ws" hub stop --force >/dev/null 2>&1
  hub_ws=
fi
