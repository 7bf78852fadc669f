/* test-render.c - format=flowed, the pager text, single parts and the
 * archive summary: best part choice, attachments, uuencode, nested
 * messages, no control characters. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flowed.h"
#include "render.h"
#include "../tap.h"

static char *reflow(const char *s, bool delsp)
{
	struct buf b = BUF_INIT;

	flowed_reflow(s, strlen(s), delsp, &b);
	return buf_steal(&b, NULL);
}

#define FLOWED(in, delsp, want, label) do { char *s_ = reflow(in, delsp); \
	is_str(s_, want, "%s", label); free(s_); } while (0)

static void test_flowed(void)
{
	FLOWED("one \ntwo \nthree\nnext\n", false, "one two three\nnext\n", "joined");
	FLOWED("wo\xc3\xa9 \nrd\n", true, "wo\xc3\xa9rd\n", "DelSp");
	FLOWED(">> quoted \n>> more\n> less\n", false, "> > quoted more\n> less\n",
	       "quote depth");
	FLOWED("> flowed \nnot quoted\n", false, "> flowed \nnot quoted\n",
	       "depth change ends the paragraph");
	FLOWED(" From stuffed\n  two\n", false, "From stuffed\n two\n", "space-stuffing");
	FLOWED("text \n-- \nsig\n", false, "text -- \nsig\n", "signature line does not flow");
	FLOWED("end \n", false, "end \n", "flowed last line");
	FLOWED("no newline", false, "no newline", "no final line break");
	FLOWED("", false, "", "empty");
}

static char *show(const char *msg, const struct render_options *o)
{
	struct buf b = BUF_INIT;

	render_message_text(msg, strlen(msg), o, &b);
	return buf_steal(&b, NULL);
}

#define SHOW(msg, o, want, label) do { char *s_ = show(msg, o); \
	is_str(s_, want, "%s", label); free(s_); } while (0)

static const char alt[] =
	"From: =?UTF-8?Q?J=C3=B6rg?= <j@x.example>\n"
	"To: a@x.example, \"B, C\" <b@x.example>\n"
	"Subject: =?ISO-8859-1?Q?caf=E9?=\n"
	"Date: Mon, 15 Jan 2024 10:30:00 +0100\n"
	"X-Junk: skipped\n"
	"Content-Type: multipart/alternative; boundary=b\n"
	"\n"
	"--b\n"
	"Content-Type: text/plain; charset=utf-8; format=flowed\n"
	"\n"
	"Hello \n"
	"world\n"
	"--b\n"
	"Content-Type: text/html\n"
	"\n"
	"<p>Hello <a href=\"https://x.example\">world</a></p>\n"
	"--b--\n";

static const char mixed[] =
	"Subject: files\n"
	"Content-Type: multipart/mixed; boundary=b\n"
	"\n"
	"--b\n"
	"Content-Type: text/html; charset=iso-8859-1\n"
	"\n"
	"<p>caf\xe9</p>\n"
	"--b\n"
	"Content-Type: application/pdf\n"
	"Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"JVBERi0xLjQK\n"
	"--b\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Subject: inner\n"
	"From: i@x.example\n"
	"\n"
	"inner body\x1b[2J\n"
	"--b\n"
	"Content-Type: text/plain\n"
	"\n"
	"Here:\n"
	"begin 644 hello.txt\n"
	".2&5L;&\\L('=O<FQD(0H`\n"
	"`\n"
	"end\n"
	"Bye\n"
	"--b--\n";

static void test_render(void)
{
	struct render_options html = { .prefer_html = true };
	struct render_options all = { .all_headers = true };
	struct render_options narrow = { .width = 20 };

	SHOW(alt, NULL,
	     "From: J\xc3\xb6rg <j@x.example>\n"
	     "To: a@x.example, \"B, C\" <b@x.example>\n"
	     "Subject: caf\xc3\xa9\n"
	     "Date: Mon, 15 Jan 2024 10:30:00 +0100\n"
	     "\n"
	     "Hello world\n", "plain preferred, flowed joined, headers decoded");
	SHOW(alt, &html,
	     "From: J\xc3\xb6rg <j@x.example>\n"
	     "To: a@x.example, \"B, C\" <b@x.example>\n"
	     "Subject: caf\xc3\xa9\n"
	     "Date: Mon, 15 Jan 2024 10:30:00 +0100\n"
	     "\n"
	     "Hello world[1]\n\n[1] https://x.example\n", "HTML when preferred");
	{
		char *s = show(alt, &all);

		ok(strstr(s, "X-Junk: skipped\n") != NULL, "all headers");
		free(s);
	}
	SHOW(mixed, NULL,
	     "Subject: files\n"
	     "\n"
	     "caf\xc3\xa9\n"
	     "\n"
	     "[-- Message 3: inner --]\n"
	     "Subject: inner\n"
	     "From: i@x.example\n"
	     "\n"
	     "inner body\xef\xbf\xbd[2J\n"
	     "\n"
	     "Here:\n"
	     "Bye\n"
	     "\n"
	     "[-- Attachment 2: r\xc3\xa9sum\xc3\xa9.pdf (application/pdf, 9B) --]\n"
	     "[-- Attachment 3: (message/rfc822, 48B) --]\n"
	     "[-- Attachment 4.u1: hello.txt (application/octet-stream, 14B) --]\n",
	     "mixed: HTML part, attachment, nested message, uuencode");
	SHOW("Subject: x\n\nThe quick brown fox jumps over the lazy dog\n"
	     "> > quoted words that go on and on and on\n", &narrow,
	     "Subject: x\n\nThe quick brown fox\njumps over the lazy\ndog\n"
	     "> > quoted words\n> > that go on and\n> > on and on\n", "wrapping");
	SHOW("", NULL, "\n", "empty message");
	SHOW("Subject: \x1b]0;evil\x07\n\nbody\n", NULL,
	     "Subject: \xef\xbf\xbd]0;evil\xef\xbf\xbd\n\nbody\n", "controls in headers");
}

static void test_part(void)
{
	struct buf b = BUF_INIT;
	struct error *err = NULL;

	ok(render_part(mixed, strlen(mixed), "2", &b, &err) == 0 &&
	   strcmp(buf_cstr(&b), "%PDF-1.4\n") == 0, "part 2 decoded");
	buf_reset(&b);
	ok(render_part(mixed, strlen(mixed), "3", &b, &err) == 0 &&
	   strncmp(buf_cstr(&b), "Subject: inner\n", 15) == 0, "part 3 is the message");
	buf_reset(&b);
	ok(render_part(mixed, strlen(mixed), "3.1", &b, &err) == 0 &&
	   strncmp(buf_cstr(&b), "inner body", 10) == 0, "part 3.1 its body");
	buf_reset(&b);
	ok(render_part(mixed, strlen(mixed), "4.u1", &b, &err) == 0 &&
	   strcmp(buf_cstr(&b), "Hello, world!\n") == 0, "uuencoded block");
	buf_reset(&b);
	ok(render_part(mixed, strlen(mixed), "", &b, &err) == 0 && b.len == strlen(mixed),
	   "the whole message");
	buf_reset(&b);
	ok(render_part(mixed, strlen(mixed), "9", &b, &err) == -1 && err != NULL &&
	   err->kind == ERR_NOTFOUND, "missing part");
	error_free(&err);
	ok(render_part(mixed, strlen(mixed), "4.u2", &b, &err) == -1 && err != NULL &&
	   err->kind == ERR_NOTFOUND, "missing uu block");
	error_free(&err);
	buf_free(&b);
}

static void test_summary(void)
{
	struct mime_summary s;

	mime_summarize(mixed, strlen(mixed), &s);
	is_str(s.text, "caf\xc3\xa9\n\ninner body\xef\xbf\xbd[2J\n\nHere:\nBye\n", "summary text");
	ok(s.has_attachment && s.natt == 3, "three attachments");
	if (s.natt == 3) {
		is_str(s.att[0].name, "r\xc3\xa9sum\xc3\xa9.pdf", "name");
		is_str(s.att[0].type, "application/pdf", "type");
		is_int(s.att[0].size, 9, "size");
		is_str(s.att[0].partno, "2", "partno");
		is_str(s.att[2].name, "hello.txt", "uu name");
	}
	mime_summary_free(&s);
	mime_summarize(alt, strlen(alt), &s);
	is_str(s.text, "Hello world\n", "alternative: plain only, no headers");
	ok(!s.has_attachment, "no attachment");
	mime_summary_free(&s);
	mime_summarize("", 0, &s);
	ok(s.text != NULL && s.text_len == 0, "empty message");
	mime_summary_free(&s);
	{
		struct buf big = BUF_INIT;

		buf_puts(&big, "Content-Type: text/plain; charset=utf-8\n\n");
		for (int i = 0; i < 700000; i++)
			buf_puts(&big, "\xc3\xa9");
		mime_summarize(big.data, big.len, &s);
		ok(s.text_truncated && s.text_len <= MIME_SUMMARY_TEXT_MAX &&
		   s.text_len % 2 == 0, "text capped at a character boundary (%zu)", s.text_len);
		mime_summary_free(&s);
		buf_free(&big);
	}
}

/* One charset context for many messages (petrel show ID...) renders
 * each exactly as a fresh context does. */
static void test_shared_cc(void)
{
	static const char koi[] = "Subject: =?koi8-r?b?8NLJ18XU?=\n"
		"Content-Type: text/plain; charset=koi8-r\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n";
	static const char jis[] = "Subject: x\nContent-Type: text/plain; charset=iso-2022-jp\n\n"
		"\x1b$BF|K\\\x1b(B\n";
	const char *const msgs[] = { alt, koi, mixed, jis };
	struct charset_conv *cc = charset_conv_new();
	struct buf b = BUF_INIT;

	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < ARRAY_LEN(msgs); i++) {
			char *want = show(msgs[i], NULL);

			buf_reset(&b);
			render_message_text_cc(msgs[i], strlen(msgs[i]), NULL, cc, &b);
			is_str(buf_cstr(&b), want, "shared context: message %zu, round %d", i,
			       round);
			free(want);
		}
	buf_free(&b);
	charset_conv_free(&cc);
}

int main(void)
{
	test_flowed();
	test_render();
	test_shared_cc();
	test_part();
	test_summary();
	return tap_done();
}
