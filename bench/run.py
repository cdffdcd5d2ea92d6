#!/usr/bin/env python3
"""bench/run.py: crtoken against curl, the same exchange, the same local IAM stand-in.

    python3 bench/run.py [--n N] [--crtoken ./crtoken] [--build build] [--out FILE]

For each server chain of the test PKI (RSA-2048 leaf + intermediate; ECDSA P-256
leaf + intermediate; the IAM-like chain: P-384 root and intermediate with SHA-384
and a P-256 leaf, the shape of IAM's DigiCert G3 chain; ECDSA P-384 throughout) both clients
do the same exchange: same stand-in on 127.0.0.1 (https://localhost:PORT), same
CA file, same CR token file, same profile id. Measured:

  size          stat of ./crtoken (stripped) vs /usr/bin/curl plus every shared
                library ldd lists for it (symlinks resolved, each file once)
  peak RSS      /usr/bin/time -v "Maximum resident set size", median of N runs
  instructions  valgrind --tool=callgrind "Collected", 2 runs each
  wall time     time.perf_counter() around subprocess.run, median of N runs
  where crtoken's instructions go: callgrind_annotate on an unstripped link of
                build/*.o and libbearssl.a (exclusive top 5, a few inclusive phases)
  DigiCert-only build: make CERTS=certs/digicert.list in a copy of the tree, size only

Every run is checked: crtoken must exit 0 and print a JWT, curl must exit 0 and
print JSON holding access_token, and each exchange must be one connection with the
intended chain. Nothing is asserted about the figures: it prints a Markdown report.
Everything runs under timeouts; the stand-in stops itself; temp dirs are removed.
"""
import argparse
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GRANT = "urn:ibm:params:oauth:grant-type:cr-token"
KIB = 1024
TARGET_SIZE = 256 * KIB      # bytes, with the full root set
TARGET_RSS = 512             # KiB
TARGET_INSN = 1 / 3          # of curl's
TARGET_INSN_CHAIN = {"g3": 0.5}   # issue 14: the IAM-like chain
RUN_TIMEOUT = 60             # seconds, one exchange
VG_TIMEOUT = 600             # seconds, one exchange under callgrind
CHAINS = [("rsa", "RSA-2048 chain"), ("p256", "ECDSA P-256 chain"),
          ("g3", "IAM-like chain: P-384 root and intermediate, P-256 leaf"),
          ("ec", "ECDSA P-384 chain")]


class BenchError(Exception):
    pass


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def sh(cmd, timeout=120, **kw):
    """Run cmd, return CompletedProcess (text), raise on a non-zero exit."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if r.returncode != 0:
        raise BenchError("%s exited %d: %s" % (" ".join(cmd), r.returncode,
                                               (r.stderr or r.stdout).strip()[-2000:]))
    return r


# ---------------------------------------------------------------- tools

NEEDED = [  # (program, Debian package)
    ("/usr/bin/time", "time"), ("valgrind", "valgrind"),
    ("callgrind_annotate", "valgrind"), ("curl", "curl"), ("openssl", "openssl"),
    ("musl-gcc", "musl-tools"), ("ldd", "libc-bin"),
]


def need_tools():
    missing = []
    for prog, pkg in NEEDED:
        found = os.access(prog, os.X_OK) if prog.startswith("/") else shutil.which(prog)
        if not found and pkg not in missing:
            missing.append(pkg)
    if not missing:
        return []
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BenchError("missing Debian packages: %s" % " ".join(missing))
    log("installing with apt-get:", " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing
    if subprocess.run(cmd, env=env, timeout=600, stdout=sys.stderr).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, timeout=600, stdout=sys.stderr)
        if subprocess.run(cmd, env=env, timeout=600, stdout=sys.stderr).returncode != 0:
            raise BenchError("apt-get could not install: %s" % " ".join(missing))
    return missing


def clean_env(home):
    """No proxies, no CA or profile settings from the caller, no ~/.curlrc."""
    drop = {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
            "all_proxy", "NO_PROXY", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR",
            "CURL_CA_BUNDLE", "CURL_HOME", "IAM_PROFILE_ID", "IAM_PROFILE_NAME",
            "IAM_PROFILE_CRN", "IBMCLOUD_CR_PROFILE", "CR_TOKEN_FILENAME", "IAM_URL",
            "OPENSSL_CONF", "LD_PRELOAD", "LD_LIBRARY_PATH", "VALGRIND_OPTS"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["HOME"] = home
    env["XDG_CONFIG_HOME"] = home
    return env


# ---------------------------------------------------------------- sizes

def elf_has_symtab(path):
    """True when the ELF file still has a .symtab (what file(1) calls not stripped)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return None
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    for i in range(shnum):
        if struct.unpack_from("<I", data, shoff + i * shentsize + 4)[0] == 2:  # SHT_SYMTAB
            return True
    return False


