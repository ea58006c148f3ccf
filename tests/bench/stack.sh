#!/bin/sh
# stack.sh: issue 17's cost of dependencies, part of `make bench` (bench.sh
# runs it and appends its table) or run alone after `make all
# tests/bench/timeit tests/bench/idle tests/bench/floor_sock`.
#
# One runnerd on a private socket with a 3-deep chain and the same three
# apps without depends_on:
#   db       floor_sock's echo server, a socket app (ready = "socket");
#   migrate  /bin/true, a job: depends_on { db = "ready"; };
#   web      tests/bench/idle: depends_on { migrate = "completed_successfully"; }.
# The chain: `runnerctl start web` after `runnerctl stop --all` (which
# stops web, then db; migrate has ended), until web runs: runnerd starts
# db, waits for its socket, runs migrate to its exit 0, then starts web.
# The floor: the sum of the apps' own start times, each measured alone
# the same way: `runnerctl start db0` (to ready), the job's own run
# (spawn to exit of /bin/true, timeit) and `runnerctl start web0`.  What
# the chain costs beyond its apps is its median less the floor.  Figures,
# not a test.  Only what this script started is stopped, by pid.
# Environment: BENCH_SROUNDS (30 samples each).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/tests/bench
ROUNDS=${BENCH_SROUNDS:-30}
tmp=$(mktemp -d /tmp/runner-bench-stack.XXXXXX)

# shellcheck source=tests/bench/lib.sh
. "$b/lib.sh"

for p in timeit idle floor_sock; do
	[ -x "$b/$p" ] || die "no $b/$p (make all tests/bench/$p)"
done
ctl() { "$top/ctl/runnerctl" -s "$tmp/sock" "$@"; }

cat >"$tmp/runner.conf" <<EOF
apps = {
  db = { command = ["$b/floor_sock", "serve", "db.sock"]; type = "socket";
    socket = "db.sock"; cwd = "$tmp"; restart = "no"; };
  migrate = { command = "/bin/true"; restart = "no";
    depends_on = { db = "ready"; }; };
  web = { command = "$b/idle"; restart = "no";
    depends_on = { migrate = "completed_successfully"; }; };
  db0 = { command = ["$b/floor_sock", "serve", "db0.sock"]; type = "socket";
    socket = "db0.sock"; cwd = "$tmp"; restart = "no"; };
  web0 = { command = "$b/idle"; restart = "no"; };
};
EOF
"$top/runnerd/runnerd" -c "$tmp/runner.conf" -s "$tmp/sock" \
    </dev/null >"$tmp/log" 2>&1 &
pid=$!
pids="$pids $pid"
i=0
until ctl ping >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 3000 ] || die "runnerd did not answer; its log: $(cat "$tmp/log")"
	sleep 0.01
done

T="$b/timeit -n $ROUNDS -m $ROUNDS -t 600000"
# Each once, untimed, so that every timed start's prep has one to stop.
ctl start web >/dev/null
ctl start db0 >/dev/null
ctl start web0 >/dev/null
say "dependencies: start of a 3-deep chain, $ROUNDS times"
$T -p "$top/ctl/runnerctl -s $tmp/sock stop --all" \
    -- "$top/ctl/runnerctl" -s "$tmp/sock" start web >"$tmp/chain"
say "dependencies: the apps alone, $ROUNDS times each"
$T -p "$top/ctl/runnerctl -s $tmp/sock stop db0" \
    -- "$top/ctl/runnerctl" -s "$tmp/sock" start db0 >"$tmp/db0"
$T -- /bin/true >"$tmp/job0"
$T -p "$top/ctl/runnerctl -s $tmp/sock stop web0" \
    -- "$top/ctl/runnerctl" -s "$tmp/sock" start web0 >"$tmp/web0"
ctl stop --all >/dev/null

med() { sort -g "$1" | awk '{ v[NR] = $1 } END {
	print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { sort -g "$1" | awk '{ v[NR] = $1 } END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'; }
chain=$(med "$tmp/chain")
floor=$(awk -v a="$(med "$tmp/db0")" -v b="$(med "$tmp/job0")" \
    -v c="$(med "$tmp/web0")" 'BEGIN { printf "%.3f", a + b + c }')
echo
echo "Dependencies: \`runnerctl start web\` of db -> migrate -> web" \
    "(ready, completed_successfully), against the sum of the apps' own" \
    "start times measured alone.  Median (min-max), ms."
echo
echo "| figure | ms |"
echo "| --- | --- |"
echo "| chain: start web, all three started in order | $(range "$tmp/chain") |"
echo "| db alone: start to ready (socket) | $(range "$tmp/db0") |"
echo "| migrate alone: /bin/true, spawn to exit | $(range "$tmp/job0") |"
echo "| web alone: start | $(range "$tmp/web0") |"
echo "| floor: the three alone, summed | $floor |"
awk -v c="$chain" -v f="$floor" 'BEGIN {
	printf "| chain over floor | %.2fx (%+.2f ms) |\n", c / f, c - f }'
