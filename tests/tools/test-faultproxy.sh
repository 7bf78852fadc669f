#!/bin/sh
# test-faultproxy.sh - the fault proxy itself: forwarding, delay without a
# throughput cap, cuts at exact byte counts (FIN and RST, each direction),
# stalls, --once, the PROXY v1 line, rate limiting, SIGTERM.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/tools/faultproxy.sh"

command -v python3 >/dev/null || skip_all "python3 is needed"
[ -x "$FAULTPROXY" ] || skip_all "faultproxy is not built"
PY=$(python3 -c "import sys; print(sys.executable)")
NP="$PY $top_srcdir/tests/tools/netpeer.py"
np_pids=
np_stop_all() { for _p in $np_pids; do stop_pid "$_p" 20; done; }
petrel_cleanups="$petrel_cleanups np_stop_all"

serve() { # serve NAME MODE [N] [--conns K]: a netpeer server; sets SRV
	_n=$1
	shift
	$NP --conns "${CONNS:-1}" --lifetime 60 --report "$WORK/$_n.report" \
		serve "$1" "$WORK/$_n.port" ${2:-} </dev/null >/dev/null 2>&1 &
	np_pids="$np_pids $!"
	wait_file "$WORK/$_n.port" 50
	SRV=$(cat "$WORK/$_n.port")
}

elapsed() { $PY -c 'import sys, time; print("%.3f" % (time.time() - float(sys.argv[1])))' "$1"; }
now() { $PY -c 'import time; print(time.time())'; }
between() { $PY -c 'import sys; x, lo, hi = map(float, sys.argv[1:]); sys.exit(0 if lo <= x <= hi else 1)' "$@"; }

# Plain forwarding, 1 MB each way through an echo server.
serve echo echo
fp_start plain --connect "127.0.0.1:$SRV"
out=$($NP send "$FP_PORT" 1000000)
is "$out" "1000000 eof" "1 MB goes through and the end of stream is forwarded"
sleep 0.2
is "$(cat "$WORK/fp-plain.log")" "conn 1 up 1000000 down 1000000 end eof" "the log counts both directions"
fp_stop "$FP_PID"

# A delay of 200 ms each way: a round trip takes 400 ms, but 20 lines sent
# 20 ms apart come back 400 ms after the last one, not 20 x 400 ms later.
CONNS=2 serve delay echo
fp_start delay --connect "127.0.0.1:$SRV" --delay-ms 200
set -- $($NP pingpong "$FP_PORT" 1 0)
between "$2" 0.39 1.5
ok $? "one round trip takes twice the one-way delay ($2 s)"
set -- $($NP pingpong "$FP_PORT" 20 0.02)
between "$1" 0.75 2.5
ok $? "20 pipelined round trips take one delay plus the sending time ($1 s)"
fp_stop "$FP_PID"

# Cuts at exact byte counts, server to client.
for mode in fin rst; do
	for at in 0 1 65536 300001; do
		serve "cut$mode$at" source 1000000
		fp_start "cut$mode$at" --connect "127.0.0.1:$SRV" --cut-after $at --cut-mode $mode
		out=$($NP read --check 1 "$FP_PORT")
		want="$at eof"
		[ $mode = rst ] && [ "$at" -gt 0 ] && like "$out" "^$at (eof|reset)$" "$mode cut after $at bytes down: the client got exactly $at ($out)" ||
			{ [ $mode = rst ] && like "$out" "^0 (eof|reset)$" "$mode cut before any byte ($out)" ||
				is "$out" "$want" "$mode cut after $at bytes down: the client got exactly $at, then the end"; }
		fp_stop "$FP_PID"
	done
done

# Client to server.
for mode in fin rst; do
	for at in 1 77777; do
		serve "up$mode$at" sink
		fp_start "up$mode$at" --connect "127.0.0.1:$SRV" --cut-after $at --cut-direction up --cut-mode $mode
		$NP send "$FP_PORT" 500000 >/dev/null
		wait_file "$WORK/up$mode$at.report" 30
		is "$(cut -d' ' -f1 "$WORK/up$mode$at.report")" "$at" "$mode cut after $at bytes up: the server got exactly $at"
		fp_stop "$FP_PID"
	done
done

# Both directions counted together: 100 bytes echoed make 200.
serve both echo
fp_start both --connect "127.0.0.1:$SRV" --cut-after 150 --cut-direction both
out=$($NP send "$FP_PORT" 100)
is "$out" "100 eof" "a cut counting both ways waits for 150 of the 200 bytes"
like "$(cat "$WORK/fp-both.log")" "^conn 1 up 100 down 50 end cut$" "and the log says where it cut"
fp_stop "$FP_PID"

