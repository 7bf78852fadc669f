/* pop3.c - the POP3 client protocol as a state machine over a stream.
 *
 * Each public call checks that the session is in a state where it may be
 * made, writes its command(s) through the stream, reads the answer and
 * moves the state on.  Status lines are read piece by piece into a buffer
 * of at most POP3_REPLY_MAX bytes (so the stream's line_max never decides
 * what a reply may be), message bodies piece by piece straight into the
 * sink (so memory stays bounded however long a line or a message is).
 * Commands in flight are kept in a ring, oldest first, so pipelined
 * answers are matched to their commands. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "i18n.h"
#include "log.h"
#include "pop3.h"
#include "sasl.h"
#include "util.h"

static const char *const state_names[] = {
	[POP3_STATE_GREETING] = "greeting",
	[POP3_STATE_AUTHORIZATION] = "authorization",
	[POP3_STATE_TRANSACTION] = "transaction",
	[POP3_STATE_DONE] = "done",
	[POP3_STATE_FAILED] = "failed",
};

enum cmd_kind {
	CMD_RETR,
	CMD_TOP,
	CMD_DELE,
};

struct pending {
	enum cmd_kind kind;
	uint32_t msgno;
};

/* What a status line says. */
enum reply {
	REPLY_OK,	/* +OK */
	REPLY_ERR,	/* -ERR */
	REPLY_CONT,	/* "+ " SASL continuation */
	REPLY_BAD,	/* anything else */
};

/* RFC 2449 / RFC 3206 response codes that change what an -ERR means. */
enum resp_code {
	RC_NONE,
	RC_IN_USE,
	RC_LOGIN_DELAY,
	RC_SYS_TEMP,
	RC_SYS_PERM,
	RC_AUTH,
};

struct pop3 {
	struct stream *s;
	char *host, *user, *secret;
	unsigned port;
	enum config_auth auth;
	bool allow_plaintext_auth;
	unsigned scram_iter_max;
	char *scram_nonce;		/* tests only */

	enum pop3_state state;
	struct error *failed;		/* sticky: what finished the session */
	struct pop3_caps caps;
	char *greeting;			/* for the APOP digest */
	size_t greeting_len;
	bool have_stat;
	uint32_t stat_count;		/* the first STAT of the session */
	bool list_after_auth;		/* see struct pop3_params */
	bool list_sent;			/* STAT/UIDL/LIST went out with the login */

	struct pending *queue;		/* ring of POP3_PIPELINE_MAX */
	size_t q_head, q_len;

	struct buf line;		/* the reply being read */
	char *chunk;			/* body bytes for the sink */
	size_t chunk_len;
};

/* ---- small helpers ---- */

/* The server's words made safe for a terminal and a log: control bytes
 * and DEL become '?', invalid UTF-8 U+FFFD; at most max bytes of input. */
