#!/bin/sh
# import-sync.sh - when an import waits for the disk, seen in its system
# calls: a batch's commit does not (no sync of the write-ahead log after
# frames on the importing thread), and the import syncs the log through a
# descriptor of its own before it prints its counts.
. "${top_srcdir:-.}/tests/lib.sh"

command -v strace >/dev/null || skip_all "strace is needed to watch the syncs"
command -v python3 >/dev/null || skip_all "python3 writes the Maildir"

# 4,500 small messages: three batches of at most 2,000.
python3 - "$WORK/md" <<'PY'
import os, sys
d = sys.argv[1]
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(d, sub))
for i in range(4500):
    with open(os.path.join(d, "cur", "%d.%d.host:2,S" % (1700000000 + i, i)), "w") as f:
        f.write("From: u%d@example.org\nSubject: m%d\nMessage-ID: <s%d@test>\n\nbody %d\n" % (i % 7, i, i, i))
PY

# LeakSanitizer cannot run under ptrace (it aborts at exit in a
# sanitizer build); the other tests look for leaks.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -y -qq -s 0 -e trace=openat,pwrite64,fdatasync,fsync -o "$WORK/trace" \
	"$PETREL" import "$WORK/md" >"$WORK/out" 2>"$WORK/err"
is "$?" 0 "the import under strace succeeds"
[ -s "$WORK/err" ] && sed 's/^/# /' "$WORK/err" | head -5
like "$(cat "$WORK/out")" "4500 imported" "with every message"
# The importing thread is the process itself: its pid starts the first line.
main=$(awk 'NR == 1 { print $1 }' "$WORK/trace")
# Its own syncs of the log before the final one: SQLite syncs the log's
# header when it starts the log over (a 32-byte write at offset 0), but a
# sync after frames (a write further in) would be a commit waiting.
waits=$(awk -v p="$main" '$1 != p || !/archive\.db-wal/ { next }
	/openat\(.*O_RDONLY/ { exit }
	/pwrite64\(/ { n = split($0, f, ", "); off = f[4]; sub(/[ )].*/, "", off) }
	/f(data)?sync\(/ && off != "0" { w++ }
	END { print w + 0 }' "$WORK/trace")
is "$waits" 0 "no batch's commit waits for the disk"
# Then store_sync: the log opened read-only and synced, before the counts.
fd=$(sed -n "s/^$main .*openat(.*archive\.db-wal\", O_RDONLY|O_CLOEXEC) = \([0-9]*\)<.*/\1/p" "$WORK/trace")
ok $([ -n "$fd" ]; echo $?) "the import opens the log to sync it"
grep -Eq "^$main +fdatasync\($fd<[^>]*archive\.db-wal>" "$WORK/trace"
ok $? "and syncs it"
"$PETREL" check >/dev/null 2>&1
ok $? "and the archive checks"

done_testing
