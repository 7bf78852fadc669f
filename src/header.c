/* header.c - the RFC 5322 header block of a raw message: its end and its
 * unfolded fields. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "header.h"

struct line {
	size_t start;
	size_t end;	/* excluding CR LF / LF */
	size_t next;	/* start of the following line */
};

static void line_at(const char *msg, size_t n, size_t pos, struct line *l)
{
	const char *nl = memchr(msg + pos, '\n', n - pos);

	l->start = pos;
	if (nl == NULL) {
		l->end = n;
		l->next = n;
	} else {
		l->end = (size_t)(nl - msg);
		l->next = l->end + 1;
	}
	if (l->end > l->start && msg[l->end - 1] == '\r')
		l->end--;
}

static bool is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* Length of the field name on the line, with *colon set to the offset of
 * the colon; 0 when the line is not a field. */
static size_t field_name(const char *msg, const struct line *l, size_t *colon)
{
	size_t p = l->start, namelen;

	while (p < l->end && msg[p] > 32 && msg[p] < 127 && msg[p] != ':')
		p++;
	namelen = p - l->start;
	while (p < l->end && is_wsp((unsigned char)msg[p]))
		p++;
	if (namelen == 0 || p >= l->end || msg[p] != ':')
		return 0;
	*colon = p;
	return namelen;
}

static bool is_from_line(const char *msg, size_t n)
{
	return n >= 5 && memcmp(msg, "From ", 5) == 0;
}

void header_iter_init(struct header_iter *it, const char *msg, size_t n)
{
	memset(it, 0, sizeof *it);
	it->msg = msg;
	it->len = n;
	it->max_fields = HEADER_MAX_FIELDS;
	it->max_bytes = HEADER_MAX_BYTES;
	buf_init(&it->unfold, 0);
	if (is_from_line(msg, n)) {
		struct line l;

		line_at(msg, n, 0, &l);
		it->pos = l.next;
	}
}

void header_iter_deinit(struct header_iter *it)
{
	buf_free(&it->unfold);
}

/* Marks the end of the header; body starts at `body`. */
static bool finish(struct header_iter *it, size_t body)
{
	it->done = true;
	it->body = body;
	return false;
}

bool header_iter_next(struct header_iter *it, const char **name, size_t *namelen,
		      const char **value, size_t *valuelen)
{
	const char *msg = it->msg;
	size_t n = it->len;

	while (!it->done) {
		struct line l, c;
		size_t colon, nl, vstart, vend, lastend;
		bool folded = false;

		if (it->pos >= n)
			return finish(it, n);
		line_at(msg, n, it->pos, &l);
		if (l.end == l.start && l.next > l.start)
			return finish(it, l.next);	/* the blank line */
		if (is_wsp((unsigned char)msg[l.start])) {
			it->pos = l.next;		/* continuation of nothing */
			continue;
		}
		nl = field_name(msg, &l, &colon);
		if (nl == 0)
			return finish(it, l.start);	/* no blank line: body */

		/* The value runs on over continuation lines. */
		vstart = colon + 1;
		lastend = l.end;
		c.next = l.next;
		while (c.next < n && is_wsp((unsigned char)msg[c.next])) {
			struct line k;

			line_at(msg, n, c.next, &k);
			if (!folded) {
				buf_reset(&it->unfold);
				while (vstart < l.end && is_wsp((unsigned char)msg[vstart]))
					vstart++;
				buf_append(&it->unfold, msg + vstart, l.end - vstart);
				folded = true;
			}
			buf_append(&it->unfold, msg + k.start, k.end - k.start);
			lastend = k.end;
			c = k;
		}
		it->pos = c.next;
		if (it->nfields >= it->max_fields || lastend > it->max_bytes) {
			it->truncated = true;
			it->done = true;
			return false;
		}
		it->nfields++;
		*name = msg + l.start;
		*namelen = nl;
		if (folded) {
			*value = buf_cstr(&it->unfold);
			vstart = 0;
			vend = it->unfold.len;
		} else {
			*value = msg;
			vend = l.end;
		}
		while (vstart < vend && ascii_isspace((unsigned char)(*value)[vstart]))
			vstart++;
		while (vend > vstart && ascii_isspace((unsigned char)(*value)[vend - 1]))
			vend--;
		*value += vstart;
		*valuelen = vend - vstart;
		return true;
	}
	return false;
}

size_t header_block_len(const char *msg, size_t n)
{
	size_t pos = 0;
	struct line l;

	if (is_from_line(msg, n)) {
		line_at(msg, n, 0, &l);
		pos = l.next;
	}
	while (pos < n) {
		size_t colon;

		line_at(msg, n, pos, &l);
		if (l.end == l.start && l.next > l.start)
			return l.next;
		if (!is_wsp((unsigned char)msg[l.start]) &&
		    field_name(msg, &l, &colon) == 0)
			return l.start;
		pos = l.next;
	}
	return n;
}

char *header_get(const char *msg, size_t n, const char *name, size_t *len)
{
	struct header_iter it;
	const char *fn, *v;
	size_t fnlen, vlen, want = strlen(name);
	char *res = NULL;

	header_iter_init(&it, msg, n);
	while (header_iter_next(&it, &fn, &fnlen, &v, &vlen)) {
		if (fnlen == want && ascii_strncasecmp(fn, name, want) == 0) {
			res = xmalloc(vlen + 1);
			memcpy(res, v, vlen);
			res[vlen] = '\0';
			if (len != NULL)
				*len = vlen;
			break;
		}
	}
	header_iter_deinit(&it);
	return res;
}