static char *clean_text(const char *s, size_t n, size_t max)
{
	char *tmp, *out;

	if (n > max)
		n = max;
	tmp = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		tmp[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	tmp[n] = '\0';
	out = utf8_sanitize(tmp, n);
	free(tmp);
	return out;
}

static void caps_clear(struct pop3_caps *c)
{
	bool apop = c->apop;

	free(c->sasl);
	free(c->implementation);
	memset(c, 0, sizeof *c);
	c->apop = apop;
	c->login_delay = -1;
	c->expire = -1;
}

/* ---- the session ---- */

struct pop3 *pop3_new(struct stream *s, const struct pop3_params *prm)
{
	struct pop3 *p = xcalloc(1, sizeof *p);

	p->s = s;
	p->host = xstrdup(prm->host != NULL ? prm->host : stream_peer(s));
	p->user = xstrdup(prm->user != NULL ? prm->user : "");
	p->secret = xstrdup(prm->secret != NULL ? prm->secret : "");
	p->port = prm->port;
	p->auth = prm->auth;
	p->allow_plaintext_auth = prm->allow_plaintext_auth;
	p->scram_iter_max = prm->scram_iter_max;
	p->list_after_auth = prm->list_after_auth;
	p->state = POP3_STATE_GREETING;
	caps_clear(&p->caps);
	p->queue = xcalloc(POP3_PIPELINE_MAX, sizeof *p->queue);
	buf_init(&p->line, 0);
	return p;
}

void pop3_free(struct pop3 **pp)
{
	struct pop3 *p;

	if (pp == NULL || *pp == NULL)
		return;
	p = *pp;
	stream_free(&p->s);
	free(p->host);
	free(p->user);
	wipe_free(p->secret);
	free(p->scram_nonce);
	error_free(&p->failed);
	caps_clear(&p->caps);
	free(p->greeting);
	free(p->queue);
	buf_free(&p->line);
	free(p->chunk);
	free(p);
	*pp = NULL;
}

enum pop3_state pop3_state(const struct pop3 *p)
{
	return p->state;
}

const char *pop3_state_name(enum pop3_state st)
{
	if ((size_t)st >= ARRAY_LEN(state_names) || state_names[st] == NULL)
		return "unknown";
	return state_names[st];
}

struct stream *pop3_stream(struct pop3 *p)
{
	return p->s;
}

const struct pop3_caps *pop3_caps(const struct pop3 *p)
{
	return &p->caps;
}

bool pop3_can_pipeline(const struct pop3 *p)
{
	return p->caps.pipelining;
}

size_t pop3_in_flight(const struct pop3 *p)
{
	return p->q_len;
}

void pop3_test_set_scram_nonce(struct pop3 *p, const char *nonce)
{
	free(p->scram_nonce);
	p->scram_nonce = nonce != NULL ? xstrdup(nonce) : NULL;
}

/* ---- failing ---- */

/* Hands a copy of e to the caller, if it wants one and has none yet. */
static void give(const struct error *e, struct error **err)
{
	if (err == NULL || *err != NULL)
		return;
	error_set(err, e->kind, "%s", e->msg);
	if (e->detail != NULL)
		error_set_detail(*err, e->detail);
}

/* Finishes the session with e (taken), reporting it. */
static int finish(struct pop3 *p, struct error *e, struct error **err)
{
	if (e == NULL)
		error_set(&e, ERR_INTERNAL, "%s: POP3 failed", p->host);
	if (p->failed == NULL)
		p->failed = e;
	else
		error_free(&e);
	if (p->state != POP3_STATE_FAILED)
		log_msg(LOG_INFO, "pop3 %s: session failed in state %s: %s", p->host,
			pop3_state_name(p->state), p->failed->msg);
	p->state = POP3_STATE_FAILED;
	give(p->failed, err);
	return -1;
}

static int finishf(struct pop3 *p, struct error **err, enum error_kind kind,
		   const char *detail, const char *fmt, ...) PRINTF_LIKE(5, 6);

static int vfinishf(struct pop3 *p, struct error **err, enum error_kind kind,
		    const char *detail, const char *fmt, va_list ap) PRINTF_LIKE(5, 0);

static int vfinishf(struct pop3 *p, struct error **err, enum error_kind kind,
		    const char *detail, const char *fmt, va_list ap)
{
	struct error *e = xcalloc(1, sizeof *e);

	e->kind = kind;
	e->msg = xvasprintf(fmt, ap);
	if (detail != NULL)
		error_set_detail(e, detail);
	return finish(p, e, err);
}

static int finishf(struct pop3 *p, struct error **err, enum error_kind kind,
		   const char *detail, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfinishf(p, err, kind, detail, fmt, ap);
	va_end(ap);
	return rc;
}

/* A refusal's text made safe to show: its words for the sentence, the
 * whole line for the detail. */
struct reply_words {
	char *words, *detail;
};

static struct reply_words reply_words(const struct pop3 *p, const char *t, size_t n)
{
	return (struct reply_words) {
		clean_text(t, n, 512),
		clean_text(p->line.data != NULL ? p->line.data : "", p->line.len, POP3_REPLY_MAX),
	};
}

/* finishf() with the reply's line as the detail; frees w. */
static int finish_reply(struct pop3 *p, struct reply_words *w, struct error **err,
			enum error_kind kind, const char *fmt, ...) PRINTF_LIKE(5, 6);

static int finish_reply(struct pop3 *p, struct reply_words *w, struct error **err,
			enum error_kind kind, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfinishf(p, err, kind, w->detail, fmt, ap);
	va_end(ap);
	free(w->words);
	free(w->detail);
	return rc;
}

/* Checks that the session may make a call; fails it (or repeats the
 * sticky failure) if not. */
static int expect_state(struct pop3 *p, unsigned allowed, const char *what,
			struct error **err)
{
	if (p->state == POP3_STATE_FAILED) {
		give(p->failed, err);
		return -1;
	}
	if (allowed & (1u << p->state))
		return 0;
	return finishf(p, err, ERR_INTERNAL, NULL,
		       "pop3 %s: %s called in state %s", p->host, what,
		       pop3_state_name(p->state));
}

#define IN(st) (1u << (st))

/* ---- writing ---- */

/* Queues one command line; `credential` lines are logged as <hidden>
 * (log_protocol() masks PASS, APOP and AUTH arguments by itself). */
static int send_line(struct pop3 *p, bool credential, const char *line,
		     struct error **err)
{
	struct error *e = NULL;

	log_protocol("C:", line, credential);
	if (stream_puts(p->s, line, &e) < 0 || stream_write(p->s, "\r\n", 2, &e) < 0)
		return finish(p, e, err);
	return 0;
}

static int sendf(struct pop3 *p, struct error **err, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

static int sendf(struct pop3 *p, struct error **err, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int rc;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	rc = send_line(p, false, line, err);
	free(line);
	return rc;
}

int pop3_flush(struct pop3 *p, struct error **err)
{
	struct error *e = NULL;

	if (p->state == POP3_STATE_FAILED) {
		give(p->failed, err);
		return -1;
	}
	if (stream_flush(p->s, &e) < 0)
		return finish(p, e, err);
	return 0;
}

/* ---- reading ---- */

/* Reads one line into p->line, keeping at most cap bytes.  A longer line
 * is read past up to drain_max bytes in all and *truncated set; drain_max
 * 0 makes a longer line an error at once ("a reply longer than ..."). */
static int read_line(struct pop3 *p, size_t cap, size_t drain_max, bool *truncated,
		     struct error **err)
{
	size_t total = 0;

	buf_reset(&p->line);
	*truncated = false;
	for (;;) {
		struct error *e = NULL;
		const char *piece;
		size_t n;
		bool end;

		if (stream_flush(p->s, &e) < 0 ||
		    stream_read_piece(p->s, &piece, &n, &end, &e) < 0)
			return finish(p, e, err);
		total += n;
		if (total > cap) {
			if (drain_max == 0)
				return finishf(p, err, ERR_TEMP, NULL,
					       _("the server at %s sent a reply longer than %zu bytes"),
					       p->host, cap);
			if (total > drain_max)
				return finishf(p, err, ERR_PERM, NULL,
					       _("the server at %s sent a line longer than %u bytes "
						 "in a listing"), p->host, POP3_LINE_DRAIN_MAX);
			if (!*truncated)
				buf_append(&p->line, piece, n - (total - cap));
			*truncated = true;
		} else {
			buf_append(&p->line, piece, n);
		}
		if (end)
			return 0;
	}
}

static bool status_word(const char *l, size_t n, const char *word)
{
	size_t w = strlen(word);

	return n >= w && ascii_strncasecmp(l, word, w) == 0 &&
	       (n == w || l[w] == ' ' || l[w] == '\t');
}

/* Classifies p->line; *text gets what follows the status word. */
static enum reply classify(const struct pop3 *p, bool cont_ok, const char **text,
			   size_t *tlen)
{
	const char *l = p->line.data != NULL ? p->line.data : "";
	size_t n = p->line.len, skip;
	enum reply r;

	if (status_word(l, n, "+OK")) {
		skip = 3;
		r = REPLY_OK;
	} else if (status_word(l, n, "-ERR")) {
		skip = 4;
		r = REPLY_ERR;
	} else if (cont_ok && n >= 1 && l[0] == '+' && (n == 1 || l[1] == ' ')) {
		/* "+ challenge": exactly one space, the rest is base64. */
		*text = l + (n == 1 ? 1 : 2);
		*tlen = n - (n == 1 ? 1 : 2);
		while (*tlen > 0 && ((*text)[*tlen - 1] == ' ' || (*text)[*tlen - 1] == '\t'))
			(*tlen)--;
		return REPLY_CONT;
	} else {
		*text = l;
		*tlen = n;
		return REPLY_BAD;
	}
	while (skip < n && (l[skip] == ' ' || l[skip] == '\t'))
		skip++;
	*text = l + skip;
	*tlen = n - skip;
	return r;
}

static void log_server_line(const struct pop3 *p)
{
	char *clean = clean_text(p->line.data != NULL ? p->line.data : "", p->line.len,
				 POP3_REPLY_MAX);

	log_protocol("S:", clean, 0);
	free(clean);
}

/* The protocol error for a line that is not a status where one was
 * expected. */
static int not_a_status(struct pop3 *p, const char *what, struct error **err)
{
	char *shown = clean_text(p->line.data != NULL ? p->line.data : "", p->line.len, 80);
	char *detail = clean_text(p->line.data != NULL ? p->line.data : "", p->line.len,
				  POP3_REPLY_MAX);
	int rc = finishf(p, err, ERR_TEMP, detail,
			 _("the server at %s answered %s with \"%s\" instead of +OK or -ERR; "
			   "it does not follow the POP3 protocol"), p->host, what, shown);

	free(shown);
	free(detail);
	return rc;
}

/* Reads a status line (+OK / -ERR, and "+ " when cont_ok).  A line that is
 * neither finishes the session. */
static int read_status(struct pop3 *p, const char *what, bool cont_ok, size_t cap,
		       enum reply *r, const char **text, size_t *tlen, struct error **err)
{
	bool truncated;

	if (read_line(p, cap, 0, &truncated, err) < 0)
		return -1;
	log_server_line(p);
	*r = classify(p, cont_ok, text, tlen);
	if (*r == REPLY_BAD)
		return not_a_status(p, what, err);
	return 0;
}

static bool code_is(const char *c, size_t n, const char *name)
{
	size_t w = strlen(name);

	/* A code may be refined: "SYS/TEMP/QUOTA" is a SYS/TEMP. */
	return n >= w && ascii_strncasecmp(c, name, w) == 0 && (n == w || c[w] == '/');
}

static enum resp_code resp_code(const char *text, size_t n)
{
	const char *end;
	size_t len;

	if (n < 2 || text[0] != '[')
		return RC_NONE;
	end = memchr(text, ']', n);
	if (end == NULL)
		return RC_NONE;
	len = (size_t)(end - text - 1);
	text++;
	if (code_is(text, len, "IN-USE"))
		return RC_IN_USE;
	if (code_is(text, len, "LOGIN-DELAY"))
		return RC_LOGIN_DELAY;
	if (code_is(text, len, "SYS/TEMP"))
		return RC_SYS_TEMP;
	if (code_is(text, len, "SYS/PERM"))
		return RC_SYS_PERM;
	if (code_is(text, len, "AUTH"))
		return RC_AUTH;
	return RC_NONE;
}

static bool code_temporary(enum resp_code rc)
{
	return rc == RC_IN_USE || rc == RC_LOGIN_DELAY || rc == RC_SYS_TEMP;
}

/* The error for a -ERR answer (p->line).  auth: the answer to USER, PASS,
 * APOP or AUTH.  what: the command, for the sentence. */
static struct error *refusal(struct pop3 *p, bool auth, const char *what,
			     enum error_kind dflt, const char *text, size_t tlen)
{
	struct error *e = NULL;
	enum resp_code rc = resp_code(text, tlen);
	const char *close = rc != RC_NONE ? memchr(text, ']', tlen) : NULL;
	struct reply_words rw;

	/* The sentence says what the code means; the detail keeps it. */
	if (close != NULL) {
		tlen -= (size_t)(close + 1 - text);
		text = close + 1;
		while (tlen > 0 && (*text == ' ' || *text == '\t')) {
			text++;
			tlen--;
		}
	}
	rw = reply_words(p, text, tlen);
	const char *w = *rw.words != '\0' ? rw.words : _("no reason given");

	switch (rc) {
	case RC_IN_USE:
		error_set(&e, ERR_TEMP,
			  _("the mailbox of %s at %s is in use by another session (is another "
			    "mail program fetching from it?); try again later: %s"),
			  p->user, p->host, w);
		break;
	case RC_LOGIN_DELAY:
		error_set(&e, ERR_TEMP,
			  _("the server at %s wants more time between logins of %s "
			    "(LOGIN-DELAY); try again later: %s"), p->host, p->user, w);
		break;
	case RC_SYS_TEMP:
		error_set(&e, ERR_TEMP,
			  _("the server at %s has a temporary problem (%s); try again later: %s"),
			  p->host, what, w);
		break;
	case RC_SYS_PERM:
		error_set(&e, ERR_PERM,
			  _("the server at %s has a permanent problem (%s); ask its "
			    "administrator: %s"), p->host, what, w);
		break;
	case RC_AUTH:
	case RC_NONE:
		if (auth || rc == RC_AUTH)
			error_set(&e, ERR_PERM, _("authentication failed for %s at %s: %s"),
				  p->user, p->host, w);
		else
			error_set(&e, dflt, _("the server at %s refused %s: %s"),
				  p->host, what, w);
		break;
	}
	error_set_detail(e, rw.detail);
	free(rw.words);
	free(rw.detail);
	return e;
}

/* Sends nothing more and reads the answer to a one-line command:
 * 0 on +OK, -1 on anything else (session finished; -ERR mapped with
 * refusal()). */
static int simple_reply(struct pop3 *p, const char *what, bool auth,
			enum error_kind dflt, const char **text, size_t *tlen,
			struct error **err)
{
	enum reply r;
	const char *t;
	size_t n;

	if (read_status(p, what, false, POP3_REPLY_MAX, &r, &t, &n, err) < 0)
		return -1;
	if (r == REPLY_ERR)
		return finish(p, refusal(p, auth, what, dflt, t, n), err);
	if (text != NULL) {
		*text = t;
		*tlen = n;
	}
	return 0;
}

/* Reads one line of a multi-line answer, undoing dot stuffing.  *end is
 * set at the terminating ".".  Lines longer than POP3_REPLY_MAX are cut
 * (*truncated) and read past. */
static int read_multi_line(struct pop3 *p, const char **l, size_t *n, bool *end,
			   bool *truncated, struct error **err)
{
	if (read_line(p, POP3_REPLY_MAX, POP3_LINE_DRAIN_MAX, truncated, err) < 0)
		return -1;
	*l = p->line.data != NULL ? p->line.data : "";
	*n = p->line.len;
	*end = !*truncated && *n == 1 && (*l)[0] == '.';
	if (*end) {
		log_protocol("S:", ".", 0);
		return 0;
	}
	if (*n > 0 && (*l)[0] == '.') {
		(*l)++;
		(*n)--;
	}
	return 0;
}

/* ---- greeting, CAPA, STLS ---- */

int pop3_greeting(struct pop3 *p, struct error **err)
{
	enum reply r;
	const char *t;
	size_t n;
	bool truncated;

	if (expect_state(p, IN(POP3_STATE_GREETING), "pop3_greeting", err) < 0)
		return -1;
	if (read_line(p, POP3_REPLY_MAX, 0, &truncated, err) < 0)
		return -1;
	log_server_line(p);
	r = classify(p, false, &t, &n);
	if (r == REPLY_ERR)
		return finish(p, refusal(p, false, _("the connection"), ERR_TEMP, t, n), err);
	if (r != REPLY_OK) {
		char *shown = clean_text(p->line.data != NULL ? p->line.data : "",
					 p->line.len, 80);
		char *detail = clean_text(p->line.data != NULL ? p->line.data : "",
					  p->line.len, POP3_REPLY_MAX);
		int rc = finishf(p, err, ERR_PERM, detail,
				 _("the server at %s does not speak POP3: it greeted with \"%s\"; "
				   "check pop3-host and pop3-port"), p->host, shown);

		free(shown);
		free(detail);
		return rc;
	}
	p->greeting = xstrndup(p->line.data, p->line.len);
	p->greeting_len = p->line.len;
	{
		const char *ts;
		size_t tslen;

		p->caps.apop = apop_timestamp(p->greeting, p->greeting_len, &ts, &tslen);
	}
	p->state = POP3_STATE_AUTHORIZATION;
	return 0;
}

/* Parses a decimal number at the start of s (n bytes) into *out (capped
 * at INT_MAX); returns the digits used, 0 if none. */
static size_t parse_int(const char *s, size_t n, int *out)
{
	size_t i = 0;
	long v = 0;

	while (i < n && ascii_isdigit(s[i])) {
		if (v < INT_MAX)
			v = v * 10 + (s[i] - '0');
		i++;
	}
	*out = v > INT_MAX ? INT_MAX : (int)v;
	return i;
}

static void capa_line(struct pop3 *p, const char *l, size_t n)
{
	struct pop3_caps *c = &p->caps;
	size_t kw = 0, a;

	while (kw < n && l[kw] != ' ' && l[kw] != '\t')
		kw++;
	a = kw;
	while (a < n && (l[a] == ' ' || l[a] == '\t'))
		a++;
#define KW(name) (kw == sizeof(name) - 1 && ascii_strncasecmp(l, name, kw) == 0)
	if (KW("TOP")) {
		c->top = true;
	} else if (KW("UIDL")) {
		c->uidl = true;
	} else if (KW("PIPELINING")) {
		c->pipelining = true;
	} else if (KW("RESP-CODES")) {
		c->resp_codes = true;
	} else if (KW("AUTH-RESP-CODE")) {
		c->auth_resp_code = true;
	} else if (KW("STLS")) {
		c->stls = true;
	} else if (KW("USER")) {
		c->user = true;
	} else if (KW("SASL")) {
		char *mechs = clean_text(l + a, n - a, POP3_REPLY_MAX);

		if (c->sasl == NULL) {
			c->sasl = mechs;
		} else {
			char *both = xasprintf("%s %s", c->sasl, mechs);

			free(c->sasl);
			free(mechs);
			c->sasl = both;
		}
	} else if (KW("LOGIN-DELAY")) {
		int v;

		if (parse_int(l + a, n - a, &v) > 0)
			c->login_delay = v;
	} else if (KW("EXPIRE")) {
		int v;

		if (n - a >= 5 && ascii_strncasecmp(l + a, "NEVER", 5) == 0)
			c->expire = -1;
		else if (parse_int(l + a, n - a, &v) > 0)
			c->expire = v;
	} else if (KW("IMPLEMENTATION")) {
		free(c->implementation);
		c->implementation = clean_text(l + a, n - a, 256);
	}
#undef KW
}

/* CAPA without the state check. */
static int do_capa(struct pop3 *p, struct error **err)
{
	enum reply r;
	const char *t;
	size_t n, lines = 0;

	caps_clear(&p->caps);
	if (sendf(p, err, "CAPA") < 0)
		return -1;
	if (read_status(p, "CAPA", false, POP3_REPLY_MAX, &r, &t, &n, err) < 0)
		return -1;
	if (r == REPLY_ERR)
		return 0;	/* an RFC 1939 server: no capabilities */
	p->caps.capa = true;
	for (;;) {
		const char *l;
		bool end, truncated;

		if (read_multi_line(p, &l, &n, &end, &truncated, err) < 0)
			return -1;
		if (end)
			break;
		log_server_line(p);
		if (++lines > POP3_CAPA_LINES_MAX)
			return finishf(p, err, ERR_TEMP, NULL,
				       _("the server at %s sent more than %d capabilities"),
				       p->host, POP3_CAPA_LINES_MAX);
		if (!truncated)
			capa_line(p, l, n);
	}
	return 0;
}

int pop3_capa(struct pop3 *p, struct error **err)
{
	if (expect_state(p, IN(POP3_STATE_AUTHORIZATION) | IN(POP3_STATE_TRANSACTION),
			 "pop3_capa", err) < 0)
		return -1;
	return do_capa(p, err);
}

int pop3_stls(struct pop3 *p, const struct tls_params *tls, struct error **err)
{
	struct error *e = NULL;
	enum reply r;
	const char *t;
	size_t n;

	if (expect_state(p, IN(POP3_STATE_AUTHORIZATION), "pop3_stls", err) < 0)
		return -1;
	if (stream_tls_active(p->s))
		return finishf(p, err, ERR_INTERNAL, NULL,
			       "pop3 %s: STLS on a connection already under TLS", p->host);
	if (p->caps.capa && !p->caps.stls)
		return finishf(p, err, ERR_PERM, NULL,
			       _("the server at %s does not offer STLS; no password was sent"),
			       p->host);
	if (sendf(p, err, "STLS") < 0)
		return -1;
	if (read_status(p, "STLS", false, POP3_REPLY_MAX, &r, &t, &n, err) < 0)
		return -1;
	if (r == REPLY_ERR) {
		struct reply_words w = reply_words(p, t, n);

		return finish_reply(p, &w, err, ERR_PERM,
				    _("the server at %s does not offer STLS; no password was "
				      "sent (it answered: %s)"), p->host, w.words);
	}
	/* Refuses any byte that came with or after the +OK (stream.h). */
	if (stream_start_tls(p->s, tls, &e) < 0)
		return finish(p, e, err);
	{
		char *desc = stream_describe(p->s);

		log_msg(LOG_DEBUG, "pop3 %s: TLS started: %s", p->host, desc);
		free(desc);
	}
	/* RFC 2595 section 4: forget what was learnt in plain text. */
	caps_clear(&p->caps);
	return do_capa(p, err);
}

/* ---- authentication ---- */

static bool has_control(const char *s, bool space_too)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || (space_too && c == ' '))
			return true;
	}
	return false;
}

