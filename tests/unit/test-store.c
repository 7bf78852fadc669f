/* test-store.c - the archive: creation, dedupe, byte-exact storage,
 * threading (including parents that arrive late), flags and counters,
 * keyset windows, schema migration, id resolution, integrity check, and a reader and a
 * writer in two processes, the full-text index's merging, and a batch
 * lost to a refused insert. */
#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "util.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/petrel-store-XXXXXX";

static char *make_msg(const char *mid, const char *irt, const char *refs,
		      const char *date, const char *subject)
{
	return xasprintf("From: Jane Doe <jane@example.org>\n"
			 "To: Bob <bob@example.org>, carol@example.net\n"
			 "Subject: %s\n"
			 "Date: %s\n"
			 "%s%s%s"
			 "%s%s%s"
			 "%s%s%s"
			 "\n"
			 "Body of %s\n",
			 subject, date,
			 mid ? "Message-ID: <" : "", mid ? mid : "", mid ? ">\n" : "",
			 irt ? "In-Reply-To: <" : "", irt ? irt : "", irt ? ">\n" : "",
			 refs ? "References: " : "", refs ? refs : "", refs ? "\n" : "",
			 subject);
}

static int64_t add(struct store *st, const char *raw, unsigned flags,
		   const char *account, int *result)
{
	struct store_new m = { .raw = raw, .len = strlen(raw), .flags = flags,
			       .account = account };
	struct error *e = NULL;
	int64_t id = 0;
	int rc = store_add(st, &m, &id, &e);

	if (rc < 0) {
		diag("store_add: %s", e->msg);
		error_free(&e);
	}
	if (result)
		*result = rc;
	return id;
}

static int64_t thread_of(struct store *st, int64_t id)
{
	struct store_row r = { 0 };
	int64_t t;

	if (store_get_row(st, id, &r, NULL) != 0)
		return -1;
	t = r.thread_id;
	store_row_clear(&r);
	return t;
}

/* The first column of the first row of sql, run on the archive file
 * directly; -1 when there is none. */
static int64_t sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t v = -1;

	sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

/* Runs sql on the file directly, behind the store's back (creating the
 * file if need be); whether it worked. */
static bool sql_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	sqlite3_open(path, &db);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK;
}

static void test_create(const char *path)
{
	struct store *st = NULL;
	struct error *e = NULL;
	struct stat sb;
	sqlite3 *db;
	sqlite3_stmt *s;

	umask(022);
	is_int(store_open(&st, path, STORE_READONLY, &e), -1, "read-only open of a missing file fails");
	ok(e && e->kind == ERR_NOTFOUND, "with a not-found error");
	error_free(&e);
	is_int(store_open(&st, path, STORE_CREATE, &e), 0, "create");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "created 0600 despite umask 022");
	store_close(&st);
	ok(st == NULL, "close clears the pointer");

	sqlite3_open(path, &db);
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
	sqlite3_step(s);
	is_str((const char *)sqlite3_column_text(s, 0), "wal", "WAL mode");
	sqlite3_finalize(s);
	sqlite3_close(db);
	is_int(sql_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION,
	       "schema version recorded");
}

static void test_refusals(void)
{
	struct store *st = NULL;
	struct error *e = NULL;
	char *p = xasprintf("%s/not-sqlite", tmpdir);
	char *q = xasprintf("%s/future.db", tmpdir);
	FILE *f = fopen(p, "w");

	fputs("From jane Mon Jan  1 00:00:00 2024\nthis is an mbox, not an archive\n", f);
	fclose(f);
	is_int(store_open(&st, p, 0, &e), -1, "a non-SQLite file is refused");
	ok(e && strstr(e->msg, "not a Petrel archive") != NULL, "with a clear sentence: %s",
	   e ? e->msg : "");
	error_free(&e);

	sql_exec(q, "PRAGMA user_version = 99");
	is_int(store_open(&st, q, 0, &e), -1, "a newer schema is refused");
	ok(e && strstr(e->msg, "upgrade Petrel") != NULL, "telling the user to upgrade");
	error_free(&e);

	is_int(store_open(&st, tmpdir, STORE_CREATE, &e), -1, "a directory is refused");
	error_free(&e);
	free(p);
	free(q);
}

