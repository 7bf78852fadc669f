/* test-mbox.c - the mbox reader and writer, and the message flags. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "mbox.h"
#include "msgflags.h"
#include "paths.h"
#include "util.h"
#include "../tap.h"

#define MAX_MSGS 64

/* Everything a reader handed back, copied out. */
struct got {
	size_t n;
	int end_rc;		/* the return value that ended the loop */
	size_t skipped;
	char *err;		/* the first error message, or NULL */
	char *data[MAX_MSGS];
	size_t len[MAX_MSGS];
	char *addr[MAX_MSGS];
	char *date[MAX_MSGS];
	uint64_t line[MAX_MSGS];
	uint64_t offset[MAX_MSGS];
};

static char tmpdir[] = "/tmp/petrel-test-mbox.XXXXXX";

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->data[i]);
		free(g->addr[i]);
		free(g->date[i]);
	}
	free(g->err);
	memset(g, 0, sizeof *g);
}

/* Reads every message, going on past skipped ones. */
static int drain(struct mbox_reader *r, struct got *g)
{
	struct mbox_message m;
	struct error *err = NULL;
	int rc;

	for (;;) {
		rc = mbox_next(r, &m, &err);
		if (rc == MBOX_SKIPPED) {
			g->skipped++;
			if (g->err == NULL)
				g->err = xstrdup(err->msg);
			error_free(&err);
			continue;
		}
		if (rc != MBOX_MESSAGE)
			break;
		if (g->n == MAX_MSGS)
			break;
		g->data[g->n] = xmalloc(m.len + 1);
		memcpy(g->data[g->n], m.data, m.len);
		g->data[g->n][m.len] = '\0';
		g->len[g->n] = m.len;
		g->addr[g->n] = xstrdup(m.from_addr);
		g->date[g->n] = xstrdup(m.from_date);
		g->line[g->n] = m.line;
		g->offset[g->n] = m.offset;
		g->n++;
	}
	if (err != NULL && g->err == NULL)
		g->err = xstrdup(err->msg);
	error_free(&err);
	g->end_rc = rc;
	return rc;
}

/* Reads len bytes of mbox from memory, bufsize bytes per read. */
static int read_mem(const char *data, size_t len, size_t bufsize, size_t max, struct got *g)
{
	struct mbox_params p = { bufsize, max };
	struct error *err = NULL;
	struct mbox_reader *r;

	memset(g, 0, sizeof *g);
	r = mbox_open_mem(data, len, "test.mbox", &p, &err);
	if (r == NULL) {
		g->err = xstrdup(err->msg);
		g->end_rc = MBOX_ERROR;
		error_free(&err);
		return MBOX_ERROR;
	}
	drain(r, g);
	mbox_close(&r);
	return g->end_rc;
}

