#!/usr/bin/env python3
"""End-to-end tests of the crtoken container image (Containerfile).

usage: image.py [./crtoken] [NAME-SUBSTRING...]

Builds the image with `podman build` from the repository's Containerfile
(context: the directory holding the binary, normally the top of the tree),
then runs it with runc, --network host, against the IAM stand-in on
127.0.0.1, with the CR token and the test CA mounted read-only. Nothing is
pulled: the image is FROM scratch. Every podman call is bounded in time; the
image and every container made here carry a unique name and are removed at
the end. Needs root, podman and runc: not root, every test is skipped; root
without podman or runc, the run fails (CI installs them).

Output is one line per test, then `image: N passed, M failed, K skipped`.
"""
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ left in test/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iam  # noqa: E402
from harness import Fail, Result, check, test  # noqa: E402
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "crtoken"))
ONLY = sys.argv[2:]
ROOT = os.geteuid() == 0
SBIN = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PODMAN = shutil.which("podman", path=SBIN)
RUNC = shutil.which("runc", path=SBIN)
UID = 65532
BUILD_SECS = 180	# podman build of a FROM scratch image takes about a second
RUN_SECS = 60		# any single podman run, stop, inspect, save



def makefile_version():
    with open(os.path.join(TOP, "Makefile")) as f:
        m = re.search(r"^VERSION\s*=\s*(\S+)", f.read(), re.M)
    return m.group(1) if m else "0.0.0"