static void test_dedupe(struct store *st)
{
	char *a = make_msg("a@x", NULL, NULL, "Mon, 1 Jan 2024 10:00:00 +0000", "First");
	static const char bin[] = "Subject: binary\n\nnul\0byte\r\n\xff\xfe end";
	struct store_new m = { .raw = bin, .len = sizeof bin - 1, .fallback_date = 1234 };
	int64_t id1, id2, idb = 0, n;
	int r;
	char *raw = NULL;
	size_t len = 0;
	struct store_row row = { 0 };

	id1 = add(st, a, 0, "home", &r);
	is_int(r, STORE_ADDED, "first copy added");
	id2 = add(st, a, MSG_SEEN, "work", &r);
	is_int(r, STORE_DUPLICATE, "same bytes are a duplicate");
	is_int(id2, id1, "duplicate resolves to the stored message");
	store_account_count(st, "home", &n, NULL);
	is_int(n, 1, "account home has it");
	store_account_count(st, "work", &n, NULL);
	is_int(n, 1, "account work has it too (recorded on the duplicate)");

	is_int(store_add(st, &m, &idb, NULL), STORE_ADDED, "binary message added");
	ok(store_get_raw(st, idb, &raw, &len, NULL) == 0 && len == sizeof bin - 1 &&
	   memcmp(raw, bin, len) == 0, "raw bytes come back exactly, NUL and all");
	free(raw);
	store_get_row(st, idb, &row, NULL);
	is_int(row.date, 1234, "missing Date: uses the fallback date");
	is_int(row.size, sizeof bin - 1, "size is the byte count");
	store_row_clear(&row);
	free(a);
}

/* Messages whose thread_date is not the latest date in their thread:
 * the thread order sorts by it, so it must be 0 after every insert. */
static int64_t stale_thread_dates(struct store *st)
{
	return sql_int(store_path(st), "SELECT count(*) FROM messages m WHERE thread_date != "
		       "(SELECT max(date) FROM messages WHERE thread_id = m.thread_id)");
}

static void test_threads(struct store *st)
{
	/* Replies arrive first; the parent comes last and joins them. */
	char *c = make_msg("c@x", "b@x", "<root@x> <b@x>", "Wed, 3 Jan 2024 10:00:00 +0000", "Re: Re: Root");
	char *d = make_msg("d@x", "root@x", NULL, "Thu, 4 Jan 2024 10:00:00 +0000", "Re: Root (other branch)");
	char *b = make_msg("b@x", "root@x", "<root@x>", "Tue, 2 Jan 2024 10:00:00 +0000", "Re: Root");
	char *root = make_msg("root@x", NULL, NULL, "Mon, 1 Jan 2024 09:00:00 +0000", "Root");
	char *lone = make_msg("lone@x", NULL, NULL, "Fri, 5 Jan 2024 10:00:00 +0000", "Alone");
	/* Two threads that only a late message shows are one. */
	char *p1 = make_msg("p1@y", "gone1@y", NULL, "Sat, 6 Jan 2024 10:00:00 +0000", "Re: lost");
	char *p2 = make_msg("p2@y", "gone2@y", NULL, "Sun, 7 Jan 2024 10:00:00 +0000", "Re: lost 2");
	char *joiner = make_msg("j@y", "gone2@y", "<gone1@y> <gone2@y>", "Mon, 8 Jan 2024 10:00:00 +0000", "Re: both");
	int64_t ic, id, ib, ir, il, ip1, ip2, ij;
	struct store_row *rows = NULL;
	size_t n = 0;

	/* An older joiner of two threads: all three sort by the newest. */
	char *q1 = make_msg("q1@z", "gone@z", NULL, "Wed, 10 Jan 2024 10:00:00 +0000", "Re: q");
	char *q2 = make_msg("q2@z", "also-gone@z", NULL, "Fri, 12 Jan 2024 10:00:00 +0000", "Re: q2");
	char *q3 = make_msg("q3@z", "also-gone@z", "<gone@z>", "Tue, 9 Jan 2024 10:00:00 +0000", "q");
	int64_t iq1, iq3;
	bool dated = true;

	ic = add(st, c, 0, NULL, NULL);
	dated &= stale_thread_dates(st) == 0;
	id = add(st, d, 0, NULL, NULL);
	dated &= stale_thread_dates(st) == 0;
	ok(thread_of(st, ic) == thread_of(st, id), "replies naming the same absent parent share a thread");
	ib = add(st, b, 0, NULL, NULL);
	dated &= stale_thread_dates(st) == 0;
	ir = add(st, root, 0, NULL, NULL);
	dated &= stale_thread_dates(st) == 0;
	ok(thread_of(st, ic) == thread_of(st, ir) && thread_of(st, id) == thread_of(st, ir) &&
	   thread_of(st, ib) == thread_of(st, ir), "the late parent joins both branches into one thread");
	il = add(st, lone, 0, NULL, NULL);
	ok(thread_of(st, il) != thread_of(st, ir), "an unrelated message has its own thread");
	store_thread_members(st, ib, &rows, &n, NULL);
	is_int(n, 4, "the thread has four members");
	ok(n == 4 && rows[0].id == ir && rows[3].id == id, "members come in date order");
	store_rows_free(rows, n);

	ip1 = add(st, p1, 0, NULL, NULL);
	ip2 = add(st, p2, 0, NULL, NULL);
	ok(thread_of(st, ip1) != thread_of(st, ip2), "two orphans apart");
	ij = add(st, joiner, 0, NULL, NULL);
	ok(thread_of(st, ip1) == thread_of(st, ip2) && thread_of(st, ij) == thread_of(st, ip1),
	   "a message referencing both merges their threads");
	dated &= stale_thread_dates(st) == 0;
	iq1 = add(st, q1, 0, NULL, NULL);
	add(st, q2, 0, NULL, NULL);
	iq3 = add(st, q3, 0, NULL, NULL);
	ok(thread_of(st, iq1) == thread_of(st, iq3), "an older message joins two threads");
	dated &= stale_thread_dates(st) == 0;
	ok(dated, "after every insert, each message's thread date is its thread's latest");
	free(c); free(d); free(b); free(root); free(lone); free(p1); free(p2); free(joiner);
	free(q1); free(q2); free(q3);
}

