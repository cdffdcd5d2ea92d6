# crtoken: see README.md.
#
#   make            ./crtoken, static (musl + BearSSL + jsmn), stripped
#   make ARCH=aarch64|s390x|ppc64le    ./crtoken-ARCH, with Debian's cross gcc
#   make test       the whole suite: unit, end to end, network, image, registry,
#                   examples, sanitizers, memcheck, foreign ARCHes, fuzzing,
#                   reproducibility
#   make test-registry         --format docker and the credential helper against
#                   a local registry, with skopeo, podman and buildah
#   make check      the quick part: unit, end to end, network, a short chaos run
#   make chaos      the invariant harness: 1000 seeded fault schedules (CHAOS_N),
#                   and CHAOS_N/15 of exec --watch
#   make test-asan  the unit and e2e suites under ASan+UBSan, valgrind memcheck
#   make test-cross the unit and e2e suites for each foreign ARCH, under qemu-user
#   make fuzz       every libFuzzer harness for FUZZ_SECONDS (default 60) each
#   make reproducible-check    two builds of HEAD in two places: identical bytes
#   make dist       dist/crtoken-VERSION-linux-ARCH for four ARCHes, SHA256SUMS
#   make demo       a real exchange against the local IAM stand-in
#   make size       bytes of ./crtoken
#   make image      the container image crtoken:$(VERSION) (podman, FROM scratch)
#   make image-multiarch       the image for four ARCHes in one manifest list
#   make bench      crtoken vs curl: size, RSS, instructions, time (BENCH_N=20)
#   make install    into $(DESTDIR)$(PREFIX)
#   make CERTS=certs/digicert.list    embed only these roots
#
# What is missing (musl-tools, libjsmn-dev, ca-certificates, cross compilers,
# BearSSL's source package) is installed or fetched by deps.sh on Debian.

VERSION = 0.1.0
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
CC = musl-gcc
# SIZE: optimisations that cost bytes in our code (not BearSSL's: no gain
# there), each one measured on the DigiCert build (2,720 bytes together; 0.6 %
# more instructions on the IAM-like chain, 0.1 % on the RSA one): no SSE on
# x86_64 (struct copies in integer registers), no jump tables, and eleven
# passes that trade size for speed
SIZE = -fno-jump-tables -fno-expensive-optimizations -fno-move-loop-invariants \
    -fno-optimize-sibling-calls -fno-caller-saves -fno-tree-dominator-opts -fno-ipa-modref \
    -fno-shrink-wrap -fno-code-hoisting -fno-tree-forwprop -fno-tree-loop-im \
    -fno-forward-propagate $(if $(filter x86_64,$(ARCH)),-mno-sse)
# -Oz everywhere: BearSSL built -Oz instead of -Os is 512 bytes smaller and
# costs 0.04 % more instructions on the RSA chain, 0.13 % on the P-384 one
# link-time optimisation across our files (one partition: deterministic), 680
# bytes less
CFLAGS = -std=c11 -Oz -Wall -Wextra -ffunction-sections -fdata-sections \
    -fno-asynchronous-unwind-tables -fno-unwind-tables -flto -flto-partition=one $(SIZE)
CPPFLAGS = -D_DEFAULT_SOURCE
# no RELRO: musl applies none in a static binary, and its page padding costs 4 KB;
# a small common page size: the data segment then starts right after the code
# in the file, where ld would otherwise pad to a page to save one in memory
LDFLAGS = -static -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,norelro \
    -Wl,-z,common-page-size=64 -Wl,--build-id=none -s -flto -flto-partition=one \
    -Oz -fno-asynchronous-unwind-tables -fno-unwind-tables $(SIZE)
# PEM files, directories of *.crt/*.pem, or *.list files naming PEM files
CERTS = /usr/share/ca-certificates/mozilla
BUILD = build
PYTHON = python3
IMAGE = crtoken
PODMAN = podman

# ---- the target architecture ----

