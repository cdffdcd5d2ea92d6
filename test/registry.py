#!/usr/bin/env python3
"""Registry credentials end to end: crtoken's --format docker auth files and
its docker credential helper, used by real clients against a real registry.

usage: registry.py ./crtoken [NAME-SUBSTRING...]

Everything listens on 127.0.0.1, on ports the kernel picks:

  IAM      the stand-in of test/iam.py (as in e2e.py), PKI from pki.sh
  registry Debian's docker-registry (CNCF distribution 2.8) over TLS (a CA
           and a server certificate for IP:127.0.0.1 made here with
           openssl), filesystem storage in the run's directory, and
           `auth: token:` pointing at
  realm    the registry's token service, written here (HTTPS, the same
           server certificate): it accepts Basic auth only from user
           iambearer with a password that is an access token the IAM
           stand-in issued in this run and whose exp has not passed, and
           answers with a registry JWT (RS256 by `openssl dgst`, x5c header
           under a token CA in the registry's rootcertbundle) granting the
           scope asked for; anything else is 401. Every request is recorded
           (user, sha256 of the password, which issued token it is,
           accepted or why not) for the tests to count.

Clients are Debian's skopeo, podman and buildah (podman and buildah in a
private vfs storage in the run's directory, push and pull only: no
container runs). Every client sees the registry's CA through a cert dir
(--dest-cert-dir, --src-cert-dir, --cert-dir), a private policy.json,
registries.conf, HOME and XDG_RUNTIME_DIR: nothing in /etc or /run is used
or changed. The image pushed is an OCI layout made here (three gzip
layers of random files), so every comparison is of real bytes: manifest
digests, image IDs and the files read back out of the pulled layers.

Tests named selfcheck_* use no crtoken at all: the harness gets its IAM
token from the stand-in itself (Python's urllib), writes the auth file
itself, and answers credHelpers with a Python script it generates
(docker-credential-selfcheck). When they pass and a crtoken test fails,
crtoken is at fault, not the harness.

Every run is bounded in time (subprocess timeouts), every wait is a
bounded poll, every process started here is stopped at the end, and after
every run the CR token and every access token the stand-in issued are
looked for on stderr. podman and buildah are skipped only when they
cannot run here (not root, or `info` fails on a private storage); a
missing docker-registry or skopeo fails the setup (sh deps.sh registry).
Output is one line per test, then `registry: N passed, M failed, K skipped`.
"""
import base64
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ left in test/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iam  # noqa: E402
from harness import Fail, Result, check, read, test, wait_for  # noqa: E402
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./crtoken")
ONLY = sys.argv[2:]
ROOT = os.geteuid() == 0
SBIN = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
REGISTRY = shutil.which("docker-registry", path=SBIN)
SKOPEO = shutil.which("skopeo", path=SBIN)
PODMAN = shutil.which("podman", path=SBIN)
BUILDAH = shutil.which("buildah", path=SBIN)
OPENSSL = shutil.which("openssl", path=SBIN)

CLIENT_SECS = 60    # any single skopeo, podman or buildah run
CRTOKEN_SECS = 30   # any single crtoken run
START_SECS = 15     # the registry answers within this
SERVICE = "crtoken-test-registry"
ISSUER = "crtoken-test-realm"
USER = "iambearer"
NOT_FOUND = "credentials not found in native keychain"
ARCH = {"x86_64": "amd64", "aarch64": "arm64", "s390x": "s390x",
        "ppc64le": "ppc64le"}.get(os.uname().machine, "amd64")


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sha(s):
    return hashlib.sha256(s.encode() if isinstance(s, str) else s).hexdigest()


