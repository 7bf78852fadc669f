#!/bin/sh
# i18n.sh - every message catalog named in po/LINGUAS is valid and
# complete: msgfmt --check accepts it (format directives match their
# msgids, the header is sound) and its statistics report no untranslated
# and no fuzzy messages.  And the catalogs see every string: each source
# file under src/ and ui/ that marks a string literal with _("...") or
# N_("...") is listed
# in po/POTFILES.in (xgettext reads only those), and each listed file
# exists.
. "${top_srcdir:-.}/tests/lib.sh"

command -v msgfmt >/dev/null 2>&1 || skip_all "msgfmt (GNU gettext) is not installed"

langs=$(sed 's/#.*//' "$top_srcdir/po/LINGUAS")
[ -n "$(echo $langs)" ] || skip_all "po/LINGUAS names no language"

for lang in $langs; do
	po="$top_srcdir/po/$lang.po"
	[ -f "$po" ]
	ok $? "$lang.po exists"
	stats=$(LC_ALL=C LANGUAGE= msgfmt --check --statistics -o /dev/null "$po" 2>&1)
	ok $? "$lang.po: msgfmt --check accepts it"
	line=$(printf '%s\n' "$stats" | grep 'translated message' | tail -n 1)
	like "$line" '^[0-9]+ translated messages?\.$' \
		"$lang.po: 0 untranslated, 0 fuzzy (msgfmt: ${line:-no statistics})"
	case $line in
	*untranslated* | *fuzzy*)
		if command -v msgattrib >/dev/null 2>&1; then
			{ msgattrib --untranslated --no-obsolete "$po"
			  msgattrib --only-fuzzy --no-obsolete "$po"; } 2>/dev/null |
				sed -n 's/^msgid "\(..*\)"$/# needs work: \1/p' | head -20
		fi
		;;
	esac
done

# Files that mark strings, against the files xgettext is told to read.
marking=$(cd "$top_srcdir" && grep -lE '(^|[^A-Za-z0-9_])N?_\("' src/*.c src/*.h ui/*.c ui/*.h 2>/dev/null | sort)
listed=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$top_srcdir/po/POTFILES.in" | sort)
[ -n "$marking" ]
ok $? "some source file marks strings for translation"
unlisted=$(printf '%s\n' "$marking" | while read -r f; do
	printf '%s\n' "$listed" | grep -qxF "$f" || printf '%s ' "$f"
done)
is "$unlisted" "" "po/POTFILES.in lists every file that marks strings"
missing=$(printf '%s\n' "$listed" | while read -r f; do
	[ -f "$top_srcdir/$f" ] || printf '%s ' "$f"
done)
is "$missing" "" "every file po/POTFILES.in lists exists"

done_testing
