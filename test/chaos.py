#!/usr/bin/env python3
"""Chaos: seeded, randomized fault schedules against the crtoken binary.

usage: chaos.py ./crtoken [--seed S] [--n N] [--jobs J] [--modes oneshot,watch,check,exec]
                          [--replay SEED...] [--regressions] [--keep]

Schedule i of a run with seed S has the seed S*100003+i; its mode, faults,
timeouts, stand-in script and the moments of its signals come from that
seed alone, so `--replay SEED` runs it again exactly (--modes only picks
which seeds run; no --seed: a random one, printed). --regressions adds every
seed kept in test/chaos-seeds (alone, without --seed or --n: only those).
Each schedule has its own stand-in (iam.py), state, token file and output
directory, and runs in parallel with --jobs others. One line per schedule,
"ok SEED mode faults" or "FAIL SEED mode faults: what", then
"chaos: N schedules, M failed"; exit 1 when any failed.

Faults: stand-in answers of every kind (iam.py's words), refused,
black-holed and late-accepted connections, name resolution through a FIFO
on /etc/hosts and a DNS responder of ours (in a mount namespace per run),
token files that are not, output directories missing, read-only or full,
FILE a FIFO or a device, signals (also to crtoken as PID 1), SIGHUP storms,
CR token rotation the kubelet's way. The harness runs in a mount namespace
of its own, so its tmpfs mounts are never seen outside it.

Invariants checked after every schedule:
 (a) exit 0 <=> the output (stdout, FILE, or what exec's CMD got) is exactly
     the last token the stand-in issued; check: exit 0 => a token was issued;
     a FIFO or device at FILE stays one; requests after a CR token rotation
     send the new one
 (b) watch: FILE only ever holds issued tokens, in order, never empty or
     partial; READY only while FILE's token is unexpired (by its exp claim,
     1.25 s tolerance: the claim is truncated to the second), present while it
     is (after 1 s); a READY left by an earlier run goes at start
 (c) the exit code is one the injected faults allow (a set where timing makes
     it ambiguous, e.g. an answer 0.2 s before the deadline: {0, 9})
 (d) the stand-in's timeline follows the retry policy (minimum waits from
     the failed answer, Retry-After, refresh at 80% and the 1 s floor, attempt
     counts); watch makes its next attempt when due (+3 s)
 (e) every run ends in time (--timeout + 1.5 s; 1.5 s after a signal; a bad
     token file at once), and leaves no process of its own behind
 (f) no secret (CR token, 16-char piece of its signature or of an issued
     token) on stderr, nor on check's stdout
 (g) no temporary file left in the output directory or the working directory
"""
import argparse
import concurrent.futures
import contextlib
import ctypes
import email.utils
import json
import multiprocessing
import os
import random
import re
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import iam  # noqa: E402

ROOT = os.geteuid() == 0
UNSHARE = shutil.which("unshare", path="/usr/bin:/bin:/usr/sbin:/sbin")
MODES = ["oneshot", "watch", "check", "exec"]
TOL = 0.05         # timeline tolerance: the contract's 50 ms
SLACK = 0.3        # a timing this close to a deadline may fall either side
LATE = 1.5         # how late a run may end after its deadline or a signal
FAST = (0.0, 0.8)  # an attempt answered at once takes this long (loaded machine)
PERM_WATCH = {2, 3, 8, 10, 14}
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = \
    0x20000, 1, 32, 4096, 0x4000, 1 << 18


def sys_ok(r, what):
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, "%s: %s" % (what, os.strerror(e)))


def mount(src, dst, fstype, flags, data=None):
    enc = [x.encode() if isinstance(x, str) else x for x in (src, dst, fstype, data)]
    sys_ok(libc.mount(*enc[:3], flags, enc[3]), "mount " + dst)


