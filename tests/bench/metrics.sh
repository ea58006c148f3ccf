#!/bin/sh
# metrics.sh: issue 18's cost of a metrics scrape, part of `make bench`
# (bench.sh runs it and appends its table) or run alone after `make all
# tests/bench/timeit tests/bench/idle`.
#
# One runnerd on a private socket with N instances (default 1000) of
# tests/bench/idle, and metrics_listen on a free loopback port.  Timed,
# each BENCH_MROUNDS times: `runnerctl status` of the N (the floor: the
# same instances, walked for a reply as big), `runnerctl metrics`,
# `curl -s /metrics` (a scrape as Prometheus makes it), and curl of a
# path that is not there (404: the cost of curl and of HTTP with no
# metrics, the scrape's own floor).  Also the sizes of the replies, and
# runnerd's own CPU time for the metrics it made.  Figures, not a test.
# Only what this script started is stopped, by pid.
# Environment: BENCH_N (1000), BENCH_MROUNDS (20).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/tests/bench
N=${BENCH_N:-1000}
ROUNDS=${BENCH_MROUNDS:-20}
tmp=$(mktemp -d /tmp/runner-bench-metrics.XXXXXX)

# shellcheck source=tests/bench/lib.sh
. "$b/lib.sh"

for p in timeit idle; do
	[ -x "$b/$p" ] || die "no $b/$p (make all tests/bench/$p)"
done
command -v curl >/dev/null || die "no curl (make deps installs it)"
ctl() { "$top/ctl/runnerctl" -s "$tmp/sock" "$@"; }
port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port

cat >"$tmp/runner.conf" <<CONF
metrics_listen = "127.0.0.1:$port"
apps = {
  many = { command = "$b/idle"; instances = $N; autostart = true;
    restart = "no"; };
};
CONF
"$top/runnerd/runnerd" -c "$tmp/runner.conf" -s "$tmp/sock" \
    </dev/null >"$tmp/log" 2>&1 &
pid=$!
pids="$pids $pid"
# All N running: no event says so to a shell; lib.sh's bounded poll.
running_is() {
	ctl metrics | grep -qx "runner_instances{state=\"running\"} $1"
}
until_ok running_is "$N"

cpu() {	# runnerd's utime + stime, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$pid/stat"
}
T="$b/timeit -n $ROUNDS -m $ROUNDS -t 600000"
say "metrics: status, metrics and scrapes of $N instances, $ROUNDS times each"
$T -- "$top/ctl/runnerctl" -s "$tmp/sock" status >"$tmp/status"
c0=$(cpu)
$T -- "$top/ctl/runnerctl" -s "$tmp/sock" metrics >"$tmp/metrics"
c1=$(cpu)
$T -- curl -sf -o /dev/null "$url/metrics" >"$tmp/scrape"
c2=$(cpu)
$T -- curl -s -o /dev/null "$url/none" >"$tmp/none"
ssize=$(ctl status | wc -c)
msize=$(ctl metrics | wc -c)
hsize=$(curl -sf "$url/metrics" | wc -c)
hz=$(getconf CLK_TCK)

range() { sort -g "$1" | awk '{ v[NR] = $1 } END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'; }
per() {	# CPU ms per request between two readings
	awk -v a="$1" -v b="$2" -v n="$ROUNDS" -v h="$hz" \
	    'BEGIN { printf "%.2f", (b - a) * 1000 / h / n }'
}
echo
echo "Metrics of $N instances: what a scrape costs, against the status" \
    "of the same instances.  Median (min-max) of $ROUNDS, ms; runnerd's" \
    "CPU per request from /proc (in ticks of 1/$hz s, so coarse)."
echo
echo "| figure | ms | bytes | runnerd CPU ms |"
echo "| --- | --- | --- | --- |"
echo "| floor: \`runnerctl status\` | $(range "$tmp/status") | $ssize | |"
echo "| \`runnerctl metrics\` | $(range "$tmp/metrics") | $msize |" \
    "$(per "$c0" "$c1") |"
echo "| scrape: \`curl /metrics\` | $(range "$tmp/scrape") | $hsize |" \
    "$(per "$c1" "$c2") |"
echo "| curl's own floor: \`curl /none\` (404) | $(range "$tmp/none") | | |"
