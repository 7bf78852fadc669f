/* cli.h - the command line: global options, the command table, and the
 * commands that work on the archive (import, export, search, show, check).
 *
 * The front end's main() calls cli_main(); when no command is given, the
 * dispatcher resolves the configuration and archive and calls back into
 * the front end to open the TUI, so this module needs no curses. */
#ifndef PETREL_CLI_H
#define PETREL_CLI_H

#include <stdbool.h>

#include "conf.h"
#include "error.h"

struct cli_context {
	struct config cfg;
	char *archive_path;	/* resolved */
	bool demo;		/* --demo: a throwaway archive of sample mail */
};

/* Opens the TUI; returns an exit status.  Provided by the front end. */
typedef int (*cli_tui_fn)(struct cli_context *ctx, struct error **err);

/* Runs the command line; returns the process exit status (0, 1, 2 for
 * usage, 75 for a transient failure).  Errors are printed to stderr as
 * one sentence each. */
int cli_main(int argc, char **argv, cli_tui_fn tui);

#endif