def curl_footprint(curl):
    out = sh(["ldd", curl], timeout=30).stdout
    libs = []
    for line in out.splitlines():
        line = line.strip()
        m = re.match(r"(\S+) => (\S+) \(0x", line) or re.match(r"(/\S+) \(0x", line)
        if not m:
            if "not found" in line:
                raise BenchError("ldd %s: %s" % (curl, line))
            continue  # linux-vdso.so.1: no file
        path = m.group(m.lastindex)
        libs.append((os.path.basename(m.group(1)), os.path.realpath(path)))
    seen, rows = set(), []
    for name, real in libs:
        if real in seen:
            continue
        seen.add(real)
        rows.append((name, real, os.stat(real).st_size, elf_has_symtab(real)))
    real = os.path.realpath(curl)
    return {"bin": real, "bin_size": os.stat(real).st_size,
            "bin_symtab": elf_has_symtab(real), "libs": rows,
            "libs_size": sum(r[2] for r in rows)}


# ---------------------------------------------------------------- the stand-in

class Standin:
    def __init__(self, pki, seconds):
        self.dir = pki
        self.log = open(os.path.join(pki, "standin.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(REPO, "test", "iam.py"), "--dir", pki,
             "--host", "127.0.0.1", "--seconds", str(int(seconds))],
            stdout=self.log, stderr=subprocess.STDOUT)
        port = os.path.join(pki, "port")
        deadline = time.monotonic() + 15
        while not os.path.exists(port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError("the IAM stand-in did not start (see standin.log)")
            time.sleep(0.05)
        self.port = int(open(port).read())

    def script(self, line):
        tmp = os.path.join(self.dir, "script.tmp")
        with open(tmp, "w") as f:
            f.write(line + "\n")
        os.replace(tmp, os.path.join(self.dir, "script"))

    def connections(self):
        try:
            with open(os.path.join(self.dir, "connections")) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # the process this script started, by its id
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


# ---------------------------------------------------------------- runs

class Clients:
    def __init__(self, crtoken, curl, pki, port, token, profile, env):
        self.env = env
        self.cwd = pki
        url = "https://localhost:%d" % port
        self.cmd = {
            "crtoken": [crtoken, "--url", url, "--cacert", "ca.pem", "--token-file", token,
                        "--profile-id", profile],
            "curl": [curl, "-sS", "--cacert", "ca.pem", "-d", "grant_type=" + GRANT,
                     "--data-urlencode", "cr_token@" + token, "-d", "profile_id=" + profile,
                     url + "/identity/token"],
        }

    def check(self, tool, rc, out, err, how):
        if rc != 0:
            raise BenchError("%s (%s) exited %d: %s" % (tool, how, rc, err.strip()[-1000:]))
        if tool == "curl" and '"access_token"' not in out:
            raise BenchError("curl (%s): no access_token in its output: %s" % (how, out[:300]))
        if tool == "crtoken" and out.strip().count(".") != 2:
            raise BenchError("crtoken (%s): its output is not a JWT: %s" % (how, out[:300]))

    def plain(self, tool):
        """Wall time, and the child's user + system CPU time (from its rusage)."""
        u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run(self.cmd[tool], capture_output=True, text=True, cwd=self.cwd,
                           env=self.env, timeout=RUN_TIMEOUT)
        dt = time.perf_counter() - t0
        u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.check(tool, r.returncode, r.stdout, r.stderr, "plain run")
        return dt, (u1.ru_utime - u0.ru_utime) + (u1.ru_stime - u0.ru_stime)

    def rss(self, tool, tmp):
        tf = os.path.join(tmp, "time.txt")
        r = subprocess.run(["/usr/bin/time", "-v", "-o", tf] + self.cmd[tool],
                           capture_output=True, text=True, cwd=self.cwd, env=self.env,
                           timeout=RUN_TIMEOUT)
        self.check(tool, r.returncode, r.stdout, r.stderr, "/usr/bin/time -v")
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(tf).read())
        if not m:
            raise BenchError("/usr/bin/time -v printed no maximum resident set size")
        return int(m.group(1))

    def callgrind(self, tool, tmp, cmd=None, out_file=None):
        logs = os.path.join(tmp, "vglog")
        shutil.rmtree(logs, ignore_errors=True)
        os.makedirs(logs)
        out_file = out_file or os.path.join(tmp, "callgrind.out")
        # a log per process, all counted (crtoken forked a resolver child before
        # dns.c; one process now); the last to end leaves its profile in out_file
        r = subprocess.run(["valgrind", "--tool=callgrind",
                            "--log-file=" + os.path.join(logs, "%p"),
                            "--callgrind-out-file=" + out_file] + (cmd or self.cmd[tool]),
                           capture_output=True, text=True, cwd=self.cwd, env=self.env,
                           timeout=VG_TIMEOUT)
        self.check(tool, r.returncode, r.stdout, r.stderr, "callgrind")
        totals = [int(t) for f in sorted(os.listdir(logs)) for t in
                  re.findall(r"Collected : (\d+)", open(os.path.join(logs, f)).read())]
        if not totals:
            raise BenchError("callgrind printed no Collected total (%s)" % logs)
        return sum(totals)