def own_mount_namespace():
    """Mounts made from now on are this process tree's alone."""
    sys_ok(libc.unshare(CLONE_NEWNS), "unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)


# ---------------------------------------------------------------- the schedule

class Att:
    """One exchange attempt as the contract classifies it: its class, whether
    it is retried, how long it takes, whether it never ends by itself (the
    deadline ends it: 9), a valid Retry-After ("s", secs) or ("date", secs),
    other acceptable final classes, the token's lifetime on success."""

    def __init__(self, cls, retry=False, dur=FAST, hang=False, ra=None, alt=(), life=None):
        self.cls, self.retry, self.dur, self.hang = cls, retry, dur, hang
        self.ra, self.alt, self.life = ra, tuple(alt), life


def retry_after(rng):
    """A Retry-After word (or none) and what it validly asks. retry=@+N and
    retry=@-N become HTTP dates N s from when the run starts."""
    f, n = rng.randrange(8), rng.randint(1, 3)
    valid = {4: ("s", n), 5: ("date", n + 1), 7: ("s", 60)}.get(f)
    return (" " + ["", "retry=0", "retry=-%d" % n, "retry=" + rng.choice(
        ["soon", "abc", "1e3x", "Wed,_31_Foo_2026"]), "retry=%d" % n, "retry=@+%d" % (n + 1),
        "retry=@-%d" % (n * 5000), "retry=100000"][f]).rstrip(), valid


# Stand-in script lines by kind: {a-b} is a number from a to b, {x|y} one of x and y.
LINES = {
    "ok": ["resp=ok", "resp=chunked", "resp=bytewise", "resp=close", "cert=ec", "noexp",
           "tls=stall:{7-8}", "cut=100000", "retry=3", "expires={1-7200}"],
    "odd": ["expires=10000000000", "expires_raw=1e3", "expiration=rel:-50"],  # 0 or 13
    "bad13": ["resp={garbage|badjson|noaccess|huge|truncated}", "oversize", "status=200",
              "resp=close notify=0", "cut={1-399}{| notify=0| resp=chunked| resp=close}",
              "cut={1-399} resp=bytewise", "resp=dribble cut={2-12}",
              "okstatus={201|202|203|204|206|226|299|300|301|302|303|304|307|308}",
              "status={0|1|42|99|100|101|102|103|199|300|302|399|600|601|700|999}",
              "rawstatus={HTTP/1.1_2000_OK|HTTP/1.1_20_OK|HTTP/1.1_abc_OK|garbage|ICY_200_OK"
              "|HTTP/1.1_-200_OK|HTTP/1.1_200OK|HTTP/1.1_+200_OK}",
              "expires={0|-1|-99999}", "noexp expiration=rel:-{1-5000}",
              'expires_raw={"3600"|null|3600.5|-1|"abc"|true|[]|0}'],
    "http4": ["status={400|401|403|404|405|409|413|418|422|499}{| code=BXNIM0398E| retry=1}"],
    "http429": ["status=429"],
    "http5": ["status={500|501|502|503|504|599}", "resp=html"],
    "tls7r": ["tls=close"],
    "tls7": ["tls={tls13|cbc}"],
    "cert8": ["cert={expired|wrongname|rogue|weakrsa}"],
    "hang": ["tls=hang", "resp=hang", "resp=dribble", "tls=stall:{0-6}"],
}
CLASS = {"ok": 0, "odd": 0, "bad13": 13, "http4": 10, "http429": 11, "http5": 12, "tls7r": 7,
         "tls7": 7, "cert8": 8, "hang": 9}


def expand(rng, template):
    def one(m):
        a, _, b = m.group(1).partition("-")
        if a.isdigit() and b.isdigit():
            return str(rng.randint(int(a), int(b)))
        return rng.choice(m.group(1).split("|"))
    return re.sub(r"\{([^}]*)\}", one, template)


def script_line(rng, kind, life=None):
    """A stand-in script line of this kind and the attempt it makes; life:
    a watch's short token lifetime for a success."""
    if kind == "ok" and life is None and rng.random() < 0.1:
        kind = "odd"
    w, cls = expand(rng, rng.choice(LINES[kind])), CLASS[kind]
    if life is not None and kind == "ok":
        return (re.sub(r"expires=\d+", "", w) + " expires=%d" % life).strip(), Att(0, life=life)
    if kind in ("http429", "http5"):
        ra_word, ra = retry_after(rng)
        return w + ra_word, Att(cls, True, ra=ra)
    if "dribble cut=" in w:  # a byte every 0.25 s, then the end: 13 unless the deadline is first
        n = int(w.split("=")[-1])
        return w, Att(13, dur=(0.25 * (n - 1), 0.25 * n + 0.8))
    return w, Att(cls, kind in ("tls7r", "hang"), hang=kind == "hang",
                  alt=[13] if kind == "odd" else (), life=3600)


def weighted(rng, table):
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


KINDS = [("ok", 25), ("bad13", 20), ("http4", 7), ("http429", 12), ("http5", 13),
         ("tls7r", 7), ("tls7", 4), ("cert8", 6), ("hang", 6)]
FAILS = [(k, w) for k, w in KINDS if k != "ok"]


class Schedule:
    """Everything a run does, drawn from its seed alone."""

    def __init__(self, seed):
        rng = random.Random(seed)
        self.seed = seed
        self.mode = weighted(rng, [("oneshot", 40), ("watch", 25), ("check", 15), ("exec", 20)])
        self.desc, self.lines, self.atts, self.acts = [], [], [], None
        self.dns = self.conn = self.tokfile = self.out = self.sig = None
        self.pid1 = self.hup = self.stale = self.rotate = self.ro_later = False
        self.verbose = rng.random() < 0.3
        self.host = rng.choice(["localhost", "127.0.0.1"])
        self.needs_root = False
        if self.mode == "watch":
            self.make_watch(rng)
        else:
            self.make_run(rng)
        self.desc.insert(0, "T=%g" % self.T + ("" if self.retries is None else
                                               " R=%d" % self.retries))
        self.desc.append("script=[%s]" % "|".join(self.lines))
        if self.verbose:
            self.desc.append("-v")

    # -- one-shot, exec, check
    def make_run(self, rng):
        self.T = rng.choice([1.5, 2, 3, 4, 6])
        self.retries = None if self.mode == "check" else rng.choice([0, 1, 2, 3, None, 10, 100])
        fam = weighted(rng, [("http", 45), ("conn", 12), ("dns", 18), ("token", 10),
                             ("output", 15 if self.mode == "oneshot" else 0)])
        if fam == "dns":
            self.make_dns(rng, self.mode != "check")
        elif fam == "conn":
            self.conn = rng.choice(["refused", "blackhole", "late"])
            self.desc.append("conn=" + self.conn)
            if self.conn == "blackhole" and rng.random() < 0.5:
                self.ctimeout = rng.choice([0.5, 1])
                self.desc.append("connect-timeout=%g" % self.ctimeout)
            self.late = rng.uniform(0.3, self.T + 0.5)
            self.add_line("resp=ok", Att(0))
        else:
            for _ in range(rng.randint(1, 4)):
                self.add_line(*script_line(rng, weighted(rng, KINDS)))
        if fam == "token":
            self.tokfile = rng.choice(["missing", "empty", "blank", "notjwt", "fifo", "dir",
                                       "big", "device", "dangling"])
            self.desc.append("tokenfile=" + self.tokfile)
        if fam == "output":
            self.out = rng.choice(["missing", "ro", "full", "fifo", "device"])
            self.needs_root |= self.out in ("ro", "full", "device")
            self.desc.append("out=" + self.out)
        self.needs_root |= self.tokfile == "device"
        if rng.random() < (0.15 if self.mode == "exec" else 0.25):
            self.sig = rng.choice([signal.SIGTERM, signal.SIGINT])
            self.sig_at = rng.uniform(0.05, min(self.T, 4))
            self.pid1 = rng.random() < 0.4 and self.mode != "exec"  # unshare's PID 1
            self.desc.append("sig=%s@%.2f%s" % (self.sig.name, self.sig_at,
                                                " pid1" if self.pid1 else ""))
            self.needs_root |= self.pid1

    def add_line(self, text, att):
        self.lines.append(text)
        self.atts.append(att)

    def make_dns(self, rng, several):
        """Name resolution through our /etc/hosts FIFO and DNS responder."""
        self.needs_root = True
        self.dns = rng.choice(["nxdomain", "servfail", "refused", "drop"])
        self.acts = []
        for i in range(rng.randint(1, 3) if several else 1):
            k = rng.randrange(6)
            if self.mode == "watch":
                self.acts.append(["hosts:0", "hosts:0.3", "none:0", "none:0.2", "hold",
                                  "hosts:0"][k])
            elif k == 2:  # the hosts line just before, just after or well after the deadline
                self.acts.append("hosts:%.2f" % max(0, self.T + rng.choice([-0.2, 0.3, 2.0])))
            else:
                self.acts.append(["hosts:0", "hosts:0", None, "none:0",
                                  "none:%.2f" % rng.uniform(0, 1), "hold"][k])
        if self.mode == "watch":
            self.acts.append("hosts:0")
        elif self.acts[-1] == "hold" and rng.random() < 0.5:
            self.acts[-1] = "block"  # never even opened: crtoken stays in open()
        self.desc.append("dns=%s hosts=[%s]" % (self.dns, ",".join(self.acts)))
        if self.mode != "watch":
            for _ in range(rng.randint(1, 2)):
                self.add_line(*script_line(rng, rng.choice(["ok", "ok", "http5"])))

    # -- watch
    def make_watch(self, rng):
        self.T = rng.choice([1.5, 2, 3])       # each attempt
        self.retries = None
        self.run_for = rng.uniform(5, 12)
        n = rng.randint(2, 5)
        for i in range(n):
            ok = rng.random() < ([0.5] + [0.55] * (n - 2) + [0.85])[i]
            kind = "ok" if ok else weighted(rng, FAILS if i else
                                            [(k, w) for k, w in FAILS if k != "http4"] +
                                            [("http4", 2)])
            self.add_line(*script_line(rng, kind, life=rng.randint(2, 5)))
        self.stop_sig = rng.choice([signal.SIGTERM, signal.SIGTERM, signal.SIGINT])
        self.desc.append("for=%.1f stop=%s" % (self.run_for, self.stop_sig.name))
        if rng.random() < 0.2:
            self.hup, self.hup_at, self.hup_n = True, rng.uniform(1, self.run_for - 2), \
                rng.randint(5, 20)
            self.desc.append("hup=%dx@%.1f" % (self.hup_n, self.hup_at))
        self.stale = rng.random() < 0.3
        if rng.random() < 0.2:
            self.rotate, self.rotate_at = True, rng.uniform(1, self.run_for - 1)
            self.desc.append("rotate@%.1f" % self.rotate_at)
        x = rng.random()
        if x < 0.15:
            self.make_dns(rng, True)
        elif x < 0.35:
            self.out = rng.choice(["missing", "ro", "full", "fifo", "device", "ro_later"])
            self.needs_root |= self.out in ("ro", "full", "device", "ro_later")
            self.ro_later = self.out == "ro_later"
            self.ro_for = rng.uniform(2, 4)
            self.desc.append("out=" + self.out)
        elif x < 0.4:
            self.tokfile = "missing"
            self.desc.append("tokenfile=missing")
        if self.stale:
            self.desc.append("stale-ready")

    # -- the attempts as they happen: resolution actions and script lines together
    def attempts(self, k_max=14):
        if self.conn == "refused":
            return [Att(5, True, (0, 0.5))]
        out, j = [], 0
        for k in range(k_max):
            act = self.acts[min(k, len(self.acts) - 1)] if self.acts else "hosts:0"
            kind, _, d = act.partition(":")
            if kind in ("hold", "block"):
                out.append(Att(9, True, hang=True))
            elif kind == "none":
                d = float(d)
                out.append(Att(4, True, (d, d + 0.8) if self.dns == "nxdomain" else
                               (d + 0.5, d + 2.2)))
            else:
                a = self.atts[min(j, len(self.atts) - 1)]
                j += 1
                if self.out in ("missing", "ro", "full") and a.cls == 0:
                    a = Att(14, alt=[14 if c == 0 else c for c in a.alt])
                d = float(d)  # resolution took d s first
                out.append(Att(a.cls, a.retry, (a.dur[0] + d, a.dur[1] + d), a.hang, a.ra, a.alt))
        return out

    def expected(self):
        """(exit codes allowed, attempt counts allowed or None)."""
        if self.tokfile:  # check goes on to the network: one connection
            codes, counts = {3}, {0, 1} if self.mode == "check" else {0}
        elif self.mode == "watch":
            atts = self.attempts()
            codes = {atts[0].cls} if atts[0].cls in PERM_WATCH else {0}
            for a in atts[1:] if atts[0].cls else []:  # a verdict before the first success:
                if a.cls == 0 or codes != {0}:  # the contract says retry, the binary stops
                    break
                if a.cls in PERM_WATCH:
                    codes.add(a.cls)
            return codes, None
        elif self.conn == "blackhole":
            codes, counts = {9}, None
        elif self.conn == "late":
            codes, counts = {0, 9}, None
        else:
            retries = 0 if self.mode == "check" else 4 if self.retries is None else self.retries
            codes, counts = outcomes(self.attempts(), retries, self.T)
        if self.sig:
            codes |= {128 + self.sig, -self.sig}
        return codes, None if self.dns or self.conn or self.sig else counts


def outcomes(atts, retries, T):
    """The exit codes and attempt counts a one-shot run of these attempts may
    end with, under the retry policy: before retry n a wait in [E/2, E],
    E = min(30, 0.5 * 2^(n-1)), raised to a valid Retry-After (60 s at most);
    no retry whose wait would end after the deadline T."""
    codes, counts = set(), set()
    todo = [(0, 0.0, 0.3)]  # attempt k starts between lo and hi s after launch
    while todo:
        k, lo, hi = todo.pop()
        a = atts[min(k, len(atts) - 1)]
        if a.hang or lo + a.dur[0] >= T - SLACK:
            codes.add(9)
            counts.add(k + 1)
            if a.hang or lo + a.dur[0] >= T + SLACK:
                continue
        if hi + a.dur[1] > T - SLACK:
            codes.add(9)
            counts.add(k + 1)
        elo, ehi = lo + a.dur[0], min(hi + a.dur[1], T)
        if a.cls == 0 or not a.retry or k >= retries:
            codes.update((a.cls,) + a.alt)
            counts.add(k + 1)
            continue
        e = min(30.0, 0.5 * 2 ** k)
        wlo, whi = e / 2, e
        if a.ra:
            wlo, whi = max(wlo, a.ra[1] if a.ra[0] == "s" else 0), max(whi, a.ra[1])
        if ehi + whi > T - SLACK:  # it may stop here
            codes.add(a.cls)
            counts.add(k + 1)
        if elo + wlo < T + SLACK:  # or go on
            todo.append((k + 1, elo + wlo, min(ehi + whi, T)))
    return codes, counts


# ---------------------------------------------------------------- fixtures

def spawn(fn, *args):
    t = threading.Thread(target=fn, args=args, daemon=True)
    t.start()
    return t


def dns_responder(mode, stop):
    """A DNS server on 127.53.x.y:53 (returned) answering every query with
    NXDOMAIN, SERVFAIL, REFUSED, or not at all (drop)."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(200):  # a free address: other schedules run beside this one
        addr = "127.53.%d.%d" % (random.randint(0, 255), random.randint(1, 254))
        try:
            u.bind((addr, 53))
            break
        except OSError:
            continue
    u.settimeout(0.1)
    rcode = {"nxdomain": 3, "servfail": 2, "refused": 5}.get(mode)

    def serve():
        while not stop.is_set():
            try:
                q, peer = u.recvfrom(2048)
                if rcode is not None and len(q) >= 12:
                    u.sendto(q[:2] + struct.pack(">HHHHH", 0x8180 | rcode, 1, 0, 0, 0) + q[12:],
                             peer)
            except OSError:
                continue
        u.close()
    spawn(serve)
    return addr


def hosts_writer(path, acts, stop):
    """Serve the FIFO on crtoken's /etc/hosts, one action per resolution (the
    last repeats): hosts:D the address after D s, none:D no entry after D s
    (then DNS), hold: open it and say nothing until the reader leaves,
    block: never open it (crtoken stays in open())."""
    for i in range(10000):
        act = acts[min(i, len(acts) - 1)]
        if act == "block":
            return
        fd = None
        while fd is None and not stop.is_set():  # a reader (crtoken) opened it
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                stop.wait(0.005)
        if fd is None:
            return
        kind, _, d = act.partition(":")
        try:
            if kind == "hold":  # until the reader leaves: POLLERR on our end
                p = select.poll()
                p.register(fd, select.POLLERR)
                while not stop.is_set() and not p.poll(50):
                    pass
            elif not stop.wait(float(d)):
                os.write(fd, b"127.0.0.1 iam.chaos.test\n" if kind == "hosts" else b"# none\n")
        except OSError:
            pass
        os.close(fd)
        stop.wait(0.15)  # the reader sees the end of file and closes before we look again


def relay(a, b, stop):
    """Copy bytes both ways between two sockets until either side ends."""
    def pump(x, y):
        with contextlib.suppress(OSError):
            while not stop.is_set() and (d := x.recv(65536)):
                y.sendall(d)
        for sock in (x, y):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
    spawn(pump, a, b)
    spawn(pump, b, a)


class BlackHole:
    """A listener whose accept queue is full, so SYNs are dropped. With
    late=D, after D s it drains the queue and relays to the stand-in."""

    def __init__(self, target, late, stop):
        self.l = socket.socket()
        self.l.bind(("127.0.0.1", 0))
        self.l.listen(0)
        self.port = self.l.getsockname()[1]
        self.fill = []
        for _ in range(8):  # connect until one connection is not accepted by the kernel
            c = socket.socket()
            c.settimeout(0.3)
            try:
                c.connect(("127.0.0.1", self.port))
                self.fill.append(c)
            except OSError:
                c.close()
                break
        if late is not None:
            spawn(self.drain, target, late, stop)

    def drain(self, target, late, stop):
        if stop.wait(late):
            return
        mine = {c.getsockname() for c in self.fill}
        self.l.settimeout(0.1)
        while not stop.is_set():
            try:
                c, peer = self.l.accept()
            except OSError:
                continue
            if peer in mine:
                c.close()
                continue
            try:
                relay(c, socket.create_connection(("127.0.0.1", target), 5), stop)
            except OSError:
                c.close()

    def close(self):
        for c in self.fill + [self.l]:
            c.close()


def fifo_reader(fd, msgs, stop):
    """Hold a reader on the FIFO at FILE; each writer's bytes are one message."""
    buf, stopping = b"", False
    while not stopping:
        stopping, eof = stop.wait(0.01), False  # one more read after the stop
        while not eof:
            try:
                d = os.read(fd, 65536)
            except BlockingIOError:  # a writer is there, nothing more yet
                break
            buf, eof = buf + d, not d
        if buf and (eof or stopping):  # end of file: the writer closed
            msgs.append((time.time(), buf.decode("latin-1")))
            buf = b""
    os.close(fd)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def jwt_exp(tok):
    try:
        return json.loads(iam.b64u_decode(tok.split(".")[1]))["exp"]
    except (ValueError, KeyError, IndexError):
        return 0


