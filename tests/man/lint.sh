#!/bin/sh
# lint.sh [PAGE...]: check the man pages (default: man/*.[1-8]) with
# mandoc: each must render (-Tutf8) and `mandoc -Tlint -W warning` must
# print nothing.  Prints what is wrong and exits 1 if any page fails.
set -u
if ! command -v mandoc >/dev/null; then
	echo "lint.sh: mandoc not found (apt-get install mandoc)" >&2
	exit 1
fi
[ $# -gt 0 ] || set -- man/*.[1-8]
failed=0
for page in "$@"; do
	if ! mandoc -Tutf8 "$page" >/dev/null; then
		echo "lint.sh: $page does not render" >&2
		failed=$((failed + 1))
		continue
	fi
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	if [ -n "$out" ]; then
		printf '%s\n' "$out" >&2
		failed=$((failed + 1))
	fi
done
echo "man pages: $# checked, $failed with lint messages"
[ "$failed" = 0 ]
