#!/usr/bin/env python3
"""Chaos: seeded, randomized fault schedules against the crtoken binary.

usage: chaos.py ./crtoken [--seed S] [--n N] [--xw M] [--jobs J]
                          [--modes oneshot,watch,check,exec,exec-watch]
                          [--replay SEED...] [--regressions] [--keep] [--known-fail]

Schedule i of a run with seed S has the seed S*100003+i; its mode, faults,
timeouts, stand-in script and the moments of its signals come from that
seed alone, so `--replay SEED` runs it again exactly (--modes only picks
which seeds run; no --seed: a random one, printed). The exec --watch
schedules (mode exec-watch) have seeds of their own, S*100003+50000+j, so
that the others keep theirs: a run of N schedules adds M of them (--xw;
N/15 rounded up by default; with --modes exec-watch alone, N of them).
--regressions adds every seed kept in test/chaos-seeds (alone, without
--seed or --n: only those). Each schedule has its own stand-in (iam.py),
state, token file and output directory, and runs in parallel with --jobs
others. One line per schedule, "ok SEED mode faults", "FAIL SEED mode
faults: what", or "known SEED mode faults: what" when all it found is a
defect of crtoken that test/chaos-seeds lists as known and not fixed yet
(with --known-fail that is a FAIL); then "chaos: N schedules, M failed";
exit 1 when any failed.

Faults: stand-in answers of every kind (iam.py's words), refused,
black-holed and late-accepted connections, name resolution through a FIFO
on /etc/hosts and a DNS responder of ours (in a mount namespace per run),
token files that are not, output directories missing, read-only or full,
FILE a FIFO or a device, signals (also to crtoken as PID 1), SIGHUP storms,
CR token rotation the kubelet's way. The harness runs in a mount namespace
of its own, so its tmpfs mounts are never seen outside it.

exec --watch schedules (XwRun): CMD is XW_CHILD, a recorder (what it was
started with, FILE and each signal as it comes, its end); 2-4 s tokens, so
several refreshes; restart mode (--restart, --stop-signal) on odd seeds,
-o FILE --signal SIG on even ones; -f, --mode, --env, --log json, -v;
refreshes failing with 5xx and 429 (Retry-After or not), 4xx, garbage,
truncated and cut answers, tokens expired on arrival, hangs, stalls and
resets; the CR token file rotated, or removed and restored; HUP, USR1, USR2
and WINCH sent to crtoken (once CMD is in place, or "raw": when due, also as
CMD is being replaced, and "chase": right after each new token), bursts of
them; CMD ending on its own (an exit code, or a signal) at a random moment,
ignoring TERM (SIGKILL after --stop-timeout) or taking time to end; TERM,
INT or SIGKILL to end, or TERM/INT within the first 0.5 s; crtoken as PID 1,
with orphans. Invariants, each failure naming the seed:
 (A) every CMD started carries (in its environment) a token the stand-in
     issued in a good 200, the latest one when it was forked, with its
     IAM_TOKEN_EXPIRATION; each new token reaches CMD (unless it came within
     its --timeout's last 0.5 s or as crtoken was ending), no more than 3 s
     late (+ --stop-timeout for a CMD that ignores TERM); CMD is never started
     or signalled by a failing refresh; requests send the CR token of the
     moment (the new one after a rotation or restore, none while removed)
 (B) restart mode: one start per new token, in order, each CMD stopped by
     exactly one --stop-signal, never two CMDs at once; --signal mode: one
     start, never restarted, each SIG after a new token with FILE already
     holding it; FILE (sampled every 20 ms, at each start and at each signal)
     is only ever a whole good token in its format, never an older one, mode
     0600 (or --mode); with --log json, refresh, restart and "sent" events
     match what CMD got
 (C) every signal sent while CMD was in place reaches it, and is logged
     ("forwarded") within 1.5 s; crtoken's status is CMD's (its code, or
     128 + the signal), 128 + N also allowed for a signal N sent as CMD was
     being replaced (it may meet a CMD without its handlers yet); crtoken ends
     within --stop-timeout (or CMD's own time to end) + 2.5 s of TERM/INT,
     within 2.5 s of CMD's own end; CMD is SIGKILLed only when it ignores TERM
 (D) no CMD process outlives crtoken: none left when it ends, none 3 s after
     it is SIGKILLed (PR_SET_PDEATHSIG); as PID 1, no orphan left a zombie
 (E) no CR token or issued token, nor a 16-character piece of one, nor the
     first 40 characters of one, on stderr; with --log json every stderr line
     is one JSON object with time, level, event and msg as documented, the
     last one child_exit with crtoken's status; without it, "crtoken: " lines
 (d) and (g) as below: the retry policy, no temporary file left

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
import calendar
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
XW = "exec-watch"  # crtoken exec --watch, the supervisor (super.c)
MODES = ["oneshot", "watch", "check", "exec", XW]
XW_BASE = 50000    # seeds S*100003 + XW_BASE + j are exec --watch schedules
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


def is_xw(seed):
    """An exec --watch seed: its remainder mod 100003 is XW_BASE or more (the
    seeds of the other modes, S*100003+i, keep their schedules)."""
    return seed % 100003 >= XW_BASE


def weighted(rng, table):
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


KINDS = [("ok", 25), ("bad13", 20), ("http4", 7), ("http429", 12), ("http5", 13),
         ("tls7r", 7), ("tls7", 4), ("cert8", 6), ("hang", 6)]
FAILS = [(k, w) for k, w in KINDS if k != "ok"]

# exec --watch: answers that are good 200s (fast ones: a token that came is a
# token crtoken takes), failures by kind, verdicts for the first exchange
XW_OK = ["resp=ok", "resp=ok", "resp=chunked", "resp=bytewise", "resp=close", "cert=ec", "noexp",
         "retry=3", "cut=100000"]
XW_LINES = {
    "http5": ["status={500|503}", "status={502|504}", "resp=html"],
    "http429": ["status=429"],
    "http4": ["status=400", "status=400 code=BXNIM0398E", "status={401|403}"],
    "bad13": ["resp={garbage|badjson|noaccess|truncated|huge}", "cut={1-399}",
              "cut={1-399} notify=0", "okstatus={202|204}", "resp=close notify=0",
              "rawstatus=garbage"],
    "expired": ["expires={0|-1}", "noexp expiration=rel:-{1-500}"],  # expired on arrival
    "hang": ["resp=hang", "tls=hang", "tls=stall:{0-6}"],
    "reset": ["tls=close", "cut={1-80} notify=0"],
}
XW_FAILS = [("http5", 20), ("http429", 14), ("http4", 10), ("bad13", 20), ("expired", 10),
            ("hang", 8), ("reset", 10)]
XW_VERDICTS = ["status=400", "status=403 code=BXNIM0398E", "status=401", "resp=garbage",
               "resp=noaccess", "expires=0", "okstatus=202", "noexp expiration=rel:-100",
               "resp=badjson"]
XW_SIGNUM = {"HUP": 1, "1": 1, "INT": 2, "2": 2, "USR1": 10, "10": 10, "USR2": 12, "12": 12,
             "TERM": 15, "15": 15}
XW_FWD = [signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH]


class Schedule:
    """Everything a run does, drawn from its seed alone."""

    def __init__(self, seed):
        rng = random.Random(seed)
        self.seed = seed
        xw = is_xw(seed)  # an exec --watch seed: its own draws (the others' are unchanged)
        self.mode = XW if xw else weighted(rng, [("oneshot", 40), ("watch", 25), ("check", 15),
                                                 ("exec", 20)])
        self.desc, self.lines, self.atts, self.acts = [], [], [], None
        self.dns = self.conn = self.tokfile = self.out = self.sig = None
        self.pid1 = self.hup = self.stale = self.rotate = self.ro_later = False
        self.verbose = rng.random() < (0.15 if xw else 0.3)
        self.host = rng.choice(["localhost", "127.0.0.1"])
        self.needs_root = False
        if xw:
            self.make_xw(rng)
        elif self.mode == "watch":
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

    # -- exec --watch
    def make_xw(self, rng):
        """The first exchange (a token; a transient failure, then one; or a
        verdict: exit with its class, CMD never started), then refreshes of
        2-4 s tokens and failures of every kind, at most two in a row; restart
        or --signal mode; forwarded signals at random moments; CMD's own end;
        the CR token file rotated or removed and restored; TERM, INT or KILL."""
        self.T = rng.choice([1.5, 2, 3])  # each exchange
        self.retries = None
        self.run_for = rng.uniform(4, 6.5)
        self.kinds = []  # per script line: "ok" (a good 200) or "fail"
        self.first_fail = None
        x = rng.random()
        if x < 0.08:
            w = expand(rng, rng.choice(XW_VERDICTS))
            self.first_fail = 10 if w.startswith("status=") else 13
            self.add_xw(w, Att(self.first_fail), "fail")
        else:
            if x < 0.2:  # retried within the first exchange's --timeout
                w = expand(rng, "status={500|503|429}") + rng.choice(["", " retry=0", " retry=1"])
                self.add_xw(w, Att(11 if "429" in w else 12, True,
                                   ra=("s", 1) if w.endswith("retry=1") else None), "fail")
            self.add_xw_ok(rng)
            streak = 0
            for _ in range(rng.randint(3, 7)):
                if streak >= 2 or rng.random() < 0.5:
                    self.add_xw_ok(rng)
                    streak = 0
                else:
                    self.add_xw_fail(rng)
                    streak += 1
            self.add_xw_ok(rng)  # the last line stays
        self.sigmode = self.seed % 2 == 0  # --signal on even seeds: any two in a row have both
        if self.sigmode:
            self.sig_word = rng.choice(["HUP", "SIGHUP", "1", "USR1", "SIGUSR1", "10", "USR2",
                                        "12"])
            self.sig_num = XW_SIGNUM[self.sig_word.replace("SIG", "")]
            self.file_opt, self.restart_flag, self.stop_word = True, False, None
        else:
            self.sig_word = self.sig_num = None
            self.restart_flag = rng.random() < 0.3
            self.stop_word = rng.choice([None, None, "TERM", "SIGTERM", "15", "INT", "2"])
            self.file_opt = rng.random() < 0.35
        self.stop_num = XW_SIGNUM[(self.stop_word or "TERM").replace("SIG", "")]
        self.fmt = rng.choice([None, None, None, "token", "json", "header", "env"]) \
            if self.file_opt else None
        self.fmode = rng.choice([None, None, None, "0640"]) if self.file_opt else None
        self.env = rng.choice([None, None, None, None, "CHAOS_TOKEN"])
        self.log_json = rng.random() < 0.45
        self.ignore = rng.random() < 0.2  # CMD ignores TERM and INT: SIGKILL after --stop-timeout
        self.stop_to = rng.choice([1, 1.5, 2]) if self.ignore else rng.choice([None, 1, 2, 3])
        self.term_code = rng.choice([0, 0, 0, 3, 42, 255])  # CMD's status on TERM or INT
        self.linger = rng.choice([0, 0, 0.1, 0.3])  # and how long it takes to end
        fwd = [g for g in XW_FWD if g != self.sig_num]
        self.fwd = []  # (when, signal) to crtoken, forwarded; one signal at most once a second
        for _ in range(rng.randint(0, 4)):
            t, g = rng.uniform(0.5, self.run_for - 0.7), rng.choice(fwd)
            if all(abs(t - u) >= 1 for u, h in self.fwd if h == g):
                self.fwd.append((t, g))
        if rng.random() < 0.2:  # a burst: several signals within milliseconds
            t = rng.uniform(0.5, self.run_for - 0.7)
            for g in rng.sample(fwd, rng.randint(2, len(fwd))):
                if all(abs(t - u) >= 1 for u, h in self.fwd if h == g):
                    self.fwd.append((t, g))
        self.fwd.sort()
        # raw: sent when due, even while CMD is being replaced (only those that find
        # it in place must reach it; the others may meet a CMD without its handlers)
        self.raw = rng.random() < 0.3
        self.chase = self.raw and rng.random() < 0.5  # and one 0-80 ms after each new token
        self.die = None  # (when, "exit:N" or "sig:N"): CMD ends on its own
        if rng.random() < 0.25:
            at = rng.uniform(1, self.run_for - 1)
            code = rng.choice([0, 1, 2, 7, 99, 126, 127, 200, 255])
            self.die = (at, rng.choice(["exit:%d" % code, "sig:%d" % rng.choice(
                [signal.SIGSEGV, signal.SIGABRT, signal.SIGKILL, signal.SIGBUS])]))
            self.fwd = [(t, g) for t, g in self.fwd if t < at - 0.6]
        self.end = None if self.die else weighted(rng, [(signal.SIGTERM, 55), (signal.SIGINT, 30),
                                                         (signal.SIGKILL, 15)])
        self.crfault = None
        f = rng.random()
        if f < 0.25:  # the kubelet's rotation
            self.rotate, self.rotate_at = True, rng.uniform(1, self.run_for - 1)
        elif f < 0.5:  # removed, then restored (the same CR token or a new one)
            rm = rng.uniform(1, self.run_for - 2)
            self.crfault = (rm, rm + rng.uniform(0.5, 2.5), rng.random() < 0.5)
        self.early = rng.random() < 0.08  # TERM or INT in the first exchange or as CMD starts
        if self.early:
            self.end = rng.choice([signal.SIGTERM, signal.SIGINT])
            self.die, self.fwd, self.chase = None, [], False
            self.run_for = rng.uniform(0.02, 0.5)
            self.rotate, self.crfault = False, None
        self.pid1 = rng.random() < 0.12
        self.needs_root |= self.pid1
        d = self.desc
        d.append("for=%.1f" % self.run_for)
        d.append("signal=%s" % self.sig_word if self.sigmode else
                 "restart" + ("" if not self.restart_flag else "(--restart)") +
                 ("" if not self.stop_word else " stop-signal=" + self.stop_word))
        if self.file_opt:
            d.append("-o" + ("" if not self.fmt else " -f " + self.fmt) +
                     ("" if not self.fmode else " --mode " + self.fmode))
        if self.env:
            d.append("--env " + self.env)
        if self.log_json:
            d.append("json")
        if self.stop_to:
            d.append("stop-timeout=%g" % self.stop_to)
        if self.ignore:
            d.append("cmd-ignores-term")
        if self.term_code:
            d.append("term-code=%d" % self.term_code)
        if self.linger and not self.ignore:
            d.append("linger=%g" % self.linger)
        if self.fwd:
            d.append(("raw-" if self.raw else "") + "fwd=[%s]" % ",".join(
                "%s@%.2f" % (signal.Signals(g).name, t) for t, g in self.fwd))
        if self.chase:
            d.append("chase")
        if self.die:
            d.append("die=%s@%.2f" % (self.die[1], self.die[0]))
        if self.end:
            d.append("end=%s@%.*f" % (signal.Signals(self.end).name, 2 if self.early else 1,
                                      self.run_for))
        if self.rotate:
            d.append("rotate@%.1f" % self.rotate_at)
        if self.crfault:
            d.append("cr-removed@%.1f-%.1f%s" % (self.crfault[0], self.crfault[1],
                                                 "(new)" if self.crfault[2] else ""))
        if self.pid1:
            d.append("pid1")

    def add_xw(self, text, att, kind):
        self.add_line(text, att)
        self.kinds.append(kind)

    def add_xw_ok(self, rng):
        life = rng.randint(2, 4)
        w = re.sub(r"expires=\d+", "", expand(rng, rng.choice(XW_OK))).strip()
        self.add_xw((w + " expires=%d" % life).strip(), Att(0, life=life), "ok")

    def add_xw_fail(self, rng):
        kind = weighted(rng, XW_FAILS)
        w = expand(rng, rng.choice(XW_LINES[kind]))
        ra = None
        if kind in ("http5", "http429") and "html" not in w:
            f = rng.randrange(8)
            w += ["", " retry=0", " retry=1", " retry=2", " retry=3", " retry=-1", " retry=abc",
                  " retry=@-5000"][f]
            ra = {2: ("s", 1), 3: ("s", 2), 4: ("s", 3)}.get(f)
        cls = {"http5": 12, "http429": 11, "http4": 10, "bad13": 13, "expired": 13, "hang": 9,
               "reset": 7 if w == "tls=close" else 13}[kind]
        self.add_xw(w, Att(cls, True, hang=kind == "hang", ra=ra), "fail")

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
        self.mounts, self.bad, self.msgs, self.samples, self.known = [], [], [], [], []
        self.sig_sent = None

    def known_defect(self, what):
        """A finding of a defect of crtoken that is known and not fixed yet
        (test/chaos-seeds): the run says "known", not "FAIL" (--known-fail: FAIL)."""
        if len(self.known) < 3:
            self.known.append("(known) " + what)

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
        fails, watch = 0, s.mode in ("watch", XW)
        # exec --watch: a restart of a CMD that ignores --stop-signal holds the next refresh
        held = (s.stop_to or 10) if s.mode == XW and s.ignore and not s.sigmode else 0
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
            if watch and at and at - done > most + 3 + held:
                self.fail("d", "%s: nothing for %.2f s, due within %.2f s"
                          % (what, at - done, most))


# ---------------------------------------------------------------- exec --watch

# FILE's formats (-f): the token in it, the whole content matched
XW_FORMATS = {
    "token": r"([A-Za-z0-9_.-]+)\n\Z",
    "header": r"Authorization: Bearer ([A-Za-z0-9_.-]+)\n\Z",
    "env": r"IAM_ACCESS_TOKEN=([A-Za-z0-9_.-]+)\nIAM_TOKEN_EXPIRATION=\d+\n\Z",
    "json": r'\{"access_token":"([A-Za-z0-9_.-]+)","token_type":"Bearer","expires_in":\d+,'
            r'"expiration":\d+\}\n\Z',
}

# CMD of exec --watch: sh -c XW_SH PYTHON REC NAME child.py WORD... appends
# "pre PID TOKEN" to REC at once (TOKEN: the last 20 characters of $NAME), then
# execs python3 -I -S child.py REC WORD... (the same process), which records,
# one write per line to REC: "start PID FORKED NOW TOKEN EXP FILE MODE" (FORKED:
# when crtoken forked it, from /proc/self/stat; TOKEN: the last 20 characters
# of its token, "-" when none; FILE: the same of the token in FILE, "bad" when
# FILE is not one whole token in its format, "missing"), "sig PID NOW N FILE
# MODE" for each signal (its handlers go in first), "exit PID NOW CODE" and
# "die PID NOW HOW"; its stderr goes to REC.err. Words: file=PATH fmt=F,
# env=NAME, term=CODE (its status on TERM or INT), ignore (TERM and INT are only
# recorded), linger=SECONDS (after TERM or INT, before it ends), die=exit:N@EPOCH
# or die=sig:N@EPOCH (every instance alive then ends so), orphans (grandchildren
# left to PID 1).
XW_CHILD = r"""
import os, re, signal, sys, time
W = dict(a.partition("=")[::2] for a in sys.argv[2:])
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
FORMATS = %r
stop = []


