#!/usr/bin/env python3
"""End-to-end tests of the crtoken binary against the local IAM stand-in.

usage: e2e.py ./crtoken [NAME-SUBSTRING...]

Everything is local: the stand-in listens on 127.0.0.1, the PKI is made
fresh by pki.sh, network faults happen in namespaces made here. Every run
of crtoken is bounded in time, and after every run the CR token and every
access token the stand-in issued are looked for on stderr: a leak fails the
test whatever else it checks. Output is one line per test, then a summary.
"""
import base64
import calendar
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ left in test/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iam  # noqa: E402
from harness import Fail, Result, check, read, test, wait_for  # noqa: E402
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./crtoken")
ONLY = sys.argv[2:]
ROOT = os.geteuid() == 0


def is_static(path):
    """No PT_INTERP program header: the binary needs nothing from the root it runs in."""
    import struct
    with open(path, "rb") as f:
        h = f.read(64)
        if h[:4] != b"\x7fELF" or h[4] != 2:
            return False
        end = "<" if h[5] == 1 else ">"
        phoff, = struct.unpack(end + "Q", h[32:40])
        phentsize, phnum = struct.unpack(end + "HH", h[54:58])
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            if struct.unpack(end + "I", f.read(4))[0] == 3:  # PT_INTERP
                return False
    return True


STATIC = is_static(BIN) if os.path.exists(BIN) else False
# make test-cross: a foreign binary runs under qemu-user, e.g. "qemu-s390x-static"
RUNNER = shutil.which(os.environ["CRTOKEN_RUNNER"]) if os.environ.get("CRTOKEN_RUNNER") else None


def launch(argv0=None):
    """argv that starts crtoken: the runner first when there is one."""
    if argv0 is not None:	# inside a chroot: the runner was copied to its root
        return (["/" + os.path.basename(RUNNER)] if RUNNER else []) + [argv0]
    return ([RUNNER] if RUNNER else []) + [BIN]
SBIN = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CHROOT = shutil.which("chroot", path=SBIN)
UNSHARE = shutil.which("unshare", path=SBIN)


def child_env(extra=None):
    """A clean environment for crtoken: PATH, C locale, the sanitizers' options."""
    e = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):	# make test-asan
        if k in os.environ:
            e[k] = os.environ[k]
    e.update(extra or {})
    return e



class Env:
    """The shared fixture: PKI, stand-in, a CR token file."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="crtoken-e2e-")
        self.pki = os.path.join(self.dir, "pki")
        subprocess.run(["sh", os.path.join(HERE, "pki.sh"), self.pki], check=True)
        self.state = os.path.join(self.dir, "state")
        self.srv = iam.Standin(self.pki, self.state)
        self.url = "https://localhost:%d" % self.srv.port
        self.ca = os.path.join(self.pki, "ca.pem")
        self.cr = iam.cr_token()
        self.crfile = self.write("cr", self.cr + "\n")
        self.secrets = [self.cr]

    def write(self, name, data, mode=0o644):
        path = os.path.join(self.dir, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def issued(self):
        return iam.issued(self.state)

    def requests(self):
        return iam.requests(self.state)

    def base(self):
        """The usual arguments; no retries unless a test asks (a later flag wins)."""
        return ["--url", self.url, "--cacert", self.ca, "--token-file", self.crfile,
                "--profile-id", iam.PROFILE_ID, "--retries", "0"]

    def connections(self):
        return len(iam.connections(self.state))

    def run(self, args, env=None, base=True, timeout=30, script=None, argv0=None,
            stdout=None, prefix=(), preexec=None):
        """Run crtoken; script lines go to the stand-in first."""
        self.srv.script(*(script or ()))
        e = child_env(env)
        cmd = list(prefix) + launch(argv0) + (self.base() if base else []) + list(args)
        t0 = time.monotonic()
        p = subprocess.run(cmd, env=e, timeout=timeout, stdin=subprocess.DEVNULL,
                           stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE,
                           preexec_fn=preexec)
        r = Result(p.returncode, (p.stdout or b"").decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
        r.verbose = "-v" in args or "--verbose" in args
        for s in self.secrets + [t for t in self.issued() if len(t) >= 16]:
            check(s not in r.err, "a token leaked to stderr", r)
            check(s[:40] not in r.err, "a token prefix leaked to stderr", r)
            check(r.code == 0 or s[:40] not in r.out, "a token on stdout of a failed run", r)
        return r


E = None


def expect(r, code, *needles):
    check(r.code == code, "exit %d expected" % code, r)
    for n in needles:
        check(n in r.err, "stderr should mention %r" % n, r)
    if code != 0 and not getattr(r, "verbose", False):
        check(r.err.startswith("crtoken: ") and r.err.count("\n") == 1,
              "one error line 'crtoken: ...' expected", r)
    elif code != 0:
        last = r.err.rstrip("\n").split("\n")[-1]
        check(last.startswith("crtoken: "), "the error line comes last", r)


def expect_token(r, what):
    """A success: exit 0, and stdout exactly the token the stand-in issued last."""
    expect(r, 0)
    check(r.out == E.issued()[-1] + "\n", what, r)


def last_form():
    reqs = E.requests()
    check(reqs, "the stand-in saw no request")
    return {k: v[0] for k, v in reqs[-1]["form"].items()}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------- success

@test
def success_rsa_chain():
    r = E.run([])
    expect_token(r, "stdout is the issued token and a newline")
    check(r.err == "", "nothing on stderr on success", r)


@test
def success_ecdsa_p384_chain():
    r = E.run([], script=["cert=ec"])
    expect(r, 0)
    check(r.out.strip() == E.issued()[-1], "token from the P-384 chain", r)


@test
def success_ecdsa_p256_chain():
    r = E.run([], script=["cert=p256"])
    expect(r, 0)
    check(r.out.strip() == E.issued()[-1], "token from the P-256 chain", r)


@test
def success_ecdsa_iam_like_chain():
    """IAM's shape (DigiCert G3): P-384 root and intermediate, SHA-384, a P-256 leaf."""
    r = E.run([], script=["cert=g3"])
    expect(r, 0)
    check(r.out.strip() == E.issued()[-1], "token from the P-384/P-256 chain", r)


@test
def success_every_ecdhe_curve_and_p521_leaf():
    """ECDHE on P-256 and P-384 when the server takes no x25519 (BearSSL's code,
    p384.c never sees a secret), on the IAM-like chain too; a P-521 leaf."""
    for words in (["tls=p256"], ["tls=p384"], ["cert=g3", "tls=p384"], ["cert=p521"]):
        r = E.run([], script=[" ".join(words)])
        expect(r, 0)
        check(r.out.strip() == E.issued()[-1], "token with " + " ".join(words), r)


@test
def ecdsa_chain_rejections():
    # one bit of the leaf's P-384 signature flipped
    expect(E.run([], script=["cert=badsig"]), 8, "BR_ERR_X509_BAD_SIGNATURE")
    # a P-256 signature checked with the intermediate's P-384 key
    expect(E.run([], script=["cert=wrongcurve"]), 8, "BR_ERR_X509_BAD_SIGNATURE")
    # a secp256k1 leaf: the server finds no curve we share and gives up
    expect(E.run([], script=["cert=k256"]), 7, "handshake_failure")


@test
def success_chunked():
    r = E.run([], script=["resp=chunked"])
    expect_token(r, "the issued token, from chunks")


@test
def success_bytewise():
    r = E.run([], script=["resp=bytewise"])
    expect(r, 0)
    check(r.out.strip() == E.issued()[-1], "token read one byte per record", r)


@test
def success_close_delimited():
    r = E.run([], script=["resp=close"])
    expect_token(r, "the issued token, delimited by the close")


@test
def request_is_what_iam_expects():
    r = E.run(["--scope", "ibm openid"])
    expect_token(r, "the issued token")
    req = E.requests()[-1]
    h = req["headers"]
    check(req["method"] == "POST" and req["path"] == "/identity/token", "POST /identity/token")
    check(h.get("host") == "localhost:%d" % E.srv.port, "Host with port: %r" % h.get("host"))
    check(h.get("user-agent", "").startswith("crtoken/"), "User-Agent crtoken/<version>")
    check(h.get("accept") == "application/json", "Accept")
    check(h.get("content-type") == "application/x-www-form-urlencoded", "Content-Type")
    check(h.get("connection") == "close", "Connection: close")
    check(int(h.get("content-length")) == len(req["raw"]), "Content-Length")
    f = last_form()
    check(f["grant_type"] == iam.GRANT, "grant_type")
    check(f["cr_token"] == E.cr, "cr_token is the trimmed file content")
    check(f["profile_id"] == iam.PROFILE_ID, "profile_id")
    check(f["scope"] == "ibm openid", "scope sent and URL-encoded: %r" % req["raw"])
    check("scope=ibm%20openid" in req["raw"], "space encoded as %20")
    check("grant_type=urn%3Aibm%3Aparams" in req["raw"], "colons encoded")


@test
def format_json():
    r = E.run(["-f", "json"])
    expect(r, 0)
    j = json.loads(r.out)
    check(j["access_token"] == E.issued()[-1], "access_token", r)
    check(j["token_type"] == "Bearer" and j["expires_in"] == 3600, "type and expires_in", r)
    check(abs(j["expiration"] - (time.time() + 3600)) < 120, "expiration", r)


@test
def format_header():
    r = E.run(["--format", "header"])
    expect(r, 0)
    check(r.out == "Authorization: Bearer %s\n" % E.issued()[-1], "header format", r)


@test
def format_env():
    r = E.run(["--format=env"])
    expect(r, 0)
    lines = r.out.splitlines()
    check(lines[0] == "IAM_ACCESS_TOKEN=" + E.issued()[-1], "IAM_ACCESS_TOKEN line", r)
    check(lines[1].startswith("IAM_TOKEN_EXPIRATION=") and
          abs(int(lines[1].split("=")[1]) - (time.time() + 3600)) < 120, "expiration line", r)
    check(len(lines) == 2, "two lines", r)


ICR = ["icr.io", "au.icr.io", "br.icr.io", "ca.icr.io", "ca2.icr.io", "de.icr.io", "es.icr.io",
       "jp.icr.io", "jp2.icr.io", "uk.icr.io", "us.icr.io"]


def auths(text):
    """{host: (user, password)} of a container auth file."""
    out = {}
    for host, v in json.loads(text)["auths"].items():
        check(set(v) == {"auth"}, "only auth: %r" % v)
        user, _, pw = base64.b64decode(v["auth"], validate=True).decode().partition(":")
        out[host] = (user, pw)
    return out


@test
def format_docker_auth_file():
    r = E.run(["-f", "docker"])
    expect(r, 0)
    a = auths(r.out)
    check(list(a) == ICR and r.out.endswith("}}\n") and r.out.count("\n") == 1,
          "every ICR domain, one line: %r" % list(a))
    check(all(v == ("iambearer", E.issued()[-1]) for v in a.values()), "iambearer:TOKEN")
    r = E.run(["-f", "docker", "--private"] + ["--url", E.url])  # --url beats --private for IAM
    expect(r, 0)
    check(list(auths(r.out)) == ["private." + h for h in ICR], "private. forms: %r" % r.out[:80])
    r = E.run(["-f", "docker", "--registry", "127.0.0.1:5000", "--registry", "Registry.Example:443",
               "--registry", "[::1]:5001", "--registry", "127.0.0.1:5000"])
    expect(r, 0)
    check(list(auths(r.out)) == ["127.0.0.1:5000", "registry.example:443", "[::1]:5001"],
          "the registries given, lower case, once: %r" % r.out[:200])
    r = E.run(["-f", "docker"], env={"CRTOKEN_REGISTRIES": " a.example , b.example:5000\tc.example"})
    expect(r, 0)
    check(list(auths(r.out)) == ["a.example", "b.example:5000", "c.example"], "CRTOKEN_REGISTRIES")
    r = E.run(["-f", "docker", "--registry", "d.example"], env={"CRTOKEN_REGISTRIES": "a.example"})
    check(list(auths(r.out)) == ["d.example"], "--registry beats CRTOKEN_REGISTRIES")
    d = tempfile.mkdtemp(dir=E.dir)
    path = os.path.join(d, "config.json")
    expect(E.run(["-f", "docker", "--registry", "icr.io", "-o", path]), 0)
    check(stat.S_IMODE(os.stat(path).st_mode) == 0o600 and
          auths(open(path).read())["icr.io"][1] == E.issued()[-1], "FILE 0600 with the token")
    for bad in ("", "-x.io", "x-.io", "a..b", "a.b.", "a b", "a/b", "h:0", "h:65536", "h:", "h:1x",
                "[::1", "ex\u00e4mple.com", "a" * 64 + ".io", ".".join(["abc"] * 64), "h:123456"):
        r = E.run(["-f", "docker", "--registry", bad])
        expect(r, 2, "--registry")
    r = E.run(["-f", "docker"] + sum([["--registry", "r%d.example" % i] for i in range(17)], []))
    expect(r, 2, "at most 16")
    expect(E.run(["-f", "docker"], env={"CRTOKEN_REGISTRIES": "ok.example,bad..example"}), 2,
           "CRTOKEN_REGISTRIES")
    expect(E.run(["--registry", "icr.io"]), 2, "--registry goes with --format docker")
    r = E.run([], env={"CRTOKEN_REGISTRIES": "bad..example"})
    expect(r, 0)  # only read for docker


@test
def exec_docker_auth_config_in_the_environment():
    r = E.run(["exec", "-f", "docker", "--registry", "icr.io"] + E.base() +
              ["--", sys.executable, "-c", "import os; print(os.environ['DOCKER_AUTH_CONFIG']); "
               "print('IAM_ACCESS_TOKEN' in os.environ, os.environ['IAM_TOKEN_EXPIRATION'])"],
              base=False)
    expect(r, 0)
    lines = r.out.splitlines()
    check(auths(lines[0]) == {"icr.io": ("iambearer", E.issued()[-1])} and
          lines[1].startswith("False "), "DOCKER_AUTH_CONFIG holds the auth file: %r" % r.out[:100])
    r = E.run(["exec", "-f", "docker", "--env", "REG_AUTH"] + E.base() +
              ["--", sys.executable, "-c", "import os; print(os.environ['REG_AUTH'])"], base=False)
    check(r.code == 0 and list(auths(r.out)) == ICR, "--env NAME: %r" % r.out[:80])
    for fmt in ("json", "token"):
        expect(E.run(["exec", "-f", fmt] + E.base() + ["--", "true"], base=False), 2, "exec")
    # exec --watch: FILE and the environment both hold the auth file
    d = tempfile.mkdtemp(dir=E.dir)
    path, rec = os.path.join(d, "auth.json"), os.path.join(d, "rec")
    p = subprocess.Popen(launch() + ["exec", "--watch", "-f", "docker", "-o", path, "--registry",
                                     "127.0.0.1:5000"] + E.base() +
                         ["--", sys.executable, "-c", "import os,time; open(%r,'w').write("
                          "os.environ['DOCKER_AUTH_CONFIG']); time.sleep(30)" % rec],
                         env=child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        check(wait_for(lambda: read(rec), 10), "CMD started")
        check(auths(read(rec)) == auths(read(path)) == {"127.0.0.1:5000": (
            "iambearer", E.issued()[-1])}, "the same auth file in FILE and the environment")
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=15)
        p.stderr.close()