/* -ERR to USER/PASS/APOP/AUTH, or the end of a SASL exchange. */
static int auth_refused(struct pop3 *p, const char *what, const char *t, size_t n,
			struct error **err)
{
	return finish(p, refusal(p, true, what, ERR_PERM, t, n), err);
}

/* What pop3_list() asks: STAT unless it was answered already; UIDL when
 * CAPA announced it or CAPA was not answered; LIST.  Neither can change
 * between a listing sent ahead and pop3_list() (pop3_stat() is refused
 * meanwhile). */
static bool listing_stat(const struct pop3 *p)
{
	return !p->have_stat;
}

static bool listing_uidl(const struct pop3 *p)
{
	return p->caps.uidl || !p->caps.capa;
}

/* Sends the listing's commands together (with PIPELINING). */
static int send_listing(struct pop3 *p, struct error **err)
{
	if ((listing_stat(p) && sendf(p, err, "STAT") < 0) ||
	    (listing_uidl(p) && sendf(p, err, "UIDL") < 0) || sendf(p, err, "LIST") < 0)
		return -1;
	return 0;
}

/* Queues the listing commands behind the last line of a login (see
 * pop3_authenticate()); the write goes out with the login's. */
static int send_list_ahead(struct pop3 *p, struct error **err)
{
	if (!p->list_after_auth || !p->caps.pipelining || p->list_sent)
		return 0;
	if (send_listing(p, err) < 0)
		return -1;
	p->list_sent = true;
	return 0;
}

