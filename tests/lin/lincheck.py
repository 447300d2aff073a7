#!/usr/bin/env python3
"""lincheck.py: a linearizability checker for histories of the bones KV
contract (tests/lin/, docs/linearizability.md).  Python 3 standard library.

  lincheck.py check HISTORY.jsonl...   exit 0 linearizable, 1 not, 2 bad input
  lincheck.py self-test                hand-made legal and illegal histories
  lincheck.py make-stale IN OUT        the control: IN with one read made stale
                                       (exit 3 when IN has no read to spoil)

A history line is one operation (tests/lin/lin_client.c, cli_client.py):
  {"c": client, "k": key, "f": "get|put|create|update|delete",
   "v": value written, "e": expected revision (update, delete; 0 = none),
   "t0": invocation ns, "t1": completion ns (CLOCK_MONOTONIC),
   "r": "ok|notfound|exists|conflict|unknown",
   "ov": value read (get ok), "orev": revision read or written (ok)}

The model of one key: absent or (value, revision); revisions of a key only
grow.  get reads it; put writes; create writes only when absent (else
exists); update writes only at revision e (absent: notfound, else
conflict); delete removes (e = 0: unconditionally; absent: ok or notfound),
else only at revision e.  An "unknown" outcome (unavailable, timeout) may
or may not have taken effect: it is linearized anywhere after its
invocation, or never.  A revision the history does not show (a write whose
answer was lost) is unknown until a later read shows it.

The search is Wing & Gong's, with Lowe's memoisation of (operations
linearized, state): each key separately (operations on different keys
commute in this contract)."""
import json
import sys

INF = float("inf")


class Op:
    __slots__ = ("i", "c", "k", "f", "v", "e", "t0", "t1", "r", "ov", "orev")

    def __init__(self, i, d):
        self.i = i
        self.c, self.k, self.f = d["c"], d["k"], d["f"]
        self.v, self.e = d.get("v"), d.get("e", 0) or 0
        self.t0 = d["t0"]
        self.r = d["r"]
        self.t1 = INF if self.r == "unknown" or d.get("t1") is None else d["t1"]
        self.ov, self.orev = d.get("ov"), d.get("orev")

    def __repr__(self):
        return "%s %s(%s%s) -> %s%s" % (self.c, self.f, self.k, "" if self.v is None else ", " + self.v,
                                        self.r, "" if self.orev is None else " rev %s" % self.orev)


# A state: (exists, value, rev, floor).  rev None = present with a revision
# not yet seen; floor = the highest revision known to be used (a new write's
# revision must be above it).
ABSENT = (False, None, 0, 0)


def _write(state, op):
    """The states after op wrote (op's own revision when known)."""
    floor = state[3] if state[2] is None else max(state[2], state[3])
    if op.orev is not None:
        if op.orev <= floor:
            return []
        return [(True, op.v, op.orev, op.orev)]
    return [(True, op.v, None, floor)]


def step(state, op):
    """Every state op can lead to from state, given its recorded outcome
    (an empty list: op cannot happen here)."""
    exists, value, rev, floor = state
    f, r = op.f, op.r
    unknown = r == "unknown"
    if f == "get":
        if unknown:
            return [state]
        if r == "notfound":
            return [state] if not exists else []
        if r != "ok" or not exists or value != op.ov:
            return []
        if rev is None:  # the read shows the revision
            return [(True, value, op.orev, max(floor, op.orev))] if op.orev > floor else []
        return [state] if rev == op.orev else []
    if f == "put":
        if unknown:
            return _write(state, op) + [state]
        return _write(state, op) if r == "ok" else []
    if f == "create":
        if unknown:
            return (_write(state, op) if not exists else []) + [state]
        if r == "ok":
            return _write(state, op) if not exists else []
        if r == "exists":
            return [state] if exists else []
        return []
    if f == "update":
        e = op.e
        can_match = exists and (rev == e or (rev is None and e > floor))
        if unknown:
            out = [state]
            if can_match:
                out += _write((True, value, e, max(floor, e)), op)
            return out
        if r == "ok":
            return _write((True, value, e, max(floor, e)), op) if can_match else []
        if r == "notfound":
            return [state] if not exists else []
        if r == "conflict":
            return [state] if exists and rev != e else []
        return []
    if f == "delete":
        e = op.e
        gone = (False, None, 0, floor if rev is None else max(rev, floor))
        if e == 0:
            if unknown:
                return [gone, state] if exists else [state]
            if r == "ok":
                return [gone] if exists else [state]  # deleting nothing may succeed
            if r == "notfound":
                return [state] if not exists else []
            return []
        can_match = exists and (rev == e or (rev is None and e > floor))
        gone_at_e = (False, None, 0, max(floor, e))
        if unknown:
            return [gone_at_e, state] if can_match else [state]
        if r == "ok":
            return [gone_at_e] if can_match else []
        if r == "notfound":
            return [state] if not exists else []
        if r == "conflict":
            return [state] if exists and rev != e else []
        return []
    return []


