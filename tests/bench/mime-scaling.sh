#!/bin/sh
# mime-scaling.sh - shows that the MIME code takes time linear in the
# size of hostile messages: a multipart of 100, 1,000 and 10,000 parts
# (0.5, 5 and 50 MB), headers of 1,000, 10,000 and 100,000 encoded words,
# and nesting 10, 100 and 1,000 deep.  Each row times mime_parse +
# mime_summarize + render_message_text (best of three); MB/s should stay
# flat down each column.  With files given (or a Maildir), also prints
# the cost per message of mime_summarize and render_message_text.
#
# Usage (from a configured build directory, after make):
#   sh ../tests/bench/mime-scaling.sh [MAILDIR-or-FILES...]
# Not part of make check.
set -e
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
bin=${TMPDIR:-/tmp}/petrel-mime-scaling.$$
trap 'rm -f "$bin"' EXIT
${CC:-cc} -O2 -I"$top_builddir" -I"$top_srcdir/src" -o "$bin" \
	"$top_srcdir/tests/bench/mime-scaling.c" "$top_builddir/libpetrel.a" \
	${LIBS:-}
echo "== linear scaling (1x, 10x, 100x)"
for kind in parts words nest; do
	case $kind in
	parts) sizes="100 1000 10000" ;;
	words) sizes="1000 10000 100000" ;;
	nest) sizes="10 100 1000" ;;
	esac
	for n in $sizes; do
		"$bin" "$kind" "$n"
	done
done
if [ $# -gt 0 ]; then
	echo "== cost per message"
	if [ $# -eq 1 ] && [ -d "$1" ]; then
		# A Maildir (or any directory): its first 2,000 files.
		find "$1" -type f | sort | head -n 2000 | xargs "$bin" files
	else
		"$bin" files "$@"
	fi
fi
