/* test-header.c - header block splitting, unfolding, limits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "header.h"
#include "util.h"
#include "../tap.h"

/* All fields as "Name=value|" for comparison. */
static char *fields(const char *msg, size_t n, size_t *body)
{
	struct header_iter it;
	struct buf b = BUF_INIT;
	const char *name, *value;
	size_t nl, vl;

	header_iter_init(&it, msg, n);
	while (header_iter_next(&it, &name, &nl, &value, &vl)) {
		buf_append(&b, name, nl);
		buf_putc(&b, '=');
		buf_append(&b, value, vl);
		buf_putc(&b, '|');
	}
	if (body != NULL)
		*body = it.body;
	header_iter_deinit(&it);
	return buf_steal(&b, NULL);
}

static void check(const char *msg, const char *want, size_t want_body, const char *what)
{
	size_t n = strlen(msg), body;
	char *got = fields(msg, n, &body);

	is_str(got, want, "%s: fields", what);
	is_int(body, want_body, "%s: body offset", what);
	is_int(header_block_len(msg, n), want_body, "%s: header_block_len", what);
	free(got);
}

static void test_basic(void)
{
	check("Subject: hi\nFrom: a@b\n\nbody\n", "Subject=hi|From=a@b|", 23, "LF");
	check("Subject: hi\r\nFrom: a@b\r\n\r\nbody\r\n", "Subject=hi|From=a@b|", 26,
	      "CRLF");
	check("Subject: a\r\n b\n\tc\n\nx", "Subject=a b\tc|", 19, "folded, mixed ends");
	check("Subject:\n  folded first\n\n", "Subject=folded first|", 25,
	      "empty first line of value");
	check("Subject : spaced\n\n", "Subject=spaced|", 18, "space before colon");
	check("X-Empty:\nY:   \n\n", "X-Empty=|Y=|", 16, "empty values");
	check("A: 1\nB: 2", "A=1|B=2|", 9, "no final newline, no body");
	check("", "", 0, "empty message");
	check("\nbody", "", 1, "empty header");
	check("\r\nbody", "", 2, "empty header CRLF");
	check("From alice@example.org Mon Jan 15 10:30:00 2024\nSubject: s\n\nb",
	      "Subject=s|", 60, "mbox From line skipped");
	check("Subject: s\nthis is body text\nmore\n", "Subject=s|", 11,
	      "missing blank line: body at first non-field line");
	check("Subject: s\nFrom nobody\n\n", "Subject=s|", 11, "From line later is body");
	check("  orphan\nSubject: s\n\n", "Subject=s|", 21, "leading continuation ignored");
	check("Subject: trailing   \t\n\n", "Subject=trailing|", 23, "trailing space trimmed");
	check("Subject: a\r\n\r\n", "Subject=a|", 14, "CRLF blank");
	check("Subject: a\n \n\n", "Subject=a|", 14, "blank continuation line");
	check("Bad Name: x\n\n", "", 0, "space inside a name is not a field");
	check(":novalue\n\n", "", 0, "empty name is not a field");
}

static void test_nul_and_8bit(void)
{
	static const char msg[] = "Subject: a\0b\nX-\xe9: y\nTo: \xff\xfe\n\nbody";
	size_t n = sizeof msg - 1, body;
	char *got = fields(msg, n, &body);

	ok(memcmp(got, "Subject=a\0b|", 12) == 0, "NUL inside a value kept");
	is_str(got + 12, "", "8-bit field name ends the header");
	is_int(body, 13, "body at the 8-bit line");
	free(got);
	{
		static const char m2[] = "To: \xff\xfe\nSubject: x\n\n";

		got = fields(m2, sizeof m2 - 1, NULL);
		is_str(got, "To=\xff\xfe|Subject=x|", "8-bit values kept as bytes");
		free(got);
	}
}