HOSTARCH := $(shell uname -m)
ARCH = $(HOSTARCH)
CROSS_ARCHES = aarch64 s390x ppc64le
ifeq ($(ARCH),$(HOSTARCH))
OUT = crtoken
O = $(BUILD)
XCC = $(CC)
else
# Debian's cross gcc driven by musl-dev:<arch>'s specs file
GNU = $(subst ppc64le,powerpc64le,$(ARCH))
OUT = crtoken-$(ARCH)
O = $(BUILD)/$(ARCH)
XCC = $(GNU)-linux-gnu-gcc -specs=/usr/lib/$(GNU)-linux-musl/musl-gcc.specs
endif
# the source revision, for --version: HEAD, "-dirty" when the tree differs
REV := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell \
    git diff --quiet HEAD -- 2>/dev/null || echo -dirty)

BEARSSL = $(BUILD)/bearssl
BRLIB = $(BEARSSL)/build/libbearssl.a
ifeq ($(O),$(BUILD))
XBRLIB = $(BRLIB)
else
XBRLIB = $(O)/bearssl/libbearssl.a
endif
BRCFLAGS = -W -Wall -Oz -ffunction-sections -fdata-sections -DBR_USE_URANDOM=0 \
    -fno-asynchronous-unwind-tables -fno-unwind-tables
INC = -I$(BUILD)/include -I$(BEARSSL)/inc -I.

SRC = tool iam http tls der net dns proxy json jwt file msg anchors alloc watch check exec retry \
    libc probe super docker cred p384 unpack
OBJ = $(SRC:%=$(O)/%.o) $(O)/roots.o $(O)/text.o
UNIT_OBJ = $(O)/json.o $(O)/jwt.o $(O)/http.o $(O)/msg.o $(O)/der.o $(O)/file.o \
    $(O)/proxy.o $(O)/net.o $(O)/dns.o $(O)/retry.o $(O)/iam.o $(O)/tls.o $(O)/anchors.o \
    $(O)/roots.o $(O)/alloc.o $(O)/libc.o $(O)/docker.o $(O)/p384.o $(O)/unpack.o $(O)/text.o
HDR = msg.h json.h jwt.h http.h tls.h net.h dns.h file.h iam.h anchors.h der.h proxy.h \
      watch.h check.h exec.h retry.h probe.h super.h docker.h cred.h p384.h text.h unpack.h

all: $(OUT)

$(OUT): $(OBJ) $(XBRLIB) Makefile
	$(XCC) $(LDFLAGS) -o $@ $(OBJ) $(XBRLIB)

$(BUILD)/.deps:
	@sh deps.sh build
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/.deps-$(ARCH):
	@sh deps.sh cross $(ARCH)
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/include/jsmn.h: $(BUILD)/.deps
	mkdir -p $(BUILD)/include
	cp /usr/include/jsmn.h $@

$(BRLIB): $(BUILD)/.deps
	sh deps.sh bearssl $(BEARSSL)
	$(MAKE) -s -C $(BEARSSL) CC=$(CC) LD=$(CC) LDDLL=$(CC) \
	    CFLAGS='$(BRCFLAGS)' lib

# a foreign ARCH: the same BearSSL source, built into $(O)/bearssl
$(O)/bearssl/libbearssl.a: $(BRLIB) $(BUILD)/.deps-$(ARCH)
	$(MAKE) -s -C $(BEARSSL) CC='$(XCC)' LD='$(XCC)' LDDLL='$(XCC)' \
	    BUILD=$(abspath $(O)/bearssl) CFLAGS='$(BRCFLAGS)' lib

$(O)/%.o: %.c $(HDR) $(BUILD)/include/jsmn.h $(XBRLIB) Makefile
	@mkdir -p $(O)
	$(XCC) $(CPPFLAGS) $(INC) $(CFLAGS) -DVERSION='"$(VERSION)"' -c -o $@ $<

