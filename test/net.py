#!/usr/bin/env python3
"""Network tests of the crtoken binary: proxies, DNS, dead addresses, IP literals.

usage: net.py ./crtoken [NAME-SUBSTRING...]

Everything stays on this machine: 127.0.0.0/8 and ::1 of the host, and a
network namespace made here (loopback, a DNS server, and a black hole that
drops every packet sent to 10.99.0.2 and 2001:db8:99::2). Three groups:

  proxy    a real tinyproxy (open, with Basic auth, CONNECT to port 443
           only) and small misbehaving proxies written here; NO_PROXY
  netns    crtoken in a chroot in the namespace, with dnsmasq answering
           live, IPv6-only, dual-stack, NXDOMAIN, SERVFAIL and REFUSED
           names, two DNS servers written here (DNS_SERVER: one answering
           by name, for search lists, CNAME chains, truncation, replies
           that must not count, resends; one that never answers), and two
           stand-in processes listening on port 443 (one on 127.0.0.1, one
           on [::] for ::1 and fd00:99::1), so that the private endpoints
           work. Where musl-gcc is here, musl's own getaddrinfo()
           (test/gai.c) runs beside crtoken in the same chroot: the same
           addresses in the same order, or the same failure
  literal  https://127.0.0.1 and https://[::1]: no SNI, iPAddress SAN check

As in e2e.py every run of crtoken is bounded in time, and after every run
the CR token, the proxy passwords and every access token the stand-ins
issued are looked for on stderr: a leak fails the test whatever else it
checks. A group is skipped only when it cannot run here (not root, or
tinyproxy, dnsmasq or ip missing: `sh deps.sh test` installs them).
Output is one line per test, then a summary.
"""
import base64
import ipaddress
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ left in test/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iam  # noqa: E402
from harness import Fail, Result, check, test  # noqa: E402
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./crtoken")
ONLY = sys.argv[2:]
ROOT = os.geteuid() == 0
SBIN = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CHROOT = shutil.which("chroot", path=SBIN)
IP = shutil.which("ip", path=SBIN)
TINYPROXY = shutil.which("tinyproxy", path=SBIN)
DNSMASQ = shutil.which("dnsmasq", path=SBIN)
NS = "crtoken-net-%d" % os.getpid()
LIFETIME = 600  # seconds: every helper process and thread here ends by itself

# what the proxies with authentication accept
PROXY_USER, PROXY_PASS = "crt", "s3cr3t-pass"           # tinyproxy: [-a-z0-9._] only
ODD_USER, ODD_PASS = "crt user", "p@ss:w%rd/x+y"        # the fake proxy: anything
ODD_USER_URL, ODD_PASS_URL = "crt%20user", "p%40ss%3Aw%25rd%2Fx%2By"




def b64(s):
    return base64.b64encode(s.encode()).decode()


# ---------------------------------------------------------------- processes

PROCS = []


def spawn(cmd, log, **kw):
    """Start a helper process, stdout and stderr to log; stopped at the end."""
    f = open(log, "ab")
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT, **kw)
    f.close()
    PROCS.append(p)
    return p


def stop_all():
    for p in PROCS:
        if p.poll() is None:
            try:
                p.terminate()
            except OSError:
                pass
    for p in PROCS:
        try:
            p.wait(timeout=3)
        except subprocess.TimeoutExpired:
            try:
                p.kill()
                p.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired):
                pass
    del PROCS[:]


def wait_for(cond, secs, step=0.05):
    """Poll cond() until true or secs pass (bounded): its last value."""
    for _ in range(int(secs / step) + 1):
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def port_open(host, port):
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def free_port(host="127.0.0.1"):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------- fixture

