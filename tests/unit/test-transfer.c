/* test-transfer.c - base64, quoted-printable and uuencode decoding with
 * the malformed input real mail has, fed whole and split at every
 * offset. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "transfer.h"

/* Decodes whole, then split in two at every offset, then one byte at a
 * time; all must agree with want (wantlen bytes). */
static void check(enum transfer_encoding enc, const char *in, const char *want,
		  size_t wantlen, const char *name)
{
	size_t n = strlen(in);
	struct buf out = BUF_INIT;
	bool splits_ok = true;
	struct transfer_dec d;

	transfer_decode(enc, in, n, &out);
	if (!ok(out.len == wantlen && memcmp(buf_cstr(&out), want, wantlen) == 0,
		"%s", name))
		diag("got \"%s\" (%zu bytes), want \"%.*s\" (%zu)", buf_cstr(&out),
		     out.len, (int)wantlen, want, wantlen);
	for (size_t cut = 0; cut <= n; cut++) {
		buf_reset(&out);
		transfer_dec_init(&d, enc);
		transfer_dec_feed(&d, in, cut, &out);
		transfer_dec_feed(&d, in + cut, n - cut, &out);
		transfer_dec_finish(&d, &out);
		if (out.len != wantlen || memcmp(buf_cstr(&out), want, wantlen) != 0) {
			diag("split at %zu: got \"%s\"", cut, buf_cstr(&out));
			splits_ok = false;
			break;
		}
	}
	buf_reset(&out);
	transfer_dec_init(&d, enc);
	for (size_t i = 0; i < n; i++)
		transfer_dec_feed(&d, in + i, 1, &out);
	transfer_dec_finish(&d, &out);
	if (out.len != wantlen || memcmp(buf_cstr(&out), want, wantlen) != 0)
		splits_ok = false;
	ok(splits_ok, "%s: same at every split and byte by byte", name);
	buf_free(&out);
}

#define CHECK(enc, in, want, name) check(enc, in, want, sizeof(want) - 1, name)

static void test_labels(void)
{
	is_int(transfer_encoding_parse("base64", 6), TRANSFER_BASE64, "base64");
	is_int(transfer_encoding_parse(" BASE64 ", 8), TRANSFER_BASE64, "BASE64 spaced");
	is_int(transfer_encoding_parse("Quoted-Printable", 16), TRANSFER_QP, "QP any case");
	is_int(transfer_encoding_parse("(c) 8bit", 8), TRANSFER_8BIT, "comment first");
	is_int(transfer_encoding_parse("\"base64\"", 8), TRANSFER_BASE64, "quoted label");
	is_int(transfer_encoding_parse("binary", 6), TRANSFER_BINARY, "binary");
	is_int(transfer_encoding_parse("x-uuencode", 10), TRANSFER_UUENCODE, "x-uuencode");
	is_int(transfer_encoding_parse("x-gzip64", 8), TRANSFER_7BIT, "unknown is identity");
	is_int(transfer_encoding_parse("", 0), TRANSFER_7BIT, "empty");
	is_str(transfer_encoding_name(TRANSFER_QP), "quoted-printable", "name");
}

static void test_base64(void)
{
	CHECK(TRANSFER_BASE64, "SGVsbG8sIHdvcmxkIQ==", "Hello, world!", "padded");
	CHECK(TRANSFER_BASE64, "SGVsbG8sIHdvcmxkIQ", "Hello, world!", "padding missing");
	CHECK(TRANSFER_BASE64, "SGVs\r\nbG8s\r\nIHdv\ncmxk IQ==\r\n", "Hello, world!",
	      "line breaks and spaces");
	CHECK(TRANSFER_BASE64, "SGV*sb#G8!", "Hello", "junk skipped");
	CHECK(TRANSFER_BASE64, "SGVsbA==bG8=", "Helllo", "concatenated blocks");
	CHECK(TRANSFER_BASE64, "SGVsbG8=====", "Hello", "too much padding");
	CHECK(TRANSFER_BASE64, "SGVsbG8sI", "Hello,", "lone trailing char dropped");
	CHECK(TRANSFER_BASE64, "", "", "empty");
	CHECK(TRANSFER_BASE64, "====\n", "", "padding only");
	CHECK(TRANSFER_BASE64, "AAEC/f7/", "\x00\x01\x02\xfd\xfe\xff", "binary bytes");
	CHECK(TRANSFER_BASE64, "-_-_", "", "url-safe alphabet is junk");
}

