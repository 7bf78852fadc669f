#!/bin/sh
# replay.sh - runs every fuzz target once over each file of its seed corpus
# and reports TAP: a crash, a sanitizer report or a broken invariant is a
# failure.  Works with the replay builds and with libFuzzer builds alike.
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
n=0
log=${TMPDIR:-/tmp}/petrel-replay.$$
trap 'rm -f "$log"' EXIT
# Every corpus directory has its target; a missing target is a failure.
for dir in "$top_srcdir"/tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	bin=$top_builddir/tests/fuzz/fuzz-$name
	if [ ! -x "$bin" ]; then
		n=$((n + 1))
		echo "not ok $n - $name: no fuzz target $bin"
		continue
	fi
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
