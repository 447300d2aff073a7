# run_kv.sh: the KV section of `make bench` (sourced by run.sh).
section "KV layer"
echo "== KV per-operation latency (target: vtable/raw <= 1.10)"
"$b/tests/bench/bench-kv" --substrate "sqlite:$tmp/vt.db" --raw-url "sqlite:$tmp/raw.db" -n 3000
for u in $nats_url $redis_url; do
  echo
  "$b/tests/bench/bench-kv" --substrate "$u" --raw-url "$u" -n 3000
done

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
  # kept for the tasks section's raw CAS rate (same procs and keys)
  "$b/tests/bench/bench-race" --substrate "$u" --procs "$procs" --keys "$keys" > "$tmp/race.${u%%:*}.txt"
  _rc=$?
  cat "$tmp/race.${u%%:*}.txt"
  [ $_rc -eq 0 ] || echo "  bench-race reported a problem (above)"
done

# the cost of `bones up --durability=durable` (docs/durability.md): one
# `bones kv put` process per operation in each mode, side by side
echo
echo "== durability: fast vs durable, one bones kv put process per operation"
cli_row "bones kv put (sqlite fast: synchronous=NORMAL)" 200 -- "$bones" --substrate="sqlite:$tmp/dur-fast.db" kv put b k v
fast=$med
cli_row "bones kv put (sqlite durable: synchronous=FULL)" 200 -- "$bones" --substrate="sqlite:$tmp/dur-full.db?sync=full" kv put b k v
echo "  ratio durable/fast (sqlite): $(ratio "$med" "$fast")"
if [ -n "$redis_url" ] && command -v redis-cli >/dev/null 2>&1; then
  redis-cli -u "$redis_url" config set appendfsync everysec >/dev/null
  cli_row "bones kv put (redis fast: appendfsync everysec)" 200 -- "$bones" --substrate="$redis_url" kv put b k v
  fast=$med
  redis-cli -u "$redis_url" config set appendfsync always >/dev/null
  cli_row "bones kv put (redis durable: appendfsync always)" 200 -- "$bones" --substrate="$redis_url" kv put b k v
  redis-cli -u "$redis_url" config set appendfsync everysec >/dev/null
  echo "  ratio durable/fast (redis): $(ratio "$med" "$fast")"
fi
echo "  nats: no durable mode on nats-server before 2.10 (no sync_interval); nothing to compare"
