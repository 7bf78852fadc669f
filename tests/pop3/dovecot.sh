# dovecot.sh - a private Dovecot POP3 server for tests, with throwaway
# certificates.  Source it after tests/lib.sh; it also sources
# tests/tools/faultproxy.sh.  Everything lives under $WORK, the server
# listens on free loopback high ports, and it is stopped by PID when the
# test exits.
#
#   dc_init                  skip the test unless dovecot, certtool and
#                            python3 exist; make the certificates
#   dc_start [CERT]          start Dovecot serving CERT (default good):
#                              good       localhost, 127.0.0.1, ::1, by the test CA
#                              wronghost  wrong.example, by the test CA
#                              expired    localhost, by the test CA, expired in 2002
#                              untrusted  localhost, self-signed
#                            sets DC_PLAIN_PORT (STLS offered), DC_TLS_PORT
#                            (implicit TLS), DC_HAPROXY_PORT (PROXY v1
#                            first, then as DC_PLAIN_PORT), DC_PID
#   dc_stop                  stop it (SIGTERM, bounded wait, SIGKILL)
#   dc_restart CERT          stop, then start with another certificate
#   dc_add_messages N [PROFILE]  N generated messages (tiny|small|real)
#   dc_add_files FILE...     the given message files
#   dc_left                  how many messages are on the server
#   dc_reset_mailbox         empty the mailbox (and forget what was added)
#   dc_snapshot, dc_restore  save the mailbox as it is; put it back as saved
#                            (new UIDLs: Dovecot's index goes with it)
#   dc_verify [--allow-missing]  compare the archive with what was added and
#                            what is left; prints "have A of M, duplicates D,
#                            missing X, extra E, bad-sha S, lost L"
#   dc_fingerprint CERT      the certificate's pin as tls-fingerprint wants it
#   dc_petrel_config NAME TLS [KEY=VALUE...]   write $PETREL_CONFIG with one
#                            account for jane on this server; TLS is starttls,
#                            implicit or none; KEY=VALUE sets or replaces a
#                            key, KEY= removes it
#   dc_petrel_account NAME TLS [KEY=VALUE...]  append another account
#   dc_log                   the end of Dovecot's log, as TAP comments
#
# Variables: DC_USER (jane), DC_PASS (secret), DC_CA (the CA file),
# DC_MAILDIR, DC_MANIFEST (one line per message added: id, sha256 of the
# LF and CRLF forms, size), DC_DISABLE_PLAINTEXT (no; Dovecot counts
# loopback as secure anyway), PY (python3 itself, not a shim).

. "$top_srcdir/tests/tools/faultproxy.sh"

DC_DIR=$WORK/dovecot
DC_USER=${DC_USER:-jane}
DC_PASS=${DC_PASS:-secret}
DC_DISABLE_PLAINTEXT=${DC_DISABLE_PLAINTEXT:-no}
DC_MAILDIR=$DC_DIR/home/$DC_USER/Maildir
DC_MANIFEST=$DC_DIR/manifest
DC_CA=$WORK/certs/ca.pem
DC_PID=
DC_CERT=
dc_batch=0
dc_mail_uid=
dc_mail_gid=

dc_init() {
	command -v dovecot >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v dovecot >/dev/null 2>&1 || skip_all "dovecot is not installed"
	command -v certtool >/dev/null 2>&1 || skip_all "certtool (gnutls-bin) is not installed"
	command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed"
	dc_mail_uid=$(id -u mail 2>/dev/null) || skip_all "there is no mail user"
	dc_mail_gid=$(id -g mail)
	[ "$(id -u)" = 0 ] || skip_all "a private Dovecot needs root here"
	PY=$(python3 -c 'import sys; print(sys.executable)')
	MAILTOOL="$PY $top_srcdir/tests/pop3/mailtool.py"
	# Dovecot's unprivileged processes must get through to their
	# sockets and the Maildir.
	chmod 711 "$WORK"
	mkdir -p "$DC_DIR" "$DC_MAILDIR/cur" "$DC_MAILDIR/new" "$DC_MAILDIR/tmp"
	chown -R "$dc_mail_uid:$dc_mail_gid" "$DC_DIR/home"
	chmod -R go-rwx "$DC_DIR/home/$DC_USER"
	chmod 711 "$DC_DIR" "$DC_DIR/home"
	: >"$DC_MANIFEST"
	dc_certs || { echo "# certtool failed:"; sed 's/^/# /' "$WORK/certs/log" | tail -20; exit 1; }
	case " ${petrel_cleanups:-} " in
	*" dc_stop "*) ;;
	*) petrel_cleanups="dc_stop ${petrel_cleanups:-}" ;;
	esac
}