class Env:
    """PKI, stand-in, token file, a private containers.conf, unique names."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="crtoken-image-")
        os.chmod(self.dir, 0o755)
        self.pki = os.path.join(self.dir, "pki")
        subprocess.run(["sh", os.path.join(HERE, "pki.sh"), self.pki], check=True,
                       timeout=120)
        self.state = os.path.join(self.dir, "state")
        self.srv = iam.Standin(self.pki, self.state)
        self.url = "https://localhost:%d" % self.srv.port
        self.ca = self.write("ca.pem", open(os.path.join(self.pki, "ca.pem")).read())
        self.cr = iam.cr_token()
        self.crfile = self.write("cr", self.cr + "\n")
        self.secrets = [self.cr]
        self.conf = self.write("containers.conf", "[containers]\ndefault_ulimits = []\n")
        self.id = "%d-%s" % (os.getpid(), os.urandom(3).hex())
        self.tag = "localhost/crtoken-imagetest:" + self.id
        self.names = []
        self.version = makefile_version()
        self.built = False
        self.cleaned = False	# cleanup_leaves_nothing ran and reported
        self.bin_sha = None

    def write(self, name, data, mode=0o644):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(data)
        os.chmod(path, mode)
        return path

    def issued(self):
        return iam.issued(self.state)

    def name(self, what):
        n = "crtoken-imagetest-%s-%s" % (self.id, what)
        self.names.append(n)
        return n

    def podman(self, args, timeout=RUN_SECS, cwd=None, leakcheck=True):
        e = {"PATH": SBIN, "LC_ALL": "C", "HOME": os.environ.get("HOME", "/root"),
             "CONTAINERS_CONF": self.conf}
        t0 = time.monotonic()
        p = subprocess.run([PODMAN, "--runtime", RUNC] + list(args), env=e, cwd=cwd,
                           timeout=timeout, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        r = Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
        if leakcheck:
            for s in self.secrets + self.issued():
                check(s not in r.err and s[:40] not in r.err, "a token leaked to stderr", r)
        return r

    def mounts(self):
        """The CR token at the default path and the CA, read-only."""
        return ["-v", "%s:/var/run/secrets/tokens/sa-token:ro" % self.crfile,
                "-v", "%s:/etc/crtoken/ca.pem:ro" % self.ca]

    def flags(self):
        return ["--url", self.url, "--cacert", "/etc/crtoken/ca.pem",
                "--profile-id", iam.PROFILE_ID, "--retries", "0", "--timeout", "20"]

    def run(self, crtoken_args, podman_args=(), mounts=True, what="run", verb=()):
        """podman run --rm the image with crtoken_args after the verb."""
        self.srv.script()
        name = self.name(what)
        args = ["run", "--rm", "--name", name, "--network", "host"]
        args += (self.mounts() if mounts else []) + list(podman_args)
        args += [self.tag] + list(verb) + list(crtoken_args)
        return self.podman(args)

    def cleanup(self):
        """Remove every container and the image made here; return what is left."""
        if not PODMAN:
            return []
        for n in self.names:
            self.podman(["rm", "--force", "--time", "0", "--ignore", n], leakcheck=False)
        self.podman(["rmi", "--force", "--ignore", self.tag], leakcheck=False)
        left = []
        r = self.podman(["ps", "--all", "--format", "{{.Names}}"], leakcheck=False)
        left += [n for n in r.out.split() if n.startswith("crtoken-imagetest-%s" % self.id)]
        r = self.podman(["images", "--all", "--format", "{{.Repository}}:{{.Tag}}"],
                        leakcheck=False)
        left += [i for i in r.out.split() if i == self.tag]
        return left


E = None


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def need_image():
    if not E.built:
        raise Fail("no image: the build failed")


def wait_for(pred, secs, step=0.1):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def outdir(owner):
    """A directory to mount at /out, owned by owner (uid), mode 0755."""
    d = tempfile.mkdtemp(dir=E.dir, prefix="out-")
    os.chmod(d, 0o755)
    os.chown(d, owner, owner)
    return d


# ---------------------------------------------------------------- build and contents

@test
def build_with_podman():
    check(os.path.exists(os.path.join(TOP, "Containerfile")), "no Containerfile in " + TOP)
    E.bin_sha = sha256(BIN)
    r = E.podman(["build", "--layers=false", "-f", os.path.join(TOP, "Containerfile"),
                  "--build-arg", "VERSION=" + E.version, "-t", E.tag,
                  os.path.dirname(BIN)], timeout=BUILD_SECS)
    check(r.code == 0, "podman build succeeds", r)
    E.built = True
    check(sha256(BIN) == E.bin_sha, "%s changed during the build: rerun" % BIN)


@test
def image_config():
    need_image()
    r = E.podman(["image", "inspect", E.tag])
    check(r.code == 0, "podman image inspect", r)
    img = json.loads(r.out)[0]
    cfg = img["Config"]
    check(cfg.get("User") == "%d:%d" % (UID, UID), "User is %d:%d: %r" % (UID, UID,
                                                                          cfg.get("User")))
    check(cfg.get("Entrypoint") == ["/crtoken"], "Entrypoint: %r" % cfg.get("Entrypoint"))
    check(not cfg.get("Cmd"), "no Cmd (args come from the pod spec): %r" % cfg.get("Cmd"))
    check(img.get("Os") == "linux", "linux image")
    labels = cfg.get("Labels") or {}
    for k in ("title", "description", "source", "version"):
        check(labels.get("org.opencontainers.image." + k),
              "label org.opencontainers.image.%s: %r" % (k, labels))
    check(labels["org.opencontainers.image.title"] == "crtoken", "title label")
    check(labels["org.opencontainers.image.version"] == E.version,
          "version label %r is the Makefile's %r" % (labels["org.opencontainers.image.version"],
                                                     E.version))
    check(len(img["RootFS"]["Layers"]) == 1, "one layer: %r" % img["RootFS"]["Layers"])


@test
def image_holds_only_crtoken():
    need_image()
    arch = os.path.join(E.dir, "image.tar")
    r = E.podman(["image", "save", "--format", "oci-archive", "-o", arch, E.tag])
    check(r.code == 0, "podman image save", r)
    files = []
    with tarfile.open(arch) as t:
        index = json.load(t.extractfile("index.json"))
        digest = index["manifests"][0]["digest"].split(":")[1]
        manifest = json.load(t.extractfile("blobs/sha256/" + digest))
        check(len(manifest["layers"]) == 1, "one layer: %r" % manifest["layers"])
        for layer in manifest["layers"]:
            blob = t.extractfile("blobs/sha256/" + layer["digest"].split(":")[1]).read()
            with tarfile.open(fileobj=io.BytesIO(blob)) as lt:
                for m in lt.getmembers():
                    name = m.name[2:] if m.name.startswith("./") else m.name
                    files.append(name.rstrip("/"))
                    if name == "crtoken":
                        check(m.isreg(), "/crtoken is a regular file")
                        check(m.mode & 0o7777 == 0o555, "/crtoken mode 0555: %o" % m.mode)
                        check(m.uid == 0 and m.gid == 0, "/crtoken owned by root (%d:%d)"
                              % (m.uid, m.gid))
                        data = lt.extractfile(m).read()
                        check(hashlib.sha256(data).hexdigest() == E.bin_sha,
                              "/crtoken is %s, byte for byte" % BIN)
    check(files == ["crtoken"], "the layer holds /crtoken and nothing else: %r" % files)
    os.unlink(arch)


# ---------------------------------------------------------------- running it

@test
def exchange_from_scratch():
    need_image()
    r = E.run(E.flags(), what="exchange")
    check(r.code == 0, "exit 0", r)
    check(E.issued() and r.out == E.issued()[-1] + "\n",
          "stdout is the token the stand-in issued", r)
    check(r.err == "", "nothing on stderr", r)


@test
def kubernetes_security_context():
    """As the examples run it: read-only root, no capabilities, no new
    privileges, runAsUser 65532, the token written to an emptyDir-like mount."""
    need_image()
    d = outdir(UID)
    r = E.run(E.flags() + ["-o", "/out/token", "--mode", "0440"], what="secctx",
              podman_args=["--read-only", "--cap-drop", "ALL",
                           "--security-opt", "no-new-privileges", "--user", "%d:%d" % (UID, UID),
                           "-v", "%s:/out" % d])
    check(r.code == 0, "exit 0", r)
    path = os.path.join(d, "token")
    check(os.listdir(d) == ["token"], "only the token in /out: %r" % os.listdir(d))
    st = os.stat(path)
    check(stat.S_IMODE(st.st_mode) == 0o440, "mode 0440: %o" % stat.S_IMODE(st.st_mode))
    check(open(path).read() == E.issued()[-1] + "\n", "the file holds the issued token")


@test
def runs_as_uid_65532():
    need_image()
    d = outdir(UID)
    r = E.run(E.flags() + ["-o", "/out/token"], podman_args=["-v", "%s:/out" % d],
              what="uid")
    check(r.code == 0, "exit 0 writing to a directory owned by %d" % UID, r)
    st = os.stat(os.path.join(d, "token"))
    check((st.st_uid, st.st_gid) == (UID, UID),
          "the file is owned by %d:%d, the image's user: %d:%d" % (UID, UID, st.st_uid,
                                                                   st.st_gid))
    d = outdir(0)
    r = E.run(E.flags() + ["-o", "/out/token"], podman_args=["-v", "%s:/out" % d],
              what="uid-root")
    check(r.code == 14, "exit 14 writing to a root-owned 0755 directory", r)
    check("/out/token" in r.err and "Permission denied" in r.err,
          "the error names the file and the cause", r)
    check(os.listdir(d) == [], "nothing written: %r" % os.listdir(d))


@test
def probe_in_the_scratch_image():
    """The native sidecar's startupProbe: crtoken probe, the only command in the image."""
    need_image()
    for fmt in ("token", "json", "header", "env"):
        d = outdir(UID)
        r = E.run(E.flags() + ["-o", "/out/token", "-f", fmt],
                  podman_args=["-v", "%s:/out" % d], what="probe-w-" + fmt)
        check(r.code == 0, "%s: token written" % fmt, r)
        r = E.run(["/out/token"], podman_args=["-v", "%s:/out:ro" % d], mounts=False,
                  what="probe-" + fmt, verb=["probe"])
        check(r.code == 0 and r.err == "", "%s: probe passes" % fmt, r)
        r = E.run(["/out/token", "--min-valid", "7200"], podman_args=["-v", "%s:/out:ro" % d],
                  mounts=False, what="probe-long-" + fmt, verb=["probe"])
        check(r.code == 15 and "under --min-valid 7200" in r.err, "%s: 15 when expiring" % fmt, r)
    r = E.run(["/out/none"], podman_args=["-v", "%s:/out:ro" % d], mounts=False,
              what="probe-missing", verb=["probe"])
    check(r.code == 3 and "No such file" in r.err, "3 when missing", r)


