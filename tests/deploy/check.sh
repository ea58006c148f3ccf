#!/bin/sh
# check.sh: what can be checked in deploy/ without a container engine,
# Kubernetes or Nomad (none runs in CI).  From the top of the tree,
# after make:
#
#  - deploy/docker/Dockerfile: every COPY source exists in the build
#    context (the top of the tree); the files the build stage copies are
#    enough to build and `make install DESTDIR=...` (done in a copy of
#    them alone); what the runtime stage copies from the build stage is
#    what that install put; ENTRYPOINT and HEALTHCHECK name installed
#    binaries; every library runnerd and runnerctl need (NEEDED) comes
#    from a package the runtime stage installs; runtime from
#    debian:bookworm-slim, a non-root USER, STOPSIGNAL SIGTERM, the
#    HEALTHCHECK through `runnerctl status --check`;
#  - the configurations (the image's, the Kubernetes ConfigMap's, the
#    Nomad template's) pass `runnerd -n`;
#  - deploy/kubernetes/*.yaml parse (python3-yaml); the Deployment runs
#    runnerd, probes with status --check, has the prometheus.io
#    annotations, and a termination grace period above every
#    stop_timeout; the Nomad job uses the exec driver, a kill_timeout
#    above every stop_timeout and a status --check check;
#  - deploy/systemd/README.md describes the units that exist in conf/.
#
# Until runnerd knows metrics_listen (issue 18's metrics part) a file
# is checked without that line, saying so.
set -eu
top=$(pwd)
runnerd=$top/runnerd/runnerd
df=deploy/docker/Dockerfile
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== tests/deploy/check.sh"
fails=0
fail() {
	echo "check.sh: $*" >&2
	fails=$((fails + 1))
}
[ -x "$runnerd" ] || { echo "check.sh: build first (make)" >&2; exit 1; }

# The Dockerfile's instructions, continuation lines joined, comments out.
sed -e '/^[[:space:]]*#/d' "$df" | sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' \
    >"$tmp/df"

# conf_ok FILE WHAT: runnerd -n passes on it.
conf_ok() {
	if ! grep -q metrics_listen man/runner.conf.5 &&
	    grep -q '^[[:space:]]*metrics_listen' "$1"; then
		echo "check.sh: $2: this runnerd predates metrics_listen:" \
		    "checked without it"
		sed -i '/^[[:space:]]*metrics_listen/d' "$1"
	fi
	if ! out=$("$runnerd" -n -c "$1" 2>&1); then
		fail "$2: runnerd -n: $out"
	fi
}

# stop_max FILE: the longest stop_timeout in it (default 5), whole seconds.
stop_max() {
	sed -n 's/.*stop_timeout[[:space:]]*=[[:space:]]*\([0-9.]*\).*/\1/p' \
	    "$1" | awk 'BEGIN { m = 5 } { if ($1 + 0 > m) m = $1 + 0 }
	    END { print int(m + 0.999) }'
}

# ---- Dockerfile ---------------------------------------------------------

# COPY sources (not --from): in the context.  Kept, to build from them.
: >"$tmp/sources"
grep -E '^COPY[[:space:]]' "$tmp/df" | grep -v -- '--from=' |
while read -r _ args; do
	# shellcheck disable=SC2086
	set -- $args
	while [ $# -gt 1 ]; do
		case $1 in
		--*) ;;
		*)	[ -e "$1" ] || echo "COPY source $1 missing"
			echo "$1" >>"$tmp/sources" ;;
		esac
		shift
	done
done >"$tmp/missing"
while read -r m; do fail "$df: $m"; done <"$tmp/missing"

# The build stage's sources alone build and install: a copy of the
# tracked files under them (no build products), built there.
mkdir "$tmp/ctx"
while read -r s; do
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -- "$s" | while read -r f; do
			mkdir -p "$tmp/ctx/$(dirname "$f")"
			cp -p "$f" "$tmp/ctx/$f"
		done
	else
		mkdir -p "$tmp/ctx/$(dirname "$s")"
		cp -Rp "$s" "$tmp/ctx/$s"
	fi