def log(s):
    os.write(fd, (s + "\n").encode())


def tail(t):
    return t[-20:] if t else "-"


def infile():
    if "file" not in W:
        return "- -"
    try:
        with open(W["file"], "rb") as f:
            mode, data = os.fstat(f.fileno()).st_mode & 0o7777, f.read().decode("latin-1")
    except OSError:
        return "missing -"
    m = re.match(FORMATS[W["fmt"]], data)
    return "%%s %%o" %% (m.group(1)[-20:] if m else "bad", mode)


def on(sig, frame):
    log("sig %%d %%.3f %%d %%s" %% (os.getpid(), time.time(), sig, infile()))
    if sig in (signal.SIGTERM, signal.SIGINT) and "ignore" not in W:
        stop.append(time.time())  # the main loop ends it: every pending signal's handler runs


for s in (signal.SIGHUP, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM,
          signal.SIGWINCH):
    signal.signal(s, on)
st = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
forked = time.time() - (time.clock_gettime(time.CLOCK_BOOTTIME) -
                        int(st[19]) / os.sysconf("SC_CLK_TCK"))
log("start %%d %%.3f %%.3f %%s %%s %%s" %% (os.getpid(), forked, time.time(),
    tail(os.environ.get(W["env"], "")), os.environ.get("IAM_TOKEN_EXPIRATION", "-"), infile()))
