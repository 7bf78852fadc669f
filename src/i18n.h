/* i18n.h - gettext glue: the _() and N_() markers for user-visible strings. */
#ifndef PETREL_I18N_H
#define PETREL_I18N_H

#include <libintl.h>
#include <limits.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* A count for ngettext(), which takes an unsigned long: one too large for
 * it keeps its last six digits (what plural rules look at) above a
 * million. */
#define plural_n(n) ((unsigned long)((n) <= ULONG_MAX ? (n) : (n) % 1000000 + 1000000))

#endif
