/* test-maildir.c - the Maildir reader and writer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "maildir.h"
#include "msgflags.h"
#include "paths.h"
#include "util.h"
#include "../tap.h"

#define MAX_MSGS 128

struct got {
	size_t n, skipped;
	int end_rc;
	char *errs;		/* every skip error, one per line */
	char *data[MAX_MSGS];
	size_t len[MAX_MSGS];
	char *name[MAX_MSGS];
	char *folder[MAX_MSGS];
	unsigned flags[MAX_MSGS];
	bool is_new[MAX_MSGS];
};

static char tmpdir[] = "/tmp/petrel-test-maildir.XXXXXX";

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->data[i]);
		free(g->name[i]);
		free(g->folder[i]);
	}
	free(g->errs);
	memset(g, 0, sizeof *g);
}

/* Opens path and reads every message, going on past skipped ones. */
static int read_all(const char *path, const struct maildir_params *p, struct got *g)
{
	struct error *err = NULL;
	struct maildir_reader *r;
	struct maildir_message m;
	struct buf errs = BUF_INIT;
	int rc;

	memset(g, 0, sizeof *g);
	r = maildir_open(path, p, &err);
	if (r == NULL) {
		g->errs = xstrdup(err->msg);
		error_free(&err);
		g->end_rc = MAILDIR_ERROR;
		return MAILDIR_ERROR;
	}
	for (;;) {
		rc = maildir_next(r, &m, &err);
		if (rc == MAILDIR_SKIPPED) {
			g->skipped++;
			buf_printf(&errs, "%s\n", err->msg);
			error_free(&err);
			continue;
		}
		if (rc != MAILDIR_MESSAGE || g->n == MAX_MSGS)
			break;
		g->data[g->n] = xmalloc(m.len + 1);
		memcpy(g->data[g->n], m.data, m.len);
		g->data[g->n][m.len] = '\0';
		g->len[g->n] = m.len;
		g->name[g->n] = xstrdup(m.name);
		g->folder[g->n] = xstrdup(m.folder);
		g->flags[g->n] = m.flags;
		g->is_new[g->n] = m.is_new;
		ok(strstr(m.path, m.name) != NULL && strncmp(m.path, path, strlen(path)) == 0,
		   "path %s is below the folder and ends in the name", m.path);
		g->n++;
	}
	error_free(&err);
	maildir_close(&r);
	g->errs = buf_steal(&errs, NULL);
	g->end_rc = rc;
	return rc;
}

static void put(const char *dir, const char *name, const char *data)
{
	char *path = path_join(dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		fatal("cannot write %s: %s", path, strerror(errno));
	close(fd);
	free(path);
}

static char *mkdirs(const char *rel)
{
	char *dir = path_join(tmpdir, rel);

	if (path_mkdirs(dir, 0700, NULL) < 0)
		fatal("cannot create %s", dir);
	return dir;
}

static void make_maildir(const char *rel)
{
	static const char *const subs[] = { "cur", "new", "tmp" };

	for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
		char *sub = path_join(rel, subs[i]);

		free(mkdirs(sub));
		free(sub);
	}
}