def helper(action, stdin="", env=None, name="docker-credential-crtoken", args=()):
    """Run the credential helper as clients do: no flags, the environment only."""
    link = os.path.join(E.dir, "bin", name or "x")
    if name and not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.abspath(BIN), link)
    e = {"IAM_URL": E.url, "SSL_CERT_FILE": E.ca, "CR_TOKEN_FILENAME": E.crfile,
         "IAM_PROFILE_ID": iam.PROFILE_ID, "CRTOKEN_REGISTRIES": "127.0.0.1:5000 icr.io",
         "CRTOKEN_CACHE": os.path.join(E.dir, "helper-cache.json")}
    e.update(env or {})
    e = {k: v for k, v in e.items() if v is not None}
    cmd = (([RUNNER] if RUNNER else []) + [link] if name else launch()) + list(args) + \
        ([action] if action else [])
    p = subprocess.run(cmd, input=stdin.encode(), env=child_env(e), timeout=30,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    r = Result(p.returncode, p.stdout.decode("utf-8", "replace"),
               p.stderr.decode("utf-8", "replace"), 0)
    for t in E.secrets + E.issued():
        check(t[:40] not in r.err, "a token on the helper's stderr", r)
    return r


@test
def credential_helper_protocol():
    cache = os.path.join(E.dir, "helper-cache.json")
    for f in (cache, cache + ".lock"):
        if os.path.exists(f):
            os.unlink(f)
    n = len(E.requests())
    E.srv.script("expires=600")
    for url in ("127.0.0.1:5000", "https://127.0.0.1:5000", "https://ICR.io/v2/\n", " icr.io\n"):
        r = helper("get", url)
        check(r.code == 0 and r.err == "", "get %r: %r" % (url, r))
        j = json.loads(r.out)
        check(j == {"ServerURL": url.strip(), "Username": "iambearer",
                    "Secret": E.issued()[-1]}, "the answer: %r" % r.out[:120])
    check(len(E.requests()) == n + 1, "one exchange for four gets: %d" % (len(E.requests()) - n))
    st = os.stat(cache)
    check(stat.S_IMODE(st.st_mode) == 0o600, "cache 0600")
    c = json.load(open(cache))
    check(c["access_token"] == E.issued()[-1] and re.match("^[0-9a-f]{64}$", c["for"]),
          "cache holds the token and what it is for (a SHA-256): %r" % c.get("for"))
    # another profile: the cache is not for it
    r = helper("get", "icr.io", env={"IAM_PROFILE_ID": None, "IAM_PROFILE_NAME": "other"})
    check(len(E.requests()) == n + 2 and last_form().get("profile_name") == "other",
          "another profile exchanges anew: %r" % r)
    # not a configured registry: the protocol's answer
    for url in ("docker.io", "https://index.docker.io/v1/", "", "icr.io.evil.example",
                "evil.example/icr.io"):
        r = helper("get", url)
        check(r.code == 1 and r.out == "credentials not found in native keychain\n",
              "get %r: not found: %r" % (url, r))
    r = helper("list")
    check(r.code == 0 and json.loads(r.out) == {"127.0.0.1:5000": "iambearer",
                                                 "icr.io": "iambearer"}, "list: %r" % r)
    r = helper("list", env={"CRTOKEN_REGISTRIES": None})
    check(r.code == 0 and list(json.loads(r.out)) == ICR, "list: the ICR default: %r" % r)
    for a in ("store", "erase"):
        r = helper(a, '{"ServerURL":"icr.io","Username":"u","Secret":"s"}')
        check(r.code == 0 and r.out == "", "%s accepted, nothing changes: %r" % (a, r))
    check(json.load(open(cache))["access_token"] == E.issued()[-1], "cache untouched")
    r = helper("frob")
    check(r.code == 2 and "unknown action" in r.out, "unknown action: %r" % r)
    # the crtoken form
    r = helper("get", "icr.io", name=None, args=["credential-helper"])
    check(r.code == 0 and json.loads(r.out)["Secret"] == E.issued()[-1], "crtoken credential-helper")
    # failures: the error on stdout, crtoken's class
    os.unlink(cache)
    r = helper("get", "icr.io", env={"CR_TOKEN_FILENAME": "/nonexistent/token"})
    check(r.code == 3 and r.out.startswith("crtoken: ") and "/nonexistent/token" in r.out,
          "exit 3, said on stdout: %r" % r)
    E.srv.script("status=400")
    r = helper("get", "icr.io")
    check(r.code == 10 and "HTTP 400" in r.out and not os.path.exists(cache),
          "exit 10, no cache: %r" % r)


@test
def credential_helper_cache_rules():
    d = tempfile.mkdtemp(dir=E.dir)
    cache = os.path.join(d, "cache.json")
    env = {"CRTOKEN_CACHE": cache}
    E.srv.script("expires=600")
    n = len(E.requests())
    check(helper("get", "icr.io", env=env).code == 0 and len(E.requests()) == n + 1, "first")
    tok = E.issued()[-1]
    # a token with 60 s or less left is not reused
    E.srv.script("expires=50")
    os.unlink(cache)
    check(helper("get", "icr.io", env=env).code == 0, "short token")
    short = E.issued()[-1]
    E.srv.script("expires=600")
    r = helper("get", "icr.io", env=env)
    check(len(E.requests()) == n + 3 and json.loads(r.out)["Secret"] == E.issued()[-1] != short,
          "a token expiring within 60 s is exchanged again")
    # a cache others can read, or a symlink, is not used (and is replaced)
    os.chmod(cache, 0o644)
    helper("get", "icr.io", env=env)
    check(len(E.requests()) == n + 4 and stat.S_IMODE(os.stat(cache).st_mode) == 0o600,
          "a cache readable by others is ignored, then replaced 0600")
    planted = os.path.join(d, "planted.json")
    with open(planted, "w") as f:
        json.dump({"access_token": iam.make_jwt({"exp": int(time.time()) + 900}),
                   "expiration": int(time.time()) + 900, "for": json.load(open(cache))["for"]}, f)
    os.chmod(planted, 0o600)
    os.unlink(cache)
    os.symlink(planted, cache)
    r = helper("get", "icr.io", env=env)
    check(len(E.requests()) == n + 5 and json.loads(r.out)["Secret"] == E.issued()[-1],
          "a symlinked cache is not followed: %r" % r.out[:80])
    # many helpers at once: one exchange
    os.unlink(cache)
    procs = [subprocess.Popen(([RUNNER] if RUNNER else []) +
                              [os.path.join(E.dir, "bin", "docker-credential-crtoken"), "get"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL,
                              env=child_env({"IAM_URL": E.url, "SSL_CERT_FILE": E.ca,
                                             "CR_TOKEN_FILENAME": E.crfile,
                                             "IAM_PROFILE_ID": iam.PROFILE_ID,
                                             "CRTOKEN_CACHE": cache}))
             for _ in range(8)]
    outs = [p.communicate(b"icr.io", timeout=30)[0] for p in procs]
    check(all(p.returncode == 0 for p in procs) and len(E.requests()) == n + 6 and
          len({json.loads(o)["Secret"] for o in outs}) == 1,
          "8 helpers at once: one exchange, one token (%d)" % (len(E.requests()) - n - 5))
    # a file a watch keeps (any format): used instead of an exchange while valid
    kept = os.path.join(d, "kept")
    expect(E.run(["-f", "header", "-o", kept]), 0)
    os.unlink(cache)
    r = helper("get", "icr.io", env=dict(env, CRTOKEN_ACCESS_TOKEN_FILE=kept))
    check(len(E.requests()) == n + 7 and json.loads(r.out)["Secret"] == E.issued()[-1] and
          not os.path.exists(cache), "the kept file's token, no exchange")
    with open(kept, "w") as f:
        f.write(iam.make_jwt({"exp": int(time.time()) + 30}) + "\n")
    r = helper("get", "icr.io", env=dict(env, CRTOKEN_ACCESS_TOKEN_FILE=kept))
    check(len(E.requests()) == n + 8 and json.loads(r.out)["Secret"] == E.issued()[-1],
          "a kept token expiring within 60 s: exchanged")
    # no cache place at all: still answers
    r = helper("get", "icr.io", env={"CRTOKEN_CACHE": None, "HOME": None, "XDG_RUNTIME_DIR": None})
    check(r.code == 0 and json.loads(r.out)["Secret"] == E.issued()[-1], "no cache: %r" % r)
    r = helper("get", "icr.io", env={"CRTOKEN_CACHE": None, "HOME": None, "XDG_RUNTIME_DIR": d})
    check(r.code == 0 and os.path.exists(os.path.join(d, "crtoken-cache.json")),
          "the default cache in XDG_RUNTIME_DIR")


@test
def credential_helper_hostile_places_and_inputs():
    """After an adversarial review: plants in a shared directory, odd URLs, slots."""
    d = tempfile.mkdtemp(dir=E.dir)
    os.chmod(d, 0o777)  # an emptyDir
    cache = os.path.join(d, "cache.json")
    env = {"CRTOKEN_CACHE": cache}
    E.srv.script("expires=600")
    # a FIFO planted at the cache path by another user is replaced, never written into
    os.mkfifo(cache, 0o622)
    got = []
    fd = os.open(cache, os.O_RDONLY | os.O_NONBLOCK)
    try:
        r = helper("get", "icr.io", env=env)
        time.sleep(0.2)
        try:
            got.append(os.read(fd, 65536))
        except BlockingIOError:
            got.append(b"")
    finally:
        os.close(fd)
    check(r.code == 0 and got == [b""], "nothing written into the FIFO: %r %r" % (r, got))
    st = os.lstat(cache)
    check(stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600,
          "the FIFO replaced by the 0600 cache")
    # a symlink planted there: replaced, its target untouched
    target = os.path.join(d, "target")
    with open(target, "w") as f:
        f.write("theirs\n")
    os.unlink(cache)
    os.symlink(target, cache)
    r = helper("get", "icr.io", env=env)
    check(r.code == 0 and open(target).read() == "theirs\n" and
          stat.S_ISREG(os.lstat(cache).st_mode), "the symlink replaced, not followed")
    # a lock file someone else owns and holds: not waited for
    if ROOT:
        lock = cache + ".lock"
        os.unlink(cache)
        if os.path.exists(lock):
            os.unlink(lock)
        with open(lock, "w"):
            pass
        os.chown(lock, 65534, 65534)
        os.chmod(lock, 0o666)
        holder = subprocess.Popen([sys.executable, "-c", "import fcntl,sys,time; "
                                   "f=open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX); "
                                   "print('held', flush=True); time.sleep(20)", lock],
                                  stdout=subprocess.PIPE)
        try:
            holder.stdout.readline()
            t0 = time.monotonic()
            r = helper("get", "icr.io", env=env, args=())
            check(r.code == 0 and time.monotonic() - t0 < 3,
                  "a planted lock is not waited for: %r %.1fs" % (r, time.monotonic() - t0))
        finally:
            holder.kill()
            holder.wait()
    # a scheme only at the start
    for url in ("evil.example:5000/v2/://icr.io/", "evil.example://icr.io", "ftp://icr.io"):
        r = helper("get", url, env=env)
        check(r.code == 1 and r.out == "credentials not found in native keychain\n",
              "%r: not found: %r" % (url, r))
    # the URL echoed only when printable ASCII
    r = helper("get", "icr.io/\xe9\x01", env=env)
    check(r.code == 0 and json.loads(r.out)["ServerURL"] == "icr.io", "ServerURL: %r" % r.out)
    # every source tried still leaves room to redact the error (no "withheld")
    kept = os.path.join(d, "kept")
    with open(kept, "w") as f:
        f.write(iam.make_jwt({"exp": int(time.time()) + 30}) + "\n")
    os.unlink(cache)
    r = helper("get", "icr.io", env=dict(env, CRTOKEN_ACCESS_TOKEN_FILE=kept,
                                         HTTPS_PROXY="http://user:secretpassword@127.0.0.1:9"))
    check(r.code == 5 and r.out.startswith("crtoken: ") and "withheld" not in r.out and
          "secretpassword" not in r.out + r.err, "the proxy's error, said: %r" % r)
    # a long scope: the cache still serves it
    n = len(E.requests())
    for _ in range(3):
        helper(None, "icr.io", args=["credential-helper", "get", "--scope", "s" * 900],
               name=None, env=env)
    check(len(E.requests()) == n + 1, "one exchange with a 900-byte scope: %d"
          % (len(E.requests()) - n))
    # configuration errors reach stdout; store, erase and list need no profile
    r = helper("get", "icr.io", env={"IAM_PROFILE_ID": None})
    check(r.code == 2 and r.out.startswith("crtoken: ") and "profile" in r.out,
          "no profile: said on stdout: %r" % r)
    for a in ("store", "erase", "list"):
        r = helper(a, "{}", env={"IAM_PROFILE_ID": None})
        check(r.code == 0, "%s without a profile: %r" % (a, r))
    r = helper(None, "icr.io", name=None, args=["credential-helper", "get", "-o", "x"])
    check(r.code == 2 and "-o" in r.out, "no -o for the helper: %r" % r)


@test
def exec_docker_environment_too_large():
    regs = sum([["--registry", ("r%02d." % i) + "a" * 60 + ".example"] for i in range(16)], [])
    big = iam.make_jwt({"exp": int(time.time()) + 600, "pad": "x" * 7000})
    r = E.run(["exec", "-f", "docker"] + regs + E.base() + ["--", "true"], base=False,
              script=["access=" + big])
    expect(r, 14, "over the 131072 the kernel takes", "fewer --registry")
    r = E.run(["exec", "-f", "docker"] + regs[:4] + E.base() + ["--", "true"], base=False,
              script=["access=" + big])
    expect(r, 0)  # the same token for 2 registries fits


@test
def log_json_forwarded_signals_each_at_once():
    """During a hanging refresh: each forwarded signal is a line of its own, at once."""
    s = Supervised(["--log", "json", "--timeout", "20"], ["expires=3", "resp=hang"])
    check(s.wait_for(lambda: s.starts(), 10), "started")
    time.sleep(3.0)  # the refresh at 2.4 s hangs
    sent = []
    for _ in range(3):
        s.p.send_signal(signal.SIGUSR1)
        sent.append(time.time())
        time.sleep(0.3)
    check(s.wait_for(lambda: sum(l.startswith("sig ") and l.split()[2] == "10"
                                 for l in s.lines()) == 3, 5), "three USR1 reached CMD")
    code = s.end()
    fw = [j for j in events(jlog(s.err), "signal") if j["signal"] == 10]
    t = [calendar.timegm(time.strptime(j["time"][:19], "%Y-%m-%dT%H:%M:%S")) +
         int(j["time"][20:23]) / 1000 for j in fw]
    check(len(fw) == 3 and all(abs(a - b) < 1.5 for a, b in zip(t, sent)),
          "a line per signal, when it came: %r %r" % (fw, sent))
    check(code == 0, "exit 0: %s" % code)


@test
def log_json_prescan_and_probe():
    r = E.run(["--log", "json", "--log=text", "--bogus"])
    check(r.code == 2 and r.err.startswith("crtoken: "), "the last --log wins: %r" % r.err)
    r = E.run(["--log=text", "--log", "json", "--bogus"])
    check(r.code == 2 and json.loads(r.err)["code"] == 2, "the last --log wins: %r" % r.err)
    r = E.run(["probe", "/nonexistent/x", "--log", "json"], base=False)
    j = json.loads(r.err)
    check(r.code == 3 and j["event"] == "error" and j["code"] == 3, "probe --log json: %r" % r.err)


@test
def expiration_from_jwt_when_iam_omits_it():
    r = E.run(["-f", "json"], script=["noexp expires=1234"])
    expect(r, 0)
    j = json.loads(r.out)
    check(abs(j["expiration"] - (time.time() + 1234)) < 120, "exp claim used", r)
    check(abs(j["expires_in"] - 1234) < 120, "expires_in derived", r)


@test
def profiles_all_forms():
    for args, field, value in [
            (["--profile-name", iam.PROFILE_NAME], "profile_name", iam.PROFILE_NAME),
            (["--profile-crn", iam.PROFILE_CRN], "profile_crn", iam.PROFILE_CRN),
            (["--profile", iam.PROFILE_ID], "profile_id", iam.PROFILE_ID),
            (["--profile", iam.PROFILE_CRN], "profile_crn", iam.PROFILE_CRN),
            (["--profile", iam.PROFILE_NAME], "profile_name", iam.PROFILE_NAME)]:
        base = ["--url", E.url, "--cacert", E.ca, "--token-file", E.crfile]
        r = E.run(base + args, base=False)
        expect(r, 0)
        f = last_form()
        check(f.get(field) == value and len([k for k in f if k.startswith("profile")]) == 1,
              "%s sent as %s only: %r" % (args, field, f), r)


@test
def profiles_from_environment_and_all_sent():
    base = ["--url", E.url, "--cacert", E.ca, "--token-file", E.crfile]
    r = E.run(base, base=False, env={"IAM_PROFILE_ID": iam.PROFILE_ID,
                                     "IAM_PROFILE_NAME": iam.PROFILE_NAME})
    expect(r, 0)
    f = last_form()
    check(f.get("profile_id") == iam.PROFILE_ID and f.get("profile_name") == iam.PROFILE_NAME,
          "both profile fields sent: %r" % f)
    r = E.run(base, base=False, env={"IBMCLOUD_CR_PROFILE": iam.PROFILE_CRN})
    expect(r, 0)
    check(last_form().get("profile_crn") == iam.PROFILE_CRN, "IBMCLOUD_CR_PROFILE as CRN")
    r = E.run(base, base=False, env={"IAM_PROFILE_CRN": iam.PROFILE_CRN})
    expect(r, 0)


@test
def flag_beats_environment():
    r = E.run([], env={"IAM_PROFILE_ID": "Profile-wrong", "IAM_URL": "https://nowhere.invalid",
                       "CR_TOKEN_FILENAME": "/nonexistent", "SSL_CERT_FILE": "/nonexistent"})
    expect(r, 0)
    check(last_form()["profile_id"] == iam.PROFILE_ID, "the flag's profile id was sent")


@test
def environment_fallbacks():
    r = E.run(["--profile-id", iam.PROFILE_ID], base=False,
              env={"IAM_URL": E.url + "/identity/token/", "SSL_CERT_FILE": E.ca,
                   "CR_TOKEN_FILENAME": E.crfile})
    expect(r, 0)
    check(E.requests()[-1]["path"] == "/identity/token", "URL suffix not doubled")


@test
def empty_environment_is_unset():
    r = E.run(["--url", E.url, "--cacert", E.ca, "--token-file", E.crfile], base=False,
              env={"IAM_PROFILE_ID": "", "IAM_PROFILE_NAME": ""})
    expect(r, 2, "no trusted profile")


@test
def url_path_prefix_kept():
    r = E.run(["--url", E.url + "/prefix/"], script=["status=404 code=BXNIM0404E"])
    check(E.requests()[-1]["path"] == "/prefix/identity/token", "path prefix kept")
    expect(r, 10, "HTTP 404")


@test
def url_without_scheme_means_https():
    """A bare HOST[:PORT][/identity/token] is an https URL, never clear text."""
    for url in ["localhost:%d" % E.srv.port, "localhost:%d/identity/token" % E.srv.port]:
        r = E.run(["--url", url])
        expect(r, 0)
        req = E.requests()[-1]
        check(req["path"] == "/identity/token", "path %r" % req["path"], r)
        check(req["headers"].get("host") == "localhost:%d" % E.srv.port,
              "Host header %r" % req["headers"].get("host"), r)
    r = E.run(["--url", "http://localhost:%d" % E.srv.port])
    expect(r, 2, "only https://")


@test
def token_file_trimmed():
    path = E.write("cr-spaces", "\n\t  " + E.cr + "  \r\n\n")
    E.write("state/expect_cr", E.cr)
    try:
        r = E.run(["--token-file", path])
        expect_token(r, "the issued token")
        check(last_form()["cr_token"] == E.cr, "whitespace trimmed")
    finally:
        os.unlink(os.path.join(E.state, "expect_cr"))


@test
def token_file_at_the_64k_cap():
    pad = 65536 - len(E.cr)
    path = E.write("cr-64k", " " * (pad // 2) + E.cr + " " * (pad - pad // 2))
    check(os.path.getsize(path) == 65536, "file is exactly 64 KiB")
    r = E.run(["--token-file", path])
    expect_token(r, "the issued token")
    path = E.write("cr-64k1", " " * (pad // 2) + E.cr + " " * (pad - pad // 2 + 1))
    expect(E.run(["--token-file", path]), 3, "larger than 65536")


@test
def verbose_says_what_it_does_without_tokens():
    r = E.run(["-v"])
    expect(r, 0)
    for n in ["CR token from", "resolving localhost", "TLS 1.2", "HTTP 200"]:
        check(n in r.err, "-v mentions %r" % n, r)
    out = os.path.join(tempfile.mkdtemp(dir=E.dir), "token")
    r = E.run(["-v", "-o", out, "--mode", "0640"])
    expect(r, 0)
    check("wrote %s (mode 0640)" % out in r.err and "%?" not in r.err, "-v says the mode", r)


@test
def output_file_atomic_with_mode():
    d = tempfile.mkdtemp(dir=E.dir)
    out = os.path.join(d, "token")
    r = E.run(["-o", out], env={})
    expect(r, 0)
    check(r.out == "", "nothing on stdout with -o", r)
    check(open(out).read() == E.issued()[-1] + "\n", "file holds the token")
    check(stat.S_IMODE(os.stat(out).st_mode) == 0o600, "default mode 0600")
    r = E.run(["--output", out, "--mode", "0640", "-f", "env"])
    expect(r, 0)
    check(stat.S_IMODE(os.stat(out).st_mode) == 0o640, "mode 0640 exactly")
    check(os.listdir(d) == ["token"], "no temporary file left: %r" % os.listdir(d))
    good = open(out).read()
    r = E.run(["-o", out], script=["status=503"])
    expect(r, 12)
    check(open(out).read() == good, "a failed run keeps the previous file")
    check(os.listdir(d) == ["token"], "no temporary file left after a failure")


@test
def output_mode_is_exact_whatever_the_umask():
    d = tempfile.mkdtemp(dir=E.dir)
    out = os.path.join(d, "token")
    old = os.umask(0o077)
    try:
        r = E.run(["-o", out, "--mode", "644"])
    finally:
        os.umask(old)
    expect(r, 0)
    check(stat.S_IMODE(os.stat(out).st_mode) == 0o644, "0644 despite umask 077")


@test
def output_replaces_a_symlink_without_following_it():
    d = tempfile.mkdtemp(dir=E.dir)
    victim = E.write("victim", "precious\n")
    link = os.path.join(d, "token")
    os.symlink(victim, link)
    expect(E.run(["-o", link]), 0)
    check(read(link) == E.issued()[-1] + "\n", "FILE holds the issued token")
    check(open(victim).read() == "precious\n", "the symlink's target is untouched")
    check(not os.path.islink(link), "the link itself was replaced by the file")


@test
def output_dash_is_stdout():
    r = E.run(["-o", "-"])
    expect(r, 0)
    check(r.out.strip() == E.issued()[-1], "token on stdout", r)


@test
def help_and_version():
    r = E.run(["--help"], base=False)
    expect(r, 0)
    check("usage: crtoken" in r.out and "14  could not write the output" in r.out,
          "usage and exit codes on stdout", r)
    r = E.run(["-h"], base=False)
    expect(r, 0)
    r = E.run(["--version"], base=False)
    expect(r, 0)
    check(r.out.startswith("crtoken ") and "BearSSL" in r.out and "embedded roots" in r.out,
          "versions and root count", r)


@test
def exit_table_same_in_help_readme_and_man():
    help_text = E.run(["--help"], base=False).out
    codes = {}
    for line in help_text.splitlines():
        p = line.split(None, 1)
        if len(p) == 2 and p[0].isdigit() and line.startswith(" "):
            codes[int(p[0])] = p[1].split(" (")[0].split(":")[0]
    check(sorted(codes) == list(range(15)), "help lists codes 0-14: %r" % sorted(codes))
    top = os.path.dirname(HERE)
    readme = open(os.path.join(top, "README.md")).read()
    man = open(os.path.join(top, "crtoken.1")).read()
    for c, text in codes.items():
        check("| %d | %s" % (c, text) in readme, "README row for %d: %r" % (c, text))
        check(".It %d\n%s" % (c, text) in man or ".TP\n.B %d\n%s" % (c, text) in man,
              "man page entry for %d: %r" % (c, text))


# ---------------------------------------------------------------- usage: 2

@test
def usage_errors():
    cases = [
        ([], "no trusted profile", False),
        (["--bogus"], "unknown option --bogus", True),
        (["-x"], "unknown option -x", True),
        (["--url"], "needs a value", True),
        (["extra"], "unexpected argument", True),
        (["--url", "http://localhost:1"], "only https://", True),
        (["--url", "ftp://localhost"], "only https://", True),
        (["--url", "localhost:"], "bad URL", True),
        (["--url", "localhost:1//identity/token"], "bad URL", True),
        (["--url", "https://localhost/?a=b"], "query", True),
        (["--url", "https://user@localhost"], "user information", True),
        (["--url", "https://localhost:99999"], "port", True),
        (["--url", "https://[fd00::zz]"], "bad URL", True),
        (["--private", "--region", "mars-1"], "--region mars-1", True),
        (["--region", "us-south"], "goes with --private", True),
        (["--retries", "x"], "--retries", True),
        (["--retries", "101"], "--retries", True),
        (["--connect-timeout", "0"], "--connect-timeout", True),
        (["--proxy", "https://localhost:1"], "only http://", True),
        (["--proxy", "socks5://localhost:1"], "only http://", True),
        (["--proxy", "http://localhost:1/path"], "path", True),
        (["--proxy", "http://localhost:0"], "port", True),
        (["--proxy", "http://u:%zz@localhost:1"], "user:password", True),
        (["--mode", "0800"], "--mode", True),
        (["--mode", "abc"], "--mode", True),
        (["--mode", "1777"], "--mode", True),
        (["--format", "yaml"], "--format yaml", True),
        (["--timeout", "0"], "--timeout", True),
        (["--timeout", "-1"], "--timeout", True),
        (["--timeout", "soon"], "--timeout", True),
        (["--profile-id", ""], "empty", True),
        (["--profile", "Profile-other"], "conflicts", True),
        (["--scope", "a\nb"], "control character", True),
        (["--cacert", "/nonexistent/ca.pem"], "--cacert", True),
        (["-v", "--help=x"], "takes no value", True),
    ]
    for args, needle, base in cases:
        r = E.run(args, base=base)
        expect(r, 2, needle)
    # check turns each into a failed step of its report, text and JSON alike
    for args, needle, base in cases:
        if "--help=x" in args:
            continue
        for js in ([], ["--json"]):
            pre = E.base() if base else ["--token-file", E.crfile, "--url", E.url,
                                         "--cacert", E.ca]
            r = E.run(["check"] + js + pre + args, base=False)
            check(r.code == 2 and r.err == "", "check %r: exit 2, nothing on stderr" % args, r)
            if js:
                j = json.loads(r.out)
                failed = [x for x in j["steps"] if x["status"] == "fail"]
                check(j["exit"] == 2 and failed and needle in failed[0]["detail"],
                      "check --json %r: %r in the first failed step" % (args, needle), r)
            else:
                fl = [l for l in r.out.splitlines() if l.startswith("\u2717")]
                check(fl and needle in fl[0], "check %r: %r in the first failed step" %
                      (args, needle), r)


@test
def cacert_without_certificates_is_usage():
    path = E.write("nocert.pem", "just text\n")
    expect(E.run(["--cacert", path]), 2, "no certificate")
    key = os.path.join(E.pki, "rsa.key")
    expect(E.run(["--cacert", key]), 2, "no certificate")
    path = E.write("badpem.pem", "-----BEGIN CERTIFICATE-----\nnot base64!!\n"
                   "-----END CERTIFICATE-----\n")
    expect(E.run(["--cacert", path]), 2, "--cacert")


@test
def usage_error_sends_nothing():
    n = len(E.requests())
    E.run(["--mode", "9"])
    check(len(E.requests()) == n, "no request on a usage error")


# ---------------------------------------------------------------- token file: 3

@test
def token_file_errors():
    big = E.write("big", "a.b." + "c" * 70000)
    cases = [
        ("/nonexistent/token", "No such file"),
        (E.write("empty", ""), "empty"),
        (E.write("blank", " \n\t\n"), "empty"),
        (big, "larger than 65536"),
        (E.write("twoparts", "aaaa.bbbb\n"), "not a JWT"),
        (E.write("fourparts", "aaaa.bbbb.cccc.dddd\n"), "not a JWT"),
        (E.write("badchars", "aa+a.bbbb.cc/c\n"), "not a JWT"),
        (E.write("inner-space", "aaaa.bb bb.cccc\n"), "not a JWT"),
        (E.write("nul", b"aaaa.bb\0b.cccc\n"), "not a JWT"),
        (E.dir, "directory"),
    ]
    for path, needle in cases:
        expect(E.run(["--token-file", path]), 3, needle)


# ---------------------------------------------------------------- internal: 1

@test
def internal_error_when_the_kernel_gives_no_entropy():
    """Exit 1 for real: a seccomp filter makes getrandom(2) fail, as in a
    sandbox whose profile predates it. TLS needs a seed, so the run stops
    before connecting; and nothing reaches the stand-in."""
    deny = harness.deny_getrandom()
    if deny is None:
        return "skip: no seccomp table for this host"
    try:
        subprocess.run(["true"], preexec_fn=deny, timeout=10, check=True)
    except (subprocess.SubprocessError, OSError) as e:
        return "skip: cannot install a seccomp filter here (%s)" % e
    before = len(E.requests())
    r = E.run(["-v"], preexec=deny)
    expect(r, 1, "TLS: no entropy", "Operation not permitted", "hint: ", "getrandom")
    check(r.out == "", "nothing on stdout", r)
    check(len(E.requests()) == before, "no request reached the stand-in", r)
    r = E.run([])      # the same run without the filter works: the filter was the cause
    expect(r, 0)


# ---------------------------------------------------------------- network: 5, 9

@test
def connection_refused():
    port = free_port()
    r = E.run(["--url", "https://localhost:%d" % port])
    expect(r, 5, "connect to", "refused")


@test
def deadline_before_tls():
    r = E.run(["--timeout", "2"], script=["tls=hang"])
    expect(r, 9, "deadline")
    check(1.5 <= r.secs <= 8, "ended near the 2 s deadline (%.2fs)" % r.secs, r)


@test
def deadline_after_request():
    r = E.run(["--timeout", "2"], script=["resp=hang"])
    expect(r, 9, "deadline")
    check(1.5 <= r.secs <= 8, "ended near the 2 s deadline (%.2fs)" % r.secs, r)


@test
def deadline_dribbled_response():
    r = E.run(["--timeout", "1.5"], script=["resp=dribble"])
    expect(r, 9, "deadline")
    check(1.0 <= r.secs <= 8, "ended near the 1.5 s deadline (%.2fs)" % r.secs, r)


# ---------------------------------------------------------------- TLS: 7, 8

@test
def tls_handshake_failures():
    expect(E.run([], script=["tls=tls13"]), 7, "protocol_version")
    expect(E.run([], script=["tls=cbc"]), 7, "handshake_failure")
    expect(E.run([], script=["tls=close"]), 7, "mid-handshake")


@test
def certificate_rejections():
    expect(E.run([], script=["cert=expired"]), 8, "BR_ERR_X509_EXPIRED")
    expect(E.run([], script=["cert=wrongname"]), 8, "BR_ERR_X509_BAD_SERVER_NAME")
    expect(E.run([], script=["cert=rogue"]), 8, "BR_ERR_X509_NOT_TRUSTED")


@test
def embedded_roots_do_not_trust_the_test_ca():
    args = ["--url", E.url, "--token-file", E.crfile, "--profile-id", iam.PROFILE_ID]
    expect(E.run(args, base=False), 8, "BR_ERR_X509_NOT_TRUSTED", "--cacert")


# ---------------------------------------------------------------- IAM: 10, 11, 12

@test
def iam_rejects_wrong_profile():
    r = E.run(["--profile-id", "Profile-00000000-dead-beef-0000-000000000000"], base=False,
              env={"IAM_URL": E.url, "SSL_CERT_FILE": E.ca, "CR_TOKEN_FILENAME": E.crfile})
    expect(r, 10, "HTTP 400", "BXNIM0398E", "not permitted", "requestId req-",
           "hint", "system:serviceaccount:default:crtoken")


@test
def iam_rejects_bad_cr_tokens():
    for tok, needle in [(iam.cr_token(aud=["kubernetes"]), "audience"),
                        (iam.cr_token(lifetime=7200), "3600"),
                        (iam.cr_token(iat=int(time.time()) - 4000), "expired")]:
        E.secrets.append(tok)
        path = E.write("crbad", tok)
        expect(E.run(["--token-file", path]), 10, "BXNIM0407E", needle)


@test
def iam_status_classes():
    expect(E.run([], script=["status=401"]), 10, "HTTP 401")
    expect(E.run([], script=["status=429"]), 11, "HTTP 429", "rate limit")
    expect(E.run([], script=["status=500"]), 12, "HTTP 500")
    expect(E.run([], script=["status=503"]), 12, "HTTP 503", "requestId")
    expect(E.run([], script=["resp=html"]), 12, "HTTP 503", "not IAM's JSON", "text/html")


# ---------------------------------------------------------------- retries

def waits(r):
    """The waits between attempts that -v reported, in ms."""
    return [int(l.split("waiting ")[1].split(" ms")[0]) for l in r.err.splitlines()
            if "waiting " in l and " ms" in l]


def counted(args, script, **kw):
    """Run; return the result, the requests and the connections it made."""
    n, c = len(E.requests()), E.connections()
    r = E.run(args, script=script, **kw)
    return r, len(E.requests()) - n, E.connections() - c


@test
def retry_503_503_then_200():
    r, reqs, _ = counted(["--retries", "4", "-v"], ["status=503", "status=503", "resp=ok"])
    expect(r, 0, "attempt 1 of 5 failed", "attempt 2 of 5 failed", "waiting")
    check(reqs == 3, "three requests: %d" % reqs, r)
    check(r.out.strip() == E.issued()[-1], "the token of the third attempt", r)
    # full jitter: the first wait is at most 0.5 s, the second at most 1 s
    w = waits(r)
    check(len(w) == 2 and w[0] <= 500 and w[1] <= 1000,
          "jittered waits within 0.5 and 1 s: %r ms" % w, r)


@test
def retry_after_is_honoured():
    r, reqs, _ = counted(["--retries", "4", "-v"], ["status=429 retry=1", "resp=ok"])
    expect(r, 0, "Retry-After")
    check(reqs == 2, "two requests: %d" % reqs, r)
    check(1.0 <= r.secs <= 3.5, "waited the second IAM asked for (%.2fs)" % r.secs, r)


@test
def retry_after_http_date():
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 2))
    r, reqs, _ = counted(["--retries", "1"], ["status=503 retry=" + when.replace(" ", "_"),
                                              "resp=ok"])
    expect(r, 0)
    check(reqs == 2 and 0.9 <= r.secs <= 4, "waited until the date (%.2fs)" % r.secs, r)


@test
def retry_after_past_the_deadline_ends_now():
    r, reqs, _ = counted(["--retries", "4", "--timeout", "3"], ["status=429 retry=100"])
    expect(r, 11, "HTTP 429")
    check(reqs == 1 and r.secs < 2, "no wait that cannot end before --timeout (%.2fs)"
          % r.secs, r)


@test
def rate_limit_forever_ends_within_timeout():
    r, reqs, _ = counted(["--retries", "30", "--timeout", "4"], ["status=429"])
    expect(r, 11, "HTTP 429")
    check(r.secs <= 4.5, "within --timeout (%.2fs)" % r.secs, r)
    check(reqs >= 2, "retried at least once: %d" % reqs, r)


@test
def server_error_forever_exhausts_the_retries():
    r, reqs, _ = counted(["--retries", "2"], ["status=500 retry=0"])
    expect(r, 12, "HTTP 500")
    check(reqs == 3, "1 + 2 retries: %d" % reqs, r)


@test
def default_is_four_retries():
    r, reqs, _ = counted(["--url", E.url, "--cacert", E.ca, "--token-file", E.crfile,
                          "--profile-id", iam.PROFILE_ID], ["status=503 retry=0"], base=False)
    expect(r, 12)
    check(reqs == 5, "1 + 4 retries by default: %d" % reqs, r)


@test
def permanent_classes_are_not_retried():
    r, reqs, _ = counted(["--retries", "4"], ["status=400"])
    expect(r, 10)
    check(reqs == 1, "a 400 is final: %d requests" % reqs, r)
    r, _, conns = counted(["--retries", "4"], ["tls=tls13"])
    expect(r, 7, "protocol_version")
    check(conns == 1, "a TLS alert is final: %d connections" % conns, r)
    r, _, conns = counted(["--retries", "4"], ["cert=expired"])
    expect(r, 8)
    check(conns == 1, "a certificate verdict is final: %d connections" % conns, r)
    r, reqs, _ = counted(["--retries", "4"], ["resp=garbage"])
    expect(r, 13)
    check(reqs == 1, "an invalid response is final: %d" % reqs, r)


@test
def tls_io_error_is_retried():
    r, _, conns = counted(["--retries", "2"], ["tls=close", "resp=ok"])
    expect(r, 0)
    check(conns == 2, "closed mid-handshake, then success: %d connections" % conns, r)


@test
def connection_refused_is_retried_within_bounds():
    port = free_port()
    r = E.run(["--url", "https://localhost:%d" % port, "--retries", "3", "-v"])
    expect(r, 5, "refused")
    check(r.err.count("attempt ") == 3, "three failed attempts before the last", r)
    w = waits(r)
    check(len(w) == 3 and w[0] <= 500 and w[1] <= 1000 and w[2] <= 2000,
          "jittered waits within 0.5, 1 and 2 s: %r ms" % w, r)


# ---------------------------------------------------------------- watch

class Watch:
    """crtoken watch in the background; stop() (or leaving a with block) sends SIGTERM."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __init__(self, extra=(), script=None):
        self.dir = tempfile.mkdtemp(dir=E.dir, prefix="watch-")
        self.file = os.path.join(self.dir, "token")
        self.ready = os.path.join(self.dir, "ready")
        self.err = open(os.path.join(self.dir, "stderr"), "w+")
        E.srv.script(*(script or ()))
        self.p = subprocess.Popen(launch() + ["watch"] + E.base() + ["-o", self.file, "--ready-file",
                                  self.ready] + list(extra), env=child_env(),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=self.err)

    def log(self):
        self.err.seek(0)
        return self.err.read()

    def stop(self):
        if self.err.closed:
            return self.p.returncode, self.final
        if self.p.poll() is None:
            self.p.send_signal(15)
        try:
            code = self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            code = self.p.wait(timeout=5)
        log = self.final = self.log()
        self.err.close()
        for tok in E.secrets + E.issued():
            check(tok[:40] not in log, "a token leaked to the watch log")
        return code, log


@test
def watch_writes_and_refreshes_at_80_percent():
    with Watch(script=["expires=3"]) as w:
        first = wait_for(lambda: read(w.file), 5)
        check(first and first.strip() == E.issued()[-1], "the first token written: %r" % w.log())
        check(os.path.exists(w.ready), "ready file touched after the first write")
        check(stat.S_IMODE(os.stat(w.file).st_mode) == 0o600, "mode 0600")
        t0 = time.monotonic()
        second = wait_for(lambda: read(w.file) != first and read(w.file), 6)
        dt = time.monotonic() - t0
        check(second and second.strip() == E.issued()[-1], "refreshed: %r" % w.log())
        check(1.5 <= dt <= 4.5, "refreshed at about 80%% of 3 s (%.2fs)" % dt)
        check(sorted(os.listdir(w.dir)) == ["ready", "stderr", "token"], "no temporary files")
        code, log = w.stop()
        check(code == 0 and "wrote" in log, "exit 0 on SIGTERM: %r" % log)


@test
def watch_rereads_the_rotated_cr_token():
    with Watch(script=["expires=2"]) as w:
        check(wait_for(lambda: read(w.file), 5), "first write")
        rotated = iam.cr_token()
        E.secrets.append(rotated)
        with open(E.crfile + ".new", "w") as f:
            f.write(rotated)
        os.rename(E.crfile + ".new", E.crfile)	# as the kubelet does: atomically
        try:
            n = len(E.requests())
            check(wait_for(lambda: len(E.requests()) > n, 5), "a refresh happened")
            check(last_form()["cr_token"] == rotated, "the rotated CR token was sent")
        finally:
            with open(E.crfile, "w") as f:
                f.write(E.cr + "\n")


@test
def watch_keeps_the_old_file_while_iam_fails_then_recovers():
    with Watch(script=["expires=2"]) as w:
        good = wait_for(lambda: read(w.file), 5)
        check(good, "first write")
        E.srv.script("status=503")
        end = time.monotonic() + 3
        while time.monotonic() < end:	# bounded: 3 s of sampling
            check(read(w.file) == good, "FILE never partial, empty or replaced while IAM fails")
            time.sleep(0.02)
        check("refresh failed" in w.log() and "HTTP 503" in w.log(), "failures logged: %r" % w.log())
        check(not os.path.exists(w.ready), "ready file removed once the token expired")
        E.srv.script("expires=2")
        check(wait_for(lambda: read(w.file) != good, 8), "recovered: %r" % w.log())
        check(wait_for(lambda: os.path.exists(w.ready), 2), "ready again after recovery")


@test
def watch_sighup_refreshes_now_and_sigterm_exits_0_within_1s():
    with Watch(script=["expires=3600"]) as w:
        first = wait_for(lambda: read(w.file), 5)
        check(first, "first write")
        w.p.send_signal(1)
        check(wait_for(lambda: read(w.file) != first, 3), "SIGHUP refreshed: %r" % w.log())
        t0 = time.monotonic()
        w.p.send_signal(15)
        code = w.p.wait(timeout=5)
        check(code == 0 and time.monotonic() - t0 <= 1.0,
              "SIGTERM: exit %d after %.2fs" % (code, time.monotonic() - t0))


@test
def watch_sigterm_during_an_exchange():
    with Watch(script=["resp=hang"]) as w:
        check(wait_for(lambda: len(E.requests()) > 0 and E.requests()[-1], 5), "request sent")
        time.sleep(0.2)
        t0 = time.monotonic()
        w.p.send_signal(2)	# SIGINT
        code = w.p.wait(timeout=5)
        check(code == 0 and time.monotonic() - t0 <= 1.0, "SIGINT mid-exchange: exit %d" % code)
        check(not os.path.exists(w.file), "nothing written")


@test
def watch_idles_without_spinning():
    with Watch(script=["expires=3600"]) as w:
        check(wait_for(lambda: read(w.file), 5), "first write")

        def cpu():
            with open("/proc/%d/stat" % w.p.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        c0 = cpu()
        time.sleep(2)
        check(cpu() - c0 < 0.05, "idle between refreshes (%.3fs CPU in 2 s)" % (cpu() - c0))


@test
def watch_first_failure_transient_keeps_trying():
    with Watch(script=["status=503", "status=503", "resp=ok"]) as w:
        check(wait_for(lambda: read(w.file), 8), "written after transient failures: %r" % w.log())
        check(w.p.poll() is None, "still running")


@test
def watch_first_failure_permanent_exits():
    d = tempfile.mkdtemp(dir=E.dir)
    out = os.path.join(d, "token")
    r = E.run(["watch", "-o", out, "--url", E.url, "--cacert", E.ca, "--token-file", E.crfile,
               "--profile-id", "Profile-wrong"], base=False, timeout=10)
    expect(r, 10, "BXNIM0398E")
    r = E.run(["watch", "-o", out, "--token-file", "/nonexistent"] + E.base()[:4] +
              ["--profile-id", iam.PROFILE_ID], base=False, timeout=10)
    expect(r, 3, "/nonexistent")
    r = E.run(["watch", "-o", out] + E.base(), script=["cert=rogue"], base=False, timeout=10)
    expect(r, 8, "BR_ERR_X509_NOT_TRUSTED")
    r = E.run(["watch", "-o", "/nonexistent/dir/token"] + E.base(), base=False, timeout=10)
    expect(r, 14, "/nonexistent/dir/token")
    r = E.run(["watch"] + E.base(), base=False)
    expect(r, 2, "-o FILE")
    r = E.run(["watch", "-o", "-"] + E.base(), base=False)
    expect(r, 2, "-o FILE")
    check(os.listdir(d) == [], "nothing written")


# ---------------------------------------------------------------- exec

@test
def exec_gives_the_token_in_the_environment_only():
    d = tempfile.mkdtemp(dir=E.dir)
    out = os.path.join(d, "child")
    r = E.run(["exec"] + E.base() + ["--", "/bin/sh", "-c",
               'printf "%s\n%s\n%s\n%s\n" "$IAM_ACCESS_TOKEN" "$IAM_TOKEN_EXPIRATION" '
               '"$$" "$*" > "$0"; tr "\\0" " " < /proc/$$/cmdline >> "$0"', out, "a", "b"],
              base=False, env={"IAM_ACCESS_TOKEN": "stale"})
    expect(r, 0)
    lines = read(out).split("\n")
    check(lines[0] == E.issued()[-1], "the child sees IAM_ACCESS_TOKEN (replaced, not 'stale')")
    check(abs(int(lines[1]) - (time.time() + 3600)) < 120, "IAM_TOKEN_EXPIRATION")
    check(lines[3] == "a b", "arguments passed on: %r" % lines[3])
    check(E.issued()[-1][:20] not in lines[4], "the token is not in the child's argv")


@test
def exec_env_name_and_pid_and_no_leftover_timer():
    d = tempfile.mkdtemp(dir=E.dir)
    out = os.path.join(d, "child")
    E.srv.script()
    p = subprocess.Popen(launch() + ["exec"] + E.base() + ["--env", "MY_TOKEN", "--timeout", "1",
                         "--", "/bin/sh", "-c", 'sleep 1.5; echo "$$ ${#MY_TOKEN} '
                         '${IAM_ACCESS_TOKEN:-unset}" > "$0"', out],
                         env=child_env(), stderr=subprocess.PIPE)
    code = p.wait(timeout=10)
    err = p.stderr.read().decode()
    check(code == 0, "the child outlived --timeout (timer disarmed): exit %d %r" % (code, err))
    pid, n, other = read(out).split()
    check(int(pid) == p.pid, "exec, not fork: same pid")
    check(int(n) == len(E.issued()[-1]) and other == "unset", "--env MY_TOKEN only")


@test
def exec_not_found_and_not_executable():
    r = E.run(["exec"] + E.base() + ["--", "no-such-command-crtoken"], base=False)
    expect(r, 127, "not found")
    noexec = E.write("noexec", "#!/bin/sh\necho hi\n", mode=0o644)
    r = E.run(["exec"] + E.base() + ["--", noexec], base=False)
    expect(r, 126, "Permission denied")
    r = E.run(["exec"] + E.base() + ["--", E.dir], base=False)
    expect(r, 126)
    r = E.run(["exec"] + E.base() + ["--", "/nonexistent/cmd"], base=False)
    expect(r, 127)


@test
def exec_failures_keep_their_codes_and_run_nothing():
    d = tempfile.mkdtemp(dir=E.dir)
    marker = os.path.join(d, "ran")
    r = E.run(["exec"] + E.base() + ["--", "/bin/touch", marker], base=False,
              script=["status=400"])
    expect(r, 10)
    check(not os.path.exists(marker), "the command did not run")
    expect(E.run(["exec"] + E.base(), base=False), 2, "no command")
    expect(E.run(["exec", "-o", "x"] + E.base() + ["--", "true"], base=False), 2)
    expect(E.run(["exec", "--env", "1BAD"] + E.base() + ["--", "true"], base=False), 2)
    expect(E.run(["--env", "X"] + E.base(), base=False), 2, "--env goes with exec")
    expect(E.run(["exec", "--mode", "0400"] + E.base() + ["--", "true"], base=False), 2)
    for flag in (["-f", "json"], ["-o", "x"]):  # a failed step of check's report
        r = E.run(["check"] + flag + E.base(), base=False)
        check(r.code == 2 and "\u2717 options     check: no -o, -f or --mode" in r.out,
              "check %s: the options step fails" % flag, r)


# ---------------------------------------------------------------- check

def check_run(args=(), script=None, token=None):
    tf = E.write("check-token", token) if token else E.crfile
    if token:
        E.secrets.append(token)
    base = ["--url", E.url, "--cacert", E.ca, "--token-file", tf, "--profile-id",
            iam.PROFILE_ID, "--retries", "0"]
    if "--json" in args:
        return E.run(["check"] + base + list(args), base=False, script=script)
    return check_json_too(base + list(args), script=script)


def check_json_too(args, **kw):
    """check ARGS, and check --json ARGS: one JSON object with the same exit and
    steps as the text report; no token in either. Returns the text run."""
    r = E.run(["check"] + list(args), base=False, **kw)
    rj = E.run(["check", "--json"] + list(args), base=False, **kw)
    j = json.loads(rj.out)
    check(j["exit"] == rj.code == r.code, "the same exit in text, JSON and status", rj)
    check([x["step"] for x in j["steps"]] == [l[2:13].rstrip() for l in r.out.splitlines()[:-1]],
          "the same steps in text and JSON", rj)
    for s in E.secrets + E.issued():
        check(s[:40] not in r.out + rj.out, "a token in the check report", r)
    return r


def line(r, name):
    for l in r.out.splitlines():
        if l[2:].startswith(name):
            return l
    return ""


@test
def check_all_pass():
    r = check_run()
    check(r.code == 0 and "all steps passed" in r.out, "all pass", r)
    for name in ["token file", "issuer", "subject", "audience", "lifetime", "validity",
                 "profile", "endpoint", "resolve", "connect", "TLS", "exchange", "IAM token"]:
        check(line(r, name).startswith("\u2713"), "%s passes" % name, r)
    check("namespace default, service account crtoken" in line(r, "subject"), "sub decoded", r)
    check("CN=rsa-leaf" in line(r, "TLS") and "CN=rsa-int" in line(r, "TLS"), "chain shown", r)
    check("sub_type Profile" in line(r, "IAM token"), "IAM token claims", r)


@test
def check_wrong_audience_warns():
    r = check_run(token=iam.cr_token(aud=["kubernetes"]))
    check(line(r, "audience").startswith("!"), "audience warns", r)
    check(r.code == 10 and line(r, "exchange").startswith("\u2717"), "IAM refuses: 10", r)


@test
def check_two_hour_lifetime_fails():
    r = check_run(token=iam.cr_token(lifetime=7200))
    check(line(r, "lifetime").startswith("\u2717") and "7200" in line(r, "lifetime"),
          "lifetime fails", r)
    check(r.code == 3, "the class of the first failing step", r)


@test
def check_expired_token_fails():
    r = check_run(token=iam.cr_token(iat=int(time.time()) - 4000))
    check(line(r, "validity").startswith("\u2717") and "expired" in line(r, "validity"),
          "validity fails", r)
    check(r.code == 3, "exit 3", r)


@test
def check_explains_bxnim0398e():
    r = check_json_too(["--url", E.url, "--cacert", E.ca, "--token-file", E.crfile,
                        "--profile-name", "someone-else"])
    l = line(r, "exchange")
    check(r.code == 10 and "BXNIM0398E" in l, "exchange fails with the IAM code", r)
    check("namespace default" in l and "service account crtoken" in l, "shows both", r)


@test
def check_json_is_the_same_report():
    r = check_run(["--json"])
    j = json.loads(r.out)
    check(j["exit"] == 0 and r.code == 0, "exit 0", r)
    check([s["step"] for s in j["steps"]][:4] == ["token file", "claims", "issuer", "subject"],
          "steps", r)
    check(all(s["status"] == "pass" for s in j["steps"]), "all pass", r)
    r = check_run(["--json"], token=iam.cr_token(lifetime=7200))
    j = json.loads(r.out)
    check(j["exit"] == 3 == r.code, "exit 3 in JSON and status", r)
    check(any(s["step"] == "lifetime" and s["status"] == "fail" for s in j["steps"]),
          "lifetime fail", r)


@test
def check_without_token_still_checks_the_network():
    r = check_json_too(["--url", E.url, "--cacert", E.ca, "--token-file", "/nonexistent",
                        "--profile-id", iam.PROFILE_ID])
    check(r.code == 3 and line(r, "token file").startswith("\u2717"), "token file fails", r)
    check(line(r, "TLS").startswith("\u2713"), "TLS still checked", r)
    check(line(r, "exchange").startswith("-"), "exchange skipped", r)


@test
def check_network_failure():
    r = check_json_too(["--url", "https://localhost:%d" % free_port(), "--cacert", E.ca,
                        "--token-file", E.crfile, "--profile-id", iam.PROFILE_ID])
    check(r.code == 5 and line(r, "connect").startswith("\u2717"), "connect fails", r)
    check(line(r, "TLS").startswith("-") and line(r, "exchange").startswith("-"),
          "later steps skipped", r)
    r = check_json_too(["--url", E.url, "--token-file", E.crfile,
                        "--profile-id", iam.PROFILE_ID])
    check(r.code == 8 and line(r, "TLS").startswith("\u2717") and
          "NOT_TRUSTED" in line(r, "TLS"), "untrusted: 8", r)


PASS, WARN, FAIL, SKIP = "\u2713", "!", "\u2717", "-"
WORD = {PASS: "pass", WARN: "warn", FAIL: "fail", SKIP: "skip"}


def report(args=(), script=None, token=None, env=None, base=None):
    """check in text and in --json: the same marks and exit, JSON that parses.
    Returns the text run and {step: (mark, detail)} from the text report."""
    base = (["--url", E.url, "--cacert", E.ca, "--profile-id", iam.PROFILE_ID,
             "--retries", "0"] if base is None else base)
    tf = E.write("check-token", token) if token else E.crfile
    if token:
        E.secrets.append(token)
    runs = []
    for js in ([], ["--json"]):
        runs.append(E.run(["check"] + js + base + ["--token-file", tf] + list(args),
                          base=False, script=script, env=env))
    r, rj = runs
    marks = {}
    lines = r.out.splitlines()
    for l in lines[:-1]:
        check(l[:1] in WORD and l[1] == " ", "every line but the last is a step: %r" % l, r)
        marks[l[2:13].rstrip()] = (l[:1], l[14:])
    check(lines and lines[-1].startswith("crtoken check: "), "the summary line", r)
    j = json.loads(rj.out)
    check(j["exit"] == rj.code == r.code, "the same exit in text, JSON and status", rj)
    check([(x["step"], x["status"]) for x in j["steps"]] ==
          [(k, WORD[m]) for k, (m, _) in marks.items()], "the same steps and marks", rj)
    for s in E.secrets + E.issued():
        check(s[:40] not in r.out + rj.out, "a token in the check report", r)
    return r, marks


def marks_are(r, marks, **want):
    for name, m in want.items():
        name = name.replace("_", " ")
        check(marks.get(name, (None,))[0] == m, "%s: %r expected" % (name, m), r)


@test
def check_reports_configuration_problems_as_steps():
    # no profile: the token file, its claims and the network are still checked
    r, m = report(base=["--url", E.url, "--cacert", E.ca])
    marks_are(r, m, token_file=PASS, claims=PASS, profile=FAIL, resolve=PASS,
              connect=PASS, TLS=PASS, exchange=SKIP)
    check(r.code == 2 and "--profile-id" in m["profile"][1], "the fix is named", r)
    # a bad --cacert: resolve and connect still run, TLS cannot
    r, m = report(["--cacert", "/nonexistent/ca.pem"])
    marks_are(r, m, token_file=PASS, profile=PASS, trust=FAIL, resolve=PASS, connect=PASS,
              TLS=SKIP, exchange=SKIP)
    check(r.code == 2 and "/nonexistent/ca.pem" in m["trust"][1], "trust names the file", r)
    # a bad endpoint: nothing to connect to, the token is still read
    r, m = report(["--url", "http://localhost:1"])
    marks_are(r, m, token_file=PASS, claims=PASS, profile=PASS, endpoint=FAIL, trust=PASS,
              resolve=SKIP, connect=SKIP, TLS=SKIP, exchange=SKIP)
    check(r.code == 2 and "only https://" in m["endpoint"][1], "endpoint says why", r)
    r, m = report(["--private", "--region", "mars-1"])
    marks_are(r, m, endpoint=FAIL, token_file=PASS)
    # a bad proxy
    r, m = report(["--proxy", "socks5://localhost:1"])
    marks_are(r, m, proxy=FAIL, endpoint=PASS, resolve=SKIP, token_file=PASS)
    check(r.code == 2, "exit 2", r)
    r, m = report(env={"HTTPS_PROXY": "http://localhost:0"})
    marks_are(r, m, proxy=FAIL, resolve=SKIP)
    # a bad flag of check's own: reported first, and the rest still runs
    r, m = report(["--bogus", "--timeout", "soon"])
    marks_are(r, m, options=FAIL, token_file=PASS, TLS=PASS, exchange=PASS)
    check(r.code == 2 and "--bogus" in m["options"][1], "the first problem", r)
    check(list(m)[0] == "options", "options come first", r)
    # --json=x and an operand before --json: still one JSON object
    for args in (["--json=1"], ["extra", "--json"]):
        r = E.run(["check"] + E.base() + args, base=False)
        j = json.loads(r.out)
        check(r.code == 2 == j["exit"] and j["steps"][0]["step"] == "options",
              "%r: JSON with the options step failed" % args, r)
    r, m = report(base=["--url", E.url, "--profile-id", iam.PROFILE_ID],
                  env={"SSL_CERT_FILE": "/nonexistent/ca.pem"})
    marks_are(r, m, trust=FAIL)
    check("SSL_CERT_FILE /nonexistent/ca.pem" in m["trust"][1], "named by its variable", r)
    # several problems: the exit is the class of the first failed step
    r, m = report(["--token-file", "/nonexistent"], base=["--url", "http://x"])
    marks_are(r, m, token_file=FAIL, profile=FAIL, endpoint=FAIL)
    check(r.code == 3, "the token file's 3 comes first", r)
    # the defaults say where the endpoint came from
    r, m = report(env={"IAM_URL": E.url}, base=["--cacert", E.ca, "--profile-id",
                                                iam.PROFILE_ID])
    check(r.code == 0 and "(IAM_URL)" in m["endpoint"][1], "endpoint from IAM_URL", r)


def jwt_with(c, drop, claims):
    """A JWT of claims c, some changed (or dropped)."""
    c.update(claims)
    for k in drop:
        del c[k]
    return iam.make_jwt(c)


def cr(drop=(), **claims):
    """A CR token with some claims changed (or dropped)."""
    now = int(time.time())
    return jwt_with({"aud": ["iam"], "exp": now + 3600, "iat": now, "nbf": now,
                     "iss": "https://kubernetes.default.svc", "jti": os.urandom(8).hex(),
                     "sub": "system:serviceaccount:default:crtoken"}, drop, claims)


@test
def check_cr_claims_no_false_pass():
    now = int(time.time())
    r, m = report(token=cr(drop=["exp"]))
    marks_are(r, m, lifetime=WARN, validity=WARN)
    check("exp missing" in m["lifetime"][1], "says what is missing", r)
    r, m = report(token=cr(drop=["iat"]))
    marks_are(r, m, lifetime=WARN, validity=WARN)
    r, m = report(token=cr(exp="soon"))
    marks_are(r, m, lifetime=WARN, validity=WARN)
    check("not a time" in m["lifetime"][1], "a bad exp is named", r)
    r, m = report(token=cr(iat=now + 600, exp=now + 300, nbf=now))
    marks_are(r, m, lifetime=FAIL)
    check(r.code == 3 and "not positive" in m["lifetime"][1], "negative lifetime: 3", r)
    r, m = report(token=cr(iat=now, exp=now))
    marks_are(r, m, lifetime=FAIL, validity=FAIL)
    r, m = report(token=cr(nbf=now + 900))
    marks_are(r, m, lifetime=PASS, validity=FAIL)
    check(r.code == 3 and "clock" in m["validity"][1], "nbf in the future: 3", r)
    r, m = report(token=cr(iat=now + 30, nbf=now + 30, exp=now + 3630))
    marks_are(r, m, lifetime=PASS, validity=WARN)
    check("60 s" in m["validity"][1], "the skew allowed is stated", r)
    r, m = report(token=cr(drop=["iss", "sub", "aud"]))
    marks_are(r, m, issuer=WARN, subject=WARN, audience=WARN)
    for sub in ("system:serviceaccount::", "system:serviceaccount:a:b:c",
                "system:serviceaccount:a:", "system:serviceaccount:A b:x"):
        r, m = report(token=cr(sub=sub))
        marks_are(r, m, subject=WARN)
    r, m = report(token=cr(drop=["iat"], nbf=now + 1000))
    marks_are(r, m, validity=FAIL)
    check("another 10" in m["validity"][1] or "another 99" in m["validity"][1],
          "how long, from nbf alone", r)
    twice = cr().split(".")
    twice[1] = iam.b64u(iam.b64u_decode(twice[1])[:-1] + b', "exp": 1, "iss": "x"}')
    r, m = report(token=".".join(twice))
    marks_are(r, m, lifetime=WARN, validity=WARN, issuer=WARN)
    check("given twice" in m["lifetime"][1] and "given twice" in m["issuer"][1],
          "a claim given twice is named", r)
    r, m = report(token=cr(aud="iam"))
    marks_are(r, m, audience=PASS, lifetime=PASS, validity=PASS, exchange=PASS)
    check(r.code == 0, "a good token passes", r)


def access(drop=(), **claims):
    """An access token for the stand-in to issue (script word access=...)."""
    now = int(time.time())
    return jwt_with({"iam_id": "iam-" + iam.PROFILE_ID, "sub": iam.PROFILE_ID,
                     "sub_type": "Profile", "account": {"bss": "0123"}, "iat": now,
                     "exp": now + 3600}, drop, claims)


@test
def check_iam_token_no_false_pass():
    r, m = report(script=["access=" + access(exp=946684800, iat=946681200)])
    marks_are(r, m, exchange=PASS, IAM_expiry=FAIL)
    check(r.code == 13 and "expired" in m["IAM expiry"][1], "expired decades ago: 13", r)
    r, m = report(script=["access=" + access(drop=["exp"])])
    marks_are(r, m, exchange=PASS, IAM_expiry=WARN)
    check(r.code == 0, "a missing exp warns", r)
    r, m = report(script=["access=" + access(drop=["iam_id"])])
    marks_are(r, m, IAM_token=WARN, IAM_expiry=PASS)
    r, m = report(script=["expiration=rel:100000"])
    marks_are(r, m, IAM_expiry=FAIL)
    check(r.code == 13 and "expiration" in m["IAM expiry"][1], "exp vs expiration", r)
    r, m = report(script=["expires=600 expiration=rel:3600 access=" + access()])
    marks_are(r, m, IAM_expiry=FAIL)
    check("expires_in is 600" in m["IAM expiry"][1], "exp vs expires_in", r)
    r, m = report(script=["access=e30.bm90IGpzb24.c2ln"])
    marks_are(r, m, exchange=PASS, IAM_token=WARN)
    check("IAM expiry" not in m and r.code == 0, "undecodable claims warn", r)
    r, m = report(script=["noexp"])
    marks_are(r, m, exchange=PASS, IAM_expiry=WARN)
    check("neither" in m["IAM expiry"][1], "nothing from IAM to compare: a warning", r)
    r, m = report(script=["expires=600 noexp"])
    marks_are(r, m, IAM_expiry=WARN)
    r, m = report()
    marks_are(r, m, IAM_token=PASS, IAM_expiry=PASS)


@test
def check_reads_any_cr_token():
    """Before: over ~128 claims or an 8 KB payload was a false 'x claims', exit 3."""
    extra = {"c%d" % i: i for i in range(3000)}
    big = cr(**extra)
    check(40000 < len(big) < 65536, "a big token: %d bytes" % len(big))
    r, m = report(token=big)
    marks_are(r, m, claims=PASS, subject=PASS, lifetime=PASS, validity=PASS, exchange=PASS)
    check(r.code == 0 and "3007 claims" in m["claims"][1], "every claim counted", r)
    expect_token(E.run(["--token-file", E.write("big", big)]), "one-shot takes it too")
    deep = cr(k={"a": [[{"b": list(range(300))}]]})
    r, m = report(token=deep)
    check(r.code == 0 and m["claims"][0] == PASS, "many tokens", r)
    # a payload that is not JSON: check warns and lets IAM judge
    notjson = "e30.%s.c2ln" % iam.b64u(b"not json")
    r, m = report(token=notjson)
    marks_are(r, m, claims=WARN, exchange=FAIL)
    check(r.code == 10 and "issuer" not in m, "IAM's verdict, not a false 3", r)


@test
def check_report_is_safe_to_print():
    evil = "x\x1b[2K\r\u2713 profile     fake\n\u2713 fake\u202e\u009b31m\x07"
    r, m = report(token=cr(sub=evil, iss=evil, aud=[evil]))
    for bad in ("\x1b", "\r", "\x07", "\u202e", "\u009b"):
        check(bad not in r.out, "%r escaped in the report" % bad, r)
    check("\\x1b[2K\\x0d" in m["subject"][1] and "\\xe2\\x80\\xae" in m["issuer"][1],
          "shown escaped", r)
    check(sum(l.startswith("\u2713 profile") for l in r.out.splitlines()) == 1,
          "no painted line", r)
    # IAM's words: in the report, on stderr, and in -v notes
    word = "code=BXNIM0398E\u202e\x1b[31m"
    r, m = report(["--profile-name", "x"], script=["status=400 " + word] * 2)
    check("\u202e" not in r.out and "\x1b" not in r.out and r.code == 10, "IAM text escaped", r)
    r = E.run(["-v"], script=["status=400 " + word])
    check(r.code == 10 and "\u202e" not in r.err and "\x1b" not in r.err, "stderr escaped", r)


@test
def profile_flags_one_meaning():
    base = ["--url", E.url, "--cacert", E.ca, "--token-file", E.crfile, "--retries", "0"]
    n = len(E.requests())
    for args, env in [
            (["--profile-id", iam.PROFILE_ID, "--profile-id", "Profile-other"], {}),
            (["--profile", iam.PROFILE_NAME, "--profile", "other-name"], {}),
            (["--profile-name", iam.PROFILE_NAME, "--profile-name", "x"], {}),
            (["--profile-crn", iam.PROFILE_CRN, "--profile-crn", "crn:x"], {}),
            (["--profile-id", iam.PROFILE_ID, "--profile", "Profile-other"], {}),
            ([], {"IAM_PROFILE_ID": iam.PROFILE_ID, "IBMCLOUD_CR_PROFILE": "Profile-other"})]:
        expect(E.run(base + args, base=False, env=env), 2)
        r = E.run(["check"] + base + args, base=False, env=env)
        check(r.code == 2 and line(r, "profile").startswith(FAIL), "check: profile fails", r)
    check(len(E.requests()) == n, "nothing sent on a conflict")
    # the same value twice is one value
    r = E.run(base + ["--profile-id", iam.PROFILE_ID, "--profile", iam.PROFILE_ID], base=False)
    expect_token(r, "the same value twice")
    # a flag beats its variable, kind by kind
    for args, env, sent in [
            (["--profile-id", iam.PROFILE_ID], {"IBMCLOUD_CR_PROFILE": "Profile-X"},
             {"profile_id": iam.PROFILE_ID}),
            (["--profile", iam.PROFILE_ID], {"IAM_PROFILE_ID": "Profile-X"},
             {"profile_id": iam.PROFILE_ID}),
            (["--profile", iam.PROFILE_CRN], {"IAM_PROFILE_CRN": "crn:x"},
             {"profile_crn": iam.PROFILE_CRN}),
            (["--profile-name", iam.PROFILE_NAME], {"IBMCLOUD_CR_PROFILE": "other"},
             {"profile_name": iam.PROFILE_NAME}),
            # kinds mix: every kind found is sent
            (["--profile-id", iam.PROFILE_ID], {"IAM_PROFILE_NAME": iam.PROFILE_NAME},
             {"profile_id": iam.PROFILE_ID, "profile_name": iam.PROFILE_NAME})]:
        r = E.run(base + args, base=False, env=env)
        expect_token(r, "%r with %r" % (args, env))
        f = last_form()
        check({k: v for k, v in f.items() if k.startswith("profile")} == sent,
              "%r with %r sends %r: %r" % (args, env, sent, f), r)


@test
def exec_empty_command_is_not_found():
    r = E.run(["exec"] + E.base() + ["--", ""], base=False)
    expect(r, 127, "exec '': command not found")


# ---------------------------------------------------------------- exec --watch

CHILD = r"""
import hashlib, os, signal, sys, time
rec, mode = sys.argv[1], sys.argv[2:]
def h(b): return hashlib.sha256(b).hexdigest()[:16]
def log(s):
    with open(rec, "a") as f: f.write(s + "\n")
log("start %d %s %s" % (os.getpid(), h(os.environ.get("IAM_ACCESS_TOKEN", "").encode()),
                        os.environ.get("IAM_TOKEN_EXPIRATION")))
def on(sig, frame):
    f = [a for a in mode if a.startswith("file=")]
    log("sig %d %d %s" % (os.getpid(), sig,
                          h(open(f[0][5:], "rb").read().strip()) if f else ""))
    if sig in (signal.SIGTERM, signal.SIGINT) and "ignore-term" not in mode:
        sys.exit(0)
for s in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
          signal.SIGTERM, signal.SIGWINCH):
    signal.signal(s, on)
if "exit3" in mode:
    sys.exit(3)
late = [float(a[8:]) for a in mode if a.startswith("orphans=")]
if "orphans" in mode or late:  # grandchildren that end while this one lives on
    time.sleep(late[0] if late else 0)
    for i in range(5):
        if os.fork() == 0:
            if os.fork() == 0:
                time.sleep(0.1)
                os._exit(0)
            os._exit(0)
while True:
    time.sleep(0.05)
"""


def sha(t):
    return hashlib.sha256(t.encode()).hexdigest()[:16]


class Supervised:
    """crtoken exec --watch ARGS -- python3 child.py REC MODE..., in the background."""

    def __init__(self, args, script, mode=(), prefix=()):
        self.dir = tempfile.mkdtemp(dir=E.dir)
        self.rec = os.path.join(self.dir, "rec")
        child = os.path.join(self.dir, "child.py")
        with open(child, "w") as f:
            f.write(CHILD)
        E.srv.script(*script)
        self.n0 = len(E.issued())
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(list(prefix) + launch() + ["exec", "--watch"] + E.base() +
                                  list(args) + ["--", sys.executable, child, self.rec] +
                                  list(mode), env=child_env(), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def lines(self):
        try:
            return open(self.rec).read().splitlines()
        except FileNotFoundError:
            return []

    def starts(self):
        return [l.split() for l in self.lines() if l.startswith("start ")]

    def wait_for(self, cond, secs):
        return wait_for(lambda: cond() or None, secs)

    def end(self, sig=signal.SIGTERM, timeout=20):
        t = time.monotonic()
        if sig is not None and self.p.poll() is None:
            self.p.send_signal(sig)
        code = self.p.wait(timeout=timeout)
        self.err = self.p.stderr.read().decode()
        self.secs = time.monotonic() - t
        for tok in E.issued():
            check(tok[:40] not in self.err, "a token on stderr: %r" % self.err)
        return code

    def issued(self):
        return E.issued()[self.n0:]


@test
def exec_watch_restarts_once_per_new_token():
    s = Supervised([], ["expires=3"])
    check(s.wait_for(lambda: len(s.starts()) >= 3, 20), "three starts: %r" % s.lines())
    code = s.end()
    issued, starts = s.issued(), s.starts()
    check(code == 0, "CMD's status (it exits 0 on SIGTERM): %s %s" % (code, s.err))
    check([x[2] for x in starts] == [sha(t) for t in issued[:len(starts)]],
          "each start has the next new token: %r %r" % (starts, [sha(t) for t in issued]))
    check(len(starts) in (len(issued), len(issued) - 1), "one start per new token: %d %d"
          % (len(starts), len(issued)))
    check(len(set(x[1] for x in starts)) == len(starts), "a new process each time")
    check(all(x[3].isdigit() for x in starts), "IAM_TOKEN_EXPIRATION set")
    check(s.err.count("restarting") >= 2, "one line per restart: %r" % s.err)


@test
def exec_watch_signal_mode_writes_the_file_first():
    d = tempfile.mkdtemp(dir=E.dir)
    tok = os.path.join(d, "token")
    s = Supervised(["-o", tok, "--signal", "SIGUSR1"], ["expires=3"], mode=["file=" + tok])
    check(s.wait_for(lambda: sum(" 10 " in l for l in s.lines()) >= 2, 20),
          "two signals: %r" % s.lines())
    code = s.end()
    issued, lines = s.issued(), s.lines()
    sigs = [l.split() for l in lines if l.startswith("sig ") and l.split()[2] == "10"]
    check(len(s.starts()) == 1, "never restarted: %r" % lines)
    check(all(x[3] in [sha(t) for t in issued[1:]] for x in sigs) and
          sigs[0][3] == sha(issued[1]), "FILE already new at each signal: %r" % lines)
    check(oct(os.stat(tok).st_mode & 0o777) == "0o600", "FILE 0600")
    check(code == 0, "exit 0: %s" % code)


@test
def exec_watch_failed_refresh_leaves_cmd_alone():
    s = Supervised([], ["expires=3", "status=500"])
    time.sleep(6.5)  # the refresh at 2.4 s fails, and its retries
    code = s.end()
    check(len(s.starts()) == 1 and not any(l.startswith("sig ") and " 15 " not in l
                                             for l in s.lines()),
          "CMD neither restarted nor signalled: %r" % s.lines())
    check("refresh failed (attempt 1)" in s.err and "refresh failed (attempt 2)" in s.err,
          "one line per attempt: %r" % s.err)
    check(code == 0, "exit 0: %s" % code)


@test
def exec_watch_exit_status_is_cmds():
    s = Supervised([], [], mode=["exit3"])
    code = s.end(sig=None)
    check(code == 3, "CMD's exit 3: %s %r" % (code, s.err))
    check(s.err.count("\n") == 2 and "expires in" in s.err and
          s.err.endswith("exited with status 3\n"), "a line as it starts and as it ends: %r" % s.err)
    s = Supervised([], [])
    check(s.wait_for(lambda: s.starts(), 10), "started")
    os.kill(int(s.starts()[0][1]), signal.SIGKILL)
    check(s.end(sig=None) == 137, "killed by KILL: 137")


@test
def exec_watch_forwards_signals():
    s = Supervised([], [])
    check(s.wait_for(lambda: s.starts(), 10), "started")
    for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGQUIT):
        s.p.send_signal(sig)
        check(s.wait_for(lambda: any(l.startswith("sig ") and l.split()[2] == str(int(sig))
                                     for l in s.lines()), 5), "%s forwarded" % sig)
    code = s.end(signal.SIGINT)
    check(code == 0 and len(s.starts()) == 1, "INT forwarded, CMD ends, crtoken too: %s" % code)


@test
def exec_watch_stop_timeout_then_kill():
    s = Supervised(["--stop-timeout", "1"], [], mode=["ignore-term"])
    check(s.wait_for(lambda: s.starts(), 10), "started")
    code = s.end(signal.SIGTERM)
    check(code == 137 and s.secs < 2.0, "KILL after --stop-timeout 1: %s in %.2fs" % (code, s.secs))
    check(any(l.startswith("sig ") and l.split()[2] == "15" for l in s.lines()), "TERM forwarded")


@test
def exec_watch_as_pid1_reaps_orphans():
    if not ROOT or not UNSHARE:
        return "skip: needs root and unshare"
    s = Supervised([], [], mode=["orphans"], prefix=[UNSHARE, "--pid", "--fork", "--kill-child"])
    check(s.wait_for(lambda: s.starts(), 10), "started")
    kids = wait_for(lambda: open("/proc/%d/task/%d/children" % (s.p.pid, s.p.pid)).read().split(), 5)
    pid1 = int(kids[0])
    time.sleep(1.0)

    def zombies():
        z = []
        for d in os.listdir("/proc"):
            try:
                st = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if st[0] == "Z" and int(st[1]) == pid1:
                z.append(d)
        return z
    check(zombies() == [], "no zombie under crtoken: %r" % zombies())
    os.kill(pid1, signal.SIGTERM)
    code = s.end(sig=None)
    check(code == 0, "exit 0 as PID 1: %s %r" % (code, s.err))
    # orphans that end while a refresh hangs: reaped all the same
    s = Supervised(["--timeout", "20"], ["expires=3", "resp=hang"], mode=["orphans=3"],
                   prefix=[UNSHARE, "--pid", "--fork", "--kill-child"])
    kids = wait_for(lambda: open("/proc/%d/task/%d/children" % (s.p.pid, s.p.pid)).read().split(), 5)
    pid1 = int(kids[0])
    time.sleep(4.5)
    check(zombies() == [], "no zombie during a refresh: %r" % zombies())
    os.kill(pid1, signal.SIGTERM)
    code = s.end(sig=None)
    check(code == 0 and s.secs < 3, "TERM cuts the refresh short: %s %.2fs" % (code, s.secs))


@test
def exec_watch_term_as_cmd_starts():
    """Before: a TERM between fork and exec ran crtoken's handler in the child and
    was lost: CMD got SIGKILL after --stop-timeout (137, 5 s later)."""
    for i in range(100):
        p = subprocess.Popen(launch() + ["exec", "--watch", "--stop-timeout", "5"] + E.base() +
                             ["--", "/bin/sleep", "100"], env=child_env(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        time.sleep(0.015 + i % 25 * 0.002)  # around the end of the first exchange
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=20)
        p.stderr.close()
        # 143; or, for a slow start (ASan, load), killed before its handlers were in
        check(code in (143, -signal.SIGTERM) and time.monotonic() - t0 < 3,
              "run %d: 143 at once, not %s after %.2fs" % (i, code, time.monotonic() - t0))


@test
def exec_watch_usage_and_first_failure():
    base = ["exec", "--watch"] + E.base()
    for args in (["--signal", "HUP"], ["-o", "-", "--", "true"], ["--signal", "BOGUS", "-o", "x"],
                 ["--signal", "HUP", "--restart", "-o", "x"], ["--stop-timeout", "0"],
                 ["--stop-signal", "99"], ["--signal", "HUP", "--stop-signal", "INT", "-o", "x"]):
        expect(E.run(base + args + ["--", "true"], base=False), 2)
    for args in (["--watch"], ["--signal", "HUP"], ["--restart"], ["--stop-timeout", "3"]):
        expect(E.run(args), 2, "exec --watch")
    d = tempfile.mkdtemp(dir=E.dir)
    marker = os.path.join(d, "ran")
    expect(E.run(base + ["--", "/bin/touch", marker], base=False, script=["status=400"]), 10)
    check(not os.path.exists(marker), "CMD never starts without a token")
    r = E.run(base + ["--", "/nonexistent/cmd"], base=False)
    check(r.code == 127 and "no such file" in r.err, "127 from CMD: %r" % r.err)


# ---------------------------------------------------------------- --log json

EVENTS = {"error", "debug", "refresh", "refresh_failed", "restart", "signal", "kill",
          "child_exit", "stop"}
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def jlog(err):
    """Every stderr line as a JSON object of the documented shape, else a failed check."""
    out = []
    for line in err.splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            check(False, "not a JSON line: %r" % line)
            continue
        t = j.get("time", "")
        ok = (STAMP.match(t) and abs(calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) -
                                     time.time()) < 120)
        check(ok, "time is RFC 3339 UTC, now: %r" % line)
        check(j.get("event") in EVENTS and isinstance(j.get("msg"), str) and
              j.get("level") in ("debug", "info", "warn", "error"), "event, level, msg: %r" % line)
        check(set(j) <= {"time", "level", "event", "msg", "expires_in", "attempt", "wait_ms",
                         "code", "signal"}, "no other keys: %r" % line)
        check(all(isinstance(j[k], int) and j[k] >= 0 for k in j
                  if k not in ("time", "level", "event", "msg")), "numbers: %r" % line)
        out.append(j)
    return out


def events(js, name):
    return [j for j in js if j["event"] == name]


@test
def log_json_watch_refresh_failure_signal_stop():
    with Watch(["--log", "json"], script=["expires=2"]) as w:
        check(wait_for(lambda: read(w.file), 5), "first write")
        E.srv.script("status=503")
        check(wait_for(lambda: '"attempt":2' in w.log(), 10), "two failed refreshes: %r" % w.log())
        E.srv.script("expires=3600")
        check(wait_for(lambda: w.log().count('"event":"refresh"') >= 2, 10), "recovered")
        w.p.send_signal(signal.SIGHUP)
        check(wait_for(lambda: '"signal":1' in w.log(), 5), "SIGHUP logged: %r" % w.log())
        code, log = w.stop()
    js = jlog(log)
    check(code == 0, "exit 0: %r" % log)
    ok = events(js, "refresh")
    check(len(ok) >= 2 and all(j["level"] == "info" and 1 <= j["expires_in"] <= 3600 and
                               "wrote" in j["msg"] for j in ok), "refresh events: %r" % ok)
    bad = events(js, "refresh_failed")
    check([j["attempt"] for j in bad[:2]] == [1, 2] and
          all(j["level"] == "warn" and j["code"] == 12 and j["wait_ms"] >= 250 and
              "HTTP 503" in j["msg"] and "expires_in" in j for j in bad), "failures: %r" % bad)
    check([j["signal"] for j in events(js, "signal")][:1] == [1], "SIGHUP: %r" % js)
    check(js[-1]["event"] == "stop" and js[-1]["code"] == 0, "stop last: %r" % js[-1])


@test
def log_json_exec_watch_restart_forward_exit():
    s = Supervised(["--log", "json"], ["expires=2"])
    check(s.wait_for(lambda: len(s.starts()) >= 2, 15), "restarted: %r" % s.lines())
    s.p.send_signal(signal.SIGUSR2)
    check(s.wait_for(lambda: any(l.startswith("sig ") and l.split()[2] == "12"
                                 for l in s.lines()), 5), "USR2 forwarded")
    code = s.end()
    js = jlog(s.err)
    check(code == 0, "exit 0: %s" % code)
    ref = events(js, "refresh")
    check(len(ref) >= 2 and all(j["expires_in"] in (1, 2) for j in ref), "refreshes: %r" % ref)
    check(len(events(js, "restart")) == len(ref) - 1 >= 1, "a restart per new token: %r" % js)
    sigs = [j["signal"] for j in events(js, "signal")]
    check(12 in sigs and sigs[-1] == 15, "USR2 and TERM forwarded: %r" % sigs)
    ex = events(js, "child_exit")
    check(len(ex) == 1 and ex[0]["code"] == 0 and ex[0]["level"] == "info" and js[-1] == ex[0],
          "child_exit last: %r" % js)
    # signal mode: the signal sent is an event with its number
    d = tempfile.mkdtemp(dir=E.dir)
    tok = os.path.join(d, "token")
    s = Supervised(["--log=json", "-o", tok, "--signal", "HUP"], ["expires=2"],
                   mode=["file=" + tok])
    check(s.wait_for(lambda: any(" 1 " in l for l in s.lines()), 15), "HUP: %r" % s.lines())
    code = s.end()
    js = jlog(s.err)
    sent = [j for j in events(js, "signal") if j["signal"] == 1]
    check(code == 0 and sent and "sent" in sent[0]["msg"] and not events(js, "restart"),
          "SIGHUP sent, no restart: %r" % js)


@test
def log_json_errors_exit_codes_and_kill():
    r = E.run(["--log", "json", "--bogus"])
    js = jlog(r.err)
    check(r.code == 2 and len(js) == 1 and js[0]["event"] == "error" and js[0]["code"] == 2 and
          js[0]["level"] == "error" and "--bogus" in js[0]["msg"], "usage error: %r" % r.err)
    r = E.run(["--bogus", "--log=json"])
    check(r.code == 2 and jlog(r.err)[0]["code"] == 2, "--log json after the bad flag too")
    r = E.run(["--log", "yaml"])
    check(r.code == 2 and "--log yaml" in r.err, "a bad --log: %r" % r.err)
    r = E.run(["exec", "--watch", "--log", "json"] + E.base() + ["--", "true"], base=False,
              script=["status=400"])
    js = jlog(r.err)
    check(r.code == 10 and js[-1]["event"] == "error" and js[-1]["code"] == 10,
          "first failure: %r" % r.err)
    s = Supervised(["--log", "json"], [], mode=["exit3"])
    code = s.end(sig=None)
    ex = events(jlog(s.err), "child_exit")
    check(code == 3 and ex and ex[0]["code"] == 3 and ex[0]["level"] == "warn", "exit 3: %r" % s.err)
    s = Supervised(["--log", "json", "--stop-timeout", "1"], [], mode=["ignore-term"])
    check(s.wait_for(lambda: s.starts(), 10), "started")
    code = s.end(signal.SIGTERM)
    js = jlog(s.err)
    k = events(js, "kill")
    check(code == 137 and k and k[0]["signal"] == 9 and k[0]["level"] == "warn" and
          events(js, "child_exit")[0]["code"] == 137, "KILL logged: %r" % s.err)
    r = E.run(["--log", "json", "-v"])
    js = jlog(r.err)
    check(r.code == 0 and js and all(j["event"] == "debug" for j in js), "-v notes: %r" % r.err)


# ---------------------------------------------------------------- probe

def probe(path, *args):
    return E.run(["probe", path] + list(args), base=False)


@test
def probe_passes_for_every_format():
    for fmt in ("token", "json", "header", "env", "docker"):
        path = os.path.join(E.dir, "probe-" + fmt)
        expect(E.run(["-o", path, "-f", fmt], script=["expires=300"]), 0)
        r = probe(path)
        check(r.code == 0 and r.out == "" and r.err == "", "%s: valid for 60 s more" % fmt, r)
        expect(probe(path, "--min-valid", "200"), 0)
        expect(E.run(["probe", "--min-valid=250", "-q", path], base=False), 0)
        r = probe(path, "--min-valid", "600")
        expect(r, 15, "expires in", "under --min-valid 600")
        r = probe(path, "-v")
        check(r.code == 0 and "valid for" in r.err, "-v says how long", r)


@test
def probe_fails_as_documented():
    now = int(time.time())
    cases = [
        ("/nonexistent/token", 3, "No such file"),
        (E.dir, 3, "not a regular file"),
        (E.write("probe-empty", ""), 13, "not an access token"),
        (E.write("probe-garbage", "hello\n"), 13, "not an access token"),
        (E.write("probe-two", iam.make_jwt({"exp": now + 900}) + "\nmore\n"), 13, "not an"),
        (E.write("probe-noexp", iam.make_jwt({"sub": "x"}) + "\n"), 13, "no expiry"),
        (E.write("probe-expired", iam.make_jwt({"exp": now - 100}) + "\n"), 15,
         "expired 10"),
        (E.write("probe-soon", "Authorization: Bearer %s\n" % iam.make_jwt({"exp": now + 30})),
         15, "expires in"),
        # env and json state an expiration: the lesser of it and exp counts
        (E.write("probe-env", "IAM_ACCESS_TOKEN=%s\nIAM_TOKEN_EXPIRATION=%d\n" %
                 (iam.make_jwt({"exp": now + 900}), now + 20)), 15, "expires in"),
        (E.write("probe-json", json.dumps({"access_token": iam.make_jwt({"sub": "x"}),
                                           "expiration": now - 5}) + "\n"), 15, "expired"),
        (E.write("probe-big", "x" * 400000), 13, "larger"),
        (E.write("probe-docker-user", json.dumps({"auths": {"icr.io": {"auth": base64.b64encode(
            ("someone:" + iam.make_jwt({"exp": now + 900})).encode()).decode()}}})), 13, "not an"),
        (E.write("probe-docker-b64", '{"auths":{"icr.io":{"auth":"!!!!"}}}'), 13, "not an"),
        (E.write("probe-docker-empty", '{"auths":{}}'), 13, "not an"),
        (E.write("probe-docker-old", json.dumps({"auths": {"icr.io": {"auth": base64.b64encode(
            ("iambearer:" + iam.make_jwt({"exp": now - 9})).encode()).decode()}}})), 15, "expired"),
        (E.write("probe-nul", iam.make_jwt({"exp": now + 900}) + "\0junk\n"), 13, "not an"),
        (E.write("probe-negative", iam.make_jwt({"exp": -5}) + "\n"), 15, "expired"),
    ]
    fifo = os.path.join(E.dir, "probe-fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    cases.append((fifo, 3, "not a regular file"))
    for path, code, needle in cases:
        expect(probe(path), code, needle)
    ok = E.write("probe-ok", "IAM_ACCESS_TOKEN=%s\nIAM_TOKEN_EXPIRATION=%d\n" %
                 (iam.make_jwt({"sub": "x"}), now + 900))
    expect(probe(ok), 0)  # no exp claim, but the file's expiration
    for args in ([], ["a", "b"], [ok, "--min-valid", "x"], [ok, "--min-valid", "-1"],
                 [ok, "--profile-id", "P"], [ok, "--timeout", "3"]):
        expect(E.run(["probe"] + args, base=False), 2)
    expect(E.run(["--min-valid", "5"]), 2, "--min-valid goes with probe")
    expect(E.run(["probe", "--", ok], base=False), 0)


# ---------------------------------------------------------------- response: 13

@test
def invalid_responses():
    expect(E.run([], script=["resp=garbage"]), 13, "malformed status line")
    expect(E.run([], script=["resp=badjson"]), 13, "trailing comma")
    expect(E.run([], script=["resp=noaccess"]), 13, "no access_token")
    expect(E.run([], script=["resp=huge"]), 13, "cap")
    expect(E.run([], script=["resp=truncated"]), 13, "closed before the end")


# ---------------------------------------------------------------- output: 14

@test
def output_failures():
    expect(E.run(["-o", "/nonexistent/dir/token"]), 14, "/nonexistent/dir/token")
    d = tempfile.mkdtemp(dir=E.dir)
    os.mkdir(os.path.join(d, "token"))
    expect(E.run(["-o", os.path.join(d, "token")]), 14)
    check(sorted(os.listdir(d)) == ["token"], "no temporary file left: %r" % os.listdir(d))
    with open("/dev/full", "w") as full:
        r = E.run([], stdout=full)
    expect(r, 14, "stdout")


def closing(*fds):
    return lambda: [os.close(fd) for fd in fds]


@test
def closed_standard_descriptors():
    """Started with 0, 1 or 2 closed (a careless init, a `2>&-`): no socket or
    token file of crtoken becomes stderr and gets the -v notes, a closed stdout
    is exit 14, and exec hands CMD the descriptors crtoken got."""
    r = E.run(["-v"], preexec=closing(2))
    expect_token(r, "the token on stdout, TLS unharmed")
    r = E.run([], preexec=closing(1))
    expect(r, 14, "stdout")
    d = tempfile.mkdtemp(dir=E.dir)
    path = os.path.join(d, "token")
    r = E.run(["-v", "-o", path], preexec=closing(0, 2))
    expect(r, 0)
    check(read(path) == E.issued()[-1] + "\n", "FILE holds the token and nothing else", r)
    check(os.listdir(d) == ["token"], "no temporary file left: %r" % os.listdir(d))
    out = os.path.join(d, "child")
    r = E.run(["exec"] + E.base() + ["--", "/bin/sh", "-c",
               'for fd in 0 1 2; do [ -e /proc/$$/fd/$fd ] && echo open || echo closed; '
               'done > "$0"', out], base=False, preexec=closing(0, 2))
    expect(r, 0)
    check(read(out).split() == ["closed", "open", "closed"],
          "CMD sees 0 and 2 closed, as crtoken got them: %r" % read(out))


@test
def quiet_keeps_the_code_and_says_nothing():
    r = E.run(["-q"], script=["status=503"])
    check(r.code == 12 and r.err == "", "exit 12 and silence", r)
    r = E.run(["-q", "--mode", "x"])
    check(r.code == 2 and r.err == "", "exit 2 and silence", r)


# ---------------------------------------------------------------- secret hygiene

@test
def hygiene_every_failure_class_with_verbose():
    """Each class provoked with -v: neither token on stdout or stderr (E.run checks)."""
    d = tempfile.mkdtemp(dir=E.dir)
    cases = {
        2: (["--mode", "9"], None),
        3: (["--token-file", E.write("hy-empty", "")], None),
        5: (["--url", "https://localhost:%d" % free_port()], None),
        7: ([], "tls=tls13"),
        8: ([], "cert=rogue"),
        9: (["--timeout", "1"], "resp=hang"),
        10: ([], "status=400 code=BXNIM0398E"),
        11: ([], "status=429"),
        12: ([], "status=503"),
        13: ([], "resp=badjson"),
        14: (["-o", os.path.join(d, "no", "such")], None),
    }
    for code, (args, script) in sorted(cases.items()):
        r = E.run(["-v"] + args, script=[script] if script else None)
        check(r.code == code, "class %d provoked" % code, r)
        for s in [E.cr] + E.issued():
            check(s[:24] not in r.out + r.err, "class %d: a token in the output" % code, r)
    r = E.run(["-v"])
    check(r.code == 0 and E.issued()[-1] not in r.err, "-v success: the token only on stdout", r)


@test
def hygiene_server_quoting_the_token_back():
    for args in ([], ["-v"], ["check"]):
        r = E.run(args, script=["status=400 echo"]) if args != ["check"] else \
            E.run(["check", "--url", E.url, "--cacert", E.ca, "--token-file", E.crfile,
                   "--profile-id", iam.PROFILE_ID], base=False, script=["status=400 echo"])
        check(r.code == 10, "exit 10", r)
        check("[redacted]" in r.err + r.out and "You sent cr_token=" in r.err + r.out,
              "the quoted token is redacted, the rest of the details kept", r)
        check(E.cr[:24] not in r.out + r.err and E.cr[-24:] not in r.out + r.err,
              "no part of the CR token shows", r)


@test
def hygiene_temp_file_exclusive_never_wider():
    strace = shutil.which("strace", path=SBIN)
    if strace is None:
        raise Fail("strace is missing (deps.sh test installs it)")
    d = tempfile.mkdtemp(dir=E.dir)
    out = os.path.join(d, "token")
    log = os.path.join(E.dir, "strace.log")
    for mode in ("0640", "0400", "0600"):
        r = E.run(["-o", out, "--mode", mode], prefix=[strace, "-f", "-o", log, "-e",
                  "trace=open,openat,fchmod,rename,renameat,renameat2"],
                  # LeakSanitizer cannot run under ptrace (make test-asan)
                  env={"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"})
        expect(r, 0)
        calls = open(log).read()
        opens = [l for l in calls.splitlines() if ".token." in l and "open" in l]
        check(len(opens) == 1, "one temporary file opened: %r" % opens)
        o = opens[0]
        check("O_CREAT" in o and "O_EXCL" in o and "O_NOFOLLOW" in o,
              "created exclusively, no symlink followed: %s" % o)
        created = int(o.split(",")[-1].split(")")[0].strip(), 8)
        check(created & ~int(mode, 8) == 0 and created & ~0o600 == 0,
              "created with no more than %s and 0600: %s" % (mode, o))
        chmods = [int(l.split(", ")[1].split(")")[0], 8) for l in calls.splitlines()
                  if "fchmod(" in l]
        check(chmods == [int(mode, 8)], "then set to exactly %s: %r" % (mode, chmods))
        check(stat.S_IMODE(os.stat(out).st_mode) == int(mode, 8), "final mode %s" % mode)
        os.unlink(out)


@test
def hygiene_kill_9_never_leaves_a_partial_file():
    d = tempfile.mkdtemp(dir=E.dir)
    out = os.path.join(d, "token")
    with open(out, "w") as f:
        f.write("previous-good-token\n")
    # how long a whole run takes here (emulated or loaded machines are slower)
    t0 = time.monotonic()
    expect(E.run(["-o", os.path.join(d, "timing")]), 0)
    full = time.monotonic() - t0
    os.unlink(os.path.join(d, "timing"))
    seen = set()
    for i in range(40):	# bounded: 40 runs, killed at times spread over 0 to 1.2 runs
        E.srv.script("resp=ok" if i % 2 else "resp=chunked")
        at = full * 1.2 * i / 39
        p = subprocess.Popen(launch() + E.base() + ["-o", out], env=child_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(at)
        p.kill()
        p.wait(timeout=5)
        content = read(out)
        ok = content == "previous-good-token\n" or (content and content.strip() in E.issued()
                                                       and content.endswith("\n"))
        check(ok, "after kill -9 at %d ms the file is the old or a whole new token: %r"
              % (at * 1000, (content or "")[:60]))
        seen.add("old" if content == "previous-good-token\n" else "new")
    check("new" in seen and "old" in seen, "killed before and after the write: %r" % seen)
    for name in os.listdir(d):	# a killed run may leave its temporary file, never a bad FILE
        check(name == "token" or name.startswith(".token.") and name.endswith(".tmp"),
              "only FILE and temporary files: %r" % os.listdir(d))


@test
def hygiene_watch_memory_holds_no_token_between_refreshes():
    if not STATIC:
        # a dynamic build's sanitizer runtime and loader spill vector registers
        # (bits of whatever was last copied) onto the stack: not crtoken's memory
        return "skip: needs the static binary"
    with Watch(script=["expires=3600"]) as w:
        check(wait_for(lambda: read(w.file), 5), "first write")
        time.sleep(0.3)
        secrets = [E.cr.encode(), read(w.file).strip().encode()]
        found = []
        with open("/proc/%d/maps" % w.p.pid) as f:
            regions = [l.split() for l in f]
        with open("/proc/%d/mem" % w.p.pid, "rb", 0) as mem:
            for r in regions:
                if "w" not in r[1] and "[stack]" not in r[-1]:
                    continue
                a, b = (int(x, 16) for x in r[0].split("-"))
                if b - a > 256 << 20:	# a sanitizer's shadow memory, not crtoken's
                    continue
                try:
                    mem.seek(a)
                    data = mem.read(b - a)
                except (OSError, ValueError, OverflowError):
                    continue
                for sec in secrets:
                    for piece in (sec[:32], sec[len(sec) // 2:len(sec) // 2 + 32], sec[-32:]):
                        if piece in data:
                            found.append((r[-1] if len(r) > 5 else "anon", piece[:8]))
        check(not found, "token bytes left in memory between refreshes: %r" % found)


# ---------------------------------------------------------------- chroot and namespaces

def make_root(files, hosts="127.0.0.1 localhost\n"):
    """A directory holding only the binary, the given files and /etc/hosts."""
    root = tempfile.mkdtemp(dir=E.dir, prefix="root-")
    shutil.copy(BIN, os.path.join(root, "crtoken"))
    if RUNNER:	# qemu-user-static is static too: it joins the binary in the root
        shutil.copy(RUNNER, os.path.join(root, os.path.basename(RUNNER)))
    for path, data in files.items():
        full = os.path.join(root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(data)
    if hosts is not None:
        os.makedirs(os.path.join(root, "etc"), exist_ok=True)
        with open(os.path.join(root, "etc/hosts"), "w") as f:
            f.write(hosts)
    return root


def chroot_run(root, args, **kw):
    return E.run(["--url", E.url, "--cacert", "/ca.pem", "--profile-id", iam.PROFILE_ID] + args,
                 base=False, prefix=[CHROOT, root], argv0="/crtoken", **kw)


@test
def empty_chroot_default_token_file():
    if not ROOT or not CHROOT or not STATIC:
        return "skip: needs root, chroot and a static binary"
    ca = open(E.ca).read()
    root = make_root({"/ca.pem": ca, "/var/run/secrets/tokens/sa-token": E.cr})
    check(sorted(os.listdir(root)) == sorted(["ca.pem", "crtoken", "etc", "var"] +
          ([os.path.basename(RUNNER)] if RUNNER else [])), "nothing else")
    check(not os.path.exists(os.path.join(root, "dev")) and
          not os.path.exists(os.path.join(root, "proc")), "no /dev, no /proc")
    r = chroot_run(root, [])
    expect(r, 0)
    check(r.out.strip() == E.issued()[-1], "token from an empty root", r)


@test
def default_token_file_order():
    if not ROOT or not CHROOT or not STATIC:
        return "skip: needs root, chroot and a static binary"
    ca = open(E.ca).read()
    other = iam.cr_token(sub="system:serviceaccount:other:sa")
    E.secrets.append(other)
    root = make_root({"/ca.pem": ca, "/var/run/secrets/tokens/vault-token": E.cr,
                      "/var/run/secrets/tokens/sa-token": other})
    expect(chroot_run(root, []), 0)
    check(last_form()["cr_token"] == E.cr, "vault-token is tried first")
    root = make_root({"/ca.pem": ca, "/var/run/secrets/codeengine.cloud.ibm.com/"
                      "compute-resource-token/token": E.cr})
    expect(chroot_run(root, []), 0)
    check(last_form()["cr_token"] == E.cr, "the Code Engine path is the third")
    root = make_root({"/ca.pem": ca})
    expect(chroot_run(root, []), 3, "none of the default paths", "--token-file")


@test
def name_resolution_failure():
    if not ROOT or not CHROOT or not UNSHARE or not STATIC:
        return "skip: needs root, unshare and a static binary"
    ca = open(E.ca).read()
    root = make_root({"/ca.pem": ca, "/token": E.cr,
                      "/etc/resolv.conf": "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"},
                     hosts="")
    r = E.run(["--url", "https://iam.test.invalid", "--cacert", "/ca.pem", "--token-file",
               "/token", "--profile-id", iam.PROFILE_ID], base=False,
              prefix=[UNSHARE, "-n", CHROOT, root], argv0="/crtoken")
    expect(r, 4, "name resolution", "iam.test.invalid")


@test
def deadline_during_name_resolution():
    if not ROOT or not CHROOT or not UNSHARE or not STATIC:
        return "skip: needs root, chroot, unshare and a static binary"
    root = make_root({"/ca.pem": open(E.ca).read(), "/token": E.cr,
                      "/etc/resolv.conf": "nameserver 127.0.0.1\noptions timeout:5 attempts:3\n"},
                     hosts="")
    d = os.path.join(root, "out")
    os.mkdir(d)
    r = E.run(["--url", "https://iam.test.invalid", "--cacert", "/ca.pem", "--token-file",
               "/token", "--profile-id", iam.PROFILE_ID, "--timeout", "1", "-o", "/out/t"],
              base=False, prefix=[UNSHARE, "-n", CHROOT, root], argv0="/crtoken")
    expect(r, 9, "deadline")
    check(0.8 <= r.secs <= 5, "the deadline covers name resolution (%.2fs)" % r.secs, r)
    check(os.listdir(d) == [], "nothing written", r)


# ---------------------------------------------------------------- fail closed (issue 10)
#
# Each test here provokes what a review found in a real run: a success that
# did not come from IAM's token, a good FILE replaced by a worse one, a READY
# that lied, a retry loop that hammered IAM, a signal ignored as PID 1.

class LateHosts:
    """/etc/hosts of a chroot as a FIFO that answers `delay` s after the first
    open of each lookup (musl opens it several times for one; the others,
    within 0.5 s of an answer, get theirs at once), for `secs` s in all: name
    resolution that answers late, as a slow CoreDNS does. Bounded: the thread
    ends after `secs`."""

    def __init__(self, root, delay, secs, line="127.0.0.1 localhost\n"):
        self.path = os.path.join(root, "etc/hosts")
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        if os.path.exists(self.path):
            os.unlink(self.path)
        os.mkfifo(self.path)
        self.delay, self.end, self.line = delay, time.monotonic() + secs, line
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        last = 0
        while time.monotonic() < self.end:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:		# ENXIO: no reader yet
                time.sleep(0.005)
                continue
            if time.monotonic() - last > 0.5:
                time.sleep(self.delay)
            try:
                os.write(fd, self.line.encode())
                last = time.monotonic()
            except OSError:		# the reader was killed meanwhile
                pass
            os.close(fd)

    def join(self):
        self.thread.join(timeout=max(0.0, self.end - time.monotonic()) + 2)


def need_chroot():
    if not ROOT or not CHROOT or not STATIC:
        return "skip: needs root, chroot and a static binary"
    return None


@test
def late_name_resolution_is_a_timeout_not_a_success():
    """The resolver answers 0.05 s after --timeout: before, the one-shot command
    printed an empty line and exited 0 (net_connect returned without a class)."""
    if need_chroot():
        return need_chroot()
    root = make_root({"/ca.pem": open(E.ca).read(), "/cr": E.cr})
    hosts = LateHosts(root, 1.05, 4)
    n = len(E.requests())
    r = chroot_run(root, ["--timeout", "1", "--token-file", "/cr"])
    hosts.join()
    expect(r, 9, "deadline")
    check(r.out == "", "nothing on stdout", r)
    check(r.secs < 3, "ended by --timeout + 1 s (%.2fs)" % r.secs, r)
    check(len(E.requests()) == n, "no request was sent", r)
    # an answer just before the deadline still works
    hosts = LateHosts(root, 0.3, 4)
    r = chroot_run(root, ["--timeout", "5", "--token-file", "/cr"])
    hosts.join()
    expect_token(r, "the issued token")


@test
def late_name_resolution_in_watch_keeps_file_and_ready_away():
    """Before: watch replaced a valid token with "\\n", touched READY and said
    'wrote FILE: token expires in 0 s'."""
    if need_chroot():
        return need_chroot()
    root = make_root({"/ca.pem": open(E.ca).read(), "/cr": E.cr})
    os.mkdir(os.path.join(root, "out"))
    good = "a-valid-token-from-before\n"
    with open(os.path.join(root, "out/token"), "w") as f:
        f.write(good)
    hosts = LateHosts(root, 1.15, 5)
    err = open(os.path.join(E.dir, "late-watch.log"), "w+")
    p = subprocess.Popen([CHROOT, root] + launch("/crtoken") + [
        "watch", "--timeout", "1", "--url", E.url, "--cacert", "/ca.pem", "--token-file",
        "/cr", "--profile-id", iam.PROFILE_ID, "-o", "/out/token", "--ready-file",
        "/out/ready"], env=child_env(), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=err)
    try:
        end = time.monotonic() + 3.5
        while time.monotonic() < end:	# bounded sampling
            check(read(os.path.join(root, "out/token")) == good, "FILE kept its token")
            check(not os.path.exists(os.path.join(root, "out/ready")), "no READY")
            time.sleep(0.05)
    finally:
        p.send_signal(15)
        code = p.wait(timeout=5)
        hosts.join()
    err.seek(0)
    log = err.read()
    check(code == 0, "watch exits 0 on SIGTERM: %r" % log)
    check("wrote" not in log and "deadline" in log, "every attempt failed on the deadline: %r" % log)
    check(sorted(os.listdir(os.path.join(root, "out"))) == ["token"], "nothing else in the directory")


@test
def late_name_resolution_in_check_is_no_pass():
    """Before: check said 'all steps passed' although nothing ever connected."""
    if need_chroot():
        return need_chroot()
    root = make_root({"/ca.pem": open(E.ca).read(), "/cr": E.cr})
    hosts = LateHosts(root, 1.15, 4)
    r = E.run(["check", "--timeout", "1", "--url", E.url, "--cacert", "/ca.pem",
               "--token-file", "/cr", "--profile-id", iam.PROFILE_ID], base=False,
              prefix=[CHROOT, root], argv0="/crtoken")
    hosts.join()
    check(r.code == 9, "exit 9 (the deadline)", r)
    check("all steps passed" not in r.out and "a step failed" in r.out, "no false pass", r)
    check("\u2717 resolve" in r.out and "\u2713 exchange" not in r.out and
          "\u2713 connect" not in r.out and "\u2713 TLS" not in r.out, "resolve failed, rest not passed", r)


def last_conn():
    """How many connections the stand-in has accepted (they are numbered from 1
    at accept; the timeline only gets a connection's line when it ends)."""
    return len(iam.connections(E.state))


@test
def name_resolution_waiting_on_hosts_ends_on_a_signal():
    """Name resolution runs in crtoken itself (dns.c), no child process: waiting on an
    /etc/hosts that never answers (a FIFO nobody writes), a signal ends it at once and
    leaves nothing behind."""
    if need_chroot():
        return need_chroot()
    root = make_root({"/ca.pem": open(E.ca).read(), "/cr": E.cr})
    os.unlink(os.path.join(root, "etc/hosts"))
    os.mkfifo(os.path.join(root, "etc/hosts"))	# nobody ever writes it

    def waits_on_hosts(pid):
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
        except OSError:
            return False
        for fd in fds:
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)).endswith("/etc/hosts"):
                    return True
            except OSError:
                pass
        return False

    for args in (["--timeout", "20"], ["watch", "-o", "/token"]):
        p = subprocess.Popen([CHROOT, root] + launch("/crtoken") + args + [
            "--url", E.url, "--cacert", "/ca.pem", "--token-file", "/cr", "--profile-id",
            iam.PROFILE_ID], env=child_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            check(wait_for(lambda: waits_on_hosts(p.pid), 5), "%s: waits on /etc/hosts" % args)
            kids = open("/proc/%d/task/%d/children" % (p.pid, p.pid)).read().split()
            check(kids == [], "%s: no child process: %r" % (args, kids))
            t0 = time.monotonic()
            p.send_signal(signal.SIGTERM)
            code = p.wait(timeout=5)
            check(code == (0 if "watch" in args else 143), "%s: exit %s" % (args, code))
            check(time.monotonic() - t0 < 2, "%s: ended at once (%.2fs)" %
                  (args, time.monotonic() - t0))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()


def request_times(after, settle=2.0):
    """When the connections after number `after` were accepted (epoch seconds),
    in order; waits (at most `settle` s) for every accepted one to have ended
    and so be in the timeline."""
    def ended():
        return sorted((t["conn"], t["accept"]) for t in iam.timeline(E.state)
                      if t["conn"] > after)
    total = last_conn() - after
    wait_for(lambda: len(ended()) >= total, settle)
    return [accept for _, accept in ended()]


@test
def retry_after_zero_never_makes_a_hot_loop():
    """429 with Retry-After 0, "soon" or -1: before, one-shot with --retries 100
    sent 101 requests in under a second. Now the n-th retry waits at least
    0.25 s x 2^(n-1): 0, .25, .75, 1.75 s... at most 4 requests in 2.5 s."""
    for ra in ("0", "soon", "-1"):
        n = last_conn()
        r = E.run(["--retries", "100", "--timeout", "2.5"],
                  script=["status=429 retry=%s" % ra])
        times = request_times(n)
        check(r.code in (9, 11), "ends on the deadline or the rate limit", r)
        check(2 <= len(times) <= 4, "Retry-After %s: %d requests in 2.5 s" % (ra, len(times)), r)
        for i in range(1, len(times)):
            floor = 0.25 * 2 ** (i - 1)
            check(times[i] - times[i - 1] >= floor - 0.05,
                  "retry %d after %.3f s, at least %.2f s" % (i, times[i] - times[i - 1], floor), r)


@test
def retry_after_raises_the_wait():
    n = last_conn()
    r = E.run(["-v", "--retries", "1", "--timeout", "8"], script=["status=503 retry=2", "expires=60"])
    expect(r, 0)
    times = request_times(n)
    check(len(times) == 2 and times[1] - times[0] >= 1.95, "waited Retry-After: 2 s", r)
    check(r.out == E.issued()[-1] + "\n", "then the issued token", r)


@test
def watch_rate_limited_sends_at_most_four_requests_in_three_seconds():
    n = last_conn()
    with Watch(script=["status=429 retry=0"]) as w:
        time.sleep(3)
        times = request_times(n)
        code, log = w.stop()
    check(code == 0, "exit 0 on SIGTERM")
    check(2 <= len(times) <= 4, "%d requests in 3 s: %r" % (len(times), log))
    for i in range(1, len(times)):
        check(times[i] - times[i - 1] >= 0.25 * 2 ** (i - 1) - 0.05, "gap %d: %.3f s" % (
            i, times[i] - times[i - 1]))


@test
def watch_sighup_never_cuts_a_retry_after():
    """Before: SIGHUPs 0.1 s apart against 429 Retry-After: 30 made 31 requests in 4 s."""
    n = last_conn()
    with Watch(script=["status=429 retry=30"]) as w:
        check(wait_for(lambda: request_times(n), 5), "first request")
        for _ in range(25):
            w.p.send_signal(1)
            time.sleep(0.1)
        count = len(request_times(n))
        code, log = w.stop()
    check(count == 1, "one request, then the 30 s Retry-After stands: %d: %r" % (count, log))
    check("policy's wait stands" in log, "SIGHUP said why it did not refresh: %r" % log)


@test
def watch_sighup_storm_after_success_is_one_exchange_a_second():
    n = last_conn()
    with Watch(script=["expires=3600"]) as w:
        check(wait_for(lambda: read(w.file), 5), "first write")
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2.5:
            w.p.send_signal(1)
            time.sleep(0.05)
        time.sleep(0.2)
        count = len(request_times(n))
        code, log = w.stop()
    check(2 <= count <= 4, "%d exchanges in 2.5 s of SIGHUPs 0.05 s apart: %r" % (count, log))


@test
def status_outside_100_599_and_2xx_other_than_200_are_invalid():
    for words, why in (("status=600", "100-599"), ("status=999", "100-599"),
                       ("okstatus=201", "HTTP 201"), ("okstatus=299", "HTTP 299"),
                       ("okstatus=204", "HTTP 204")):
        r = E.run(["--retries", "3"], script=[words])
        expect(r, 13, why)
        check(r.out == "", "no token", r)


@test
def token_expired_on_arrival_is_invalid():
    for words in ("expires=0", "expires=-5", "expiration=rel:-5 noexp", "expires_raw=\"3600\""):
        r = E.run([], script=[words])
        expect(r, 13)
        check(r.out == "", "no token: %s" % words, r)
    r = E.run([], script=["expires=1"])
    expect_token(r, "a token valid for 1 s still is one")


@test
def close_delimited_body_needs_close_notify():
    r = E.run([], script=["resp=close notify=0"])
    expect(r, 13, "close_notify")
    check(r.out == "", "no token from a stream an attacker could have cut", r)
    r = E.run([], script=["resp=close"])
    expect_token(r, "with close_notify: the issued token")
    r = E.run([], script=["notify=0"])	# Content-Length: the close does not matter
    expect_token(r, "Content-Length body without close_notify")


@test
def weak_rsa_server_key_is_rejected():
    r = E.run([], script=["cert=weakrsa"])
    expect(r, 8, "WEAK_PUBLIC_KEY")


@test
def token_file_that_is_not_a_regular_file_fails_at_once():
    fifo = os.path.join(E.dir, "cr.fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    for path in (fifo, E.dir, "/dev/zero"):
        r = E.run(["--token-file", path, "--timeout", "5"])
        expect(r, 3, "not a regular file")
        check(r.secs < 2.5, "at once, not at the 5 s deadline (%.2fs)" % r.secs, r)


@test
def noproxy_goes_direct_whatever_the_proxy_says():
    for env in ({"NO_PROXY": "*", "ALL_PROXY": "socks5://127.0.0.1:1"},
                {"no_proxy": "localhost", "HTTPS_PROXY": "ftp://x"},
                {"NO_PROXY": ".localhost,other", "https_proxy": "http://[bad"}):
        r = E.run([], env=env)
        expect_token(r, "direct: %r" % env)
    r = E.run([], env={"ALL_PROXY": "socks5://127.0.0.1:1"})
    expect(r, 2, "socks5")	# not exempted: the proxy's syntax still counts


@test
def exec_env_name_too_long_is_a_usage_error():
    r = E.run(["exec", "--env", "A" * 5000] + E.base() + ["--", "/bin/true"], base=False)
    expect(r, 2, "longer than 255")
    r = E.run(["exec", "--env", "A" * 255] + E.base() + ["--", "/bin/sh", "-c",
              'test "${#%s}" -gt 100' % ("A" * 255)], base=False)
    expect(r, 0)


@test
def output_to_special_files_writes_in_place():
    """Before: -o /dev/stdout (or a FIFO with a reader) was replaced by a
    regular file holding the token."""
    r = E.run(["-o", "/dev/stdout"])
    expect_token(r, "-o /dev/stdout is stdout")
    check(os.path.islink("/dev/stdout") or not os.path.isfile("/dev/stdout"),
          "/dev/stdout is not a regular file now")
    d = tempfile.mkdtemp(dir=E.dir)
    fifo = os.path.join(d, "pipe")
    os.mkfifo(fifo, 0o644)
    rd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        r = E.run(["-o", fifo])
        expect(r, 0)
        data = os.read(rd, 65536).decode()
        check(data == E.issued()[-1] + "\n", "the token went through the FIFO", r)
        st = os.lstat(fifo)
        check(stat.S_ISFIFO(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o644,
              "the FIFO is still there, its mode untouched", r)
    finally:
        os.close(rd)
    r = E.run(["-o", fifo])
    expect(r, 14, "no process")
    check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "a FIFO nobody reads is left alone", r)
    if ROOT:	# a private /dev/null: a character device 1,3 of our own
        null = os.path.join(d, "null")
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod(null, 0o666)	# whatever the umask
        r = E.run(["-o", null])
        expect(r, 0)
        st = os.lstat(null)
        check(stat.S_ISCHR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o666,
              "the device is still a device, mode 0666", r)
    check(sorted(os.listdir(d)) in (["pipe"], ["null", "pipe"]), "no temporary file: %r" % os.listdir(d))
    expect(E.run(["-o", "/dev/stderr"]), 2, "stderr")


@test
def ready_file_removed_at_start_and_on_stop():
    d = tempfile.mkdtemp(dir=E.dir)
    leftover = os.path.join(d, "ready")
    open(leftover, "w").close()
    with Watch(extra=["--ready-file", leftover], script=["status=503"]) as w:
        check(wait_for(lambda: not os.path.exists(leftover), 3),
              "a leftover READY is removed at start: %r" % w.log())
        time.sleep(0.5)
        check(not os.path.exists(leftover), "and not made while IAM fails")
    with Watch(script=["expires=3600"]) as w:
        check(wait_for(lambda: os.path.exists(w.ready), 5), "READY once FILE holds a token")
        code, log = w.stop()
        check(code == 0 and not os.path.exists(w.ready), "READY removed when watch stops: %r" % log)
        check(read(w.file) == E.issued()[-1] + "\n", "FILE keeps its token")


@test
def ready_file_removed_when_the_token_expires_not_at_the_next_attempt():
    """Before: READY outlived FILE's token until the next failed attempt (here 30 s later)."""
    with Watch(script=["expires=3", "status=503 retry=30"]) as w:
        check(wait_for(lambda: os.path.exists(w.ready), 5), "READY after the first token")
        exp = json.loads(iam.b64u_decode(read(w.file).split(".")[1]))["exp"]
        check(wait_for(lambda: not os.path.exists(w.ready), exp - time.time() + 1.5),
              "READY removed by the token's expiry: %r" % w.log())
        gone = time.time()
        check(gone >= exp - 1.2, "READY lived until the token expired (%.2f s early)" % (exp - gone))
        check(read(w.file).strip() == E.issued()[-1], "FILE still holds the last good token")


@test
def ready_file_is_never_created_through_a_symlink():
    d = tempfile.mkdtemp(dir=E.dir)
    victim = os.path.join(d, "victim")
    ready = os.path.join(d, "ready")
    os.symlink(victim, ready)
    with Watch(extra=["--ready-file", ready], script=["expires=3600"]) as w:
        check(wait_for(lambda: os.path.isfile(ready), 5), "READY made: %r" % w.log())
        check(not os.path.islink(ready) and not os.path.exists(victim), "the symlink was not followed")


@test
def watch_is_not_dumpable():
    """Tokens in memory: no core file, no ptrace or /proc/PID/mem for the same user."""
    if not ROOT:
        return "skip: needs root to run watch as another user"
    d = tempfile.mkdtemp(prefix="crtoken-e2e-nobody-")	# E.dir is 0700
    os.chmod(d, 0o777)
    cr, ca = os.path.join(d, "cr"), os.path.join(d, "ca.pem")
    shutil.copy(E.crfile, cr)
    shutil.copy(E.ca, ca)
    os.chmod(cr, 0o644)
    os.chmod(ca, 0o644)

    def nobody():
        os.setgid(65534)
        os.setuid(65534)
    p = subprocess.Popen(launch() + ["watch", "--url", E.url, "--cacert", ca,
                         "--token-file", cr, "--profile-id", iam.PROFILE_ID, "-o",
                         os.path.join(d, "token")], env=child_env(), preexec_fn=nobody,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        check(wait_for(lambda: read(os.path.join(d, "token")), 5), "watch wrote its file")
        # a process that is not dumpable has its /proc files owned by root
        check(os.stat("/proc/%d/environ" % p.pid).st_uid == 0, "not dumpable")
    finally:
        p.send_signal(15)
        p.wait(timeout=5)
        shutil.rmtree(d, ignore_errors=True)


def as_pid1(args, script, wait_secs=1.0):
    """Run crtoken as PID 1 of a new PID namespace (as a scratch image's
    entrypoint), send it SIGTERM after wait_secs; (exit code, seconds after TERM)."""
    unshare = shutil.which("unshare", path=SBIN)
    E.srv.script(*script)
    p = subprocess.Popen([unshare, "--pid", "--fork", "--kill-child"] + launch() + args,
                         env=child_env(), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        kids = wait_for(lambda: open("/proc/%d/task/%d/children" % (p.pid, p.pid)).read().split(), 5)
        check(kids, "unshare started its child")
        time.sleep(wait_secs)
        t0 = time.monotonic()
        os.kill(int(kids[0]), signal.SIGTERM)
        code = p.wait(timeout=10)
        return code, time.monotonic() - t0, p.stderr.read().decode()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


@test
def every_mode_ends_on_sigterm_even_as_pid1():
    """Before: as PID 1 the one-shot command, exec and check ignored SIGTERM until --timeout."""
    if not ROOT or not shutil.which("unshare", path=SBIN):
        return "skip: needs root and unshare for a PID namespace"
    for args in ([], ["exec"], ["check"]):
        extra = ["--", "/bin/true"] if args == ["exec"] else []
        code, secs, err = as_pid1(args + E.base() + ["--timeout", "20"] + extra, ["resp=hang"])
        check(code == 143, "%s: exit 143 on SIGTERM as PID 1 (got %s): %r" % (args, code, err))
        check(secs < 2, "%s: promptly (%.2fs)" % (args, secs))
        check("stopped by signal 15" in err, "%s says why: %r" % (args, err))
    code, secs, err = as_pid1(["watch"] + E.base() + ["-o", os.path.join(E.dir, "pid1-token")],
                              ["resp=hang"])
    check(code == 0 and secs < 2, "watch as PID 1: exit 0 at once (%s, %.2fs)" % (code, secs))


@test
def sigterm_and_sigint_exit_codes():
    for sig, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)):
        E.srv.script("resp=hang")
        p = subprocess.Popen(launch() + E.base() + ["--timeout", "20"], env=child_env(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        time.sleep(1)
        p.send_signal(sig)
        out, err = p.communicate(timeout=5)
        check(p.returncode == code and out == b"", "signal %d: exit %d (got %s)" % (sig, code, p.returncode))


@test
def iam_error_quoting_the_signature_in_pieces_is_redacted():
    """The signature is the secret part of a JWT whose claims are known: before,
    an IAM error that quoted it alone printed it whole."""
    sig = E.cr.rpartition(".")[2]
    for args in ([], ["-v"]):
        r = E.run(args, script=["status=400 echosig"])
        check(r.code == 10, "exit 10", r)
        for piece in (sig[:len(sig) // 2], sig[len(sig) // 2:]):
            check(piece[:16] not in r.err and piece[-16:] not in r.err, "no piece of the signature", r)
        check("Signature starts [redacted], ends [redacted]." in r.err,
              "the message still reads as a sentence", r)


# ---------------------------------------------------------------- review of the fail-closed change

def full_pipe():
    """A pipe whose buffer is full and that nobody reads: (read end, write end)."""
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        while True:
            os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(w, True)
    return r, w


@test
def blocked_stderr_never_holds_crtoken():
    """A log collector that stopped reading: stderr full. Before, the error line
    blocked, then the timer's own line blocked too: the run never ended."""
    r, w = full_pipe()
    try:
        for args, script in ((["--timeout", "2"], "resp=hang"), (["-v", "--timeout", "3"], "resp=ok")):
            E.srv.script(script)
            t0 = time.monotonic()
            p = subprocess.Popen(launch() + E.base() + args, env=child_env(), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=w)
            out, _ = p.communicate(timeout=15)
            secs = time.monotonic() - t0
            check(secs < 4.5, "%s: ended by --timeout + 1 s or so (%.2fs)" % (args, secs))
            if script == "resp=ok":
                check(p.returncode == 0 and out.decode() == E.issued()[-1] + "\n",
                      "-v with a full stderr still gives the token (%s)" % p.returncode)
            else:
                check(p.returncode == 9, "exit 9 (got %s)" % p.returncode)
        d = tempfile.mkdtemp(dir=E.dir)
        E.srv.script("expires=3600")
        p = subprocess.Popen(launch() + ["watch"] + E.base() + ["-o", os.path.join(d, "t")],
                             env=child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=w)
        check(wait_for(lambda: read(os.path.join(d, "t")), 8), "watch wrote FILE with stderr full")
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=10)
        check(code == 0 and time.monotonic() - t0 < 2, "watch ends on SIGTERM with stderr full")
    finally:
        os.close(r)
        os.close(w)


@test
def stdout_cut_by_the_timer_ends_the_run():
    """stdout a terminal with less room than the token: the write is partial,
    then blocks. Before, the timer fired, the short write was resumed, and the
    run hung. Now it ends: 9 with part of the token, or 0 when it all fit."""
    import pty
    import tty

    def pty_with_room(free):
        m, s = pty.openpty()
        tty.setraw(s)
        os.set_blocking(s, False)
        n = 0
        try:
            while True:
                n += os.write(s, b"x" * 64)
        except BlockingIOError:
            pass
        os.close(m)
        os.close(s)
        m, s = pty.openpty()
        tty.setraw(s)
        os.set_blocking(s, False)
        k = 0
        try:
            while k < n - free:
                k += os.write(s, b"x" * min(64, n - free - k))
        except BlockingIOError:
            pass
        os.set_blocking(s, True)
        return m, s
    for _ in range(3):
        m, s = pty_with_room(300)
        try:
            E.srv.script("resp=ok")
            t0 = time.monotonic()
            p = subprocess.Popen(launch() + E.base() + ["--timeout", "2"], env=child_env(),
                                 stdin=subprocess.DEVNULL, stdout=s, stderr=subprocess.PIPE)
            try:
                _, err = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise Fail("still running 10 s after a 2 s --timeout, stdout blocked")
            check(p.returncode in (0, 9), "exit 0 or 9 (got %s): %r" % (p.returncode, err))
            check(time.monotonic() - t0 < 4, "ended near the deadline")
            if p.returncode == 9:
                check(err.count(b"deadline passed") == 1, "one sentence, said once: %r" % err)
        finally:
            os.close(m)
            os.close(s)


@test
def check_with_blocked_stdout_ends_on_time():
    r, w = full_pipe()
    try:
        t0 = time.monotonic()
        p = subprocess.Popen(launch() + ["check"] + E.base() + ["--timeout", "2"],
                             env=child_env(), stdin=subprocess.DEVNULL, stdout=w,
                             stderr=subprocess.PIPE)
        _, err = p.communicate(timeout=15)
        check(p.returncode == 9 and time.monotonic() - t0 < 4,
              "check ends by --timeout (%s, %.2fs)" % (p.returncode, time.monotonic() - t0))
    finally:
        os.close(r)
        os.close(w)


@test
def check_json_stopped_by_a_signal_is_still_one_object():
    for sig, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        E.srv.script("resp=hang")
        p = subprocess.Popen(launch() + ["check", "--json"] + E.base() + ["--timeout", "20"],
                             env=child_env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        p.send_signal(sig)
        out, err = p.communicate(timeout=15)
        j = json.loads(out.decode())
        check(p.returncode == code == j["exit"] and "stopped by signal" in j["error"],
              "%s: exit %d, one JSON object: %r %r" % (sig, code, out, err))


@test
def cacert_that_is_not_a_regular_file_fails_at_once():
    fifo = os.path.join(E.dir, "ca.fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    for args in ([], ["check"], ["watch", "-o", os.path.join(E.dir, "never")]):
        r = E.run(args + E.base() + ["--cacert", fifo, "--timeout", "5"], base=False)
        if args == ["check"]:  # the trust step fails, the rest is reported
            check(r.code == 2 and "not a regular file" in line(r, "trust"), "trust fails", r)
        else:
            expect(r, 2, "not a regular file")
        check(r.secs < 2.5, "at once, not at the 5 s deadline (%.2fs)" % r.secs, r)


@test
def file_size_limit_is_exit_14_and_leaves_no_temporary_file():
    import resource
    d = tempfile.mkdtemp(dir=E.dir)

    def small():
        resource.setrlimit(resource.RLIMIT_FSIZE, (300, 300))
    r = E.run(["-o", os.path.join(d, "t")], preexec=small)
    expect(r, 14)
    check(os.listdir(d) == [], "no temporary file with part of the token: %r" % os.listdir(d), r)


@test
def watch_cleans_up_on_quit_and_usr_signals():
    for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGQUIT):
        with Watch(script=["expires=3600"]) as w:
            check(wait_for(lambda: os.path.exists(w.ready), 5), "READY")
            w.p.send_signal(sig)
            code = w.p.wait(timeout=5)
            check(code == 128 + sig, "exit %d (got %s)" % (128 + sig, code))
            check(not os.path.exists(w.ready), "READY removed on signal %d" % sig)
            check(sorted(os.listdir(w.dir)) == ["stderr", "token"], "no temporary file")


@test
def one_shot_cleans_up_on_usr1():
    E.srv.script("resp=hang")
    p = subprocess.Popen(launch() + E.base() + ["--timeout", "20"], env=child_env(),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1)
    p.send_signal(signal.SIGUSR1)
    out, err = p.communicate(timeout=5)
    check(p.returncode == 128 + signal.SIGUSR1 and out == b"", "exit 138 (got %s)" % p.returncode)


@test
def ready_file_for_a_token_that_expired_while_file_was_written():
    """FILE a FIFO that its reader does not drain: the write waits; the token
    expires meanwhile. READY must not be made for it."""
    d = tempfile.mkdtemp(dir=E.dir)
    fifo = os.path.join(d, "token")
    os.mkfifo(fifo)
    rd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    wr = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    try:
        try:
            while True:
                os.write(wr, b"x" * 4096)
        except BlockingIOError:
            pass
        with Watch(extra=["-o", fifo, "--timeout", "5"], script=["expires=2"]) as w:
            end = time.monotonic() + 3.5
            while time.monotonic() < end:
                check(not os.path.exists(w.ready), "no READY for a token FILE never got in time")
                time.sleep(0.02)
            code, log = w.stop()
        check("took longer than the token lived" in log or "timed out" in log,
              "said why: %r" % log)
    finally:
        os.close(rd)
        os.close(wr)


@test
def output_that_is_stdout_or_stderr_however_spelled():
    """A symlink to /proc/self/fd/N (as /dev/stdout is): before, with stdout or
    stderr redirected to a regular file, the symlink was replaced by a file
    holding the token (for /dev/stderr: the token in a new file where
    every process's stderr used to go)."""
    d = tempfile.mkdtemp(dir=E.dir)
    for n in (1, 2):
        os.symlink("/proc/self/fd/%d" % n, os.path.join(d, "fd%d" % n))
    logf = os.path.join(d, "log")
    with open(logf, "w") as log:
        E.srv.script("resp=ok")
        p = subprocess.run(launch() + E.base() + ["-o", os.path.join(d, "fd2")], env=child_env(),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, timeout=20)
    check(p.returncode == 14 and "stderr" in open(logf).read(), "refused: %r" % open(logf).read())
    check(os.path.islink(os.path.join(d, "fd2")), "the symlink is still a symlink")
    for t in E.issued():
        check(t[:40] not in open(logf).read(), "no token in the stderr file")
    outf = os.path.join(d, "out")
    with open(outf, "w") as out:
        p = subprocess.run(launch() + E.base() + ["-o", os.path.join(d, "fd1")], env=child_env(),
                           stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE, timeout=20)
    check(p.returncode == 0 and open(outf).read() == E.issued()[-1] + "\n",
          "written to stdout's file: %r" % p.stderr)
    check(os.path.islink(os.path.join(d, "fd1")), "the symlink is still a symlink")
    r = E.run(["-o", "/dev/null"])	# /dev/null as stderr too: allowed
    expect(r, 0)


@test
def ready_file_must_be_a_file_of_its_own():
    d = tempfile.mkdtemp(dir=E.dir)
    t = os.path.join(d, "t")
    for ready in (t, E.crfile):	# found at start
        r = E.run(["watch", "-o", t, "--ready-file", ready] + E.base(), base=False)
        expect(r, 2, "ready-file")
        check(read(E.crfile) is not None, "the token file is still there")
    check(not os.path.exists(t), "FILE not written")
    # another spelling of a FILE that does not exist yet: found when READY is made
    r = E.run(["watch", "-o", t, "--ready-file", os.path.join(d, ".", "t")] + E.base(), base=False)
    expect(r, 14, "it is FILE")
    check(read(t) == E.issued()[-1] + "\n", "FILE kept its token, not replaced by READY")


@test
def access_token_not_shaped_as_iam_issues_it():
    for words, why in (("access=opaque-token-1234567890", "not a JWT"),
                       ("access=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln noexp", "no expiry"),
                       ("access=x.y", "not a JWT")):
        r = E.run([], script=[words])
        expect(r, 13, why)
        check(r.out == "", "no token", r)


# ---------------------------------------------------------------- main

def main():
    global E
    if not os.access(BIN, os.X_OK):
        print("e2e: %s is not executable" % BIN)
        return 1
    E = Env()
    passed = failed = skipped = 0
    try:
        passed, failed, skipped = harness.run(harness.selected(ONLY))
    finally:
        E.srv.stop()
        shutil.rmtree(E.dir, ignore_errors=True)
    return harness.summary("e2e", passed, failed, skipped)


if __name__ == "__main__":
    sys.exit(main())
