#!/usr/bin/env python3
"""cdp.py: drives a headless Chromium for the tests, over the DevTools
protocol on a pipe (--remote-debugging-pipe: no port, no websocket, no
package beyond Python's standard library).

Reads one command per line on stdin and answers one line on stdout:
  open URL             navigate and wait for the load event    -> ok
  eval JS              evaluate, the value as JSON              -> ok JSON
  wait SECONDS JS      evaluate every 100 ms until truthy (across
                       navigations)                             -> ok JSON | timeout JSON
  shot PATH            screenshot of the page as PNG            -> ok
  quit
Errors answer "error TEXT".  The browser is killed when stdin closes.

usage: cdp.py CHROMIUM [WIDTHxHEIGHT]
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, exe, width, height):
        self.profile = tempfile.mkdtemp(prefix="bones-cdp-")
        to_child_r, self.to_child = os.pipe()   # chromium reads fd 3
        self.from_child, from_child_w = os.pipe()  # chromium writes fd 4

        def fds():  # runs in the child; the pipes may sit on 3 or 4 already
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [exe, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--mute-audio", "--user-data-dir=" + self.profile,
                "--window-size=%d,%d" % (width, height), "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=fds, pass_fds=(3, 4),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.profile, "chromium.log"), "wb"))
        os.close(to_child_r)
        os.close(from_child_w)
        self.next_id = 0
        self.buf = b""
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=True)

    def read_message(self, deadline):
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise EOFError("chromium exited")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=False, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self.read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"].get("message")))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method:
                    del self.events[i]
                    return m
            self.events.append(self.read_message(deadline))

    def open(self, url):
        self.events = [m for m in self.events if m.get("method") != "Page.loadEventFired"]
        r = self.call("Page.navigate", {"url": url}, session=True)
        if r.get("errorText"):
            raise RuntimeError("navigate: " + r["errorText"])
        self.wait_event("Page.loadEventFired")

    def eval(self, js):
        r = self.call("Runtime.evaluate", {"expression": js, "returnByValue": True}, session=True)
        if "exceptionDetails" in r:
            raise RuntimeError("js: " + r["exceptionDetails"].get("text", "exception") + " " +
                               json.dumps(r["exceptionDetails"].get("exception", {}).get("description", "")))
        return r.get("result", {}).get("value")

    def shot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, session=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.proc.kill()
            self.proc.wait(10)
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    width, height = 1280, 860
    if len(sys.argv) > 2:
        width, height = (int(v) for v in sys.argv[2].split("x"))
    b = Browser(sys.argv[1], width, height)
    try:
        for line in sys.stdin:
            cmd, _, rest = line.rstrip("\n").partition(" ")
            try:
                if cmd == "quit":
                    break
                if cmd == "open":
                    b.open(rest)
                    out = "ok"
                elif cmd == "eval":
                    out = "ok " + json.dumps(b.eval(rest))
                elif cmd == "wait":
                    secs, _, js = rest.partition(" ")
                    deadline = time.monotonic() + float(secs)
                    while True:
                        try:
                            v = b.eval(js)
                        except RuntimeError as e:  # a navigation under way: ask again
                            v = None
                            if time.monotonic() > deadline:
                                raise
                        if v:
                            out = "ok " + json.dumps(v)
                            break
                        if time.monotonic() > deadline:
                            out = "timeout " + json.dumps(v)
                            break
                        time.sleep(0.1)
                elif cmd == "shot":
                    b.shot(rest)
                    out = "ok"
                else:
                    out = "error unknown command " + cmd
            except Exception as e:  # one answer line per command, whatever happened
                out = "error " + str(e).replace("\n", " ")
            print(out, flush=True)
    finally:
        b.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
