#!/bin/sh
# units.sh: the systemd units, as make install writes them, pass
# `systemd-analyze verify` without a word (it exits 0 even on unknown
# keys, so any output is a failure), system and user alike; and a broken
# copy does not, so the check can fail here.  Installs into a private
# PREFIX so that ExecStart names a runnerd that exists.  Skipped, saying
# so, where systemd-analyze is missing.  Run from the repository root.
set -eu
MAKE=${MAKE:-make}
fail() { echo "units.sh: $*" >&2; exit 1; }

echo "== $0"
if ! command -v systemd-analyze >/dev/null; then
	echo "units.sh: SKIPPED: no systemd-analyze (Debian: systemd)"
	exit 0
fi
tmp=$(mktemp -d /tmp/runner-units.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
p=$tmp/prefix
$MAKE -s --no-print-directory install PREFIX="$p" >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log" >&2; fail "make install PREFIX=$p failed"; }
# Documentation= names man pages: checked when they are all installed.
man=--man=no
if [ -f "$p/share/man/man8/runnerd.8" ] &&
    [ -f "$p/share/man/man5/runner.conf.5" ] &&
    [ -f "$p/share/man/man1/runnerctl.1" ] && command -v man >/dev/null; then
	man=--man=yes
fi
mkdir -m 700 "$tmp/run"
# verify [--user] UNIT: systemd-analyze's output (empty when good).
verify() {
	if [ "$1" = --user ]; then
		shift
		XDG_RUNTIME_DIR=$tmp/run MANPATH=$p/share/man \
		    systemd-analyze --user verify $man "$1" 2>&1
	else
		MANPATH=$p/share/man systemd-analyze verify $man "$1" 2>&1
	fi
}
sys=$p/lib/systemd/system/runnerd.service
usr=$p/lib/systemd/user/runnerd.service
grep -q "^ExecStart=$p/sbin/runnerd " "$sys" ||
    fail "$sys does not run $p/sbin/runnerd"
out=$(verify "$sys") || fail "systemd-analyze verify $sys failed: $out"
[ -z "$out" ] || fail "systemd-analyze verify $sys says:
$out"
out=$(verify --user "$usr") ||
    fail "systemd-analyze --user verify $usr failed: $out"
[ -z "$out" ] || fail "systemd-analyze --user verify $usr says:
$out"
# The control: a misspelt key and a bad value must be reported.
mkdir "$tmp/bad"
sed -e 's/^KillMode=/KilMode=/' -e 's/^Type=notify$/Type=notifyy/' "$sys" \
    >"$tmp/bad/runnerd.service"
out=$(verify "$tmp/bad/runnerd.service") || true
case $out in
*KilMode*) ;;
*) fail "systemd-analyze verify misses a misspelt key: '$out'" ;;
esac
case $out in
*notifyy*) ;;
*) fail "systemd-analyze verify misses a bad Type=: '$out'" ;;
esac
echo "units.sh: ok: both units verify clean ($man); a broken one does not"
