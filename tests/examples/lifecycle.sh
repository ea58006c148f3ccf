#!/bin/bash
# lifecycle.sh: examples/lifecycle, the program written from librunner(3)
# alone, run as a user would: in-process, then through a runnerd on a
# private socket.  Each way it sorts a shuffled file (output compared
# with sort(1)'s, exit status 0 reported), streams 4 MiB through cat
# (byte-exact: its output is read while its input is written), and
# reports a filter that stops reading and exits 3 (status 3, the write
# refused, not hung).  Run from the repository root after make.
set -u
fail() { echo "lifecycle.sh: $*" >&2; exit 1; }

echo "== $0"
ex=$(realpath examples/lifecycle) || fail "build first (make)"
# shellcheck source=tests/sh/runnerd.sh
. tests/sh/runnerd.sh
dir=$(mktemp -d /tmp/runner-lifecycle.XXXXXX)
cleanup() {
	runnerd_stop
	rm -rf "$dir"
}
trap cleanup EXIT
seq 1 50000 | shuf >"$dir/lines"
sort "$dir/lines" >"$dir/sorted"
head -c $((4 << 20)) /dev/urandom >"$dir/bytes"

# check HOW [-s SOCKET]: the three runs, one way.
check() {
	local how=$1 rc
	shift
	"$ex" "$@" "$dir/lines" >"$dir/out" 2>"$dir/err" ||
	    fail "$how: sort: exit $? ($(cat "$dir/err"))"
	cmp -s "$dir/out" "$dir/sorted" || fail "$how: sort's output differs"
	grep -q '^lifecycle: sort (pid [0-9]*) exited with status 0$' \
	    "$dir/err" || fail "$how: sort: $(cat "$dir/err")"

	"$ex" "$@" -c cat "$dir/bytes" >"$dir/out" 2>"$dir/err" ||
	    fail "$how: cat: exit $? ($(cat "$dir/err"))"
	cmp -s "$dir/out" "$dir/bytes" || fail "$how: 4 MiB through cat differ"

	"$ex" "$@" -c "sh -c 'head -c 10 >/dev/null; exit 3'" "$dir/bytes" \
	    >"$dir/out" 2>"$dir/err"
	rc=$?
	[ "$rc" = 3 ] || fail "$how: exit 3 filter: lifecycle exited $rc"
	grep -q 'exited with status 3$' "$dir/err" ||
	    fail "$how: exit 3 filter: $(cat "$dir/err")"
	grep -q '^lifecycle: write: .*stopped reading its input' "$dir/err" ||
	    fail "$how: the refused write was not reported: $(cat "$dir/err")"
	echo "lifecycle.sh: $how: ok"
}
check in-process

runnerd_start "$dir" \
    'apps = { keep = { command = "sleep 300"; restart = "no"; }; };'
"$ctl" -s "$sock" start keep >/dev/null || fail "cannot start keep"
check runnerd -s "$sock"
# The example's update added its app and left runnerd's own running.
"$ctl" -s "$sock" status keep | grep -q running ||
    fail "runnerd's own instance did not survive the example's update"
