# Release builds, included by the top-level Makefile. See README "Install"
# and "Releasing".
#
#   make dist        dist/nrexec-VERSION-linux-ARCH for every architecture
#                    in src/build/arches, dist/nrexec-VERSION.spdx.json,
#                    dist/nrexec-VERSION-oci.tar (FROM scratch, /nrexec, one
#                    manifest per architecture in one index), dist/SHA256SUMS
#   make dist-sign MINISIGN_KEY=FILE   dist/SHA256SUMS.minisig
#   make dist-test   build, then test all of it (tests/dist/)
#
# Each binary is static musl + libcap-ng, both built from Debian's source
# packages pinned in src/build/pins by Debian's cross compilers; the
# toolchains are kept in build/dist/ARCH/, so a second run only compiles
# nrexec. Nothing that depends on the time, the directory or the user goes
# in: SOURCE_DATE_EPOCH is the commit's time; paths are mapped away.
DIST_ARCHES ?= $(shell awk '!/^\#/ && NF { print $$1 }' src/build/arches)
DIST        ?= dist
DB          := $(B)/dist
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH
TOOLCHAIN_DEPS := src/build/toolchain.sh src/build/libcap-ng-musl.sh \
    src/build/debian-source.sh src/build/apt-mirror.sh src/build/pins src/build/arches

.PHONY: dist dist-deps dist-sign dist-test
dist-deps:
	sh src/build/dist-deps.sh $(DIST_ARCHES)

.PRECIOUS: $(DB)/%/versions
$(DB)/%/versions: $(TOOLCHAIN_DEPS)
	sh src/build/toolchain.sh $* $(DB)/$*

# The whole program in one compiler call per architecture; the flags of
# `make static` (MUSL_CFLAGS, MUSL_LDFLAGS: see the Makefile) plus -flto,
# which the size budget needs (-4 to -8 KiB). The link map records what was
# pulled in from which archive: the SBOM is written from it.
# -nostartfiles, then musl's own crt1.o only: musl's specs would add
# Scrt1.o (the PIE start, GOT-relative) and gcc's crtbeginS.o/crtendS.o,
# which only register .eh_frame with libgcc's unwinder and
# transactional-memory clones; a static C program without unwind tables
# has neither (0.3 to 0.5 KiB, most on s390x and ppc64le). musl's crti.o
# and crtn.o only frame the legacy .init/.fini sections, which nothing here
# fills: musl's own _init and _fini are then empty functions, and
# constructors (libcap-ng's) run from .init_array as before (0.1 KiB).
# NREXEC_CFLAGS_<arch>: flags for nrexec's own compile on one architecture,
# after every other flag (musl and libcap-ng are built without them).
# ppc64le: musl and libcap-ng are built with -mcmodel=medium (see
# src/build/arches); nrexec, one LTO unit with no dead code in it, is
# smaller with one-instruction TOC loads, and without data sections
# (-0.1 KiB there, 0 to 16 B either way elsewhere).
NREXEC_CFLAGS_ppc64le := -mcmodel=small -fno-data-sections
$(DB)/%/nrexec: $(DB)/%/versions $(SRCS) $(MUSLONLY) $(wildcard src/*.h src/*/*.h src/*/*.c) Makefile src/build/dist.mk $(B)/commit
	@set -e; d=$(DB)/$*; t=$$(awk '$$1 == "$*" { print $$2 }' src/build/arches); \
	libc=$$(sed -n 's/^libc=//p' $$d/versions); capng=$$(sed -n 's/^libcap-ng=//p' $$d/versions); \
	echo "  CC+LD  $@ ($$t-gcc, $$libc, libcap-ng $$capng)"; \
	$$d/cc $(CPPFLAGS) $(NR_CPPFLAGS) -DNREXEC_COMMIT='"$(COMMIT)"' -DNREXEC_LIBC="\"$$libc\"" \
	    -DNREXEC_CAPNG="\"$$capng\"" $(CFLAGS) $(NR_CFLAGS) $(MUSL_CFLAGS) $(NREXEC_CFLAGS_$*) -flto -ffile-prefix-map=$(CURDIR)/= \
	    -I$$d/capng/include -nostartfiles $$d/musl/lib/crt1.o \
	    $(SRCS) $(MUSLONLY) $(LDSTATIC) $(MUSL_LDFLAGS) \
	    -Wl,-Map=$$d/nrexec.map $$d/capng/lib/libcap-ng.a -o $@.full; \
	sh src/build/wrap-check.sh $$t-nm $@.full; \
	$$t-strip -R .comment -o $@ $@.full

dist: dist-deps $(DIST_ARCHES:%=$(DB)/%/nrexec)
	rm -rf $(DIST)
	mkdir -p $(DIST)
	@set -e; for a in $(DIST_ARCHES); do \
	    f=$(DIST)/nrexec-$(VERSION)-linux-$$a; cp $(DB)/$$a/nrexec $$f; chmod 0755 $$f; \
	    s=$$(stat -c %s $$f); printf '  %-34s %6s bytes\n' $$f $$s; \
	    l=$$(awk -v a=$$a '$$1 == a { print $$2 }' src/build/size-budget); l=$${l:-$(SIZE_LIMIT)}; \
	    [ $$s -le $$l ] || { echo "FAIL: $$f is over its $$l B budget (src/build/size-budget)"; exit 1; }; \
	    [ $$l -le $(SIZE_LIMIT) ] || echo "    over the $(SIZE_LIMIT) B budget: allowed up to $$l B for now (src/build/size-budget)"; \
	done
	python3 src/build/sbom.py --version $(VERSION) --commit $(COMMIT) --build $(DB) \
	    --dist $(DIST) $(DIST_ARCHES)
	python3 src/build/oci-image.py --version $(VERSION) --commit $(COMMIT) \
	    --dist $(DIST) $(DIST_ARCHES)
	cd $(DIST) && find . -maxdepth 1 -type f ! -name SHA256SUMS ! -name '*.minisig' -printf '%P\n' | \
	    LC_ALL=C sort | xargs sha256sum >SHA256SUMS
	@echo "dist: $$(ls $(DIST) | wc -l) files in $(DIST)/ (commit $(COMMIT), SOURCE_DATE_EPOCH $(SOURCE_DATE_EPOCH))"

# minisign: one small Debian-packaged tool, Ed25519, a one-line public key
# users can paste; see README "Install".
MINISIGN_KEY ?=
dist-sign:
	@[ -n "$(MINISIGN_KEY)" ] || { echo "usage: make dist-sign MINISIGN_KEY=secret.key"; exit 2; }
	minisign -S -s $(MINISIGN_KEY) -m $(DIST)/SHA256SUMS \
	    -t "nrexec $(VERSION) commit $(COMMIT)"

dist-test: dist
	NREXEC_VERSION=$(VERSION) NREXEC_COMMIT=$(COMMIT) DIST=$(abspath $(DIST)) \
	    bash tests/dist/run.sh
