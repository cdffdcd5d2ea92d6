#!/bin/sh
# all.sh SUITE...: run the named suites, whatever fails, then repeat each
# one's summary line; the exit status is 0 only when every suite passed.
# Run from the top of the tree after make has built what they test.
#
#   unit, e2e, net, image, registry,    ./crtoken and build/unit
#   examples
#   p384                                build/p384: p384.c against NIST and BearSSL
#   chaos                               ./crtoken under fixed-seed fault schedules
#   asan-unit, asan-p384, asan-e2e,     build/asan: ASan+UBSan, valgrind
#   memcheck
#   cross-ARCH-unit, cross-ARCH-p384,   ./crtoken-ARCH and build/ARCH/* under
#   cross-ARCH-e2e                      qemu-ARCH-static
#   multiarch                           dist/ and the manifest list
#   fuzz                                every harness, FUZZ_SECONDS each
#   reproducible                        two builds of HEAD, the same bytes
#
# PYTHON (python3) runs the Python suites; examples.py wants /usr/bin/python3
# for Debian's python3-yaml.
set -u
py=${PYTHON:-python3}
asan_env="ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86"
ubsan_env="UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87"

command_for() {
	case $1 in
	unit) echo "build/unit" ;;
	p384) echo "build/p384" ;;
	e2e) echo "$py test/e2e.py ./crtoken" ;;
	net) echo "$py test/net.py ./crtoken" ;;
	chaos) echo "$py test/chaos.py ./crtoken --seed 1 --n ${CHAOS_N:-60} --xw ${CHAOS_XW:-2} --jobs 2 --regressions" ;;
	image) echo "$py test/image.py ./crtoken" ;;
	registry) echo "$py test/registry.py ./crtoken" ;;
	examples) echo "/usr/bin/python3 test/examples.py ./crtoken" ;;
	asan-unit) echo "env $asan_env $ubsan_env build/asan/unit" ;;
	asan-p384) echo "env $asan_env $ubsan_env build/asan/p384" ;;
	asan-e2e) echo "env $asan_env $ubsan_env $py test/e2e.py build/asan/crtoken" ;;
	memcheck) echo "$py test/memcheck.py build/asan/crtoken-vg" ;;
	cross-*-unit) a=${1#cross-}; a=${a%-unit}; echo "qemu-$a-static build/$a/unit" ;;
	cross-*-p384) a=${1#cross-}; a=${a%-p384}; echo "qemu-$a-static build/$a/p384" ;;
	cross-*-e2e) a=${1#cross-}; a=${a%-e2e}
		echo "env CRTOKEN_RUNNER=qemu-$a-static $py test/e2e.py ./crtoken-$a" ;;
	multiarch) echo "$py test/multiarch.py" ;;
	fuzz) echo "sh test/fuzz/run.sh ${FUZZ_SECONDS:-10}" ;;
	reproducible) echo "sh test/reproducible.sh" ;;
	*) echo "all.sh: unknown suite $1" >&2; return 1 ;;
	esac
}

for s in "$@"; do
	command_for "$s" >/dev/null || exit 2
done
# every suite's whole output stays in build/test-logs/SUITE.log
tmp=build/test-logs
rm -rf "$tmp"
mkdir -p "$tmp"
st=0
for s in "$@"; do
	echo "== $s"
	{ $(command_for "$s"); echo $? > "$tmp/$s.rc"; } 2>&1 | tee "$tmp/$s.log"
	[ "$(cat "$tmp/$s.rc")" = 0 ] || st=1
done
echo
echo "summary:"
for s in "$@"; do
	printf '  %-20s %s (exit %s)\n' "$s" "$(tail -n 1 "$tmp/$s.log")" "$(cat "$tmp/$s.rc")"
done
[ $st = 0 ] && echo "all suites passed" || echo "FAILED (the logs are in $tmp)"
exit $st