if "orphans" in W:
    for i in range(3):
        p = os.fork()
        if p == 0:
            if os.fork() == 0:
                time.sleep(0.1)
            os._exit(0)
        os.waitpid(p, 0)
how, _, at = W.get("die", "").partition("@")
while True:
    if stop and time.time() >= stop[0] + float(W["linger"]):
        log("exit %%d %%.3f %%s" %% (os.getpid(), time.time(), W["term"]))
        os._exit(int(W["term"]))
    if how and time.time() >= float(at):
        log("die %%d %%.3f %%s" %% (os.getpid(), time.time(), how))
        kind, n = how.split(":")
        if kind == "exit":
            os._exit(int(n))
        import resource
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file in crtoken's directory
        if int(n) != signal.SIGKILL:
            signal.signal(int(n), signal.SIG_DFL)
        os.kill(os.getpid(), int(n))
        time.sleep(5)
        os._exit(99)
    time.sleep(0.02)
""" % XW_FORMATS

XW_SH = ('r=$1 n=$2 c=$3; shift 3; eval "t=\\${$n}"; '
         'printf "pre %s %s\\n" $$ "${t#"${t%????????????????????}"}" >> "$r"; '
         'exec "$0" -I -S "$c" "$r" "$@" 2>>"$r.err"')

XW_EVENTS = {"error", "debug", "refresh", "refresh_failed", "restart", "signal", "kill",
             "child_exit", "stop"}
XW_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def xw_time(stamp):
    """A --log json time (UTC, ms) as seconds since the epoch."""
    return calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + \
        int(stamp[20:23]) / 1000


def xw_token(data, fmt):
    """The token in FILE's content, or None when it is not exactly one in format fmt."""
    m = re.match(XW_FORMATS[fmt], data)
    return m.group(1) if m else None