done <"$tmp/sources"
prefix=$(sed -n 's/.*make install DESTDIR=\([^ ]*\) PREFIX=\([^ ]*\).*/\2/p' \
    "$tmp/df")
out=$(sed -n 's/.*make install DESTDIR=\([^ ]*\) PREFIX=.*/\1/p' "$tmp/df")
[ -n "$prefix" ] && [ -n "$out" ] ||
    fail "$df: no 'make install DESTDIR=... PREFIX=...' in the build stage"
# Built as the image builds it: plain `make`, not this run's options
# (CI's `make check SANITIZE=1` passes them down in MAKEFLAGS, and an
# ASan build needs libasan, which no runtime image has).
if ! (cd "$tmp/ctx" && export MAKEFLAGS= && unset MAKELEVEL &&
    ${MAKE:-make} -s -j2 all SANITIZE= >"$tmp/build.log" 2>&1 &&
    ${MAKE:-make} -s install DESTDIR="$tmp/out" PREFIX="$prefix" \
    SANITIZE= >>"$tmp/build.log" 2>&1); then
	tail -n 20 "$tmp/build.log" >&2
	fail "$df: the build stage's sources do not build and install"
fi

# COPY --from=build SRC DST: SRC is under what the install put.
grep -E '^COPY[[:space:]]+--from=' "$tmp/df" |
while read -r _ _ src _; do
	rel=${src#"$out"}
	[ -e "$tmp/out$rel" ] || echo "COPY --from source $src not installed"
done >"$tmp/missing"
while read -r m; do fail "$df: $m"; done <"$tmp/missing"

# ENTRYPOINT and HEALTHCHECK: exec form, an installed binary each.
entry=$(sed -n 's/^ENTRYPOINT[[:space:]]*\["\([^"]*\)".*/\1/p' "$tmp/df")
health=$(sed -n 's/^HEALTHCHECK.*CMD[[:space:]]*\["\([^"]*\)".*/\1/p' \
    "$tmp/df")
for b in "$entry" "$health"; do
	case $b in
	"$prefix"/*) [ -x "$tmp/out$b" ] ||
		fail "$df: $b is not what make install puts" ;;
	*)	fail "$df: '$b' (ENTRYPOINT/HEALTHCHECK) is not under $prefix" ;;
	esac
done
case $entry in */runnerd) ;; *) fail "$df: the entrypoint is not runnerd" ;;
esac
grep -q '^HEALTHCHECK.*"status", "--check"' "$tmp/df" ||
    fail "$df: HEALTHCHECK is not runnerctl status --check"
grep -q '^STOPSIGNAL SIGTERM' "$tmp/df" || fail "$df: no STOPSIGNAL SIGTERM"
user=$(sed -n 's/^USER[[:space:]]*//p' "$tmp/df" | tail -n 1)
case ${user%%:*} in
""|root|0) fail "$df: runs as root (USER '$user')" ;;
esac
[ "$(grep '^FROM' "$tmp/df" | tail -n 1)" = "FROM debian:bookworm-slim" ] ||
    fail "$df: the runtime stage is not debian:bookworm-slim"

# The libraries the binaries need come from the runtime stage's packages.
rtpkgs=$(sed -n '/^FROM debian:bookworm-slim/,$p' "$tmp/df" |
    sed -n 's/.*apt-get install -y --no-install-recommends\(.*\)&&.*/\1/p')
# The installed ones, built as the image builds them (this tree's may be
# CI's ASan build, which needs libasan).
find "$tmp/out" -type f \( -name runnerd -o -name runnerctl \) \
    -perm -u+x >"$tmp/bins"
[ "$(wc -l <"$tmp/bins")" -eq 2 ] ||
    fail "$df: make install put no runnerd and runnerctl"
while read -r bin; do
	readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'
done <"$tmp/bins" | sort -u | while read -r lib; do
	path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
	pkg=$({ dpkg -S "$path" || dpkg -S "$(readlink -f "$path")"; } \
	    2>/dev/null | sed 's/[:,].*//')
	case $pkg in
	libc6) ;;
	"")	echo "$lib: no package found" ;;
	*)	case " $rtpkgs " in
		*" $pkg "*) ;;
		*) echo "$lib ($pkg) is not installed by the runtime stage" ;;
		esac ;;
	esac
