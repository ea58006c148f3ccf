#!/usr/bin/env python3
"""
run.py: the driver of make faults.  Each scenario (start, restart,
attach, logs, reload, shutdown) is played once against
tests/faults/runnerd-faults in counting mode (RUNNER_FAULT_COUNT), which
says how many calls each fallible site got; then once per (site, N) with
the Nth call of that site failing (RUNNER_FAULT=SITE:N), and once per
site with every call failing from the first one after start-up
(SITE:N+).  After each case it checks runnerd's invariants:

  serving   runnerd answers hello within 1 s; or it exited before it
            ever served, with status 1 and a message (a start-up
            failure); or, for an allocation site, it exited with a
            fatal "out of memory" message (STYLE.md, habit 4), leaving
            nothing running;
  replies   every error reply carries a message; a start that failed
            with ESPAWN names the injected errno in words;
  state     every instance's state is a documented one, a failed one
            carries an error, a running one has a live pid that is
            runnerd's child, and the restart = "always" instance is not
            left "exited" (a failed start must go through the backoff);
  quiesce   with every instance stopped and every client gone, runnerd
            has as many descriptors as when it started serving and no
            zombie child;
  sentinel  two processes outside every instance's tree, one in
            runnerd's process group and one in a session of its own,
            are alive;
  exit      on SIGTERM runnerd exits 0 within 10 s, removes its socket,
            LSan reports no leak, and no process of this case's
            instances (each carries FAULTS_MARK=<case id> in its
            environment) is left.

Memory: runnerd-faults is built with ASan, so LSan reports at exit
whatever an error path leaked; growth of memory still reachable (a list
that is never trimmed) is the soak's to find, not this.

The counts are not exactly the same from one run to the next (a crash
loop restarts as often as time allows, replies are split by timing), so
SITE:N names "about the same call" each time, not the very same one;
RUNNER_FAULT_TRACE=1 prints the stack of the failed call (in runnerd's
ASan log, DIR/asan.*) to find the line.

Failures listed in tests/faults/known (today's bugs, each with the code
that has it) are printed as KNOWN and do not fail the run, unless
--strict.  Every wait is bounded.  A failure prints the scenario and the
exact RUNNER_FAULT value; replay one with --only SCENARIO:SITE:N[+] and
-v.  The driver kills only what it started: runnerd by pid, the
sentinels by pid, and after a failure (or when interrupted) the
processes that carry its case's mark.
"""

import argparse
import base64
import concurrent.futures
import errno
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
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
RUNNERD = os.environ.get("FAULTS_RUNNERD") or os.path.join(HERE, "runnerd-faults")

ALLOC_SITES = {"malloc", "calloc", "realloc", "reallocarray", "strdup",
               "strndup", "asprintf"}
# Default errno of each site (tests/faults/fault.c): to check messages.
SITE_ERRNO = {
    "malloc": errno.ENOMEM, "calloc": errno.ENOMEM, "realloc": errno.ENOMEM,
    "reallocarray": errno.ENOMEM, "strdup": errno.ENOMEM,
    "strndup": errno.ENOMEM, "asprintf": errno.ENOMEM,
    "fork": errno.EAGAIN, "clone": errno.EAGAIN, "pipe2": errno.EMFILE,
    "socketpair": errno.EMFILE,
    "accept4": errno.EMFILE, "socket": errno.EMFILE,
    "bind": errno.EADDRINUSE, "listen": errno.EADDRINUSE,
    "connect": errno.ECONNREFUSED, "open": errno.EMFILE,
    "fopen": errno.EMFILE, "opendir": errno.EMFILE, "read": errno.EIO,
    "recv": errno.ECONNRESET, "recvmsg": errno.ECONNRESET,
    "write": errno.EIO, "send": errno.EPIPE, "sendmsg": errno.EPIPE,
    "sendto": errno.EAGAIN, "splice": errno.EIO, "fcntl": errno.EINVAL,
    "dup2": errno.EMFILE, "execvpe": errno.ENOENT, "kill": errno.EPERM,
    "setuid": errno.EPERM, "setgid": errno.EPERM, "setgroups": errno.EPERM,
    "prctl": errno.EINVAL, "chdir": errno.EACCES, "setsid": errno.EPERM,
    "close_range": errno.EINVAL, "pidfd_open": errno.EMFILE,
    "mkdir": errno.EACCES, "rename": errno.EIO, "unlink": errno.EACCES,
    "ftruncate": errno.EIO, "fstat": errno.EIO,
}
# As root, an app that runs as nobody: its child calls setgroups, setgid
# and setuid, sites the others never reach.
ASUSER = ""
if os.geteuid() == 0:
    try:
        import pwd
        pwd.getpwnam("nobody")
        ASUSER = ('  asuser = { command = "cat"; user = "nobody"; '
                  'restart = "no"; %s };\n')
    except (ImportError, KeyError):
        pass
