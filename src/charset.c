/* charset.c - bytes in a named charset to UTF-8 (labels, iconv, guessing,
 * clean-up of control characters). */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"

/* iconv descriptors kept open.  Real mail mixes a dozen legacy charsets
 * (the Chinese, Japanese, Korean and Cyrillic ones, latin-9, ...); with
 * fewer slots than the mix they are closed and reopened nearly every
 * message, and opening one loads a gconv module: that cost a third of
 * petrel show --text over a generated archive with four slots. */
#define CONV_SLOTS 16
#define ICONV_CHUNK 4096

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

struct conv_slot {
	char name[CHARSET_NAME_MAX + 1];	/* "" when the slot is free */
	iconv_t cd;				/* (iconv_t)-1 when unknown */
	unsigned long used;
};

struct charset_conv {
	struct conv_slot slot[CONV_SLOTS];
	unsigned long tick;
};

struct charset_conv *charset_conv_new(void)
{
	struct charset_conv *cc = xcalloc(1, sizeof *cc);

	for (size_t i = 0; i < CONV_SLOTS; i++)
		cc->slot[i].cd = (iconv_t)-1;
	return cc;
}

void charset_conv_free(struct charset_conv **ccp)
{
	struct charset_conv *cc = *ccp;

	if (cc == NULL)
		return;
	for (size_t i = 0; i < CONV_SLOTS; i++)
		if (cc->slot[i].cd != (iconv_t)-1)
			iconv_close(cc->slot[i].cd);
	free(cc);
	*ccp = NULL;
}

/* Labels compared "squashed": lower-case letters and digits only, so
 * "ISO_8859-1", "iso-8859-1" and "iso8859_1" are one key. */
struct alias {
	const char *key;
	enum charset_kind kind;
	const char *iconv_name;
};

/* CHARSET_GUESS entries are labels that say nothing about 8-bit bytes:
 * the text is guessed (valid UTF-8 first, else windows-1252). */
static const struct alias aliases[] = {
	{ "utf8", CHARSET_UTF8, NULL },
	{ "xutf8", CHARSET_UTF8, NULL },
	{ "unicode11utf8", CHARSET_UTF8, NULL },
	{ "usascii", CHARSET_GUESS, NULL },
	{ "ascii", CHARSET_GUESS, NULL },
	{ "ansix341968", CHARSET_GUESS, NULL },
	{ "iso646us", CHARSET_GUESS, NULL },
	{ "us", CHARSET_GUESS, NULL },
	{ "unknown8bit", CHARSET_GUESS, NULL },
	{ "xunknown", CHARSET_GUESS, NULL },
	{ "unknown", CHARSET_GUESS, NULL },
	{ "8bit", CHARSET_GUESS, NULL },
	{ "default", CHARSET_GUESS, NULL },
	{ "iso88591", CHARSET_CP1252, NULL },
	{ "iso885911987", CHARSET_CP1252, NULL },
	{ "latin1", CHARSET_CP1252, NULL },
	{ "l1", CHARSET_CP1252, NULL },
	{ "cp819", CHARSET_CP1252, NULL },
	{ "ibm819", CHARSET_CP1252, NULL },
	{ "isoir100", CHARSET_CP1252, NULL },
	{ "csisolatin1", CHARSET_CP1252, NULL },
	{ "windows1252", CHARSET_CP1252, NULL },
	{ "cp1252", CHARSET_CP1252, NULL },
	{ "xcp1252", CHARSET_CP1252, NULL },
	{ "gb2312", CHARSET_ICONV, "GB18030" },
	{ "gbk", CHARSET_ICONV, "GB18030" },
	{ "xgbk", CHARSET_ICONV, "GB18030" },
	{ "euccn", CHARSET_ICONV, "GB18030" },
	{ "xeuccn", CHARSET_ICONV, "GB18030" },
	{ "cp936", CHARSET_ICONV, "GB18030" },
	{ "csgb2312", CHARSET_ICONV, "GB18030" },
	{ "gb231280", CHARSET_ICONV, "GB18030" },
	{ "chinese", CHARSET_ICONV, "GB18030" },
	{ "gb18030", CHARSET_ICONV, "GB18030" },
	{ "ksc56011987", CHARSET_ICONV, "CP949" },
	{ "ksc56011989", CHARSET_ICONV, "CP949" },
	{ "ksc5601", CHARSET_ICONV, "CP949" },
	{ "csksc56011987", CHARSET_ICONV, "CP949" },
	{ "euckr", CHARSET_ICONV, "CP949" },
	{ "xeuckr", CHARSET_ICONV, "CP949" },
	{ "cseuckr", CHARSET_ICONV, "CP949" },
	{ "korean", CHARSET_ICONV, "CP949" },
	{ "windows949", CHARSET_ICONV, "CP949" },
	{ "uhc", CHARSET_ICONV, "CP949" },
	{ "shiftjis", CHARSET_ICONV, "CP932" },
	{ "sjis", CHARSET_ICONV, "CP932" },
	{ "xsjis", CHARSET_ICONV, "CP932" },
	{ "mskanji", CHARSET_ICONV, "CP932" },
	{ "csshiftjis", CHARSET_ICONV, "CP932" },
	{ "windows31j", CHARSET_ICONV, "CP932" },
	{ "xmscp932", CHARSET_ICONV, "CP932" },
	{ "big5", CHARSET_ICONV, "BIG5-HKSCS" },
	{ "xxbig5", CHARSET_ICONV, "BIG5-HKSCS" },
	{ "cnbig5", CHARSET_ICONV, "BIG5-HKSCS" },
	{ "csbig5", CHARSET_ICONV, "BIG5-HKSCS" },
	{ "iso88598i", CHARSET_ICONV, "ISO-8859-8" },
	{ "iso88598e", CHARSET_ICONV, "ISO-8859-8" },
	{ "iso88596i", CHARSET_ICONV, "ISO-8859-6" },
	{ "iso88596e", CHARSET_ICONV, "ISO-8859-6" },
	{ "tis620", CHARSET_ICONV, "CP874" },
	{ "iso885911", CHARSET_ICONV, "CP874" },
	{ "windows874", CHARSET_ICONV, "CP874" },
	{ "iso88599", CHARSET_ICONV, "WINDOWS-1254" },
	{ "latin5", CHARSET_ICONV, "WINDOWS-1254" },
	{ "macroman", CHARSET_ICONV, "MACINTOSH" },
	{ "xmacroman", CHARSET_ICONV, "MACINTOSH" },
	{ "mac", CHARSET_ICONV, "MACINTOSH" },
	{ "unicode11utf7", CHARSET_ICONV, "UTF-7" },
};

