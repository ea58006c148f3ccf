#!/usr/bin/env python3
"""soak.py: the seeded soak of runnerd (make soak).

One real runnerd on a private socket in a temporary directory, for
SOAK_SECONDS (60), under:

  * random configurations within runner.conf(5)'s documented ranges, bounds
    included (backoff 0, max_restarts 0 and 1000000, stop_timeout 0,
    output_buffer 1, log_max_size 1, log_keep 1000, notify_fd 1023, ...),
    applied by reload at random times (protocol text, runnerctl reload of
    the file, SIGHUP);
  * random children (tests/soak/child.c): crashing, flooding, trickling,
    forking, double-forking with and without setsid, ignoring SIGTERM,
    closing their stdio, never becoming ready, listening on a socket;
  * SOAK_CLIENTS (4) random clients over the raw protocol and runnerctl:
    start, stop, restart, write, read, attach (then leave, half-close or
    vanish), direct, logs (-f, some never reading), subscribe (some never
    reading), status, reload, kill -9 of an instance, partial and garbage
    lines, requests abandoned mid-way.

What the ranges leave out, and why: stop_timeout goes up to 3 s, not
86400 (with children that ignore SIGTERM the final SIGTERM would wait a
day); output_buffer up to 1M, not 1G (so that the memory bounds mean
something); the essential app (on_exit = "shutdown") is always restarted
with no limit, so that runnerd has no reason of its own to exit: if it
does, that is a failure.  Counts are bounded (a few apps, at most 4
instances each, 3 helpers per child, HOLD_MAX connections held open) and
every child ends by itself after the run (life:).

Invariants, checked all along (a failure stops the run):

  * a prober (a process of its own) connects every 100 ms and sends hello:
    the reply comes within SOAK_LATENCY_MS (1000) ms, always, not counting
    the time runnerd spent runnable but waiting for a CPU (schedstat: a
    machine busy with other work is not runnerd's stall; a runnerd busy in
    its own loop or blocked is), and within SOAK_HARD_MS (10000) at all;
  * runnerd does not die; no child of runnerd stays a zombie longer than
    SOAK_ZOMBIE_MS (2000) ms;
  * a sentinel process outside runnerd is never killed, and the orphan
    sweep never kills a helper of an instance that still runs;
  * RssAnon and descriptors do not grow without bound: the floor (least
    value) of the last third of the run may exceed the floor of the first
    third by SOAK_RSS_SLACK_KB (16384) KiB and SOAK_FD_SLACK (64)
    descriptors at most (floors, since buffers, held connections and
    instances come and go); RssAnon stays under SOAK_RSS_MAX_KB (262144);
  * at the end, with no apps and no clients, runnerd holds the descriptors
    it held at the start (+ SOAK_FD_SLACK_END, 2) and, with the mmap
    threshold at 0, the RssAnon (+ SOAK_RSS_END_KB, 2048); then SIGTERM:
    exit 0, socket removed, nothing it started left running.

Every decision comes from SOAK_SEED (random when unset, always printed):
SOAK_SEED=N replays the same decisions, as far as timing allows.  A
failure prints the seed, the invariant, the last actions and the tail of
runnerd's log, and exits 1.  SOAK_SKIP=class,... leaves out classes that
break today's runnerd while their fixes are pending: backoff0 (zero
backoff and backoff_reset), slowsub (subscribers that never read),
partial (large unfinished request lines held open), sweep (double-forked
helpers), essential (on_exit = "shutdown"), user (user = "nobody"),
removed (the end stops every instance by hand before the reload to no
apps, which must stop them: a restart under way when a reload removes its
app starts it again, and no later reload stops it), rotate (log_max_size
of 64K at least, log_keep 3 at most: runnerd rotates in its loop, once
per line with log_max_size 1, renaming every kept file each time).
SOAK_KEEP=1 keeps the temporary directory; SOAK_VERBOSE=1 prints every
action; SIGUSR1 dumps the soak's threads.  runnerd runs with malloc's mmap threshold at 0 (as in
test_faults.c), so that RssAnon counts what it holds; SOAK_MMAP0=0 runs
it with the default allocator.
"""

import base64
import faulthandler
import collections
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUNNERD = os.environ.get("T_RUNNERD", os.path.join(ROOT, "runnerd/runnerd"))
RUNNERCTL = os.environ.get("T_RUNNERCTL",
                           os.path.join(ROOT, "ctl/runnerctl"))
CHILD = os.path.join(HERE, "child")


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v) if v.strip() else default


SECONDS = env_int("SOAK_SECONDS", 60)
NCLIENTS = env_int("SOAK_CLIENTS", 4)
LATENCY_MS = env_int("SOAK_LATENCY_MS", 1000)
HARD_MS = env_int("SOAK_HARD_MS", 10000)    # no reply at all: a failure
ZOMBIE_MS = env_int("SOAK_ZOMBIE_MS", 2000)
RSS_SLACK_KB = env_int("SOAK_RSS_SLACK_KB", 16384)
RSS_END_KB = env_int("SOAK_RSS_END_KB", 2048)
MMAP0 = os.environ.get("SOAK_MMAP0", "1") != "0"
RSS_MAX_KB = env_int("SOAK_RSS_MAX_KB", 262144)
FD_SLACK = env_int("SOAK_FD_SLACK", 64)
FD_SLACK_END = env_int("SOAK_FD_SLACK_END", 2)
HOLD_MAX = env_int("SOAK_HOLD_MAX", 32)     # connections held open at once
SKIP = set(s for s in os.environ.get("SOAK_SKIP", "").split(",") if s)
CLASSES = {"backoff0", "slowsub", "partial", "sweep", "essential", "user",
           "removed", "rotate"}
VERBOSE = os.environ.get("SOAK_VERBOSE", "") == "1"
REQ_TIMEOUT = 15.0          # a client gives up (and closes) after this
LIFE = SECONDS + 180        # bound on every child's and helper's life


class Failure(Exception):
    pass


# ---------------------------------------------------------------- probing

def schedstat(pid):
    """(CPU time, time waiting for a CPU) of pid in ms (0, 0 if gone)."""
    try:
        with open("/proc/%s/schedstat" % pid) as f:
            run, wait = f.read().split()[:2]
        return int(run) / 1e6, int(wait) / 1e6
    except (OSError, ValueError):
        return 0.0, 0.0


