/* test-charset.c - charset labels, conversion to UTF-8, guessing, clean-up. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "util.h"
#include "../tap.h"

static char *conv(struct charset_conv *cc, const char *cs, const char *s, size_t n,
		  bool *known)
{
	struct buf b = BUF_INIT;
	bool k = charset_to_utf8(cc, cs, strlen(cs), s, n, &b);

	if (known != NULL)
		*known = k;
	return buf_steal(&b, NULL);
}

static void check(struct charset_conv *cc, const char *cs, const char *in,
		  const char *want, bool want_known)
{
	bool known;
	char *got = conv(cc, cs, in, strlen(in), &known);

	static int ncase;

	ncase++;
	is_str(got, want, "%s: case %d", cs, ncase);
	is_int(known, want_known, "%s: case %d known=%d", cs, ncase, want_known);
	free(got);
}

static void test_resolve(void)
{
	char out[CHARSET_NAME_MAX + 1];

	is_int(charset_resolve("UTF-8", 5, out, sizeof out), CHARSET_UTF8, "UTF-8");
	is_int(charset_resolve("utf8", 4, out, sizeof out), CHARSET_UTF8, "utf8");
	is_int(charset_resolve("\"utf-8\"", 7, out, sizeof out), CHARSET_UTF8,
	       "quoted utf-8");
	is_int(charset_resolve("utf-8*en", 8, out, sizeof out), CHARSET_UTF8,
	       "RFC 2231 language suffix");
	is_int(charset_resolve("ISO-8859-1", 10, out, sizeof out), CHARSET_CP1252,
	       "latin1 read as windows-1252");
	is_int(charset_resolve("Latin1", 6, out, sizeof out), CHARSET_CP1252, "Latin1");
	is_int(charset_resolve("us-ascii", 8, out, sizeof out), CHARSET_GUESS,
	       "us-ascii guessed");
	is_int(charset_resolve("unknown-8bit", 12, out, sizeof out), CHARSET_GUESS,
	       "unknown-8bit guessed");
	is_int(charset_resolve("GB2312", 6, out, sizeof out), CHARSET_ICONV, "gb2312");
	is_str(out, "GB18030", "gb2312 read as gb18030");
	charset_resolve("gbk", 3, out, sizeof out);
	is_str(out, "GB18030", "gbk read as gb18030");
	charset_resolve("ks_c_5601-1987", 14, out, sizeof out);
	is_str(out, "CP949", "ks_c_5601-1987 read as cp949");
	charset_resolve("EUC-KR", 6, out, sizeof out);
	is_str(out, "CP949", "euc-kr read as cp949");
	charset_resolve("Shift_JIS", 9, out, sizeof out);
	is_str(out, "CP932", "shift_jis read as cp932");
	is_int(charset_resolve("KOI8-R", 6, out, sizeof out), CHARSET_ICONV, "koi8-r");
	is_str(out, "koi8-r", "other names go to iconv lower-cased");
	is_int(charset_resolve("utf-8//TRANSLIT", 15, out, sizeof out), CHARSET_UNKNOWN,
	       "names with slashes are refused");
	is_int(charset_resolve("", 0, out, sizeof out), CHARSET_UNKNOWN, "empty name");
	is_int(charset_resolve("a\0b", 3, out, sizeof out), CHARSET_UNKNOWN, "NUL in name");
	{
		char longname[200];

		memset(longname, 'a', sizeof longname);
		is_int(charset_resolve(longname, sizeof longname, out, sizeof out),
		       CHARSET_UNKNOWN, "overlong name");
	}
}

static void test_convert(void)
{
	struct charset_conv *cc = charset_conv_new();

	check(cc, "utf-8", "J\xc3\xb6rg", "J\xc3\xb6rg", true);
	check(cc, "UTF-8", "bad \xff byte", "bad \xef\xbf\xbd byte", true);
	check(cc, "utf-8", "trunc \xe2\x82", "trunc \xef\xbf\xbd\xef\xbf\xbd", true);
	check(cc, "iso-8859-1", "J\xf6rg", "J\xc3\xb6rg", true);
	check(cc, "iso-8859-1", "\x80 \x93q\x94", "\xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d",
	      true);
	check(cc, "windows-1252", "\x81", "\xef\xbf\xbd", true);
	check(cc, "us-ascii", "caf\xc3\xa9", "caf\xc3\xa9", true);
	check(cc, "us-ascii", "caf\xe9", "caf\xc3\xa9", true);
	check(cc, "iso-8859-15", "\xa4", "\xe2\x82\xac", true);
	check(cc, "ISO-8859-2", "\xb1", "\xc4\x85", true);
	check(cc, "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2"
	      "\xd0\xb5\xd1\x82", true);
	check(cc, "windows-1251", "\xcf\xf0\xe8", "\xd0\x9f\xd1\x80\xd0\xb8", true);
	/* 中文 in GB2312 bytes, read through gb18030. */
	check(cc, "gb2312", "\xd6\xd0\xce\xc4", "\xe4\xb8\xad\xe6\x96\x87", true);
	/* 한 in cp949 */
	check(cc, "ks_c_5601-1987", "\xc7\xd1", "\xed\x95\x9c", true);
	check(cc, "euc-kr", "\xc7\xd1", "\xed\x95\x9c", true);
	/* 日本 in Shift_JIS and ISO-2022-JP */
	check(cc, "shift_jis", "\x93\xfa\x96\x7b", "\xe6\x97\xa5\xe6\x9c\xac", true);
	check(cc, "iso-2022-jp", "\x1b$BF|K\\\x1b(B", "\xe6\x97\xa5\xe6\x9c\xac", true);
	check(cc, "x-mac-roman", "\x8a", "\xc3\xa4", true);
	check(cc, "utf-7", "Hi +AOk-", "Hi \xc3\xa9", true);
	/* Unknown charset: guessed, reported unknown. */
	check(cc, "x-no-such-charset", "J\xf6rg", "J\xc3\xb6rg", false);
	check(cc, "x-no-such-charset", "J\xc3\xb6rg", "J\xc3\xb6rg", false);
	check(cc, "bogus//name", "abc", "abc", false);
	/* Invalid bytes in a multibyte charset: U+FFFD, the rest survives. */
	check(cc, "shift_jis", "a\x85\x40z\nline2", "a\xef\xbf\xbd@z\nline2", true);
	check(cc, "euc-jp", "x\xa4", "x\xef\xbf\xbd", true);
	check(cc, "gb18030", "\x81", "\xef\xbf\xbd", true);
	/* More charsets in a row than the cache holds (16): it turns over. */
	for (int round = 0; round < 3; round++) {
		static const char *const more[] = {
			"iso-8859-3", "iso-8859-4", "iso-8859-6", "iso-8859-8",
			"iso-8859-9", "iso-8859-10", "iso-8859-13", "iso-8859-14",
			"iso-8859-16", "cp437", "cp852", "cp866", "windows-1250",
			"windows-1253",
		};

		for (size_t i = 0; i < ARRAY_LEN(more); i++)
			check(cc, more[i], "plain", "plain", true);
		check(cc, "koi8-r", "\xf0", "\xd0\x9f", true);
		check(cc, "iso-8859-2", "\xb1", "\xc4\x85", true);
		check(cc, "iso-8859-5", "\xbf", "\xd0\x9f", true);
		check(cc, "cp850", "\x81", "\xc3\xbc", true);
		check(cc, "iso-8859-7", "\xe1", "\xce\xb1", true);
		check(cc, "x-nope", "a", "a", false);
	}
	/* Without a context. */
	check(NULL, "koi8-r", "\xf0", "\xd0\x9f", true);
	check(NULL, "nope", "\xf0", "\xc3\xb0", false);
	ok(charset_known(cc, "iso-8859-9", 10), "iso-8859-9 known");
	ok(!charset_known(cc, "x-klingon", 9), "x-klingon unknown");
	ok(charset_known(NULL, "x-koi8-r", 8), "x- prefix dropped when iconv needs it");
	check(cc, "X-KOI8-R", "\xf0", "\xd0\x9f", true);

	/* A long text with scattered bad bytes: nothing is dropped. */
	{
		struct buf in = BUF_INIT;
		char *got;
		size_t fffd = 0;

		for (int i = 0; i < 10000; i++)
			buf_puts(&in, i % 100 == 0 ? "\xff\n" : "\xa4\xa2\n");
		got = conv(cc, "euc-jp", in.data, in.len, NULL);
		for (char *p = got; (p = strstr(p, "\xef\xbf\xbd")) != NULL; p += 3)
			fffd++;
		is_int(fffd, 100, "one U+FFFD per bad byte");
		{
			size_t lines = 0;

			for (char *p = got; *p; p++)
				lines += *p == '\n';
			is_int(lines, 10000, "every line kept");
		}
		free(got);
		buf_free(&in);
	}
	{
		/* NUL bytes pass through conversion (cleaning handles them). */
		char *got = conv(cc, "koi8-r", "a\0b", 3, NULL);

		ok(memcmp(got, "a\0b", 3) == 0, "NUL converted");
		free(got);
	}
	charset_conv_free(&cc);
	ok(cc == NULL, "free clears the pointer");
	charset_conv_free(&cc);
}

