# swarm_race.sh: parallel slots committing through the real CLI keep trunk
# one straight line and lose nothing.  Sourced by swarm-<backend>.test after
# they set $SUB (the substrate given to `bones up`).
#   $BONES_RACE_SLOTS processes (16), each its own slot, each make
#   $BONES_RACE_COMMITS commits (5) of distinct files at the same time.
# The hub is the judge: exactly SLOTS x COMMITS new check-ins, one leaf, no
# merge parent, no check-in with two children, every reported check-in id
# on the hub, every file on trunk with its last content.
[ -n "$FOSSIL" ] || tap_skip_backend fossil "fossil not found"
NS=${BONES_RACE_SLOTS:-16}
NC=${BONES_RACE_COMMITS:-5}
export BONES_HOME="$TAP_TMPDIR/home"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
w=$TAP_TMPDIR/w
mkdir -p "$w" "$TAP_TMPDIR/fhome" "$TAP_TMPDIR/out" && (cd "$w" && git init -q && echo seed > seed.txt &&
  git add . && git commit -qm init) || tap_bail "git setup failed"
b() { "$BONES" -C "$w" "$@"; }
hub=$w/.bones/hub.fossil
fsql() { HOME=$TAP_TMPDIR/fhome "$FOSSIL" sql -R "$hub" "$1" | tr -d "'"; }
tap_at_exit "\"$BONES\" -C '$w' hub stop --force >/dev/null 2>&1"
b up --substrate="$SUB" >/dev/null && b hub start --detach >/dev/null || tap_bail "bones up / hub start failed"
n0=$(fsql "SELECT count(*) FROM event WHERE type='ci'")

t0=$(date +%s%N)
pids=
i=0
while [ $i -lt "$NS" ]; do
  (
    o=$TAP_TMPDIR/out/$i
    : > "$o.ids"; : > "$o.bad"
    task=$(b -q tasks create "race slot $i") || { echo "create failed" >> "$o.bad"; exit; }
    wt=$(b -q swarm join --slot "r$i" --task "$task" --pid $$ 2>"$o.err") ||
      { echo "join: $(cat "$o.err")" >> "$o.bad"; exit; }
    j=0
    while [ $j -lt "$NC" ]; do
      echo "slot $i commit $j" > "$wt/f-$i-$j.txt"
      if id=$(b -q swarm commit --slot "r$i" -m "r$i c$j" 2>"$o.err"); then echo "$id" >> "$o.ids"
      else echo "commit $j: exit $?: $(cat "$o.err")" >> "$o.bad"; fi
      j=$((j + 1))
    done
    b swarm close --slot "r$i" --result success >/dev/null 2>"$o.err" || echo "close: $(cat "$o.err")" >> "$o.bad"
  ) &
  pids="$pids $!"
  i=$((i + 1))
done
for p in $pids; do wait "$p"; done # never a bare wait: the test's servers are children too
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tap_diag "$NS slots x $NC commits on $SUB: ${ms} ms"

cat "$TAP_TMPDIR"/out/*.bad > "$TAP_TMPDIR/bad"
tap_is "$(wc -l < "$TAP_TMPDIR/bad" | tr -d ' ')" "0" "every join, commit and close succeeded"
[ -s "$TAP_TMPDIR/bad" ] && tap_diag "$(head -n 5 "$TAP_TMPDIR/bad")"
cat "$TAP_TMPDIR"/out/*.ids | sort > "$TAP_TMPDIR/ids"
total=$((NS * NC))
tap_is "$(sort -u "$TAP_TMPDIR/ids" | wc -l | tr -d ' ')" "$total" "$total distinct check-in ids were reported"
fsql "SELECT blob.uuid FROM event JOIN blob ON blob.rid=event.objid WHERE event.type='ci'" | sort > "$TAP_TMPDIR/hub_ids"
tap_is "$(comm -23 "$TAP_TMPDIR/ids" "$TAP_TMPDIR/hub_ids" | wc -l | tr -d ' ')" "0" "every reported check-in is on the hub"
tap_is "$(fsql "SELECT count(*) FROM event WHERE type='ci'")" "$((n0 + total))" "the hub gained exactly $total check-ins"
tap_is "$(fsql "SELECT count(*) FROM leaf")" "1" "one leaf"
tap_is "$(fsql "SELECT count(*) FROM plink WHERE isprim=0")" "0" "no merge check-in (every check-in has one parent)"
tap_is "$(fsql "SELECT count(*) FROM (SELECT pid FROM plink GROUP BY pid HAVING count(*)>1)")" "0" \
  "no check-in has two children (no fork, not even a closed one)"
tap_is "$(fsql "SELECT count(*) FROM plink")" "$((n0 + total - 1))" "the check-ins form one chain"
files=$(HOME=$TAP_TMPDIR/fhome "$FOSSIL" ls -R "$hub" -r trunk | grep -c '^f-')
tap_is "$files" "$total" "trunk holds every slot's files"
bad=0; i=0
while [ $i -lt "$NS" ]; do
  j=$((NC - 1))
  [ "$(HOME=$TAP_TMPDIR/fhome "$FOSSIL" cat -R "$hub" -r trunk "f-$i-$j.txt" 2>/dev/null)" = "slot $i commit $j" ] || bad=$((bad + 1))
  i=$((i + 1))
done
tap_is "$bad" "0" "with their content"
tap_is "$(b --json swarm status | grep -o '"slot":' | wc -l | tr -d ' ')" "0" "every slot closed"
if [ "${BONES_LAND_QUEUE:-}" = 1 ]; then
  # the queue was used, not only switched on: a lease holder made its
  # check-out of the hub, and every bundle was landed and removed
  tap_is "$(ls -d "$w/.bones/land/co" 2>/dev/null | wc -l | tr -d ' ')" "1" "the lease holders landed queued changes"
  tap_is "$(find "$w/.bones/land/queue" "$w/.bones/land/done" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l | tr -d ' ')" \
    "0" "and left no bundle behind"
fi
