/* test-fetch.c - the fetch policy against scripted POP3 servers (in-memory
 * dialogues): pipelined RETR windows, DELE only after the commit, known
 * UIDLs never downloaded again, a cut mid-message keeps what arrived and
 * the retry completes it, headers-only fetches over pop3-max-size,
 * delete-after-days, servers without PIPELINING or UIDL, --mark-seen. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "transport.h"
#include "util.h"
#include "../tap.h"

#define MAX_CONN 4

struct script {
	struct transport *conn[MAX_CONN];
	size_t missing[MAX_CONN];	/* expected client bytes never sent */
	int n, used;
};

/* A transparent layer over a scripted connection that, when the session
 * frees it, notes how much of the dialogue the client did not follow. */
struct probe {
	struct transport base;
	size_t *missing;
};

static ssize_t probe_read(struct transport *t, void *p, size_t n, int ms, struct error **err)
{
	return transport_read(t->lower, p, n, ms, err);
}

static int probe_write(struct transport *t, const void *p, size_t n, int ms, struct error **err)
{
	return transport_write(t->lower, p, n, ms, err);
}

static bool probe_pending(struct transport *t)
{
	return transport_pending(t->lower);
}

static void probe_destroy(struct transport *t)
{
	struct probe *pr = (struct probe *)t;

	*pr->missing = mem_transport_expect_missing(t->lower);
	transport_free(&t->lower);
	free(pr);
}

static const struct transport_ops probe_ops = {
	"probe", probe_read, probe_write, probe_pending, probe_destroy,
};

static struct stream *connect_scripted(void *ctx, const struct account *acct,
				       struct error **err)
{
	struct script *sc = ctx;
	struct stream_params sp = { .timeout_ms = 2000 };
	struct probe *pr;

	(void)acct;
	if (sc->used >= sc->n) {
		error_set(err, ERR_TEMP, "no more scripted connections");
		return NULL;
	}
	pr = xcalloc(1, sizeof *pr);
	transport_init(&pr->base, &probe_ops, "pop.test:110", sc->conn[sc->used]);
	pr->missing = &sc->missing[sc->used];
	sc->conn[sc->used++] = NULL;
	return stream_new(&pr->base, &sp);
}

static const char *const bodies[] = {
	"From: a@example.org\r\nSubject: one\r\nMessage-ID: <1@x>\r\n\r\nbody one\r\n",
	"From: b@example.org\r\nSubject: two\r\nMessage-ID: <2@x>\r\n\r\n.leading dot\r\nbody two\r\n",
	"From: c@example.org\r\nSubject: three\r\nMessage-ID: <3@x>\r\n\r\nbody three\r\n",
	"From: d@example.org\r\nSubject: four\r\nMessage-ID: <4@x>\r\n\r\nbody four\r\n",
};
static const char *const uids[] = { "uid-aaa", "uid-bbb", "uid-ccc", "uid-ddd" };

/* The RETR answer for message i (dot-stuffed). */
static char *retr_answer(int i)
{
	const char *b = bodies[i];
	struct buf out = BUF_INIT;

	buf_puts(&out, "+OK\r\n");
	for (const char *line = b; *line; ) {
		const char *end = strstr(line, "\r\n");
		size_t n = end ? (size_t)(end - line) + 2 : strlen(line);

		if (line[0] == '.')
			buf_putc(&out, '.');
		buf_append(&out, line, n);
		line += n;
	}
	buf_puts(&out, ".\r\n");
	return buf_steal(&out, NULL);
}

/* Greeting, CAPA, USER/PASS, STAT+UIDL+LIST for messages [0, n). */
static struct transport *server_login(int n, bool pipelining, bool uidl)
{
	struct transport *t = mem_transport_new("+OK POP3 ready\r\n", 0);
	struct buf b = BUF_INIT;
	uint64_t total = 0;

