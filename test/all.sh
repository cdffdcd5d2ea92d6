#!/bin/sh
# all.sh: run every suite, whatever fails, then repeat their summary lines;
# the exit status is 0 only when every suite passed.
#
#   all.sh test BIN UNIT PYTHON    make test: unit, e2e, net, image, examples
#   all.sh asan DIR PYTHON         make test-asan: the unit and e2e suites
#                                  against ASan+UBSan builds, valgrind memcheck
set -u
here=$(dirname "$0")
case $1 in
test)
	bin=$2 unit=$3 py=$4
	set -- "$unit" "$py $here/e2e.py $bin" "$py $here/net.py $bin" \
	    "$py $here/image.py $bin" "/usr/bin/python3 $here/examples.py $bin" ;;
asan)
	dir=$2 py=$3
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
	set -- "$dir/unit" "$py $here/e2e.py $dir/crtoken" "$py $here/memcheck.py $dir/crtoken-vg" ;;
*)
	echo "usage: all.sh test BIN UNIT PYTHON | asan DIR PYTHON" >&2
	exit 2 ;;
esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crtoken-tests.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
st=0
n=0
for suite in "$@"; do
	n=$((n + 1))
	{ $suite; echo $? > "$tmp/rc$n"; } 2>&1 | tee "$tmp/log$n"
	[ "$(cat "$tmp/rc$n")" = 0 ] || st=1
done
echo
echo "summary:"
for i in $(seq 1 $n); do
	echo "  $(tail -n 1 "$tmp/log$i") (exit $(cat "$tmp/rc$i"))"
done
[ $st = 0 ] && echo "all suites passed" || echo "FAILED"
exit $st
