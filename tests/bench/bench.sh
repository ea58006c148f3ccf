#!/bin/sh
# bench.sh: `make bench`: runner beside supervisord, s6 and runit, and
# beside the floors (what the kernel and a bare libev loop allow), on
# this machine, in one run.  Figures to read, not a test.
#
# Every supervisor gets two private setups in one temporary directory:
# A supervises one service (`one`), B supervises N (default 1000, runit's
# limit per runsvdir) that start down.  The service is the same binary
# everywhere, tests/bench/idle (it waits for a signal): runnerd and
# supervisord run it as the command, s6 and runit as ./run (a symlink),
# so nobody pays for a shell; the floors run it too.  runnerd -s on a
# private socket; supervisord with a private config and socket;
# s6-svscan on a private scandir; runsvdir on a private service
# directory.  Each measurement is repeated in rounds that alternate
# between the supervisors and the floors (the order rotates each round);
# the table gives median (min-max), each figure's ratio to its floor
# (issue 20's floors, measured in the same run) and whether it holds the
# issue's target.
#
# How "running" is confirmed: runnerctl start returns once exec has
# succeeded (ready = "none"); supervisorctl start once the process is
# RUNNING (startsecs = 0); s6-svc -wu once s6-supervise reports it up;
# sv up returns at once, so the time runs until supervise/stat says
# "run" (what sv status reads), polled every 50 us.  Restart after kill
# -9: killwait polls the supervising process's children until a new one
# runs the program; each child has been up more than 1 s first (under
# 1 s, s6 and runit wait a second on purpose; runnerd's backoff_reset
# is set to 1 s to match).  Wakeups: context switches (voluntary +
# involuntary, from /proc/PID/task/*/status) of all the supervisor's
# processes over an idle window, scaled to 10 s.
#
# Only what this script started is stopped, by pid (lib.sh: what a
# supervisor leaves behind is found by the tag in its environment), also
# on Ctrl-C; the temporary directory is removed; no default socket is
# touched.  The daemons are stopped once the table is out, before the
# other bench scripts run.  Environment: BENCH_N (1000), BENCH_ROUNDS
# (5), BENCH_NROUNDS (3 rounds of N), BENCH_IDLE (10 s window),
# BENCH_KEEP=1 keeps the directory.
# Lists of paths are split on purpose; sh -c scripts are quoted on
# purpose:
# shellcheck disable=SC2086,SC2016,SC2046,SC3045
set -eu

t_begin=$(date +%s%N)
load0=$(cut -d' ' -f1 /proc/loadavg)
top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/tests/bench
N=${BENCH_N:-1000}
ROUNDS=${BENCH_ROUNDS:-5}
NROUNDS=${BENCH_NROUNDS:-3}
IDLE=${BENCH_IDLE:-10}
tmp=$(mktemp -d /tmp/runner-bench.XXXXXX)
S=$tmp/samples
mkdir "$S"
runit_dirs=""		# runit service directories to bring down first

# shellcheck source=tests/bench/lib.sh
. "$b/lib.sh"

