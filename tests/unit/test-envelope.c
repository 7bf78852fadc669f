/* test-envelope.c - the index fields of whole raw messages. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "util.h"
#include "../tap.h"

static const char simple[] =
	"Return-Path: <jane@example.org>\r\n"
	"From: =?utf-8?q?J=C3=B6rg?= <joerg@example.de>\r\n"
	"To: Jane Doe <jane@example.org>, bob@example.org\r\n"
	"Cc: undisclosed-recipients:;\r\n"
	"Reply-To: list@example.org\r\n"
	"Subject: =?iso-8859-1?q?R=E9sum=E9?=\r\n"
	"  of the week\r\n"
	"Date: Mon, 15 Jan 2024 11:30:00 +0100 (CET)\r\n"
	"Message-ID: <abc@example.de>\r\n"
	"In-Reply-To: <parent@example.org> (Jane's message)\r\n"
	"References: <root@example.org>\r\n"
	"\t<parent@example.org>\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"\r\n"
	"Body text\r\n";

static void test_simple(void)
{
	struct envelope e;

	envelope_parse(&e, simple, sizeof simple - 1);
	is_int(e.from.n, 1, "one from");
	is_str(e.from.n ? e.from.v[0].name : NULL, "J\xc3\xb6rg", "from name decoded");
	is_str(e.from.n ? e.from.v[0].addr : NULL, "joerg@example.de", "from addr");
	is_int(e.to.n, 2, "two to");
	is_int(e.cc.n, 0, "empty group cc");
	is_int(e.reply_to.n, 1, "reply-to");
	is_str(e.subject, "R\xc3\xa9sum\xc3\xa9  of the week", "subject decoded and unfolded");
	is_int(e.date, 1705314600, "date");
	is_int(e.date_tz, 60, "date zone");
	is_str(e.message_id, "abc@example.de", "message-id");
	is_str(e.in_reply_to, "parent@example.org", "in-reply-to");
	is_int(e.nreferences, 2, "references");
	is_str(e.nreferences == 2 ? e.references[0] : NULL, "root@example.org", "oldest first");
	ok(!e.is_multipart, "not multipart");
	ok(!e.has_attachment, "no attachment");
	is_int(e.header_len, sizeof simple - 1 - 11, "header length");
	envelope_free(&e);
	ok(e.subject == NULL && e.from.n == 0, "free clears");
}

static void test_empty(void)
{
	struct envelope e;

	envelope_parse(&e, "", 0);
	is_str(e.subject, "", "empty message: subject \"\"");
	ok(e.date == 0 && e.message_id == NULL && e.in_reply_to == NULL &&
	   e.nreferences == 0 && e.from.n == 0 && e.header_len == 0,
	   "empty message: all empty");
	envelope_free(&e);

	envelope_parse(&e, "just a body line\n", 17);
	is_str(e.subject, "", "no header: subject \"\"");
	is_int(e.header_len, 0, "no header: header_len 0");
	envelope_free(&e);
}

static void attach_case(const char *msg, bool multipart, bool attach, const char *what)
{
	struct envelope e;

	envelope_parse(&e, msg, strlen(msg));
	is_int(e.is_multipart, multipart, "%s: multipart", what);
	is_int(e.has_attachment, attach, "%s: attachment", what);
	envelope_free(&e);
}

static void test_attachments(void)
{
	attach_case("Content-Type: multipart/mixed; boundary=\"XX\"\n\n"
		    "preamble\n--XX\nContent-Type: text/plain\n\nhello\n"
		    "--XX\nContent-Type: application/pdf\n"
		    "Content-Disposition: attachment\n\n%PDF\n--XX--\n",
		    true, true, "disposition attachment");
	attach_case("Content-Type: multipart/mixed; boundary=XX\n\n"
		    "--XX\nContent-Type: image/png; name=\"a.png\"\n\nPNG\n--XX--\n",
		    true, true, "name= parameter");
	attach_case("Content-Type: multipart/mixed; boundary=XX\n\n"
		    "--XX\nContent-Disposition: inline;\n filename*=utf-8''%C3%A9.txt\n\nx\n"
		    "--XX--\n", true, true, "RFC 2231 filename, folded");
	attach_case("Content-Type: multipart/alternative; boundary=XX\n\n"
		    "--XX\nContent-Type: text/plain\n\nplain\n"
		    "--XX\nContent-Type: text/html\n\n<p>filename=x</p>\n--XX--\n",
		    true, false, "alternative without attachment");
	attach_case("Content-Type: multipart/mixed; boundary=A\n\n"
		    "--A\nContent-Type: multipart/alternative; boundary=B\n\n"
		    "--B\nContent-Type: text/plain\n\nx\n--B--\n"
		    "--A\nContent-Type: application/octet-stream; name=x.bin\n\nx\n--A--\n",
		    true, true, "nested multipart");
	attach_case("Content-Type: multipart/mixed; boundary=A\n\n"
		    "--A\nContent-Type: multipart/related; boundary=\"B\"\n\n"
		    "--B\nContent-Disposition: ATTACHMENT; x=y\n\nx\n--B--\n--A--\n",
		    true, true, "attachment in a nested part");
	attach_case("Content-Type: text/plain\n\nContent-Disposition: attachment\n",
		    false, false, "not multipart: body not scanned");
	attach_case("Content-Type: application/pdf; name=\"x.pdf\"\n\n%PDF",
		    false, true, "single-part with a name");
	attach_case("Content-Type: multipart/mixed\n\n--\nContent-Disposition: attachment\n\n",
		    true, false, "multipart without boundary");
	attach_case("Content-Type: multipart/mixed; boundary=XX\n\n--XX",
		    true, false, "truncated after boundary");
	attach_case("Content-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: "
		    "text/plain; charset=\"name=x\"\n\nbody\n--XX--",
		    true, false, "name= inside a quoted value is not a parameter");
	attach_case("Content-Type: MULTIPART/Mixed; Boundary=\"b\"\n\n--b\r\n"
		    "Content-Disposition: attachment; filename=a.txt\r\n\r\nx\r\n--b--\r\n",
		    true, true, "case and CRLF");
	attach_case("Content-Type: multipartx/mixed; boundary=b\n\n", false, false,
		    "multipartx is not multipart");
}

static void test_hostile(void)
{
	struct envelope e;
	struct buf m = BUF_INIT;

	/* 10,000 recipients, a 1 MB subject, NUL bytes, junk. */
	buf_puts(&m, "To: ");
	for (int i = 0; i < 10000; i++)
		buf_printf(&m, "%sUser %d <u%d@x.org>", i ? ",\r\n " : "", i, i);
	buf_puts(&m, "\r\nSubject: ");
	for (int i = 0; i < 1024 * 1024; i++)
		buf_putc(&m, 'a');
	{
		static const char tail[] = "\r\nFrom: a\0b@x\r\nDate: garbage\r\n"
					   "Message-ID: <\xff@x>\r\n\r\n";

		buf_append(&m, tail, sizeof tail - 1);
	}
	envelope_parse(&e, m.data, m.len);
	is_int(e.to.n, 10000, "10,000 recipients");
	is_int(strlen(e.subject), 1024 * 1024, "1 MB subject");
	is_int(e.from.n, 1, "from with NUL");
	is_str(e.from.n ? e.from.v[0].addr : NULL, "a\xef\xbf\xbd" "b@x",
	       "NUL replaced in from");
	is_int(e.date, 0, "bad date gives 0");
	is_str(e.message_id, "\xc3\xbf@x", "8-bit message-id guessed");
	is_int(e.header_len, m.len, "header length");
	envelope_free(&e);
	buf_free(&m);

	/* Date falls back to the mbox From line. */
	envelope_parse(&e, "From a@b Mon Jan 15 10:30:00 2024\nSubject: x\n\n", 46);
	is_int(e.date, 1705314600, "date from the From line");
	envelope_free(&e);

	/* Control characters never survive. */
	{
		static const char msg[] = "Subject: a\x1b]0;evil\x07 =?utf-8?q?=1B[2J?=\n"
					  "From: \"\x1b[31mred\" <r@x>\n\n";
		bool clean = true;

		envelope_parse(&e, msg, sizeof msg - 1);
		for (const char *p = e.subject; *p; p++)
			clean = clean && (unsigned char)*p >= 0x20 && *p != 0x7f;
		for (const char *p = e.from.v[0].name; *p; p++)
			clean = clean && (unsigned char)*p >= 0x20 && *p != 0x7f;
		ok(clean, "no control characters in subject or names");
		envelope_free(&e);
	}
}

/* Every prefix of a real-looking message parses without trouble. */
static void test_prefixes(void)
{
	static const char msg[] =
		"From x Mon Jan 15 10:30:00 2024\n"
		"From: A <a@x>\nTo: b@y\nSubject: =?utf-8?B?4oKs?=\n"
		"Content-Type: multipart/mixed; boundary=\"b\"\n\n"
		"--b\nContent-Type: text/plain\n\nhi\n"
		"--b\nContent-Disposition: attachment; filename=x\n\nx\n--b--\n";
	size_t n = sizeof msg - 1, attach = 0;

	for (size_t k = 0; k <= n; k++) {
		struct envelope e;

		envelope_parse(&e, msg, k);
		attach += e.has_attachment;
		envelope_free(&e);
	}
	ok(attach > 0 && attach < n, "prefixes parse (%zu with the attachment)", attach);
}

int main(void)
{
	test_simple();
	test_empty();
	test_attachments();
	test_hostile();
	test_prefixes();
	return tap_done();
}