static void test_qp(void)
{
	CHECK(TRANSFER_QP, "caf=C3=A9\n", "caf\xc3\xa9\n", "escapes");
	CHECK(TRANSFER_QP, "caf=c3=a9", "caf\xc3\xa9", "lower-case hex");
	CHECK(TRANSFER_QP, "soft=\nbreak\n", "softbreak\n", "soft break LF");
	CHECK(TRANSFER_QP, "soft=\r\nbreak\r\n", "softbreak\r\n", "soft break CRLF");
	CHECK(TRANSFER_QP, "soft=  \r\nbreak", "softbreak", "soft break, white space after =");
	CHECK(TRANSFER_QP, "pad   \nline\t\r\n", "pad\nline\r\n", "trailing white space dropped");
	CHECK(TRANSFER_QP, "a=G1b=4\n", "a=G1b=4\n", "malformed escapes kept");
	CHECK(TRANSFER_QP, "100% = 1=\n", "100% = 1", "lone = and soft break");
	CHECK(TRANSFER_QP, "end=", "end", "= at the very end");
	CHECK(TRANSFER_QP, "x=4", "x=4", "truncated escape at the end");
	CHECK(TRANSFER_QP, "a=3D=3Db\n", "a==b\n", "encoded equals");
	CHECK(TRANSFER_QP, "no newline  ", "no newline  ", "last line keeps its spaces");
	CHECK(TRANSFER_QP, "a\rb=\r\n", "a\rb", "bare CR is data");
	CHECK(TRANSFER_QP, "", "", "empty");
}

static void test_identity(void)
{
	CHECK(TRANSFER_7BIT, "a=3D\r\n", "a=3D\r\n", "7bit is the identity");
	CHECK(TRANSFER_8BIT, "\xe9t\xe9", "\xe9t\xe9", "8bit is the identity");
}

static const char uu_text[] =
	"Here is the file:\n"
	"\n"
	"begin 644 hello.txt\n"
	".2&5L;&\\L('=O<FQD(0H`\n"
	"`\n"
	"end\n"
	"Bye.\n";

static void test_uu(void)
{
	struct uu_block b;
	struct buf out = BUF_INIT;

	ok(uu_find(uu_text, strlen(uu_text), 0, &b), "uu block found");
	is_str(b.name, "hello.txt", "uu name");
	is_int(b.size, 14, "uu size");
	is_int(b.start, 19, "uu block start");
	ok(strncmp(uu_text + b.end, "Bye.", 4) == 0, "uu block end after the end line");
	uu_decode(uu_text, &b, &out);
	is_str(buf_cstr(&out), "Hello, world!\n", "uu decoded");
	buf_reset(&out);
	CHECK(TRANSFER_UUENCODE, uu_text, "Hello, world!\n", "x-uuencode body");
	ok(!uu_find(uu_text, strlen(uu_text), b.end, &b), "no second block");
	ok(!uu_find("begin 644 x\nnot uu at all\nend\n", 28, 0, &b),
	   "begin without data is no block");
	ok(!uu_find("we begin 644 x\n", 15, 0, &b), "begin must start a line");
	ok(!uu_find("begin 6 x\n-2&5L\nend\n", 20, 0, &b), "mode needs 3-4 digits");
	{
		const char *t = "begin 600 a b.bin\n.2&5L;&\\L('=O<FQD(0H`\n";

		ok(uu_find(t, strlen(t), 0, &b), "block without end");
		is_str(b.name, "a b.bin", "name with a space");
		is_int(b.end, strlen(t), "runs to the last data line");
	}
	buf_free(&out);
}

static void test_estimate(void)
{
	const char *b = "AAAAAAAA\r\nAAAAAAAA\r\nAAAA\r\n";

	is_int(transfer_decoded_estimate(TRANSFER_BASE64, b, strlen(b)), 15,
	       "base64 estimate");
	is_int(transfer_decoded_estimate(TRANSFER_BASE64, "AAAA", 4), 3,
	       "base64 estimate, one line");
	is_int(transfer_decoded_estimate(TRANSFER_7BIT, "abc", 3), 3, "7bit exact");
}

int main(void)
{
	test_labels();
	test_base64();
	test_qp();
	test_identity();
	test_uu();
	test_estimate();
	return tap_done();
}