# --version: the versions, the architecture and the source revision
$(O)/tool.o: $(O)/id
$(O)/id: FORCE
	@mkdir -p $(O)
	@printf '%s\n' '$(VERSION) $(ARCH) $(REV)' | cmp -s - $@ || \
	    printf '%s\n' '$(VERSION) $(ARCH) $(REV)' > $@
$(O)/tool.o: tool.c $(HDR) $(BUILD)/include/jsmn.h $(XBRLIB)
	@mkdir -p $(O)
	$(XCC) $(CPPFLAGS) $(INC) $(CFLAGS) -DVERSION='"$(VERSION)"' \
	    -DCRTOKEN_ARCH='"$(ARCH)"' -DCRTOKEN_REV='"$(REV)"' \
	    -DBEARSSL_VERSION="\"$$(cat $(BEARSSL)/DEBIAN_VERSION)\"" -c -o $@ tool.c

# The embedded roots: rebuilt when CERTS names other files. mkroots runs
# here, on the build machine; roots.c is the same for every ARCH.
$(BUILD)/certs.id: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CERTS)' | cmp -s - $@ || echo '$(CERTS)' > $@

$(BUILD)/mkroots: certs/mkroots.c anchors.c anchors.h der.c der.h msg.c msg.h unpack.c unpack.h \
    text.h $(BUILD)/text.c $(BRLIB)
	$(CC) $(CPPFLAGS) $(INC) -std=c11 -O2 -static -o $@ certs/mkroots.c anchors.c der.c msg.c \
	    unpack.c $(BUILD)/text.c $(BRLIB)

$(BUILD)/roots.c: $(BUILD)/mkroots $(BUILD)/certs.id
	@files=$$(for c in $(CERTS); do \
	    case $$c in \
	    *.list) sed 's/#.*//' "$$c" ;; \
	    *) if [ -d "$$c" ]; then ls "$$c"/*.crt "$$c"/*.pem 2>/dev/null; \
	       else echo "$$c"; fi ;; \
	    esac; done | LC_ALL=C sort -u); \
	[ -n "$$files" ] || { echo "no root certificates in CERTS=$(CERTS)" >&2; exit 1; }; \
	$(BUILD)/mkroots $$files > $@.tmp && mv $@.tmp $@
	@sed -n '1s/.*: \([0-9]*\) trust anchors.*/embedding \1 roots/p' $@

$(O)/roots.o: $(BUILD)/roots.c anchors.h $(XBRLIB)
	@mkdir -p $(O)
	$(XCC) $(CPPFLAGS) $(INC) $(CFLAGS) -c -o $@ $(BUILD)/roots.c

# The cold texts of text.h (--help, the TLS and errno words), compressed:
# pack runs here, on the build machine; text.c is the same for every ARCH.
$(BUILD)/pack: pack.c unpack.c unpack.h text.h
	@mkdir -p $(BUILD)
	$(CC) $(CPPFLAGS) -I. -std=c11 -O2 -static -o $@ pack.c unpack.c

$(BUILD)/text.c: $(BUILD)/pack
	$(BUILD)/pack > $@.tmp && mv $@.tmp $@

$(O)/text.o: $(BUILD)/text.c unpack.h $(XBRLIB)
	@mkdir -p $(O)
	$(XCC) $(CPPFLAGS) $(INC) $(CFLAGS) -c -o $@ $(BUILD)/text.c

# ---- sanitizer and memcheck builds (glibc, gcc; make test-asan) ----

ASAN = $(BUILD)/asan
ASAN_CC = gcc
# -z now: no lazy binding, whose trampoline spills vector registers (bits of
# the response) onto the stack
ASAN_FLAGS = -std=c11 -g -O1 -fno-omit-frame-pointer -Wl,-z,now -fsanitize=address,undefined \
    -fno-sanitize-recover=all
