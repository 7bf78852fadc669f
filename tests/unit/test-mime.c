/* test-mime.c - the MIME part tree: boundaries and their pitfalls, nested
 * messages, part numbers, fields, limits, decoded text; every message
 * also cut at every offset (no crash, tree stays consistent). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "../tap.h"

/* "partno:type" of every part below the root, in order, space-separated,
 * with '*' after a multipart and '>' after a message. */
static char *shape(const char *msg)
{
	struct mime_tree t;
	struct buf b = BUF_INIT;

	mime_parse(&t, msg, strlen(msg), NULL);
	for (size_t i = 0; i < t.nparts; i++) {
		const struct mime_part *p = &t.part[i];

		buf_printf(&b, "%s%s:%s%s", i ? " " : "", p->partno, p->type,
			   p->kind == MIME_MULTIPART ? "*" : p->kind == MIME_MESSAGE ? ">" : "");
	}
	mime_free(&t);
	return buf_steal(&b, NULL);
}

/* The decoded text of part partno. */
static char *text_of(const char *msg, const char *partno)
{
	struct mime_tree t;
	struct buf b = BUF_INIT;
	size_t i;

	mime_parse(&t, msg, strlen(msg), NULL);
	i = mime_find(&t, partno);
	if (i == MIME_NO_PART) {
		mime_free(&t);
		return NULL;
	}
	mime_text(&t, &t.part[i], NULL, &b);
	mime_free(&t);
	return buf_steal(&b, NULL);
}

#define SHAPE(msg, want, label) do { char *s_ = shape(msg); \
	is_str(s_, want, "%s", label); free(s_); } while (0)
#define TEXT(msg, no, want, label) do { char *s_ = text_of(msg, no); \
	is_str(s_, want, "%s", label); free(s_); } while (0)

/* Every prefix of the message parses, every part lies inside it and
 * the tree links are consistent. */
static void cut_everywhere(const char *msg, const char *label)
{
	size_t n = strlen(msg);
	bool good = true;

	for (size_t cut = 0; cut <= n && good; cut++) {
		char *copy = xmalloc(cut + 1);
		struct mime_tree t;

		memcpy(copy, msg, cut);
		mime_parse(&t, copy, cut, NULL);
		for (size_t i = 0; i < t.nparts; i++) {
			const struct mime_part *p = &t.part[i];
			struct buf b = BUF_INIT;

			if (p->start > p->body || p->body > p->end || p->end > cut ||
			    (i > 0 && p->parent >= i) || (i == 0) != (p->parent == MIME_NO_PART)) {
				diag("cut %zu: part %zu bad", cut, i);
				good = false;
			}
			mime_text(&t, p, NULL, &b);
			buf_free(&b);
		}
		mime_free(&t);
		free(copy);
	}
	ok(good, "%s: every prefix parses consistently", label);
}

static const char simple[] =
	"From: a@b\nSubject: hi\n\nHello\n";

static const char mixed[] =
	"Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
	"\r\n"
	"preamble\r\n"
	"--XX\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"caf=E9\r\n"
	"--XX\r\n"
	"Content-Type: application/pdf; name=\"n.pdf\"\r\n"
	"Content-Disposition: attachment; filename=\"f.pdf\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"Content-ID: <cid@x>\r\n"
	"\r\n"
	"JVBERg==\r\n"
	"--XX--\r\n"
	"epilogue\r\n";

static const char prefix_bnd[] =
	"Content-Type: multipart/mixed; boundary=ab\n"
	"\n"
	"--ab\n"
	"Content-Type: multipart/alternative; boundary=abc\n"
	"\n"
	"--abc\n"
	"\n"
	"plain\n"
	"--abc\n"
	"Content-Type: text/html\n"
	"\n"
	"<b>html</b>\n"
	"--abc--\n"
	"--ab\n"
	"Content-Type: image/png\n"
	"\n"
	"PNG\n"
	"--ab--\n";

static const char nested_msg[] =
	"Content-Type: multipart/mixed; boundary=o\n"
	"\n"
	"--o\n"
	"\n"
	"see attached\n"
	"--o\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Subject: inner\n"
	"Content-Type: multipart/mixed; boundary=i\n"
	"\n"
	"--i\n"
	"\n"
	"inner text\n"
	"--i\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Subject: innermost\n"
	"\n"
	"deep\n"
	"--i--\n"
	"--o--\n";

