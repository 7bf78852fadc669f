/* error.c - error values: a kind that decides the exit code, and a sentence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

static int error_vset(struct error **err, enum error_kind kind, const char *suffix,
		      const char *fmt, va_list ap) PRINTF_LIKE(4, 0);

static int error_vset(struct error **err, enum error_kind kind, const char *suffix,
		      const char *fmt, va_list ap)
{
	struct error *e;
	char *msg;

	if (err == NULL || *err != NULL)
		return -1;
	msg = xvasprintf(fmt, ap);
	if (suffix != NULL) {
		char *full = xasprintf("%s: %s", msg, suffix);

		free(msg);
		msg = full;
	}
	e = xcalloc(1, sizeof *e);
	e->kind = kind;
	e->msg = msg;
	*err = e;
	return -1;
}

int error_set(struct error **err, enum error_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, kind, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int error_set_errno(struct error **err, enum error_kind kind, int errnum,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, kind, strerror(errnum), fmt, ap);
	va_end(ap);
	return -1;
}

void error_set_detail(struct error *e, const char *detail)
{
	if (e == NULL)
		return;
	free(e->detail);
	e->detail = detail != NULL ? xstrdup(detail) : NULL;
}

void error_prefix(struct error **err, const char *fmt, ...)
{
	va_list ap;
	char *ctx, *msg;

	if (err == NULL || *err == NULL)
		return;
	va_start(ap, fmt);
	ctx = xvasprintf(fmt, ap);
	va_end(ap);
	msg = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = msg;
}

void error_free(struct error **err)
{
	if (err == NULL || *err == NULL)
		return;
	free((*err)->msg);
	free((*err)->detail);
	free(*err);
	*err = NULL;
}

int error_exit_code(const struct error *e)
{
	if (e == NULL)
		return 0;
	switch (e->kind) {
	case ERR_TEMP:
		return EXIT_TEMPFAIL;
	case ERR_USAGE:
		return 2;
	default:
		return 1;
	}
}
