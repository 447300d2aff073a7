# tasks-rich.sh: the richer task fields (description, acceptance, labels,
# notes), blocked, tree, export/import, through the real binary on one
# substrate.  Sourced by tasks-rich-sqlite.test and tasks-rich-redis.test
# after they set $SUB.
A() { BONES_AGENT_ID=agent-a "$BONES" --substrate="$SUB" "$@"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin)['data']; print($1)"; }
D="$TAP_TMPDIR/rich"
mkdir -p "$D"

# 1. fields on create, update, show, list --label
printf 'from a file\nsecond line ✓\n' >"$D/desc.txt"
tap_run "create with description, acceptance and labels" A -q tasks create "rich one" --description @"$D/desc.txt" \
  --acceptance "tests pass" --label zeta --label alpha --label zeta
r1=$TAP_OUT
got=$(A tasks show "$r1" --json | jq_py '"|".join([d["task"]["description"], d["task"]["acceptance"], ",".join(d["task"]["labels"])])')
tap_is "$got" "from a file
second line ✓
|tests pass|alpha,zeta" "the fields round-trip (labels sorted, each once)"
head -c 65537 /dev/zero | tr '\0' a >"$D/big"
tap_run_status 8 "a description over 64 KiB exits 8" A tasks create big --description "$(cat "$D/big")"
tap_run_status 3 "a missing @FILE exits 3" A tasks create big --description @"$D/nothere"
tap_run_status 8 "a description file over 64 KiB exits 8" A tasks create big --description @"$D/big"
head -c 65536 /dev/zero | tr '\0' a >"$D/max"
tap_run "exactly 64 KiB is fine" A -q tasks create max --acceptance @"$D/max"
printf 'bad \377 byte' >"$D/bin"
tap_run_status 2 "a non-UTF-8 acceptance exits 2" A tasks create bin --acceptance @"$D/bin"
tap_run_status 2 "a label with a space exits 2" A tasks create x --label "a b"
tap_run_status 2 "a label with a comma exits 2" A tasks create x --label "a,b"
tap_run_status 2 "an empty label exits 2" A tasks create x --label ""
tap_run_status 2 "a 65-byte label exits 2" A tasks create x --label "$(head -c 65 /dev/zero | tr '\0' l)"
set --; i=0; while [ $i -lt 33 ]; do set -- "$@" --label "l$i"; i=$((i + 1)); done
tap_run_status 2 "33 labels exit 2" A tasks create x "$@"
tap_run "update --add-label --remove-label --description" A tasks update "$r1" --add-label beta --remove-label zeta \
  --description "new text" --json
tap_like "$TAP_OUT" '"labels":\["alpha","beta"\]' "labels changed"
tap_like "$TAP_OUT" '"description":"new text"' "description changed"
set --; i=0; while [ $i -lt 31 ]; do set -- "$@" --add-label "m$i"; i=$((i + 1)); done
tap_run_status 2 "update past 32 labels in all exits 2" A tasks update "$r1" "$@"
tap_like "$TAP_OUT" "would have 33 labels" "saying how many"
tap_run_status 2 "update --add-label with a control char exits 2" A tasks update "$r1" --add-label "$(printf 'a\tb')"
r2=$(A -q tasks create "plain")
tap_is "$(A -q tasks list --label beta | tr '\n' ' ')" "$r1 " "list --label keeps the labelled task only"
tap_is "$(A -q tasks list --label nothere | wc -l | tr -d ' ')" "0" "list --label of an unused label is empty"
# an old record without the new members reads fine
A kv put bones-tasks t-oldrec00 '{"schema":"bones.task/v1","id":"t-oldrec00","title":"old","status":"open","claimed_by":null,"claim_epoch":0,"files":[],"edges":[],"context":{},"created_at":"2020-01-01T00:00:00.000Z"}' >/dev/null
tap_run "show of an old record" A tasks show t-oldrec00
tap_run "comment on an old record" A tasks comment t-oldrec00 "first note"
tap_like "$(A tasks show t-oldrec00 --json)" '"notes":\[\{"at":"[^"]*","by":"agent-a","text":"first note"\}\]' "adds notes"
tap_run "list --label skips records without labels" A tasks list --label alpha

# comments: any status, @FILE, concurrent ones all kept
A tasks close "$r2" >/dev/null
tap_run "comment on a closed task" A tasks comment "$r2" @"$D/desc.txt" --json
tap_like "$TAP_OUT" '"text":"from a file\\nsecond line ✓\\n"' "from a file, exactly"
tap_run_status 8 "a comment over 64 KiB exits 8" A tasks comment "$r2" @"$D/big"
tap_run_status 2 "an empty comment exits 2" A tasks comment "$r2" ""
tap_run_status 3 "a comment on an unknown task exits 3" A tasks comment t-zzzzzzzz hi
race=$(A -q tasks create "race")
p=0; pids=
while [ $p -lt 8 ]; do
  (k=0; while [ $k -lt 10 ]; do BONES_AGENT_ID=agent-$p "$BONES" --substrate="$SUB" -q tasks comment "$race" "c$p-$k" >/dev/null || echo FAIL; k=$((k + 1)); done) >"$D/race.$p" 2>&1 &
  pids="$pids $!"; p=$((p + 1))
done
wait $pids
tap_is "$(cat "$D"/race.* | grep -c FAIL)" "0" "8 processes x 10 comments: every comment call succeeded"
got=$(A tasks show "$race" --json | jq_py 'len(d["task"]["notes"]), len(set(n["text"] for n in d["task"]["notes"]))' | tr '\n' ' ')
tap_is "$got" "80 80 " "exactly 80 distinct notes"
tap_is "$(A tasks history "$race" | grep -c commented)" "80" "one event per comment"

