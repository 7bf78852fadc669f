#!/bin/sh
# fetch-faults.sh - petrel fetch when the link breaks, through the tests'
# own proxy in front of a real Dovecot: the connection cut at 50 byte
# offsets of a 200-message fetch (greeting, authentication, UIDL, in the
# middle of a RETR, inside a final CRLF.CRLF, after DELE, around QUIT), a
# stall longer than `timeout`, kill -9 at random moments, and a disk that
# fills in the middle.  After each,
# the archive holds every message exactly once once a re-run succeeds, and
# the server never lost a message the archive does not have.
# PETREL_SKIP_SLOW=1 uses fewer offsets and kills.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/pop3/dovecot.sh"

dc_init
"$PETREL" fetch --help >/dev/null 2>&1 || skip_all "petrel fetch is not there yet"
dc_start || { echo "Bail out! Dovecot did not start"; exit 1; }

if [ "${PETREL_SKIP_SLOW:-0}" = 1 ]; then
	n_plain=10 n_tls=3 n_kills=3
else
	n_plain=40 n_tls=10 n_kills=8
fi
seed=${PETREL_TEST_SEED:-$(date +%s)}
echo "# seed $seed (set PETREL_TEST_SEED to repeat)"

fetch() {
	timeout 120 "$PETREL" fetch "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
}
# Re-run until the fetch succeeds (a killed session may hold Dovecot's
# mailbox lock for a moment: [IN-USE] is transient).  At most 5 runs.
fetch_until_done() {
	_i=0
	while [ $_i -lt 5 ]; do
		fetch "$@"
		[ $rc -eq 0 ] && return 0
		[ $rc -eq 75 ] || return 1
		sleep 0.3
		_i=$((_i + 1))
	done
	return 1
}
fresh() { # fresh: the full mailbox back on the server, an empty archive
	dc_restore
	rm -f "$PETREL_ARCHIVE" "$PETREL_ARCHIVE-wal" "$PETREL_ARCHIVE-shm"
}
all_there="have 200 of 200, duplicates 0, missing 0, extra 0, bad-sha 0, lost 0"
intact="duplicates 0, missing 0, extra 0, bad-sha 0, lost 0"

dc_add_messages 190 small
dc_add_messages 10 real
dc_snapshot

# A clean run, plaintext so that the cut points can be put on landmarks of
# the dialogue, and one over implicit TLS for its byte total.
fp_start clean --connect "127.0.0.1:$DC_PLAIN_PORT" --dump "$WORK/clean"
dc_petrel_config home none "pop3-port=$FP_PORT" allow-plaintext-auth=true pop3-keep=false
fetch
is "$rc" 0 "a clean fetch of 200 messages in delete mode"
is "$(dc_verify)" "$all_there" "stores them all"
fp_stop "$FP_PID"
fresh
fp_start cleantls --connect "127.0.0.1:$DC_TLS_PORT"
dc_petrel_config home implicit "pop3-port=$FP_PORT"
fetch
is "$rc" 0 "a clean fetch over TLS in keep mode"
fp_stop "$FP_PID"
tls_down=$(fp_bytes cleantls 1 down)
$MAILTOOL offsets --up "$WORK/clean.1.up" --down "$WORK/clean.1.down" \
	--count "$n_plain" --seed "$seed" >"$WORK/offsets"
$PY -c 'import random, sys
r = random.Random(int(sys.argv[1]))
n, total = int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    print("tls:down:%d" % r.randint(1, total))' "$seed" "$n_tls" "$tls_down" >>"$WORK/offsets"
echo "# $(wc -l <"$WORK/offsets" | tr -d ' ') cuts; plain session $(wc -c <"$WORK/clean.1.down" | tr -d ' ') bytes down, TLS $tls_down"

# Each cut: the first two connections are cut at the same offset, so that
# Petrel's own immediate retry is cut too.  The interrupted fetch fails as
# a transient error (or succeeds when the cuts came after all that
# mattered); nothing is lost or doubled; re-runs complete it.
k=0
mode=rst
while read -r point; do
	k=$((k + 1))
	fresh
	case $point in
	tls:*)
		p=${point#tls:}
		fp_start "cut$k" --connect "127.0.0.1:$DC_TLS_PORT" --times 2 \
			--cut-direction "${p%%:*}" --cut-after "${p#*:}" --cut-mode $mode
		dc_petrel_config home implicit "pop3-port=$FP_PORT" pop3-keep=true
		;;
	*)
		fp_start "cut$k" --connect "127.0.0.1:$DC_PLAIN_PORT" --times 2 \
			--cut-direction "${point%%:*}" --cut-after "${point#*:}" --cut-mode $mode
		dc_petrel_config home none "pop3-port=$FP_PORT" allow-plaintext-auth=true pop3-keep=false
		;;
	esac
	[ $mode = rst ] && mode=fin || mode=rst
	fetch
	first_rc=$rc
	after_cut=$(dc_verify --allow-missing)
	"$PETREL" check >/dev/null 2>&1 || after_cut="$after_cut; petrel check FAILED"
	fetch_until_done
	done_rc=$rc
	final=$(dc_verify)
	"$PETREL" check >/dev/null 2>&1 || final="$final; petrel check FAILED"
	left=$(dc_left)
	case $point in tls:*) want_left=200 ;; *) want_left=0 ;; esac
	case $after_cut in *"$intact") c=0 ;; *) c=1 ;; esac
	[ "$first_rc" -eq 0 ] || [ "$first_rc" -eq 75 ] || c=1
	ok $c "cut at $point ($(sed -n 1p "$WORK/fp-cut$k.log" | sed 's/^conn 1 //')): exit $first_rc, $after_cut"
	is "$done_rc.$final.$left" "0.$all_there.$want_left" "  re-run after the cut at $point completes the fetch"
	if [ "$done_rc" -ne 0 ]; then
		sed 's/^/# stderr: /' "$WORK/err" | head -5
	fi
	fp_stop "$FP_PID"
