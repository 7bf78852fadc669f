#!/bin/sh
# hostile.sh - `petrel fetch` against a scripted server that misbehaves
# in the ways a real Dovecot will not: no greeting, a stall after STLS,
# response injection, no STLS offered, response codes, garbage, duplicate
# and hostile UIDLs, a message that never ends, a very large message
# (memory stays bounded).
. "${top_srcdir:-.}/tests/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed for the scripted server"
"$PETREL" fetch --help >/dev/null 2>&1 || skip_all "petrel fetch is not built"
HOSTILE="$top_srcdir/tests/pop3/hostile.py"

start() { # start SCENARIO [ARGS...]: sets $port, $spid
	rm -f "$WORK/port" "$WORK/client.log"
	python3 "$HOSTILE" "$@" "$WORK/port" --log "$WORK/client.log" --lifetime 120 &
	spid=$!
	i=0
	while [ ! -s "$WORK/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	port=$(cat "$WORK/port")
	cat >"$WORK/config" <<CONF
[account "bad"]
address = jane@example.org
pop3-host = 127.0.0.1
pop3-port = $port
pop3-tls = ${TLS:-none}
pop3-user = jane
pop3-auth = user
password-command = echo s3cret-pass
allow-plaintext-auth = ${PLAIN:-true}
timeout = 2
CONF
}

stop() { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }

fetch() { # fetch: runs petrel fetch; sets $rc, $err
	"$PETREL" --config "$WORK/config" fetch >"$WORK/out" 2>"$WORK/err"
	rc=$?
	err=$(cat "$WORK/err")
}

start no-greeting
fetch
is "$rc" 75 "no greeting: a transient failure"
like "$err" "no data for 2 seconds" "no greeting: the stall is named"
stop

TLS=starttls start stall-stls
fetch
is "$rc" 75 "a stall right after STLS: transient"
grep -q '^PASS' "$WORK/client.log"
is "$?" 1 "a stall after STLS: no password sent"
stop

TLS=starttls start inject-stls
fetch
is "$rc" 1 "response injection after STLS: a permanent failure"
like "$err" "CVE-2020-14954|injected" "injection is named"
grep -q '^PASS' "$WORK/client.log"
is "$?" 1 "injection: no password sent"
stop

TLS=starttls PLAIN=false start no-stls
fetch
is "$rc" 1 "STLS not offered with pop3-tls = starttls: permanent"
like "$err" "does not offer STLS" "and says so"
grep -q '^PASS\|^USER' "$WORK/client.log"
is "$?" 1 "no credential was sent"
stop

PLAIN=false start auth-fail
fetch
is "$rc" 1 "no TLS and no allow-plaintext-auth: refused"
like "$err" "allow-plaintext-auth" "the sentence names the setting"
grep -q '^PASS' "$WORK/client.log"
is "$?" 1 "the password never crossed the plain connection"
stop

for sc in in-use login-delay sys-temp; do
	start $sc
	fetch
	is "$rc" 75 "-ERR [$sc]: transient (exit 75)"
	like "$err" "account bad \(127.0.0.1:$port\)" "[$sc]: names the account and host"
	stop
done

start auth-fail
fetch
is "$rc" 1 "-ERR [AUTH]: permanent"
like "$err" "authentication failed for jane at 127.0.0.1" "a sentence about authentication"
case "$err" in *s3cret-pass*) ok 1 "the password is not in the message";; *) ok 0 "the password is not in the message";; esac
grep -rqs s3cret-pass "$HOME/.local/state/petrel/" ; is "$?" 1 "the password is not in the log"
stop

start garbage
fetch
is "$rc" 1 "a server that is not POP3: permanent"
like "$err" "pop3-host|pop3-port" "it suggests checking host and port"
stop

start dup-uidl
fetch
is "$rc" 0 "duplicate and hostile UIDLs: the fetch completes"
n=$("$PETREL" search "" | wc -l)
is "$n" 3 "all three messages stored"
fetch
n=$("$PETREL" search "" | wc -l)
is "$n" 3 "fetching again stores no duplicate (same bytes)"
stop

rm -f "$PETREL_ARCHIVE"*
start endless
fetch
ok $([ "$rc" -ne 0 ]; echo $?) "a RETR that never ends is given up ($rc)"
like "$err" "ran past" "with a sentence"
"$PETREL" check >/dev/null 2>&1
ok $? "the archive is intact"
stop

# A large message: memory stays bounded (ASan's quarantine is made small so
# the figure means something under the sanitizers).
size=$((200 * 1024 * 1024))
[ -n "${PETREL_SKIP_SLOW:-}" ] && size=$((20 * 1024 * 1024))
start bigmsg --size $size
rm -f "$PETREL_ARCHIVE"*
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=4:malloc_context_size=2" \
python3 - "$PETREL" "$WORK/config" >"$WORK/rss" 2>"$WORK/err" <<'PY'
import os, resource, subprocess, sys
p = subprocess.run([sys.argv[1], "--config", sys.argv[2], "fetch"],
                   stdout=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(p.returncode, r.ru_maxrss // 1024)
PY
read frc rss <"$WORK/rss"
is "$frc" 0 "a $((size / 1024 / 1024)) MB message is fetched"
ok $([ "$rss" -lt 120 ]; echo $?) "peak memory stays bounded: $rss MB for a $((size / 1024 / 1024)) MB message"
got=$("$PETREL" search --format json "" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["size"])')
ok $([ "$got" -gt $((size - 1000)) ]; echo $?) "stored whole ($got bytes)"
stop

done_testing