class Env:
    """The shared fixture: PKI, stand-ins on 127.0.0.1 and ::1, a CR token file."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="crtoken-net-")
        os.chmod(self.dir, 0o755)
        self.pki = os.path.join(self.dir, "pki")
        subprocess.run(["sh", os.path.join(HERE, "pki.sh"), self.pki], check=True, timeout=120)
        self.ca = os.path.join(self.pki, "ca.pem")
        self.cr = iam.cr_token()
        self.crfile = self.write("cr", self.cr + "\n")
        self.secrets = [self.cr, PROXY_PASS, b64(PROXY_USER + ":" + PROXY_PASS),
                        ODD_PASS, ODD_PASS_URL, b64(ODD_USER + ":" + ODD_PASS)]
        self.states = []  # every stand-in's state directory: scripts and issued tokens
        self.srv = self.standin("127.0.0.1")
        self.url = "https://localhost:%d" % self.srv.port
        try:
            self.srv6 = self.standin("::1")
        except OSError:
            self.srv6 = None  # no IPv6 loopback here
        self.srv2 = None      # on 127.0.0.2, made when needed
        self.fakes = []

    def standin(self, host):
        state = os.path.join(self.dir, "state-%d" % len(self.states))
        srv = iam.Standin(self.pki, state, host=host)
        srv.state_dir = state
        self.states.append(state)
        return srv

    def write(self, name, data, mode=0o644):
        path = os.path.join(self.dir, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def issued(self):
        return [t for st in self.states for t in iam.issued(st)]

    def base(self):
        return ["--url", self.url, "--cacert", self.ca, "--token-file", self.crfile,
                "--profile-id", iam.PROFILE_ID]

    def run(self, args, env=None, base=True, timeout=30, script=None, state=None,
            argv0=None, prefix=(), verb=()):
        """Run crtoken; script lines go to the stand-in whose state dir is state."""
        for st in self.states:  # no script left over from another test
            write_script(st, ())
        write_script(state or self.srv.state_dir, script or ())
        e = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
        e.update(env or {})
        cmd = list(prefix) + [argv0 or BIN] + list(verb) + (self.base() if base else []) + \
            list(args)
        t0 = time.monotonic()
        p = subprocess.run(cmd, env=e, timeout=timeout, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        r = Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
        for s in self.secrets + self.issued():
            check(s not in r.err, "a secret leaked to stderr: %r" % s[:12], r)
            check(s[:40] not in r.err, "a secret's prefix leaked to stderr", r)
        return r


E = None


def write_script(state, lines):
    with open(os.path.join(state, "script"), "w") as f:
        f.write("".join(line + "\n" for line in lines))


def expect(r, code, *needles):
    check(r.code == code, "exit %d expected" % code, r)
    for n in needles:
        check(n in r.err, "stderr should mention %r" % n, r)
    if code != 0:
        check(r.err.startswith("crtoken: ") and r.err.count("\n") == 1,
              "one error line 'crtoken: ...' expected", r)
    else:
        check(r.err == "", "nothing on stderr on success", r)


def expect_v(r, code, *needles):
    """Like expect() for a -v run: the error line is the last line."""
    check(r.code == code, "exit %d expected" % code, r)
    for n in needles:
        check(n in r.err, "stderr should mention %r" % n, r)
    if code != 0:
        last = r.err.rstrip("\n").split("\n")[-1]
        check(last.startswith("crtoken: "), "the last line is the error line", r)


def served(state, n_before, sni, r=None, host=None):
    """The stand-in behind state answered one more request, with this SNI."""
    reqs = iam.requests(state)
    check(len(reqs) == n_before + 1, "the stand-in should have seen one request "
          "(saw %d)" % (len(reqs) - n_before), r)
    check(reqs[-1]["sni"] == sni, "SNI %r expected, the stand-in saw %r" %
          (sni, reqs[-1]["sni"]), r)
    if host is not None:
        check(reqs[-1]["headers"].get("host") == host, "Host %r expected, got %r" %
              (host, reqs[-1]["headers"].get("host")), r)
    if r is not None:
        check(r.out == iam.issued(state)[-1] + "\n",
              "the token this stand-in issued on stdout", r)


def nreq(state=None):
    return len(iam.requests(state or E.srv.state_dir))


# ---------------------------------------------------------------- proxies

class Tinyproxy:
    """tinyproxy in the foreground (-d), on 127.0.0.1, its log on stdout."""

    def __init__(self, name, extra=()):
        self.port = free_port()
        conf = os.path.join(E.dir, "tinyproxy-%s.conf" % name)
        self.log = os.path.join(E.dir, "tinyproxy-%s.log" % name)
        lines = ["Port %d" % self.port, "Listen 127.0.0.1", "Timeout 20",
                 "MaxClients 20", "LogLevel Info", "DisableViaHeader Yes"]
        if ROOT:
            lines += ["User nobody", "Group nogroup"]
        with open(conf, "w") as f:
            f.write("\n".join(lines + list(extra)) + "\n")
        self.proc = spawn([TINYPROXY, "-d", "-c", conf], self.log)
        if not wait_for(lambda: self.proc.poll() is not None or
                        port_open("127.0.0.1", self.port), 10):
            raise Fail("tinyproxy %s did not start listening" % name)
        check(self.proc.poll() is None, "tinyproxy %s exited: %s" % (name, self.text()))
        self.url = "http://127.0.0.1:%d" % self.port

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def mark(self):
        return len(self.text())

    def saw_connect(self, mark, target):
        """The log, after mark, shows the CONNECT to target (waits a little for it)."""
        line = "CONNECT %s HTTP/1.1" % target
        return wait_for(lambda: line in self.text()[mark:], 3)


PROXIES = {}


def tinyproxies():
    """The three tinyproxies, started once: open, auth, port443."""
    if not PROXIES:
        made = {"open": Tinyproxy("open"),
                "auth": Tinyproxy("auth", ["BasicAuth %s %s" % (PROXY_USER, PROXY_PASS)]),
                "port443": Tinyproxy("port443", ["ConnectPort 443"])}
        PROXIES.update(made)
    return PROXIES


def need_tinyproxy():
    if not TINYPROXY:
        return "skip: tinyproxy is not installed (sh deps.sh test installs it)"
    return None


class FakeProxy:
    """A proxy written here, to misbehave on purpose. Modes, for every connection:

    tunnel   answer 200 and relay bytes to self.target, whatever was asked
    garbage  answer something that is not HTTP
    close    read the CONNECT, close without a word
    hang     read the CONNECT, never answer (ends by itself)
    reset    answer 200, read the ClientHello, reset the connection (RST)
    status   answer HTTP 502
    """

    def __init__(self, host="127.0.0.1"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.create_server((host, 0), family=family)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.url = "http://%s:%d" % ("[%s]" % host if ":" in host else host, self.port)
        self.mode = "tunnel"
        self.target = ("127.0.0.1", E.srv.port)
        self.heads = []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.end = time.monotonic() + LIFETIME
        threading.Thread(target=self.serve, daemon=True).start()
        E.fakes.append(self)

    def stop(self):
        self.done.set()
        self.sock.close()

    def serve(self):
        while not self.done.is_set() and time.monotonic() < self.end:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn, self.mode, self.target),
                             daemon=True).start()

    def handle(self, conn, mode, target):
        conn.settimeout(10)
        try:
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            with self.lock:
                self.heads.append(head.decode("latin-1"))
            if mode == "garbage":
                conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\r\n")
            elif mode == "status":
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            elif mode == "hang":
                self.done.wait(20)
            elif mode == "reset":
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                conn.recv(512)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif mode == "tunnel":
                up = socket.create_connection(target, timeout=5)
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    up.sendall(rest)
                self.relay(conn, up)
                up.close()
        except OSError:
            pass
        finally:
            conn.close()

    def relay(self, a, b):
        end = time.monotonic() + 30
        while time.monotonic() < end and not self.done.is_set():
            ready, _, _ = select.select([a, b], [], [], 0.5)
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)

    def header(self, name, i=-1):
        for line in self.heads[i].split("\r\n")[1:]:
            k, _, v = line.partition(":")
            if k.strip().lower() == name.lower():
                return v.strip()
        return None


def fake(host="127.0.0.1", mode="tunnel", target=None):
    f = FakeProxy(host)
    f.mode = mode
    if target:
        f.target = target
    return f


def dead_proxy():
    return "http://127.0.0.1:%d" % free_port()


# ---------------------------------------------------------------- A. proxy

@test
def proxy_flag_tunnels_to_the_standin():
    skip = need_tinyproxy()
    if skip:
        return skip
    tp = tinyproxies()["open"]
    mark, n = tp.mark(), nreq()
    r = E.run(["--proxy", tp.url, "-v"])
    expect_v(r, 0, "using proxy http://127.0.0.1:%d for localhost" % tp.port,
             "proxy tunnel open (HTTP 200)")
    served(E.srv.state_dir, n, "localhost", r, host="localhost:%d" % E.srv.port)
    check(tp.saw_connect(mark, "localhost:%d" % E.srv.port),
          "tinyproxy's log shows the CONNECT: %r" % tp.text()[mark:][-600:])


@test
def proxy_from_each_environment_variable():
    skip = need_tinyproxy()
    if skip:
        return skip
    tp = tinyproxies()["open"]
    for var in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]:
        for value in [tp.url, "127.0.0.1:%d" % tp.port]:  # the scheme is optional
            mark, n = tp.mark(), nreq()
            r = E.run([], env={var: value})
            expect(r, 0)
            served(E.srv.state_dir, n, "localhost", r)
            check(tp.saw_connect(mark, "localhost:%d" % E.srv.port),
                  "%s=%s: tinyproxy saw the CONNECT" % (var, value), r)


@test
def proxy_environment_precedence():
    skip = need_tinyproxy()
    if skip:
        return skip
    good, dead = tinyproxies()["open"].url, dead_proxy()
    for env in [{"HTTPS_PROXY": good, "https_proxy": dead, "ALL_PROXY": dead},
                {"https_proxy": good, "ALL_PROXY": dead, "all_proxy": dead},
                {"ALL_PROXY": good, "all_proxy": dead},
                {"HTTPS_PROXY": "", "https_proxy": good}]:  # empty counts as unset
        r = E.run(["--retries", "0"], env=env)
        check(r.code == 0, "the proxy of %r should win" % env, r)
    r = E.run(["--proxy", good], env={"HTTPS_PROXY": dead, "ALL_PROXY": dead})
    check(r.code == 0, "--proxy beats the environment", r)
    r = E.run(["--retries", "0", "--proxy", dead], env={"HTTPS_PROXY": good})
    expect(r, 5, "proxy")


@test
def proxy_empty_flag_means_no_proxy():
    skip = need_tinyproxy()
    if skip:
        return skip
    tp = tinyproxies()["open"]
    mark, n = tp.mark(), nreq()
    r = E.run(["--proxy", "", "-v", "--retries", "0"],
              env={"HTTPS_PROXY": dead_proxy(), "ALL_PROXY": tp.url})
    expect_v(r, 0)
    check("using proxy" not in r.err, "no proxy used", r)
    served(E.srv.state_dir, n, "localhost", r)
    check("CONNECT" not in tp.text()[mark:], "tinyproxy saw nothing")
    r = E.run(["--proxy=", "--retries", "0"], env={"HTTPS_PROXY": dead_proxy()})
    expect(r, 0)


@test
def noproxy_bypasses_the_proxy():
    dead = dead_proxy()
    for no in ["localhost", ".localhost", "*", "LOCALHOST", "example.com,localhost",
               " example.com , localhost ", "example.com,.localhost,10.0.0.1"]:
        for env in [{"HTTPS_PROXY": dead, "NO_PROXY": no},
                    {"https_proxy": dead, "no_proxy": no}]:
            n = nreq()
            r = E.run(["-v", "--retries", "0"], env=env)
            expect_v(r, 0, "localhost is in NO_PROXY: connecting directly")
            check("using proxy" not in r.err, "%r: no proxy used" % env, r)
            served(E.srv.state_dir, n, "localhost", r)
    r = E.run(["--noproxy", "localhost", "--retries", "0"], env={"HTTPS_PROXY": dead})
    expect(r, 0)
    r = E.run(["--noproxy", "localhost", "--proxy", dead, "--retries", "0"])
    expect(r, 0)


@test
def noproxy_exact_ip_address():
    dead = dead_proxy()
    url = "https://127.0.0.1:%d" % E.srv.port
    n = nreq()
    r = E.run(["--url", url, "--retries", "0"], env={"HTTPS_PROXY": dead,
                                                     "NO_PROXY": "127.0.0.1"})
    expect(r, 0)
    served(E.srv.state_dir, n, None, r)
    if E.srv6:
        url6 = "https://[::1]:%d" % E.srv6.port
        for no in ["::1", "[::1]", "example.com, ::1"]:
            n = nreq(E.srv6.state_dir)
            r = E.run(["--url", url6, "--retries", "0"], env={"HTTPS_PROXY": dead,
                                                              "NO_PROXY": no})
            check(r.code == 0, "NO_PROXY=%s bypasses the proxy for [::1]" % no, r)
            served(E.srv6.state_dir, n, None, r)
    # the list is matched against the URL's host, never against its addresses
    r = E.run(["--retries", "0"], env={"HTTPS_PROXY": dead, "NO_PROXY": "127.0.0.1"})
    expect(r, 5, "proxy", "connect to 127.0.0.1 port %s" % dead.rsplit(":", 1)[1])
    # addresses match exactly, never as a suffix or a prefix
    for no in ["127.0.0.2,127.0.0", "0.0.1", ".0.0.1", "0.1", "1"]:
        r = E.run(["--url", url, "--retries", "0"], env={"HTTPS_PROXY": dead, "NO_PROXY": no})
        check(r.code == 5 and "proxy" in r.err, "NO_PROXY=%s must not exempt 127.0.0.1" % no, r)
    if E.srv6:
        r = E.run(["--url", url6, "--retries", "0"], env={"HTTPS_PROXY": dead, "NO_PROXY": ":1"})
        check(r.code == 5 and "proxy" in r.err, "NO_PROXY=:1 must not exempt ::1", r)


@test
def noproxy_list_that_does_not_match_uses_the_proxy():
    dead = dead_proxy()
    port = dead.rsplit(":", 1)[1]
    for no in ["example.com", "calhost", "host", "localhost.example", "local",
               "localhost.", "*.localhost", "localhost:%d" % E.srv.port, ","]:
        n = nreq()
        r = E.run(["--retries", "0"], env={"HTTPS_PROXY": dead, "NO_PROXY": no})
        check(r.code == 5 and "proxy: connect to 127.0.0.1 port %s" % port in r.err,
              "NO_PROXY=%r must not exempt localhost: the dead proxy gives 5" % no, r)
        check(nreq() == n, "nothing reached the stand-in", r)
    r = E.run(["--retries", "0", "--noproxy", "example.com"],
              env={"HTTPS_PROXY": dead, "NO_PROXY": "localhost"})
    expect(r, 5, "proxy")


@test
def noproxy_domain_suffixes():
    """live.test from /etc/hosts in a chroot: names under a NO_PROXY entry."""
    if not ROOT or not CHROOT:
        return "skip: needs root and chroot"
    root = make_root(hosts="127.0.0.1 localhost\n127.0.0.1 live.test\n")
    dead = dead_proxy()
    url = "https://live.test:%d" % E.srv.port
    for no, code in [("test", 0), (".test", 0), ("live.test", 0), ("TEST", 0),
                     ("est", 5), ("ive.test", 5), ("other.test", 5), ("live", 5)]:
        n = nreq()
        r = chroot_run(root, ["--url", url, "--noproxy", no, "--proxy", dead,
                              "--retries", "0"])
        check(r.code == code, "--noproxy %s for live.test: exit %d expected" % (no, code), r)
        if code == 0:
            served(E.srv.state_dir, n, "live.test", r)


@test
def proxy_auth_required_and_not_given():
    skip = need_tinyproxy()
    if skip:
        return skip
    tp = tinyproxies()["auth"]
    n = nreq()
    r = E.run(["--proxy", tp.url, "--retries", "0"])
    expect(r, 6, "HTTP 407", "refused CONNECT localhost:%d" % E.srv.port,
           "it wants credentials")
    check(nreq() == n, "nothing reached the stand-in", r)
    # wrong credentials: tinyproxy 1.11 answers 401 (not 407); shown all the same
    for cred in ["%s:wrong-pass" % PROXY_USER, PROXY_USER, "other:" + PROXY_PASS]:
        r = E.run(["--proxy", "http://%s@127.0.0.1:%d" % (cred, tp.port), "--retries", "0"])
        expect(r, 6, "refused CONNECT localhost:%d: HTTP 4" % E.srv.port)
        check(r.err.split("HTTP ")[1][:3] in ("401", "407"), "the status shown", r)
        check(nreq() == n, "nothing reached the stand-in", r)


@test
def proxy_auth_given_never_shown():
    skip = need_tinyproxy()
    if skip:
        return skip
    tp = tinyproxies()["auth"]
    enc = "s3cr3t%2Dp%61ss"  # the same password, percent-encoded
    E.secrets.append(enc)
    for url in ["http://%s:%s@127.0.0.1:%d" % (PROXY_USER, PROXY_PASS, tp.port),
                "http://%s:%s@127.0.0.1:%d" % (PROXY_USER, enc, tp.port),
                "http://%%63rt:%s@127.0.0.1:%d/" % (enc, tp.port)]:
        for how in ["flag", "env"]:
            mark, n = tp.mark(), nreq()
            if how == "flag":
                r = E.run(["--proxy", url, "-v"])
            else:
                r = E.run(["-v"], env={"HTTPS_PROXY": url})
            expect_v(r, 0, "using proxy http://127.0.0.1:%d for localhost" % tp.port)
            served(E.srv.state_dir, n, "localhost", r)
            check(tp.saw_connect(mark, "localhost:%d" % E.srv.port), "tinyproxy let it in")
            for s in [PROXY_PASS, enc, "s3cr3t", b64(PROXY_USER + ":" + PROXY_PASS)]:
                check(s not in r.err, "%r must not appear with -v" % s, r)


@test
def proxy_credentials_with_odd_characters():
    """Percent-encoded ':' '@' '%' '/' '+' ' ' in user and password, as sent."""
    fp = fake()
    url = "http://%s:%s@127.0.0.1:%d" % (ODD_USER_URL, ODD_PASS_URL, fp.port)
    n = nreq()
    r = E.run(["--proxy", url, "-v"])
    expect_v(r, 0)
    served(E.srv.state_dir, n, "localhost", r)
    got = fp.header("Proxy-Authorization")
    check(got == "Basic " + b64(ODD_USER + ":" + ODD_PASS),
          "Proxy-Authorization: Basic base64(user:pass) expected, got %r" % got)
    for s in [ODD_PASS, ODD_PASS_URL, "p@ss", "p%40ss", b64(ODD_USER + ":" + ODD_PASS)]:
        check(s not in r.err, "%r must not appear with -v" % s, r)
    r = E.run(["--proxy", "http://u:@127.0.0.1:%d" % fp.port])
    expect(r, 0)
    check(fp.header("Proxy-Authorization") == "Basic " + b64("u:"), "empty password sent")
    r = E.run(["--proxy", "http://127.0.0.1:%d" % fp.port])
    expect(r, 0)
    check(fp.header("Proxy-Authorization") is None, "no credentials, no header")
    fp.stop()


@test
def proxy_credentials_never_in_usage_errors():
    cred = "%s:%s@" % (PROXY_USER, PROXY_PASS)
    for url, needle in [("http://" + cred + "127.0.0.1:0", "port"),
                        ("ftp://" + cred + "127.0.0.1:1", "only http://"),
                        ("http://" + cred + "127.0.0.1:1/x", "path"),
                        ("http://" + cred + "ho st:1", "host"),
                        ("http://" + cred + "[::1:1", "host"),
                        ("http://" + cred, "no host"),
                        ("http://" + cred.replace("@", "%zz@") + "127.0.0.1:1", "user:password")]:
        for how in ["flag", "env"]:
            if how == "flag":
                r = E.run(["--proxy", url, "-v"])
            else:
                r = E.run(["-v"], env={"HTTPS_PROXY": url})
            expect_v(r, 2, needle)
            check("s3cr3t" not in r.err, "the password is not shown", r)


@test
def proxy_refuses_connect_to_the_port():
    skip = need_tinyproxy()
    if skip:
        return skip
    tp = tinyproxies()["port443"]
    n = nreq()
    r = E.run(["--proxy", tp.url, "--retries", "0"])
    expect(r, 6, "HTTP 403", "refused CONNECT localhost:%d" % E.srv.port)
    check(nreq() == n, "nothing reached the stand-in", r)
    r = E.run(["--proxy", tp.url])  # 6 is a verdict, not retried
    expect(r, 6, "HTTP 403")
    check(r.secs < 3, "not retried (%.2fs)" % r.secs, r)


@test
def proxy_dead_port():
    dead = dead_proxy()
    r = E.run(["--proxy", dead, "--retries", "0"])
    expect(r, 5, "proxy: connect to 127.0.0.1 port %s" % dead.rsplit(":", 1)[1], "refused")
    check(r.secs < 2, "fast without retries (%.2fs)" % r.secs, r)
    r = E.run(["--proxy", dead.replace("127.0.0.1", "localhost"), "--retries", "0"])
    expect(r, 5, "proxy: connect to")


@test
def proxy_dead_port_default_retries_within_bounds():
    # 5 attempts, full-jitter waits of at most 0.5 + 1 + 2 + 4 s
    r = E.run(["--proxy", dead_proxy(), "-v"], timeout=30)
    expect_v(r, 5, "attempt 4 of 5 failed", "proxy: connect to")
    check(r.err.count("using proxy") == 5, "five attempts", r)
    check("attempt 5 of 5 failed" not in r.err, "no sixth attempt", r)
    check(r.secs <= 8.5, "within the sum of the backoff caps (%.2fs)" % r.secs, r)
    # and never past --timeout
    r = E.run(["--proxy", dead_proxy(), "--timeout", "2", "-v"], timeout=20)
    expect_v(r, 5, "attempt 1 of 5 failed", "proxy: connect to")
    check(r.err.count("using proxy") >= 2, "retried: at least two attempts", r)
    check(r.secs <= 2.5, "ended within --timeout 2 (%.2fs)" % r.secs, r)


def check_marks(run, args, **kw):
    """check and check --json through run(args, verb=...): the same exit, steps and
    marks, JSON that parses. Returns the text run and {step: mark}."""
    r = run(args, verb=["check"], **kw)
    rj = run(args, verb=["check", "--json"], **kw)
    j = json.loads(rj.out)
    words = {"\u2713": "pass", "!": "warn", "\u2717": "fail", "-": "skip"}
    marks = {l[2:13].rstrip(): l[:1] for l in r.out.splitlines()[:-1]}
    check(j["exit"] == rj.code == r.code, "the same exit in text, JSON and status", rj)
    check([(x["step"], x["status"]) for x in j["steps"]] ==
          [(k, words.get(m)) for k, m in marks.items()], "the same steps and marks", rj)
    return r, marks


@test
def check_through_a_proxy():
    skip = need_tinyproxy()
    if skip:
        return skip
    tp = tinyproxies()["open"]
    r, m = check_marks(E.run, E.base() + ["--proxy", tp.url, "--retries", "0"], base=False)
    check(r.code == 0 and m.get("proxy") == "\u2713" and m.get("exchange") == "\u2713",
          "proxy and exchange pass", r)
    fp = fake(mode="status")
    r, m = check_marks(E.run, E.base() + ["--proxy", fp.url, "--retries", "0"], base=False)
    check(r.code == 6 and m.get("proxy") == "\u2717" and m.get("TLS") == "-",
          "a proxy that refuses the tunnel fails the proxy step: 6", r)
    fp.stop()


@test
def fake_proxy_answers_garbage():
    fp = fake(mode="garbage")
    n = nreq()
    r = E.run(["--proxy", fp.url])
    expect(r, 6, "proxy 127.0.0.1: bad answer to CONNECT")
    check(r.secs < 3, "a verdict, not retried (%.2fs)" % r.secs, r)
    check(nreq() == n, "nothing reached the stand-in", r)
    check(fp.heads and fp.heads[0].startswith("CONNECT localhost:%d HTTP/1.1" % E.srv.port),
          "the CONNECT request line: %r" % fp.heads[:1])
    fp.stop()


@test
def fake_proxy_closes_without_answering():
    fp = fake(mode="close")
    r = E.run(["--proxy", fp.url, "--retries", "0"])
    expect(r, 6, "proxy 127.0.0.1", "CONNECT")
    fp.stop()


@test
def fake_proxy_answers_502():
    fp = fake(mode="status")
    r = E.run(["--proxy", fp.url, "--retries", "0"])
    expect(r, 6, "HTTP 502")
    fp.stop()


@test
def fake_proxy_never_answers():
    fp = fake(mode="hang")
    r = E.run(["--proxy", fp.url, "--timeout", "2"], timeout=15)
    expect(r, 9, "deadline")
    check(1.5 <= r.secs <= 3.5, "ended on the 2 s deadline (%.2fs)" % r.secs, r)
    fp.stop()


@test
def fake_proxy_tunnel_is_end_to_end():
    """TLS and the name check go through the tunnel: the proxy cannot pass a wrong cert."""
    fp = fake()
    n = nreq()
    r = E.run(["--proxy", fp.url])
    expect(r, 0)
    served(E.srv.state_dir, n, "localhost", r)
    check(fp.heads[-1].split("\r\n")[0] == "CONNECT localhost:%d HTTP/1.1" % E.srv.port,
          "CONNECT host:port HTTP/1.1: %r" % fp.heads[-1])
    check(fp.header("Host") == "localhost:%d" % E.srv.port, "CONNECT's Host header")
    r = E.run(["--proxy", fp.url], script=["cert=wrongname"])
    expect(r, 8, "BR_ERR_X509_BAD_SERVER_NAME")
    r = E.run(["--proxy", fp.url], script=["cert=rogue"])
    expect(r, 8, "BR_ERR_X509_NOT_TRUSTED")
    # the tunnel leads elsewhere than asked: the stand-in's name does not match
    r = E.run(["--proxy", fp.url, "--url", "https://iam.cloud.ibm.com", "--retries", "0"])
    expect(r, 8, "BR_ERR_X509_BAD_SERVER_NAME")
    check(fp.heads[-1].startswith("CONNECT iam.cloud.ibm.com:443 HTTP/1.1"),
          "CONNECT for the default port: %r" % fp.heads[-1][:60])
    fp.stop()


@test
def fake_proxy_tunnel_reset_is_retried_but_tls_alert_is_not():
    """Code 7 is transient when an I/O error caused it, a verdict when the server said no."""
    fp = fake(mode="reset")
    r = E.run(["--proxy", fp.url, "--retries", "1", "-v"])
    expect_v(r, 7, "attempt 1 of 2 failed", "TLS handshake with localhost")
    check(len(fp.heads) == 2, "two CONNECTs for two attempts: %d" % len(fp.heads), r)
    fp.mode = "tunnel"
    n = len(fp.heads)
    r = E.run(["--proxy", fp.url, "--retries", "1", "-v"], script=["tls=tls13"])
    expect_v(r, 7, "protocol_version")
    check("attempt 1 of 2 failed" not in r.err and len(fp.heads) == n + 1,
          "an alert is not retried", r)
    fp.stop()


@test
def fake_proxy_ipv6():
    if not E.srv6:
        return "skip: no IPv6 loopback"
    fp = fake("::1")
    n = nreq()
    r = E.run(["--proxy", fp.url, "-v"])
    expect_v(r, 0, "using proxy http://[::1]:%d for localhost" % fp.port)
    served(E.srv.state_dir, n, "localhost", r)
    fp.stop()
    fp = fake(target=("::1", E.srv6.port))
    n = nreq(E.srv6.state_dir)
    r = E.run(["--proxy", fp.url, "--url", "https://[::1]:%d" % E.srv6.port])
    expect(r, 0)
    served(E.srv6.state_dir, n, None, r, host="[::1]:%d" % E.srv6.port)
    check(fp.heads[-1].startswith("CONNECT [::1]:%d HTTP/1.1" % E.srv6.port),
          "an IPv6 literal in brackets in CONNECT: %r" % fp.heads[-1][:60])
    fp.stop()


# ---------------------------------------------------------------- C. IP literals

@test
def ip_literal_v4_sends_no_sni():
    n = nreq()
    r = E.run(["--url", "https://127.0.0.1:%d" % E.srv.port, "-v"])
    expect_v(r, 0, "no SNI for an IP address")
    served(E.srv.state_dir, n, None, r, host="127.0.0.1:%d" % E.srv.port)


@test
def ip_literal_v6_sends_no_sni():
    if not E.srv6:
        return "skip: no IPv6 loopback"
    n = nreq(E.srv6.state_dir)
    r = E.run(["--url", "https://[::1]:%d" % E.srv6.port, "-v"])
    expect_v(r, 0, "no SNI for an IP address", "connecting to ::1 port %d" % E.srv6.port)
    served(E.srv6.state_dir, n, None, r, host="[::1]:%d" % E.srv6.port)
    n = nreq(E.srv6.state_dir)
    r = E.run(["--url", "https://[0:0:0:0:0:0:0:1]:%d" % E.srv6.port])
    expect(r, 0)
    served(E.srv6.state_dir, n, None, r)


@test
def host_name_sends_sni():
    n = nreq()
    r = E.run(["-v"])
    expect_v(r, 0, "SNI and certificate name check on")
    served(E.srv.state_dir, n, "localhost", r)


@test
def ip_literal_without_matching_ip_san():
    r = E.run(["--url", "https://127.0.0.1:%d" % E.srv.port], script=["cert=wrongname"])
    expect(r, 8, "BR_ERR_X509_BAD_SERVER_NAME")
    if E.srv6:
        r = E.run(["--url", "https://[::1]:%d" % E.srv6.port], script=["cert=wrongname"],
                  state=E.srv6.state_dir)
        expect(r, 8, "BR_ERR_X509_BAD_SERVER_NAME")
    # the leaf has IP:127.0.0.1 and IP:::1, not 127.0.0.2
    if E.srv2 is None:
        try:
            E.srv2 = E.standin("127.0.0.2")
        except OSError:
            return "skip: cannot listen on 127.0.0.2"
    r = E.run(["--url", "https://127.0.0.2:%d" % E.srv2.port, "--retries", "0"])
    expect(r, 8, "BR_ERR_X509_BAD_SERVER_NAME")
    r = E.run(["--url", "https://127.0.0.1:%d" % E.srv.port], script=["cert=rogue"])
    expect(r, 8, "BR_ERR_X509_NOT_TRUSTED")


# ---------------------------------------------------------------- chroot

def make_root(hosts="127.0.0.1 localhost\n", resolv="nameserver 127.0.0.1\n"):
    """A directory holding only /crtoken, /ca.pem, /token, /etc/hosts, /etc/resolv.conf."""
    root = tempfile.mkdtemp(dir=E.dir, prefix="root-")
    os.chmod(root, 0o755)
    shutil.copy(BIN, os.path.join(root, "crtoken"))
    shutil.copy(E.ca, os.path.join(root, "ca.pem"))
    shutil.copy(E.crfile, os.path.join(root, "token"))
    os.mkdir(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc/hosts"), "w") as f:
        f.write(hosts)
    if resolv is not None:
        with open(os.path.join(root, "etc/resolv.conf"), "w") as f:
            f.write(resolv)
    return root


def chroot_run(root, args, prefix=(), **kw):
    return E.run(["--cacert", "/ca.pem", "--token-file", "/token",
                  "--profile-id", iam.PROFILE_ID] + args, base=False,
                 prefix=list(prefix) + [CHROOT, root], argv0="/crtoken", **kw)


# ---------------------------------------------------------------- B. network namespace

DEAD4, DEAD6 = "10.99.0.2", "2001:db8:99::2"
LIVE_ULA = "fd00:99::1"  # on lo: reaches the IPv6 stand-in, which listens on [::]


class Netns:
    """The namespace: lo, the black hole, dnsmasq, a SERVFAIL server, two stand-ins on 443."""

    def __init__(self):
        self.made = False

    def setup(self):
        self.dir = os.path.join(E.dir, "netns")
        os.mkdir(self.dir)
        ip("netns", "add", NS)
        self.made = True
        ip("-n", NS, "link", "set", "lo", "up")
        ip("-n", NS, "addr", "add", LIVE_ULA + "/128", "dev", "lo", "nodad")
        # the black hole: a dummy interface drops what is routed to it; where the
        # kernel has no dummy driver, a veth pair whose neighbour entries name a
        # MAC address nobody has does the same
        if ip("-n", NS, "link", "add", "bh0", "type", "dummy", ok=True) != 0:
            ip("-n", NS, "link", "add", "bh0", "type", "veth", "peer", "name", "bh1")
            ip("-n", NS, "link", "set", "bh1", "up")
            self.veth = True
        else:
            self.veth = False
        ip("-n", NS, "addr", "add", "10.99.0.1/24", "dev", "bh0")
        ip("-n", NS, "addr", "add", "2001:db8:99::1/64", "dev", "bh0", "nodad")
        ip("-n", NS, "link", "set", "bh0", "up")
        if self.veth:
            for a in (DEAD4, DEAD6):
                ip("-n", NS, "neigh", "replace", a, "lladdr", "02:00:00:00:99:02",
                   "dev", "bh0", "nud", "permanent")
        self.exec = [IP, "netns", "exec", NS]
        # a DNS server that answers SERVFAIL to everything, for dnsmasq to forward to
        spawn(self.exec + [sys.executable, "-c", SERVFAIL_SERVER, "5399", str(LIFETIME)],
              os.path.join(self.dir, "servfail.log"))
        self.dnslog = os.path.join(self.dir, "dnsmasq.log")
        spawn(self.exec + [DNSMASQ, "--keep-in-foreground", "--no-resolv", "--no-hosts",
                           "--listen-address=127.0.0.1", "--bind-interfaces", "--user=root",
                           "--port=53", "--pid-file=", "--log-queries",
                           "--log-facility=" + self.dnslog,
                           # names in these domains are answered here or NXDOMAIN
                           "--local=/test/", "--local=/iam.cloud.ibm.com/",
                           "--host-record=live.test,127.0.0.1",
                           "--host-record=v6only.test,::1",
                           "--host-record=dual.test,%s,%s" % (DEAD6, "127.0.0.1"),
                           "--host-record=dead.test,%s" % DEAD4,
                           "--host-record=private.iam.cloud.ibm.com,127.0.0.1",
                           "--host-record=private.us-south.iam.cloud.ibm.com,127.0.0.1",
                           "--address=/nx.test/",
                           "--server=/servfail.test/127.0.0.1#5399"],
              os.path.join(self.dir, "dnsmasq.out"))
        # DNS servers written here (DNS_SERVER): one answering by name, one silent
        self.scriptlog = os.path.join(self.dir, "dns-script.log")
        self.silentlog = os.path.join(self.dir, "dns-silent.log")
        self.script6log = os.path.join(self.dir, "dns-script6.log")
        for addr, mode, log in ((SCRIPT_NS, "script", self.scriptlog),
                                (SILENT_NS, "silent", self.silentlog),
                                ("::1", "script", self.script6log)):
            open(log, "w").close()
            spawn(self.exec + [sys.executable, "-c", DNS_SERVER, addr, mode, log,
                               str(LIFETIME)], log + ".out")
        self.st4 = self.standin("127.0.0.1")
        self.st6 = self.standin("::")
        for st in (self.st4, self.st6):
            if not wait_for(lambda: os.path.exists(os.path.join(st, "port")), 15):
                raise Fail("the stand-in in the namespace did not start: %s" %
                           open(os.path.join(st, "log")).read()[-500:])
        for ns in ("127.0.0.1", SCRIPT_NS):
            p = subprocess.run(self.exec + [sys.executable, "-c", DNS_READY, ns], timeout=20,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode != 0:
                raise Fail("the DNS server %s in the namespace does not answer: %s %s" % (
                    ns, p.stdout.decode()[-300:], open(self.dnslog).read()[-500:]
                    if os.path.exists(self.dnslog) else ""))
        self.root = make_root(resolv="nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")

    def standin(self, host):
        st = os.path.join(self.dir, "standin-%s" % ("v6" if ":" in host else "v4"))
        shutil.copytree(E.pki, st)
        E.states.append(st)
        spawn(self.exec + [sys.executable, os.path.join(HERE, "iam.py"), "--dir", st,
                           "--host", host, "--port", "443", "--seconds", str(LIFETIME)],
              os.path.join(st, "log"))
        return st

    def run(self, args, url=None, root=None, **kw):
        args = (["--url", url] if url else []) + list(args)
        return chroot_run(root or self.root, args, prefix=self.exec, **kw)

    def destroy(self):
        if self.made:
            ip("netns", "del", NS, ok=True)
            self.made = False


def ip(*args, ok=False):
    p = subprocess.run([IP] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=20)
    if p.returncode != 0 and not ok:
        raise Fail("ip %s: %s" % (" ".join(args), p.stdout.decode().strip()))
    return p.returncode


SERVFAIL_SERVER = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(0.5)
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        q, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    i = 12
    while i < len(q) and q[i] != 0:
        i += q[i] + 1
    if len(q) < 12 or i + 5 > len(q):
        continue
    # the question alone, QR and RA set, RCODE 2 (SERVFAIL)
    s.sendto(q[:2] + bytes([0x80 | (q[2] & 0x79), 0x82]) + b"\0\1\0\0\0\0\0\0" + q[12:i + 5],
             peer)
"""