def write(path, data, mode=0o644):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    os.chmod(path, mode)


def http_date(offset):
    return time.strftime("%a,_%d_%b_%Y_%H:%M:%S_GMT", time.gmtime(time.time() + offset))


# ---------------------------------------------------------------- one run

class Run:
    """One schedule: fixtures, crtoken, then the invariants."""

    def __init__(self, sch, pki, crtoken, base):
        self.s, self.pki, self.bin = sch, pki, crtoken
        self.d = tempfile.mkdtemp(dir=base, prefix="%d-" % sch.seed)
        self.stop = threading.Event()
        self.mounts, self.bad, self.msgs, self.samples = [], [], [], []
        self.sig_sent = None

    def fail(self, inv, what):
        if sum(b.startswith("(%s)" % inv) for b in self.bad) < 3:
            self.bad.append("(%s) %s" % (inv, what))
        elif not self.bad[-1].startswith("..."):
            self.bad.append("... (%s) more" % inv)

    def path(self, *p):
        return os.path.join(self.d, *p)

    def setup(self):
        s = self.s
        self.srv = iam.Standin(self.pki, self.path("state"))
        self.crs = [iam.cr_token()]
        self.cwd = self.path("cwd")
        self.outdir = self.path("out")
        for p in (self.cwd, self.outdir):
            os.mkdir(p)
        self.tok = self.path("cr")
        write(self.tok, self.crs[0] + "\n")
        if s.rotate:  # the kubelet's layout: token -> ..data/token, ..data -> ..<stamp>
            os.mkdir(self.path("crdir"))
            self.rotation(0)
            os.symlink("..data/token", self.path("crdir", "token"))
            self.tok = self.path("crdir", "token")
        self.token_fault()
        port = self.srv.port
        if s.conn == "refused":  # bound, never listening: refused, and no one else takes it
            self.hold_port = socket.socket()
            self.hold_port.bind(("127.0.0.1", 0))
            port = self.hold_port.getsockname()[1]
        elif s.conn in ("blackhole", "late"):
            self.hole = BlackHole(port, s.late if s.conn == "late" else None, self.stop)
            port = self.hole.port
        host = "iam.chaos.test" if s.dns else s.host
        self.url = "https://%s:%d" % (host, port)
        self.pre = None
        if s.dns:
            write(self.path("resolv.conf"), "nameserver %s\noptions timeout:1 attempts:1\n"
                  % dns_responder(s.dns, self.stop))
            os.mkfifo(self.path("hosts"))
            spawn(hosts_writer, self.path("hosts"), s.acts, self.stop)
            self.pre = self.namespace
        self.output_fault()
        self.ready = self.path("ready")
        if s.stale:
            write(self.ready, "")

    def namespace(self):
        """preexec_fn: crtoken's own /etc/hosts and /etc/resolv.conf."""
        sys_ok(libc.unshare(CLONE_NEWNS), "unshare")
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        mount(self.path("hosts"), "/etc/hosts", None, MS_BIND)
        mount(self.path("resolv.conf"), "/etc/resolv.conf", None, MS_BIND)

    def rotation(self, n):
        dd = self.path("crdir")
        stamp = "..2026_%02d" % n
        os.mkdir(os.path.join(dd, stamp))
        write(os.path.join(dd, stamp, "token"), self.crs[-1] + "\n")
        os.symlink(stamp, os.path.join(dd, "..data_tmp"))
        os.rename(os.path.join(dd, "..data_tmp"), os.path.join(dd, "..data"))

    def token_fault(self):
        k, p = self.s.tokfile, self.path("badtoken")
        text = {"empty": "", "blank": " \n\t\n", "notjwt": "aaaa.bbbb\n",
                "big": "a.b." + "c" * 70000}
        make = {"fifo": lambda: os.mkfifo(p), "dir": lambda: os.mkdir(p), "missing": lambda: None,
                "device": lambda: os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, 3)),
                "dangling": lambda: os.symlink(self.path("nothing"), p)}
        if k:
            make[k]() if k in make else write(p, text[k])
            self.tok = p

    def output_fault(self):
        k, self.file = self.s.out, os.path.join(self.outdir, "token")
        if k in ("ro", "full", "ro_later"):
            mount("tmpfs", self.outdir, "tmpfs", 0, "size=16k,mode=0755")
            self.mounts.append(self.outdir)
            if k == "full":
                try:
                    with open(os.path.join(self.outdir, "fill"), "wb") as f:
                        for _ in range(64):
                            f.write(b"x" * 1024)
                            f.flush()
                except OSError:
                    pass
            if k == "ro":
                self.remount(True)
        elif k == "missing":
            self.file = os.path.join(self.outdir, "missing", "token")
        elif k == "fifo":
            os.mkfifo(self.file)
            spawn(fifo_reader, os.open(self.file, os.O_RDONLY | os.O_NONBLOCK), self.msgs,
                  self.stop)
        elif k == "device":
            os.mknod(self.file, 0o666 | stat.S_IFCHR, os.makedev(1, 3))

    def remount(self, ro):
        mount(None, self.outdir, None, MS_REMOUNT | (MS_RDONLY if ro else 0), "size=16k")

    def argv(self):
        s = self.s
        a = ["--url", self.url, "--cacert", os.path.join(self.pki, "ca.pem"),
             "--token-file", self.tok, "--profile-id", iam.PROFILE_ID, "--timeout", "%g" % s.T]
        if s.retries is not None:
            a += ["--retries", str(s.retries)]
        if getattr(s, "ctimeout", None):
            a += ["--connect-timeout", "%g" % s.ctimeout]
        if s.verbose:
            a.append("-v")
        if s.mode == "watch":
            return ["watch"] + a + ["-o", self.file, "--ready-file", self.ready]
        if s.mode == "check":
            return ["check"] + a
        if s.mode == "exec":
            self.child = self.path("child")
            return ["exec"] + a + ["--", "/bin/sh", "-c",
                                   'printf "%s\\n%s\\n" "$IAM_ACCESS_TOKEN" '
                                   '"$IAM_TOKEN_EXPIRATION" > "$0"', self.child]
        return a + (["-o", self.file] if s.out else [])

    def launch(self):
        s = self.s
        self.srv.script(*[" ".join("retry=" + http_date(int(w[7:])) if w.startswith("retry=@")
                                   else w for w in l.split()) for l in s.lines])
        prefix = [UNSHARE, "--pid", "--fork", "--kill-child"] if s.pid1 else []
        self.fo = open(self.path("stdout"), "wb")
        self.fe = open(self.path("stderr"), "wb")
        self.t0 = time.time()
        self.p = subprocess.Popen(prefix + [self.bin] + self.argv(), cwd=self.cwd,
                                  stdin=subprocess.DEVNULL, stdout=self.fo, stderr=self.fe,
                                  env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"},
                                  preexec_fn=self.pre)

    def signal(self, sig):
        """Signal crtoken (inside unshare's PID namespace: its PID 1)."""
        if self.p.poll() is not None:
            return
        pid, kids = self.p.pid, []
        for _ in range(100 if self.s.pid1 else 0):  # unshare's child, once it is there
            try:
                kids = open("/proc/%d/task/%d/children" % (pid, pid)).read().split()
            except OSError:
                pass
            if kids or self.p.poll() is not None:
                break
            time.sleep(0.01)
        try:
            os.kill(int(kids[0]) if self.s.pid1 else pid, sig)
        except (ProcessLookupError, IndexError):
            return
        if self.sig_sent is None and sig != signal.SIGHUP:
            self.sig_sent = time.time()

    def drive(self):
        """Timed actions while crtoken runs; then wait for it, bounded."""
        s, acts = self.s, []
        if s.sig:
            acts.append((s.sig_at, lambda: self.signal(s.sig)))
        if s.mode == "watch":
            acts.append((s.run_for, lambda: self.signal(s.stop_sig)))
            if s.hup:
                acts += [(s.hup_at + 0.1 * i, lambda: self.signal(signal.SIGHUP))
                         for i in range(s.hup_n)]
            if s.rotate:
                acts.append((s.rotate_at, self.rotate))
        acts.sort(key=lambda x: x[0])
        limit = (s.run_for if s.mode == "watch" else s.T) + 10
        self.ro_state = None
        while self.p.poll() is None:
            now = time.time() - self.t0
            while acts and acts[0][0] <= now:
                acts.pop(0)[1]()
            if s.ro_later:
                self.ro_step(now)
            if now > limit:
                self.p.kill()
                self.fail("e", "still running %.0f s after the start: killed" % now)
                break
            time.sleep(0.01)
        self.code = self.p.wait()
        self.t1 = time.time()
        self.stop.set()
        for f in (self.fo, self.fe):
            f.close()

    def rotate(self):
        self.crs.append(iam.cr_token())
        self.rotation(1)
        self.rotated_at = time.time()

    def ro_step(self, now):
        """ro_later: read-only for a while once FILE holds a token, then writable again."""
        if self.ro_state is None and read(self.file):
            self.remount(True)
            self.ro_state = now
        elif self.ro_state not in (None, -1) and now > self.ro_state + self.s.ro_for:
            self.remount(False)
            self.ro_state = -1

    def reap(self):
        """(e): nothing of crtoken's may outlive it (a resolver child, say): the
        processes whose command line names this schedule's directory."""
        left, end = [], time.time() + 1.5
        while time.time() < end:
            left = []
            for pid in filter(str.isdigit, os.listdir("/proc")):
                with contextlib.suppress(OSError):
                    if self.d.encode() in open("/proc/%s/cmdline" % pid, "rb").read():
                        left.append(int(pid))
            if not left:
                return
            time.sleep(0.05)
        self.fail("e", "processes left behind: %r" % left)
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def sampler(self):
        """watch: every 20 ms, whether READY exists and what FILE holds."""
        regular = self.s.out not in ("fifo", "device")
        while not self.stop.wait(0.02):
            t = time.time()
            self.samples.append((t, os.path.exists(self.ready),
                                 read(self.file) if regular else None))

    def execute(self):
        try:
            self.setup()
            self.launch()
            if self.s.mode == "watch":
                spawn(self.sampler)
            self.drive()
            self.reap()
            end = time.time() + 5  # the stand-in's records of connections still closing
            while len(iam.timeline(self.srv.state)) < len(iam.connections(self.srv.state)) \
                    and time.time() < end:
                time.sleep(0.05)
            self.issued = iam.issued(self.srv.state)
            self.tl = iam.timeline(self.srv.state)
            self.check()
        finally:
            self.stop.set()
            for m in self.mounts:
                libc.umount2(m.encode(), 2)  # MNT_DETACH
            for x in ("srv", "hole", "hold_port"):
                if hasattr(self, x):
                    getattr(self, x).stop() if x == "srv" else getattr(self, x).close()

    # ------------------------------------------------------------ invariants
    def check(self):
        s = self.s
        self.err = open(self.path("stderr"), "rb").read().decode("utf-8", "replace")
        self.stdout = open(self.path("stdout"), "rb").read().decode("utf-8", "replace")
        codes, counts = s.expected()
        if self.code not in codes:
            self.fail("c", "exit %d, expected %s" % (self.code, sorted(codes)))
        self.check_output()
        self.check_time()
        self.check_secrets()
        self.check_files()
        if s.mode == "watch":
            self.check_samples()
        if not s.conn:
            self.check_timeline(counts)
        if getattr(self, "rotated_at", None):
            conns = {c["conn"]: c["accept"] for c in self.tl}
            for r in iam.requests(self.srv.state):
                if conns.get(r["conn"], 0) > self.rotated_at + 1 and \
                        r["form"]["cr_token"][0] != self.crs[-1]:
                    self.fail("a", "conn %d sent the CR token from before the rotation"
                              % r["conn"])

    def check_output(self):
        """(a): exit 0 <=> the output is the last token issued."""
        s, code = self.s, self.code
        if code == 0 and not self.issued and s.mode != "watch":
            self.fail("a", "exit 0 but the stand-in issued no token")
        if s.mode in ("check", "watch") or s.out == "device" or not self.issued:
            return
        want = self.issued[-1] + "\n"
        if s.mode == "exec":  # the token, then IAM_TOKEN_EXPIRATION
            got = read(self.child)
            if code == 0 and got and not re.match(r"[^\n]*\n\d+\n$", got):
                self.fail("a", "exec: IAM_TOKEN_EXPIRATION is not a number: %r" % got[-30:])
            got = got and got.split("\n")[0] + "\n"
        else:
            got = "".join(m for _, m in self.msgs) if s.out == "fifo" else \
                read(self.file) if s.out else self.stdout
        if code == 0 and got != want:
            self.fail("a", "exit 0 but the output is not the last issued token: %r"
                      % (got or "")[:60])
        signalled = code in (128 + (s.sig or 0), -(s.sig or 0)) and s.mode == "exec"
        if code != 0 and got and not signalled and any(t in got for t in self.issued):
            self.fail("a", "exit %d but the output holds an issued token" % code)

    def check_time(self):
        s, took = self.s, self.t1 - self.t0
        if self.sig_sent and self.t1 - self.sig_sent > LATE:
            self.fail("e", "ended %.2f s after the signal" % (self.t1 - self.sig_sent))
        if s.mode != "watch" and took > s.T + LATE:
            self.fail("e", "took %.2f s with --timeout %g" % (took, s.T))
        if s.tokfile and s.mode != "check" and took > LATE:  # check goes on to the network
            self.fail("e", "took %.2f s to reject the token file" % took)
        a = s.attempts()[0]
        if s.mode == "watch" and a.cls in PERM_WATCH and not self.sig_sent and \
                took > a.dur[1] + LATE:
            self.fail("e", "exited on its own after %.2f s" % took)

    def check_secrets(self):
        pieces = set()
        for cr in self.crs:
            sig = cr.split(".")[2]
            pieces.update(sig[i:i + 16] for i in range(len(sig) - 15))
        for t in self.issued:
            body = t.split(".", 1)[1]  # the header is the same constant in every token
            pieces.update(body[i:i + 16] for i in range(len(body) - 15))
        for name, text in [("stderr", self.err)] + \
                ([("stdout", self.stdout)] if self.s.mode == "check" else []):
            if any(cr in text for cr in self.crs) or \
                    any(text[i:i + 16] in pieces for i in range(len(text) - 15)):
                self.fail("f", "a secret on " + name)

    def check_files(self):
        s = self.s
        left = os.listdir(self.cwd)
        if left:
            self.fail("g", "files left in the working directory: %r" % left)
        if os.path.isdir(self.outdir):
            stray = [n for n in os.listdir(self.outdir) if n not in ("token", "fill", "missing")]
            if stray:
                self.fail("g", "temporary files left: %r" % stray)
        if s.out == "fifo" and not stat.S_ISFIFO(os.lstat(self.file).st_mode):
            self.fail("a", "the FIFO at FILE was replaced")
        if s.out == "device" and not stat.S_ISCHR(os.lstat(self.file).st_mode):
            self.fail("a", "the device at FILE was replaced")
        if s.mode == "watch" and os.path.exists(self.ready):
            self.fail("b", "READY still there after watch ended")
        if s.out is None and os.path.isfile(self.file) and \
                stat.S_IMODE(os.stat(self.file).st_mode) != 0o600:
            self.fail("a", "FILE mode %o, not 0600" % stat.S_IMODE(os.stat(self.file).st_mode))

    def check_samples(self):
        """(b): what FILE and READY showed, against the tokens issued."""
        idx = {t: i for i, t in enumerate(self.issued)}
        if self.s.out in ("fifo", "device"):
            seq = [idx.get(m[:-1], -1) if m.endswith("\n") else -1 for _, m in self.msgs]
            if -1 in seq or seq != sorted(seq):
                self.fail("b", "the FIFO got something else than issued tokens in order")
            return
        last, since, stopping = -1, {}, (self.sig_sent or self.t1) - 0.05
        for t, ready, content in self.samples:
            tok = content[:-1] if content and content.endswith("\n") else None
            at = "at +%.2f s" % (t - self.t0)
            if content is None and last >= 0:
                return self.fail("b", "FILE vanished " + at)
            if content is not None and tok not in idx:
                return self.fail("b", "FILE held %r %s: no issued token" % (content[:40], at))
            if tok is not None:
                if idx[tok] < last:
                    return self.fail("b", "FILE went back to an older token " + at)
                last = idx[tok]
                since.setdefault(tok, t)
            if t > stopping:
                continue  # watch is stopping: READY goes first
            exp = jwt_exp(tok) if tok else None
            if ready and tok is None and not (self.s.stale and t < self.t0 + 1.5):
                return self.fail("b", "READY without a token in FILE " + at)
            if ready and tok and exp < t - 1.25:  # 1 s, and the exp claim's truncation
                return self.fail("b", "READY %.2f s after FILE's token expired" % (t - exp))
            if not ready and tok and exp > t + 1 and t > since[tok] + 1:
                return self.fail("b", "no READY %s though FILE's token is valid" % at)

    def check_timeline(self, counts):
        """(d): the gaps between the stand-in's connections follow the policy:
        at least the policy's wait (from the answer that failed, else from the
        accept), and for watch at most what is due plus 3 s."""
        s, tl = self.s, self.tl
        if counts is not None and len(tl) not in counts:
            self.fail("d", "%d connections, expected %s" % (len(tl), sorted(counts)))
        if s.dns or s.ro_later or s.tokfile:
            return  # failed resolutions are not seen here; writes fail in a read-only time
        fails, watch = 0, s.mode == "watch"
        for prev, nxt in zip(tl, tl[1:] + [None]):
            a = s.atts[min(prev["conn"] - 1, len(s.atts) - 1)]
            ref = prev["answer"] or prev["accept"]
            done = prev["end"] if a.hang else prev["answer"] or prev["end"]  # it knew by then
            at = nxt["accept"] if nxt else self.sig_sent
            what = "conn %d %.2f s after conn %d" % (nxt["conn"], at - ref, prev["conn"]) \
                if nxt else "conn %d" % prev["conn"]
            if a.cls == 0:
                fails, most = 0, max(0.8 * a.life, 1)
                # the token expires at int(issue time) + life, issued after prev's
                # accept; 80% of that from when it came (or from the answer)
                due = 0.2 * ref + 0.8 * (int(prev["accept"]) + a.life)
                if nxt and at - prev["accept"] < 0.7:
                    self.fail("d", what + ": under the 1 s floor")
                elif nxt and not s.hup and at < due - TOL:
                    self.fail("d", "%s: %.2f s before 80%% of a %d s token"
                              % (what, due - at, a.life))
            else:
                fails += 1
                e = min(60.0 if watch else 30.0, 0.5 * 2 ** (fails - 1))
                least, most = e / 2, e
                if a.ra and a.ra[0] == "s":
                    least, most = max(least, min(a.ra[1], 60)), max(most, min(a.ra[1], 60))
                if a.ra and a.ra[0] == "date":
                    when = email.utils.parsedate_to_datetime(
                        prev["words"]["retry"].replace("_", " ")).timestamp()
                    least, most = max(least, when - ref), max(most, when - done)
                if nxt and at - ref < least - TOL:
                    self.fail("d", "%s: retry %d, the policy waits %.2f s at least"
                              % (what, fails, least))
            if watch and at and at - done > most + 3:
                self.fail("d", "%s: nothing for %.2f s, due within %.2f s"
                          % (what, at - done, most))


