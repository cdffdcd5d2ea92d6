#!/bin/sh
# reproducible.sh [ARCH]: build HEAD twice, in two directories of different
# names and depths, at different times, with different umasks, locales and
# time zones, BearSSL compiled afresh each time, and compare the binaries
# byte for byte. ARCH defaults to this machine's. Exit 0 only when equal.
#
# The BearSSL source is copied from build/bearssl (Debian's source package,
# fetched once) so that nothing is downloaded twice.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-$(uname -m)}
host=$(uname -m)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crtoken-repro.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

[ -f "$top/build/bearssl/src/ssl/ssl_engine.c" ] || make -C "$top" build/bearssl/build/libbearssl.a >&2

build() {	# build DIR UMASK LANG TZ
	dir=$1
	git clone -q --no-hardlinks "$top" "$dir"
	mkdir -p "$dir/build"
	# the source only: its objects and library are rebuilt here
	(cd "$top/build" && tar -cf - --exclude=bearssl/build/obj --exclude='bearssl/build/*.a' \
	    bearssl include .deps $( [ "$arch" != "$host" ] && echo ".deps-$arch" ) 2>/dev/null) |
	    tar -xf - -C "$dir/build"
	(umask "$2" && cd "$dir" && LANG=$3 LC_ALL=$3 TZ=$4 make -s ARCH="$arch" >"$dir.log" 2>&1) ||
	    { tail -n 20 "$dir.log" >&2; echo "reproducible: the build in $dir failed" >&2; exit 1; }
}

if [ "$arch" = "$host" ]; then out=crtoken; else out=crtoken-$arch; fi
build "$tmp/a" 022 C UTC
sleep 2
build "$tmp/second/and/deeper/b" 077 C.UTF-8 Asia/Kolkata
a=$(sha256sum < "$tmp/a/$out" | cut -d' ' -f1)
b=$(sha256sum < "$tmp/second/and/deeper/b/$out" | cut -d' ' -f1)
echo "reproducible: $out ($arch) built twice from $(git -C "$top" rev-parse --short=12 HEAD):"
echo "  $a  $tmp/a/$out"
echo "  $b  $tmp/second/and/deeper/b/$out"
if [ "$a" = "$b" ]; then
	echo "reproducible: identical ($(wc -c < "$tmp/a/$out") bytes)"
	exit 0
fi
cmp -l "$tmp/a/$out" "$tmp/second/and/deeper/b/$out" | head -n 5 >&2 || true
echo "reproducible: DIFFERENT"
exit 1