# Made once per test run, under $WORK/certs: ca, good, wronghost, expired,
# untrusted (each NAME.pem with NAME.key).  ECDSA keys: quick to make.
dc_certs() {
	_c=$WORK/certs
	[ -s "$_c/untrusted.pem" ] && return 0
	mkdir -p "$_c"
	{
		printf 'cn = "Petrel Test CA"\nca\ncert_signing_key\nexpiration_days = 30\n' >"$_c/ca.tmpl"
		printf 'cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\nip_address = "::1"\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 30\n' >"$_c/good.tmpl"
		printf 'cn = "wrong.example"\ndns_name = "wrong.example"\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 30\n' >"$_c/wronghost.tmpl"
		printf 'cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\nip_address = "::1"\ntls_www_server\nsigning_key\nencryption_key\nactivation_date = "2001-01-01 00:00:00"\nexpiration_date = "2002-01-01 00:00:00"\n' >"$_c/expired.tmpl"
		cp "$_c/good.tmpl" "$_c/untrusted.tmpl"
		for _k in ca good wronghost expired untrusted; do
			certtool --generate-privkey --key-type=ecdsa --outfile "$_c/$_k.key" || return 1
		done
		certtool --generate-self-signed --load-privkey "$_c/ca.key" \
			--template "$_c/ca.tmpl" --outfile "$_c/ca.pem" || return 1
		for _k in good wronghost expired; do
			certtool --generate-certificate --load-privkey "$_c/$_k.key" \
				--load-ca-certificate "$_c/ca.pem" --load-ca-privkey "$_c/ca.key" \
				--template "$_c/$_k.tmpl" --outfile "$_c/$_k.pem" || return 1
		done
		certtool --generate-self-signed --load-privkey "$_c/untrusted.key" \
			--template "$_c/untrusted.tmpl" --outfile "$_c/untrusted.pem" || return 1
	} >"$_c/log" 2>&1
	chmod 600 "$_c"/*.key
}

dc_fingerprint() {
	$PY - "$WORK/certs/$1.pem" <<'PY'
import hashlib, ssl, sys
der = ssl.PEM_cert_to_DER_cert(open(sys.argv[1]).read())
h = hashlib.sha256(der).hexdigest().upper()
print("sha256:" + ":".join(h[i:i + 2] for i in range(0, len(h), 2)))
PY
}

# Three free loopback ports, asked of the kernel.
dc_free_ports() {
	$PY -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))'
}

dc_write_conf() {
	_cert=$1
	cat >"$DC_DIR/passwd" <<EOF
$DC_USER:{PLAIN}$DC_PASS:$dc_mail_uid:$dc_mail_gid::$DC_DIR/home/$DC_USER::
EOF
	# The auth process reads it as the dovecot user; the password is a test one.
	chmod 644 "$DC_DIR/passwd"
	cat >"$DC_DIR/dovecot.conf" <<EOF
# A private Dovecot for Petrel's tests; written by tests/pop3/dovecot.sh.
instance_name = petrel-test-${WORK##*.}
base_dir = $DC_DIR/run
state_dir = $DC_DIR/state
log_path = $DC_DIR/dovecot.log
info_log_path = $DC_DIR/dovecot.log
debug_log_path = $DC_DIR/dovecot.log
protocols = pop3
listen = 127.0.0.1
shutdown_clients = yes

ssl = yes
ssl_cert = <$WORK/certs/$_cert.pem
ssl_key = <$WORK/certs/$_cert.key
ssl_min_protocol = TLSv1.2

disable_plaintext_auth = $DC_DISABLE_PLAINTEXT
auth_mechanisms = plain login scram-sha-256 cram-md5
auth_verbose = yes
auth_cache_size = 0
haproxy_trusted_networks = 127.0.0.0/8

first_valid_uid = $dc_mail_uid
first_valid_gid = $dc_mail_gid
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DC_DIR/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $DC_DIR/passwd
}

service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $DC_PLAIN_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $DC_TLS_PORT
    ssl = yes
  }
  inet_listener pop3-haproxy {
    address = 127.0.0.1
    port = $DC_HAPROXY_PORT
    haproxy = yes
  }
}
protocol pop3 {
  mail_max_userip_connections = 20
}
EOF
}

# Waits until every listener accepts, at most 10 s.
dc_wait_ports() {
	$PY - "$@" <<'PY'
import socket, sys, time
deadline = time.monotonic() + 10
for port in map(int, sys.argv[1:]):
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(1)
            time.sleep(0.05)
PY
}

dc_start() {
	DC_CERT=${1:-good}
	_try=0
	while [ $_try -lt 3 ]; do
		_try=$((_try + 1))
		# A restart keeps the ports (and so the config files written
		# for them) unless they cannot be had again.
		if [ $_try -gt 1 ] || [ -z "${DC_PLAIN_PORT:-}" ]; then
			set -- $(dc_free_ports)
			DC_PLAIN_PORT=$1 DC_TLS_PORT=$2 DC_HAPROXY_PORT=$3
		fi
		dc_write_conf "$DC_CERT"
		dovecot -F -c "$DC_DIR/dovecot.conf" </dev/null >>"$DC_DIR/stdout" 2>&1 &
		DC_PID=$!
		# Should the test die without its traps (SIGKILL), this stops
		# Dovecot within a few seconds; it ends by itself with Dovecot.
		(
			while kill -0 $$ 2>/dev/null && kill -0 "$DC_PID" 2>/dev/null; do
				sleep 1
			done
			kill -0 "$DC_PID" 2>/dev/null && stop_pid "$DC_PID" 100
		) </dev/null >/dev/null 2>&1 &
		if dc_wait_ports "$DC_PLAIN_PORT" "$DC_TLS_PORT" "$DC_HAPROXY_PORT"; then
			return 0
		fi
		# Most likely a port was taken between asking and binding.
		dc_stop
	done
	echo "# Dovecot did not start:"
	sed 's/^/# /' "$DC_DIR/stdout" | tail -10
	dc_log
	return 1
}

dc_stop() {
	[ -n "$DC_PID" ] || return 0
	stop_pid "$DC_PID" 100
	DC_PID=
}

dc_restart() {
	dc_stop
	dc_start "$1"
}

dc_log() {
	tail -n "${1:-15}" "$DC_DIR/dovecot.log" 2>/dev/null | sed 's/^/# dovecot: /'
}

dc_add_messages() {
	dc_batch=$((dc_batch + 1))
	$MAILTOOL gen --maildir "$DC_MAILDIR" --manifest "$DC_MANIFEST" \
		--uid "$dc_mail_uid" --gid "$dc_mail_gid" --count "$1" \
		--profile "${2:-real}" --tag "b$dc_batch-${WORK##*.}" --seed "$dc_batch"
}

dc_add_files() {
	$MAILTOOL add --maildir "$DC_MAILDIR" --manifest "$DC_MANIFEST" \
		--uid "$dc_mail_uid" --gid "$dc_mail_gid" "$@"
}

dc_left() {
	find "$DC_MAILDIR/cur" "$DC_MAILDIR/new" -type f | wc -l | tr -d ' '
}

dc_reset_mailbox() {
	rm -rf "$DC_MAILDIR"
	mkdir -p "$DC_MAILDIR/cur" "$DC_MAILDIR/new" "$DC_MAILDIR/tmp"
	chown -R "$dc_mail_uid:$dc_mail_gid" "$DC_MAILDIR"
	chmod -R go-rwx "$DC_MAILDIR"
	: >"$DC_MANIFEST"
}

dc_snapshot() {
	rm -rf "$DC_DIR/snapshot"
	mkdir -p "$DC_DIR/snapshot"
	for _d in cur new; do
		set -- "$DC_MAILDIR/$_d"/*
		[ -e "$1" ] && cp -p "$@" "$DC_DIR/snapshot/"
	done
	cp "$DC_MANIFEST" "$DC_DIR/snapshot.manifest"
}

dc_restore() {
	dc_reset_mailbox
	set -- "$DC_DIR/snapshot"/*
	[ -e "$1" ] && cp -p "$@" "$DC_MAILDIR/new/"
	chown -R "$dc_mail_uid:$dc_mail_gid" "$DC_MAILDIR"
	cp "$DC_DIR/snapshot.manifest" "$DC_MANIFEST"
}

dc_verify() {
	"$PETREL" search --format json "" >"$WORK/archive.json" 2>"$WORK/archive.err" ||
		{ echo "search failed: $(head -c 300 "$WORK/archive.err")"; return 1; }
	$MAILTOOL verify --manifest "$DC_MANIFEST" --archive-json "$WORK/archive.json" \
		--maildir "$DC_MAILDIR" "$@"
}

# dc_account_text NAME TLS [KEY=VALUE...]: one [account] section.
dc_account_text() {
	_name=$1 _tls=$2
	shift 2
	case $_tls in
	implicit) _port=$DC_TLS_PORT ;;
	*) _port=$DC_PLAIN_PORT ;;
	esac
	{
		echo "address=$DC_USER@example.org"
		echo "pop3-host=127.0.0.1"
		echo "pop3-port=$_port"
		echo "pop3-tls=$_tls"
		echo "pop3-user=$DC_USER"
		echo "password-command=echo $DC_PASS"
		echo "tls-ca-file=$DC_CA"
		echo "pop3-keep=true"
		echo "timeout=20"
		for _kv in "$@"; do
			echo "$_kv"
		done
	} | $PY -c '
import sys
name = sys.argv[1]
keys = {}
for line in sys.stdin.read().splitlines():
    k, _, v = line.partition("=")
    keys.pop(k, None)
    if v:
        keys[k] = v
print("[account \"%s\"]" % name.replace("\\", "\\\\").replace("\"", "\\\""))
for k, v in keys.items():
    print("%s = %s" % (k, v))
print()' "$_name"
}

dc_petrel_config() {
	PETREL_CONFIG=$WORK/petrel.conf
	export PETREL_CONFIG
	dc_account_text "$@" >"$PETREL_CONFIG"
}

dc_petrel_account() {
	dc_account_text "$@" >>"$PETREL_CONFIG"
}