DNS_READY = r"""
import socket, struct, sys, time
q = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\4live\4test\0" + struct.pack(">HH", 1, 1)
for _ in range(100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.1)
    try:
        s.sendto(q, (sys.argv[1], 53))
        if s.recv(512)[3] & 15 == 0:
            sys.exit(0)
    except OSError:
        time.sleep(0.1)
    finally:
        s.close()
print("no answer for live.test")
sys.exit(1)
"""

SCRIPT_NS, SILENT_NS = "127.0.0.4", "127.0.0.3"

# A DNS server on ADDR (IPv4 or IPv6) port 53 for LIFE seconds, each query logged to LOG as
# "TIME NAME TYPE". Mode silent: never answers. Mode script: by name
#   live.test          A 127.0.0.1, no AAAA
#   live.srch.test     no data (NOERROR, no records), A and AAAA
#   many.test          20 A; 20 AAAA (a 600-byte datagram: musl reads 512)
#   cname.test         CNAME a.cname.test, CNAME target.test, then A 127.0.0.1 / AAAA ::1
#   noise.test         first a reply from another port, one with another id, one with
#                      another question, one without QR (all A 10.9.9.x), then A 127.0.0.1
#   tc.test            TC set: A 127.0.0.1 and nothing more
#   refused.test       REFUSED
#   servfail1.test     SERVFAIL to the first copy of a query, then A 127.0.0.1
#   late.test          nothing to the first copy of a query, then A 127.0.0.1
#   the rest           NXDOMAIN
DNS_SERVER = r"""
import socket, struct, sys, time
addr, mode, log, life = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
family = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.bind((addr, 53))
s.settimeout(0.5)
other = socket.socket(family, socket.SOCK_DGRAM)
other.bind((addr, 0))
seen = {}
end = time.monotonic() + life
P = b"\xc0\x0c"
def rr(owner, t, data):
    return owner + struct.pack(">HHIH", t, 1, 60, len(data)) + data
def dn(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
A = lambda a: socket.inet_aton(a)
AAAA = lambda a: socket.inet_pton(socket.AF_INET6, a)
while time.monotonic() < end:
    try:
        q, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    i, labels = 12, []
    while i < len(q) and 0 < q[i] < 64:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += q[i] + 1
    if len(q) < 12 or i + 5 > len(q):
        continue
    name, qtype = ".".join(labels).lower(), struct.unpack(">H", q[i + 1:i + 3])[0]
    with open(log, "a") as f:
        f.write("%.3f %s %d\n" % (time.monotonic(), name, qtype))
    if mode == "silent":
        continue
    n = seen[q[:2] + q[12:i + 5]] = seen.get(q[:2] + q[12:i + 5], 0) + 1
    def reply(rcode, answers, tc=0, qid=q[:2], question=q[12:i + 5], qr=0x80):
        return (qid + bytes([qr | (q[2] & 0x79) | (2 if tc else 0), 0x80 | rcode]) +
                struct.pack(">HHHH", 1, len(answers), 0, 0) + question + b"".join(answers))
    a4 = [rr(P, 1, A("127.0.0.1"))] if qtype == 1 else []
    out = [reply(3, [])]
    if name == "live.test":
        out = [reply(0, a4)]
    elif name == "live.srch.test":
        out = [reply(0, [])]
    elif name == "many.test":
        out = [reply(0, [rr(P, 1, A("10.0.1.%d" % k)) for k in range(1, 21)] if qtype == 1 else
                     [rr(P, 28, AAAA("2001:db8:1::%x" % k)) for k in range(1, 21)])]
    elif name == "cname.test":
        j = 12 + len(q[12:i + 5])
        out = [reply(0, [rr(P, 5, dn("a.cname.test")), rr(struct.pack(">H", 0xc000 | j + 12), 5,
                         dn("target.test")),
                         rr(dn("target.test"), qtype, A("127.0.0.1") if qtype == 1 else
                            AAAA("::1"))] if qtype in (1, 28) else [])]
    elif name == "noise.test":
        bad = [rr(P, 1, A("10.9.9.%d" % k)) for k in range(1, 5)] if qtype == 1 else []
        other.sendto(reply(0, bad[:1]), peer)
        out = [reply(0, bad[1:2], qid=bytes([q[0] ^ 1, q[1]])),
               reply(0, bad[2:3], question=dn("noise.tesu") + q[i + 1:i + 5]),
               reply(0, bad[3:4], qr=0), reply(0, a4)]
    elif name == "tc.test":
        out = [reply(0, a4, tc=1)]
    elif name == "refused.test":
        out = [reply(5, [])]
    elif name == "servfail1.test":
        out = [reply(2, [])] if n == 1 else [reply(0, a4)]
    elif name == "late.test":
        out = [] if n == 1 else [reply(0, a4)]
    for m in out:
        s.sendto(m, peer)
"""

