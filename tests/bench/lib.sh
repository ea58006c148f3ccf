# lib.sh: what every bench script shares (sourced, not run): messages,
# stopping what it started by pid, and waiting for a condition.  The
# sourcing script sets -eu and its tmp first, and adds each daemon it
# starts to pids; at exit they are stopped and tmp removed (a script
# that needs more defines its own cleanup after sourcing this).
# shellcheck shell=sh

pids=""

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

cleanup() {
	set +e
	for p in $pids; do stop "$p"; done
	rm -rf "${tmp:?}"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