static void test_flags_counts(struct store *st)
{
	struct store_counts c;
	struct error *e = NULL;
	int64_t before_total, before_unread;

	store_counts(st, &c, NULL);
	before_total = c.total;
	before_unread = c.unread;
	ok(c.total >= 10, "counts total (%lld)", (long long)c.total);
	is_int(store_set_flags(st, 1, MSG_SEEN | MSG_FLAGGED, 0, NULL), 0, "set flags");
	store_counts(st, &c, NULL);
	is_int(c.unread, before_unread - 1, "unread count follows");
	is_int(c.flagged, 1, "flagged count follows");
	store_set_flags(st, 1, MSG_TRASHED, MSG_FLAGGED, NULL);
	store_counts(st, &c, NULL);
	is_int(c.flagged, 0, "clearing a flag");
	is_int(c.trashed, 1, "trashed count");
	is_int(c.total, before_total, "trash keeps the message");
	is_int(store_set_flags(st, 999999, MSG_SEEN, 0, &e), -1, "flags on a missing message");
	ok(e && e->kind == ERR_NOTFOUND, "not found");
	error_free(&e);
	store_set_flags(st, 1, 0, MSG_TRASHED, NULL);
}

static void test_windows(const char *path)
{
	struct store *st = NULL;
	struct store_row *rows = NULL, *more = NULL;
	size_t n = 0, m = 0;
	struct error *e = NULL;
	int64_t ids[100];
	int ok_order = 1;

	store_open(&st, path, STORE_CREATE, &e);
	store_begin(st, NULL);
	for (int i = 0; i < 100; i++) {
		/* Dates deliberately not in insertion order. */
		char date[64], mid[32], *raw;

		snprintf(date, sizeof date, "%d Feb 2024 %02d:%02d:00 +0000", 1 + (i * 7) % 28,
			 (i * 13) % 24, i % 60);
		snprintf(mid, sizeof mid, "w%d@x", i);
		raw = make_msg(mid, i % 3 ? NULL : "w0@x", NULL, date, "window");
		ids[i] = add(st, raw, 0, NULL, NULL);
		free(raw);
	}
	store_commit(st, NULL);
	(void)ids;

	store_window(st, STORE_ORDER_DATE, 0, true, false, 30, &rows, &n, NULL);
	is_int(n, 30, "first screen has 30 rows");
	for (size_t i = 1; i < n; i++)
		if (rows[i - 1].date > rows[i].date ||
		    (rows[i - 1].date == rows[i].date && rows[i - 1].id >= rows[i].id))
			ok_order = 0;
	ok(ok_order, "rows are in date order");
	store_window(st, STORE_ORDER_DATE, rows[n - 1].id, true, false, 30, &more, &m, NULL);
	is_int(m, 30, "next screen");
	ok(m > 0 && (more[0].date > rows[n - 1].date ||
		     (more[0].date == rows[n - 1].date && more[0].id > rows[n - 1].id)),
	   "next screen starts after the anchor");
	store_rows_free(rows, n);
	store_window(st, STORE_ORDER_DATE, more[0].id, false, false, 30, &rows, &n, NULL);
	is_int(n, 30, "screen before the anchor");
	ok(n > 0 && (rows[n - 1].date < more[0].date ||
		     (rows[n - 1].date == more[0].date && rows[n - 1].id < more[0].id)),
	   "backward window ends just before the anchor, in display order");
	store_rows_free(rows, n);
	store_rows_free(more, m);

	store_window(st, STORE_ORDER_DATE, 0, false, false, 10, &rows, &n, NULL);
	is_int(n, 10, "last screen");
	store_window(st, STORE_ORDER_DATE, rows[n - 1].id, true, false, 10, &more, &m, NULL);
	is_int(m, 0, "nothing after the last row");
	store_rows_free(rows, n);
	store_rows_free(more, m);

	store_window(st, STORE_ORDER_THREAD, 0, true, false, 200, &rows, &n, NULL);
	is_int(n, 100, "thread order lists every message");
	{
		/* Members of one thread are contiguous. */
		int contiguous = 1;

		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 2; j < n; j++)
				if (rows[i].thread_id == rows[j].thread_id &&
				    rows[i + 1].thread_id != rows[i].thread_id)
					contiguous = 0;
		ok(contiguous, "thread members are contiguous in thread order");
	}
	store_set_flags(st, rows[5].id, MSG_TRASHED, 0, NULL);
	store_rows_free(rows, n);
	store_window(st, STORE_ORDER_THREAD, 0, true, false, 200, &rows, &n, NULL);
	is_int(n, 99, "trashed messages are hidden from the index");
	store_rows_free(rows, n);
	store_window(st, STORE_ORDER_THREAD, 0, true, true, 200, &rows, &n, NULL);
	is_int(n, 100, "... unless asked for");
	store_rows_free(rows, n);
	store_close(&st);
}

