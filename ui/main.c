/* main.c - the petrel binary: sets up the locale and gettext, then hands
 * the command line to the engine's dispatcher, which calls back here to
 * open the TUI when no command is given. */
#include "config.h"

#include <locale.h>
#include <signal.h>

#include "cli.h"
#include "i18n.h"
#include "tui.h"

static int open_tui(struct cli_context *ctx, struct error **err)
{
	return tui_run(ctx->archive_path, ctx->cfg.ui.threads, err) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	/* Past a file size limit, let writes fail with EFBIG (reported
	 * like a full disk) instead of being killed halfway. */
	signal(SIGXFSZ, SIG_IGN);
	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);
	return cli_main(argc, argv, open_tui);
}