class XwRun(Run):
    """An exec --watch schedule: crtoken supervises XW_CHILD; the harness sends
    the forwarded signals (once the CMD of the moment is in place: no restart
    pending, at most 4 s later), faults the CR token file, ends it; then the
    invariants (A)-(E) of the module's docstring."""

    def setup(self):
        super().setup()
        self.rec, self.childpy = self.path("rec"), self.path("child.py")
        self.cerr = self.rec + ".err"  # CMD's stderr (XW_SH): crtoken's is the log
        write(self.childpy, XW_CHILD)
        self.sent = []  # (time, signal, settled, "fwd" or "end")
        self.fsamples, self.crt_pid, self.zombies = [], None, {}
        self.removed = self.restored = self.end_sent = None

    def argv(self):
        s = self.s
        a = ["exec", "--watch", "--url", self.url, "--cacert", os.path.join(self.pki, "ca.pem"),
             "--token-file", self.tok, "--profile-id", iam.PROFILE_ID, "--timeout", "%g" % s.T]
        if s.verbose:
            a.append("-v")
        if s.log_json:
            a += ["--log", "json"]
        if s.sigmode:
            a += ["-o", self.file, "--signal", s.sig_word]
        else:
            a += (["--restart"] if s.restart_flag else []) + \
                (["--stop-signal", s.stop_word] if s.stop_word else []) + \
                (["-o", self.file] if s.file_opt else [])
        a += (["-f", s.fmt] if s.fmt else []) + (["--mode", s.fmode] if s.fmode else []) + \
            (["--env", s.env] if s.env else []) + \
            (["--stop-timeout", "%g" % s.stop_to] if s.stop_to else [])
        words = ["term=%d" % s.term_code, "linger=%g" % s.linger,
                 "env=" + (s.env or "IAM_ACCESS_TOKEN"),
                 "fmt=" + (s.fmt or "token")]
        words += ["file=" + self.file] if s.file_opt else []
        words += ["ignore"] if s.ignore else []
        words += ["die=%s@%.3f" % (s.die[1], self.t0 + s.die[0])] if s.die else []
        words += ["orphans"] if s.pid1 else []
        return a + ["--", "/bin/sh", "-c", XW_SH, sys.executable, self.rec,
                    s.env or "IAM_ACCESS_TOKEN", self.childpy] + words

    # -- what CMD recorded, what the stand-in issued
    def records(self):
        out = []
        for line in (read(self.rec) or "").splitlines():
            w = line.split()
            if w[0] == "pre":
                out.append({"what": "pre", "pid": int(w[1]), "tok": w[2] if len(w) > 2 else "-"})
            elif w[0] == "start":
                out.append({"what": "start", "pid": int(w[1]), "forked": float(w[2]),
                            "t": float(w[3]), "tok": w[4], "exp": w[5], "file": w[6],
                            "mode": w[7]})
            elif w[0] == "sig":
                out.append({"what": "sig", "pid": int(w[1]), "t": float(w[2]), "n": int(w[3]),
                            "file": w[4], "mode": w[5]})
            else:
                out.append({"what": w[0], "pid": int(w[1]), "t": float(w[2]), "how": w[3]})
        return out

    def good(self):
        """The tokens of good 200s, in order: issued on a line of kind "ok"."""
        kinds = self.s.kinds
        return [e for e in iam.issued_log(self.srv.state)
                if kinds[min(e["conn"] - 1, len(kinds) - 1)] == "ok"]

    def settled(self):
        """(CMD started, CMD of the moment in place: no good token issued since
        it was forked, in restart mode). Before the first start crtoken is in
        exec's first exchange, where HUP, USR1 and USR2 end it."""
        starts = [r for r in self.records() if r["what"] == "start"]
        if not starts:
            return False, False
        return True, self.s.sigmode or all(g["time"] < starts[-1]["forked"] + 0.02
                                           for g in self.good())

    def target(self):
        """crtoken's pid (inside unshare's PID namespace: its PID 1), or None."""
        if self.crt_pid is None and not self.s.pid1:
            self.crt_pid = self.p.pid
        for _ in range(100 if self.crt_pid is None else 0):
            with contextlib.suppress(OSError, IndexError):
                self.crt_pid = int(open("/proc/%d/task/%d/children" % (self.p.pid, self.p.pid))
                                   .read().split()[0])
                break
            if self.p.poll() is not None:
                break
            time.sleep(0.01)
        return self.crt_pid

    def send(self, sig, kind, settled):
        pid = self.target()
        if pid is None or self.p.poll() is not None:
            return
        t = time.time()
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        self.sent.append((t, sig, settled, kind))
        if kind == "end":
            self.sig_sent = self.end_sent = t

    def fsampler(self):
        """-o FILE: every 20 ms what FILE holds and its mode."""
        while not self.stop.wait(0.02):
            t = time.time()
            try:
                with open(self.file, "rb") as f:
                    mode, data = stat.S_IMODE(os.fstat(f.fileno()).st_mode), f.read()
                self.fsamples.append((t, data.decode("latin-1"), mode))
            except FileNotFoundError:
                self.fsamples.append((t, None, None))

    def zombie_watch(self):
        """pid1: orphans of CMD left as zombies under crtoken, seen twice 0.3 s apart."""
        pid, now = self.crt_pid, time.time()
        if pid is None:
            return
        for d in filter(str.isdigit, os.listdir("/proc")):
            with contextlib.suppress(OSError, IndexError):
                st = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()
                if st[0] == "Z" and int(st[1]) == pid:
                    first = self.zombies.setdefault(d, now)
                    if now - first > 0.3 and self.p.poll() is None:
                        self.fail("D", "a zombie (pid %s) under crtoken as PID 1 for %.1f s"
                                  % (d, now - first))
                        self.zombies[d] = now + 1e9  # said once

    def drive(self):
        s = self.s
        acts = [(t, "fwd", g) for t, g in s.fwd]
        if s.end:
            acts.append((s.run_for, "end", s.end))
        if s.rotate:
            acts.append((s.rotate_at, "rotate", None))
        if s.crfault:
            acts += [(s.crfault[0], "remove", None), (s.crfault[1], "restore", None)]
        acts.sort(key=lambda x: x[0])
        if s.file_opt:
            spawn(self.fsampler)
        limit = s.run_for + (s.stop_to or 10) + 10
        chase, seen = random.Random(s.seed ^ 0x5eed), 0
        while self.p.poll() is None:
            now = time.time() - self.t0
            if s.chase and now < s.run_for - 0.3 and not (s.die and now > s.die[0] - 0.6):
                n = len(self.good())
                if n > seen:  # a new token: a restart or --signal under way
                    seen = n
                    g = chase.choice([signal.SIGWINCH, signal.SIGWINCH, signal.SIGHUP,
                                      signal.SIGUSR1, signal.SIGUSR2])
                    at = now + chase.uniform(0, 0.08)
                    near = [t - self.t0 for t, h, _, _ in self.sent if h == g] + \
                        [t for t, k, h in acts if h == g]
                    if g != s.sig_num and all(abs(t - at) >= 1 for t in near):
                        acts.append((at, "fwd", g))  # never two of one signal at once
                        acts.sort(key=lambda x: x[0])
            if acts and acts[0][0] <= now:
                t, kind, arg = acts[0]
                if kind == "fwd" and s.die and now > s.die[0] - 0.6:
                    acts.pop(0)  # deferred until CMD ends on its own: never sent
                    continue
                if kind in ("fwd", "end"):
                    started, ok = self.settled()
                    # at most 4 s late (where it never settles); raw and early: at once
                    if ok or now > t + 4 or s.raw and kind == "fwd" and started or s.early:
                        acts.pop(0)
                        self.send(arg, kind, ok)
                else:
                    acts.pop(0)
                    getattr(self, "cr_" + kind)()
            if s.pid1 and int(now * 100) % 10 == 0:
                self.target()
                self.zombie_watch()
            if now > limit:
                self.p.kill()
                self.fail("C", "still running %.0f s after the start: killed" % now)
                break
            time.sleep(0.01)
        self.code = self.p.wait()
        self.t1 = time.time()
        self.left = self.leftovers(3.0 if s.end == signal.SIGKILL or s.pid1 else 0)
        self.stop.set()
        for f in (self.fo, self.fe):
            f.close()

    def cr_rotate(self):
        self.rotate()

    def cr_remove(self):
        os.unlink(self.tok)
        self.removed = time.time()

    def cr_restore(self):
        if self.s.crfault[2]:
            self.crs.append(iam.cr_token())
        write(self.tok + ".tmp", self.crs[-1] + "\n")
        os.rename(self.tok + ".tmp", self.tok)
        self.restored = time.time()

    def leftovers(self, wait):
        """CMD's processes (any running this schedule's child.py) still there
        `wait` s after crtoken ended (0: at once), killed; [(pid, seconds)]."""
        end = time.time() + wait
        while True:
            left = []
            for pid in filter(str.isdigit, os.listdir("/proc")):
                with contextlib.suppress(OSError):
                    if self.childpy.encode() in open("/proc/%s/cmdline" % pid, "rb").read():
                        left.append(int(pid))
            if not left or time.time() >= end:
                break
            time.sleep(0.05)
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        return [(pid, time.time() - self.t1) for pid in left]

    def reap(self):
        pass  # leftovers() did it, as crtoken ended

    @property
    def note(self):
        n = sum(not settled for _, _, settled, _ in self.sent)
        return " [%d signal%s sent while CMD was being replaced]" % (n, "s"[:n > 1]) if n else ""

    # ------------------------------------------------------------ invariants
    def check(self):
        s = self.s
        self.err = open(self.path("stderr"), "rb").read().decode("utf-8", "replace")
        if s.pid1:  # util-linux unshare's own lines (its child, crtoken, SIGKILLed)
            self.err = "".join(l for l in self.err.splitlines(True)
                               if not l.startswith("unshare: "))
        self.stdout = open(self.path("stdout"), "rb").read().decode("utf-8", "replace")
        self.recs = self.records()
        self.ilog = iam.issued_log(self.srv.state)
        self.issued = [e["token"] for e in self.ilog]
        self.G = self.good()
        self.gidx = {e["token"]: k for k, e in enumerate(self.G)}
        self.bytail = {t[-20:]: t for t in self.issued}
        self.starts = [r for r in self.recs if r["what"] == "start"]
        self.pres = [r for r in self.recs if r["what"] == "pre"]
        self.js = self.check_log()
        self.check_secrets()
        self.check_xw_files()
        cerr = read(self.cerr)
        ints = any(g == signal.SIGINT and (not ok or s.early) for _, g, ok, _ in self.sent)
        if cerr and not (ints and "KeyboardInterrupt" in cerr):  # INT before its handler
            self.fail("harness", "CMD wrote on its stderr: %r" % cerr[-300:])
        if self.left:
            self.fail("D", "CMD still running %s after crtoken ended (pids %s)" % (
                "%.1f s" % self.left[0][1] if self.left[0][1] > 0.5 else "right",
                [p for p, _ in self.left]))
        if s.first_fail:
            return self.check_first_fail()
        if s.early:
            return self.check_early()
        if not self.pres:
            return self.fail("A", "CMD never started (exit %d)" % self.code)
        used = self.check_starts()
        used = self.check_signal_mode(used) if s.sigmode else self.check_restarts(used)
        self.check_unused(used)
        self.check_fsamples()
        self.check_forwarded()
        self.check_exit()
        self.check_events(used)
        self.check_cr()
        if not s.crfault:  # a removed CR token fails attempts the stand-in never sees
            self.check_timeline(None)

    def tokname(self, tail):
        tok = self.bytail.get(tail)
        if tok is None:
            return "a token the stand-in never issued (...%s)" % tail
        if tok not in self.gidx:
            e = [e for e in self.ilog if e["token"] == tok][0]
            return "a token of a failing answer (conn %d: %s)" % (
                e["conn"], self.s.lines[min(e["conn"], len(self.s.lines)) - 1])
        return None

    def at(self, t):
        return "+%.2f s" % (t - self.t0)

    def check_first_fail(self):
        s = self.s
        if self.code != s.first_fail:
            self.fail("C", "first exchange %s: exit %d, expected %d" % (s.lines[0], self.code,
                                                                       s.first_fail))
        if self.pres:
            self.fail("A", "CMD started though the first exchange failed")
        if os.path.lexists(self.file):
            self.fail("B", "FILE written though the first exchange failed")
        if self.t1 - self.t0 > s.T + LATE:
            self.fail("C", "took %.2f s with --timeout %g" % (self.t1 - self.t0, s.T))
        if self.js and (self.js[-1]["event"] != "error" or self.js[-1].get("code") != self.code):
            self.fail("E", "the last log line is not the error: %r" % self.js[-1])

    def check_early(self):
        """TERM or INT in the first exchange (crtoken ends: 128+N, or N if it
        came before crtoken's handlers) or as CMD starts (CMD's status, or
        128+N if it came before CMD's handlers)."""
        s, g = self.s, self.s.end
        codes = {128 + g, -g, 137 if s.ignore else s.term_code} | \
            ({1, 130} if g == signal.SIGINT else set())
        if self.code not in codes:
            self.fail("C", "exit %d, expected %s" % (self.code, sorted(codes)))
        most = ((s.stop_to or 10) if s.ignore else s.linger) + 1 + LATE
        if self.end_sent and self.t1 - self.end_sent > most:
            self.fail("C", "ended %.2f s after %s" % (self.t1 - self.end_sent,
                                                      signal.Signals(g).name))
        if self.pres:
            self.check_starts()
            self.check_fsamples()
        if self.js and self.code > 0:  # no record: CMD may have been killed before sh ran
            last = self.js[-1]
            want = ["child_exit"] if self.pres else ["child_exit", "stop"]
            if last["event"] not in want or last.get("code") != self.code:
                self.fail("E", "the last log line is not %s with code %d: %r"
                          % (" or ".join(want), self.code, last))

    def check_starts(self):
        """(A): every CMD (each "pre" record) carries the latest good token; where
        it got as far as its "start" record: when it was forked, its expiry,
        FILE before it."""
        used, G = [], self.G
        startof = {r["pid"]: r for r in self.starts}
        for k, pr in enumerate(self.pres):
            st = startof.get(pr["pid"])
            bad = self.tokname(pr["tok"])
            if bad:
                self.fail("A", "start %d%s with %s" % (
                    k + 1, " (%s)" % self.at(st["forked"]) if st else "", bad))
                continue
            tok = self.bytail[pr["tok"]]
            i = self.gidx[tok]
            used.append((i, st and st["forked"], "start %d" % (k + 1)))
            if not st:
                continue  # stopped before python ran: a restart right after it
            if st["tok"] != pr["tok"]:
                self.fail("harness", "start %d: sh saw ...%s, python ...%s" % (
                    k + 1, pr["tok"], st["tok"]))
            if st["forked"] < G[i]["time"] - 0.03:
                self.fail("A", "start %d forked %.2f s before its token was issued"
                          % (k + 1, G[i]["time"] - st["forked"]))
            if i + 1 < len(G) and st["forked"] > G[i + 1]["time"] + 0.03:
                self.fail("A", "start %d (%s) with token %d though token %d came %.2f s before"
                          % (k + 1, self.at(st["forked"]), i + 1, i + 2,
                             st["forked"] - G[i + 1]["time"]))
            if not st["exp"].isdigit() or abs(int(st["exp"]) - jwt_exp(tok)) > 1:
                self.fail("A", "start %d: IAM_TOKEN_EXPIRATION=%s, the token's exp is %d"
                          % (k + 1, st["exp"], jwt_exp(tok)))
            if self.s.file_opt and st["file"] != st["tok"]:
                self.fail("B", "start %d: FILE did not hold CMD's token yet (%s)"
                          % (k + 1, st["file"]))
        if used and used[0][0] != 0:
            self.fail("A", "CMD's first token is good token %d, not the first" % (used[0][0] + 1))
        return used

    def check_restarts(self, used):
        """(B) restart mode: each start a new token, one stop per restart, never two CMDs."""
        s = self.s
        for (i, _, w), (j, _, v) in zip(used, used[1:]):
            if j <= i:
                self.fail("B", "%s with token %d after token %d: %s" % (
                    v, j + 1, i + 1, "a second start for one token" if j == i else "an older one"))
        exits = {r["pid"]: r["t"] for r in self.recs if r["what"] in ("exit", "die")}
        startof = {r["pid"]: r for r in self.starts}
        for k, (a, b) in enumerate(zip(self.pres, self.pres[1:])):
            n = sum(r["what"] == "sig" and r["pid"] == a["pid"] and r["n"] == s.stop_num
                    for r in self.recs)
            if a["pid"] in startof and n != 1:  # its handlers were in
                self.fail("B", "start %d replaced after %d %s (--stop-signal), not 1"
                          % (k + 1, n, signal.Signals(s.stop_num).name))
            # FORKED is truncated to the clock tick (10 ms): it was forked by FORKED + 0.01
            if a["pid"] in exits and b["pid"] in startof and \
                    startof[b["pid"]]["forked"] + 0.015 < exits[a["pid"]]:
                self.fail("B", "start %d forked while start %d still ran" % (k + 2, k + 1))
        for i, t, w in used[1:]:
            late = t and t - self.G[i]["time"]
            if late and late > 3 + (s.stop_to if s.ignore else s.linger):
                self.fail("A", "%s %.2f s after its token came" % (w, late))
        return used

    def check_signal_mode(self, used):
        """(B) --signal: one start; each SIG after a new token, FILE already holding it."""
        s = self.s
        if len(self.pres) > 1:
            self.fail("B", "CMD restarted in --signal mode (%d starts)" % len(self.pres))
        want = int(s.fmode, 8) if s.fmode else 0o600
        for k, r in enumerate(r for r in self.recs if r["what"] == "sig" and r["n"] == s.sig_num):
            what = "%s %d (%s)" % (signal.Signals(s.sig_num).name, k + 1, self.at(r["t"]))
            if r["file"] in ("bad", "missing"):
                self.fail("B", "%s: FILE %s" % (what, "missing" if r["file"] == "missing" else
                                                "not a whole token in its format"))
                continue
            bad = self.tokname(r["file"])
            if bad:
                self.fail("B", "%s: FILE held %s" % (what, bad))
                continue
            i = self.gidx[self.bytail[r["file"]]]
            if i <= used[-1][0]:
                self.fail("B", "%s: FILE still held token %d: %s" % (
                    what, i + 1, "signalled without a new token" if i == used[-1][0] else
                    "an older one"))
                continue
            if int(r["mode"], 8) != want:
                self.fail("B", "%s: FILE mode %s, not %o" % (what, r["mode"], want))
            used.append((i, r["t"], what))
            if r["t"] - self.G[i]["time"] > 3:
                self.fail("A", "%s %.2f s after its token came"
                          % (what, r["t"] - self.G[i]["time"]))
        return used

    def end_time(self):
        s = self.s
        return self.end_sent or (self.t0 + s.die[0] if s.die else self.t1)

    def check_unused(self, used):
        """(A)/(B): every good token after the first reached CMD (a restart, or
        --signal), unless it came too late: within its --timeout's last 0.5 s
        (crtoken may have given up first), or as crtoken was ending."""
        s, got = self.s, {i for i, _, _ in used}
        tl = {c["conn"]: c for c in self.tl}
        end = self.end_time() - 1.5 - (s.stop_to if s.ignore else 0)
        for i, g in enumerate(self.G):
            if i in got or not used or i < used[0][0]:
                continue
            c = tl.get(g["conn"], {})
            late = c.get("answer") and c["answer"] - c["accept"] > s.T - 0.5
            if late or g["time"] > end:
                continue
            self.fail("A" if s.sigmode else "B", "token %d (conn %d, %s) never reached CMD: no %s"
                      % (i + 1, g["conn"], self.at(g["time"]),
                         "--signal" if s.sigmode else "restart"))

    def check_fsamples(self):
        """(B): FILE only ever a whole good token, never an older one, its mode exactly."""
        s = self.s
        if not s.file_opt:
            return
        want, last = int(s.fmode, 8) if s.fmode else 0o600, -1
        final = (self.t1, read(self.file), stat.S_IMODE(os.stat(self.file).st_mode)
                 if os.path.exists(self.file) else None)
        for t, data, mode in self.fsamples + [final]:
            at = self.at(t)
            if data is None:
                if last >= 0:
                    return self.fail("B", "FILE vanished " + at)
                continue
            tok = xw_token(data, s.fmt or "token")
            if tok is None:
                return self.fail("B", "FILE held %r %s: not a whole token (%s)"
                                 % (data[:40], at, s.fmt or "token"))
            if tok not in self.gidx:
                return self.fail("B", "FILE held %s %s" % (self.tokname(tok[-20:]), at))
            if self.gidx[tok] < last:
                return self.fail("B", "FILE went back to an older token " + at)
            last = self.gidx[tok]
            if mode != want:
                return self.fail("B", "FILE mode %o %s, not %o" % (mode, at, want))

    def check_forwarded(self):
        """(C): every signal sent with CMD in place reached it, and was logged."""
        sigs = [r for r in self.recs if r["what"] == "sig"]
        got = {}  # signal: [(sent, record)] of the settled sends that reached CMD
        for t, g, settled, kind in self.sent:
            if g == signal.SIGKILL:
                continue
            # a record is this send's when no later send of g came before it (one
            # signal is never sent twice within 1 s)
            until = min([u for u, h, _, _ in self.sent if h == g and u > t] + [t + 5])
            hit = [r for r in sigs if r["n"] == g and t - 0.01 <= r["t"] < until]
            if not hit and settled:
                self.fail("C", "%s sent to crtoken at %s never reached CMD"
                          % (signal.Signals(g).name, self.at(t)))
            got.setdefault(g, []).append((t, hit[0]["t"] if hit and settled else None))
        if not self.s.log_json:
            return
        # a "forwarded" event for each, within 1.5 s, also during a refresh (before
        # 27ba1fe those were logged only when the refresh ended: seed 150298)
        for g, sends in got.items():
            name = signal.Signals(g).name
            ev = sorted(xw_time(j["time"]) for j in self.js if j["event"] == "signal"
                        and j.get("signal") == g and "forwarded" in j["msg"])
            if any(r is None for _, r in sends):
                continue  # one sent as CMD was replaced: maybe not forwarded
            taken = set()

            def take(lo, hi):
                for i, e in enumerate(ev):
                    if i not in taken and lo <= e <= hi:
                        taken.add(i)
                        return e
                return None
            for t, r in sends:
                if take(t - 0.01, r + 1.5) is None:
                    self.fail("C", "%s reached CMD at %s: no \"forwarded\" event within 1.5 s"
                              % (name, self.at(r)))

    def check_exit(self):
        """(C): crtoken's status is CMD's; it ends within --stop-timeout + 1 s
        (+1.5 s on a loaded machine) of TERM/INT, at once after CMD's end;
        with every CMD gone."""
        s, codes = self.s, set()
        dead = [r for r in self.recs if r["what"] == "die"]
        if s.end == signal.SIGKILL and self.end_sent:
            codes = {-9, 137} | ({1} if s.pid1 else set())  # unshare: its child killed, 1
        elif s.die and dead:
            kind, n = s.die[1].split(":")
            codes = {int(n) if kind == "exit" else 128 + int(n)}
        elif s.end and self.end_sent:
            codes = {137 if s.ignore else s.term_code}
        elif s.die:  # it never came to CMD's end (crtoken ended first?)
            codes = set()
        for t, g, settled, kind in self.sent:  # a signal as CMD was replaced: its default action
            if not settled and g != signal.SIGWINCH:
                codes |= {128 + g} | ({1, 130} if g == signal.SIGINT else set())
        if self.code not in codes:
            self.fail("C", "exit %d, expected %s (CMD's status)" % (self.code, sorted(codes)))
        if self.end_sent and s.end != signal.SIGKILL:
            took, most = self.t1 - self.end_sent, ((s.stop_to or 10) if s.ignore else s.linger) \
                + 1 + LATE
            if took > most:
                self.fail("C", "ended %.2f s after %s (--stop-timeout %s)" % (
                    took, signal.Signals(s.end).name, s.stop_to or 10))
        if dead and not self.end_sent:
            took = self.t1 - dead[0]["t"]
            if took > 1 + LATE + (s.stop_to if s.ignore else 0):
                self.fail("C", "ended %.2f s after CMD's own end" % took)

    def check_log(self):
        """(E): every stderr line one JSON object of the documented shape (--log
        json), else a "crtoken: " line; the JSON objects."""
        out = []
        for line in self.err.splitlines():
            if not self.s.log_json:
                if not line.startswith("crtoken: "):
                    self.fail("E", "not a crtoken line on stderr: %r" % line[:80])
                continue
            try:
                j = json.loads(line)
                assert isinstance(j, dict)
            except (ValueError, AssertionError):
                self.fail("E", "not a JSON line: %r" % line[:80])
                continue
            if not (XW_STAMP.match(str(j.get("time"))) and j.get("event") in XW_EVENTS and
                    isinstance(j.get("msg"), str) and j.get("level") in
                    ("debug", "info", "warn", "error") and set(j) <= {
                        "time", "level", "event", "msg", "expires_in", "attempt", "wait_ms",
                        "code", "signal"} and all(type(j[k]) is int and j[k] >= 0 for k in j
                                                  if k not in ("time", "level", "event", "msg"))):
                self.fail("E", "a JSON line without time/level/event/msg as documented: %r"
                          % line[:120])
                continue
            out.append(j)
        return out

    def check_secrets(self):
        super().check_secrets()
        for t in self.issued + self.crs:
            if t[:40] in self.err:
                self.fail("E", "a token's first 40 characters on stderr")
                break

    def check_events(self, used):
        """(B)/(E) --log json: the events tell what happened to CMD."""
        s, js = self.s, self.js
        if not s.log_json:
            return
        ev = {}
        for j in js:
            ev.setdefault(j["event"], []).append(j)
        n = len(ev.get("refresh", []))
        if not len(used) <= n <= len(used) + 1:
            self.fail("B", "%d refresh events for %d tokens CMD got" % (n, len(used)))
        n = len(ev.get("restart", []))
        if s.sigmode and n:
            self.fail("B", "%d restart events in --signal mode" % n)
        if not s.sigmode and not len(self.pres) - 1 <= n <= len(self.pres):
            self.fail("B", "%d restart events for %d starts" % (n, len(self.pres)))
        sent = [j for j in ev.get("signal", []) if "sent" in j["msg"]]
        if not s.sigmode and sent or s.sigmode and not len(used) - 1 <= len(sent) <= len(used):
            self.fail("B", "%d --signal events for %d new tokens" % (len(sent), len(used) - 1))
        last = 0
        for j in js:
            if j["event"] == "refresh":
                last = 0
            if j["event"] == "refresh_failed":
                if j.get("attempt") != last + 1 or j.get("code") not in (3, 7, 9, 10, 11, 12, 13):
                    self.fail("E", "refresh_failed: attempt %s after %d, code %s" % (
                        j.get("attempt"), last, j.get("code")))
                last = j.get("attempt") or 0
        if ev.get("kill") and not s.ignore:
            self.fail("C", "CMD killed though it stops on TERM: %r" % ev["kill"][0]["msg"])
        if s.end != signal.SIGKILL and (not js or js[-1]["event"] != "child_exit" or
                                        js[-1].get("code") != self.code or
                                        js[-1]["level"] != ("warn" if self.code else "info")):
            self.fail("E", "the last log line is not child_exit with code %d: %r"
                      % (self.code, js[-1] if js else None))

    def check_cr(self):
        """(A): each request sends the CR token of the moment: the new one after
        a rotation or a restore, none while the file is removed."""
        conns = {c["conn"]: c["accept"] for c in self.tl}
        for r in iam.requests(self.srv.state):
            at, cr = conns.get(r["conn"], 0), r["form"]["cr_token"][0]
            if cr not in self.crs:
                self.fail("A", "conn %d sent a CR token that is not ours" % r["conn"])
            if self.removed and self.removed + 1 < at < (self.restored or 1e12):
                self.fail("A", "conn %d at %s with the CR token file removed"
                          % (r["conn"], self.at(at)))
            if (getattr(self, "rotated_at", None) or self.restored or 1e12) + 1 < at and \
                    cr != self.crs[-1]:
                self.fail("A", "conn %d sent the CR token from before the %s" % (
                    r["conn"], "rotation" if self.s.rotate else "restore"))

    def check_xw_files(self):
        left = os.listdir(self.cwd)
        if left:
            self.fail("g", "files left in the working directory: %r" % left)
        stray = [n for n in os.listdir(self.outdir) if n != "token"]
        if stray and self.s.end != signal.SIGKILL:
            self.fail("g", "temporary files left: %r" % stray)


