# msg_race.sh: `bones msg` under contention, through the real CLI (issue
# 18).  Sourced by msg-<backend>.test after they set $SUB.
#  (a) 10 processes x 50 messages to 5 inboxes, all at once: every message
#      is in its inbox exactly once, and in no other;
#  (b) 10 processes ack overlapping halves of the 5 inboxes at once: each
#      acked message reports "changed" exactly once, the unread counts are
#      exact afterwards;
#  (c) msg wait: a waiter gets a message sent after it started; two
#      waiters and one message: exactly one gets it, the other times out
#      (exit 124).
T=$TAP_TMPDIR
as() { _a=$1; shift; BONES_AGENT_ID=$_a "$BONES" --substrate="$SUB" "$@"; }
SLACK=20 # seconds: a wait not over this long after it was due is a hang
py() { _c=$1; shift; python3 -c "$_c" "$@"; }

# (a)
pids=
s=0
while [ $s -lt 10 ]; do
  (
    while [ ! -e "$T/go" ]; do sleep 0.005; done
    n=0
    while [ $n -lt 50 ]; do
      as sender-$s -q msg send --to inbox-$(( (s + n) % 5 )) "s$s-n$n" >/dev/null 2>>"$T/send.err" || echo "s$s-n$n" >> "$T/send.failed"
      n=$((n + 1))
    done
  ) &
  pids="$pids $!"
  s=$((s + 1))
done
sleep 0.3
touch "$T/go"
for pid in $pids; do wait "$pid"; done
tap_is "$(cat "$T/send.failed" 2>/dev/null | wc -l | tr -d ' ')" "0" "(a) 500 sends from 10 processes at once: none failed $(head -c 300 "$T/send.err" 2>/dev/null)"
for k in 0 1 2 3 4; do as inbox-$k --json msg inbox > "$T/inbox.$k.json" || tap_bail "inbox $k"; done
tap_is "$(python3 - "$T" <<'PY'
import json, sys, collections
T = sys.argv[1]
seen = collections.Counter()
wrong = 0
for k in range(5):
    d = json.load(open(f"{T}/inbox.{k}.json"))["data"]
    for m in d["messages"]:
        seen[m["text"]] += 1
        s, n = (int(x[1:]) for x in m["text"].split("-"))
        if (s + n) % 5 != k or m["to"] != f"inbox-{k}" or m["from"] != f"sender-{s}": wrong += 1
want = {f"s{s}-n{n}" for s in range(10) for n in range(50)}
print(len(seen), sum(seen.values()), set(seen) == want, max(seen.values()), wrong,
      [json.load(open(f"{T}/inbox.{k}.json"))["data"]["unread"] for k in range(5)])
PY
)" "500 500 True 1 0 [100, 100, 100, 100, 100]" \
  "(a) each of the 500 messages is in its inbox exactly once, in no other; 100 unread in each"

# (b) per inbox: one process acks messages 0-59, another 40-79 (oldest first)
pids=
rm -f "$T/go"
for k in 0 1 2 3 4; do
  python3 -c 'import json,sys; [print(m["id"]) for m in json.load(open(sys.argv[1]))["data"]["messages"]]' \
    "$T/inbox.$k.json" > "$T/ids.$k"
  for half in A B; do
    case $half in A) first=1 last=60 ;; B) first=41 last=80 ;; esac
    (
      while [ ! -e "$T/go" ]; do sleep 0.005; done
      sed -n "${first},${last}p" "$T/ids.$k" | while read -r id; do
        as inbox-$k --json msg ack "$id" >> "$T/ack.$k.$half" 2>>"$T/ack.err" || echo "$id" >> "$T/ack.failed"
      done
    ) &
    pids="$pids $!"
  done
done
sleep 0.3
touch "$T/go"
for pid in $pids; do wait "$pid"; done
tap_is "$(cat "$T/ack.failed" 2>/dev/null | wc -l | tr -d ' ')" "0" "(b) 500 acks from 10 processes at once: none failed $(head -c 300 "$T/ack.err" 2>/dev/null)"
for k in 0 1 2 3 4; do as inbox-$k --json msg inbox > "$T/after.$k.json" || tap_bail "inbox $k"; done
tap_is "$(python3 - "$T" <<'PY'
import json, sys, collections
T = sys.argv[1]
out = []
for k in range(5):
    changed = collections.Counter()
    for half in "AB":
        for line in open(f"{T}/ack.{k}.{half}"):
            d = json.loads(line)["data"]
            if d["changed"]: changed[d["message"]["id"]] += 1
    inbox = json.load(open(f"{T}/after.{k}.json"))["data"]
    acked = sum(1 for m in inbox["messages"] if m["acked_at"])
    out.append((len(changed), max(changed.values()), acked, inbox["unread"], inbox["total"]))
print(set(out))
PY
)" "{(80, 1, 80, 20, 100)}" \
  "(b) per inbox: 80 acked, each reported changed exactly once (the 20 acked twice: once), 20 unread left, 100 kept"

# (c) a waiter gets a message sent after it started
t0=$(date +%s%N)
as waiter --json msg wait --from pinger --timeout ${SLACK}s > "$T/wait.json" 2>"$T/wait.err" &
wpid=$!
sleep 0.5
as pinger -q msg send --to waiter "ping" >/dev/null || tap_bail "ping send"
wait $wpid
rc=$?
tap_is "$rc $(py 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; print(d["message"]["text"], d["message"]["read_at"] is not None)' "$T/wait.json")" \
  "0 ping True" "(c) msg wait returns the message sent after it started, marked read"
tap_diag "(c) the wait took $(( ($(date +%s%N) - t0) / 1000000 )) ms, of which 500 ms before the send"
as w2 msg wait --timeout 4s > "$T/w2.a" 2>&1 &
p1=$!
as w2 msg wait --timeout 4s > "$T/w2.b" 2>&1 &
p2=$!
sleep 0.5
as pinger -q msg send --to w2 "only one" >/dev/null || tap_bail "send"
wait $p1; r1=$?
wait $p2; r2=$?
tap_is "$(echo "$r1 $r2" | tr ' ' '\n' | sort | tr '\n' ' ')" "0 124 " "(c) two waiters, one message: one gets it, the other times out (124)"
tap_is "$(cat "$T/w2.a" "$T/w2.b" | grep -c 'only one')" "1" "(c) the message is printed once"
