# run_coord.sh: the coordination section of `make bench` (sourced by
# run.sh).  Per backend: a barrier of N processes (`bones coord
# checkpoint` then `bones coord wait`, each a whole process, arriving at
# random delays over 0.5 s), R rounds: how long after the last arrival
# every waiter was released (median and worst round), and how long a
# `coord wait --timeout 300ms` with a missing agent takes.  Figures only:
# the test suite checks correctness (tests/race/coord_race.sh), never speed.
section "coord barrier (issue 10, item 18)"
coord_n=${BONES_BENCH_BARRIER_PROCS:-8} coord_rounds=${BONES_BENCH_BARRIER_ROUNDS:-5}
coord_rows=

# coord_now_ns: nanoseconds on the wall clock
coord_now_ns() { date +%s%N; }

# coord_barrier NAME URL: R barrier rounds and 3 timeouts; appends a row
# to $coord_rows
coord_barrier() {
  echo
  echo "== barrier of $coord_n processes, $coord_rounds rounds ($1)"
  _d=$tmp/coord.$1
  mkdir -p "$_d"
  _agents=$(seq 0 $((coord_n - 1)) | sed 's/^/b-/' | paste -sd, -)
  _lats=
  _r=1
  while [ "$_r" -le "$coord_rounds" ]; do
    rm -f "$_d"/arr.* "$_d"/done.* "$_d"/bad
    _pids=
    _p=0
    while [ "$_p" -lt "$coord_n" ]; do
      (
        sleep "0.$(od -An -N1 -tu1 /dev/urandom | tr -d ' ' | awk '{printf "%03d", $1 * 2}')"
        BONES_AGENT_ID=b-$_p "$bones" --substrate="$2" coord checkpoint "bar$_r" >/dev/null || echo checkpoint >> "$_d/bad"
        coord_now_ns > "$_d/arr.$_p"
        BONES_AGENT_ID=b-$_p "$bones" --substrate="$2" coord wait "bar$_r" --agents "$_agents" --timeout 60s >/dev/null ||
          echo wait >> "$_d/bad"
        coord_now_ns > "$_d/done.$_p"
      ) &
      _pids="$_pids $!"
      _p=$((_p + 1))
    done
    for _pid in $_pids; do wait "$_pid"; done
    if [ -s "$_d/bad" ]; then echo "  round $_r: $(sort "$_d/bad" | uniq -c | tr '\n' ' ')failed"; _r=$((_r + 1)); continue; fi
    _last=$(cat "$_d"/arr.* | sort -n | tail -1)
    _lat=$(cat "$_d"/done.* | awk -v l="$_last" '{d = ($1 - l) / 1e6; if (d > m) m = d} END {printf "%.1f", m}')
    echo "  round $_r: slowest release $_lat ms after the last arrival"
    _lats="$_lats $_lat"
    _r=$((_r + 1))
  done
  _tmo=
  for _i in 1 2 3; do
    _t0=$(coord_now_ns)
    BONES_AGENT_ID=b-0 "$bones" --substrate="$2" coord wait bar1 --agents b-0,nobody --timeout 300ms >/dev/null 2>&1
    _st=$?
    _ms=$(( ($(coord_now_ns) - _t0) / 1000000 ))
    [ "$_st" -eq 124 ] || echo "  timeout run $_i: exit $_st (not 124)"
    _tmo="$_tmo $_ms"
  done
  echo "  wait --timeout 300ms with a missing agent took:$_tmo ms"
  _med=$(printf '%s\n' $_lats | sort -n | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]; else print "-"}')
  _max=$(printf '%s\n' $_lats | sort -n | tail -1)
  _tmax=$(printf '%s\n' $_tmo | sort -n | tail -1)
  coord_rows="$coord_rows$(printf '%-8s %6s %14s %14s %20s' "$1" "$(printf '%s\n' $_lats | grep -c .)" "${_med:--}" "${_max:--}" "${_tmax:--}")
"
}

# coord_wake NAME URL: one waiter, one write, 5 rounds each for `coord
# wait` (woken by the checkpoint it waits for) and `msg wait` (issue 18:
# woken by a message): ms from the writer's process returning to the
# waiter's returning, median and worst; appends a row to $wake_rows
wake_rows=
coord_wake() {
  _d=$tmp/wake.$1
  mkdir -p "$_d"
  _cw= _mw=
  for _r in 1 2 3 4 5; do
    BONES_AGENT_ID=w "$bones" --substrate="$2" coord wait "wk$_r" --agents a --round 1 --timeout 60s >/dev/null 2>&1 &
    _pid=$!
    sleep 0.5
    BONES_AGENT_ID=a "$bones" --substrate="$2" coord checkpoint "wk$_r" >/dev/null
    _t=$(coord_now_ns)
    wait "$_pid"
    _cw="$_cw $(( ($(coord_now_ns) - _t) / 1000000 ))"
    BONES_AGENT_ID="m$_r" "$bones" --substrate="$2" msg wait --timeout 60s >/dev/null 2>&1 &
    _pid=$!
    sleep 0.5
    BONES_AGENT_ID=a "$bones" --substrate="$2" -q msg send --to "m$_r" "wake" >/dev/null
    _t=$(coord_now_ns)
    wait "$_pid"
    _mw="$_mw $(( ($(coord_now_ns) - _t) / 1000000 ))"
  done
  _stat() { printf '%s\n' $1 | sort -n | awk '{a[NR] = $1} END {printf "%s/%s", a[int((NR + 1) / 2)], a[NR]}'; }
  echo "== wake-up after one write ($1): coord wait$_cw ms; msg wait$_mw ms"
  wake_rows="$wake_rows$(printf '%-8s %22s %22s' "$1" "$(_stat "$_cw")" "$(_stat "$_mw")")
"
}

mkdir -p "$tmp/coord"
coord_barrier sqlite "sqlite:$tmp/coord/bar.db"
[ -z "$nats_url" ] || coord_barrier nats "$nats_url"
[ -z "$redis_url" ] || coord_barrier redis "$redis_url"
coord_wake sqlite "sqlite:$tmp/coord/wake.db"
[ -z "$nats_url" ] || coord_wake nats "$nats_url"
[ -z "$redis_url" ] || coord_wake redis "$redis_url"

echo
echo "== coord summary (release = slowest waiter after the last arrival, per round, ms; whole processes from sh)"
printf '%-8s %6s %14s %14s %20s\n' backend rounds "release median" "release worst" "300ms timeout worst"
printf '%s' "$coord_rows"
echo
echo "== wake-up summary (ms from the writer's process returning to the waiter's, median/worst of 5)"
printf '%-8s %22s %22s\n' backend "coord wait" "msg wait"
printf '%s' "$wake_rows"
