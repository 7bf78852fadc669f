/* bench-window.c - how long one screen (50 rows) of the index takes to
 * read at the start, the middle and the end of an archive, in date and
 * thread order, and the status line's counts, an account's count and the
 * members of a thread in the middle.  Usage: bench-window [-r] ARCHIVE
 * [ROWS]; -r prints "name microseconds" lines for index-scaling.sh. */
#include "config.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The median time of REPEAT reads of the members of id's thread. */
static double time_members(struct store *st, int64_t id, size_t *members)
{
	double t[REPEAT];

	for (int i = 0; i < REPEAT; i++) {
		struct store_row *r;
		double t0 = now_us();

		if (store_thread_members(st, id, &r, members, NULL) != 0) {
			fprintf(stderr, "thread read failed\n");
			exit(1);
		}
		t[i] = now_us() - t0;
		store_rows_free(r, *members);
	}
	qsort(t, REPEAT, sizeof t[0], cmp_double);
	return t[REPEAT / 2];
}

/* The median time of REPEAT reads of the counters, and of one account's. */
static void time_counts(struct store *st, double *counts, double *account)
{
	double t[REPEAT], u[REPEAT];
	struct store_counts c;
	int64_t n;

	for (int i = 0; i < REPEAT; i++) {
		double t0 = now_us(), t1;

		store_counts(st, &c, NULL);
		t1 = now_us();
		store_account_count(st, "home", &n, NULL);
		t[i] = t1 - t0;
		u[i] = now_us() - t1;
	}
	qsort(t, REPEAT, sizeof t[0], cmp_double);
	qsort(u, REPEAT, sizeof u[0], cmp_double);
	*counts = t[REPEAT / 2];
	*account = u[REPEAT / 2];
}

int main(int argc, char **argv)
{
	struct store *st = NULL;
	struct error *err = NULL;
	struct store_counts c;
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t middle[2] = { 0, 0 };
	bool raw = argc > 1 && strcmp(argv[1], "-r") == 0;
	size_t rows, members;
	static const char *const names[] = { "date", "thread" };
	static const char *const keys[] = { "date, id", "thread_date, thread_id, date, id" };
	double w[2][3], counts, account, thread;

	if (raw) {
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bench-window [-r] ARCHIVE [ROWS]\n");
		return 2;
	}
	rows = argc > 2 ? (size_t)atoi(argv[2]) : 50;
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
	for (int o = 0; o < 2; o++) {
		w[o][0] = time_window(st, (enum store_order)o, 0, true, rows);
		w[o][1] = time_window(st, (enum store_order)o, middle[o], true, rows);
		w[o][2] = time_window(st, (enum store_order)o, 0, false, rows);
	}
	time_counts(st, &counts, &account);
	thread = time_members(st, middle[0], &members);
	if (raw) {
		static const char *const where[] = { "start", "middle", "end" };

		printf("messages %lld\n", (long long)c.total);
		for (int o = 0; o < 2; o++)
			for (int i = 0; i < 3; i++)
				printf("%s-%s %.1f\n", names[o], where[i], w[o][i]);
		printf("counts %.1f\naccount %.1f\nthread %.1f\n", counts, account, thread);
	} else {
		printf("archive: %lld messages; one screen = %zu rows; median of %d reads\n",
		       (long long)c.total, rows, REPEAT);
		for (int o = 0; o < 2; o++)
			printf("%-6s order: start %8.1f us   middle %8.1f us   end %8.1f us\n",
			       names[o], w[o][0], w[o][1], w[o][2]);
		printf("status-line counts: %.1f us\n", counts);
		printf("one account's count: %.1f us\n", account);
		printf("thread members (%zu) of the middle message: %.1f us\n", members, thread);
	}
	store_close(&st);
	return 0;
}