# --- cleanup: what we started, by pid --------------------------------
# runsv exits on SIGTERM only once its service is down, and runsvdir's
# SIGHUP sends SIGTERM to each runsv: down first, then HUP; the rest get
# SIGTERM; then lib.sh's settle (what is left is killed).
cleanup() {
	set +e
	trap '' INT TERM
	trap - EXIT
	for d in $runit_dirs; do
		[ -d "$d" ] && sv down "$d"/* >/dev/null 2>&1
	done
	for p in $pids; do
		case $p in
		runsvdir:*)	kill -HUP "${p#runsvdir:}" 2>/dev/null ;;
		*)		kill "$p" 2>/dev/null ;;
		esac
	done
	settle
	if [ "${BENCH_KEEP:-0}" = 1 ]; then say "kept $tmp"; else
		rm -rf "$tmp"; fi
}

# --- helpers -----------------------------------------------------------
# How many services run under the pids (comma list): processes named
# idle, or run where s6 and runit exec ./run (the symlink to idle).
idle_under() { pgrep -c -x 'idle|run' -P "$1" 2>/dev/null || :; }
# The pids (comma list) of pid's children.
kids() { pgrep -d, -P "$1" 2>/dev/null || echo 0; }
# Exactly n files match the glob (expanded here, on each call).
count_is() { n=$1; set -- $2; [ -e "$1" ] && [ $# -eq "$n" ]; }
idle_is() { [ "$(idle_under "$2")" -eq "$1" ]; }
# The command's stdout lines appended to the samples of figure.col.
sample() { f=$1; shift; "$@" >>"$S/$f"; }

ms_since() { echo "$(( ($(date +%s%N) - $1) / 1000000 ))"; }
rotate() {	# rotate K COL...: the columns, rotated by K
	k=$(( $1 % ($# - 1) )); shift
	while [ "$k" -gt 0 ]; do c=$1; shift; set -- "$@" "$c"; k=$((k - 1)); done
	echo "$@"
}

for p in supervisord supervisorctl s6-svscan s6-svc s6-svwait s6-svstat \
    runsvdir sv pgrep; do
	command -v "$p" >/dev/null ||
	    die "no $p (make bench installs supervisor, s6 and runit)"
done
for p in idle timeit killwait procsum floor_spawn floor_sock floor_ev \
    bench_channel bench_load; do
	[ -x "$b/$p" ] || die "no $b/$p: run make bench"
done
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((4 * N + 200)) ] ||
    ulimit -n $((4 * N + 200)) 2>/dev/null ||
    die "ulimit -n $(ulimit -n) is too low for $N instances"

rctl() { d=$1; shift; "$top/ctl/runnerctl" -s "$tmp/$d/sock" "$@"; }
sctl() { d=$1; shift; supervisorctl -c "$tmp/$d/supervisord.conf" "$@"; }

# --- runnerd -----------------------------------------------------------
say "starting runnerd, supervisord, s6-svscan and runsvdir (A: 1 service, B: $N)"
mkdir "$tmp/rA" "$tmp/rB"
cat >"$tmp/rA/runner.conf" <<EOF
apps = { one = { command = "$b/idle"; restart = "always";
                 autostart = true; backoff_reset = 1.0; }; };
EOF
cat >"$tmp/rB/runner.conf" <<EOF
apps = { many = { command = "$b/idle"; restart = "always";
                  instances = $N; }; };
EOF
runnerd() {
	exec "$top/runnerd/runnerd" -c "$tmp/$1/runner.conf" -s "$tmp/$1/sock" \
	    </dev/null >"$tmp/$1/log" 2>&1
}
runnerd rA & rA=$!
runnerd rB & rB=$!
pids="$pids $rA $rB"

# --- supervisord -------------------------------------------------------
for s in A B; do
	mkdir "$tmp/s$s"
	cat >"$tmp/s$s/supervisord.conf" <<EOF
[unix_http_server]
file=$tmp/s$s/sock
[supervisord]
logfile=$tmp/s$s/log
pidfile=$tmp/s$s/pid
childlogdir=$tmp/s$s
nodaemon=true
minfds=$((4 * N + 200))
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$tmp/s$s/sock
EOF
done
cat >>"$tmp/sA/supervisord.conf" <<EOF
[program:one]
command=$b/idle
autorestart=true
startsecs=0
EOF
cat >>"$tmp/sB/supervisord.conf" <<EOF
[program:many]
command=$b/idle
numprocs=$N
process_name=%(program_name)s_%(process_num)d
autostart=false
autorestart=true
startsecs=0
EOF
supervisord_() {
	exec supervisord -c "$tmp/$1/supervisord.conf" </dev/null >/dev/null 2>&1
}
supervisord_ sA & sA=$!
supervisord_ sB & sB=$!
pids="$pids $sA $sB"

# --- s6 ----------------------------------------------------------------
svc() {	# svc DIR down?: a service directory running idle
	mkdir -p "$1"
	ln -s "$b/idle" "$1/run"
	[ -z "${2:-}" ] || : >"$1/down"
}
svc "$tmp/xA/one"
for k in $(seq "$N"); do svc "$tmp/xB/many-$k" down; done
s6_svscan() {
	exec s6-svscan -c $((N + 10)) "$tmp/$1" </dev/null >/dev/null 2>&1
}
s6_svscan xA & xA=$!
s6_svscan xB & xB=$!
pids="$pids $xA $xB"

# --- runit -------------------------------------------------------------
svc "$tmp/vA/one"
for k in $(seq "$N"); do svc "$tmp/vB/many-$k" down; done
runit_dirs="$tmp/vA $tmp/vB"
runsvdir_() { exec runsvdir "$tmp/$1" </dev/null >/dev/null 2>&1; }
runsvdir_ vA & vA=$!
runsvdir_ vB & vB=$!
pids="$pids runsvdir:$vA runsvdir:$vB"

# --- floors ------------------------------------------------------------
"$b/floor_sock" serve "$tmp/floor.sock" &
pids="$pids $!"
"$b/floor_ev" 1 "$b/idle" >"$tmp/floor_ev.A" &
fA=$!
pids="$pids $!"
"$b/floor_spawn" keep "$b/idle" &
fK=$!
pids="$pids $!"

# --- everyone up -------------------------------------------------------
until_ok rctl rA ping
until_ok rctl rB ping
until_ok idle_is 1 "$rA"
until_ok sctl sA status one
until_ok sctl sB pid
until_ok idle_is 1 "$sA"
until_ok s6-svwait -u "$tmp/xA/one"
until_ok count_is "$N" "$tmp/xB/*/supervise/status"
until_ok grep -q '^run' "$tmp/vA/one/supervise/stat"
until_ok count_is "$N" "$tmp/vB/*/supervise/stat"
until_ok idle_is 1 "$fA"
until_ok idle_is 1 "$fK"
until_ok test -S "$tmp/floor.sock"
say "all up after $(ms_since "$t_begin") ms"

# --- floors alone --------------------------------------------------------
"$b/floor_spawn" wait 200 >"$S/spawnwait.floor"
"$b/floor_spawn" exec 200 "$b/idle" >"$S/spawnexec.floor"
"$b/floor_sock" rtt "$tmp/floor.sock" 1000 >"$S/rtt.floor"

# --- CLI status of one instance -----------------------------------------
T="$b/timeit -n 100 -t 800"
for r in $(seq "$ROUNDS"); do
	say "status of one instance, round $r/$ROUNDS"
	for c in $(rotate "$r" runner supd s6 runit floor); do
		case $c in
		runner)	sample status.$c $T -- "$top/ctl/runnerctl" \
			    -s "$tmp/rA/sock" status one ;;
		supd)	sample status.$c $T -- supervisorctl \
			    -c "$tmp/sA/supervisord.conf" status one ;;
		s6)	sample status.$c $T -- s6-svstat "$tmp/xA/one" ;;
		runit)	sample status.$c $T -- sv status "$tmp/vA/one" ;;
		floor)	sample status.$c $T -- "$b/floor_sock" ask \
			    "$tmp/floor.sock" ;;
		esac
	done
