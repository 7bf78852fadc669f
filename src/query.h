/* query.h - the search language of SPEC section 9, compiled to an SQL
 * condition over the archive's messages table (alias m) and its FTS5 index.
 *
 *   word "a phrase" pre*      full-text terms (subject, from, to, body)
 *   from: to: cc: subject: body:   full-text terms in one field
 *   date:2024  date:2024-01..2024-03  date:..2024-06-30  date:2023-12-24..
 *   date:today  date:yesterday  date:7d..  (relative: d w m y)
 *   is:unread is:read is:flagged is:answered is:draft is:trashed is:partial
 *   has:attachment   account:NAME   size:>1M size:<10k size:1M..5M
 *   id:<message-id>  thread:N
 *   -term or NOT term negates; terms combine with AND.
 *
 * Trashed messages match only when the query names is:trashed.  An empty
 * query matches every (untrashed) message. */
#ifndef PETREL_QUERY_H
#define PETREL_QUERY_H

#include <stddef.h>
#include <time.h>

#include "error.h"

struct query {
	/* SQL condition: every term but the positive full-text ones ("1"
	 * when there are none) */
	char *where;
	char **params;	/* text parameters, bound in order */
	size_t nparams;
	/* The positive full-text terms as one FTS5 expression, params[0]
	 * (the parameters of where follow it); NULL when there are none. */
	const char *fts_match;
};

/* Compiles text; `now` anchors relative dates (pass time(NULL)).  A bad
 * field value is an ERR_USAGE error naming the term. */
int query_compile(const char *text, time_t now, struct query *q, struct error **err);
void query_free(struct query *q);

#endif
