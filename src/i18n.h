/* i18n.h - gettext glue: the _() and N_() markers for user-visible strings. */
#ifndef PETREL_I18N_H
#define PETREL_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
