/* test-checkpoint.c - keeping the WAL short while another connection
 * writes: store_checkpoint() from a second connection, the background
 * checkpointer thread, and the full-text rows a batch indexes only when
 * it commits. */
#include "config.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "store.h"
#include "util.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/petrel-ckpt-XXXXXX";

/* A message of about 10 KB with a word of its own. */
static char *make_msg(unsigned n)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "From: Jane <jane@example.org>\nTo: bob@example.org\n"
		   "Subject: note %u\nMessage-ID: <n%u@example.org>\n"
		   "Date: Mon, 1 Jan 2024 10:00:00 +0000\n\nuniqueword%u\n", n, n, n);
	for (unsigned i = 0; i < 160; i++)
		buf_printf(&b, "line %u of message %u, some filler text to index\n", i, n);
	return buf_steal(&b, NULL);
}

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* Writes batches of 100 messages (about 1 MB) starting at message
 * first; after each commit calls ck_fn.  0 or -1. */
static int write_batches(struct store *st, unsigned first, unsigned batches,
			 void (*ck_fn)(void *), void *ctx)
{
	struct error *e = NULL;

	for (unsigned b = 0; b < batches; b++) {
		if (store_begin(st, &e) != 0)
			goto fail;
		for (unsigned i = 0; i < 100; i++) {
			char *raw = make_msg(first + b * 100 + i);
			struct store_new m = { .raw = raw, .len = strlen(raw) };
			int rc = store_add(st, &m, NULL, &e);

			free(raw);
			if (rc < 0)
				goto fail;
		}
		if (store_commit(st, &e) != 0)
			goto fail;
		if (ck_fn != NULL)
			ck_fn(ctx);
	}
	return 0;
fail:
	diag("writing: %s", e->msg);
	error_free(&e);
	return -1;
}

static void direct_checkpoint(void *ctx)
{
	struct error *e = NULL;

	if (store_checkpoint(ctx, &e) != 0) {
		diag("store_checkpoint: %s", e->msg);
		error_free(&e);
	}
}

static void poke(void *ctx)
{
	checkpointer_poke(ctx);
}

static int64_t count_matches(const char *db, const char *word)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	int64_t n = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM fts WHERE fts MATCH ?", -1, &s,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, word, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

/* Without checkpoints the WAL holds every batch; with one after each
 * commit from a second connection it holds about one. */
static void test_wal_stays_short(void)
{
	char *path = xasprintf("%s/a.db", tmpdir), *wal = xasprintf("%s-wal", path);
	char *path2 = xasprintf("%s/b.db", tmpdir), *wal2 = xasprintf("%s-wal", path2);
	struct store *st = NULL, *ck = NULL;
	struct error *e = NULL;
	off_t plain, checked;

	ok(store_open(&st, path, STORE_CREATE, &e) == 0, "control archive");
	ok(write_batches(st, 0, 10, NULL, NULL) == 0, "10 batches without checkpoints");
	plain = file_size(wal);
	store_close(&st);

	ok(store_open(&st, path2, STORE_CREATE, &e) == 0 &&
	   store_open(&ck, path2, 0, &e) == 0, "archive and a second connection");
	ok(write_batches(st, 0, 10, direct_checkpoint, ck) == 0,
	   "10 batches, a checkpoint after each");
	checked = file_size(wal2);
	ok(plain > 8 * 1024 * 1024, "without checkpoints the WAL grew to %lld bytes",
	   (long long)plain);
	ok(checked > 0 && checked < plain / 3,
	   "with them it stayed at %lld bytes (a batch or two)", (long long)checked);
	store_close(&ck);
	store_close(&st);
	is_int(count_matches(path2, "uniqueword999"), 1, "the last message is indexed");
	is_int(count_matches(path2, "uniqueword0"), 1, "and the first");
	free(path);
	free(wal);
	free(path2);
	free(wal2);
}

/* The thread: whatever its timing, nothing is lost and the archive is
 * whole; stopping it with a request pending is fine. */
static void test_checkpointer_thread(void)
{
	char *path = xasprintf("%s/c.db", tmpdir), *wal = xasprintf("%s-wal", path);
	struct store *st = NULL;
	struct checkpointer *c;
	struct error *e = NULL;
	int64_t checked = 0, bad = 0;
	char *report = NULL;
	int rc;

	ok(store_open(&st, path, STORE_CREATE, &e) == 0, "archive");
	ok(store_set_cache_kb(st, 1024, &e) == 0, "a writer with a 1 MB page cache");
	c = checkpointer_start(st, &e);
	ok(c != NULL, "checkpointer started: %s", e ? e->msg : "");
	ok(write_batches(st, 0, 10, poke, c) == 0, "10 batches, poking after each");
	checkpointer_poke(c);
	checkpointer_stop(&c);
	ok(c == NULL, "stopped, pointer cleared");
	checkpointer_stop(&c);
	ok(write_batches(st, 1000, 1, NULL, NULL) == 0, "writing goes on after it stopped");
	rc = store_check(st, &checked, &bad, &report, &e);
	ok(rc == 0 && checked == 1100 && bad == 0,
	   "all 1100 messages intact (%lld checked, %lld bad)", (long long)checked,
	   (long long)bad);
	free(report);
	store_close(&st);
	ok(file_size(wal) == 0, "closing leaves no WAL behind");
	is_int(count_matches(path, "uniqueword1099"), 1, "every message indexed");

	/* An archive that cannot be opened a second time (gone since the
	 * writer opened it): an error, and the writer goes on. */
	ok(store_open(&st, path, 0, &e) == 0 && unlink(path) == 0, "a writer whose file is gone");
	c = checkpointer_start(st, &e);
	ok(c == NULL && e != NULL, "no checkpointer then: %s", e ? e->msg : "");
	error_free(&e);
	store_close(&st);
	free(path);
	free(wal);
}

