/* test-rfc2047.c - encoded words, raw 8-bit header text, control clean-up. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "rfc2047.h"
#include "util.h"
#include "../tap.h"

static struct charset_conv *cc;

static void dec(const char *in, const char *want, const char *what)
{
	char *got = rfc2047_decode(cc, in, strlen(in));

	is_str(got, want, "%s", what);
	free(got);
}

static void test_basic(void)
{
	dec("plain text", "plain text", "plain text unchanged");
	dec("", "", "empty");
	dec("=?utf-8?q?J=C3=B6rg?=", "J\xc3\xb6rg", "Q utf-8");
	dec("=?UTF-8?Q?J=c3=b6rg_M=C3=BCller?=", "J\xc3\xb6rg M\xc3\xbcller",
	    "Q lower-case hex and underscore");
	dec("=?utf-8?B?SsO2cmc=?=", "J\xc3\xb6rg", "B utf-8");
	dec("=?utf-8?b?SsO2cmc?=", "J\xc3\xb6rg", "B without padding");
	dec("=?iso-8859-1?q?J=F6rg?=", "J\xc3\xb6rg", "Q latin1");
	dec("=?ISO-8859-1?Q?=80?=", "\xe2\x82\xac", "latin1 read as windows-1252");
	dec("=?koi8-r?b?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
	    "B koi8-r");
	dec("=?gb2312?B?1tDOxA==?=", "\xe4\xb8\xad\xe6\x96\x87", "gb2312 as gb18030");
	dec("=?ks_c_5601-1987?B?x9E=?=", "\xed\x95\x9c", "ks_c_5601-1987 as cp949");
	dec("=?iso-2022-jp?B?GyRCRnxLXBsoQg==?=", "\xe6\x97\xa5\xe6\x9c\xac",
	    "iso-2022-jp");
	dec("=?utf-8*en?Q?hello?=", "hello", "RFC 2231 language suffix");
	dec("=?UTF-8*EN-us?B?aGk=?=", "hi", "language suffix, B");
	dec("Re: =?utf-8?q?caf=C3=A9?= ok", "Re: caf\xc3\xa9 ok", "word in text");
	dec("=?x-unknown-cs?q?J=F6rg?=", "J\xc3\xb6rg", "unknown charset guessed");
	dec("=?x-unknown-cs?q?J=C3=B6rg?=", "J\xc3\xb6rg", "unknown charset, UTF-8 bytes");
	dec("=?\"utf-8\"?q?x?=", "x", "quoted charset name");
}

static void test_adjacent(void)
{
	dec("=?utf-8?q?a?= =?utf-8?q?b?=", "ab", "space between words dropped");
	dec("=?utf-8?q?a?=\r\n\t=?utf-8?q?b?=", "ab", "folding between words dropped");
	dec("=?utf-8?q?a?=   =?iso-8859-1?q?=E9?=", "a\xc3\xa9",
	    "different charsets joined");
	dec("=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b", "text between words kept");
	dec("=?utf-8?q?a_?= =?utf-8?q?_b?=", "a  b", "encoded spaces kept");
	/* "€" (e2 82 ac) split across two words, B and Q. */
	dec("=?utf-8?B?4oI=?= =?utf-8?B?rA==?=", "\xe2\x82\xac",
	    "multibyte char split across B words");
	dec("=?UTF-8?Q?=E2=82?= =?utf-8?Q?=AC?=", "\xe2\x82\xac",
	    "multibyte char split across Q words (charset case differs)");
	dec("=?shift_jis?B?k/o=?= =?shift_jis?B?lns=?=", "\xe6\x97\xa5\xe6\x9c\xac",
	    "split across shift_jis words");
	dec("=?utf-8?B?4oI=?= x =?utf-8?B?rA==?=",
	    "\xef\xbf\xbd\xef\xbf\xbd x \xef\xbf\xbd",
	    "not joined across text: replacement");
	dec("a =?utf-8?q?b?=", "a b", "space before a word kept");
	dec("=?utf-8?q?b?= a", "b a", "space after a word kept");
}

static void test_lenient(void)
{
	dec("foo=?utf-8?q?bar?=baz", "foobarbaz", "glued to text");
	dec("\"=?utf-8?q?J=C3=B6rg?=\" <j@x>", "\"J\xc3\xb6rg\" <j@x>",
	    "inside a quoted string");
	dec("=?utf-8?q?a?==?utf-8?q?b?=", "ab", "words glued together");
	dec("=?utf-8?x?abc?=", "=?utf-8?x?abc?=", "bad encoding letter literal");
	dec("=?utf-8?q?abc", "=?utf-8?q?abc", "unterminated literal");
	dec("=?utf-8?q?a b?=", "=?utf-8?q?a b?=", "space inside literal");
	dec("=?" "?q?abc?=", "=?" "?q?abc?=", "empty charset literal");
	dec("=?*en?q?abc?=", "=?*en?q?abc?=", "only a language literal");
	dec("=?utf-8?q?=ZZ=4?=", "=ZZ=4", "bad Q escapes kept");
	dec("=?utf-8?b?!!SGk=?=", "Hi", "junk in base64 skipped");
	dec("=?utf-8?q?" "?=", "", "empty encoded text");
	dec("=?", "=?", "lone =?");
	dec("?=", "?=", "lone ?=");
	dec("=?utf-8?q?a?= =?utf-8?q?b", "a =?utf-8?q?b", "broken second word");
	dec("=?=?=?=?", "=?=?=?=?", "nested starts");
}

