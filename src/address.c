/* address.c - RFC 5322 address lists, parsed leniently in one pass. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "buf.h"
#include "rfc2047.h"
#include "lex822.h"

/* A run of text tokens outside angle brackets with no white space between
 * them (or joined by '.'/'@'): a candidate address or a display-name
 * word.  Offsets into item.raw (as written) and item.phrase (unquoted). */
struct chunk {
	size_t raw0, raw1;
	size_t ph0, ph1;
	bool at;	/* holds an '@' outside quotes */
};

struct item {
	struct buf raw;
	struct buf phrase;
	struct buf angle;
	struct buf comment;
	struct chunk *chunks;
	size_t nchunks, capchunks;
	size_t nat;	/* chunks with an '@' */
	bool saw_angle, in_angle, have_comment;
	bool gap;	/* white space or a comment since the last token */
};

struct parser {
	struct address_list *list;
	struct charset_conv *cc;
	struct item it;
	struct buf tmp;
	bool in_group;
};


static bool is_special(int c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == ',' ||
	       c == ':' || c == ';' || c == '"' || c == '[' || c == ']';
}

static void item_reset(struct item *it)
{
	buf_reset(&it->raw);
	buf_reset(&it->phrase);
	buf_reset(&it->angle);
	buf_reset(&it->comment);
	it->nchunks = 0;
	it->nat = 0;
	it->saw_angle = it->in_angle = it->have_comment = false;
	it->gap = false;
}

static void list_push(struct address_list *l, char *name, char *addr)
{
	size_t n = l->n;

	/* Capacity is the next power of two above n (no field for it). */
	if (n == 0 || (n & (n - 1)) == 0)
		l->v = xreallocarray(l->v, n == 0 ? 1 : n * 2, sizeof *l->v);
	l->v[n].name = name;
	l->v[n].addr = addr;
	l->n = n + 1;
}

/* Decoded, trimmed display name, or NULL when empty. */
static char *make_name(struct parser *p, const char *s, size_t n)
{
	char *name;

	buf_reset(&p->tmp);
	rfc2047_decode_append(p->cc, s, n, &p->tmp);
	name = str_trim(buf_steal(&p->tmp, NULL));
	if (*name == '\0') {
		free(name);
		return NULL;
	}
	return name;
}

/* The address as written, as clean UTF-8 without white space at the
 * ends; never NULL. */
static char *make_addr(struct parser *p, const char *s, size_t n)
{
	struct buf conv = BUF_INIT;

	charset_guess_to_utf8(s, n, &conv);
	buf_reset(&p->tmp);
	charset_clean_append(&p->tmp, buf_cstr(&conv), conv.len);
	buf_free(&conv);
	return str_trim(buf_steal(&p->tmp, NULL));
}

static void push(struct parser *p, char *name, char *addr)
{
	if (p->list->n >= ADDRESS_LIST_MAX) {
		free(name);
		free(addr);
		return;
	}
	list_push(p->list, name, addr);
}

static void emit_item(struct parser *p)
{
	struct item *it = &p->it;
	const char *raw = buf_cstr(&it->raw), *ph = buf_cstr(&it->phrase);
	char *name = NULL;

	if (it->saw_angle) {
		name = make_name(p, ph, it->phrase.len);
		if (name == NULL && it->have_comment)
			name = make_name(p, buf_cstr(&it->comment), it->comment.len);
		push(p, name, make_addr(p, buf_cstr(&it->angle), it->angle.len));
	} else if (it->nchunks > 0) {
		size_t first = 0, nat = it->nat;

		if (nat == 0) {
			if (it->have_comment)
				name = make_name(p, buf_cstr(&it->comment), it->comment.len);
			push(p, name, make_addr(p, raw, it->raw.len));
			item_reset(it);
			return;
		}
		for (size_t i = 0; i < it->nchunks; i++) {
			const struct chunk *c = &it->chunks[i];

			if (!c->at)
				continue;
			name = NULL;
			if (first < i)
				name = make_name(p, ph + it->chunks[first].ph0,
						 it->chunks[i - 1].ph1 - it->chunks[first].ph0);
			else if (nat == 1 && it->have_comment)
				name = make_name(p, buf_cstr(&it->comment), it->comment.len);
			push(p, name, make_addr(p, raw + c->raw0, c->raw1 - c->raw0));
			first = i + 1;
		}
		/* Words after the last address name it when nothing else did. */
		if (first < it->nchunks && p->list->n > 0 &&
		    p->list->v[p->list->n - 1].name == NULL) {
			p->list->v[p->list->n - 1].name =
				make_name(p, ph + it->chunks[first].ph0,
					  it->chunks[it->nchunks - 1].ph1 - it->chunks[first].ph0);
		}
	}
	item_reset(it);
}

