/* bench-window.c - how long one screen (50 rows) of the index takes to
 * read at the start, the middle and the end of an archive, in date and
 * thread order.  Usage: bench-window ARCHIVE [ROWS] */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store.h"

#define REPEAT 200

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median time of REPEAT window reads. */
static double time_window(struct store *st, enum store_order order, int64_t anchor,
			  bool forward, size_t rows)
{
	double t[REPEAT];

	for (int i = 0; i < REPEAT; i++) {
		struct store_row *r;
		size_t n;
		double t0 = now_us();

		if (store_window(st, order, anchor, forward, false, rows, &r, &n, NULL) != 0) {
			fprintf(stderr, "window read failed\n");
			exit(1);
		}
		t[i] = now_us() - t0;
		store_rows_free(r, n);
	}
	qsort(t, REPEAT, sizeof t[0], cmp_double);
	return t[REPEAT / 2];
}

int main(int argc, char **argv)
{
	struct store *st = NULL;
	struct error *err = NULL;
	struct store_counts c;
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t middle[2] = { 0, 0 };
	size_t rows = argc > 2 ? (size_t)atoi(argv[2]) : 50;
	static const char *const names[] = { "date", "thread" };
	static const char *const keys[] = { "date, id", "thread_date, thread_id, date, id" };

	if (argc < 2) {
		fprintf(stderr, "usage: bench-window ARCHIVE [ROWS]\n");
		return 2;
	}
	if (store_open(&st, argv[1], STORE_READONLY, &err) != 0) {
		fprintf(stderr, "%s\n", err->msg);
		return 1;
	}
	store_counts(st, &c, NULL);
	/* The anchors in the middle are found once, outside the timing. */
	sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL);
	for (int o = 0; o < 2; o++) {
		char *sql = sqlite3_mprintf("SELECT id FROM messages WHERE (flags & 16) = 0 "
					    "ORDER BY %s LIMIT 1 OFFSET %lld", keys[o],
					    (long long)(c.total - c.trashed) / 2);

		sqlite3_prepare_v2(db, sql, -1, &s, NULL);
		if (sqlite3_step(s) == SQLITE_ROW)
			middle[o] = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		sqlite3_free(sql);
	}
	sqlite3_close(db);
	printf("archive: %lld messages; one screen = %zu rows; median of %d reads\n",
	       (long long)c.total, rows, REPEAT);
	for (int o = 0; o < 2; o++) {
		printf("%-6s order: start %8.1f us   middle %8.1f us   end %8.1f us\n", names[o],
		       time_window(st, (enum store_order)o, 0, true, rows),
		       time_window(st, (enum store_order)o, middle[o], true, rows),
		       time_window(st, (enum store_order)o, 0, false, rows));
	}
	{
		double t0 = now_us();

		for (int i = 0; i < REPEAT; i++)
			store_counts(st, &c, NULL);
		printf("status-line counts: %.1f us\n", (now_us() - t0) / REPEAT);
	}
	store_close(&st);
	return 0;
}
