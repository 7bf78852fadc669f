#!/bin/sh
# archive.sh - import, export, search, show and check through the real
# binary: mbox and Maildir in, both formats out, and back in byte-exact.
. "${top_srcdir:-.}/tests/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed to read JSON"

M="$WORK/in.mbox"
# An mboxrd file: ">From " lines in bodies are quoted, one message twice,
# one with a NUL byte, one 8-bit header, one with no header at all.
{
	printf 'From jane@example.org Mon Jan  1 10:00:00 2024\n'
	printf 'From: Jane <jane@example.org>\nTo: bob@example.org\nSubject: quoting\n'
	printf 'Date: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <q1@example.org>\n\n'
	printf '>From the start of a body line\n>>From already quoted once\nFromage is cheese\n\n'
	printf 'From bob@example.org Tue Jan  2 10:00:00 2024\n'
	printf 'From: Bob <bob@example.org>\nTo: jane@example.org\nSubject: Re: quoting\n'
	printf 'Date: Tue, 2 Jan 2024 10:00:00 +0000\nMessage-ID: <q2@example.org>\n'
	printf 'In-Reply-To: <q1@example.org>\n\nnul\000byte\n\n'
	printf 'From carol@example.net Wed Jan  3 10:00:00 2024\n'
	printf 'From: =?iso-8859-1?q?Ren=E9e?= <renee@example.net>\nSubject: caf\351 latin1\n'
	printf 'Date: Wed, 3 Jan 2024 10:00:00 +0000\n\nbody\n\n'
	printf 'From MAILER-DAEMON Thu Jan  4 10:00:00 2024\n'
	printf 'this message has no header at all\n\n'
	printf 'From jane@example.org Mon Jan  1 10:00:00 2024\n'
	printf 'From: Jane <jane@example.org>\nTo: bob@example.org\nSubject: quoting\n'
	printf 'Date: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <q1@example.org>\n\n'
	printf '>From the start of a body line\n>>From already quoted once\nFromage is cheese\n\n'
} >"$M"

D="$WORK/maildir"
mkdir -p "$D/cur" "$D/new" "$D/tmp"
printf 'From: a@x\nSubject: seen one\nDate: Thu, 1 Feb 2024 10:00:00 +0000\n\nx\n' >"$D/cur/1706781600.1.host:2,S"
printf 'From: b@x\nSubject: replied flagged\nDate: Fri, 2 Feb 2024 10:00:00 +0000\n\ny\n' >"$D/cur/1706868000.2.host:2,FRS"
printf 'From: c@x\nSubject: brand new\nDate: Sat, 3 Feb 2024 10:00:00 +0000\n\nz\n' >"$D/new/1706954400.3.host"
printf 'From: d@x\nSubject: in tmp, ignored\n\n' >"$D/tmp/1706954400.4.host"
PDF_B64=$(printf '%%PDF-1.4\n%%\344\374\n' | base64)
cat >"$D/cur/1706954500.5.host:2,S" <<MSG
From: e@x
Subject: with attachment
Date: Sun, 4 Feb 2024 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Voil=E0 the quarterly figures, see the attachment.
--XX
Content-Type: application/pdf
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf
Content-Transfer-Encoding: base64

$PDF_B64
--XX--
MSG

out=$("$PETREL" import "$M" 2>&1)
ok $? "import an mbox"
is "$out" "$M: 4 imported, 1 duplicate, 0 failed" "mbox counts: the repeated message is a duplicate"

out=$("$PETREL" import "$D" 2>&1)
ok $? "import a Maildir"
is "$out" "$D: 4 imported, 0 duplicate, 0 failed" "Maildir counts (tmp/ is not read)"

out=$("$PETREL" import "$M" 2>&1)
is "$out" "$M: 0 imported, 5 duplicate, 0 failed" "importing again stores nothing new"