/* Adds a text token: raw bytes as written, phrase bytes unquoted. */
static void add_text(struct parser *p, const char *raw, size_t rawlen,
		     const char *ph, size_t phlen, bool at)
{
	struct item *it = &p->it;
	struct chunk *c = it->nchunks ? &it->chunks[it->nchunks - 1] : NULL;
	bool join = c != NULL && !it->gap;

	if (c != NULL && it->gap && c->raw1 > c->raw0) {
		char last = it->raw.data[c->raw1 - 1];

		if (last == '.' || last == '@' || raw[0] == '.' || raw[0] == '@')
			join = true;
	}
	if (!join) {
		if (it->nchunks == it->capchunks) {
			it->capchunks = it->capchunks ? it->capchunks * 2 : 8;
			it->chunks = xreallocarray(it->chunks, it->capchunks,
						   sizeof *it->chunks);
		}
		if (it->nchunks > 0) {
			buf_putc(&it->raw, ' ');
			buf_putc(&it->phrase, ' ');
		}
		c = &it->chunks[it->nchunks++];
		c->raw0 = c->raw1 = it->raw.len;
		c->ph0 = c->ph1 = it->phrase.len;
		c->at = false;
	}
	buf_append(&it->raw, raw, rawlen);
	buf_append(&it->phrase, ph, phlen);
	c->raw1 = it->raw.len;
	c->ph1 = it->phrase.len;
	if (at && !c->at) {
		c->at = true;
		it->nat++;
	}
	it->gap = false;
}

/* Reads a quoted string starting at s[i] == '"'; appends its unescaped
 * content to out (if non-NULL); returns the offset after it. */
static size_t quoted(const char *s, size_t n, size_t i, struct buf *out)
{
	size_t run;

	i++;
	run = i;
	while (i < n && s[i] != '"') {
		if (s[i] == '\\' && i + 1 < n) {
			if (out != NULL) {
				buf_append(out, s + run, i - run);
				buf_putc(out, s[i + 1]);
			}
			i += 2;
			run = i;
		} else {
			i++;
		}
	}
	if (out != NULL)
		buf_append(out, s + run, i - run);
	return i < n ? i + 1 : n;
}

/* Reads a (nested) comment starting at s[i] == '('; appends its content
 * to out (if non-NULL); returns the offset after it.  Depth is a
 * counter, so nesting costs nothing. */
static size_t comment(const char *s, size_t n, size_t i, struct buf *out)
{
	size_t depth = 1, run;

	i++;
	run = i;
	while (i < n) {
		if (s[i] == '\\' && i + 1 < n) {
			if (out != NULL) {
				buf_append(out, s + run, i - run);
				buf_putc(out, s[i + 1]);
			}
			i += 2;
			run = i;
			continue;
		}
		if (s[i] == '(') {
			depth++;
		} else if (s[i] == ')' && --depth == 0) {
			break;
		}
		i++;
	}
	if (out != NULL)
		buf_append(out, s + run, i - run);
	return i < n ? i + 1 : n;
}

/* Inside <...>: returns the offset after what was consumed. */
static size_t angle_char(struct parser *p, const char *s, size_t n, size_t i)
{
	struct item *it = &p->it;
	char c = s[i];

	switch (c) {
	case '>':
		it->in_angle = false;
		it->gap = true;
		return i + 1;
	case ':':
		/* The end of an obsolete route: forget "@a,@b". */
		buf_reset(&it->angle);
		return i + 1;
	case '(':
		return comment(s, n, i, NULL);
	case '"':
		{
			size_t end = quoted(s, n, i, NULL);

			buf_append(&it->angle, s + i, end - i);
			return end;
		}
	case '<':
		return i + 1;
	case ',':
		{
			size_t k = i + 1;

			while (k < n && lex822_is_fws((unsigned char)s[k]))
				k++;
			if (k < n && s[k] == '@') {
				buf_putc(&it->angle, ',');	/* route */
				return k;
			}
		}
		/* A list separator: the '>' is missing. */
		it->in_angle = false;
		emit_item(p);
		return i + 1;
	case ';':
		it->in_angle = false;
		emit_item(p);
		p->in_group = false;
		return i + 1;
	default:
		if (!lex822_is_fws((unsigned char)c))
			buf_putc(&it->angle, c);
		return i + 1;
	}
}

