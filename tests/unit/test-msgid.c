/* test-msgid.c - Message-ID, In-Reply-To and References parsing. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "msgid.h"
#include "util.h"
#include "../tap.h"

static char *dump(const struct msgid_list *l)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < l->n; i++)
		buf_printf(&b, "%s;", l->v[i]);
	return buf_steal(&b, NULL);
}

static void check_n(const char *in, size_t n, const char *want, const char *what)
{
	struct msgid_list l = { NULL, 0 };
	char *got;

	msgid_list_parse(&l, in, n, MSGID_MAX_REFS);
	got = dump(&l);
	is_str(got, want, "%s", what);
	free(got);
	msgid_list_free(&l);
}

static void check(const char *in, const char *want, const char *what)
{
	check_n(in, strlen(in), want, what);
}

static void test_lists(void)
{
	check("<a@x>", "a@x;", "one id");
	check("<a@x> <b@y>\r\n <c@z>", "a@x;b@y;c@z;", "several ids");
	check("<a@x><b@y>", "a@x;b@y;", "no space between");
	check("<a@x> (comment <no@no>) <b@y>", "a@x;b@y;", "comment skipped");
	check("\"quoted <no@no>\" <a@x>", "a@x;", "quoted string skipped");
	check("Your message of Mon, 15 Jan <a@x>", "a@x;", "junk before");
	check("<a@x> junk <b@y> more junk", "a@x;b@y;", "junk between");
	check("a@x b@y", "a@x;b@y;", "missing brackets");
	check("a@x, b@y;", "a@x;b@y;", "commas between bare ids");
	check("<a@x> <a@x> <b@y> <a@x>", "a@x;b@y;", "duplicates dropped");
	check("<a @\r\n x>", "a@x;", "white space inside brackets dropped");
	check("<>", "", "empty brackets");
	check("", "", "empty");
	check("no-at-sign", "no-at-sign;", "single word without @");
	check("two words", "", "words without @ are junk");
	check("<unterminated@x", "unterminated@x;", "missing >");
	check("<unterminated@x more", "unterminated@x;", "missing > stops at space");
	check("<<a@x>>", "a@x;", "doubled brackets");
	check("<a\x1b@x>", "a\xef\xbf\xbd@x;", "control replaced");
	check("<\xe9@x>", "\xc3\xa9@x;", "8-bit guessed");
	check_n("<a\0b@x>", 7, "a\xef\xbf\xbd" "b@x;", "NUL replaced");
}

static void test_first(void)
{
	char *id = msgid_parse_first("  <abc@example.org>  ", 21);

	is_str(id, "abc@example.org", "first id");
	free(id);
	id = msgid_parse_first("(c) <x@y> <z@w>", 15);
	is_str(id, "x@y", "first of several");
	free(id);
	id = msgid_parse_first("<>", 2);
	ok(id == NULL, "no id in <>");
	id = msgid_parse_first("", 0);
	ok(id == NULL, "no id in empty");
}

static void test_limits(void)
{
	struct buf in = BUF_INIT;
	struct msgid_list l = { NULL, 0 };
	struct timespec a, b;
	double secs;

	for (int i = 0; i < 1000; i++)
		buf_printf(&in, "<id%d@x> ", i);
	msgid_list_parse(&l, in.data, in.len, 10);
	is_int(l.n, 10, "capped to max");
	is_str(l.v[0], "id0@x", "the first is kept");
	is_str(l.v[1], "id991@x", "then the last max - 1");
	is_str(l.v[9], "id999@x", "the last is kept");
	msgid_list_free(&l);
	buf_free(&in);

	for (int i = 0; i < 100000; i++)
		buf_printf(&in, "<id%d@x> <id%d@x> ", i, i / 2);
	clock_gettime(CLOCK_MONOTONIC, &a);
	msgid_list_parse(&l, in.data, in.len, 1000000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	is_int(l.n, 100000, "100,000 ids, duplicates dropped");
	ok(secs < 2.0, "in linear time (%.3fs)", secs);
	msgid_list_free(&l);
	buf_free(&in);

	buf_putc(&in, '<');
	for (int i = 0; i < MSGID_MAX_LEN + 1; i++)
		buf_putc(&in, 'a');
	buf_puts(&in, "@x> <ok@x>");
	msgid_list_parse(&l, in.data, in.len, 10);
	is_int(l.n, 1, "overlong id dropped");
	is_str(l.n ? l.v[0] : NULL, "ok@x", "next one kept");
	msgid_list_free(&l);
	buf_free(&in);

	/* Appending: duplicates of ids already in the list are dropped. */
	msgid_list_parse(&l, "<a@x>", 5, 10);
	msgid_list_parse(&l, "<a@x> <b@x>", 11, 10);
	is_int(l.n, 2, "append skips ids already there");
	msgid_list_free(&l);
}

static void test_prefixes(void)
{
	const char *in = "<a@x> (c <n@n>) \"q\" <b@y> c@z <d";
	size_t n = strlen(in);
	bool good = true;

	for (size_t k = 0; k <= n; k++) {
		struct msgid_list l = { NULL, 0 };

		msgid_list_parse(&l, in, k, 5);
		for (size_t i = 0; i < l.n; i++)
			if (strchr(l.v[i], '<') || strchr(l.v[i], '>') || !*l.v[i])
				good = false;
		msgid_list_free(&l);
	}
	ok(good, "every prefix gives ids without brackets");
	check(in, "a@x;b@y;c@z;d;", "the whole value");
}

int main(void)
{
	test_lists();
	test_first();
	test_limits();
	test_prefixes();
	return tap_done();
}
