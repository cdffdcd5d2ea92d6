#!/bin/sh
# all.sh: run every suite, whatever fails, then repeat their summary lines;
# the exit status is 0 only when every suite passed.
#
#   all.sh test BIN UNIT PYTHON    make test: unit, e2e, net, image, examples
#   all.sh asan DIR PYTHON         make test-asan: the unit and e2e suites
#                                  against ASan+UBSan builds, valgrind memcheck
#   all.sh cross "ARCH..." BUILD PYTHON
#                                  make test-cross: for each ARCH the unit and
#                                  e2e suites under qemu-ARCH-static
set -u
here=$(dirname "$0")
label=
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
cross)
	arches=$2 build=$3 py=$4 label=1
	set --
	for a in $arches; do
		set -- "$@" "qemu-$a-static $build/$a/unit" \
		    "env CRTOKEN_RUNNER=qemu-$a-static $py $here/e2e.py ./crtoken-$a"
	done ;;
*)
	echo "usage: all.sh test BIN UNIT PYTHON | asan DIR PYTHON | cross ARCHES BUILD PYTHON" >&2
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
i=0
for suite in "$@"; do
	i=$((i + 1))
	echo "  $(tail -n 1 "$tmp/log$i") (exit $(cat "$tmp/rc$i"))${label:+ $suite}"
done
[ $st = 0 ] && echo "all suites passed" || echo "FAILED"
exit $st
