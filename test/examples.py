#!/usr/bin/python3
"""Checks of the Kubernetes examples in examples/.

usage: /usr/bin/python3 test/examples.py [./crtoken]

Every examples/*.yaml is parsed (all its documents). Each pod spec (Pod, the
templates of Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)
that runs crtoken must:

  - give crtoken a projected service-account token with audience iam and
    expirationSeconds of at most 3600, mounted read-only where crtoken reads
    it (its --token-file, CR_TOKEN_FILENAME, or the first default path that
    a mount provides);
  - run every container with readOnlyRootFilesystem, non-root (runAsNonRoot
    and a non-zero runAsUser, in the container or the pod), no privilege
    escalation, all capabilities dropped, a seccomp profile;
  - write what crtoken writes (-o, --ready-file) into a writable volume that
    another container mounts, a memory-backed emptyDir;
  - need no shell: no command or exec probe runs sh, test, cat... (the
    images are FROM scratch or distroless);
  - probe with crtoken itself: every exec probe is `/crtoken probe FILE`
    on a file crtoken writes in the pod, on a volume the container mounts,
    and is run for real on a missing, a valid and an expired token (and one
    valid for less than its --min-valid): exit 3, 0, 15, 15;
  - gate the app on the first token: a native sidecar (restartPolicy:
    Always) running watch has a startupProbe `crtoken probe` on its -o FILE;
  - pass crtoken arguments the real binary accepts: it is run with them
    (Kubernetes' $(VAR) expansion and literal env applied, nothing sent
    anywhere: the token path does not exist here, so it must stop with exit
    3, naming that path, after every flag and setting was checked; exit 2
    would mean a usage error).

Tekton Tasks whose steps name crtoken in an auth file's credHelpers are run
through the real binary as docker-credential-crtoken with the step's
environment (list names the registries; get reads the CR token: exit 3).
Image builders that must run as root (kaniko) are exempt from the non-root
and read-only checks, not from no privilege escalation and seccomp.

The partial container spec for kubectl debug --custom (a document without
kind) and the crtoken command lines in examples/debug.md are checked too.
Needs PyYAML: Debian's python3-yaml, with /usr/bin/python3 (re-executed under
it when the running python3 lacks yaml). Output is one line per test, then
`examples: N passed, M failed`.
"""
import base64
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import yaml
except ImportError:
    SYSPY = "/usr/bin/python3"
    if os.path.exists(SYSPY) and os.path.realpath(sys.executable) != os.path.realpath(SYSPY):
        os.execv(SYSPY, [SYSPY] + sys.argv)
    print("FAIL setup: no PyYAML for %s (apt-get install -y python3-yaml)" % sys.executable)
    print("examples: 0 passed, 1 failed")
    sys.exit(1)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
EXAMPLES = os.path.join(TOP, "examples")
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "crtoken"))
DEFAULT_TOKENS = ["/var/run/secrets/tokens/vault-token", "/var/run/secrets/tokens/sa-token",
                  "/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token"]
MODES = ("watch", "exec", "check")
RUN_SECS = 10
TESTS = []	# (name, function)


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


# ---------------------------------------------------------------- reading manifests

def pod_spec(doc):
    """The pod spec a workload document holds, or None."""
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return (spec.get("template") or {}).get("spec")
    if kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
                or {}).get("spec")
    return None


def containers(spec):
    return [("init", c) for c in spec.get("initContainers") or []] + \
           [("main", c) for c in spec.get("containers") or []]


def is_crtoken(c):
    image = c.get("image", "")
    repo = image.rsplit("@", 1)[0]
    repo = repo.rsplit(":", 1)[0] if ":" in repo.rsplit("/", 1)[-1] else repo
    cmd = c.get("command") or []
    return repo.rsplit("/", 1)[-1] == "crtoken" or (
        bool(cmd) and os.path.basename(cmd[0]) == "crtoken")


def literal_env(c):
    """The container's environment as crtoken would see it; valueFrom entries
    get a placeholder (their value exists only in the cluster)."""
    env = {}
    for e in c.get("env") or []:
        env[e["name"]] = str(e["value"]) if "value" in e else "from-" + e["name"]
    return env


