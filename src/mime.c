/* mime.c - the MIME part tree of a raw message, part fields, part
 * numbers, decoded part content and display-safe text. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "mime.h"
#include "rfc2047.h"
#include "rfc2231.h"

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

struct ctx {
	struct mime_tree *t;
	struct charset_conv *cc;
	size_t cap;
	struct buf tmp;
};

static bool field_is(const char *name, size_t namelen, const char *want)
{
	return strlen(want) == namelen && ascii_strncasecmp(name, want, namelen) == 0;
}

static size_t new_part(struct ctx *c, size_t parent, unsigned depth, size_t start,
		       size_t end)
{
	struct mime_tree *t = c->t;
	struct mime_part *p;

	if (t->nparts == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4;
		t->part = xreallocarray(t->part, c->cap, sizeof *t->part);
	}
	p = &t->part[t->nparts];
	memset(p, 0, sizeof *p);
	p->kind = MIME_LEAF;
	p->parent = parent;
	p->first_child = MIME_NO_PART;
	p->next = MIME_NO_PART;
	p->depth = depth;
	p->start = start;
	p->body = end;
	p->end = end;
	return t->nparts++;
}

/* A non-empty token of printable ASCII with exactly one '/' and
 * something on both sides. */
static bool type_valid(const char *s)
{
	const char *slash = strchr(s, '/');

	for (const char *q = s; *q != '\0'; q++)
		if (*q <= ' ' || *q >= 127 || *q == '"' || *q == '\\')
			return false;
	return slash != NULL && slash != s && slash[1] != '\0' &&
	       strchr(slash + 1, '/') == NULL;
}

static char *param_text(struct ctx *c, const char *v, size_t n, const char *name)
{
	char *res = NULL;

	buf_reset(&c->tmp);
	if (rfc2231_param(c->cc, v, n, name, &c->tmp)) {
		const char *s = buf_cstr(&c->tmp);
		size_t len = c->tmp.len;

		while (len > 0 && s[0] == ' ') {
			s++;
			len--;
		}
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len > 0)
			res = xstrndup(s, len);
	}
	return res;
}

/* True when parameter `name` has the value `want` (ASCII, any case,
 * white space around it ignored). */
static bool param_is(struct ctx *c, const char *v, size_t n, const char *name,
		     const char *want)
{
	const char *s;
	size_t len, wl = strlen(want);

	buf_reset(&c->tmp);
	if (!rfc2231_param_raw(v, n, name, &c->tmp))
		return false;
	s = buf_cstr(&c->tmp);
	len = c->tmp.len;
	while (len > 0 && ascii_isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && ascii_isspace((unsigned char)s[len - 1]))
		len--;
	return len == wl && ascii_strncasecmp(s, want, wl) == 0;
}

/* Parses the fields of a part's header; stores the boundary (when the
 * part is a multipart) in bnd. */
