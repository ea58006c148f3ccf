#!/bin/sh
# health.sh: issue 17's cost of health probes, part of `make bench`
# (bench.sh runs it last and appends its table) or run alone after
# `make all tests/bench/bench_load tests/bench/idle tests/bench/floor_sock`.
#
# Three runnerds on private sockets, each with an app "one" (the alias
# whose status is asked) and N more instances (default 1000):
#   plain    N instances of tests/bench/idle, no probe;
#   exec     the same N, each with health = { exec = "true"; interval = 1; }
#            (N forks a second);
#   connect  N socket apps (floor_sock's echo server, one process each),
#            each with health = { connect = true; interval = 1; }.
# Once every probed instance has been probed, bench_load lat sends SAMPLES
# status requests of "one", 1 ms apart, each timed from send to reply:
# median, p99 and max.  The issue's bar: probes must not delay a request
# by more than 10 ms (max with probes, less the max without).  Figures,
# not a test.  Only what this script started is stopped, by pid.
# Environment: BENCH_HN (1000), BENCH_HSAMPLES (3000).
# Lists are split on purpose:
# shellcheck disable=SC2086,SC2046,SC3045
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/tests/bench
N=${BENCH_HN:-1000}
SAMPLES=${BENCH_HSAMPLES:-3000}
tmp=$(mktemp -d /tmp/runner-bench-health.XXXXXX)

# shellcheck source=tests/bench/lib.sh
. "$b/lib.sh"
export UNTIL_TRIES=12000	# a thousand probed instances: up to 120 s
rctl() { d=$1; shift; "$top/ctl/runnerctl" -s "$tmp/$d/sock" "$@"; }
# All n of d's probed instances probed once at least (a last result),
# and how many of them are healthy, into $tmp/$2/healthy.
probed_is() {
	rctl "$2" status --json >"$tmp/$2/status"
	grep -o '"state":"healthy"' "$tmp/$2/status" | wc -l \
	    >"$tmp/$2/healthy"
	[ "$(grep -o '"last":{' "$tmp/$2/status" | wc -l)" -ge "$1" ]
}
[ "$(ulimit -n)" -gt $((2 * N + 100)) ] || ulimit -n $((2 * N + 100)) ||
    die "ulimit -n $(ulimit -n) is too low for $N probed instances"

for d in plain exec connect; do
	mkdir "$tmp/$d"
	{
		echo "apps = {"
		echo "  one = { command = \"$b/idle\"; autostart = true; };"
		case $d in
		plain)	echo "  many = { command = \"$b/idle\";" \
			    "instances = $N; autostart = true; };" ;;
		exec)	echo "  many = { command = \"$b/idle\";" \
			    "instances = $N; autostart = true;" \
			    "health = { exec = \"true\"; interval = 1; }; };" ;;
		connect)
			k=1
			while [ $k -le "$N" ]; do
				echo "  c$k = { command = [\"$b/floor_sock\"," \
				    "\"serve\", \"$tmp/$d/c$k.sock\"];" \
				    "type = \"socket\"; socket =" \
				    "\"$tmp/$d/c$k.sock\"; autostart = true;" \
				    "health = { connect = true; interval = 1;" \
				    "}; };"
				k=$((k + 1))
			done ;;
		esac
		echo "};"
	} >"$tmp/$d/runner.conf"
done

for d in plain exec connect; do
	say "health: runnerd with $N instances ($d), then $SAMPLES status requests"
	"$top/runnerd/runnerd" -c "$tmp/$d/runner.conf" -s "$tmp/$d/sock" \
	    </dev/null >"$tmp/$d/log" 2>&1 &
	pid=$!
	pids="$pids $pid"
	until_ok rctl "$d" ping
	case $d in
	plain)	until_ok sh -c "[ \$(pgrep -c -P $pid) -ge $((N + 1)) ]" ;;
	*)	until_ok probed_is "$N" "$d" ;;
	esac
	"$b/bench_load" lat "$tmp/$d/sock" 0 x "$SAMPLES" |
	    awk '/^lat/ { print $2 }' >"$tmp/$d/lat"
	kill "$pid"
	wait "$pid" 2>/dev/null || :
	forget "$pid"
done

# mpm FILE: "median p99 max" (lib.sh's stats), three decimals.
mpm() { stats "$1" | awk '{ printf "%.3f %.3f %.3f\n", $1, $4, $3 }'; }
set -- $(mpm "$tmp/plain/lat")
pmax=$3
echo
echo "| status latency, $N instances (ms) | median | p99 | max | max over no probes | holds (<= 10 ms) |"
echo "| --- | --- | --- | --- | --- | --- |"
echo "| no probes | $1 | $2 | $3 | | |"
for d in exec connect; do
	set -- $(mpm "$tmp/$d/lat")
	over=$(awk -v a="$3" -v b="$pmax" 'BEGIN { printf "%.3f", a - b }')
	ok=$(awk -v o="$over" 'BEGIN { print o <= 10 ? "yes" : "**no**" }')
	echo "| $d probe every 1 s on each ($(cat "$tmp/$d/healthy") of $N" \
	    "healthy when measured) | $1 | $2 | $3 | $over | $ok |"
done
echo
echo "How: $SAMPLES status requests of one alias, 1 ms apart, each on" \
    "its own (bench_load lat), once every instance had been probed (not" \
    "all pass on a loaded machine: a probe that waits for a CPU past its" \
    "timeout fails);" \
    "exec runs \`true\` as the app would run (a fork and exec each);" \
    "connect connects to floor_sock's echo server, one per socket app."
