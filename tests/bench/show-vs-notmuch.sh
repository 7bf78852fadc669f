#!/bin/sh
# show-vs-notmuch.sh - rendering every message of an archive as text:
# `petrel show --text ID...` against `notmuch show --format=text` and
# `mu view`, side by side in one run, on the same generated Maildir
# (issue 3's benchmark).  Only the rendering is compared; the time each
# tool takes to index the Maildir first is printed for information.
#
# Usage (from a build directory without sanitizers, after make):
#   sh ../tests/bench/show-vs-notmuch.sh
# Builds nothing.  Environment:
#   PETREL        the petrel binary (default ./petrel)
#   N, SEED       Maildir size and seed for gen-maildir.py (100000, 1)
#   BENCH_DIR     where the Maildir is kept between runs and the scratch
#                 directory goes (default ${TMPDIR:-/tmp}/petrel-bench)
#   MAILDIR       use this Maildir instead of generating one
#   ARCHIVE       reuse this Petrel archive of MAILDIR (skips the import)
#   NOTMUCH_DB    reuse this notmuch database of MAILDIR, one this script
#                 built and kept (skips `notmuch new`, ~11 min on 100,000)
#   MU_HOME       reuse this mu home with MAILDIR indexed (skips mu index)
#   RUNS          timed renders per tool; the median is shown (default 1)
#   XARGS_S       bytes of arguments per petrel / mu invocation (1000000)
#   KEEP=1        keep the scratch directory, and print the ARCHIVE=,
#                 NOTMUCH_DB= and MU_HOME= settings that reuse it
#
# Each tool renders every message in its fastest batch mode, so process
# start-up does not count: one `notmuch show --format=text '*'` over the
# whole database; `mu view --terminate FILE...` and `petrel show --text
# ID...` with as many files or ids per invocation as XARGS_S allows
# (xargs).  A first, untimed pass warms the caches and writes the output
# to a file, whose size and message count are shown so that each tool is
# seen to produce real text for every message; the timed passes write to
# /dev/null.  Figures: wall time, messages/s, MB/s of Maildir input, peak
# RSS of the largest process (/usr/bin/time -f "%e %M"), and petrel's
# throughput ratio to each.  notmuch and mu are installed with apt-get
# when missing and run as root; otherwise their rows say n/a.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
N=${N:-100000}
SEED=${SEED:-1}
RUNS=${RUNS:-1}
XARGS_S=${XARGS_S:-1000000}
PETREL=${PETREL:-./petrel}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/petrel-bench}

die() { echo "show-vs-notmuch: $*" >&2; exit 1; }

# want COMMAND PACKAGE: installs PACKAGE as root when COMMAND is missing
want() {
	command -v "$1" >/dev/null && return 0
	if [ "$(id -u)" = 0 ]; then
		echo "installing $2 ..."
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"$2" >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 &&
				DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
					--no-install-recommends "$2" >/dev/null 2>&1; } || true
	fi
	command -v "$1" >/dev/null && return 0
	echo "note: $1 is missing (apt-get install -y $2); its rows are n/a" >&2
	return 1
}