# every source but alloc.c and libc.c: glibc brings its own (and the sanitizers their allocator)
ASAN_SRC = tool.c iam.c http.c tls.c der.c net.c dns.c proxy.c json.c jwt.c file.c msg.c \
    anchors.c watch.c check.c exec.c retry.c probe.c super.c docker.c cred.c p384.c unpack.c
ASAN_BRLIB = $(ASAN)/bearssl/build/libbearssl.a
ASAN_DEFS = $(CPPFLAGS) -I$(BUILD)/include -I$(ASAN)/bearssl/inc -I. -DVERSION='"$(VERSION)"'

$(ASAN_BRLIB): $(BRLIB)
	rm -rf $(ASAN)/bearssl
	mkdir -p $(ASAN)
	cp -r $(BEARSSL) $(ASAN)/bearssl
	rm -rf $(ASAN)/bearssl/build/obj $(ASAN)/bearssl/build/libbearssl.a
	$(MAKE) -s -C $(ASAN)/bearssl CC=$(ASAN_CC) LD=$(ASAN_CC) LDDLL=$(ASAN_CC) \
	    CFLAGS='-W -Wall -g -O1 -fPIC' lib

$(ASAN)/crtoken: $(ASAN_SRC) $(HDR) $(BUILD)/roots.c $(BUILD)/text.c $(ASAN_BRLIB)
	$(ASAN_CC) $(ASAN_DEFS) $(ASAN_FLAGS) -o $@ $(ASAN_SRC) $(BUILD)/roots.c $(BUILD)/text.c \
	    $(ASAN_BRLIB)

# for valgrind: the same, without sanitizers
$(ASAN)/crtoken-vg: $(ASAN_SRC) $(HDR) $(BUILD)/roots.c $(BUILD)/text.c $(ASAN_BRLIB)
	$(ASAN_CC) $(ASAN_DEFS) -std=c11 -g -O1 -Wl,-z,now -o $@ $(ASAN_SRC) $(BUILD)/roots.c \
	    $(BUILD)/text.c $(ASAN_BRLIB)

UNIT_SRC = json.c jwt.c http.c msg.c der.c proxy.c net.c dns.c file.c retry.c iam.c tls.c \
    anchors.c libc.c docker.c p384.c unpack.c
# libc.c as crt_strstr...: tested against glibc's
$(ASAN)/unit: test/unit.c $(HDR) $(UNIT_SRC) $(BUILD)/roots.c $(BUILD)/text.c $(ASAN_BRLIB)
	$(ASAN_CC) $(ASAN_DEFS) -DLIBC_PREFIXED $(ASAN_FLAGS) -o $@ test/unit.c $(UNIT_SRC) \
	    $(BUILD)/roots.c $(BUILD)/text.c $(ASAN_BRLIB)

# p384.c's tests, sanitized
$(ASAN)/p384: test/p384.c p384.c p384.h $(BUILD)/sigver.h $(ASAN_BRLIB)
	$(ASAN_CC) $(ASAN_DEFS) -I$(BUILD) -DP384_TEST $(ASAN_FLAGS) -o $@ test/p384.c p384.c \
	    $(ASAN_BRLIB)

test-asan: deps-test $(ASAN)/crtoken $(ASAN)/crtoken-vg $(ASAN)/unit $(ASAN)/p384
	@PYTHON=$(PYTHON) sh test/all.sh asan-unit asan-p384 asan-e2e memcheck

# ---- tests ----

$(O)/unit: test/unit.c $(UNIT_OBJ) $(HDR)
	$(XCC) $(CPPFLAGS) $(INC) $(CFLAGS) -static -o $@ test/unit.c $(UNIT_OBJ) $(XBRLIB)