static int auth_user(struct pop3 *p, struct error **err)
{
	const char *t;
	size_t n;
	char *line;
	int rc;

	if (sendf(p, err, "USER %s", p->user) < 0 ||
	    simple_reply(p, "USER", true, ERR_PERM, &t, &n, err) < 0)
		return -1;
	line = xasprintf("PASS %s", p->secret);
	rc = send_line(p, false, line, err);	/* log_protocol() hides it */
	wipe_free(line);
	if (rc < 0 || send_list_ahead(p, err) < 0)
		return -1;
	return simple_reply(p, "PASS", true, ERR_PERM, &t, &n, err);
}

static int auth_apop(struct pop3 *p, struct error **err)
{
	struct error *e = NULL;
	char digest[APOP_DIGEST_LEN + 1];
	const char *t;
	size_t n;
	int rc;

	if (apop_digest(p->greeting, p->greeting_len, p->secret, digest, &e) < 0) {
		error_prefix(&e, "%s", p->host);
		return finish(p, e, err);
	}
	rc = sendf(p, err, "APOP %s %s", p->user, digest);
	wipe(digest, sizeof digest);
	if (rc < 0 || send_list_ahead(p, err) < 0)
		return -1;
	return simple_reply(p, "APOP", true, ERR_PERM, &t, &n, err);
}

