#!/bin/sh
# fuzz-replay.sh - replays the MIME fuzz targets over their seed corpora
# (the same job as tests/fuzz/replay.sh, for the targets of the MIME
# area) and reports TAP: a crash, a sanitizer report or a broken invariant
# is a failure.
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
n=0
log=${TMPDIR:-/tmp}/petrel-mime-replay.$$
trap 'rm -f "$log"' EXIT
for name in mime html transfer rfc2231 render; do
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