def expand(s, env):
    """Kubernetes' $(VAR) expansion in command and args ($$ escapes)."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), s)


def argv(c):
    """What the container runs: command (else the image's ENTRYPOINT, /crtoken
    for the crtoken image) followed by args."""
    env = literal_env(c)
    cmd = c.get("command") or (["/crtoken"] if is_crtoken(c) else [])
    return [expand(str(a), env) for a in list(cmd) + list(c.get("args") or [])]


def options(args):
    """crtoken's own arguments: the mode and the options before '--' / the command."""
    mode = args[0] if args and args[0] in MODES else ""
    rest = args[1:] if mode else args
    if mode == "exec" and "--" in rest:
        rest = rest[:rest.index("--")]
    return mode, rest


def option(rest, *names):
    """The last value given to any of names (--name V, --name=V, -x V)."""
    value = None
    i = 0
    while i < len(rest):
        a = rest[i]
        for n in names:
            if a == n and i + 1 < len(rest):
                value = rest[i + 1]
            elif n.startswith("--") and a.startswith(n + "="):
                value = a[len(n) + 1:]
        i += 1
    return value


def token_sources(spec):
    """volume name -> {path: serviceAccountToken source} for projected volumes."""
    out = {}
    for v in spec.get("volumes") or []:
        for s in ((v.get("projected") or {}).get("sources") or []):
            if "serviceAccountToken" in s:
                sat = s["serviceAccountToken"]
                out.setdefault(v["name"], {})[sat.get("path")] = sat
    return out


def mount_of(c, path):
    """The volumeMount under which path lies, and path relative to it."""
    best = None
    for m in c.get("volumeMounts") or []:
        mp = m["mountPath"].rstrip("/")
        if path.startswith(mp + "/") and (best is None or len(mp) > len(best[0]["mountPath"])):
            best = (m, path[len(mp) + 1:])
    return best if best else (None, None)


def token_path(c, spec):
    """The CR token file crtoken reads in this container, and how it was chosen."""
    mode, rest = options(argv(c)[1:])
    p = option(rest, "--token-file")
    if p:
        return p, "--token-file"
    p = literal_env(c).get("CR_TOKEN_FILENAME")
    if p:
        return p, "CR_TOKEN_FILENAME"
    sources = token_sources(spec)
    for d in DEFAULT_TOKENS:
        m, rel = mount_of(c, d)
        if m and rel in sources.get(m["name"], {}):
            return d, "default"
    return DEFAULT_TOKENS[0], "default (none mounted)"


# ---------------------------------------------------------------- checks

def check_token(c, spec):
    path, how = token_path(c, spec)
    m, rel = mount_of(c, path)
    check(m is not None, "%s: the token %s (%s) is on no volume mount" % (c["name"], path, how))
    src = token_sources(spec).get(m["name"], {}).get(rel)
    check(src is not None, "%s: %s is not a projected serviceAccountToken (volume %s, path %s)"
          % (c["name"], path, m["name"], rel))
    check(src.get("audience") == "iam", "%s: audience %r, not iam" % (c["name"],
                                                                       src.get("audience")))
    exp = src.get("expirationSeconds")
    check(isinstance(exp, int) and 600 <= exp <= 3600,
          "%s: expirationSeconds %r: IAM needs at most 3600 (Kubernetes at least 600)"
          % (c["name"], exp))
    check(m.get("readOnly") is True, "%s: mount %s of the token is not readOnly"
          % (c["name"], m["mountPath"]))


# Image builders that must run as root in their own container (kaniko):
# only no privilege escalation and the seccomp profile are asked of them.
BUILDERS = ("gcr.io/kaniko-project/executor",)


def check_security(spec):
    psc = spec.get("securityContext") or {}
    for where, c in containers(spec):
        sc = c.get("securityContext") or {}
        n = c["name"]
        sec = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
        if c.get("image", "").rsplit(":", 1)[0] in BUILDERS:
            check(sc.get("allowPrivilegeEscalation") is False and not is_crtoken(c),
                  "%s: a builder, still no privilege escalation" % n)
            check(sec in ("RuntimeDefault", "Localhost"), "%s: seccompProfile %r" % (n, sec))
            continue
        check(sc.get("readOnlyRootFilesystem") is True, "%s: readOnlyRootFilesystem" % n)
        check(sc.get("allowPrivilegeEscalation") is False, "%s: allowPrivilegeEscalation" % n)
        check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []),
              "%s: capabilities.drop ALL" % n)
        check(not (sc.get("capabilities") or {}).get("add"), "%s: capabilities added" % n)
        check(sc.get("privileged") is not True, "%s: privileged" % n)
        nonroot = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
        check(nonroot is True, "%s: runAsNonRoot true (container or pod)" % n)
        uid = sc.get("runAsUser", psc.get("runAsUser"))
        check(isinstance(uid, int) and uid > 0, "%s: runAsUser %r, not a non-zero UID" % (n, uid))
        check(sec in ("RuntimeDefault", "Localhost"), "%s: seccompProfile %r" % (n, sec))


