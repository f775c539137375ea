# Test targets, included by the top-level Makefile.
#
# Unit tests: each tests/unit/test_*.c is linked with every product object
# but main.o, built without optimisation and with ASan/UBSan, plus
# tests/unit/wraps.c. The --wrap list turns the credential calls into
# fakes that a test may switch on (see wraps.h); off, they call the real
# function. The id setters are src/sys.c's nr_* (raw syscalls), not libc's.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)
WRAPPED   := nr_setgroups nr_setresgid nr_setresuid getresuid getresgid \
             getgroups nr_setuid nr_setgid capget capset prctl getauxval \
             getuid geteuid getgid getegid execve
WRAPFLAGS := $(foreach f,$(WRAPPED),-Wl,--wrap=$(f))
SAN       ?= -fsanitize=address,undefined -fno-sanitize-recover=all
UNITBASE  := -std=c11 -Wall -Wextra -Werror -g -O1 -D_GNU_SOURCE -DNREXEC_VERSION='"$(VERSION)"' \
             -Isrc -Itests/unit
UNITFLAGS := $(UNITBASE) $(SAN)

$(B)/unit/%: tests/unit/%.c tests/unit/wraps.c tests/unit/wraps.h tests/unit/tmpdir.c tests/unit/tmpdir.h $(LIBSRCS) $(HDRS) | $(B)/unit
	$(CC) $(UNITFLAGS) $< tests/unit/wraps.c tests/unit/tmpdir.c $(LIBSRCS) $(WRAPFLAGS) $(EXTRA_WRAP) \
	    $(CAPNG_A) -lcmocka -o $@

# test_volume counts and fails the walk's own calls
$(B)/unit/test_volume: EXTRA_WRAP := -Wl,--wrap=fchownat -Wl,--wrap=syscall \
    -Wl,--wrap=clock_gettime -Wl,--wrap=openat

# src/malloc.c, the musl build's allocator: a threaded stress test built
# with musl-gcc (cmocka is a glibc library)
$(B)/unit/musl_malloc: tests/unit/musl_malloc.c src/malloc.c | $(B)/unit
	musl-gcc -std=c11 -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE $^ -o $@

unit: $(UNIT_BINS) $(B)/unit/musl_malloc
	@set -e; for t in $(UNIT_BINS) $(B)/unit/musl_malloc; do echo "== $$t"; $$t; done

# The --chown walk runs helper threads: its unit tests once more under
# ThreadSanitizer (data races, lock order), which cannot share a binary
# with ASan. Any report fails the run.
$(B)/unit/tsan/test_volume: tests/unit/test_volume.c tests/unit/wraps.c tests/unit/wraps.h $(LIBSRCS) $(HDRS)
	mkdir -p $(@D)
	$(CC) $(UNITBASE) -fsanitize=thread $< tests/unit/wraps.c $(LIBSRCS) $(WRAPFLAGS) \
	    -Wl,--wrap=fchownat -Wl,--wrap=syscall -Wl,--wrap=clock_gettime -Wl,--wrap=openat \
	    $(CAPNG_A) -lcmocka -o $@
unit-tsan: $(B)/unit/tsan/test_volume
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 $<

# The real binary as root: the case table, hostile identity files, odd
# environments (user namespaces, seccomp, rlimits, closed fds, valgrind).
INTEGRATION := run.sh hostile-files.sh environments.sh chown-attacks.sh terminal.sh privileges.sh signals.sh init.sh
integration: $(B)/nrexec
	@set -e; for s in $(INTEGRATION); do echo "== $$s (glibc)"; \
	    NREXEC=$(CURDIR)/$(B)/nrexec bash tests/integration/$$s; done

# the musl build: the one images ship (Dockerfile.example builds it too)
e2e: $(B)/musl/nrexec
	NREXEC=$(CURDIR)/$(B)/musl/nrexec bash tests/e2e/run.sh

# --init as PID 1 of real containers (tests/e2e/init.sh, about 80 s: the
# Flask image's apt-get is most of it)
e2e-init: $(B)/musl/nrexec
	NREXEC=$(CURDIR)/$(B)/musl/nrexec bash tests/e2e/init.sh