static const char missing_close[] =
	"Content-Type: multipart/mixed; boundary=o\n"
	"\n"
	"--o\n"
	"Content-Type: multipart/alternative; boundary=i\n"
	"\n"
	"--i\n"
	"\n"
	"one\n"
	"--o\n"
	"\n"
	"two\n";

static const char trailing_ws[] =
	"Content-Type: multipart/mixed; boundary=\"b\"\n"
	"\n"
	"--b  \t\n"
	"\n"
	"x\n"
	"--bb\n"
	"--b\n"
	"\n"
	"y\n"
	"--b-- \n";

static void test_shapes(void)
{
	SHAPE(simple, "1:text/plain", "single part is 1");
	SHAPE(mixed, ":multipart/mixed* 1:text/plain 2:application/pdf", "mixed");
	SHAPE(prefix_bnd,
	      ":multipart/mixed* 1:multipart/alternative* 1.1:text/plain "
	      "1.2:text/html 2:image/png", "boundaries that are prefixes");
	SHAPE(nested_msg,
	      ":multipart/mixed* 1:text/plain 2:message/rfc822> 2:multipart/mixed* "
	      "2.1:text/plain 2.2:message/rfc822> 2.2.1:text/plain",
	      "nested messages numbered like IMAP");
	SHAPE(missing_close,
	      ":multipart/mixed* 1:multipart/alternative* 1.1:text/plain 2:text/plain",
	      "missing close delimiter ends at the parent's boundary");
	SHAPE(trailing_ws, ":multipart/mixed* 1:text/plain 2:text/plain",
	      "white space after boundary lines; --bb is no boundary");
	SHAPE("Content-Type: multipart/mixed\n\nno boundary\n", "1:text/plain",
	      "multipart without boundary is text");
	SHAPE("Content-Type: multipart/mixed; boundary=zz\n\nnever there\n",
	      "1:text/plain", "boundary never found is text");
	SHAPE("Content-Type: text\n\nx\n", "1:text/plain", "invalid type is text/plain");
	SHAPE("Content-Type: mult\xcd\xcdipart/mixed; boundary=b\n\n--b\n\nx\n", "1:text/plain",
	      "8-bit bytes in the type make it invalid");
	SHAPE("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: s\n\nb\n--d--\n",
	      ":multipart/digest* 1:message/rfc822> 1.1:text/plain",
	      "digest parts default to message/rfc822");
	SHAPE("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDog\n",
	      "1:message/rfc822", "encoded message/rfc822 is a leaf");
	SHAPE("Content-Type: multipart/mixed; boundary=b\n\n--b\n\na\n--b\n\nb",
	      ":multipart/mixed* 1:text/plain 2:text/plain", "last part without close");
	SHAPE("Content-Type: multipart/mixed; boundary=b\n\n--b--\n",
	      ":multipart/mixed*", "close delimiter only");
}

static void test_bodies(void)
{
	TEXT(mixed, "1", "caf\xc3\xa9", "QP latin1 part, CRLF before boundary dropped");
	TEXT(mixed, "2", "%PDF", "base64 part");
	TEXT(prefix_bnd, "1.1", "plain", "alternative plain");
	TEXT(nested_msg, "2.2.1", "deep", "innermost body");
	TEXT(missing_close, "1.1", "one", "unclosed inner part");
	TEXT(trailing_ws, "1", "x\n--bb", "--bb kept as text");
	TEXT(simple, "1", "Hello\n", "simple body");
	TEXT(simple, "3", NULL, "missing part");
	TEXT("Content-Type: text/plain; charset=utf-8\n\na\x1b[31mb\r\nc\rd\x7f\f",
	     "1", "a\xef\xbf\xbd[31mb\nc\nd\xef\xbf\xbd\n", "controls cleaned");
	TEXT("\n\xe9t\xe9\n", "1", "\xc3\xa9t\xc3\xa9\n", "unlabeled 8-bit guessed");
	TEXT("Content-Type: text/plain; charset=koi8-r\n\n\xf0\xd2\xc9\xd7\xc5\xd4", "1",
	     "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", "koi8-r");
}

