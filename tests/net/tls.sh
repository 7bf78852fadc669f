#!/bin/sh
# tls.sh - TLS against a real GnuTLS server: throwaway certificates made
# by certtool (a CA; a localhost certificate with IP SANs 127.0.0.1 and
# ::1; a wrong-host one; an expired one; a not-yet-valid one; a
# self-signed one), each served by gnutls-serv in echo mode on a free
# high port, and tests/net/tls-client connecting through tls.h and
# stream.h.  Good certificates pass; bad ones fail with the right
# sentence and a pinning hint; pins decide alone; TLS 1.1 is refused.
. "${top_srcdir:-.}/tests/lib.sh"

command -v certtool >/dev/null 2>&1 || skip_all "certtool (gnutls-bin) is not installed"
command -v gnutls-serv >/dev/null 2>&1 || skip_all "gnutls-serv (gnutls-bin) is not installed"

CLIENT="${top_builddir:-.}/tests/net/tls-client"
[ -x "$CLIENT" ] || skip_all "tests/net/tls-client is not built"

C="$WORK/certs"
mkdir -p "$C"
SERVER_PID=

stop_server() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		# Bounded wait for it to go.
		n=0
		while kill -0 "$SERVER_PID" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -9 "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
	fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT

# ---- Certificates ----

gen_key() {
	certtool --generate-privkey --key-type=ecdsa --outfile "$1" >/dev/null 2>&1
}

cat >"$C/ca.tmpl" <<'EOF'
cn = "Petrel Test CA"
ca
cert_signing_key
expiration_days = 2
EOF
cat >"$C/good.tmpl" <<'EOF'
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
ip_address = "::1"
tls_www_server
signing_key
expiration_days = 2
EOF
cat >"$C/wrong.tmpl" <<'EOF'
cn = "mail.example.org"
dns_name = "mail.example.org"
dns_name = "pop.example.net"
tls_www_server
signing_key
expiration_days = 2
EOF
cat >"$C/expired.tmpl" <<'EOF'
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
activation_date = "2020-01-01 00:00:00"
expiration_date = "2020-12-31 00:00:00"
EOF
cat >"$C/future.tmpl" <<'EOF'
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
activation_date = "2090-01-01 00:00:00"
expiration_date = "2091-01-01 00:00:00"
EOF

gen_key "$C/ca.key" && gen_key "$C/srv.key" && gen_key "$C/self.key" &&
certtool --generate-self-signed --load-privkey "$C/ca.key" --template "$C/ca.tmpl" \
	--outfile "$C/ca.pem" >/dev/null 2>&1
ok $? "certtool makes a CA"
for name in good wrong expired future; do
	certtool --generate-certificate --load-privkey "$C/srv.key" \
		--load-ca-certificate "$C/ca.pem" --load-ca-privkey "$C/ca.key" \
		--template "$C/$name.tmpl" --outfile "$C/$name.pem" >/dev/null 2>&1
	ok $? "certtool makes the $name certificate"
done
certtool --generate-self-signed --load-privkey "$C/self.key" --template "$C/good.tmpl" \
	--outfile "$C/self.pem" >/dev/null 2>&1
ok $? "certtool makes a self-signed certificate"

# The fingerprint as tls-fingerprint wants it: sha256:AB:CD:...
fingerprint() {
	certtool --fingerprint --hash sha256 --infile "$1" 2>/dev/null |
		tr 'a-f' 'A-F' | sed 's/\(..\)/\1:/g; s/:$//; s/^/sha256:/'
}
FP_GOOD=$(fingerprint "$C/good.pem")
FP_SELF=$(fingerprint "$C/self.pem")
like "$FP_GOOD" '^sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}$' "certtool gives a fingerprint"

# ---- The server ----