@test
def default_token_path_missing():
    need_image()
    r = E.run(E.flags(), mounts=False, what="notoken",
              podman_args=["-v", "%s:/etc/crtoken/ca.pem:ro" % E.ca])
    check(r.code == 3, "exit 3 without a token mounted", r)
    check("none of the default paths" in r.err or "sa-token" in r.err,
          "the error names the default paths", r)


@test
def check_report():
    need_image()
    r = E.run(E.flags(), verb=["check"], what="check")
    check(r.code == 0, "check exits 0", r)
    for needle in ["token file", "/var/run/secrets/tokens/sa-token", "audience", "TLS",
                   "exchange", "IAM token", "crtoken check: all steps passed"]:
        check(needle in r.out, "the report mentions %r" % needle, r)
    check(E.issued()[-1] not in r.out and E.cr not in r.out, "no token in the report", r)
    r = E.run(E.flags() + ["--json"], verb=["check"], what="checkjson")
    check(r.code == 0, "check --json exits 0", r)
    rep = json.loads(r.out)
    check(rep["exit"] == 0 and all(s["status"] in ("pass", "warn") for s in rep["steps"]),
          "every step passes: %r" % rep, r)


@test
def check_reports_a_refusal():
    need_image()
    r = E.run(["--url", E.url, "--cacert", "/etc/crtoken/ca.pem", "--profile-id",
               "Profile-00000000-dead-beef-0000-000000000000", "--timeout", "20"],
              verb=["check"], what="checkfail")
    check(r.code == 10, "check exits 10 when IAM refuses the profile", r)
    check("BXNIM0398E" in r.out and "namespace default, service account crtoken" in r.out,
          "the report explains the refusal", r)


