/* render.c - what to show of a message: the pager text, single decoded
 * parts, and the summary (search text, attachments) for the archive. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "flowed.h"
#include "header.h"
#include "html.h"
#include "i18n.h"
#include "mime.h"
#include "render.h"
#include "rfc2047.h"

/* Header fields a nested message may have before we stop reading. */
#define RENDER_HEADER_FIELDS 1000
/* A <meta charset> is looked for this far into an unlabeled HTML part. */
#define HTML_SNIFF_BYTES 2048

enum text_kind { KIND_NONE, KIND_OTHER, KIND_HTML, KIND_PLAIN };

struct walk {
	const struct mime_tree *t;
	struct charset_conv *cc;
	bool own_cc;		/* cc is ours to free */
	struct render_options o;
	bool summary;		/* no headers, attachment lines, link lists */
	struct buf *text;	/* body text goes here */
	size_t text_max;	/* summary: cap of text->len; 0: none */
	bool truncated;
	bool shown;		/* some text part was shown */
	bool need_gap;		/* body text was written: a blank line goes
				 * before the next thing */
	struct mime_attachment *att;
	size_t natt, natt_total, cap;
	struct buf part;	/* scratch: one part's text */
	struct buf conv;	/* scratch: converted text */
};

/* ---- small helpers ---- */

/* Appends s to the walk's text, honouring the cap (cut at a UTF-8
 * character boundary). */
static void text_put(struct walk *w, const char *s, size_t n)
{
	if (w->text_max > 0) {
		size_t room = w->text->len < w->text_max ? w->text_max - w->text->len : 0;

		if (n > room) {
			n = room;
			while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
				n--;
			w->truncated = true;
		}
	}
	buf_append(w->text, s, n);
}

/* Ends the text so far with a blank line (when there is any). */
static void text_gap(struct walk *w)
{
	size_t len = w->text->len;
	const char *d = w->text->data;

	if (!w->need_gap || len == 0)
		return;
	w->need_gap = false;
	if (d[len - 1] != '\n')
		text_put(w, "\n\n", 2);
	else if (len < 2 || d[len - 2] != '\n')
		text_put(w, "\n", 1);
}

/* Display columns of the UTF-8 character starting with code point cp. */
static unsigned cp_width(unsigned cp)
{
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	if (cp >= 0x300 && cp <= 0x36f)
		return 0;
	return 1;
}

static unsigned decode_cp(const unsigned char *s, size_t len)
{
	switch (len) {
	case 1: return s[0];
	case 2: return (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu);
	case 3: return (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
	default: return (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 |
			(s[2] & 0x3fu) << 6 | (s[3] & 0x3fu);
	}
}

/* Appends one line (no LF) wrapped at width columns: breaks at the last
 * space that fits (or inside a word longer than a line), repeating the
 * line's quote prefix ("> > ") on each continuation. */
static void wrap_line(struct walk *w, const char *s, size_t n, unsigned width)
{
	size_t plen = 0, pos;
	unsigned pcols;

	while (plen < n && (s[plen] == '>' || (s[plen] == ' ' && plen > 0 && s[plen - 1] == '>')))
		plen++;
	pcols = (unsigned)plen;
	if (pcols + 10 > width)
		plen = pcols = 0;	/* a prefix that wide is not repeated */
	text_put(w, s, plen);
	pos = plen;
	for (;;) {
		size_t i = pos, brk = 0;
		unsigned cols = pcols;

		/* Find how much of the rest fits. */
		while (i < n) {
			size_t len = charset_utf8_seq((const unsigned char *)s + i, n - i);
			unsigned cw;

			if (len == 0)
				len = 1;
			cw = cp_width(decode_cp((const unsigned char *)s + i, len));
			if (cols + cw > width && i > pos)
				break;
			if (s[i] == ' ')
				brk = i;
			cols += cw;
			i += len;
		}
		if (i >= n) {
			text_put(w, s + pos, n - pos);
			return;
		}
		if (brk > pos) {
			text_put(w, s + pos, brk - pos);
			pos = brk + 1;
		} else {
			text_put(w, s + pos, i - pos);
			pos = i;
		}
		text_put(w, "\n", 1);
		text_put(w, s, plen);
	}
}

/* Appends body text, wrapped when asked. */
static void text_body(struct walk *w, const char *s, size_t n)
{
	size_t pos = 0;

	if (w->o.width == 0) {
		text_put(w, s, n);
		return;
	}
	while (pos < n) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - s) : n;

		wrap_line(w, s + pos, end - pos, w->o.width < 20 ? 20 : w->o.width);
		if (nl != NULL)
			text_put(w, "\n", 1);
		pos = end + 1;
	}
}