/* The index rows of a batch go in at commit: a rolled-back batch leaves
 * none, a committed one is searchable whole. */
/* Pages of path held in the page cache, per thousand; -1 if unknown. */
static int resident_permille(const char *path)
{
	long pg = sysconf(_SC_PAGESIZE);
	int fd = open(path, O_RDONLY);
	off_t size = file_size(path);
	size_t npages, in = 0;
	unsigned char *vec;
	void *map;

	if (fd < 0 || size <= 0 || pg <= 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	npages = ((size_t)size + (size_t)pg - 1) / (size_t)pg;
	map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	vec = xmalloc(npages);
	if (mincore(map, (size_t)size, vec) != 0) {
		free(vec);
		munmap(map, (size_t)size);
		return -1;
	}
	for (size_t i = 0; i < npages; i++)
		in += vec[i] & 1;
	free(vec);
	munmap(map, (size_t)size);
	return (int)(in * 1000 / npages);
}

/* Whether this file system drops clean pages it is advised to: not
 * tmpfs, whose pages are the file. */
static bool drops_clean_pages(void)
{
	char *path = xasprintf("%s/probe", tmpdir);
	char block[4096];
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	bool drops = false;

	memset(block, 'x', sizeof block);
	if (fd >= 0) {
		for (int i = 0; i < 256; i++)
			if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
				break;
		if (fsync(fd) == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0)
			drops = resident_permille(path) < 500;
		close(fd);
	}
	unlink(path);
	free(path);
	return drops;
}

/* The checkpointer lets the kernel drop what it appended to the archive
 * file once that is on disk; checkpoints by hand leave it cached. */
static void test_appended_pages_released(void)
{
	char *path = xasprintf("%s/e.db", tmpdir), *path2 = xasprintf("%s/f.db", tmpdir);
	struct store *st = NULL, *ck = NULL;
	struct checkpointer *c;
	struct error *e = NULL;
	int kept, released;

	if (!drops_clean_pages()) {
		ok(1, "# SKIP this file system keeps pages it is told to drop");
		free(path);
		free(path2);
		return;
	}
	ok(store_open(&st, path, STORE_CREATE, &e) == 0 &&
	   store_open(&ck, path, 0, &e) == 0, "control archive and a second connection");
	ok(write_batches(st, 0, 10, direct_checkpoint, ck) == 0,
	   "10 batches, checkpointed by hand");
	kept = resident_permille(path);
	store_close(&ck);
	store_close(&st);

	ok(store_open(&st, path2, STORE_CREATE, &e) == 0 &&
	   (c = checkpointer_start(st, &e)) != NULL, "archive with a checkpointer");
	ok(write_batches(st, 0, 10, poke, c) == 0, "10 batches, poking after each");
	/* The thread runs when it is scheduled: give it up to 5 s. */
	for (int i = 0; i < 50 && (released = resident_permille(path2)) >= 500; i++) {
		checkpointer_poke(c);
		usleep(100000);
	}
	checkpointer_stop(&c);
	store_close(&st);
	ok(kept > 900, "by hand, %d per mille of the archive file stays cached", kept);
	ok(released >= 0 && released < 500,
	   "with the checkpointer, %d per mille does", released);
	free(path);
	free(path2);
}

static void test_index_at_commit(void)
{
	char *path = xasprintf("%s/d.db", tmpdir);
	struct store *st = NULL;
	struct error *e = NULL;
	char *raw = make_msg(5000);
	struct store_new m = { .raw = raw, .len = strlen(raw) };

	ok(store_open(&st, path, STORE_CREATE, &e) == 0, "archive");
	ok(store_begin(st, &e) == 0 && store_add(st, &m, NULL, &e) == STORE_ADDED,
	   "a message in a batch");
	store_rollback(st);
	ok(store_add(st, &m, NULL, &e) == STORE_ADDED, "stored again after the rollback");
	is_int(count_matches(path, "uniqueword5000"), 1,
	       "indexed once: the rolled-back row left nothing");
	ok(write_batches(st, 0, 3, NULL, NULL) == 0, "three batches");
	is_int(count_matches(path, "filler"), 301, "all 301 messages match a common word");
	is_int(count_matches(path, "uniqueword150"), 1, "and each its own");
	store_close(&st);
	free(raw);
	free(path);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_wal_stays_short();
	test_checkpointer_thread();
	test_appended_pages_released();
	test_index_at_commit();
	{
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
		free(cmd);
	}
	return tap_done();
}
