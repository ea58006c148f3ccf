#!/bin/sh
# run.sh: what `make run` does: check the sample configuration, then run
# runnerd in the foreground on it, on the default socket, so that
# runnerctl in another shell finds it without flags.  Ctrl-C stops it
# (and every instance it started).
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