N = None  # the Netns, made on first use
N_ERROR = None


def netns():
    """The namespace, or a skip string when it cannot exist here."""
    global N, N_ERROR
    if not ROOT:
        return "skip: needs root for network namespaces"
    missing = [name for name, path in [("ip", IP), ("dnsmasq", DNSMASQ), ("chroot", CHROOT)]
               if not path]
    if missing:
        return "skip: %s not installed (sh deps.sh test installs it)" % ", ".join(missing)
    if N_ERROR:
        raise Fail("the namespace could not be set up: %s" % N_ERROR)
    if N is None:
        N = Netns()  # kept even if setup fails: cleanup() deletes what was made
        try:
            N.setup()
        except Exception as e:
            N_ERROR = "%s: %s" % (type(e).__name__, e)
            raise
    return None


def connects(r):
    """The addresses crtoken tried, in order, from -v."""
    return [l.split("connecting to ", 1)[1].split(" port ")[0]
            for l in r.err.splitlines() if "connecting to " in l]


@test
def ns_name_from_dns():
    skip = netns()
    if skip:
        return skip
    n = nreq(N.st4)
    r = N.run(["-v"], url="https://live.test")
    expect_v(r, 0, "resolving live.test", "connecting to 127.0.0.1 port 443")
    served(N.st4, n, "live.test", r, host="live.test")


