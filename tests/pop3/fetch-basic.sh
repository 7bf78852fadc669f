#!/bin/sh
# fetch-basic.sh - petrel fetch against a real Dovecot started here: STLS
# and implicit TLS, nothing fetched twice, only new mail fetched, keep and
# delete modes, authentication methods, a wrong password, bad certificates
# and a pinned one, headers only above pop3-max-size, several accounts.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/pop3/dovecot.sh"

dc_init
dc_start || { echo "Bail out! Dovecot did not start"; exit 1; }

# The harness itself, whatever state petrel fetch is in.
$PY - "$DC_PLAIN_PORT" "$DC_TLS_PORT" "$DC_CA" "$DC_USER" "$DC_PASS" >"$WORK/probe" 2>&1 <<'PY'
import poplib, ssl, sys
plain, tls, ca, user, pw = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
p = poplib.POP3("127.0.0.1", int(plain), timeout=10)
caps = p.capa()
p.stls(ctx)
p.user(user); p.pass_(pw)
p.quit()
p = poplib.POP3_SSL("127.0.0.1", int(tls), context=ctx, timeout=10)
p.user(user); p.pass_(pw)
p.quit()
print("STLS" in caps, "PIPELINING" in caps, "UIDL" in caps, sorted(caps.get("SASL", [])))
PY
is "$(cat "$WORK/probe")" "True True True ['CRAM-MD5', 'LOGIN', 'PLAIN', 'SCRAM-SHA-256']" \
	"the private Dovecot answers on the STLS and implicit-TLS ports, with the test CA"

if ! "$PETREL" fetch --help >/dev/null 2>&1; then
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP petrel fetch is not there yet"
	done_testing
	exit
fi

# fetch [ARGS...]: run petrel fetch, bounded; $rc, $WORK/out, $WORK/err.
fetch() {
	timeout 120 "$PETREL" fetch "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/# stderr: /' "$WORK/err" | head -5
}
err() { tr '\n' ' ' <"$WORK/err"; }
count() { "$PETREL" search "" 2>/dev/null | wc -l | tr -d ' '; }
check_ok() { # check_ok WHEN
	"$PETREL" check >"$WORK/check.out" 2>&1
	ok $? "petrel check passes $1"
}
# Bytes sent down through a plain forwarding proxy in connection N.
down_bytes() { fp_bytes "$1" "$2" down; }

dc_add_messages 40 real
dc_add_messages 5 small

# Fetch everything over STLS, through a plain proxy that counts bytes.
fp_start count --connect "127.0.0.1:$DC_PLAIN_PORT"
countp=$FP_PID
dc_petrel_config home starttls "pop3-port=$FP_PORT"
fetch
is "$rc" 0 "fetch over STLS exits 0"
is "$(dc_verify)" "have 45 of 45, duplicates 0, missing 0, extra 0, bad-sha 0, lost 0" \
	"every message is in the archive once, byte for byte"
like "$(cat "$WORK/out")" "home" "one summary line names the account: $(head -c 200 "$WORK/out")"
is "$(wc -l <"$WORK/out" | tr -d ' ')" 1 "and it is one line when not on a terminal"
is "$(dc_left)" 45 "pop3-keep (the default) leaves the messages on the server"
check_ok "after the first fetch"
first=$(down_bytes count 1)

fetch
is "$rc" 0 "a second fetch exits 0"
is "$(count)" 45 "and stores nothing new"
second=$(down_bytes count 2)
ok $([ "${second:-999999}" -lt 20000 ]; echo $?) "and downloads no message again ($second bytes down, $first the first time)"

fetch --quiet
is "$rc.$(cat "$WORK/out")" "0." "--quiet prints nothing when all is well"

# New mail arrives: only it crosses the wire.
dc_add_messages 6 small
new_size=$(tail -n 6 "$DC_MANIFEST" | awk '{ s += $4 } END { print s }')
fetch
is "$rc" 0 "fetch after new mail arrived exits 0"
is "$(dc_verify)" "have 51 of 51, duplicates 0, missing 0, extra 0, bad-sha 0, lost 0" "the new messages are stored"
n=$(grep -c '^conn' "$WORK/fp-count.log")
third=$(down_bytes count "$n")
ok $([ "$third" -lt $((new_size + new_size / 5 + 20000)) ]; echo $?) \
	"only the new mail was downloaded ($third bytes down for $new_size bytes of new mail)"
check_ok "after fetching new mail"
fp_stop "$countp"

# Implicit TLS, into a second archive.
dc_petrel_config home implicit
PETREL_ARCHIVE=$WORK/implicit.db
fetch
is "$rc" 0 "fetch over implicit TLS exits 0"
is "$(dc_verify)" "have 51 of 51, duplicates 0, missing 0, extra 0, bad-sha 0, lost 0" \
	"every message arrives over implicit TLS too"
check_ok "after the implicit-TLS fetch"

