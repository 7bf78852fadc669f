/* rfc2231.c - MIME header field values with parameters: the leading
 * token, parameter lookup, quoted strings, RFC 2231 continuations and
 * charsets, RFC 2047 words in quoted values. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rfc2047.h"
#include "rfc2231.h"
#include "lex822.h"

struct segment {
	int index;		/* -1: "name" or "name*" (no continuation) */
	bool ext;		/* the name ended in '*': percent-encoded */
	bool quoted;
	size_t off, len;	/* the value, quotes not included */
};

struct lookup {
	struct segment seg[RFC2231_MAX_SEGMENTS];
	size_t n;
	bool have_plain;	/* a plain "name=" (first one wins) */
	struct segment plain;
};




size_t rfc2231_token(const char *v, size_t n, char *out, size_t outsize)
{
	size_t i = lex822_skip_cfws(v, n, 0), k = 0;

	while (i < n && v[i] != ';' && v[i] != '(' && !ascii_isspace((unsigned char)v[i])) {
		if (k + 1 < outsize)
			out[k++] = (char)ascii_tolower((unsigned char)v[i]);
		i++;
	}
	out[k] = '\0';
	return k;
}

/* Matches a parameter name against `want`: fills index/ext and returns
 * true for "want", "want*", "want*N", "want*N*". */
static bool name_match(const char *s, size_t n, const char *want, size_t wl,
		       int *index, bool *ext)
{
	size_t i;
	long idx = 0;

	if (n < wl || ascii_strncasecmp(s, want, wl) != 0)
		return false;
	*index = -1;
	*ext = false;
	if (n == wl)
		return true;
	if (s[wl] != '*')
		return false;
	if (n == wl + 1) {
		*ext = true;
		return true;
	}
	for (i = wl + 1; i < n && ascii_isdigit((unsigned char)s[i]); i++) {
		if (idx < 100000)
			idx = idx * 10 + (s[i] - '0');
	}
	if (i == wl + 1)
		return false;
	if (i < n && s[i] == '*' && i + 1 == n)
		*ext = true;
	else if (i != n)
		return false;
	*index = (int)idx;
	return true;
}

/* Collects the segments of parameter `want` from the value. */
static void collect(const char *v, size_t n, const char *want, struct lookup *lk)
{
	size_t i = 0, wl = strlen(want);

	lk->n = 0;
	lk->have_plain = false;
	/* Skip the leading token. */
	while (i < n && v[i] != ';') {
		if (v[i] == '"')
			i = lex822_skip_quoted(v, n, i);
		else if (v[i] == '(')
			i = lex822_skip_comment(v, n, i);
		else
			i++;
	}
	while (i < n) {
		size_t ns, ne, vs, ve;
		bool quoted = false;
		int index;
		bool ext;

		i = lex822_skip_cfws(v, n, i + 1);	/* past the ';' */
		ns = i;
		while (i < n && v[i] != '=' && v[i] != ';' && v[i] != '"' &&
		       !ascii_isspace((unsigned char)v[i]))
			i++;
		ne = i;
		i = lex822_skip_cfws(v, n, i);
		if (i >= n || v[i] != '=') {
			/* Not a parameter: skip to the next ';'. */
			while (i < n && v[i] != ';') {
				if (v[i] == '"')
					i = lex822_skip_quoted(v, n, i);
				else
					i++;
			}
			continue;
		}
		i = lex822_skip_cfws(v, n, i + 1);
		if (i < n && v[i] == '"') {
			vs = i + 1;
			ve = n;
			for (i = vs; i < n; i++) {
				if (v[i] == '\\' && i + 1 < n) {
					i++;
				} else if (v[i] == '"') {
					ve = i++;
					break;
				}
			}
			quoted = true;
			/* Anything after the closing quote up to ';' is junk. */
			while (i < n && v[i] != ';')
				i++;
		} else {
			vs = i;
			while (i < n && v[i] != ';')
				i++;
			ve = i;
			while (ve > vs && ascii_isspace((unsigned char)v[ve - 1]))
				ve--;
		}
		if (ne == ns || !name_match(v + ns, ne - ns, want, wl, &index, &ext))
			continue;
		if (index < 0 && !ext) {
			if (!lk->have_plain) {
				lk->have_plain = true;
				lk->plain = (struct segment){ -1, false, quoted, vs, ve - vs };
			}
		} else if (lk->n < RFC2231_MAX_SEGMENTS) {
			lk->seg[lk->n++] = (struct segment){ index, ext, quoted, vs, ve - vs };
		}
	}
}

