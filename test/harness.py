"""What the Python suites (e2e.py, net.py, image.py) share.

A suite registers its tests with @test, checks with check() (which raises
Fail, with the run's exit code, time and output when given a Result), and
hands them to run(), which prints one line per test ("ok", "FAIL", "skip")
and the summary line "<suite>: N passed, M failed, K skipped". A test that
returns "skip: why" is skipped; any exception fails the test, never the suite.
"""
import ctypes
import platform
import struct
import subprocess
import sys
import time

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Fail(Exception):
    pass


class Result:
    def __init__(self, code, out, err, secs):
        self.code, self.out, self.err, self.secs = code, out, err, secs


def check(cond, what, r=None):
    if not cond:
        if r is not None:
            what += "\n      exit=%s time=%.2fs\n      stdout=%r\n      stderr=%r" % (
                r.code, r.secs, r.out[:300], r.err[:900])
        raise Fail(what)


# seccomp: make one system call fail with an errno in a child, before exec.
# (audit arch, getrandom's number) per host; the filter sees host calls, so
# it holds for a binary run under qemu-user too.
_SECCOMP_HOST = {"x86_64": (0xC000003E, 318), "aarch64": (0xC00000B7, 278)}


def deny_getrandom(errno_value=1):
    """A preexec_fn: getrandom(2) fails with errno_value (EPERM) in the child.

    What a sandbox whose seccomp profile predates getrandom does. Returns
    None when this host is not in the table (the caller skips)."""
    host = _SECCOMP_HOST.get(platform.machine())
    if host is None:
        return None
    arch, nr = host
    ld, jeq, ret = 0x20, 0x15, 0x06
    prog = [(ld, 0, 0, 4),                      # A = seccomp_data.arch
            (jeq, 0, 3, arch),                  # not this arch: allow
            (ld, 0, 0, 0),                      # A = seccomp_data.nr
            (jeq, 0, 1, nr),
            (ret, 0, 0, 0x00050000 | errno_value),  # SECCOMP_RET_ERRNO
            (ret, 0, 0, 0x7FFF0000)]            # SECCOMP_RET_ALLOW
    code = b"".join(struct.pack("=HBBI", *i) for i in prog)

    def install():
        libc = ctypes.CDLL(None, use_errno=True)
        buf = ctypes.create_string_buffer(code, len(code))

        class Fprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
        fp = Fprog(len(prog), ctypes.addressof(buf))
        if libc.prctl(38, 1, 0, 0, 0) != 0:     # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
        if libc.prctl(22, 2, ctypes.byref(fp), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
            raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")
    return install


def run(tests):
    """Run tests in order, a line each; returns (passed, failed, skipped)."""
    passed = failed = skipped = 0
    for fn in tests:
        t0 = time.monotonic()
        try:
            note = fn()
            if isinstance(note, str) and note.startswith("skip"):
                skipped += 1
                print("skip %s (%s)" % (fn.__name__, note[6:]))
            else:
                passed += 1
                print("ok   %s (%.1fs)" % (fn.__name__, time.monotonic() - t0))
        except (Fail, subprocess.TimeoutExpired) as e:
            failed += 1
            print("FAIL %s: %s" % (fn.__name__, e))
        except Exception as e:  # a broken test is a failed test, not a crash
            failed += 1
            print("FAIL %s: %s: %s" % (fn.__name__, type(e).__name__, e))
        sys.stdout.flush()
    return passed, failed, skipped


def selected(only):
    """The registered tests whose names contain one of the given substrings (all when none)."""
    return [fn for fn in TESTS if not only or any(o in fn.__name__ for o in only)]


def summary(suite, passed, failed, skipped):
    print("%s: %d passed, %d failed, %d skipped" % (suite, passed, failed, skipped))
    return 1 if failed else 0


def wait_for(cond, secs, step=0.05):
    """Poll cond() until true or secs pass; returns its last value."""
    end = time.monotonic() + secs
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def read(path):
    """The text of path, or None when there is no such file."""
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None