done

# --- start -> running, confirmed ------------------------------------------
# s6-supervise and runsv start a service at most once a second: they get
# an untimed pause of 1 s before each start, and two starts a round.
T="$b/timeit -n 30 -t 800"
for r in $(seq "$ROUNDS"); do
	say "start of one instance, round $r/$ROUNDS"
	for c in $(rotate "$r" runner supd s6 runit floor); do
		case $c in
		runner)	sample start.$c $T \
			    -p "$top/ctl/runnerctl -s $tmp/rA/sock stop one" \
			    -- "$top/ctl/runnerctl" -s "$tmp/rA/sock" \
			    start one ;;
		supd)	sample start.$c $T \
			    -p "supervisorctl -c $tmp/sA/supervisord.conf stop one" \
			    -- supervisorctl -c "$tmp/sA/supervisord.conf" \
			    start one ;;
		s6)	sample start.$c $b/timeit -n 2 -s 1000 \
			    -p "s6-svc -wd -d $tmp/xA/one" \
			    -- s6-svc -wu -u "$tmp/xA/one" ;;
		runit)	sample start.$c $b/timeit -n 2 -s 1000 \
			    -p "sv down $tmp/vA/one" \
			    -P "$tmp/vA/one/supervise/stat=down" \
			    -u "$tmp/vA/one/supervise/stat=run" \
			    -- sv up "$tmp/vA/one" ;;
		floor)	;;
		esac
	done
done