SYSCALLS = {0: "read", 1: "write", 7: "poll", 23: "select", 35: "nanosleep",
            42: "connect", 43: "accept", 56: "clone", 57: "fork",
            58: "vfork", 59: "execve", 61: "wait4", 232: "epoll_wait",
            247: "waitid", 257: "openat", 281: "epoll_pwait", 435: "clone3",
            82: "rename", 264: "renameat", 316: "renameat2", 87: "unlink",
            3: "close", 62: "kill", 288: "accept4", 293: "pipe2",
            53: "socketpair", 202: "futex", 9: "mmap", 11: "munmap"}


def where(pid):
    """What runnerd is doing: its state, and its system call or wchan."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        state = st[st.rfind(")") + 2]
        with open("/proc/%d/syscall" % pid) as f:
            sc = f.read().split()[0]
    except (OSError, IndexError):
        return "?"
    if sc == "running":
        return state + " running"
    try:
        return "%s %s" % (state, SYSCALLS.get(int(sc), "syscall " + sc))
    except ValueError:
        return "%s %s" % (state, sc)


def probe_main(sock, interval_ms, pid, limit_ms):
    """The prober, a process of its own so that the soak's own threads do
    not delay it: one line per probe on stdout, "wall own cpu [error]".
    wall is the time from connect to reply; own is wall less the time
    runnerd (or the prober itself, whichever is more) spent runnable but
    waiting for a CPU (/proc/PID/schedstat), so that a machine busy with
    other work does not count against runnerd, while a runnerd busy in its
    own loop (CPU time) or blocked (neither) does; cpu is runnerd's CPU
    time meanwhile.  A probe gives up after HARD_MS."""
    tag = 0
    while True:
        t0 = time.monotonic()
        r0, m0 = schedstat(pid), schedstat("self")
        err = ""
        seen = collections.Counter()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(HARD_MS / 1000)
        try:
            s.connect(sock)
            tag += 1
            s.sendall(b'{"tag": %d, "cmd": "hello"}\n' % tag)
            buf = b""
            s.settimeout(0.05)
            while b"\n" not in buf:
                try:
                    d = s.recv(4096)
                except socket.timeout:
                    if time.monotonic() - t0 > HARD_MS / 1000:
                        raise
                    if time.monotonic() - t0 > 0.2:
                        seen[where(pid)] += 1
                    # A stall under way is reported at once, not after.
                    el = (time.monotonic() - t0) * 1000
                    r1, m1 = schedstat(pid), schedstat("self")
                    if el - max(r1[1] - r0[1], m1[1] - m0[1]) > limit_ms:
                        break
                    continue
                if not d:
                    err = "EOF before the reply"
                    break
                buf += d
            if not err and b"\n" not in buf:
                pass            # stalled: wall and own say it
            elif not err:
                r = json.loads(buf.split(b"\n")[0])
                if not r.get("ok"):
                    err = "reply not ok: %r" % buf[:200]
        except Exception as e:          # noqa: BLE001 (reported)
            err = "%s: %s" % (type(e).__name__, e)
        finally:
            s.close()
        wall = (time.monotonic() - t0) * 1000
        r1, m1 = schedstat(pid), schedstat("self")
        own = max(0.0, wall - max(r1[1] - r0[1], m1[1] - m0[1]))
        try:
            if seen and not err:
                err = "ok " + ", ".join(
                    "%s x%d" % kv for kv in seen.most_common(4))
            sys.stdout.write("%.1f %.1f %.0f %s\n" % (wall, own,
                                                      r1[0] - r0[0], err))
            sys.stdout.flush()
        except BrokenPipeError:
            return
        left = interval_ms / 1000 - (time.monotonic() - t0)
        if left > 0:
            time.sleep(left)


# ---------------------------------------------------------------- /proc

def proc_stat(pid):
    """(state, ppid, starttime) of pid, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rfind(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[19])