def measure_chain(cl, standin, chain, n, tmp):
    standin.script("cert=" + chain)
    before = len(standin.connections())
    res = {t: {"wall": [], "cpu": [], "rss": [], "insn": []} for t in ("crtoken", "curl")}
    runs = 0
    for tool in ("crtoken", "curl"):  # warm-up, not counted
        cl.plain(tool)
        runs += 1
    for i in range(n):  # alternate who goes first, so drift hits both alike
        for tool in (("crtoken", "curl") if i % 2 == 0 else ("curl", "crtoken")):
            wall, cpu = cl.plain(tool)
            res[tool]["wall"].append(wall)
            res[tool]["cpu"].append(cpu)
            runs += 1
    for i in range(n):
        for tool in (("crtoken", "curl") if i % 2 == 0 else ("curl", "crtoken")):
            res[tool]["rss"].append(cl.rss(tool, tmp))
            runs += 1
    for _ in range(2):
        for tool in ("crtoken", "curl"):
            res[tool]["insn"].append(cl.callgrind(tool, tmp))
            runs += 1
    conns = standin.connections()[before:]
    bad = [c for c in conns if c.strip() != "cert=" + chain]
    if len(conns) != runs or bad:
        raise BenchError("%s chain: %d exchanges made %d connections (%s)"
                         % (chain, runs, len(conns), ", ".join(sorted(set(bad)))[:200]))
    return res


# ---------------------------------------------------------------- profile

PHASES = [  # (function, what it is); inclusive counts, shown when present
    ("br_ssl_hs_client_run", "TLS handshake, all of it"),
    ("br_x509_minimal_run", "certificate chain validation (its signature checks included)"),
    ("p384_vrfy_raw", "ECDSA P-384 verification (p384.c)"),
    ("br_ecdsa_i31_vrfy_raw", "ECDSA verification, other curves (BearSSL's i31 code)"),
    ("br_rsa_i62_public", "RSA verification (i62 code)"),
    ("br_rsa_i31_public", "RSA verification (i31 code)"),
    ("api_mul", "ECDHE point multiplications (`f255_*` above are x25519)"),
    ("anchors_pem", "reading --cacert"),
]


def annotate(cgfile, inclusive):
    out = sh(["callgrind_annotate", "--auto=no", "--threshold=100",
              "--inclusive=" + ("yes" if inclusive else "no"), cgfile], timeout=120).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*?)\s+\[[^\]]*\]\s*$", line)
        if m and ":" in m.group(3):
            fn = m.group(3).split(":", 1)[1]
            rows.append((fn, int(m.group(1).replace(",", "")), float(m.group(2))))
    return rows


