#!/bin/sh
# symbols.sh: librunner.so exports the public API and nothing else
# (lib/librunner.map): every defined dynamic symbol is runner_*, besides
# the version node itself, and every function runner.h declares is there.
# The same of the static archive lib/librunner.a: every defined global
# symbol is runner_*, so that a program linking it cannot clash with
# the library's internals (buf_init, json_parse, ...).
# Run from the repository root after make.
set -eu
so=lib/librunner.so
ar=lib/librunner.a
fail() { echo "symbols.sh: $*" >&2; exit 1; }

echo "== $0"
[ -f "$so" ] || fail "$so: not built (run make)"
# Names without their version (runner_ask@@LIBRUNNER_0: newer binutils).
syms=$(nm -D --defined-only "$so" | sed 's/@.*//') ||
    fail "nm -D $so failed"
[ -n "$syms" ] || fail "$so exports nothing"
# The version script's node (LIBRUNNER_0) shows as an absolute symbol.
bad=$(printf '%s\n' "$syms" |
    awk '!($2 == "A" && $3 ~ /^LIBRUNNER_[0-9]+$/) && $3 !~ /^runner_/')
[ -z "$bad" ] || fail "exported without the runner_ prefix:
$bad"
# has_api FILE SYMS: every function runner.h declares is a T in SYMS.
has_api() {
	n=0
	for f in $(grep -o '\brunner_[a-z0-9_]*(' lib/runner.h | tr -d '(' |
	    sort -u); do
		printf '%s\n' "$2" | awk -v f="$f" '$2 == "T" && $3 == f {
		    ok = 1 } END { exit !ok }' ||
		    fail "runner.h declares $f; $1 lacks it"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no runner_ function found in lib/runner.h"
}
has_api "$so" "$syms"
echo "symbols.sh: ok: $(printf '%s\n' "$syms" | grep -c ' T ') runner_*" \
    "functions exported, nothing else; all $n of runner.h"

[ -f "$ar" ] || fail "$ar: not built (run make)"
# nm of an archive names each member ("x.o:") before its symbols.
asyms=$(nm -g --defined-only "$ar" | awk 'NF == 3') ||
    fail "nm $ar failed"
bad=$(printf '%s\n' "$asyms" | awk '$3 !~ /^runner_/')
[ -z "$bad" ] || fail "$ar: global without the runner_ prefix:
$bad"
has_api "$ar" "$asyms"
echo "symbols.sh: ok: $ar: $(printf '%s\n' "$asyms" | grep -c ' T ')" \
    "runner_* functions global, nothing else"
