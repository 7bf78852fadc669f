#!/bin/sh
# fetch-retention.sh - pop3-keep and pop3-delete-after-days against a real
# Dovecot started here.  With keep and N days, a message leaves the server
# once N days have passed since Petrel fetched it (the fetched time in the
# UIDL ledger, pop3_uidls.fetched, which the test moves back with python3's
# sqlite3), and nothing else does: not a younger one, not a partial
# (headers-only) one, not anything with N = 0.  With pop3-keep = false
# everything stored whole goes at once, partial messages stay.  Nothing is
# downloaded again: the session goes through a plaintext proxy whose dump
# shows every command Petrel sent.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/pop3/dovecot.sh"

dc_init
dc_start || { echo "Bail out! Dovecot did not start"; exit 1; }

DAYS=3
DAY=86400

# fetch [KEY=VALUE...]: petrel fetch of account "home" through the dumping
# proxy; $rc, $WORK/out, $WORK/err; $WORK/cmds: the commands it sent.
fetch() {
	dc_petrel_config home none "pop3-port=$FP_PORT" allow-plaintext-auth=true \
		pop3-max-size=10k "pop3-delete-after-days=$DAYS" "$@"
	rm -f "$WORK"/dump.*
	_ended=$(fp_ended dump)
	timeout 60 "$PETREL" fetch >"$WORK/out" 2>"$WORK/err"
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/# stderr: /' "$WORK/err" | head -5
	# Petrel does not wait for QUIT's answer: the proxy may still be
	# closing the session, and writes its dump when it has.
	fp_wait_ended dump $((_ended + 1))
	cat "$WORK"/dump.*.up 2>/dev/null | tr -d '\r' | cut -d' ' -f1 | sort | uniq -c |
		awk '{ printf "%s=%s ", $2, $1 }' >"$WORK/cmds"
}
# cmds VERB...: how many of each the last fetch sent, as "VERB=N ...".
cmds() {
	for _v in "$@"; do
		_n=$(sed -n "s/.*\\b$_v=\\([0-9]*\\).*/\\1/p" "$WORK/cmds")
		printf '%s=%s ' "$_v" "${_n:-0}"
	done | sed 's/ $//'
}
count() { "$PETREL" search "" 2>/dev/null | wc -l | tr -d ' '; }
check_ok() {
	"$PETREL" check >"$WORK/check.out" 2>&1
	ok $? "petrel check passes $1"
}
# The Message-IDs on the server (Dovecot's Maildir on disk), sorted, on one line.
on_server() { $MAILTOOL server-ids --maildir "$DC_MAILDIR" | sort | tr '\n' ' ' | sed 's/ $//'; }
# mids LINE...: the Message-IDs of those lines of the manifest, sorted, on one line.
mids() {
	for _l in "$@"; do
		sed -n "${_l}p" "$DC_MANIFEST" | cut -d' ' -f1
	done | sort | tr '\n' ' ' | sed 's/ $//'
}
# On the server, through POP3: STAT's count.
stat_count() {
	$PY - "$DC_PLAIN_PORT" "$DC_USER" "$DC_PASS" <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user(sys.argv[2]); p.pass_(sys.argv[3])
print(p.stat()[0])
p.quit()
PY
}
# ledger age SECONDS MID...: move the fetched time of those messages' UIDL
# records back; ledger deleted: the Message-IDs whose UIDL is recorded as
# deleted from the server; ledger partial: those recorded partial.
cat >"$WORK/ledger.py" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cmd = sys.argv[2]
q = ("SELECT m.message_id FROM pop3_uidls u JOIN messages m ON m.id = u.message "
     "WHERE u.account = 'home' AND u.%s = 1 ORDER BY 1")
if cmd == "age":
    secs = int(sys.argv[3])
    for mid in sys.argv[4:]:
        n = db.execute("UPDATE pop3_uidls SET fetched = fetched - ? WHERE account = 'home' "
                       "AND message IN (SELECT id FROM messages WHERE message_id = ?)",
                       (secs, mid)).rowcount
        if n != 1:
            sys.exit("%s: %d UIDL records" % (mid, n))
    db.commit()
elif cmd in ("deleted", "partial"):
    print(" ".join(r[0] for r in db.execute(q % cmd)))
PY
ledger() { $PY "$WORK/ledger.py" "$PETREL_ARCHIVE" "$@"; }
# age SECONDS LINE...: the manifest's lines LINE... fetched SECONDS earlier.
age() {
	_s=$1
	shift
	# shellcheck disable=SC2046
	ledger age "$_s" $(mids "$@") || echo "# ledger age failed"
}
# big NAME: a message of about 40 KB, over pop3-max-size.
big() {
	$PY - "$1" >"$WORK/$1.eml" <<'PY'
import sys
print("From: Big <big@example.org>\nTo: Jane <jane@example.org>\n"
      "Subject: big %s\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n"
      "Message-ID: <%s@petrel.test>\n" % (sys.argv[1], sys.argv[1]))
for i in range(800):
    print("line %d of a message too big for pop3-max-size, %s" % (i, sys.argv[1]))
PY
	dc_add_files "$WORK/$1.eml"
}

