/* test-importer.c - the import pipeline (importer.c) and its queue
 * (handoff.c): order and bounds of the queue across two threads; an
 * import in small batches; a Maildir with unreadable entries in the
 * middle; an mbox in small batches; files that cannot be imported; the
 * archive passes its check after each. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "handoff.h"
#include "importer.h"
#include "store.h"
#include "util.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/petrel-importer-XXXXXX";

/* ---- the queue ---- */

#define NITEMS 20000

static void *producer(void *arg)
{
	struct handoff *h = arg;

	for (size_t i = 1; i <= NITEMS; i++)
		if (!handoff_put(h, (void *)i, i % 7))
			break;
	handoff_close(h);
	return NULL;
}

static void test_queue(void)
{
	struct handoff *h = handoff_new(16, 20);
	pthread_t t;
	size_t next = 1;
	bool order = true;
	void *item;

	pthread_create(&t, NULL, producer, h);
	while ((item = handoff_take(h)) != NULL) {
		if ((size_t)item != next)
			order = false;
		next++;
	}
	pthread_join(t, NULL);
	ok(order && next == NITEMS + 1, "%d items cross between threads in order", NITEMS);
	handoff_free(&h, NULL);
	ok(h == NULL, "handoff_free clears the pointer");

	/* An item larger than the byte bound still goes through, alone. */
	h = handoff_new(4, 10);
	ok(handoff_put(h, (void *)1, 100), "an item over the byte bound is queued when alone");
	ok(handoff_take(h) == (void *)1, "and taken");

	/* A consumer that gives up: puts fail instead of waiting forever. */
	handoff_abandon(h);
	ok(!handoff_put(h, (void *)2, 1), "put fails once the consumer abandoned the queue");
	handoff_close(h);
	ok(handoff_take(h) == NULL, "take after close on an empty queue is NULL");
	handoff_free(&h, NULL);

	/* A producer stopped by abandon while waiting on a full queue. */
	h = handoff_new(2, 1000);
	pthread_create(&t, NULL, producer, h);
	ok(handoff_take(h) == (void *)1, "first of a blocked producer taken");
	handoff_abandon(h);
	pthread_join(t, NULL);
	ok(1, "a producer blocked on a full queue stops when the consumer abandons it");
	handoff_free(&h, NULL);
}

/* ---- imports ---- */

static char *msg_text(unsigned n)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "From: Jane <jane@example.org>\nTo: bob@example.org\n"
		   "Subject: note %u\nMessage-ID: <imp%u@example.org>\n"
		   "Date: Mon, 1 Jan 2024 10:00:00 +0000\n\nword%u and more text\n", n, n, n);
	return buf_steal(&b, NULL);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		fatal("cannot write %s", path);
}

static void make_maildir(const char *dir, unsigned n, unsigned bad_every)
{
	char *p;

	p = xasprintf("%s/cur", dir);
	mkdir(dir, 0700);
	mkdir(p, 0700);
	free(p);
	for (unsigned i = 0; i < n; i++) {
		char *path = xasprintf("%s/cur/%u.M%uP1.test:2,S", dir, 1700000000 + i, i);

		if (bad_every != 0 && i % bad_every == bad_every - 1) {
			/* Not a regular file: the reader cannot read it. */
			mkdir(path, 0700);
		} else {
			char *t = msg_text(i);

			write_file(path, t);
			free(t);
		}
		free(path);
	}
}

struct warned {
	unsigned n;
	char last[512];
};

static void warn_cb(void *arg, const struct error *e)
{
	struct warned *w = arg;

	w->n++;
	snprintf(w->last, sizeof w->last, "%s", e->msg);
}

static void check_archive(struct store *st, int64_t want, const char *what)
{
	int64_t checked = -1, bad = -1;
	char *report = NULL;
	struct error *e = NULL;

	ok(store_check(st, &checked, &bad, &report, &e) == 0 && checked == want && bad == 0 &&
	   report != NULL && report[0] == '\0', "%s: check passes with %lld messages", what,
	   (long long)want);
	free(report);
	error_free(&e);
}