static void part_fields(struct ctx *c, size_t idx, bool digest_child,
			char *bnd, size_t *bndlen)
{
	struct mime_part *p = &c->t->part[idx];
	const char *raw = c->t->raw;
	struct header_iter it;
	const char *fn, *v;
	size_t fnlen, vlen;
	bool have_ct = false, have_cte = false, have_cd = false;
	char *ct_name = NULL;

	*bndlen = 0;
	header_iter_init(&it, raw + p->start, p->end - p->start);
	it.max_fields = MIME_MAX_HEADER_FIELDS;
	while (header_iter_next(&it, &fn, &fnlen, &v, &vlen)) {
		if (fnlen < 8 || ascii_strncasecmp(fn, "Content-", 8) != 0)
			continue;
		if (field_is(fn, fnlen, "Content-Type") && !have_ct) {
			have_ct = true;
			rfc2231_token(v, vlen, p->type, sizeof p->type);
			if (!type_valid(p->type)) {
				p->type[0] = '\0';
				continue;
			}
			p->type_explicit = true;
			buf_reset(&c->tmp);
			if (rfc2231_param_raw(v, vlen, "charset", &c->tmp) &&
			    c->tmp.len <= CHARSET_NAME_MAX) {
				memcpy(p->charset, buf_cstr(&c->tmp), c->tmp.len);
				p->charset[c->tmp.len] = '\0';
				str_trim(p->charset);
			}
			p->flowed = param_is(c, v, vlen, "format", "flowed");
			p->delsp = param_is(c, v, vlen, "delsp", "yes");
			if (strncmp(p->type, "multipart/", 10) == 0) {
				buf_reset(&c->tmp);
				if (rfc2231_param_raw(v, vlen, "boundary", &c->tmp)) {
					size_t bl = c->tmp.len;

					if (bl > MIME_BOUNDARY_MAX)
						bl = MIME_BOUNDARY_MAX;
					memcpy(bnd, buf_cstr(&c->tmp), bl);
					/* Trailing white space never survives
					 * on boundary lines. */
					while (bl > 0 && ascii_isspace((unsigned char)bnd[bl - 1]))
						bl--;
					bnd[bl] = '\0';
					*bndlen = bl;
				}
			}
			free(ct_name);
			ct_name = param_text(c, v, vlen, "name");
		} else if (field_is(fn, fnlen, "Content-Transfer-Encoding") && !have_cte) {
			have_cte = true;
			p->encoding = transfer_encoding_parse(v, vlen);
		} else if (field_is(fn, fnlen, "Content-Disposition") && !have_cd) {
			char tok[32];

			have_cd = true;
			if (rfc2231_token(v, vlen, tok, sizeof tok) > 0)
				p->disposition = strcmp(tok, "inline") == 0 ?
					MIME_DISP_INLINE : MIME_DISP_ATTACHMENT;
			p->filename = param_text(c, v, vlen, "filename");
		} else if (field_is(fn, fnlen, "Content-ID") && p->content_id == NULL) {
			size_t s = 0, e = vlen;

			while (s < e && (ascii_isspace((unsigned char)v[s]) || v[s] == '<'))
				s++;
			while (e > s && (ascii_isspace((unsigned char)v[e - 1]) || v[e - 1] == '>'))
				e--;
			if (e > s)
				p->content_id = utf8_sanitize(v + s, e - s);
		} else if (field_is(fn, fnlen, "Content-Description") &&
			   p->description == NULL) {
			p->description = str_trim(rfc2047_decode(c->cc, v, vlen));
		}
	}
	p->body = p->start + (it.truncated ? header_block_len(raw + p->start, p->end - p->start)
					   : it.body);
	if (p->body > p->end)
		p->body = p->end;
	header_iter_deinit(&it);
	if (p->type[0] == '\0')
		strcpy(p->type, digest_child ? "message/rfc822" : "text/plain");
	if (p->filename == NULL)
		p->filename = ct_name;
	else
		free(ct_name);
}

/* When the line at raw[pos] (the range ends at end) is a boundary line of
 * bnd: returns 1 for a delimiter, 2 for the close delimiter, 0 otherwise,
 * and sets *next to the start of the following line. */
static int boundary_line(const char *raw, size_t pos, size_t end, const char *bnd,
			 size_t bl, size_t *next)
{
	size_t i = pos + 2 + bl;
	int kind = 1;

	if (end - pos < 2 + bl || raw[pos] != '-' || raw[pos + 1] != '-' ||
	    memcmp(raw + pos + 2, bnd, bl) != 0)
		return 0;
	if (i + 1 < end && raw[i] == '-' && raw[i + 1] == '-') {
		kind = 2;
		i += 2;
	}
	while (i < end && (raw[i] == ' ' || raw[i] == '\t'))
		i++;
	if (i < end && raw[i] == '\r')
		i++;
	if (i < end && raw[i] != '\n')
		return 0;
	*next = i < end ? i + 1 : end;
	return kind;
}

/* The end of a part that runs up to a boundary line at `line`: before the
 * line break that belongs to the boundary. */
static size_t part_end(const char *raw, size_t from, size_t line)
{
	size_t e = line;

	if (e > from && raw[e - 1] == '\n') {
		e--;
		if (e > from && raw[e - 1] == '\r')
			e--;
	}
	return e;
}

static void set_partno(struct ctx *c, size_t idx, const char *base, size_t k)
{
	struct mime_part *p = &c->t->part[idx];

	if (base[0] == '\0')
		snprintf(p->partno, sizeof p->partno, "%zu", k);
	else
		snprintf(p->partno, sizeof p->partno, "%s.%zu", base, k);
}

static void parse_entity(struct ctx *c, size_t idx, bool digest_child,
			 const char *msgbase);

static void link_child(struct ctx *c, size_t parent, size_t child, size_t *last)
{
	struct mime_part *pp = &c->t->part[parent];

	if (*last == MIME_NO_PART)
		pp->first_child = child;
	else
		c->t->part[*last].next = child;
	pp->nchildren++;
	*last = child;
}