done >"$tmp/missing"
while read -r m; do fail "$df: $m"; done <"$tmp/missing"

cp deploy/docker/runner.conf "$tmp/docker.conf"
conf_ok "$tmp/docker.conf" deploy/docker/runner.conf
grep -q 'COPY deploy/docker/runner.conf /etc/runner/runner.conf' "$tmp/df" ||
    fail "$df: the configuration is not /etc/runner/runner.conf"

# ---- Kubernetes ---------------------------------------------------------

k8s=deploy/kubernetes/runner.yaml
if ! python3 - "$k8s" "$tmp/k8s.conf" >"$tmp/k8s.out" 2>&1 <<'EOF'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {d["kind"]: d for d in docs}
cm, dep = kinds["ConfigMap"], kinds["Deployment"]
open(sys.argv[2], "w").write(cm["data"]["runner.conf"])
pod = dep["spec"]["template"]
ann = pod["metadata"]["annotations"]
assert ann["prometheus.io/scrape"] == "true", "prometheus.io/scrape"
assert ann["prometheus.io/port"] == "9464", "prometheus.io/port"
spec = pod["spec"]
c = spec["containers"][0]
assert c["command"][0].endswith("/runnerd"), "the container runs runnerd"
for p in ("livenessProbe", "readinessProbe"):
    cmd = c[p]["exec"]["command"]
    assert cmd[0].endswith("/runnerctl") and cmd[1:3] == ["status",
        "--check"], p + " is not runnerctl status --check"
mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
vols = {v["name"]: v for v in spec["volumes"]}
assert vols[[n for n, p in mounts.items() if p == "/etc/runner"][0]][
    "configMap"]["name"] == cm["metadata"]["name"], "config not mounted"
assert spec["securityContext"]["runAsNonRoot"] is True, "runAsNonRoot"
print(spec["terminationGracePeriodSeconds"])
EOF
then
	fail "$k8s: $(tail -n 1 "$tmp/k8s.out")"
else
	grace=$(cat "$tmp/k8s.out")
	[ "$grace" -gt "$(stop_max "$tmp/k8s.conf")" ] ||
	    fail "$k8s: terminationGracePeriodSeconds $grace is not above" \
	    "the longest stop_timeout"
	conf_ok "$tmp/k8s.conf" "$k8s (ConfigMap runner.conf)"
fi

# ---- Nomad --------------------------------------------------------------

nj=deploy/nomad/runner.nomad
sed -n '/data *= <<EOT/,/^EOT/p' "$nj" | sed '1d;$d' >"$tmp/nomad.conf"
[ -s "$tmp/nomad.conf" ] || fail "$nj: no template data <<EOT ... EOT"
grep -q '^[[:space:]]*driver = "exec"' "$nj" || fail "$nj: not the exec driver"
kt=$(sed -n 's/^[[:space:]]*kill_timeout *= *"\([0-9]*\)s".*/\1/p' "$nj")
[ -n "$kt" ] && [ "$kt" -gt "$(stop_max "$tmp/nomad.conf")" ] ||
    fail "$nj: kill_timeout '$kt' is not above the longest stop_timeout"
grep -q 'args *= .*"status", "--check"' "$nj" ||
    fail "$nj: no runnerctl status --check check"
conf_ok "$tmp/nomad.conf" "$nj (template)"

# ---- systemd ------------------------------------------------------------

for u in conf/runnerd.service conf/runnerd.user.service; do
	[ -f "$u" ] || fail "$u: missing"
	grep -q "$u" deploy/systemd/README.md ||
	    fail "deploy/systemd/README.md does not describe $u"
done
for d in docker kubernetes nomad systemd; do
	[ -f "deploy/$d/README.md" ] || fail "deploy/$d/README.md missing"
	grep -q "($d/" deploy/README.md || fail "deploy/README.md lacks $d/"
done

[ "$fails" = 0 ] || { echo "check.sh: $fails problem(s)"; exit 1; }
echo "check.sh: ok: Dockerfile, Kubernetes, Nomad and systemd files checked"