static void test_read(void)
{
	struct got g;
	char *md, *cur, *new, *tmp;

	make_maildir("md");
	md = path_join(tmpdir, "md");
	cur = path_join(md, "cur");
	new = path_join(md, "new");
	tmp = path_join(md, "tmp");
	put(cur, "1000.M1P1.host:2,S", "seen\n");
	put(cur, "1001.M1P1.host:2,FRS", "flagged replied seen\n");
	put(cur, "1002.M1P1.host:2,", "no flags\n");
	put(cur, "1002.M2P1.host", "no info at all\n");
	put(cur, "1004 odd name, with spaces:2,TDPa", "trashed draft passed\n");
	put(cur, ".hidden", "never read\n");
	put(new, "1003.M1P1.host", "new\n");
	put(new, "1000.M5P1.host:2,SF", "new with an info\n");
	put(new, "1005.empty", "");
	put(tmp, "0999.M1P1.host", "in tmp, never read\n");

	read_all(md, NULL, &g);
	is_int(g.end_rc, MAILDIR_END, "maildir read to the end");
	is_int(g.skipped, 0, "nothing skipped");
	is_int(g.n, 8, "eight messages: tmp/ and dotfiles skipped");
	if (g.n == 8) {
		is_str(g.name[0], "1000.M1P1.host:2,S", "sorted by name across cur/ and new/ (0)");
		is_str(g.name[1], "1000.M5P1.host:2,SF", "sorted by name across cur/ and new/ (1)");
		is_str(g.name[7], "1005.empty", "sorted by name across cur/ and new/ (7)");
		is_int(g.flags[0], MSG_SEEN, "S is seen");
		ok(!g.is_new[0], "cur/ is not new");
		is_int(g.flags[1], MSG_FLAGGED, "a message in new/ is unseen whatever its info");
		ok(g.is_new[1], "new/ is new");
		is_str(g.data[2], "flagged replied seen\n", "bytes read");
		is_int(g.flags[2], MSG_FLAGGED | MSG_ANSWERED | MSG_SEEN, "FRS");
		is_int(g.flags[3], 0, "empty info: no flags");
		is_int(g.flags[4], 0, "no info: no flags");
		is_str(g.name[5], "1003.M1P1.host", "new message");
		is_int(g.flags[5], 0, "new message unseen");
		is_int(g.flags[6], MSG_TRASHED | MSG_DRAFT | MSG_PASSED, "TDP, keyword letter ignored");
		is_str(g.folder[6], "", "the top folder is \"\"");
		is_int(g.len[7], 0, "an empty file is an empty message");
	}
	got_free(&g);

	/* Files that cannot be read are skipped, and reading goes on. */
	{
		char *link = path_join(cur, "1001.dangling:2,S");

		if (symlink("/nonexistent/petrel-message", link) < 0)
			fatal("symlink: %s", strerror(errno));
		free(link);
	}
	free(mkdirs("md/cur/1001.dir:2,S"));
	{
		char *fifo = path_join(cur, "1001.fifo:2,S");

		if (mkfifo(fifo, 0600) < 0)
			fatal("mkfifo: %s", strerror(errno));
		free(fifo);
	}
	read_all(md, NULL, &g);
	is_int(g.n, 8, "the readable messages are all read");
	is_int(g.skipped, 3, "dangling link, directory and FIFO are skipped");
	ok(g.errs != NULL && strstr(g.errs, "1001.dangling:2,S") != NULL,
	   "the error names the dangling link");
	ok(g.errs != NULL && strstr(g.errs, "1001.dir:2,S: it is not a regular file") != NULL,
	   "the error says the directory is not a file");
	ok(g.errs != NULL && strstr(g.errs, "1001.fifo:2,S: it is not a regular file") != NULL,
	   "the error says the FIFO is not a file");
	is_int(g.end_rc, MAILDIR_END, "and the reading ends normally");
	got_free(&g);

	/* The size limit skips one message. */
	{
		struct maildir_params p = { 10, false };

		read_all(md, &p, &g);
		is_int(g.skipped, 3 + 4, "over the limit: four more skipped");
		is_int(g.n, 4, "the small ones are read");
		ok(g.errs != NULL && strstr(g.errs, "larger than the limit of 10 bytes") != NULL,
		   "the error says why");
		got_free(&g);
	}
	free(md);
	free(cur);
	free(new);
	free(tmp);
}

