/* date.h - dates as mail writes them, to Unix time.
 *
 * Accepts RFC 5322 dates and what real mail and mbox files hold besides:
 * no weekday, two- and three-digit years (RFC 5322 4.3: 00-49 is 20xx,
 * 50-99 and three digits add 1900), named zones (UT, GMT, UTC, the US
 * zones, a few common European and Asian ones; military letters count as
 * +0000 as RFC 5322 advises), no seconds, no zone (taken as UTC), junk
 * and comments such as "(CET)", month and day in either order, month
 * names in any case, ISO-like "2024-01-15T10:30:00+01:00", "15.01.2024",
 * "15-Jan-2024" and the asctime form of mbox "From " lines.  "-0000" and
 * "+0000" both give offset 0.  Calendar arithmetic is done here (no
 * timegm, no locale, no TZ). */
#ifndef PETREL_DATE_H
#define PETREL_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Only this many bytes of a date are looked at. */
#define DATE_MAX_LEN 256

/* Parses the n bytes at s.  On success stores the Unix time in *t and the
 * zone offset in minutes east of UTC in *tz (either may be NULL) and
 * returns true; returns false (storing nothing) when no date with a year,
 * a month and a day in range (years 1000-9999) is found. */
bool date_parse(const char *s, size_t n, int64_t *t, int *tz);

/* Days from 1970-01-01 to the given proleptic Gregorian date (month
 * 1-12, day 1-31; days past the month's end roll over). */
int64_t date_days_from_civil(int64_t year, int month, int day);

/* Parses the date of an mbox "From " line ("From addr Mon Jan 15 10:30:00
 * 2024"); n bytes at line, which may run past the line end. */
bool date_parse_from_line(const char *line, size_t n, int64_t *t);

#endif
