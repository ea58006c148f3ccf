#!/bin/sh
# exports.sh MAP: of the symbols on stdin (nm -g --defined-only output),
# print those the version script MAP exports (the patterns between its
# "global:" and "local:"), one a line.  The Makefile gives them to
# objcopy --keep-global-symbols, so that lib/librunner.a exports what
# lib/librunner.so does: one list, the map, for both.
set -euf
pats=$(sed -n '/global:/,/local:/{/global:\|local:/d;s/[[:space:];]//g;p}' "$1")
[ -n "$pats" ] || { echo "exports.sh: no global pattern in $1" >&2; exit 1; }
while read -r _ _ sym; do
	[ -n "${sym:-}" ] || continue
	for p in $pats; do
		# shellcheck disable=SC2254 # p is a glob, as in the map
		case $sym in $p) echo "$sym"; break ;; esac
	done
done