# ---------------------------------------------------------------- main

def run_one(seed, pki, crtoken, base, keep):
    """In a worker: one schedule; returns (seed, failed, line)."""
    s = Schedule(seed)
    what = "%d %s %s" % (seed, s.mode, " ".join(s.desc))
    if (s.needs_root and not ROOT) or (s.pid1 and not UNSHARE):
        return seed, None, "skip %s (needs root and util-linux unshare)" % what
    r = Run(s, pki, crtoken, base)
    t0 = time.time()
    try:
        r.execute()
    except Exception as e:  # a broken schedule is a failed one, not a crash
        import traceback
        r.bad.append("harness: %s: %s %s" % (type(e).__name__, e,
                                              traceback.format_exc(limit=3)[-400:]))
    if not r.bad:
        if not keep:
            shutil.rmtree(r.d, ignore_errors=True)
        return seed, False, "ok %s: exit %d (%.1fs)" % (what, r.code, time.time() - t0)
    tail = getattr(r, "err", "").strip().splitlines()[-3:]
    return seed, True, "FAIL %s: %s\n      exit %s, %.2f s, dir %s, stderr tail: %r" % (
        what, "; ".join(r.bad), getattr(r, "code", "?"),
        getattr(r, "t1", t0) - getattr(r, "t0", t0), r.d, tail)


