#!/bin/sh
# show.sh - petrel show with several IDs: order kept, a form feed line
# between two messages (--text, --headers), --raw back to back and
# byte-equal to single calls, a missing ID reported while the rest are
# shown, and the usage errors.
. "${top_srcdir:-.}/tests/lib.sh"

D="$WORK/maildir"
mkdir -p "$D/cur" "$D/new" "$D/tmp"
for i in 1 2 3; do
	printf 'From: n%s@x\nSubject: number %s\nMessage-ID: <m%s@example.org>\nDate: Thu, %s Feb 2024 10:00:00 +0000\n\nbody %s\n' \
		"$i" "$i" "$i" "$i" "$i" >"$D/cur/170678160$i.$i.host:2,S"
done
# A body with a form feed of its own, and a message with no final newline.
printf 'From: f@x\nSubject: form feed\nMessage-ID: <ff@example.org>\n\npage one\n\f\npage two\n' \
	>"$D/cur/1706781604.4.host:2,S"
printf 'From: t@x\nSubject: no newline\n\nlast line' >"$D/cur/1706781605.5.host:2,S"
"$PETREL" import "$D" >/dev/null
ok $? "import the Maildir"

# The archive ids of the messages by subject.
id_of() { "$PETREL" search "subject:\"$1\"" | cut -f1; }
i1=$(id_of "number 1") i2=$(id_of "number 2") i3=$(id_of "number 3")
iff=$(id_of "form feed") inl=$(id_of "no newline")
ff=$(printf '\f')

# Subjects of the --text sections in output order; an empty section is "-".
sections() {
	awk -v ff="$ff" 'BEGIN { s = "-" }
		$0 == ff { printf "%s|", s; s = "-"; next }
		/^Subject: / && s == "-" { s = substr($0, 10) }
		END { print s }'
}

out=$("$PETREL" show --text "$i3" "$i1" "$i2")
ok $? "show --text with three ids succeeds"
is "$(printf '%s\n' "$out" | sections)" "number 3|number 1|number 2" \
	"the messages come in the order given, one section each"
is "$(printf '%s\n' "$out" | grep -c "^$ff\$")" 2 "a form feed line between two messages"
is "$("$PETREL" show --text "$i1" | grep -c "$ff")" 0 "one message: no delimiter"

out=$("$PETREL" show --text "$i1" "<m2@example.org>" m3@example.org)
is "$(printf '%s\n' "$out" | sections)" "number 1|number 2|number 3" \
	"ids and Message-IDs mix"
out=$("$PETREL" show --text "$i2" "$i2")
is "$(printf '%s\n' "$out" | sections)" "number 2|number 2" "a repeated id is shown twice"

out=$("$PETREL" show --text "$i1" "$iff" "$i2")
is "$(printf '%s\n' "$out" | sections)" "number 1|form feed|number 2" \
	"a form feed inside a message does not split it"
is "$(printf '%s\n' "$out" | grep -c "$ff")" 2 "only the delimiters hold a form feed"

# A missing message: reported, the rest shown, its section empty, status 1.
"$PETREL" show --text "$i1" 99999 "$i3" >"$WORK/out" 2>"$WORK/err"
is "$?" 1 "a missing id in the middle: exit status 1"
is "$(sections <"$WORK/out")" "number 1|-|number 3" \
	"the others are shown, in order; the missing one's section is empty"
like "$(cat "$WORK/err")" "no message 99999 in archive" "stderr names the missing id"
like "$(cat "$WORK/err")" "1 of 3 messages was not found" "and sums up at the end"
"$PETREL" show --text 99999 "<nowhere@example.org>" >"$WORK/out" 2>"$WORK/err"
is "$?" 1 "every id missing: exit status 1"
is "$(grep -c 'no message' "$WORK/err")" 2 "each missing id has its sentence"

out=$("$PETREL" show --headers "$i2" "$i1")
ok $? "show --headers with two ids succeeds"
is "$(printf '%s\n' "$out" | sections)" "number 2|number 1" "--headers: order and delimiter"

# --raw: back to back, the same bytes as one call per message.
: >"$WORK/want"
for i in "$i3" "$inl" "$iff" "$i1"; do
	"$PETREL" show --raw "$i" >>"$WORK/want"
done
"$PETREL" show --raw "$i3" "$inl" "$iff" "$i1" >"$WORK/got"
ok $? "show --raw with four ids succeeds"
cmp -s "$WORK/want" "$WORK/got"
ok $? "--raw of several ids is the concatenation of single calls"
"$PETREL" show "$i1" 0 "$i2" >"$WORK/got" 2>/dev/null
is "$?" 1 "--raw (the default) with a missing id: exit status 1"
cat "$D/cur/1706781601.1.host:2,S" "$D/cur/1706781602.2.host:2,S" >"$WORK/want"
cmp -s "$WORK/want" "$WORK/got"
ok $? "--raw skips the missing one and writes the rest"

# Usage.
"$PETREL" show >/dev/null 2>"$WORK/err"
is "$?" 2 "show without an id is bad usage"
"$PETREL" show --part 1 "$i1" "$i2" >/dev/null 2>"$WORK/err"
is "$?" 2 "--part with two ids is bad usage"
like "$(cat "$WORK/err")" "--part takes one message" "saying so"
"$PETREL" show --help >"$WORK/out"
like "$(cat "$WORK/out")" "ID\.\.\." "--help names several IDs"

done_testing