def jwt_payload(tok):
    try:
        return json.loads(iam.b64u_decode(tok.split(".")[1]))
    except Exception:
        return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def openssl(*args, cwd=None, data=None):
    p = subprocess.run([OPENSSL] + list(args), cwd=cwd, input=data, timeout=60,
                       env={"PATH": SBIN, "OPENSSL_CONF": "/dev/null"},
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise Fail("openssl %s: %s" % (" ".join(args[:3]), p.stderr.decode()[-300:]))
    return p.stdout


# ---------------------------------------------------------------- the registry's PKI

def make_registry_pki(d):
    """reg-ca -> reg-leaf (TLS of the registry and the realm, IP:127.0.0.1);
    tok-ca -> tok-signer (RSA, signs the realm's JWTs; tok-ca.pem is the
    registry's rootcertbundle); rogue-signer, self-signed, trusted by nobody."""
    os.makedirs(d)
    with open(os.path.join(d, "ca.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                "subjectKeyIdentifier=hash\n")
    with open(os.path.join(d, "leaf.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n"
                "authorityKeyIdentifier=keyid\n")
    with open(os.path.join(d, "signer.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "authorityKeyIdentifier=keyid\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    for ca in ("reg-ca", "tok-ca"):
        openssl("req", "-x509", "-new", *ec, "-nodes", "-keyout", ca + ".key", "-days", "2",
                "-subj", "/O=crtoken registry tests/CN=" + ca, "-addext",
                "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign", "-out", ca + ".pem", cwd=d)
    for name, ca, ext, key in (("reg-leaf", "reg-ca", "leaf.ext", ec),
                               ("tok-signer", "tok-ca", "signer.ext",
                                ["-newkey", "rsa:2048"])):
        openssl("req", "-new", *key, "-nodes", "-keyout", name + ".key",
                "-subj", "/O=crtoken registry tests/CN=" + name, "-out", name + ".csr", cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", name + ".pem", cwd=d)
    openssl("req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
            "rogue-signer.key", "-days", "2", "-subj", "/CN=rogue-signer", "-out",
            "rogue-signer.pem", cwd=d)
    certs = os.path.join(d, "certs.d")	# what the clients get as --cert-dir
    os.makedirs(certs)
    shutil.copy(os.path.join(d, "reg-ca.pem"), os.path.join(certs, "ca.crt"))
    return d


def der_b64(pem_path):
    return base64.b64encode(openssl("x509", "-in", pem_path, "-outform", "DER")).decode()


# ---------------------------------------------------------------- the realm

class Realm:
    """The registry's token service: GET /token with Basic auth (POST with a
    password grant too), a registry JWT for the scopes asked for when the
    password is a live token the IAM stand-in issued to user iambearer."""

    def __init__(self, pki, iam_state, log_path):
        self.pki, self.iam_state, self.log_path = pki, iam_state, log_path
        self.lock = threading.Lock()
        self.records = []	# one dict per request answered
        self.errors = []	# connections that ended in an exception
        self.x5c = [der_b64(os.path.join(pki, "tok-signer.pem"))]
        self.key = os.path.join(pki, "tok-signer.key")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(pki, "reg-leaf.pem"), os.path.join(pki, "reg-leaf.key"))
        realm = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 20

            def setup(self):
                super().setup()
                self.connection.do_handshake()

            def do_GET(self):
                realm.answer(self)

            def do_POST(self):
                realm.answer(self)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, address):	# a failed handshake...
                with realm.lock:
                    realm.errors.append("%s" % (sys.exc_info()[1],))

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True,
                                            do_handshake_on_connect=False)
        self.port = self.httpd.server_address[1]
        self.url = "https://127.0.0.1:%d/token" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={
            "poll_interval": 0.2}, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def note(self, rec):
        rec["time"] = time.time()
        with self.lock:
            self.records.append(rec)
            with open(self.log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")

    def log(self):
        with self.lock:
            return list(self.records)

    def judge(self, user, password):
        """(accepted, why): the password must be a live token IAM issued."""
        if user is None:
            return False, "no credentials"
        if user != USER:
            return False, "user %r is not %s" % (user, USER)
        issued = iam.issued(self.iam_state)
        if password not in issued:
            return False, "not a token the IAM stand-in issued"
        exp = (jwt_payload(password) or {}).get("exp")
        if not isinstance(exp, int):
            return False, "no exp"
        if exp <= time.time():
            return False, "expired %.1fs ago" % (time.time() - exp)
        return True, "ok"

    def sign(self, claims, key=None, x5c=None):
        header = {"typ": "JWT", "alg": "RS256", "x5c": x5c or self.x5c}
        data = "%s.%s" % (b64u(json.dumps(header).encode()), b64u(json.dumps(claims).encode()))
        sig = openssl("dgst", "-sha256", "-sign", key or self.key, data=data.encode())
        return data + "." + b64u(sig)

    def token(self, user, scopes, lifetime=300, **kw):
        now = int(time.time())
        access = []
        for scope in scopes:
            for one in scope.split():
                typ, _, rest = one.partition(":")
                name, _, actions = rest.rpartition(":")
                access.append({"type": typ, "name": name,
                               "actions": [a for a in actions.split(",") if a]})
        return self.sign({"iss": ISSUER, "sub": user, "aud": SERVICE, "exp": now + lifetime,
                          "nbf": now - 5, "iat": now, "jti": os.urandom(8).hex(),
                          "access": access}, **kw)

    def answer(self, h):
        u = urllib.parse.urlsplit(h.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        rec = {"method": h.command, "path": u.path, "service": q.get("service", [None])[0],
               "scope": q.get("scope", []), "account": q.get("account", [None])[0],
               "user": None, "pw_sha": None, "issued_index": None, "grant": None}
        user = password = None
        auth = h.headers.get("Authorization", "")
        if h.command == "POST":
            n = int(h.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(h.rfile.read(min(n, 1 << 16)).decode("latin-1"))
            rec["grant"] = form.get("grant_type", [None])[0]
            rec["service"] = form.get("service", [rec["service"]])[0]
            rec["scope"] = form.get("scope", rec["scope"])
            if rec["grant"] == "password":
                user, password = form.get("username", [""])[0], form.get("password", [""])[0]
        elif auth[:6].lower() == "basic ":
            try:
                user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except Exception:
                user, password = "", ""
        elif auth:
            rec["user"] = "(%s)" % auth.split()[0]
        if user is not None:
            rec["user"], rec["pw_sha"] = user, sha(password)
            issued = iam.issued(self.iam_state)
            rec["issued_index"] = issued.index(password) if password in issued else None
        ok, why = self.judge(user, password)
        if ok and u.path != "/token":
            ok, why = False, "path %s" % u.path
        if ok and rec["service"] != SERVICE:
            ok, why = False, "service %r" % rec["service"]
        rec["accepted"], rec["why"] = ok, why
        self.note(rec)
        if ok:
            tok = self.token(user, rec["scope"])
            body = json.dumps({"token": tok, "access_token": tok, "expires_in": 300,
                               "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                          time.gmtime())}).encode()
            h.send_response(200)
        else:
            body = json.dumps({"errors": [{"code": "UNAUTHORIZED",
                                           "message": "crtoken test realm: " + why}]}).encode()
            h.send_response(401)
            h.send_header("WWW-Authenticate", 'Basic realm="%s"' % ISSUER)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


# ---------------------------------------------------------------- the registry

class Registry:
    """docker-registry serve, TLS on 127.0.0.1, token auth against the realm."""

    def __init__(self, d, pki, realm_url):
        self.dir, self.pki = d, pki
        self.storage = os.path.join(d, "storage")
        self.logf = os.path.join(d, "registry.log")
        self.p = None
        self.ctx = ssl.create_default_context(cafile=os.path.join(pki, "reg-ca.pem"))
        last = "never tried"
        for _ in range(3):	# a port taken between free_port() and the bind: another
            self.port = free_port()
            cfg = os.path.join(d, "config.yml")
            with open(cfg, "w") as f:
                f.write(self.config(realm_url))
            with open(self.logf, "ab") as log:
                self.p = subprocess.Popen([REGISTRY, "serve", cfg], stdin=subprocess.DEVNULL,
                                          stdout=log, stderr=subprocess.STDOUT,
                                          env={"PATH": SBIN, "HOME": d, "LC_ALL": "C"})
            if wait_for(self.ready, START_SECS, 0.1) == "up":
                return
            last = "%s; log: %s" % (self.p.poll(), (read(self.logf) or "")[-600:])
            self.stop()
        raise Fail("docker-registry did not start: exit %s" % last)

    def config(self, realm_url):
        p = lambda n: os.path.join(self.pki, n)  # noqa: E731
        return "\n".join([
            "version: 0.1",
            "log:",
            "  level: info",
            "  accesslog:",
            "    disabled: true",
            "storage:",
            "  filesystem:",
            "    rootdirectory: %s" % self.storage,
            "  maintenance:",
            "    uploadpurging:",
            "      enabled: false",
            "http:",
            "  addr: 127.0.0.1:%d" % self.port,
            "  secret: %s" % os.urandom(16).hex(),
            "  tls:",
            "    certificate: %s" % p("reg-leaf.pem"),
            "    key: %s" % p("reg-leaf.key"),
            "auth:",
            "  token:",
            "    realm: %s" % realm_url,
            "    service: %s" % SERVICE,
            "    issuer: %s" % ISSUER,
            "    rootcertbundle: %s" % p("tok-ca.pem"),
            ""])

    def get(self, path, bearer=None):
        """(status, headers, body) of GET https://127.0.0.1:PORT/path."""
        req = urllib.request.Request("https://127.0.0.1:%d%s" % (self.port, path))
        if bearer:
            req.add_header("Authorization", "Bearer " + bearer)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=5) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def ready(self):
        """"up" when /v2/ asks for a Bearer token, "dead" when it exited, else False."""
        if self.p.poll() is not None:
            return "dead"
        try:
            status, headers, _ = self.get("/v2/")
        except (OSError, ssl.SSLError):
            return False
        if status == 401 and headers.get("WWW-Authenticate", "").startswith("Bearer "):
            return "up"
        return False

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def repos(self):
        """The repositories in the storage (the registry's own layout)."""
        top = os.path.join(self.storage, "docker", "registry", "v2", "repositories")
        out = []
        for d, dirs, _ in os.walk(top):
            if "_manifests" in dirs:
                out.append(os.path.relpath(d, top))
                dirs.clear()
        return sorted(out)

    def stop(self):
        if self.p is None or self.p.poll() is not None:
            return
        self.p.terminate()
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(timeout=5)


# ---------------------------------------------------------------- an OCI layout

def tar_one(name, data):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        ti = tarfile.TarInfo(name)
        ti.size, ti.mode, ti.mtime = len(data), 0o644, 0
        t.addfile(ti, io.BytesIO(data))
    return out.getvalue()


def make_layout(path, tag, files):
    """An OCI image layout at path: one gzip layer per (name, bytes), tagged
    tag. Returns (manifest digest, config digest)."""
    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs)

    def put(data):
        d = sha(data)
        with open(os.path.join(blobs, d), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + d, "size": len(data)}
    layers, diff_ids = [], []
    for name, data in files:
        t = tar_one(name, data)
        layers.append(dict(put(gzip.compress(t, mtime=0)),
                           mediaType="application/vnd.oci.image.layer.v1.tar+gzip"))
        diff_ids.append("sha256:" + sha(t))
    config = put(json.dumps({"architecture": ARCH, "os": "linux", "config": {},
                             "created": "2024-01-01T00:00:00Z",
                             "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode())
    config["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = put(json.dumps({"schemaVersion": 2,
                               "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": config, "layers": layers}).encode())
    manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    manifest["annotations"] = {"org.opencontainers.image.ref.name": tag}
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [manifest]}, f)
    with open(os.path.join(path, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    return manifest["digest"], config["digest"]


def read_layout(path, tag):
    """(manifest digest, config digest, {file name: bytes}) of tag in an OCI layout."""
    with open(os.path.join(path, "index.json")) as f:
        index = json.load(f)
    m = [x for x in index["manifests"]
         if (x.get("annotations") or {}).get("org.opencontainers.image.ref.name") == tag]
    check(len(m) == 1, "%s holds tag %s once: %r" % (path, tag, index))

    def blob(digest):
        with open(os.path.join(path, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
            data = f.read()
        check(sha(data) == digest.split(":")[1], "blob %s has its digest" % digest)
        return data
    manifest = json.loads(blob(m[0]["digest"]))
    files = {}
    for layer in manifest["layers"]:
        data = blob(layer["digest"])
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            for member in t.getmembers():
                if member.isreg():
                    files[member.name.lstrip("./")] = t.extractfile(member).read()
    return m[0]["digest"], manifest["config"]["digest"], files


# ---------------------------------------------------------------- the fixture

SELFCHECK_HELPER = r'''#!%(python)s
# docker-credential-selfcheck: the harness's own credential helper (registry.py
# self-check), no crtoken involved: answers with the token in %(token)r.
import json, sys, time
HOSTS = %(hosts)r
action = sys.argv[1] if len(sys.argv) > 1 else ""
data = sys.stdin.read() if action in ("get", "store", "erase") else ""
with open(%(log)r, "a") as f:
    f.write(json.dumps({"action": action, "input": data, "time": time.time()}) + "\n")
if action == "get":
    host = data.strip()
    for p in ("https://", "http://"):
        if host.startswith(p):
            host = host[len(p):]
    host = host.rstrip("/")
    if host not in HOSTS:
        print("credentials not found in native keychain")
        sys.exit(1)
    with open(%(token)r) as f:
        token = f.read().strip()
    print(json.dumps({"ServerURL": data.strip(), "Username": "iambearer", "Secret": token}))
elif action == "list":
    print(json.dumps({h: "iambearer" for h in HOSTS}))
elif action not in ("store", "erase"):
    print("unknown action %%r" %% action)
    sys.exit(1)
'''


class Env:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="crtoken-registry-")
        os.chmod(self.dir, 0o755)
        self.procs = []
        self.srv = self.realm = self.registry = None
        try:
            self.setup()
        except BaseException:
            self.stop()
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def setup(self):
        self.pki = os.path.join(self.dir, "pki")
        subprocess.run(["sh", os.path.join(HERE, "pki.sh"), self.pki], check=True, timeout=120,
                       stdout=subprocess.DEVNULL)
        self.state = os.path.join(self.dir, "state")
        self.srv = iam.Standin(self.pki, self.state)
        self.url = "https://localhost:%d" % self.srv.port
        self.ca = os.path.join(self.pki, "ca.pem")
        self.cr = iam.cr_token()
        self.crfile = self.write("cr", self.cr + "\n")
        self.secrets = [self.cr]
        self.rpki = make_registry_pki(os.path.join(self.dir, "rpki"))
        self.certs = os.path.join(self.rpki, "certs.d")
        self.realm = Realm(self.rpki, self.state, os.path.join(self.dir, "realm.jsonl"))
        self.registry = Registry(self.mkdir("registry"), self.rpki, self.realm.url)
        self.host = "127.0.0.1:%d" % self.registry.port
        # the clients' private world
        self.bin = self.mkdir("bin")
        os.symlink(BIN, os.path.join(self.bin, "docker-credential-crtoken"))
        self.home = self.mkdir("home")
        self.xdg = self.mkdir("xdg")
        os.chmod(self.xdg, 0o700)
        self.tmp = self.mkdir("tmp")
        self.policy = self.write("policy.json", json.dumps(
            {"default": [{"type": "insecureAcceptAnything"}]}))
        self.regconf = self.write("registries.conf", "unqualified-search-registries = []\n")
        self.conf = self.write("containers.conf", "[containers]\ndefault_ulimits = []\n"
                               "[engine]\nevents_logger = \"none\"\n"
                               "cgroup_manager = \"cgroupfs\"\n"
                               "[network]\nnetwork_config_dir = \"%s\"\n" % self.mkdir("net"))
        # the self-check's helper: answers with the token in selfcheck.token
        self.sc_token = self.write("selfcheck.token", "", mode=0o600)
        self.sc_log = self.write("selfcheck.log", "")
        self.write("bin/docker-credential-selfcheck", SELFCHECK_HELPER % {
            "python": sys.executable, "token": self.sc_token, "hosts": [self.host],
            "log": self.sc_log}, mode=0o755)
        # the image: three layers of random bytes, fresh each run
        self.tag = "v1"
        self.files = [("hello.txt", b"hello from crtoken's registry test %s\n" %
                       os.urandom(8).hex().encode()),
                      ("etc/crtoken-test.conf", b"seed=%s\n" % os.urandom(16).hex().encode()),
                      ("data.bin", os.urandom(4096))]
        self.layout = os.path.join(self.dir, "layout")
        self.digest, self.config_digest = make_layout(self.layout, self.tag, self.files)
        self.n = 0

    # ---- files and names
    def mkdir(self, name):
        d = os.path.join(self.dir, name)
        os.makedirs(d)
        return d

    def write(self, name, data, mode=0o644):
        path = os.path.join(self.dir, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def fresh(self, what):
        """A new directory, and a repository name no test used before."""
        self.n += 1
        d = os.path.join(self.dir, "%02d-%s" % (self.n, what))
        os.makedirs(d)
        return d, "crtoken-test/%s-%d" % (what, self.n)

    def authfile(self, path, creds=None, helpers=None):
        """creds: {host: (user, password)}; helpers: {host: helper name}."""
        j = {"auths": {h: {"auth": base64.b64encode(("%s:%s" % c).encode()).decode()}
                       for h, c in (creds or {}).items()}}
        if helpers:
            j["credHelpers"] = helpers
        with open(path, "w") as f:
            json.dump(j, f)
        os.chmod(path, 0o600)
        return path

    # ---- IAM
    def issued(self):
        return iam.issued(self.state)

    def requests(self):
        return iam.requests(self.state)

    def python_exchange(self, script=()):
        """The harness's own IAM exchange (no crtoken): the access token."""
        self.srv.script(*script)
        body = urllib.parse.urlencode({"grant_type": iam.GRANT, "cr_token": self.cr,
                                       "profile_id": iam.PROFILE_ID}).encode()
        req = urllib.request.Request(self.url + "/identity/token", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        ctx = ssl.create_default_context(cafile=self.ca)
        with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
            tok = json.load(r)["access_token"]
        check(tok == self.issued()[-1], "the stand-in logged the token it issued")
        return tok

    # ---- runs
    def run(self, cmd, env=None, timeout=CLIENT_SECS, stdin=None):
        t0 = time.monotonic()
        p = subprocess.run(cmd, env=env, timeout=timeout,
                           input=stdin.encode() if stdin is not None else None,
                           stdin=subprocess.DEVNULL if stdin is None else None,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        r = Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
        for s in self.secrets + [t for t in self.issued() if len(t) >= 16]:
            check(s[:40] not in r.err, "a token leaked to stderr of %s" % cmd[0], r)
        return r

    def client_env(self, extra=None):
        e = {"PATH": self.bin + ":" + SBIN, "HOME": self.home, "XDG_RUNTIME_DIR": self.xdg,
             "LC_ALL": "C", "TMPDIR": self.tmp, "CONTAINERS_REGISTRIES_CONF": self.regconf,
             "CONTAINERS_CONF": self.conf}
        e.update(extra or {})
        return e

    def helper_env(self, cache, registries=None, extra=None):
        """The credential helper's whole configuration: the environment."""
        e = {"IAM_PROFILE_ID": iam.PROFILE_ID, "CR_TOKEN_FILENAME": self.crfile,
             "IAM_URL": self.url, "SSL_CERT_FILE": self.ca,
             "CRTOKEN_REGISTRIES": registries or self.host}
        if cache:
            e["CRTOKEN_CACHE"] = cache
        e.update(extra or {})
        return e

    def base(self):
        return ["--url", self.url, "--cacert", self.ca, "--token-file", self.crfile,
                "--profile-id", iam.PROFILE_ID, "--retries", "0"]

    def crtoken(self, args, env=None, script=(), stdin=None, argv0=None, timeout=CRTOKEN_SECS):
        """crtoken with the given arguments (the caller adds base() where it wants it)."""
        self.srv.script(*script)
        e = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                e[k] = os.environ[k]
        e.update(env or {})
        return self.run([argv0 or BIN] + list(args), env=e, stdin=stdin, timeout=timeout)

    def helper(self, action, stdin=None, env=None, via="symlink", script=()):
        """The credential helper: as docker-credential-crtoken ACTION, or as
        crtoken credential-helper ACTION."""
        if via == "symlink":
            return self.crtoken([action], env=env, stdin=stdin, script=script,
                                argv0=os.path.join(self.bin, "docker-credential-crtoken"))
        return self.crtoken(["credential-helper", action], env=env, stdin=stdin, script=script)

    def skopeo(self, args, env=None):
        return self.run([SKOPEO, "--policy", self.policy] + list(args),
                        env=self.client_env(env))

    def push(self, repo, authfile=None, env=None, tag="v1", digestfile=None):
        """skopeo copy the OCI layout to the registry; (result, pushed digest)."""
        df = digestfile or os.path.join(self.tmp, "digest-%s" % os.urandom(4).hex())
        args = ["copy", "--dest-cert-dir", self.certs, "--digestfile", df]
        args += ["--authfile", authfile] if authfile else []
        r = self.skopeo(args + ["oci:%s:%s" % (self.layout, self.tag),
                                "docker://%s/%s:%s" % (self.host, repo, tag)], env=env)
        return r, (read(df) or "").strip()

    def pull(self, repo, out, authfile=None, env=None, tag="v1"):
        """skopeo copy back into a new OCI layout at out."""
        args = ["copy", "--src-cert-dir", self.certs]
        args += ["--authfile", authfile] if authfile else []
        return self.skopeo(args + ["docker://%s/%s:%s" % (self.host, repo, tag),
                                   "oci:%s:%s" % (out, tag)], env=env)

    def round_trip(self, repo, d, authfile=None, env=None, what=""):
        """push and pull back with skopeo: the same manifest digest, the same files."""
        r, digest = self.push(repo, authfile, env)
        check(r.code == 0, "%sskopeo push to %s/%s" % (what, self.host, repo), r)
        check(digest == self.digest, "%sthe pushed digest %s is the layout's %s" % (
            what, digest, self.digest), r)
        out = os.path.join(d, "pulled-%s" % os.urandom(3).hex())
        r = self.pull(repo, out, authfile, env)
        check(r.code == 0, "%sskopeo pull from %s/%s" % (what, self.host, repo), r)
        got_digest, got_config, files = read_layout(out, self.tag)
        check(got_digest == self.digest and got_config == self.config_digest,
              "%spulled back the same manifest and config: %s %s" % (what, got_digest,
                                                                    got_config))
        check(files == dict(self.files), "%sthe pulled layers hold the same files: %r" % (
            what, sorted(files)))
        return digest

    def realm_since(self, n):
        return self.realm.log()[n:]

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
        for s in (self.registry, self.realm, self.srv):
            if s is not None:
                s.stop()


E = None


def auth_error(r):
    """True when a client's failure reads as an authentication refusal."""
    t = (r.out + r.err).lower()
    return r.code != 0 and any(n in t for n in (
        "unauthorized", "authentication required", "invalid username/password",
        "access to the requested resource is not authorized"))


def expect_cr(r, code, what):
    check(r.code == code, "%s: exit %d expected" % (what, code), r)


def decode_authfile(text, what):
    """{host: (user, password)} of a --format docker file, checking its shape."""
    try:
        j = json.loads(text)
    except ValueError:
        raise Fail("%s: not JSON: %r" % (what, text[:200]))
    check(isinstance(j, dict) and list(j) == ["auths"], "%s: one key, auths: %r" % (
        what, list(j) if isinstance(j, dict) else j))
    out = {}
    for h, v in j["auths"].items():
        check(isinstance(v, dict) and list(v) == ["auth"], "%s: %s has only auth: %r" % (
            what, h, v))
        try:
            user, sep, pw = base64.b64decode(v["auth"], validate=True).decode().partition(":")
        except Exception:
            raise Fail("%s: %s: auth is not base64 of user:password" % (what, h))
        check(sep == ":", "%s: %s: user:password" % (what, h))
        out[h] = (user, pw)
    return out


# ---------------------------------------------------------------- podman and buildah

class Store:
    """podman or buildah on a private vfs storage in the run's directory."""

    def __init__(self, tool):
        self.tool = tool
        self.exe = {"podman": PODMAN, "buildah": BUILDAH}[tool]
        self.root = os.path.join(E.dir, tool + "-root")
        self.runroot = os.path.join(E.dir, tool + "-run")
        self.local = "localhost/crtoken-registry-test:%s" % E.tag

    def cmd(self, args, env=None):
        g = ["--root", self.root, "--runroot", self.runroot, "--storage-driver", "vfs"]
        if self.tool == "podman":
            g += ["--tmpdir", os.path.join(E.dir, "podman-tmp"), "--cgroup-manager", "cgroupfs",
                  "--events-backend", "none"]
        return E.run([self.exe] + g + list(args), env=E.client_env(env))

    def usable(self):
        """None when the tool runs here, else why not (the exact error)."""
        if not ROOT:
            return "needs root"
        if not self.exe:
            return None	# not installed: the tests fail (deps.sh installs it)
        r = self.cmd(["info"])
        if r.code != 0:
            return "%s info on a private vfs storage failed: exit %d: %s" % (
                self.tool, r.code, r.err.strip()[-400:])
        return None

    def import_layout(self):
        """The OCI layout into the store, tagged self.local; its image ID."""
        r = self.cmd(["pull", "--signature-policy", E.policy, "oci:%s:%s" % (E.layout, E.tag)])
        check(r.code == 0, "%s pull oci:layout" % self.tool, r)
        iid = r.out.strip().splitlines()[-1] if r.out.strip() else ""
        r = self.cmd(["tag", iid, self.local])
        check(r.code == 0, "%s tag" % self.tool, r)
        return iid

    def image_id(self, ref):
        fmt = "{{.Id}}" if self.tool == "podman" else "{{.FromImageID}}"
        r = self.cmd(["inspect", "--type", "image", "--format", fmt, ref])
        check(r.code == 0, "%s inspect %s" % (self.tool, ref), r)
        return r.out.strip()

    def push(self, repo, tag, authfile, env=None):
        df = os.path.join(E.tmp, "digest-%s" % os.urandom(4).hex())
        r = self.cmd(["push", "--signature-policy", E.policy, "--cert-dir", E.certs,
                      "--authfile", authfile, "--digestfile", df, self.local,
                      "docker://%s/%s:%s" % (E.host, repo, tag)], env=env)
        return r, (read(df) or "").strip()

    def pull(self, repo, tag, authfile, env=None):
        return self.cmd(["pull", "--signature-policy", E.policy, "--cert-dir", E.certs,
                         "--authfile", authfile, "docker://%s/%s:%s" % (E.host, repo, tag)],
                        env=env)

    def rmi(self, ref):
        return self.cmd(["rmi", "--force", ref])

    def round_trip(self, repo, push_auth, pull_auth, env=None, what=""):
        """push (push_auth), remove, pull back (pull_auth): the same image ID,
        the digest pushed is what the registry serves."""
        iid = self.import_layout()
        check(iid == E.config_digest.split(":")[1], "%s: the imported image ID %s is the "
              "layout's config %s" % (self.tool, iid, E.config_digest))
        r, digest = self.push(repo, "v1", push_auth, env)
        check(r.code == 0 and digest.startswith("sha256:"),
              "%s%s push to %s/%s" % (what, self.tool, E.host, repo), r)
        remote = "%s/%s:v1" % (E.host, repo)
        r = self.rmi(iid)
        check(r.code == 0, "%s rmi --force %s" % (self.tool, iid), r)
        r = self.cmd(["images", "--quiet", "--no-trunc"])
        check(r.code == 0 and iid not in r.out, "%s: the image is gone before the pull: %r"
              % (self.tool, r.out), r)
        r = self.pull(repo, "v1", pull_auth, env)
        check(r.code == 0, "%s%s pull from %s" % (what, self.tool, remote), r)
        got = self.image_id(remote)
        check(got == iid, "%s: pulled back image %s, pushed %s" % (self.tool, got, iid))
        r = E.skopeo(["inspect", "--raw", "--cert-dir", E.certs, "--authfile", pull_auth,
                      "docker://" + remote], env=env)
        check(r.code == 0 and "sha256:" + sha(r.out.encode()) == digest,
              "%s: the registry serves the manifest %s pushed" % (self.tool, digest), r)
        self.rmi(remote)
        return digest


STORES = {}


def store(tool):
    """The tool's Store, or a skip reason when it cannot run here."""
    if tool not in STORES:
        s = Store(tool)
        STORES[tool] = (s, s.usable())
    s, why = STORES[tool]
    if why:
        return None, "skip: %s: %s" % (tool, why)
    check(s.exe, "%s is not installed (sh deps.sh registry)" % tool)
    return s, None


# ---------------------------------------------------------------- self-checks (no crtoken)

@test
def selfcheck_registry_demands_a_token_from_the_realm():
    """The chain in Python: /v2/ says Bearer; the realm refuses no, wrong and
    unknown credentials; a realm JWT opens /v2/; a JWT signed by a key
    outside the rootcertbundle does not."""
    status, headers, _ = E.registry.get("/v2/")
    ch = headers.get("WWW-Authenticate", "")
    check(status == 401 and 'realm="%s"' % E.realm.url in ch and
          'service="%s"' % SERVICE in ch, "401 with the realm's challenge: %d %r" % (status, ch))
    tok = E.python_exchange()
    ctx = ssl.create_default_context(cafile=os.path.join(E.rpki, "reg-ca.pem"))

    def realm(user, pw, service=SERVICE):
        q = urllib.parse.urlencode({"service": service, "scope": "repository:x/y:pull"})
        req = urllib.request.Request(E.realm.url + "?" + q)
        if user is not None:
            req.add_header("Authorization", "Basic " + base64.b64encode(
                ("%s:%s" % (user, pw)).encode()).decode())
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, None
    n = len(E.realm.log())
    for user, pw, why in ((None, None, "no credentials"), (USER, "garbage", "not a token"),
                          ("iamapikey", tok, "user"), (USER, tok[:-2], "not a token")):
        status, _ = realm(user, pw)
        check(status == 401, "the realm refuses %r: %d" % (why, status))
    status, _ = realm(USER, tok, service="other")
    check(status == 401, "the realm refuses another service")
    status, j = realm(USER, tok)
    check(status == 200 and j and j.get("token"), "the realm accepts a live issued token")
    log = E.realm_since(n)
    check([r["accepted"] for r in log] == [False] * 5 + [True], "the realm log: %r" % log)
    check(log[-1]["user"] == USER and log[-1]["pw_sha"] == sha(tok) and
          log[-1]["issued_index"] == len(E.issued()) - 1, "the realm logged who: %r" % log[-1])
    status, _, _ = E.registry.get("/v2/", bearer=j["token"])
    check(status == 200, "the registry accepts the realm's JWT: %d" % status)
    rogue = E.realm.token(USER, ["repository:x/y:pull"],
                          key=os.path.join(E.rpki, "rogue-signer.key"),
                          x5c=[der_b64(os.path.join(E.rpki, "rogue-signer.pem"))])
    status, _, _ = E.registry.get("/v2/", bearer=rogue)
    check(status == 401, "the registry refuses a JWT signed outside its bundle: %d" % status)
    expired = E.realm.token(USER, ["repository:x/y:pull"], lifetime=-120)
    status, _, _ = E.registry.get("/v2/", bearer=expired)
    check(status == 401, "the registry refuses an expired JWT: %d" % status)


@test
def selfcheck_python_authfile_skopeo_push_pull():
    """(f) An auth file the harness writes with a token it got itself."""
    d, repo = E.fresh("selfcheck-authfile")
    tok = E.python_exchange()
    af = E.authfile(os.path.join(d, "auth.json"), {E.host: (USER, tok)})
    n = len(E.realm.log())
    E.round_trip(repo, d, af, what="self-check: ")
    log = E.realm_since(n)
    check(log and all(r["accepted"] and r["pw_sha"] == sha(tok) for r in log),
          "the realm saw only the harness's token: %r" % log)
    check(repo in E.registry.repos(), "the repository is in the registry's storage")


@test
def selfcheck_python_helper_skopeo_push_pull():
    """(f) credHelpers -> docker-credential-selfcheck (Python, made here)."""
    d, repo = E.fresh("selfcheck-helper")
    tok = E.python_exchange()
    with open(E.sc_token, "w") as f:
        f.write(tok + "\n")
    af = E.authfile(os.path.join(d, "auth.json"), helpers={E.host: "selfcheck"})
    calls = len(iam.state_lines(E.dir, "selfcheck.log"))
    n = len(E.realm.log())
    E.round_trip(repo, d, af, what="self-check: ")
    gets = [json.loads(x) for x in iam.state_lines(E.dir, "selfcheck.log")[calls:]]
    check(len([g for g in gets if g["action"] == "get"]) >= 2,
          "skopeo asked the helper (get) for the push and the pull: %r" % gets)
    check(all(g["input"].strip() in (E.host, "https://" + E.host) for g in gets),
          "the helper was asked about %s: %r" % (E.host, gets))
    log = E.realm_since(n)
    check(log and all(r["accepted"] and r["pw_sha"] == sha(tok) for r in log),
          "the realm saw only the helper's token: %r" % log)


def selfcheck_store(tool):
    s, skip = store(tool)
    if skip:
        return skip
    d, repo = E.fresh("selfcheck-" + tool)
    tok = E.python_exchange()
    with open(E.sc_token, "w") as f:
        f.write(tok + "\n")
    af = E.authfile(os.path.join(d, "auth.json"), {E.host: (USER, tok)})
    hf = E.authfile(os.path.join(d, "helper.json"), helpers={E.host: "selfcheck"})
    n = len(E.realm.log())
    calls = len(iam.state_lines(E.dir, "selfcheck.log"))
    s.round_trip(repo, af, hf, what="self-check: ")
    log = E.realm_since(n)
    check(log and all(r["accepted"] and r["pw_sha"] == sha(tok) for r in log),
          "the realm saw only the harness's token: %r" % log)
    gets = [json.loads(x) for x in iam.state_lines(E.dir, "selfcheck.log")[calls:]]
    check(any(g["action"] == "get" and E.host in g["input"] for g in gets),
          "%s asked the helper (get %s): %r" % (tool, E.host, gets))


@test
def selfcheck_python_authfile_and_helper_podman():
    """(f) podman push with the harness's auth file, pull with its helper."""
    return selfcheck_store("podman")


@test
def selfcheck_python_authfile_and_helper_buildah():
    """(f) buildah push with the harness's auth file, pull with its helper."""
    return selfcheck_store("buildah")


@test
def selfcheck_refusals_garbage_wrong_user_expired():
    """(c) The registry refuses what is not a live IAM token (harness files)."""
    d, repo = E.fresh("selfcheck-refused")
    live = E.python_exchange()
    short = E.python_exchange(script=["expires=1"])
    E.srv.script()
    cases = [("garbage", (USER, "not-a-token-%s" % os.urandom(8).hex()), "not a token"),
             ("wrong user", ("iamapikey", live), "user"),
             ("truncated", (USER, live[:-4]), "not a token")]
    check(wait_for(lambda: time.time() > jwt_payload(short)["exp"] + 0.2, 4),
          "the short token expired")
    cases.append(("expired", (USER, short), "expired"))
    for name, cred, why in cases:
        n = len(E.realm.log())
        af = E.authfile(os.path.join(d, name.replace(" ", "-") + ".json"), {E.host: cred})
        r, digest = E.push(repo, af)
        check(auth_error(r), "%s: the push fails with an authentication error" % name, r)
        check(digest == "", "%s: no digest written" % name)
        log = E.realm_since(n)
        check(log and not any(x["accepted"] for x in log) and
              all(why in x["why"] for x in log), "%s: the realm refused: %r" % (name, log))
    check(repo not in E.registry.repos(), "nothing reached the storage: %r" % E.registry.repos())
    af = E.authfile(os.path.join(d, "live.json"), {E.host: (USER, live)})
    r, digest = E.push(repo, af)
    check(r.code == 0 and digest == E.digest, "the same push with the live token works", r)


# ---------------------------------------------------------------- crtoken: --format docker

@test
def authfile_shape_hosts_and_mode():
    """The file: {"auths":{HOST:{"auth":b64(iambearer:TOKEN)}}} and a newline."""
    r = E.crtoken(E.base() + ["--format", "docker", "--registry", E.host])
    expect_cr(r, 0, "--format docker --registry " + E.host)
    check(r.out.endswith("}\n") and r.out.count("\n") == 1, "one JSON text and a newline", r)
    creds = decode_authfile(r.out, "stdout")
    check(creds == {E.host: (USER, E.issued()[-1])},
          "one entry, %s -> iambearer:<the issued token>: %r" % (E.host, list(creds)), r)
    r = E.crtoken(E.base() + ["-f", "docker", "--registry", E.host, "--registry",
                              "us.icr.io", "--registry", "registry.example.test:5000"])
    expect_cr(r, 0, "three --registry")
    creds = decode_authfile(r.out, "stdout")
    tok = E.issued()[-1]
    check(creds == {h: (USER, tok) for h in (E.host, "us.icr.io", "registry.example.test:5000")},
          "one entry per --registry, one token: %r" % sorted(creds), r)
    r = E.crtoken(E.base() + ["-f", "docker"])
    expect_cr(r, 0, "no --registry")
    public = decode_authfile(r.out, "public")
    check("icr.io" in public and "us.icr.io" in public and len(public) >= 5 and
          all(h == "icr.io" or h.endswith(".icr.io") for h in public) and
          all(v == (USER, E.issued()[-1]) for v in public.values()),
          "without --registry: icr.io and the regional domains: %r" % sorted(public), r)
    check(not any(h.startswith("private.") for h in public), "no private. host by default")
    r = E.crtoken(E.base() + ["-f", "docker", "--private"])
    expect_cr(r, 0, "--private")
    private = decode_authfile(r.out, "private")
    check(sorted(private) == sorted("private." + h for h in public),
          "--private: the private. form of each: %r" % sorted(private), r)
    d, _ = E.fresh("authfile-mode")
    out = os.path.join(d, "auth.json")
    r = E.crtoken(E.base() + ["-f", "docker", "--registry", E.host, "-o", out])
    expect_cr(r, 0, "-o FILE")
    check(r.out == "", "nothing on stdout with -o", r)
    check(stat.S_IMODE(os.stat(out).st_mode) == 0o600, "mode 0600: %o" %
          stat.S_IMODE(os.stat(out).st_mode))
    check(decode_authfile(read(out), out) == {E.host: (USER, E.issued()[-1])}, "FILE's entry")
    check(read(out).endswith("}\n"), "FILE ends with a newline")
    check(os.listdir(d) == ["auth.json"], "no temporary file left: %r" % os.listdir(d))
    for bad in ("bad host", "host/path", "127.0.0.1:99999", "127.0.0.1:port", ""):
        n = len(E.requests())
        r = E.crtoken(E.base() + ["-f", "docker", "--registry", bad])
        expect_cr(r, 2, "--registry %r" % bad)
        check(r.out == "" and len(E.requests()) == n, "--registry %r: nothing sent, "
              "nothing printed" % bad, r)


@test
def authfile_skopeo_push_pull():
    """(a) crtoken's auth file lets skopeo push and pull back the same digest."""
    d, repo = E.fresh("authfile")
    af = os.path.join(d, "auth.json")
    r = E.crtoken(E.base() + ["--format", "docker", "--registry", E.host, "-o", af])
    expect_cr(r, 0, "crtoken --format docker --registry %s -o FILE" % E.host)
    tok = E.issued()[-1]
    n = len(E.realm.log())
    E.round_trip(repo, d, af)
    log = E.realm_since(n)
    check(len(log) >= 2 and all(x["accepted"] and x["user"] == USER and
                                x["pw_sha"] == sha(tok) and
                                x["issued_index"] == len(E.issued()) - 1 for x in log),
          "the realm saw iambearer with the token IAM issued to crtoken: %r" % log)
    check(repo in E.registry.repos(), "the repository is in the registry's storage")


@test
def authfile_with_an_expired_token_is_refused():
    """(c) crtoken's file with a token that has since expired: refused."""
    d, repo = E.fresh("expired")
    af = os.path.join(d, "auth.json")
    r = E.crtoken(E.base() + ["-f", "docker", "--registry", E.host, "-o", af],
                  script=["expires=2"])
    E.srv.script()
    expect_cr(r, 0, "crtoken -f docker with a 2 s token")
    tok = decode_authfile(read(af), af)[E.host][1]
    check(tok == E.issued()[-1], "the file holds the issued token")
    exp = jwt_payload(tok)["exp"]
    check(wait_for(lambda: time.time() > exp + 0.2, 5), "the token expired")
    n = len(E.realm.log())
    r, digest = E.push(repo, af)
    check(auth_error(r), "the push fails with an authentication error", r)
    log = E.realm_since(n)
    check(log and all(not x["accepted"] and x["pw_sha"] == sha(tok) and "expired" in x["why"]
                      for x in log), "the realm refused it as expired: %r" % log)
    check(repo not in E.registry.repos(), "nothing reached the storage")


@test
def watch_refreshes_the_authfile():
    """(d) watch -f docker: the second push, after the first token expired,
    works with the refreshed FILE; the old content no longer does."""
    d, repo = E.fresh("watch")
    out = os.path.join(d, "auth.json")
    errf = open(os.path.join(d, "stderr"), "w+")
    E.srv.script("expires=10")
    e = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    p = subprocess.Popen([BIN, "watch"] + E.base() + ["-o", out, "-f", "docker", "--registry",
                                                      E.host], env=e, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=errf)
    E.procs.append(p)

    def log():
        errf.seek(0)
        return errf.read()
    try:
        first = wait_for(lambda: read(out), 10)
        check(first, "watch wrote FILE: %r" % log())
        check(stat.S_IMODE(os.stat(out).st_mode) == 0o600, "mode 0600")
        tok1 = decode_authfile(first, "first FILE")[E.host][1]
        check(tok1 == E.issued()[-1], "FILE holds the issued token")
        n = len(E.realm.log())
        r, digest = E.push(repo, out, tag="v1")
        check(r.code == 0 and digest == E.digest, "push with the first FILE", r)
        check(time.time() < jwt_payload(tok1)["exp"], "the first push ended before the first "
              "token expired: raise expires=")
        check(all(x["accepted"] and x["pw_sha"] == sha(tok1) for x in E.realm_since(n)),
              "the realm saw the first token: %r" % E.realm_since(n))
        exp1 = jwt_payload(tok1)["exp"]
        check(wait_for(lambda: time.time() > exp1 + 0.3, 15), "the first token expired")
        second = wait_for(lambda: read(out) != first and read(out), 3)
        check(second, "FILE was refreshed: %r" % log())
        check(os.stat(out).st_mtime < exp1, "FILE was replaced %.1fs before the first token "
              "expired, not after" % (exp1 - os.stat(out).st_mtime))
        tok2 = decode_authfile(second, "second FILE")[E.host][1]
        check(tok2 != tok1 and tok2 in E.issued(), "FILE holds a newer issued token")
        n = len(E.realm.log())
        r, digest = E.push(repo, out, tag="v2")
        check(r.code == 0 and digest == E.digest, "push with the refreshed FILE", r)
        log2 = E.realm_since(n)
        check(log2 and all(x["accepted"] and x["pw_sha"] != sha(tok1) and
                           (x["issued_index"] or 0) > E.issued().index(tok1) for x in log2),
              "the realm saw a token newer than the first: %r" % log2)
        old = E.write(os.path.join(d, "old.json"), first, mode=0o600)
        n = len(E.realm.log())
        r, _ = E.push(repo, old, tag="v3")
        check(auth_error(r), "the first FILE's content no longer works", r)
        check(all(not x["accepted"] and "expired" in x["why"] for x in E.realm_since(n)),
              "refused as expired: %r" % E.realm_since(n))
        check(p.poll() is None, "watch still runs: %r" % log())
    finally:
        if p.poll() is None:
            p.terminate()
        try:
            code = p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            code = p.wait(timeout=5)
        text = log()
        errf.close()
        E.srv.script()
    for t in E.secrets + E.issued():
        check(t[:40] not in text, "a token leaked to the watch log")
    check(code == 0, "watch exits 0 on SIGTERM: %d %r" % (code, text))
    check(sorted(os.listdir(d)) == ["auth.json", "old.json", "stderr"],
          "no temporary file left: %r" % os.listdir(d))


@test
def exec_gives_docker_auth_config():
    """exec -f docker: CMD gets the file's JSON in DOCKER_AUTH_CONFIG (or
    --env NAME); skopeo pushes with it (REGISTRY_AUTH_FILE)."""
    d, repo = E.fresh("exec")
    got = os.path.join(d, "env.json")
    r = E.crtoken(["exec"] + E.base() + ["-f", "docker", "--registry", E.host, "--",
                  "/bin/sh", "-c", 'printf "%s" "$DOCKER_AUTH_CONFIG" > "$0"', got],
                  env={"DOCKER_AUTH_CONFIG": "stale"})
    expect_cr(r, 0, "exec -f docker")
    creds = decode_authfile(read(got), "DOCKER_AUTH_CONFIG")
    check(creds == {E.host: (USER, E.issued()[-1])}, "DOCKER_AUTH_CONFIG: %r" % list(creds))
    os.chmod(got, 0o600)
    n = len(E.realm.log())
    r, digest = E.push(repo, env={"REGISTRY_AUTH_FILE": got})
    check(r.code == 0 and digest == E.digest, "skopeo push with REGISTRY_AUTH_FILE", r)
    check(E.realm_since(n) and all(x["accepted"] and x["pw_sha"] == sha(E.issued()[-1])
                                   for x in E.realm_since(n)), "the realm saw the token")
    got2 = os.path.join(d, "env2.json")
    r = E.crtoken(["exec"] + E.base() + ["-f", "docker", "--registry", E.host, "--env",
                  "MY_AUTH", "--", "/bin/sh", "-c", 'printf "%s" "$MY_AUTH" > "$0"', got2])
    expect_cr(r, 0, "exec -f docker --env MY_AUTH")
    check(decode_authfile(read(got2), "MY_AUTH") == {E.host: (USER, E.issued()[-1])},
          "--env MY_AUTH holds the JSON")


# ---------------------------------------------------------------- crtoken: the credential helper

def get_json(r, what):
    check(r.code == 0, "%s: exit 0 expected" % what, r)
    try:
        j = json.loads(r.out)
    except ValueError:
        raise Fail("%s: not JSON: %r" % (what, r.out[:200]))
    check(isinstance(j, dict) and j.get("Username") == USER and isinstance(j.get("Secret"), str),
          "%s: Username iambearer and a Secret: %r" % (what, sorted(j) if isinstance(j, dict)
                                                       else j), r)
    return j


@test
def helper_protocol_get_list_store_erase():
    """(e) get, list, store, erase; both spellings; one exchange for many
    gets through CRTOKEN_CACHE (0600); a cached token with 60 s or less
    left is not reused."""
    d, _ = E.fresh("protocol")
    cache = os.path.join(d, "cache")
    hosts = [E.host, "registry.example.test:5000", "other.example.test"]
    env = E.helper_env(cache, "%s, %s %s" % tuple(hosts))
    n = len(E.requests())
    j = get_json(E.helper("get", E.host, env), "get %s" % E.host)
    tok = E.issued()[-1] if E.issued() else None
    check(j["Secret"] == tok, "get: Secret is the token IAM issued")
    check(E.host in j.get("ServerURL", ""), "get: ServerURL names the host: %r" %
          j.get("ServerURL"))
    check(os.path.exists(cache) and stat.S_IMODE(os.stat(cache).st_mode) == 0o600,
          "CRTOKEN_CACHE made, mode 0600")
    for via, url in (("symlink", "https://%s\n" % E.host), ("verb", E.host),
                     ("verb", "https://%s/" % E.host), ("symlink", hosts[1]),
                     ("verb", hosts[2] + "\n")):
        j = get_json(E.helper("get", url, env, via=via), "get %r (%s)" % (url, via))
        check(j["Secret"] == tok, "get %r (%s): the same token" % (url, via))
    check(len(E.requests()) - n == 1, "six gets, one IAM exchange: %d" % (
        len(E.requests()) - n))
    for via, url in (("symlink", "unconfigured.example.test"), ("verb", "127.0.0.1:1"),
                     ("symlink", "https://registry.example.test")):
        r = E.helper("get", url, env, via=via)
        check(r.code == 1 and r.out.strip() == NOT_FOUND,
              "get %r (%s): %r and exit 1" % (url, via, NOT_FOUND), r)
        check(tok[:40] not in r.out, "no token for an unconfigured host", r)
    for via in ("symlink", "verb"):
        r = E.helper("list", None, env, via=via)
        check(r.code == 0, "list (%s): exit 0" % via, r)
        check(json.loads(r.out) == {h: USER for h in hosts},
              "list (%s): every configured host -> iambearer" % via, r)
    before = read(cache)
    store_in = json.dumps({"ServerURL": E.host, "Username": "someone", "Secret": "other"})
    for via in ("symlink", "verb"):
        r = E.helper("store", store_in, env, via=via)
        check(r.code == 0, "store (%s): exit 0" % via, r)
        r = E.helper("erase", E.host, env, via=via)
        check(r.code == 0, "erase (%s): exit 0" % via, r)
    check(read(cache) == before, "store and erase left the cache alone")
    j = get_json(E.helper("get", E.host, env), "get after store and erase")
    check(j["Secret"] == tok, "store and erase changed nothing")
    check(len(E.requests()) - n == 1, "still one exchange: %d" % (len(E.requests()) - n))
    # a cached token with 60 s or less left is not reused
    cache2 = os.path.join(d, "cache-short")
    env2 = E.helper_env(cache2)
    n = len(E.requests())
    j1 = get_json(E.helper("get", E.host, env2, script=["expires=50"]), "get (50 s token)")
    j2 = get_json(E.helper("get", E.host, env2, script=["expires=50"]), "get again")
    E.srv.script()
    check(len(E.requests()) - n == 2 and j2["Secret"] == E.issued()[-1] and
          j1["Secret"] != j2["Secret"], "a 50 s token is not reused: %d exchanges" % (
              len(E.requests()) - n))


@test
def helper_concurrent_gets_one_exchange():
    """Eight gets at once on an empty CRTOKEN_CACHE (parallel pulls, build
    steps): one exchange, one token for all."""
    d, _ = E.fresh("concurrent")
    env = dict(E.helper_env(os.path.join(d, "cache")), PATH="/usr/bin:/bin", LC_ALL="C")
    E.srv.script()
    n = len(E.requests())
    ps = [subprocess.Popen([os.path.join(E.bin, "docker-credential-crtoken"), "get"], env=env,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE) for _ in range(8)]
    for p in ps:	# all started, then all fed: they race for the cache
        p.stdin.write(E.host.encode())
        p.stdin.close()
    outs = []
    for p in ps:
        try:	# the answers are small: they fit in the pipes while we wait
            p.wait(timeout=CRTOKEN_SECS)
            out, err = p.stdout.read(), p.stderr.read()
            p.stdout.close()
            p.stderr.close()
        except subprocess.TimeoutExpired:
            for q in ps:
                q.kill()
                q.wait()
            raise
        r = Result(p.returncode, out.decode(), err.decode(), 0)
        for t in E.secrets + E.issued():
            check(t[:40] not in r.err, "a token leaked to stderr", r)
        outs.append(get_json(r, "concurrent get")["Secret"])
    check(len(E.requests()) - n == 1, "eight concurrent gets, one IAM exchange: %d" % (
        len(E.requests()) - n))
    check(set(outs) == {E.issued()[-1]}, "one token for all eight")


@test
def helper_skopeo_push_pull_one_exchange():
    """(b) credHelpers -> docker-credential-crtoken: skopeo pushes, pulls,
    pushes another tag and inspects (four processes, each a get): one exchange."""
    d, repo = E.fresh("helper-skopeo")
    cache = os.path.join(d, "cache")
    env = E.helper_env(cache)
    af = E.authfile(os.path.join(d, "auth.json"), helpers={E.host: "crtoken"})
    n, m = len(E.requests()), len(E.realm.log())
    E.round_trip(repo, d, af, env=env)
    r, digest = E.push(repo, af, env=env, tag="v2")
    check(r.code == 0 and digest == E.digest, "a second push (another tag)", r)
    r = E.skopeo(["inspect", "--raw", "--cert-dir", E.certs, "--authfile", af,
                  "docker://%s/%s:v2" % (E.host, repo)], env=env)
    check(r.code == 0 and "sha256:" + sha(r.out.encode()) == E.digest,
          "skopeo inspect --raw: the manifest pushed", r)
    exchanges = len(E.requests()) - n
    check(exchanges == 1, "one IAM exchange for four clients: %d" % exchanges)
    tok = E.issued()[-1]
    log = E.realm_since(m)
    check(len(log) >= 4 and all(x["accepted"] and x["user"] == USER and
                                x["pw_sha"] == sha(tok) for x in log),
          "the realm saw iambearer and that one token from every client: %r" % log)
    check(stat.S_IMODE(os.stat(cache).st_mode) == 0o600, "the cache is 0600")


def helper_store(tool):
    s, skip = store(tool)
    if skip:
        return skip
    d, repo = E.fresh("helper-" + tool)
    af = os.path.join(d, "auth.json")
    r = E.crtoken(E.base() + ["-f", "docker", "--registry", E.host, "-o", af])
    expect_cr(r, 0, "crtoken -f docker -o FILE")
    filetok = E.issued()[-1]
    cache = os.path.join(d, "cache")
    env = E.helper_env(cache)
    hf = E.authfile(os.path.join(d, "helper.json"), helpers={E.host: "crtoken"})
    n, m = len(E.requests()), len(E.realm.log())
    s.round_trip(repo, af, hf, env=env)
    r = s.pull(repo, "v1", hf, env)
    check(r.code == 0, "%s pull again with the helper" % tool, r)
    s.rmi("%s/%s:v1" % (E.host, repo))
    check(len(E.requests()) - n == 1, "one IAM exchange for the helper's gets: %d" % (
        len(E.requests()) - n))
    helpertok = E.issued()[-1]
    log = E.realm_since(m)
    check(log and all(x["accepted"] for x in log), "every realm request accepted: %r" % log)
    used = set(x["pw_sha"] for x in log)
    check(sha(filetok) in used and sha(helpertok) in used and used <= {sha(filetok),
                                                                      sha(helpertok)},
          "the realm saw the file's token (push) and the helper's (pulls): %r" % log)
    check(stat.S_IMODE(os.stat(cache).st_mode) == 0o600, "the cache is 0600")


@test
def helper_and_authfile_podman():
    """(b) podman push with crtoken's auth file, pulls with credHelpers."""
    return helper_store("podman")


@test
def helper_and_authfile_buildah():
    """(b) buildah push with crtoken's auth file, pulls with credHelpers."""
    return helper_store("buildah")


# ---------------------------------------------------------------- main

def main():
    global E
    tests = harness.selected(ONLY)
    missing = [n for n, p in (("docker-registry", REGISTRY), ("skopeo", SKOPEO),
                              ("openssl", OPENSSL)) if not p]
    if missing:
        if not ROOT:
            for fn in tests:
                print("skip %s (%s not installed, and not root to install it)" % (
                    fn.__name__, " and ".join(missing)))
            print("registry: 0 passed, 0 failed, %d skipped" % len(tests))
            return 0
        print("FAIL setup: %s not installed (sh deps.sh registry)" % " and ".join(missing))
        print("registry: 0 passed, 1 failed, 0 skipped")
        return 1
    if not os.access(BIN, os.X_OK):
        print("FAIL setup: %s is not executable (run make first)" % BIN)
        print("registry: 0 passed, 1 failed, 0 skipped")
        return 1

    def on_signal(sig, frame):
        raise SystemExit(128 + sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    passed = failed = skipped = 0
    t0 = time.monotonic()
    try:
        try:
            E = Env()
        except Exception as e:
            print("FAIL setup: %s: %s" % (type(e).__name__, e))
            failed += 1
        else:
            passed, failed, skipped = harness.run(tests)
            if not E.registry.alive():
                failed += 1
                print("FAIL registry: docker-registry died: %s" % (
                    read(E.registry.logf) or "")[-600:])
    finally:
        if E is not None:
            E.stop()
            shutil.rmtree(E.dir, ignore_errors=True)
    print("(%.1fs)" % (time.monotonic() - t0))
    return harness.summary("registry", passed, failed, skipped)


if __name__ == "__main__":
    sys.exit(main())