/* ---- attachments ---- */

static void add_attachment(struct walk *w, const char *name, const char *type,
			   size_t size, const char *partno)
{
	struct mime_attachment *a;

	w->natt_total++;
	if (w->natt >= MIME_SUMMARY_ATTACH_MAX)
		return;
	if (w->natt == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4;
		w->att = xreallocarray(w->att, w->cap, sizeof *w->att);
	}
	a = &w->att[w->natt++];
	/* Names are clean already, except a uuencode name cut in the middle
	 * of a character: clean them all the same. */
	{
		struct buf b = BUF_INIT;

		if (name != NULL)
			charset_clean_append(&b, name, strlen(name));
		a->name = buf_steal(&b, NULL);
	}
	a->type = xstrdup(type);
	a->size = size;
	a->partno = xstrdup(partno);
}

static void attachment_line(struct buf *out, const struct mime_attachment *a)
{
	char size[32];
	struct buf name = BUF_INIT;

	format_size(a->size, size, sizeof size);
	charset_clean_append(&name, a->name, strlen(a->name));
	if (name.len > 0)
		buf_printf(out, _("[-- Attachment %s: %s (%s, %s) --]\n"), a->partno,
			   buf_cstr(&name), a->type, size);
	else
		buf_printf(out, _("[-- Attachment %s: (%s, %s) --]\n"), a->partno,
			   a->type, size);
	buf_free(&name);
}

/* ---- headers ---- */

static bool field_is(const char *name, size_t namelen, const char *want)
{
	return strlen(want) == namelen && ascii_strncasecmp(name, want, namelen) == 0;
}

static bool is_address_field(const char *name, size_t nl)
{
	return field_is(name, nl, "From") || field_is(name, nl, "To") ||
	       field_is(name, nl, "Cc") || field_is(name, nl, "Bcc") ||
	       field_is(name, nl, "Reply-To") || field_is(name, nl, "Sender") ||
	       field_is(name, nl, "Resent-From") || field_is(name, nl, "Resent-To");
}

static bool is_weeded_in(const char *name, size_t nl)
{
	return field_is(name, nl, "Date") || field_is(name, nl, "From") ||
	       field_is(name, nl, "To") || field_is(name, nl, "Cc") ||
	       field_is(name, nl, "Subject");
}

/* Writes the header fields of the message whose header starts at
 * raw[start] (end bounds it). */
static void headers(struct walk *w, size_t start, size_t end)
{
	struct header_iter it;
	const char *fn, *v;
	size_t fnlen, vlen;
	struct buf line = BUF_INIT;

	header_iter_init(&it, w->t->raw + start, end - start);
	it.max_fields = RENDER_HEADER_FIELDS;
	while (header_iter_next(&it, &fn, &fnlen, &v, &vlen)) {
		if (!w->o.all_headers && !is_weeded_in(fn, fnlen))
			continue;
		buf_reset(&line);
		buf_append(&line, fn, fnlen);
		buf_puts(&line, ": ");
		if (is_address_field(fn, fnlen)) {
			struct address_list l = { NULL, 0 };
			char *s;

			address_list_parse_cc(&l, v, vlen, w->cc);
			s = address_list_format(&l);
			charset_clean_append(&line, s, strlen(s));
			free(s);
			address_list_free(&l);
		} else {
			rfc2047_decode_append(w->cc, v, vlen, &line);
		}
		buf_putc(&line, '\n');
		text_put(w, line.data, line.len);
	}
	header_iter_deinit(&it);
	buf_free(&line);
}