json() { "$PETREL" search --format json "$@"; }
field() { python3 -c "import json,sys
for l in sys.stdin: print($1)"; }

n=$(json "" | wc -l)
is "$n" 8 "an empty query matches all eight messages"

subj=$(json "from:renee" | field 'json.loads(l)["subject"]')
is "$subj" "café latin1" "8-bit latin1 subject decoded to UTF-8"
name=$(json "from:renee" | field 'json.loads(l)["from"]["name"]')
is "$name" "Renée" "encoded-word display name decoded"

flags=$(json "subject:replied" | field '",".join(json.loads(l)["flags"])')
is "$flags" "seen,answered,flagged" "Maildir flags F R S imported"
flags=$(json "subject:brand" | field '",".join(json.loads(l)["flags"])')
is "$flags" "" "a message in new/ is unread"
n=$("$PETREL" search is:unread | wc -l)
is "$n" 5 "is:unread counts the mbox messages and the new one"

# MIME: body text is searchable, attachments are listed and extractable.
att=$(json "has:attachment" | field '",".join(json.loads(l)["attachments"])')
is "$att" "résumé.pdf" "attachment names in JSON (RFC 2231 decoded)"
n=$("$PETREL" search "voilà figures" | wc -l)
is "$n" 1 "body text is in the full-text index (quoted-printable, latin-1)"
n=$("$PETREL" search "body:voila" | wc -l)
is "$n" 1 "body: searches the body, accents folded"
aid=$(json "has:attachment" | field 'json.loads(l)["id"]')
txt=$("$PETREL" show --text "$aid")
like "$txt" "^Subject: with attachment" "show --text starts with the decoded header"
like "$txt" "Voilà the quarterly figures" "show --text decodes the body to UTF-8"
like "$txt" "résumé.pdf" "show --text lists the attachment"
got=$("$PETREL" show --part 2 "$aid" | od -An -c | tr -s ' ' | head -1)
like "$got" "% P D F - 1 \. 4" "show --part writes the decoded attachment"
"$PETREL" show --part 9 "$aid" >/dev/null 2>"$WORK/err"
is "$?" 1 "a missing part is an error"

d=$(json "date:2024-01-04" | field 'json.loads(l)["date"]')
is "$d" 1704362400 "a message without Date: takes its From_ line's date"

t1=$(json "id:q1@example.org" | field 'json.loads(l)["thread"]')
t2=$(json "id:q2@example.org" | field 'json.loads(l)["thread"]')
is "$t1" "$t2" "a reply shares its parent's thread"

# show --raw gives back the exact bytes: its SHA-256 is the stored one.
id=$(json "id:q2@example.org" | field 'json.loads(l)["id"]')
want=$(json "id:q2@example.org" | field 'json.loads(l)["sha256"]')
got=$("$PETREL" show --raw "$id" | sha256sum | cut -d' ' -f1)
is "$got" "$want" "show --raw is byte-exact (NUL byte included)"
got=$("$PETREL" show --raw "<q2@example.org>" | sha256sum | cut -d' ' -f1)
is "$got" "$want" "show accepts a <message-id>"
q1=$("$PETREL" show --raw "<q1@example.org>")
like "$q1" "^From the start of a body line" "mboxrd quoting undone once"
like "$q1" "^>From already quoted once" "deeper quoting undone once too"
h=$("$PETREL" show --headers "$(json from:renee | field 'json.loads(l)["id"]')")
like "$h" "^From: Renée <renee@example.net>" "show --headers decodes encoded words"

"$PETREL" show --raw 99999 >/dev/null 2>"$WORK/err"
is "$?" 1 "show of a missing message fails"
like "$(cat "$WORK/err")" "no message 99999" "with a sentence naming it"

# Round trips: export then import into a fresh archive gives the same
# bytes and flags.
sums() { PETREL_ARCHIVE="$1" "$PETREL" search --format json "" |
	field 'json.loads(l)["sha256"] + " " + ",".join(json.loads(l)["flags"])' | sort; }
before=$(sums "$PETREL_ARCHIVE")

"$PETREL" export --format mbox "$WORK/out.mbox" >/dev/null
ok $? "export to mbox"
like "$(cat "$WORK/out.mbox")" "^>From the start of a body line" "export quotes From lines (mboxrd)"
like "$(cat "$WORK/out.mbox")" "^>>From already quoted once" "and quoted ones once more"
PETREL_ARCHIVE="$WORK/rt-mbox.db" "$PETREL" import "$WORK/out.mbox" >/dev/null
after=$(sums "$WORK/rt-mbox.db" | cut -d' ' -f1)
is "$after" "$(echo "$before" | cut -d' ' -f1)" "mbox round trip: the same bytes for every message"

"$PETREL" export --format maildir "$WORK/out-maildir" >/dev/null
ok $? "export to Maildir"
PETREL_ARCHIVE="$WORK/rt-maildir.db" "$PETREL" import "$WORK/out-maildir" >/dev/null
after=$(sums "$WORK/rt-maildir.db")
is "$after" "$before" "Maildir round trip: the same bytes and flags"

"$PETREL" export --format maildir --query "is:flagged" "$WORK/flagged" >/dev/null
n=$(ls "$WORK/flagged/cur" "$WORK/flagged/new" 2>/dev/null | grep -c ':2,')
is "$n" 1 "export --query writes only the matches"

out=$("$PETREL" check 2>&1)
ok $? "check passes on a healthy archive"
like "$out" "8 messages checked, all intact" "check reports the count"

# A non-mbox file after a good one: the good one is committed, the error
# names the file, the exit status is 1.
printf 'just some text\n' >"$WORK/notmbox.txt"
printf 'From x Mon Jan  1 00:00:00 2024\nSubject: good\n\nfine\n' >"$WORK/good.mbox"
PETREL_ARCHIVE="$WORK/partial.db" "$PETREL" import "$WORK/good.mbox" "$WORK/notmbox.txt" >"$WORK/out" 2>"$WORK/err"
is "$?" 1 "importing a non-mbox file fails"
like "$(cat "$WORK/err")" "notmbox.txt" "the error names the file"
n=$(PETREL_ARCHIVE="$WORK/partial.db" "$PETREL" search "" | wc -l)
is "$n" 1 "what came before the broken file is kept"

"$PETREL" import "$WORK/does-not-exist" >/dev/null 2>"$WORK/err"
is "$?" 1 "importing a missing path fails"
like "$(cat "$WORK/err")" "does-not-exist" "naming the path"

"$PETREL" search "date:soon" >/dev/null 2>"$WORK/err"
is "$?" 2 "a bad query is a usage error (exit 2)"
like "$(cat "$WORK/err")" "date:soon" "naming the bad term"

# Tamper with one message's bytes: check finds it.
python3 - "$PETREL_ARCHIVE" "$id" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE message_raw SET raw = CAST('changed' AS BLOB) WHERE id = ?", (int(sys.argv[2]),))
db.commit()
PY
out=$("$PETREL" check 2>&1)
is "$?" 1 "check fails when a message's bytes changed"
like "$out" "message $id: SHA-256 does not match" "and names the message"

# Control characters in a subject or name reach no terminal: the header
# decoder stores them as U+FFFD, all but the tab, which the listing turns
# into a space, wherever it sits in a long clean stretch (the listing
# scans 8 bytes at a time).
C="$WORK/ctl"
mkdir -p "$C/cur" "$C/new" "$C/tmp"
printf 'From: =?utf-8?q?Eve=1B=5B31m_Longname?= <eve@x>\nSubject: =?utf-8?q?abcdefghijklmnop=1B=5B2Jqrstuvwx=7F=09end=07?=\nDate: Sun, 4 Feb 2024 10:00:00 +0000\n\nctl\n' \
	>"$C/cur/1707040800.6.host:2,S"
printf 'From: t@x\nSubject: 12345678\t90\tab\t\nDate: Mon, 5 Feb 2024 10:00:00 +0000\n\ntab\n' \
	>"$C/cur/1707127200.7.host:2,S"
PETREL_ARCHIVE="$WORK/ctl.db" "$PETREL" import "$C" >/dev/null 2>&1
PETREL_ARCHIVE="$WORK/ctl.db" "$PETREL" search "" >"$WORK/ctl.out"
r=$(printf '\357\277\275')
is "$(sed -n 1p "$WORK/ctl.out" | cut -f4-)" "$(printf 'Eve%s[31m Longname\tabcdefghijklmnop%s[2Jqrstuvwx%s end%s' "$r" "$r" "$r" "$r")" \
	"escape, delete and bell arrive as U+FFFD, a tab as a space"
is "$(sed -n 2p "$WORK/ctl.out" | cut -f5-)" "12345678 90 ab" "tabs at a word's edge and inside"
is "$(tr -d '\t\n' <"$WORK/ctl.out" | LC_ALL=C tr -cd '\000-\037\177' | wc -c)" 0 \
	"no control byte but the tab separators and newlines"

"$PETREL" --version | grep -q "^petrel "
ok $? "--version"
"$PETREL" search --help | grep -q "usage: petrel search"
ok $? "search --help"
"$PETREL" frobnicate >/dev/null 2>&1
is "$?" 2 "an unknown command is a usage error"

done_testing