def calls_to(cgfile):
    """Number of calls to each function, from the callgrind output file."""
    names, calls, cfn = {}, {}, None
    with open(cgfile) as f:
        for line in f:
            m = re.match(r"c?fn=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
            if m:
                if m.group(2):
                    names[m.group(1)] = m.group(2)
                if line.startswith("cfn="):
                    cfn = names.get(m.group(1))
                continue
            m = re.match(r"calls=(\d+) ", line)
            if m and cfn:
                calls[cfn] = calls.get(cfn, 0) + int(m.group(1))
    return calls


def profile(cl, standin, chain, dbg, tmp):
    standin.script("cert=" + chain)
    cg = os.path.join(tmp, "callgrind.dbg.%s" % chain)
    cmd = [dbg] + cl.cmd["crtoken"][1:]
    total = cl.callgrind("crtoken", tmp, cmd=cmd, out_file=cg)
    excl = annotate(cg, False)
    incl = {fn: (ir, pct) for fn, ir, pct in annotate(cg, True)}
    calls = calls_to(cg)
    phases = [(fn, what, incl[fn][0], incl[fn][1], calls.get(fn, 0))
              for fn, what in PHASES if fn in incl]
    return {"total": total, "top": excl[:5], "phases": phases}


def link_debug(build, tmp):
    objs = sorted(os.path.join(build, f) for f in os.listdir(build) if f.endswith(".o"))
    lib = os.path.join(build, "bearssl", "build", "libbearssl.a")
    dbg = os.path.join(tmp, "crtoken.dbg")
    sh(["musl-gcc", "-static", "-Wl,--gc-sections", "-o", dbg] + objs + [lib], timeout=120)
    return dbg, [os.path.basename(o) for o in objs]


def digicert_build(build, tmp):
    """make CERTS=certs/digicert.list in a copy of the tree; BearSSL copied, not fetched."""
    dst = os.path.join(tmp, "tree")
    top = {".git", "build", "crtoken", "dist"}
    shutil.copytree(REPO, dst, symlinks=True,
                    ignore=lambda d, names: [x for x in names if d == REPO and x in top])
    os.makedirs(os.path.join(dst, "build"))
    for name in ("bearssl", "include", ".deps"):
        src = os.path.join(build, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dst, "build", name), symlinks=True)
        elif os.path.exists(src):
            shutil.copy2(src, os.path.join(dst, "build", name))
    sh(["make", "-C", dst, "CERTS=certs/digicert.list", "crtoken"], timeout=900)
    binary = os.path.join(dst, "crtoken")
    version = sh([binary, "--version"], timeout=10).stdout.strip()
    size = os.stat(binary).st_size
    shutil.rmtree(dst)
    return size, version


# ---------------------------------------------------------------- report

def fmt(n):
    return "{:,}".format(n)


def med(xs):
    return statistics.median(xs)


def ratio(a, b):
    return "%.2f" % (a / b) if b else "-"


def verdict_upper(value, limit, unit, scale=1.0, digits=0):
    if value <= limit:
        return "met"
    return "missed by %s %s" % (("{:,.%df}" % digits).format((value - limit) / scale), unit)


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        debian = "Debian " + open("/etc/debian_version").read().strip()
    except OSError:
        debian = platform.platform()
    return cpu, os.cpu_count(), platform.release(), debian


