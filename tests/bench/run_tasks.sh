# run_tasks.sh: the tasks section of `make bench` (issue 5; sourced by
# run.sh).  Per backend: one `bones tasks claim` process per run on a
# fresh open task (200 runs) vs the raw-client floor, and N processes
# racing bones_task_claim over K tasks (bench-claim) vs the backend's raw
# CAS rate (bench-race's "update raw" phase, same N and K).
section "tasks (issue 5)"
procs=${BONES_BENCH_PROCS:-32} keys=${BONES_BENCH_KEYS:-1000}
export BONES_AGENT_ID=bench-cli
cli_row "floor: /bin/true" 200 -- /bin/true; tru=$med
tasks_rows=

# claim_cli NAME URL TARGET_MS: 200 fresh tasks, one claim process each,
# the floor; appends a row to $tasks_rows
claim_cli() {
  echo
  echo "== one \`bones tasks claim\` process per run ($1; target <= $3 ms median)"
  : > "$tmp/ids.$1"
  _i=0
  while [ $_i -lt 200 ]; do
    "$bones" -q --substrate="$2" tasks create "cli claim $_i" >> "$tmp/ids.$1" || { echo "  (cannot create tasks on $1)"; return; }
    _i=$((_i + 1))
  done
  "$bones" -q --substrate="$2" kv put b k v >/dev/null
  BENCH_CLI_LINES="$tmp/ids.$1" cli_row "bones tasks claim ($1)" 200 -- "$bones" --substrate="$2" tasks claim "{line}"
  _cm=$med _cp=$p99
  cli_row "floor: raw client get ($1)" 200 -- "$b/tests/bench/bench-floor-$1" "$2" b k; _fl=$med
  tasks_rows="$tasks_rows$(printf '%-8s %8s %8s %8s %7s %7s %9s %7s' "$1" "$_cm" "$_cp" "$_fl" \
    "$(ratio "$_cm" "$_fl")" "$(ratio "$_cm" "$tru")" "<= $3" "$(target "$_cm" "$3")")
"
}

# claim_race NAME URL: bench-claim and the raw CAS rate; appends a row to
# $race_rows
claim_race() {
  echo
  echo "== $procs processes racing bones_task_claim over $keys tasks ($1; duplicates must be 0)"
  _out=$("$b/tests/bench/bench-claim" --substrate "$2" --procs "$procs" --tasks "$keys")
  _rc=$?
  printf '%s\n' "$_out"
  [ $_rc -eq 0 ] || echo "  bench-claim reported a problem (above)"
  _cps=$(printf '%s\n' "$_out" | awk '{ for (i = 2; i <= NF; i++) if ($i == "claims/s,") print $(i - 1) }')
  _dup=$(printf '%s\n' "$_out" | awk '/duplicates/ { for (i = 1; i <= NF; i++) if ($i == "duplicates") { sub(",", "", $(i + 1)); print $(i + 1) } }')
  _ok=$(printf '%s\n' "$_out" | awk '/^  verify:/ { print $NF }')
  _f=$tmp/race.$1.txt
  if [ ! -s "$_f" ]; then
    "$b/tests/bench/bench-race" --substrate "$2" --procs "$procs" --keys "$keys" > "$_f" ||
      echo "  bench-race reported a problem"
  fi
  _raw=$(awk '$1 == "update" && $2 == "raw" { print $4 }' "$_f")
  echo "  raw CAS (bench-race, update raw, $procs x $keys): ${_raw:-?} wins/s"
  race_rows="$race_rows$(printf '%-8s %10s %12s %7s %6s %8s' "$1" "${_cps:--}" "${_raw:--}" \
    "$(ratio "$_cps" "$_raw")" "${_dup:--}" "${_ok:--}")
"
}

mkdir -p "$tmp/tasks"
claim_cli sqlite "sqlite:$tmp/tasks/cli.db" 3
[ -z "$redis_url" ] || claim_cli redis "$redis_url" 2.5
[ -z "$nats_url" ] || claim_cli nats "$nats_url" 7
race_rows=
claim_race sqlite "sqlite:$tmp/tasks/race.db"
[ -z "$nats_url" ] || claim_race nats "$nats_url"
[ -z "$redis_url" ] || claim_race redis "$redis_url"

echo
echo "== tasks summary (ms; floor = raw-client get process; ratios are bones/floor and bones/true)"
printf '%-8s %8s %8s %8s %7s %7s %9s %7s\n' backend median p99 floor /floor /true target met
printf '%s' "$tasks_rows"
echo "claim race: $procs processes x $keys tasks (claims/s = winning claims per second of wall time)"
printf '%-8s %10s %12s %7s %6s %8s\n' backend claims/s "raw CAS w/s" ratio dups verified
printf '%s' "$race_rows"
unset BONES_AGENT_ID

# claim --next (issue 11 item 5): one `bones tasks claim --next --another`
# process per run over a backlog of 210 ready tasks (each run reads the
# whole backlog, then claims the first ready one), sqlite
echo
echo "== one \`bones tasks claim --next\` process per run (sqlite, 210 tasks)"
export BONES_AGENT_ID=bench-next
_i=0
while [ $_i -lt 210 ]; do
  "$bones" -q --substrate="sqlite:$tmp/tasks/next.db" tasks create "next $_i" >/dev/null || break
  _i=$((_i + 1))
done
cli_row "bones tasks claim --next (sqlite)" 200 -- "$bones" --substrate="sqlite:$tmp/tasks/next.db" tasks claim --next --another
unset BONES_AGENT_ID