static void test_guess_and_clean(void)
{
	struct buf b = BUF_INIT;

	charset_guess_to_utf8("plain", 5, &b);
	is_str(buf_cstr(&b), "plain", "ASCII as is");
	buf_reset(&b);
	charset_guess_to_utf8("\xe2\x82\xac", 3, &b);
	is_str(buf_cstr(&b), "\xe2\x82\xac", "valid UTF-8 as is");
	buf_reset(&b);
	charset_guess_to_utf8("\xe2\x82\xac \xe9", 5, &b);
	is_str(buf_cstr(&b), "\xc3\xa2\xe2\x80\x9a\xc2\xac \xc3\xa9",
	       "invalid UTF-8 read as windows-1252");
	buf_reset(&b);
	charset_clean_append(&b, "a\tb\r\nc\x1b[31m\x7f\xc2\x9b\xc2\xa0\0z", 18);
	is_str(buf_cstr(&b), "a\tb  c\xef\xbf\xbd[31m\xef\xbf\xbd\xef\xbf\xbd\xc2\xa0"
	       "\xef\xbf\xbdz", "controls cleaned, tab and NBSP kept");
	buf_reset(&b);
	charset_clean_append(&b, "\xff\xfe", 2);
	is_str(buf_cstr(&b), "\xef\xbf\xbd\xef\xbf\xbd", "invalid bytes replaced");
	buf_reset(&b);
	charset_utf8_append(&b, "\xed\xa0\x80", 3);
	is_str(buf_cstr(&b), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "surrogates replaced");
	buf_reset(&b);
	charset_utf8_append(&b, "\xc0\xaf", 2);
	is_str(buf_cstr(&b), "\xef\xbf\xbd\xef\xbf\xbd", "overlong replaced");
	buf_free(&b);
	is_int(charset_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4), 0,
	       "above U+10FFFF invalid");
	is_int(charset_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4,
	       "emoji valid");
}

int main(void)
{
	test_resolve();
	test_convert();
	test_guess_and_clean();
	return tap_done();
}