/* Splits a multipart body at its boundary lines; false when not one
 * boundary line is found. */
static bool parse_multipart(struct ctx *c, size_t idx, const char *bnd, size_t bl)
{
	struct mime_tree *t = c->t;
	const char *raw = t->raw;
	size_t body = t->part[idx].body, end = t->part[idx].end;
	size_t pos = body, part_start = MIME_NO_PART, last = MIME_NO_PART, k = 0;
	bool digest = strcmp(t->part[idx].type, "multipart/digest") == 0;
	bool found = false;
	char needle[MIME_BOUNDARY_MAX + 2];
	char base[MIME_PARTNO_MAX];
	unsigned depth = t->part[idx].depth + 1;

	needle[0] = '-';
	needle[1] = '-';
	memcpy(needle + 2, bnd, bl);
	memcpy(base, t->part[idx].partno, sizeof base);
	while (pos < end) {
		const char *hit = memmem(raw + pos, end - pos, needle, bl + 2);
		size_t line, next;
		int kind;

		if (hit == NULL)
			break;
		line = (size_t)(hit - raw);
		if ((line > body && raw[line - 1] != '\n') ||
		    (kind = boundary_line(raw, line, end, bnd, bl, &next)) == 0) {
			pos = line + 1;
			continue;
		}
		found = true;
		if (part_start != MIME_NO_PART) {
			size_t child;

			if (t->nparts >= MIME_MAX_PARTS) {
				t->truncated = true;
				return true;
			}
			child = new_part(c, idx, depth, part_start,
					 part_end(raw, part_start, line));
			link_child(c, idx, child, &last);
			set_partno(c, child, base, ++k);
			parse_entity(c, child, digest, NULL);
		}
		if (kind == 2)
			return true;
		part_start = next;
		pos = next;
	}
	if (part_start != MIME_NO_PART && part_start <= end) {
		size_t child;

		/* No close delimiter: the last part runs to the end. */
		if (t->nparts >= MIME_MAX_PARTS) {
			t->truncated = true;
			return true;
		}
		child = new_part(c, idx, depth, part_start, end);
		link_child(c, idx, child, &last);
		set_partno(c, child, base, ++k);
		parse_entity(c, child, digest, NULL);
	}
	return found;
}

/* The number of a message (the root, or the one inside a message/rfc822
 * part numbered base): its container's when it is a multipart, else its
 * body is "base.1" ("1" for the root). */
static void set_message_partno(struct mime_part *p, const char *base, bool multipart)
{
	if (multipart)
		snprintf(p->partno, sizeof p->partno, "%s", base);
	else if (base[0] == '\0')
		strcpy(p->partno, "1");
	else
		snprintf(p->partno, sizeof p->partno, "%s.1", base);
}

/* Parses the part at idx (start and end set; its number set by the
 * caller, or computed here from msgbase when it is a message) and
 * everything below it. */
static void parse_entity(struct ctx *c, size_t idx, bool digest_child,
			 const char *msgbase)
{
	struct mime_tree *t = c->t;
	char bnd[MIME_BOUNDARY_MAX + 1];
	size_t bl;
	struct mime_part *p;
	bool multipart;

	part_fields(c, idx, digest_child, bnd, &bl);
	p = &t->part[idx];
	multipart = strncmp(p->type, "multipart/", 10) == 0;
	if (multipart && bl == 0) {
		strcpy(p->type, "text/plain");	/* no boundary: show the text */
		multipart = false;
	}
	if (multipart && p->depth >= MIME_MAX_DEPTH) {
		t->truncated = true;
		multipart = false;
	}
	if (msgbase != NULL)
		set_message_partno(p, msgbase, multipart);
	if (multipart) {
		p->kind = MIME_MULTIPART;
		if (!parse_multipart(c, idx, bnd, bl)) {
			p = &t->part[idx];
			p->kind = MIME_LEAF;
			strcpy(p->type, "text/plain");
			if (msgbase != NULL)
				set_message_partno(p, msgbase, false);
		}
		return;
	}
	if ((strcmp(p->type, "message/rfc822") == 0 ||
	     strcmp(p->type, "message/global") == 0) &&
	    (p->encoding == TRANSFER_7BIT || p->encoding == TRANSFER_8BIT ||
	     p->encoding == TRANSFER_BINARY)) {
		size_t child, last = MIME_NO_PART;
		char base[MIME_PARTNO_MAX];

		if (p->depth >= MIME_MAX_DEPTH || t->nparts >= MIME_MAX_PARTS) {
			t->truncated = true;
			return;
		}
		p->kind = MIME_MESSAGE;
		memcpy(base, p->partno, sizeof base);
		child = new_part(c, idx, p->depth + 1, p->body, p->end);
		link_child(c, idx, child, &last);
		parse_entity(c, child, false, base);
	}
}

