# runner: a process runner (runnerd, runnerctl, librunner).
#
#   make            build lib/librunner.{a,so}, runnerd/runnerd, ctl/runnerctl
#                   (and lib/librunner-int.a, the archive they link)
#   make check      install missing Debian packages, build, run every test
#   make bench      build and run the benchmarks (figures, not tests)
#   make fuzz       build the libFuzzer targets with clang and run each for
#                   FUZZ_TIME seconds (60) on a copy of tests/fuzz/corpus
#   make faults     build runnerd with fault injection and fail each
#                   fallible call (malloc, fork, pipe2, write, ...) in
#                   turn under each scenario, checking runnerd after
#                   each; FAULTS_LIMIT cases at most (0: all)
#   make soak       a seeded soak of runnerd for SOAK_SECONDS (60): random
#                   configurations, clients and children, invariants
#                   checked all along; SOAK_SEED=N replays a run
#                   (tests/soak/soak.py says what it checks)
#   make run        install missing packages, build, start on conf/runner.conf
#   make install    PREFIX (/usr/local) and DESTDIR honoured (README:
#                   Install from source); make uninstall undoes it
#
# The user's CFLAGS/LDFLAGS are kept; the project's own flags are added
# separately.  CI=true turns warnings into errors.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
# runnerd is a system daemon, started by init rather than typed: sbin, as
# OpenBSD (relayd, smtpd) and Debian (sshd, cron) put daemons.
SBINDIR	?= $(PREFIX)/sbin
LIBDIR	?= $(PREFIX)/lib
INCDIR	?= $(PREFIX)/include
DATADIR	?= $(PREFIX)/share
MANDIR	?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSTEMDUSERDIR ?= $(PREFIX)/lib/systemd/user
# runnerd reads /etc/runner/runner.conf (lib/paths.c), so a system install
# (/usr, /usr/local) puts the sample beside it; any other prefix keeps it.
ifneq ($(filter /usr /usr/local,$(PREFIX)),)
SYSCONFDIR ?= /etc
else
SYSCONFDIR ?= $(PREFIX)/etc
endif

CC	?= cc
CFLAGS	?= -O2 -g
AR	?= ar
NM	?= nm
OBJCOPY	?= objcopy

VERSION	 = 0.1.0
SOMAJOR	 = 0

WARN	 = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wwrite-strings
ifeq ($(CI),true)
WARN	+= -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS	+= -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=address,undefined
endif
PROJECT_CFLAGS = -std=c11 -D_GNU_SOURCE -fPIC -ffunction-sections \
		 -fdata-sections -Ilib $(WARN)
ALL_CFLAGS = $(PROJECT_CFLAGS) $(CFLAGS) -MMD -MP

LIBS	 = -lconfig
# runnerd alone uses libcurl (http health probes: runnerd/probe_http.c)
# and libmicrohttpd (metrics_listen: runnerd/metrics_http.c), but is not
# linked with them: runnerd/dynlib.c loads each at its first use, so a
# runnerd without either maps neither (nor the thirty libraries behind
# them).  Their headers are still needed to build.
DL_LIBS	 = -ldl
# fast20: runnerd links libconfig and libev statically, and drops the
# functions it never calls (-ffunction-sections, --gc-sections): two
# shared objects fewer to map and relocate, and some 40 KiB less text,
# at every start and in every idle runnerd's resident memory.
RUNNERD_LIBS = -Wl,-Bstatic $(LIBS) -lev -Wl,-Bdynamic $(DL_LIBS)
# rss20b: the code an ordinary runnerd runs goes first in its text
# (runnerd/hot.ld, written by tests/bench/hot.sh, says which): the kernel
# maps text 64 KiB around each page touched, so code run scattered among
# code never run made all of it resident.  Relative relocations packed
# (DT_RELR, glibc 2.36): a 9 KiB table of them becomes 0.2 KiB, read at
# every start; nothing about RELRO or ASLR changes.
RUNNERD_LDFLAGS = -Wl,--gc-sections -Wl,-T,runnerd/hot.ld \
		  -Wl,-z,pack-relative-relocs

