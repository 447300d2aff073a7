# run_prime.sh: the prime section of `make bench` (issue 11; sourced by
# run.sh).  One `bones prime` process per run in a sqlite workspace with
# 200 ready tasks, a claim, holds and broadcasts (target <= 30 ms median),
# beside the floor (/bin/true); then the same with the hub running, where
# prime also reads the trunk from .bones/hub.fossil (one `fossil sql`).
section "prime (issue 11)"
cli_row "floor: /bin/true" 200 -- /bin/true; _pt=$med
_pw=$tmp/prime
mkdir -p "$_pw" && (cd "$_pw" && git init -q && echo a > a.txt && git add . &&
  git -c user.name=b -c user.email=b@b commit -qm init) >/dev/null 2>&1
prime_rows=
if BONES_HOME=$tmp/prime-home "$bones" -C "$_pw" -q up >/dev/null 2>&1; then
  export BONES_HOME=$tmp/prime-home
  _i=0
  while [ $_i -lt 200 ]; do
    "$bones" -C "$_pw" -q tasks create "prime task $_i" --files "src/f$_i.c" --priority "P$((_i % 5))" >/dev/null || break
    _i=$((_i + 1))
  done
  _t=$(BONES_AGENT_ID=bench-other "$bones" -C "$_pw" -q tasks create "claimed by another" --files a.txt)
  BONES_AGENT_ID=bench-other "$bones" -C "$_pw" -q tasks claim "$_t" >/dev/null
  BONES_AGENT_ID=bench-other "$bones" -C "$_pw" -q coord claim a.txt >/dev/null
  for _m in one two three; do BONES_AGENT_ID=bench-other "$bones" -C "$_pw" -q coord broadcast general "$_m" >/dev/null; done
  echo
  echo "== one \`bones prime\` process per run (sqlite, 200 ready tasks, no hub; target <= 30 ms median)"
  cli_row "bones prime (sqlite, 200 tasks)" 200 -- "$bones" -C "$_pw" prime
  prime_rows="$prime_rows$(printf '%-28s %8s %8s %8s %7s %9s %7s' "no hub" "$med" "$p99" "$_pt" \
    "$(ratio "$med" "$_pt")" "<= 30" "$(target "$med" 30)")
"
  cli_row "bones prime --json (sqlite, 200 tasks)" 200 -- "$bones" -C "$_pw" prime --json
  cli_row "reference: bones tasks ready (same)" 200 -- "$bones" -C "$_pw" tasks ready
  prime_rows="$prime_rows$(printf '%-28s %8s %8s %8s %7s %9s %7s' "ref: tasks ready" "$med" "$p99" "$_pt" \
    "$(ratio "$med" "$_pt")" "-" "-")
"
  if [ -n "${FOSSIL:-}" ] && "$bones" -C "$_pw" -q hub start --detach >/dev/null 2>&1; then
    echo
    echo "== the same with the hub running (prime reads trunk from hub.fossil: one fossil process)"
    cli_row "bones prime (sqlite, 200 tasks, hub)" 100 -- "$bones" -C "$_pw" prime
    prime_rows="$prime_rows$(printf '%-28s %8s %8s %8s %7s %9s %7s' "hub running (fossil read)" "$med" "$p99" "$_pt" \
      "$(ratio "$med" "$_pt")" "-" "-")
"
    "$bones" -C "$_pw" hub stop --force >/dev/null 2>&1
  fi
  unset BONES_HOME
else
  echo "  (cannot make the prime workspace: bones up failed)"
fi
echo
echo "== prime summary (ms; /true = bones prime / the /bin/true spawn)"
printf '%-28s %8s %8s %8s %7s %9s %7s\n' case median p99 /true ratio target met
printf '%s' "$prime_rows"
