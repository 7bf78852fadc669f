/* query.c - the search language compiled to SQL over messages and FTS5. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "i18n.h"
#include "query.h"

#define QUERY_MAX_TERMS 256

struct compiler {
	struct buf where;	/* conditions joined with AND */
	struct buf fts;		/* positive full-text expression */
	struct query *q;
	time_t now;
	bool names_trashed;
};

static void add_param(struct compiler *c, const char *v, size_t n)
{
	c->q->params = xreallocarray(c->q->params, c->q->nparams + 1, sizeof *c->q->params);
	c->q->params[c->q->nparams++] = xstrndup(v, n);
}

static void add_cond(struct compiler *c, bool negate, const char *cond)
{
	if (c->where.len > 0)
		buf_puts(&c->where, " AND ");
	buf_printf(&c->where, negate ? "NOT (%s)" : "(%s)", cond);
}

/* Appends one FTS5 phrase for a value: quoted (so operators and
 * punctuation in mail addresses are literal), with a trailing '*' kept as
 * a prefix search, optionally restricted to one column. */
static void fts_phrase(struct buf *b, const char *column, const char *v, size_t n)
{
	bool prefix = n > 1 && v[n - 1] == '*';

	if (prefix)
		n--;
	if (column != NULL)
		buf_printf(b, "{%s} : ", column);
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '"')
			buf_putc(b, '"');
		buf_putc(b, v[i]);
	}
	buf_putc(b, '"');
	if (prefix)
		buf_putc(b, '*');
}

static void add_fts(struct compiler *c, bool negate, const char *column,
		    const char *v, size_t n)
{
	if (!negate) {
		if (c->fts.len > 0)
			buf_puts(&c->fts, " AND ");
		fts_phrase(&c->fts, column, v, n);
		return;
	}
	struct buf e = BUF_INIT;

	fts_phrase(&e, column, v, n);
	add_param(c, e.data, e.len);
	buf_free(&e);
	add_cond(c, true, "m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)");
}

