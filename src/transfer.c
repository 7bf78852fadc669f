/* transfer.c - MIME content transfer encodings: lenient incremental
 * base64 and quoted-printable decoders, uuencoded blocks, estimates. */
#include "config.h"

#include <string.h>

#include "transfer.h"

enum { UU_BEFORE, UU_DATA, UU_AFTER };

static bool token_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && ascii_strncasecmp(s, word, n) == 0;
}

enum transfer_encoding transfer_encoding_parse(const char *v, size_t n)
{
	size_t i = 0, start;
	int depth = 0;

	/* Skip white space and comments before the token. */
	while (i < n) {
		if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !ascii_isspace((unsigned char)v[i]) && v[i] != '"')
			break;
		i++;
	}
	start = i;
	while (i < n && !ascii_isspace((unsigned char)v[i]) && v[i] != '(' &&
	       v[i] != '"' && v[i] != ';')
		i++;
	v += start;
	n = i - start;
	if (token_is(v, n, "base64"))
		return TRANSFER_BASE64;
	if (token_is(v, n, "quoted-printable"))
		return TRANSFER_QP;
	if (token_is(v, n, "8bit"))
		return TRANSFER_8BIT;
	if (token_is(v, n, "binary"))
		return TRANSFER_BINARY;
	if (token_is(v, n, "x-uuencode") || token_is(v, n, "x-uue") ||
	    token_is(v, n, "uuencode") || token_is(v, n, "x-uu"))
		return TRANSFER_UUENCODE;
	return TRANSFER_7BIT;
}

const char *transfer_encoding_name(enum transfer_encoding enc)
{
	switch (enc) {
	case TRANSFER_8BIT: return "8bit";
	case TRANSFER_BINARY: return "binary";
	case TRANSFER_QP: return "quoted-printable";
	case TRANSFER_BASE64: return "base64";
	case TRANSFER_UUENCODE: return "x-uuencode";
	case TRANSFER_7BIT: break;
	}
	return "7bit";
}

/* ---- base64 ---- */

/* 0-63 for the alphabet, 64 for '=', 0xff for everything else. */
static const unsigned char b64[256] = {
#define X 0xff
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, 62, X, X, X, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, 64, X, X,
	X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, X,
	X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
#undef X
};

/* Emits the whole bytes of a partial group and starts a new group. */
static void b64_flush(struct transfer_dec *d, struct buf *out)
{
	unsigned char t[2];

	if (d->nbits == 12) {
		t[0] = (unsigned char)(d->bits >> 4);
		buf_append(out, t, 1);
	} else if (d->nbits == 18) {
		t[0] = (unsigned char)(d->bits >> 10);
		t[1] = (unsigned char)(d->bits >> 2);
		buf_append(out, t, 2);
	}
	d->bits = 0;
	d->nbits = 0;
}

static void b64_feed(struct transfer_dec *d, const char *s, size_t n,
		     struct buf *out)
{
	unsigned char chunk[768];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned v = b64[(unsigned char)s[i]];

		if (v == 0xff)
			continue;
		if (v == 64) {
			buf_append(out, chunk, k);
			k = 0;
			b64_flush(d, out);
			continue;
		}
		d->bits = (d->bits << 6) | v;
		d->nbits += 6;
		if (d->nbits == 24) {
			chunk[k++] = (unsigned char)(d->bits >> 16);
			chunk[k++] = (unsigned char)(d->bits >> 8);
			chunk[k++] = (unsigned char)d->bits;
			d->bits = 0;
			d->nbits = 0;
			if (k == sizeof chunk) {
				buf_append(out, chunk, k);
				k = 0;
			}
		}
	}
	buf_append(out, chunk, k);
}

/* ---- quoted-printable ---- */

