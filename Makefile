# runner: a process runner (runnerd, runnerctl, librunner).
#
#   make            build lib/librunner.{a,so}, runnerd/runnerd, ctl/runnerctl
#   make check      install missing Debian packages, build, run every test
#   make bench      build and run the benchmarks (figures, not tests)
#   make run        install missing packages, build, start on conf/runner.conf
#   make install    PREFIX (/usr/local) and DESTDIR honoured
#
# The user's CFLAGS/LDFLAGS are kept; the project's own flags are added
# separately.  CI=true turns warnings into errors.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
LIBDIR	?= $(PREFIX)/lib
INCDIR	?= $(PREFIX)/include
MANDIR	?= $(PREFIX)/share/man

CC	?= cc
CFLAGS	?= -O2 -g
AR	?= ar

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
PROJECT_CFLAGS = -std=c11 -D_GNU_SOURCE -fPIC -Ilib $(WARN)
ALL_CFLAGS = $(PROJECT_CFLAGS) $(CFLAGS)

LIBS	 = -lconfig

LIB_SRC	 = $(wildcard lib/*.c)
LIB_OBJ	 = $(LIB_SRC:.c=.o)
LIB_HDR	 = $(wildcard lib/*.h)

RUNNERD_OBJ = $(patsubst %.c,%.o,$(wildcard runnerd/*.c))
RUNNERD_HDR = $(wildcard runnerd/*.h)
CTL_OBJ	 = $(patsubst %.c,%.o,$(wildcard ctl/*.c))
CTL_HDR	 = $(wildcard ctl/*.h)

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:.c=)
LIBT_SRC = $(wildcard tests/lib/test_*.c)
LIBT_BIN = $(LIBT_SRC:.c=)
INTEG_SRC = $(wildcard tests/integration/test_*.c)
INTEG_BIN = $(INTEG_SRC:.c=)
HELPERS	 = tests/helpers/asker
BENCH_SRC = $(wildcard tests/bench/bench_*.c)
BENCH_BIN = $(BENCH_SRC:.c=)

# Packages the build and the tests need (Debian names).
DEBS	 = gcc make pkg-config libconfig-dev libev-dev libjsmn-dev \
	   libcmocka-dev socat valgrind

.PHONY: all check run install uninstall clean deps test bench

all: lib/librunner.a lib/librunner.so runnerd/runnerd ctl/runnerctl \
    examples/hello

%.o: %.c $(LIB_HDR)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

runnerd/%.o: runnerd/%.c $(LIB_HDR) $(RUNNERD_HDR)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

ctl/%.o: ctl/%.c $(LIB_HDR) $(CTL_HDR)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

lib/librunner.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# Only runner_* is exported (lib/librunner.map); the soname carries the
# ABI major, and the .so.0 link lets in-tree programs run uninstalled.
lib/librunner.so: $(LIB_OBJ) lib/librunner.map
	$(CC) -shared -Wl,-soname,librunner.so.$(SOMAJOR) \
	    -Wl,--version-script=lib/librunner.map $(LDFLAGS) \
	    -o $@ $(LIB_OBJ) $(LIBS)
	ln -sf librunner.so lib/librunner.so.$(SOMAJOR)

runnerd/runnerd: $(RUNNERD_OBJ) lib/librunner.a
	$(CC) $(LDFLAGS) -o $@ $(RUNNERD_OBJ) lib/librunner.a $(LIBS) -lev

ctl/runnerctl: $(CTL_OBJ) lib/librunner.a
	$(CC) $(LDFLAGS) -o $@ $(CTL_OBJ) lib/librunner.a $(LIBS)

examples/%: examples/%.c lib/librunner.a lib/runner.h
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner.a $(LIBS)

tests/unit/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) \
    lib/librunner.a $(LIB_HDR)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner.a $(LIBS) -lcmocka

tests/lib/test_%: tests/lib/test_%.c tests/lib/common.h tests/proc.h \
    lib/librunner.a \
    $(LIB_HDR)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner.a $(LIBS) -lcmocka

tests/integration/test_%: tests/integration/test_%.c \
    $(wildcard tests/integration/*.h) tests/proc.h lib/librunner.a $(LIB_HDR)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner.a $(LIBS) -lcmocka

tests/helpers/%: tests/helpers/%.c lib/librunner.a $(LIB_HDR)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner.a $(LIBS)

tests/bench/killwait: tests/bench/killwait.c
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

tests/bench/%: tests/bench/%.c lib/librunner.a $(LIB_HDR)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/librunner.a $(LIBS)

deps:
	@sh mk/deps.sh $(DEBS)

# Unit tests run under valgrind (no error, no leak); the behavioural ones
# run natively too, since valgrind slows the 16 MiB transfers tenfold.
# Each library test runs twice: in-process, then through a runnerd.
test: all $(UNIT_BIN) $(LIBT_BIN) $(INTEG_BIN) $(HELPERS)
	@sh tests/run.sh $(UNIT_BIN) $(LIBT_BIN) $(LIBT_BIN:=@daemon) \
	    $(INTEG_BIN)

check: deps
	@$(MAKE) --no-print-directory test

# Benchmarks: figures to read, not tests (not part of check).
# Figures, not tests: channel throughput, then supervision beside
# supervisord and s6 (installed here if missing).
bench: all $(BENCH_BIN) tests/bench/killwait
	@sh mk/deps.sh supervisor s6
	@for b in $(BENCH_BIN); do ./$$b || exit 1; done
	@sh tests/bench/supervise.sh

run: deps
	@$(MAKE) --no-print-directory all
	@sh mk/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)
	install -m 755 ctl/runnerctl $(DESTDIR)$(BINDIR)/runnerctl
	install -m 755 runnerd/runnerd $(DESTDIR)$(SBINDIR)/runnerd
	install -m 644 lib/librunner.a $(DESTDIR)$(LIBDIR)/librunner.a
	install -m 755 lib/librunner.so \
	    $(DESTDIR)$(LIBDIR)/librunner.so.$(VERSION)
	ln -sf librunner.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/librunner.so.$(SOMAJOR)
	ln -sf librunner.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/librunner.so
	install -m 644 lib/runner.h $(DESTDIR)$(INCDIR)/runner.h

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/runnerctl $(DESTDIR)$(SBINDIR)/runnerd \
	    $(DESTDIR)$(LIBDIR)/librunner.a \
	    $(DESTDIR)$(LIBDIR)/librunner.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/librunner.so.$(SOMAJOR) \
	    $(DESTDIR)$(LIBDIR)/librunner.so $(DESTDIR)$(INCDIR)/runner.h

clean:
	rm -f lib/*.o lib/librunner.a lib/librunner.so lib/librunner.so.* \
	    runnerd/*.o runnerd/runnerd ctl/*.o ctl/runnerctl \
	    examples/hello $(UNIT_BIN) $(LIBT_BIN) $(INTEG_BIN) $(HELPERS) \
	    $(BENCH_BIN) tests/bench/killwait
