/* test-rfc2231.c - Content-Type / Content-Disposition values: the leading
 * token, parameters, quoting, RFC 2231 continuations and charsets, RFC
 * 2047 words in quoted values, and the junk real mail has. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rfc2231.h"
#include "../tap.h"

static char *raw(const char *v, const char *name)
{
	struct buf b = BUF_INIT;

	if (!rfc2231_param_raw(v, strlen(v), name, &b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

static char *text(const char *v, const char *name)
{
	struct buf b = BUF_INIT;

	if (!rfc2231_param(NULL, v, strlen(v), name, &b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

#define RAW(v, name, want, label) do { char *s_ = raw(v, name); \
	is_str(s_, want, "%s", label); free(s_); } while (0)
#define TEXT(v, name, want, label) do { char *s_ = text(v, name); \
	is_str(s_, want, "%s", label); free(s_); } while (0)

static void test_token(void)
{
	char t[16];

	rfc2231_token("Text/HTML; charset=x", 20, t, sizeof t);
	is_str(t, "text/html", "token lower-cased");
	rfc2231_token("  (comment) attachment ;x", 25, t, sizeof t);
	is_str(t, "attachment", "comment and spaces skipped");
	rfc2231_token("", 0, t, sizeof t);
	is_str(t, "", "empty");
	rfc2231_token("application/vnd.very-long-name", 31, t, sizeof t);
	is_str(t, "application/vnd", "cut to the buffer");
}

static void test_plain(void)
{
	RAW("text/plain; charset=utf-8", "charset", "utf-8", "token value");
	RAW("text/plain; CHARSET=\"UTF-8\"", "charset", "UTF-8", "name any case, quoted");
	RAW("text/plain;charset=utf-8;format=flowed", "format", "flowed", "no spaces");
	RAW("text/plain ; charset = utf-8 ; format = flowed ", "format", "flowed",
	    "spaces around =");
	RAW("multipart/mixed; boundary=\"a;b=c\"", "boundary", "a;b=c", "; inside quotes");
	RAW("multipart/mixed; boundary=\"a\\\"b\"", "boundary", "a\"b", "escaped quote");
	RAW("x/y; name=\"C:\\dir\\f.txt\"", "name", "C:\\dir\\f.txt",
	    "backslashes of a Windows path kept");
	RAW("x/y; name=\"unterminated", "name", "unterminated", "unterminated quote");
	RAW("x/y; name=my file.pdf; x=y", "name", "my file.pdf", "unquoted with a space");
	RAW("x/y; name=a; name=b", "name", "a", "first plain wins");
	RAW("x/y; filename=a", "name", NULL, "filename is not name");
	RAW("x/y; xname=a", "name", NULL, "xname is not name");
	RAW("x/y; name=", "name", "", "empty value");
	RAW("x/y; junk; name=a", "name", "a", "junk without =");
	RAW("x/y (comment); (c) name=a", "name", "a", "comments");
	RAW("x/y; name=\"a\" junk; b=c", "b", "c", "junk after a quoted value");
	RAW("x/y; name=\"\"", "name", "", "empty quoted");
	RAW("name=a", "name", NULL, "no ';': the token is not a parameter");
}

static void test_2231(void)
{
	TEXT("attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf", "filename",
	     "\xe2\x82\xac rates.pdf", "charset and percent escapes");
	TEXT("attachment; filename*=iso-8859-1'en'caf%E9.txt", "filename",
	     "caf\xc3\xa9.txt", "language, latin1");
	TEXT("attachment; filename*0=\"long \"; filename*1=\"name.txt\"", "filename",
	     "long name.txt", "continuations");
	TEXT("attachment; filename*1=\"name.txt\"; filename*0=\"long \"", "filename",
	     "long name.txt", "continuations out of order");
	TEXT("attachment; filename*0*=UTF-8''%C3%A9t%C3; filename*1*=%A9.txt", "filename",
	     "\xc3\xa9t\xc3\xa9.txt", "encoded continuations, character split across");
	TEXT("attachment; filename*0*=UTF-8''a%20; filename*1=\"b c\"", "filename",
	     "a b c", "mixed encoded and plain segments");
	TEXT("attachment; filename=\"plain.txt\"; filename*=UTF-8''better.txt", "filename",
	     "better.txt", "RFC 2231 form wins");
	TEXT("attachment; filename*=%41%4", "filename", "A%4", "no charset, bad escape");
	TEXT("attachment; filename*=unknown-cs''%41", "filename", "A", "unknown charset");
	TEXT("attachment; filename*0=a; filename*0=b; filename*1=c", "filename", "ac",
	     "duplicate segment");
	TEXT("attachment; filename*=UTF-8''%01%0A", "filename", "\xef\xbf\xbd ",
	     "controls cleaned");
}

static void test_2047(void)
{
	TEXT("attachment; filename=\"=?UTF-8?B?w6l0w6kucGRm?=\"", "filename",
	     "\xc3\xa9t\xc3\xa9.pdf", "RFC 2047 inside quotes");
	TEXT("attachment; filename==?iso-8859-1?Q?caf=E9.txt?=", "filename",
	     "caf\xc3\xa9.txt", "RFC 2047 unquoted");
	TEXT("attachment; filename=\"caf\xe9.txt\"", "filename", "caf\xc3\xa9.txt",
	     "raw 8-bit guessed");
	TEXT("attachment; filename=\"caf\xc3\xa9.txt\"", "filename", "caf\xc3\xa9.txt",
	     "raw UTF-8");
}

static void test_many(void)
{
	struct buf v = BUF_INIT;
	char *s;

	buf_puts(&v, "attachment");
	for (int i = 0; i < 1000; i++)
		buf_printf(&v, "; filename*%d=x", i);
	s = text(buf_cstr(&v), "filename");
	ok(s != NULL && strlen(s) == RFC2231_MAX_SEGMENTS, "segments capped (%zu)",
	   s ? strlen(s) : 0);
	free(s);
	buf_free(&v);
}

int main(void)
{
	test_token();
	test_plain();
	test_2231();
	test_2047();
	test_many();
	return tap_done();
}