def check_key(ops, budget=2_000_000):
    """True when ops (one key) are linearizable; (False, detail) otherwise.
    budget bounds the states explored (None when it runs out)."""
    ops = sorted(ops, key=lambda o: o.t0)
    n = len(ops)
    known = sum(1 << j for j, o in enumerate(ops) if o.t1 != INF)
    seen = set()
    explored = [0]
    best = [0, None]  # the most operations linearized in any attempt, and the op that blocked there
    sys.setrecursionlimit(max(1000, 4 * n + 100))

    def search(mask, state):
        if mask & known == known:
            return True
        keyv = (mask, state)
        if keyv in seen:
            return False
        seen.add(keyv)
        explored[0] += 1
        if explored[0] > budget:
            raise OverflowError
        pending = [j for j in range(n) if not mask >> j & 1]
        first_return = min(ops[j].t1 for j in pending)
        done = bin(mask & known).count("1")
        for j in pending:
            o = ops[j]
            if o.t0 > first_return:
                break
            for ns in step(state, o):
                if search(mask | 1 << j, ns):
                    return True
        if done >= best[0]:
            blocker = min(pending, key=lambda j: ops[j].t1)
            best[0], best[1] = done, ops[blocker]
        return False

    try:
        if search(0, ABSENT):
            return True, None
    except OverflowError:
        return None, "search budget of %d states exhausted" % budget
    return False, "no order explains %r (after %d operations linearized)" % (best[1], best[0])


