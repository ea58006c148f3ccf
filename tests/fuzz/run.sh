#!/bin/sh
# run.sh SECONDS TARGET...: run each libFuzzer target for SECONDS, one
# after the other, on a copy of its seed corpus (tests/fuzz/corpus/NAME,
# where fuzz_NAME is the target) with its dictionary (NAME.dict), so the
# corpus in the tree is never written.  Prints one line of figures per
# target.  A crash, leak, timeout or out-of-memory fails: the input that
# did it is copied to tests/fuzz/ (crash-*, leak-*, ...; replay it with
# ./tests/fuzz/fuzz_NAME FILE) and the end of the log is printed.
set -u
secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
status=0
for t in "$@"; do
	name=${t##*/}
	short=${name#fuzz_}
	work=$(mktemp -d "${TMPDIR:-/tmp}/runner-fuzz.XXXXXX")
	mkdir "$work/corpus" "$work/tmp"
	cp "$here/corpus/$short/"* "$work/corpus/"
	set -- -max_total_time="$secs" -timeout=20 -close_fd_mask=2 \
	    -print_final_stats=1 -artifact_prefix="$work/"
	[ -f "$here/$short.dict" ] && set -- "$@" -dict="$here/$short.dict"
	# The targets make their private directories under TMPDIR.
	TMPDIR=$work/tmp "$t" "$@" "$work/corpus" >"$work/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	last=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*/\1 \2/p')
	echo "$name: ${runs:-?} runs in ${secs} s (${rate:-?} exec/s), ${cov:-no coverage line}"
	found=$(ls "$work" | grep -E '^(crash|leak|timeout|oom)-' || true)
	if [ "$rc" != 0 ] || [ -n "$found" ]; then
		echo "$name: FAILED (exit status $rc)" >&2
		tail -n 60 "$work/log" >&2
		for f in $found; do
			cp "$work/$f" "$here/$f"
			echo "$name: input kept as tests/fuzz/$f" >&2
		done
		status=1
	fi
	rm -rf "$work"
done
exit $status
