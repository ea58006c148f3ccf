#!/bin/sh
# rss.sh: where an idle runnerd with one instance keeps its resident
# memory (issue 20: <= 2048 KiB), at start-up and after what make
# bench's runnerd A goes through (bench.sh: 500 status requests, 150
# stops and starts, 10 restarts after kill -9), then 1 s idle: its RSS
# (smaps_rollup, as procsum reads it) and the RSS of each group of
# mappings.  Run after `make all tests/bench/idle tests/bench/timeit
# tests/bench/killwait tests/bench/procsum`; BENCH_RSS_ROUNDS (3) runs.
#
# Figures to read, not a test: libc's text alone moves by some 60 KiB
# from run to run (the kernel maps 64 KiB around each page touched, and
# where those windows fall depends on where libc is mapped).  Only what
# this script started is stopped, by pid.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/tests/bench
ROUNDS=${BENCH_RSS_ROUNDS:-3}
tmp=$(mktemp -d /tmp/runner-bench-rss.XXXXXX)

# shellcheck source=tests/bench/lib.sh
. "$b/lib.sh"
trap 'set +e; trap - EXIT; for p in $pids; do kill "$p" 2>/dev/null; done
    settle; rm -rf "$tmp"' EXIT INT TERM
for p in idle timeit killwait procsum; do
	[ -x "$b/$p" ] || die "no $b/$p: make tests/bench/$p"
done

cat >"$tmp/runner.conf" <<EOF
apps = { one = { command = "$b/idle"; restart = "always";
                 autostart = true; backoff_reset = 1.0; }; };
EOF
rctl() { "$top/ctl/runnerctl" -s "$tmp/sock" "$@"; }
one_runs() { [ "$(pgrep -c -x idle -P "$r" || :)" -eq 1 ]; }
# "total runnerd libc ld.so heap stack other" in KiB, of pid $r.
groups() {
	echo "$("$b/procsum" "$r" | cut -d' ' -f2) $(awk '
	/^[0-9a-f]+-[0-9a-f]+ / { name = $6 }
	/^Rss:/ {
		if (name ~ /\/runnerd$/) g = "own"
		else if (name ~ /\/libc\.so/) g = "libc"
		else if (name ~ /\/ld-linux/) g = "ld"
		else if (name == "[heap]" || name == "[stack]") g = name
		else g = "other"
		kb[g] += $2
	}
	END { printf "%d %d %d %d %d %d\n", kb["own"], kb["libc"], kb["ld"],
	    kb["[heap]"], kb["[stack]"], kb["other"] }' "/proc/$r/smaps")"
}

echo "| when | RSS | runnerd | libc | ld.so | heap | stack | other |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for k in $(seq "$ROUNDS"); do
	"$top/runnerd/runnerd" -c "$tmp/runner.conf" -s "$tmp/sock" \
	    </dev/null >"$tmp/log" 2>&1 &
	r=$!
	pids="$r"
	until_ok rctl ping
	until_ok one_runs
	sleep 1
	echo "| start $k | $(groups | tr ' ' '|' | sed 's/|/ | /g') |"
	for _ in 1 2 3 4 5; do
		"$b/timeit" -n 100 -t 800 -- "$top/ctl/runnerctl" \
		    -s "$tmp/sock" status one >/dev/null
	done
	for _ in 1 2 3 4 5; do
		"$b/timeit" -n 30 -t 800 \
		    -p "$top/ctl/runnerctl -s $tmp/sock stop one" \
		    -- "$top/ctl/runnerctl" -s "$tmp/sock" start one >/dev/null
	done
	for _ in $(seq 10); do
		sleep 1.1	# past backoff_reset: restarted at once
		until_ok one_runs
		"$b/killwait" "$r" "$(pgrep -x idle -P "$r")" >/dev/null
	done
	until_ok one_runs
	sleep 1
	echo "| after $k | $(groups | tr ' ' '|' | sed 's/|/ | /g') |"
	kill "$r"
	wait "$r" || die "runnerd failed: $(cat "$tmp/log")"
	pids=""
done