static int auth_sasl(struct pop3 *p, enum sasl_mech mech, struct error **err)
{
	struct sasl_params sp = {
		.mech = mech,
		.user = p->user,
		.secret = p->secret,
		.host = p->host,
		.port = p->port,
		.scram_iter_max = p->scram_iter_max,
	};
	struct error *e = NULL, *client_err = NULL;
	const char *name = sasl_mech_name(mech);
	struct sasl *s;
	char *ir = NULL, *line;
	bool complete;
	int rc = -1;

	s = sasl_new(&sp, &e);
	if (s == NULL) {
		error_prefix(&e, "%s", p->host);
		return finish(p, e, err);
	}
	if (p->scram_nonce != NULL)
		sasl_test_set_nonce(s, p->scram_nonce);
	if (sasl_start(s, &ir, &e) < 0) {
		error_prefix(&e, "%s", p->host);
		finish(p, e, err);
		goto out;
	}
	/* PLAIN on the AUTH line is the whole login. */
	complete = ir != NULL && mech == SASL_MECH_PLAIN;
	if (ir != NULL && sasl_initial_fits(SASL_PROTO_POP3, mech, ir))
		line = xasprintf("AUTH %s %s", name, *ir != '\0' ? ir : "=");
	else
		line = xasprintf("AUTH %s", name), complete = false;
	rc = send_line(p, false, line, err);	/* log_protocol() hides the response */
	wipe_free(line);
	sasl_response_free(&ir);
	if (rc < 0 || (complete && send_list_ahead(p, err) < 0))
		goto out;
	rc = -1;
	for (unsigned rounds = 0;; rounds++) {
		enum reply r;
		const char *t;
		size_t n;
		char *resp = NULL;
		struct error *ce = NULL;

		if (read_status(p, "AUTH", true, SASL_CHALLENGE_MAX + 8, &r, &t, &n, err) < 0)
			goto out;
		if (r == REPLY_OK) {
			if (client_err != NULL) {
				/* We cancelled, yet the server says we are in. */
				finish(p, client_err, err);
				client_err = NULL;
				goto out;
			}
			if (sasl_finish(s, &e) < 0) {
				error_prefix(&e, "%s", p->host);
				finish(p, e, err);
				goto out;
			}
			rc = 0;
			goto out;
		}
		if (r == REPLY_ERR) {
			char *detail = clean_text(p->line.data, p->line.len, POP3_REPLY_MAX);

			if (client_err != NULL) {
				error_prefix(&client_err, "%s", p->host);
				error_set_detail(client_err, detail);
				finish(p, client_err, err);
				client_err = NULL;
			} else if (sasl_mech_is_oauth(mech)) {
				sasl_rejected(s, detail, code_temporary(resp_code(t, n)), &e);
				error_prefix(&e, "%s", p->host);
				finish(p, e, err);
			} else {
				auth_refused(p, "AUTH", t, n, err);
			}
			free(detail);
			goto out;
		}
		/* A "+ " challenge. */
		if (rounds >= POP3_SASL_ROUNDS_MAX) {
			finishf(p, err, ERR_PERM, NULL,
				_("the server at %s sent more than %d %s challenges"),
				p->host, POP3_SASL_ROUNDS_MAX, name);
			goto out;
		}
		if (sasl_step(s, t, n, &resp, &ce) < 0) {
			if (client_err == NULL)
				client_err = ce;
			else
				error_free(&ce);
		}
		if (send_line(p, true, resp != NULL ? resp : "*", err) < 0 ||
		    (client_err == NULL && sasl_awaits_verdict(s) &&
		     send_list_ahead(p, err) < 0)) {
			sasl_response_free(&resp);
			goto out;
		}
		sasl_response_free(&resp);
	}
out:
	error_free(&client_err);
	sasl_free(&s);
	return rc;
}

int pop3_authenticate(struct pop3 *p, struct error **err)
{
	struct error *e = NULL;
	struct sasl_policy pol;
	enum sasl_mech mech;
	int rc;

	if (expect_state(p, IN(POP3_STATE_AUTHORIZATION), "pop3_authenticate", err) < 0)
		return -1;
	pol = (struct sasl_policy) {
		.proto = SASL_PROTO_POP3,
		.configured = p->auth,
		.tls_active = stream_tls_active(p->s),
		.allow_plaintext_auth = p->allow_plaintext_auth,
		.apop_offered = p->caps.apop,
		/* RFC 2449: USER is announced; an RFC 1939 server has it. */
		.user_offered = p->caps.user || !p->caps.capa,
	};
	if (sasl_choose(p->caps.sasl, &pol, &mech, &e) < 0) {
		error_prefix(&e, "%s", p->host);
		return finish(p, e, err);
	}
	if (*p->user == '\0' || has_control(p->user, mech == SASL_MECH_APOP))
		return finishf(p, err, ERR_CONFIG, NULL,
			       _("the user name for %s is empty or has control characters "
				 "(or, for APOP, spaces)"), p->host);
	if (mech == SASL_MECH_USER && strpbrk(p->secret, "\r\n") != NULL)
		return finishf(p, err, ERR_CONFIG, NULL,
			       _("the password for %s at %s contains a line break; it cannot "
				 "be sent with PASS"), p->user, p->host);
	log_msg(LOG_DEBUG, "pop3 %s: authenticating %s with %s", p->host, p->user,
		sasl_mech_name(mech));
	switch (mech) {
	case SASL_MECH_USER:
		rc = auth_user(p, err);
		break;
	case SASL_MECH_APOP:
		rc = auth_apop(p, err);
		break;
	default:
		rc = auth_sasl(p, mech, err);
		break;
	}
	if (rc < 0)
		return -1;
	p->state = POP3_STATE_TRANSACTION;
	return 0;
}