# --- restart after kill -9 -----------------------------------------------
# The floors: floor_spawn keep (a bare blocking waitpid and posix_spawn)
# and floor_ev (the same in a libev loop), measured the same way.
for r in $(seq $((2 * ROUNDS))); do
	say "restart after kill -9, round $r/$((2 * ROUNDS))"
	sleep 1.1	# every child up more than 1 s
	for c in $(rotate "$r" runner supd s6 runit floor floorev); do
		case $c in
		runner) sup=$rA ;;
		supd)	sup=$sA ;;
		s6)	sup=$(ps -o ppid= -p "$(s6-svstat -o pid \
			    "$tmp/xA/one")" | tr -d ' ') ;;
		runit)	sup=$(ps -o ppid= -p "$(cat \
			    "$tmp/vA/one/supervise/pid")" | tr -d ' ') ;;
		floor)	sup=$fK ;;
		floorev) sup=$fA ;;
		esac
		until_ok idle_is 1 "$sup"
		sample restart.$c "$b/killwait" "$sup" \
		    "$(pgrep -x 'idle|run' -P "$sup")"
	done
done

# --- N instances: start all, memory, status of all, stop all --------------
# What a user would type: runnerctl start of the app with instances = N
# (one command); supervisorctl start 'many:*'; for s6 an s6-svc -u per
# service then one s6-svwait -u -a; runit's sv up takes every service.
vdirs=$(ls -d "$tmp"/vB/many-*)
xdirs=$(ls -d "$tmp"/xB/many-*)
T1="$b/timeit -n 1 -m 1"
n_start() {	# col: start all N, timed (or untimed with $1 = quiet)
	case $1 in
	runner)	$T1 -- "$top/ctl/runnerctl" -s "$tmp/rB/sock" start many ;;
	supd)	$T1 -- supervisorctl -c "$tmp/sB/supervisord.conf" \
		    start 'many:*' ;;
	s6)		$T1 -- sh -c 'for d; do s6-svc -u "$d"; done
		    exec s6-svwait -u -a "$@"' sh $xdirs ;;
	runit)	$T1 -u "$tmp/vB/*/supervise/stat=run" -- sv up $vdirs ;;
	esac
}
n_status() {
	T3="$b/timeit -n 3 -m 3"
	case $1 in
	runner)	$T3 -- "$top/ctl/runnerctl" -s "$tmp/rB/sock" status ;;
	supd)	$T3 -- supervisorctl -c "$tmp/sB/supervisord.conf" \
		    status 'many:*' ;;
	s6)		$T3 -- sh -c 'for d; do s6-svstat "$d"; done' sh $xdirs ;;
	runit)	$T3 -- sv status $vdirs ;;
	esac
}
n_stop() {
	case $1 in
	runner)	$T1 -- "$top/ctl/runnerctl" -s "$tmp/rB/sock" stop --all ;;
	supd)	$T1 -- supervisorctl -c "$tmp/sB/supervisord.conf" \
		    stop 'many:*' ;;
	s6)		$T1 -- sh -c 'for d; do s6-svc -d "$d"; done
		    exec s6-svwait -d -a "$@"' sh $xdirs ;;
	runit)	$T1 -u "$tmp/vB/*/supervise/stat=down" -- sv down $vdirs ;;
	esac
}
parents() {	# the comma list of pids that parent col's B services
	case $1 in
	runner)	echo "$rB" ;;
	supd)	echo "$sB" ;;
	s6)	kids "$xB" ;;
	runit)	kids "$vB" ;;
	esac
}
memory() {	# col pid...: "procs rss pss switches" of col's B tree
	case $1 in
	runner)	"$b/procsum" "$rB" ;;
	supd)	"$b/procsum" "$sB" ;;
	s6)	"$b/procsum" -c s6-supervise "$xB" ;;
	runit)	"$b/procsum" -c runsv "$vB" ;;
	esac
}
# A supervisor's CLI returned: all N must be running now.
check_n() {
	got=$(idle_under "$(parents "$1")")
	[ "$got" -eq "$2" ] || say "$1: $got of $2 services when its CLI" \
	    "returned"
	until_ok idle_is "$2" "$(parents "$1")"
}
mib() { awk '{ printf "%.3f\n", $2 / 1024 }'; }
mibp() { awk '{ printf "%.3f\n", $3 / 1024 }'; }
for r in $(seq "$NROUNDS"); do
	say "$N instances, round $r/$NROUNDS"
	for c in $(rotate "$r" runner supd s6 runit floor floorev); do
		case $c in
		floor)	# a bare posix_spawn loop, then a kill and reap loop
			"$b/floor_spawn" many "$N" "$b/idle" >"$tmp/floor_N" ||
			    die "floor_spawn many failed"
			awk '/^start/ { print $2 }' "$tmp/floor_N" \
			    >>"$S/nstart.floor"
			awk '/^stop/ { print $2 }' "$tmp/floor_N" \
			    >>"$S/nstop.floor"
			continue ;;
		floorev)
			"$b/floor_ev" "$N" "$b/idle" >"$tmp/floor_ev.B" &
			f=$!
			pids="$pids $f"
			until_ok grep -q '^start' "$tmp/floor_ev.B"
			awk '/^start/ { print $2 }' "$tmp/floor_ev.B" \
			    >>"$S/nstart.floorev"
			until_ok idle_is "$N" "$f"
			"$b/procsum" "$f" | mib >>"$S/nrss.floorev"
			"$b/procsum" "$f" | mibp >>"$S/npss.floorev"
			kill "$f"
			wait "$f" || die "floor_ev failed"
			forget "$f"
			awk '/^stop/ { print $2 }' "$tmp/floor_ev.B" \
			    >>"$S/nstop.floorev"
			continue ;;
		esac
		n_start "$c" >>"$S/nstart.$c"
		check_n "$c" "$N"
		memory "$c" | mib >>"$S/nrss.$c"
		memory "$c" | mibp >>"$S/npss.$c"
		n_status "$c" >>"$S/nstatus.$c"
		n_stop "$c" >>"$S/nstop.$c"
		check_n "$c" 0
	done