@test
def exec_in_scratch():
    need_image()
    r = E.run(E.flags() + ["--", "/crtoken", "--version"], verb=["exec"], what="exec")
    check(r.code == 0 and r.out.startswith("crtoken "),
          "exec runs the command after the exchange", r)
    r = E.run(E.flags() + ["--", "no-such-command"], verb=["exec"], what="exec127")
    check(r.code == 127 and "no-such-command" in r.err, "exit 127 for a missing command", r)


@test
def watch_writes_refreshes_and_stops_on_sigterm():
    need_image()
    d = outdir(UID)
    name = E.name("watch")
    E.srv.script()
    r = E.podman(["run", "--detach", "--name", name, "--network", "host", "--read-only",
                  "--cap-drop", "ALL"] + E.mounts() + ["-v", "%s:/iam" % d, E.tag, "watch",
                  "-o", "/iam/token", "--ready-file", "/iam/ready", "--mode", "0440"] +
                 E.flags())
    check(r.code == 0, "podman run --detach", r)
    token = os.path.join(d, "token")
    ok = wait_for(lambda: os.path.exists(os.path.join(d, "ready")) and os.path.exists(token),
                  20)
    logs = E.podman(["logs", name])
    check(ok, "the token and the ready file appear within 20 s", logs)
    first = open(token).read()
    check(first == E.issued()[-1] + "\n", "the file holds the issued token")
    check(stat.S_IMODE(os.stat(token).st_mode) == 0o440, "mode 0440")
    r = E.podman(["kill", "--signal", "HUP", name])
    check(r.code == 0, "podman kill --signal HUP", r)
    ok = wait_for(lambda: open(token).read() != first, 20)
    check(ok and open(token).read() == E.issued()[-1] + "\n",
          "SIGHUP refreshes the file with a new token", E.podman(["logs", name]))
    t0 = time.monotonic()
    r = E.podman(["stop", "--time", "15", name])
    secs = time.monotonic() - t0
    check(r.code == 0, "podman stop", r)
    check(secs < 5, "SIGTERM ends it at once, not after the 15 s grace (%.1fs)" % secs, r)
    r = E.podman(["inspect", "--format", "{{.State.ExitCode}}", name])
    check(r.code == 0 and r.out.strip() == "0", "exit status 0 after SIGTERM", r)
    logs = E.podman(["logs", name])
    check("watch: wrote /iam/token" in logs.err + logs.out and
          "watch: stopping" in logs.err + logs.out, "the log says what it did", logs)
    check(sorted(os.listdir(d)) == ["token"], "READY removed when watch stops, no "
          "temporary file left: %r" % os.listdir(d))
    E.podman(["rm", "--force", "--time", "0", name])