static void test_maildir(void)
{
	char *db = xasprintf("%s/a.db", tmpdir);
	char *md = xasprintf("%s/md", tmpdir);
	struct warned w = { 0 };
	struct import_options opt = { .batch_messages = 7, .warn = warn_cb, .warn_arg = &w };
	struct import_counts n = { 0 };
	struct store_counts c;
	struct store *st = NULL;
	struct error *e = NULL;

	/* 100 entries, every 10th unreadable (in the middle of batches). */
	make_maildir(md, 100, 10);
	ok(store_open(&st, db, STORE_CREATE, &e) == 0, "open a new archive");
	ok(import_path(st, md, &opt, &n, &e) == 0, "import a Maildir with unreadable entries");
	is_int(n.imported, 90, "the readable ones imported, in batches of 7");
	is_int(n.duplicates, 0, "no duplicates");
	is_int(n.failed, 10, "the others counted as failed");
	is_int(w.n, 10, "each one reported");
	ok(strstr(w.last, md) != NULL, "naming its path: %s", w.last);
	ok(store_counts(st, &c, &e) == 0 && c.total == 90, "90 in the archive");
	check_archive(st, 90, "after the Maildir");

	memset(&n, 0, sizeof n);
	ok(import_path(st, md, NULL, &n, &e) == 0, "import it again (default options)");
	is_int(n.imported, 0, "nothing new");
	is_int(n.duplicates, 90, "all duplicates");
	is_int(n.failed, 10, "the unreadable ones fail again");
	store_close(&st);
	free(db);
	free(md);
}

static void test_mbox(void)
{
	char *db = xasprintf("%s/b.db", tmpdir);
	char *mb = xasprintf("%s/box.mbox", tmpdir);
	char *notmbox = xasprintf("%s/not.mbox", tmpdir);
	struct import_options opt = { .batch_messages = 3 };
	struct import_counts n = { 0 };
	struct buf b = BUF_INIT;
	struct store *st = NULL;
	struct error *e = NULL;
	int rc;

	for (unsigned i = 0; i < 10; i++) {
		char *t = msg_text(1000 + i);

		buf_printf(&b, "From jane@example.org Mon Jan  1 10:00:00 2024\n%s\n", t);
		free(t);
	}
	write_file(mb, buf_cstr(&b));
	buf_free(&b);
	write_file(notmbox, "this is not an mbox\n");

	ok(store_open(&st, db, STORE_CREATE, &e) == 0, "open another archive");
	ok(import_path(st, mb, &opt, &n, &e) == 0, "import an mbox in batches of 3");
	is_int(n.imported, 10, "10 imported");
	check_archive(st, 10, "after the mbox");

	memset(&n, 0, sizeof n);
	rc = import_path(st, notmbox, &opt, &n, &e);
	ok(rc == -1 && e != NULL && e->kind == ERR_DATA, "a file that is not an mbox: %s",
	   e ? e->msg : "(no error)");
	error_free(&e);
	rc = import_path(st, "/nonexistent/petrel/x", &opt, &n, &e);
	ok(rc == -1 && e != NULL && e->kind == ERR_NOTFOUND, "a missing path: %s",
	   e ? e->msg : "(no error)");
	error_free(&e);

	memset(&n, 0, sizeof n);
	ok(import_path(st, mb, &opt, &n, &e) == 0 && n.duplicates == 10,
	   "a second import of the same mbox: all duplicates");
	check_archive(st, 10, "after the errors");
	store_close(&st);
	free(db);
	free(mb);
	free(notmbox);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp failed");
	test_queue();
	test_maildir();
	test_mbox();
	if (tap_failed == 0) {
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
		free(cmd);
	}
	return tap_done();
}