done
cat "$S/status.floor" >"$S/nstatus.floor"

# --- status latency while runnerctl start many runs -------------------------
# One connection asks the status of many-1 back to back for as long as
# the start runs (bench_load during); each round's max, p99 and count.
for r in $(seq "$NROUNDS"); do
	say "status during a start of $N, round $r/$NROUNDS"
	"$b/bench_load" during "$tmp/rB/sock" many-1 "$top/ctl/runnerctl" \
	    -s "$tmp/rB/sock" start many >"$tmp/during" ||
	    die "bench_load during failed"
	check_n runner "$N"
	awk '/^lat/ { print $2 }' "$tmp/during" >"$tmp/during.lat"
	stats "$tmp/during.lat" | awk -v d="$S" '{
		print $3 >>(d "/nlatmax.runner")
		print $4 >>(d "/nlatp99.runner")
		print $5 >>(d "/nlatcount.runner") }'
	n_stop runner >/dev/null
	check_n runner 0
done

# --- idle: one window for everyone, A (1 instance) and B (N) --------------
say "idle for $IDLE s: 1 and $N instances"
for c in runner supd s6 runit; do
	n_start "$c" >/dev/null
	check_n "$c" "$N"
done
"$b/floor_ev" "$N" "$b/idle" >"$tmp/floor_ev.B" &
fB=$!
pids="$pids $fB"
until_ok idle_is "$N" "$fB"
sleep 1
idle_all() {	# one line per setup: "name procs rss pss switches"
	echo "runner.1 $("$b/procsum" "$rA")"
	echo "supd.1 $("$b/procsum" "$sA")"
	echo "s6.1 $("$b/procsum" -c s6-supervise "$xA")"
	echo "runit.1 $("$b/procsum" -c runsv "$vA")"
	echo "floorev.1 $("$b/procsum" "$fA")"
	for c in runner supd s6 runit; do echo "$c.N $(memory "$c")"; done
	echo "floorev.N $("$b/procsum" "$fB")"
}
idle_all >"$tmp/idle.0"
sleep "$IDLE"
idle_all >"$tmp/idle.1"
awk -v secs="$IDLE" -v dir="$S" '
	NR == FNR { sw[$1] = $5; next }
	{
		split($1, a, ".")
		f = a[2] == "1" ? "idle1" : "idleN"
		printf "%.0f\n", ($5 - sw[$1]) * 10 / secs >(dir "/" f "wake." a[1])
		if (a[2] == "1")
			printf "%d\n", $3 >(dir "/idle1rss." a[1])
	}' "$tmp/idle.0" "$tmp/idle.1"
for c in runner supd s6 runit; do
	n_stop "$c" >/dev/null
	check_n "$c" 0
done
kill "$fB"
wait "$fB" || :
forget "$fB"

# --- bytes through cat -----------------------------------------------------
say "bytes through cat: raw pipe, runnerd relay, direct channel"
(cd "$top" && BENCH_ONLY="raw relay direct" "$b/bench_channel" -s) \
    >"$tmp/channel"
