/* date.c - dates as mail writes them, to Unix time, with our own calendar
 * arithmetic. */
#include "config.h"

#include <string.h>

#include "date.h"
#include "util.h"
#include "lex822.h"

struct parsed {
	int year, month, day, hour, min, sec;
	int year_digits;
	int tz;
	bool have_year, have_month, have_day, have_time;
	bool have_tz, have_named_tz;
};

static const char *const months[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static const char *const weekdays[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday",
};

static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "ut", 0 }, { "gmt", 0 }, { "utc", 0 }, { "z", 0 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
	{ "akst", -540 }, { "akdt", -480 }, { "hst", -600 },
	{ "wet", 0 }, { "west", 60 }, { "bst", 60 },
	{ "cet", 60 }, { "cest", 120 }, { "met", 60 }, { "mest", 120 },
	{ "mez", 60 }, { "mesz", 120 }, { "eet", 120 }, { "eest", 180 },
	{ "msk", 180 }, { "sgt", 480 }, { "hkt", 480 }, { "jst", 540 },
	{ "kst", 540 }, { "awst", 480 }, { "acst", 570 }, { "aest", 600 },
	{ "aedt", 660 }, { "nzst", 720 }, { "nzdt", 780 },
};

int64_t date_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	/* Count years from March, so the leap day is the last of a year,
	 * in 400-year eras of 146097 days. */
	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;	/* 719468: 0000-03-01 to 1970 */
}

/* Reads up to 9 digits at s[*i] (more are consumed but saturate). */
static int number(const char *s, size_t n, size_t *i, int *ndigits)
{
	int v = 0, nd = 0;

	while (*i < n && ascii_isdigit((unsigned char)s[*i])) {
		if (nd < 9)
			v = v * 10 + (s[*i] - '0');
		nd++;
		(*i)++;
	}
	*ndigits = nd;
	return v;
}

static bool digit_at(const char *s, size_t n, size_t i)
{
	return i < n && ascii_isdigit((unsigned char)s[i]);
}

/* "hh:mm[:ss][.frac]" with s[*i] at the ':' after the hour. */
static void parse_time(struct parsed *d, int hour, const char *s, size_t n, size_t *i)
{
	int min, sec = 0, nd;

	if (!digit_at(s, n, *i + 1))
		return;
	(*i)++;
	min = number(s, n, i, &nd);
	if (*i < n && s[*i] == ':' && digit_at(s, n, *i + 1)) {
		(*i)++;
		sec = number(s, n, i, &nd);
		if (*i < n && (s[*i] == '.' || s[*i] == ',') && digit_at(s, n, *i + 1)) {
			(*i)++;
			number(s, n, i, &nd);
		}
	}
	if (d->have_time || hour > 24 || min > 59 || sec > 60)
		return;
	d->hour = hour;
	d->min = min;
	d->sec = sec;
	d->have_time = true;
}

/* "+hhmm", "-hh:mm", "+hh", with s[*i] at the sign. */
static void parse_zone(struct parsed *d, const char *s, size_t n, size_t *i)
{
	int sign = s[*i] == '-' ? -1 : 1, v, nd, h, m = 0;

	(*i)++;
	v = number(s, n, i, &nd);
	if (nd == 4 || nd == 3) {
		h = v / 100;
		m = v % 100;
	} else if (nd == 1 || nd == 2) {
		h = v;
		if (*i + 2 < n && s[*i] == ':' && digit_at(s, n, *i + 1) &&
		    digit_at(s, n, *i + 2)) {
			(*i)++;
			m = number(s, n, i, &nd);
			if (nd != 2)
				return;
		}
	} else {
		return;
	}
	if (h > 23 || m > 59)
		return;
	d->tz = sign * (h * 60 + m);
	d->have_tz = true;
}

static bool word_is(const char *w, size_t wl, const char *name)
{
	return strlen(name) == wl && ascii_strncasecmp(w, name, wl) == 0;
}

/* Month or weekday names: three letters or more of the full name. */
static bool abbrev_of(const char *w, size_t wl, const char *full)
{
	return wl >= 3 && wl <= strlen(full) && ascii_strncasecmp(w, full, wl) == 0;
}

static void parse_word(struct parsed *d, const char *w, size_t wl)
{
	for (int k = 0; k < 12; k++)
		if (abbrev_of(w, wl, months[k]) || (k == 8 && word_is(w, wl, "sept"))) {
			if (!d->have_month) {
				d->month = k + 1;
				d->have_month = true;
			}
			return;
		}
	for (int k = 0; k < 7; k++)
		if (abbrev_of(w, wl, weekdays[k]))
			return;
	if (d->have_time && (word_is(w, wl, "am") || word_is(w, wl, "pm"))) {
		if (d->hour == 12)
			d->hour = 0;
		if (ascii_tolower((unsigned char)w[0]) == 'p' && d->hour < 12)
			d->hour += 12;
		return;
	}
	if (d->have_tz || d->have_named_tz)
		return;
	for (size_t k = 0; k < ARRAY_LEN(zones); k++)
		if (word_is(w, wl, zones[k].name)) {
			d->tz = zones[k].minutes;
			d->have_named_tz = true;
			return;
		}
	/* Military zones: their signs were defined backwards in RFC 822,
	 * so RFC 5322 says to read them as -0000. */
	if (wl == 1 && d->have_time && ascii_tolower((unsigned char)w[0]) != 'j') {
		d->tz = 0;
		d->have_named_tz = true;
	}
}

