#!/bin/sh
# run.sh: `make bench`.  Prints figures; never pass/fail on speed.
# Needs BONES_TEST_BUILDDIR / BONES_TEST_SRCDIR (set by the make rule).
set -u
b=$BONES_TEST_BUILDDIR
. "$b/tests/lib/config.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bones-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export BONES_PLUGIN_PATH="$b/backends/kv-nats:$b/backends/kv-redis"
cli="$b/tests/bench/bench-cli"
bones="$b/bones"
[ -x "$b/.libs/bones" ] && bones="$b/.libs/bones" && export LD_LIBRARY_PATH="$b/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

echo "== KV per-operation latency (target: vtable/raw <= 1.10)"
"$b/tests/bench/bench-kv" --substrate "sqlite:$tmp/vt.db" --raw-url "sqlite:$tmp/raw.db" -n 3000

echo
echo "== one bones process per operation (sqlite; target <= 3 ms median)"
"$bones" -q --substrate="sqlite:$tmp/cli.db" kv put b k v >/dev/null
"$cli" "bones kv get (sqlite)" 200 -- "$bones" --substrate="sqlite:$tmp/cli.db" kv get b k
"$cli" "bones kv update (sqlite)" 200 -- "$bones" --substrate="sqlite:$tmp/cli.db" kv update b k v --rev "{rev}"
"$cli" "floor: /bin/true" 200 -- /bin/true