STATES = {"starting", "running", "backoff", "stopping", "exited", "failed",
          "stopped"}  # stopped (protocol 7): listed until removed
ENDED = ("exited", "failed", "stopped")
STEP = 5.0          # the longest wait for one reply or one event
HELLO = 1.0         # runnerd answers hello within this


LIVE = set()        # the cases running now, for an interrupted driver
LIVE_LOCK = threading.Lock()


def interrupted(sig, frame):
    """SIGINT or SIGTERM: end what the running cases started, leave."""
    with LIVE_LOCK:
        cases = list(LIVE)
    for c in cases:
        for p in [c.proc] + c.sentinels:
            if p is not None and p.poll() is None:
                p.kill()
        for pid in proc_marked(c.mark):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(c.dir, ignore_errors=True)
    print("faults: interrupted", file=sys.stderr)
    os._exit(130)


class Fail(Exception):
    """An invariant broken: the case fails with this message."""


# ---------------------------------------------------------------- /proc

def proc_children(pid):
    """(child pid, state) of every child of pid."""
    out = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % e) as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rfind(")") + 2:].split()
        if int(rest[1]) == pid:
            out.append((int(e), rest[0]))
    return out


def proc_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def proc_fd_list(pid):
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
    return out


def proc_marked(mark):
    """Pids of live processes whose environment carries mark."""
    want = ("FAULTS_MARK=" + mark).encode()
    out = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % e, "rb") as f:
                env = f.read().split(b"\0")
            with open("/proc/%s/stat" % e) as f:
                st = f.read()
        except OSError:
            continue
        if want in env and st[st.rfind(")") + 2] != "Z":
            out.append(int(e))
    return out


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        return s[s.rfind(")") + 2] != "Z"
    except OSError:
        return False


# ---------------------------------------------------------------- client