/* The ids of every message in one order, as store_window lists them. */
static size_t window_ids(struct store *st, enum store_order order, int64_t *ids, size_t max)
{
	struct store_row *rows = NULL;
	size_t n = 0;

	if (store_window(st, order, 0, true, true, max, &rows, &n, NULL) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		ids[i] = rows[i].id;
	store_rows_free(rows, n);
	return n;
}

/* How many of the columns a listing reads (LISTING_COLUMNS in store.c)
 * and of the order keys the index carries. */
static int64_t listing_columns_in(const char *path, const char *index)
{
	char *q = xasprintf("SELECT count(*) FROM pragma_index_info('%s') WHERE name IN ("
			    "'date','id','size','thread_id','flags','has_attachment','partial',"
			    "'from_name','from_addr','subject','thread_date')", index);
	int64_t n = sql_int(path, q);

	free(q);
	return n;
}

/* Whether the archive lists exactly want, in order. */
static bool lists(struct store *st, enum store_order order, const int64_t *want, size_t n)
{
	int64_t got[200];

	return window_ids(st, order, got, 200) == n && memcmp(got, want, n * sizeof *got) == 0;
}

/* An archive of schema version 1 (the order indexes on their keys only)
 * is read as it is by a reader and upgraded by the first writer, with
 * its messages, orders and counts unchanged. */
static void test_migration(const char *path)
{
	static const char downgrade[] =
		"DROP INDEX messages_by_date;"
		"CREATE INDEX messages_by_date ON messages(date, id);"
		"DROP INDEX messages_by_thread;"
		"CREATE INDEX messages_by_thread ON messages(thread_date, thread_id, date, id);"
		"PRAGMA user_version = 1;";
	struct store *st = NULL;
	struct error *e = NULL;
	int64_t by_date[200], by_thread[200], total;
	size_t nd, nt;
	struct store_counts c = { 0 };
	char *logpath = xasprintf("%s/migration.log", tmpdir), *text;
	const char *upgrade;

	store_open(&st, path, 0, NULL);
	nd = window_ids(st, STORE_ORDER_DATE, by_date, 200);
	nt = window_ids(st, STORE_ORDER_THREAD, by_thread, 200);
	store_counts(st, &c, NULL);
	total = c.total;
	store_close(&st);
	ok(nd == 100 && nt == 100, "the archive lists its 100 messages in both orders");
	is_int(listing_columns_in(path, "messages_by_date"), 10,
	       "the date order index carries the listing's columns");
	is_int(listing_columns_in(path, "messages_by_thread"), 11,
	       "so does the thread order index");

	ok(sql_exec(path, downgrade), "made a version 1 archive");
	log_open(logpath, LOG_INFO, NULL);
	is_int(store_open(&st, path, STORE_READONLY, &e), 0, "a reader opens a version 1 archive");
	if (e != NULL)
		diag("%s", e->msg);
	error_free(&e);
	ok(lists(st, STORE_ORDER_DATE, by_date, nd), "and lists it in the same date order");
	ok(lists(st, STORE_ORDER_THREAD, by_thread, nt), "and the same thread order");
	store_close(&st);
	is_int(sql_int(path, "PRAGMA user_version"), 1, "a reader leaves the schema as it was");
	is_int(sql_int(path, "SELECT count(*) FROM pragma_index_info('messages_by_date')"), 2,
	       "with its narrow index");

	is_int(store_open(&st, path, 0, &e), 0, "a writer opens it");
	if (e != NULL)
		diag("%s", e->msg);
	error_free(&e);
	is_int(sql_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION,
	       "and upgrades it to the current version");
	log_close();
	text = tap_read_file(logpath);
	upgrade = strstr(text, "upgrading the schema from version 1 to 2");
	ok(upgrade != NULL && strstr(upgrade + 1, "upgrading the schema") == NULL,
	   "which the log notes once (not for the reader)");
	free(text);
	is_int(listing_columns_in(path, "messages_by_date"), 10,
	       "whose date order index carries the listing");
	is_int(listing_columns_in(path, "messages_by_thread"), 11,
	       "as does its thread order index");
	ok(lists(st, STORE_ORDER_DATE, by_date, nd), "the date order is unchanged");
	ok(lists(st, STORE_ORDER_THREAD, by_thread, nt), "the thread order is unchanged");
	memset(&c, 0, sizeof c);
	store_counts(st, &c, NULL);
	is_int(c.total, total, "the counts are unchanged");
	store_close(&st);

	/* An archive from before the first schema cannot be read as it is. */
	sql_exec(path, "PRAGMA user_version = 0");
	is_int(store_open(&st, path, STORE_READONLY, &e), -1,
	       "a reader refuses a schema older than it reads");
	ok(e && strstr(e->msg, "schema upgrade") != NULL, "saying it needs an upgrade: %s",
	   e ? e->msg : "");
	error_free(&e);
	free(logpath);
}

static void test_resolve(struct store *st)
{
	int64_t id = 0;
	struct error *e = NULL;

	is_int(store_resolve_id(st, "<root@x>", &id, NULL), 0, "resolve <message-id>");
	ok(id > 0, "to an id");
	{
		int64_t id2 = 0;
		char num[32];

		store_resolve_id(st, "root@x", &id2, NULL);
		is_int(id2, id, "brackets are optional");
		snprintf(num, sizeof num, "%lld", (long long)id);
		store_resolve_id(st, num, &id2, NULL);
		is_int(id2, id, "numeric id");
	}
	is_int(store_resolve_id(st, "<nope@x>", &id, &e), -1, "unknown message-id");
	ok(e && e->kind == ERR_NOTFOUND, "is not-found");
	error_free(&e);
	is_int(store_resolve_id(st, "987654", &id, &e), -1, "unknown number");
	error_free(&e);
}

static void test_check(const char *path)
{
	struct store *st = NULL;
	int64_t checked, bad;
	char *report = NULL;

	store_open(&st, path, 0, NULL);
	is_int(store_check(st, &checked, &bad, &report, NULL), 0, "check runs");
	ok(checked > 0 && bad == 0 && report[0] == '\0', "a healthy archive passes (%lld checked)",
	   (long long)checked);
	free(report);
	store_close(&st);

	sql_exec(path, "UPDATE message_raw SET raw = CAST('tampered' AS BLOB) WHERE id = 2");
	store_open(&st, path, 0, NULL);
	store_check(st, &checked, &bad, &report, NULL);
	is_int(bad, 1, "a changed message is found");
	ok(strstr(report, "message 2: SHA-256") != NULL, "and named: %s", report);
	free(report);
	store_close(&st);
}

/* A message stored from a file comes back byte-exact, hashes like the
 * same bytes from memory, and is indexed from its header. */
static void test_from_file(struct store *st)
{
	char path[] = "/tmp/petrel-spool-XXXXXX";
	int fd = mkstemp(path);
	size_t body = 5 * 1024 * 1024 + 17, len;
	char *raw = xmalloc(body + 200), *back = NULL;
	size_t hlen, blen = 0;
	struct store_new m = { .fd = fd };
	struct store_row row = { 0 };
	int64_t id = 0, id2 = 0;

	hlen = (size_t)snprintf(raw, 200, "From: big@example.org\nSubject: large one\n"
				"Message-ID: <big@x>\n\n");
	for (size_t i = 0; i < body; i++)
		raw[hlen + i] = (char)('a' + i % 23);
	len = hlen + body;
	if (write(fd, raw, len) != (ssize_t)len)
		diag("short write");
	m.len = len;
	is_int(store_add(st, &m, &id, NULL), STORE_ADDED, "a message from a file is stored");
	store_get_raw(st, id, &back, &blen, NULL);
	ok(blen == len && memcmp(back, raw, len) == 0, "its bytes come back exactly (%zu)", blen);
	free(back);
	store_get_row(st, id, &row, NULL);
	is_str(row.subject, "large one", "indexed from its header");
	store_row_clear(&row);
	{
		struct store_new mem = { .raw = raw, .len = len };

		is_int(store_add(st, &mem, &id2, NULL), STORE_DUPLICATE,
		       "the same bytes from memory are a duplicate (same SHA-256)");
		is_int(id2, id, "of the same message");
	}
	close(fd);
	unlink(path);
	free(raw);
}

static void test_uidls(struct store *st)
{
	struct store_uidl u;
	char *partial = make_msg("part@x", NULL, NULL, "1 May 2024 10:00:00 +0000", "partial");
	char *full = xasprintf("%sand the rest of the body\n", partial);
	int64_t pid, fid = 0;
	struct store_row row = { 0 };

	is_int(store_uidl_get(st, "home", "UID1", &u, NULL), 0, "look up an unknown UIDL");
	ok(!u.found, "not found");
	store_begin(st, NULL);
	pid = add(st, partial, MSG_FLAGGED, "home", NULL);
	is_int(store_uidl_record(st, "home", "UID1", pid, true, NULL), 0, "record a UIDL in the batch");
	store_commit(st, NULL);
	store_uidl_get(st, "home", "UID1", &u, NULL);
	ok(u.found && u.message == pid && u.partial && !u.deleted && u.fetched > 0,
	   "found with its message, partial, fetch time");
	store_uidl_get(st, "work", "UID1", &u, NULL);
	ok(!u.found, "UIDLs are per account");

	store_begin(st, NULL);
	add(st, "Subject: rolled back\n\nx\n", 0, "home", NULL);
	store_uidl_record(st, "home", "UID2", 999, false, NULL);
	store_rollback(st);
	store_uidl_get(st, "home", "UID2", &u, NULL);
	ok(!u.found, "a rolled-back batch leaves no UIDL behind");

	{
		struct store_new m = { .raw = full, .len = strlen(full), .account = "home" };

		is_int(store_complete_partial(st, pid, &m, &fid, NULL), 0, "complete a partial message");
	}
	ok(fid != pid, "the full message is a new one");
	store_uidl_get(st, "home", "UID1", &u, NULL);
	ok(u.message == fid && !u.partial, "the UIDL now names the full message");
	store_get_row(st, fid, &row, NULL);
	ok(row.flags & MSG_FLAGGED, "the user's flags carry over");
	store_row_clear(&row);
	store_get_row(st, pid, &row, NULL);
	ok(row.flags & MSG_TRASHED, "the partial copy is trashed, not deleted");
	store_row_clear(&row);
	is_int(store_uidl_set_deleted(st, "home", "UID1", NULL), 0, "mark deleted");
	store_uidl_get(st, "home", "UID1", &u, NULL);
	ok(u.deleted, "deleted");
	free(partial);
	free(full);
}

/* A writer process adds messages in batches while this process reads. */
static void test_two_processes(const char *path)
{
	struct store *st = NULL;
	pid_t pid;
	int status, reads = 0, read_errors = 0;
	int64_t last = -1;
	int monotonic = 1;

	store_open(&st, path, STORE_CREATE, NULL);
	store_close(&st);
	pid = fork();
	if (pid == 0) {
		struct store *w = NULL;

		if (store_open(&w, path, 0, NULL) != 0)
			_exit(2);
		for (int b = 0; b < 20; b++) {
			if (store_begin(w, NULL) != 0)
				_exit(3);
			for (int i = 0; i < 25; i++) {
				char mid[32], *raw;

				snprintf(mid, sizeof mid, "conc%d-%d@x", b, i);
				raw = make_msg(mid, NULL, NULL, "1 Mar 2024 00:00:00 +0000", mid);
				if (add(w, raw, 0, "conc", NULL) <= 0)
					_exit(4);
				free(raw);
			}
			if (store_commit(w, NULL) != 0)
				_exit(5);
			usleep(2000);
		}
		store_close(&w);
		_exit(0);
	}
	store_open(&st, path, STORE_READONLY, NULL);
	for (;;) {
		int64_t n = 0;
		struct error *e = NULL;
		pid_t done = waitpid(pid, &status, WNOHANG);

		if (store_account_count(st, "conc", &n, &e) != 0) {
			read_errors++;
			error_free(&e);
		}
		reads++;
		if (n < last || n % 25 != 0)
			monotonic = 0; /* a reader must only see whole batches */
		last = n;
		if (done == pid)
			break;
		usleep(500);
	}
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer process finished cleanly (%d)",
	   WEXITSTATUS(status));
	is_int(read_errors, 0, "reader never failed while the writer wrote (%d reads)", reads);
	ok(monotonic, "reader saw only whole committed batches");
	{
		int64_t n = 0;

		store_account_count(st, "conc", &n, NULL);
		is_int(n, 500, "reader sees every message at the end");
	}
	store_close(&st);
}

