#!/bin/sh
# tui.sh - the real binary in tmux: the index shows the archive, keys move
# and flag, hostile subjects never reach the terminal as escapes, and
# quitting restores the terminal with exit status 0.
. "${top_srcdir:-.}/tests/lib.sh"

command -v tmux >/dev/null || skip_all "tmux is not installed"

M="$WORK/in.mbox"
{
	i=1
	while [ $i -le 40 ]; do
		printf 'From x Mon Jan  1 00:00:00 2024\nFrom: Sender %d <s%d@example.org>\n' $i $i
		printf 'Subject: message number %02d\nDate: %d Mar 2024 10:%02d:00 +0000\n' $i $(( (i % 28) + 1 )) $i
		printf 'Message-ID: <m%d@example.org>\n\nbody %d\n\n' $i $i
		i=$((i + 1))
	done
	printf 'From x Mon Jan  1 00:00:00 2024\nFrom: =?utf-8?b?5bGx55Sw5aSq6YOO?= <yamada@example.jp>\n'
	printf 'Subject: =?utf-8?q?=E6=97=A5=E6=9C=AC=E8=AA=9E_wide_=1B]0;pwned=07_end?=\n'
	printf 'Date: 30 Mar 2024 10:00:00 +0000\n\nbody\n\n'
} >"$M"
"$PETREL" import "$M" >/dev/null || { echo "Bail out! import failed"; exit 1; }

SOCK="$WORK/tmux.sock"
T() { tmux -S "$SOCK" "$@"; }
T -f /dev/null new-session -d -s petrel -x 100 -y 20 "sh" || skip_all "tmux cannot start here"
trap 'T kill-server 2>/dev/null; rm -rf "$WORK"' EXIT
# Start the program only once the session is up; record its exit status.
T send-keys -t petrel "env LANG=C.UTF-8 TERM=screen PETREL_ARCHIVE='$PETREL_ARCHIVE' HOME='$HOME' '$PETREL'; echo \"exit=\$?\" >'$WORK/status'" Enter

screen() { T capture-pane -p -t petrel; }
wait_for() { # wait_for REGEX: up to 10 s for the screen to match
	i=0
	while [ $i -lt 100 ]; do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

wait_for "41 messages"
ok $? "the status line counts the archive"
s=$(screen)
like "$s" "41 unread" "every imported message is unread"
like "$s" "日本語 wide .*pwned.* end" "wide characters shown, the escape sequence shown inert"
like "$s" "山田太郎" "encoded-word sender decoded"
like "$s" "message number 40" "the newest messages are on the first screen"
case "$s" in *"message number 01"*) ok 1 "only one screen of rows is shown";; *) ok 0 "only one screen of rows is shown";; esac
T display-message -p -t petrel '#{pane_title}' | grep -q pwned
is "$?" 1 "the subject could not set the terminal title"

# The selection starts on the last row; N marks it read.
T send-keys -t petrel N
wait_for "40 unread"
ok $? "N marks the selected message read"
T send-keys -t petrel F
wait_for "1 flagged"
ok $? "F flags it"

# Page up to the start: the oldest message appears.
T send-keys -t petrel Home
wait_for "message number 01"
ok $? "Home goes to the first message"
T send-keys -t petrel End
wait_for "message number 40"
ok $? "End comes back"

T send-keys -t petrel d
wait_for "1 in trash"
ok $? "d moves the message to the trash"
wait_for "40 messages|41 messages"
like "$(screen)" "41 messages" "trash keeps the message in the archive"

like "$(screen)" "thread order" "threads are on by default"
T send-keys -t petrel t
wait_for "date order"
ok $? "t switches to date order"

# New mail stored by another process shows up without a key press.
printf 'From x Mon Jan  1 00:00:00 2024\nFrom: late@example.org\nSubject: arrived while open\nDate: 31 Mar 2024 10:00:00 +0000\n\nhi\n' >"$WORK/late.mbox"
"$PETREL" import "$WORK/late.mbox" >/dev/null
wait_for "42 messages"
ok $? "mail imported by another process appears"

T resize-window -t petrel -x 60 -y 12 2>/dev/null
i=0
while [ $i -lt 100 ]; do
	last=$(screen | sed -n 12p)
	case "$last" in "-- 42 messages"*) break;; esac
	sleep 0.1
	i=$((i + 1))
done
like "$last" "^-- 42 messages" "a resize redraws: the status line moves to the new last line"
w=$(screen | awk '{ if (length($0) > m) m = length($0) } END { print m }')
ok $([ "$w" -le 60 ]; echo $?) "rows fit the new width ($w columns)"

T send-keys -t petrel q
i=0
while [ ! -s "$WORK/status" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(cat "$WORK/status" 2>/dev/null)" "exit=0" "q quits with status 0"

# --demo needs no archive and no config.
rm -f "$WORK/status"
mkdir -p "$WORK/dtmp"
T send-keys -t petrel "clear; env LANG=C.UTF-8 TERM=screen HOME='$HOME' TMPDIR='$WORK/dtmp' '$PETREL' --demo; echo \"exit=\$?\" >'$WORK/status'" Enter
wait_for "[0-9]+ messages, [0-9]+ unread"
ok $? "--demo opens on generated sample mail"
T send-keys -t petrel q
i=0
while [ ! -s "$WORK/status" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(cat "$WORK/status" 2>/dev/null)" "exit=0" "--demo quits cleanly"
is "$(ls -A "$WORK/dtmp")" "" "--demo removes its throwaway archive"

done_testing
