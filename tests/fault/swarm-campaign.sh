# swarm-campaign.sh: body of swarm-campaign-*.test (needs SUB, the
# substrate, and NCOMMITS, the number of `swarm commit`s).  8 slots commit
# at once, NCOMMITS in all; by a seeded schedule a committer is killed -9
# at a chosen point: at a random delay, or while its fossil child runs
# `changes` (before the trunk lease), `pull` or `update` (the sync, under
# the lease), `commit` or `push` (under the lease).  Only the bones process
# is killed, as a harness killing an agent's command does: its fossil child
# runs on, orphaned.  A monitor samples the trunk lease every ~100 ms.
# After the campaign:
#  - trunk is one straight line (one leaf, no merge check-in, no fork);
#  - every commit that reported success is on trunk, and no check-in is
#    there twice;
#  - every file any committer wrote is still in its worktree, and after a
#    last commit per slot on trunk, byte for byte;
#  - the lease was never held by a killed committer for more than
#    BONES_CAMPAIGN_BOUND_MS (20 s; the lease's own expiry is 60 s);
#  - `bones doctor --fix`, then `bones doctor` exits 0.
# The figures (kills per point, outcomes, the longest a dead committer's
# lease stayed) are printed as TAP comments.
[ -n "$FOSSIL" ] || tap_skip_backend fossil "fossil not found"
# the kill points are found through the committer's children
[ -r "/proc/$$/task/$$/children" ] || tap_skip_all "no /proc/PID/task/PID/children here (kernel CONFIG_PROC_CHILDREN)"
[ -n "$TAP_TMPDIR" ] || tap_tmpdir
export BONES_HOME="$TAP_TMPDIR/home"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
now_ms() { echo $(($(date +%s%N) / 1000000)); }
SLOTS="s1 s2 s3 s4 s5 s6 s7 s8"
BOUND_MS=${BONES_CAMPAIGN_BOUND_MS:-20000}
SEED=${BONES_CAMPAIGN_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
tap_diag "seed $SEED (BONES_CAMPAIGN_SEED=$SEED repeats the schedule), $NCOMMITS commits on $SUB"

w=$TAP_TMPDIR/w
out=$TAP_TMPDIR/out
mkdir -p "$w" "$out" "$TAP_TMPDIR/fhome" &&
  (cd "$w" && git init -q && echo seed > seed.txt && git add . && git commit -qm init) || tap_bail "git setup failed"
b() { "$BONES" -C "$w" "$@"; }
wt() { echo "$w/.bones/swarm/$1/wt"; }
hub=$w/.bones/hub.fossil
fsql() { HOME=$TAP_TMPDIR/fhome "$FOSSIL" sql -R "$hub" "$1" | tr -d "'"; }
tap_at_exit "\"$BONES\" -C '$w' hub stop --force >/dev/null 2>&1"
b up --substrate="$SUB" >/dev/null && b hub start --detach >/dev/null || tap_bail "bones up / hub start failed"
# the slots' agent: this shell (alive all along, so no slot is reaped)
for s in $SLOTS; do
  t=$(b -q tasks create "campaign $s") && b -q swarm join --slot "$s" --task "$t" --pid $$ >/dev/null ||
    tap_bail "join $s failed"
done
tap_ok "8 slots joined on $SUB"

# --- the schedule: "SLOT ATTEMPT MODE DELAY_MS" ------------------------------
awk -v seed="$SEED" -v n="$NCOMMITS" -v slots="$SLOTS" 'BEGIN {
  srand(seed); ns = split(slots, s, " ")
  nm = split("none none none none none none delay changes pull update commit commit push", m, " ")
  for (i = 0; i < n; i++) {
    slot = s[i % ns + 1]; att = int(i / ns) + 1
    printf "%s %d %s %d\n", slot, att, m[int(rand() * nm) + 1], int(rand() * 900)
  }
}' > "$TAP_TMPDIR/schedule"

# phase_of PID: sets $ph to the fossil command PID's child runs now
# ("changes", "pull", ...), "bones" when it runs none, "" when PID has
# ended.
# No fork (it runs every 10 ms): read(1) drops the NULs between the words
# of a command line.
phase_of() {
  ph= _st=
  read -r _st 2>/dev/null < "/proc/$1/stat" || return 0
  _st=${_st##*) }
  case $_st in Z* | X*) return 0 ;; esac # ended, not yet waited for
  _kids=
  read -r _kids 2>/dev/null < "/proc/$1/task/$1/children"
  ph=bones
  for _k in $_kids; do
    _cl=
    IFS= read -r _cl 2>/dev/null < "/proc/$_k/cmdline"
    case $_cl in
      *fossilchanges*) ph=changes ;; *fossilpull*) ph=pull ;; *fossilupdate*) ph=update ;;
      *fossilcommit*) ph=commit ;; *fossilpush*) ph=push ;; *fossil*) ph=other ;;
    esac
  done
}

