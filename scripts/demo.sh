#!/bin/sh
# demo.sh: the fullest end-to-end run of what bones does so far, on the
# embedded sqlite substrate, through the real `bones` program.
# Usage: scripts/demo.sh [PATH-TO-BONES]
set -u
bones=${1:-bones}
dir=$(mktemp -d "${TMPDIR:-/tmp}/bones-demo.XXXXXX")
trap 'rm -rf "$dir"' EXIT
db="sqlite:$dir/kv.sqlite"
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; rc=$?; printf '(exit %d)\n' "$rc"; return 0; }
expect() { # expect CODE: the last command's exit code
  if [ "$rc" -ne "$1" ]; then echo "demo: expected exit $1, got $rc" >&2; exit 1; fi
}

step "bones and its modules"
run "$bones" version; expect 0
run "$bones" plugins; expect 0

step "create a key (create-if-absent), then try again: refused with exit 4"
run "$bones" --substrate="$db" kv create demo greeting hello; expect 0
run "$bones" --substrate="$db" kv create demo greeting again; expect 4

step "compare-and-set: update at the current revision, then with a stale one"
rev=$("$bones" --substrate="$db" --json kv get demo greeting | sed 's/.*"revision":\([0-9]*\).*/\1/')
run "$bones" --substrate="$db" kv update demo greeting "hello, world" --rev "$rev"; expect 0
run "$bones" --substrate="$db" kv update demo greeting "lost race" --rev "$rev"; expect 4
run "$bones" --substrate="$db" --json kv get demo greeting; expect 0

step "list keys by prefix, in key order"
for t in t-3 t-1 t-2; do "$bones" -q --substrate="$db" kv put demo "tasks/$t" "{\"id\":\"$t\"}"; done
run "$bones" --substrate="$db" kv list demo tasks/ --long; expect 0

step "TTL: a bucket whose keys live 1s after their last write"
run "$bones" --substrate="$db" kv put leases holder agent-1 --ttl 1s; expect 0
run "$bones" --substrate="$db" kv get leases holder; expect 0
echo; echo "(sleeping 1.2s)"; sleep 1.2
run "$bones" --substrate="$db" kv get leases holder; expect 3
run "$bones" --substrate="$db" kv create leases holder agent-2; expect 0

step "bad input: clear errors, §9 exit codes, nothing written"
run "$bones" --substrate="$db" kv put demo ../escape x; expect 2
run "$bones" --substrate="nosuch://x" kv get demo k; expect 2
run "$bones" --substrate="$db" --json kv get demo missing; expect 3
run "$bones" --substrate="$db" kv buckets; expect 0

printf '\ndemo: every step behaved as expected\n'