# start_server CERT [PRIORITY]: gnutls-serv in echo mode with key $KEY on
# a free high port (sets PORT); retries on another port when the bind
# fails.  Every wait is bounded.
start_server() {
	cert=$1
	prio=${2:-}
	tries=0
	while [ $tries -lt 20 ]; do
		tries=$((tries + 1))
		PORT=$(( 20000 + ($$ * 31 + tries * 1009 + $(date +%N | sed 's/^0*//;s/^$/0/') / 1000) % 40000 ))
		log="$WORK/serv.$PORT.log"
		if [ -n "$prio" ]; then
			set -- --priority "$prio"
		else
			set --
		fi
		gnutls-serv --echo --crlf -q -a --x509certfile "$cert" \
			--x509keyfile "$KEY" --port "$PORT" "$@" >"$log" 2>&1 &
		SERVER_PID=$!
		n=0
		while [ $n -lt 50 ]; do
			if grep -q 'failed' "$log" 2>/dev/null || ! kill -0 "$SERVER_PID" 2>/dev/null; then
				break
			fi
			if grep -q "IPv4 .* port $PORT\.\.\.done" "$log" 2>/dev/null; then
				return 0
			fi
			sleep 0.1
			n=$((n + 1))
		done
		stop_server
	done
	return 1
}

client() {
	"$CLIENT" --timeout 5000 "$@" 2>&1
}

# ---- Good certificate ----

KEY="$C/srv.key"
start_server "$C/good.pem"
ok $? "gnutls-serv starts with the good certificate"

out=$(client --ca "$C/ca.pem" localhost "$PORT")
ok $? "localhost with the CA: accepted"
like "$out" '^OK PING petrel' "the echo comes back through the TLS stream"
like "$out" 'DESC \(TLS1\.[23]\)' "the session is described (TLS 1.2 or 1.3)"
like "$out" "FP $FP_GOOD" "the peer fingerprint is the certificate's SHA-256"
like "$out" 'IN 13 OUT 13' "byte counters count payload bytes"

out=$(client --ca "$C/ca.pem" 127.0.0.1 "$PORT")
ok $? "127.0.0.1 matches the certificate's IP SAN"
if "$CLIENT" --timeout 2000 --ca "$C/ca.pem" ::1 "$PORT" >"$WORK/v6.out" 2>&1; then
	ok 0 "::1 matches the certificate's IPv6 SAN"
elif grep -q 'cannot connect' "$WORK/v6.out"; then
	echo "ok $((tap_n += 1)) # SKIP IPv6 loopback is not available"
else
	ok 1 "::1 matches the certificate's IPv6 SAN"
	sed 's/^/# /' "$WORK/v6.out"
fi

out=$(client localhost "$PORT")
rc=$?
is "$rc" 1 "without the CA (system trust store only): refused, exit 1"
like "$out" '^ERROR ERR_PERM: localhost:[0-9]+: the server.s certificate was rejected: it was issued by CN=Petrel Test CA, which is not a certificate authority the system trusts|no system trust store' \
	"an unknown issuer is named"
like "$out" "tls-fingerprint = $FP_GOOD\$" "the refusal says how to pin it, with its fingerprint"

out=$(client --pin "$FP_GOOD" localhost "$PORT")
ok $? "a matching pin is accepted without any CA"
out=$(client --pin "$FP_SELF" --ca "$C/ca.pem" localhost "$PORT")
rc=$?
is "$rc" 1 "a wrong pin refuses even a certificate the CA vouches for"
like "$out" "does not match the pinned fingerprint: tls-fingerprint is $FP_SELF but the server's is $FP_GOOD" \
	"the pin mismatch names both fingerprints"
# Cuts anywhere in the handshake or the first records: always a clean
# ERR_TEMP (exit 75) saying the server closed, or success once the cut
# falls past everything the exchange needs; never a hang or a crash.
bad=0
cuts=0
for n in $(seq 0 23 1700); do
	out=$(client --ca "$C/ca.pem" --cut "$n" localhost "$PORT")
	rc=$?
	case "$rc:$out" in
	0:OK*) ;;
	75:"ERROR ERR_TEMP: localhost:$PORT: the server closed the connection"*) cuts=$((cuts + 1)) ;;
	*) bad=$((bad + 1)); echo "# cut at $n: rc $rc: $out" | head -3 ;;
	esac
done
ok "$bad" "a cut at every 23rd byte of the server's side: a clean ERR_TEMP or success"
[ "$cuts" -gt 10 ]
ok $? "and the early cuts ($cuts of them) do fail"

