# faultproxy.sh - run tests/tools/faultproxy from shell tests.  Source it
# after tests/lib.sh.
#
#   fp_start NAME [OPTION...]  start a proxy (options as faultproxy --help);
#                              sets FP_PORT and FP_PID; its log of finished
#                              connections is $WORK/fp-NAME.log
#   fp_stop PID                stop one proxy (SIGTERM, bounded wait, SIGKILL)
#   fp_bytes NAME N DIR        bytes that went DIR (up|down) in connection N
#   wait_file FILE TENTHS      wait until FILE is non-empty, at most TENTHS/10 s
#   stop_pid PID TENTHS        SIGTERM, wait at most TENTHS/10 s, then SIGKILL
#
# Every process started here is stopped when the test exits.
: "${top_builddir:=.}"
FAULTPROXY=${FAULTPROXY:-$top_builddir/tests/tools/faultproxy}
fp_pids=

wait_file() {
	_i=0
	while [ ! -s "$1" ]; do
		[ $_i -ge "$2" ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

stop_pid() {
	kill -TERM "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
	_i=0
	while kill -0 "$1" 2>/dev/null; do
		if [ $_i -ge $(($2 * 4)) ]; then
			kill -KILL "$1" 2>/dev/null
			break
		fi
		sleep 0.025
		_i=$((_i + 1))
	done
	wait "$1" 2>/dev/null
	return 0
}

fp_start() {
	_name=$1
	shift
	rm -f "$WORK/fp-$_name.port"
	"$FAULTPROXY" --listen 0 --port-file "$WORK/fp-$_name.port" \
		--log "$WORK/fp-$_name.log" --lifetime 900 "$@" \
		</dev/null >/dev/null 2>>"$WORK/fp-$_name.err" &
	FP_PID=$!
	fp_pids="$fp_pids $FP_PID"
	if ! wait_file "$WORK/fp-$_name.port" 100; then
		echo "# faultproxy $_name did not start: $(cat "$WORK/fp-$_name.err")"
		FP_PORT=0
		return 1
	fi
	FP_PORT=$(cat "$WORK/fp-$_name.port")
}

fp_stop() {
	stop_pid "$1" 50
}

fp_stop_all() {
	for _p in $fp_pids; do
		stop_pid "$_p" 30
	done
	fp_pids=
}

# fp_ended NAME: how many connections proxy NAME has closed (and so
# flushed their dumps).  fp_wait_ended NAME N: waits (up to 5 s) for N.
fp_ended() {
	_n=$(grep -c ' end ' "$WORK/fp-$1.log" 2>/dev/null)
	echo "${_n:-0}"
}
fp_wait_ended() {
	_i=0
	while [ "$(fp_ended "$1")" -lt "$2" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

fp_bytes() {
	sed -n "s/^conn $2 up \([0-9]*\) down \([0-9]*\) end .*/\1 \2/p" "$WORK/fp-$1.log" 2>/dev/null |
		{ read -r _up _down || exit 0; [ "$3" = up ] && echo "$_up" || echo "$_down"; }
}

# Run every registered clean-up, then remove $WORK (replaces lib.sh's trap).
case " ${petrel_cleanups:-} " in
*" fp_stop_all "*) ;;
*) petrel_cleanups="${petrel_cleanups:-} fp_stop_all" ;;
esac
trap 'for _h in $petrel_cleanups; do $_h; done; rm -rf "$WORK"' EXIT
trap 'exit 1' HUP INT TERM