[ -x /usr/bin/time ] || want /usr/bin/time time || die "/usr/bin/time is needed"
command -v python3 >/dev/null || die "python3 is missing"
have_notmuch=no have_mu=no
want notmuch notmuch && have_notmuch=yes
want mu maildir-utils && have_mu=yes
case $PETREL in */*) ;; *) PETREL=$(command -v "$PETREL" || echo "$PETREL") ;; esac
[ -x "$PETREL" ] || die "$PETREL is not an executable (set PETREL)"

. "$here/lib.sh"
bench_maildir

work=$(mktemp -d "$BENCH_DIR/show.XXXXXX")
archive=${ARCHIVE:-$work/archive.db}
nmdb=${NOTMUCH_DB:-$work/notmuch-db}
muhome=${MU_HOME:-$work/mu}
cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $work; reuse with:"
		echo "  MAILDIR=$MAILDIR ARCHIVE=$archive NOTMUCH_DB=$nmdb MU_HOME=$muhome"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

find "$MAILDIR/cur" "$MAILDIR/new" -type f >"$work/files"
count=$(wc -l <"$work/files")
in_bytes=$(tr '\n' '\0' <"$work/files" | xargs -0 stat -c %s | awk '{ s += $1 } END { print s }')
in_mb=$(awk -v b="$in_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')

measure_out=/dev/null

# --- indexing, for information ---
if [ -n "${ARCHIVE:-}" ]; then
	[ -f "$ARCHIVE" ] || die "ARCHIVE=$ARCHIVE does not exist"
	p_index=reused
else
	echo "petrel import $MAILDIR ..."
	PETREL_ARCHIVE=$archive measure import "$PETREL" import "$MAILDIR" || die "petrel import failed"
	p_index=$(cut -d' ' -f1 "$work/import.time")
fi
export PETREL_ARCHIVE="$archive"

n_index=n/a
if [ $have_notmuch = yes ]; then
	notmuch_config "$work/notmuch-config" "$nmdb"
	if [ -n "${NOTMUCH_DB:-}" ]; then
		n_index=reused
	else
		mkdir -p "$nmdb"
		echo "notmuch new ($(notmuch --version)) ..."
		measure notmuch-new notmuch new --quiet || die "notmuch new failed"
		n_index=$(cut -d' ' -f1 "$work/notmuch-new.time")
	fi
fi

m_index=n/a
if [ $have_mu = yes ]; then
	if [ -n "${MU_HOME:-}" ]; then
		m_index=reused
	else
		echo "mu index ($(mu --version | head -n 1)) ..."
		mu init --quiet --maildir="$MAILDIR" --muhome="$muhome" >/dev/null ||
			die "mu init failed"
		measure mu-index mu index --quiet --muhome="$muhome" || die "mu index failed"
		m_index=$(cut -d' ' -f1 "$work/mu-index.time")
	fi
fi

# --- what each tool renders ---
"$PETREL" search '' | cut -f1 >"$work/ids"
[ "$(wc -l <"$work/ids")" -eq "$count" ] ||
	echo "note: the archive holds $(wc -l <"$work/ids") messages, the Maildir $count" >&2
ff=$(printf '\f')
export PETREL XARGS_S work muhome

# The commands, run by sh -c with the variables above exported.
petrel_show='xargs -s "$XARGS_S" "$PETREL" show --text <"$work/ids"'
notmuch_show="notmuch show --format=text '*'"
mu_view='tr "\n" "\0" <"$work/files" | xargs -0 -s "$XARGS_S" mu view --terminate --muhome="$muhome"'

# render TOOL COMMAND: a warm-up pass whose output is counted, then
# $RUNS timed passes; "wall rss bytes messages" in $work/TOOL.result
render() {
	tool=$1 cmd=$2
	printf "%s: %s\n" "$tool" "$cmd"
	if ! sh -c "$cmd" >"$work/$tool.out" 2>"$work/$tool.err"; then
		tail -n 5 "$work/$tool.err" >&2
		echo "n/a n/a n/a n/a" >"$work/$tool.result"
		return 0
	fi
	bytes=$(wc -c <"$work/$tool.out")
	case $tool in
	petrel) msgs=$(($(grep -c "^$ff\$" "$work/$tool.out" || true) + 1)) ;;
	notmuch) msgs=$(grep -c "^${ff}message{" "$work/$tool.out" || true) ;;
	mu) msgs=$(tr -cd "$ff" <"$work/$tool.out" | wc -c) ;;
	esac
	rm -f "$work/$tool.out"
	: >"$work/$tool.samples"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		measure "$tool-render" sh -c "$cmd" ||
			{ echo "n/a n/a $bytes $msgs" >"$work/$tool.result"; return 0; }
		cat "$work/$tool-render.time" >>"$work/$tool.samples"
		i=$((i + 1))
	done
	echo "$(sort -n "$work/$tool.samples" | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }') $bytes $msgs" \
		>"$work/$tool.result"
}

render petrel "$petrel_show"
if [ $have_notmuch = yes ]; then render notmuch "$notmuch_show"; else echo "n/a n/a n/a n/a" >"$work/notmuch.result"; fi
if [ $have_mu = yes ]; then render mu "$mu_view"; else echo "n/a n/a n/a n/a" >"$work/mu.result"; fi

# --- the table ---
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s == "n/a" || s + 0 == 0) print "n/a"; else printf "%.0f", n / s }'; }
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { if (s == "n/a" || s + 0 == 0) print "n/a"; else printf "%.1f", b / 1048576 / s }'; }
mb() { awk -v k="$1" 'BEGIN { if (k == "n/a") print "n/a"; else printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "-"; else printf "%.2fx", a / b }'; }

read -r p_secs p_kb p_bytes p_msgs <"$work/petrel.result"
p_rate=$(rate "$count" "$p_secs")
echo
echo "Maildir: $count messages, $in_mb MB ($MAILDIR); timed renders per tool: $RUNS (median)"
echo "Load average before the table: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %9s %9s %9s %9s %10s %10s %8s %12s\n' tool "wall (s)" "msg/s" "MB/s" "RSS (MB)" \
	"out (MB)" messages "index" "petrel/tool"
for tool in petrel notmuch mu; do
	read -r secs kb bytes msgs <"$work/$tool.result"
	case $tool in petrel) ix=$p_index ;; notmuch) ix=$n_index ;; mu) ix=$m_index ;; esac
	r=$(rate "$count" "$secs")
	printf '%-8s %9s %9s %9s %9s %10s %10s %8s %12s\n' "$tool" "$secs" "$r" \
		"$(mbs "$in_bytes" "$secs")" "$(mb "$kb")" \
		"$(awk -v b="$bytes" 'BEGIN { if (b == "n/a") print "n/a"; else printf "%.1f", b / 1048576 }')" \
		"$msgs" "$ix" "$(ratio "$p_rate" "$r")"
done
echo "(index: seconds to import / notmuch new / mu index, for information; not compared)"

echo
echo "Target (issue 3): petrel show --text faster than both"
for tool in notmuch mu; do
	read -r secs kb bytes msgs <"$work/$tool.result"
	r=$(rate "$count" "$secs")
	v=$(awk -v a="$p_rate" -v b="$r" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else if (a + 0 > b + 0) print "ok"; else print "MISSED" }')
	printf '  %-7s petrel %s msg/s vs %s %s msg/s\n' "$v" "$p_rate" "$tool" "$r"
done
