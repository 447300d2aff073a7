#!/bin/sh
# run.sh: `make bench`.  Prints figures; never pass/fail on speed.
# Needs BONES_TEST_BUILDDIR / BONES_TEST_SRCDIR (set by the make rule).
# Starts private nats and redis servers on 127.0.0.1 (a backend without
# its server is skipped), then runs the sections named in
# BONES_BENCH_ONLY (default "kv tasks prime coord swarm"):
#   run_kv.sh     KV layer: vtable vs raw client, one process per
#                 operation vs the floor, CAS races (bench-kv, bench-cli,
#                 bench-floor-X, bench-race)
#   run_tasks.sh  `bones tasks claim` per process, claim races (issue 5)
#   run_prime.sh  `bones prime` per process, 200 tasks, sqlite (issue 11)
#   run_coord.sh  barrier release latency and wait timeouts of `bones
#                 coord` (issue 10 item 18: figures, not test bounds)
#   run_swarm.sh  `bones swarm commit` vs raw fossil, 16 slots, 100
#                 agents (issue 6; needs fossil)
#   run_multihost.sh  claims on one host vs three simulated hosts over a
#                 three-node nats cluster (issue 16; root only)
set -u
b=$BONES_TEST_BUILDDIR
here=$BONES_TEST_SRCDIR/tests/bench
. "$b/tests/lib/config.sh"
. "$BONES_TEST_SRCDIR/tests/lib/servers.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bones-bench.XXXXXX")
nats_pid= redis_pid= hub_ws=
# cleanup: stops the hub of the swarm section (if any) and the servers
cleanup() {
  [ -z "$hub_ws" ] || "$bones" -C "$hub_ws" hub stop --force >/dev/null 2>&1
  bones_stop_server "$nats_pid"; bones_stop_server "$redis_pid"; rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export BONES_PLUGIN_PATH="$b/backends/kv-nats:$b/backends/kv-redis"
cli="$b/tests/bench/bench-cli"
bones="$b/bones"
[ -x "$b/.libs/bones" ] && bones="$b/.libs/bones" && export LD_LIBRARY_PATH="$b/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
sections=${BONES_BENCH_ONLY:-kv tasks prime coord swarm multihost}

# private servers on 127.0.0.1 (a backend without its server is skipped)
nats_url= redis_url=
case " $sections " in *" kv "* | *" tasks "* | *" coord "*)
  if [ "$BUILD_KV_NATS" = yes ] && [ -n "$NATS_SERVER" ]; then
    mkdir -p "$tmp/n" && bones_start_nats "$tmp/n" && nats_pid=$BONES_NATS_PID nats_url=$BONES_NATS_URL
  fi
  if [ "$BUILD_KV_REDIS" = yes ] && [ -n "$REDIS_SERVER" ]; then
    mkdir -p "$tmp/r" && bones_start_redis "$tmp/r" && redis_pid=$BONES_REDIS_PID redis_url=$BONES_REDIS_URL
  fi
  [ -n "$nats_url" ] || echo "(nats: backend or nats-server missing; skipped)"
  [ -n "$redis_url" ] || echo "(redis: backend or redis-server missing; skipped)"
esac

# cli_row LABEL N -- CMD...: one bench-cli line; leaves the median (ms) in
# $med and the p99 in $p99
cli_row() {
  _out=$("$cli" "$@") || { med= p99=; return 1; }
  printf '%s\n' "$_out"
  med=$(printf '%s\n' "$_out" | awk '{ for (i = 1; i < NF; i++) if ($i == "median") print $(i + 1) }')
  p99=$(printf '%s\n' "$_out" | awk '{ for (i = 1; i < NF; i++) if ($i == "p99") print $(i + 1) }')
}

# ratio A B: A/B with two decimals ("-" when either is missing)
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

# target MS LIMIT: "met" when MS <= LIMIT, "MISSED" otherwise
target() { awk -v a="${1:-}" -v t="$2" 'BEGIN { if (a == "") print "-"; else print (a + 0 <= t + 0 ? "met" : "MISSED") }'; }

# target_min X LIMIT: "met" when X >= LIMIT, "MISSED" otherwise
target_min() { awk -v a="${1:-}" -v t="$2" 'BEGIN { if (a == "" || a == "-") print "-"; else print (a + 0 >= t + 0 ? "met" : "MISSED") }'; }

# section TITLE: a header with the machine load (other work shares it)
section() { printf '\n######## %s\n# load at start: %s\n' "$1" "$(uptime | sed 's/^ *//')"; }

for s in $sections; do
  [ -f "$here/run_$s.sh" ] || { echo "bench: no section $s"; continue; }
  . "$here/run_$s.sh"
done