void mime_parse(struct mime_tree *t, const char *raw, size_t n,
		struct charset_conv *cc)
{
	struct ctx c;
	size_t root;

	memset(t, 0, sizeof *t);
	t->raw = raw;
	t->len = n;
	memset(&c, 0, sizeof c);
	c.t = t;
	c.cc = cc;
	buf_init(&c.tmp, 0);
	root = new_part(&c, MIME_NO_PART, 0, 0, n);
	parse_entity(&c, root, false, "");
	buf_free(&c.tmp);
}

void mime_free(struct mime_tree *t)
{
	for (size_t i = 0; i < t->nparts; i++) {
		free(t->part[i].filename);
		free(t->part[i].content_id);
		free(t->part[i].description);
	}
	free(t->part);
	memset(t, 0, sizeof *t);
}

size_t mime_find(const struct mime_tree *t, const char *partno)
{
	if (t->nparts == 0)
		return MIME_NO_PART;
	if (partno[0] == '\0' || strcmp(partno, "0") == 0)
		return 0;
	for (size_t i = 0; i < t->nparts; i++)
		if (strcmp(t->part[i].partno, partno) == 0)
			return i;
	return MIME_NO_PART;
}

bool mime_type_is(const struct mime_part *p, const char *pattern)
{
	size_t pl = strlen(pattern);

	if (pl > 0 && pattern[pl - 1] == '/')
		return strncmp(p->type, pattern, pl) == 0;
	return strcmp(p->type, pattern) == 0;
}

void mime_decode(const struct mime_tree *t, const struct mime_part *p,
		 struct buf *out)
{
	transfer_decode(p->encoding, t->raw + p->body, p->end - p->body, out);
}

size_t mime_size_estimate(const struct mime_tree *t, const struct mime_part *p)
{
	if (p->kind != MIME_LEAF)
		return p->end - p->body;
	return transfer_decoded_estimate(p->encoding, t->raw + p->body, p->end - p->body);
}

void mime_text(const struct mime_tree *t, const struct mime_part *p,
	       struct charset_conv *cc, struct buf *out)
{
	struct buf dec = BUF_INIT, conv = BUF_INIT;
	const char *s = t->raw + p->body;
	size_t n = p->end - p->body;

	if (p->encoding == TRANSFER_BASE64 || p->encoding == TRANSFER_QP ||
	    p->encoding == TRANSFER_UUENCODE) {
		mime_decode(t, p, &dec);
		s = dec.data ? dec.data : "";
		n = dec.len;
	}
	if (p->charset[0] != '\0') {
		charset_to_utf8(cc, p->charset, strlen(p->charset), s, n, &conv);
		mime_clean_text(out, conv.data ? conv.data : "", conv.len);
	} else if (utf8_valid(s, n)) {
		mime_clean_text(out, s, n);
	} else {
		charset_guess_to_utf8(s, n, &conv);
		mime_clean_text(out, conv.data ? conv.data : "", conv.len);
	}
	buf_free(&dec);
	buf_free(&conv);
}

void mime_clean_text(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned char ch = u[i];
		size_t len;

		if ((ch >= 0x20 && ch < 0x7f) || ch == '\n' || ch == '\t') {
			i++;
			continue;
		}
		if (ch >= 0x80) {
			len = charset_utf8_seq(u + i, n - i);
			if (len > 0 && !(ch == 0xc2 && u[i + 1] < 0xa0)) {
				i += len;
				continue;
			}
		}
		/* Something to replace: flush the run before it. */
		buf_append(out, s + run, i - run);
		if (ch == '\r') {
			if (i + 1 >= n || u[i + 1] != '\n')
				buf_putc(out, '\n');
			i++;
		} else if (ch == '\f' || ch == '\v') {
			buf_putc(out, '\n');
			i++;
		} else if (ch == 0) {
			i++;
		} else if (ch >= 0x80) {
			len = charset_utf8_seq(u + i, n - i);
			buf_append(out, replacement, 3);
			i += len > 0 ? len : 1;
		} else {
			buf_append(out, replacement, 3);
			i++;
		}
		run = i;
	}
	buf_append(out, s + run, i - run);
}