fp_start dump --connect "127.0.0.1:$DC_PLAIN_PORT" --dump "$WORK/dump"

# Twelve small messages (manifest lines 1-12), two large ones (13, 14).
dc_add_messages 12 small
big big1
big big2
all=$(mids 1 2 3 4 5 6 7 8 9 10 11 12 13 14)

fetch
is "$rc" 0 "fetch with pop3-keep and pop3-delete-after-days = $DAYS exits 0"
is "$(count)" 14 "every message is stored"
is "$(ledger partial)" "big1@petrel.test big2@petrel.test" "the two large ones as headers only"
is "$(cmds RETR TOP DELE)" "RETR=12 TOP=2 DELE=0" "each downloaded once, none deleted"
is "$(on_server)" "$all" "every message stays on the server"
check_ok "after the first fetch"

fetch
is "$rc.$(cmds RETR TOP DELE).$(dc_left)" "0.RETR=0 TOP=0 DELE=0.14" \
	"a second fetch the same day downloads nothing and deletes nothing"

# Fetched DAYS+1 days ago: 1-4 and the partial big1.  DAYS days and two
# minutes: 5.  DAYS-1 days: 6-8.  An hour short of DAYS days: 9.
age $(((DAYS + 1) * DAY)) 1 2 3 4 13
age $((DAYS * DAY + 120)) 5
age $(((DAYS - 1) * DAY)) 6 7 8
age $((DAYS * DAY - 3600)) 9
fetch
is "$rc" 0 "fetch after some messages aged exits 0"
is "$(cmds RETR TOP DELE)" "RETR=0 TOP=0 DELE=5" "it deletes five, downloads nothing"
is "$(on_server)" "$(mids 6 7 8 9 10 11 12 13 14)" \
	"exactly those fetched $DAYS days ago or more are gone from the Maildir; the partial one stays"
is "$(stat_count)" 9 "and POP3 STAT counts the nine left"
is "$(ledger deleted)" "$(mids 1 2 3 4 5)" "the ledger records exactly those as deleted"
is "$(count)" 14 "the archive still holds all fourteen, once each"
check_ok "after deleting by age"

fetch
is "$rc.$(cmds RETR TOP DELE).$(dc_left)" "0.RETR=0 TOP=0 DELE=0.9" \
	"the next fetch has nothing to delete or download"

# Two more days: 6-8 are now DAYS+1 days old.
age $((2 * DAY)) 6 7 8
fetch
is "$rc.$(cmds RETR TOP DELE)" "0.RETR=0 TOP=0 DELE=3" "as time passes, the next ones come due"
is "$(on_server)" "$(mids 9 10 11 12 13 14)" "and exactly they leave the server"

# Everything a thousand days old: 0 days (set, or the default) never deletes.
age $((1000 * DAY)) 9 10 11 12 13 14
fetch pop3-delete-after-days=0
is "$rc.$(cmds RETR TOP DELE).$(dc_left)" "0.RETR=0 TOP=0 DELE=0.6" \
	"pop3-delete-after-days = 0 never deletes, however old"
fetch pop3-delete-after-days=
is "$rc.$(cmds RETR TOP DELE).$(dc_left)" "0.RETR=0 TOP=0 DELE=0.6" "nor does the default"
fetch
is "$rc.$(cmds RETR TOP DELE)" "0.RETR=0 TOP=0 DELE=4" "back to $DAYS days, the old whole ones go"
is "$(on_server)" "big1@petrel.test big2@petrel.test" "and the two partial ones stay, however old"
is "$(count)" 14 "nothing was stored twice"
check_ok "after the retention fetches"

# pop3-keep = false: whatever is stored whole is deleted in the same
# session, partial messages stay (the rest is fetched on demand).
dc_reset_mailbox
PETREL_ARCHIVE=$WORK/nokeep.db
dc_add_messages 4 small
big big3
fetch pop3-keep=false pop3-delete-after-days=
is "$rc.$(cmds RETR TOP DELE)" "0.RETR=4 TOP=1 DELE=4" \
	"pop3-keep = false deletes each message stored whole in the same session"
is "$(on_server).$(count)" "big3@petrel.test.5" "all stored; only the partial one is left on the server"
age $((1000 * DAY)) 5
fetch pop3-keep=false
is "$rc.$(cmds RETR TOP DELE).$(on_server)" "0.RETR=0 TOP=0 DELE=0.big3@petrel.test" \
	"and it stays, however old, with pop3-delete-after-days too"
like "$(tr '\n' ' ' <"$WORK/err")" "pop3-delete-after-days.*no effect" \
	"which warns that it has no effect without pop3-keep"
check_ok "in delete mode"

done_testing
