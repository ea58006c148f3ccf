"""
tagged.py: a child that speaks runner_ask's tagged protocol on stdin and
stdout, and does what breaks a client: junk lines, untagged errors of its
own, replies that come late, in pieces, or never (it exits).  Each
request line {"tag": N, "cmd": C, "ext": E} gets, by C:
  echo     {"tag": N, "ok": true, "ext": E}
  junk     lines that are not the reply (not JSON, untagged
           {"ok": false} errors, someone else's tag), then the echo
  long     a line of E["bytes"] bytes that is not JSON, then the echo
  pieces   the echo, written a few bytes at a time
  hold     nothing now: the reply ("late") goes out before the next one
  half     half the reply ("late") now, the rest before the next reply
  fail     {"tag": N, "ok": false, "error": "EINVAL", ...}
  tag      the echo with N itself as the ext
  stall    the echo, then it reads nothing for E seconds
  exit     nothing; the process exits with status 3
  orphan   starts `sleep 1000` holding stdout, then exits with status 4
Lines that are not requests are ignored.
"""

import json
import os
import subprocess
import sys
import time

held = []  # bytes owed to asks that were given up on


def out(b):
    while b:
        b = b[os.write(1, b):]


def line(obj):
    return (json.dumps(obj) + "\n").encode()


def echo(tag, req):
    r = {"tag": tag, "ok": True}
    if "ext" in req:
        r["ext"] = req["ext"]
    return line(r)


def main():
    stdin = sys.stdin.buffer
    while True:
        raw = stdin.readline()
        if not raw:
            return 0
        try:
            req = json.loads(raw)
            tag, cmd = req["tag"], req["cmd"]
        except (ValueError, KeyError, TypeError):
            continue
        for b in held:
            out(b)
        held.clear()
        if cmd == "echo":
            out(echo(tag, req))
        elif cmd == "junk":
            out(b"not json at all\n")
            out(line({"ok": False, "error": "X"}))
            out(line({"ok": False, "error": "EINVAL",
                      "message": "the child's own line"}))
            out(b"[1, 2, 3]\n")
            out(line({"tag": tag + 1, "ok": False, "error": "EINVAL"}))
            out(line({"tag": str(tag), "ok": True, "ext": "wrong"}))
            out(echo(tag, req))
        elif cmd == "long":
            out(b"x" * req["ext"]["bytes"] + b"\n")
            out(echo(tag, req))
        elif cmd == "pieces":
            r = echo(tag, req)
            for i in range(0, len(r), 3):
                out(r[i:i + 3])
                # Not a wait for anything: a pause between writes only
                # makes it likely the reader gets the pieces apart (the
                # test passes either way; it cannot race).
                time.sleep(0.002)
        elif cmd == "hold":
            held.append(line({"tag": tag, "ok": True, "ext": "late"}))
        elif cmd == "half":
            r = line({"tag": tag, "ok": True, "ext": "late"})
            out(r[:len(r) // 2])
            held.append(r[len(r) // 2:])
        elif cmd == "fail":
            out(line({"tag": tag, "ok": False, "error": "EINVAL",
                      "message": "you asked for it"}))
        elif cmd == "tag":
            out(line({"tag": tag, "ok": True, "ext": tag}))
        elif cmd == "stall":
            out(echo(tag, req))
            time.sleep(req["ext"])
        elif cmd == "exit":
            return 3
        elif cmd == "orphan":
            subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL)
            return 4


if __name__ == "__main__":
    sys.exit(main())