# worker SLOT: runs its attempts; one line per attempt in $out/SLOT.results:
# "SLOT ATTEMPT MODE KILLED_AT STATUS KILL_MS PID" (KILLED_AT: the phase when
# killed, "-" when not killed)
worker() {
  _s=$1
  _d=$(wt "$_s")/$_s
  mkdir -p "$_d"
  grep "^$_s " "$TAP_TMPDIR/schedule" | while read -r _ i mode delay; do
    printf '%s attempt %s seed %s\n' "$_s" "$i" "$SEED" > "$_d/c$i.txt"
    echo "$_s c$i" >> "$_d/log.txt"
    "$BONES" -C "$w" --json swarm commit --slot "$_s" -m "$_s c$i" > "$out/$_s.$i.out" 2> "$out/$_s.$i.err" &
    cp=$!
    killed=- kill_ms=0
    case $mode in
      none) ;;
      delay)
        sleep "$(awk "BEGIN { print $delay / 1000 }")"
        phase_of $cp
        kill_ms=$(now_ms) # before the kill: a bound on the time after it
        if [ -n "$ph" ] && kill -9 $cp 2>/dev/null; then killed=$ph; else kill_ms=0; fi ;;
      *) # the first time its fossil child runs that command
        n=0
        while [ $n -lt 3000 ]; do
          phase_of $cp
          [ -n "$ph" ] || break
          if [ "$ph" = "$mode" ]; then
            kill_ms=$(now_ms)
            if kill -9 $cp 2>/dev/null; then killed=$ph; else kill_ms=0; fi
            break
          fi
          n=$((n + 1))
          sleep 0.01
        done ;;
    esac
    wait $cp 2>/dev/null
    echo "$_s $i $mode $killed $? $kill_ms $cp" >> "$out/$_s.results"
  done
}

# the lease monitor: "MS RECORD" each time the record changes, and at the
# end (a record lasts until the next line's time); sqlite is read directly
# every 20 ms, another substrate through `bones kv get`
monitor() {
  _last=none
  while [ ! -e "$out/stop" ]; do
    _v=$(b kv get bones-hub trunk 2>/dev/null)
    [ "$_v" = "$_last" ] || echo "$(now_ms) $_v"
    _last=$_v
    sleep 0.05
  done
  echo "$(now_ms) $_last"
}
if [ "$SUB" = sqlite ]; then
  python3 "$BONES_TEST_SRCDIR/tests/fault/lease_monitor.py" "$w/.bones/kv.sqlite" "$out/stop" > "$out/lease.log" &
else
  monitor > "$out/lease.log" &
fi
mon=$!
tap_at_exit "touch '$out/stop'; kill $mon 2>/dev/null"
t0=$(now_ms)
pids=
for s in $SLOTS; do
  worker "$s" 2>> "$out/shell.err" & # the shell's "Killed" notices
  pids="$pids $!"
done
for p in $pids; do wait "$p"; done
campaign_ms=$(($(now_ms) - t0))
touch "$out/stop"
wait $mon
# orphaned fossil programs of killed committers end by themselves
in_worktrees() {
  for p in /proc/[0-9]*; do
    case $(readlink "$p/cwd" 2>/dev/null) in "$w/.bones/swarm/"*) echo "${p#/proc/}" ;; esac
  done
}
i=0
while [ -n "$(in_worktrees)" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -z "$(in_worktrees)" ]; tap_check $? "no program runs in a worktree after the campaign"
cat "$out"/*.results > "$out/results"

# --- the figures ---------------------------------------------------------------
n_att=$(wc -l < "$out/results" | tr -d ' ')
tap_is "$n_att" "$NCOMMITS" "$NCOMMITS commits attempted"
n_kill=$(awk '$4 != "-"' "$out/results" | wc -l | tr -d ' ')
n_ok=$(awk '$5 == 0' "$out/results" | wc -l | tr -d ' ')
by_point=$(awk '$4 != "-" { k[$4]++ } END { for (p in k) printf "%s=%d ", p, k[p] }' "$out/results")
statuses=$(awk '$4 == "-" { k[$5]++ } END { for (p in k) printf "exit %s: %d, ", p, k[p] }' "$out/results")
tap_diag "$campaign_ms ms; $n_kill killed -9 ($by_point); not killed: $statuses"
under_lease=$(awk '$4 == "pull" || $4 == "update" || $4 == "commit" || $4 == "push"' "$out/results" | wc -l | tr -d ' ')
killed_at() { awk -v p="$1" '$4 == p' "$out/results" | wc -l | tr -d ' '; }
[ "$n_kill" -ge $((NCOMMITS / 5)) ]; tap_check $? "at least a fifth of the committers were killed ($n_kill)"
[ "$under_lease" -ge $((NCOMMITS / 20)) ]; tap_check $? "killed while holding the trunk lease: $under_lease"
[ $(($(killed_at pull) + $(killed_at update))) -ge 1 ]; tap_check $? "killed during the sync (pull, update)"
[ "$(killed_at commit)" -ge 1 ]; tap_check $? "killed during fossil commit"
# a committer not killed exits 0, or 6 when an orphaned commit of its slot
# took its change along ("nothing to commit"); 4 would be a lease wait
# running out, which no bound here allows
bad=$(awk '$4 == "-" && $5 != 0 && $5 != 6' "$out/results")
if [ -z "$bad" ]; then tap_ok "every committer not killed exits 0 (or 6: nothing left to commit)"
else tap_not_ok "every committer not killed exits 0 (or 6: nothing left to commit)" \
  "$bad $(for l in $(echo "$bad" | awk '{ print $1 "." $2 }'); do cat "$out/$l.err" "$out/$l.out"; done)"; fi

# --- trunk ---------------------------------------------------------------------
linear() {
  [ "$(fsql "SELECT count(*) FROM leaf")" = 1 ] && [ "$(fsql "SELECT count(*) FROM plink WHERE isprim=0")" = 0 ] &&
    [ "$(fsql "SELECT count(*) FROM (SELECT pid FROM plink GROUP BY pid HAVING count(*)>1)")" = 0 ]
}
linear; tap_check $? "trunk is one straight line (one leaf, no merge, no fork)"
ids=$(for f in "$out"/*.out; do sed -n 's/.*"checkin":"\([0-9a-f]*\)".*/\1/p' "$f"; done | sort -u)
n_ids=$(echo "$ids" | grep -c .)
tap_is "$n_ids" "$n_ok" "every commit that reported success names its check-in ($n_ok)"
list=$(echo "$ids" | sed "s/.*/'&'/" | paste -sd, -)
on_trunk=$(fsql "SELECT count(*) FROM blob JOIN event ON event.objid=blob.rid WHERE event.type='ci' AND blob.uuid IN (${list:-''})")
tap_is "$on_trunk" "$n_ok" "each of them is on trunk"
dups=$(fsql "SELECT comment FROM event WHERE type='ci' GROUP BY comment HAVING count(*) > 1")
tap_is "$dups" "" "no check-in is on trunk twice"
landed_killed=$(for l in $(awk '$4 != "-" { print $1 "_c" $2 }' "$out/results"); do
  fsql "SELECT count(*) FROM event WHERE type='ci' AND comment='$(echo "$l" | tr _ ' ')'"; done | grep -c '^1$')