@test
def ns_ipv6_only_name():
    skip = netns()
    if skip:
        return skip
    n4, n6 = nreq(N.st4), nreq(N.st6)
    r = N.run(["-v"], url="https://v6only.test")
    expect_v(r, 0)
    check(connects(r) == ["::1"], "only ::1 tried: %r" % connects(r), r)
    served(N.st6, n6, "v6only.test", r)
    check(nreq(N.st4) == n4, "the IPv4 stand-in saw nothing", r)


@test
def ns_dual_stack_dead_address_tried_and_skipped():
    skip = netns()
    if skip:
        return skip
    n4 = nreq(N.st4)
    r = N.run(["-v", "--connect-timeout", "1"], url="https://dual.test")
    expect_v(r, 0, "connect to %s port 443: no answer within --connect-timeout" % DEAD6)
    check(connects(r) == [DEAD6, "127.0.0.1"],
          "the dead IPv6 address first, then the live IPv4 one: %r" % connects(r), r)
    served(N.st4, n4, "dual.test", r)
    check(0.9 <= r.secs <= 3, "one connect timeout of 1 s (%.2fs)" % r.secs, r)


@test
def ns_dual_stack_dead_ipv4_then_ipv6():
    """From /etc/hosts this time: RFC 6724 puts IPv4 before a ULA (and after ::1)."""
    skip = netns()
    if skip:
        return skip
    root = make_root(hosts="127.0.0.1 localhost\n%s dual.test\n%s dual.test\n" %
                     (DEAD4, LIVE_ULA))
    n6 = nreq(N.st6)
    r = N.run(["-v", "--connect-timeout", "1"], url="https://dual.test", root=root)
    expect_v(r, 0, "connect to %s port 443: no answer within --connect-timeout" % DEAD4)
    check(connects(r) == [DEAD4, LIVE_ULA],
          "the dead IPv4 address first, then the live IPv6 one: %r" % connects(r), r)
    served(N.st6, n6, "dual.test", r)
    check(0.9 <= r.secs <= 3, "one connect timeout of 1 s (%.2fs)" % r.secs, r)


