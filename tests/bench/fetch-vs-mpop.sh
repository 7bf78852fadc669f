#!/bin/bash
# fetch-vs-mpop.sh - POP3 fetch speed: Petrel, mpop and fetchmail side by
# side, fetching the same mailbox from the same private Dovecot over STLS,
# directly on loopback and through the tests' delaying proxy.
#
# usage: PETREL=path/to/petrel tests/bench/fetch-vs-mpop.sh
#            [--sizes "2000 10000"] [--delays "0 50 100"]
#            [--tools "petrel mpop fetchmail"] [--cap SECONDS]
#
# Delays are one-way, in ms, applied both ways (100 ms one-way is a 200 ms
# round trip).  A run that takes longer than --cap (default 300 s) is
# stopped; its time is then extrapolated from the messages it delivered
# and marked with "~".  Build Petrel without sanitizers for meaningful
# numbers.  Run as root (a private Dovecot); installs mpop and fetchmail
# with apt-get when they are missing.
#
# Prints, for each mailbox size and link: wall time, messages/s and peak
# RSS of each tool, and Petrel's time as a ratio of each other tool's.
# Not part of make check.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
: "${top_srcdir:=$here}"
: "${top_builddir:=$here}"
: "${PETREL:=$top_builddir/petrel}"
export top_srcdir top_builddir PETREL

sizes="2000 10000"
delays="0 50 100"
tools="petrel mpop fetchmail"
cap=300
while [ $# -gt 0 ]; do
	case $1 in
	--sizes) sizes=$2; shift 2 ;;
	--delays) delays=$2; shift 2 ;;
	--tools) tools=$2; shift 2 ;;
	--cap) cap=$2; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "fetch-vs-mpop.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pop3/dovecot.sh"
dc_init

if [ "$(id -u)" = 0 ] && { ! command -v mpop >/dev/null || ! command -v fetchmail >/dev/null; }; then
	echo "installing mpop and fetchmail"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		mpop fetchmail >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends mpop fetchmail >/dev/null 2>&1; }
fi
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (Debian package time)"; exit 1; }

# An optimised proxy of our own, whatever the build's flags.
mkdir -p "$WORK/fpinc"
: >"$WORK/fpinc/config.h"
${CC:-cc} -O2 -D_GNU_SOURCE -I"$WORK/fpinc" -o "$WORK/faultproxy" \
	"$top_srcdir/tests/tools/faultproxy.c" || exit 1
FAULTPROXY=$WORK/faultproxy

active=
for t in $tools; do
	case $t in
	petrel)
		if ! "$PETREL" fetch --help >/dev/null 2>&1; then
			echo "# petrel: $PETREL has no fetch command; left out"
			continue
		fi
		if grep -q __asan_init "$PETREL" 2>/dev/null; then
			echo "# warning: $PETREL is built with AddressSanitizer: its times and RSS mean little"
		fi ;;
	*)
		command -v "$t" >/dev/null || { echo "# $t is not installed; left out"; continue; } ;;
	esac
	active="$active $t"
done

dc_start || exit 1

# run_tool TOOL PORT: one timed fetch; sets wall, rss (KB), got, capped.
run_tool() {
	_tool=$1 _port=$2
	_run=$WORK/run-$_tool
	rm -rf "$_run"
	mkdir -p "$_run/md/cur" "$_run/md/new" "$_run/md/tmp"
	case $_tool in
	petrel)
		PETREL_ARCHIVE=$_run/archive.db
		export PETREL_ARCHIVE
		dc_petrel_config bench starttls "pop3-port=$_port" pop3-keep=true timeout=600
		set -- "$PETREL" fetch --quiet
		;;
	mpop)
		cat >"$_run/mpoprc" <<EOF
defaults
tls on
tls_starttls on
tls_trust_file $DC_CA
timeout 600
account bench
host 127.0.0.1
port $_port
user $DC_USER
password $DC_PASS
keep on
received_header off
uidls_file $_run/uidls
delivery maildir $_run/md
EOF
		chmod 600 "$_run/mpoprc"
		set -- mpop -C "$_run/mpoprc" -q bench
		;;
	fetchmail)
		# Keep mode; the cheapest MDA that still stores every message.
		cat >"$_run/fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 proto pop3 port $_port timeout 600
  user "$DC_USER" there with password "$DC_PASS" is "root" here
  options keep fetchall no rewrite
  sslproto "TLS1.2+" sslcertck sslcertfile "$DC_CA" sslcommonname "localhost"
  mda "/bin/cat >> $_run/mbox"
EOF
		chmod 600 "$_run/fetchmailrc"
		set -- fetchmail -f "$_run/fetchmailrc" -s -N --idfile "$_run/fetchids" \
			--pidfile "$_run/pid"
		;;
	esac
	_t0=$(date +%s.%N)
	HOME=$_run timeout "$cap" /usr/bin/time -o "$_run/time" -f "%e %M" "$@" \
		>"$_run/out" 2>"$_run/err"
	_rc=$?
	_t1=$(date +%s.%N)
	case $_tool in
	petrel) got=$("$PETREL" search "" 2>/dev/null | wc -l) ;;
	mpop) got=$(find "$_run/md/new" "$_run/md/cur" -type f | wc -l) ;;
	fetchmail) got=$(grep -c '^Message-ID: <b' "$_run/mbox" 2>/dev/null) ;;
	esac
	got=${got:-0}
	capped=
	if [ $_rc -eq 124 ] || [ ! -s "$_run/time" ]; then
		capped="~"
		wall=$(awk -v t0="$_t0" -v t1="$_t1" -v g="$got" -v n="$N" \
			'BEGIN { w = t1 - t0; if (g > 0) w = w * n / g; printf "%.1f", w }')
		rss=-
	else
		set -- $(tail -n 1 "$_run/time")
		wall=$1 rss=$2
		[ "$_rc" -ne 0 ] && echo "# $_tool exited $_rc: $(head -c 300 "$_run/err" | tr '\n' ' ')"
	fi
}

