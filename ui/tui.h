/* tui.h - the ncurses front end. */
#ifndef PETREL_TUI_H
#define PETREL_TUI_H

#include <stdbool.h>

#include "error.h"

/* Runs the index on the archive until the user quits; the terminal is
 * restored on every return path. */
int tui_run(const char *archive_path, bool threads, struct error **err);

#endif
