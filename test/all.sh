#!/bin/sh
# all.sh BIN UNIT PYTHON: run every suite, whatever fails, then repeat their
# summary lines; the exit status is 0 only when every suite passed.
bin=$1 unit=$2 py=$3
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crtoken-tests.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
st=0
n=0
for suite in "$unit" "$py $here/e2e.py $bin" "$py $here/net.py $bin" \
    "$py $here/image.py $bin" "/usr/bin/python3 $here/examples.py $bin"; do
	n=$((n + 1))
	{ $suite; echo $? > "$tmp/rc$n"; } 2>&1 | tee "$tmp/log$n"
	[ "$(cat "$tmp/rc$n")" = 0 ] || st=1
done
echo
echo "summary:"
for i in $(seq 1 $n); do
	echo "  $(tail -n 1 "$tmp/log$i") (exit $(cat "$tmp/rc$i"))"
done
[ $st = 0 ] && echo "make test: all suites passed" || echo "make test: FAILED"
exit $st