# A stall: bytes stop, the connection stays open.
serve stall source 1000000
fp_start stall --connect "127.0.0.1:$SRV" --stall-after 5000
out=$($NP --idle 1 read --check 1 "$FP_PORT")
is "$out" "5000 idle" "a stall after 5000 bytes: 5000 arrive, then nothing, and no end"
sleep 0.2
like "$(cat "$WORK/fp-stall.log")" "^conn 1 up 0 down 5000 end stalled$" "the stalled connection ends when the client leaves"
fp_stop "$FP_PID"

# --once: only the first connection is cut; several in a row are served.
CONNS=3 serve once source 20000
fp_start once --connect "127.0.0.1:$SRV" --cut-after 777 --once
a=$($NP read "$FP_PORT")
b=$($NP read "$FP_PORT")
c=$($NP read "$FP_PORT")
is "$a / $b / $c" "777 eof / 20000 eof / 20000 eof" "--once cuts the first connection only, later ones pass whole"
fp_stop "$FP_PID"

# --times 2: the first two.
CONNS=3 serve times source 20000
fp_start times --connect "127.0.0.1:$SRV" --cut-after 555 --times 2
a=$($NP read "$FP_PORT")
b=$($NP read "$FP_PORT")
c=$($NP read "$FP_PORT")
is "$a / $b / $c" "555 eof / 555 eof / 20000 eof" "--times 2 cuts the first two connections"
fp_stop "$FP_PID"

# Without --once every connection is cut.
CONNS=2 serve every source 20000
fp_start every --connect "127.0.0.1:$SRV" --cut-after 999
a=$($NP read "$FP_PORT")
b=$($NP read "$FP_PORT")
is "$a / $b" "999 eof / 999 eof" "without --once each connection is cut"
fp_stop "$FP_PID"

# The PROXY v1 line, not counted in the forwarded bytes.
serve haproxy sink
fp_start haproxy --connect "127.0.0.1:$SRV" --haproxy-src 127.0.0.2
$NP send "$FP_PORT" 10 >/dev/null
wait_file "$WORK/haproxy.report" 30
like "$(cat "$WORK/haproxy.report")" "^[0-9]+ PROXY TCP4 127\\.0\\.0\\.2 127\\.0\\.0\\.1 [0-9]+ $SRV$" "the server is told the source is 127.0.0.2"
sleep 0.2
like "$(cat "$WORK/fp-haproxy.log")" "^conn 1 up 10 down 0 end eof$" "the PROXY line is not counted"
fp_stop "$FP_PID"

# --rate: 100 KB at 100 KB/s takes about a second.
serve rate source 100000
fp_start rate --connect "127.0.0.1:$SRV" --rate 100000
t0=$(now)
out=$($NP read --check 1 "$FP_PORT")
t=$(elapsed "$t0")
is "$out" "100000 eof" "rate-limited transfer arrives whole"
between "$t" 0.8 2.5
ok $? "at the rate asked for ($t s for 100 KB at 100 KB/s)"
fp_stop "$FP_PID"

# --dump writes what went each way.
serve dump echo
fp_start dump --connect "127.0.0.1:$SRV" --dump "$WORK/dump"
$NP send "$FP_PORT" 3000 >/dev/null
sleep 0.2
is "$(wc -c <"$WORK/dump.1.up" | tr -d ' ') $(wc -c <"$WORK/dump.1.down" | tr -d ' ')" "3000 3000" "--dump records both directions"

# SIGTERM ends it promptly with status 0, also with a connection open.
serve term source 1000
fp_start term --connect "127.0.0.1:$SRV" --stall-after 10
$NP --idle 3 read "$FP_PORT" >/dev/null &
rd=$!
sleep 0.3
kill -TERM "$FP_PID"
i=0
while kill -0 "$FP_PID" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
wait "$FP_PID"
is "$?" 0 "SIGTERM ends the proxy with status 0 within 2 s"
wait "$rd" 2>/dev/null

# Bad options are refused.
"$FAULTPROXY" --listen 0 --connect nohostport >/dev/null 2>"$WORK/err"
is "$?" 2 "a bad --connect is refused"
like "$(cat "$WORK/err")" "HOST:PORT" "with a sentence"

done_testing