/* Commits that do not wait for the disk (an import's) are still seen by
 * every other connection at once, and store_sync makes them durable. */
static void test_deferred_sync(const char *path)
{
	struct store *st = NULL, *other = NULL;
	struct error *e = NULL;
	struct store_counts c = { 0 };
	const char *raw = "From: a@example.org\nSubject: deferred\nMessage-ID: <ds@test>\n\nx\n";
	struct store_new m = { .raw = raw, .len = strlen(raw) };

	ok(store_open(&st, path, STORE_CREATE, &e) == 0, "open for deferred sync");
	ok(store_set_sync_each_commit(st, false, &e) == 0, "commits stop waiting for the disk");
	ok(store_begin(st, &e) == 0 && store_add(st, &m, NULL, &e) == STORE_ADDED &&
	   store_commit(st, &e) == 0, "a batch commits");
	ok(store_open(&other, path, STORE_READONLY, &e) == 0 &&
	   store_counts(other, &c, &e) == 0 && c.total == 1,
	   "another connection sees it before any sync");
	store_close(&other);
	ok(store_sync(st, &e) == 0, "store_sync syncs the WAL");
	ok(store_set_sync_each_commit(st, true, &e) == 0, "and commits wait again");
	store_close(&st);
	{
		char *wal = xasprintf("%s-wal", path);

		unlink(wal);
		free(wal);
	}
	ok(store_open(&st, path, 0, &e) == 0, "reopen");
	ok(store_sync(st, &e) == 0, "store_sync with nothing in the WAL is fine");
	store_close(&st);
	error_free(&e);
}