def report(a, info, fp, res, prof, dig, dbg_objs):
    L = []
    p = L.append
    date, cpu, ncpu, kernel, debian = info["date"], *info["machine"]
    p("### crtoken vs curl, one token exchange")
    p("")
    p("Measured %s on %s (%d CPUs), Linux %s, %s. `%s`; `%s`; curl uses OpenSSL %s. "
      "Both against the IAM stand-in (`test/iam.py`, Python/OpenSSL) on 127.0.0.1 as "
      "`https://localhost:PORT`, same `ca.pem`, CR token file and profile id; "
      "N = %d runs per client and chain (after one warm-up each)."
      % (date, cpu, ncpu, kernel, debian, info["crtoken_version"], info["curl_version"],
         info["openssl"], a.n))
    p("")
    p("| measure | crtoken | curl | crtoken/curl | target | verdict |")
    p("|---|---:|---:|---:|---|---|")
    total = fp["bin_size"] + fp["libs_size"]
    p("| size, bytes | %s (static, stripped, %d roots) | %s (binary %s, %s; + %d shared "
      "libraries %s) | %s | ≤ 256 KiB (%s) with all roots | %s |"
      % (fmt(info["size"]), info["roots"], fmt(total), fmt(fp["bin_size"]),
         "not stripped" if fp["bin_symtab"] else "stripped", len(fp["libs"]),
         fmt(fp["libs_size"]), ratio(info["size"], total), fmt(TARGET_SIZE),
         verdict_upper(info["size"], TARGET_SIZE, "KiB", KIB, 1)))
    p("| size, DigiCert roots only (`CERTS=certs/digicert.list`) | %s (%d roots) | | %s | | |"
      % (fmt(dig[0]), dig[2], ratio(dig[0], total)))
    for chain, label in CHAINS:
        c, u = res[chain]["crtoken"], res[chain]["curl"]
        rc, ru = med(c["rss"]), med(u["rss"])
        p("| peak RSS, KiB, median (%s) | %s | %s | %s | ≤ 512 KiB | %s |"
          % (label, fmt(int(rc)), fmt(int(ru)), ratio(rc, ru),
             verdict_upper(rc, TARGET_RSS, "KiB")))
    for chain, label in CHAINS:
        c, u = res[chain]["crtoken"], res[chain]["curl"]
        ic, iu = c["insn"][0], u["insn"][0]
        target = TARGET_INSN_CHAIN.get(chain, TARGET_INSN)
        limit = iu * target
        v = "met" if ic <= limit else "missed by %s instructions" % fmt(int(round(ic - limit)))
        p("| instructions (callgrind, 2 runs) (%s) | %s | %s | %s | ≤ %s of curl's (%.2f) | %s |"
          % (label, " / ".join(fmt(x) for x in c["insn"]),
             " / ".join(fmt(x) for x in u["insn"]), ratio(ic, iu),
             "1/2" if target == 0.5 else "1/3", target, v))
    for chain, label in CHAINS:
        c, u = res[chain]["crtoken"], res[chain]["curl"]
        wc, wu = med(c["wall"]) * 1e3, med(u["wall"]) * 1e3
        p("| wall time, ms, median (%s) | %.1f | %.1f | %s | | |"
          % (label, wc, wu, ratio(wc, wu)))
    for chain, label in CHAINS:
        c, u = res[chain]["crtoken"], res[chain]["curl"]
        cc, cu = med(c["cpu"]) * 1e3, med(u["cpu"]) * 1e3
        p("| CPU time (user + system), ms, median (%s) | %.1f | %.1f | %s | | |"
          % (label, cc, cu, ratio(cc, cu)))
    p("")
    p("Sizes: crtoken is `stat` of `./crtoken` as built (static, stripped). curl is "
      "`%s` (%s) plus the %d files `ldd` lists for it, symlinks resolved, the dynamic "
      "loader included (%s); libraries "
      "curl might `dlopen` later are not counted. Wall time includes the stand-in's "
      "Python side, the same for both; CPU time is the client's own user + system "
      "time (its rusage, the same runs)."
      % (fp["bin"], "not stripped" if fp["bin_symtab"] else "stripped", len(fp["libs"]),
         "all stripped" if not any(r[3] for r in fp["libs"]) else
         "%d keep a symbol table" % sum(1 for r in fp["libs"] if r[3])))
    p("")
    p("### Where crtoken's instructions go")
    p("")
    p("callgrind on an unstripped link of the same objects (`build/*.o`: %d objects, "
      "and `libbearssl.a`)." % len(dbg_objs))
    p("")
    for chain, label in CHAINS:
        pr = prof[chain]
        p("%s, %s instructions in all (the stripped binary: %s):"
          % (label, fmt(pr["total"]), fmt(res[chain]["crtoken"]["insn"][0])))
        p("")
        p("| function (self) | instructions | share |")
        p("|---|---:|---:|")
        for fn, ir, pct in pr["top"]:
            p("| `%s` | %s | %.1f %% |" % (fn, fmt(ir), pct))
        if pr["phases"]:
            p("")
            p("| phase (inclusive) | calls | instructions | share |")
            p("|---|---:|---:|---:|")
            for fn, what, ir, pct, ncalls in pr["phases"]:
                p("| %s: `%s` | %s | %s | %.1f %% |"
                  % (what, fn, fmt(ncalls) if ncalls else "", fmt(ir), pct))
        p("")
    p("<details><summary>samples and curl's libraries</summary>")
    p("")
    p("```")
    for chain, label in CHAINS:
        for tool in ("crtoken", "curl"):
            r = res[chain][tool]
            w = sorted(x * 1e3 for x in r["wall"])
            c = sorted(x * 1e3 for x in r["cpu"])
            p("%-18s %-7s wall ms %.1f/%.1f/%.1f  CPU ms %.1f/%.1f/%.1f  RSS KiB %d/%d/%d "
              "(min/median/max)" % (label, tool, w[0], med(w), w[-1], c[0], med(c), c[-1],
                                    min(r["rss"]), med(r["rss"]), max(r["rss"])))
    p("")
    p("%-28s %10s  %s" % (fp["bin"], fmt(fp["bin_size"]),
                          "symtab" if fp["bin_symtab"] else "stripped"))
    for name, real, size, sym in fp["libs"]:
        p("%-28s %10s  %s  %s" % (name, fmt(size), "symtab" if sym else "stripped", real))
    p("%-28s %10s" % ("total", fmt(total)))
    p("```")
    p("")
    p("</details>")
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="crtoken vs curl: size, RSS, instructions, time")
    ap.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", "20")),
                    help="runs per client and chain for RSS and wall time (default 20)")
    ap.add_argument("--crtoken", default=os.path.join(REPO, "crtoken"))
    ap.add_argument("--build", default=os.path.join(REPO, "build"),
                    help="the build directory (objects, bearssl/)")
    ap.add_argument("--curl", default="/usr/bin/curl")
    ap.add_argument("--out", help="also write the report to this file")
    a = ap.parse_args()
    if a.n < 1:
        ap.error("--n must be at least 1")
    a.crtoken = os.path.abspath(a.crtoken)
    a.build = os.path.abspath(a.build)

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    installed = need_tools()
    tmp = tempfile.mkdtemp(prefix="crtoken-bench.")
    standin = None
    try:
        # a snapshot: the tree may be rebuilt while this runs
        crtoken = os.path.join(tmp, "crtoken")
        shutil.copy2(a.crtoken, crtoken)
        size = os.stat(a.crtoken).st_size
        if os.stat(crtoken).st_size != size:
            raise BenchError("%s changed while being copied" % a.crtoken)
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        env = clean_env(home)
        crtoken_version = sh([crtoken, "--version"], timeout=10, env=env).stdout.strip()
        m = re.search(r"(\d+) embedded roots", crtoken_version)
        roots = int(m.group(1)) if m else 0
        curl_version = sh([a.curl, "--version"], timeout=10, env=env).stdout.splitlines()[0]
        m = re.search(r"OpenSSL/(\S+)", curl_version)
        openssl = m.group(1) if m else "(none)"
        info = {"date": sh(["date", "-u", "+%F"], timeout=10).stdout.strip(),
                "machine": machine(), "size": size, "roots": roots,
                "crtoken_version": crtoken_version,
                "curl_version": curl_version,
                "openssl": openssl}
        fp = curl_footprint(a.curl)

        log("test PKI")
        pki = os.path.join(tmp, "pki")
        sh(["sh", os.path.join(REPO, "test", "pki.sh"), pki], timeout=300)
        sys.path.insert(0, os.path.join(REPO, "test"))
        import iam
        token = os.path.join(pki, "cr-token")
        with open(token, "w") as f:
            f.write(iam.cr_token() + "\n")

        # the stand-in stops itself; generous for N runs and the callgrind runs
        standin = Standin(pki, seconds=600 + 8 * a.n)
        cl = Clients(crtoken, a.curl, pki, standin.port, token, iam.PROFILE_ID, env)

        res, prof = {}, {}
        for chain, label in CHAINS:
            log("%s: %d runs each for time and RSS, 2 under callgrind" % (label, a.n))
            res[chain] = measure_chain(cl, standin, chain, a.n, tmp)
        log("unstripped link of %s/*.o for callgrind_annotate" % a.build)
        dbg, dbg_objs = link_debug(a.build, tmp)
        for chain, label in CHAINS:
            prof[chain] = profile(cl, standin, chain, dbg, tmp)
        standin.stop()
        standin = None

        log("make CERTS=certs/digicert.list in a copy of the tree")
        dsize, dversion = digicert_build(a.build, tmp)
        m = re.search(r"(\d+) embedded roots", dversion)
        dig = (dsize, dversion, int(m.group(1)) if m else 0)

        text = report(a, info, fp, res, prof, dig, dbg_objs)
        if installed:
            text += "\n(installed for this run with apt-get: %s)\n" % " ".join(installed)
        sys.stdout.write(text)
        if a.out:
            with open(a.out, "w") as f:
                f.write(text)
        return 0
    except (BenchError, subprocess.TimeoutExpired) as e:
        log("failed:", e)
        return 1
    finally:
        if standin:
            standin.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