/* The decoded Subject of the message at part idx, for "[-- Message" lines. */
static char *subject_of(struct walk *w, const struct mime_part *p)
{
	size_t len;
	char *v = header_get(w->t->raw + p->start, p->end - p->start, "Subject", &len);
	char *s;

	if (v == NULL)
		return xstrdup("");
	s = str_trim(rfc2047_decode(w->cc, v, len));
	free(v);
	return s;
}

/* ---- choosing and showing parts ---- */

static enum text_kind kind_of(const struct mime_tree *t, size_t idx, bool prefer_html,
			      unsigned depth);

/* The child of a multipart/alternative to show. */
static size_t best_alternative(const struct mime_tree *t, size_t idx, bool prefer_html)
{
	size_t best = MIME_NO_PART, last = MIME_NO_PART;
	int best_score = -1;

	for (size_t c = t->part[idx].first_child; c != MIME_NO_PART; c = t->part[c].next) {
		enum text_kind k = kind_of(t, c, prefer_html, 0);
		int score;

		last = c;
		switch (k) {
		case KIND_PLAIN: score = prefer_html ? 2 : 3; break;
		case KIND_HTML: score = prefer_html ? 3 : 2; break;
		case KIND_OTHER: score = 1; break;
		default: score = 0; break;
		}
		if (score > best_score) {
			best_score = score;
			best = c;
		}
	}
	return best_score > 0 ? best : last;
}

static enum text_kind kind_of(const struct mime_tree *t, size_t idx, bool prefer_html,
			      unsigned depth)
{
	const struct mime_part *p = &t->part[idx];

	if (depth > MIME_MAX_DEPTH)
		return KIND_NONE;
	if (p->kind == MIME_MULTIPART) {
		size_t c = strcmp(p->type, "multipart/alternative") == 0 ?
			best_alternative(t, idx, prefer_html) : p->first_child;

		return c == MIME_NO_PART ? KIND_NONE : kind_of(t, c, prefer_html, depth + 1);
	}
	if (p->kind == MIME_MESSAGE || p->disposition == MIME_DISP_ATTACHMENT)
		return KIND_NONE;
	if (strcmp(p->type, "text/plain") == 0)
		return KIND_PLAIN;
	if (strcmp(p->type, "text/html") == 0)
		return KIND_HTML;
	if (mime_type_is(p, "text/"))
		return KIND_OTHER;
	return KIND_NONE;
}

/* A leaf shown as text: inline text types without an attachment
 * disposition; text with a file name and no disposition counts too. */
static bool shown_as_text(const struct mime_part *p)
{
	if (p->disposition == MIME_DISP_ATTACHMENT || !mime_type_is(p, "text/"))
		return false;
	/* Types that are data, not prose. */
	return strcmp(p->type, "text/calendar") != 0 && strcmp(p->type, "text/x-vcard") != 0 &&
	       strcmp(p->type, "text/vcard") != 0 && strcmp(p->type, "text/csv") != 0 &&
	       strcmp(p->type, "text/rtf") != 0;
}

/* The charset of an unlabeled HTML part from its <meta>, if any. */
static bool html_sniff_charset(const char *s, size_t n, char *out, size_t outsize)
{
	const char *hit;
	size_t i, k = 0;

	if (n > HTML_SNIFF_BYTES)
		n = HTML_SNIFF_BYTES;
	hit = memmem(s, n, "charset=", 8);
	if (hit == NULL)
		hit = memmem(s, n, "CHARSET=", 8);
	if (hit == NULL)
		return false;
	i = (size_t)(hit - s) + 8;
	if (i < n && (s[i] == '"' || s[i] == '\''))
		i++;
	while (i < n && k + 1 < outsize &&
	       (ascii_isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' ||
		s[i] == ':' || s[i] == '.'))
		out[k++] = s[i++];
	out[k] = '\0';
	return k > 0;
}

