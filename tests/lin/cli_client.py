#!/usr/bin/env python3
"""cli_client.py: a client of the linearizability runs that goes through
the real `bones kv` program: random get / put / create / update / delete
on a few keys, one history line per operation (the format of
lin_client.c and lincheck.py), timed around the whole process run.

usage: cli_client.py BONES SUBSTRATE BUCKET CLIENT KEYS OPS SEED"""
import json
import random
import subprocess
import sys
import time

OUTCOME = {0: "ok", 3: "notfound", 4: None}  # 4: "exists" for create, "conflict" otherwise


def main(argv):
    bones, substrate, bucket, client = argv[1:5]
    keys, ops, seed = int(argv[5]), int(argv[6]), int(argv[7])
    rnd = random.Random(seed)
    seen = [0] * keys
    for i in range(ops):
        k = rnd.randrange(keys)
        key, value = "k%d" % k, "%s-%d" % (client, i)
        dice = rnd.randrange(100)
        expected = max(1, seen[k] + (1 if rnd.randrange(4) == 0 else 0))
        line = {"c": client, "k": key}
        if dice < 30:
            f, args = "get", [bucket, key]
        elif dice < 45:
            f, args = "put", [bucket, key, value]
        elif dice < 60:
            f, args = "create", [bucket, key, value]
        elif dice < 85:
            f, args = "update", [bucket, key, value, "--rev", str(expected)]
            line["e"] = expected
        else:
            f = "delete"
            expected = 0 if dice < 92 else expected
            args = [bucket, key] + (["--rev", str(expected)] if expected else [])
            line["e"] = expected
        if f in ("put", "create", "update"):
            line["v"] = value
        t0 = time.monotonic_ns()
        try:
            p = subprocess.run([bones, "--substrate=" + substrate, "--json", "kv", f] + args, capture_output=True,
                               timeout=30)
            t1 = time.monotonic_ns()
            status, out = p.returncode, p.stdout
        except subprocess.TimeoutExpired:
            t1, status, out, p = None, -1, b"", None
        r = OUTCOME.get(status, "unknown")
        if status == 4:
            r = "exists" if f == "create" else "conflict"
        line.update({"f": f, "t0": t0, "t1": t1, "r": r})
        if r == "ok":
            try:
                data = json.loads(out)["data"]
            except (ValueError, KeyError):
                line["r"] = "unknown"  # exit 0 without its document: treat as undetermined
                data = {}
            if "revision" in data:
                line["orev"] = data["revision"]
                seen[k] = data["revision"]
            if f == "get" and "value" in data:
                line["ov"] = data["value"]
        elif r == "unknown":
            line["why"] = "timeout" if p is None else "exit %d: %s" % (status, p.stderr.decode(errors="replace").strip()[:200])
        print(json.dumps(line, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