/* Appends a quoted or plain value with \\ and \" unescaped. */
static void append_unquoted(const char *s, size_t n, bool quoted, struct buf *out)
{
	size_t i, start = 0;

	if (!quoted) {
		buf_append(out, s, n);
		return;
	}
	for (i = 0; i + 1 < n; i++) {
		if (s[i] == '\\' && (s[i + 1] == '\\' || s[i + 1] == '"')) {
			buf_append(out, s + start, i - start);
			start = i + 1;
			i++;
		}
	}
	buf_append(out, s + start, n - start);
}

static void append_percent(const char *s, size_t n, struct buf *out)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n &&
		    (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
			buf_append(out, s + start, i - start);
			buf_putc(out, (char)(hi << 4 | lo));
			i += 2;
			start = i + 1;
		}
	}
	buf_append(out, s + start, n - start);
}

static int seg_cmp(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Assembles the value: raw bytes into out; for an RFC 2231 value the
 * charset label (if any) into charset.  Returns false when absent. */
static bool assemble(const char *v, struct lookup *lk, struct buf *out,
		     char *charset, size_t csize, bool *rfc2231)
{
	charset[0] = '\0';
	*rfc2231 = false;
	if (lk->n == 0) {
		if (!lk->have_plain)
			return false;
		append_unquoted(v + lk->plain.off, lk->plain.len, lk->plain.quoted, out);
		return true;
	}
	*rfc2231 = true;
	qsort(lk->seg, lk->n, sizeof lk->seg[0], seg_cmp);
	for (size_t k = 0; k < lk->n; k++) {
		const struct segment *sg = &lk->seg[k];
		const char *s = v + sg->off;
		size_t len = sg->len;

		if (k > 0 && sg->index == lk->seg[k - 1].index)
			continue;	/* a duplicate segment */
		if (k == 0 && sg->ext) {
			const char *q1 = memchr(s, '\'', len);
			const char *q2 = q1 ? memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - s)) : NULL;

			if (q2 != NULL) {
				size_t cl = (size_t)(q1 - s);

				if (cl >= csize)
					cl = csize - 1;
				memcpy(charset, s, cl);
				charset[cl] = '\0';
				len -= (size_t)(q2 + 1 - s);
				s = q2 + 1;
			}
		}
		if (sg->ext)
			append_percent(s, len, out);
		else
			append_unquoted(s, len, sg->quoted, out);
	}
	return true;
}

bool rfc2231_param_raw(const char *v, size_t n, const char *name, struct buf *out)
{
	struct lookup *lk = xmalloc(sizeof *lk);
	char charset[CHARSET_NAME_MAX + 1];
	bool ext, found;

	collect(v, n, name, lk);
	found = assemble(v, lk, out, charset, sizeof charset, &ext);
	free(lk);
	return found;
}

bool rfc2231_param(struct charset_conv *cc, const char *v, size_t n,
		   const char *name, struct buf *out)
{
	struct lookup *lk = xmalloc(sizeof *lk);
	char charset[CHARSET_NAME_MAX + 1];
	struct buf raw = BUF_INIT, conv = BUF_INIT;
	bool ext, found;

	collect(v, n, name, lk);
	found = assemble(v, lk, &raw, charset, sizeof charset, &ext);
	free(lk);
	if (!found)
		return false;
	if (!ext) {
		rfc2047_decode_append(cc, raw.data ? raw.data : "", raw.len, out);
	} else {
		if (charset[0] != '\0')
			charset_to_utf8(cc, charset, strlen(charset),
					raw.data ? raw.data : "", raw.len, &conv);
		else
			charset_guess_to_utf8(raw.data ? raw.data : "", raw.len, &conv);
		charset_clean_append(out, conv.data ? conv.data : "", conv.len);
	}
	buf_free(&raw);
	buf_free(&conv);
	return true;
}