static void text_end(struct walk *w, size_t before);

static void show_text(struct walk *w, size_t idx)
{
	const struct mime_part *p = &w->t->part[idx];
	struct mime_part copy;
	bool html = strcmp(p->type, "text/html") == 0;
	size_t before;

	buf_reset(&w->part);
	buf_reset(&w->conv);
	if (html && p->charset[0] == '\0') {
		copy = *p;
		if (html_sniff_charset(w->t->raw + p->body, p->end - p->body, copy.charset,
				       sizeof copy.charset))
			p = &copy;
	}
	mime_text(w->t, p, w->cc, &w->part);
	text_gap(w);
	before = w->text->len;
	if (html) {
		struct html_options ho = { !w->summary && !w->o.no_link_list };

		html_to_text(w->part.data ? w->part.data : "", w->part.len, &ho, &w->conv);
		text_body(w, w->conv.data ? w->conv.data : "", w->conv.len);
		text_end(w, before);
		return;
	}
	if (p->flowed) {
		flowed_reflow(w->part.data ? w->part.data : "", w->part.len, p->delsp,
			      &w->conv);
		buf_reset(&w->part);
		buf_append(&w->part, w->conv.data ? w->conv.data : "", w->conv.len);
	}
	/* Cut uuencoded blocks out of plain text. */
	if (strcmp(p->type, "text/plain") == 0 && w->part.len > 0) {
		const char *s = w->part.data;
		size_t n = w->part.len, pos = 0, k = 0;
		struct uu_block blk;

		while (uu_find(s, n, pos, &blk)) {
			char no[MIME_PARTNO_MAX + 24];

			text_body(w, s + pos, blk.start - pos);
			snprintf(no, sizeof no, "%s.u%zu", p->partno, ++k);
			add_attachment(w, blk.name, "application/octet-stream", blk.size, no);
			pos = blk.end;
		}
		text_body(w, s + pos, n - pos);
	} else {
		text_body(w, w->part.data ? w->part.data : "", w->part.len);
	}
	text_end(w, before);
}

/* After a part's text (which started at offset before): end it with a
 * line break, and remember that a gap is due. */
static void text_end(struct walk *w, size_t before)
{
	w->shown = true;
	if (w->text->len == before)
		return;
	if (w->text->data[w->text->len - 1] != '\n')
		text_put(w, "\n", 1);
	w->need_gap = true;
}

static void walk_entity(struct walk *w, size_t idx);

static void show_message(struct walk *w, size_t idx)
{
	const struct mime_part *p = &w->t->part[idx];
	size_t inner = p->first_child;

	add_attachment(w, p->filename, p->type, p->end - p->body, p->partno);
	if (inner == MIME_NO_PART)
		return;
	text_gap(w);
	if (!w->summary) {
		char *subj = subject_of(w, &w->t->part[inner]);
		struct buf line = BUF_INIT;

		buf_printf(&line, _("[-- Message %s: %s --]\n"), p->partno, subj);
		text_put(w, line.data, line.len);
		buf_free(&line);
		free(subj);
		headers(w, w->t->part[inner].start, w->t->part[inner].end);
		text_put(w, "\n", 1);
		w->need_gap = false;
	}
	walk_entity(w, inner);
}

/* Lists the named parts below an alternative that is not shown (the
 * images of the HTML version, say), so they can still be saved. */
static void list_named(struct walk *w, size_t idx)
{
	const struct mime_part *p = &w->t->part[idx];

	if (p->kind == MIME_LEAF) {
		if (p->filename != NULL)
			add_attachment(w, p->filename, p->type, mime_size_estimate(w->t, p),
				       p->partno);
		return;
	}
	if (p->kind == MIME_MESSAGE) {
		add_attachment(w, p->filename, p->type, p->end - p->body, p->partno);
		return;
	}
	for (size_t c = p->first_child; c != MIME_NO_PART; c = w->t->part[c].next)
		list_named(w, c);
}

