/* test-address.c - RFC 5322 address lists and the junk real mail has. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "buf.h"
#include "util.h"
#include "../tap.h"

/* "name|addr;" per address, name "-" when NULL. */
static char *dump(const struct address_list *l)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < l->n; i++)
		buf_printf(&b, "%s|%s;", l->v[i].name ? l->v[i].name : "-", l->v[i].addr);
	return buf_steal(&b, NULL);
}

static void check_n(const char *in, size_t n, const char *want, const char *what)
{
	struct address_list l = { NULL, 0 };
	char *got;

	address_list_parse(&l, in, n);
	got = dump(&l);
	is_str(got, want, "%s", what);
	free(got);
	address_list_free(&l);
}

static void check(const char *in, const char *want, const char *what)
{
	check_n(in, strlen(in), want, what);
}

static void test_standard(void)
{
	check("jane@example.org", "-|jane@example.org;", "bare address");
	check("Jane Doe <jane@example.org>", "Jane Doe|jane@example.org;", "name-addr");
	check("<jane@example.org>", "-|jane@example.org;", "angle only");
	check("\"Doe, Jane\" <jane@example.org>, bob@example.org",
	      "Doe, Jane|jane@example.org;-|bob@example.org;", "quoted name with comma");
	check("\"J. \\\"JD\\\" Doe\" <jd@x.org>", "J. \"JD\" Doe|jd@x.org;",
	      "quoted string escapes");
	check("jane@example.org (Jane Doe)", "Jane Doe|jane@example.org;",
	      "comment as name");
	check("Jane (work) <jane@x.org>", "Jane|jane@x.org;", "comment in phrase ignored");
	check("(Only (nested) comment) <a@b>", "Only (nested) comment|a@b;",
	      "nested comment as name");
	check("=?utf-8?q?J=C3=B6rg?= <j@x.de>", "J\xc3\xb6rg|j@x.de;", "encoded-word name");
	check("\"=?utf-8?q?J=C3=B6rg?=\" <j@x.de>", "J\xc3\xb6rg|j@x.de;",
	      "encoded word inside quotes");
	check("=?utf-8?q?M=C3=BCller=2C?= =?utf-8?q?_Hans?= <h@x.de>",
	      "M\xc3\xbcller, Hans|h@x.de;", "adjacent encoded words in a name");
	check("J\xf6rg <j@x.de>", "J\xc3\xb6rg|j@x.de;", "8-bit latin1 name");
	check("J\xc3\xb6rg <j@x.de>", "J\xc3\xb6rg|j@x.de;", "8-bit UTF-8 name");
	check("\"Jane\"    \"Doe\" <a@b>", "Jane Doe|a@b;", "words joined with one space");
	check("\"john doe\"@example.com", "-|\"john doe\"@example.com;",
	      "quoted local part kept as written");
	check("a@[192.0.2.1]", "-|a@[192.0.2.1];", "domain literal");
	check("j\xc3\xb6rg@b\xc3\xbc" "cher.de", "-|j\xc3\xb6rg@b\xc3\xbc" "cher.de;",
	      "EAI address");
}

static void test_groups(void)
{
	check("undisclosed-recipients:;", "", "empty group");
	check("undisclosed-recipients: ;", "", "empty group with space");
	check("Team: a@x, B <b@y>;, c@z", "-|a@x;B|b@y;-|c@z;", "group members");
	check("Team: a@x, b@y", "-|a@x;-|b@y;", "unterminated group");
	check("A: a@x;B: b@x;", "-|a@x;-|b@x;", "two groups");
	check("\"Group, with comma\": a@x;", "-|a@x;", "quoted group name");
}

static void test_obsolete(void)
{
	check("<@relay.example:jane@example.org>", "-|jane@example.org;", "route");
	check("Jane <@r1.example,@r2.example:jane@example.org>", "Jane|jane@example.org;",
	      "route with two hops");
	check("john . doe @ example . com", "-|john.doe@example.com;", "obsolete spaces");
	check("Jane.Doe <j@x>", "Jane.Doe|j@x;", "dots in phrase");
	check("a@x,,, ,b@y", "-|a@x;-|b@y;", "empty list elements");
	check("a@x; b@y", "-|a@x;-|b@y;", "semicolon separator");
}