	mem_transport_expect(t, "CAPA\r\n");
	mem_transport_feed(t, pipelining ? "+OK\r\nUSER\r\nUIDL\r\nTOP\r\nPIPELINING\r\n.\r\n"
				       : uidl ? "+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n"
					      : "+OK\r\nUSER\r\nTOP\r\n.\r\n");
	mem_transport_expect(t, "USER jane\r\n");
	mem_transport_feed(t, "+OK\r\n");
	mem_transport_expect(t, "PASS secret\r\n");
	mem_transport_feed(t, "+OK logged in\r\n");
	for (int i = 0; i < n; i++)
		total += strlen(bodies[i]);
	if (pipelining)
		mem_transport_expect(t, uidl ? "STAT\r\nUIDL\r\nLIST\r\n" : "STAT\r\nLIST\r\n");
	else
		mem_transport_expect(t, "STAT\r\n");
	buf_printf(&b, "+OK %d %llu\r\n", n, (unsigned long long)total);
	if (!pipelining) {
		mem_transport_feed(t, buf_cstr(&b));
		buf_reset(&b);
		if (uidl)
			mem_transport_expect(t, "UIDL\r\n");
	}
	if (uidl) {
		buf_puts(&b, "+OK\r\n");
		for (int i = 0; i < n; i++)
			buf_printf(&b, "%d %s\r\n", i + 1, uids[i]);
		buf_puts(&b, ".\r\n");
	}
	if (!pipelining) {
		mem_transport_feed(t, buf_cstr(&b));
		buf_reset(&b);
		mem_transport_expect(t, "LIST\r\n");
	}
	buf_puts(&b, "+OK\r\n");
	for (int i = 0; i < n; i++)
		buf_printf(&b, "%d %zu\r\n", i + 1, strlen(bodies[i]));
	buf_puts(&b, ".\r\n");
	mem_transport_feed(t, buf_cstr(&b));
	buf_free(&b);
	return t;
}

static void serve_retr(struct transport *t, const char *cmds, const int *which, int n)
{
	mem_transport_expect(t, cmds);
	for (int i = 0; i < n; i++) {
		char *a = retr_answer(which[i]);

		mem_transport_feed(t, a);
		free(a);
	}
}

static void serve_quit(struct transport *t, const char *deles, int ndele)
{
	if (ndele > 0) {
		mem_transport_expect(t, deles);
		for (int i = 0; i < ndele; i++)
			mem_transport_feed(t, "+OK deleted\r\n");
	}
	mem_transport_expect(t, "QUIT\r\n");
	mem_transport_feed(t, "+OK bye\r\n");
}

static struct account make_account(bool keep)
{
	struct account a;

	memset(&a, 0, sizeof a);
	a.name = (char *)"home";
	a.address = (char *)"jane@example.org";
	a.pop3_host = (char *)"pop.test";
	a.pop3_port = 110;
	a.pop3_tls = CONFIG_TLS_NONE;
	a.pop3_user = (char *)"jane";
	a.pop3_auth = CONFIG_AUTH_USER;
	a.pop3_keep = keep;
	a.password = (char *)"secret";
	a.allow_plaintext_auth = true;
	a.timeout = 5;
	return a;
}

static int64_t count(struct store *st)
{
	struct store_counts c;

	store_counts(st, &c, NULL);
	return c.total;
}

static int run_fetch(struct store *st, struct account *a, struct script *sc,
		     struct fetch_options *o, struct fetch_status *status, struct error **err)
{
	o->connect = connect_scripted;
	o->connect_ctx = sc;
	return fetch_account(st, a, o, status, err);
}

static void check_dialogues(struct script *sc, const char *what)
{
	size_t missing = 0;

	for (int i = 0; i < sc->used; i++)
		missing += sc->missing[i];
	is_int(missing, 0, "%s: the client said everything the server expected", what);
	for (int i = sc->used; i < sc->n; i++)
		transport_free(&sc->conn[i]);
}

