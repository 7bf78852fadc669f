/* secret.h - getting an account's password or OAuth token: from its
 * password-command (first line of the command's standard output), from a
 * `password` key, or from a prompt the caller provides.  Secrets are
 * wiped from memory when freed and never appear in errors or logs. */
#ifndef PETREL_SECRET_H
#define PETREL_SECRET_H

#include "conf.h"
#include "error.h"

/* Asks the user for the secret of an account (no echo); NULL when the
 * user gave none.  Provided by the CLI or the TUI. */
typedef char *(*secret_prompt_fn)(void *ctx, const struct account *acct, const char *what);

/* The secret for acct, allocated; NULL with an error when the command
 * fails, prints nothing, or there is no way to get one.  prompt may be
 * NULL (non-interactive). */
char *secret_get(const struct account *acct, secret_prompt_fn prompt, void *ctx,
		 struct error **err);
/* Wipes and frees *s, and NULLs it. */
void secret_free(char **s);

#endif
