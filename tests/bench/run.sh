#!/bin/sh
# run.sh: `make bench`.  Prints figures; never pass/fail on speed.
# Needs BONES_TEST_BUILDDIR / BONES_TEST_SRCDIR (set by the make rule).
# Per backend (sqlite; nats and redis on private servers on 127.0.0.1):
# vtable vs raw-client latency (bench-kv), one process per operation vs
# the raw-client floor and /bin/true (bench-cli, bench-floor-X), and N
# processes racing CAS creates/updates (bench-race; BONES_BENCH_PROCS,
# BONES_BENCH_KEYS).
set -u
b=$BONES_TEST_BUILDDIR
. "$b/tests/lib/config.sh"
. "$BONES_TEST_SRCDIR/tests/lib/servers.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bones-bench.XXXXXX")
nats_pid= redis_pid=
trap 'bones_stop_server "$nats_pid"; bones_stop_server "$redis_pid"; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export BONES_PLUGIN_PATH="$b/backends/kv-nats:$b/backends/kv-redis"
cli="$b/tests/bench/bench-cli"
bones="$b/bones"
[ -x "$b/.libs/bones" ] && bones="$b/.libs/bones" && export LD_LIBRARY_PATH="$b/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# private servers on 127.0.0.1 (a backend without its server is skipped)
nats_url= redis_url=
if [ "$BUILD_KV_NATS" = yes ] && [ -n "$NATS_SERVER" ]; then
  mkdir -p "$tmp/n" && bones_start_nats "$tmp/n" && nats_pid=$BONES_NATS_PID nats_url=$BONES_NATS_URL
fi
if [ "$BUILD_KV_REDIS" = yes ] && [ -n "$REDIS_SERVER" ]; then
  mkdir -p "$tmp/r" && bones_start_redis "$tmp/r" && redis_pid=$BONES_REDIS_PID redis_url=$BONES_REDIS_URL
fi
[ -n "$nats_url" ] || echo "(nats: backend or nats-server missing; skipped)"
[ -n "$redis_url" ] || echo "(redis: backend or redis-server missing; skipped)"

echo "== KV per-operation latency (target: vtable/raw <= 1.10)"
"$b/tests/bench/bench-kv" --substrate "sqlite:$tmp/vt.db" --raw-url "sqlite:$tmp/raw.db" -n 3000
for u in $nats_url $redis_url; do
  echo
  "$b/tests/bench/bench-kv" --substrate "$u" --raw-url "$u" -n 3000
done

# cli_row LABEL N -- CMD...: one bench-cli line; leaves the median (ms) in $med
cli_row() {
  _out=$("$cli" "$@") || { med=; return 1; }
  printf '%s\n' "$_out"
  med=$(printf '%s\n' "$_out" | awk '{ for (i = 1; i < NF; i++) if ($i == "median") print $(i + 1) }')
}

# ratio A B: A/B with two decimals ("-" when either is missing)
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

# target MS LIMIT: "met" when MS <= LIMIT, "MISSED" otherwise
target() { awk -v a="${1:-}" -v t="$2" 'BEGIN { if (a == "") print "-"; else print (a + 0 <= t + 0 ? "met" : "MISSED") }'; }

# cli_backend NAME URL TARGET_MS: `bones kv get` and `bones kv update` one
# process per operation, the raw floor, and the ratios.
cli_backend() {
  echo
  echo "== one bones process per operation ($1; target <= $3 ms median)"
  "$bones" -q --substrate="$2" kv put b k v >/dev/null || { echo "  (cannot write to $1)"; return; }
  cli_row "bones kv get ($1)" 200 -- "$bones" --substrate="$2" kv get b k; get=$med
  cli_row "bones kv update ($1)" 200 -- "$bones" --substrate="$2" kv update b k v --rev "{rev}"; upd=$med
  cli_row "floor: raw client get ($1)" 200 -- "$b/tests/bench/bench-floor-$1" "$2" b k; flo=$med
  echo "  ratio bones/floor (floor = raw get): get $(ratio "$get" "$flo")   update $(ratio "$upd" "$flo");" \
    "bones/true: get $(ratio "$get" "$tru");  target $3 ms: get $(target "$get" "$3"), update $(target "$upd" "$3")"
}

echo
echo "== process floor"
cli_row "floor: /bin/true" 200 -- /bin/true; tru=$med
cli_backend sqlite "sqlite:$tmp/cli.db" 3
[ -z "$redis_url" ] || cli_backend redis "$redis_url" 2.5
[ -z "$nats_url" ] || cli_backend nats "$nats_url" 7

procs=${BONES_BENCH_PROCS:-32} keys=${BONES_BENCH_KEYS:-1000}
for u in "sqlite:$tmp/race.db" $nats_url $redis_url; do
  echo
  echo "== contention: $procs processes racing CAS create/update of $keys keys (duplicates must be 0)"
  "$b/tests/bench/bench-race" --substrate "$u" --procs "$procs" --keys "$keys" ||
    echo "  bench-race reported a problem (above)"
done