static char *write_file(const char *name, const void *data, size_t len)
{
	char *path = path_join(tmpdir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		fatal("cannot write %s", path);
	close(fd);
	return path;
}

static int read_path(const char *path, size_t bufsize, size_t max, struct got *g)
{
	struct mbox_params p = { bufsize, max };
	struct error *err = NULL;
	struct mbox_reader *r;

	memset(g, 0, sizeof *g);
	r = mbox_open(path, &p, &err);
	if (r == NULL) {
		g->err = xstrdup(err->msg);
		g->end_rc = MBOX_ERROR;
		error_free(&err);
		return MBOX_ERROR;
	}
	drain(r, g);
	mbox_close(&r);
	return g->end_rc;
}

static bool same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* ---- reading ---- */

static const char tricky_mbox[] =
	"From alice@example.org Mon Jan  1 10:00:00 2024\n"
	"From: Alice <alice@example.org>\n"
	"Subject: one\n"
	"\n"
	"Hello,\n"
	"From here on, a body line that a broken writer left unquoted.\n"
	">From quoted once\n"
	">>From quoted twice\n"
	">Fromage is not quoted\n"
	"Fromage\n"
	"From: a header-like line in the body\n"
	"From\n"
	"\n"
	"From bob@example.org Tue Jan  2 11:00:00 2024\n"
	"Subject: two\n"
	"\n"
	"no blank line before the next real From_ line\n"
	"From carol@example.org Wed Jan  3 12:00:00 2024\n"
	"Subject: three\n"
	"\n"
	"From the start of a paragraph, after an empty line\n";

static void test_tricky(void)
{
	struct got g;

	read_mem(tricky_mbox, sizeof tricky_mbox - 1, 0, 0, &g);
	is_int(g.end_rc, MBOX_END, "tricky mbox reads to the end");
	is_int(g.n, 4, "tricky mbox has four messages");
	is_str(g.data[0],
	       "From: Alice <alice@example.org>\n"
	       "Subject: one\n"
	       "\n"
	       "Hello,\n"
	       "From here on, a body line that a broken writer left unquoted.\n"
	       "From quoted once\n"
	       ">From quoted twice\n"
	       ">Fromage is not quoted\n"
	       "Fromage\n"
	       "From: a header-like line in the body\n"
	       "From\n",
	       "first message: quoting undone, body From lines kept, blank before separator dropped");
	is_str(g.addr[0], "alice@example.org", "sender of the first From_ line");
	is_str(g.date[0], "Mon Jan  1 10:00:00 2024", "date of the first From_ line");
	is_int(g.line[0], 1, "first message starts on line 1");
	is_int(g.offset[0], 0, "first message starts at offset 0");
	is_str(g.data[1], "Subject: two\n\nno blank line before the next real From_ line\n",
	       "a real From_ line after a non-empty line splits");
	is_int(g.line[1], 14, "second message starts on line 14");
	is_str(g.addr[2], "carol@example.org", "third sender");
	is_str(g.data[2], "Subject: three\n", "third message ends before the empty line");
	is_str(g.addr[3], "the", "a From line after an empty line is a separator");
	is_str(g.date[3], "start of a paragraph, after an empty line",
	       "a loose From_ line's date is the rest of the line");
	is_int(g.len[3], 0, "the last message is empty");
	got_free(&g);
}

static void test_from_lines(void)
{
	static const struct {
		const char *line, *addr, *date;
	} cases[] = {
		{ "From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n", "MAILER-DAEMON", "Fri Jul  8 12:08:34 2011" },
		{ "From - Thu Jan  1 00:00:00 1970\r\n", "-", "Thu Jan  1 00:00:00 1970" },
		{ "From a@b Mon Jan 1 09:05 PST 2024\n", "a@b", "Mon Jan 1 09:05 PST 2024" },
		{ "From a@b Mon Jan 1 09:05:00 2024 +0100\n", "a@b", "Mon Jan 1 09:05:00 2024 +0100" },
		{ "From  Sat Feb 29 23:59:59 2020\n", "", "Sat Feb 29 23:59:59 2020" },
		{ "From \"a b\"@c Sun Dec 31 01:02:03 1999\n", "\"a b\"@c", "Sun Dec 31 01:02:03 1999" },
		{ "From x\n", "x", "" },
		{ "From x\tsome words", "x", "some words" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *mbox = xasprintf("%sbody\n", cases[i].line);
		struct got g;

		/* Without a newline the From_ line is the whole (empty) message. */
		if (strchr(cases[i].line, '\n') == NULL) {
			free(mbox);
			mbox = xstrdup(cases[i].line);
		}
		read_mem(mbox, strlen(mbox), 0, 0, &g);
		is_int(g.n, 1, "From_ line %zu: one message", i);
		if (g.n == 1) {
			is_str(g.addr[0], cases[i].addr, "From_ line %zu: sender", i);
			is_str(g.date[0], cases[i].date, "From_ line %zu: date", i);
		}
		got_free(&g);
		free(mbox);
	}
}

static void test_crlf(void)
{
	static const char crlf[] =
		"From a@example.org Mon Jan  1 10:00:00 2024\r\n"
		"Subject: x\r\n"
		"\r\n"
		"body\r\n"
		">From y\r\n"
		"\r\n"
		"From b@example.org Mon Jan  1 10:00:01 2024\r\n"
		"Subject: y\r\n"
		"\r\n"
		"last\r\n"
		"\r\n";
	struct got g;

	read_mem(crlf, sizeof crlf - 1, 0, 0, &g);
	is_int(g.n, 2, "CRLF mbox: two messages");
	is_str(g.data[0], "Subject: x\r\n\r\nbody\r\nFrom y\r\n",
	       "CRLF mbox: CRLF kept, quoting undone, CRLF blank before From_ dropped");
	is_str(g.addr[0], "a@example.org", "CRLF mbox: sender has no CR");
	is_str(g.date[0], "Mon Jan  1 10:00:00 2024", "CRLF mbox: date has no CR");
	is_str(g.data[1], "Subject: y\r\n\r\nlast\r\n", "CRLF mbox: trailing blank dropped");
	got_free(&g);
}

static void test_damaged(void)
{
	static const char truncated[] =
		"From a Mon Jan  1 10:00:00 2024\n"
		"Subject: x\n"
		"\n"
		"first\n"
		"\n"
		"From b Mon Jan  1 10:00:00 2024\n"
		"Subject: cut\n"
		"\n"
		"this message was cut off in the midd";
	static const char nul[] =
		"From a Mon Jan  1 10:00:00 2024\n"
		"Subject: \0nul\n"
		"\n"
		"\0\0\n"
		"\0From x\n"
		"\n";
	static const char nul_want[] = "Subject: \0nul\n\n\0\0\n\0From x\n";
	static const char notmbox[] = "Subject: hi\n\nFrom a Mon Jan  1 10:00:00 2024\n";
	struct got g;
	char *path;

	read_mem(truncated, sizeof truncated - 1, 0, 0, &g);
	is_int(g.n, 2, "truncated mbox: both messages");
	is_str(g.data[1], "Subject: cut\n\nthis message was cut off in the midd",
	       "truncated mbox: the cut message is kept as it is");
	got_free(&g);

	read_mem(nul, sizeof nul - 1, 0, 0, &g);
	is_int(g.n, 1, "NUL bytes: one message");
	ok(g.n == 1 && same_bytes(g.data[0], g.len[0], nul_want, sizeof nul_want - 1),
	   "NUL bytes are kept");
	got_free(&g);

	read_mem(notmbox, sizeof notmbox - 1, 0, 0, &g);
	is_int(g.end_rc, MBOX_ERROR, "not an mbox: open fails");
	is_str(g.err, "test.mbox is not an mbox file: it does not start with a From_ line",
	       "not an mbox: the error says why");
	got_free(&g);

	read_mem(">From a Mon Jan  1 10:00:00 2024\n", 33, 0, 0, &g);
	is_int(g.end_rc, MBOX_ERROR, "a quoted From_ line does not start an mbox");
	got_free(&g);

	read_mem("", 0, 0, 0, &g);
	is_int(g.end_rc, MBOX_END, "empty input: no error");
	is_int(g.n, 0, "empty input: no messages");
	got_free(&g);

	read_mem("\n\r\n\n", 4, 1, 0, &g);
	is_int(g.end_rc, MBOX_END, "only empty lines: no error");
	is_int(g.n, 0, "only empty lines: no messages");
	got_free(&g);

	read_mem("\nFrom a Mon Jan  1 10:00:00 2024\nx", 34, 0, 0, &g);
	is_int(g.n, 1, "empty lines before the first From_ line are skipped");
	is_int(g.line[0], 2, "and the line number counts them");
	is_int(g.offset[0], 1, "and the offset too");
	got_free(&g);

	read_mem("From a Mon Jan  1 10:00:00 2024", 31, 0, 0, &g);
	is_int(g.n, 1, "a From_ line without a newline is an empty message");
	is_int(g.len[0], 0, "which is empty");
	got_free(&g);

	path = write_file("empty.mbox", "", 0);
	read_path(path, 0, 0, &g);
	is_int(g.end_rc, MBOX_END, "empty file: no error");
	is_int(g.n, 0, "empty file: no messages");
	got_free(&g);
	free(path);

	path = write_file("notmbox.mbox", notmbox, sizeof notmbox - 1);
	read_path(path, 3, 0, &g);
	ok(g.err != NULL && strstr(g.err, "is not an mbox file: it does not start with a From_ line") != NULL,
	   "not-an-mbox file: clear error");
	got_free(&g);
	free(path);

	read_path(tmpdir, 0, 0, &g);
	ok(g.err != NULL && strstr(g.err, "is a directory") != NULL, "a directory is not an mbox");
	got_free(&g);

	path = path_join(tmpdir, "missing.mbox");
	{
		struct error *err = NULL;
		struct mbox_reader *r = mbox_open(path, NULL, &err);

		ok(r == NULL && err != NULL && err->kind == ERR_NOTFOUND, "missing file: ERR_NOTFOUND");
		error_free(&err);
	}
	free(path);
}

static void test_limits(void)
{
	struct buf b = BUF_INIT;
	struct got g;
	char *path;
	size_t big = 32u * 1024 * 1024;

	/* A message over the limit is skipped; its neighbours are not. */
	buf_puts(&b, "From a Mon Jan  1 10:00:00 2024\nsmall one\n\n");
	buf_puts(&b, "From b Mon Jan  1 10:00:00 2024\n");
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "a line of the big message\n");
	buf_puts(&b, "\nFrom c Mon Jan  1 10:00:00 2024\nsmall two\n");
	for (size_t bs = 0; bs <= 7; bs += 7) {
		read_mem(b.data, b.len, bs, 1000, &g);
		is_int(g.n, 2, "over the limit (bufsize %zu): the two small messages", bs);
		is_int(g.skipped, 1, "over the limit (bufsize %zu): one skipped", bs);
		is_str(g.n == 2 ? g.data[1] : "", "small two\n", "the message after the big one is intact");
		ok(g.err != NULL && strstr(g.err, "line 4 (byte offset 43)") != NULL,
		   "the skip error names line and offset: %s", g.err ? g.err : "");
		is_int(g.end_rc, MBOX_END, "reading goes on to the end");
		got_free(&g);
	}
	buf_free(&b);

	/* A huge message that is one 32 MiB line, read from a file. */
	buf_puts(&b, "From huge Mon Jan  1 10:00:00 2024\nSubject: huge\n\n");
	{
		size_t start = b.len;
		size_t fromlen = strlen("From huge Mon Jan  1 10:00:00 2024\n");

		for (size_t i = 0; i < big; i++)
			buf_putc(&b, (char)('a' + i % 26));
		buf_puts(&b, "\n\nFrom after Mon Jan  1 10:00:00 2024\nend\n");
		path = write_file("huge.mbox", b.data, b.len);
		read_path(path, 0, 0, &g);
		is_int(g.n, 2, "huge message read with the default limit");
		ok(g.n == 2 && g.len[0] == big + 1 + start - fromlen &&
		   memcmp(g.data[0] + start - fromlen, b.data + start, big) == 0,
		   "huge message bytes intact");
		is_str(g.n == 2 ? g.data[1] : "", "end\n", "message after the huge one");
		got_free(&g);
		read_path(path, 0, 8u * 1024 * 1024, &g);
		is_int(g.skipped, 1, "huge message over an 8 MiB limit is skipped");
		is_int(g.n, 1, "and the next one is read");
		got_free(&g);
		free(path);
	}
	buf_free(&b);
}

/* The separator "\n\nFrom " with the read boundaries at every position. */
static void test_boundaries(void)
{
	static const char *const bodies[] = {
		"Subject: a\n\nbody\n>From x\n",
		"Subject: b\r\n\r\n>>From y\r\nFrom: z\r\n",
		"Subject: c\n\nFrom the heart\n\n\n",
	};
	struct buf b = BUF_INIT;
	struct got want, g;
	bool all_same = true;
	size_t runs = 0;

	for (size_t pad = 0; pad < 24; pad++) {
		buf_reset(&b);
		buf_puts(&b, "From a Mon Jan  1 10:00:00 2024\n");
		for (size_t i = 0; i < pad; i++)
			buf_putc(&b, 'x');
		buf_puts(&b, "\n\nFrom b Mon Jan  1 10:00:00 2024\nFrom: b\n\n"
			     "From c Mon Jan  1 10:00:00 2024\r\n>From d\r\n\r\n"
			     "From e Mon Jan  1 10:00:00 2024\n");
		for (size_t i = 0; i < ARRAY_LEN(bodies); i++)
			buf_puts(&b, bodies[i]);
		read_mem(b.data, b.len, 0, 0, &want);
		if (pad == 0) {
			is_int(want.n, 5, "boundary corpus has five messages");
			is_str(want.data[2], "From d\r\n", "boundary corpus: CRLF message");
		}
		for (size_t bs = 1; bs <= 24; bs++) {
			read_mem(b.data, b.len, bs, 0, &g);
			runs++;
			if (g.n != want.n) {
				all_same = false;
			} else {
				for (size_t i = 0; i < g.n; i++)
					if (!same_bytes(g.data[i], g.len[i], want.data[i], want.len[i]) ||
					    strcmp(g.addr[i], want.addr[i]) != 0 ||
					    g.line[i] != want.line[i] ||
					    g.offset[i] != want.offset[i])
						all_same = false;
			}
			if (!all_same) {
				diag("pad %zu bufsize %zu differs", pad, bs);
				got_free(&g);
				break;
			}
			got_free(&g);
		}
		got_free(&want);
		if (!all_same)
			break;
	}
	ok(all_same, "same messages whatever the read size (%zu splits)", runs);
	buf_free(&b);
}

/* ---- writing ---- */

static void test_from_line_format(void)
{
	char line[600];
	char *longaddr = xmalloc(1000);

	mbox_format_from_line(line, sizeof line, "jane@example.org", 0);
	is_str(line, "From jane@example.org Thu Jan  1 00:00:00 1970\n", "From_ line at the epoch");
	mbox_format_from_line(line, sizeof line, NULL, 1709251199);
	is_str(line, "From MAILER-DAEMON Thu Feb 29 23:59:59 2024\n", "no sender gives MAILER-DAEMON");
	mbox_format_from_line(line, sizeof line, "a b\tc\n", -5);
	is_str(line, "From a_b_c_ Thu Jan  1 00:00:00 1970\n", "white space in the sender becomes _");
	memset(longaddr, 'x', 999);
	longaddr[999] = '\0';
	is_int(mbox_format_from_line(line, sizeof line, longaddr, 0), 5 + 512 + 26,
	       "a long sender is cut at 512 bytes");
	free(longaddr);
}

/* Messages whose bytes must survive write -> read unchanged. */
static const struct {
	const char *data;
	size_t len;
} corpus[] = {
#define M(s) { s, sizeof s - 1 }
	M("Subject: plain\n\nhello\n"),
	M("Subject: from lines\n\nFrom the start\n>From one\n>>From two\n>>>From three\n"
	  "From: header-like\nFromage\n>Fromage\nFrom\n>From\n"),
	M("From at the very start of a message\n"),
	M("Subject: ends with blank lines\n\nx\n\n\n"),
	M(""),
	M("\n"),
	M("\n\n"),
	M("Subject: crlf\r\n\r\nFrom crlf\r\n>From crlf\r\n\r\n"),
	M("Subject: nul\n\n\0\0From \0\n\0\n"),
	M("Subject: real From_ line in the body\n\n"
	  "From someone@example.org Mon Jan  1 10:00:00 2024\n\n"
	  "From other@example.org Mon Jan  1 10:00:00 2024\n"),
	M("Subject: last\n\nno blank line at the end\n"),
#undef M
};

static void test_round_trip(void)
{
	struct error *err = NULL;
	struct mbox_writer *w;
	struct got g;
	char *path = path_join(tmpdir, "round.mbox");
	bool exact = true;
	int rc = 0;

	w = mbox_writer_open(path, false, &err);
	ok(w != NULL, "writer opens a new file");
	for (size_t i = 0; i < ARRAY_LEN(corpus) && w != NULL; i++)
		rc |= mbox_write(w, corpus[i].data, corpus[i].len, "sender@example.org",
				 1700000000, &err);
	is_int(rc, 0, "every message written");
	is_int(mbox_writer_close(&w, &err), 0, "writer closes");
	ok(w == NULL, "close clears the pointer");
	error_free(&err);

	read_path(path, 0, 0, &g);
	is_int(g.n, ARRAY_LEN(corpus), "every message read back");
	for (size_t i = 0; i < g.n && i < ARRAY_LEN(corpus); i++) {
		if (!same_bytes(g.data[i], g.len[i], corpus[i].data, corpus[i].len)) {
			diag("message %zu differs: got %zu bytes, want %zu", i, g.len[i], corpus[i].len);
			exact = false;
		}
		if (strcmp(g.addr[i], "sender@example.org") != 0)
			exact = false;
	}
	ok(exact, "write -> read is byte-exact for the tricky corpus");
	is_str(g.n > 0 ? g.date[0] : "", "Tue Nov 14 22:13:20 2023", "date written in asctime form");
	got_free(&g);

	/* Every read size gives the same result on the written file. */
	exact = true;
	for (size_t bs = 1; bs <= 12 && exact; bs++) {
		read_path(path, bs, 0, &g);
		if (g.n != ARRAY_LEN(corpus))
			exact = false;
		for (size_t i = 0; i < g.n && i < ARRAY_LEN(corpus); i++)
			if (!same_bytes(g.data[i], g.len[i], corpus[i].data, corpus[i].len))
				exact = false;
		got_free(&g);
	}
	ok(exact, "round trip exact with read sizes 1..12");

	/* Export -> import -> export gives the same file. */
	{
		struct mbox_reader *r = mbox_open(path, NULL, &err);
		char *path2 = path_join(tmpdir, "round2.mbox");
		struct mbox_message m;
		struct stat st1, st2;
		char *a = NULL, *b = NULL;

		w = mbox_writer_open(path2, false, &err);
		while (r != NULL && w != NULL && mbox_next(r, &m, &err) > 0)
			mbox_write(w, m.data, m.len, m.from_addr, 1700000000, &err);
		mbox_close(&r);
		mbox_writer_close(&w, &err);
		ok(err == NULL, "re-export without error");
		error_free(&err);
		if (stat(path, &st1) == 0 && stat(path2, &st2) == 0 && st1.st_size == st2.st_size) {
			FILE *f1 = fopen(path, "rb"), *f2 = fopen(path2, "rb");

			a = xmalloc((size_t)st1.st_size + 1);
			b = xmalloc((size_t)st1.st_size + 1);
			if (fread(a, 1, (size_t)st1.st_size, f1) != (size_t)st1.st_size ||
			    fread(b, 1, (size_t)st1.st_size, f2) != (size_t)st1.st_size)
				a[0] = (char)~b[0];
			fclose(f1);
			fclose(f2);
		}
		ok(a != NULL && b != NULL && memcmp(a, b, (size_t)st1.st_size) == 0,
		   "export -> import -> export gives the same file");
		free(a);
		free(b);
		free(path2);
	}

	/* Writing to an existing file without append is refused. */
	w = mbox_writer_open(path, false, &err);
	ok(w == NULL && err != NULL && strstr(err->msg, "already exists") != NULL,
	   "no overwrite of an existing file");
	error_free(&err);
	free(path);
}

static void test_no_final_newline(void)
{
	struct error *err = NULL;
	char *path = path_join(tmpdir, "nonl.mbox");
	struct mbox_writer *w = mbox_writer_open(path, false, &err);
	struct got g;

	mbox_write(w, "Subject: x\n\nno newline", 22, "a", 0, &err);
	mbox_write(w, "From me", 7, "b", 0, &err);
	mbox_writer_close(&w, &err);
	ok(err == NULL, "writing messages without a final newline");
	error_free(&err);
	read_path(path, 0, 0, &g);
	is_int(g.n, 2, "both read back");
	is_str(g.data[0], "Subject: x\n\nno newline\n", "a message without a final newline gains one");
	is_str(g.data[1], "From me\n", "and a quoted one too");
	got_free(&g);
	free(path);
}

static void test_append(void)
{
	struct error *err = NULL;
	static const char *const starts[] = {
		"From a Mon Jan  1 10:00:00 2024\nold, no newline",
		"From a Mon Jan  1 10:00:00 2024\nold, newline\n",
		"From a Mon Jan  1 10:00:00 2024\nold, blank\n\n",
		"From a Mon Jan  1 10:00:00 2024\r\nold, crlf\r\n\r\n",
	};
	static const char *const want[] = {
		"old, no newline\n", "old, newline\n", "old, blank\n", "old, crlf\r\n",
	};

	for (size_t i = 0; i < ARRAY_LEN(starts); i++) {
		char *name = xasprintf("append%zu.mbox", i);
		char *path = write_file(name, starts[i], strlen(starts[i]));
		struct mbox_writer *w = mbox_writer_open(path, true, &err);
		struct got g;

		mbox_write(w, "new\n", 4, "b", 0, &err);
		mbox_writer_close(&w, &err);
		ok(err == NULL, "append %zu: written", i);
		error_free(&err);
		read_path(path, 0, 0, &g);
		is_int(g.n, 2, "append %zu: two messages", i);
		is_str(g.n == 2 ? g.data[0] : "", want[i], "append %zu: the old message is intact", i);
		is_str(g.n == 2 ? g.data[1] : "", "new\n", "append %zu: the new message", i);
		got_free(&g);
		free(path);
		free(name);
	}
	{
		char *path = path_join(tmpdir, "append-new.mbox");
		struct mbox_writer *w = mbox_writer_open(path, true, &err);

		mbox_write(w, "x\n", 2, "b", 0, &err);
		is_int(mbox_writer_close(&w, &err), 0, "append creates a missing file");
		free(path);
	}
	{
		struct mbox_writer *w = mbox_writer_open("/nonexistent-dir/x.mbox", false, &err);

		ok(w == NULL && err != NULL && err->kind == ERR_IO, "writer: a bad path is ERR_IO");
		error_free(&err);
	}
	{
		int fd = open("/dev/full", O_WRONLY);
		struct mbox_writer *w;

		if (fd < 0) {
			ok(1, "# SKIP no /dev/full");
		} else {
			w = mbox_writer_fdopen(fd, "/dev/full", &err);
			mbox_write(w, "x\n", 2, "a", 0, &err);
			ok(mbox_writer_close(&w, &err) < 0 && err != NULL &&
			   strstr(err->msg, "/dev/full") != NULL, "a full disk is reported on close");
			error_free(&err);
		}
	}
}

/* Reading from and writing to a pipe: no seeking, no fsync. */
static void test_pipe(void)
{
	static const char data[] = "From a Mon Jan  1 10:00:00 2024\nx\n\nFrom b Mon Jan  1 10:00:00 2024\ny\n";
	struct error *err = NULL;
	struct mbox_params p = { 5, 0 };
	struct mbox_reader *r;
	struct mbox_writer *w;
	struct mbox_message m;
	char back[128];
	int fds[2];
	ssize_t n;

	if (pipe(fds) < 0 || write(fds[1], data, sizeof data - 1) != (ssize_t)(sizeof data - 1))
		fatal("pipe: %s", strerror(errno));
	close(fds[1]);
	r = mbox_open_fd(fds[0], "a pipe", &p, &err);
	ok(r != NULL, "an mbox can be read from a pipe");
	is_int(r != NULL ? mbox_next(r, &m, &err) : -1, MBOX_MESSAGE, "first message from the pipe");
	is_int(r != NULL ? mbox_next(r, &m, &err) : -1, MBOX_MESSAGE, "second message from the pipe");
	is_int(r != NULL ? mbox_next(r, &m, &err) : -1, MBOX_END, "then the end");
	is_int(r != NULL ? mbox_offset(r) : 0, sizeof data - 1, "mbox_offset is the whole input at the end");
	mbox_close(&r);
	error_free(&err);

	if (pipe(fds) < 0)
		fatal("pipe: %s", strerror(errno));
	w = mbox_writer_fdopen(fds[1], "a pipe", &err);
	mbox_write(w, "x\n", 2, "a", 0, &err);
	is_int(mbox_writer_close(&w, &err), 0, "writing to a pipe needs no fsync");
	n = read(fds[0], back, sizeof back - 1);
	back[n > 0 ? n : 0] = '\0';
	is_str(back, "From a Thu Jan  1 00:00:00 1970\nx\n\n", "what the writer wrote");
	close(fds[0]);
	error_free(&err);
}

/* ---- flags ---- */

static void test_flags(void)
{
	char letters[MSG_FLAG_COUNT + 1];
	struct buf b = BUF_INIT;
	struct error *err = NULL;
	unsigned f = 99;

	is_int(msgflags_to_maildir(MSG_FLAGS_ALL, letters), 6, "all flags: six letters");
	is_str(letters, "DFPRST", "maildir letters in ASCII order");
	msgflags_to_maildir(MSG_SEEN | MSG_ANSWERED, letters);
	is_str(letters, "RS", "seen and answered");
	msgflags_to_maildir(0, letters);
	is_str(letters, "", "no flags");
	is_int(msgflags_from_maildir("FSxa", 4), MSG_FLAGGED | MSG_SEEN, "letters to flags, unknown ignored");
	is_int(msgflags_from_maildir("TDPR", 4), MSG_TRASHED | MSG_DRAFT | MSG_PASSED | MSG_ANSWERED,
	       "the other letters");
	for (unsigned i = 0; i <= MSG_FLAGS_ALL; i++) {
		msgflags_to_maildir(i, letters);
		if (msgflags_from_maildir(letters, strlen(letters)) != i)
			break;
		if (i == MSG_FLAGS_ALL)
			ok(1, "every flag set survives letters and back");
	}
	is_str(msgflag_name(MSG_ANSWERED), "answered", "flag name");
	ok(msgflag_name(MSG_SEEN | MSG_DRAFT) == NULL, "no name for two flags");
	msgflags_format(MSG_SEEN | MSG_FLAGGED | MSG_PASSED, ",", &b);
	is_str(buf_cstr(&b), "seen,flagged,passed", "format names");
	is_int(msgflags_parse(" Seen, flagged passed", &f, &err), 0, "parse names");
	is_int(f, MSG_SEEN | MSG_FLAGGED | MSG_PASSED, "parsed flags");
	is_int(msgflags_parse("seen,bogus", &f, &err), -1, "unknown name fails");
	ok(err != NULL && strstr(err->msg, "\"bogus\"") != NULL, "and names it");
	error_free(&err);
	is_int(msgflags_parse("", &f, &err), 0, "empty list");
	is_int(f, 0, "is no flags");
	is_str(maildir_info_letters("123.M1P2.host:2,FS"), "FS", "info after :2,");
	is_str(maildir_info_letters("123.M1P2.host;2,S"), "S", "info after ;2,");
	ok(maildir_info_letters("123.M1P2.host") == NULL, "no info");
	ok(maildir_info_letters("123.M1P2.host:1,x") == NULL, "experimental info 1 is not flags");
	is_str(maildir_info_letters("a:b:2,"), "", "empty info");
	is_int(msgflag_table()[4].flag, MSG_TRASHED, "table in bit order");
	buf_free(&b);
}

static void cleanup(void)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);

	if (system(cmd) != 0)
		diag("cannot remove %s", tmpdir);
	free(cmd);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	test_tricky();
	test_from_lines();
	test_crlf();
	test_damaged();
	test_limits();
	test_boundaries();
	test_from_line_format();
	test_round_trip();
	test_no_final_newline();
	test_append();
	test_pipe();
	test_flags();
	cleanup();
	return tap_done();
}
