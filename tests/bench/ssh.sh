#!/bin/sh
# ssh.sh: issue 18's cost of -H ssh://, part of `make bench` (bench.sh
# runs it and appends its table) or run alone after `make all
# tests/bench/timeit`.
#
# A private sshd on 127.0.0.1 (tests/sh/sshd.sh, as test_ssh uses: keys
# made for it, `Host localhost` in its ssh_config) and one runnerd on a
# private socket with one instance.  The figure: `runnerctl -H
# ssh://localhost/SOCK status` through one ssh ControlMaster connection
# made beforehand and kept (ControlPersist), as runnerctl(1) advises;
# the floor: `ssh localhost true` through the same master, what any
# remote command costs.  Also, for scale, the same status with no
# master (a full ssh handshake each time) and status on the local
# socket.  Figures, not a test.  Only what this script started is
# stopped, by pid (the master by `ssh -O exit`).  Environment:
# BENCH_HROUNDS (20 samples each; 5 for the handshake).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/tests/bench
ROUNDS=${BENCH_HROUNDS:-20}
tmp=$(mktemp -d /tmp/runner-bench-ssh.XXXXXX)
pid="" sshd=""

# shellcheck source=tests/bench/lib.sh
. "$b/lib.sh"
cleanup() {
	set +e
	[ -S "$tmp/cm" ] && ssh -F "$tmp/ssh_config" -O exit localhost \
	    2>/dev/null
	[ -n "$pid" ] && stop "$pid"
	[ -n "$sshd" ] && stop "$sshd"
	rm -rf "$tmp"
}

[ -x "$b/timeit" ] || die "no $b/timeit (make all tests/bench/timeit)"
if [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null; then
	say "ssh: no sshd or ssh here; skipped"
	exit 0
fi
port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sh "$top/tests/sh/sshd.sh" "$tmp" "$port" </dev/null >"$tmp/sshd.log" 2>&1 &
sshd=$!
i=0
until grep -q "Server listening" "$tmp/sshd.log"; do
	i=$((i + 1))
	if ! kill -0 "$sshd" 2>/dev/null || [ $i -ge 3000 ]; then
		die "sshd did not start: $(cat "$tmp/sshd.log")"
	fi
	sleep 0.01
done
# The reuse runnerctl(1) advises, for this one server.
cat >>"$tmp/ssh_config" <<EOF
	ControlMaster auto
	ControlPath $tmp/cm
	ControlPersist 300
EOF

printf 'apps = { one = { command = "%s/idle"; restart = "no"; }; };\n' \
    "$b" >"$tmp/runner.conf"
"$top/runnerd/runnerd" -c "$tmp/runner.conf" -s "$tmp/sock" \
    </dev/null >"$tmp/log" 2>&1 &
pid=$!
ctl="$top/ctl/runnerctl"
until_ok "$ctl" -s "$tmp/sock" ping
"$ctl" -s "$tmp/sock" start one >/dev/null

export RUNNER_SSH="ssh -F $tmp/ssh_config"
export RUNNER_REMOTE_RUNNERCTL="$ctl"
url=ssh://localhost$tmp/sock
# The master, made once (not timed); then every client rides it.
ssh -F "$tmp/ssh_config" localhost true || die "ssh to the test sshd failed"
"$ctl" -H "$url" status one >/dev/null || die "runnerctl -H $url failed"

T="$b/timeit -n $ROUNDS -m $ROUNDS -t 600000"
say "ssh: runnerctl -H status through a master, and ssh true, $ROUNDS times"
$T -- "$ctl" -H "$url" status one >"$tmp/hstatus"
$T -- ssh -F "$tmp/ssh_config" localhost true >"$tmp/htrue"
$T -- "$ctl" -s "$tmp/sock" status one >"$tmp/lstatus"
say "ssh: runnerctl -H status with a full handshake each, 5 times"
RUNNER_SSH="ssh -F $tmp/ssh_config -o ControlPath=none" \
    "$b/timeit" -n 5 -m 5 -t 600000 -- "$ctl" -H "$url" status one \
    >"$tmp/hfull"

range() { sort -g "$1" | awk '{ v[NR] = $1 } END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'; }
med() { sort -g "$1" | awk '{ v[NR] = $1 } END {
	print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "Remote control: \`runnerctl -H ssh://localhost/SOCK status one\`" \
    "through a kept ssh ControlMaster connection, against \`ssh" \
    "localhost true\` through the same master (the floor: any remote" \
    "command).  Median (min-max), ms."
echo
echo "| figure | ms |"
echo "| --- | --- |"
echo "| runnerctl -H ssh:// status, reused connection | $(range "$tmp/hstatus") |"
echo "| floor: ssh localhost true, reused connection | $(range "$tmp/htrue") |"
awk -v c="$(med "$tmp/hstatus")" -v f="$(med "$tmp/htrue")" 'BEGIN {
	printf "| -H status over floor | %.2fx (%+.2f ms) |\n", c / f, c - f }'
echo "| runnerctl -s status, local socket | $(range "$tmp/lstatus") |"
echo "| runnerctl -H ssh:// status, new connection each (handshake) | $(range "$tmp/hfull") |"
