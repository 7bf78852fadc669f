/* fetch.c - the POP3 fetch policy (see fetch.h for the rules). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "charset.h"
#include "checkpoint.h"
#include "fetch.h"
#include "handoff.h"
#include "i18n.h"
#include "log.h"
#include "paths.h"
#include "pop3.h"
#include "stream.h"
#include "transport.h"

/* ---- spooling one message ---- */

/* A message as it arrives: in memory up to a limit, then in an unlinked
 * temporary file. */
struct spool {
	struct buf mem;
	size_t limit;
	int fd;
	size_t len;
	size_t max;	/* a message that runs past this is refused */
	const char *dir;
};

/* The most a message may run past its LIST size before it is taken for a
 * server that sends forever; and the most any message may be: what the
 * archive can hold.  Larger ones are refused before they fill the disk. */
#define FETCH_OVERRUN (64u * 1024 * 1024)
#define FETCH_MESSAGE_MAX STORE_MESSAGE_MAX

static void spool_reset(struct spool *sp)
{
	buf_reset(&sp->mem);
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	sp->len = 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int spool_data(void *ctx, const char *p, size_t n, struct error **err)
{
	struct spool *sp = ctx;

	if (sp->len + n > sp->max)
		return error_set(err, ERR_PERM, _("a message ran past %zu bytes, far more than "
						 "the server announced; it was not stored"),
				 sp->max);
	if (sp->fd < 0 && sp->len + n > sp->limit) {
		char *tmpl = xasprintf("%s/petrel-spool-XXXXXX", sp->dir);

		sp->fd = mkstemp(tmpl);
		if (sp->fd >= 0)
			unlink(tmpl);
		free(tmpl);
		if (sp->fd < 0 || write_all(sp->fd, sp->mem.data ? sp->mem.data : "",
					    sp->mem.len) != 0)
			return error_set_errno(err, ERR_IO, errno,
					       _("cannot spool a large message in %s"), sp->dir);
		buf_reset(&sp->mem);
	}
	if (sp->fd >= 0) {
		if (write_all(sp->fd, p, n) != 0)
			return error_set_errno(err, ERR_IO, errno,
					       _("cannot spool a large message in %s"), sp->dir);
	} else if (!buf_append(&sp->mem, p, n)) {
		return error_set(err, ERR_INTERNAL, "spool buffer overflow");
	}
	sp->len += n;
	return 0;
}

/* ---- the plan for one session ---- */

struct item {
	uint32_t msgno;
	uint64_t size;
	const char *uid;	/* NULL without UIDL */
	bool headers_only;
};

struct session {
	struct store *st;
	const struct account *acct;
	const struct fetch_options *opt;
	struct fetch_status *status;
	struct pop3 *pop3;
	struct pop3_entry *entries;
	size_t nentries;
	struct item *fetch;	/* to download, in message-number order */
	size_t nfetch;
	uint32_t *dele;		/* message numbers to delete */
	const char **dele_uid;
	size_t ndele;
	size_t new_listed;	/* listed entries not in the archive */
	bool progressed;	/* stored at least one message */
	uint64_t bytes_committed;	/* of the whole run, across sessions */
};

static void report(const struct session *s, enum fetch_phase phase)
{
	s->status->phase = phase;
	if (s->opt->progress != NULL)
		s->opt->progress(s->opt->progress_ctx, s->status);
}

static void add_dele(struct session *s, uint32_t msgno, const char *uid)
{
	s->dele = xreallocarray(s->dele, s->ndele + 1, sizeof *s->dele);
	s->dele_uid = xreallocarray(s->dele_uid, s->ndele + 1, sizeof *s->dele_uid);
	s->dele[s->ndele] = msgno;
	s->dele_uid[s->ndele] = uid;
	s->ndele++;
}

/* Decides, for every listed message, whether to download it (whole or
 * headers only), delete it, or leave it. */
static int plan(struct session *s, int64_t now, struct error **err)
{
	const struct account *a = s->acct;
	struct fetch_status *st = s->status;
	uint64_t bytes = 0;

	s->fetch = xcalloc(s->nentries ? s->nentries : 1, sizeof *s->fetch);
	for (size_t i = 0; i < s->nentries; i++) {
		const struct pop3_entry *e = &s->entries[i];
		struct store_uidl u = { 0 };

		if (e->uid != NULL && store_uidl_get(s->st, a->name, e->uid, &u, err) != 0)
			return -1;
		if (u.found) {
			bool expired = a->pop3_delete_after_days > 0 &&
				u.fetched + (int64_t)a->pop3_delete_after_days * 86400 <= now;

			/* Already stored: never download again.  Delete when the
			 * account does not keep mail, or it is old enough. */
			if ((!a->pop3_keep || expired) && !u.partial)
				add_dele(s, e->msgno, e->uid);
			continue;
		}
		s->new_listed++;
		s->fetch[s->nfetch].msgno = e->msgno;
		s->fetch[s->nfetch].size = e->size;
		s->fetch[s->nfetch].uid = e->uid;
		/* Over pop3-max-size, or more than the archive can hold: the
		 * header only, marked partial. */
		s->fetch[s->nfetch].headers_only = (a->pop3_max_size > 0 && e->size > a->pop3_max_size) ||
						   e->size > STORE_MESSAGE_MAX;
		bytes += s->fetch[s->nfetch].headers_only ? 0 : e->size;
		s->nfetch++;
	}
	/* The run's totals: what earlier sessions committed and what this
	 * one lists (after a retry, what is left, not all of it again). */
	st->on_server = (uint32_t)s->nentries;
	st->to_fetch = st->fetched + (uint32_t)s->nfetch;
	st->bytes_total = s->bytes_committed + bytes;
	st->stored = st->fetched;
	st->bytes_done = s->bytes_committed;
	return 0;
}

/* Records every listed UIDL as stored, without downloading anything. */
static int mark_seen(struct session *s, struct error **err)
{
	if (store_begin(s->st, err) != 0)
		return -1;
	for (size_t i = 0; i < s->nfetch; i++) {
		if (s->fetch[i].uid == NULL)
			continue;
		if (store_uidl_record(s->st, s->acct->name, s->fetch[i].uid, 0, false, err) != 0) {
			store_rollback(s->st);
			return -1;
		}
		s->status->fetched++;
		s->status->stored++;
	}
	return store_commit(s->st, err);
}

/* One downloaded message on its way from the network to the archive: its
 * bytes in memory, or in an unlinked spool file when large. */
struct arrived {
	size_t item;		/* index into session.fetch */
	char *data;		/* NULL when fd >= 0 */
	size_t len;
	int fd;
	struct store_prepared *prep;	/* hashed and parsed; NULL: not yet */
};

/* The archive side of a download: the queue from the network thread
 * (handoff.h; bounded in messages and bytes, so decrypting and parsing
 * the next message overlaps storing and indexing this one), and what the
 * storing thread reports back. */
struct store_side {
	struct handoff *q;		/* of struct arrived * */
	struct session *s;
	size_t batch_msgs, batch_bytes;
	struct checkpointer *ck;	/* NULL: none, close checkpoints it all */
	struct error *werr;		/* the archive's error */
};

static void arrived_free(void *item)
{
	struct arrived *m = item;

	if (m == NULL)
		return;
	store_prepared_free(&m->prep);
	free(m->data);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

/* The archive's view of a downloaded message. */
static struct store_new arrived_message(const struct session *s, const struct item *it,
					const struct arrived *m)
{
	return (struct store_new) {
		.raw = m->fd < 0 ? (m->data ? m->data : "") : NULL,
		.len = m->len,
		.fd = m->fd,
		.account = s->acct->name,
		.fallback_date = (int64_t)time(NULL),
		.partial = it->headers_only,
	};
}

/* Hashing and parsing in the network thread leaves the archive thread
 * only the database work.  A spool file that cannot be read leaves prep
 * NULL: the archive thread then reports it. */
static void prepare_arrived(const struct session *s, const struct item *it,
			    struct arrived *m, struct charset_conv *cc)
{
	struct store_new n = arrived_message(s, it, m);

	if (store_prepare(&n, cc, &m->prep, NULL) != 0)
		m->prep = NULL;
}

/* Stores one downloaded message and its UIDL in the current batch. */
static int store_one(struct session *s, const struct item *it, const struct arrived *m,
		     struct error **err)
{
	struct store_new n = arrived_message(s, it, m);
	int64_t id = 0;
	int rc = m->prep != NULL ? store_add_prepared(s->st, m->prep, &id, err)
				 : store_add(s->st, &n, &id, err);

	if (rc < 0)
		return -1;
	if (rc == STORE_DUPLICATE)
		s->status->duplicates++;
	if (it->headers_only)
		s->status->partial++;
	if (!it->headers_only && it->size != 0 && it->size != m->len) {
		/* LIST counts octets with CRLF line ends; a server that stores
		 * LF may differ: kept anyway, noted in the log. */
		log_msg(LOG_WARN, "account %s: message %u is %zu bytes, LIST said %llu",
			s->acct->name, it->msgno, m->len, (unsigned long long)it->size);
		s->status->warnings++;
	}
	if (it->uid != NULL &&
	    store_uidl_record(s->st, s->acct->name, it->uid, id, it->headers_only, err) != 0)
		return -1;
	return 0;
}

/* Commits the batch so far; then its messages may be deleted. */
static int commit_batch(struct store_side *h, const size_t *batch, size_t n,
			struct error **err)
{
	struct session *s = h->s;

	if (store_commit(s->st, err) != 0)
		return -1;
	checkpointer_poke(h->ck);
	s->status->fetched += (uint32_t)n;
	s->bytes_committed = s->status->bytes_done;
	s->progressed = true;
	if (!s->acct->pop3_keep)
		for (size_t i = 0; i < n; i++)
			if (!s->fetch[batch[i]].headers_only)
				add_dele(s, s->fetch[batch[i]].msgno, s->fetch[batch[i]].uid);
	return 0;
}

/* The archive side: stores what arrives in batches, each committed
 * durably before its messages may be deleted from the server.  On a
 * failure it abandons the queue, which stops the network side. */
static void *store_worker(void *arg)
{
	struct store_side *h = arg;
	struct session *s = h->s;
	size_t *batch = xcalloc(h->batch_msgs + 1, sizeof *batch);
	size_t in_batch = 0, batch_len = 0;
	int64_t batch_start = 0;
	struct arrived *m;
	struct error *err = NULL;

	while ((m = handoff_take(h->q)) != NULL) {
		const struct item *it = &s->fetch[m->item];

		if (in_batch == 0)
			batch_start = transport_now_ms();
		if ((in_batch > 0 || store_begin(s->st, &err) == 0) &&
		    store_one(s, it, m, &err) == 0) {
			batch[in_batch++] = m->item;
			batch_len += m->len;
			s->status->stored++;
			s->status->bytes_done += it->headers_only ? 0 : it->size;
		} else {
			store_rollback(s->st);
			in_batch = 0;
		}
		arrived_free(m);
		if (err == NULL && in_batch > 0 &&
		    (in_batch >= h->batch_msgs || batch_len >= h->batch_bytes ||
		     transport_now_ms() - batch_start >= FETCH_BATCH_MS)) {
			commit_batch(h, batch, in_batch, &err);
			in_batch = 0;
			batch_len = 0;
		}
		if (err != NULL) {
			/* The batch under way is gone: the counts say so. */
			s->status->stored = s->status->fetched;
			s->status->bytes_done = s->bytes_committed;
			handoff_abandon(h->q);
			break;
		}
		report(s, FETCH_DOWNLOADING);
	}
	/* The network side stopped (done or failed): keep what came whole. */
	if (err == NULL && in_batch > 0 && commit_batch(h, batch, in_batch, &err) != 0) {
		s->status->stored = s->status->fetched;
		s->status->bytes_done = s->bytes_committed;
	}
	free(batch);
	h->werr = err;
	return NULL;
}

/* The background checkpoints; without them (logged) the fetch goes on
 * and closing the archive does all the copying. */
static struct checkpointer *start_checkpointer(const struct session *s)
{
	struct error *err = NULL;
	struct checkpointer *c = checkpointer_start(s->st, &err);

	if (c == NULL) {
		log_msg(LOG_WARN, "account %s: no background checkpoints: %s", s->acct->name,
			err->msg);
		error_free(&err);
	}
	return c;
}

/* Downloads the planned messages with a window of commands in flight; a
 * second thread stores them in batches and queues the DELE of each
 * committed message when the account does not keep mail. */
static int download(struct session *s, struct error **err)
{
	const struct fetch_options *o = s->opt;
	size_t win_cmds = o->window_cmds ? o->window_cmds : FETCH_WINDOW_CMDS;
	size_t win_bytes = o->window_bytes ? o->window_bytes : FETCH_WINDOW_BYTES;
	struct spool sp = { .limit = o->spool_mem ? o->spool_mem : FETCH_SPOOL_MEM, .fd = -1 };
	struct pop3_sink sink = { spool_data, &sp };
	struct store_side h = { 0 };
	struct charset_conv *cc = charset_conv_new();
	size_t sent = 0, done = 0;
	uint32_t skipped = 0;
	uint64_t flight_bytes = 0;
	const char *tmp = getenv("TMPDIR");
	pthread_t worker;
	int rc = 0;

	sp.dir = tmp != NULL && *tmp ? tmp : "/tmp";
	buf_init(&sp.mem, 0);
	if (o->no_pipelining || !pop3_can_pipeline(s->pop3))
		win_cmds = 1;
	h.q = handoff_new(FETCH_QUEUE_MSGS, FETCH_QUEUE_BYTES);
	h.s = s;
	h.batch_msgs = o->batch_msgs ? o->batch_msgs : FETCH_BATCH_MSGS;
	h.batch_bytes = o->batch_bytes ? o->batch_bytes : FETCH_BATCH_BYTES;
	h.ck = start_checkpointer(s);
	/* Appending needs few cached pages; memory stays under 50 MB. */
	store_set_cache_kb(s->st, FETCH_CACHE_KB, NULL);
	if (pthread_create(&worker, NULL, store_worker, &h) != 0) {
		rc = error_set_errno(err, ERR_IO, errno, _("cannot start a thread"));
		goto free_queue;
	}
	while (done < s->nfetch) {
		const struct item *it;
		struct arrived *m;
		uint64_t got = 0;

		/* Fill the window: at least one command, then while both the
		 * command and the byte budget allow. */
		while (sent < s->nfetch && (sent == done ||
		       (sent - done < win_cmds && flight_bytes < win_bytes))) {
			it = &s->fetch[sent];
			rc = it->headers_only ? pop3_send_top(s->pop3, it->msgno, 0, err)
					      : pop3_send_retr(s->pop3, it->msgno, err);
			if (rc != 0)
				goto out;
			flight_bytes += it->size;
			sent++;
		}
		if ((rc = pop3_flush(s->pop3, err)) != 0)
			goto out;
		it = &s->fetch[done];
		spool_reset(&sp);
		sp.max = it->size < FETCH_MESSAGE_MAX - FETCH_OVERRUN ?
			 (size_t)it->size * 2 + FETCH_OVERRUN : FETCH_MESSAGE_MAX;
		rc = pop3_read_message(s->pop3, &sink, &got, err);
		flight_bytes -= it->size < flight_bytes ? it->size : flight_bytes;
		if (rc != 0 && pop3_state(s->pop3) == POP3_STATE_TRANSACTION) {
			/* The server refused this one message (-ERR) and the
			 * session is still in step: skip it, go on. */
			log_msg(LOG_WARN, "account %s: message %u skipped: %s", s->acct->name,
				it->msgno, err && *err ? (*err)->msg : "?");
			error_free(err);
			skipped++;
			done++;
			rc = 0;
			continue;
		}
		if (rc != 0)
			goto out;
		/* The message leaves the spool for the archive thread. */
		m = xcalloc(1, sizeof *m);
		m->item = done;
		m->len = sp.len;
		m->fd = sp.fd;
		sp.fd = -1;
		if (m->fd < 0)
			m->data = buf_steal(&sp.mem, NULL);
		sp.len = 0;
		prepare_arrived(s, it, m, cc);
		done++;
		/* Fails when the archive thread has given up. */
		if (!handoff_put(h.q, m, m->data != NULL ? m->len : 0)) {
			arrived_free(m);
			break;
		}
	}
out:
	handoff_close(h.q);
	pthread_join(worker, NULL);
	s->status->warnings += skipped;
	if (h.werr != NULL) {
		/* The archive's failure (a full disk) outranks the network's. */
		if (err != NULL) {
			error_free(err);
			*err = h.werr;
		} else {
			error_free(&h.werr);
		}
		h.werr = NULL;
		rc = -1;
	}
free_queue:
	handoff_free(&h.q, arrived_free);
	store_set_cache_kb(s->st, STORE_CACHE_KB, NULL);
	checkpointer_stop(&h.ck);
	charset_conv_free(&cc);
	spool_reset(&sp);
	buf_free(&sp.mem);
	return rc;
}

/* Sends the DELEs (pipelined when allowed), then QUIT; the server
 * commits the deletions only on a successful QUIT, which is when the
 * archive records them. */
static int delete_and_quit(struct session *s, struct error **err)
{
	size_t sent = 0, read = 0, win = pop3_can_pipeline(s->pop3) && !s->opt->no_pipelining ?
		FETCH_WINDOW_CMDS : 1;

	if (s->ndele > 0)
		report(s, FETCH_DELETING);
	while (read < s->ndele) {
		while (sent < s->ndele && sent - read < win)
			if (pop3_send_dele(s->pop3, s->dele[sent++], err) != 0)
				return -1;
		if (pop3_flush(s->pop3, err) != 0 || pop3_read_dele(s->pop3, err) != 0)
			return -1;
		read++;
	}
	/* Without deletions the answer to QUIT changes nothing: not waiting
	 * for it saves a round trip. */
	if (pop3_quit(s->pop3, s->ndele > 0, err) != 0)
		return -1;
	if (s->ndele == 0)
		return 0;
	if (store_begin(s->st, err) != 0)
		return -1;
	for (size_t i = 0; i < s->ndele; i++) {
		if (s->dele_uid[i] != NULL &&
		    store_uidl_set_deleted(s->st, s->acct->name, s->dele_uid[i], err) != 0) {
			store_rollback(s->st);
			return -1;
		}
	}
	if (store_commit(s->st, err) != 0)
		return -1;
	s->status->deleted += (uint32_t)s->ndele;
	return 0;
}

static void session_clear(struct session *s)
{
	pop3_free(&s->pop3);
	pop3_entries_free(s->entries, s->nentries);
	free(s->fetch);
	free(s->dele);
	free(s->dele_uid);
	s->entries = NULL;
	s->nentries = 0;
	s->fetch = NULL;
	s->nfetch = 0;
	s->dele = NULL;
	s->dele_uid = NULL;
	s->ndele = 0;
	s->new_listed = 0;
	s->progressed = false;
}

/* One connection: connect, secure, log in, list, download, delete, quit. */
static int run_session(struct session *s, const char *secret, bool no_pipelining,
		       int64_t now, struct error **err)
{
	const struct account *a = s->acct;
	struct tls_params tls = {
		.host = a->pop3_host,
		.ca_file = a->tls_ca_file,
		.has_fingerprint = a->has_tls_fingerprint,
	};
	struct stream_params sp = { .timeout_ms = a->timeout * 1000 };
	struct pop3_params pp = {
		.host = a->pop3_host,
		.port = (unsigned)a->pop3_port,
		.user = a->pop3_user,
		.secret = secret,
		.auth = a->pop3_auth,
		.allow_plaintext_auth = a->allow_plaintext_auth,
		.list_after_auth = !no_pipelining && !s->opt->no_pipelining,
	};
	struct fetch_options o = *s->opt;
	const struct fetch_options *saved = s->opt;
	struct stream *stream;
	int rc = -1;

	memcpy(tls.fingerprint, a->tls_fingerprint, sizeof tls.fingerprint);
	o.no_pipelining = o.no_pipelining || no_pipelining;
	s->opt = &o;
	s->status->sessions++;
	report(s, FETCH_CONNECTING);
	if (o.connect != NULL)
		stream = o.connect(o.connect_ctx, a, err);
	else
		stream = stream_connect(a->pop3_host, (unsigned)a->pop3_port, &sp,
					a->pop3_tls == CONFIG_TLS_IMPLICIT ? &tls : NULL, err);
	if (stream == NULL)
		goto out;
	s->pop3 = pop3_new(stream, &pp);
	/* With STLS required, the capabilities that count are the ones
	 * after the handshake (RFC 2595): asking before it only costs a
	 * round trip, and a server without STLS answers -ERR to it. */
	if (pop3_greeting(s->pop3, err) != 0)
		goto out;
	if (a->pop3_tls == CONFIG_TLS_STARTTLS) {
		if (pop3_stls(s->pop3, &tls, err) != 0)
			goto out;
	} else if (pop3_capa(s->pop3, err) != 0) {
		goto out;
	}
	if (pop3_authenticate(s->pop3, err) != 0)
		goto out;
	report(s, FETCH_LISTING);
	if (pop3_list(s->pop3, &s->entries, &s->nentries, err) != 0 || plan(s, now, err) != 0)
		goto out;
	if (o.mark_seen) {
		if (mark_seen(s, err) != 0)
			goto out;
	} else if (download(s, err) != 0) {
		goto out;
	}
	rc = delete_and_quit(s, err);
out:
	s->opt = saved;
	return rc;
}

/* ---- the whole run ---- */

int fetch_account(struct store *st, const struct account *acct,
		  const struct fetch_options *opt, struct fetch_status *status,
		  struct error **err)
{
	struct fetch_status local;
	struct session s = { 0 };
	int64_t now = opt->now ? opt->now : (int64_t)time(NULL);
	char *secret = NULL;
	bool no_pipelining = false, retried = false;
	int rc = 0;

	if (status == NULL)
		status = &local;
	memset(status, 0, sizeof *status);
	status->account = acct->name;
	status->host = acct->pop3_host;
	if (acct->pop3_host == NULL)
		return error_set(err, ERR_CONFIG, _("account %s has no pop3-host to fetch from"),
				 acct->name);
	secret = secret_get(acct, opt->prompt, opt->prompt_ctx, err);
	if (secret == NULL)
		return -1;
	s.st = st;
	s.acct = acct;
	s.opt = opt;
	s.status = status;
	for (;;) {
		struct error *serr = NULL;
		bool was_downloading;

		rc = run_session(&s, secret, no_pipelining, now, &serr);
		/* The session got as far as having messages to download. */
		was_downloading = s.nfetch > 0;
		if (rc != 0) {
			log_msg(LOG_WARN, "account %s: session %u failed: %s", acct->name,
				status->sessions, serr->msg);
			/* One more try at once when the failed session made
			 * progress (a cut on a flaky link), or failed under
			 * pipelining before storing anything (a server that
			 * breaks when pipelined gets one command at a time). */
			if (!retried && was_downloading && serr->kind != ERR_CONFIG &&
			    (s.progressed || !no_pipelining)) {
				if (!s.progressed)
					no_pipelining = true;
				retried = true;
				error_free(&serr);
				session_clear(&s);
				continue;
			}
			if (err != NULL && *err == NULL)
				*err = serr;
			else
				error_free(&serr);
			break;
		}
		/* A server that lists only part of the mailbox per session
		 * (Gmail: about 250) shows only new mail each time: go on while
		 * a session listed a Gmail-sized batch of nothing but new
		 * messages.  Any other server then lists nothing new (or
		 * nothing) and the run ends after one short extra session. */
		if (!opt->mark_seen && s.nentries >= FETCH_PARTIAL_MIN &&
		    s.nentries <= FETCH_PARTIAL_MAX && s.new_listed == s.nentries &&
		    s.progressed && status->sessions < FETCH_MAX_SESSIONS) {
			session_clear(&s);
			continue;
		}
		break;
	}
	session_clear(&s);
	secret_free(&secret);
	if (rc != 0)
		error_prefix(err, _("account %s (%s:%d)"), acct->name, acct->pop3_host,
			     acct->pop3_port);
	status->phase = FETCH_DONE;
	if (opt->progress != NULL)
		opt->progress(opt->progress_ctx, status);
	return rc;
}

int fetch_lock(const char *archive_path, const char *account, struct error **err)
{
	struct buf name = BUF_INIT;
	char *path;
	int fd;

	/* The account name may hold any character: hex keeps it a file name. */
	buf_printf(&name, "%s.fetch-", archive_path);
	for (const unsigned char *p = (const unsigned char *)account; *p; p++)
		buf_printf(&name, "%02x", *p);
	buf_puts(&name, ".lock");
	path = buf_steal(&name, NULL);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_set_errno(err, ERR_IO, errno, _("account %s: cannot create lock file %s"),
				account, path);
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(fd);
		free(path);
		if (e == EWOULDBLOCK)
			return error_set(err, ERR_TEMP, _("account %s is being fetched by another "
							 "petrel process; try again when it is done"),
					 account);
		return error_set_errno(err, ERR_IO, e, _("account %s: cannot lock"), account);
	}
	free(path);
	return fd;
}

void fetch_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
