# lib.sh: what every bench script shares (sourced, not run): messages,
# stopping what it started by pid, and waiting for a condition.  The
# sourcing script sets -eu and its tmp first, and adds each daemon it
# starts to pids; at exit they are stopped, anything they left behind
# is killed and tmp removed (a script that needs more defines its own
# cleanup after sourcing this, on settle).
# shellcheck shell=sh

pids=""

# Everything the script starts, and whatever that starts in turn,
# carries BENCH_TAG=$tmp in its environment (runnerd, supervisord,
# s6-supervise and runsv all pass theirs on): what a supervisor left
# running when it went (an orphaned service, a runsv waiting for one)
# is found by it, and only that: $tmp is this run's own.
# shellcheck disable=SC2154 # the sourcing script sets tmp
export BENCH_TAG="$tmp"

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

# stop PID: SIGTERM, up to 30 s for it to go, then SIGKILL; reaped.
stop() {
	kill "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 3000 ]; do
		sleep 0.01; i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# forget PID: it is reaped; cleanup must not signal it (or its reuse).
forget() {
	pids=$(echo "$pids" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# Poll every 10 ms, at most UNTIL_TRIES times (3000: 30 s), until the
# command succeeds.
until_ok() {
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt "${UNTIL_TRIES:-3000}" ] || die "timeout waiting for: $*"
		sleep 0.01
	done
}

# stats FILE: "median min max p99 count", or nothing when no file.
stats() {
	[ -s "$1" ] || return 0
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p = v[int(NR * 0.99 + 0.999)]
		print m, v[1], v[NR], p, NR }'
}

# fmt NUMBER: three significant digits or so; med FILE: the median;
# cell FILE: "median (min-max)", or "-" when no samples.
fmt() { awk -v x="$1" 'BEGIN { a = x < 0 ? -x : x
	if (x == "") print "-"
	else if (a >= 100) printf "%.0f", x
	else if (a >= 10) printf "%.1f", x
	else if (a >= 1) printf "%.2f", x
	else if (a == 0) printf "0"
	else printf "%.3f", x }'; }
med() { stats "$1" | awk '{ print $1 }'; }
cell() {
	# shellcheck disable=SC2046 # a word a field
	set -- $(stats "$1")
	[ $# -gt 0 ] || { echo "-"; return; }
	if [ "$(fmt "$2")" = "$(fmt "$3")" ]; then fmt "$1"; else
		echo "$(fmt "$1") ($(fmt "$2")-$(fmt "$3"))"; fi
}

# The pids of the processes that carry the tag.  The scan itself runs
# without it, or grep would find itself.
tagged() {
	env -u BENCH_TAG grep -lsazxF "BENCH_TAG=$tmp" /proc/[0-9]*/environ |
	    env -u BENCH_TAG cut -d/ -f3 || :
}

# Once every daemon in $pids has been told to stop: up to 10 s for all
# that carries the tag to go, then SIGKILL to what is left, by pid,
# again until nothing is (a supervisor may start one more before its
# own SIGKILL lands); the daemons reaped.  An entry of $pids may be
# NAME:PID (runsvdir:PID).
settle() {
	end=$(($(date +%s) + 10))
	while [ -n "$(tagged)" ] && [ "$(date +%s)" -lt "$end" ]; do
		sleep 0.2
	done
	i=0
	while left=$(tagged) && [ -n "$left" ] && [ $i -lt 20 ]; do
		# shellcheck disable=SC2086 # one pid a word
		[ $i -gt 0 ] || say "killing what did not stop in 10 s:" \
		    "$(ps -o comm= -p "$(echo $left | tr ' ' ,)" | sort |
		    uniq -c | awk '{ printf " %s %s", $1, $2 }')"
		# shellcheck disable=SC2086
		kill -9 $left 2>/dev/null
		sleep 0.05; i=$((i + 1))
	done
	for p in $pids; do wait "${p#*:}" 2>/dev/null; done
	pids=""
}

# At exit, or at the first Ctrl-C (a second one must not cut the
# teardown short, so INT and TERM are ignored meanwhile).
cleanup() {
	set +e
	trap '' INT TERM
	trap - EXIT
	for p in $pids; do kill "$p" 2>/dev/null; done
	settle
	rm -rf "${tmp:?}"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
