#!/bin/sh
# corpus.sh - the MIME corpus test: generates a few thousand varied
# messages with Python's email package (gen-corpus.py, fixed seed, into a
# temporary directory), has Petrel read them (mime-dump) and compares the
# two (compare.py), printing TAP with the agreement rate per category.
# Skips (77) without python3.  PETREL_CORPUS_COUNT changes the size.
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
count=${PETREL_CORPUS_COUNT:-3000}
command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP python3 not installed"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/petrel-corpus.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
python3 "$top_srcdir/tests/mime/gen-corpus.py" "$dir/mail" "$count" || {
	echo "Bail out! gen-corpus.py failed"; exit 1; }
find "$dir/mail" -name '*.eml' | sort | xargs "$top_builddir/tests/mime/mime-dump" \
	>"$dir/petrel.jsonl" || { echo "Bail out! mime-dump failed"; exit 1; }
python3 "$top_srcdir/tests/mime/compare.py" "$dir/mail/expected.jsonl" "$dir/petrel.jsonl"