awk -v dir="$S" '{
	f = $1 == "raw" ? "floor" : "runner"
	if ($1 != "direct") print $2 >(dir "/relay." f)
	if ($1 != "relay") print $2 >(dir "/direct." f)
}' "$tmp/channel"

# --- load: requests per second, status latency under streaming ----------------
say "load: requests per second with 1, 10, 100 clients"
mkdir "$tmp/rC"
cat >"$tmp/rC/runner.conf" <<EOF
apps = {
  one = { command = "$b/idle"; autostart = true; };
  yes = { command = "yes"; instances = 100; restart = "no"; };
};
EOF
"$top/runnerd/runnerd" -c "$tmp/rC/runner.conf" -s "$tmp/rC/sock" \
    </dev/null >"$tmp/rC/log" 2>&1 &
rC=$!
pids="$pids $rC"
until_ok rctl rC ping
until_ok idle_is 1 "$rC"
L=$tmp/load
mkdir "$L"
for r in 1 2 3; do
	for n in 1 10 100; do
		for q in hello status; do
			"$b/bench_load" rate "$tmp/rC/sock" "$q" "$n" 500 |
			    awk '{ print $2 }' >>"$L/$q.$n"
		done
		"$b/bench_load" rate "$tmp/floor.sock" hello "$n" 500 |
		    awk '{ print $2 }' >>"$L/echo.$n"
	done
done
say "load: status latency, idle and with 100 attachers streaming yes"
"$b/bench_load" lat "$tmp/rC/sock" 0 yes 1000 >"$tmp/lat0"
rctl rC start yes >/dev/null
# How long runnerd waited for a CPU meanwhile (schedstat: ran, waited).
sched0=$(cat "/proc/$rC/schedstat")
"$b/bench_load" lat "$tmp/rC/sock" 100 yes 1000 >"$tmp/lat100"
sched1=$(cat "/proc/$rC/schedstat")
rctl rC stop --all >/dev/null
awk '/^lat/ { print $2 }' "$tmp/lat0" >"$L/lat0"
awk '/^lat/ { print $2 }' "$tmp/lat100" >"$L/lat100"
awk '/^stream/ { print $2 }' "$tmp/lat100" >"$L/stream"

# --- the tables -----------------------------------------------------------
# The floor of start: a CLI's round trip plus a spawn until exec.
echo "$(med "$S/status.floor") $(med "$S/spawnexec.floor")" |
    awk '{ printf "%.4f\n", $1 + $2 }' >"$S/start.floor"
# The floor of the status latency: one round trip on a UNIX socket.
cp "$S/rtt.floor" "$S/nlatmax.floor"
cp "$S/rtt.floor" "$S/nlatp99.floor"
# The floors of relay and direct: the raw pipe.
[ ! -s "$S/relay.floor" ] || cp "$S/relay.floor" "$S/direct.floor"
div() { awk -v a="$1" -v b="$2" 'BEGIN {
	if (a == "" || b == "" || b == 0) print ""; else print a / b }'; }
ratio() { q=$(div "$1" "$2"); if [ -z "$q" ]; then echo "-"
	elif awk -v q="$q" 'BEGIN { exit !(q >= 100) }'; then
		printf '%.0fx\n' "$q"; else printf '%.2fx\n' "$q"; fi; }
holds() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
	if (v == "" || t == "") { print "-"; exit }
	ok = op == "<=" ? v + 0 <= t + 0 : v + 0 >= t + 0
	print ok ? "yes" : "**no**" }'; }
