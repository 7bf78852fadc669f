#!/bin/sh
# replay.sh - runs every fuzz target once over each file of its seed corpus
# and reports TAP: a crash, a sanitizer report or a broken invariant is a
# failure.  Works with the replay builds and with libFuzzer builds alike.
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
n=0
log=${TMPDIR:-/tmp}/petrel-replay.$$
trap 'rm -f "$log"' EXIT
for name in header address date rfc2047 msgid envelope config mbox; do
	bin=$top_builddir/tests/fuzz/fuzz-$name
	for f in "$top_srcdir/tests/fuzz/corpus/$name"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		if "$bin" "$f" >"$log" 2>&1; then
			echo "ok $n - $name $(basename "$f")"
		else
			echo "not ok $n - $name $(basename "$f")"
			sed 's/^/# /' "$log" | head -n 40
		fi
	done
done
echo "1..$n"