static void test_fields(void)
{
	const char *msg =
		"Content-Type: multipart/mixed; boundary=b\n\n"
		"--b\n"
		"Content-Type: text/plain; charset=\"UTF-8\"; format=flowed; delsp=yes\n\n"
		"x\n"
		"--b\n"
		"Content-Type: image/png; name=\"=?UTF-8?Q?=C3=A9.png?=\"\n"
		"Content-Disposition: inline\n"
		"Content-ID: < a@b >\n"
		"Content-Description: =?UTF-8?Q?d=C3=A9sc?=\n\n"
		"x\n"
		"--b\n"
		"Content-Type: application/octet-stream\n"
		"Content-Disposition: weird; filename*=UTF-8''%C3%A9.bin\n\n"
		"x\n"
		"--b--\n";
	struct mime_tree t;

	mime_parse(&t, msg, strlen(msg), NULL);
	if (!ok(t.nparts == 4, "four parts")) {
		mime_free(&t);
		return;
	}
	is_str(t.part[1].charset, "UTF-8", "charset");
	ok(t.part[1].flowed && t.part[1].delsp, "flowed, delsp");
	is_str(t.part[2].filename, "\xc3\xa9.png", "name from Content-Type, RFC 2047");
	is_int(t.part[2].disposition, MIME_DISP_INLINE, "inline");
	is_str(t.part[2].content_id, "a@b", "content id");
	is_str(t.part[2].description, "d\xc3\xa9sc", "description");
	is_int(t.part[3].disposition, MIME_DISP_ATTACHMENT, "unknown disposition is attachment");
	is_str(t.part[3].filename, "\xc3\xa9.bin", "filename RFC 2231");
	ok(t.part[0].first_child == 1 && t.part[1].next == 2 && t.part[2].next == 3 &&
	   t.part[3].next == MIME_NO_PART && t.part[0].nchildren == 3, "links");
	is_int(mime_find(&t, "3"), 3, "find 3");
	is_int(mime_find(&t, ""), 0, "find root");
	is_int(mime_find(&t, "4"), MIME_NO_PART, "find missing");
	mime_free(&t);
}

static void test_limits(void)
{
	struct buf b = BUF_INIT;
	struct mime_tree t;
	size_t deepest = 0;

	/* Nesting far past the cap. */
	for (int i = 0; i < 100; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	buf_puts(&b, "\nbottom\n");
	mime_parse(&t, b.data, b.len, NULL);
	for (size_t i = 0; i < t.nparts; i++)
		if (t.part[i].depth > deepest)
			deepest = t.part[i].depth;
	ok(t.truncated && deepest == MIME_MAX_DEPTH, "depth capped at %zu", deepest);
	ok(t.part[t.nparts - 1].kind == MIME_LEAF, "the deepest is a leaf");
	mime_free(&t);

	/* message/rfc822 inside itself. */
	buf_reset(&b);
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "Content-Type: message/rfc822\n\n");
	buf_puts(&b, "bottom\n");
	mime_parse(&t, b.data, b.len, NULL);
	ok(t.truncated && t.nparts == MIME_MAX_DEPTH + 1, "message nesting capped (%zu)",
	   t.nparts);
	mime_free(&t);

	/* Too many parts. */
	buf_reset(&b);
	buf_puts(&b, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (int i = 0; i < MIME_MAX_PARTS + 50; i++)
		buf_puts(&b, "--b\n\nx\n");
	mime_parse(&t, b.data, b.len, NULL);
	ok(t.truncated && t.nparts == MIME_MAX_PARTS, "part count capped (%zu)", t.nparts);
	mime_free(&t);
	buf_free(&b);
}

int main(void)
{
	test_shapes();
	test_bodies();
	test_fields();
	test_limits();
	cut_everywhere(mixed, "mixed");
	cut_everywhere(prefix_bnd, "prefix boundaries");
	cut_everywhere(nested_msg, "nested messages");
	cut_everywhere(missing_close, "missing close");
	return tap_done();
}