# p384.c against NIST's P-384 SigVer vectors (Debian's python3-cryptography-vectors,
# made into a C table here, the same for every ARCH) and against BearSSL's own
# code; p384.c is built again with its test entries (-DP384_TEST)
SIGVER = /usr/lib/python3/dist-packages/cryptography_vectors/asymmetric/ECDSA/FIPS_186-3/SigVer.rsp
$(BUILD)/sigver.h: test/sigver.awk
	@[ -f $(SIGVER) ] || { echo "no $(SIGVER) (sh deps.sh check installs python3-cryptography-vectors)" >&2; exit 1; }
	@mkdir -p $(BUILD)
	awk -f test/sigver.awk $(SIGVER) > $@.tmp && mv $@.tmp $@

$(O)/test/p384.o: p384.c p384.h $(XBRLIB)
	@mkdir -p $(O)/test
	$(XCC) $(CPPFLAGS) $(INC) $(CFLAGS) -DP384_TEST -c -o $@ p384.c

$(O)/p384: test/p384.c $(O)/test/p384.o $(BUILD)/sigver.h
	$(XCC) $(CPPFLAGS) $(INC) -I$(BUILD) $(CFLAGS) -DP384_TEST -static -o $@ test/p384.c \
	    $(O)/test/p384.o $(XBRLIB)

# what the tests need (packages, cross compilers, podman): first, before any build
deps-test:
	@sh deps.sh test

# what make check needs: no podman, qemu or cross compilers
deps-check:
	@sh deps.sh check

CROSS_SUITES = $(foreach a,$(CROSS_ARCHES),cross-$(a)-unit cross-$(a)-p384 cross-$(a)-e2e) multiarch
FUZZ_SECONDS = 60
TEST_FUZZ_SECONDS = 10

# the whole suite, as CI runs it (FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) for the fuzzers)
test: deps-test crtoken $(BUILD)/unit $(BUILD)/p384 $(ASAN)/crtoken $(ASAN)/crtoken-vg \
    $(ASAN)/unit $(ASAN)/p384 cross-builds
	@PYTHON=$(PYTHON) FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) sh test/all.sh unit p384 e2e net \
	    chaos image registry examples asan-unit asan-p384 asan-e2e memcheck $(CROSS_SUITES) \
	    fuzz reproducible

# the quick part: unit tests, end to end, network, the short chaos run
check: deps-check crtoken $(BUILD)/unit $(BUILD)/p384
	@PYTHON=$(PYTHON) sh test/all.sh unit p384 e2e net chaos

# the invariant harness, long: CHAOS_N schedules from CHAOS_SEED on CHAOS_JOBS
# workers, and CHAOS_N/15 exec --watch ones (make test runs the short fixed-seed
# one, and every kept seed)
CHAOS_N = 1000
CHAOS_SEED = 1
CHAOS_JOBS = 4
chaos: deps-check crtoken
	$(PYTHON) test/chaos.py ./crtoken --seed $(CHAOS_SEED) --n $(CHAOS_N) --jobs $(CHAOS_JOBS)

# every foreign ARCH: its binary and unit tests, dist, the multi-arch image
cross-builds: deps-test
	@for a in $(CROSS_ARCHES); do \
	    $(MAKE) --no-print-directory ARCH=$$a crtoken-$$a $(BUILD)/$$a/unit \
	        $(BUILD)/$$a/p384 || exit 1; done
	@$(MAKE) --no-print-directory image-multiarch

# every foreign ARCH: the unit and e2e suites under qemu-user; the artifacts
test-cross: deps-test crtoken cross-builds
	@PYTHON=$(PYTHON) sh test/all.sh $(CROSS_SUITES)

fuzz:
	@sh test/fuzz/run.sh $(FUZZ_SECONDS)

reproducible-check:
	@sh test/reproducible.sh $(ARCH)

DIST_ARCHES = $(HOSTARCH) $(filter-out $(HOSTARCH),$(CROSS_ARCHES))
dist:
	@for a in $(DIST_ARCHES); do $(MAKE) --no-print-directory ARCH=$$a || exit 1; done
	rm -rf dist
	mkdir -p dist
	@for a in $(DIST_ARCHES); do \
	    if [ $$a = $(HOSTARCH) ]; then b=crtoken; else b=crtoken-$$a; fi; \
	    cp $$b dist/crtoken-$(VERSION)-linux-$$a; done
	cd dist && sha256sum crtoken-$(VERSION)-linux-* > SHA256SUMS
	@cat dist/SHA256SUMS