/* A number not followed by ':': a day or a year, or the start of an ISO
 * "yyyy-mm-dd" or a "dd.mm.yyyy" date. */
static void parse_number(struct parsed *d, int v, int nd, const char *s, size_t n,
			 size_t *i)
{
	if (nd == 4 && *i + 1 < n && (s[*i] == '-' || s[*i] == '/') &&
	    digit_at(s, n, *i + 1) && !d->have_month) {
		char sep = s[*i];
		int m, day = 0, nd2, nd3 = 0;

		(*i)++;
		m = number(s, n, i, &nd2);
		if (*i < n && s[*i] == sep && digit_at(s, n, *i + 1)) {
			(*i)++;
			day = number(s, n, i, &nd3);
		}
		if (nd2 > 2 || nd3 == 0 || nd3 > 2 || m < 1 || m > 12)
			return;
		d->year = v;
		d->year_digits = 4;
		d->month = m;
		d->day = day;
		d->have_year = d->have_month = d->have_day = true;
		if (*i + 1 < n && (s[*i] == 'T' || s[*i] == 't') && digit_at(s, n, *i + 1))
			(*i)++;
		return;
	}
	if (nd <= 2 && *i + 1 < n && s[*i] == '.' && digit_at(s, n, *i + 1) &&
	    !d->have_month && !d->have_day) {
		int m, y, nd2, nd3 = 0;

		(*i)++;
		m = number(s, n, i, &nd2);
		if (*i >= n || s[*i] != '.' || !digit_at(s, n, *i + 1))
			return;
		(*i)++;
		y = number(s, n, i, &nd3);
		if (nd2 > 2 || m < 1 || m > 12 || nd3 < 2 || nd3 > 4 || d->have_year)
			return;
		d->day = v;
		d->month = m;
		d->year = y;
		d->year_digits = nd3;
		d->have_day = d->have_month = d->have_year = true;
		return;
	}
	if (nd >= 3 || v > 31) {
		if (!d->have_year) {
			d->year = v;
			d->year_digits = nd;
			d->have_year = true;
		}
	} else if (!d->have_day) {
		d->day = v;
		d->have_day = true;
	} else if (!d->have_year) {
		d->year = v;
		d->year_digits = nd;
		d->have_year = true;
	}
}


bool date_parse(const char *s, size_t n, int64_t *t, int *tz)
{
	struct parsed d;
	size_t i = 0;
	int64_t year, secs;

	memset(&d, 0, sizeof d);
	if (n > DATE_MAX_LEN)
		n = DATE_MAX_LEN;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '(') {
			i = lex822_skip_comment(s, n, i);
		} else if (ascii_isdigit(c)) {
			int nd, v = number(s, n, &i, &nd);

			if (i < n && s[i] == ':' && nd <= 2)
				parse_time(&d, v, s, n, &i);
			else if (nd <= 9)
				parse_number(&d, v, nd, s, n, &i);
		} else if ((c == '+' || c == '-') && d.have_time && !d.have_tz &&
			   digit_at(s, n, i + 1)) {
			parse_zone(&d, s, n, &i);
		} else if (ascii_isalpha(c)) {
			size_t start = i;

			while (i < n && ascii_isalpha((unsigned char)s[i]))
				i++;
			/* Letters glued to digits ("user1") are not a word. */
			if (i < n && ascii_isdigit((unsigned char)s[i]) &&
			    !(i - start == 1 && (c == 'T' || c == 't'))) {
				while (i < n && ascii_isalnum((unsigned char)s[i]))
					i++;
				continue;
			}
			parse_word(&d, s + start, i - start);
		} else {
			i++;
		}
	}
	if (!d.have_year || !d.have_month || !d.have_day || d.day < 1 || d.day > 31)
		return false;
	year = d.year;
	if (d.year_digits <= 2)
		year += year < 50 ? 2000 : 1900;
	else if (d.year_digits == 3)
		year += 1900;
	if (year < 1000 || year > 9999)
		return false;
	secs = date_days_from_civil(year, d.month, d.day) * 86400 +
	       (int64_t)d.hour * 3600 + d.min * 60 + d.sec - (int64_t)d.tz * 60;
	if (t != NULL)
		*t = secs;
	if (tz != NULL)
		*tz = d.tz;
	return true;
}

bool date_parse_from_line(const char *line, size_t n, int64_t *t)
{
	const char *nl = memchr(line, '\n', n);
	size_t i = 5;

	if (nl != NULL)
		n = (size_t)(nl - line);
	if (n < 5 || memcmp(line, "From ", 5) != 0)
		return false;
	/* Skip the envelope sender. */
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (i < n && line[i] != ' ' && line[i] != '\t')
		i++;
	return date_parse(line + i, n - i, t, NULL);
}
