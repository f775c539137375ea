# nrexec — see README.md. Targets:
#   all (default)  build/nrexec: static, glibc + Debian's libcap-ng.a
#   static         build/musl/nrexec: static, musl + libcap-ng built from
#                  Debian's source by src/build/libcap-ng-musl.sh
#   demo           build, then show a real drop as root
#   test           unit + integration (+ container) tests, both builds
#   check          cppcheck and clang-tidy
#   dist           release binaries for every architecture, SBOM, image,
#                  SHA256SUMS (src/build/dist.mk); dist-test tests them
#   bench fuzz install clean
CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
# The one place the version lives: src/opts.c gets it as NREXEC_VERSION.
VERSION  := 0.1.0
# --version names the commit and what is linked in (-D defines on opts.c)
COMMIT   := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)$(shell \
            git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
PIN       = $(shell awk '$$1 == "$(1)" { print $$2 }' src/build/pins)

# CFLAGS and CPPFLAGS are the caller's (`make CFLAGS=-O2`): they replace
# only the optimisation level. The flags nrexec is never built without
# live in NR_CPPFLAGS and NR_CFLAGS, come after the caller's (so that
# -Wno-error or -fno-stack-protector there cannot undo them), and
# tests/lib/build-flags.sh fails if a compile line loses one.
CFLAGS   ?= -Os
WARN     := -std=c11 -Wall -Wextra -Wconversion -Wsign-conversion -Wshadow \
            -Wformat=2 -Werror
HARDEN   := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2 -fstack-protector-strong
# No unwind tables: C without exceptions never uses them (~4 KiB).
SIZEOPT  := -ffunction-sections -fdata-sections \
            -fno-asynchronous-unwind-tables -fno-unwind-tables
NR_CPPFLAGS := -D_GNU_SOURCE -DNREXEC_VERSION='"$(VERSION)"'
NR_CFLAGS   := $(WARN) $(HARDEN) $(SIZEOPT)
COMPILE  = $(CPPFLAGS) $(NR_CPPFLAGS) $(CFLAGS) $(NR_CFLAGS)
# --wrap=asprintf: see __wrap_asprintf in src/caps.c (~10 KiB of printf).
LDSTATIC := -static -Wl,-z,relro,-z,now -Wl,--gc-sections -Wl,--wrap=asprintf

# src/malloc.c replaces musl's malloc in the musl build only (see there).
# src/volume/all.c compiles the walk's rooms (walk.c, links.c, walkers.c, paths.c)
# as one unit; they are dependencies of it like headers.
MUSLONLY := src/malloc.c src/kstat.c
SRCS     := $(filter-out $(MUSLONLY),$(wildcard src/*.c)) src/volume/all.c
HDRS     := $(wildcard src/*.h src/volume/*.h) $(filter-out src/volume/all.c,$(wildcard src/volume/*.c))
LIBSRCS  := $(filter-out src/main.c,$(SRCS))
CAPNG_A  := $(firstword $(wildcard /usr/lib/*/libcap-ng.a) /usr/lib/libcap-ng.a)

B        := build
GOBJS    := $(SRCS:src/%.c=$(B)/glibc/%.o)
MOBJS    := $(SRCS:src/%.c=$(B)/musl/%.o) $(MUSLONLY:src/%.c=$(B)/musl/%.o)
MUSLCAPNG:= $(B)/musl-capng

.PHONY: all static demo test build-flags unit unit-tsan integration integration-musl faults size fuzz fuzz-short e2e e2e-init e2e-images e2e-podman check bench install clean
all: $(B)/nrexec

$(B)/glibc/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(@D)
	$(CC) $(COMPILE) -c $< -o $@

# Linker warnings fail the build, but for the ones src/build/link-check.sh
# allows by name: Debian's libcap-ng.a holds capng_change_id, which calls
# initgroups and getpwuid (NSS, in a static binary); nrexec never calls it
# and --gc-sections drops it, but the linker warns all the same.
$(B)/nrexec: $(GOBJS) | $(B)
	$(CC) $(CFLAGS) $(NR_CFLAGS) $(LDSTATIC) $(GOBJS) $(CAPNG_A) -o $@ 2>$@.link.log || { cat $@.link.log; exit 1; }
	sh src/build/link-check.sh $@.link.log || { rm -f $@; exit 1; }
	strip $@

$(B)/unit $(B):
	mkdir -p $@

# changes only when the commit does, so opts.o is rebuilt exactly then
$(B)/commit: FORCE | $(B)
	@echo '$(COMMIT)' | cmp -s - $@ || echo '$(COMMIT)' >$@
.PHONY: FORCE
FORCE:
$(B)/glibc/opts.o: $(B)/commit
$(B)/glibc/opts.o: CPPFLAGS += -DNREXEC_COMMIT='"$(COMMIT)"' \
    -DNREXEC_LIBC='"glibc $(shell dpkg-query -W -f='$${Version}' libc6-dev 2>/dev/null)"' \
    -DNREXEC_CAPNG='"$(shell dpkg-query -W -f='$${Version}' libcap-ng-dev 2>/dev/null)"'
$(B)/musl/opts.o: $(B)/commit
$(B)/musl/opts.o: CPPFLAGS += -DNREXEC_COMMIT='"$(COMMIT)"' \
    -DNREXEC_LIBC='"musl $(shell dpkg-query -W -f='$${Version}' musl-dev 2>/dev/null)"' \
    -DNREXEC_CAPNG='"$(call PIN,libcap-ng)"'

# musl build: musl-gcc, libcap-ng compiled from Debian's source package
static: $(B)/musl/nrexec
$(MUSLCAPNG)/lib/libcap-ng.a: src/build/libcap-ng-musl.sh src/build/debian-source.sh src/build/apt-mirror.sh src/build/pins
	sh src/build/libcap-ng-musl.sh $(MUSLCAPNG)

$(B)/musl/%.o: src/%.c $(HDRS) Makefile $(MUSLCAPNG)/lib/libcap-ng.a
	@mkdir -p $(@D)
	musl-gcc $(COMPILE) $(MUSL_CFLAGS) -isystem $(MUSLCAPNG)/kinc -I$(MUSLCAPNG)/include -c $< -o $@

# noseparate-code: rodata shares the code segment instead of being padded
# to pages of its own (~8 KiB of the 64 KiB budget); see README "Size".
# --wrap=strtoul: see __wrap_strtoul in src/idnum.c (~2.3 KiB).
# --wrap=strchr, --wrap=memcpy, --wrap=memset: see __wrap_strchr,
# __wrap_memcpy and __wrap_memset in src/sbuf.c (0.1-0.3 KiB each and,
# where musl's memcpy is C, 1 KiB).
# CAPNG_STDIO_WRAP: see the failing stand-ins in src/caps.c (~1 KiB, ~1.5 on ppc64le).
# norelro: musl applies PT_GNU_RELRO only in its dynamic linker (ldso/
# dynlink.c); a static binary never mprotects it, so for this link relro
# only pads the file so that the relro end meets a page (up to 4 KiB; on
# arm64 and ppc64le, whose pages may be 64 KiB, up to 64 KiB).
# common-page-size=64: the data segment then follows the code unpadded, so
# the file grows byte for byte instead of jumping by a page. The release
# builds (src/build/dist.mk) link with the same MUSL_LDFLAGS.
# -fno-pie: the link is static and not PIE, so position-independent code
# only costs (GOT loads, PC thunks: 0.7 KiB on amd64, 3.3 KiB on 386).
MUSL_CFLAGS  := -fno-pie
CAPNG_STDIO_WRAP := $(foreach f,printf snprintf sprintf sscanf syslog fopen fgets fclose \
            __fsetlocking getpwuid initgroups,-Wl,--wrap=$(f))
MUSL_LDFLAGS := -no-pie -Wl,-z,norelro -Wl,-z,common-page-size=64 -Wl,-z,noseparate-code \
            -Wl,--wrap=strtoul -Wl,--wrap=strchr -Wl,--wrap=memcpy -Wl,--wrap=memset \
            -Wl,--wrap=fstatat -Wl,--wrap=fstat -Wl,--wrap=stat $(CAPNG_STDIO_WRAP)
$(B)/musl/nrexec: $(MOBJS)
	musl-gcc $(CFLAGS) $(NR_CFLAGS) $(LDSTATIC) $(MUSL_LDFLAGS) $(MOBJS) \
	    $(MUSLCAPNG)/lib/libcap-ng.a -o $@ 2>$@.link.log || { cat $@.link.log; exit 1; }
	sh src/build/link-check.sh $@.link.log || { rm -f $@; exit 1; }
	sh src/build/wrap-check.sh nm $@ || { rm -f $@; exit 1; }
	strip -R .comment $@

demo: $(B)/nrexec
	sh tests/lib/demo.sh $(B)/nrexec

include tests/tests.mk
include src/build/dist.mk

install: $(B)/nrexec
	install -D -m 0755 $(B)/nrexec $(DESTDIR)$(PREFIX)/bin/nrexec
	install -D -m 0644 nrexec.1 $(DESTDIR)$(PREFIX)/share/man/man1/nrexec.1

clean:
	rm -rf $(B) dist

# Static analysis. The insecureAPI check flags every memcpy (it wants
# Annex K's memcpy_s, which glibc and musl do not have).
TIDY_CHECKS := -*,bugprone-*,cert-*,clang-analyzer-*,-bugprone-easily-swappable-parameters,-cert-err33-c,-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp,-bugprone-narrowing-conversions,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling
check:
	cppcheck --quiet --enable=warning,portability,performance --error-exitcode=1 \
	    --inline-suppr -D_GNU_SOURCE -DNREXEC_VERSION='"$(VERSION)"' -Isrc src/
	@# one file a run: given several, clang 14's valist checker keeps what
	@# it learnt of va_start from the first and flags every va_arg of the
	@# later ones (sbuf_fmt's) as reading an uninitialised va_list
	for f in $(SRCS) $(MUSLONLY); do \
	    clang-tidy --quiet --warnings-as-errors='*' --checks='$(TIDY_CHECKS)' $$f \
	    -- -D_GNU_SOURCE -DNREXEC_VERSION='"$(VERSION)"' -std=c11 -Isrc || exit 1; \
	done
	@# sbuf_fmt knows a few of printf's conversions; the compiler checks
	@# the arguments against printf's, so a %lu must be caught here
	python3 src/build/fmt-check.py $(SRCS) $(MUSLONLY)
	@out=$$(python3 src/build/fmt-check.py tests/lib/fmt-probe.c 2>&1); \
	n=$$(printf '%s\n' "$$out" | grep -c 'fmt-probe.c:[0-9]*: '); \
	[ "$$n" = 5 ] || { printf '%s\n' "$$out"; echo "fmt-check missed some of tests/lib/fmt-probe.c's 5 bad calls"; exit 1; }

BENCHBINS := NREXEC_GLIBC=$(CURDIR)/$(B)/nrexec NREXEC_MUSL=$(CURDIR)/$(B)/musl/nrexec
bench: $(B)/nrexec $(B)/musl/nrexec
	$(BENCHBINS) bash tests/bench/startup.sh --update
	$(BENCHBINS) bash tests/bench/size.sh --update
	NREXEC=$(CURDIR)/$(B)/musl/nrexec bash tests/bench/chown.sh --update
	$(BENCHBINS) bash tests/bench/init.sh --update
	bash tests/bench/charts.sh --update
	NREXEC=$(CURDIR)/$(B)/musl/nrexec bash tests/bench/ttyguard.sh --update
	$(BENCHBINS) bash tests/bench/container.sh --update
