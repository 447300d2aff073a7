# kv_cli.sh: `bones kv` through the real binary against one substrate.
# Sourced by kv-sqlite.test, kv-nats.test and kv-redis.test after they set
# $SUB to a substrate URL; every check is the same on every backend.
bones() { "$BONES" --substrate="$SUB" "$@"; }
B=cli$$   # a fresh bucket per run

tap_run "create prints a revision" bones kv create "$B" k v1
rev1=$TAP_OUT
tap_like "$rev1" '^[0-9]+$' "the revision is a number"
tap_run_status 4 "a second create of the same key exits 4" bones kv create "$B" k v2
tap_like "$TAP_OUT" "exists" "the refusal says the key exists"
tap_run_status 4 "--json create of an existing key exits 4" bones --json kv create "$B" k v2
tap_like "$TAP_OUT" '^\{"schema":"bones.error/v1","error":\{"code":"exists","exit":4,' "error envelope"

tap_run "get prints the raw value" bones kv get "$B" k
tap_is "$TAP_OUT" "v1" "the value is unchanged by the refused create"
tap_run "get --json" bones kv get "$B" k --json
tap_like "$TAP_OUT" "^\\{\"schema\":\"bones.kv.get/v1\",\"data\":\\{.*\"revision\":$rev1.*\"value\":\"v1\"" "get envelope"

tap_run_status 2 "update without --rev is a usage error" bones kv update "$B" k v3
tap_run "update at the current revision" bones kv update "$B" k v3 --rev "$rev1"
rev2=$TAP_OUT
[ "$rev2" -gt "$rev1" ] 2>/dev/null; tap_check $? "the revision grows ($rev1 -> $rev2)"
tap_run_status 4 "update at a stale revision exits 4" bones kv update "$B" k v4 --rev "$rev1"
tap_run_status 4 "--json stale update exits 4" bones --json kv update "$B" k v4 --rev "$rev1"
tap_like "$TAP_OUT" '"code":"conflict"' "conflict code in the envelope"
tap_is "$(bones kv get "$B" k)" "v3" "the stale update wrote nothing"
tap_run_status 3 "update of an absent key exits 3" bones kv update "$B" nokey v --rev 1

printf 'a\000b\001\377end' > "$TAP_TMPDIR/bin"
tap_run "put from stdin" sh -c '"$0" --substrate="$1" kv put "$2" bin - < "$3"' "$BONES" "$SUB" "$B" "$TAP_TMPDIR/bin"
bones kv get "$B" bin > "$TAP_TMPDIR/bin.out"
cmp -s "$TAP_TMPDIR/bin" "$TAP_TMPDIR/bin.out"; tap_check $? "binary value with NUL bytes round-trips"
tap_like "$(bones --json kv get "$B" bin)" '"encoding":"base64"' "non-UTF-8 value comes as base64 in JSON"

for key in tasks/t-3 tasks/t-1 tasks/t-2 other; do bones -q kv put "$B" "$key" x >/dev/null; done
tap_is "$(bones kv list "$B" tasks/ | tr '\n' ' ')" "tasks/t-1 tasks/t-2 tasks/t-3 " "list by prefix in key order"
tap_like "$(bones kv list "$B" --json)" '"count":6' "list --json counts every live key"

tap_run_status 4 "delete at a wrong revision exits 4" bones kv delete "$B" other --rev 1
tap_run "delete" bones kv delete "$B" other
tap_run_status 3 "get of a deleted key exits 3" bones kv get "$B" other
tap_run_status 3 "delete of an absent key exits 3" bones kv delete "$B" other
tap_run "create over a deleted key" bones kv create "$B" other again

tap_run_status 2 "an invalid key is a usage error" bones kv put "$B" ../x v
tap_like "$TAP_OUT" "invalid key" "the error names the problem"
tap_run_status 2 "an invalid bucket name is a usage error" bones kv put a/b k v
tap_run_status 2 "an empty key is a usage error" bones kv put "$B" "" v
tap_is "$(bones kv list "$B" | wc -l | tr -d ' ')" "6" "refused writes added nothing"
head -c 1048577 /dev/zero > "$TAP_TMPDIR/big"
tap_run_status 8 "a value over 1 MiB exits 8" sh -c '"$0" --substrate="$1" kv put "$2" big - < "$3"' "$BONES" "$SUB" "$B" "$TAP_TMPDIR/big"
tap_run_status 3 "the oversize value was not written" bones kv get "$B" big
tap_run_status 3 "get from a bucket that does not exist exits 3" bones kv get "nob$$" k

tap_run "a bucket with a 3s TTL" bones kv put "ttl$$" lease holder-1 --ttl 3s
tap_run_status 4 "asking for another TTL on it is refused" bones kv put "ttl$$" lease x --ttl 5s
tap_like "$TAP_OUT" "TTL" "the refusal names the TTL"
tap_is "$(bones kv get "ttl$$" lease)" "holder-1" "read before expiry"
sleep 3.6
tap_run_status 3 "the key has expired" bones kv get "ttl$$" lease
tap_is "$(bones kv list "ttl$$")" "" "an expired key is not listed"
tap_run "an expired key can be created again" bones kv create "ttl$$" lease holder-2

tap_like "$(bones kv buckets --json)" "\"bucket\":\"ttl$$\",\"ttl_ms\":3000" "buckets --json shows the TTL"
tap_run_status 2 "a duration without a unit is refused" bones kv put "$B" k v --ttl 5
tap_run "kv get --help" bones kv get --help
tap_like "$TAP_OUT" "^usage: bones kv get" "sub-verb help"
tap_run_status 2 "an unknown sub-verb is a usage error" bones kv gte "$B" k
tap_like "$TAP_OUT" "did you mean .bones kv get" "with a suggestion"
tap_run_status 2 "an unknown verb is a usage error" bones kb
tap_like "$TAP_OUT" "did you mean .bones kv" "with a suggestion"
