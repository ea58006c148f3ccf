#!/bin/sh
# hot.sh: writes runnerd/hot.ld, the linker script fragment that puts
# the code an ordinary runnerd runs first in its text, apart from the
# code it never runs (upgrade, rolls, metrics, probes, attach...).  Run
# it after `make all tests/bench/idle tests/bench/killwait` when the code
# has moved a lot; then `make` links runnerd with the new list.
#
# Why: the kernel maps a file's pages around each one touched (fault-
# around, 64 KiB, and whole large folios of the page cache), so every
# 64 KiB of text that holds one function runnerd ran is resident in
# every runnerd.  With the code it runs together, an idle runnerd holds
# about half of its text instead of all of it (issue 20: idle RSS).
#
# What "runs" means here: what make bench's runnerd with one instance
# runs (bench.sh, rA): the start-up with an autostarted instance, status,
# stop and start requests, restarts after kill -9, and its end on
# SIGTERM, under valgrind --tool=callgrind, which lists every function
# run.  A function that is not listed is not lost: it sits after the
# listed ones; a stale list costs memory, never correctness.  Only what
# this script started is stopped, by pid; HOT_KEEP=1 keeps its
# temporary directory (callgrind's output).
# shellcheck disable=SC2016
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/tests/bench
out=${1:-$top/runnerd/hot.ld}
tmp=$(mktemp -d /tmp/runner-bench-hot.XXXXXX)

# shellcheck source=tests/bench/lib.sh
. "$b/lib.sh"
trap 'set +e; trap - EXIT; for p in $pids; do kill "$p" 2>/dev/null; done
    settle; [ -n "${HOT_KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
for p in idle killwait; do
	[ -x "$b/$p" ] || die "no $b/$p: make tests/bench/$p"
done
command -v valgrind >/dev/null || die "no valgrind"

cat >"$tmp/runner.conf" <<EOF
apps = { one = { command = "$b/idle"; restart = "always";
                 autostart = true; backoff_reset = 1.0; }; };
EOF
valgrind -q --tool=callgrind --callgrind-out-file="$tmp/cg.%p" \
    "$top/runnerd/runnerd" -c "$tmp/runner.conf" -s "$tmp/sock" \
    </dev/null >"$tmp/log" 2>&1 &
r=$!
pids="$r"
rctl() { "$top/ctl/runnerctl" -s "$tmp/sock" "$@"; }
one_runs() { [ "$(pgrep -c -x idle -P "$r" || :)" -eq 1 ]; }
until_ok rctl ping
until_ok one_runs
for _ in 1 2 3 4 5; do
	rctl status one >/dev/null
	rctl status >/dev/null
	rctl stop one >/dev/null
	rctl start one >/dev/null
done
for _ in 1 2 3; do
	sleep 1.1	# past backoff_reset: restarted at once
	until_ok one_runs
	"$b/killwait" "$r" "$(pgrep -x idle -P "$r")" >/dev/null
done
until_ok one_runs
kill "$r"
wait "$r" || die "runnerd under callgrind failed: $(cat "$tmp/log")"
pids=""

# The functions run (callgrind's "fn=" lines) that runnerd's own objects
# define (callgrind may not name runnerd's object), each as the section
# -ffunction-sections gave it: .text.NAME, a part GCC split out cold
# (NAME.cold) in .text.unlikely.NAME.  libev and libconfig are not built
# with function sections: their objects go first whole (most of them
# runs at start-up or in every loop); so do the start files and the
# functions run once at start-up (.text.startup).
nm --defined-only "$top"/runnerd/*.o "$top"/lib/*.o 2>/dev/null |
    awk 'NF == 3 && $2 ~ /^[tT]$/ { print $3 }' | sort -u >"$tmp/ours"
awk '
	/^c?fn=/ { v = $0; sub(/^c?fn=/, "", v); id = v; sub(/ .*/, "", id)
		n = v; sub(/^\([0-9]+\) ?/, "", n); if (n != "") fns[id] = n
		if ($0 ~ /^fn=/) { f = fns[id]; sub(/\047[0-9]+$/, "", f)
			print f } }' "$tmp/cg.$r" | sort -u >"$tmp/ran"
# The child's side of a spawn (lib/spawn.c) runs in runnerd's memory
# until its exec, where callgrind does not follow (valgrind turns the
# clone into a fork): named here.
echo spawn_exec >>"$tmp/ran"
sort -u -o "$tmp/ran" "$tmp/ran"
comm -12 "$tmp/ran" "$tmp/ours" >"$tmp/hot"
# NAME.cold is no symbol of its own in nm's sense of ours: add it back.
grep '\.cold$' "$tmp/ran" | sed 's/\.cold$//' | comm -12 - "$tmp/ours" |
    sed 's/$/.cold/' >>"$tmp/hot"
[ -s "$tmp/hot" ] || die "callgrind listed no function of runnerd's"

{
	echo "/*"
	echo " * hot.ld: what an ordinary runnerd runs, first in its text (the"
	echo " * Makefile links runnerd with it; INSERT keeps the default script)."
	echo " * Written by tests/bench/hot.sh, which says why; do not edit."
	echo " */"
	echo "SECTIONS"
	echo "{"
	echo "	.text.ran :"
	echo "	{"
	echo "		*crt1.o(.text)"
	echo "		*crtbegin*.o(.text)"
	echo "		*libc_nonshared.a:*(.text .text.*)"
	echo "		*libev.a:*(.text .text.unlikely)"
	echo "		*libconfig.a:*(.text)"
	sort -u "$tmp/hot" | awk '{
		if (sub(/\.cold$/, "")) printf "\t\t*(.text.unlikely.%s)\n", $0
		else printf "\t\t*(.text.%s)\n", $0 }'
	echo "		*(.text.startup .text.startup.*)"
	echo "	}"
	echo "}"
	echo "INSERT BEFORE .text;"
} >"$out"
say "$(grep -c '^		\*(\.text\.' "$out") functions in $out"
