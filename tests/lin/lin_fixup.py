#!/usr/bin/env python3
"""lin_fixup.py: turns the histories of announcing clients (lin_client
--announce, tests/lin/lin-fault.sh) into a history lincheck.py reads.

  lin_fixup.py OUT HISTORY.jsonl...

Each operation appears as a "pending" line before it starts and as a
completed line after.  An operation whose client was killed before it
completed has only its pending line: it becomes "unknown" (it may or may
not have taken effect).  A torn last line (the client killed while writing
it) is dropped: its pending line stands for it.  Prints how many operations
were completed and how many were left pending."""
import json
import sys


def main(argv):
    out, paths = argv[1], argv[2:]
    done, pending = {}, {}
    for path in paths:
        with open(path) as fh:
            for raw in fh:
                try:
                    op = json.loads(raw)
                except ValueError:
                    continue  # a line cut by kill -9
                key = (op["c"], op["n"] if "n" in op else "line%d" % len(done))
                if op["r"] == "pending":
                    pending[key] = op
                else:
                    done[key] = op
    left = 0
    with open(out, "w") as fh:
        for key, op in done.items():
            fh.write(json.dumps(op) + "\n")
        for key, op in pending.items():
            if key in done:
                continue
            op = dict(op, r="unknown", why="client killed during the operation")
            fh.write(json.dumps(op) + "\n")
            left += 1
    print("%d operations completed, %d left pending by killed clients" % (len(done), left))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