# the container image: FROM scratch, only /crtoken (Containerfile, .containerignore)
image: crtoken
	@sh deps.sh image
	$(PODMAN) build --layers=false -f Containerfile --build-arg VERSION=$(VERSION) \
	    -t $(IMAGE):$(VERSION) .

# one image per ARCH (FROM scratch + COPY: no emulation needed), joined in a
# manifest list $(IMAGE):$(VERSION)-multiarch; the binaries come from make dist
image-multiarch: dist
	@sh deps.sh image
	-$(PODMAN) manifest rm $(IMAGE):$(VERSION)-multiarch >/dev/null 2>&1
	$(PODMAN) manifest create $(IMAGE):$(VERSION)-multiarch
	@for a in $(DIST_ARCHES); do \
	    p=$$(echo $$a | sed 's/x86_64/amd64/; s/aarch64/arm64/'); \
	    rm -rf $(BUILD)/image-$$a && mkdir -p $(BUILD)/image-$$a && \
	    cp dist/crtoken-$(VERSION)-linux-$$a $(BUILD)/image-$$a/crtoken && \
	    $(PODMAN) build --layers=false --arch $$p -f Containerfile \
	        --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION)-linux-$$p \
	        $(BUILD)/image-$$a || exit 1; \
	    $(PODMAN) manifest add $(IMAGE):$(VERSION)-multiarch \
	        containers-storage:localhost/$(IMAGE):$(VERSION)-linux-$$p || exit 1; \
	done
	$(PODMAN) manifest inspect $(IMAGE):$(VERSION)-multiarch | \
	    sed -n 's/.*"architecture": "\(.*\)".*/  \1/p'

test-image: crtoken
	@sh deps.sh image
	$(PYTHON) test/image.py ./crtoken

# --format docker and the credential helper with skopeo, podman and buildah
# against Debian's docker-registry with token auth (test/registry.py)
test-registry: crtoken
	@sh deps.sh registry
	$(PYTHON) test/registry.py ./crtoken

test-examples: crtoken
	@sh deps.sh examples
	/usr/bin/python3 test/examples.py ./crtoken

BENCH_N = 20
bench: crtoken
	$(PYTHON) bench/run.py --n $(BENCH_N) --crtoken ./crtoken --build $(BUILD)

demo: crtoken
	@sh deps.sh test
	sh test/demo.sh ./crtoken

size: crtoken
	@wc -c < crtoken

install: crtoken
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	cp crtoken $(DESTDIR)$(BINDIR)/crtoken
	chmod 755 $(DESTDIR)$(BINDIR)/crtoken
	cp crtoken.1 $(DESTDIR)$(MANDIR)/crtoken.1
	chmod 644 $(DESTDIR)$(MANDIR)/crtoken.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/crtoken $(DESTDIR)$(MANDIR)/crtoken.1

clean:
	rm -f crtoken $(CROSS_ARCHES:%=crtoken-%) $(BUILD)/*.o $(BUILD)/roots.c \
	    $(BUILD)/text.c $(BUILD)/pack $(BUILD)/mkroots $(BUILD)/unit $(BUILD)/p384 $(BUILD)/sigver.h $(BUILD)/certs.id \
	    $(BUILD)/id
	rm -rf $(BUILD)/test
	rm -rf $(CROSS_ARCHES:%=$(BUILD)/%) dist

# also forget the fetched BearSSL and the installed-packages mark
distclean:
	rm -rf $(BUILD)

FORCE:
.PHONY: deps-test deps-check chaos all test check test-asan test-cross cross-builds fuzz reproducible-check dist \
    bench demo size image image-multiarch test-image test-registry test-examples install uninstall \
    clean distclean FORCE
