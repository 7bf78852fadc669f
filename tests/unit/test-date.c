/* test-date.c - RFC 5322 dates, obsolete and real-world forms. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "util.h"
#include "../tap.h"

/* 2024-01-15 10:30:00 UTC */
#define T0 1705314600

static void check(const char *in, int64_t want, int want_tz, const char *what)
{
	int64_t t = -12345;
	int tz = -12345;
	bool okay = date_parse(in, strlen(in), &t, &tz);

	ok(okay, "%s: parses", what);
	is_int(t, want, "%s: time", what);
	is_int(tz, want_tz, "%s: zone", what);
}

static void bad(const char *in, const char *what)
{
	int64_t t = 777;

	ok(!date_parse(in, strlen(in), &t, NULL) && t == 777, "%s: rejected", what);
}

static void test_civil(void)
{
	is_int(date_days_from_civil(1970, 1, 1), 0, "epoch");
	is_int(date_days_from_civil(1969, 12, 31), -1, "day before epoch");
	is_int(date_days_from_civil(2000, 3, 1), 11017, "2000-03-01");
	is_int(date_days_from_civil(2000, 2, 29) * 86400, 951782400, "leap day 2000");
	is_int(date_days_from_civil(1900, 1, 1) * 86400, -2208988800LL, "1900");
	is_int(date_days_from_civil(9999, 12, 31) * 86400 + 86399, 253402300799LL, "9999");
	is_int(date_days_from_civil(1000, 1, 1) * 86400, -30610224000LL, "year 1000");
	is_int(date_days_from_civil(2023, 2, 29), date_days_from_civil(2023, 3, 1),
	       "Feb 29 of a common year rolls over");
	{
		/* Every day from 1600 to 2400 is one more than the day before. */
		int64_t prev = date_days_from_civil(1600, 1, 1) - 1;
		bool steady = true;
		static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

		for (int y = 1600; y <= 2400 && steady; y++)
			for (int m = 1; m <= 12; m++) {
				int dim = mdays[m - 1] +
					  (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));

				for (int d = 1; d <= dim; d++) {
					int64_t cur = date_days_from_civil(y, m, d);

					steady = steady && cur == prev + 1;
					prev = cur;
				}
			}
		ok(steady, "days are consecutive 1600-2400");
	}
}

static void test_rfc5322(void)
{
	check("Mon, 15 Jan 2024 10:30:00 +0000", T0, 0, "standard");
	check("Mon, 15 Jan 2024 11:30:00 +0100", T0, 60, "east zone");
	check("Mon, 15 Jan 2024 05:00:00 -0530", T0, -330, "half-hour west zone");
	check("Mon, 15 Jan 2024 10:30:00 -0000", T0, 0, "-0000");
	check("15 Jan 2024 10:30:00 +0000", T0, 0, "no weekday");
	check("Mon, 15 Jan 2024 10:30 +0000", T0, 0, "no seconds");
	check("Tue, 1 Jul 2003 10:52:37 +0200", 1057056757 - 7200, 120, "one-digit day");
	check("  Mon,\r\n 15\tJan 2024   10:30:00 +0000  ", T0, 0, "folding white space");
	check("Mon, 15 Jan 2024 10:30:60 +0000", T0 + 60, 0, "leap second");
}

static void test_obsolete(void)
{
	check("Sun, 15 Jan 23 10:30:00 +0000", 1673778600, 0, "2-digit year 20xx");
	check("Fri, 31 Dec 99 23:59:00 +0000", 946684740, 0, "2-digit year 19xx");
	check("1 Jan 49 00:00:00 GMT", 2493072000LL, 0, "49 is 2049");
	check("1 Jan 50 00:00:00 GMT", -631152000LL, 0, "50 is 1950");
	check("Fri, 31 Dec 099 23:59:00 +0000", 946684740, 0, "3-digit year");
	check("Mon, 15 Jan 124 10:30:00 +0000", T0, 0, "3-digit year 124");
	check("Mon, 15 Jan 2024 10:30:00 GMT", T0, 0, "GMT");
	check("Mon, 15 Jan 2024 10:30:00 UT", T0, 0, "UT");
	check("Mon, 15 Jan 2024 10:30:00 UTC", T0, 0, "UTC");
	check("Mon, 15 Jan 2024 05:30:00 EST", T0, -300, "EST");
	check("Mon, 15 Jan 2024 06:30:00 EDT", T0, -240, "EDT");
	check("Mon, 15 Jan 2024 04:30:00 CST", T0, -360, "CST");
	check("Mon, 15 Jan 2024 05:30:00 CDT", T0, -300, "CDT");
	check("Mon, 15 Jan 2024 03:30:00 MST", T0, -420, "MST");
	check("Mon, 15 Jan 2024 04:30:00 MDT", T0, -360, "MDT");
	check("Mon, 15 Jan 2024 02:30:00 PST", T0, -480, "PST");
	check("Mon, 15 Jan 2024 03:30:00 pdt", T0, -420, "pdt lower case");
	check("Mon, 15 Jan 2024 10:30:00 Z", T0, 0, "military Z");
	check("Mon, 15 Jan 2024 10:30:00 A", T0, 0, "military A read as -0000");
	check("Mon, 15 Jan 2024 11:30:00 +0100 (CET)", T0, 60, "comment after zone");
	check("Mon, 15 Jan 2024 11:30:00 CET", T0, 60, "CET");
	check("Mon (Monday), 15 Jan (January) 2024 10:30:00 +0000", T0, 0,
	      "comments anywhere");
}