def proc_status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def proc_nfd(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def proc_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def alive(pid, start=None):
    st = proc_stat(pid)
    return st is not None and st[0] != "Z" and (start is None or
                                                  st[2] == start)


# ---------------------------------------------------------------- protocol

class Conn:
    """A raw protocol connection; every socket is registered so that the
    end of the run can shut them all down and unblock their threads."""

    def __init__(self, soak, timeout=REQ_TIMEOUT):
        self.soak = soak
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        soak.register(self.s)
        self.s.connect(soak.sock)
        self.buf = b""
        self.tag = 0

    def send(self, cmd, ext=None, tag=True):
        req = {"cmd": cmd}
        if tag:
            self.tag += 1
            req["tag"] = self.tag
        if ext is not None:
            req["ext"] = ext
        self.s.sendall(json.dumps(req).encode() + b"\n")
        return self.tag

    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("runnerd closed the connection")
            self.buf += d
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln

    def reply(self, tag):
        while True:
            r = json.loads(self.line())
            if "event" in r:
                continue
            if r.get("tag") == tag or "tag" not in r:
                return r

    def ask(self, cmd, ext=None):
        return self.reply(self.send(cmd, ext))

    def close(self):
        self.soak.unregister(self.s)
        try:
            self.s.close()
        except OSError:
            pass


# ---------------------------------------------------------------- config

APP_NAMES = ["a0", "a1", "a2", "a3", "a4"]
ALIASES = ["x0", "x1", "x2"]
SIGNALS = ["TERM", "TERM", "SIGINT", "hup", "KILL", "USR1", "QUIT", "15",
           "64", "STOP"]


def q(s):
    return json.dumps(s)        # a libconfig string is a JSON string here


class Config:
    def __init__(self, soak, rng):
        self.soak = soak
        self.rng = rng
        self.gen = 0

    def child_ops(self, name, kind, ready):
        """The script of a child (child.c), random within safe counts."""
        r = self.rng
        ops = ["life:%d" % LIFE, "seed:%d" % r.randrange(1 << 30),
               "reg:%s" % self.soak.regdir]
        slow_end = False
        if kind == "socket":
            ops.append("rsleep:%d" % r.choice([0, 50, 500]))
            if r.random() < 0.2:
                ops.append("ignterm")
            if ready == "notify":
                ops.append("notify:%d" % self.notify_fd)
            if r.random() < 0.9:
                ops.append("listen:%s" % "s.sock")
            ops.append("forever")
            return ops
        if r.random() < 0.25:
            ops.append("ignterm")
        if ready == "notify" and r.random() < 0.85:
            ops.append("rsleep:%d" % r.choice([0, 20, 300]))
            ops.append("notify:%d" % self.notify_fd)
        if r.random() < 0.15:
            ops += ["close:%d" % fd for fd in r.sample([0, 1, 2],
                                                       r.randint(1, 3))]
        if r.random() < 0.2:
            ops.append("fork:%d:%d" % (r.randint(1, 3),
                                       r.choice([50, 1000, 10000])))
            slow_end = True
        if "sweep" not in SKIP and r.random() < 0.25:
            ops.append("%s:%d" % (r.choice(["dfork", "dforks"]),
                                  r.choice([50, 1000, 10000, 60000])))
            slow_end = True
        x = r.random()
        if x < 0.15:
            ops.append("flood:%d:%d" % (r.choice([1, 2]),
                                        r.choice([4096, 65536, 1 << 20])))
        elif x < 0.45:
            ops.append("trickle:%d:%d:%d" % (r.choice([1, 2]),
                                             r.choice([5, 100, 1000]),
                                             r.choice([1, 10, 100])))
        if r.random() < 0.35:
            ops.append("echo")
        x = r.random()
        if x < 0.4:
            ops.append("forever")
        else:
            ms = r.choice([0, 0, 10, 200, 1000, 3000])
            if slow_end:
                ms = max(ms, 300)       # forking crash loops stay slow
            ops.append("rsleep:%d" % ms)
            ops.append(r.choice(["exit:0", "exit:1", "exit:3", "abort",
                                 "kill:9", "kill:15", "exit:0"]))
        return ops

    def app(self, name, kind):
        r = self.rng
        o = collections.OrderedDict()
        self.notify_fd = r.choice([3, 3, 7, 1023])
        if kind == "socket":
            ready = r.choice(["socket", "socket", "notify"])
        else:
            ready = r.choice(["none", "none", "none", "notify"])
        o["command"] = [CHILD, self.soak.tag] + self.child_ops(name, kind,
                                                               ready)
        if kind == "socket":
            o["type"] = "socket"
            o["socket"] = "s.sock"
            o["cwd"] = os.path.join(self.soak.dir, "sock-" + name)
            os.makedirs(o["cwd"], exist_ok=True)
        else:
            if r.random() < 0.5:
                o["type"] = "stdio"
            o["cwd"] = self.soak.workdir
        if r.random() < 0.5 or ready != "none":
            o["ready"] = ready
        if ready == "notify" or r.random() < 0.3:
            o["notify_fd"] = self.notify_fd
        o["ready_timeout"] = r.choice([0.01, 0.5, 2.0, 5, 86400])
        o["restart"] = r.choice(["no", "on-failure", "always", "always"])
        zero = "backoff0" not in SKIP
        bi = r.choice(([0, 0] if zero else []) + [0.01, 0.1, 1, 30])
        o["backoff_initial"] = bi
        o["backoff_max"] = r.choice([x for x in [0, 0.05, 0.5, 30, 86400]
                                     if x >= bi] or [bi])
        o["backoff_reset"] = r.choice(([0] if zero else []) +
                                      [0.5, 10, 86400])
        o["max_restarts"] = r.choice([0, 0, 1, 5, 1000000])
        o["restart_window"] = r.choice([0.001, 1, 60, 86400])
        o["stop_signal"] = r.choice(SIGNALS)
        o["stop_timeout"] = r.choice([0, 0.2, 1, 3])
        o["output_buffer"] = r.choice([1, 4096, "64K", "1M"])
        o["overflow"] = r.choice(["block", "drop-oldest"])
        o["stderr"] = r.choice(["log", "merge", "null"])
        if r.random() < 0.5:
            o["log"] = os.path.join(self.soak.logdir, name + ".log")
            o["log_max_size"] = r.choice([0, 1, 4096, "64K", "10M"])
            o["log_keep"] = r.choice([0, 1, 3, 1000])
            if "rotate" in SKIP:
                o["log_max_size"] = r.choice([0, "64K", "10M"])
                o["log_keep"] = min(o["log_keep"], 3)
            o["timestamps"] = r.random() < 0.5
        if r.random() < 0.2:
            o["env"] = {"SOAK_APP": name, "SOAK_GEN": str(self.gen)}
        if r.random() < 0.1:
            o["env_file"] = self.soak.envfile
        if (kind == "stdio" and os.geteuid() == 0 and "user" not in SKIP
                and r.random() < 0.15):
            o["user"] = "nobody"
            o["cwd"] = "/"
        o["autostart"] = r.random() < 0.5
        if kind == "stdio":
            o["instances"] = r.choice([1, 1, 1, 2, 4])
        return o

    def essential(self):
        """An essential app that must never end for good: restarted always,
        with no limit, so runnerd must never shut down because of it."""
        r = self.rng
        o = collections.OrderedDict()
        o["command"] = [CHILD, self.soak.tag, "life:%d" % LIFE,
                        "rsleep:%d" % r.choice([100, 2000]),
                        r.choice(["exit:0", "exit:1", "forever"])]
        o["cwd"] = self.soak.workdir
        o["restart"] = "always"
        o["backoff_initial"] = r.choice([0.01, 0.1])
        o["backoff_max"] = 1
        o["on_exit"] = "shutdown"
        o["autostart"] = r.random() < 0.5
        o["stop_timeout"] = r.choice([0, 1])
        return o

    def storm(self):
        """A crash loop that restarts as fast as its backoff lets it (0
        unless backoff0 is skipped): events for the subscribers, reaping
        and restarting for the loop."""
        r = self.rng
        o = collections.OrderedDict()
        o["command"] = [CHILD, self.soak.tag, "life:%d" % LIFE,
                        r.choice(["exit:1", "kill:9", "exit:0"])]
        o["cwd"] = self.soak.workdir
        o["restart"] = "always"
        b = 0 if "backoff0" not in SKIP else 0.01
        o["backoff_initial"] = b
        o["backoff_max"] = r.choice([b, 0.05])
        o["backoff_reset"] = r.choice([b, 10])
        o["autostart"] = r.random() < 0.7
        o["instances"] = r.choice([1, 4])
        return o

    def text(self):
        """A new configuration: some of the app names, random options."""
        self.gen += 1
        r = self.rng
        apps = collections.OrderedDict()
        for n in r.sample(APP_NAMES, r.randint(1, len(APP_NAMES))):
            apps[n] = self.app(n, "stdio")
        if r.random() < 0.5:
            apps["sock"] = self.app("sock", "socket")
        if "essential" not in SKIP and r.random() < 0.3:
            apps["ess"] = self.essential()
        if r.random() < 0.5:
            apps["storm"] = self.storm()
        self.apps = apps
        out = ["# soak configuration %d" % self.gen, "apps = {"]
        for n, o in apps.items():
            out.append("  %s = {" % n)
            for k, v in o.items():
                out.append("    %s = %s;" % (k, lit(v)))
            out.append("  };")
        out.append("};")
        return "\n".join(out) + "\n"


def lit(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return q(v)
    if isinstance(v, list):
        return "[" + ", ".join(q(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + " ".join("%s = %s;" % (k, q(x))
                               for k, x in v.items()) + " }"
    raise TypeError(v)


# ---------------------------------------------------------------- the soak

class Soak:
    def __init__(self, seed):
        self.seed = seed
        self.tag = "SOAK%d-%d" % (os.getpid(), seed)
        self.dir = tempfile.mkdtemp(prefix="runner-soak.")
        os.chmod(self.dir, 0o755)       # user = nobody apps reach the child
        self.sock = os.path.join(self.dir, "runnerd.sock")
        self.conf = os.path.join(self.dir, "runner.conf")
        self.workdir = os.path.join(self.dir, "work")
        self.logdir = os.path.join(self.dir, "logs")
        self.regdir = os.path.join(self.dir, "reg")
        self.envfile = os.path.join(self.dir, "soak.env")
        for d in (self.workdir, self.logdir, self.regdir):
            os.makedirs(d)
        os.chmod(self.regdir, 0o1777)   # helpers of nobody register too
        with open(self.envfile, "w") as f:
            f.write("# soak\nexport SOAK_ENV_FILE=1\nQUOTED='a b'\n")
        self.runnerd_log = os.path.join(self.dir, "runnerd.log")
        self.lock = threading.RLock()
        self.actions = collections.deque(maxlen=40)
        self.counts = collections.Counter()
        self.socks = set()
        self.held = []          # (socket, expiry)
        self.aliases = set()
        self.pids = {}          # instance pid -> starttime, from replies
        self.stop = threading.Event()   # the watchers' end
        self.done = threading.Event()   # the clients' end
        self.failure = None
        self.t0 = time.monotonic()
        self.cfg_rng = random.Random(seed)
        self.config = Config(self, self.cfg_rng)
        self.cur_text = "apps = {};\n"
        self.probe_lat = []
        self.probe_own = []
        self.probe_max = (0.0, 0.0, 0.0)    # (own ms, at, wall ms)
        self.samples = []       # (t, rssanon_kb, nfd)
        self.zombies = {}       # (pid, start) -> first seen
        self.zombie_max = 0
        self.log_pos = 0
        self.reload_at = 0.0

    # -- bookkeeping
    def now(self):
        return time.monotonic() - self.t0

    def act(self, who, what):
        with self.lock:
            self.actions.append("%8.3f %-7s %s" % (self.now(), who, what))
        if VERBOSE:
            print("%8.3f %-7s %s" % (self.now(), who, what), flush=True)

    def count(self, what):
        with self.lock:
            self.counts[what] += 1

    def fail(self, invariant, detail=""):
        with self.lock:
            if self.failure is None:
                self.failure = (invariant, detail, self.now())
        self.done.set()
        self.stop.set()

    def register(self, s):
        with self.lock:
            self.socks.add(s)

    def unregister(self, s):
        with self.lock:
            self.socks.discard(s)

    def hold(self, conn, seconds):
        """Keep conn open, unread, for seconds (or until the end)."""
        with self.lock:
            if len(self.held) < HOLD_MAX:
                self.held.append((conn, self.now() + seconds))
                return True
        conn.close()
        return False

    # -- runnerd
    def start_runnerd(self):
        env = dict(os.environ)
        env["SOAK_MARK"] = self.tag
        for k in ("RUNNER_SOCKET", "RUNNER_CONFIG"):
            env.pop(k, None)
        if MMAP0:
            env["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=0"
        with open(self.conf, "w") as f:
            f.write(self.cur_text)
        self.logf = open(self.runnerd_log, "wb")
        # stderr to a regular file: never a pipe that could fill.
        self.proc = subprocess.Popen(
            [RUNNERD, "-c", self.conf, "-s", self.sock],
            stdin=subprocess.DEVNULL, stdout=self.logf, stderr=self.logf,
            env=env, start_new_session=True)
        self.pid = self.proc.pid
        self.sid = self.pid
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                c = Conn(self, 1)
                r = c.ask("hello")
                c.close()
                if r.get("ok"):
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise Failure("runnerd did not come up: %s" % self.log_tail())

    def log_tail(self, n=40):
        try:
            with open(self.runnerd_log, "rb") as f:
                f.seek(0, 2)
                size = f.tell()
                f.seek(max(0, size - 64 * 1024))
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def ctl(self, *args, timeout=REQ_TIMEOUT):
        env = dict(os.environ)
        env["RUNNER_SOCKET"] = self.sock
        try:
            r = subprocess.run([RUNNERCTL, "-s", self.sock] + list(args),
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=timeout,
                               env=env)
            return r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired:
            return -1, b"", b"timeout"

    # -- the watchers
    def prober(self):
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                              "--probe", self.sock, "100", str(self.pid),
                              str(LATENCY_MS)],
                             stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.probe_proc = p
        for raw in p.stdout:
            if self.stop.is_set():
                break
            wall_s, own_s, cpu_s, err = (raw.decode().strip() +
                                         " ").split(" ", 3)
            wall, own, err = float(wall_s), float(own_s), err.strip()
            state = ""
            if err.startswith("ok "):
                state, err = err[3:], ""
            why = ("; %.0f ms of it runnerd's own (not waiting for a CPU), "
                   "%s ms of CPU; load average %.1f %.1f %.1f" % (
                       (own, cpu_s) + os.getloadavg()))
            self.probe_lat.append(wall)
            self.probe_own.append(own)
            if own > self.probe_max[0]:
                self.probe_max = (own, self.now(), wall)
            if err:
                self.fail("runnerd answers hello", "probe failed after "
                          "%.0f ms: %s%s" % (wall, err, why))
            elif own > LATENCY_MS:
                self.fail("runnerd answers within %d ms" % LATENCY_MS,
                          "hello took %.0f ms%s; runnerd was in: %s" % (
                              wall, why, state))

    def check_log(self):
        """New lines of runnerd's log: a sweep that killed a helper whose
        instance still runs is a failure."""
        try:
            with open(self.runnerd_log, "rb") as f:
                f.seek(self.log_pos)
                data = f.read()
        except OSError:
            return
        end = data.rfind(b"\n")
        if end < 0:
            return
        self.log_pos += end + 1
        for ln in data[:end].decode("utf-8", "replace").splitlines():
            m = re.search(r"killing pid (\d+), left behind", ln)
            if not m:
                continue
            self.count("sweep kills")
            try:
                with open(os.path.join(self.regdir, m.group(1))) as f:
                    opid, ostart = (int(x) for x in f.read().split())
            except (OSError, ValueError):
                continue
            # The owner still running now was running at the sweep.
            if alive(opid, ostart):
                time.sleep(0.2)
                if alive(opid, ostart):
                    self.fail("the orphan sweep kills only what an ended "
                              "instance left", "%s (helper %s of pid %d, "
                              "which still runs: %s)" % (
                                  ln.strip(), m.group(1), opid,
                                  proc_cmdline(opid).replace(b"\0", b" ")
                                  .decode()[:300]))

    def sampler(self):
        while not self.stop.is_set():
            t = self.now()
            if self.proc.poll() is not None:
                self.fail("runnerd keeps running",
                          "runnerd exited with %s" % self.proc.returncode)
                return
            rss = proc_status_kb(self.pid, "RssAnon")
            nfd = proc_nfd(self.pid)
            self.samples.append((t, rss, nfd))
            if rss > RSS_MAX_KB:
                self.fail("RssAnon stays under %d KiB" % RSS_MAX_KB,
                          "RssAnon %d KiB" % rss)
            if not alive(self.sentinel.pid):
                self.fail("a process outside runnerd is never killed",
                          "the sentinel %d is gone" % self.sentinel.pid)
            seen = set()
            nz = 0
            for pid in all_pids():
                st = proc_stat(pid)
                if st is None or st[1] != self.pid or st[0] != "Z":
                    continue
                nz += 1
                k = (pid, st[2])
                seen.add(k)
                first = self.zombies.setdefault(k, t)
                if (t - first) * 1000 > ZOMBIE_MS:
                    self.fail("runnerd reaps its children", "pid %d has "
                              "been a zombie for %.1f s" % (pid, t - first))
            self.zombie_max = max(self.zombie_max, nz)
            self.zombies = {k: v for k, v in self.zombies.items()
                            if k in seen}
            self.check_log()
            with self.lock:
                keep = []
                for c, exp in self.held:
                    if exp < t:
                        c.close()
                    else:
                        keep.append((c, exp))
                self.held = keep
            self.stop.wait(0.25)

    # -- the clients
    def pick_alias(self, r):
        with self.lock:
            known = sorted(self.aliases)
        if known and r.random() < 0.8:
            return r.choice(known)
        return r.choice(ALIASES + ["a0", "a1-1", "sock", "nope"])

    def pick_app(self, r):
        with self.lock:
            names = list(self.config.apps) if hasattr(self.config,
                                                      "apps") else []
        if names and r.random() < 0.9:
            return r.choice(names)
        return r.choice(APP_NAMES + ["nope"])

    def note(self, r):
        """Learn aliases and pids from a reply."""
        ext = r.get("ext") or {}
        for i in ext.get("instances", []):
            with self.lock:
                self.aliases.add(i["alias"])
        if "alias" in ext:
            with self.lock:
                self.aliases.add(ext["alias"])

    def reload(self, who, r):
        with self.lock:
            if self.now() < self.reload_at:
                return
            self.reload_at = self.now() + r.uniform(0.5, 4)
            text = self.config.text()
            self.cur_text = text
        how = r.choice(["proto", "proto", "ctl", "hup"])
        self.act(who, "reload %s gen %d: %s" % (how, self.config.gen,
                                                 ",".join(self.config.apps)))
        self.count("reload " + how)
        if how == "proto":
            c = Conn(self)
            try:
                rep = c.ask("reload", {"config": text})
                if not rep.get("ok"):
                    self.fail("a valid configuration is accepted",
                              "%s\n%s" % (rep, text))
            finally:
                c.close()
            return
        tmp = self.conf + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.conf)
        if how == "ctl":
            rc, out, err = self.ctl("reload")
            if rc not in (0, -1):
                self.fail("a valid configuration is accepted",
                          "runnerctl reload: %d %s\n%s" % (rc, err, text))
        else:
            os.kill(self.pid, signal.SIGHUP)

    def client(self, idx):
        r = random.Random(self.seed * 1000 + idx + 1)
        who = "c%d" % idx
        weights = [
            ("status", 8), ("start", 12), ("stop", 5), ("restart", 4),
            ("write", 6), ("read", 6), ("attach", 4), ("direct", 2),
            ("logs", 4), ("follow", 3), ("subscribe", 3), ("reload", 2),
            ("partial", 2), ("garbage", 2), ("abandon", 3), ("ctl", 5),
            ("kill9", 3), ("stopall", 1),
        ]
        names = [w[0] for w in weights]
        cum = [w[1] for w in weights]
        while not self.done.is_set():
            what = r.choices(names, cum)[0]
            try:
                getattr(self, "do_" + what)(who, r)
                self.count(what)
            except (OSError, EOFError, ValueError) as e:
                self.count(what + " error")
                self.act(who, "%s: %s: %s" % (what, type(e).__name__, e))
            if r.random() < 0.3:
                self.done.wait(r.uniform(0, 0.2))

    def do_status(self, who, r):
        c = Conn(self)
        try:
            rep = c.ask("status", {"alias": self.pick_alias(r)}
                        if r.random() < 0.2 else None)
            self.note(rep)
            n = len((rep.get("ext") or {}).get("instances", []))
            self.act(who, "status: %d instances" % n)
        finally:
            c.close()

    def do_start(self, who, r):
        app = self.pick_app(r)
        ext = {"app": app}
        if r.random() < 0.6:
            ext["alias"] = r.choice(ALIASES + [app])
        if r.random() < 0.3:
            ext["args"] = r.choice([["exit:7"], ["sleep:100"], ["forever"]])
        if r.random() < 0.3:
            ext["wait"] = False
        if r.random() < 0.1:
            ext["strict"] = True
        c = Conn(self)
        try:
            rep = c.ask("start", ext)
            self.note(rep)
            self.act(who, "start %s: %s" % (json.dumps(ext), short(rep)))
        finally:
            c.close()

    def do_stop(self, who, r):
        c = Conn(self)
        try:
            if r.random() < 0.2:
                ext = {"aliases": [self.pick_alias(r), self.pick_alias(r)]}
            else:
                ext = {"alias": self.pick_alias(r)}
            rep = c.ask("stop", ext)
            self.act(who, "stop %s: %s" % (json.dumps(ext), short(rep)))
        finally:
            c.close()

    def do_stopall(self, who, r):
        c = Conn(self)
        try:
            rep = c.ask("stop", {"all": True})
            self.act(who, "stop all: %s" % short(rep))
        finally:
            c.close()

    def do_restart(self, who, r):
        c = Conn(self)
        try:
            a = self.pick_alias(r)
            rep = c.ask("restart", {"alias": a})
            self.act(who, "restart %s: %s" % (a, short(rep)))
        finally:
            c.close()

    def do_write(self, who, r):
        c = Conn(self)
        try:
            a = self.pick_alias(r)
            if r.random() < 0.5:
                ext = {"alias": a, "text": "hello %d\n" % r.randrange(1000)}
            else:
                data = bytes(r.randrange(256) for _ in range(r.choice(
                    [1, 100, 5000])))
                ext = {"alias": a, "data": base64.b64encode(data).decode()}
            rep = c.ask("write", ext)
            self.act(who, "write %s: %s" % (a, short(rep)))
        finally:
            c.close()

    def do_read(self, who, r):
        c = Conn(self)
        try:
            a = self.pick_alias(r)
            ext = {"alias": a, "wait": r.choice([0, 0.1, 0.5])}
            if r.random() < 0.3:
                ext["max"] = r.choice([1, 100, 1 << 20])
            rep = c.ask("read", ext)
            self.act(who, "read %s: %s" % (a, short(rep)))
        finally:
            c.close()

    def do_attach(self, who, r):
        c = Conn(self)
        a = self.pick_alias(r)
        try:
            c.s.sendall(json.dumps({"tag": 1, "cmd": "attach",
                                    "ext": {"alias": a}}).encode() + b"\n" +
                        (b"early bytes\n" if r.random() < 0.3 else b""))
            how = r.choice(["vanish", "read", "halfclose", "hold"])
            self.act(who, "attach %s, then %s" % (a, how))
            if how == "vanish":
                return
            rep = json.loads(c.line())
            if not rep.get("ok"):
                return
            c.s.sendall(b"input %d\n" % r.randrange(1000))
            if how == "hold":
                self.hold(c, r.uniform(0.5, 10))
                c = None
                return
            if how == "halfclose":
                c.s.shutdown(socket.SHUT_WR)
            end = time.monotonic() + r.uniform(0, 1.5)
            c.s.settimeout(0.2)
            while time.monotonic() < end and not self.done.is_set():
                try:
                    if not c.s.recv(65536):
                        break
                except socket.timeout:
                    pass
        finally:
            if c is not None:
                c.close()

    def do_direct(self, who, r):
        c = Conn(self)
        a = self.pick_alias(r)
        try:
            rep = c.ask("direct", {"alias": a})
            self.act(who, "direct %s: %s" % (a, short(rep)))
            if rep.get("ok"):
                # The descriptor came with the reply's first byte, which
                # recv discarded: the lease is the connection; hold it.
                self.done.wait(r.uniform(0, 1))
        finally:
            c.close()

    def do_logs(self, who, r):
        c = Conn(self)
        try:
            a = self.pick_alias(r)
            ext = {"alias": a}
            if r.random() < 0.5:
                ext["lines"] = r.choice([0, 1, 10, 100000])
            rep = c.ask("logs", ext)
            self.act(who, "logs %s: %s" % (a, short(rep)))
        finally:
            c.close()

    def do_follow(self, who, r):
        c = Conn(self)
        a = self.pick_alias(r)
        c.send("logs", {"alias": a, "follow": True})
        how = r.choice(["read", "hold"])
        self.act(who, "logs -f %s, %s" % (a, how))
        if how == "hold":
            self.hold(c, r.uniform(1, 20))
            return
        try:
            end = time.monotonic() + r.uniform(0, 3)
            c.s.settimeout(0.2)
            while time.monotonic() < end and not self.done.is_set():
                try:
                    if not c.s.recv(65536):
                        break
                except socket.timeout:
                    pass
        finally:
            c.close()

    def do_subscribe(self, who, r):
        c = Conn(self)
        slow = "slowsub" not in SKIP and r.random() < 0.5
        rep = c.ask("subscribe")
        if not rep.get("ok"):
            c.close()
            return
        if slow:
            # Never reads again: runnerd must bound what it queues.
            self.act(who, "subscribe, never reading")
            self.hold(c, r.uniform(5, SECONDS))
            return
        self.act(who, "subscribe, reading")
        n = 0
        try:
            end = time.monotonic() + r.uniform(0.5, 5)
            c.s.settimeout(0.2)
            while time.monotonic() < end and not self.done.is_set():
                try:
                    ln = c.line()
                except socket.timeout:
                    continue
                ev = json.loads(ln)
                n += 1
                ext = ev.get("ext") or {}
                if "alias" in ext:
                    with self.lock:
                        self.aliases.add(ext["alias"])
        finally:
            self.count("events read" if n else "no event read")
            c.close()

    def do_reload(self, who, r):
        self.reload(who, r)

    def do_partial(self, who, r):
        c = Conn(self)
        big = "partial" not in SKIP and r.random() < 0.3
        if big:
            c.s.sendall(b'{"cmd": "status", "x": "' + b"y" *
                        r.choice([65536, 1 << 20]))
        else:
            c.s.sendall(b'{"tag": 5, "cmd": "sta')
        how = r.choice(["close", "hold", "finish"])
        self.act(who, "partial line (%s), then %s" % ("big" if big else
                                                       "small", how))
        if how == "hold":
            # Big ones briefly: the floors of RssAnon must not move.
            self.hold(c, r.uniform(1, 5 if big else 30))
            return
        try:
            if how == "finish":
                c.s.sendall(b'"}\n' if big else b'tus"}\n')
                c.line()
        finally:
            c.close()

    def do_garbage(self, who, r):
        c = Conn(self)
        try:
            g = r.choice([b"not json\n", b"[1,2]\n", b'{"cmd": 7}\n',
                          b'{"cmd": "nosuch", "tag": 3}\n', b"\n",
                          b'{"cmd": "start", "ext": {"app": "a\\u0000"}}\n',
                          b"x" * (1024 * 1024 + 10) + b"\n"])
            c.s.sendall(g)
            ln = c.line()
            self.act(who, "garbage %r: %s" % (g[:30], ln[:80]))
        finally:
            c.close()

    def do_abandon(self, who, r):
        """A request that waits (start, stop, restart, read with wait),
        abandoned before its reply."""
        c = Conn(self)
        a = self.pick_alias(r)
        cmd, ext = r.choice([
            ("start", {"app": self.pick_app(r)}),
            ("stop", {"alias": a}), ("restart", {"alias": a}),
            ("read", {"alias": a, "wait": 5}),
            ("write", {"alias": a, "text": "x" * 70000}),
        ])
        c.send(cmd, ext)
        if r.random() < 0.5:
            c.s.shutdown(socket.SHUT_WR)
        self.done.wait(r.choice([0, 0.01, 0.1]))
        self.act(who, "abandon %s %s" % (cmd, json.dumps(ext)[:60]))
        c.close()

    def do_ctl(self, who, r):
        a = self.pick_alias(r)
        args = r.choice([["status"], ["apps"], ["ping"],
                         ["start", self.pick_app(r)],
                         ["start", self.pick_app(r), "--alias",
                          r.choice(ALIASES)],
                         ["stop", a], ["restart", a], ["send", a, "hi"],
                         ["read", a, "--wait", "0.2"], ["logs", a, "-n", "5"],
                         ["status", a]])
        rc, out, err = self.ctl(*args)
        self.act(who, "runnerctl %s: %d %s" % (" ".join(args), rc,
                                              err.decode()[:80].strip()))

    def do_kill9(self, who, r):
        c = Conn(self)
        try:
            rep = c.ask("status")
        finally:
            c.close()
        ins = [i for i in (rep.get("ext") or {}).get("instances", [])
               if i.get("pid")]
        if not ins:
            return
        i = r.choice(ins)
        # Only a process of this soak: its command line carries the tag.
        if self.tag.encode() in proc_cmdline(i["pid"]):
            os.kill(i["pid"], signal.SIGKILL)
            self.act(who, "kill -9 %s pid %d" % (i["alias"], i["pid"]))

    # -- the run
    def run(self):
        print("soak: SOAK_SEED=%d SOAK_SECONDS=%d SOAK_CLIENTS=%d%s" % (
            self.seed, SECONDS, NCLIENTS,
            " SOAK_SKIP=" + ",".join(sorted(SKIP)) if SKIP else ""),
            flush=True)
        print("soak: directory %s" % self.dir, flush=True)
        self.sentinel = subprocess.Popen(
            [CHILD, "sentinel-" + self.tag, "life:%d" % LIFE, "forever"],
            stdin=subprocess.DEVNULL, start_new_session=True)
        self.start_runnerd()
        time.sleep(0.5)
        base_fd, base_rss = proc_nfd(self.pid), proc_status_kb(
            self.pid, "RssAnon")
        print("soak: runnerd pid %d: %d descriptors, RssAnon %d KiB at "
              "start" % (self.pid, base_fd, base_rss), flush=True)
        threads = [threading.Thread(target=self.prober, daemon=True),
                   threading.Thread(target=self.sampler, daemon=True)]
        self.reload("init", self.cfg_rng)
        for i in range(NCLIENTS):
            threads.append(threading.Thread(target=self.client, args=(i,),
                                            daemon=True))
        for t in threads:
            t.start()
        self.done.wait(SECONDS)
        self.done.set()
        # Unblock every client, drop held connections.
        with self.lock:
            socks = list(self.socks)
            held, self.held = self.held, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for c, _ in held:
            c.close()
        for t in threads[2:]:
            t.join(REQ_TIMEOUT + 5)
        if self.failure is None:
            try:
                self.finish(base_fd, base_rss, threads[:2])
            except (OSError, EOFError, ValueError, KeyError) as e:
                self.fail("runnerd answers during the final checks",
                          "%s: %s" % (type(e).__name__, e))
        self.end_watchers(threads[:2])
        return self.report()

    def end_watchers(self, threads):
        self.stop.set()
        try:
            self.probe_proc.kill()
            self.probe_proc.wait()
        except (AttributeError, OSError):
            pass
        for t in threads:
            t.join(5)

    def finish(self, base_fd, base_rss, watchers):
        """No apps, no clients: runnerd holds what it held at the start;
        then SIGTERM: exit 0, socket gone, nothing left."""
        if self.proc.poll() is not None:
            self.fail("runnerd keeps running", "exited with %s" %
                      self.proc.returncode)
            return
        self.window_check()
        if self.failure:
            return
        c = Conn(self, 30)
        try:
            if "removed" in SKIP:
                c.ask("stop", {"all": True})
            rep = c.ask("reload", {"config": "apps = {};\n"})
            if not rep.get("ok"):
                self.fail("runnerd reloads an empty configuration",
                          str(rep))
                return
        finally:
            c.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            c = Conn(self, 5)
            try:
                ins = c.ask("status")["ext"]["instances"]
            finally:
                c.close()
            if not [i for i in ins if i.get("pid")]:
                break
            time.sleep(0.1)
        else:
            self.fail("a removed app's instances stop",
                      "still running 20 s after: %s" % ins)
            return
        fd = -1
        for _ in range(20):             # closes may trail the replies
            time.sleep(0.1)
            fd = proc_nfd(self.pid)
            if fd <= base_fd + FD_SLACK_END:
                break
        rss = proc_status_kb(self.pid, "RssAnon")
        self.end_fd, self.end_rss = fd, rss
        if MMAP0 and rss > base_rss + RSS_END_KB:
            self.fail("memory comes back", "RssAnon %d KiB at the start, "
                      "%d KiB at the end with no apps and no clients" % (
                          base_rss, rss))
            return
        if fd > base_fd + FD_SLACK_END:
            self.fail("no descriptor is leaked", "%d descriptors at the "
                      "start, %d at the end with no apps and no clients: "
                      "%s" % (base_fd, fd, fd_list(self.pid)))
            return
        self.end_watchers(watchers)
        if self.failure:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            st = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.fail("SIGTERM ends runnerd", "still running after 30 s")
            return
        if st != 0:
            self.fail("SIGTERM ends runnerd with status 0",
                      "exit status %d" % st)
            return
        if os.path.exists(self.sock):
            self.fail("runnerd removes its socket", self.sock)
            return
        left = []
        for _ in range(20):
            left = self.leftovers()
            if not left:
                break
            time.sleep(0.1)
        if left:
            self.fail("nothing runnerd started is left running",
                      "; ".join("%d %s" % (p, c) for p, c in left[:10]))
        if not alive(self.sentinel.pid):
            self.fail("a process outside runnerd is never killed",
                      "the sentinel is gone")

    def window_check(self):
        s = [x for x in self.samples if x[1] >= 0]
        if len(s) < 12:
            return
        n = len(s)
        early = s[n // 10: n // 3]
        late = s[2 * n // 3:]
        e_rss = min(x[1] for x in early)
        l_rss = min(x[1] for x in late)
        e_fd = min(x[2] for x in early)
        l_fd = min(x[2] for x in late)
        self.windows = (e_rss, l_rss, e_fd, l_fd)
        if l_rss > e_rss + RSS_SLACK_KB:
            self.fail("memory does not grow without bound", "RssAnon floor "
                      "%d KiB early, %d KiB late (slack %d)" %
                      (e_rss, l_rss, RSS_SLACK_KB))
        elif l_fd > e_fd + FD_SLACK:
            self.fail("descriptors do not grow without bound", "floor %d "
                      "early, %d late (slack %d)" % (e_fd, l_fd, FD_SLACK))

    def leftovers(self):
        """Processes carrying the tag in their command line (instances and
        their helpers), but not the sentinel."""
        out = []
        me = os.getpid()
        for pid in all_pids():
            if pid in (me, self.sentinel.pid):
                continue
            cl = proc_cmdline(pid)
            if self.tag.encode() in cl and b"sentinel-" not in cl:
                st = proc_stat(pid)
                if st and st[0] != "Z":
                    out.append((pid, cl.replace(b"\0", b" ").decode()[:120]))
        return out

    def report(self):
        lat = sorted(self.probe_lat)
        own = sorted(self.probe_own)
        if lat:
            print("soak: %d probes; hello latency (wall) median %.1f ms, "
                  "p99 %.1f ms, max %.1f ms; runnerd's own (less waiting "
                  "for a CPU) median %.1f ms, p99 %.1f ms, max %.1f ms (at "
                  "%.1f s)" % (len(lat), lat[len(lat) // 2],
                               lat[int(len(lat) * 0.99)], lat[-1],
                               own[len(own) // 2], own[int(len(own) * 0.99)],
                               self.probe_max[0], self.probe_max[1]))
        s = [x for x in self.samples if x[1] >= 0]
        if s:
            print("soak: RssAnon KiB start %d min %d max %d end %d; "
                  "descriptors start %d min %d max %d end %d" % (
                      s[0][1], min(x[1] for x in s), max(x[1] for x in s),
                      s[-1][1], s[0][2], min(x[2] for x in s),
                      max(x[2] for x in s), s[-1][2]))
            step = max(1, len(s) // 12)
            print("soak: series (s RssAnon fds): " + ", ".join(
                "%.0f %d %d" % x for x in s[::step]))
        if hasattr(self, "windows"):
            print("soak: floors early/late: RssAnon %d/%d KiB, descriptors "
                  "%d/%d" % self.windows)
        if hasattr(self, "end_fd"):
            print("soak: quiet at the end: %d descriptors, RssAnon %d KiB" %
                  (self.end_fd, self.end_rss))
        print("soak: zombies at once, most: %d" % self.zombie_max)
        print("soak: actions: " + ", ".join(
            "%s %d" % kv for kv in sorted(self.counts.items())))
        if self.failure is None:
            print("soak: PASS (SOAK_SEED=%d)" % self.seed)
            return 0
        inv, detail, at = self.failure
        print("\nsoak: FAIL at %.1f s: %s" % (at, inv))
        print("soak: %s" % detail)
        print("soak: reproduce with SOAK_SEED=%d SOAK_SECONDS=%d%s make soak"
              % (self.seed, SECONDS, " SOAK_SKIP=" + ",".join(sorted(SKIP))
                 if SKIP else ""))
        print("soak: configuration in force:\n" + self.cur_text)
        print("soak: last actions:")
        with self.lock:
            for a in self.actions:
                print("  " + a)
        print("soak: runnerd's log, last lines:")
        print(self.log_tail())
        print(self.diagnose())
        return 1

    def diagnose(self):
        """Where runnerd is now: state, system call, kernel stack, and a
        backtrace when gdb is there (a hung runnerd says why)."""
        if self.proc.poll() is not None:
            return "soak: runnerd has exited (%s)" % self.proc.returncode
        out = ["soak: runnerd now: %s" % where(self.pid)]
        try:
            with open("/proc/%d/stack" % self.pid) as f:
                out.append("soak: kernel stack:\n" + f.read().rstrip())
        except OSError:
            pass
        if shutil.which("gdb"):
            try:
                r = subprocess.run(["gdb", "-p", str(self.pid), "-batch",
                                    "-ex", "bt"], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=30)
                text = r.stdout.decode("utf-8", "replace").splitlines()
                bt = [ln for ln in text if ln.startswith("#")] or text[-5:]
                out.append("soak: runnerd's backtrace:\n" + "\n".join(bt))
            except (OSError, subprocess.TimeoutExpired):
                pass
        return "\n".join(out)

    def cleanup(self):
        """Kill, by pid, what this run started and left: runnerd (and its
        session), tagged processes, the sentinel."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pid, _ in self.leftovers():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.sentinel.kill()
        self.sentinel.wait()
        if os.environ.get("SOAK_KEEP") == "1" or self.failure:
            print("soak: kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def short(rep):
    if rep.get("ok"):
        ext = rep.get("ext") or {}
        return "ok " + json.dumps({k: v for k, v in ext.items()
                                   if k != "data"})[:100]
    return "%s %s" % (rep.get("error"), (rep.get("message") or "")[:60])


def fd_list(pid):
    out = []
    try:
        for fd in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
            try:
                out.append("%s->%s" % (fd, os.readlink(
                    "/proc/%d/fd/%s" % (pid, fd))))
            except OSError:
                pass
    except OSError:
        pass
    return " ".join(out)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "--probe":
        probe_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                   int(sys.argv[5]))
        return 0
    bad = SKIP - CLASSES
    if bad:
        print("soak: SOAK_SKIP: unknown class %s (known: %s)" % (
            ",".join(sorted(bad)), ",".join(sorted(CLASSES))))
        return 2
    for p in (RUNNERD, RUNNERCTL, CHILD):
        if not os.access(p, os.X_OK):
            print("soak: %s missing: run make first" % p)
            return 2
    seed_s = os.environ.get("SOAK_SEED", "")
    seed = int(seed_s) if seed_s.strip() else random.SystemRandom().randrange(
        1, 1 << 31)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    # SIGTERM (a CI timeout, make interrupted) still runs the cleanup.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    soak = Soak(seed)
    try:
        rc = soak.run()
    finally:
        soak.cleanup()
    return rc


if __name__ == "__main__":
    sys.exit(main())