tap_diag "$landed_killed of the $n_kill killed commits had landed anyway (their orphaned fossil finished)"

# --- the lease -----------------------------------------------------------------
# for each committer killed: until when a record naming its pid lasted
worst=0 worst_who=
while read -r s i mode killed st kill_ms cp; do
  [ "$killed" != - ] || continue
  until=$(awk -v pid="\"pid\":$cp," 'held { u = $1 } { held = index($0, pid) > 0 } END { printf "%.0f\n", u }' "$out/lease.log")
  [ "$until" -gt "$kill_ms" ] || continue
  held=$((until - kill_ms))
  if [ $held -gt $worst ]; then worst=$held worst_who="$s attempt $i (killed at $killed)"; fi
done < "$out/results"
samples=$(wc -l < "$out/lease.log" | tr -d ' ')
tap_diag "the longest a killed committer's lease stayed after the kill: $worst ms ($worst_who; $samples lease changes seen)"
[ "$worst" -le "$BOUND_MS" ]; tap_check $? "no killed committer held the lease more than $BOUND_MS ms ($worst ms)"

# --- the worktrees and the work in them ------------------------------------------
lost=
while read -r s i mode killed st kill_ms cp; do
  [ "$(cat "$(wt "$s")/$s/c$i.txt" 2>/dev/null)" = "$s attempt $i seed $SEED" ] || lost="$lost $s/c$i.txt"
done < "$out/results"
tap_is "$lost" "" "every file written is still in its worktree"
for s in $SLOTS; do
  b swarm commit --slot "$s" -m "$s: the rest" > "$out/rest.$s" 2>&1
  st=$?
  [ $st = 0 ] || [ $st = 6 ] || tap_not_ok "the last commit of $s" "exit $st: $(cat "$out/rest.$s")"
done
tap_ok "a last commit per slot"
co=$TAP_TMPDIR/co
mkdir -p "$co" && (cd "$co" && HOME=$TAP_TMPDIR/fhome USER=t "$FOSSIL" open --nested "$hub" trunk >/dev/null 2>&1) ||
  tap_bail "cannot open trunk"
missing=
for s in $SLOTS; do diff -r "$(wt "$s")/$s" "$co/$s" > /dev/null 2>&1 || missing="$missing $s"; done
tap_is "$missing" "" "then every slot's files are on trunk, byte for byte"
linear; tap_check $? "trunk is still one straight line"

# --- doctor ----------------------------------------------------------------------
b doctor --fix > "$out/fix" 2>&1
tap_run "bones doctor is clean after doctor --fix" b doctor
tap_diag "$(grep -v '^ok ' "$out/fix" | head -n 10)"
[ -z "$BONES_CAMPAIGN_KEEP" ] || cp -r "$out" "$BONES_CAMPAIGN_KEEP"