static void test_real_world(void)
{
	check("Mon Jan 15 10:30:00 2024", T0, 0, "asctime");
	check("Mon Jan 15 10:30:00 2024 +0000", T0, 0, "asctime with zone");
	check("Jan 15 2024 10:30:00", T0, 0, "month before day");
	check("MON, 15 JAN 2024 10:30:00 +0000", T0, 0, "upper case");
	check("mon, 15 jan 2024 10:30:00 +0000", T0, 0, "lower case");
	check("Monday, 15 January 2024 10:30:00 +0000", T0, 0, "full names");
	check("15 Sept 2024 00:00:00 +0000", 1726358400, 0, "Sept");
	check("2024-01-15 10:30:00", T0, 0, "ISO-like, no zone");
	check("2024-01-15T10:30:00Z", T0, 0, "ISO 8601 Z");
	check("2024-01-15T11:30:00+01:00", T0, 60, "ISO 8601 offset with colon");
	check("2024-01-15T10:30:00.123-00:00", T0, 0, "ISO 8601 fraction");
	check("2024/01/15 10:30", T0, 0, "slashes");
	check("15.01.2024 11:30 +0100", T0, 60, "dotted German form");
	check("15-Jan-2024 10:30:00 +0000", T0, 0, "IMAP-like");
	check("Mon, 15 Jan 2024 10:30:00 +0000 (GMT+00:00) junk junk", T0, 0,
	      "trailing junk");
	check("Mon, 15 Jan 2024 10:30:00 +0100 EST", T0 - 3600, 60,
	      "numeric zone wins over a name");
	check("Mon, 15 Jan 2024 10:30 AM +0000", T0, 0, "AM");
	check("Mon, 15 Jan 2024 10:30 PM +0000", T0 + 12 * 3600, 0, "PM");
	check("Mon, 15 Jan 2024 12:00 AM +0000", T0 - 10 * 3600 - 1800, 0, "12 AM");
	check("Mon, 15 Jan 2024", T0 - 10 * 3600 - 1800, 0, "no time");
	check("Mon, 15 Jan 2024 10:30:00 +530", T0 - 330 * 60, 330, "3-digit zone");
	check("Mon, 15 Jan 2024 10:30:00 +99999", T0, 0, "bad zone ignored");
	check("Mon, 15 Jan 2024 10:30:00 +2500", T0, 0, "out-of-range zone ignored");
	check("Wed, 15 Jan 2024 10:30:00 +0000", T0, 0, "wrong weekday ignored");
	check("1 Mar 2024 00:00:00 +0000", 1709251200, 0, "March after a leap February");
	check("Thu, 01 Jan 1970 00:00:00 +0000", 0, 0, "the epoch");
	check("Wed, 31 Dec 1969 23:59:59 +0000", -1, 0, "before the epoch");
}

static void test_bad(void)
{
	bad("", "empty");
	bad("garbage", "word");
	bad("Mon, 15 2024 10:30:00", "no month");
	bad("Mon, Jan 2024 10:30:00", "no day");
	bad("15 Jan", "no year");
	bad("32 Jan 2024", "day 32");
	bad("0 Jan 2024", "day 0");
	bad("15 Jan 12345", "5-digit year");
	bad("15 Jan 999999999999", "huge number");
	bad("Ja 15 2024", "two-letter month");
	bad("2024-13-01", "month 13");
	{
		char nul[] = "15 Jan\0 2024";
		int64_t t;

		ok(date_parse(nul, sizeof nul - 1, &t, NULL) && t == 1705276800,
		   "NUL byte is junk");
	}
	{
		struct buf b = BUF_INIT;
		int64_t t;

		for (int i = 0; i < 100000; i++)
			buf_puts(&b, "(((");
		buf_puts(&b, "15 Jan 2024");
		ok(!date_parse(b.data, b.len, &t, NULL), "date past the length limit ignored");
		buf_free(&b);
	}
}

static void test_from_line(void)
{
	const char *l = "From alice@example.org Mon Jan 15 10:30:00 2024\nDate: x";
	int64_t t = 0;

	ok(date_parse_from_line(l, strlen(l), &t) && t == T0, "From line date");
	l = "From 2023@example.org Mon Jan 15 10:30:00 2024";
	ok(date_parse_from_line(l, strlen(l), &t) && t == T0, "numeric sender skipped");
	ok(!date_parse_from_line("Subject: x", 10, &t), "not a From line");
	ok(!date_parse_from_line("From x\n15 Jan 2024", 18, &t), "stops at line end");
}

static void test_prefixes(void)
{
	const char *in = "Mon, 15 Jan 2024 11:30:00 +0100 (CET)";
	size_t n = strlen(in), parsed = 0;

	for (size_t k = 0; k <= n; k++) {
		int64_t t;

		parsed += date_parse(in, k, &t, NULL);
	}
	/* From "Mon, 15 Jan 2" on, every prefix has a date (a 1-3 digit
	 * year is an obsolete short year). */
	is_int(parsed, n + 1 - 13, "prefixes with a full date parse");
}

int main(void)
{
	test_civil();
	test_rfc5322();
	test_obsolete();
	test_real_world();
	test_bad();
	test_from_line();
	test_prefixes();
	return tap_done();
}
