#!/bin/sh
# deps.sh: make sure what the build and the tests need is on this machine.
#
#   deps.sh build           musl-gcc, jsmn.h, the CA roots, xz
#   deps.sh check           the above, plus openssl and python3 for the stand-in,
#                           tinyproxy, dnsmasq and ip for the network tests,
#                           strace and unshare, NIST's ECDSA vectors (Debian's
#                           python3-cryptography-vectors) for build/p384
#                           (make check: no podman, no qemu)
#   deps.sh test            the above, plus podman and runc for the image,
#                           docker-registry, skopeo and buildah for the registry,
#                           python3-yaml, valgrind, clang, the cross compilers
#   deps.sh image|examples  what test/image.py or test/examples.py needs
#   deps.sh registry        what test/registry.py needs: docker-registry (Debian's
#                           CNCF distribution; its service is enabled, on :5000,
#                           where systemd runs), skopeo, podman, buildah, runc
#   deps.sh bearssl DIR     fetch Debian's BearSSL source package into DIR and unpack it
#   deps.sh cross ARCH      cross gcc and musl-dev for ARCH (aarch64, s390x, ppc64le),
#                           qemu-user-static to run what it builds
#
# On Debian, as root, missing packages are installed with apt-get. Anywhere else
# it stops with a message naming what is missing. The BearSSL source is fetched
# with apt-get through a private, throw-away source list (nothing in /etc is
# changed): apt verifies the tarball against Debian's signed index.
set -eu

die() { echo "deps.sh: $*" >&2; exit 1; }

need_pkgs() {	# need_pkgs "check-command package" ...
	missing=
	for pair in "$@"; do
		check=${pair% *}; pkg=${pair##* }
		case $check in
		/*) [ -e "$check" ] || missing="$missing $pkg" ;;
		*) command -v "$check" >/dev/null 2>&1 || missing="$missing $pkg" ;;
		esac
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "deps.sh: installing:$missing" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2 ||
		{ apt-get update -q >&2 || true
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2; } ||
			die "could not install:$missing"
	else
		die "missing:$missing (install these Debian packages, or run the build as root on Debian)"
	fi
}

build_pkgs() {
	need_pkgs "musl-gcc musl-tools" "/usr/include/jsmn.h libjsmn-dev" \
		"/usr/share/ca-certificates/mozilla ca-certificates" "xz xz-utils"
}

bearssl() {
	dir=$1
	[ -f "$dir/src/ssl/ssl_engine.c" ] && return 0
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found: unpack Debian's bearssl source package into $dir"
	[ -r /etc/apt/sources.list.d/debian.sources ] ||
		die "no /etc/apt/sources.list.d/debian.sources: unpack Debian's bearssl source package into $dir"
	mkdir -p "$(dirname "$dir")"
	work=$(cd "$(dirname "$dir")" && pwd)/apt
	rm -rf "$work"
	mkdir -p "$work/lists/partial" "$work/parts" "$work/src"
	: > "$work/none.list"
	sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$work/parts/src.sources"
	set -- -q -o Dir::Etc::SourceList="$work/none.list" -o "Dir::Etc::SourceParts=$work/parts" \
		-o "Dir::State::Lists=$work/lists" -o APT::Sandbox::User=root
	echo "deps.sh: fetching Debian's bearssl source package" >&2
	apt-get "$@" update >&2 || die "apt-get update (deb-src) failed"
	(cd "$work/src" && apt-get "$@" source --download-only bearssl >&2) ||
		die "apt-get source bearssl failed"
	orig=$(ls "$work"/src/bearssl_*.orig.tar.* | head -n 1)
	[ -f "$orig" ] || die "no bearssl orig tarball in $work/src"
	mkdir -p "$dir.tmp"
	tar -xf "$orig" -C "$dir.tmp" --strip-components=1 --no-same-owner
	# the Debian revision, for --version
	ls "$work"/src/bearssl_*.dsc | sed 's/.*bearssl_//; s/\.dsc$//' > "$dir.tmp/DEBIAN_VERSION"
	mv "$dir.tmp" "$dir"
	rm -rf "$work"
}

# cross ARCH: Debian's cross gcc and musl-dev for ARCH, and qemu-user to run it
cross() {
	case $1 in
	aarch64) deb=arm64 gnu=aarch64 ;;
	s390x) deb=s390x gnu=s390x ;;
	ppc64le) deb=ppc64el gnu=powerpc64le ;;
	*) die "cross: unknown ARCH $1 (aarch64, s390x, ppc64le)" ;;
	esac
	if [ "$(id -u)" = 0 ] && command -v dpkg >/dev/null 2>&1 &&
	    ! dpkg --print-foreign-architectures | grep -qx "$deb"; then
		dpkg --add-architecture "$deb"
		# one foreign index can fail while a mirror syncs: what we need may still install
		apt-get update -q >&2 || echo "deps.sh: apt-get update had errors; trying anyway" >&2
	fi
	need_pkgs "$gnu-linux-gnu-gcc gcc-$gnu-linux-gnu" \
		"/usr/lib/$gnu-linux-musl/musl-gcc.specs musl-dev:$deb" \
		"/usr/bin/qemu-$1-static qemu-user-static"
}

# what make check (unit, e2e, net, chaos) needs: the stand-in, the network
# tests and strace; no podman, qemu or cross compilers
check_pkgs() {
	build_pkgs
	need_pkgs "openssl openssl" "python3 python3" "/usr/bin/tinyproxy tinyproxy" \
		"/usr/sbin/dnsmasq dnsmasq-base" "/usr/sbin/ip iproute2" "/usr/bin/strace strace" \
		"/usr/bin/unshare util-linux" \
		"/usr/lib/python3/dist-packages/cryptography_vectors/asymmetric/ECDSA/FIPS_186-3/SigVer.rsp python3-cryptography-vectors"
}

case ${1:-} in
build) build_pkgs ;;
check) check_pkgs ;;
test) check_pkgs; need_pkgs "/usr/bin/podman podman" \
	"/usr/sbin/runc runc" "/usr/lib/podman/netavark netavark" "/usr/lib/python3/dist-packages/yaml/__init__.py python3-yaml" \
	"/usr/bin/docker-registry docker-registry" "/usr/bin/skopeo skopeo" "/usr/bin/buildah buildah" \
	"/usr/bin/valgrind valgrind" "clang clang" \
	"/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a libclang-rt-14-dev"
	for a in aarch64 s390x ppc64le; do cross $a; done ;;
image) build_pkgs; need_pkgs "openssl openssl" "python3 python3" "/usr/bin/podman podman" \
	"/usr/sbin/runc runc" "/usr/lib/podman/netavark netavark" ;;
registry) build_pkgs; need_pkgs "openssl openssl" "python3 python3" \
	"/usr/bin/docker-registry docker-registry" "/usr/bin/skopeo skopeo" "/usr/bin/podman podman" \
	"/usr/bin/buildah buildah" "/usr/sbin/runc runc" ;;
examples) build_pkgs; need_pkgs "/usr/lib/python3/dist-packages/yaml/__init__.py python3-yaml" ;;
bearssl) [ $# -eq 2 ] || die "usage: deps.sh bearssl DIR"; need_pkgs "xz xz-utils"; bearssl "$2" ;;
cross) [ $# -eq 2 ] || die "usage: deps.sh cross ARCH"; cross "$2" ;;
*) die "usage: deps.sh build|check|test|image|registry|examples|bearssl DIR|cross ARCH" ;;
esac