static void test_raw_and_controls(void)
{
	dec("J\xf6rg", "J\xc3\xb6rg", "raw latin1 guessed");
	dec("J\xc3\xb6rg", "J\xc3\xb6rg", "raw UTF-8 kept");
	dec("\xe2\x82\xac and =?utf-8?q?x?=", "\xe2\x82\xac and x", "raw UTF-8 with word");
	dec("a\x1b[2Jb", "a\xef\xbf\xbd[2Jb", "ESC replaced");
	dec("=?utf-8?q?a=1B]0;x=07b?=", "a\xef\xbf\xbd]0;x\xef\xbf\xbd" "b",
	    "encoded ESC and BEL replaced");
	dec("=?utf-8?q?a=0D=0Ab?=", "a  b", "encoded CRLF becomes spaces");
	dec("=?utf-8?q?=C2=9B?=", "\xef\xbf\xbd", "encoded C1 CSI replaced");
	dec("=?iso-8859-1?q?=9B?=", "\xe2\x80\xba", "0x9b in cp1252 is a quote");
	dec("=?utf-8?q?=00?=", "\xef\xbf\xbd", "encoded NUL replaced");
	dec("tab\there", "tab\there", "tab kept");
	dec("a\x7f" "b", "a\xef\xbf\xbd" "b", "DEL replaced");
	{
		char *got = rfc2047_decode(cc, "a\0b", 3);

		is_str(got, "a\xef\xbf\xbd" "b", "raw NUL replaced");
		free(got);
	}
	dec("=?utf-8?q?=FF=FE?=", "\xef\xbf\xbd\xef\xbf\xbd", "invalid UTF-8 replaced");
}

/* Every prefix of a header decodes to valid UTF-8 without crashing. */
static void test_prefixes(void)
{
	const char *in = "Re: =?utf-8?B?4oKs?= =?iso-8859-1?Q?=E9t=E9?= \xe9 "
			 "=?shift_jis?B?k/o=?= end";
	size_t n = strlen(in);
	bool all_valid = true;

	for (size_t k = 0; k <= n; k++) {
		char *got = rfc2047_decode(cc, in, k);

		if (!utf8_valid(got, strlen(got)))
			all_valid = false;
		free(got);
	}
	ok(all_valid, "every prefix decodes to valid UTF-8");
	dec(in, "Re: \xe2\x82\xac\xc3\xa9t\xc3\xa9 \xc3\xa9 \xe6\x97\xa5 end",
	    "the whole line");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double time_words(size_t nwords, const char *word, size_t *outlen)
{
	struct buf in = BUF_INIT;
	double t0;
	char *got;

	for (size_t i = 0; i < nwords; i++)
		buf_puts(&in, word);
	t0 = now();
	got = rfc2047_decode(cc, in.data, in.len);
	t0 = now() - t0;
	*outlen = strlen(got);
	free(got);
	buf_free(&in);
	return t0;
}

static void test_linear(void)
{
	size_t len1, len2;
	double t1, t2;

	t1 = time_words(10000, "=?utf-8?q?ab?= ", &len1);
	t2 = time_words(100000, "=?utf-8?q?ab?= ", &len2);
	is_int(len2, 200001, "100,000 joined words decode (and the last space)");
	diag("10k words %.4fs, 100k words %.4fs", t1, t2);
	ok(t2 < 2.0 && t2 < 30 * t1 + 0.05, "100,000 words in linear time");
	t2 = time_words(100000, "=?utf-8?q?a?= x =?koi8-r?q?=F0?= ", &len2);
	ok(t2 < 3.0, "alternating charsets in linear time (%.3fs)", t2);
	t2 = time_words(100000, "=?utf-8?q?", &len2);
	is_int(len2, 1000000, "100,000 unterminated starts kept literally");
	ok(t2 < 2.0, "unterminated starts in linear time (%.3fs)", t2);
	t2 = time_words(200000, "=?a?", &len2);
	ok(t2 < 2.0, "=?a? repeated in linear time (%.3fs)", t2);
}

int main(void)
{
	cc = charset_conv_new();
	test_basic();
	test_adjacent();
	test_lenient();
	test_raw_and_controls();
	test_prefixes();
	test_linear();
	charset_conv_free(&cc);
	return tap_done();
}
