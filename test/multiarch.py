#!/usr/bin/env python3
"""The release artifacts of make dist and make image-multiarch, inspected.

usage: multiarch.py [VERSION]   (after make dist and make image-multiarch)

dist/: one stripped static binary per architecture, named
crtoken-VERSION-linux-ARCH, whose ELF header names that machine and whose
--version (run under qemu-user for a foreign one) names that architecture;
SHA256SUMS lists exactly them and verifies. The manifest list
crtoken:VERSION-multiarch: one image per architecture (amd64, arm64, s390x,
ppc64le), each holding only /crtoken, the same bytes as in dist/.
"""
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PODMAN = "podman"
MACHINE = {"x86_64": 62, "aarch64": 183, "s390x": 22, "ppc64le": 21}
PODARCH = {"x86_64": "amd64", "aarch64": "arm64", "s390x": "s390x", "ppc64le": "ppc64le"}
results = []


def version():
    with open(os.path.join(TOP, "Makefile")) as f:
        return re.search(r"^VERSION = (\S+)", f.read(), re.M).group(1)


VERSION = sys.argv[1] if len(sys.argv) > 1 else version()
DIST = os.path.join(TOP, "dist")


def check(ok, what):
    results.append(ok)
    print("%s %s" % ("ok  " if ok else "FAIL", what))
    return ok


def elf(data):
    """(static, stripped, e_machine) of an ELF image."""
    import struct
    end = "<" if data[5] == 1 else ">"
    machine, = struct.unpack(end + "H", data[18:20])
    phoff, = struct.unpack(end + "Q", data[32:40])
    shoff, = struct.unpack(end + "Q", data[40:48])
    phentsize, phnum, shentsize, shnum = struct.unpack(end + "HHHH", data[54:62])
    interp = any(struct.unpack(end + "I", data[phoff + i * phentsize:phoff + i * phentsize + 4])[0]
                 == 3 for i in range(phnum))
    symtab = any(struct.unpack(end + "I", data[shoff + i * shentsize + 4:
                                                shoff + i * shentsize + 8])[0] == 2
                 for i in range(shnum))
    return not interp, not symtab, machine


def podman(*args):
    return subprocess.run([PODMAN] + list(args), capture_output=True, timeout=120)


def main():
    sums = {}
    path = os.path.join(DIST, "SHA256SUMS")
    check(os.path.exists(path), "dist/SHA256SUMS exists")
    if os.path.exists(path):
        for line in open(path):
            h, name = line.split()
            sums[name] = h
        p = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=DIST, capture_output=True)
        check(p.returncode == 0, "sha256sum -c SHA256SUMS verifies")
    want = {"crtoken-%s-linux-%s" % (VERSION, a) for a in MACHINE}
    check(set(sums) == want, "SHA256SUMS lists the four binaries: %s" % sorted(sums))
    for arch, machine in sorted(MACHINE.items()):
        name = "crtoken-%s-linux-%s" % (VERSION, arch)
        f = os.path.join(DIST, name)
        if not check(os.path.exists(f), "%s exists" % name):
            continue
        data = open(f, "rb").read()
        static, stripped, m = elf(data)
        check(static and stripped and m == machine,
              "%s: static %s, stripped %s, machine %d (want %d), %d bytes"
              % (name, static, stripped, m, machine, len(data)))
        run = [f] if arch == os.uname().machine else ["qemu-%s-static" % arch, f]
        p = subprocess.run(run + ["--version"], capture_output=True, timeout=60)
        out = p.stdout.decode()
        check(p.returncode == 0 and ("linux-%s " % arch) in out and "source " in out,
              "%s --version names its architecture and source: %s" % (name, out.strip()))

    lst = "crtoken:%s-multiarch" % VERSION
    p = podman("manifest", "inspect", lst)
    if check(p.returncode == 0, "manifest list %s exists" % lst):
        m = json.loads(p.stdout)
        plats = sorted((d["platform"]["os"], d["platform"]["architecture"]) for d in m["manifests"])
        check(plats == sorted(("linux", a) for a in PODARCH.values()),
              "one image per architecture: %s" % plats)
    for arch, pa in sorted(PODARCH.items()):
        tag = "crtoken:%s-linux-%s" % (VERSION, pa)
        p = podman("image", "inspect", tag)
        if not check(p.returncode == 0, "%s exists" % tag):
            continue
        cfg = json.loads(p.stdout)[0]
        check(cfg["Architecture"] == pa and cfg["Config"]["Entrypoint"] == ["/crtoken"],
              "%s: architecture %s, entrypoint /crtoken" % (tag, cfg["Architecture"]))
        p = podman("image", "save", "--format", "docker-archive", tag)
        files = {}
        with tarfile.open(fileobj=io.BytesIO(p.stdout)) as outer:
            for member in outer.getmembers():
                if member.name.endswith(".tar"):
                    with tarfile.open(fileobj=outer.extractfile(member)) as layer:
                        for lm in layer.getmembers():
                            if lm.isfile():
                                files[lm.name] = layer.extractfile(lm).read()
        name = "crtoken-%s-linux-%s" % (VERSION, arch)
        same = files.get("crtoken") is not None and name in sums and \
            hashlib.sha256(files["crtoken"]).hexdigest() == sums[name]
        check(sorted(files) == ["crtoken"] and same,
              "%s holds only /crtoken, the bytes of dist/%s" % (tag, name))
    failed = results.count(False)
    print("multiarch: %d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