@test
def ns_all_addresses_dead():
    skip = netns()
    if skip:
        return skip
    r = N.run(["-v", "--connect-timeout", "0.5", "--retries", "0", "--timeout", "5"],
              url="https://dead.test")
    expect_v(r, 9, "no answer within --connect-timeout")
    check(connects(r) == [DEAD4], "the one address: %r" % connects(r), r)
    check(0.4 <= r.secs <= 2.5, "one connect timeout (%.2fs)" % r.secs, r)


@test
def ns_blackholed_literal_whole_deadline():
    skip = netns()
    if skip:
        return skip
    r = N.run(["--timeout", "2"], url="https://%s" % DEAD4, timeout=15)
    expect(r, 9, "deadline")
    check(1.5 <= r.secs <= 5, "ended on the 2 s deadline (%.2fs)" % r.secs, r)
    r = N.run(["--timeout", "1.5"], url="https://[%s]:8443" % DEAD6, timeout=15)
    expect(r, 9, "deadline")
    check(1.0 <= r.secs <= 4.5, "ended on the 1.5 s deadline (%.2fs)" % r.secs, r)


@test
def ns_blackholed_literal_connect_timeout_and_retry():
    skip = netns()
    if skip:
        return skip
    r = N.run(["-v", "--connect-timeout", "1", "--timeout", "5", "--retries", "1"],
              url="https://%s" % DEAD4, timeout=20)
    expect_v(r, 9, "attempt 1 of 2 failed", "no answer within --connect-timeout")
    check(connects(r) == [DEAD4, DEAD4], "two attempts: %r" % connects(r), r)
    check(1.9 <= r.secs <= 4.5, "two connect timeouts of 1 s and a backoff (%.2fs)" % r.secs, r)


@test
def ns_no_such_host():
    skip = netns()
    if skip:
        return skip
    r = N.run(["--retries", "0"], url="https://nx.test")
    expect(r, 4, "nx.test", "no such host")
    check(r.secs < 2, "NXDOMAIN is an answer, no wait (%.2fs)" % r.secs, r)
    r = N.run(["--retries", "0"], url="https://deeper.nx.test:8443")
    expect(r, 4, "deeper.nx.test", "no such host")


@test
def ns_check_no_such_host():
    skip = netns()
    if skip:
        return skip
    r, m = check_marks(N.run, ["--retries", "0"], url="https://nx.test")
    check(r.code == 4 and m.get("resolve") == "\u2717" and m.get("connect") == "-" and
          m.get("token file") == "\u2713", "resolve fails: 4, the token still read", r)