static void walk_entity(struct walk *w, size_t idx)
{
	const struct mime_part *p = &w->t->part[idx];

	if (p->kind == MIME_MESSAGE) {
		show_message(w, idx);
		return;
	}
	if (p->kind == MIME_MULTIPART) {
		size_t c;

		if (strcmp(p->type, "multipart/alternative") == 0) {
			size_t best = best_alternative(w->t, idx, w->o.prefer_html);

			if (best != MIME_NO_PART)
				walk_entity(w, best);
			for (c = p->first_child; c != MIME_NO_PART; c = w->t->part[c].next)
				if (c != best)
					list_named(w, c);
			return;
		}
		if (strcmp(p->type, "multipart/related") == 0 && p->first_child != MIME_NO_PART) {
			walk_entity(w, p->first_child);
			for (c = w->t->part[p->first_child].next; c != MIME_NO_PART;
			     c = w->t->part[c].next)
				if (w->t->part[c].kind == MIME_LEAF)
					add_attachment(w, w->t->part[c].filename, w->t->part[c].type,
						       mime_size_estimate(w->t, &w->t->part[c]),
						       w->t->part[c].partno);
				else
					walk_entity(w, c);
			return;
		}
		for (c = p->first_child; c != MIME_NO_PART; c = w->t->part[c].next)
			walk_entity(w, c);
		return;
	}
	if (shown_as_text(p)) {
		/* A named text part is shown and also listed, so it can be
		 * saved (and counts for has:attachment, as in envelope.h). */
		if (p->filename != NULL)
			add_attachment(w, p->filename, p->type, mime_size_estimate(w->t, p),
				       p->partno);
		show_text(w, idx);
		return;
	}
	add_attachment(w, p->filename, p->type, mime_size_estimate(w->t, p), p->partno);
}

static void walk_init(struct walk *w, const char *raw, size_t n, struct mime_tree *t,
		      const struct render_options *o, struct buf *text,
		      struct charset_conv *cc)
{
	memset(w, 0, sizeof *w);
	w->own_cc = cc == NULL;
	w->cc = cc != NULL ? cc : charset_conv_new();
	mime_parse(t, raw, n, w->cc);
	w->t = t;
	if (o != NULL)
		w->o = *o;
	w->text = text;
	buf_init(&w->part, 0);
	buf_init(&w->conv, 0);
}

static void walk_deinit(struct walk *w, struct mime_tree *t)
{
	buf_free(&w->part);
	buf_free(&w->conv);
	if (w->own_cc)
		charset_conv_free(&w->cc);
	mime_free(t);
}

static void attachments_free(struct mime_attachment *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].type);
		free(a[i].partno);
	}
	free(a);
}

/* ---- the entry points ---- */

int mime_summarize(const char *raw, size_t n, struct mime_summary *out)
{
	return mime_summarize_cc(raw, n, NULL, out);
}

int mime_summarize_cc(const char *raw, size_t n, struct charset_conv *cc,
		      struct mime_summary *out)
{
	struct mime_tree t;
	struct walk w;
	struct buf text = BUF_INIT;

	memset(out, 0, sizeof *out);
	walk_init(&w, raw, n, &t, NULL, &text, cc);
	w.summary = true;
	w.text_max = MIME_SUMMARY_TEXT_MAX;
	walk_entity(&w, 0);
	out->text = buf_steal(&text, &out->text_len);
	out->text_truncated = w.truncated;
	out->att = w.att;
	out->natt = w.natt;
	out->natt_total = w.natt_total;
	out->has_attachment = w.natt_total > 0;
	walk_deinit(&w, &t);
	return 0;
}

void mime_summary_free(struct mime_summary *s)
{
	free(s->text);
	attachments_free(s->att, s->natt);
	memset(s, 0, sizeof *s);
}

int render_message_text(const char *raw, size_t n, const struct render_options *o,
			struct buf *out)
{
	return render_message_text_cc(raw, n, o, NULL, out);
}