static void test_tree(void)
{
	struct maildir_params top = { 0, true };
	struct got g;
	char *root = path_join(tmpdir, "tree"), *d;

	make_maildir("tree");
	make_maildir("tree/.Sent");
	make_maildir("tree/.Lists.linux");
	free(mkdirs("tree/.notmuch/xapian"));
	free(mkdirs("tree/Archive/2020/cur"));	/* only cur/, like a git checkout */
	free(mkdirs("tree/Archive/2020/.git/objects"));
	d = path_join(tmpdir, "tree/cur");
	put(d, "1.a:2,S", "inbox\n");
	free(d);
	d = path_join(tmpdir, "tree/.Sent/cur");
	put(d, "2.a:2,S", "sent\n");
	free(d);
	d = path_join(tmpdir, "tree/.Lists.linux/new");
	put(d, "3.a", "list\n");
	free(d);
	d = path_join(tmpdir, "tree/Archive/2020/cur");
	put(d, "4.a:2,RS", "archived\n");
	free(d);
	d = path_join(tmpdir, "tree/.notmuch/xapian");
	put(d, "5.a", "not mail\n");
	free(d);
	if (symlink(root, "tree-loop") == 0) {
		char *loop = path_join(root, "loop");

		rename("tree-loop", loop);
		free(loop);
	}

	read_all(root, NULL, &g);
	is_int(g.n, 4, "a Maildir++ tree: four messages, .notmuch not read, no loop");
	if (g.n == 4) {
		is_str(g.folder[0], "", "the top folder first");
		is_str(g.folder[1], ".Lists.linux", "then Maildir++ folders by name");
		is_str(g.folder[2], ".Sent", "the other Maildir++ folder");
		is_str(g.folder[3], "Archive/2020", "then nested folders");
		is_int(g.flags[3], MSG_ANSWERED | MSG_SEEN, "flags in a nested folder");
	}
	got_free(&g);

	read_all(root, &top, &g);
	is_int(g.n, 1, "top_only reads only the top Maildir");
	got_free(&g);

	d = path_join(root, "Archive");
	read_all(d, NULL, &g);
	is_int(g.n, 1, "a directory holding Maildirs is read");
	is_str(g.n == 1 ? g.folder[0] : "", "2020", "with the folder path below it");
	got_free(&g);
	ok(!maildir_is_maildir(d), "Archive is not a Maildir itself");
	free(d);
	d = path_join(root, "Archive/2020");
	ok(maildir_is_maildir(d), "a directory with only cur/ is a Maildir");
	free(d);
	free(root);
}

static void test_not_maildir(void)
{
	struct got g;
	char *d = mkdirs("plain/sub/deeper");
	char *f;

	free(d);
	d = path_join(tmpdir, "plain");
	put(d, "file", "x\n");
	read_all(d, NULL, &g);
	is_int(g.end_rc, MAILDIR_ERROR, "a directory without Maildirs is refused");
	ok(g.errs != NULL && strstr(g.errs, "is not a Maildir: it has no cur/ or new/ directory") != NULL,
	   "with a clear error: %s", g.errs ? g.errs : "");
	got_free(&g);

	f = path_join(d, "file");
	read_all(f, NULL, &g);
	ok(g.errs != NULL && strstr(g.errs, "is not a Maildir: it is not a directory") != NULL,
	   "a file is not a Maildir");
	got_free(&g);
	free(f);

	f = path_join(d, "missing");
	{
		struct error *err = NULL;
		struct maildir_reader *r = maildir_open(f, NULL, &err);

		ok(r == NULL && err != NULL && err->kind == ERR_NOTFOUND, "a missing path is ERR_NOTFOUND");
		error_free(&err);
	}
	free(f);
	free(d);

	/* A tree nested too deep is refused rather than half read. */
	{
		struct buf rel = BUF_INIT;

		buf_puts(&rel, "deep");
		for (int i = 0; i < MAILDIR_MAX_DEPTH + 1; i++)
			buf_puts(&rel, "/d");
		buf_puts(&rel, "/cur");
		free(mkdirs(buf_cstr(&rel)));
		buf_free(&rel);
		d = path_join(tmpdir, "deep");
		read_all(d, NULL, &g);
		ok(g.end_rc == MAILDIR_ERROR && g.errs != NULL && strstr(g.errs, "nested deeper") != NULL,
		   "a tree deeper than %d levels is refused", MAILDIR_MAX_DEPTH);
		got_free(&g);
		free(d);
	}

	/* An empty Maildir is fine: no messages. */
	make_maildir("empty");
	d = path_join(tmpdir, "empty");
	read_all(d, NULL, &g);
	is_int(g.end_rc, MAILDIR_END, "an empty Maildir reads to the end");
	is_int(g.n, 0, "with no messages");
	got_free(&g);
	free(d);
}

