#!/bin/sh
# faults.sh - losing nothing when things break: a disk that fills up in
# the middle of an import, a killed import, a broken archive file, a
# reader while a writer works.
. "${top_srcdir:-.}/tests/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed"

# 5,000 messages of about 1 KB: three batches of at most 2,000.
python3 - "$WORK/big.mbox" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(5000):
        f.write("From x Mon Jan  1 00:00:00 2024\n")
        f.write(f"From: s{i}@example.org\nSubject: message {i}\nMessage-ID: <big{i}@example.org>\n")
        f.write("Date: Mon, 1 Jan 2024 00:00:00 +0000\n\n" + ("lorem ipsum dolor sit amet " * 36) + "\n\n")
PY

limited() { # limited BYTES CMD...: run with a file size limit
	lim=$1; shift
	python3 -c 'import os, resource, sys
n = int(sys.argv[1]); resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
os.execv(sys.argv[2], sys.argv[2:])' "$lim" "$@"
}

count() { "$PETREL" search "" | wc -l; }

limited 5000000 "$PETREL" import "$WORK/big.mbox" >"$WORK/out" 2>"$WORK/err"
rc=$?
is "$rc" 1 "an import that fills the disk fails with status 1"
like "$(cat "$WORK/err")" "disk I/O error|disk is full|No space left|File too large" "with a sentence about the disk: $(head -c 200 "$WORK/err")"
"$PETREL" check >/dev/null 2>&1
ok $? "the archive passes check after the failed import"
n=$(count)
ok $([ "$n" -gt 0 ] && [ $((n % 2000)) -eq 0 ]; echo $?) "whole batches before the failure are kept ($n messages)"
out=$("$PETREL" import "$WORK/big.mbox")
is "$out" "$WORK/big.mbox: $((5000 - n)) imported, $n duplicate, 0 failed" "importing again completes it without duplicates"
is "$(count)" 5000 "all 5000 messages are there"

# Kill -9 an import at several moments: each time the archive is intact,
# holds whole batches only, and a re-run completes it.
rm -f "$PETREL_ARCHIVE" "$PETREL_ARCHIVE-wal" "$PETREL_ARCHIVE-shm"
for delay in 0.05 0.3 first-commit 1.5; do
	"$PETREL" import "$WORK/big.mbox" >/dev/null 2>&1 &
	pid=$!
	if [ $delay = first-commit ]; then
		# Right after a batch lands: the next one is in flight.
		base=$(count)
		i=0
		while [ "$(count)" -eq "$base" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	else
		sleep $delay
	fi
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	if [ -e "$PETREL_ARCHIVE" ]; then
		"$PETREL" check >/dev/null 2>&1
		ok $? "check passes after kill -9 at ${delay}s"
	else
		ok 0 "killed at ${delay}s before the archive existed: none was left half-made"
	fi
	n=$(count 2>/dev/null)
	ok $([ $((n % 2000)) -eq 0 ] || [ "$n" -eq 5000 ]; echo $?) "only whole batches after kill -9 at ${delay}s ($n)"
done
out=$("$PETREL" import "$WORK/big.mbox")
like "$out" "imported, [0-9]+ duplicate, 0 failed" "a re-run after the kills completes"
is "$(count)" 5000 "every message exactly once"

# A truncated archive file is refused with a clear error, not a crash.
cp "$PETREL_ARCHIVE" "$WORK/trunc.db"
"$PETREL" --archive "$WORK/trunc.db" check >/dev/null 2>&1
truncate -s 100000 "$WORK/trunc.db"
rm -f "$WORK/trunc.db-wal" "$WORK/trunc.db-shm"
"$PETREL" --archive "$WORK/trunc.db" check >"$WORK/out" 2>"$WORK/err"
is "$?" 1 "check fails on a truncated archive"
like "$(cat "$WORK/err" "$WORK/out")" "archive|malformed|corrupt" "with a sentence: $(head -c 200 "$WORK/err")"
printf 'garbage that is not sqlite at all, not even close......................................................................' >"$WORK/garbage.db"
size=$(wc -c <"$WORK/garbage.db")
"$PETREL" --archive "$WORK/garbage.db" search "" >/dev/null 2>"$WORK/err"
is "$?" 1 "a file that is not an archive is refused"
like "$(cat "$WORK/err")" "not a Petrel archive" "saying so"
is "$(wc -c <"$WORK/garbage.db")" "$size" "and left untouched"

done_testing
