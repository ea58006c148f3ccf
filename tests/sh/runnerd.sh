# shellcheck shell=bash
# runnerd.sh: sourced by the shell tests (bash) to run a private runnerd.
# runnerd_start DIR CONF_TEXT starts one on DIR/runnerd.sock with that
# configuration, its log in DIR/log, and returns once it answers ping
# (10 s at most, or at once if it exits); it sets ctl, d, sock and
# runnerd_pid.  runnerd_stop ends it (by pid) and waits for it.  No
# default socket of the user's is touched: RUNNER_SOCKET and
# XDG_RUNTIME_DIR point into DIR.  The caller defines fail.

runnerd_pid=

runnerd_start() {
	local dir=$1 i
	if ! ctl=$(realpath ctl/runnerctl) || ! d=$(realpath runnerd/runnerd)
	then
		fail "build first (make)"
	fi
	sock=$dir/runnerd.sock
	printf '%s\n' "$2" >"$dir/runner.conf"
	export RUNNER_SOCKET=$dir/elsewhere.sock XDG_RUNTIME_DIR=$dir
	"$d" -c "$dir/runner.conf" -s "$sock" 2>"$dir/log" &
	runnerd_pid=$!
	# No event says "it listens" to a shell: ask, bounded.
	for ((i = 0; i < 200; i++)); do
		"$ctl" -s "$sock" ping >/dev/null 2>&1 && return 0
		kill -0 "$runnerd_pid" 2>/dev/null ||
		    { cat "$dir/log"; fail "runnerd exited"; }
		sleep 0.05
	done
	cat "$dir/log"
	fail "runnerd does not answer on $sock"
}

runnerd_stop() {
	if [ -n "$runnerd_pid" ]; then
		kill -TERM "$runnerd_pid" 2>/dev/null
		wait "$runnerd_pid"
		runnerd_pid=
	fi
}
