/* test-query.c - the search language against a real archive: every field,
 * ranges, negation, combinations, and the errors for bad values. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "msgflags.h"
#include "query.h"
#include "store.h"
#include "util.h"
#include "../tap.h"

static struct store *st;
static time_t now;

struct fixture {
	const char *from, *to, *subject, *date, *body, *extra;
	unsigned flags;
	const char *account;
	size_t pad;	/* extra body bytes, for size: */
};

/* Ids are 1..N in this order. */
static const struct fixture msgs[] = {
	{ "Jane Doe <jane@example.org>", "bob@example.org", "Quarterly report",
	  "Mon, 15 Jan 2024 10:00:00 +0000", "the numbers are in", "", 0, "home", 0 },
	{ "Bob <bob@example.org>", "jane@example.org", "Re: Quarterly report",
	  "Tue, 20 Feb 2024 10:00:00 +0000", "thanks", "", 1, "home", 0 },
	{ "=?utf-8?q?Ren=C3=A9e_Fran=C3=A7ois?= <renee@example.fr>", "jane@example.org",
	  "=?utf-8?b?Q2Fmw6kgbWVldGluZw==?=", "Fri, 15 Mar 2024 10:00:00 +0000", "croissants",
	  "", 4, "work", 0 },
	{ "list@lists.example.com", "dev@lists.example.com", "[dev] patch: fix parser",
	  "Mon, 1 Apr 2024 10:00:00 +0000", "diff", "Content-Type: multipart/mixed; boundary=zz\n",
	  1, "work", 2 * 1024 * 1024 },
	{ "carol@example.net", "jane@example.org", "Holiday photos",
	  "Sat, 1 Jun 2024 10:00:00 +0000", "see attached",
	  "Content-Type: multipart/mixed; boundary=zz\n", 16, NULL, 0 },
	{ "dave@example.com", "jane@example.org", "Old thread",
	  "Wed, 1 Jan 2020 10:00:00 +0000", "ancient", "", 1 | 2, "home", 0 },
};

static void fill(const char *path)
{
	struct error *e = NULL;

	if (store_open(&st, path, STORE_CREATE, &e) != 0) {
		diag("%s", e->msg);
		exit(1);
	}
	for (size_t i = 0; i < ARRAY_LEN(msgs); i++) {
		const struct fixture *f = &msgs[i];
		char *pad = xmalloc(f->pad + 1);
		char *raw;
		const char *attach = strstr(f->extra, "boundary=zz") ?
			"--zz\nContent-Type: text/plain\n\nhi\n--zz\nContent-Type: image/jpeg\n"
			"Content-Disposition: attachment; filename=\"beach.jpg\"\n\n/9j/\n--zz--\n" : "";

		memset(pad, 'x', f->pad);
		pad[f->pad] = '\0';
		raw = xasprintf("From: %s\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: <m%zu@test>\n%s\n%s\n%s%s\n",
				f->from, f->to, f->subject, f->date, i + 1, f->extra, f->body,
				attach, pad);
		struct store_new m = { .raw = raw, .len = strlen(raw), .flags = f->flags,
				       .account = f->account };

		if (store_add(st, &m, NULL, &e) < 0) {
			diag("%s", e->msg);
			exit(1);
		}
		free(raw);
		free(pad);
	}
}

static enum store_order order = STORE_ORDER_DATE;
static bool listing;	/* read the listing columns only */

/* Runs q and returns the matching ids as "1,3,5" (in `order`). */
static char *run(const char *q, struct error **errp)
{
	struct query cq;
	struct store_cursor *cur = NULL;
	struct store_query sq;
	struct store_row row = { 0 };
	struct error *e = NULL;
	char *out = xstrdup("");
	int rc;

	if (query_compile(q, now, &cq, &e) != 0) {
		if (errp)
			*errp = e;
		else
			error_free(&e);
		free(out);
		return NULL;
	}
	sq = (struct store_query) {
		.where = cq.where,
		.params = (const char *const *)cq.params,
		.nparams = cq.nparams,
		.fts_match = cq.fts_match,
		.order = order,
		.listing = listing,
	};
	if (store_query_open(st, &sq, &cur, &e) != 0) {
		diag("open %s: %s", q, e->msg);
		error_free(&e);
		query_free(&cq);
		free(out);
		return NULL;
	}
	for (;;) {
		int64_t id;
		char *n;

		if (listing) {
			struct store_listing l;

			if ((rc = store_query_next_listing(cur, &l, &e)) <= 0)
				break;
			id = l.id;
		} else {
			if ((rc = store_query_next(cur, &row, &e)) <= 0)
				break;
			if (row.to_json == NULL || row.sha256[0] == '\0')
				diag("full row %lld lacks fields", (long long)row.id);
			id = row.id;
			store_row_clear(&row);
		}
		n = xasprintf("%s%s%lld", out, *out ? "," : "", (long long)id);
		free(out);
		out = n;
	}
	if (rc < 0) {
		diag("next %s: %s", q, e->msg);
		if (errp)
			*errp = e;
		else
			error_free(&e);
		free(out);
		out = NULL;
	}
	store_query_close(&cur);
	query_free(&cq);
	return out;
}