def load(paths):
    ops = []
    for path in paths:
        with open(path) as fh:
            for lineno, line in enumerate(fh, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    ops.append(Op(len(ops), json.loads(line)))
                except (ValueError, KeyError) as e:
                    raise ValueError("%s:%d: %s" % (path, lineno, e))
    return ops


def check(ops):
    """(ok, report lines): ok True, False, or None (undecided)."""
    by_key = {}
    for o in ops:
        by_key.setdefault(o.k, []).append(o)
    ok, lines = True, []
    for k in sorted(by_key):
        res, detail = check_key(by_key[k])
        counts = {}
        for o in by_key[k]:
            counts[o.r] = counts.get(o.r, 0) + 1
        lines.append("key %s: %d operations (%s): %s" % (
            k, len(by_key[k]), ", ".join("%s %d" % kv for kv in sorted(counts.items())),
            "linearizable" if res else ("UNDECIDED: " + detail if res is None else "NOT LINEARIZABLE: " + detail)))
        if res is not True:
            ok = False if res is False or ok is False else None
    return ok, lines


def _h(*specs):
    """Builds a history from (client, f, value, t0, t1, r, ov/orev...) tuples."""
    ops = []
    for i, s in enumerate(specs):
        d = {"c": s[0], "k": "k", "f": s[1], "t0": s[3], "t1": s[4], "r": s[5]}
        d.update(s[6] if len(s) > 6 else {})
        if s[2] is not None:
            d["v"] = s[2]
        ops.append(Op(i, d))
    return ops


SELF_TESTS = [
    # (name, linearizable?, history)
    ("a write then a read of it", True,
     _h(("a", "put", "x", 0, 10, "ok", {"orev": 1}), ("b", "get", None, 20, 30, "ok", {"ov": "x", "orev": 1}))),
    ("a stale read after a completed write", False,
     _h(("a", "put", "x", 0, 10, "ok", {"orev": 1}), ("a", "put", "y", 20, 30, "ok", {"orev": 2}),
        ("b", "get", None, 40, 50, "ok", {"ov": "x", "orev": 1}))),
    ("a read concurrent with a write may see either", True,
     _h(("a", "put", "x", 0, 10, "ok", {"orev": 1}), ("a", "put", "y", 20, 60, "ok", {"orev": 2}),
        ("b", "get", None, 30, 40, "ok", {"ov": "x", "orev": 1}), ("c", "get", None, 50, 70, "ok", {"ov": "y", "orev": 2}))),
    ("two creates both winning", False,
     _h(("a", "create", "x", 0, 10, "ok", {"orev": 1}), ("b", "create", "y", 5, 15, "ok", {"orev": 2}))),
    ("two concurrent creates: one wins, one exists", True,
     _h(("a", "create", "x", 0, 10, "ok", {"orev": 1}), ("b", "create", "y", 5, 15, "exists"))),
    ("a lost CAS: two updates at the same revision both succeed", False,
     _h(("a", "create", "x", 0, 10, "ok", {"orev": 1}),
        ("a", "update", "y", 20, 30, "ok", {"e": 1, "orev": 2}), ("b", "update", "z", 25, 35, "ok", {"e": 1, "orev": 3}))),
    ("a CAS that lost reports conflict", True,
     _h(("a", "create", "x", 0, 10, "ok", {"orev": 1}),
        ("a", "update", "y", 20, 30, "ok", {"e": 1, "orev": 2}), ("b", "update", "z", 25, 35, "conflict", {"e": 1}))),
    ("an update at the wrong revision succeeding", False,
     _h(("a", "create", "x", 0, 10, "ok", {"orev": 5}), ("a", "update", "y", 20, 30, "ok", {"e": 4, "orev": 6}))),
    ("a read of a deleted key", False,
     _h(("a", "put", "x", 0, 10, "ok", {"orev": 1}), ("a", "delete", None, 20, 30, "ok", {"e": 0}),
        ("b", "get", None, 40, 50, "ok", {"ov": "x", "orev": 1}))),
    ("a revision that goes backwards", False,
     _h(("a", "put", "x", 0, 10, "ok", {"orev": 7}), ("a", "put", "y", 20, 30, "ok", {"orev": 3}))),
    ("a read of a value never written", False,
     _h(("a", "put", "x", 0, 10, "ok", {"orev": 1}), ("b", "get", None, 20, 30, "ok", {"ov": "q", "orev": 1}))),
    ("a timed-out write seen later", True,
     _h(("a", "put", "x", 0, None, "unknown"), ("b", "get", None, 50, 60, "ok", {"ov": "x", "orev": 4}))),
    ("a timed-out write never seen", True,
     _h(("a", "put", "x", 0, 10, "ok", {"orev": 1}), ("b", "put", "y", 5, None, "unknown"),
        ("c", "get", None, 50, 60, "ok", {"ov": "x", "orev": 1}))),
    ("a timed-out write cannot be seen before it was invoked", False,
     _h(("b", "get", None, 0, 10, "ok", {"ov": "x", "orev": 1}), ("a", "put", "x", 20, None, "unknown"))),
    ("a notfound after a completed create", False,
     _h(("a", "create", "x", 0, 10, "ok", {"orev": 1}), ("b", "get", None, 20, 30, "notfound"))),
    ("delete at the right revision, then create again", True,
     _h(("a", "create", "x", 0, 10, "ok", {"orev": 1}), ("a", "delete", None, 20, 30, "ok", {"e": 1}),
        ("b", "create", "y", 40, 50, "ok", {"orev": 3}), ("c", "get", None, 60, 70, "ok", {"ov": "y", "orev": 3}))),
]


def self_test():
    failed = 0
    for n, (name, want, ops) in enumerate(SELF_TESTS, 1):
        got, _ = check_key(ops)
        ok = got is want
        failed += not ok
        print("%s %d - %s history judged %s%s" % ("ok" if ok else "not ok", n, "a legal" if want else "an illegal",
                                                    "linearizable" if got else "not linearizable", ": " + name))
    print("1..%d" % len(SELF_TESTS))
    return 1 if failed else 0


def make_stale(src, dst):
    """The control of a run: a copy of history src in which the last
    successful read that follows a completed write of another value returns
    a value older than that write.  Exit 0 when written, 3 when the history
    has no such read."""
    ops = [json.loads(line) for line in open(src) if line.strip()]
    ops.sort(key=lambda o: o["t0"])
    done = False
    for i, o in enumerate(ops):
        if done or o["f"] != "get" or o["r"] != "ok":
            continue
        # a completed write of another value to this key that ended before this read began
        for w in reversed(ops[:i]):
            if w["k"] == o["k"] and w["f"] in ("put", "create", "update") and w["r"] == "ok" and w.get("t1") \
                    and w["t1"] < o["t0"] and w["v"] != o["ov"]:
                olds = [x for x in ops if x["k"] == o["k"] and x.get("v") not in (None, o["ov"]) and x["r"] == "ok"
                        and x.get("t1") and x["t1"] < w["t0"]]
                if olds:
                    o["ov"], o["orev"] = olds[-1]["v"], olds[-1]["orev"]
                    done = True
                break
    with open(dst, "w") as fh:
        for o in ops:
            fh.write(json.dumps(o) + "\n")
    return 0 if done else 3


def main(argv):
    if len(argv) >= 2 and argv[1] == "self-test":
        return self_test()
    if len(argv) == 4 and argv[1] == "make-stale":
        return make_stale(argv[2], argv[3])
    if len(argv) >= 3 and argv[1] == "check":
        try:
            ops = load(argv[2:])
        except (OSError, ValueError) as e:
            print("lincheck: %s" % e, file=sys.stderr)
            return 2
        if not ops:
            print("lincheck: an empty history", file=sys.stderr)
            return 2
        ok, lines = check(ops)
        for line in lines:
            print(line)
        print("%d operations, %d keys: %s" % (len(ops), len({o.k for o in ops}),
                                              "linearizable" if ok else "NOT linearizable" if ok is False else "undecided"))
        return 0 if ok else 1
    print(__doc__.split("\n\n")[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