@test
def ns_servfail_and_refused():
    skip = netns()
    if skip:
        return skip
    for name in ["servfail.test", "refused.example"]:
        r = N.run(["--retries", "0", "--timeout", "8"], url="https://" + name, timeout=20)
        # musl retries a SERVFAIL, ignores a REFUSED, then gives up at timeout:1
        expect(r, 4, "name resolution: %s:" % name)
        check(r.secs < 5, "%s: bounded by the resolver's timeout:1 (%.2fs)" % (name, r.secs), r)
    log = open(N.dnslog).read()
    check("reply error is SERVFAIL" in log, "dnsmasq relayed a SERVFAIL: %r" % log[-800:])
    check("config error is REFUSED" in log, "dnsmasq refused refused.example: %r" % log[-800:])


@test
def ns_dead_dns_server():
    skip = netns()
    if skip:
        return skip
    root = make_root(resolv="nameserver 127.0.0.2\noptions timeout:1 attempts:1\n")
    r = N.run(["--retries", "0"], url="https://live.test", root=root, timeout=20)
    expect(r, 4, "live.test", "no answer from the DNS servers")
    check(r.secs < 4, "bounded by timeout:1 (%.2fs)" % r.secs, r)
    root = make_root(resolv="nameserver 127.0.0.2\noptions timeout:5 attempts:3\n")
    r = N.run(["--timeout", "2"], url="https://live.test", root=root, timeout=20)
    expect(r, 9, "deadline")
    check(1.5 <= r.secs <= 4, "the deadline covers DNS (%.2fs)" % r.secs, r)


@test
def ns_dns_failure_is_retried():
    skip = netns()
    if skip:
        return skip
    r = N.run(["-v", "--retries", "2"], url="https://nx.test", timeout=20)
    expect_v(r, 4, "attempt 1 of 3 failed", "attempt 2 of 3 failed", "no such host")
    check(r.err.count("resolving nx.test") == 3, "three attempts", r)
    check(r.secs < 4, "backoff of at most 0.5 + 1 s (%.2fs)" % r.secs, r)


@test
def ns_hosts_file_before_dns():
    skip = netns()
    if skip:
        return skip
    root = make_root(hosts="127.0.0.1 localhost\n::1 live.test\n")
    n6 = nreq(N.st6)
    r = N.run(["-v"], url="https://live.test", root=root)
    expect_v(r, 0)
    check(connects(r) == ["::1"], "/etc/hosts says ::1: %r" % connects(r), r)
    served(N.st6, n6, "live.test", r)


@test
def ns_private_endpoint():
    skip = netns()
    if skip:
        return skip
    n = nreq(N.st4)
    r = N.run(["--private", "-v"])
    expect_v(r, 0, "resolving private.iam.cloud.ibm.com")
    served(N.st4, n, "private.iam.cloud.ibm.com", r, host="private.iam.cloud.ibm.com")
    check(iam.requests(N.st4)[-1]["path"] == "/identity/token", "POST /identity/token")


@test
def ns_private_endpoint_in_a_region():
    skip = netns()
    if skip:
        return skip
    n = nreq(N.st4)
    r = N.run(["--private", "--region", "us-south"])
    expect(r, 0)
    served(N.st4, n, "private.us-south.iam.cloud.ibm.com", r,
           host="private.us-south.iam.cloud.ibm.com")
    r = N.run(["--private", "--region", "eu-de", "--retries", "0"])
    expect(r, 4, "private.eu-de.iam.cloud.ibm.com", "no such host")
    r = N.run(["--private", "--region", "mars-1"])
    expect(r, 2, "--region mars-1")


@test
def ns_url_beats_private():
    skip = netns()
    if skip:
        return skip
    n = nreq(N.st4)
    r = N.run(["--private", "--region", "eu-de"], url="https://live.test")
    expect(r, 0)
    served(N.st4, n, "live.test", r)
    n = nreq(N.st4)
    r = N.run(["--private"], env={"IAM_URL": "https://nx.test"})
    expect(r, 0)
    served(N.st4, n, "private.iam.cloud.ibm.com", r)


@test
def ns_proxy_name_resolution_failure():
    skip = netns()
    if skip:
        return skip
    n = nreq(N.st4)
    r = N.run(["--proxy", "http://proxy.nx.test:3128", "--retries", "0"], url="https://live.test")
    expect(r, 4, "proxy.nx.test", "no such host")
    check(nreq(N.st4) == n, "nothing reached the stand-in", r)
    r = N.run(["--retries", "0"], url="https://live.test",
              env={"HTTPS_PROXY": "http://proxy.nx.test:3128"})
    expect(r, 4, "proxy.nx.test")


@test
def ns_proxy_blackholed():
    skip = netns()
    if skip:
        return skip
    r = N.run(["--proxy", "http://%s:3128" % DEAD4, "--connect-timeout", "1", "--retries", "0",
               "--timeout", "5"], url="https://live.test", timeout=20)
    expect(r, 9, "proxy", "no answer within --connect-timeout")
    check(0.9 <= r.secs <= 3, "one connect timeout (%.2fs)" % r.secs, r)


# ---------------------------------------------------------------- dns.c against musl

GAI = None  # test/gai.c built with musl-gcc: "" when it cannot be


