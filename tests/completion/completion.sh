#!/bin/bash
# completion.sh: conf/runnerctl.bash against a real runnerd.  Checks the
# syntax (bash -n, and shellcheck when it is installed), then starts
# runnerd on a private socket with two apps and two instances, and calls
# the completion function as bash would (COMP_WORDS, COMP_CWORD),
# comparing COMPREPLY: commands, options, app names for start, aliases
# (and their apps' names) for stop and the others, commands for help,
# and -s SOCKET or -H HOST on the line, before or after the command, and
# $RUNNER_HOST, honoured.
# Run from the repository root after make.
set -u
comp=conf/runnerctl.bash
fail() { echo "completion.sh: $*" >&2; exit 1; }

echo "== $0"
bash -n "$comp" || fail "$comp: syntax error"
if command -v shellcheck >/dev/null; then
	shellcheck -s bash "$comp" || fail "$comp: shellcheck complains"
else
	echo "completion.sh: no shellcheck; syntax checked with bash -n only"
fi

# shellcheck source=tests/sh/runnerd.sh
. tests/sh/runnerd.sh
dir=$(mktemp -d /tmp/runner-comp.XXXXXX)
cleanup() {
	runnerd_stop
	rm -rf "$dir"
}
trap cleanup EXIT
# No default socket of the user's: only -s finds this runnerd.
runnerd_start "$dir" 'apps = {
  cat = { command = "cat"; restart = "no"; };
  sleeper = { command = "sleep 300"; restart = "no"; };
};'
for a in c1 c2; do
	"$ctl" -s "$sock" start --no-autostart cat --alias $a >/dev/null ||
	    fail "cannot start $a"
done

# shellcheck source=conf/runnerctl.bash disable=SC1091
. "$comp"
# Registered for the installed name and for the tree's, as typed.
for w in runnerctl ctl/runnerctl ./ctl/runnerctl; do
	complete -p "$w" 2>/dev/null | grep -q -- '-F _runnerctl' ||
	    fail "no completion for $w"
done
n=0
# expect "WANT" WORD...: complete the last WORD (the line is the words);
# COMPREPLY sorted and joined by spaces must be WANT.
expect() {
	local want=$1 got
	shift
	COMP_WORDS=("$ctl" "$@")
	COMP_CWORD=$(($# ))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_runnerctl runnerctl "${COMP_WORDS[COMP_CWORD]}" \
	    "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | paste -sd ' ')
	if [ "$got" != "$want" ]; then
		echo "completion.sh: runnerctl $*|: got '$got', want '$want'" >&2
		failed=1
	fi
	n=$((n + 1))
}
failed=0
expect "start status stop" st
expect "help" he
expect "apps ask attach" a
expect "deps dial-stdio" d
expect "metrics" me
expect "update upgrade" u
expect "--binary --help" upgrade -
expect "attach" -s "$sock" --json at
expect "--help --json --version -H -s" -
# -H HOST says where too (unix:// here; ssh:// is test_ssh's), and so
# does $RUNNER_HOST, which runnerctl reads itself.
expect "ssh:// unix://" -H ""
expect "c1 c2" -H "unix://$sock" send ""
expect "c1 c2" send -H "unix://$sock" ""
RUNNER_HOST=unix://$sock expect "c1 c2" read ""
expect "cat sleeper" -s "$sock" start ""
expect "sleeper" -s "$sock" start s
expect "" -s "$sock" start cat ""
expect "-- --alias --cwd --help --no-autostart --no-wait --socket --strict" \
    -s "$sock" start cat --
expect "-- --alias --cwd --help --no-autostart --no-wait --socket --strict -v" \
    -s "$sock" start cat -
expect "" -s "$sock" start cat --alias ""
expect "cat sleeper" -s "$sock" deps ""
expect "" -s "$sock" deps cat ""
# stop, restart, kill, status: aliases and their apps' names.
expect "c1 c2 cat" -s "$sock" stop ""
expect "c2" -s "$sock" stop c1 c2
expect "--all --help --with-dependents" -s "$sock" stop --
expect "c1 c2 cat" -s "$sock" --json status c
# -s after the command names the socket too.
expect "c1 c2 cat" stop -s "$sock" ""
expect "$sock" status -s "$dir/runnerd.s"
# kill: aliases, its -s takes a signal name (not a socket), then aliases.
expect "c1 c2 cat" -s "$sock" kill ""
expect "--all --help -s" -s "$sock" kill -
expect "HUP" -s "$sock" kill -s H
expect "USR1 USR2" -s "$sock" kill -s U
expect "c1 c2 cat" -s "$sock" kill -s HUP ""
expect "c2" -s "$sock" kill -s TERM c1 c2
expect "c1 c2 cat" -s "$sock" restart ""
expect "c1 c2 cat" -s "$sock" restart c1 ""
expect "--all --help --max-unavailable --rolling -v" -s "$sock" restart -
# help: the commands, once.
expect "start status stop" help st
expect "" help stop ""
expect "c1 c2" -s "$sock" send -n ""
expect "--eof --help -n" -s "$sock" send -
expect "c1 c2" -s "$sock" send --eof ""
expect "" -s "$sock" send c1 -
expect "" -s "$sock" send c1 hello ""
expect "c1 c2" -s "$sock" logs -n 5 ""
expect "--help -f -n" -s "$sock" logs -
expect "c1" -s "$sock" ask c1
expect "c1 c2" -s "$sock" attach ""
expect "c1 c2" -s "$sock" read ""
# Without -s, the default socket ($RUNNER_SOCKET): no runnerd there.
expect "" stop ""
expect "" start ""
# Files: -s, --cwd (directories), reload, update.
mkdir "$dir/sub"
expect "$dir/runner.conf" -s "$sock" reload "$dir/runner.c"
expect "c1 c2 cat" -s "$sock" rm ""
expect "c1 c2 cat" -s "$sock" rm c1 ""
expect "--all --help" -s "$sock" rm -
expect "read reload restart rm" r
expect "$dir/runner.conf" -s "$sock" update "$dir/runner.c"
expect "update upgrade" -s "$sock" up
expect "$dir/sub" -s "$sock" start cat --cwd "$dir/s"
expect "$sock" -s "$dir/runnerd.s"
[ "$failed" = 0 ] || fail "some completions were wrong (above)"
# The instances are still there: completion only asked.
[ "$("$ctl" -s "$sock" status | wc -l)" = 3 ] || fail "status changed"
echo "completion.sh: ok: $n completions"
