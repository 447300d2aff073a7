#!/usr/bin/env python3
"""lease_monitor.py DB STOPFILE: samples the trunk lease in the sqlite KV
file DB every 20 ms until STOPFILE exists; prints "MS VALUE" (VALUE empty
when free) each time the value changes, and once more at the end, so a
value held from line i lasts until the time on line i+1."""
import os
import sqlite3
import sys
import time


def main():
    db, stop = sys.argv[1], sys.argv[2]
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=2)
    last = None
    while not os.path.exists(stop):
        try:
            row = con.execute("SELECT value FROM kv WHERE bucket='bones-hub' AND key='trunk'").fetchone()
        except sqlite3.OperationalError:
            time.sleep(0.02)
            continue
        value = row[0].decode("utf-8", "replace") if row else ""
        if value != last:
            print(int(time.time() * 1000), value, flush=True)
            last = value
        time.sleep(0.02)
    print(int(time.time() * 1000), last or "", flush=True)


if __name__ == "__main__":
    main()
