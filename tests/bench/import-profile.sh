#!/bin/sh
# import-profile.sh - where `petrel import` spends its time, per thread.
#
#   sh tests/bench/import-profile.sh MAILDIR      (PETREL=./petrel)
#
# Imports MAILDIR into a fresh archive under perf (cpu-clock, one sample
# per millisecond of CPU) and prints the wall time and peak RSS, the CPU
# seconds of each thread (the inserting thread, the reading thread, the
# checkpointer, largest first), the time the inserting thread waited in
# fsync (with strace, when installed, in a second run), and the hottest
# symbols of the inserting thread.  The import rate is bounded by that
# thread: its CPU plus its fsync waits.  Use an optimised build without
# sanitizers.  With SQLITE_LIB=/path/libsqlite3.so.0 (a build of SQLite
# with symbols) SQLite's own functions are named.  KEEP=1 keeps the files.
set -eu

MAILDIR=${1:?usage: import-profile.sh MAILDIR}
PETREL=${PETREL:-./petrel}
command -v perf >/dev/null || { echo "import-profile: perf is missing" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "import-profile: /usr/bin/time is missing" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/petrel-prof.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"; }
trap cleanup EXIT
preload=
[ -n "${SQLITE_LIB:-}" ] && preload=$SQLITE_LIB

run() {
	rm -f "$work"/a.db*
	env ${preload:+LD_PRELOAD=$preload} PETREL_ARCHIVE="$work/a.db" "$@"
}

run /usr/bin/time -f '%e %M' -o "$work/time" perf record -q -e cpu-clock -c 1000000 \
	-o "$work/perf.data" "$PETREL" import "$MAILDIR" >"$work/out" 2>&1
read -r wall rss <"$work/time"
n=$(sed -n 's/.*: \([0-9]*\) imported.*/\1/p' "$work/out" | head -1)
echo "imported $n messages in $wall s (peak RSS $rss KB): $(echo "$n / $wall" | bc) msg/s"
echo "CPU seconds per thread:"
perf script -i "$work/perf.data" -F tid 2>/dev/null | sort | uniq -c | sort -rn |
	awk '{ printf "  thread %s: %.2f s\n", $2, $1 / 1000 }'
main=$(perf script -i "$work/perf.data" -F tid 2>/dev/null | sort | uniq -c | sort -rn |
	awk 'NR == 1 { print $2 }')
if command -v strace >/dev/null; then
	run strace -f --seccomp-bpf -T -e trace=fdatasync,fsync -o "$work/sync" \
		"$PETREL" import "$MAILDIR" >/dev/null 2>&1 || true
	first=$(awk 'NR == 1 { print $1 }' "$work/sync")
	awk -v p="$first" '{ t = $NF; gsub(/[<>]/, "", t); if ($1 == p) { m += t; k++ } else o += t }
		END { printf "fsync: %.2f s in %d calls on the inserting thread, %.2f s on the others\n", m, k, o }' \
		"$work/sync"
fi
echo "hottest symbols of the inserting thread (% of all samples):"
perf report -i "$work/perf.data" --tid "$main" --no-children --sort dso,symbol --stdio 2>/dev/null |
	grep -v '^#' | grep -v '^$' | head -25