# Each authentication method, set explicitly.  Dovecot logs the one used.
for mech in scram-sha-256 plain cram-md5 login; do
	PETREL_ARCHIVE=$WORK/auth-$mech.db
	dc_petrel_config home starttls "pop3-auth=$mech"
	: >"$DC_DIR/dovecot.log"
	fetch
	upper=$(echo "$mech" | tr a-z A-Z)
	is "$rc" 0 "pop3-auth = $mech works"
	like "$(grep 'Login: user=<' "$DC_DIR/dovecot.log" | tail -1)" "method=$upper" "and Dovecot saw $upper"
	is "$(count)" 51 "and the mail arrives with $mech"
	check_ok "after logging in with $mech"
done

# Delete mode: stored, then gone from the server.
PETREL_ARCHIVE=$WORK/delete.db
dc_petrel_config home implicit pop3-keep=false
fetch
is "$rc" 0 "fetch with pop3-keep = false exits 0"
is "$(dc_verify)" "have 51 of 51, duplicates 0, missing 0, extra 0, bad-sha 0, lost 0" "everything is stored"
is "$(dc_left)" 0 "and deleted from the server"
check_ok "after fetching in delete mode"
dc_add_messages 3 small
fetch
is "$rc.$(dc_left).$(count)" "0.0.54" "new mail in delete mode: stored, deleted"

# Wrong password: a permanent failure, in one sentence naming account and host.
dc_add_messages 2 small
PETREL_ARCHIVE=$WORK/wrong.db
dc_petrel_config home starttls "password-command=echo not-the-password"
fetch
is "$rc" 1 "a wrong password exits 1"
like "$(err)" "home" "the error names the account: $(err | head -c 300)"
like "$(err)" "127\\.0\\.0\\.1" "and the host"
like "$(err)" "[Aa]uthenticat|[Pp]assword|[Ll]og ?in" "and says what failed"
is "$(count)" 0 "nothing is stored"
is "$(dc_left)" 2 "nothing is deleted"

# Certificates.  A restart keeps the ports.
for cert in expired wronghost untrusted; do
	dc_restart "$cert" || { echo "Bail out! Dovecot did not restart"; exit 1; }
	for tls in implicit starttls; do
		dc_petrel_config home "$tls"
		fetch
		is "$rc" 1 "$tls, $cert certificate: exit 1"
		case $cert in
		expired) want="expire" ;;
		wronghost) want="wrong\\.example" ;;
		untrusted) want="issuer|trust|self-signed|unknown|authority" ;;
		esac
		like "$(err)" "$want" "saying what is wrong with it: $(err | head -c 300)"
		like "$(err)" "tls-fingerprint" "and how to pin it"
		like "$(err)" "home" "naming the account"
	done
done
# The untrusted certificate pinned: accepted; the pin of another: refused.
dc_petrel_config home implicit "tls-fingerprint=$(dc_fingerprint untrusted)" pop3-keep=false
fetch
is "$rc" 0 "a tls-fingerprint pin accepts the untrusted certificate"
is "$(count).$(dc_left)" "2.0" "and the mail arrives"
dc_petrel_config home starttls "tls-fingerprint=$(dc_fingerprint good)"
fetch
is "$rc" 1 "the pin of another certificate is refused"
like "$(err)" "fingerprint|pin" "with a sentence about the pin: $(err | head -c 300)"
check_ok "after the certificate tests"
dc_restart good || { echo "Bail out! Dovecot did not restart"; exit 1; }

# pop3-max-size: larger messages come as headers only, marked partial.
dc_reset_mailbox
dc_add_messages 40 real
PETREL_ARCHIVE=$WORK/maxsize.db
dc_petrel_config home starttls pop3-max-size=20k
fetch
is "$rc" 0 "fetch with pop3-max-size exits 0"
"$PETREL" search --format json "" >"$WORK/maxsize.json"
is "$($PY - "$WORK/maxsize.json" "$DC_MANIFEST" <<'PY'
import json, sys
size = {l.split()[0]: int(l.split()[3]) for l in open(sys.argv[2])}
bad = 0
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    n += 1
    s = size[o["message_id"]]
    if s > 24 * 1024 and not o["partial"]:
        bad += 1
    if s < 16 * 1024 and o["partial"]:
        bad += 1
print(n, bad)
PY
)" "40 0" "messages over 20 KB are stored partial, smaller ones whole"
check_ok "after a fetch with pop3-max-size"

# Several accounts: by name, or all; a failing one makes the run fail.
PETREL_ARCHIVE=$WORK/multi.db
dc_petrel_config good starttls
dc_petrel_account bad implicit "password-command=echo nope"
fetch good
is "$rc.$(count)" "0.40" "fetch NAME fetches that account only"
fetch
is "$rc" 1 "fetch of all accounts exits 1 when one fails for good"
like "$(err)" "bad" "naming the failing account"
check_ok "at the end"

done_testing
