#!/bin/sh
# import-vs-notmuch.sh - Petrel's import and search against notmuch, side by
# side in one run, on the same generated Maildir (issue 2's benchmark).
#
# Builds nothing.  Environment:
#   PETREL        the petrel binary (default ./petrel: run it from a build
#                 directory; use an optimised build without sanitizers)
#   N, SEED       Maildir size and seed for gen-maildir.py (100000, 1)
#   BENCH_DIR     where the Maildir is kept between runs and the scratch
#                 archives go (default ${TMPDIR:-/tmp}/petrel-bench)
#   MAILDIR       use this Maildir instead of generating one
#   RUNS          runs per search query; the median is shown (default 5)
#   BENCH_WINDOW  a program run as "$BENCH_WINDOW ARCHIVE" that times
#                 reading one screen of index rows at the start, middle and
#                 end of the archive (tests/bench/bench-window.c)
#   KEEP=1        keep the scratch directory (archive, notmuch database)
#
# Measures (a) `petrel import MAILDIR` into a fresh archive and (b)
# `notmuch new` on the same Maildir with a fresh database: wall time and
# peak RSS with /usr/bin/time; (c) median search latency of both for a
# rare term, a common term, from: and subject:; (d) index window reads via
# $BENCH_WINDOW.  Both tools read the Maildir from a warm page cache.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
N=${N:-100000}
SEED=${SEED:-1}
RUNS=${RUNS:-5}
PETREL=${PETREL:-./petrel}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/petrel-bench}
QUERIES="quokkaberry project from:ingrid subject:invoice"

die() { echo "import-vs-notmuch: $*" >&2; exit 1; }

[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install -y time)"
command -v notmuch >/dev/null || die "notmuch is missing (apt-get install -y notmuch)"
command -v python3 >/dev/null || die "python3 is missing"
case $PETREL in */*) ;; *) PETREL=$(command -v "$PETREL" || echo "$PETREL") ;; esac
have_petrel=yes
[ -x "$PETREL" ] || { echo "note: $PETREL is not an executable; the petrel half is skipped" >&2; have_petrel=no; }

. "$here/lib.sh"
bench_maildir

work=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "kept $work" || rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

count=$(find "$MAILDIR/cur" "$MAILDIR/new" -type f | wc -l)
mbytes=$(du -sm "$MAILDIR" | cut -f1)

# Warm the page cache so neither tool pays for the first read.
find "$MAILDIR/cur" "$MAILDIR/new" -type f -print0 | xargs -0 cat >/dev/null

# now_ms: wall clock in milliseconds
now_ms() { date +%s%N | cut -c1-13; }

# median_ms CMD...: median wall time of $RUNS runs, output to /dev/null
median_ms() {
	i=0
	: >"$work/samples"
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(now_ms)
		"$@" >/dev/null 2>&1 || { echo "n/a"; return 0; }
		t1=$(now_ms)
		echo $((t1 - t0)) >>"$work/samples"
		i=$((i + 1))
	done
	sort -n "$work/samples" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# --- (a) petrel import ---
p_secs=n/a p_kb=n/a p_page=n/a
if [ $have_petrel = yes ]; then
	p_page=$(fresh_page_us)
	echo "petrel import $MAILDIR ..."
	if PETREL_ARCHIVE=$work/archive.db measure petrel "$PETREL" import "$MAILDIR"; then
		read -r p_secs p_kb <"$work/petrel.time"
		sed 's/^/  /' "$work/petrel.out"
	else
		have_petrel=no
	fi
fi

# --- (b) notmuch new, its database outside the Maildir ---
notmuch_config "$work/notmuch-config" "$work/notmuch-db"
n_page=$(fresh_page_us)
echo "notmuch new ($(notmuch --version)) ..."
measure notmuch notmuch new --quiet || die "notmuch new failed"
read -r n_secs n_kb <"$work/notmuch.time"
n_count=$(notmuch count '*')

# --- (c) search latency: one line per query in $work/search ---
: >"$work/search"
for q in $QUERIES; do
	ps=n/a ph=n/a
	if [ $have_petrel = yes ]; then
		ps=$(PETREL_ARCHIVE=$work/archive.db median_ms "$PETREL" search "$q")
		ph=$(PETREL_ARCHIVE=$work/archive.db "$PETREL" search "$q" 2>/dev/null | wc -l)
	fi
	ns=$(median_ms notmuch search "$q")
	nh=$(notmuch count "$q")
	echo "$q $ps $ph $ns $nh" >>"$work/search"
done

# --- the table ---
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s == "n/a" || s + 0 == 0) print "n/a"; else printf "%.0f", n / s }'; }
mb() { awk -v k="$1" 'BEGIN { if (k == "n/a") print "n/a"; else printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "-"; else printf "%.2fx", a / b }'; }

p_rate=$(rate "$count" "$p_secs")
n_rate=$(rate "$count" "$n_secs")
p_mb=$(mb "$p_kb")
n_mb=$(mb "$n_kb")

echo
echo "Maildir: $count messages, $mbytes MB ($MAILDIR)"
echo "notmuch indexed $n_count messages"
echo "first touch of a fresh 4 KB page: $p_page us before the petrel import, $n_page us before notmuch new"
printf '%-42s %12s %12s %14s\n' "" petrel notmuch "petrel/notmuch"
printf '%-42s %12s %12s %14s\n' "import wall time (s)" "$p_secs" "$n_secs" "$(ratio "$p_secs" "$n_secs")"
printf '%-42s %12s %12s %14s\n' "import rate (messages/s)" "$p_rate" "$n_rate" "$(ratio "$p_rate" "$n_rate")"
printf '%-42s %12s %12s %14s\n' "import peak RSS (MB)" "$p_mb" "$n_mb" "$(ratio "$p_mb" "$n_mb")"
while read -r q ps ph ns nh; do
	printf '%-42s %12s %12s %14s\n' "search $q (ms, median of $RUNS)" "$ps" "$ns" "$(ratio "$ps" "$ns")"
	printf '%-42s %12s %12s\n' "  hits (lines / messages)" "$ph" "$nh"
done <"$work/search"

echo
echo "Index window, 50 rows at start / middle / end:"
if [ -n "${BENCH_WINDOW:-}" ] && [ $have_petrel = yes ]; then
	"$BENCH_WINDOW" "$work/archive.db" | sed 's/^/  /'
else
	echo "  skipped: set BENCH_WINDOW to the bench-window program (tests/bench/bench-window.c)"
fi

# --- the issue's targets ---
check() { if [ "$2" = yes ]; then echo "  ok      $1"; elif [ "$2" = no ]; then echo "  MISSED  $1"; else echo "  n/a     $1"; fi; }
cmp() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a";
	else if ((op == ">=" && a + 0 >= b + 0) || (op == "<" && a + 0 < b + 0)) print "yes"; else print "no" }'; }
echo
echo "Targets (issue 2):"
check "import >= 2x notmuch's rate ($p_rate vs $n_rate msg/s)" "$(cmp "$p_rate" ">=" "$(awk -v r="$n_rate" 'BEGIN { print 2 * r }')")"
check "import >= 5,000 messages/s ($p_rate)" "$(cmp "$p_rate" ">=" 5000)"
worst=$(awk '$1 == "quokkaberry" || $1 == "project" { if ($2 == "n/a") bad = 1; else if ($2 > w) w = $2 }
	END { print bad ? "n/a" : w }' "$work/search")
check "term search < 100 ms (slowest of quokkaberry, project: $worst)" "$(cmp "$worst" "<" 100)"
check "import peak RSS < 100 MB ($p_mb MB)" "$(cmp "$p_mb" "<" 100)"