LIB_SRC	 = $(wildcard lib/*.c)
LIB_OBJ	 = $(LIB_SRC:.c=.o)
LIB_HDR	 = $(wildcard lib/*.h)

RUNNERD_OBJ = $(patsubst %.c,%.o,$(wildcard runnerd/*.c))
RUNNERD_HDR = $(wildcard runnerd/*.h)
CTL_OBJ	 = $(patsubst %.c,%.o,$(wildcard ctl/*.c))

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:.c=)
LIBT_SRC = $(wildcard tests/lib/test_*.c)
LIBT_BIN = $(LIBT_SRC:.c=)
INTEG_SRC = $(wildcard tests/integration/test_*.c)
INTEG_BIN = $(INTEG_SRC:.c=)
HELPERS	 = tests/helpers/asker tests/helpers/hang tests/helpers/linger
BENCH_SRC = $(wildcard tests/bench/*.c)
BENCH_BIN = $(BENCH_SRC:.c=)

# Packages the build and the tests need (Debian names).
DEBS	 = gcc make pkg-config binutils libc6-dev libconfig-dev libev-dev libjsmn-dev \
	   libcmocka-dev socat valgrind mandoc python3 libcurl4-openssl-dev \
	   libmicrohttpd-dev prometheus curl
# deploy18: tests/deploy/check.sh parses the Kubernetes YAML; test_pid1
# makes PID namespaces with util-linux's unshare.
DEBS	+= python3-yaml util-linux
# -H ssh:// (test_ssh, tests/bench/ssh.sh): a real sshd and ssh.
DEBS	+= openssh-server openssh-client

.PHONY: all check run install uninstall clean deps test bench fuzz \
	fuzz-build faults faults-build soak

# ---- build -------------------------------------------------------------

EXAMPLES = examples/hello examples/lifecycle

all: lib/librunner.a lib/librunner.so runnerd/runnerd ctl/runnerctl \
    $(EXAMPLES)

# Each compile writes FILE.d beside its output (-MMD): the headers it
# read, so a change to one header rebuilds only what includes it (-MP:
# a header removed since is no error).  Every target compiled with
# ALL_CFLAGS also names its .d as a prerequisite, listed here as a
# target without a recipe: an output whose .d is missing (never written,
# as by an older Makefile, or removed) is rebuilt rather than trusted.
DEP_FILES = $(LIB_OBJ:.o=.d) $(RUNNERD_OBJ:.o=.d) $(CTL_OBJ:.o=.d) \
	    $(EXAMPLES:=.d) $(UNIT_BIN:=.d) $(LIBT_BIN:=.d) \
	    $(INTEG_BIN:=.d) $(HELPERS:=.d) $(BENCH_BIN:=.d) \
	    tests/soak/child.d
$(DEP_FILES):
-include $(wildcard $(DEP_FILES))

%.o: %.c %.d
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Two archives of the same objects.  lib/librunner-int.a keeps every
# internal function global (buf_init, json_parse, ...): runnerd,
# runnerctl, the tests and the benches link it.  lib/librunner.a, the
# installed one, is the objects linked into one (ld -r) whose only
# global symbols are those lib/librunner.map exports from the .so
# (mk/exports.sh lists them), so a program linking it sees runner_* and
# nothing it could clash with.
lib/librunner-int.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

lib/librunner.a: $(LIB_OBJ) lib/librunner.map mk/exports.sh
	$(LD) -r -o lib/librunner.r.o $(LIB_OBJ)
	$(NM) -g --defined-only lib/librunner.r.o | \
	    sh mk/exports.sh lib/librunner.map >lib/librunner.syms
	$(OBJCOPY) --keep-global-symbols=lib/librunner.syms lib/librunner.r.o
	rm -f $@
	$(AR) rcs $@ lib/librunner.r.o

# Only runner_* is exported (lib/librunner.map); the soname carries the
# ABI major, and the .so.0 link lets in-tree programs run uninstalled.
lib/librunner.so: $(LIB_OBJ) lib/librunner.map
	$(CC) -shared -Wl,-soname,librunner.so.$(SOMAJOR) \
	    -Wl,--version-script=lib/librunner.map $(LDFLAGS) \
	    -o $@ $(LIB_OBJ) $(LIBS)
	ln -sf librunner.so lib/librunner.so.$(SOMAJOR)

runnerd/runnerd: $(RUNNERD_OBJ) lib/librunner-int.a runnerd/hot.ld
	$(CC) $(LDFLAGS) $(RUNNERD_LDFLAGS) -o $@ $(RUNNERD_OBJ) \
	    lib/librunner-int.a $(RUNNERD_LIBS)

# runnerctl runs once per command, and the dynamic loader was a third of
# its time (make bench: CLI status), so it is linked statically; it needs
# no libconfig (lib/codes.c, signals.c keep the parser out).  Not with
# the sanitizers, which need the dynamic runtime.
ifneq ($(SANITIZE),1)
CTL_STATIC ?= -static
endif
ctl/runnerctl: $(CTL_OBJ) lib/librunner-int.a
	$(CC) $(LDFLAGS) $(CTL_STATIC) -o $@ $(CTL_OBJ) lib/librunner-int.a

# The examples use runner.h alone: linked with the installed archive, as
# a user's program would be.
examples/%: examples/%.c examples/%.d lib/librunner.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner.a $(LIBS)

# ---- check -------------------------------------------------------------

deps:
	@sh mk/deps.sh $(DEBS)

# The test programs link the internal archive.
tests/unit/test_%: tests/unit/test_%.c tests/unit/test_%.d \
    lib/librunner-int.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner-int.a $(LIBS) \
	    -lcmocka

tests/lib/test_%: tests/lib/test_%.c tests/lib/test_%.d lib/librunner-int.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner-int.a $(LIBS) \
	    -lcmocka

tests/integration/test_%: tests/integration/test_%.c \
    tests/integration/test_%.d lib/librunner-int.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner-int.a $(LIBS) \
	    -lcmocka

tests/helpers/%: tests/helpers/%.c tests/helpers/%.d lib/librunner-int.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner-int.a $(LIBS)

# Unit tests run under valgrind (no error, no leak); the behavioural ones
# run natively too, since valgrind slows the 16 MiB transfers tenfold.
# Each library test runs twice: in-process, then through a runnerd.
# Then the shell tests: exports (nm), make install and uninstall with
# pkg-config, the systemd units, bash completion against a runnerd, and
# examples/lifecycle in-process and through a runnerd; deploy/ checked
# without an engine.
SH_TESTS = tests/install/symbols.sh tests/install/install.sh \
	   tests/install/units.sh tests/completion/completion.sh \
	   tests/examples/lifecycle.sh tests/deploy/check.sh
# The bench programs are built (not run) so that CI's -Werror sees them.
test: all $(UNIT_BIN) $(LIBT_BIN) $(INTEG_BIN) $(HELPERS) $(BENCH_BIN) \
    $(UPGRADE_BIN)
	@sh tests/run.sh $(UNIT_BIN) $(LIBT_BIN) $(LIBT_BIN:=@daemon) \
	    $(INTEG_BIN)
	@sh tests/man/lint.sh
	@for t in $(SH_TESTS); do MAKE="$(MAKE)" ./$$t || exit 1; done

check: deps
	@$(MAKE) --no-print-directory test

# ---- upgrade -----------------------------------------------------------

# test19: second runnerds for test_upgrade and tests/bench/upgrade.sh, the
# runnerd sources compiled again with a variant's flags into
# tests/upgrade/V/ (linked with the same lib/librunner-int.a): next
# (another version string), refuses (passes the --version check, then
# refuses the state after the exec) and v2 (a handover version the
# running runnerd does not write: refused at the check).
UPGRADE_V = next refuses v2
UPGRADE_BIN = $(UPGRADE_V:%=tests/upgrade/%/runnerd)
UPGRADE_FLAGS_next = -DRUNNER_VERSION='"0.1.0-next"'
UPGRADE_FLAGS_refuses = $(UPGRADE_FLAGS_next) -DHANDOVER_ACCEPTS=99
UPGRADE_FLAGS_v2 = $(UPGRADE_FLAGS_next) -DHANDOVER_VERSION=2

define UPGRADE_RULES
tests/upgrade/$(1)/%.o: runnerd/%.c $$(LIB_HDR) $$(RUNNERD_HDR)
	@mkdir -p $$(@D)
	$$(CC) $$(PROJECT_CFLAGS) $$(CFLAGS) $$(UPGRADE_FLAGS_$(1)) -c -o $$@ $$<
tests/upgrade/$(1)/runnerd: $$(RUNNERD_OBJ:runnerd/%=tests/upgrade/$(1)/%) \
    lib/librunner-int.a
	$$(CC) $$(LDFLAGS) $$(RUNNERD_LDFLAGS) -o $$@ $$^ $$(RUNNERD_LIBS)
endef
$(foreach v,$(UPGRADE_V),$(eval $(call UPGRADE_RULES,$(v))))

# The tests upgrade to them: building one builds them; and to
# tests/helpers/hang and linger (in HELPERS): a --version that never
# answers, and one that answers but leaves a child holding its output.
UPGRADE_TESTS = $(wildcard tests/integration/test_upgrade*.c)
$(UPGRADE_TESTS:.c=): $(UPGRADE_BIN) tests/helpers/hang tests/helpers/linger

# ---- bench -------------------------------------------------------------

# The bench programs: bench_* use librunner; the floors and the tools
# that measure from outside (timeit, killwait, procsum) use nothing but
# libc, and floor_ev a bare libev.
tests/bench/bench_%: tests/bench/bench_%.c tests/bench/bench_%.d \
    lib/librunner-int.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner-int.a $(LIBS) \
	    -lpthread

tests/bench/floor_ev: tests/bench/floor_ev.c tests/bench/floor_ev.d
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< -lev

tests/bench/%: tests/bench/%.c tests/bench/%.d
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

# Benchmarks: figures to read, not tests (not part of check): runner
# beside supervisord, s6 and runit (installed here if missing) and the
# floors, in one Markdown table (tests/bench/bench.sh says how).
bench: all $(BENCH_BIN)
	@sh mk/deps.sh supervisor s6 runit
	@sh tests/bench/bench.sh

# ---- fuzz --------------------------------------------------------------

# Fuzz targets: built by clang from the sources into tests/fuzz/obj (the
# gcc build's objects are not touched).  The code under test and the
# harness are linked into one relocatable object first, so that the
# sandbox's --wrap fences their calls only, never libFuzzer's own.
FUZZ_CC	?= clang
FUZZ_CFLAGS ?= -g -O1
FUZZ_TIME ?= 60
FUZZ_SAN = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
FUZZ_ALL_CFLAGS = $(PROJECT_CFLAGS) -Irunnerd $(FUZZ_SAN) $(FUZZ_CFLAGS)
FUZZ_WRAP = --wrap=execvpe --wrap=open --wrap=fopen --wrap=rename \
	    --wrap=unlink --wrap=connect --wrap=kill --wrap=config_read \
	    --wrap=config_read_string
FUZZ_BIN = tests/fuzz/fuzz_proto tests/fuzz/fuzz_config tests/fuzz/fuzz_words
# config19: the configuration state an upgrade carries (config_state.c).
FUZZ_BIN += tests/fuzz/fuzz_state
FUZZ_O	 = tests/fuzz/obj
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_O)/%.o) $(FUZZ_O)/sandbox.o
FUZZ_RUNNERD_OBJ = $(patsubst %.c,$(FUZZ_O)/%.o,$(filter-out \
	runnerd/runnerd.c,$(wildcard runnerd/*.c))) $(FUZZ_O)/runnerd_main.o

$(FUZZ_O)/%.o: %.c $(LIB_HDR) $(RUNNERD_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -c -o $@ $<

$(FUZZ_O)/%.o: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIB_HDR) $(RUNNERD_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -c -o $@ $<

$(FUZZ_O)/runnerd_main.o: runnerd/runnerd.c

$(FUZZ_O)/fuzz_proto.r.o: $(FUZZ_O)/fuzz_proto.o $(FUZZ_LIB_OBJ) \
    $(FUZZ_RUNNERD_OBJ)
	$(LD) -r $(FUZZ_WRAP) -o $@ $^

$(FUZZ_O)/fuzz_%.r.o: $(FUZZ_O)/fuzz_%.o $(FUZZ_LIB_OBJ)
	$(LD) -r $(FUZZ_WRAP) -o $@ $^

tests/fuzz/fuzz_proto: $(FUZZ_O)/fuzz_proto.r.o
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $< $(LIBS) -lev $(DL_LIBS)

tests/fuzz/fuzz_%: $(FUZZ_O)/fuzz_%.r.o
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $< $(LIBS)

fuzz-build: $(FUZZ_BIN)

# Not intermediate: kept, so a rebuild compiles only what changed.
.SECONDARY: $(FUZZ_BIN:tests/fuzz/%=$(FUZZ_O)/%.o) \
	    $(FUZZ_BIN:tests/fuzz/%=$(FUZZ_O)/%.r.o)

# Each fuzz target for FUZZ_TIME seconds; a crash, leak or timeout
# fails (its input is left in tests/fuzz/ as crash-*, leak-*, ...).
# clang and libFuzzer's runtime (libclang-rt-dev) are installed if
# missing.
fuzz: deps
	@sh mk/deps.sh clang libclang-rt-dev
	@$(MAKE) --no-print-directory fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_BIN)

# ---- faults ------------------------------------------------------------

# Fault injection (make faults): tests/faults/runnerd-faults is runnerd
# built from the same sources (into tests/faults/obj, with ASan and UBSan
# by default, so that a leak on an error path shows at exit) and linked
# as one relocatable object with --wrap=SITE for every fallible call, so
# tests/faults/fault.c can fail the Nth call of any site (RUNNER_FAULT)
# and count them (RUNNER_FAULT_COUNT).  tests/faults/run.py plays each
# scenario once counting, then once per (site, N) with that call failing,
# and checks runnerd's invariants after each (its header lists them).
# FAULTS_LIMIT bounds the number of cases (0: all), FAULTS_SEED picks
# which, FAULTS_ONLY=SCENARIO:SITE:N[+] replays one.  Failures listed in
# tests/faults/known (today's bugs, each with its place) are reported,
# not fatal, unless FAULTS_STRICT=1.
FAULTS_CFLAGS ?= -g -O1
FAULTS_SAN ?= -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer
FAULTS_LIMIT ?= 0
FAULTS_SEED ?=
FAULTS_JOBS ?= 2
FAULTS_SITES = malloc calloc realloc reallocarray strdup strndup asprintf \
	fork clone pipe2 socketpair accept4 socket bind listen connect open fopen \
	opendir read recv recvmsg write send sendmsg sendto splice fcntl dup2 \
	execvpe kill setuid setgid setgroups prctl chdir setsid close_range \
	pidfd_open mkdir rename unlink ftruncate fstat
FAULTS_O = tests/faults/obj
FAULTS_OBJ = $(patsubst %.c,$(FAULTS_O)/%.o,$(LIB_SRC) $(wildcard runnerd/*.c))

$(FAULTS_O)/%.o: %.c $(LIB_HDR) $(RUNNERD_HDR)
	@mkdir -p $(@D)
	$(CC) $(PROJECT_CFLAGS) $(FAULTS_SAN) $(FAULTS_CFLAGS) -c -o $@ $<

$(FAULTS_O)/runnerd.r.o: $(FAULTS_OBJ)
	$(LD) -r $(FAULTS_SITES:%=--wrap=%) -o $@ $^

tests/faults/runnerd-faults: $(FAULTS_O)/runnerd.r.o tests/faults/fault.c
	$(CC) $(PROJECT_CFLAGS) $(FAULTS_SAN) $(FAULTS_CFLAGS) $(LDFLAGS) \
	    -o $@ $(FAULTS_O)/runnerd.r.o tests/faults/fault.c $(LIBS) -lev \
	    $(DL_LIBS)

faults-build: tests/faults/runnerd-faults

faults: deps
	@sh mk/deps.sh python3
	@$(MAKE) --no-print-directory faults-build
	@python3 tests/faults/run.py --limit $(FAULTS_LIMIT) \
	    --jobs $(FAULTS_JOBS) $(if $(FAULTS_SEED),--seed $(FAULTS_SEED)) \
	    $(if $(FAULTS_ONLY),--only $(FAULTS_ONLY)) \
	    $(if $(filter 1,$(FAULTS_STRICT)),--strict)

# ---- soak --------------------------------------------------------------

# The soak's app: libc only, small, so that a crash loop costs one exec.
tests/soak/child: tests/soak/child.c tests/soak/child.d
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

# The seeded soak: SOAK_SECONDS (60), SOAK_SEED (random, printed),
# SOAK_SKIP (classes left out while their fixes are pending); a failure
# prints the seed, the broken invariant, the last actions and runnerd's
# log, and fails.  Not part of check (CI runs it on its own).
SOAK_SECONDS ?= 60
soak: all tests/soak/child
	@SOAK_SECONDS="$(SOAK_SECONDS)" SOAK_SEED="$(SOAK_SEED)" \
	    SOAK_SKIP="$(SOAK_SKIP)" python3 tests/soak/soak.py

# ---- run, install --------------------------------------------------------

run: deps
	@$(MAKE) --no-print-directory all
	@sh mk/run.sh

# Units and the pkg-config file name the installed paths: the sources
# say /usr/sbin and /etc (what a distribution uses) and are rewritten.
SED_PATHS = -e 's|/usr/sbin/runnerd|$(SBINDIR)/runnerd|g' \
	    -e 's|/etc/runner/|$(SYSCONFDIR)/runner/|g' \
	    -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCDIR@|$(INCDIR)|g' -e 's|@VERSION@|$(VERSION)|g'
MAN_PAGES = $(wildcard man/*.[1358])

# The sample configuration goes in as runner.conf.sample: a user's
# runner.conf is never written (nor removed by uninstall).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSTEMDUSERDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/runner
	install -m 755 ctl/runnerctl $(DESTDIR)$(BINDIR)/runnerctl
	install -m 755 runnerd/runnerd $(DESTDIR)$(SBINDIR)/runnerd
	install -m 644 lib/librunner.a $(DESTDIR)$(LIBDIR)/librunner.a
	install -m 755 lib/librunner.so \
	    $(DESTDIR)$(LIBDIR)/librunner.so.$(VERSION)
	ln -sf librunner.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/librunner.so.$(SOMAJOR)
	ln -sf librunner.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/librunner.so
	install -m 644 lib/runner.h $(DESTDIR)$(INCDIR)/runner.h
	sed $(SED_PATHS) lib/librunner.pc.in \
	    >$(DESTDIR)$(PKGCONFIGDIR)/librunner.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/librunner.pc
	for p in $(MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${p##*.}; \
		install -d $$d && install -m 644 $$p $$d/ || exit 1; \
	done
	install -m 644 conf/runner.conf \
	    $(DESTDIR)$(SYSCONFDIR)/runner/runner.conf.sample
	sed $(SED_PATHS) conf/runnerd.service \
	    >$(DESTDIR)$(SYSTEMDUNITDIR)/runnerd.service
	sed $(SED_PATHS) conf/runnerd.user.service \
	    >$(DESTDIR)$(SYSTEMDUSERDIR)/runnerd.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/runnerd.service \
	    $(DESTDIR)$(SYSTEMDUSERDIR)/runnerd.service
	install -m 644 conf/runnerctl.bash $(DESTDIR)$(BASHCOMPDIR)/runnerctl

# Exactly what install put; of the directories only $(SYSCONFDIR)/runner,
# and only when empty (it may hold the user's runner.conf).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/runnerctl $(DESTDIR)$(SBINDIR)/runnerd \
	    $(DESTDIR)$(LIBDIR)/librunner.a \
	    $(DESTDIR)$(LIBDIR)/librunner.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/librunner.so.$(SOMAJOR) \
	    $(DESTDIR)$(LIBDIR)/librunner.so $(DESTDIR)$(INCDIR)/runner.h \
	    $(DESTDIR)$(PKGCONFIGDIR)/librunner.pc \
	    $(DESTDIR)$(SYSCONFDIR)/runner/runner.conf.sample \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/runnerd.service \
	    $(DESTDIR)$(SYSTEMDUSERDIR)/runnerd.service \
	    $(DESTDIR)$(BASHCOMPDIR)/runnerctl
	for p in $(MAN_PAGES); do \
		rm -f $(DESTDIR)$(MANDIR)/man$${p##*.}/$${p#man/}; \
	done
	rmdir $(DESTDIR)$(SYSCONFDIR)/runner 2>/dev/null || true

clean:
	rm -f lib/*.o lib/librunner.a lib/librunner.so lib/librunner.so.* \
	    lib/librunner-int.a lib/librunner.syms lib/*.d runnerd/*.d ctl/*.d \
	    examples/*.d tests/*/*.d \
	    runnerd/*.o runnerd/runnerd ctl/*.o ctl/runnerctl \
	    $(EXAMPLES) $(UNIT_BIN) $(LIBT_BIN) $(INTEG_BIN) $(HELPERS) \
	    $(BENCH_BIN) $(FUZZ_BIN) tests/faults/runnerd-faults \
	    tests/soak/child
	rm -rf $(FUZZ_O) $(FAULTS_O) tests/upgrade