def check_outputs(c, spec):
    """-o and --ready-file land on a writable, memory-backed volume another container reads."""
    mode, rest = options(argv(c)[1:])
    vols = {v["name"]: v for v in spec.get("volumes") or []}
    for flag, path in (("-o", option(rest, "-o", "--output")),
                       ("--ready-file", option(rest, "--ready-file"))):
        if not path or path == "-":
            continue
        m, rel = mount_of(c, path)
        check(m is not None, "%s: %s %s is on the read-only root file system" % (c["name"],
                                                                                 flag, path))
        check(not m.get("readOnly"), "%s: %s %s is on a read-only mount" % (c["name"], flag,
                                                                             path))
        ed = (vols.get(m["name"]) or {}).get("emptyDir")
        check(ed is not None and ed.get("medium") == "Memory",
              "%s: %s %s: volume %s is not an emptyDir with medium Memory" % (
                  c["name"], flag, path, m["name"]))
        readers = [o["name"] for _, o in containers(spec) if o is not c and any(
            om["name"] == m["name"] for om in o.get("volumeMounts") or [])]
        # exec (--watch): CMD, in the same container, is the reader
        check(readers or mode == "exec", "%s: no other container mounts volume %s"
              % (c["name"], m["name"]))
    if mode == "watch":
        ready = option(rest, "--ready-file")
        if ready:
            users = [o["name"] for _, o in containers(spec) if o is not c and
                     ready in yaml.safe_dump(o)]
            check(users, "%s: nothing uses the ready file %s" % (c["name"], ready))