static void test_write(void)
{
	struct error *err = NULL;
	struct maildir_writer *w;
	struct got g;
	char *dir = path_join(tmpdir, "out/deep/Maildir");
	const char *path = NULL;
	bool flags_ok = true, names_ok = true;
	struct stat st;
	char pidpart[32];

	is_int(maildir_create(dir, &err), 0, "maildir_create makes the folder and its parents");
	is_int(maildir_create(dir, &err), 0, "maildir_create on an existing Maildir is fine");
	{
		char *tmp = path_join(dir, "tmp");

		ok(stat(tmp, &st) == 0 && (st.st_mode & 0777) == 0700, "tmp/ is 0700");
		free(tmp);
	}
	w = maildir_writer_open(dir, &err);
	ok(w != NULL, "writer opens");
	for (unsigned f = 0; f <= MSG_FLAGS_ALL && w != NULL; f++) {
		char *body = xasprintf("Subject: %u\n\nflags %u\n", f, f);

		if (maildir_write(w, body, strlen(body), f, &path, &err) < 0)
			flags_ok = false;
		free(body);
	}
	ok(flags_ok && err == NULL, "64 messages written");
	error_free(&err);
	ok(path != NULL && strstr(path, "/cur/") != NULL && strstr(path, ":2,DFPRST") != NULL,
	   "the last one (all flags) is in cur/ with sorted letters: %s", path ? path : "");
	maildir_write(w, "a\0b\r\n", 5, MSG_SEEN, &path, &err);
	maildir_write(w, "", 0, 0, &path, &err);
	ok(path != NULL && strstr(path, "/cur/") != NULL && strstr(path, ":2,") != NULL &&
	   path[strlen(path) - 1] == ',', "an unseen message goes to cur/ with an empty info");
	maildir_writer_close(&w);
	ok(w == NULL, "close clears the pointer");

	read_all(dir, NULL, &g);
	is_int(g.n, 66, "every message read back");
	snprintf(pidpart, sizeof pidpart, "P%ldQ", (long)getpid());
	for (size_t i = 0; i < g.n; i++) {
		unsigned f;

		if (strstr(g.name[i], ".M") == NULL || strstr(g.name[i], pidpart) == NULL)
			names_ok = false;
		if (sscanf(g.data[i], "Subject: %u", &f) == 1 && g.flags[i] != f) {
			diag("%s has flags %u, want %u", g.name[i], g.flags[i], f);
			flags_ok = false;
		}
		if (g.is_new[i])
			flags_ok = false;
	}
	ok(flags_ok, "every flag set survives write and read");
	ok(names_ok, "names are time.M<usec>P<pid>Q<counter>.host");
	{
		bool found_nul = false, found_empty = false;

		for (size_t i = 0; i < g.n; i++) {
			if (g.len[i] == 5 && memcmp(g.data[i], "a\0b\r\n", 5) == 0 && g.flags[i] == MSG_SEEN)
				found_nul = true;
			if (g.len[i] == 0 && g.flags[i] == 0)
				found_empty = true;
		}
		ok(found_nul, "NUL bytes and CRLF written exactly");
		ok(found_empty, "an empty message written");
	}
	got_free(&g);
	{
		char *tmp = path_join(dir, "tmp");
		char *cmd = xasprintf("test -z \"$(ls -A '%s')\"", tmp);

		is_int(system(cmd), 0, "tmp/ is empty afterwards");
		free(cmd);
		free(tmp);
	}

	/* A failure leaves nothing behind and is reported. */
	{
		char *tmp = path_join(dir, "tmp");
		char *cmd = xasprintf("ls '%s/cur' | wc -l", dir);
		FILE *p;
		int before = -1, after = -2;

		p = popen(cmd, "r");
		if (p == NULL || fscanf(p, "%d", &before) != 1)
			before = -1;
		if (p != NULL)
			pclose(p);
		w = maildir_writer_open(dir, &err);
		rmdir(tmp);
		ok(maildir_write(w, "x\n", 2, 0, &path, &err) < 0 && err != NULL && err->kind == ERR_IO,
		   "writing into a removed tmp/ fails");
		ok(err != NULL && strstr(err->msg, "/tmp") != NULL, "the error names tmp/");
		error_free(&err);
		maildir_writer_close(&w);
		p = popen(cmd, "r");
		if (p == NULL || fscanf(p, "%d", &after) != 1)
			after = -2;
		if (p != NULL)
			pclose(p);
		is_int(after, before, "nothing was added to cur/");
		free(cmd);
		free(tmp);
	}

	w = maildir_writer_open(dir, &err);
	ok(w == NULL && err != NULL && err->kind == ERR_DATA, "a Maildir without tmp/ is not writable");
	error_free(&err);
	free(dir);

	/* maildir_create refuses a file where a directory must be. */
	dir = mkdirs("blocked");
	put(dir, "cur", "not a directory\n");
	ok(maildir_create(dir, &err) < 0 && err != NULL && strstr(err->msg, "cur") != NULL,
	   "maildir_create fails when cur is a file");
	error_free(&err);
	free(dir);
}