# link_seconds BYTES: how long BYTES take through the proxy with no delay,
# from a client to a sink (the link's bandwidth, with no TLS and no mail
# program in the way).
link_seconds() {
	fp_start bw --connect "127.0.0.1:$(cat "$WORK/sink.port")" --buffer 67108864 >/dev/null
	$PY -c 'import socket, sys, time
n = int(sys.argv[2])
chunk = b"x" * 65536
t = time.time()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
left = n
while left > 0:
    k = s.send(chunk[:min(left, len(chunk))])
    left -= k
s.shutdown(socket.SHUT_WR)
while s.recv(65536):
    pass
print("%.3f" % (time.time() - t))' "$FP_PORT" "$1"
	fp_stop "$FP_PID"
}
# A sink that reads everything, then closes.
$PY -c 'import socket, sys, threading
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(8)
open(sys.argv[1], "w").write(str(l.getsockname()[1]))
def drain(c):
    while c.recv(1 << 20):
        pass
    c.close()
while True:
    c, _ = l.accept()
    threading.Thread(target=drain, args=(c,), daemon=True).start()' "$WORK/sink.port" &
sink_pid=$!
sink_stop() { kill "$sink_pid" 2>/dev/null; }
petrel_cleanups="sink_stop ${petrel_cleanups:-}"
wait_file "$WORK/sink.port" 100 || { echo "the sink did not start"; exit 1; }

printf '%-7s %-9s %-10s %10s %9s %9s %7s\n' messages link tool "wall(s)" "msg/s" "RSS(MB)" stored >"$WORK/table"
: >"$WORK/ratios"
for N in $sizes; do
	dc_stop
	dc_reset_mailbox
	echo "# generating $N messages"
	dc_add_messages "$N" real
	mb=$(awk '{ s += $4 } END { printf "%.1f", s / 1048576 }' "$DC_MANIFEST")
	bytes=$(awk '{ s += $4 } END { printf "%d", s }' "$DC_MANIFEST")
	link_s=$(link_seconds "$bytes")
	echo "# $mb MB through the proxy with no delay: $link_s s"
	dc_start || exit 1
	# Let Dovecot build its index before anything is timed.
	$PY -c 'import poplib, ssl, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=600)
p.stls(ssl.create_default_context(cafile=sys.argv[2]))
p.user(sys.argv[3]); p.pass_(sys.argv[4]); p.uidl(); p.list(); p.quit()' \
		"$DC_PLAIN_PORT" "$DC_CA" "$DC_USER" "$DC_PASS"
	for D in $delays; do
		if [ "$D" -gt 0 ]; then
			fp_start "d$D" --connect "127.0.0.1:$DC_PLAIN_PORT" --delay-ms "$D" --buffer 67108864
			port=$FP_PORT link="${D}ms"
		else
			port=$DC_PLAIN_PORT link=loopback
		fi
		unset t_petrel
		for tool in $active; do
			echo "# $N messages ($mb MB), $link: $tool"
			run_tool "$tool" "$port"
			rate=$(awk -v w="$wall" -v n="$N" 'BEGIN { printf "%.0f", (w > 0) ? n / w : 0 }')
			mbrss=$( [ "$rss" = - ] && echo - || awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
			printf '%-7s %-9s %-10s %10s %9s %9s %7s\n' "$N" "$link" "$tool" "$capped$wall" \
				"$rate" "$mbrss" "$got" | tee -a "$WORK/table"
			eval "t_$tool=\$wall"
		done
		if [ -n "${t_petrel:-}" ]; then
			for tool in $active; do
				[ "$tool" = petrel ] && continue
				eval "tw=\${t_$tool:-}"
				[ -n "$tw" ] && awk -v p="$t_petrel" -v o="$tw" -v n="$N" -v l="$link" -v t="$tool" \
					'BEGIN { printf "%-7s %-9s petrel/%-10s %.2fx\n", n, l, t, p / o }' >>"$WORK/ratios"
			done
		fi
		if [ "$D" -gt 0 ]; then
			fp_stop "$FP_PID"
			# The floor: the round trips no POP3 client over STLS
			# avoids (connect and greeting, STLS, the TLS handshake,
			# CAPA, a login, the listing, the first RETR, QUIT: 8),
			# plus the bytes at the link's bandwidth.
			awk -v d="$D" -v l="$link_s" -v n="$N" -v lk="${D}ms" -v p="${t_petrel:-}" 'BEGIN {
				f = 8 * 2 * d / 1000 + l
				printf "%-7s %-9s floor %.2f s (8 round trips %.2f s + bytes over the link %.2f s)", n, lk, f, 8 * 2 * d / 1000, l
				if (p != "") printf "; petrel/floor %.2fx", p / f
				printf "\n" }' >>"$WORK/ratios"
		fi
	done
done

echo
echo "POP3 fetch over STLS from a private Dovecot (~ = capped at ${cap}s, extrapolated)"
cat "$WORK/table"
echo
cat "$WORK/ratios"