nrows=0 nheld=0
# row KEY LABEL LOWER FLOOR REF TARGET-TEXT OP TARGET
# FLOOR: the samples of the floor column (floor, floorev, or - for
# none); REF: what the target is a ratio to (floor, floorev, runit,
# s6), or - for a target in the figure's own unit.  LOWER: 1 when
# lower is better (which peer is best).
row() {
	key=$1 label=$2 lower=$3 fl=$4 ref=$5 ttext=$6 op=$7 tval=$8
	r=$(med "$S/$key.runner")
	best=""
	for c in supd s6 runit; do
		m=$(med "$S/$key.$c")
		[ -n "$m" ] || continue
		if [ -z "$best" ] || awk -v m="$m" -v b="$best" -v l="$lower" \
		    'BEGIN { exit !(l ? m < b : m > b) }'; then best=$m; fi
	done
	fmed="" fcell=-
	if [ "$fl" != - ]; then
		fmed=$(med "$S/$key.$fl")
		fcell=$(cell "$S/$key.$fl")
	fi
	v=$r
	[ "$ref" = - ] || v=$(div "$r" "$(med "$S/$key.$ref")")
	h=$(holds "$v" "$op" "$tval")
	[ "$h" = - ] || nrows=$((nrows + 1))
	[ "$h" != yes ] || nheld=$((nheld + 1))
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
	    "$label" "$(cell "$S/$key.runner")" "$(cell "$S/$key.supd")" \
	    "$(cell "$S/$key.s6")" "$(cell "$S/$key.runit")" \
	    "$fcell" \
	    "$(cell "$S/$key.floorev")" "$(ratio "$r" "$best")" \
	    "$(ratio "$r" "$fmed")" "$(ratio "$r" "$(med "$S/$key.floorev")")" \
	    "${ttext:--}" "$h"
}
secs=$(( ($(date +%s%N) - t_begin) / 1000000000 ))
load1=$(cut -d' ' -f1 /proc/loadavg)
{
echo
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1)," \
    "$(nproc) cores, Linux $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')." \
    "Median (min-max); runner/best peer: runner's median over the best" \
    "peer's; runner/floor: over the floor's median (issue 20's floor for" \
    "the figure, named in the target, measured in this run with the same" \
    "program); runner/floor_ev: over a bare libev loop's."
echo
echo "| figure | runner | supervisord | s6 | runit | floor | floor_ev | runner/best peer | runner/floor | runner/floor_ev | target | holds |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
row status "CLI status of one instance (ms)" 1 floor s6 \
    "<= 1.0x s6-svstat" "<=" 1.0
row start "start -> running, confirmed (ms)" 1 floor - "<= 2.5 ms" "<=" 2.5
row restart "restart after kill -9 (ms)" 1 floor floor \
    "<= 1.5x spawn + reap" "<=" 1.5
row nstart "start $N, all running (ms)" 1 floor floor \
    "<= 1.15x posix_spawn loop" "<=" 1.15
row nlatmax "status latency during a start of $N: max (ms)" 1 floor - \
    "<= 20 ms" "<=" 20
row nlatp99 "status latency during a start of $N: p99 (ms)" 1 floor - \
    "" "" ""
row nrss "RSS with $N running (MiB)" 1 floorev - "<= 8 MiB" "<=" 8
row npss "PSS with $N running (MiB)" 1 floorev - "" "" ""
row nstatus "status of all $N (ms)" 1 floor runit "<= 1.0x runit" "<=" 1.0
row nstop "stop all $N (ms)" 1 floor floor "<= 1.2x kill + reap loop" \
    "<=" 1.2
row idle1rss "idle, 1 instance: RSS (KiB)" 1 floorev - "<= 2048 KiB" \
    "<=" 2048
row idle1wake "idle, 1 instance: wakeups per 10 s" 1 floorev - "0" "<=" 0
row idleNwake "idle, $N instances: wakeups per 10 s" 1 floorev - "" "" ""
row relay "stdin -> cat -> stdout, runnerd relay (MB/s)" 0 floor floor \
    ">= 1.0x raw pipe" ">=" 1.0
row direct "stdin -> cat -> stdout, direct channel (MB/s)" 0 floor floor \
    ">= 1.3x raw pipe" ">=" 1.3
echo
echo "How: status: runnerctl status one, supervisorctl status one," \
    "s6-svstat DIR, sv status DIR.  Start, confirmed: runnerctl start one" \
    "(returns once exec succeeded), supervisorctl start one (RUNNING," \
    "startsecs = 0), s6-svc -wu -u DIR, sv up DIR then supervise/stat" \
    "polled until \"run\"; s6 and runit get 1 s between starts (they" \
    "throttle).  Restart: killwait kills the child and polls the" \
    "supervisor's children until a new one has exec'd; each child ran" \
    "over 1 s first (runnerd: backoff_reset = 1).  $N: runnerctl start" \
    "many (an app with instances = $N), status, stop --all;" \
    "supervisorctl start/status/stop 'many:*' (numprocs = $N); s6:" \
    "s6-svc -u (-d) per service then s6-svwait -u (-d) -a, s6-svstat per" \
    "service; runit: sv up/status/down with the $N directories (up and" \
    "down: until every supervise/stat says so).  Status latency: one" \
    "connection asks the status of many-1 back to back while runnerctl" \
    "start many runs (bench_load during; $(med "$S/nlatcount.runner")" \
    "requests a start, median), a start of its own each round.  Memory" \
    "and wakeups: runnerd, supervisord, s6-svscan plus every" \
    "s6-supervise, runsvdir plus every runsv."
echo
echo "Floors, each running tests/bench/idle where it runs a program:" \
    "status: the smallest CLI (floor_sock ask: spawn, connect, one" \
    "request line, reply, exit); start: that plus a posix_spawn until" \
    "exec ($(fmt "$(med "$S/spawnexec.floor")") ms); restart: a bare" \
    "blocking waitpid then posix_spawn (floor_spawn keep), killwait" \
    "measuring it as it measures the supervisors; start $N: a bare" \
    "posix_spawn loop (floor_spawn many); stop $N: SIGTERM to each then" \
    "a waitpid for each (floor_spawn many); status latency: a UNIX" \
    "socket round trip (floor_sock rtt); memory and idle: floor_ev (a" \
    "bare libev loop with its children, which also gives the floor_ev" \
    "column); bytes: a raw pipe through cat.  posix_spawn+wait of" \
    "/bin/true: $(cell "$S/spawnwait.floor") ms.  Wakeups: context" \
    "switches of all the supervisor's processes (s6-svscan and every" \
    "s6-supervise, runsvdir and every runsv) over $IDLE s, scaled to" \
    "10 s."
echo
echo "| load (runnerd) | 1 client | 10 clients | 100 clients | floor (echo server), 1/10/100 |"
echo "| --- | --- | --- | --- | --- |"
for q in hello status; do
	printf '| %s requests per second (back to back, one outstanding per client) | %s | %s | %s | %s / %s / %s |\n' \
	    "$q" "$(cell "$L/$q.1")" "$(cell "$L/$q.10")" "$(cell "$L/$q.100")" \
	    "$(fmt "$(med "$L/echo.1")")" "$(fmt "$(med "$L/echo.10")")" \
	    "$(fmt "$(med "$L/echo.100")")"
done
echo
echo "| status latency (ms) | median | p99 | max | floor: socket round trip |"
echo "| --- | --- | --- | --- | --- |"
set -- $(stats "$L/lat0")
echo "| runnerd idle | $(fmt "$1") | $(fmt "$4") | $(fmt "$3") | $(fmt "$(med "$S/rtt.floor")") |"
set -- $(stats "$L/lat100")
waited=$(echo "$sched0 $sched1" | awk '{
	printf "%.0f", 100 * ($5 - $2) / (($4 - $1) + ($5 - $2)) }')
echo "| while 100 attachers stream \`yes\` ($(fmt "$(med "$L/stream")") MB/s to them; runnerd waited for a CPU ${waited}% of the time it wanted one) | $(fmt "$1") | $(fmt "$4") | $(fmt "$3") | |"
echo
echo "$nheld of $nrows targets hold.  Load average $load0 at the start," \
    "$load1 at the end ($(nproc) cores); make bench took ${secs} s."
if awk -v l="$load0" -v n="$(nproc)" 'BEGIN { exit !(l > 0.5 * n) }'; then
	echo "**The machine was busy** (load average $load0 at the start," \
	    "over 0.5 a core): these figures measure the contention as much" \
	    "as the programs; run make bench again on a quiet machine."
fi
} >"$tmp/table"
cat "$tmp/table"
# The daemons go before the other scripts measure (and Ctrl-C works
# again after the teardown, which ignores it).
cleanup
trap 'exit 1' INT TERM
# Issue 17: the cost of health probes, its own table (tests/bench/health.sh),
# and of dependencies, a chain's start against its apps' (stack.sh).
sh "$b/health.sh"
sh "$b/stack.sh"
# Issue 18: runnerctl -H ssh:// against a plain ssh command (ssh.sh).
sh "$b/ssh.sh"
# Issue 18: the cost of a metrics scrape of N instances (metrics.sh).
sh "$b/metrics.sh"
# Issue 19: clients not served while runnerd upgrades in place (upgrade.sh).
sh "$b/upgrade.sh"
