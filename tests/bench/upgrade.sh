#!/bin/sh
# upgrade.sh: issue 19's figure, part of `make bench` (bench.sh runs it
# and appends its table) or run alone after `make all
# tests/bench/bench_upgrade tests/bench/timeit tests/bench/idle`.
#
# A runnerd on a private socket with N instances (default 1000) of
# tests/bench/idle.  Each round, bench_upgrade says hello back to back on
# one connection while `runnerctl upgrade` (runnerd's own binary again)
# runs, and reports the longest round trip: the time clients are not
# served during an upgrade.  The floor is one exec of runnerd
# (`runnerd --version`, timed by timeit in the same run): what any
# re-execution costs before it has state to restore.  The table gives
# the median (min-max) over the rounds, and the ratio of the medians.
# Every upgrade must keep runnerd's pid and every instance's (checked
# after the last round).  Figures, not a test.  Only what this script
# started is stopped, by pid.  Environment: BENCH_UN (1000),
# BENCH_UROUNDS (5).
# shellcheck disable=SC2086,SC3045
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/tests/bench
N=${BENCH_UN:-1000}
ROUNDS=${BENCH_UROUNDS:-5}
tmp=$(mktemp -d /tmp/runner-bench-upgrade.XXXXXX)

# shellcheck source=tests/bench/lib.sh
. "$b/lib.sh"
export UNTIL_TRIES=12000	# a thousand instances: up to 120 s
rctl() { "$top/ctl/runnerctl" -s "$tmp/sock" "$@"; }
running() { [ "$(pgrep -c -P "$1")" -ge "$2" ]; }
[ "$(ulimit -n)" -gt $((4 * N + 100)) ] || ulimit -n $((4 * N + 100)) ||
    die "ulimit -n $(ulimit -n) is too low for $N instances"

cat >"$tmp/runner.conf" <<EOF
apps = {
  many = { command = "$b/idle"; instances = $N; autostart = true; };
};
EOF
say "upgrade: runnerd with $N instances, then $ROUNDS upgrades under a hello loop"
"$top/runnerd/runnerd" -c "$tmp/runner.conf" -s "$tmp/sock" \
    </dev/null >"$tmp/log" 2>&1 &
pid=$!
pids="$pids $pid"
until_ok rctl ping
until_ok running "$pid" "$N"
rctl status --json | grep -o '"pid":[0-9]*' | sort >"$tmp/pids.before"

r=1
while [ $r -le "$ROUNDS" ]; do
	"$b/bench_upgrade" "$tmp/sock" 200 -- "$top/ctl/runnerctl" \
	    -s "$tmp/sock" upgrade >"$tmp/round" ||
	    die "bench_upgrade failed (round $r); runnerd's log: $tmp/log"
	awk '/^gap / { print $2 }' "$tmp/round" >>"$tmp/gap"
	awk '/^command / { print $2 }' "$tmp/round" >>"$tmp/cmd"
	r=$((r + 1))
done
"$b/timeit" -n 50 -m 20 -- "$top/runnerd/runnerd" --version >"$tmp/floor"

# The same runnerd, the same instances.
kill -0 "$pid" || die "runnerd (pid $pid) is gone; its log: $tmp/log"
rctl status --json | grep -o '"pid":[0-9]*' | sort >"$tmp/pids.after"
cmp -s "$tmp/pids.before" "$tmp/pids.after" ||
    die "instances changed across the upgrades"
upgrades=$(rctl --json ping 2>/dev/null | grep -o '"upgrades":[0-9]*' |
    cut -d: -f2 || :)

# med FILE: "median (min-max)"; medv FILE: the median alone.
medv() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f", m }'
}
med() {
	printf "%s (%s-%s)" "$(medv "$1")" \
	    "$(sort -g "$1" | head -n 1 | awk '{ printf "%.2f", $1 }')" \
	    "$(sort -g "$1" | tail -n 1 | awk '{ printf "%.2f", $1 }')"
}
ratio=$(awk -v g="$(medv "$tmp/gap")" -v f="$(medv "$tmp/floor")" \
    'BEGIN { printf "%.1f", (f > 0 ? g / f : 0) }')
echo
echo "| upgrade in place, $N instances (ms) | clients not served (longest hello round trip) | runnerctl upgrade | floor: one exec of runnerd (runnerd --version) | not served / floor |"
echo "| --- | --- | --- | --- | --- |"
echo "| runnerd re-executes itself | $(med "$tmp/gap") | $(med "$tmp/cmd") |" \
    "$(med "$tmp/floor") | ${ratio}x |"
echo
echo "How: $ROUNDS upgrades (runnerctl upgrade, the same binary; hello" \
    "says ${upgrades:-?} upgrades after them), each while one connection" \
    "says hello back to back (bench_upgrade: 200 round trips before and" \
    "after); the figure is the longest round trip of each round. Every" \
    "instance kept its pid. The floor: timeit of \`runnerd --version\`."