@test
def debug_through_proc_root():
    """The debug.md recipe without volumes: a second container in the first
    one's PID namespace (kubectl debug --target) reads the token through
    /proc/1/root. The kernel allows it to the same UID when the target is
    dumpable (an app started by crtoken exec); a crtoken watch target holds
    tokens and is not, so only CAP_SYS_PTRACE gets in there."""
    need_image()
    d = outdir(UID)
    name = E.name("target")
    E.srv.script()
    r = E.podman(["run", "--detach", "--name", name, "--network", "host"] + E.mounts() +
                 ["-v", "%s:/iam" % d, E.tag, "watch", "-o", "/iam/token"] + E.flags())
    check(r.code == 0, "podman run --detach", r)
    check(wait_for(lambda: os.path.exists(os.path.join(d, "token")), 20),
          "the target is running", E.podman(["logs", name]))
    r = E.run(["--url", E.url, "--profile-id", iam.PROFILE_ID, "--timeout", "20",
               "--cacert", "/etc/crtoken/ca.pem", "--token-file",
               "/proc/1/root/var/run/secrets/tokens/sa-token"], verb=["check"],
              mounts=False, podman_args=["--pid", "container:" + name, "-v",
                                         "%s:/etc/crtoken/ca.pem:ro" % E.ca],
              what="debugger")
    check(r.code == 3 and "Permission denied" in r.out, "the same UID cannot look into "
          "a watch through /proc/1/root: it holds tokens and is not dumpable", r)
    r = E.run(["--url", E.url, "--profile-id", iam.PROFILE_ID, "--timeout", "20",
               "--cacert", "/proc/1/root/etc/crtoken/ca.pem", "--token-file",
               "/proc/1/root/var/run/secrets/tokens/sa-token"], verb=["check"],
              mounts=False, podman_args=["--pid", "container:" + name, "--user", "0:0",
                                         "--cap-add", "SYS_PTRACE"], what="debugger-ptrace")
    check(r.code == 0 and "/proc/1/root/var/run/secrets/tokens/sa-token" in r.out,
          "with CAP_SYS_PTRACE, check reads the target's token through /proc/1/root", r)
    r = E.run(["--url", E.url, "--profile-id", iam.PROFILE_ID, "--timeout", "20",
               "--cacert", "/etc/crtoken/ca.pem", "--token-file",
               "/proc/1/root/var/run/secrets/tokens/sa-token"], verb=["check"],
              mounts=False, podman_args=["--pid", "container:" + name, "--user", "10001:10001",
                                         "--cap-drop", "ALL", "-v",
                                         "%s:/etc/crtoken/ca.pem:ro" % E.ca],
              what="debugger-other")
    check(r.code == 3 and "/proc/1/root/var/run/secrets/tokens/sa-token: Permission denied"
          in r.out, "another UID cannot read the token through /proc/1/root "
          "(as debug.md says)", r)
    E.podman(["rm", "--force", "--time", "0", name])


@test
def cleanup_leaves_nothing():
    if not E.built:
        return "skip: nothing was built"
    left = E.cleanup()
    E.cleaned = True
    check(left == [], "no container or image left: %r" % left)


# ---------------------------------------------------------------- main

def main():
    global E
    always = (build_with_podman, cleanup_leaves_nothing)
    selected = [fn for fn in harness.TESTS if not ONLY or fn in always or
                any(o in fn.__name__ for o in ONLY)]
    if not ROOT:
        for fn in selected:
            print("skip %s (needs root for podman)" % fn.__name__)
        print("image: 0 passed, 0 failed, %d skipped" % len(selected))
        return 0
    missing = [n for n, p in (("podman", PODMAN), ("runc", RUNC)) if not p]
    if missing:
        print("FAIL setup: %s not installed (apt-get install -y %s)" % (
            " and ".join(missing), " ".join(missing)))
        print("image: 0 passed, 1 failed, 0 skipped")
        return 1
    if not os.access(BIN, os.X_OK):
        print("FAIL setup: %s is not executable (run make first)" % BIN)
        print("image: 0 passed, 1 failed, 0 skipped")
        return 1
    E = Env()
    passed = failed = skipped = 0
    try:
        passed, failed, skipped = harness.run(selected)
    finally:
        E.srv.stop()
        try:
            left = E.cleanup()
            if left and not E.cleaned:
                failed += 1
                print("FAIL cleanup: left behind: %r" % left)
        except Exception as e:
            failed += 1
            print("FAIL cleanup: %s: %s" % (type(e).__name__, e))
        shutil.rmtree(E.dir, ignore_errors=True)
    return harness.summary("image", passed, failed, skipped)


if __name__ == "__main__":
    sys.exit(main())