/* ---- STAT, UIDL, LIST ---- */

/* Parses "N" or "N M" fully (spaces between, trailing spaces allowed). */
static bool parse_u64(const char **s, const char *end, uint64_t *out)
{
	const char *q = *s;
	uint64_t v = 0;

	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q >= end || !ascii_isdigit(*q))
		return false;
	while (q < end && ascii_isdigit(*q)) {
		unsigned d = (unsigned)(*q - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		q++;
	}
	if (q < end && *q != ' ' && *q != '\t')
		return false;
	*s = q;
	*out = v;
	return true;
}

static int stat_answer(struct pop3 *p, uint32_t *count, uint64_t *size, struct error **err)
{
	const char *t, *end;
	size_t n;
	uint64_t c, s;

	if (simple_reply(p, "STAT", false, ERR_TEMP, &t, &n, err) < 0)
		return -1;
	end = t + n;
	if (!parse_u64(&t, end, &c) || !parse_u64(&t, end, &s)) {
		char *shown = clean_text(p->line.data, p->line.len, 80);
		int rc = finishf(p, err, ERR_TEMP, NULL,
				 _("the server at %s answered STAT with \"%s\", which has no "
				   "message count and size"), p->host, shown);

		free(shown);
		return rc;
	}
	if (c > POP3_MAX_MESSAGES)
		return finishf(p, err, ERR_PERM, NULL,
			       _("the mailbox at %s holds %llu messages, more than the %u "
				 "Petrel handles in one session"), p->host,
			       (unsigned long long)c, POP3_MAX_MESSAGES);
	if (!p->have_stat) {
		p->have_stat = true;
		p->stat_count = (uint32_t)c;
	}
	if (count != NULL)
		*count = (uint32_t)c;
	if (size != NULL)
		*size = s;
	return 0;
}

int pop3_stat(struct pop3 *p, uint32_t *count, uint64_t *size, struct error **err)
{
	if (expect_state(p, IN(POP3_STATE_TRANSACTION), "pop3_stat", err) < 0)
		return -1;
	if (p->q_len > 0 || p->list_sent)
		return finishf(p, err, ERR_INTERNAL, NULL,
			       "pop3 %s: STAT with commands in flight", p->host);
	if (sendf(p, err, "STAT") < 0)
		return -1;
	return stat_answer(p, count, size, err);
}

/* An entry while the listing is read. */
struct lentry {
	uint32_t msgno;
	uint32_t uidl_lines, list_lines;
	bool uid_bad;
	uint64_t size;
	char *uid;
};

struct listing {
	struct lentry *v;
	size_t n, cap;
	size_t lines;
};

static struct lentry *listing_add(struct listing *ls, uint32_t msgno)
{
	struct lentry *e;

	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 64;
		ls->v = xreallocarray(ls->v, ls->cap, sizeof *ls->v);
	}
	e = &ls->v[ls->n++];
	memset(e, 0, sizeof *e);
	e->msgno = msgno;
	return e;
}

bool pop3_uid_valid(const char *u, size_t n)
{
	if (n == 0 || n > POP3_UID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] < 0x21 || (unsigned char)u[i] > 0x7e)
			return false;
	return true;
}

/* Reads the lines of a UIDL (uidl true) or LIST answer after its +OK. */
static int read_listing(struct pop3 *p, bool uidl, struct listing *ls, struct error **err)
{
	const char *what = uidl ? "UIDL" : "LIST";

	for (;;) {
		const char *l, *end, *q;
		size_t n;
		bool fin, truncated;
		uint64_t msgno;
		struct lentry *e;

		if (read_multi_line(p, &l, &n, &fin, &truncated, err) < 0)
			return -1;
		if (fin)
			return 0;
		if (++ls->lines > POP3_MAX_MESSAGES)
			return finishf(p, err, ERR_PERM, NULL,
				       _("the server at %s sent more than %u lines in its %s "
					 "answer"), p->host, POP3_MAX_MESSAGES, what);
		end = l + n;
		q = l;
		if (!parse_u64(&q, end, &msgno)) {
			char *shown = clean_text(l, n, 80);

			log_msg(LOG_WARN, "pop3 %s: ignoring %s line \"%s\"", p->host, what,
				shown);
			free(shown);
			continue;
		}
		if (msgno == 0 || msgno > p->stat_count) {
			log_msg(LOG_WARN, "pop3 %s: ignoring %s line for message %llu "
				"(STAT said %u messages)", p->host, what,
				(unsigned long long)msgno, p->stat_count);
			continue;
		}
		e = listing_add(ls, (uint32_t)msgno);
		if (uidl) {
			const char *u = q, *ue = end;

			e->uidl_lines = 1;
			while (u < ue && (*u == ' ' || *u == '\t'))
				u++;
			while (ue > u && (ue[-1] == ' ' || ue[-1] == '\t'))
				ue--;
			if (truncated || !pop3_uid_valid(u, (size_t)(ue - u))) {
				e->uid_bad = true;
				log_msg(LOG_WARN, "pop3 %s: message %u has an invalid UIDL "
					"(%s%zu bytes); it cannot be tracked by UID", p->host,
					e->msgno, truncated ? "more than " : "",
					(size_t)(ue - u));
			} else {
				e->uid = xstrndup(u, (size_t)(ue - u));
			}
		} else {
			uint64_t size;

			e->list_lines = 1;
			if (truncated || !parse_u64(&q, end, &size)) {
				log_msg(LOG_WARN, "pop3 %s: LIST gave no size for message %u",
					p->host, e->msgno);
				e->list_lines = 0;
			} else {
				e->size = size;
			}
		}
	}
}

static int cmp_msgno(const void *a, const void *b)
{
	const struct lentry *x = a, *y = b;

	return x->msgno < y->msgno ? -1 : x->msgno > y->msgno;
}

static int cmp_uid(const void *a, const void *b)
{
	const struct pop3_entry *const *x = a, *const *y = b;

	return strcmp((*x)->uid, (*y)->uid);
}

/* Merges the entries of UIDL and LIST by message number into the result;
 * refuses duplicate UIDs. */
static void listing_merge(struct pop3 *p, struct listing *ls, bool uidl_ok, bool list_ok,
			  struct pop3_entry **out, size_t *nout)
{
	struct pop3_entry *v = xcalloc(ls->n ? ls->n : 1, sizeof *v);
	struct pop3_entry **byuid;
	size_t n = 0, nu = 0;