static bool label_char_ok(int c)
{
	return ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
	       c == ':' || c == '+' || c == '(' || c == ')';
}

enum charset_kind charset_resolve(const char *name, size_t namelen,
				  char *out, size_t outsize)
{
	char label[CHARSET_NAME_MAX + 1], key[CHARSET_NAME_MAX + 1];
	size_t start = 0, end = namelen, ln = 0, kn = 0;

	if (outsize > 0)
		out[0] = '\0';
	while (start < end && (ascii_isspace((unsigned char)name[start]) ||
			       name[start] == '"' || name[start] == '\''))
		start++;
	/* An RFC 2231 language suffix ends the label. */
	for (size_t i = start; i < end; i++)
		if (name[i] == '*') {
			end = i;
			break;
		}
	while (end > start && (ascii_isspace((unsigned char)name[end - 1]) ||
			       name[end - 1] == '"' || name[end - 1] == '\''))
		end--;
	if (end == start || end - start > CHARSET_NAME_MAX)
		return CHARSET_UNKNOWN;
	for (size_t i = start; i < end; i++) {
		int c = (unsigned char)name[i];

		if (!label_char_ok(c))
			return CHARSET_UNKNOWN;
		label[ln++] = (char)ascii_tolower(c);
		if (ascii_isalnum(c))
			key[kn++] = (char)ascii_tolower(c);
	}
	label[ln] = '\0';
	key[kn] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(aliases); i++) {
		if (strcmp(aliases[i].key, key) != 0)
			continue;
		if (aliases[i].iconv_name != NULL && outsize > 0) {
			size_t l = strlen(aliases[i].iconv_name);

			if (l >= outsize)
				return CHARSET_UNKNOWN;
			memcpy(out, aliases[i].iconv_name, l + 1);
		}
		return aliases[i].kind;
	}
	if (ln >= outsize)
		return CHARSET_UNKNOWN;
	memcpy(out, label, ln + 1);
	return CHARSET_ICONV;
}

/* Finds or opens the descriptor for an iconv name; (iconv_t)-1 when iconv
 * does not know it.  With cc NULL, *owned is set and the caller closes. */
static iconv_t conv_get(struct charset_conv *cc, const char *iname, bool *owned)
{
	struct conv_slot *victim;
	iconv_t cd;

	*owned = false;
	if (cc != NULL) {
		for (size_t i = 0; i < CONV_SLOTS; i++)
			if (strcmp(cc->slot[i].name, iname) == 0) {
				cc->slot[i].used = ++cc->tick;
				return cc->slot[i].cd;
			}
	}
	cd = iconv_open("UTF-8", iname);
	if (cd == (iconv_t)-1 && strncmp(iname, "x-", 2) == 0 && iname[2] != '\0')
		cd = iconv_open("UTF-8", iname + 2);
	if (cc == NULL) {
		*owned = cd != (iconv_t)-1;
		return cd;
	}
	victim = &cc->slot[0];
	for (size_t i = 1; i < CONV_SLOTS; i++)
		if (cc->slot[i].used < victim->used)
			victim = &cc->slot[i];
	if (victim->cd != (iconv_t)-1)
		iconv_close(victim->cd);
	/* iname is at most CHARSET_NAME_MAX bytes (charset_resolve). */
	strncpy(victim->name, iname, sizeof victim->name - 1);
	victim->name[sizeof victim->name - 1] = '\0';
	victim->cd = cd;
	victim->used = ++cc->tick;
	return cd;
}