static void test_junk(void)
{
	check("", "", "empty");
	check("   ", "", "blank");
	check("Jane Doe jane@example.org", "Jane Doe|jane@example.org;", "missing brackets");
	check("jane@example.org Jane Doe", "Jane Doe|jane@example.org;", "name after addr");
	check("a@x b@y", "-|a@x;-|b@y;", "missing comma");
	check("<a@x> <b@y>", "-|a@x;-|b@y;", "missing comma between angles");
	check("Jane <jane@example.org", "Jane|jane@example.org;", "missing >");
	check("Jane <a@x, Bob <b@y>", "Jane|a@x;Bob|b@y;", "missing > before comma");
	check("jane", "-|jane;", "bare local part");
	check("Jane Doe", "-|Jane Doe;", "name only kept as addr");
	check("Jane <>", "Jane|;", "empty angle");
	check(">>> <<<", "-|;", "only brackets");
	check("\"unterminated <a@b>", "-|\"unterminated <a@b>;", "unterminated quote");
	check("(unterminated comment <a@b>", "", "unterminated comment");
	check("a@x (c1) (c2)", "c1|a@x;", "first comment wins");
	check("Jane\x1b[31m <a\x1b@x>", "Jane\xef\xbf\xbd[31m|a\xef\xbf\xbd@x;",
	      "controls replaced");
	check("Bad \xff\xfe <a@x>", "Bad \xc3\xbf\xc3\xbe|a@x;", "invalid UTF-8 guessed");
	check_n("Jane\0Doe <a@x>", 14, "Jane\xef\xbf\xbd" "Doe|a@x;", "NUL in a name");
	check_n("a@x\0, b@y", 9, "-|a@x\xef\xbf\xbd;-|b@y;", "NUL in an address");
	check("Jane <a@x> trailing", "Jane trailing|a@x;", "words after angle");
	check("\"\" <a@x>", "-|a@x;", "empty quoted name");
	check("=?utf-8?q?=0A=0D?= <a@x>", "-|a@x;", "encoded name of only CRLF");
}

static void test_format(void)
{
	struct address_list l = { NULL, 0 };
	char *s;

	address_list_parse(&l, "\"Doe, Jane\" <j@x>, b@y, Bob <b@z>, \"A \\\"q\\\"\" <q@x>",
			   50);
	s = address_list_format(&l);
	is_str(s, "\"Doe, Jane\" <j@x>, b@y, Bob <b@z>, \"A \\\"q\\\"\" <q@x>",
	       "format round trip");
	free(s);
	address_list_free(&l);
	ok(l.v == NULL && l.n == 0, "free empties the list");
	s = address_list_format(&l);
	is_str(s, "", "empty list formats as empty string");
	free(s);
	/* Appending to an existing list. */
	address_list_parse(&l, "a@x", 3);
	address_list_parse(&l, "b@x, c@x", 8);
	is_int(l.n, 3, "parse appends");
	address_list_free(&l);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_many(void)
{
	struct buf in = BUF_INIT;
	struct address_list l = { NULL, 0 };
	double t;
	bool all = true;

	for (int i = 0; i < 10000; i++)
		buf_printf(&in, "%s\"User %d\" <user%d@example.org>", i ? ", " : "", i, i);
	t = now();
	address_list_parse(&l, in.data, in.len);
	t = now() - t;
	is_int(l.n, 10000, "10,000 recipients");
	for (size_t i = 0; i < l.n; i++) {
		char want[64];

		snprintf(want, sizeof want, "user%zu@example.org", i);
		if (strcmp(l.v[i].addr, want) != 0)
			all = false;
	}
	ok(all, "all 10,000 addresses right");
	ok(t < 1.0, "10,000 recipients quickly (%.3fs)", t);
	address_list_free(&l);
	buf_free(&in);

	/* Pathological: many words, then many colons; many '<'. */
	for (int i = 0; i < 50000; i++)
		buf_puts(&in, "w ");
	buf_puts(&in, "a@b ");
	for (int i = 0; i < 50000; i++)
		buf_puts(&in, ": <");
	t = now();
	address_list_parse(&l, in.data, in.len);
	t = now() - t;
	ok(t < 2.0, "pathological list in linear time (%.3fs, %zu addresses)", t, l.n);
	address_list_free(&l);
	buf_free(&in);

	/* The cap. */
	for (int i = 0; i < ADDRESS_LIST_MAX + 10; i++)
		buf_puts(&in, "a@b,");
	address_list_parse(&l, in.data, in.len);
	is_int(l.n, ADDRESS_LIST_MAX, "list capped");
	address_list_free(&l);
	buf_free(&in);
}

static void test_prefixes(void)
{
	const char *in = "\"Doe, J\" <j@x>, (c) Bob <@r:b@y>, G: =?utf-8?q?A?= <a@z>;, "
			 "x@y (X)";
	size_t n = strlen(in);
	bool good = true;

	for (size_t k = 0; k <= n; k++) {
		struct address_list l = { NULL, 0 };

		address_list_parse(&l, in, k);
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i].addr == NULL || !utf8_valid(l.v[i].addr, strlen(l.v[i].addr)))
				good = false;
		address_list_free(&l);
	}
	ok(good, "every prefix parses to valid addresses");
	check(in, "Doe, J|j@x;Bob|b@y;A|a@z;X|x@y;", "the whole list");
}

int main(void)
{
	test_standard();
	test_groups();
	test_obsolete();
	test_junk();
	test_format();
	test_many();
	test_prefixes();
	return tap_done();
}