def gai_binary():
    """musl's own getaddrinfo() in a static binary (test/gai.c), or None without musl-gcc."""
    global GAI
    if GAI is None:
        GAI = ""
        cc = shutil.which("musl-gcc")
        out = os.path.join(E.dir, "gai")
        if cc and subprocess.run([cc, "-static", "-O1", "-o", out, os.path.join(HERE, "gai.c")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 timeout=120).returncode == 0:
            GAI = out
    return GAI or None


def norm(addrs):
    return [str(ipaddress.ip_address(a)) for a in addrs]


def musl_says(root, name):
    """musl's answer for name in root and the namespace: its addresses in order, or
    the EAI_* value; None when test/gai.c cannot be built here."""
    gai = gai_binary()
    if gai is None:
        return None
    shutil.copy(gai, os.path.join(root, "gai"))
    p = subprocess.run(N.exec + [CHROOT, root, "/gai", name], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode().split()
    if p.returncode == 1 and out[:1] == ["error"]:
        return int(out[1])
    return norm(out)


EAI_NONAME, EAI_AGAIN = -2, -3


def crtoken_says(root, name, timeout=20):
    """crtoken check's answer: the addresses its resolve step lists (the first 8), or
    the EAI_* value its message stands for; and the run."""
    r = N.run(["--connect-timeout", "1", "--retries", "0", "--timeout", str(timeout)],
              url="https://" + name, root=root, verb=["check"], timeout=timeout + 20)
    for line in r.out.splitlines():
        if line[2:13].rstrip() != "resolve":
            continue
        if " -> " in line:
            return norm(line.split(" -> ", 1)[1].split(", ")), r
        if "no such host" in line:
            return EAI_NONAME, r
        if "no answer from the DNS servers" in line:
            return EAI_AGAIN, r
        return line, r
    return None, r


def same_as_musl(root, name, want=None, timeout=20):
    """crtoken and musl resolve name alike in root (and as want, when given): the run."""
    got, r = crtoken_says(root, name, timeout)
    if want is not None:
        check(got == want, "%s: %r expected, crtoken says %r" % (name, want, got), r)
    musl = musl_says(root, name)
    if musl is not None:
        if isinstance(musl, list):
            musl = musl[:TRACE_ADDRS]
        check(got == musl, "%s: musl says %r, crtoken %r" % (name, musl, got), r)
    return r


TRACE_ADDRS = 8  # net.h: what check lists


def queries(log, mark):
    """The names asked of a test DNS server since mark (its log's length), in order, once each."""
    names = []
    with open(log) as f:
        for line in f.read()[mark:].splitlines():
            name = line.split()[1]
            if name not in names:
                names.append(name)
    return names


def logged(log):
    with open(log) as f:
        return len(f.read())


def script_root(resolv, hosts="127.0.0.1 localhost\n"):
    return make_root(hosts=hosts, resolv=resolv)


@test
def ns_search_domains_and_ndots():
    skip = netns()
    if skip:
        return skip
    root = script_root("nameserver %s\nsearch nx.test test\noptions timeout:1 attempts:1\n"
                       % SCRIPT_NS)
    # a short name: each search domain, going on after NXDOMAIN
    m = logged(N.scriptlog)
    same_as_musl(root, "live", ["127.0.0.1"])
    check(queries(N.scriptlog, m)[:2] == ["live.nx.test", "live.test"],
          "live.nx.test, then live.test: %r" % queries(N.scriptlog, m))
    # as many dots as ndots: the name itself only
    m = logged(N.scriptlog)
    r = N.run(["-v", "--retries", "0"], url="https://live.test", root=root)
    expect_v(r, 0, "resolving live.test", "connecting to 127.0.0.1 port 443")
    check(queries(N.scriptlog, m) == ["live.test"], "live.test only: %r" %
          queries(N.scriptlog, m), r)
    # fewer dots than ndots:2: the search domains first
    root = script_root("nameserver %s\nsearch nx.test test\noptions ndots:2 timeout:1\n"
                       % SCRIPT_NS)
    m = logged(N.scriptlog)
    same_as_musl(root, "live.test", ["127.0.0.1"])
    check(queries(N.scriptlog, m)[:3] == ["live.test.nx.test", "live.test.test", "live.test"],
          "the search domains first: %r" % queries(N.scriptlog, m))
    # no data (NOERROR, no address) ends the search: musl's rule
    root = script_root("nameserver %s\nsearch srch.test test\noptions timeout:1\n" % SCRIPT_NS)
    m = logged(N.scriptlog)
    r = same_as_musl(root, "live", EAI_NONAME)
    check(queries(N.scriptlog, m)[:1] == ["live.srch.test"] and
          "live.test" not in queries(N.scriptlog, m), "no more after live.srch.test: %r" %
          queries(N.scriptlog, m), r)
    # the last search or domain line wins
    root = script_root("nameserver %s\nsearch srch.test\ndomain test\noptions timeout:1\n"
                       % SCRIPT_NS)
    same_as_musl(root, "live", ["127.0.0.1"])


@test
def ns_absolute_name_with_a_trailing_dot():
    skip = netns()
    if skip:
        return skip
    root = script_root("nameserver %s\nsearch nx.test\noptions ndots:5 timeout:1\n" % SCRIPT_NS)
    m = logged(N.scriptlog)
    r = same_as_musl(root, "live.test.", ["127.0.0.1"])
    check(queries(N.scriptlog, m) == ["live.test"], "live.test only: %r" %
          queries(N.scriptlog, m), r)
    same_as_musl(root, "nx.test.", EAI_NONAME)


@test
def ns_dns_timeout_and_attempts():
    """A server that never answers: asked again at timeout/attempts, given up at timeout."""
    skip = netns()
    if skip:
        return skip
    root = make_root(resolv="nameserver %s\noptions timeout:1 attempts:2\n" % SILENT_NS)
    m = logged(N.silentlog)
    r = N.run(["--retries", "0"], url="https://live.test", root=root, timeout=20)
    expect(r, 4, "live.test", "no answer from the DNS servers in /etc/resolv.conf")
    check(0.9 <= r.secs <= 2.5, "given up after timeout:1 (%.2fs)" % r.secs, r)
    with open(N.silentlog) as f:
        got = [(float(l.split()[0]), l.split()[2]) for l in f.read()[m:].splitlines()]
    check(sorted(t for _, t in got) == ["1", "1", "28", "28"],
          "A and AAAA, twice each: %r" % got, r)
    if len(got) == 4:
        gap = got[2][0] - got[0][0]
        check(0.4 <= gap <= 0.8, "asked again after 1 s / 2 attempts (%.2fs)" % gap, r)
    # the second copy of each query answered (late.test): found after the 1 s resend
    root = make_root(resolv="nameserver %s\noptions timeout:2 attempts:2\n" % SCRIPT_NS)
    t0 = time.monotonic()
    r = same_as_musl(root, "late.test", ["127.0.0.1"])
    check(0.9 <= r.secs <= 5, "answered after the resend at 1 s (%.2fs)" % r.secs, r)
    check(time.monotonic() - t0 < 15, "bounded")


@test
def ns_first_nameserver_dead_second_answers():
    skip = netns()
    if skip:
        return skip
    root = make_root(resolv="nameserver %s\nnameserver %s\noptions timeout:5 attempts:1\n" %
                     (SILENT_NS, SCRIPT_NS))
    m, n = logged(N.silentlog), nreq(N.st4)
    r = N.run(["-v", "--retries", "0"], url="https://live.test", root=root, timeout=20)
    expect_v(r, 0, "connecting to 127.0.0.1 port 443")
    check(r.secs < 2.5, "no wait for the dead one: every server is asked at once (%.2fs)" %
          r.secs, r)
    check(queries(N.silentlog, m) == ["live.test"], "the dead one was asked too", r)
    served(N.st4, n, "live.test", r)


@test
def ns_ipv6_and_mixed_nameservers():
    """An IPv6 server; IPv4 and IPv6 servers together (one socket, IPv4 as ::ffff:a.b.c.d)."""
    skip = netns()
    if skip:
        return skip
    for servers, log in ((["::1"], N.script6log), ([SILENT_NS, "::1"], N.script6log),
                         (["::2", SCRIPT_NS], N.scriptlog)):
        root = make_root(resolv="".join("nameserver %s\n" % a for a in servers) +
                         "options timeout:3 attempts:1\n")
        m = logged(log)
        r = same_as_musl(root, "live.test", ["127.0.0.1"])
        check(r.secs < 2.5, "%s: answered at once (%.2fs)" % (servers, r.secs), r)
        check(queries(log, m)[:1] == ["live.test"], "%s: the server was asked" % servers, r)


@test
def ns_hosts_file_several_addresses_in_rfc6724_order():
    skip = netns()
    if skip:
        return skip
    hosts = "127.0.0.1 localhost\n"
    for a in (DEAD4, LIVE_ULA, "127.0.0.1", DEAD6, "::1", "192.0.2.1"):
        hosts += "%s multi.test\n" % a
    root = make_root(hosts=hosts)
    # ::1 (precedence 50); 2001:db8:99::2 (40, usable); 127.0.0.1 (35, longest prefix);
    # 10.99.0.2 (35); fd00:99::1 (3, usable); 192.0.2.1 (no route: last)
    r = same_as_musl(root, "multi.test", ["::1", DEAD6, "127.0.0.1", DEAD4, LIVE_ULA,
                                          "192.0.2.1"])
    check(r.code == 8, "resolved and connected to ::1 (the name is not in the certificate)", r)
    # the same address twice, comments, names as whole fields, case
    root = make_root(hosts="127.0.0.1 localhost\n127.0.0.1 a.test # multi.test\n"
                     "::1 xmulti.test multi.test.x\n127.0.0.1 MULTI.TEST\n"
                     "127.0.0.1\tx multi.test\n127.0.0.1 multi.test\n")
    same_as_musl(root, "multi.test", ["127.0.0.1", "127.0.0.1"])


@test
def ns_dns_replies_checked():
    """What a reply must be to count, and what is taken from it (the script server)."""
    skip = netns()
    if skip:
        return skip
    root = make_root(resolv="nameserver %s\noptions timeout:1 attempts:1\n" % SCRIPT_NS)
    # from another port, another id, another question, no QR: ignored (musl would take the
    # reply with the id and another question: no comparison here)
    got, r = crtoken_says(root, "noise.test")
    check(got == ["127.0.0.1"], "only the real answer: %r" % got, r)
    same_as_musl(root, "cname.test", ["::1", "127.0.0.1"])
    same_as_musl(root, "tc.test", ["127.0.0.1"])
    # 20 A and 20 AAAA in a 600-byte datagram: musl reads 512 bytes (17 AAAA fit)
    same_as_musl(root, "many.test")
    r = same_as_musl(root, "refused.test", EAI_AGAIN)
    check(r.secs < 5, "REFUSED is waited past, until timeout:1 (%.2fs)" % r.secs, r)
    same_as_musl(root, "nx.test", EAI_NONAME)
    # a SERVFAIL is asked again at once: no wait for the next round (4 s here)
    root = make_root(resolv="nameserver %s\noptions timeout:8 attempts:2\n" % SCRIPT_NS)
    r = same_as_musl(root, "servfail1.test", ["127.0.0.1"])
    check(r.secs < 3, "asked again at once after SERVFAIL (%.2fs)" % r.secs, r)


# ---------------------------------------------------------------- main

def cleanup():
    if E is not None:
        for fp in E.fakes:
            fp.stop()
    stop_all()
    if N is not None:
        N.destroy()
    if E is not None:
        E.srv.stop()
        if E.srv6:
            E.srv6.stop()
        if E.srv2:
            E.srv2.stop()
        shutil.rmtree(E.dir, ignore_errors=True)


def main():
    global E
    if not os.access(BIN, os.X_OK):
        print("net: %s is not executable" % BIN)
        return 1

    def on_signal(sig, frame):
        raise SystemExit(128 + sig)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    passed = failed = skipped = 0
    try:
        E = Env()
        passed, failed, skipped = harness.run(harness.selected(ONLY))
    finally:
        cleanup()
    return harness.summary("net", passed, failed, skipped)


if __name__ == "__main__":
    sys.exit(main())