bool charset_known(struct charset_conv *cc, const char *name, size_t namelen)
{
	char iname[CHARSET_NAME_MAX + 1];
	bool owned;
	iconv_t cd;

	switch (charset_resolve(name, namelen, iname, sizeof iname)) {
	case CHARSET_UNKNOWN:
		return false;
	case CHARSET_GUESS:
	case CHARSET_UTF8:
	case CHARSET_CP1252:
		return true;
	case CHARSET_ICONV:
		break;
	}
	cd = conv_get(cc, iname, &owned);
	if (owned)
		iconv_close(cd);
	return cd != (iconv_t)-1;
}

static void iconv_convert(iconv_t cd, const char *s, size_t n, struct buf *out)
{
	char obuf[ICONV_CHUNK];
	char *in = (char *)s;
	size_t inleft = n;

	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0 && !out->failed) {
		char *o = obuf;
		size_t oleft = sizeof obuf;
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);

		buf_append(out, obuf, (size_t)(o - obuf));
		if (r != (size_t)-1)
			continue;
		if (errno == E2BIG && o != obuf)
			continue;
		/* EILSEQ, EINVAL (truncated at the end) or anything else:
		 * one replacement for one byte, then carry on. */
		buf_append(out, replacement, 3);
		in++;
		inleft--;
	}
	{
		char *o = obuf;
		size_t oleft = sizeof obuf;

		iconv(cd, NULL, NULL, &o, &oleft);
		buf_append(out, obuf, (size_t)(o - obuf));
	}
}

/* windows-1252 0x80-0x9f; 0 marks the five undefined bytes. */
static const unsigned short cp1252_high[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

static void cp1252_convert(const char *s, size_t n, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (n == 0)
		return;

	while (i < n) {
		size_t run = i;
		unsigned cp;
		char u[3];

		while (run < n && p[run] < 0x80)
			run++;
		buf_append(out, p + i, run - i);
		if (run == n)
			break;
		cp = p[run] >= 0xa0 ? p[run] : cp1252_high[p[run] - 0x80];
		if (cp == 0) {
			buf_append(out, replacement, 3);
		} else if (cp < 0x800) {
			u[0] = (char)(0xc0 | (cp >> 6));
			u[1] = (char)(0x80 | (cp & 0x3f));
			buf_append(out, u, 2);
		} else {
			u[0] = (char)(0xe0 | (cp >> 12));
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f));
			buf_append(out, u, 3);
		}
		i = run + 1;
	}
}

size_t charset_utf8_seq(const unsigned char *s, size_t n)
{
	return utf8_seq_len(s, n);
}

void charset_utf8_append(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	if (n == 0)
		return;

	while (i < n) {
		size_t len = charset_utf8_seq(p + i, n - i);

		if (len == 0) {
			buf_append(out, p + run, i - run);
			buf_append(out, replacement, 3);
			i++;
			run = i;
		} else {
			i += len;
		}
	}
	buf_append(out, p + run, i - run);
}

void charset_guess_to_utf8(const char *s, size_t n, struct buf *out)
{
	if (utf8_valid(s, n))
		buf_append(out, s, n);
	else
		cp1252_convert(s, n, out);
}

bool charset_to_utf8(struct charset_conv *cc, const char *name, size_t namelen,
		     const char *s, size_t n, struct buf *out)
{
	char iname[CHARSET_NAME_MAX + 1];
	bool owned;
	iconv_t cd;

	switch (charset_resolve(name, namelen, iname, sizeof iname)) {
	case CHARSET_UNKNOWN:
		charset_guess_to_utf8(s, n, out);
		return false;
	case CHARSET_GUESS:
		charset_guess_to_utf8(s, n, out);
		return true;
	case CHARSET_UTF8:
		charset_utf8_append(out, s, n);
		return true;
	case CHARSET_CP1252:
		cp1252_convert(s, n, out);
		return true;
	case CHARSET_ICONV:
		break;
	}
	cd = conv_get(cc, iname, &owned);
	if (cd == (iconv_t)-1) {
		charset_guess_to_utf8(s, n, out);
		return false;
	}
	iconv_convert(cd, s, n, out);
	if (owned)
		iconv_close(cd);
	return true;
}

void charset_clean_append(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	if (n == 0)
		return;

	while (i < n) {
		unsigned char c = p[i];
		size_t len;

		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		if (c == '\t') {
			i++;
			continue;
		}
		len = c >= 0x80 ? charset_utf8_seq(p + i, n - i) : 1;
		/* C1 controls are U+0080-U+009F: 0xc2 0x80-0x9f. */
		if (len > 1 && !(len == 2 && c == 0xc2 && p[i + 1] < 0xa0)) {
			i += len;
			continue;
		}
		buf_append(out, p + run, i - run);
		if (c == '\r' || c == '\n' || c == '\v' || c == '\f')
			buf_putc(out, ' ');
		else
			buf_append(out, replacement, 3);
		i += len ? len : 1;
		run = i;
	}
	buf_append(out, p + run, i - run);
}
