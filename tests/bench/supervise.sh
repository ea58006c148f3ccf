#!/bin/sh
# supervise.sh: supervision side by side: how long until a child killed
# with SIGKILL runs again, and how long stopping N running instances takes,
# for runnerd, supervisord and s6 on this machine, in one run.  Not a test:
# it prints figures.  Children are `sleep` everywhere; each supervisor
# runs in a private temporary directory, and only what we started is
# stopped, by pid.  N (default 500) and ROUNDS (5) from the environment.
set -eu

N=${N:-500}
ROUNDS=${ROUNDS:-5}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/tests/bench
tmp=$(mktemp -d /tmp/runner-bench.XXXXXX)
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null || :
	done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ms() { date +%s%N; }
since() { echo "$(( ($(date +%s%N) - $1) / 1000000 ))"; }
kids() { cat /proc/"$1"/task/*/children 2>/dev/null | wc -w; }
# Wait (bounded) until $1 has at least $2 children.
wait_kids() {
	i=0
	while [ "$(kids "$1")" -lt "$2" ]; do
		i=$((i + 1)); [ $i -lt 3000 ] || { echo "timeout" >&2; exit 1; }
		sleep 0.01
	done
}
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1
	    printf "%.2f (%.2f-%.2f)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

ulimit -n 8192 2>/dev/null || :
for p in supervisord supervisorctl s6-svscan s6-svc s6-svwait s6-svstat; do
	command -v "$p" >/dev/null || { echo "supervise.sh: no $p" \
	    "(apt-get install supervisor s6)" >&2; exit 1; }
done
[ -x "$bin/killwait" ] || ${CC:-cc} -O2 -o "$bin/killwait" "$bin/killwait.c"

# --- runnerd ---------------------------------------------------------
mkdir "$tmp/r"
cat > "$tmp/r/runner.conf" <<CONF
apps = {
  one = { command = "sleep 100000"; restart = "always"; autostart = true;
          backoff_reset = 0; };
  many = { command = "sleep 100000"; restart = "no"; instances = $N; };
};
CONF
"$top/runnerd/runnerd" -c "$tmp/r/runner.conf" -s "$tmp/r/sock" \
    2>"$tmp/r/log" &
rd=$!; pids="$pids $rd"
wait_kids "$rd" 1
rctl() { "$top/ctl/runnerctl" -s "$tmp/r/sock" "$@"; }
r_restart=$(for k in $(seq "$ROUNDS"); do
	wait_kids "$rd" 1
	"$bin/killwait" "$rd" "$(cat /proc/$rd/task/*/children)"
	sleep 0.2
done | median)
rctl start many >/dev/null
wait_kids "$rd" $((N + 1))
t=$(ms); rctl stop --all >/dev/null; r_stop=$(since "$t")

# --- supervisord -----------------------------------------------------
mkdir "$tmp/s"
cat > "$tmp/s/supervisord.conf" <<CONF
[unix_http_server]
file=$tmp/s/sock
[supervisord]
logfile=$tmp/s/log
pidfile=$tmp/s/pid
childlogdir=$tmp/s
nodaemon=true
minfds=8192
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$tmp/s/sock
[program:one]
command=sleep 100000
autorestart=true
startsecs=0
[program:many]
command=sleep 100000
numprocs=$N
process_name=%(program_name)s_%(process_num)d
autostart=false
startsecs=0
CONF
supervisord -c "$tmp/s/supervisord.conf" >/dev/null 2>&1 &
sd=$!; pids="$pids $sd"
wait_kids "$sd" 1
sctl() { supervisorctl -c "$tmp/s/supervisord.conf" "$@"; }
s_restart=$(for k in $(seq "$ROUNDS"); do
	wait_kids "$sd" 1
	"$bin/killwait" "$sd" "$(cat /proc/$sd/task/*/children)"
	sleep 0.2
done | median)
sctl start 'many:*' >/dev/null
wait_kids "$sd" $((N + 1))
t=$(ms); sctl stop all >/dev/null; s_stop=$(since "$t")

# --- s6 ----------------------------------------------------------------
mkdir -p "$tmp/6/scan"
mksvc() {
	mkdir "$tmp/6/scan/$1"
	printf '#!/bin/sh\nexec sleep 100000\n' > "$tmp/6/scan/$1/run"
	chmod +x "$tmp/6/scan/$1/run"
}
mksvc one
for k in $(seq "$N"); do mksvc "many-$k"; touch "$tmp/6/scan/many-$k/down"; done
s6-svscan -c $((N + 100)) "$tmp/6/scan" >/dev/null 2>&1 &
s6=$!; pids="$pids $s6"
# s6-svscan starts an s6-supervise per directory; wait until all answer.
i=0
while [ "$(ls "$tmp"/6/scan/*/supervise/status 2>/dev/null | wc -l)" -lt $((N + 1)) ]; do
	i=$((i + 1)); [ $i -lt 3000 ] || { echo "s6: timeout" >&2; exit 1; }
	sleep 0.01
done
s6-svwait -u "$tmp/6/scan/one"
sup=$(awk '{ print $4 }' /proc/"$(s6-svstat -p "$tmp/6/scan/one")"/stat)
x_restart=$(for k in $(seq "$ROUNDS"); do
	s6-svwait -u "$tmp/6/scan/one"
	"$bin/killwait" "$sup" "$(s6-svstat -p "$tmp/6/scan/one")"
	sleep 1.2
done | median)
for k in $(seq "$N"); do s6-svc -u "$tmp/6/scan/many-$k"; done
s6-svwait -u -a "$tmp"/6/scan/many-*
t=$(ms)
for k in $(seq "$N"); do s6-svc -d "$tmp/6/scan/many-$k"; done
s6-svwait -D -a "$tmp"/6/scan/many-*
x_stop=$(since "$t")

echo "| | runnerd | supervisord | s6 |"
echo "| --- | --- | --- | --- |"
echo "| restart after kill -9 (ms: median (min-max) of $ROUNDS) | $r_restart | $s_restart | $x_restart |"
echo "| stop $N running instances (ms) | $r_stop | $s_stop | $x_stop |"