int render_message_text_cc(const char *raw, size_t n, const struct render_options *o,
			   struct charset_conv *cc, struct buf *out)
{
	struct mime_tree t;
	struct walk w;

	walk_init(&w, raw, n, &t, o, out, cc);
	headers(&w, 0, t.part[0].body);
	text_put(&w, "\n", 1);
	walk_entity(&w, 0);
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		buf_putc(out, '\n');
	if (w.natt > 0) {
		buf_putc(out, '\n');
		for (size_t i = 0; i < w.natt; i++)
			attachment_line(out, &w.att[i]);
		if (w.natt_total > w.natt)
			buf_printf(out, _("[-- %zu more attachments --]\n"),
				   w.natt_total - w.natt);
	}
	if (t.truncated)
		buf_puts(out, _("[-- The message is nested too deeply or has too many "
				"parts; not all of it is shown --]\n"));
	attachments_free(w.att, w.natt);
	walk_deinit(&w, &t);
	return out->failed ? -1 : 0;
}

/* Splits "P.uK" into the part number P and K; false when partno has no
 * such suffix. */
static bool uu_partno(const char *partno, char *base, size_t basesize, size_t *k)
{
	const char *u = strstr(partno, ".u");
	const char *d;
	size_t bl;

	if (u == NULL)
		return false;
	for (const char *q = u + 2; (q = strstr(q, ".u")) != NULL; q += 2)
		u = q;
	d = u + 2;
	if (*d == '\0' || strspn(d, "0123456789") != strlen(d) || strlen(d) > 6)
		return false;
	bl = (size_t)(u - partno);
	if (bl >= basesize)
		return false;
	memcpy(base, partno, bl);
	base[bl] = '\0';
	*k = (size_t)strtoul(d, NULL, 10);
	return *k > 0;
}

int render_part(const char *raw, size_t n, const char *partno, struct buf *out,
		struct error **err)
{
	struct mime_tree t;
	char base[MIME_PARTNO_MAX];
	size_t idx, k = 0;
	bool uu = uu_partno(partno, base, sizeof base, &k);
	int rc = 0;

	if (partno[0] == '\0' || strcmp(partno, "0") == 0) {
		buf_append(out, raw, n);
		return out->failed ? error_set(err, ERR_DATA, _("Part %s is too large."),
					       partno) : 0;
	}
	mime_parse(&t, raw, n, NULL);
	idx = mime_find(&t, uu ? base : partno);
	if (idx == MIME_NO_PART) {
		rc = error_set(err, ERR_NOTFOUND, _("The message has no part %s."), partno);
	} else if (uu) {
		struct buf dec = BUF_INIT;
		struct uu_block blk;
		size_t pos = 0, i = 0;
		bool found = false;

		/* The same text show_text looks for blocks in. */
		mime_text(&t, &t.part[idx], NULL, &dec);
		if (t.part[idx].flowed) {
			struct buf fl = BUF_INIT;

			flowed_reflow(dec.data ? dec.data : "", dec.len, t.part[idx].delsp, &fl);
			buf_free(&dec);
			dec = fl;
		}
		while (dec.len > 0 && uu_find(dec.data, dec.len, pos, &blk)) {
			if (++i == k) {
				uu_decode(dec.data, &blk, out);
				found = true;
				break;
			}
			pos = blk.end;
		}
		if (!found)
			rc = error_set(err, ERR_NOTFOUND, _("The message has no part %s."),
				       partno);
		buf_free(&dec);
	} else if (t.part[idx].kind == MIME_LEAF) {
		mime_decode(&t, &t.part[idx], out);
	} else if (t.part[idx].kind == MIME_MESSAGE) {
		buf_append(out, raw + t.part[idx].body, t.part[idx].end - t.part[idx].body);
	} else {
		buf_append(out, raw + t.part[idx].start, t.part[idx].end - t.part[idx].start);
	}
	mime_free(&t);
	if (rc == 0 && out->failed)
		rc = error_set(err, ERR_DATA, _("Part %s is too large."), partno);
	return rc;
}