	if (ls->n > 1)
		qsort(ls->v, ls->n, sizeof *ls->v, cmp_msgno);
	for (size_t i = 0; i < ls->n;) {
		struct pop3_entry *e = &v[n++];
		uint32_t uidl_lines = 0, list_lines = 0;
		bool bad = false;
		size_t j;

		e->msgno = ls->v[i].msgno;
		for (j = i; j < ls->n && ls->v[j].msgno == e->msgno; j++) {
			struct lentry *x = &ls->v[j];

			uidl_lines += x->uidl_lines;
			list_lines += x->list_lines;
			bad |= x->uid_bad;
			if (x->uid != NULL && e->uid == NULL)
				e->uid = x->uid;
			else
				free(x->uid);
			x->uid = NULL;
			if (x->list_lines > 0 && list_lines == 1)
				e->size = x->size;
		}
		if (uidl_ok) {
			if (uidl_lines > 1)
				log_msg(LOG_WARN, "pop3 %s: UIDL listed message %u %u times; "
					"it cannot be tracked by UID", p->host, e->msgno, uidl_lines);
			else if (uidl_lines == 0)
				log_msg(LOG_WARN, "pop3 %s: UIDL did not list message %u",
					p->host, e->msgno);
			if (bad || uidl_lines != 1) {
				free(e->uid);
				e->uid = NULL;
				e->uid_unusable = true;
			}
		}
		if (list_ok && list_lines > 1)
			log_msg(LOG_WARN, "pop3 %s: LIST listed message %u %u times",
				p->host, e->msgno, list_lines);
		else if (list_ok && list_lines == 0)
			log_msg(LOG_WARN, "pop3 %s: LIST gave no size for message %u",
				p->host, e->msgno);
		i = j;
	}

	/* The same UID on two messages: neither can be told apart. */
	byuid = xcalloc(n ? n : 1, sizeof *byuid);
	for (size_t i = 0; i < n; i++)
		if (v[i].uid != NULL)
			byuid[nu++] = &v[i];
	if (nu > 1)
		qsort(byuid, nu, sizeof *byuid, cmp_uid);
	for (size_t i = 0; i < nu;) {
		size_t j = i + 1;

		while (j < nu && strcmp(byuid[j]->uid, byuid[i]->uid) == 0)
			j++;
		if (j - i > 1) {
			char *shown = clean_text(byuid[i]->uid, strlen(byuid[i]->uid), 80);

			log_msg(LOG_WARN, "pop3 %s: %zu messages share the UIDL \"%s\"; none "
				"of them can be tracked by UID", p->host, j - i, shown);
			free(shown);
			/* Free after comparing: the run compares against byuid[i]. */
			for (size_t k = i + 1; k < j; k++) {
				free(byuid[k]->uid);
				byuid[k]->uid = NULL;
				byuid[k]->uid_unusable = true;
			}
			free(byuid[i]->uid);
			byuid[i]->uid = NULL;
			byuid[i]->uid_unusable = true;
		}
		i = j;
	}
	free(byuid);
	*out = v;
	*nout = n;
}

int pop3_list(struct pop3 *p, struct pop3_entry **entries, size_t *n,
	      struct error **err)
{
	struct listing ls = { 0 };
	bool need_stat, try_uidl, uidl_ok = false, list_ok = false;
	bool pipe = p->caps.pipelining;
	enum reply r;
	const char *t;
	size_t tn;

	*entries = NULL;
	*n = 0;
	if (expect_state(p, IN(POP3_STATE_TRANSACTION), "pop3_list", err) < 0)
		return -1;
	if (p->q_len > 0)
		return finishf(p, err, ERR_INTERNAL, NULL,
			       "pop3 %s: LIST with commands in flight", p->host);
	need_stat = listing_stat(p);
	try_uidl = listing_uidl(p);
	/* With PIPELINING the three go out in one write, unless they went
	 * out with the login already. */
	if (pipe && !p->list_sent && send_listing(p, err) < 0)
		return -1;
	p->list_sent = false;
	if (need_stat && ((!pipe && sendf(p, err, "STAT") < 0) ||
			  stat_answer(p, NULL, NULL, err) < 0))
		return -1;
	if (try_uidl) {
		if ((!pipe && sendf(p, err, "UIDL") < 0) ||
		    read_status(p, "UIDL", false, POP3_REPLY_MAX, &r, &t, &tn, err) < 0)
			goto fail;
		if (r == REPLY_OK) {
			uidl_ok = true;
			if (read_listing(p, true, &ls, err) < 0)
				goto fail;
		} else {
			log_msg(LOG_INFO, "pop3 %s: no UIDL support; messages cannot be "
				"tracked by UID", p->host);
		}
	}
	p->caps.uidl = uidl_ok;
	if ((!pipe && sendf(p, err, "LIST") < 0) ||
	    read_status(p, "LIST", false, POP3_REPLY_MAX, &r, &t, &tn, err) < 0)
		goto fail;
	if (r == REPLY_OK) {
		list_ok = true;
		ls.lines = 0;
		if (read_listing(p, false, &ls, err) < 0)
			goto fail;
	} else {
		log_msg(LOG_WARN, "pop3 %s: LIST refused; message sizes are unknown", p->host);
	}
	listing_merge(p, &ls, uidl_ok, list_ok, entries, n);
	free(ls.v);
	return 0;
fail:
	for (size_t i = 0; i < ls.n; i++)
		free(ls.v[i].uid);
	free(ls.v);
	return -1;
}