# ---------------------------------------------------------------- main

def run_one(seed, pki, crtoken, base, keep):
    """In a worker: one schedule; returns (seed, failed, line)."""
    s = Schedule(seed)
    what = "%d %s %s" % (seed, s.mode, " ".join(s.desc))
    if (s.needs_root and not ROOT) or (s.pid1 and not UNSHARE):
        return seed, None, "skip %s (needs root and util-linux unshare)" % what
    r = (XwRun if s.mode == XW else Run)(s, pki, crtoken, base)
    t0 = time.time()
    try:
        r.execute()
    except Exception as e:  # a broken schedule is a failed one, not a crash
        import traceback
        r.bad.append("harness: %s: %s %s" % (type(e).__name__, e,
                                              traceback.format_exc(limit=3)[-400:]))
    if not r.bad and r.known:
        if not keep:
            shutil.rmtree(r.d, ignore_errors=True)
        return seed, "known", "known %s: %s (exit %d)" % (what, "; ".join(r.known), r.code)
    if not r.bad:
        if not keep:
            shutil.rmtree(r.d, ignore_errors=True)
        return seed, False, "ok %s: exit %d (%.1fs)%s" % (what, r.code, time.time() - t0,
                                                           getattr(r, "note", ""))
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
    ap.add_argument("--xw", type=int, default=None,
                    help="exec --watch schedules besides them (N/15, rounded up; all N with "
                         "--modes exec-watch alone)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--replay", type=int, nargs="+", default=[])
    ap.add_argument("--regressions", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep every schedule's directory")
    ap.add_argument("--known-fail", action="store_true",
                    help="a schedule that shows a known defect of crtoken fails")
    a = ap.parse_args()
    crtoken = os.path.abspath(a.crtoken)
    if not os.access(crtoken, os.X_OK):
        print("chaos: %s is not executable" % crtoken)
        return 1
    modes, seeds = set(a.modes.split(",")), list(a.replay)
    if not a.replay and not (a.regressions and a.seed is None and a.n is None):
        n, base_seed = a.n or 60, a.seed if a.seed is not None else random.randrange(1, 1 << 20)
        print("chaos: seed %d" % base_seed)
        old = modes - {XW}
        seeds = [base_seed * 100003 + i for i in range(min(100 * n, XW_BASE))
                 if Schedule(base_seed * 100003 + i).mode in old][:n] if old else []
        if XW in modes:  # first: the longest schedules
            m = a.xw if a.xw is not None else -(-n // 15) if old else n
            seeds = [base_seed * 100003 + XW_BASE + j for j in range(m)] + seeds
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
    failed, known, skipped, t0 = [], [], 0, time.time()
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(a.jobs, mp_context=ctx) as pool:
        futs = [pool.submit(run_one, sd, pki, crtoken, base, a.keep) for sd in seeds]
        for f in concurrent.futures.as_completed(futs):
            seed, bad, line = f.result()
            print(line)
            sys.stdout.flush()
            if bad == "known":
                known.append(seed)
            if bad and (bad != "known" or a.known_fail):
                failed.append(seed)
            skipped += bad is None
    if not failed and not a.keep:
        shutil.rmtree(base, ignore_errors=True)
    print("chaos: %d schedules, %d failed%s%s (%.0f s)%s" % (
        len(seeds), len(failed), ", %d skipped" % skipped if skipped else "",
        ", %d showed a known defect (--replay %s)" % (len(known), " ".join(map(str, known)))
        if known else "", time.time() - t0,
        "; replay: --replay " + " ".join(map(str, sorted(failed))) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