def run_crtoken(args, env, where):
    """Run the real binary with the manifest's arguments; it must get past
    every usage check and stop at the (absent) token file with exit 3."""
    mode, rest = options(args[1:])
    tokpath = option(rest, "--token-file") or env.get("CR_TOKEN_FILENAME")
    candidates = [tokpath] if tokpath else DEFAULT_TOKENS
    present = [p for p in candidates if os.path.exists(p)]
    extra = []
    # Bounded, and nothing leaves this machine: check probes IAM even without a
    # token, and a token present here would be sent; point both at a closed port.
    if option(rest, "--timeout") is None:
        extra += ["--timeout", "2"]
    if option(rest, "--retries") is None:
        extra += ["--retries", "0"]
    if mode == "check" or present:
        extra += ["--url", "https://127.0.0.1:1"]
    cmd = [BIN] + args[1:]
    if mode == "exec" and "--" in cmd:
        i = cmd.index("--")
        cmd = cmd[:i] + extra + cmd[i:]
    else:
        cmd = cmd + extra
    e = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    e.update(env)
    p = subprocess.run(cmd, env=e, timeout=RUN_SECS, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/")
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    shown = "\n      %s\n      exit %d: %s" % (" ".join(shlex.quote(a) for a in cmd),
                                               p.returncode, out.strip()[:500])
    check(p.returncode != 2, "%s: crtoken rejects the arguments (usage error)%s" % (where, shown))
    if present:
        return
    check(p.returncode == 3, "%s: exit 3 (token file) expected%s" % (where, shown))
    if tokpath:
        check(tokpath in out, "%s: the error should name %s%s" % (where, tokpath, shown))
    else:
        check("none of the default paths" in out, "%s: default paths expected%s" % (where,
                                                                                   shown))


PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
SHELLS = ("sh", "bash", "ash", "dash", "busybox", "test", "[", "cat", "ls")


def exec_probes(c):
    """(kind, argv) of the container's exec probes."""
    return [(k, [str(a) for a in c[k]["exec"]["command"]]) for k in PROBES
            if (c.get(k) or {}).get("exec")]


def check_no_shell(spec):
    """Pods that run crtoken run in scratch or distroless images: no command or
    probe may need a shell, test or cat."""
    for _, c in containers(spec):
        for what, args in [("command", argv(c))] + exec_probes(c):
            check(not args or os.path.basename(args[0]) not in SHELLS,
                  "%s: %s runs %s, which a scratch or distroless image lacks"
                  % (c["name"], what, args[0]))


def written(spec):
    """The files crtoken writes in this pod (-o of every crtoken container)."""
    out = set()
    for _, c in containers(spec):
        if is_crtoken(c):
            o = option(options(argv(c)[1:])[1], "-o", "--output")
            if o and o != "-":
                out.add(o)
    return out


def fake_token(exp):
    """A JWT as crtoken writes it (--format token): only exp matters to probe."""
    def b64(d):
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return "%s.%s.%s\n" % (b64({"alg": "RS256"}), b64({"exp": exp, "iam_id": "x"}), "c2ln" * 8)


def check_probe(c, spec, kind, args):
    """An exec probe that is crtoken's: `/crtoken probe FILE [--min-valid S]`,
    on a file crtoken writes in this pod and this container mounts; run for
    real on a missing, a valid and an expired token."""
    check(args[0] == "/crtoken" and is_crtoken(c),
          "%s %s: %s is not in the image (only /crtoken is)" % (c["name"], kind, args[0]))
    check(len(args) >= 3 and args[1] == "probe", "%s %s: not `crtoken probe FILE`: %r"
          % (c["name"], kind, args))
    path = args[2]
    check(path in written(spec), "%s %s: %s is not a file crtoken writes here (%s)"
          % (c["name"], kind, path, ", ".join(sorted(written(spec))) or "none"))
    m, _ = mount_of(c, path)
    check(m is not None, "%s %s: %s is on no volume of this container" % (c["name"], kind, path))
    d = tempfile.mkdtemp(prefix="crtoken-examples-")
    try:
        f = os.path.join(d, "token")
        minv = option(args[3:], "--min-valid")
        now = int(time.time())
        cases = [(None, 3), (now + 3600, 0), (now - 10, 15)]
        if minv is not None and int(minv) > 5:
            cases.append((now + int(minv) // 2, 15))	# valid, but not for long enough
        for exp, want in cases:
            if exp is not None:
                with open(f, "w") as fh:
                    fh.write(fake_token(exp))
            elif os.path.exists(f):
                os.unlink(f)
            p = subprocess.run([BIN] + args[1:2] + [f] + args[3:], timeout=RUN_SECS,
                               env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            check(p.returncode == want, "%s %s: %s with %s: exit %d, not %d (%s)" % (
                c["name"], kind, " ".join(args), "no file" if exp is None else
                "a token expiring at now%+d s" % (exp - now), p.returncode, want,
                p.stderr.decode("utf-8", "replace").strip()))
    finally:
        shutil.rmtree(d)


def check_native_sidecar(c, spec):
    """A native sidecar running watch gates the app: its startupProbe is
    `crtoken probe` on the file it writes."""
    mode, rest = options(argv(c)[1:])
    out = option(rest, "-o", "--output")
    sp = dict(exec_probes(c)).get("startupProbe")
    check(sp is not None and sp[1:3] == ["probe", out],
          "%s: a native sidecar running watch needs startupProbe /crtoken probe %s, or the "
          "app starts before the token is there" % (c["name"], out))
    check(spec.get("containers"), "no app container after the sidecar")


def task_steps(doc):
    """A Tekton Task's steps with the stepTemplate's env merged in, and a
    pod-spec-like dict of its volumes."""
    spec = doc.get("spec") or {}
    tenv = (spec.get("stepTemplate") or {}).get("env") or []
    steps = []
    for st in spec.get("steps") or []:
        st = dict(st)
        names = {e["name"] for e in st.get("env") or []}
        st["env"] = [e for e in tenv if e["name"] not in names] + list(st.get("env") or [])
        steps.append(st)
    return steps, {"containers": steps, "volumes": spec.get("volumes") or []}


def check_helper_step(st, spec, configmaps):
    """A step whose auth file names crtoken in credHelpers: the helper gets
    what it needs from the step's environment, and the real binary, run as
    docker-credential-crtoken with that environment, lists the registries and
    answers get by reading the CR token (absent here: exit 3 naming it)."""
    env = literal_env(st)
    af = env.get("REGISTRY_AUTH_FILE") or (env.get("DOCKER_CONFIG", "") + "/config.json")
    m, rel = mount_of(st, af)
    check(m is not None, "%s: auth file %s is on no volume" % (st["name"], af))
    vol = [v for v in spec["volumes"] if v["name"] == m["name"]][0]
    cm = configmaps.get((vol.get("configMap") or {}).get("name"))
    check(cm is not None and rel in (cm.get("data") or {}), "%s: %s is not in a ConfigMap of "
          "this file" % (st["name"], af))
    helpers = json.loads(cm["data"][rel]).get("credHelpers") or {}
    regs = [h for h, n in helpers.items() if n == "crtoken"]
    check(regs, "%s: credHelpers names crtoken for no registry" % st["name"])
    check_token(st, spec)
    d = tempfile.mkdtemp(prefix="crtoken-examples-")
    try:
        link = os.path.join(d, "docker-credential-crtoken")
        os.symlink(BIN, link)
        e = {"PATH": "/usr/bin:/bin", "IAM_URL": "https://127.0.0.1:1"}
        e.update(env)
        e["CRTOKEN_CACHE"] = os.path.join(d, "cache.json")
        p = subprocess.run([link, "list"], env=e, timeout=RUN_SECS, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        listed = json.loads(p.stdout or b"{}")
        check(p.returncode == 0 and all(listed.get(r) == "iambearer" for r in regs),
              "%s: the helper lists %s, not %s" % (st["name"], list(listed), regs))
        tok = env.get("CR_TOKEN_FILENAME") or DEFAULT_TOKENS[0]
        for r in regs:
            p = subprocess.run([link, "get"], input=("https://%s\n" % r).encode(), env=e,
                               timeout=RUN_SECS, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out = p.stdout.decode("utf-8", "replace")
            check(p.returncode == 3 and tok in out, "%s: get %s: exit 3 naming %s expected, "
                  "got %d: %s" % (st["name"], r, tok, p.returncode, out.strip()[:300]))
    finally:
        shutil.rmtree(d)


def version():
    with open(os.path.join(TOP, "Makefile")) as f:
        m = re.search(r"^VERSION\s*=\s*(\S+)", f.read(), re.M)
    return m.group(1) if m else "?"


def check_images(files):
    """Each file with a workload runs crtoken; its images are the placeholder
    of this version (or an app image that copies /crtoken in)."""
    want = "icr.io/example/crtoken:" + version()
    for f in files:
        with open(f) as fh:
            specs = [pod_spec(d) for d in yaml.safe_load_all(fh) if isinstance(d, dict)]
        specs = [s for s in specs if s is not None]
        for s in specs:
            crs = [c for _, c in containers(s) if is_crtoken(c)]
            check(crs, "%s: a workload without crtoken" % os.path.basename(f))
            for c in crs:
                check(c["image"] == want or (c.get("command") or [""])[0] == "/crtoken",
                      "%s: %s runs image %s, not %s" % (os.path.basename(f), c["name"],
                                                        c["image"], want))


# ---------------------------------------------------------------- the tests

def add(name, fn, *a):
    TESTS.append((name, lambda: fn(*a)))


def pod_tests(fname, doc, spec):
    label = "%s %s/%s" % (fname, doc["kind"], doc.get("metadata", {}).get("name", "?"))
    crs = [c for _, c in containers(spec) if is_crtoken(c)]
    if not crs:
        return
    add(label + ": security context of every container", check_security, spec)
    add(label + ": no shell, test or cat in commands and probes", check_no_shell, spec)
    for c in crs:
        add("%s: projected token for %s" % (label, c["name"]), check_token, c, spec)
        add("%s: outputs of %s" % (label, c["name"]), check_outputs, c, spec)
        add("%s: crtoken accepts the arguments of %s" % (label, c["name"]),
            lambda c=c: run_crtoken(argv(c), literal_env(c), c["name"]))
        if c.get("restartPolicy") == "Always" and options(argv(c)[1:])[0] == "watch":
            add("%s: native sidecar %s gates the app with crtoken probe" % (label, c["name"]),
                check_native_sidecar, c, spec)
    for _, c in containers(spec):
        for kind, args in exec_probes(c):
            add("%s: %s of %s (%s)" % (label, kind, c["name"], " ".join(args[1:])),
                check_probe, c, spec, kind, args)


def custom_profile(doc, pods):
    """A kubectl debug --custom partial container spec."""
    for k in ("name", "command", "image", "lifecycle", "volumeDevices"):
        check(k not in doc, "kubectl debug --custom refuses %r" % k)
    mounts = doc.get("volumeMounts") or []
    check(mounts, "no volumeMounts: nothing to add to the debug container")
    for m in mounts:
        check("subPath" not in m and "subPathExpr" not in m,
              "ephemeral containers cannot use subPath")
        check(m.get("readOnly") is True, "mount %s should be readOnly" % m.get("name"))
        iam = [s for s in pods if any(
            src.get("audience") == "iam" for src in token_sources(s).get(m["name"], {}).values())]
        check(iam, "no example pod has a projected iam token volume named %r" % m.get("name"))
        check(m["mountPath"] + "/sa-token" in DEFAULT_TOKENS or
              any(d.startswith(m["mountPath"] + "/") for d in DEFAULT_TOKENS),
              "mountPath %s: crtoken's default token paths are not under it" % m["mountPath"])


def markdown_commands(path):
    """crtoken command lines in the fenced sh blocks of a markdown file:
    (line, argv) for each word ending in crtoken that follows kubectl's '--'."""
    text = open(path).read()
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip()
            if not line:
                continue
            words = shlex.split(line)
            for i, w in enumerate(words):
                if i > 0 and words[i - 1] == "--" and w.endswith("/crtoken"):
                    found.append((line, ["/crtoken"] + words[i + 1:]))
    return found


def collect():
    files = sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))
    check(files, "no examples/*.yaml")
    pods, partial, tasks, configmaps = [], [], [], {}
    for f in files:
        fname = os.path.basename(f)
        try:
            with open(f) as fh:
                docs = [d for d in yaml.safe_load_all(fh) if d is not None]
        except yaml.YAMLError as e:
            add(fname + ": parses", check, False, "YAML: %s" % e)
            continue
        add("%s: parses (%d document%s)" % (fname, len(docs), "" if len(docs) == 1 else "s"),
            check, bool(docs), "empty")
        for d in docs:
            if not isinstance(d, dict):
                add(fname + ": document is a mapping", check, False, repr(d)[:80])
            elif "kind" not in d:
                partial.append((fname, d))
            else:
                add("%s %s: apiVersion and metadata.name" % (fname, d["kind"]), check,
                    bool(d.get("apiVersion")) and bool((d.get("metadata") or {}).get("name")),
                    "apiVersion or metadata.name missing")
                spec = pod_spec(d)
                if spec is not None:
                    pods.append(spec)
                    pod_tests(fname, d, spec)
                if d["kind"] == "Task" and str(d.get("apiVersion")).startswith("tekton.dev/"):
                    tasks.append((fname, d))
                if d["kind"] == "ConfigMap":
                    configmaps[(d.get("metadata") or {}).get("name")] = d
    add("every pod example runs crtoken, from icr.io/example/crtoken:%s" % version(),
        check_images, files)
    for fname, d in tasks:
        steps, tspec = task_steps(d)
        helped = [st for st in steps if "REGISTRY_AUTH_FILE" in literal_env(st) or
                  "DOCKER_CONFIG" in literal_env(st)]
        add("%s Task/%s: uses crtoken as credential helper" % (fname, d["metadata"]["name"]),
            check, bool(helped), "no step with an auth file")
        for st in helped:
            add("%s Task/%s: step %s gets registry credentials from crtoken" % (
                fname, d["metadata"]["name"], st["name"]), check_helper_step, st, tspec,
                configmaps)
    for fname, d in partial:
        add(fname + ": a kubectl debug --custom container spec", custom_profile, d, pods)
    md = os.path.join(EXAMPLES, "debug.md")
    if os.path.exists(md):
        cmds = markdown_commands(md)
        add("debug.md: has crtoken command lines", check, bool(cmds), "none found")
        for n, (line, args) in enumerate(cmds, 1):
            add("debug.md: command %d (%s) is accepted" % (n, " ".join(args[1:3])),
                run_crtoken, args, {}, line)
    return pods


def main():
    if not os.access(BIN, os.X_OK):
        print("FAIL setup: %s is not executable (run make first)" % BIN)
        print("examples: 0 passed, 1 failed")
        return 1
    passed = failed = 0
    try:
        collect()
    except Fail as e:
        TESTS.append(("collect", lambda: check(False, str(e))))
    for name, fn in TESTS:
        try:
            fn()
            passed += 1
            print("ok   %s" % name)
        except (Fail, subprocess.TimeoutExpired) as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
        except Exception as e:  # a broken test is a failed test, not a crash
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
        sys.stdout.flush()
    print("examples: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