/* Decodes one line (with its line end, if any). */
static void qp_line(const char *s, size_t n, struct buf *out)
{
	size_t end = n, eol = n, i, run;
	bool soft = false;

	if (end > 0 && s[end - 1] == '\n') {
		end--;
		if (end > 0 && s[end - 1] == '\r')
			end--;
		eol = end;
		/* Trailing white space is transport padding. */
		while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
			end--;
	}
	if (end > 0 && s[end - 1] == '=') {
		end--;
		soft = true;
	}
	for (i = 0; i < end; i += run) {
		const char *eq = memchr(s + i, '=', end - i);
		int hi, lo;

		if (eq == NULL) {
			buf_append(out, s + i, end - i);
			break;
		}
		run = (size_t)(eq - (s + i));
		buf_append(out, s + i, run);
		i += run;
		if (i + 2 < end &&
		    (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
			buf_putc(out, (char)(hi << 4 | lo));
			run = 3;
		} else {
			buf_putc(out, '=');
			run = 1;
		}
	}
	if (!soft)
		buf_append(out, s + eol, n - eol);
}

/* ---- uuencode ---- */

static bool uu_char(int c)
{
	return c >= 32 && c <= 96;
}

/* Length of a line without its line end and trailing white space. */
static size_t line_trim(const char *s, size_t n)
{
	while (n > 0 && ascii_isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

/* Decoded length of a uuencoded line, or -1 when the line is not one. */
static int uu_line_len(const char *s, size_t n)
{
	size_t need, i;
	int len;

	n = line_trim(s, n);
	if (n == 0 || !uu_char((unsigned char)s[0]))
		return -1;
	len = (s[0] - 32) & 63;
	need = ((size_t)len + 2) / 3 * 4;
	/* Some encoders drop trailing spaces (as '`' would have been), some
	 * add a check character: allow both. */
	if (n - 1 > need + 1 || n - 1 + 3 < need)
		return -1;
	for (i = 1; i < n; i++)
		if (!uu_char((unsigned char)s[i]))
			return -1;
	return len;
}

static void uu_line_decode(const char *s, size_t n, struct buf *out)
{
	unsigned char tmp[64];
	int len = uu_line_len(s, n), k = 0;
	size_t i = 1;

	if (len <= 0)
		return;
	n = line_trim(s, n);
	while (k < len) {
		unsigned c[4];

		for (int j = 0; j < 4; j++, i++)
			c[j] = i < n ? (unsigned)(s[i] - 32) & 63 : 0;
		tmp[k++] = (unsigned char)(c[0] << 2 | c[1] >> 4);
		if (k < len)
			tmp[k++] = (unsigned char)(c[1] << 4 | c[2] >> 2);
		if (k < len)
			tmp[k++] = (unsigned char)(c[2] << 6 | c[3]);
	}
	buf_append(out, tmp, (size_t)len);
}

/* "begin 644 name": returns the offset of the name, or 0 when the line
 * is not a begin line. */
static size_t uu_begin(const char *s, size_t n)
{
	size_t i = 6, digits = 0;

	if (n < 8 || memcmp(s, "begin ", 6) != 0)
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '7') {
		i++;
		digits++;
	}
	if (digits < 3 || digits > 4 || i >= n || s[i] != ' ')
		return 0;
	while (i < n && s[i] == ' ')
		i++;
	return line_trim(s + i, n - i) > 0 ? i : 0;
}

static bool uu_is_end(const char *s, size_t n)
{
	return line_trim(s, n) == 3 && memcmp(s, "end", 3) == 0;
}

static void uu_dec_line(struct transfer_dec *d, const char *s, size_t n,
			struct buf *out)
{
	if (d->uu_state == UU_BEFORE) {
		if (uu_begin(s, n) > 0)
			d->uu_state = UU_DATA;
	} else if (d->uu_state == UU_DATA) {
		if (uu_is_end(s, n))
			d->uu_state = UU_AFTER;
		else
			uu_line_decode(s, n, out);
	}
}

/* One whole line (its newline included) of quoted-printable or uuencode. */
static void dec_line(struct transfer_dec *d, const char *s, size_t n, struct buf *out)
{
	if (d->enc == TRANSFER_QP)
		qp_line(s, n, out);
	else
		uu_dec_line(d, s, n, out);
}

/* Feeds the line decoders (quoted-printable, uuencode) whole lines; a
 * line cut between two feeds waits in d->line for its end. */
static void lines_feed(struct transfer_dec *d, const char *s, size_t n, struct buf *out)
{
	while (n > 0) {
		const char *nl = memchr(s, '\n', n);
		size_t len;

		if (nl == NULL) {
			buf_append(&d->line, s, n);
			return;
		}
		len = (size_t)(nl - s) + 1;
		if (d->line.len > 0) {
			buf_append(&d->line, s, len);
			dec_line(d, d->line.data, d->line.len, out);
			buf_reset(&d->line);
		} else {
			dec_line(d, s, len, out);
		}
		s += len;
		n -= len;
	}
}

/* ---- the decoder ---- */

void transfer_dec_init(struct transfer_dec *d, enum transfer_encoding enc)
{
	memset(d, 0, sizeof *d);
	d->enc = enc;
	buf_init(&d->line, 0);
	d->uu_state = UU_BEFORE;
}

void transfer_dec_feed(struct transfer_dec *d, const char *s, size_t n,
		       struct buf *out)
{
	switch (d->enc) {
	case TRANSFER_BASE64:
		b64_feed(d, s, n, out);
		break;
	case TRANSFER_QP:
	case TRANSFER_UUENCODE:
		lines_feed(d, s, n, out);
		break;
	default:
		buf_append(out, s, n);
		break;
	}
}

void transfer_dec_finish(struct transfer_dec *d, struct buf *out)
{
	if (d->enc == TRANSFER_BASE64)
		b64_flush(d, out);
	else if ((d->enc == TRANSFER_QP || d->enc == TRANSFER_UUENCODE) && d->line.len > 0)
		dec_line(d, d->line.data, d->line.len, out);
	buf_free(&d->line);
	d->bits = 0;
	d->nbits = 0;
	d->uu_state = UU_BEFORE;
}

void transfer_decode(enum transfer_encoding enc, const char *s, size_t n,
		     struct buf *out)
{
	struct transfer_dec d;

	if (enc != TRANSFER_BASE64 && enc != TRANSFER_QP && enc != TRANSFER_UUENCODE) {
		buf_append(out, s, n);
		return;
	}
	transfer_dec_init(&d, enc);
	transfer_dec_feed(&d, s, n, out);
	transfer_dec_finish(&d, out);
}

size_t transfer_decoded_estimate(enum transfer_encoding enc, const char *s,
				 size_t n)
{
	const char *nl;
	size_t line, eol, lines, chars;

	if (enc != TRANSFER_BASE64)
		return n;
	nl = memchr(s, '\n', n < 4096 ? n : 4096);
	if (nl == NULL)
		return n / 4 * 3;
	line = (size_t)(nl - s);
	eol = 1;
	if (line > 0 && s[line - 1] == '\r') {
		line--;
		eol = 2;
	}
	if (line == 0)
		return n / 4 * 3;
	lines = (n + eol) / (line + eol);
	chars = n > lines * eol ? n - lines * eol : 0;
	return chars / 4 * 3;
}

/* ---- uuencoded blocks in text ---- */

bool uu_find(const char *s, size_t n, size_t from, struct uu_block *blk)
{
	size_t pos = from;

	while (pos + 6 < n) {
		const char *hit = memmem(s + pos, n - pos, "begin ", 6);
		size_t start, eol, name, p, last;
		const char *nl;
		bool any = false;

		if (hit == NULL)
			return false;
		start = (size_t)(hit - s);
		if (start > 0 && s[start - 1] != '\n') {
			pos = start + 6;
			continue;
		}
		nl = memchr(s + start, '\n', n - start);
		eol = nl ? (size_t)(nl - s) + 1 : n;
		name = uu_begin(s + start, eol - start);
		if (name == 0) {
			pos = start + 6;
			continue;
		}
		memset(blk, 0, sizeof *blk);
		blk->start = start;
		blk->data = eol;
		{
			size_t nl_len = line_trim(s + start + name, eol - start - name);

			if (nl_len > UU_NAME_MAX)
				nl_len = UU_NAME_MAX;
			memcpy(blk->name, s + start + name, nl_len);
			blk->name[nl_len] = '\0';
		}
		/* The data lines, up to "end" or the first line that is not
		 * uuencode. */
		p = last = eol;
		blk->end = 0;
		while (p < n) {
			size_t next;
			int len;

			nl = memchr(s + p, '\n', n - p);
			next = nl ? (size_t)(nl - s) + 1 : n;
			if (uu_is_end(s + p, next - p)) {
				blk->data_end = p;
				blk->end = next;
				break;
			}
			len = uu_line_len(s + p, next - p);
			if (len < 0)
				break;
			if (len > 0)
				any = true;
			blk->size += (size_t)len;
			p = last = next;
		}
		if (!any) {
			pos = eol;
			continue;
		}
		if (blk->end == 0) {
			blk->data_end = last;
			blk->end = last;
		}
		return true;
	}
	return false;
}

void uu_decode(const char *s, const struct uu_block *blk, struct buf *out)
{
	size_t p = blk->data;

	while (p < blk->data_end) {
		const char *nl = memchr(s + p, '\n', blk->data_end - p);
		size_t next = nl ? (size_t)(nl - s) + 1 : blk->data_end;

		uu_line_decode(s + p, next - p, out);
		p = next;
	}
}
