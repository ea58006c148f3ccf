#!/bin/sh
# run.sh: what `make run` shows today.  runnerd's control socket arrives
# with the daemon issue; until then runnerd checks the sample
# configuration and examples/hello drives two cat instances through
# librunner, in-process.
set -eu
conf=conf/runner.conf
runnerd/runnerd -n -c "$conf"
echo "== examples/hello $conf"
examples/hello "$conf"