int main(void)
{
	char tmpl[] = "/tmp/petrel-fetch-XXXXXX";
	char *path;
	struct store *st = NULL;
	struct error *e = NULL;
	struct fetch_status status;
	struct account a;
	struct store_uidl u;

	if (mkdtemp(tmpl) == NULL)
		return 1;
	path = xasprintf("%s/a.db", tmpl);
	store_open(&st, path, STORE_CREATE, NULL);

	/* 1. Delete mode: three RETRs in one flush, DELE only after the
	 *    commit, all pipelined. */
	{
		struct script sc = { .n = 1 };
		struct fetch_options o = { 0 };
		int which[] = { 0, 1, 2 };

		a = make_account(false);
		sc.conn[0] = server_login(3, true, true);
		serve_retr(sc.conn[0], "RETR 1\r\nRETR 2\r\nRETR 3\r\n", which, 3);
		serve_quit(sc.conn[0], "DELE 1\r\nDELE 2\r\nDELE 3\r\n", 3);
		is_int(run_fetch(st, &a, &sc, &o, &status, &e), 0, "fetch in delete mode");
		if (e) diag("%s", e->msg), error_free(&e);
		check_dialogues(&sc, "delete mode");
		is_int(status.fetched, 3, "three fetched");
		is_int(status.deleted, 3, "three deleted");
		is_int(count(st), 3, "three in the archive");
		store_uidl_get(st, "home", "uid-bbb", &u, NULL);
		ok(u.found && u.deleted && u.message > 0, "UIDL recorded with its message, deleted");
		{
			struct store_row *rows;
			size_t n;
			char *raw;
			size_t len;

			store_window(st, STORE_ORDER_DATE, 0, true, true, 10, &rows, &n, NULL);
			store_get_raw(st, rows[1].id, &raw, &len, NULL);
			ok(strstr(raw, "\r\n.leading dot\r\n") != NULL, "dot stuffing undone");
			free(raw);
			store_rows_free(rows, n);
		}
		transport_free(&sc.conn[0]);
	}

	/* 2. Keep mode, same mailbox plus one: only the new one is fetched,
	 *    nothing is deleted. */
	{
		struct script sc = { .n = 1 };
		struct fetch_options o = { 0 };
		int which[] = { 3 };

		a = make_account(true);
		sc.conn[0] = server_login(4, true, true);
		serve_retr(sc.conn[0], "RETR 4\r\n", which, 1);
		serve_quit(sc.conn[0], "", 0);
		is_int(run_fetch(st, &a, &sc, &o, &status, &e), 0, "fetch in keep mode");
		if (e) diag("%s", e->msg), error_free(&e);
		check_dialogues(&sc, "keep mode");
		is_int(status.fetched, 1, "only the new message is downloaded");
		is_int(status.deleted, 0, "nothing deleted");
		is_int(count(st), 4, "four in the archive");
		transport_free(&sc.conn[0]);
	}

	/* 3. Delete-after-days: a week later, with 5 days, the four stored
	 *    messages are deleted and nothing is downloaded. */
	{
		struct script sc = { .n = 1 };
		struct fetch_options o = { .now = (int64_t)time(NULL) + 7 * 86400 };

		a = make_account(true);
		a.pop3_delete_after_days = 5;
		sc.conn[0] = server_login(4, true, true);
		serve_quit(sc.conn[0], "DELE 1\r\nDELE 2\r\nDELE 3\r\nDELE 4\r\n", 4);
		is_int(run_fetch(st, &a, &sc, &o, &status, &e), 0, "delete-after-days");
		if (e) diag("%s", e->msg), error_free(&e);
		check_dialogues(&sc, "delete-after-days");
		is_int(status.deleted, 4, "old messages deleted");
		is_int(status.fetched, 0, "nothing downloaded");
		transport_free(&sc.conn[0]);
	}
	store_close(&st);
	unlink(path);

	/* 4. A cut in the middle of the second message: the first is kept
	 *    (committed, not deleted), the automatic retry fetches the rest
	 *    and deletes all three. */
	{
		struct script sc = { .n = 2 };
		struct fetch_options o = { 0 };
		int rest[] = { 1, 2 };
		char *a1 = retr_answer(0), *a2 = retr_answer(1);

		store_open(&st, path, STORE_CREATE, NULL);
		a = make_account(false);
		sc.conn[0] = server_login(3, true, true);
		mem_transport_expect(sc.conn[0], "RETR 1\r\nRETR 2\r\nRETR 3\r\n");
		mem_transport_feed(sc.conn[0], a1);
		a2[strlen(a2) / 2] = '\0';
		mem_transport_feed(sc.conn[0], a2); /* then the connection ends */
		sc.conn[1] = server_login(3, true, true);
		serve_retr(sc.conn[1], "RETR 2\r\nRETR 3\r\n", rest, 2);
		serve_quit(sc.conn[1], "DELE 1\r\nDELE 2\r\nDELE 3\r\n", 3);
		is_int(run_fetch(st, &a, &sc, &o, &status, &e), 0, "a cut is survived by the retry");
		if (e) diag("%s", e->msg), error_free(&e);
		is_int(sc.used, 2, "two sessions");
		check_dialogues(&sc, "cut and retry");
		is_int(count(st), 3, "every message exactly once");
		is_int(status.deleted, 3, "all deleted after the retry");
		ok(status.to_fetch == 3 && status.fetched == 3 && status.stored == 3,
		   "the run's totals count each message once: %u/%u, %u stored",
		   status.fetched, status.to_fetch, status.stored);
		ok(status.bytes_done == status.bytes_total && status.bytes_total > 0,
		   "bytes done = bytes total after the retry (%llu/%llu)",
		   (unsigned long long)status.bytes_done, (unsigned long long)status.bytes_total);
		transport_free(&sc.conn[0]);
		transport_free(&sc.conn[1]);
		free(a1);
		free(a2);
		store_close(&st);
		unlink(path);
	}

	/* 5. A cut, and the retry cut too: the error is transient, the first
	 *    message stays, nothing was deleted. */
	{
		struct script sc = { .n = 2 };
		struct fetch_options o = { 0 };
		char *a1 = retr_answer(0);

		store_open(&st, path, STORE_CREATE, NULL);
		a = make_account(false);
		for (int c = 0; c < 2; c++) {
			sc.conn[c] = server_login(3, true, true);
			mem_transport_expect(sc.conn[c], c == 0 ? "RETR 1\r\nRETR 2\r\nRETR 3\r\n"
								: "RETR 2\r\nRETR 3\r\n");
			if (c == 0)
				mem_transport_feed(sc.conn[c], a1);
		}
		is_int(run_fetch(st, &a, &sc, &o, &status, &e), -1, "two cuts: the fetch fails");
		ok(e != NULL && e->kind == ERR_TEMP, "transiently (exit 75)");
		ok(e != NULL && strstr(e->msg, "account home (pop.test:110)") != NULL,
		   "the sentence names the account and host: %s", e ? e->msg : "");
		error_free(&e);
		is_int(count(st), 1, "the message that arrived whole is kept");
		ok(status.fetched == 1 && status.stored == 1 && status.to_fetch == 3,
		   "counts: 1 stored of 3 (%u, %u of %u)", status.fetched, status.stored,
		   status.to_fetch);
		store_uidl_get(st, "home", "uid-aaa", &u, NULL);
		ok(u.found && !u.deleted, "and not deleted");
		for (int c = 0; c < 2; c++)
			transport_free(&sc.conn[c]);
		free(a1);
		store_close(&st);
		unlink(path);
	}

	/* 6. Window of two commands; pop3-max-size makes message 2 headers
	 *    only (TOP 2 0), which is never deleted. */
	{
		struct script sc = { .n = 1 };
		struct fetch_options o = { .window_cmds = 2 };
		int first[] = { 0 };
		char *a3 = retr_answer(2);
		const char *top2 = "+OK\r\nFrom: b@example.org\r\nSubject: two\r\n"
				   "Message-ID: <2@x>\r\n\r\n.\r\n";
		struct store_counts c;

		store_open(&st, path, STORE_CREATE, NULL);
		a = make_account(false);
		a.pop3_max_size = strlen(bodies[1]) - 5; /* only message 2 is larger */
		sc.conn[0] = server_login(3, true, true);
		serve_retr(sc.conn[0], "RETR 1\r\nTOP 2 0\r\n", first, 1);
		mem_transport_feed(sc.conn[0], top2);
		mem_transport_expect(sc.conn[0], "RETR 3\r\n");
		mem_transport_feed(sc.conn[0], a3);
		serve_quit(sc.conn[0], "DELE 1\r\nDELE 3\r\n", 2);
		is_int(run_fetch(st, &a, &sc, &o, &status, &e), 0, "window of two, max-size");
		if (e) diag("%s", e->msg), error_free(&e);
		check_dialogues(&sc, "window and TOP");
		is_int(status.partial, 1, "one message headers only");
		store_counts(st, &c, NULL);
		is_int(c.partial, 1, "marked partial in the archive");
		store_uidl_get(st, "home", "uid-bbb", &u, NULL);
		ok(u.found && u.partial && !u.deleted, "its UIDL is partial and it stays on the server");
		transport_free(&sc.conn[0]);
		free(a3);
		store_close(&st);
		unlink(path);
	}

	/* 7. No PIPELINING: one command at a time. */
	{
		struct script sc = { .n = 1 };
		struct fetch_options o = { 0 };
		int m1[] = { 0 }, m2[] = { 1 };

		store_open(&st, path, STORE_CREATE, NULL);
		a = make_account(true);
		sc.conn[0] = server_login(2, false, true);
		serve_retr(sc.conn[0], "RETR 1\r\n", m1, 1);
		serve_retr(sc.conn[0], "RETR 2\r\n", m2, 1);
		serve_quit(sc.conn[0], "", 0);
		is_int(run_fetch(st, &a, &sc, &o, &status, &e), 0, "fetch without PIPELINING");
		if (e) diag("%s", e->msg), error_free(&e);
		check_dialogues(&sc, "no pipelining");
		is_int(count(st), 2, "both stored");
		transport_free(&sc.conn[0]);
		store_close(&st);
		unlink(path);
	}

	/* 8. --mark-seen records the UIDLs without a single RETR. */
	{
		struct script sc = { .n = 1 };
		struct fetch_options o = { .mark_seen = true };

		store_open(&st, path, STORE_CREATE, NULL);
		a = make_account(true);
		sc.conn[0] = server_login(3, true, true);
		serve_quit(sc.conn[0], "", 0);
		is_int(run_fetch(st, &a, &sc, &o, &status, &e), 0, "mark-seen");
		if (e) diag("%s", e->msg), error_free(&e);
		check_dialogues(&sc, "mark-seen");
		is_int(count(st), 0, "nothing downloaded");
		store_uidl_get(st, "home", "uid-ccc", &u, NULL);
		ok(u.found, "but the UIDLs are recorded");
		transport_free(&sc.conn[0]);
		store_close(&st);
		unlink(path);
	}

	/* 9. A message larger than the memory limit is spooled to a file and
	 *    still stored byte-exact. */
	{
		struct script sc = { .n = 1 };
		struct fetch_options o = { .spool_mem = 1024 };
		struct transport *t;
		struct buf big = BUF_INIT, answer = BUF_INIT;
		struct store_row *rows;
		size_t n, len = 0;
		char *raw = NULL;

		store_open(&st, path, STORE_CREATE, NULL);
		a = make_account(true);
		buf_puts(&big, "From: big@example.org\r\nSubject: big\r\n\r\n");
		for (int i = 0; i < 20000; i++)
			buf_printf(&big, "%05d the quick brown fox jumps over the lazy dog\r\n", i);
		t = mem_transport_new("+OK ready\r\n", 0);
		mem_transport_expect(t, "CAPA\r\n");
		mem_transport_feed(t, "+OK\r\nUSER\r\nUIDL\r\n.\r\n");
		mem_transport_expect(t, "USER jane\r\n");
		mem_transport_feed(t, "+OK\r\n");
		mem_transport_expect(t, "PASS secret\r\n");
		mem_transport_feed(t, "+OK\r\n");
		mem_transport_expect(t, "STAT\r\n");
		buf_printf(&answer, "+OK 1 %zu\r\n", big.len);
		mem_transport_feed(t, buf_cstr(&answer));
		mem_transport_expect(t, "UIDL\r\n");
		mem_transport_feed(t, "+OK\r\n1 big-one\r\n.\r\n");
		mem_transport_expect(t, "LIST\r\n");
		buf_reset(&answer);
		buf_printf(&answer, "+OK\r\n1 %zu\r\n.\r\n", big.len);
		mem_transport_feed(t, buf_cstr(&answer));
		mem_transport_expect(t, "RETR 1\r\n");
		buf_reset(&answer);
		buf_printf(&answer, "+OK\r\n%s.\r\n", buf_cstr(&big));
		mem_transport_feed(t, buf_cstr(&answer));
		serve_quit(t, "", 0);
		sc.conn[0] = t;
		is_int(run_fetch(st, &a, &sc, &o, &status, &e), 0, "a message larger than the spool limit");
		if (e) diag("%s", e->msg), error_free(&e);
		check_dialogues(&sc, "spooled message");
		store_window(st, STORE_ORDER_DATE, 0, true, true, 10, &rows, &n, NULL);
		ok(n == 1 && store_get_raw(st, rows[0].id, &raw, &len, NULL) == 0 &&
		   len == big.len && memcmp(raw, big.data, len) == 0,
		   "is stored byte-exact through the spool file (%zu bytes)", big.len);
		free(raw);
		store_rows_free(rows, n);
		buf_free(&big);
		buf_free(&answer);
		store_close(&st);
		unlink(path);
	}

	/* 10. The server refuses one RETR (-ERR): that message is skipped,
	 *     the others are stored, the session goes on to QUIT. */
	{
		struct script sc = { .n = 1 };
		struct fetch_options o = { 0 };
		char *a1 = retr_answer(0), *a3 = retr_answer(2);

		store_open(&st, path, STORE_CREATE, NULL);
		a = make_account(true);
		sc.conn[0] = server_login(3, true, true);
		mem_transport_expect(sc.conn[0], "RETR 1\r\nRETR 2\r\nRETR 3\r\n");
		mem_transport_feed(sc.conn[0], a1);
		mem_transport_feed(sc.conn[0], "-ERR [SYS/TEMP] message is locked\r\n");
		mem_transport_feed(sc.conn[0], a3);
		serve_quit(sc.conn[0], "", 0);
		is_int(run_fetch(st, &a, &sc, &o, &status, &e), 0, "one refused RETR");
		if (e) diag("%s", e->msg), error_free(&e);
		check_dialogues(&sc, "refused RETR");
		is_int(count(st), 2, "the other two are stored");
		is_int(status.warnings, 1, "one warning");
		store_uidl_get(st, "home", "uid-bbb", &u, NULL);
		ok(!u.found, "the refused one is not recorded, so the next run tries it again");
		free(a1);
		free(a3);
		store_close(&st);
		unlink(path);
	}

	/* 11. The lock: a second fetch of the same account is refused. */
	{
		int l1 = fetch_lock(path, "home/ü", &e);
		int l2 = fetch_lock(path, "home/ü", &e);

		ok(l1 >= 0, "first lock taken");
		ok(l2 < 0 && e != NULL && e->kind == ERR_TEMP &&
		   strstr(e->msg, "another petrel process") != NULL, "second refused: %s",
		   e ? e->msg : "");
		error_free(&e);
		fetch_unlock(l1);
		l2 = fetch_lock(path, "home/ü", &e);
		ok(l2 >= 0, "free again after unlock");
		fetch_unlock(l2);
	}
	{
		char *cmd = xasprintf("rm -rf '%s'", tmpl);

		if (system(cmd) != 0)
			diag("cleanup failed");
		free(cmd);
	}
	free(path);
	return tap_done();
}