def seeds_file():
    path = os.path.join(HERE, "chaos-seeds")
    try:
        lines = open(path).read().splitlines()
    except FileNotFoundError:
        return []
    return [int(l.split("#")[0]) for l in lines if l.split("#")[0].strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("crtoken")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--n", type=int, default=None, help="schedules to run (60)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--replay", type=int, nargs="+", default=[])
    ap.add_argument("--regressions", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep every schedule's directory")
    a = ap.parse_args()
    crtoken = os.path.abspath(a.crtoken)
    if not os.access(crtoken, os.X_OK):
        print("chaos: %s is not executable" % crtoken)
        return 1
    modes, seeds = set(a.modes.split(",")), list(a.replay)
    if not a.replay and not (a.regressions and a.seed is None and a.n is None):
        n, base_seed = a.n or 60, a.seed if a.seed is not None else random.randrange(1, 1 << 20)
        print("chaos: seed %d" % base_seed)
        seeds = [base_seed * 100003 + i for i in range(100 * n)
                 if Schedule(base_seed * 100003 + i).mode in modes][:n]
    if a.regressions:  # and every seed kept in test/chaos-seeds
        seeds += [sd for sd in seeds_file() if sd not in seeds]
    if ROOT:
        own_mount_namespace()
    else:
        print("chaos: not root: schedules that need namespaces or mounts are skipped")
    base = tempfile.mkdtemp(prefix="crtoken-chaos-")
    os.chmod(base, 0o755)
    pki = os.path.join(base, "pki")
    subprocess.run(["sh", os.path.join(HERE, "pki.sh"), pki], check=True, timeout=300,
                   stdout=subprocess.DEVNULL)
    failed, skipped, t0 = [], 0, time.time()
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(a.jobs, mp_context=ctx) as pool:
        futs = [pool.submit(run_one, sd, pki, crtoken, base, a.keep) for sd in seeds]
        for f in concurrent.futures.as_completed(futs):
            seed, bad, line = f.result()
            print(line)
            sys.stdout.flush()
            if bad:
                failed.append(seed)
            skipped += bad is None
    if not failed and not a.keep:
        shutil.rmtree(base, ignore_errors=True)
    print("chaos: %d schedules, %d failed%s (%.0f s)%s" % (
        len(seeds), len(failed), ", %d skipped" % skipped if skipped else "", time.time() - t0,
        "; replay: --replay " + " ".join(map(str, sorted(failed))) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