static void test_lookup(void)
{
	const char *msg = "From: a\nsubject: first\n second\nSubject: other\n\nSubject: body";
	size_t len = 0;
	char *v = header_get(msg, strlen(msg), "SUBJECT", &len);

	is_str(v, "first second", "header_get finds the first, unfolded");
	is_int(len, 12, "header_get length");
	free(v);
	v = header_get(msg, strlen(msg), "X-None", NULL);
	ok(v == NULL, "header_get: missing field");
	v = header_get(msg, strlen(msg), "Subjec", NULL);
	ok(v == NULL, "header_get: no prefix match");
}

static void test_big(void)
{
	struct buf m = BUF_INIT;
	struct header_iter it;
	const char *name, *value;
	size_t nl, vl, count = 0;

	/* A 1 MB header line and a 1 MB folded value. */
	buf_puts(&m, "X-Big: ");
	for (int i = 0; i < 1024 * 1024; i++)
		buf_putc(&m, (char)('a' + i % 26));
	buf_puts(&m, "\nX-Folded: a");
	for (int i = 0; i < 100000; i++)
		buf_puts(&m, "\r\n bcdefghij");
	buf_puts(&m, "\r\nSubject: after\n\nbody");
	header_iter_init(&it, m.data, m.len);
	ok(header_iter_next(&it, &name, &nl, &value, &vl) && vl == 1024 * 1024,
	   "1 MB line read whole");
	ok(header_iter_next(&it, &name, &nl, &value, &vl) && vl == 1 + 100000 * 10,
	   "100,000 continuation lines unfolded");
	ok(vl > 20 && memcmp(value, "a bcdefghij bcdefghij", 21) == 0, "unfolded text");
	ok(header_iter_next(&it, &name, &nl, &value, &vl) && vl == 5, "field after them");
	ok(!header_iter_next(&it, &name, &nl, &value, &vl), "end");
	ok(!it.truncated, "not truncated");
	is_int(it.body, m.len - 4, "body offset");
	header_iter_deinit(&it);
	buf_free(&m);

	/* The field limit: the rest is skipped, nothing else happens. */
	for (int i = 0; i < 20000; i++)
		buf_printf(&m, "X-%d: v\n", i);
	buf_puts(&m, "\nbody");
	header_iter_init(&it, m.data, m.len);
	while (header_iter_next(&it, &name, &nl, &value, &vl))
		count++;
	is_int(count, HEADER_MAX_FIELDS, "field limit");
	ok(it.truncated, "truncation reported");
	header_iter_deinit(&it);
	is_int(header_block_len(m.data, m.len), m.len - 4, "block length unaffected");

	/* A byte limit set by the caller. */
	header_iter_init(&it, m.data, m.len);
	it.max_bytes = 100;
	count = 0;
	while (header_iter_next(&it, &name, &nl, &value, &vl))
		count++;
	ok(count > 5 && count < 20 && it.truncated, "byte limit (%zu fields)", count);
	header_iter_deinit(&it);
	buf_free(&m);
}

/* Every prefix of a message: consistent results, no crash. */
static void test_prefixes(void)
{
	const char *msg = "From x Mon Jan  1 00:00:00 2024\r\nSubject: a\r\n b\r\n"
			  "To: c\nX: \0y\n\r\nbody";
	size_t n = 66, bad = 0;

	for (size_t k = 0; k <= n; k++) {
		char *got = fields(msg, k, NULL);
		size_t hl = header_block_len(msg, k);

		if (hl > k)
			bad++;
		free(got);
	}
	is_int(bad, 0, "header_block_len within every prefix");
	{
		char *got = fields(msg, n, NULL);

		ok(memcmp(got, "Subject=a b|To=c|X=\0y|", 22) == 0, "whole message fields");
		free(got);
	}
}

int main(void)
{
	test_basic();
	test_nul_and_8bit();
	test_lookup();
	test_big();
	test_prefixes();
	return tap_done();
}
