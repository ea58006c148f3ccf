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
if ! ex=$(realpath examples/lifecycle) || ! ctl=$(realpath ctl/runnerctl) ||
    ! d=$(realpath runnerd/runnerd); then
	fail "build first (make)"
fi
dir=$(mktemp -d /tmp/runner-lifecycle.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid"
	fi
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

sock=$dir/runnerd.sock
cat >"$dir/runner.conf" <<CONF
apps = { keep = { command = "sleep 300"; restart = "no"; }; };
CONF
export RUNNER_SOCKET=$dir/elsewhere.sock XDG_RUNTIME_DIR=$dir
"$d" -c "$dir/runner.conf" -s "$sock" 2>"$dir/log" &
pid=$!
# Bounded: until it answers (10 s), or it exits.
for ((i = 0; i < 200; i++)); do
	"$ctl" -s "$sock" ping >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { cat "$dir/log"; fail "runnerd exited"; }
	sleep 0.05
done
"$ctl" -s "$sock" start keep >/dev/null || fail "cannot start keep"
check runnerd -s "$sock"
# The example's update added its app and left runnerd's own running.
"$ctl" -s "$sock" status keep | grep -q running ||
    fail "runnerd's own instance did not survive the example's update"