void address_list_parse_cc(struct address_list *list, const char *s, size_t n,
			   struct charset_conv *cc)
{
	struct parser p;
	size_t i = 0, last_close = n;
	bool have_close = false;

	/* Where the last ']' is, so an unclosed '[' costs no search. */
	while (last_close > 0 && !have_close)
		have_close = s[--last_close] == ']';
	memset(&p, 0, sizeof p);
	p.list = list;
	p.cc = cc;
	while (i < n && list->n < ADDRESS_LIST_MAX) {
		unsigned char c = (unsigned char)s[i];

		if (p.it.in_angle) {
			i = angle_char(&p, s, n, i);
			continue;
		}
		if (lex822_is_fws(c)) {
			p.it.gap = true;
			i++;
			continue;
		}
		switch (c) {
		case ',':
			emit_item(&p);
			i++;
			break;
		case ';':
			emit_item(&p);
			p.in_group = false;
			i++;
			break;
		case ':':
			if (!p.it.saw_angle && p.it.nat == 0) {
				/* A group: its display name is dropped. */
				item_reset(&p.it);
				p.in_group = true;
			} else {
				add_text(&p, ":", 1, ":", 1, false);
			}
			i++;
			break;
		case '<':
			if (p.it.saw_angle)
				emit_item(&p);	/* "<a@x> <b@y>": a missing comma */
			p.it.saw_angle = p.it.in_angle = true;
			buf_reset(&p.it.angle);
			i++;
			break;
		case '(':
			if (!p.it.have_comment) {
				p.it.have_comment = true;
				i = comment(s, n, i, &p.it.comment);
			} else {
				i = comment(s, n, i, NULL);
			}
			p.it.gap = true;
			break;
		case '"':
			{
				size_t end;

				buf_reset(&p.tmp);
				end = quoted(s, n, i, &p.tmp);
				add_text(&p, s + i, end - i, buf_cstr(&p.tmp), p.tmp.len,
					 false);
				i = end;
			}
			break;
		case '[':
			if (have_close && i < last_close) {
				/* A domain literal runs to the next ']'. */
				const char *close = memchr(s + i, ']', n - i);
				size_t end = (size_t)(close - s) + 1;

				add_text(&p, s + i, end - i, s + i, end - i, false);
				i = end;
			} else {
				add_text(&p, s + i, 1, s + i, 1, false);
				i++;
			}
			break;
		case '>':
		case ')':
		case ']':
			p.it.gap = true;	/* stray closer: ignored */
			i++;
			break;
		default:
			{
				size_t start = i;
				bool at = false;

				while (i < n && !lex822_is_fws((unsigned char)s[i]) &&
				       !is_special((unsigned char)s[i])) {
					at = at || s[i] == '@';
					i++;
				}
				add_text(&p, s + start, i - start, s + start, i - start, at);
			}
			break;
		}
	}
	if (list->n < ADDRESS_LIST_MAX)
		emit_item(&p);
	buf_free(&p.it.raw);
	buf_free(&p.it.phrase);
	buf_free(&p.it.angle);
	buf_free(&p.it.comment);
	buf_free(&p.tmp);
	free(p.it.chunks);
}

void address_list_parse(struct address_list *list, const char *value, size_t n)
{
	struct charset_conv *cc = charset_conv_new();

	address_list_parse_cc(list, value, n, cc);
	charset_conv_free(&cc);
}

void address_list_free(struct address_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].name);
		free(list->v[i].addr);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

static bool name_needs_quotes(const char *s)
{
	for (; *s; s++)
		if (strchr("()<>[]:;@\\,.\"", *s) != NULL)
			return true;
	return false;
}

char *address_list_format(const struct address_list *list)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < list->n; i++) {
		const struct address *a = &list->v[i];

		if (i > 0)
			buf_puts(&b, ", ");
		if (a->name == NULL) {
			buf_puts(&b, a->addr);
			continue;
		}
		if (name_needs_quotes(a->name)) {
			buf_putc(&b, '"');
			for (const char *q = a->name; *q; q++) {
				if (*q == '"' || *q == '\\')
					buf_putc(&b, '\\');
				buf_putc(&b, *q);
			}
			buf_putc(&b, '"');
		} else {
			buf_puts(&b, a->name);
		}
		buf_printf(&b, " <%s>", a->addr);
	}
	return buf_steal(&b, NULL);
}
