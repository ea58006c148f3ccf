#!/bin/sh
# run.sh TEST...: run cmocka test programs, each under valgrind unless
# NO_VALGRIND=1 or SANITIZE=1 (ASan and valgrind do not mix); print every
# program's output and a closing "N passed, N failed" line over all cases.
# Exits non-zero when any case failed or any program crashed or leaked.
# TEST@daemon runs TEST with RUNNER_TEST_BACKEND=daemon: the library
# tests against a runnerd they start (which runs without valgrind).
set -u
vg=
if [ "${NO_VALGRIND:-0}" != 1 ] && [ "${SANITIZE:-0}" != 1 ] &&
    command -v valgrind >/dev/null; then
	vg="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect
	    --show-leak-kinds=definite,indirect --error-exitcode=99
	    --track-fds=no"
fi
# valgrind 3.19 does not know pidfd_open (syscall 434) and says so in
# five lines at every call; lib/evq.c takes its ENOSYS and falls back to
# a timer, as designed.  No option turns the warning off and suppressions
# cover errors only, so its exact block (those five lines, one pid) is
# left out of what is printed: it never counts as an error, and any other
# valgrind line, another unhandled syscall included, still shows.
vg_quiet() {
	awk '
	skip > 0 && $0 ~ "^" pfx " (You may be able|Read the file|" \
	    "Nevertheless we consider|it at http)" { skip--; next }
	{ skip = 0 }
	/^--[0-9]+-- WARNING: unhandled amd64-linux syscall: 434$/ {
		pfx = $1; skip = 4; next
	}
	{ print }'
}
passed=0 failed=0 broken=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for arg in "$@"; do
	t=${arg%@daemon}
	backend=local
	if [ "$t" != "$arg" ]; then
		backend=daemon
		echo "== $t (daemon backend)"
	else
		echo "== $t"
	fi
	# shellcheck disable=SC2086
	RUNNER_TEST_BACKEND=$backend $vg "$t" >"$log" 2>&1
	rc=$?
	vg_quiet <"$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	skipped=$((skipped + ${s:-0}))
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" != 0 ] && [ -z "$f" ]; then
		echo "run.sh: $arg exited with status $rc" >&2
		broken=$((broken + 1))
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed, $skipped skipped (not for that backend)"
[ "$failed" = 0 ] && [ "$broken" = 0 ]