start=$(date +%s)
out=$(client --ca "$C/ca.pem" --timeout 1000 --silent 1 localhost "$PORT")
rc=$?
is "$rc" 75 "a server that sends nothing after the handshake: ERR_TEMP"
like "$out" "^ERROR ERR_TEMP: localhost:$PORT: no data for 1 second; the connection was abandoned" \
	"the read under TLS times out with the stall sentence"
[ $(( $(date +%s) - start )) -le 4 ]
ok $? "within the timeout"

out=$(client --ca "$C/nonexistent.pem" localhost "$PORT")
like "$out" '^ERROR ERR_CONFIG: cannot load tls-ca-file .*nonexistent.pem' \
	"an unreadable tls-ca-file is a configuration error"
out=$(client --ca "$C/ca.tmpl" localhost "$PORT")
like "$out" '^ERROR ERR_CONFIG: tls-ca-file .* holds no PEM certificate' \
	"a tls-ca-file without certificates is a configuration error"
stop_server

# ---- Wrong host ----

start_server "$C/wrong.pem"
out=$(client --ca "$C/ca.pem" localhost "$PORT")
rc=$?
is "$rc" 1 "wrong host: refused"
like "$out" 'it is for mail\.example\.org, pop\.example\.net, not for localhost\.' \
	"the names in the certificate and the host are named"
like "$out" "tls-fingerprint = sha256:" "with a pinning hint"
out=$(client --ca "$C/ca.pem" 127.0.0.1 "$PORT")
like "$out" 'not for 127\.0\.0\.1\.' "an IP host is checked against the names too"
stop_server

# ---- Expired and not yet valid ----

start_server "$C/expired.pem"
out=$(client --ca "$C/ca.pem" localhost "$PORT")
rc=$?
is "$rc" 1 "expired: refused"
like "$out" 'rejected: it expired on 2020-12-31 00:00 UTC\. ' "the expiry date is given"
like "$out" "tls-fingerprint = $(fingerprint "$C/expired.pem")\$" "with its fingerprint to pin"
out=$(client --pin "$(fingerprint "$C/expired.pem")" localhost "$PORT")
ok $? "a pin accepts it anyway (the pin decides alone)"
stop_server

start_server "$C/future.pem"
out=$(client --ca "$C/ca.pem" localhost "$PORT")
like "$out" 'it is not valid yet \(not before 2090-01-01 00:00 UTC' "not yet valid: the start date is given"
stop_server

# ---- Self-signed ----

KEY="$C/self.key"
start_server "$C/self.pem"
out=$(client --ca "$C/ca.pem" localhost "$PORT")
rc=$?
is "$rc" 1 "self-signed: refused"
like "$out" "it is self-signed, which is not among the authorities in $C/ca.pem" \
	"says it is self-signed and which trust anchors were used"
like "$out" "tls-fingerprint = $FP_SELF\$" "and how to pin it"
out=$(client --pin "$FP_SELF" localhost "$PORT")
ok $? "pinning the self-signed certificate works"
like "$out" "^OK PING petrel" "and the session works"
stop_server

# ---- TLS 1.1 only ----

KEY="$C/srv.key"
if start_server "$C/good.pem" 'NORMAL:-VERS-ALL:+VERS-TLS1.1' && ! grep -qi 'error' "$log"; then
	out=$(client --ca "$C/ca.pem" localhost "$PORT")
	rc=$?
	is "$rc" 1 "a TLS 1.1-only server: refused"
	like "$out" 'ERR_PERM: localhost:[0-9]+: the server offers only TLS versions older than 1\.2' \
		"says the server's TLS is too old"
else
	echo "ok $((tap_n += 1)) # SKIP gnutls-serv cannot be limited to TLS 1.1 here"
	echo "ok $((tap_n += 1)) # SKIP (the same)"
fi
stop_server

# ---- Nothing listening ----

out=$(client --ca "$C/ca.pem" 127.0.0.1 "$PORT")
like "$out" '^ERROR ERR_TEMP: cannot connect to 127\.0\.0\.1:[0-9]+ \(127\.0\.0\.1\): connection refused' \
	"a stopped server: connection refused, ERR_TEMP"

done_testing