static void expect(const char *q, const char *want)
{
	char *got = run(q, NULL);

	is_str(got, want, "search %s", q);
	free(got);
}

static void expect_error(const char *q, const char *words)
{
	struct error *e = NULL;
	char *got = run(q, &e);

	ok(got == NULL && e != NULL && strstr(e->msg, words) != NULL,
	   "search %s is an error mentioning \"%s\" (%s)", q, words, e ? e->msg : "no error");
	ok(e == NULL || e->kind == ERR_USAGE, "  ... a usage error");
	free(got);
	error_free(&e);
}

/* ---- a term in much of the archive (the index-walking plan) ---- */

#define DENSE_N 10000

struct dense_key {
	int64_t thread_date, pair, date, id;
};

static int64_t dense_date(int i)
{
	return 1500000000 + (int64_t)((i * 7919) % DENSE_N) * 3600;
}

/* Message i (1-based): "common" in half, "rare" in one in a hundred;
 * each even message replies to the odd one before it; one in seven is
 * trashed. */
static void dense_fill(const char *path)
{
	struct error *e = NULL;

	if (store_open(&st, path, STORE_CREATE, &e) != 0 || store_begin(st, &e) != 0) {
		diag("%s", e->msg);
		exit(1);
	}
	for (int i = 1; i <= DENSE_N; i++) {
		char *reply = i % 2 == 0 ? xasprintf("In-Reply-To: <d%d@test>\n", i - 1) : xstrdup("");
		time_t t = (time_t)dense_date(i);
		struct tm tm;
		char date[64], *raw;

		gmtime_r(&t, &tm);
		strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
		raw = xasprintf("From: user%d@example.org\nTo: x@example.org\nSubject: m%d%s%s\n"
				"Date: %s\nMessage-ID: <d%d@test>\n%s\nbody\n", i % 50, i,
				i % 2 == 0 ? " common" : "", i % 100 == 0 ? " rare" : "", date, i,
				reply);
		struct store_new m = { .raw = raw, .len = strlen(raw),
				       .flags = i % 7 == 0 ? MSG_TRASHED : 0 };

		if (store_add(st, &m, NULL, &e) < 0) {
			diag("%s", e->msg);
			exit(1);
		}
		free(raw);
		free(reply);
	}
	if (store_commit(st, &e) != 0) {
		diag("%s", e->msg);
		exit(1);
	}
}