class Client:
    """One connection to runnerd: requests by tag, replies matched."""

    def __init__(self, path, timeout=STEP):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.tag = 0
        self.events = []

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def line(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply in time")
            self.s.settimeout(left)
            d = self.s.recv(65536)
            if not d:
                raise EOFError("runnerd closed the connection")
            self.buf += d
        ln, self.buf = self.buf.split(b"\n", 1)
        return json.loads(ln)

    def call(self, cmd, ext=None, timeout=STEP):
        self.tag += 1
        req = {"tag": self.tag, "cmd": cmd}
        if ext is not None:
            req["ext"] = ext
        self.s.sendall(json.dumps(req).encode() + b"\n")
        deadline = time.monotonic() + timeout
        while True:
            j = self.line(deadline)
            if "event" in j:
                self.events.append(j)
                continue
            if j.get("tag") == self.tag or "tag" not in j:
                return j


# ---------------------------------------------------------------- a case

class Case:
    def __init__(self, scenario, site=None, n=None, persist=False,
                 count=False, verbose=False):
        self.scenario = scenario
        self.site = site
        self.n = n
        self.persist = persist
        self.counting = count
        self.verbose = verbose
        self.mark = uuid.uuid4().hex
        self.dir = tempfile.mkdtemp(prefix="faults.")
        self.sock = os.path.join(self.dir, "runnerd.sock")
        self.proc = None
        self.sentinels = []
        self.clients = []
        self.errors = []        # error replies seen
        self.served = False
        self.counts = {}
        self.fired = []
        self.note = ""          # an accepted outcome worth counting
        self.off = False        # a persistent fault turned off
        with LIVE_LOCK:
            LIVE.add(self)

    @property
    def fault(self):
        if self.site is None:
            return None
        return "%s:%d%s" % (self.site, self.n, "+" if self.persist else "")

    def conf(self, extra=""):
        m = 'env = { FAULTS_MARK = "%s"; };' % self.mark
        d = self.dir
        return (
            "apps = {\n"
            '  cat = { command = "cat"; restart = "no"; %s };\n'
            '  sock = { command = ["socat", "UNIX-LISTEN:app.sock,fork", '
            '"EXEC:cat"]; type = "socket"; socket = "app.sock"; '
            'cwd = "%s"; restart = "no"; %s };\n'
            '  crash = { command = ["sh", "-c", "exit 3"]; '
            'restart = "always"; backoff_initial = 0.02; '
            'backoff_max = 0.05; %s };\n'
            '  logger = { command = ["sh", "-c", "echo started >&2; '
            'while read l; do echo \\"log $l\\" >&2; done"]; '
            'log = "%s/logger.log"; restart = "no"; %s };\n'
            "%s%s"
            "};\n" % (m, d, m, m, d, m, ASUSER % m if ASUSER else "",
                       extra))

    def log(self, *a):
        if self.verbose:
            print("   ", *a, file=sys.stderr, flush=True)

    def stderr(self):
        try:
            with open(os.path.join(self.dir, "stderr"), "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def tail(self, n=12):
        return "\n".join("      " + ln for ln in
                         self.stderr().splitlines()[-n:])

    # -- runnerd

    def start(self):
        with open(os.path.join(self.dir, "runner.conf"), "w") as f:
            f.write(self.conf())
        env = dict(os.environ)
        for k in ("RUNNER_FAULT", "RUNNER_FAULT_COUNT", "RUNNER_SOCKET",
                  "NOTIFY_SOCKET"):
            env.pop(k, None)
        env["RUNNER_FAULT_COUNT"] = os.path.join(self.dir, "counts")
        if self.fault is not None:
            env["RUNNER_FAULT"] = self.fault
            env["RUNNER_FAULT_OFF"] = os.path.join(self.dir, "fault.off")
        env["ASAN_OPTIONS"] = ("detect_leaks=1:exitcode=23:"
                               "abort_on_error=0:log_path=" +
                               os.path.join(self.dir, "asan"))
        env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
        err = open(os.path.join(self.dir, "stderr"), "wb")
        self.proc = subprocess.Popen(
            [RUNNERD, "-c", os.path.join(self.dir, "runner.conf"),
             "-s", self.sock], stdin=subprocess.DEVNULL,
            stdout=err, stderr=err, env=env, cwd=self.dir,
            process_group=0)
        err.close()
        pgid = self.proc.pid
        # Sentinels: in runnerd's group, and in a session of their own.
        self.sentinels.append(subprocess.Popen(
            ["sleep", "600"], stdin=subprocess.DEVNULL,
            preexec_fn=lambda: os.setpgid(0, pgid)))
        self.sentinels.append(subprocess.Popen(
            ["sleep", "600"], stdin=subprocess.DEVNULL,
            start_new_session=True))

    def wait_serving(self, timeout=10.0):
        """True once hello is answered; False if runnerd exited first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                c = Client(self.sock, timeout=1.0)
                try:
                    j = c.call("hello", timeout=1.0)
                finally:
                    c.close()
                if j.get("ok"):
                    self.served = True
                    return True
            except (OSError, EOFError, TimeoutError, ValueError):
                pass
            time.sleep(0.02)
        raise Fail("runnerd did not serve within %gs" % timeout)

    def hello(self):
        """hello within HELLO seconds on a new connection."""
        deadline = time.monotonic() + HELLO
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                c = Client(self.sock, timeout=HELLO)
                try:
                    j = c.call("hello", timeout=max(0.05, deadline -
                                                     time.monotonic()))
                finally:
                    c.close()
                if j.get("ok"):
                    return True
                last = j
            except (OSError, EOFError, TimeoutError, ValueError) as e:
                last = e
            time.sleep(0.01)
        if self.proc.poll() is not None:
            return False
        raise Fail("no hello within %gs (%s)" % (HELLO, last))

    def client(self):
        c = Client(self.sock)
        self.clients.append(c)
        return c

    def ask(self, cmd, ext=None, timeout=STEP, c=None):
        """A request on a new (or given) connection; None if runnerd
        dropped the connection (a fault may do that), the reply else."""
        try:
            own = c is None
            if own:
                c = Client(self.sock)
            try:
                j = c.call(cmd, ext, timeout=timeout)
            finally:
                if own:
                    c.close()
        except TimeoutError:
            if self.proc.poll() is not None:
                return None
            if self.persist and not self.off:
                # Waiting on a call that keeps failing (accept4, kill):
                # what counts is that runnerd recovers once it works.
                self.note = "recovered after a hang"
                return None
            raise Fail("%s: no reply within %gs" % (cmd, timeout))
        except (OSError, EOFError, ValueError) as e:
            self.log(cmd, "connection:", e)
            return None
        self.log(cmd, json.dumps(j)[:300])
        if not j.get("ok"):
            self.errors.append((cmd, j))
        return j

    def status(self, tries=3):
        """Status, asked again when a fault closed that connection."""
        for _ in range(tries):
            j = self.ask("status")
            if j is not None and j.get("ok"):
                return {i["alias"]: i for i in j["ext"]["instances"]}
            if self.proc.poll() is not None:
                break
        return None

    def wait_status(self, pred, timeout=STEP):
        deadline = time.monotonic() + timeout
        st = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return None
            st = self.status()
            if st is not None and pred(st):
                return st
            time.sleep(0.02)
        return st

    # -- the checks

    def check_replies(self):
        for cmd, j in self.errors:
            if not j.get("message"):
                raise Fail("%s: error %s without a message" %
                           (cmd, j.get("error")))
            if (j.get("error") == "ESPAWN" and self.fired and
                    self.site in SITE_ERRNO):
                words = os.strerror(SITE_ERRNO[self.site])
                if words not in j["message"]:
                    raise Fail("%s: ESPAWN message %r does not name the "
                               "error (%s)" % (cmd, j["message"], words))

    def check_state(self, final=False, lenient=False):
        st = self.status()
        if st is None:
            if self.proc.poll() is not None or lenient:
                return
            raise Fail("status failed")
        kids = dict(proc_children(self.proc.pid))
        for a, i in st.items():
            s = i.get("state")
            if s not in STATES:
                raise Fail("%s: state %r" % (a, s))
            if s == "failed" and not i.get("error"):
                raise Fail("%s: failed with no error" % a)
            if s in ("running", "starting") and i.get("pid", 0) > 0:
                pid = i["pid"]
                if pid in kids:
                    continue
                # It may have exited since: poll (1 s at most) until
                # status moves on or the pid shows as runnerd's child.
                deadline = time.monotonic() + 1.0
                while True:
                    kids = dict(proc_children(self.proc.pid))
                    j = (self.status() or {}).get(a, {})
                    if (j.get("pid") != pid or j.get("state") != s or
                            pid in kids):
                        break
                    if time.monotonic() > deadline:
                        raise Fail("%s: %s with pid %d, not a child of "
                                   "runnerd (%s)" % (a, s, pid, kids))
                    time.sleep(0.02)
            if a == "crash" and s == "exited" and not final:
                raise Fail("crash (restart = always): exited, not in "
                           "backoff (%s)" % json.dumps(i))

    def quiesce(self):
        """Stop everything, drop every client, then count."""
        for c in self.clients:
            c.close()
        self.clients = []
        # Asked again if a fault dropped the connection that asked, or
        # made it answer an error (ENOMEM).
        for _ in range(3):
            j = self.ask("stop", {"all": True}, timeout=15.0)
            if (j is not None and j.get("ok")) or \
                    self.proc.poll() is not None:
                break
        if self.proc.poll() is not None:
            return
        st = self.wait_status(lambda st: all(
            i["state"] in ENDED for i in st.values()),
            timeout=10.0)
        if st is None:
            if self.proc.poll() is not None:
                return
            raise Fail("status failed while quiescing")
        busy = [a for a, i in st.items()
                if i["state"] not in ENDED]
        if busy:
            raise Fail("still not stopped after stop all: %s" %
                       json.dumps({a: st[a] for a in busy}))
        pid = self.proc.pid
        deadline = time.monotonic() + 3.0
        while True:
            kids = proc_children(pid)
            fds = proc_fds(pid)
            if not kids and fds <= self.fds0:
                break
            if time.monotonic() > deadline:
                if kids:
                    raise Fail("children of runnerd left after stop all: "
                               "%s" % kids)
                raise Fail("descriptors: %d serving, %d after quiesce: %s"
                           % (self.fds0, fds, " ".join(proc_fd_list(pid))))
            time.sleep(0.02)

    def check_sentinels(self):
        for s in self.sentinels:
            if s.poll() is not None or not alive(s.pid):
                raise Fail("sentinel pid %d (outside every instance) was "
                           "killed (%s)" % (s.pid, s.returncode))

    def terminate(self):
        """SIGTERM; exit 0 within 10 s, socket gone, nothing left."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10.0)
        except subprocess.TimeoutExpired:
            raise Fail("no exit within 10s of SIGTERM")
        return rc

    def leftovers(self):
        deadline = time.monotonic() + 2.0
        while True:
            left = proc_marked(self.mark)
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.02)

    def read_fired(self):
        self.fired = []
        try:
            with open(os.path.join(self.dir, "counts.fired")) as f:
                for ln in f:
                    w = ln.split()
                    self.fired.append((w[1], int(w[2]), int(w[3])))
        except (OSError, IndexError, ValueError):
            pass

    def read_counts(self):
        self.read_fired()
        try:
            with open(os.path.join(self.dir, "counts")) as f:
                for ln in f:
                    w = ln.split()
                    if w[0] != "fired":
                        self.counts[w[0]] = int(w[1])
        except OSError:
            pass

    def asan_report(self):
        out = []
        for e in sorted(os.listdir(self.dir)):
            if e.startswith("asan"):
                with open(os.path.join(self.dir, e), errors="replace") as f:
                    out.append(f.read())
        return "\n".join(out)

    def cleanup(self):
        self.read_fired()
        for c in self.clients:
            c.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for s in self.sentinels:
            if s.poll() is None:
                s.kill()
                s.wait()
        for pid in proc_marked(self.mark):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
        with LIVE_LOCK:
            LIVE.discard(self)

    # -- the run

    def run(self):
        """None if every invariant held, else why not."""
        try:
            return self._run()
        except Fail as e:
            return "%s\n  runnerd said (last lines):\n%s" % (e, self.tail(8))
        except Exception as e:      # the driver's own bug: say so, go on
            import traceback
            return "driver error: %s\n%s" % (e, traceback.format_exc())
        finally:
            self.read_counts()
            self.cleanup()

    def _run(self):
        self.start()
        if not self.wait_serving():
            return self.not_serving()
        self.fds0 = proc_fds(self.proc.pid)
        SCENARIOS_ALL[self.scenario](self)
        if self.persist:
            # While every call fails: alive, and what status says holds.
            if self.proc.poll() is not None:
                return self.died()
            self.check_state(lenient=True)
            with open(os.path.join(self.dir, "fault.off"), "w"):
                pass
            self.off = True
        if not self.hello():
            return self.died()
        self.check_replies()
        self.check_state()
        self.check_sentinels()
        if self.scenario != "shutdown":
            self.quiesce()
            if self.proc.poll() is not None:
                return self.died()
            self.check_state(final=True)
            if not self.hello():
                return self.died()
        rc = self.terminate()
        self.read_counts()
        self.check_sentinels()
        left = self.leftovers()
        if rc == 23 or self.asan_report():
            return "sanitizer report at exit (status %d):\n%s" % (
                rc, self.asan_report()[:4000])
        if rc != 0:
            return "exit status %d after SIGTERM:\n%s" % (rc, self.tail())
        if os.path.exists(self.sock) and not (
                self.site == "unlink" and self.fired):
            return "socket left after exit"
        if left:
            return "processes of its instances left after exit: %s" % left
        return None

    def not_serving(self):
        """runnerd exited before it ever answered hello."""
        rc = self.proc.wait()
        self.read_counts()
        if self.asan_report():
            return "sanitizer report (status %d):\n%s" % (
                rc, self.asan_report()[:4000])
        if rc == 1 and self.stderr().strip():
            self.note = "start-up exit"
            return None
        return "exited %d before serving:\n%s" % (rc, self.tail())

    def died(self):
        """runnerd exited after it served: only out of memory may do it,
        with a message, leaving no process behind."""
        rc = self.proc.wait()
        self.read_counts()
        self.check_sentinels()
        left = self.leftovers()
        asan = self.asan_report()
        if asan and "LeakSanitizer" not in asan:
            return "sanitizer report (status %d):\n%s" % (rc, asan[:4000])
        err = self.stderr()
        if (self.site in ALLOC_SITES and rc in (1, 23) and
                ("Cannot allocate memory" in err or
                 "out of memory" in err)):
            if left:
                return ("out of memory exit left its instances running "
                        "(pids %s)" % left)
            self.note = "out-of-memory exit"
            return None
        return "runnerd exited %d while serving:\n%s" % (rc, self.tail())


# ---------------------------------------------------------------- scenarios

def sc_idle(c):
    c.ask("hello")


def sc_start(c):
    c.ask("start", {"app": "cat", "alias": "cat"})
    c.ask("start", {"app": "sock", "alias": "sock"})
    if ASUSER:
        c.ask("start", {"app": "asuser", "alias": "asuser"})
    c.ask("status")
    c.ask("stop", {"alias": "cat"})


def sc_restart(c):
    j = c.ask("start", {"app": "crash", "alias": "crash", "wait": False})
    if j is None:
        return
    # Three restarts (or a settled failure), bounded.
    c.wait_status(lambda st: "crash" not in st or
                  st["crash"].get("restarts", 0) >= 3 or
                  st["crash"]["state"] in ("failed", "exited"))


def sc_attach(c):
    j = c.ask("start", {"app": "cat", "alias": "cat"})
    if j is None or not j.get("ok"):
        return
    try:
        cl = c.client()
        r = cl.call("attach", {"alias": "cat"})
    except (OSError, EOFError, TimeoutError, ValueError):
        return
    if not r.get("ok"):
        c.errors.append(("attach", r))
        return
    data = b"attach-data\n"
    got = b""
    try:
        cl.s.sendall(data)
        deadline = time.monotonic() + STEP
        got = cl.buf
        while data not in got and time.monotonic() < deadline:
            cl.s.settimeout(max(0.01, deadline - time.monotonic()))
            d = cl.s.recv(65536)
            if not d:
                break
            got += d
    except (OSError, TimeoutError):
        pass
    cl.close()
    # And the request path: write, then read it back.
    c.ask("write", {"alias": "cat", "text": "written\n"})
    c.ask("read", {"alias": "cat", "wait": 1})


def sc_logs(c):
    j = c.ask("start", {"app": "logger", "alias": "logger"})
    if j is None or not j.get("ok"):
        return
    try:
        cl = c.client()
        r = cl.call("logs", {"alias": "logger", "follow": True})
    except (OSError, EOFError, TimeoutError, ValueError):
        return
    if not r.get("ok"):
        c.errors.append(("logs", r))
        return
    c.ask("write", {"alias": "logger", "text": "one\n"})
    try:
        deadline = time.monotonic() + STEP
        got = cl.buf
        while b"log one" not in got and time.monotonic() < deadline:
            cl.s.settimeout(max(0.01, deadline - time.monotonic()))
            d = cl.s.recv(65536)
            if not d:
                break
            got += d
    except (OSError, TimeoutError):
        pass
    c.ask("logs", {"alias": "logger", "lines": 5})


def sc_reload(c):
    extra = '  extra = { command = "cat"; restart = "no"; env = { ' \
            'FAULTS_MARK = "%s"; }; };\n' % c.mark
    c.ask("start", {"app": "cat", "alias": "cat"})
    c.ask("reload", {"config": c.conf(extra)})
    c.ask("start", {"app": "extra", "alias": "extra"})
    c.ask("reload", {"config": c.conf()})
    c.ask("apps")


def sc_shutdown(c):
    c.ask("start", {"app": "cat", "alias": "cat"})
    c.ask("start", {"app": "sock", "alias": "sock"})
    c.ask("start", {"app": "crash", "alias": "crash", "wait": False})
    c.ask("start", {"app": "logger", "alias": "logger"})


SCENARIOS = {
    "start": sc_start, "restart": sc_restart, "attach": sc_attach,
    "logs": sc_logs, "reload": sc_reload, "shutdown": sc_shutdown,
}


# ---------------------------------------------------------------- main

def load_known(path):
    """The failures known today: (site regex, message regex, why)."""
    out = []
    try:
        with open(path) as f:
            for ln in f:
                ln = ln.strip()
                if not ln or ln.startswith("#"):
                    continue
                sites, msg, why = [w.strip() for w in ln.split(" | ", 2)]
                out.append((re.compile(sites), re.compile(msg), why))
    except OSError:
        pass
    return out


def count_run(scenario, verbose):
    c = Case(scenario, count=True, verbose=verbose)
    why = c.run()
    if why is not None:
        raise SystemExit("faults: %s, no fault injected: %s" %
                         (scenario, why))
    return c.counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0,
                    help="cases at most, sampled (0: every case)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--max-n", type=int, default=0,
                    help="N at most per (scenario, site) (0: all)")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--sites", default="")
    ap.add_argument("--only", default=None,
                    help="SCENARIO:SITE:N[+] to replay one case")
    ap.add_argument("--strict", action="store_true",
                    help="a known failure (tests/faults/known) fails too")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    known = [] if a.strict else load_known(os.path.join(HERE, "known"))
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)

    if not os.access(RUNNERD, os.X_OK):
        raise SystemExit("faults: %s missing (make faults-build)" % RUNNERD)
    if shutil.which("socat") is None:
        raise SystemExit("faults: socat is needed")

    if a.only:
        sc, site, n = a.only.split(":")
        persist = n.endswith("+")
        c = Case(sc, site, int(n.rstrip("+")), persist, verbose=True)
        why = c.run()
        print("faults: %s RUNNER_FAULT=%s: %s (fired: %s)" %
              (sc, c.fault, why or "ok " + c.note, c.fired))
        if c.verbose:
            print(c.stderr()[-6000:], file=sys.stderr)
        return 1 if why else 0

    seed = a.seed if a.seed is not None else random.randrange(1 << 31)
    rng = random.Random(seed)
    scenarios = a.scenarios.split(",")
    sites = set(a.sites.split(",")) if a.sites else None
    t0 = time.monotonic()

    idle = count_run("idle", a.verbose)
    cases = []
    first = []      # N = 1, the last N and the persistent case: kept
    for sc in scenarios:
        counts = count_run(sc, a.verbose)
        for site, k in sorted(counts.items()):
            if k == 0 or (sites is not None and site not in sites):
                continue
            top = k if a.max_n == 0 else min(k, a.max_n)
            for n in range(1, top + 1):
                (first if n in (1, k) else cases).append(
                    (sc, site, n, False))
            # Every call fails from the first one after start-up.
            if k > idle.get(site, 0) or idle.get(site, 0) == 0:
                first.append((sc, site, min(k, idle.get(site, 0) + 1),
                              True))
    total = len(first) + len(cases)
    rng.shuffle(cases)
    todo = first + cases
    if a.limit > 0 and len(todo) > a.limit:
        rng.shuffle(first)
        todo = (first + cases)[:a.limit]
    print("faults: %d (scenario, site, N) cases in all, running %d "
          "(seed %d, %d jobs)" % (total, len(todo), seed, a.jobs),
          flush=True)

    fails = []
    outcomes = {}
    lock = threading.Lock()
    done = [0]

    def one(case):
        sc, site, n, persist = case
        c = Case(sc, site, n, persist, verbose=a.verbose)
        why = c.run()
        with lock:
            done[0] += 1
            k = None
            if why is not None:
                k = next((w for si, m, w in known if si.fullmatch(site)
                          and m.search(why)), None)
            if k is not None:
                outcomes["known: " + k] = outcomes.get("known: " + k, 0) + 1
                print("KNOWN %s RUNNER_FAULT=%s: %s" % (sc, c.fault, k),
                      flush=True)
            elif why is not None:
                fails.append((c, why))
                print("FAIL %s RUNNER_FAULT=%s (fired %s)\n    %s\n    "
                      "replay: python3 tests/faults/run.py --only %s:%s:"
                      "%d%s -v" % (sc, c.fault, len(c.fired) > 0,
                                   why.replace("\n", "\n    "), sc, site,
                                   n, "+" if persist else ""), flush=True)
            else:
                k = c.note or ("ok" if c.fired else "not reached")
                outcomes[k] = outcomes.get(k, 0) + 1
            if done[0] % 50 == 0:
                print("faults: %d/%d done, %d failed, %.0fs" %
                      (done[0], len(todo), len(fails),
                       time.monotonic() - t0), flush=True)

    with concurrent.futures.ThreadPoolExecutor(max(1, a.jobs)) as ex:
        list(ex.map(one, todo))
    print("faults: %d cases run in %.0fs: %d failed; %s; seed %d" %
          (len(todo), time.monotonic() - t0, len(fails),
           ", ".join("%d %s" % (v, k) for k, v in sorted(outcomes.items())),
           seed))
    return 1 if fails else 0


SCENARIOS_ALL = dict(SCENARIOS, idle=sc_idle)

if __name__ == "__main__":
    sys.exit(main())