/* Parses a size "10", "10k", "1.5M", "2G" (powers of 1024) into bytes. */
static bool parse_size(const char *s, size_t n, int64_t *out)
{
	double v = 0, scale = 1, frac = 0.1;
	bool digits = false, dot = false;
	size_t i = 0;

	for (; i < n && (ascii_isdigit((unsigned char)s[i]) || s[i] == '.'); i++) {
		if (s[i] == '.') {
			if (dot)
				return false;
			dot = true;
		} else if (dot) {
			v += (s[i] - '0') * frac;
			frac /= 10;
			digits = true;
		} else {
			v = v * 10 + (s[i] - '0');
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (i < n) {
		switch (ascii_tolower((unsigned char)s[i])) {
		case 'k': scale = 1024.0; break;
		case 'm': scale = 1024.0 * 1024; break;
		case 'g': scale = 1024.0 * 1024 * 1024; break;
		case 'b': break;
		default: return false;
		}
		i++;
		if (i < n && ascii_tolower((unsigned char)s[i]) == 'b')
			i++;
	}
	if (i != n || v * scale > 9.2e18)
		return false;
	*out = (int64_t)(v * scale);
	return true;
}

static int add_size(struct compiler *c, bool negate, const char *v, size_t n,
		    struct error **err)
{
	const char *dots = NULL;
	int64_t a, b;
	char cond[128];

	for (size_t i = 0; i + 1 < n; i++)
		if (v[i] == '.' && v[i + 1] == '.')
			dots = v + i;
	if (dots != NULL) {
		size_t an = (size_t)(dots - v), bn = n - an - 2;

		if ((an > 0 && !parse_size(v, an, &a)) || (bn > 0 && !parse_size(dots + 2, bn, &b)) ||
		    (an == 0 && bn == 0))
			goto bad;
		if (an == 0)
			snprintf(cond, sizeof cond, "m.size <= %lld", (long long)b);
		else if (bn == 0)
			snprintf(cond, sizeof cond, "m.size >= %lld", (long long)a);
		else
			snprintf(cond, sizeof cond, "m.size BETWEEN %lld AND %lld",
				 (long long)a, (long long)b);
	} else {
		const char *op = "=";
		size_t skip = 0;

		if (n >= 2 && (v[0] == '>' || v[0] == '<') && v[1] == '=') {
			op = v[0] == '>' ? ">=" : "<=";
			skip = 2;
		} else if (n >= 1 && (v[0] == '>' || v[0] == '<')) {
			op = v[0] == '>' ? ">" : "<";
			skip = 1;
		}
		if (!parse_size(v + skip, n - skip, &a))
			goto bad;
		snprintf(cond, sizeof cond, "m.size %s %lld", op, (long long)a);
	}
	add_cond(c, negate, cond);
	return 0;
bad:
	return error_set(err, ERR_USAGE, _("size:%.*s is not a size; write e.g. size:>1M, "
					  "size:<10k or size:100k..2M"), (int)n, v);
}

/* A local-time calendar period [start, end) for "2024", "2024-03",
 * "2024-03-15", "today", "yesterday", or a relative "7d" / "2w" / "3m" /
 * "1y" (a point: start == end == now minus that). */
static bool parse_period(const char *s, size_t n, time_t now, time_t *start, time_t *end)
{
	struct tm tm;
	int y = 0, mo = 0, d = 0, parts = 0;
	size_t i = 0;

	localtime_r(&now, &tm);
	if ((n == 5 && ascii_strncasecmp(s, "today", 5) == 0) ||
	    (n == 9 && ascii_strncasecmp(s, "yesterday", 9) == 0)) {
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		if (n == 9)
			tm.tm_mday -= 1;
		*start = mktime(&tm);
		tm.tm_mday += 1;
		tm.tm_isdst = -1;
		*end = mktime(&tm);
		return true;
	}
	if (n >= 2 && strchr("dwmy", ascii_tolower((unsigned char)s[n - 1])) != NULL) {
		int64_t k = 0;

		for (i = 0; i < n - 1; i++) {
			if (!ascii_isdigit((unsigned char)s[i]) || k > 100000)
				goto absolute;
			k = k * 10 + (s[i] - '0');
		}
		switch (ascii_tolower((unsigned char)s[n - 1])) {
		case 'd': tm.tm_mday -= (int)k; break;
		case 'w': tm.tm_mday -= 7 * (int)k; break;
		case 'm': tm.tm_mon -= (int)k; break;
		case 'y': tm.tm_year -= (int)k; break;
		}
		tm.tm_isdst = -1;
		*start = *end = mktime(&tm);
		return true;
	}
absolute:
	i = 0;
	{
		int *fields[3] = { &y, &mo, &d };
		int widths[3] = { 4, 2, 2 };

		for (parts = 0; parts < 3; parts++) {
			int v = 0, w = 0;

			for (; i < n && ascii_isdigit((unsigned char)s[i]) && w < widths[parts]; i++, w++)
				v = v * 10 + (s[i] - '0');
			if (w == 0 || (parts == 0 && w != 4))
				return false;
			*fields[parts] = v;
			if (i == n) {
				parts++;
				break;
			}
			if (s[i] != '-' && s[i] != '/')
				return false;
			i++;
		}
		if (i != n)
			return false;
	}
	if ((parts >= 2 && (mo < 1 || mo > 12)) || (parts == 3 && (d < 1 || d > 31)))
		return false;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = parts >= 2 ? mo - 1 : 0;
	tm.tm_mday = parts == 3 ? d : 1;
	tm.tm_isdst = -1;
	*start = mktime(&tm);
	if (parts == 1)
		tm.tm_year++;
	else if (parts == 2)
		tm.tm_mon++;
	else
		tm.tm_mday++;
	tm.tm_isdst = -1;
	*end = mktime(&tm);
	return true;
}

static int add_date(struct compiler *c, bool negate, const char *v, size_t n,
		    struct error **err)
{
	time_t a0, a1, b0, b1;
	char cond[128];
	const char *dots = NULL;

	for (size_t i = 0; i + 1 < n; i++)
		if (v[i] == '.' && v[i + 1] == '.') {
			dots = v + i;
			break;
		}
	if (dots == NULL) {
		if (!parse_period(v, n, c->now, &a0, &a1))
			goto bad;
		if (a0 == a1) /* relative point: since then */
			snprintf(cond, sizeof cond, "m.date >= %lld", (long long)a0);
		else
			snprintf(cond, sizeof cond, "m.date >= %lld AND m.date < %lld",
				 (long long)a0, (long long)a1);
	} else {
		size_t an = (size_t)(dots - v), bn = n - an - 2;

		if (an == 0 && bn == 0)
			goto bad;
		if (an > 0 && !parse_period(v, an, c->now, &a0, &a1))
			goto bad;
		if (bn > 0 && !parse_period(dots + 2, bn, c->now, &b0, &b1))
			goto bad;
		if (an == 0)
			snprintf(cond, sizeof cond, "m.date < %lld", (long long)b1);
		else if (bn == 0)
			snprintf(cond, sizeof cond, "m.date >= %lld", (long long)a0);
		else
			snprintf(cond, sizeof cond, "m.date >= %lld AND m.date < %lld",
				 (long long)a0, (long long)b1);
	}
	add_cond(c, negate, cond);
	return 0;
bad:
	return error_set(err, ERR_USAGE, _("date:%.*s is not a date or range; write e.g. "
					  "date:2024, date:2024-01..2024-03, date:..2023-12-31, "
					  "date:7d.."), (int)n, v);
}

static int add_is(struct compiler *c, bool negate, const char *v, size_t n,
		  struct error **err)
{
	static const struct { const char *name; const char *cond; } kinds[] = {
		{ "unread", "(m.flags & 1) = 0" },
		{ "new", "(m.flags & 1) = 0" },
		{ "read", "(m.flags & 1) != 0" },
		{ "seen", "(m.flags & 1) != 0" },
		{ "answered", "(m.flags & 2) != 0" },
		{ "replied", "(m.flags & 2) != 0" },
		{ "flagged", "(m.flags & 4) != 0" },
		{ "starred", "(m.flags & 4) != 0" },
		{ "draft", "(m.flags & 8) != 0" },
		{ "trashed", "(m.flags & 16) != 0" },
		{ "deleted", "(m.flags & 16) != 0" },
		{ "passed", "(m.flags & 32) != 0" },
		{ "forwarded", "(m.flags & 32) != 0" },
		{ "partial", "m.partial != 0" },
	};

	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		if (strlen(kinds[i].name) == n && ascii_strncasecmp(v, kinds[i].name, n) == 0) {
			if (strstr(kinds[i].cond, "16") != NULL)
				c->names_trashed = true;
			add_cond(c, negate, kinds[i].cond);
			return 0;
		}
	}
	return error_set(err, ERR_USAGE, _("is:%.*s is not known; use is:unread, is:read, "
					  "is:flagged, is:answered, is:draft, is:trashed, "
					  "is:passed or is:partial"), (int)n, v);
}

/* Reads the next term: an optional '-', an optional field, then a value
 * that is a double-quoted string or runs to the next white space. */
struct term {
	bool negate;
	const char *field;
	size_t fieldlen;
	char *value;
	size_t valuelen;
};

static const char *next_term(const char *p, struct term *t)
{
	struct buf v = BUF_INIT;

	while (ascii_isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return NULL;
	memset(t, 0, sizeof *t);
	if (*p == '-' && p[1] != '\0' && !ascii_isspace((unsigned char)p[1])) {
		t->negate = true;
		p++;
	}
	if (strncmp(p, "NOT", 3) == 0 && ascii_isspace((unsigned char)p[3])) {
		t->negate = !t->negate;
		p += 3;
		while (ascii_isspace((unsigned char)*p))
			p++;
	}
	{
		const char *q = p;

		while (ascii_isalpha((unsigned char)*q) || *q == '-')
			q++;
		if (*q == ':' && q > p) {
			t->field = p;
			t->fieldlen = (size_t)(q - p);
			p = q + 1;
		}
	}
	if (*p == '"') {
		for (p++; *p != '\0'; p++) {
			if (*p == '"') {
				if (p[1] == '"') {
					buf_putc(&v, '"');
					p++;
					continue;
				}
				p++;
				break;
			}
			buf_putc(&v, *p);
		}
	} else {
		while (*p != '\0' && !ascii_isspace((unsigned char)*p))
			buf_putc(&v, *p++);
	}
	t->value = buf_steal(&v, &t->valuelen);
	return p;
}

static bool field_is(const struct term *t, const char *name)
{
	return t->field != NULL && strlen(name) == t->fieldlen &&
	       ascii_strncasecmp(t->field, name, t->fieldlen) == 0;
}

static int compile_term(struct compiler *c, struct term *t, struct error **err)
{
	const char *v = t->value;
	size_t n = t->valuelen;

	static const char *const known[] = {
		"from", "to", "cc", "subject", "body", "date", "size", "is", "has",
		"account", "id", "mid", "message-id", "thread",
	};
	bool is_known = false;

	for (size_t i = 0; t->field != NULL && i < ARRAY_LEN(known); i++)
		if (field_is(t, known[i]))
			is_known = true;
	if (is_known && n == 0)
		return error_set(err, ERR_USAGE, _("%.*s: needs a value"),
				 (int)t->fieldlen, t->field);
	if (t->field == NULL)
		add_fts(c, t->negate, NULL, v, n);
	else if (field_is(t, "from"))
		add_fts(c, t->negate, "sender", v, n);
	else if (field_is(t, "to") || field_is(t, "cc"))
		add_fts(c, t->negate, "recipients", v, n);
	else if (field_is(t, "subject"))
		add_fts(c, t->negate, "subject", v, n);
	else if (field_is(t, "body"))
		add_fts(c, t->negate, "body", v, n);
	else if (field_is(t, "date"))
		return add_date(c, t->negate, v, n, err);
	else if (field_is(t, "size"))
		return add_size(c, t->negate, v, n, err);
	else if (field_is(t, "is"))
		return add_is(c, t->negate, v, n, err);
	else if (field_is(t, "has")) {
		if (!((n == 10 && ascii_strncasecmp(v, "attachment", 10) == 0) ||
		      (n == 11 && ascii_strncasecmp(v, "attachments", 11) == 0)))
			return error_set(err, ERR_USAGE, _("has:%.*s is not known; use has:attachment"),
					 (int)n, v);
		add_cond(c, t->negate, "m.has_attachment != 0");
	} else if (field_is(t, "account")) {
		add_param(c, v, n);
		add_cond(c, t->negate, "EXISTS (SELECT 1 FROM message_accounts a "
			 "WHERE a.account = ? AND a.message = m.id)");
	} else if (field_is(t, "id") || field_is(t, "mid") || field_is(t, "message-id")) {
		if (n >= 2 && v[0] == '<' && v[n - 1] == '>') {
			v++;
			n -= 2;
		}
		add_param(c, v, n);
		add_cond(c, t->negate, "m.message_id = ?");
	} else if (field_is(t, "thread")) {
		uint64_t id;

		if (!str_to_u64(v, &id) || id > INT64_MAX)
			return error_set(err, ERR_USAGE, _("thread:%s is not a thread number"), v);
		char cond[64];

		snprintf(cond, sizeof cond, "m.thread_id = %llu", (unsigned long long)id);
		add_cond(c, t->negate, cond);
	} else {
		/* Not a field we know ("re:", "http:"): search the text as is. */
		char *whole = xasprintf("%.*s:%s", (int)t->fieldlen, t->field, v);

		add_fts(c, t->negate, NULL, whole, strlen(whole));
		free(whole);
	}
	return 0;
}

int query_compile(const char *text, time_t now, struct query *q, struct error **err)
{
	struct compiler c;
	struct term t;
	const char *p = text;
	int nterms = 0, rc = 0;

	memset(q, 0, sizeof *q);
	memset(&c, 0, sizeof c);
	buf_init(&c.where, 0);
	buf_init(&c.fts, 0);
	c.q = q;
	c.now = now;
	while (rc == 0 && (p = next_term(p, &t)) != NULL) {
		if (++nterms > QUERY_MAX_TERMS)
			rc = error_set(err, ERR_USAGE, _("the query has more than %d terms"),
				       QUERY_MAX_TERMS);
		else
			rc = compile_term(&c, &t, err);
		free(t.value);
	}
	if (rc == 0 && !c.names_trashed)
		add_cond(&c, false, "(m.flags & 16) = 0");
	if (rc == 0 && c.fts.len > 0) {
		/* The positive full-text part is the first parameter; the
		 * store puts the condition on it first (FTS narrows fastest). */
		q->params = xreallocarray(q->params, q->nparams + 1, sizeof *q->params);
		memmove(q->params + 1, q->params, q->nparams * sizeof *q->params);
		q->params[0] = buf_steal(&c.fts, NULL);
		q->nparams++;
		q->fts_match = q->params[0];
	}
	if (rc == 0 && c.where.len == 0)
		buf_puts(&c.where, "1");
	buf_free(&c.fts);
	if (rc != 0) {
		buf_free(&c.where);
		query_free(q);
		return -1;
	}
	q->where = buf_steal(&c.where, NULL);
	return 0;
}

void query_free(struct query *q)
{
	for (size_t i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->where);
	memset(q, 0, sizeof *q);
}