static void cleanup(void)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);

	if (system(cmd) != 0)
		diag("cannot remove %s", tmpdir);
	free(cmd);
}

/* A file longer than fstat says (it grew since, or is one of /proc's,
 * which all say 0) is read to its end, and the limit still holds; the
 * bytes can be taken over by the caller. */
static void test_growing(void)
{
	struct maildir_params small = { .max_message = 10 };
	struct maildir_reader *r;
	struct maildir_message m;
	struct error *err = NULL;
	char *data;

	if (mkdir("grow", 0700) != 0 || mkdir("grow/cur", 0700) != 0 ||
	    mkdir("grow/new", 0700) != 0 || mkdir("grow/tmp", 0700) != 0 ||
	    symlink("/proc/self/status", "grow/cur/1.1.host:2,S") != 0)
		fatal("grow: %s", strerror(errno));
	r = maildir_open("grow", NULL, &err);
	ok(r != NULL && maildir_next(r, &m, &err) == MAILDIR_MESSAGE,
	   "a file whose size says 0 is read");
	ok(r != NULL && m.len > 100 && strncmp(m.data, "Name:", 5) == 0 &&
	   strlen(m.data) == m.len, "to its end, NUL-terminated");
	data = r != NULL ? maildir_take_data(r) : NULL;
	ok(data != NULL && data == m.data, "its bytes can be taken over");
	ok(r != NULL && maildir_take_data(r) == NULL, "once");
	free(data);
	ok(r != NULL && maildir_next(r, &m, &err) == MAILDIR_END, "and the reader goes on");
	maildir_close(&r);
	r = maildir_open("grow", &small, &err);
	ok(r != NULL && maildir_next(r, &m, &err) == MAILDIR_SKIPPED && err != NULL &&
	   strstr(err->msg, "larger than the limit") != NULL,
	   "past the size limit while it reads, it is skipped");
	error_free(&err);
	maildir_close(&r);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	if (chdir(tmpdir) < 0)
		fatal("chdir: %s", strerror(errno));
	test_read();
	test_tree();
	test_not_maildir();
	test_write();
	test_growing();
	cleanup();
	return tap_done();
}