void pop3_entries_free(struct pop3_entry *entries, size_t n)
{
	if (entries == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(entries[i].uid);
	free(entries);
}

/* ---- RETR, TOP, DELE: the pipeline ---- */

static int enqueue(struct pop3 *p, enum cmd_kind kind, uint32_t msgno, unsigned lines,
		   struct error **err)
{
	static const char *const verbs[] = { "RETR", "TOP", "DELE" };
	struct pending *q;
	int rc;

	if (expect_state(p, IN(POP3_STATE_TRANSACTION), verbs[kind], err) < 0)
		return -1;
	if (msgno == 0)
		return finishf(p, err, ERR_INTERNAL, NULL,
			       "pop3 %s: %s of message number 0", p->host, verbs[kind]);
	if (p->q_len >= POP3_PIPELINE_MAX || (p->q_len > 0 && !p->caps.pipelining))
		return finishf(p, err, ERR_INTERNAL, NULL,
			       "pop3 %s: %s with %zu commands in flight (pipelining %s)",
			       p->host, verbs[kind], p->q_len,
			       p->caps.pipelining ? "on" : "off");
	if (kind == CMD_TOP)
		rc = sendf(p, err, "TOP %u %u", msgno, lines);
	else
		rc = sendf(p, err, "%s %u", verbs[kind], msgno);
	if (rc < 0)
		return -1;
	q = &p->queue[(p->q_head + p->q_len) % POP3_PIPELINE_MAX];
	q->kind = kind;
	q->msgno = msgno;
	p->q_len++;
	return 0;
}

int pop3_send_retr(struct pop3 *p, uint32_t msgno, struct error **err)
{
	return enqueue(p, CMD_RETR, msgno, 0, err);
}

int pop3_send_top(struct pop3 *p, uint32_t msgno, unsigned lines, struct error **err)
{
	if (p->state == POP3_STATE_TRANSACTION && p->caps.capa && !p->caps.top)
		return error_set(err, ERR_PERM,
				 _("the server at %s does not offer TOP, so message %u cannot "
				   "be fetched as headers only"), p->host, msgno);
	return enqueue(p, CMD_TOP, msgno, lines, err);
}

int pop3_send_dele(struct pop3 *p, uint32_t msgno, struct error **err)
{
	return enqueue(p, CMD_DELE, msgno, 0, err);
}

/* Takes the oldest command in flight, which must be of one of the kinds. */
static int dequeue(struct pop3 *p, bool message, struct pending *out, struct error **err)
{
	struct pending *q;

	if (p->q_len == 0)
		return finishf(p, err, ERR_INTERNAL, NULL,
			       "pop3 %s: reading an answer with no command in flight", p->host);
	q = &p->queue[p->q_head];
	if ((q->kind == CMD_DELE) == message)
		return finishf(p, err, ERR_INTERNAL, NULL,
			       "pop3 %s: reading the answer to %s %u as the wrong kind",
			       p->host, q->kind == CMD_DELE ? "DELE" : "RETR/TOP", q->msgno);
	*out = *q;
	p->q_head = (p->q_head + 1) % POP3_PIPELINE_MAX;
	p->q_len--;
	return 0;
}

/* Hands the collected body bytes to the sink. */
static int sink_flush(struct pop3 *p, const struct pop3_sink *sink, struct error **err)
{
	struct error *e = NULL;

	if (p->chunk_len == 0)
		return 0;
	if (sink->data(sink->ctx, p->chunk, p->chunk_len, &e) < 0) {
		if (e == NULL)
			error_set(&e, ERR_INTERNAL, "%s: storing a message failed", p->host);
		return finish(p, e, err);
	}
	p->chunk_len = 0;
	return 0;
}

static int sink_put(struct pop3 *p, const struct pop3_sink *sink, const char *d, size_t n,
		    struct error **err)
{
	if (p->chunk_len + n > POP3_SINK_CHUNK) {
		if (sink_flush(p, sink, err) < 0)
			return -1;
		if (n > POP3_SINK_CHUNK) {
			struct error *e = NULL;

			if (sink->data(sink->ctx, d, n, &e) < 0) {
				if (e == NULL)
					error_set(&e, ERR_INTERNAL, "%s: storing a message failed",
						  p->host);
				return finish(p, e, err);
			}
			return 0;
		}
	}
	memcpy(p->chunk + p->chunk_len, d, n);
	p->chunk_len += n;
	return 0;
}

/* Reads a multi-line body up to its "." line into the sink.  Only the
 * first piece of a line can hold the stuffed dot or be the terminator. */
static int read_body(struct pop3 *p, const struct pop3_sink *sink, uint64_t *bytes,
		     struct error **err)
{
	bool line_start = true;
	uint64_t total = 0;

	if (p->chunk == NULL)
		p->chunk = xmalloc(POP3_SINK_CHUNK);
	p->chunk_len = 0;
	for (;;) {
		struct error *e = NULL;
		const char *piece;
		size_t n;
		bool end;

		if (stream_read_piece(p->s, &piece, &n, &end, &e) < 0)
			return finish(p, e, err);
		if (line_start && n > 0 && piece[0] == '.') {
			if (end && n == 1)
				break;
			piece++;
			n--;
		}
		if (n > 0 && sink_put(p, sink, piece, n, err) < 0)
			return -1;
		total += n;
		if (end) {
			enum stream_eol eol = stream_last_eol(p->s);
			const char *le = eol == STREAM_EOL_CRLF ? "\r\n" : "\n";
			size_t len = eol == STREAM_EOL_CRLF ? 2 : 1;

			if (sink_put(p, sink, le, len, err) < 0)
				return -1;
			total += len;
		}
		line_start = end;
	}
	if (sink_flush(p, sink, err) < 0)
		return -1;
	*bytes = total;
	return 0;
}

/* Reads the status line answering the oldest command in flight (a
 * message for RETR/TOP, else DELE) into *cmd.  0 on +OK; -1 on a -ERR,
 * which leaves the session in step (one line), or on a failure. */
static int queued_status(struct pop3 *p, bool message, const char *fn, struct pending *cmd,
			 struct error **err)
{
	enum reply r;
	const char *t;
	size_t n;
	char what[32];

	if (expect_state(p, IN(POP3_STATE_TRANSACTION), fn, err) < 0 ||
	    dequeue(p, message, cmd, err) < 0)
		return -1;
	snprintf(what, sizeof what, "%s %u", cmd->kind == CMD_TOP ? "TOP" :
		 cmd->kind == CMD_RETR ? "RETR" : "DELE", cmd->msgno);
	if (read_status(p, what, false, POP3_REPLY_MAX, &r, &t, &n, err) < 0)
		return -1;
	if (r == REPLY_ERR) {
		struct error *e = refusal(p, false, what, ERR_PERM, t, n);

		give(e, err);
		error_free(&e);
		return -1;
	}
	return 0;
}

int pop3_read_message(struct pop3 *p, const struct pop3_sink *sink, uint64_t *bytes,
		      struct error **err)
{
	struct pending cmd;

	*bytes = 0;
	if (queued_status(p, true, "pop3_read_message", &cmd, err) < 0 ||
	    read_body(p, sink, bytes, err) < 0)
		return -1;
	log_msg(LOG_DEBUG, "S: <%llu bytes of message %u>", (unsigned long long)*bytes,
		cmd.msgno);
	return 0;
}

int pop3_read_dele(struct pop3 *p, struct error **err)
{
	struct pending cmd;

	return queued_status(p, false, "pop3_read_dele", &cmd, err);
}

int pop3_quit(struct pop3 *p, bool wait_reply, struct error **err)
{
	enum reply r;
	const char *t;
	size_t n;

	if (expect_state(p, IN(POP3_STATE_AUTHORIZATION) | IN(POP3_STATE_TRANSACTION),
			 "pop3_quit", err) < 0)
		return -1;
	if (p->q_len > 0)
		return finishf(p, err, ERR_INTERNAL, NULL,
			       "pop3 %s: QUIT with %zu commands in flight", p->host, p->q_len);
	if (sendf(p, err, "QUIT") < 0)
		return -1;
	if (!wait_reply) {
		if (pop3_flush(p, err) < 0)
			return -1;
		p->state = POP3_STATE_DONE;
		return 0;
	}
	if (read_status(p, "QUIT", false, POP3_REPLY_MAX, &r, &t, &n, err) < 0)
		return -1;
	if (r == REPLY_ERR) {
		struct reply_words w = reply_words(p, t, n);

		return finish_reply(p, &w, err, ERR_TEMP,
				    _("the server at %s did not commit the session at QUIT; "
				      "messages marked for deletion were kept: %s"), p->host, w.words);
	}
	p->state = POP3_STATE_DONE;
	return 0;
}