done <"$WORK/offsets"

# A stall longer than `timeout`.  Petrel may try once more at once; when
# every connection stalls it gives up with exit 75 and a sentence, having
# lost and doubled nothing; a re-run over a good link completes.
fresh
plain_down=$(wc -c <"$WORK/clean.1.down" | tr -d ' ')
fp_start stall --connect "127.0.0.1:$DC_PLAIN_PORT" --stall-after $((plain_down / 2))
dc_petrel_config home none "pop3-port=$FP_PORT" allow-plaintext-auth=true pop3-keep=false timeout=3
t0=$(date +%s)
fetch
t=$(($(date +%s) - t0))
is "$rc" 75 "a link that stalls every time ends the fetch with exit 75"
ok $([ $t -ge 3 ] && [ $t -le 30 ]; echo $?) "after a timeout of 3 s, or two ($t s)"
like "$(tr '\n' ' ' <"$WORK/err")" "home.*127\\.0\\.0\\.1|127\\.0\\.0\\.1.*home" "with a sentence naming account and host: $(head -c 300 "$WORK/err")"
like "$(dc_verify --allow-missing)" "$intact\$" "nothing lost or doubled by the stall"
"$PETREL" check >/dev/null 2>&1
ok $? "petrel check passes after the stall"
fp_stop "$FP_PID"
dc_petrel_config home none "pop3-port=$DC_PLAIN_PORT" allow-plaintext-auth=true pop3-keep=false
fetch_until_done
is "$rc.$(dc_verify).$(dc_left)" "0.$all_there.0" "a re-run over a good link completes"

# A single stall in the middle: whatever happens, nothing is lost.
fresh
fp_start stall1 --connect "127.0.0.1:$DC_PLAIN_PORT" --once --stall-after $((plain_down / 3))
dc_petrel_config home none "pop3-port=$FP_PORT" allow-plaintext-auth=true pop3-keep=false timeout=3
t0=$(date +%s)
fetch
t=$(($(date +%s) - t0))
ok $({ [ $rc -eq 0 ] || [ $rc -eq 75 ]; } && [ $t -ge 3 ] && [ $t -le 30 ]; echo $?) \
	"one stall: the stalled connection is abandoned after the timeout (exit $rc after $t s)"
fetch_until_done
is "$rc.$(dc_verify).$(dc_left)" "0.$all_there.0" "and every message arrives once, none lost"
fp_stop "$FP_PID"

# kill -9 at random moments of a slowed-down fetch, several times over the
# same mailbox, then a run to the end.  300 more small messages make the
# session longer than one commit batch.
fresh
dc_add_messages 300 tiny
all_there="have 500 of 500, duplicates 0, missing 0, extra 0, bad-sha 0, lost 0"
fp_start slow --connect "127.0.0.1:$DC_PLAIN_PORT" --rate 400000 --delay-ms 5
dc_petrel_config home none "pop3-port=$FP_PORT" allow-plaintext-auth=true pop3-keep=false
$PY -c 'import random, sys
r = random.Random(int(sys.argv[1]) + 1)
for i in range(int(sys.argv[2])):
    print("%.2f" % r.uniform(0.05, 2.0))' "$seed" "$n_kills" >"$WORK/kills"
while read -r when; do
	"$PETREL" fetch >/dev/null 2>&1 &
	pid=$!
	sleep "$when"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	got=$(dc_verify --allow-missing)
	"$PETREL" check >/dev/null 2>&1
	ck=$?
	case $got in *"$intact") c=$ck ;; *) c=1 ;; esac
	ok $c "kill -9 after ${when}s: petrel check passes, $got"
	sleep 0.2 # let Dovecot see the session end
done <"$WORK/kills"
fetch_until_done
is "$rc.$(dc_verify).$(dc_left)" "0.$all_there.0" "a re-run after the kills completes: every message once, none lost"
"$PETREL" check >/dev/null 2>&1
ok $? "petrel check passes at the end"

# A disk that fills in the middle of the download (a file size limit on
# the fetch: the archive's writes fail): a clear error, the batches before
# it kept, nothing deleted that is not stored, and a re-run completes.
fresh
fp_stop "$FP_PID"
dc_add_messages 1000 tiny
all_there="have 1200 of 1200, duplicates 0, missing 0, extra 0, bad-sha 0, lost 0"
# A slow link: batches are committed each second, several before the disk
# fills.
fp_start full --connect "127.0.0.1:$DC_PLAIN_PORT" --rate 300000
dc_petrel_config home none "pop3-port=$FP_PORT" allow-plaintext-auth=true pop3-keep=false
(ulimit -f 1400; exec timeout 120 "$PETREL" fetch) >"$WORK/out" 2>"$WORK/err"
rc=$?
ok "$([ $rc -ne 0 ] && echo 0 || echo 1)" "a fetch that fills the disk fails (exit $rc)"
like "$(cat "$WORK/err")" "disk I/O error|disk is full|No space left|File too large" \
	"with a sentence about the disk: $(head -c 200 "$WORK/err")"
got=$(dc_verify --allow-missing)
"$PETREL" check >/dev/null 2>&1
ck=$?
case $got in *"$intact") c=$ck ;; *) c=1 ;; esac
ok $c "after the full disk: petrel check passes, $got"
like "$got" "have [1-9][0-9]* of 1200" "the batches before it were kept"
fetch_until_done
is "$rc.$(dc_verify).$(dc_left)" "0.$all_there.0" "with room again a re-run completes: every message once, none lost"
fp_stop "$FP_PID"

done_testing
