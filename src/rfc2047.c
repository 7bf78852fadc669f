/* rfc2047.c - header text to display-safe UTF-8 (encoded words, raw 8-bit
 * bytes, control characters). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rfc2047.h"
#include "lex822.h"

/* A charset label with its RFC 2231 language is never longer than this
 * in an encoded word we accept; longer means "not an encoded word". */
#define WORD_CHARSET_MAX (CHARSET_NAME_MAX + 32)

struct word {
	size_t end;		/* offset just past "?=" */
	const char *cs;		/* the charset, without "*lang" */
	size_t cslen;
	char enc;		/* 'b' or 'q' */
	const char *text;
	size_t textlen;
};

struct decoder {
	struct charset_conv *cc;
	struct buf *out;
	struct buf raw;		/* literal bytes not yet converted */
	bool raw_blank;		/* raw holds only white space */
	struct buf enc;		/* decoded bytes of pending encoded words */
	char cs[WORD_CHARSET_MAX + 1];
	size_t cslen;
	bool have_enc;
	struct buf tmp;
};


static bool charset_char(int c)
{
	return ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
	       c == ':' || c == '+' || c == '(' || c == ')' || c == '*' ||
	       c == '"' || c == '\'';
}

/* Parses "=?charset?e?text?=" at s[i]; the scan stops at the first '?'
 * after the text or at white space, which keeps failed attempts linear. */
static bool parse_word(const char *s, size_t n, size_t i, struct word *w)
{
	size_t p = i + 2, start = p;

	if (p > n || s[i] != '=' || s[i + 1] != '?')
		return false;
	while (p < n && p - start <= WORD_CHARSET_MAX &&
	       charset_char((unsigned char)s[p]))
		p++;
	if (p >= n || s[p] != '?' || p == start || p - start > WORD_CHARSET_MAX)
		return false;
	w->cs = s + start;
	w->cslen = p - start;
	for (size_t k = 0; k < w->cslen; k++)
		if (w->cs[k] == '*') {
			w->cslen = k;
			break;
		}
	if (w->cslen == 0)
		return false;
	p++;
	if (p + 1 >= n || s[p + 1] != '?')
		return false;
	w->enc = (char)ascii_tolower((unsigned char)s[p]);
	if (w->enc != 'b' && w->enc != 'q')
		return false;
	p += 2;
	w->text = s + p;
	while (p < n && s[p] != '?' && !lex822_is_fws((unsigned char)s[p]))
		p++;
	if (p + 1 >= n || s[p] != '?' || s[p + 1] != '=')
		return false;
	w->textlen = (size_t)(s + p - w->text);
	w->end = p + 2;
	return true;
}

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Lenient base64: characters outside the alphabet are skipped, '=' ends
 * the data, a trailing partial quantum keeps its whole bytes. */
static void decode_b(const char *t, size_t n, struct buf *out)
{
	unsigned acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n && t[i] != '='; i++) {
		int v = b64_value((unsigned char)t[i]);

		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)((acc >> bits) & 0xff));
		}
		acc &= (1u << bits) - 1;
	}
}

/* Q: '_' is a space, "=XX" a byte; a malformed '=' stays as it is. */
static void decode_q(const char *t, size_t n, struct buf *out)
{
	size_t i = 0, run = 0;

	while (i < n) {
		if (t[i] == '_') {
			buf_append(out, t + run, i - run);
			buf_putc(out, ' ');
			run = ++i;
		} else if (t[i] == '=' && i + 2 < n &&
			   hex_value((unsigned char)t[i + 1]) >= 0 &&
			   hex_value((unsigned char)t[i + 2]) >= 0) {
			buf_append(out, t + run, i - run);
			buf_putc(out, (char)(hex_value((unsigned char)t[i + 1]) * 16 +
					     hex_value((unsigned char)t[i + 2])));
			i += 3;
			run = i;
		} else {
			i++;
		}
	}
	buf_append(out, t + run, i - run);
}

static void emit(struct decoder *d)
{
	charset_clean_append(d->out, d->tmp.data ? d->tmp.data : "", d->tmp.len);
	buf_reset(&d->tmp);
}

static void flush_enc(struct decoder *d)
{
	if (!d->have_enc)
		return;
	charset_to_utf8(d->cc, d->cs, d->cslen, d->enc.data ? d->enc.data : "",
			d->enc.len, &d->tmp);
	emit(d);
	buf_reset(&d->enc);
	d->have_enc = false;
}

static void flush_raw(struct decoder *d)
{
	if (d->raw.len > 0) {
		charset_guess_to_utf8(d->raw.data, d->raw.len, &d->tmp);
		emit(d);
		buf_reset(&d->raw);
	}
	d->raw_blank = true;
}

static void add_word(struct decoder *d, const struct word *w)
{
	bool joined = d->have_enc && d->raw_blank;

	if (joined) {
		/* White space between two encoded words disappears. */
		buf_reset(&d->raw);
		if (d->cslen != w->cslen ||
		    ascii_strncasecmp(d->cs, w->cs, w->cslen) != 0)
			flush_enc(d);
	} else {
		flush_enc(d);
		flush_raw(d);
	}
	if (!d->have_enc) {
		memcpy(d->cs, w->cs, w->cslen);
		d->cs[w->cslen] = '\0';
		d->cslen = w->cslen;
		d->have_enc = true;
	}
	if (w->enc == 'b')
		decode_b(w->text, w->textlen, &d->enc);
	else
		decode_q(w->text, w->textlen, &d->enc);
}

void rfc2047_decode_append(struct charset_conv *cc, const char *s, size_t n,
			   struct buf *out)
{
	struct decoder d;
	size_t i = 0;

	memset(&d, 0, sizeof d);
	d.cc = cc;
	d.out = out;
	d.raw_blank = true;
	buf_init(&d.raw, 0);
	buf_init(&d.enc, 0);
	buf_init(&d.tmp, 0);
	while (i < n && !out->failed) {
		struct word w;
		size_t run = i;
		bool blank = true;

		if (s[i] == '=' && parse_word(s, n, i, &w)) {
			add_word(&d, &w);
			i = w.end;
			continue;
		}
		/* Literal text up to the next possible encoded word. */
		i++;
		while (i < n && !(s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
			i++;
		for (size_t k = run; k < i && blank; k++)
			blank = lex822_is_fws((unsigned char)s[k]);
		if (!blank) {
			/* Text between words: the pending words end here. */
			flush_enc(&d);
			d.raw_blank = false;
		}
		buf_append(&d.raw, s + run, i - run);
	}
	flush_enc(&d);
	flush_raw(&d);
	buf_free(&d.raw);
	buf_free(&d.enc);
	buf_free(&d.tmp);
}

char *rfc2047_decode(struct charset_conv *cc, const char *s, size_t n)
{
	struct buf b = BUF_INIT;

	rfc2047_decode_append(cc, s, n, &b);
	return buf_steal(&b, NULL);
}
