#!/bin/sh
# install.sh: `make install DESTDIR=TMP PREFIX=/usr` puts exactly the
# expected files, with the right links, modes and paths; a program builds
# against that tree with `pkg-config --cflags --libs librunner` (shared)
# and with --static, and runs; a user's runner.conf survives a second
# install and the uninstall; `make uninstall` leaves no file behind.
# Run from the repository root after make; MAKE and CC are honoured.
set -eu
MAKE=${MAKE:-make}
CC=${CC:-cc}
# make check SANITIZE=1: the installed library needs the ASan runtime.
[ "${SANITIZE:-0}" = 1 ] && CC="$CC -fsanitize=address,undefined"
VERSION=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' Makefile)
tmp=$(mktemp -d /tmp/runner-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
fail() { echo "install.sh: $*" >&2; exit 1; }
# The files install must leave, relative to DESTDIR, sorted.
expected() {
	{
		cat <<-EOF
		/etc/runner/runner.conf.sample
		/usr/bin/runnerctl
		/usr/include/runner.h
		/usr/lib/librunner.a
		/usr/lib/librunner.so
		/usr/lib/librunner.so.0
		/usr/lib/librunner.so.$VERSION
		/usr/lib/pkgconfig/librunner.pc
		/usr/lib/systemd/system/runnerd.service
		/usr/lib/systemd/user/runnerd.service
		/usr/sbin/runnerd
		/usr/share/bash-completion/completions/runnerctl
		EOF
		for p in man/*.[1358]; do
			[ -f "$p" ] || continue
			echo "/usr/share/man/man${p##*.}/${p#man/}"
		done
	} | LC_ALL=C sort
}
# Every file and link under DESTDIR, relative to it, sorted.
installed() {
	(cd "$root" && find . \( -type f -o -type l \) | sed 's|^\.||' |
	    LC_ALL=C sort)
}
make_in() {
	$MAKE -s --no-print-directory "$@" DESTDIR="$root" PREFIX=/usr \
	    >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log" >&2;
	    fail "make $* failed"; }
}
mode() { stat -c %a "$root$1"; }

echo "== $0"
make_in install
expected >"$tmp/want"
installed >"$tmp/got"
diff -u "$tmp/want" "$tmp/got" >"$tmp/diff" || { cat "$tmp/diff" >&2;
    fail "the installed tree differs from the expected one (- missing," \
    "+ unexpected)"; }
echo "install.sh: $(wc -l <"$tmp/got") files installed, as expected"

# Links and the soname: what the dynamic linker and ld look for.
lib=$root/usr/lib
[ "$(readlink "$lib/librunner.so")" = librunner.so.0 ] ||
    fail "librunner.so does not point to librunner.so.0"
[ "$(readlink "$lib/librunner.so.0")" = "librunner.so.$VERSION" ] ||
    fail "librunner.so.0 does not point to librunner.so.$VERSION"
if [ ! -f "$lib/librunner.so.$VERSION" ] || [ -L "$lib/librunner.so.$VERSION" ]
then
	fail "librunner.so.$VERSION is not a file"
fi
readelf -d "$lib/librunner.so.$VERSION" |
    grep -q 'SONAME.*\[librunner\.so\.0\]' ||
    fail "librunner.so.$VERSION has no soname librunner.so.0"
for f in /usr/bin/runnerctl /usr/sbin/runnerd; do
	[ "$(mode $f)" = 755 ] || fail "$f: mode $(mode $f), not 755"
done
for f in /usr/include/runner.h /usr/lib/librunner.a \
    /usr/lib/pkgconfig/librunner.pc /etc/runner/runner.conf.sample \
    /usr/lib/systemd/system/runnerd.service \
    /usr/lib/systemd/user/runnerd.service \
    /usr/share/bash-completion/completions/runnerctl; do
	[ "$(mode $f)" = 644 ] || fail "$f: mode $(mode $f), not 644"
done
for p in man/*.[1358]; do
	[ -f "$p" ] || continue
	cmp -s "$p" "$root/usr/share/man/man${p##*.}/${p#man/}" ||
	    fail "$p installed differs from the source"
done
cmp -s conf/runner.conf "$root/etc/runner/runner.conf.sample" ||
    fail "runner.conf.sample is not conf/runner.conf"
# The units name the installed paths.
grep -q '^ExecStart=/usr/sbin/runnerd -c /etc/runner/runner.conf ' \
    "$lib/systemd/system/runnerd.service" ||
    fail "the system unit does not run /usr/sbin/runnerd on /etc/runner"
grep -q '^ExecStart=/usr/sbin/runnerd ' "$lib/systemd/user/runnerd.service" ||
    fail "the user unit does not run /usr/sbin/runnerd"

# pkg-config against the tree alone: its .pc file, paths under DESTDIR.
PKG_CONFIG_PATH=
PKG_CONFIG_LIBDIR=$lib/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$root
PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1
PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
export PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR \
    PKG_CONFIG_ALLOW_SYSTEM_CFLAGS PKG_CONFIG_ALLOW_SYSTEM_LIBS
[ "$(pkg-config --modversion librunner)" = "$VERSION" ] ||
    fail "pkg-config --modversion librunner is not $VERSION"
flags=$(pkg-config --cflags --libs librunner) ||
    fail "pkg-config --cflags --libs librunner failed"
sflags=$(pkg-config --static --cflags --libs librunner) ||
    fail "pkg-config --static --cflags --libs librunner failed"
case " $flags " in
*" -I$root/usr/include "*"-L$lib "*"-lrunner "*) ;;
*) fail "pkg-config gives '$flags'" ;;
esac
case " $sflags " in
*" -lrunner "*"-lconfig "*) ;;
*) fail "pkg-config --static gives '$sflags' (no -lconfig)" ;;
esac
# Shared: linked to librunner.so.0, run with the installed library.
# shellcheck disable=SC2086
$CC -o "$tmp/hello" examples/hello.c $flags ||
    fail "cannot build examples/hello.c with '$flags'"
readelf -d "$tmp/hello" | grep -q 'NEEDED.*\[librunner\.so\.0\]' ||
    fail "hello is not linked to librunner.so.0"
LD_LIBRARY_PATH=$lib ldd "$tmp/hello" | grep -q "librunner.so.0 => $lib/" ||
    fail "hello does not load the installed librunner.so.0"
# Static: the archive, and only --static's flags to complete it.
# shellcheck disable=SC2046,SC2086
$CC -o "$tmp/hello-static" examples/hello.c \
    $(printf '%s\n' "$sflags" | sed 's/-lrunner/-l:librunner.a/') ||
    fail "cannot build examples/hello.c statically with '$sflags'"
! readelf -d "$tmp/hello-static" | grep -q 'NEEDED.*librunner' ||
    fail "hello-static needs librunner.so"
cat >"$tmp/want.out" <<EOF
c1 answered: hello from c1
c2 answered: hello from c2
EOF
for h in hello hello-static; do
	LD_LIBRARY_PATH=$lib "$tmp/$h" "$root/etc/runner/runner.conf.sample" \
	    >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; fail "$h failed"; }
	cmp -s "$tmp/want.out" "$tmp/out" || { cat "$tmp/out" >&2;
	    fail "$h printed something else"; }
done
echo "install.sh: pkg-config builds (shared and --static) run"

# A user's runner.conf: never written by install, never removed.
echo '# mine' >"$root/etc/runner/runner.conf"
make_in install
[ "$(cat "$root/etc/runner/runner.conf")" = '# mine' ] ||
    fail "make install overwrote the user's runner.conf"
make_in uninstall
[ "$(installed)" = /etc/runner/runner.conf ] || { installed >&2;
    fail "make uninstall left the files above (or took runner.conf)"; }
rm "$root/etc/runner/runner.conf"

# Uninstall after a plain install: nothing left, not even the
# (empty) runner directory under /etc.
make_in install
make_in uninstall
[ -z "$(installed)" ] || { installed >&2;
    fail "make uninstall left the files above"; }
[ ! -e "$root/etc/runner" ] || fail "make uninstall left /etc/runner"
echo "install.sh: ok: make uninstall removes all it installed"
