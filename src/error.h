/* error.h - error values: a kind that decides the exit code, and a sentence
 * for a person.
 *
 * A function that can fail returns -1 (or NULL / false) and, when the
 * caller passed a non-NULL `struct error **`, stores an allocated error
 * there.  A server's own words are kept apart in `detail` so the UI can
 * show them verbatim.  Callers add context with error_prefix(). */
#ifndef PETREL_ERROR_H
#define PETREL_ERROR_H

#include "util.h"

enum error_kind {
	ERR_INTERNAL = 1,	/* a bug */
	ERR_USAGE,		/* bad command line */
	ERR_CONFIG,		/* bad configuration file or setting */
	ERR_IO,			/* file system or OS failure */
	ERR_DATA,		/* malformed input file or message */
	ERR_STORE,		/* the archive database failed */
	ERR_NOTFOUND,		/* no such message, account, file */
	ERR_TEMP,		/* transient: try again later */
	ERR_PERM,		/* permanent failure from a server */
};

struct error {
	enum error_kind kind;
	char *msg;	/* one sentence for a person, already translated */
	char *detail;	/* the peer's own words, or NULL */
};

/* Stores a new error in *err (if err is non-NULL and *err is NULL: the
 * first error wins).  Always returns -1 so callers can `return error_set()`. */
int error_set(struct error **err, enum error_kind kind, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
/* Like error_set, appending ": strerror(errnum)". */
int error_set_errno(struct error **err, enum error_kind kind, int errnum,
		    const char *fmt, ...) PRINTF_LIKE(4, 5);
/* Sets the peer's words on an existing error. */
void error_set_detail(struct error *e, const char *detail);
/* Prepends "context: " to the message of *err, if there is one. */
void error_prefix(struct error **err, const char *fmt, ...) PRINTF_LIKE(2, 3);
void error_free(struct error **err);
/* sysexits-style exit status for the error (0 for NULL). */
int error_exit_code(const struct error *e);

#define EXIT_TEMPFAIL 75

#endif
