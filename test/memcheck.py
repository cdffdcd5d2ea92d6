#!/usr/bin/env python3
"""valgrind memcheck of crtoken (a glibc build without sanitizers) against the stand-in.

usage: memcheck.py BUILD/crtoken-vg

Each run must end with crtoken's own exit status: valgrind is told to exit 99
on any memory error and on any definitely or indirectly lost block. Covers the
one-shot path (both chains, --cacert, every format, -o), failures (IAM error,
invalid JSON, TLS refusal), check, and watch stopped by SIGTERM.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iam  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(sys.argv[1])
VG = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
      "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect"]


def main():
    if shutil.which("valgrind") is None:
        print("memcheck: valgrind missing")
        return 1
    d = tempfile.mkdtemp(prefix="crtoken-memcheck-")
    pki = os.path.join(d, "pki")
    subprocess.run(["sh", os.path.join(HERE, "pki.sh"), pki], check=True)
    srv = iam.Standin(pki, os.path.join(d, "state"))
    cr = os.path.join(d, "cr")
    with open(cr, "w") as f:
        f.write(iam.cr_token())
    base = ["--url", "https://localhost:%d" % srv.port, "--cacert", os.path.join(pki, "ca.pem"),
            "--token-file", cr, "--profile-id", iam.PROFILE_ID, "--retries", "0"]
    out = os.path.join(d, "out")
    cases = [
        ("one-shot RSA chain", [], [], 0),
        ("one-shot P-384 chain, json", ["-f", "json"], ["cert=ec"], 0),
        ("chunked, env format, -o", ["-f", "env", "-o", out], ["resp=chunked"], 0),
        ("byte by byte, header", ["-f", "header", "-v"], ["resp=bytewise"], 0),
        ("IAM 400", [], ["status=400 code=BXNIM0398E"], 10),
        ("IAM 503 with retries", ["--retries", "1"], ["status=503 retry=0"], 12),
        ("invalid JSON", [], ["resp=badjson"], 13),
        ("TLS refused", [], ["tls=tls13"], 7),
        ("untrusted chain", [], ["cert=rogue"], 8),
        ("check", ["check"], [], 0),
    ]
    passed = failed = 0
    try:
        for name, args, script, want in cases:
            srv.script(*script)
            argv = list(args)
            if argv[:1] == ["check"]:
                argv = ["check"] + base
            else:
                argv = base + argv
            p = subprocess.run(VG + [BIN] + argv, capture_output=True, timeout=120)
            ok = p.returncode == want
            print("%s %s (exit %d)" % ("ok  " if ok else "FAIL", name, p.returncode))
            if not ok:
                print(p.stderr.decode(errors="replace")[-3000:])
            passed += ok
            failed += not ok
        # watch, stopped by SIGTERM between refreshes
        srv.script("expires=3600")
        wd = tempfile.mkdtemp(dir=d)
        p = subprocess.Popen(VG + [BIN, "watch", "-o", os.path.join(wd, "t")] + base,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.monotonic() + 60
        while not os.path.exists(os.path.join(wd, "t")) and time.monotonic() < end:
            time.sleep(0.1)
        time.sleep(0.5)
        p.send_signal(15)
        try:
            code = p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            code = p.wait(timeout=10)
        ok = code == 0 and os.path.exists(os.path.join(wd, "t"))
        print("%s watch, then SIGTERM (exit %d)" % ("ok  " if ok else "FAIL", code))
        if not ok:
            print(p.stderr.read().decode(errors="replace")[-3000:])
        passed += ok
        failed += not ok
    finally:
        srv.stop()
        shutil.rmtree(d, ignore_errors=True)
    print("memcheck: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
