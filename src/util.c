/* util.c - allocation that cannot fail, and small ASCII string helpers. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("petrel: internal error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu x %zu bytes", nmemb, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatal("out of memory reallocating %zu bytes", n);
	return q;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		fatal("array of %zu x %zu bytes overflows", nmemb, size);
	return xrealloc(p, nmemb * size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatal("bad format string \"%s\"", fmt);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	if (p == NULL)
		return;
	while (n-- > 0)
		*v++ = 0;
}

void wipe_free(char *s)
{
	if (s == NULL)
		return;
	wipe(s, strlen(s));
	free(s);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

int ascii_strcasecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = ascii_tolower((unsigned char)*a);
		int cb = ascii_tolower((unsigned char)*b);

		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

int ascii_strncasecmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; a++, b++, n--) {
		int ca = ascii_tolower((unsigned char)*a);
		int cb = ascii_tolower((unsigned char)*b);

		if (ca != cb || ca == 0)
			return ca - cb;
	}
	return 0;
}

bool ascii_has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t plen = strlen(prefix);

	return n >= plen && ascii_strncasecmp(s, prefix, plen) == 0;
}

char *str_trim(char *s)
{
	size_t n = strlen(s);
	size_t start = 0;

	while (n > 0 && ascii_isspace((unsigned char)s[n - 1]))
		n--;
	while (start < n && ascii_isspace((unsigned char)s[start]))
		start++;
	memmove(s, s + start, n - start);
	s[n - start] = '\0';
	return s;
}

char *str_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)ascii_tolower((unsigned char)*p);
	return s;
}

bool str_to_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (!ascii_isdigit((unsigned char)*s))
			return false;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	while (n > 0) {
		size_t len = utf8_seq_len(p, n);

		if (len == 0)
			return false;
		p += len;
		n -= len;
	}
	return true;
}

char *utf8_sanitize(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	/* Worst case every byte becomes the 3-byte U+FFFD. */
	char *out = xmalloc(n * 3 + 1);
	size_t o = 0;

	while (n > 0) {
		size_t len = utf8_seq_len(p, n);

		if (len == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			len = 1;
		} else if (!(len == 1 && *p == 0)) {
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
		n -= len;
	}
	out[o] = '\0';
	return out;
}

void format_size(uint64_t n, char *out, size_t outsize)
{
	if (n < 1000)
		snprintf(out, outsize, "%lluB", (unsigned long long)n);
	else if (n < 10 * 1024)
		snprintf(out, outsize, "%.1fK", (double)n / 1024);
	else if (n < 1024 * 1024)
		snprintf(out, outsize, "%lluK", (unsigned long long)((n + 512) / 1024));
	else if (n < 10 * 1024 * 1024)
		snprintf(out, outsize, "%.1fM", (double)n / (1024 * 1024));
	else
		snprintf(out, outsize, "%lluM", (unsigned long long)((n + 512 * 1024) / (1024 * 1024)));
}