/* The full-text index after many small batches: FTS5's incremental
 * merging is off (see tune_fts), so the index must still be merged, a
 * level at a time, to a bounded number of segments, and find every
 * message.  A segment's pages have rowids of segment id << 37 and up. */
static void test_fts_merging(const char *path)
{
	enum { BATCHES = 200 };
	struct store *st = NULL;
	struct error *e = NULL;
	bool all_in = true;
	int64_t segments;
	char sql[128];

	if (store_open(&st, path, STORE_CREATE, &e) != 0) {
		diag("store_open: %s", e->msg);
		error_free(&e);
		ok(false, "fts merging: archive opens");
		return;
	}
	for (int i = 0; i < BATCHES && all_in; i++) {
		char *mid = xasprintf("fts%d@x", i);
		char *subject = xasprintf("Ptarmigan report uniq%dword", i);
		char *raw = make_msg(mid, NULL, NULL, "Tue, 2 Jan 2024 10:00:00 +0000", subject);
		int r = -1;

		all_in = store_begin(st, NULL) == 0 && add(st, raw, 0, NULL, &r) > 0 &&
			 r == STORE_ADDED && store_commit(st, NULL) == 0;
		free(mid);
		free(subject);
		free(raw);
	}
	ok(all_in, "fts merging: %d messages stored, one batch each", BATCHES);
	store_close(&st);
	is_int(sql_int(path, "SELECT v FROM fts_config WHERE k = 'automerge'"), 0,
	       "fts merging: incremental merging is off");
	is_int(sql_int(path, "SELECT v FROM fts_config WHERE k = 'hashsize'"), 8388608,
	       "fts merging: the term buffer holds 8 MB");
	segments = sql_int(path, "SELECT count(DISTINCT id >> 37) FROM fts_data "
			   "WHERE id >= 1 << 37");
	ok(segments > 0 && segments <= 30,
	   "fts merging: %d batches leave %lld segments (crisis merges keep it to 30)",
	   BATCHES, (long long)segments);
	is_int(sql_int(path, "SELECT count(*) FROM fts WHERE fts MATCH 'ptarmigan'"), BATCHES,
	       "fts merging: a term in every message finds all of them");
	for (int i = 0; i < BATCHES; i += 37) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM fts WHERE fts MATCH "
			 "'uniq%dword'", i);
		if (sql_int(path, sql) != 1)
			all_in = false;
	}
	ok(all_in, "fts merging: a term in one message finds it, in every segment");
	is_int(sql_int(path, "SELECT count(*) FROM fts WHERE fts MATCH "
		       "'\"ptarmigan report\"'"), BATCHES,
	       "fts merging: phrases still match");
}

