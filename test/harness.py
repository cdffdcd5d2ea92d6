"""What the Python suites (e2e.py, net.py, image.py) share.

A suite registers its tests with @test, checks with check() (which raises
Fail, with the run's exit code, time and output when given a Result), and
hands them to run(), which prints one line per test ("ok", "FAIL", "skip")
and the summary line "<suite>: N passed, M failed, K skipped". A test that
returns "skip: why" is skipped; any exception fails the test, never the suite.
"""
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