static int dense_cmp(const void *a, const void *b)
{
	const struct dense_key *x = a, *y = b;
	const int64_t ka[] = { x->thread_date, x->pair, x->date, x->id };
	const int64_t kb[] = { y->thread_date, y->pair, y->date, y->id };

	for (size_t i = 0; i < ARRAY_LEN(ka); i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
}

/* The ids of the untrashed messages every'th of which matches, in date
 * or thread order, worked out here from how dense_fill made them. */
static char *dense_expected(int every, bool threads)
{
	struct dense_key *k = xcalloc(DENSE_N, sizeof *k);
	struct buf b = BUF_INIT;
	size_t n = 0;

	for (int i = 1; i <= DENSE_N; i++) {
		int first = i % 2 == 0 ? i - 1 : i;
		int64_t a = dense_date(first), c = dense_date(first + 1);

		if (i % every != 0 || i % 7 == 0)
			continue;
		k[n++] = (struct dense_key) {
			.thread_date = threads ? (a > c ? a : c) : 0,
			.pair = threads ? first : 0,
			.date = dense_date(i),
			.id = i,
		};
	}
	qsort(k, n, sizeof *k, dense_cmp);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%lld", i > 0 ? "," : "", (long long)k[i].id);
	free(k);
	return buf_steal(&b, NULL);
}

static void dense_expect(const char *q, int every)
{
	for (int threads = 0; threads <= 1; threads++) {
		char *want = dense_expected(every, threads);

		order = threads ? STORE_ORDER_THREAD : STORE_ORDER_DATE;
		for (int l = 0; l <= 1; l++) {
			char *got;

			listing = l;
			got = run(q, NULL);
			ok(got != NULL && strcmp(got, want) == 0, "%s in %s order, %s rows",
			   q, threads ? "thread" : "date", l ? "listing" : "full");
			free(got);
		}
		free(want);
	}
	order = STORE_ORDER_DATE;
	listing = false;
}

static void dense_tests(const char *dir)
{
	char *path = xasprintf("%s/dense.db", dir);

	dense_fill(path);
	dense_expect("common", 2);	/* half the archive: walks the index */
	dense_expect("rare", 100);	/* one in a hundred: sorts the hits */
	dense_expect("subject:common", 2);
	{
		char *got = run("common m10", NULL);

		is_str(got, "10", "a dense term with a rare one");
		free(got);
		got = run("common -m10", NULL);
		ok(got != NULL && strstr(got, ",10,") == NULL && strstr(got, ",12,") != NULL,
		   "a dense term less a rare one");
		free(got);
	}
	store_close(&st);
	free(path);
}

int main(void)
{
	char tmpl[] = "/tmp/petrel-query-XXXXXX";
	char *path;

	setenv("TZ", "UTC", 1);
	tzset();
	now = 1718000000; /* 2024-06-10 */
	if (mkdtemp(tmpl) == NULL)
		return 1;
	path = xasprintf("%s/a.db", tmpl);
	fill(path);

	expect("", "6,1,2,3,4");
	expect("quarterly", "1,2");
	expect("croissants", "3");
	expect("body:croissants", "3");
	expect("body:quarterly", "");
	expect("numbers report", "1");
	expect("-croissants date:2024-03", "");
	expect("Quarterly report", "1,2");
	expect("\"re: quarterly\"", "2");
	expect("quart*", "1,2");
	expect("from:jane", "1");
	expect("from:jane@example.org", "1");
	expect("to:jane@example.org", "6,2,3");
	expect("from:renee", "3");
	expect("from:Renée", "3");
	expect("from:renee subject:café", "3");
	expect("subject:cafe", "3");
	expect("subject:report -from:bob", "1");
	expect("subject:report NOT from:bob", "1");
	expect("date:2024", "1,2,3,4");
	expect("date:2024-01..2024-03", "1,2,3");
	expect("date:2024-02", "2");
	expect("date:2024-03-15", "3");
	expect("date:..2023-12-31", "6");
	expect("date:2024-03..", "3,4");
	expect("date:30d..", "");
	expect("date:1y..", "1,2,3,4");
	expect("is:unread", "1,3");
	expect("is:read", "6,2,4");
	expect("is:flagged", "3");
	expect("is:answered", "6");
	expect("-is:unread date:2024", "2,4");
	expect("is:trashed", "5");
	expect("holiday", "");
	expect("holiday is:trashed", "5");
	expect("has:attachment", "4");
	expect("has:attachment is:trashed", "5");
	expect("account:home", "6,1,2");
	expect("account:work is:read", "4");
	expect("-account:home", "3,4");
	expect("size:>1M", "4");
	expect("size:<1k", "6,1,2,3");
	expect("size:1M..3M", "4");
	expect("id:<m3@test>", "3");
	expect("id:m3@test", "3");
	expect("re:", "2");
	expect("\"a \"\"quoted\"\" word\"", "");
	expect("AND OR NOT NEAR(", "");
	expect("{subject} : x", "");
	expect_error("date:yesterdayish", "date:yesterdayish");
	expect_error("date:2024-13", "not a date");
	expect_error("size:big", "not a size");
	expect_error("is:shiny", "is:shiny");
	expect_error("has:cats", "has:cats");
	expect_error("from:", "needs a value");
	expect_error("thread:abc", "thread number");
	/* A late reply to message 1 moves its thread to the end in thread
	 * order (threads by latest activity), not in date order. */
	{
		const char *raw = "From: bob@example.org\nTo: jane@example.org\n"
				  "Subject: Re: Quarterly report\nMessage-ID: <late@test>\n"
				  "In-Reply-To: <m1@test>\nDate: Mon, 1 Jul 2024 10:00:00 +0000\n\nlate\n";
		struct store_new m = { .raw = raw, .len = strlen(raw) };

		ok(store_add(st, &m, NULL, NULL) == STORE_ADDED, "a late reply to message 1");
		expect("", "6,1,2,3,4,7");
		order = STORE_ORDER_THREAD;
		expect("", "6,2,3,4,1,7");
		expect("report", "2,1,7");
		order = STORE_ORDER_DATE;
		expect("report", "1,2,7");
		listing = true;
		expect("report", "1,2,7");
		expect("", "6,1,2,3,4,7");
		listing = false;
		{
			const struct store_query sq = { .where = "1", .listing = true };
			struct store_cursor *cur = NULL;
			struct store_row row = { 0 };
			struct error *e = NULL;

			ok(store_query_open(st, &sq, &cur, &e) == 0 &&
			   store_query_next(cur, &row, &e) < 0 && e != NULL &&
			   e->kind == ERR_INTERNAL, "a listing cursor has no full rows to give");
			error_free(&e);
			store_query_close(&cur);
		}
	}
	store_close(&st);
	dense_tests(tmpl);
	{
		char *cmd = xasprintf("rm -rf '%s'", tmpl);

		if (system(cmd) != 0)
			diag("cleanup failed");
		free(cmd);
	}
	free(path);
	return tap_done();
}
