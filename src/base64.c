/* base64.c - strict RFC 4648 base64 for protocol text.  See base64.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "util.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The value of one alphabet character, or -1. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

char *base64_encode(const void *data, size_t n)
{
	const unsigned char *p = data;
	char *out, *o;
	size_t i;

	if (n > BASE64_INPUT_MAX)
		fatal("base64_encode: %zu bytes is too much", n);
	out = xmalloc(base64_encoded_len(n) + 1);
	o = out;
	for (i = 0; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = alphabet[(v >> 6) & 63];
		*o++ = alphabet[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)p[i] << 16;

		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;

		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = alphabet[(v >> 6) & 63];
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* Checks the shape of the text; returns the number of padding characters,
 * or -1 when the text is not strict base64. */
static int check(const char *text, size_t n)
{
	size_t pad = 0;

	if (n % 4 != 0)
		return -1;
	if (n > 0 && text[n - 1] == '=')
		pad++;
	if (n > 1 && text[n - 2] == '=')
		pad++;
	if (pad == 1 && n > 1 && text[n - 2] == '=')
		return -1;
	for (size_t i = 0; i < n - pad; i++)
		if (b64_value((unsigned char)text[i]) < 0)
			return -1;
	return (int)pad;
}

bool base64_valid(const char *text, size_t n)
{
	return check(text, n) >= 0;
}

int base64_decode(const char *text, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *d;
	size_t len = 0;
	int pad;

	*out = NULL;
	*outlen = 0;
	pad = check(text, n);
	if (pad < 0)
		return -1;
	d = xmalloc(n / 4 * 3 + 1);
	for (size_t i = 0; i < n; i += 4) {
		int a = b64_value((unsigned char)text[i]);
		int b = b64_value((unsigned char)text[i + 1]);
		int c = text[i + 2] == '=' ? 0 : b64_value((unsigned char)text[i + 2]);
		int e = text[i + 3] == '=' ? 0 : b64_value((unsigned char)text[i + 3]);
		unsigned v = (unsigned)a << 18 | (unsigned)b << 12 |
			     (unsigned)c << 6 | (unsigned)e;

		d[len++] = (unsigned char)(v >> 16);
		if (i + 4 < n || pad < 2)
			d[len++] = (unsigned char)(v >> 8);
		if (i + 4 < n || pad < 1)
			d[len++] = (unsigned char)v;
	}
	d[len] = '\0';
	*out = d;
	*outlen = len;
	return 0;
}
