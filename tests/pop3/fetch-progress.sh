#!/bin/sh
# fetch-progress.sh - the live progress bar of petrel fetch on a terminal:
# the real binary in tmux against a private Dovecot behind a rate-limited
# proxy, so the fetch takes a second or two and the screen can be read
# while it runs.  One line per account with a partly filled bar, messages
# done/total, bytes done/total, a rate and an ETA, all consistent; at the
# end the full bar, N/N and a newline; each account on its own line, in
# order; never wider than the terminal (a long name in 60 columns, a
# shrink while it runs); nothing with --quiet; no control characters when
# stderr is not a terminal.  (fetch-basic.sh checks the one summary line
# of one account off a terminal.)  KEEP_WORK=1 keeps $WORK (the screens
# seen) for a look.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/pop3/dovecot.sh"
[ -n "${KEEP_WORK:-}" ] && trap 'for _h in $petrel_cleanups; do $_h; done' EXIT

command -v tmux >/dev/null || skip_all "tmux is not installed"
dc_init
dc_start || { echo "Bail out! Dovecot did not start"; exit 1; }

N=30
dc_add_messages $N small
# What LIST announces: the CRLF size of every message.
total=$(cat "$DC_MAILDIR"/new/* | wc -c -l | awk '{ print $1 + $2 }')
total_kb=$(awk -v b="$total" 'BEGIN { printf "%.1f KB", b / 1024 }')
# About 1.5 s per account at this rate.
fp_start slow --connect "127.0.0.1:$DC_PLAIN_PORT" --rate 50000 ||
	{ echo "Bail out! faultproxy did not start"; exit 1; }
SLOW=$FP_PORT
LONG=the-quite-long-name-of-the-office-account
dc_petrel_config home starttls "pop3-port=$SLOW"
cp "$PETREL_CONFIG" "$WORK/one.conf"
dc_petrel_account work starttls "pop3-port=$SLOW"
cp "$PETREL_CONFIG" "$WORK/two.conf"
dc_petrel_config "$LONG" starttls "pop3-port=$SLOW"
cp "$PETREL_CONFIG" "$WORK/long.conf"
dc_petrel_config home starttls
dc_petrel_account work starttls
cp "$PETREL_CONFIG" "$WORK/fast.conf"

SOCK="$WORK/tmux.sock"
T() { tmux -S "$SOCK" "$@"; }
T -f /dev/null new-session -d -s p -x 100 -y 20 \
	"env -i PATH='$PATH' HOME='$HOME' LC_ALL=C.UTF-8 TERM=screen PS1='$ ' \
	ASAN_OPTIONS='${ASAN_OPTIONS:-}' UBSAN_OPTIONS='${UBSAN_OPTIONS:-}' sh" ||
	skip_all "tmux cannot start here"
petrel_cleanups="${petrel_cleanups:-} tmux_stop"
tmux_stop() { T kill-server 2>/dev/null; }

screen() { T capture-pane -p -t p; }

# run NAME CONF [ARGS...]: petrel fetch in the pane into a fresh archive;
# its exit status goes on the screen and into $WORK/NAME.status.  The
# command clears the screen first and then leaves $WORK/NAME.started.
run() {
	_n=$1 _c=$2
	shift 2
	rm -f "$WORK/$_n.status" "$WORK/$_n.started"
	T send-keys -t p "clear; : >'$WORK/$_n.started'; PETREL_CONFIG='$WORK/$_c.conf' \
PETREL_ARCHIVE='$WORK/$_n.db' '$PETREL' fetch $*; s=\$?; echo \"exit=\$s\"; \
echo \$s >'$WORK/$_n.status'" Enter
}

# watch NAME: until the run ends (at most 30 s), keep every distinct
# screen in $WORK/NAME.screens, separated by lines of "=====".  Screens
# from before the command's clear are not kept: the previous run's lines
# and the typed command stay in the pane until the terminal has taken
# the clear, which may come after the shell ran it.  Once NAME.started
# exists the command was typed, so the screen is fresh when its text
# (joined across wrapped rows) is gone.
watch() {
	: >"$WORK/$1.screens"
	_i=0
	while [ ! -e "$WORK/$1.started" ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	_i=0
	while T capture-pane -p -J -t p | grep -qF "$1.started'" && [ $_i -lt 200 ]; do
		sleep 0.01
		_i=$((_i + 1))
	done
	_prev= _i=0
	while [ ! -s "$WORK/$1.status" ] && [ $_i -lt 600 ]; do
		_s=$(screen)
		if [ "$_s" != "$_prev" ]; then
			printf '%s\n=====\n' "$_s" >>"$WORK/$1.screens"
			_prev=$_s
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	sleep 0.2
	screen >"$WORK/$1.final"
}

# check_live FILE NAME: the screens in FILE hold a line for account NAME
# in the middle of the download, and every such line is consistent.
# Prints how many mid-download lines, then "ok" or what is wrong.
check_live() {
	$PY - "$@" "$N" "$total_kb" <<'PY'
import re, sys
path, name, n, total_kb = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
pat = re.compile(r"^%s \[([#.]*)\] (\d+)/(\d+) messages  ([\d.]+) KB/([\d.]+ KB)  ([\d.]+) KB/s"
                 r"(?: ETA (\d+):(\d\d))?\s*$" % re.escape(name))
bad = []
mid = 0
for line in open(path, encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if not line.startswith(name + " ["):
        continue
    m = pat.match(line)
    if not m:
        bad.append("unexpected form: " + line)
        continue
    bar, done, tot, kb, tkb, rate, em, es = m.groups()
    done, tot, kb, rate = int(done), int(tot), float(kb), float(rate)
    if tot == 0:  # still listing
        continue
    if len(bar) != 20:
        bad.append("bar of %d columns: %s" % (len(bar), line))
    if tot != n or tkb != total_kb:
        bad.append("totals are not %d and %s: %s" % (n, total_kb, line))
    tb = float(total_kb.split()[0])
    filled = bar.count("#")
    if bar != "#" * filled + "." * (20 - filled) or abs(filled - kb / tb * 20) > 1:
        bad.append("the bar does not match the bytes: " + line)
    if rate > 80:
        bad.append("a rate above what the proxy lets through: " + line)
    if kb > 0 and done == 0:
        bad.append("bytes stored but no message counted: " + line)
    if 0 < kb < tb:
        mid += 1
        if done >= n or em is None or rate <= 0:
            bad.append("mid-download line without done < total, a rate or an ETA: " + line)
        elif abs(int(em) * 60 + int(es) - (tb - kb) / rate) > 1.5:
            bad.append("an ETA that does not follow from bytes and rate: " + line)
print(mid, "; ".join(bad[:3]) if bad else "ok")
PY
}

# final_lines FILE: the non-blank lines of the last screen, numbered.
final_lines() { grep -v '^ *$' "$1"; }
full_re() { # full_re NAME: the completed line of account NAME
	printf '^%s \\[####################\\] %d/%d messages  %s/%s  [0-9.]+ KB/s *$' \
		"$1" $N $N "$total_kb" "$total_kb"
}

# One account.
run one one
watch one
is "$(cat "$WORK/one.status" 2>/dev/null)" 0 "fetch on a terminal exits 0"
r=$(check_live "$WORK/one.screens" home)
is "${r#* }" ok "every progress line is consistent (bar, totals, rate, ETA)"
ok $([ "${r%% *}" -ge 1 ] 2>/dev/null; echo $?) \
	"the screen showed the download half done: bar partly filled, done < total, rate, ETA (${r%% *} times)"
grep -q 'home \[#' "$WORK/one.screens" && grep -Eq 'home \[[#]*\.' "$WORK/one.screens"
ok $? "the bar was seen both partly filled and empty"
f=$(final_lines "$WORK/one.final")
like "$(echo "$f" | sed -n 1p)" "$(full_re home)" "at the end: the full bar, $N/$N, all bytes, no ETA"
is "$(echo "$f" | sed -n 2p)" "exit=0" "and a newline: the next output starts the following line"
is "$(echo "$f" | grep -c home)" 1 "one line for the account, no stale copies"

# Two accounts: one line each, in order.
run two two
watch two
is "$(cat "$WORK/two.status" 2>/dev/null)" 0 "fetch of two accounts exits 0"
r=$(check_live "$WORK/two.screens" work)
is "${r#* }" ok "the second account's progress lines are consistent"
ok $([ "${r%% *}" -ge 1 ] 2>/dev/null; echo $?) "the second account was seen half done (${r%% *} times)"
# While work was under way, home was finished on the line above it.
awk -v n=$N '/^work \[#*\./ && prev ~ ("^home \\[#+\\] " n "/" n " ") { good = 1 }
	{ prev = $0 }
	END { exit !good }' "$WORK/two.screens"
ok $? "while the second account runs, the first one's finished line stays above it"
f=$(final_lines "$WORK/two.final")
like "$(echo "$f" | sed -n 1p)" "$(full_re home)" "at the end: home's full line first"
like "$(echo "$f" | sed -n 2p)" "$(full_re work)" "then work's on the next line"
is "$(echo "$f" | sed -n 3p)" "exit=0" "then the shell's output"

# A name too long for a 60-column terminal: the line still fits, every
# redraw lands on the same row.
T resize-window -t p -x 60 -y 20
run long long
watch long
is "$(cat "$WORK/long.status" 2>/dev/null)" 0 "fetch in 60 columns exits 0"
bad=$(awk -v p="${LONG%"${LONG#??????}"}" -v n=$N '
	/^=====$/ || /^ *$/ || /^exit=0$/ || /^\$ *$/ { next }
	length($0) > 59 || index($0, p) != 1 || $0 !~ / \[[#.]+\] [0-9]+\/[0-9]+ / { print; exit }
	' "$WORK/long.screens")
is "$bad" "" "every row is a whole progress line no wider than 59 columns"
f=$(final_lines "$WORK/long.final")
like "$(echo "$f" | sed -n 1p)" "^the-qu.* \[####################\] $N/$N messages" \
	"at the end: the name shortened, the full bar and $N/$N"
is "$(echo "$f" | sed -n 2p)" "exit=0" "then the next output on the following line"

# Shrunk from 100 to 60 columns while it runs: the next redraw fits the
# new width, no pieces of old lines remain.
T resize-window -t p -x 100 -y 20
run shrink one
i=0
until grep -q 'home \[#' "$WORK/tmp.screen" 2>/dev/null || [ $i -ge 100 ]; do
	screen >"$WORK/tmp.screen"; sleep 0.05; i=$((i + 1))
done
T resize-window -t p -x 60 -y 20
watch shrink
f=$(final_lines "$WORK/shrink.final")
like "$(echo "$f" | sed -n 1p)" "^home \[####################\] $N/$N messages" \
	"shrunk while running: the last line is whole"
is "$(echo "$f" | sed -n 2p)" "exit=0" "with nothing left over of the old ones"
bad=$(awk '/^=====$/ { n++ } n >= 1 && length($0) > 59 { print; exit }' "$WORK/shrink.screens")
is "$bad" "" "after the resize every row fits 59 columns"
T resize-window -t p -x 100 -y 20

# --quiet: no bar, nothing at all when all is well.
run quiet two --quiet
watch quiet
is "$(cat "$WORK/quiet.status" 2>/dev/null)" 0 "fetch --quiet on a terminal exits 0"
ok $(grep -q 'messages' "$WORK/quiet.screens"; [ $? -ne 0 ]; echo $?) "--quiet never shows a bar"
is "$(final_lines "$WORK/quiet.final" | sed '/^\$ *$/d')" "exit=0" "and prints nothing"

# Stderr not a terminal: no bar; the summary lines on stdout.
run redir fast "2>'$WORK/redir.err'"
watch redir
f=$(T capture-pane -pJ -t p | grep -v '^ *$')
is "$(echo "$f" | sed 's/ .*//')" "home:
work:
exit=0
$" "stderr redirected: one summary line per account on the terminal, in order, no bar"
is "$(wc -c <"$WORK/redir.err" | tr -d ' ')" 0 "nothing on the redirected stderr"
# Neither a terminal: plain lines only.
PETREL_CONFIG=$WORK/fast.conf PETREL_ARCHIVE=$WORK/file.db \
	timeout 60 "$PETREL" fetch >"$WORK/file.out" 2>"$WORK/file.err"
is "$?" 0 "fetch with output to files exits 0"
is "$(cut -d: -f1 "$WORK/file.out" | tr '\n' ' ')" "home work " "one summary line per account, in order"
ok $(LC_ALL=C grep -q "$(printf '[\r\033]')" "$WORK/file.out" "$WORK/file.err"; [ $? -eq 1 ]; echo $?) \
	"no carriage return or escape sequence in the output"
is "$(wc -c <"$WORK/file.err" | tr -d ' ')" 0 "and nothing on stderr"

done_testing