# Real images from Debian packages (PostgreSQL 15, Redis, nginx, Flask,
# ping) in real containers: one package image built per run (~30 s of apt),
# then ~25 scenarios; the table client | scenario | result | docker stop ms.
e2e-images: $(B)/musl/nrexec
	NREXEC=$(CURDIR)/$(B)/musl/nrexec bash tests/e2e/images/run.sh

# Podman, rootful and rootless (a user the suite creates with its own
# subordinate ids), and the Kubernetes manifests README shows, run by
# `podman kube play`; private vfs storage, ~2 MB images, about 2 minutes.
e2e-podman: $(B)/musl/nrexec
	NREXEC=$(CURDIR)/$(B)/musl/nrexec bash tests/e2e/podman.sh

# libFuzzer harnesses (clang, ASan+UBSan), seconds per harness: `make fuzz`
# is the long local run; `make test` runs a short one so regressions surface.
FUZZ_SECONDS ?= 600
fuzz:
	bash tests/fuzz/fuzz.sh $(FUZZ_SECONDS)
fuzz-short:
	bash tests/fuzz/fuzz.sh 20

test: build-flags check unit unit-tsan integration integration-musl faults size fuzz-short e2e e2e-init e2e-images e2e-podman dist-test

# C helpers of the shell suites (tests/lib/NAME.c → build/testlib/NAME),
# with the product's warnings and -Werror; static, since several run in
# FROM-scratch images. The start-up floor is a musl program.
TESTLIB_FLAGS := -D_GNU_SOURCE $(WARN) -O2 -static
$(B)/testlib/%: tests/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(TESTLIB_FLAGS) $< -o $@
$(B)/testlib/execonly: tests/lib/execonly.c
	@mkdir -p $(@D)
	musl-gcc $(WARN) -Os -static -s $< -o $@

# A dynamic -O1 -g build of the product for valgrind's full memcheck
# (tests/integration/environments.sh); tests/lib/capget-shim.c corrects
# valgrind's model of capget.
$(B)/nrexec-vg: $(SRCS) $(HDRS) tests/lib/capget-shim.c
	$(CC) $(NR_CPPFLAGS) $(WARN) -O1 -g $(SRCS) tests/lib/capget-shim.c \
	    -Wl,--wrap=capget -lcap-ng -o $@

# The real binary with tests/lib/faultinject.c wrapped in (never installed).
FAULTED   := nr_setgroups nr_setresgid nr_setresuid getresuid getresgid \
             getgroups nr_setuid nr_setgid capset capget prctl open read \
             fstat calloc execve
$(B)/nrexec-fault: $(GOBJS) tests/lib/faultinject.c
	$(CC) $(CPPFLAGS) $(NR_CPPFLAGS) -std=c11 -Wall -Wextra -Werror -Os -c tests/lib/faultinject.c -o $(B)/faultinject.o
	$(CC) -static -Wl,--gc-sections $(GOBJS) $(B)/faultinject.o \
	    $(foreach f,$(FAULTED),-Wl,--wrap=$(f)) $(CAPNG_A) -o $@ 2>$@.link.log || { cat $@.link.log; exit 1; }
	sh src/build/link-check.sh $@.link.log || { rm -f $@; exit 1; }

faults: $(B)/nrexec-fault
	NREXEC_FAULTBIN=$(CURDIR)/$(B)/nrexec-fault bash tests/integration/faults.sh

# make CFLAGS=... keeps -Werror, FORTIFY and the stack protector; linker
# warnings other than the known libcap-ng ones fail the link.
build-flags:
	sh tests/lib/build-flags.sh

# The musl build must stay within 64 KiB; size is deterministic, so this
# one is a test.
SIZE_LIMIT := 65536
size: $(B)/musl/nrexec
	@s=$$(stat -c %s $(B)/musl/nrexec); echo "build/musl/nrexec: $$s bytes (limit $(SIZE_LIMIT))"; \
	    [ $$s -le $(SIZE_LIMIT) ] || { echo "FAIL: over the size budget"; exit 1; }

integration-musl: $(B)/musl/nrexec
	@set -e; for s in $(INTEGRATION); do echo "== $$s (musl)"; \
	    NREXEC=$(CURDIR)/$(B)/musl/nrexec bash tests/integration/$$s; done
