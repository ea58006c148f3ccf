#!/bin/sh
# run.sh: what `make run` does: check the sample configuration, then run
# runnerd in the foreground on it, on the default socket, so that
# runnerctl in another shell finds it without flags.  Ctrl-C stops it
# (and every instance it started).  A runnerd already answering on that
# socket (one a first `runnerctl start` autostarted, or another `make
# run`) is not an error to trip over: say how to use it or stop it.
set -eu
conf=conf/runner.conf
runnerd/runnerd -n -c "$conf"
sock=${RUNNER_SOCKET:-}
if [ -z "$sock" ]; then
	if [ -n "${XDG_RUNTIME_DIR:-}" ]; then
		sock=$XDG_RUNTIME_DIR/runner/runnerd.sock
	elif [ "$(id -u)" = 0 ]; then
		sock=/run/runner/runnerd.sock
	else
		sock=/tmp/runner-$(id -u)/runnerd.sock
	fi
fi
# ping never starts a runnerd; its --json reply names pid and config.
if hello=$(ctl/runnerctl -s "$sock" --json ping 2>/dev/null); then
	pid=$(printf '%s\n' "$hello" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
	live=$(printf '%s\n' "$hello" |
	    sed -n 's/.*"config":"\([^"]*\)".*/\1/p')
	if [ "$live" = "$(realpath "$conf")" ]; then
		cat <<MSG
runnerd is already running on $conf (pid $pid, socket $sock): use it.
  ctl/runnerctl status     what it runs
  ctl/runnerctl shutdown   stop it (and what it started)
MSG
		exit 0
	fi
	cat >&2 <<MSG
make run: a runnerd already answers on $sock (pid $pid);
its configuration is ${live:-none}, not $conf.
  ctl/runnerctl reload $conf   give it the sample configuration,
  ctl/runnerctl shutdown             or stop it and make run again
MSG
	exit 1
fi
cat <<MSG
runnerd on $conf, socket $sock; Ctrl-C stops it.
In another shell, try:
  ctl/runnerctl start cat --alias c1
  ctl/runnerctl send c1 hello
  ctl/runnerctl read c1
  ctl/runnerctl status
  ctl/runnerctl stop c1
MSG
exec runnerd/runnerd -c "$conf" -s "$sock"
