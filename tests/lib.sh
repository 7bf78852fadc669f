# lib.sh - TAP helpers for Petrel's shell tests.  Source it, call the
# checks, end with `done_testing`.  Each test gets a private $WORK
# directory, removed at exit, and an archive path in $PETREL_ARCHIVE.
set -u

: "${PETREL:?PETREL must name the petrel binary}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/petrel-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" \
	XDG_DATA_HOME="$WORK/home/.local/share" XDG_STATE_HOME="$WORK/home/.local/state"
mkdir -p "$HOME"
export PETREL_ARCHIVE="$WORK/archive.db"
unset PETREL_CONFIG

tap_n=0
tap_failed=0

ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2" | head -20
	fi
}

like() { # like GOT REGEX DESCRIPTION
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '# got: %s\n# want match: %s\n' "$1" "$2" | head -20
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
