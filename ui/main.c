/* main.c - the petrel binary: sets up the locale and gettext, then hands
 * the command line to the engine's command dispatcher or opens the TUI. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);

	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("petrel %s\n", PACKAGE_VERSION);
		return 0;
	}
	fprintf(stderr, _("petrel: no command given; try --help\n"));
	return 2;
}
