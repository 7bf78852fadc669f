#!/bin/sh
# index-scaling.sh - shows that what the reader asks of the archive costs
# the same on 1,000 or 1,000,000 messages (issue 2): one screen of index
# rows at the start, middle and end in date and thread order (keyset
# windows), the status line's counts, one account's count and the members
# of a thread.  Builds an archive of each size with index-fill.c (small
# generated messages: the index, not the bodies, is what is measured),
# times each query with bench-window.c (median of 200 reads) and prints
# one row per query with the ratio of the largest archive to the
# smallest, which should stay near 1.
#
# Usage (from a configured build directory, after make):
#   sh ../tests/bench/index-scaling.sh
# Environment: SIZES (default "1000 100000 1000000"), BENCH_DIR (scratch,
# default ${TMPDIR:-/tmp}), KEEP=1 keeps the archives.  The archive of
# a million messages takes about 1 GB and a few minutes to build.
# Not part of make check.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
SIZES=${SIZES:-1000 100000 1000000}
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/petrel-index-scaling.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

libs="$(pkg-config --libs gnutls sqlite3) -lpthread -lm"
for prog in index-fill bench-window; do
	# shellcheck disable=SC2086
	${CC:-cc} -O2 -I"$top_builddir" -I"$top_srcdir/src" -o "$work/$prog" \
		"$top_srcdir/tests/bench/$prog.c" "$top_builddir/libpetrel.a" $libs
done

for n in $SIZES; do
	t0=$(date +%s)
	"$work/index-fill" "$work/$n.db" "$n"
	echo "built an archive of $n messages in $(($(date +%s) - t0)) s" >&2
	"$work/bench-window" -r "$work/$n.db" >"$work/$n.times"
	[ "${KEEP:-0}" = 1 ] || rm -f "$work/$n.db" "$work/$n.db-wal" "$work/$n.db-shm"
done

# One row per query: its time on each archive, then last / first.
set -- $SIZES
first=$1
for last in "$@"; do :; done
{
	printf '%-22s' "microseconds"
	for n in $SIZES; do printf ' %12s' "$n msgs"; done
	printf ' %10s\n' "ratio"
	for q in date-start date-middle date-end thread-start thread-middle thread-end \
		counts account thread; do
		printf '%-22s' "$q"
		for n in $SIZES; do
			printf ' %12s' "$(awk -v q="$q" '$1 == q { print $2 }' "$work/$n.times")"
		done
		awk -v q="$q" 'FNR == 1 { f++ } $1 == q { v[f] = $2 }
			END { if (v[1] > 0) printf " %9.2fx\n", v[2] / v[1]; else print "" }' \
			"$work/$first.times" "$work/$last.times"
	done
} | tee "$work/table"
echo "(windows are 50 rows; \"thread\" reads the 8 members of a thread in the middle;" \
	"ratio = $last messages / $first messages)"