/* A message the archive refuses halfway through a batch: the insert of
 * its index row may roll back the whole transaction (it runs without a
 * statement journal), so the batch goes; nothing of it stays, and the
 * next batch works. */
static void test_refused_insert(const char *path)
{
	char *a = make_msg("keep-not@x", NULL, NULL, "Mon, 1 Jan 2024 10:00:00 +0000", "Albatross");
	char *boom = make_msg("boom@x", NULL, NULL, "Mon, 1 Jan 2024 11:00:00 +0000", "Boom");
	char *c = make_msg("kept@x", NULL, NULL, "Mon, 1 Jan 2024 12:00:00 +0000", "Cormorant");
	struct store *st = NULL;
	int r = 0;

	if (store_open(&st, path, STORE_CREATE, NULL) != 0) {
		ok(false, "refused insert: archive opens");
		goto out;
	}
	ok(sql_exec(path, "CREATE TRIGGER refuse BEFORE INSERT ON messages "
		    "WHEN new.subject = 'Boom' BEGIN SELECT RAISE(ROLLBACK, 'refused'); END"),
	   "refused insert: a trigger refuses one message");
	ok(store_begin(st, NULL) == 0 && add(st, a, 0, NULL, &r) > 0 && r == STORE_ADDED,
	   "refused insert: the batch's first message goes in");
	add(st, boom, 0, NULL, &r);
	ok(r < 0, "refused insert: the refused message is an error");
	{
		struct error *e = NULL;

		ok(store_commit(st, &e) != 0 && e != NULL && strstr(e->msg, "lost") != NULL,
		   "refused insert: committing the batch anyway is an error, not a "
		   "half batch");
		error_free(&e);
	}
	store_rollback(st);
	ok(store_begin(st, NULL) == 0 && add(st, c, 0, NULL, &r) > 0 && r == STORE_ADDED &&
	   store_commit(st, NULL) == 0, "refused insert: the next batch commits");
	store_close(&st);
	is_int(sql_int(path, "SELECT count(*) FROM messages"), 1,
	       "refused insert: only the next batch's message is stored");
	is_int(sql_int(path, "SELECT count(*) FROM messages WHERE message_id = 'kept@x'"), 1,
	       "refused insert: and it is that one");
	is_int(sql_int(path, "SELECT count(*) FROM message_raw"), 1,
	       "refused insert: no raw bytes left of the lost batch");
	is_int(sql_int(path, "SELECT count(*) FROM msgid_threads WHERE message_id = 'keep-not@x'"), 0,
	       "refused insert: no thread entry left of the lost batch");
	is_int(sql_int(path, "SELECT n FROM counters WHERE name = 'total'"), 1,
	       "refused insert: the total counts what is stored");
	is_int(sql_int(path, "SELECT count(*) FROM fts WHERE fts MATCH 'albatross OR boom'"), 0,
	       "refused insert: the lost batch is not in the full-text index");
	is_int(sql_int(path, "SELECT count(*) FROM fts WHERE fts MATCH 'cormorant'"), 1,
	       "refused insert: the stored message is");
out:
	free(a);
	free(boom);
	free(c);
}

int main(void)
{
	struct store *st = NULL;
	char *path, *wpath, *cpath;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	path = xasprintf("%s/sub/dir/archive.db", tmpdir);
	wpath = xasprintf("%s/windows.db", tmpdir);
	cpath = xasprintf("%s/conc.db", tmpdir);
	test_create(path);
	test_refusals();
	store_open(&st, path, 0, NULL);
	test_dedupe(st);
	test_threads(st);
	test_flags_counts(st);
	test_resolve(st);
	test_from_file(st);
	test_uidls(st);
	store_close(&st);
	test_windows(wpath);
	test_migration(wpath);
	test_check(path);
	test_two_processes(cpath);
	{
		char *dpath = xasprintf("%s/deferred.db", tmpdir);

		test_deferred_sync(dpath);
		free(dpath);
		dpath = xasprintf("%s/fts.db", tmpdir);
		test_fts_merging(dpath);
		free(dpath);
		dpath = xasprintf("%s/refused.db", tmpdir);
		test_refused_insert(dpath);
		free(dpath);
	}
	free(path);
	free(wpath);
	free(cpath);
	{
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("cleanup failed");
		free(cmd);
	}
	return tap_done();
}