# show: edges both ways
x=$(A -q tasks create blocker); y=$(A -q tasks create blocked); z=$(A -q tasks create done-blocker)
A tasks link "$x" "$y" --type blocks >/dev/null
A tasks link "$z" "$y" --type blocks >/dev/null
A tasks close "$z" >/dev/null
got=$(A tasks show "$y" --json | jq_py '" ".join(b["id"]+":"+b["status"] for b in d["blocked_by"]), len(d["blocking"])' | tr '\n' ' ')
tap_is "$got" "$x:open 0 " "show --json: blocked_by lists the non-closed blocker only"
got=$(A tasks show "$x" --json | jq_py '" ".join(b["id"]+":"+b["status"]+":"+b["title"] for b in d["blocking"])')
tap_is "$got" "$y:open:blocked" "show --json: blocking lists its targets"
tap_like "$(A tasks show "$y")" "blocked by: +$x open blocker" "human show: blocked by line"
tap_like "$(A tasks show "$x")" "blocks: +$y open blocked" "human show: blocks line"

# 2. blocked and tree
got=$(A tasks blocked --json | jq_py '" ".join(t["id"]+"<"+",".join(b["id"] for b in t["blockers"]) for t in d["tasks"])')
tap_is "$got" "$y<$x" "blocked --json: the blocked task with its open blocker"
tap_like "$(A tasks blocked)" "blocked by $x" "blocked human"
A tasks close "$x" >/dev/null
tap_is "$(A tasks blocked --json | jq_py 'd["count"]')" "0" "closing the blocker unblocks it"
root=$(A -q tasks create root); k1=$(A -q tasks create kid1 --parent "$root"); g1=$(A -q tasks create grandkid --parent "$k1")
k2=$(A -q tasks create kid2 --parent "$root")
tap_run "tree ID" A tasks tree "$root"
tap_is "$TAP_OUT" "$root open    root
  $k1 open    kid1
    $g1 open    grandkid
  $k2 open    kid2" "tree ID: indented with status"
got=$(A tasks tree --json | jq_py '[r["id"] for r in d["roots"]].count("'"$root"'"), [r["id"] for r in d["roots"]].count("'"$k1"'")' | tr '\n' ' ')
tap_is "$got" "1 0 " "tree --json: all roots, children not as roots"
c1=$(A -q tasks create cyc1); c2=$(A -q tasks create cyc2 --parent "$c1")
A tasks update "$c1" --parent "$c2" >/dev/null
tap_run "tree with a parent cycle ends" timeout 10 env BONES_AGENT_ID=agent-a "$BONES" --substrate="$SUB" tasks tree
tap_like "$TAP_OUT" "\\(cycle\\)" "and marks the cycle"
tap_run "tree ID on a cycle ends" timeout 10 env BONES_AGENT_ID=agent-a "$BONES" --substrate="$SUB" tasks tree "$c1" --json

# 3. export / import on this substrate
tap_run "export --out" A tasks export --out "$D/e1.jsonl"
A tasks export >"$D/e1b.jsonl"
tap_run "export to stdout is the same" cmp "$D/e1.jsonl" "$D/e1b.jsonl"
tap_is "$(python3 -c '
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
ok=all(l.rstrip("\n")==json.dumps(json.loads(l),sort_keys=True,separators=(",",":"),ensure_ascii=False) for l in open(sys.argv[1]))
print(ok, [ (r["created_at"],r["id"]) for r in rows]==sorted((r["created_at"],r["id"]) for r in rows))' "$D/e1.jsonl")" "True True" \
  "one compact record per line, keys sorted, by created_at then id"
tap_run "import of its own export" A tasks import "$D/e1.jsonl" --json
tap_like "$TAP_OUT" '"created":\[\],' "creates nothing"
tap_like "$TAP_OUT" '"replaced":\[\],' "replaces nothing"
A tasks comment "$r1" "changed after export" >/dev/null
tap_run_status 4 "a different existing record exits 4" A tasks import "$D/e1.jsonl"
tap_like "$TAP_OUT" "$r1" "naming it"
tap_like "$(A tasks show "$r1" --json)" "changed after export" "and writes nothing"
tap_run "--replace overwrites it" A tasks import "$D/e1.jsonl" --replace --json
tap_like "$TAP_OUT" "\"replaced\":\\[\"$r1\"\\]" "reported as replaced"
A tasks export >"$D/e2.jsonl"
tap_run "after --replace the export is the file again" cmp "$D/e1.jsonl" "$D/e2.jsonl"
{ head -2 "$D/e1.jsonl"; echo '{"id":"t-bad", "title": 1}'; echo 'not json'; } >"$D/bad.jsonl"
n0=$(wc -l <"$D/e1.jsonl")
tap_run_status 2 "a bad line exits 2" A tasks import "$D/bad.jsonl"
tap_like "$TAP_OUT" "line 3: .*line 4: " "naming the lines"
{ head -1 "$D/e1.jsonl"; head -1 "$D/e1.jsonl"; } >"$D/dup.jsonl"
tap_run_status 2 "the same id twice exits 2" A tasks import "$D/dup.jsonl"
tap_like "$TAP_OUT" "line 2: the id appears twice" "naming the line"
head -1 "$D/e1.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); r["notes"]=[{"at":1}]; print(json.dumps(r))' >"$D/notes.jsonl"
tap_run_status 2 "a record with malformed notes exits 2" A tasks import "$D/notes.jsonl"
tap_like "$TAP_OUT" "line 1: notes is not a list" "saying so"
