/* test-pop3.c - the POP3 state machine driven from in-memory transcripts:
 * every transcript is played with the server's bytes arriving 1, 2, 3 and
 * 7 at a time and all at once.  Covers a whole session, SASL (PLAIN with
 * and without the initial response on the AUTH line, LOGIN, SCRAM-SHA-256
 * from RFC 7677), APOP from RFC 1939, USER/PASS, the plaintext refusal,
 * STLS refusals and response injection, listings with hostile and
 * duplicate UIDs and disagreeing STAT/UIDL/LIST, pipelined RETRs with one
 * refused, dot-unstuffing across piece boundaries, a 1 MB line through a
 * 1 KB stream, both line ends, cuts and stalls anywhere in a body, every
 * response code, and a log that never holds a password. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "buf.h"
#include "error.h"
#include "log.h"
#include "pop3.h"
#include "stream.h"
#include "transport.h"
#include "util.h"
#include "../tap.h"

#define HOST "pop.example.org"
#define USER "jane"
#define PASS "s3cret-Pa55w0rd"

static const size_t chunks[] = { 1, 2, 3, 7, 0 };

static bool contains(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

static struct pop3_params params(void)
{
	struct pop3_params p = {
		.host = HOST,
		.port = 110,
		.user = USER,
		.secret = PASS,
		.auth = CONFIG_AUTH_AUTO,
		.allow_plaintext_auth = true,
	};

	return p;
}

static struct pop3 *start_bytes(const char *script, size_t len, size_t chunk,
				size_t line_max, const struct pop3_params *prm)
{
	struct stream_params sp = { line_max, 0, 0 };
	struct pop3_params def = params();

	return pop3_new(stream_new(mem_transport_new_bytes(script, len, chunk), &sp),
			prm != NULL ? prm : &def);
}

static struct pop3 *start(const char *script, size_t chunk, const struct pop3_params *prm)
{
	return start_bytes(script, strlen(script), chunk, 0, prm);
}

static const char *written(struct pop3 *p)
{
	return mem_transport_written(stream_transport(pop3_stream(p)), NULL);
}

static const char *msg(const struct error *e)
{
	return e != NULL ? e->msg : "(no error)";
}

/* A sink that keeps everything (up to 4 MB) and can be told to fail. */
struct collect {
	struct buf b;
	size_t calls, max_call;
	bool fail;
};

static int collect_data(void *ctx, const char *p, size_t n, struct error **err)
{
	struct collect *c = ctx;

	c->calls++;
	if (n > c->max_call)
		c->max_call = n;
	if (c->fail)
		return error_set(err, ERR_IO, "disk full (test)");
	buf_append(&c->b, p, n);
	return 0;
}

static void collect_init(struct collect *c)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->b, 4u * 1024 * 1024);
}

/* Greeting, CAPA, authentication; 0 or -1. */
static int login(struct pop3 *p, struct error **err)
{
	if (pop3_greeting(p, err) < 0 || pop3_capa(p, err) < 0)
		return -1;
	return pop3_authenticate(p, err);
}

#define GREETING "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"
#define CAPA_USER "+OK Capability list follows\r\nUSER\r\nTOP\r\nUIDL\r\n.\r\n"
#define CAPA_PIPE "+OK\r\nUSER\r\nTOP\r\nUIDL\r\nPIPELINING\r\nRESP-CODES\r\n.\r\n"

/* ---- a whole session ---- */

static void test_full_session(void)
{
	char *plain = base64_encode("\0" USER "\0" PASS, 2 + strlen(USER) + strlen(PASS));
	char *want = xasprintf("CAPA\r\nAUTH PLAIN %s\r\nSTAT\r\nUIDL\r\nLIST\r\n"
			       "RETR 1\r\nRETR 2\r\nDELE 1\r\nDELE 2\r\nQUIT\r\n", plain);

	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p = start(
			GREETING
			"+OK Capability list follows\r\n"
			"TOP\r\nUIDL\r\nUSER\r\nSASL PLAIN LOGIN\r\nPIPELINING\r\n"
			"RESP-CODES\r\nAUTH-RESP-CODE\r\nLOGIN-DELAY 900\r\n"
			"EXPIRE NEVER\r\nIMPLEMENTATION Test\x1bServer 1.0\r\n"
			"X-UNKNOWN whatever\r\n.\r\n"
			"+OK Logged in.\r\n"
			"+OK 2 320\r\n"
			"+OK\r\n1 uid-one\r\n2 uid-two\r\n.\r\n"
			"+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"
			"+OK 120 octets\r\nSubject: one\r\n\r\n..dot\r\nbody\r\n.\r\n"
			"+OK\r\nSubject: two\r\n\r\nx\r\n.\r\n"
			"+OK deleted\r\n+OK deleted\r\n"
			"+OK bye\r\n", c, NULL);
		struct pop3_sink sink;
		struct collect one, two;
		struct pop3_entry *ents = NULL;
		struct error *err = NULL;
		const struct pop3_caps *caps;
		uint32_t count = 0;
		uint64_t size = 0, b1 = 0, b2 = 0;
		size_t n = 0, before;

		collect_init(&one);
		collect_init(&two);
		is_int(pop3_state(p), POP3_STATE_GREETING, "chunk %zu: starts in greeting", c);
		is_int(login(p, &err), 0, "chunk %zu: login: %s", c, msg(err));
		is_int(pop3_state(p), POP3_STATE_TRANSACTION, "chunk %zu: transaction", c);
		caps = pop3_caps(p);
		ok(caps->capa && caps->top && caps->uidl && caps->user && caps->pipelining &&
		   caps->resp_codes && caps->auth_resp_code && !caps->stls && caps->apop,
		   "chunk %zu: capabilities", c);
		is_str(caps->sasl, "PLAIN LOGIN", "chunk %zu: SASL list", c);
		is_str(caps->implementation, "Test?Server 1.0",
		       "chunk %zu: IMPLEMENTATION without its control byte", c);
		ok(caps->login_delay == 900 && caps->expire == -1,
		   "chunk %zu: LOGIN-DELAY 900, EXPIRE NEVER", c);
		ok(pop3_stat(p, &count, &size, &err) == 0 && count == 2 && size == 320,
		   "chunk %zu: STAT 2 320", c);
		ok(pop3_list(p, &ents, &n, &err) == 0 && n == 2 &&
		   ents[0].msgno == 1 && ents[0].size == 120 &&
		   ents[0].uid != NULL && strcmp(ents[0].uid, "uid-one") == 0 &&
		   ents[1].msgno == 2 && ents[1].size == 200 &&
		   ents[1].uid != NULL && strcmp(ents[1].uid, "uid-two") == 0 &&
		   !ents[0].uid_unusable && !ents[1].uid_unusable,
		   "chunk %zu: UIDL and LIST merged: %s", c, msg(err));
		pop3_entries_free(ents, n);

		ok(pop3_can_pipeline(p), "chunk %zu: can pipeline", c);
		before = strlen(written(p));
		ok(pop3_send_retr(p, 1, &err) == 0 && pop3_send_retr(p, 2, &err) == 0,
		   "chunk %zu: two RETRs queued", c);
		is_int(pop3_in_flight(p), 2, "chunk %zu: two in flight", c);
		is_int(strlen(written(p)), before, "chunk %zu: nothing sent before the flush", c);
		is_int(pop3_flush(p, &err), 0, "chunk %zu: flush", c);
		is_str(written(p) + before, "RETR 1\r\nRETR 2\r\n",
		       "chunk %zu: both RETRs went out together", c);
		sink = (struct pop3_sink){ collect_data, &one };
		is_int(pop3_read_message(p, &sink, &b1, &err), 0, "chunk %zu: message 1", c);
		sink.ctx = &two;
		is_int(pop3_read_message(p, &sink, &b2, &err), 0, "chunk %zu: message 2", c);
		is_str(buf_cstr(&one.b), "Subject: one\r\n\r\n.dot\r\nbody\r\n",
		       "chunk %zu: body 1 unstuffed, CRLF kept", c);
		is_int(b1, one.b.len, "chunk %zu: byte count 1", c);
		is_str(buf_cstr(&two.b), "Subject: two\r\n\r\nx\r\n", "chunk %zu: body 2", c);
		is_int(b2, 19, "chunk %zu: byte count 2", c);
		ok(pop3_send_dele(p, 1, &err) == 0 && pop3_send_dele(p, 2, &err) == 0 &&
		   pop3_read_dele(p, &err) == 0 && pop3_read_dele(p, &err) == 0,
		   "chunk %zu: two DELEs: %s", c, msg(err));
		is_int(pop3_quit(p, true, &err), 0, "chunk %zu: QUIT", c);
		is_int(pop3_state(p), POP3_STATE_DONE, "chunk %zu: done", c);
		is_str(written(p), want, "chunk %zu: exactly the commands expected", c);
		error_free(&err);
		buf_free(&one.b);
		buf_free(&two.b);
		pop3_free(&p);
		ok(p == NULL, "chunk %zu: pop3_free NULLs the pointer", c);
	}
	free(plain);
	free(want);
}

static void test_state_names(void)
{
	is_str(pop3_state_name(POP3_STATE_GREETING), "greeting", "state name greeting");
	is_str(pop3_state_name(POP3_STATE_FAILED), "failed", "state name failed");
	is_str(pop3_state_name((enum pop3_state)99), "unknown", "state name out of range");
}

/* ---- authentication ---- */

static void test_plaintext_refused(void)
{
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3_params prm = params();
		struct pop3 *p;
		struct error *err = NULL;

		prm.allow_plaintext_auth = false;
		p = start(GREETING "+OK\r\nSASL PLAIN SCRAM-SHA-256\r\nUSER\r\n.\r\n", c, &prm);
		is_int(login(p, &err), -1, "chunk %zu: no credential without TLS", c);
		ok(err != NULL && err->kind == ERR_CONFIG, "chunk %zu: ERR_CONFIG", c);
		ok(contains(msg(err), "pop3-tls") && contains(msg(err), "allow-plaintext-auth") &&
		   contains(msg(err), HOST), "chunk %zu: names pop3-tls, allow-plaintext-auth "
		   "and the host: %s", c, msg(err));
		is_str(written(p), "CAPA\r\n", "chunk %zu: nothing but CAPA was sent", c);
		is_int(pop3_state(p), POP3_STATE_FAILED, "chunk %zu: failed", c);
		error_free(&err);
		pop3_free(&p);
	}
}

static void test_user_pass(void)
{
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p = start("+OK hello\r\n" CAPA_USER "+OK\r\n+OK welcome\r\n", c, NULL);
		struct error *err = NULL;

		is_int(login(p, &err), 0, "chunk %zu: USER/PASS: %s", c, msg(err));
		is_str(written(p), "CAPA\r\nUSER " USER "\r\nPASS " PASS "\r\n",
		       "chunk %zu: USER then PASS", c);
		ok(!pop3_caps(p)->apop, "chunk %zu: no timestamp, no APOP", c);
		error_free(&err);
		pop3_free(&p);
	}
}

static void test_apop(void)
{
	/* RFC 1939 section 7. */
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3_params prm = params();
		struct pop3 *p;
		struct error *err = NULL;

		prm.user = "mrose";
		prm.secret = "tanstaaf";
		p = start(GREETING "-ERR unknown command\r\n+OK maildrop has 1 message\r\n",
			  c, &prm);
		is_int(login(p, &err), 0, "chunk %zu: APOP chosen by auto without CAPA: %s",
		       c, msg(err));
		is_str(written(p), "CAPA\r\nAPOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n",
		       "chunk %zu: the RFC 1939 digest", c);
		ok(!pop3_caps(p)->capa && pop3_caps(p)->apop, "chunk %zu: no CAPA, APOP", c);
		error_free(&err);
		pop3_free(&p);
	}
}

static void test_apop_malformed(void)
{
	static const char *const greetings[] = {
		"+OK ready <no-at-sign>\r\n",
		"+OK ready <1896.697170952@dbc.mtview.ca.us\r\n",
		"+OK ready <a b@c>\r\n",
		"+OK ready <\r\n",
		"+OK ready >@<\r\n",
		"+OK\r\n",
	};

	for (size_t g = 0; g < ARRAY_LEN(greetings); g++) {
		for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
			size_t c = chunks[i];
			char *script = xasprintf("%s-ERR no CAPA\r\n", greetings[g]);
			struct pop3_params prm = params();
			struct pop3 *p;
			struct error *err = NULL;

			prm.auth = CONFIG_AUTH_APOP;
			p = start(script, c, &prm);
			ok(pop3_greeting(p, &err) == 0 && !pop3_caps(p)->apop,
			   "greeting %zu chunk %zu: malformed timestamp means no APOP", g, c);
			ok(pop3_capa(p, &err) == 0 && pop3_authenticate(p, &err) == -1 &&
			   err != NULL && err->kind == ERR_CONFIG && contains(err->msg, HOST),
			   "greeting %zu chunk %zu: apop configured is refused: %s", g, c,
			   msg(err));
			is_str(written(p), "CAPA\r\n", "greeting %zu chunk %zu: no APOP sent", g, c);
			error_free(&err);
			pop3_free(&p);
			free(script);
		}
	}
}

static void test_sasl_plain_split(void)
{
	/* A password long enough that "AUTH PLAIN <ir>" passes 255 octets:
	 * the initial response answers the empty challenge instead. */
	char secret[201];
	char *b64, *want;

	memset(secret, 'p', sizeof secret - 1);
	secret[sizeof secret - 1] = '\0';
	{
		struct buf raw = BUF_INIT;

		buf_putc(&raw, '\0');
		buf_puts(&raw, USER);
		buf_putc(&raw, '\0');
		buf_puts(&raw, secret);
		b64 = base64_encode(raw.data, raw.len);
		buf_free(&raw);
	}
	want = xasprintf("CAPA\r\nAUTH PLAIN\r\n%s\r\n", b64);
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3_params prm = params();
		struct pop3 *p;
		struct error *err = NULL;

		prm.secret = secret;
		p = start("+OK hi\r\n+OK\r\nSASL PLAIN\r\n.\r\n+ \r\n+OK in\r\n", c, &prm);
		is_int(login(p, &err), 0, "chunk %zu: long PLAIN: %s", c, msg(err));
		is_str(written(p), want, "chunk %zu: AUTH PLAIN alone, then the response", c);
		error_free(&err);
		pop3_free(&p);
	}
	free(b64);
	free(want);
}

static void test_sasl_login(void)
{
	char *u = base64_encode(USER, strlen(USER)), *pw = base64_encode(PASS, strlen(PASS));
	char *want = xasprintf("CAPA\r\nAUTH LOGIN\r\n%s\r\n%s\r\n", u, pw);

	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p = start("+OK hi\r\n+OK\r\nSASL LOGIN\r\n.\r\n"
				       "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK in\r\n", c, NULL);
		struct error *err = NULL;

		is_int(login(p, &err), 0, "chunk %zu: LOGIN: %s", c, msg(err));
		is_str(written(p), want, "chunk %zu: LOGIN exchange", c);
		error_free(&err);
		pop3_free(&p);
	}
	free(u);
	free(pw);
	free(want);
}

/* RFC 7677 section 3. */
#define SCRAM_NONCE "rOprNGfwEbeRWgbNEkqO"
#define SCRAM_CFIRST "n,,n=user,r=" SCRAM_NONCE
#define SCRAM_SFIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
	"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define SCRAM_CFINAL "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
	"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define SCRAM_SFINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static char *b64s(const char *s)
{
	return base64_encode(s, strlen(s));
}

static void test_scram(void)
{
	char *cfirst = b64s(SCRAM_CFIRST), *sfirst = b64s(SCRAM_SFIRST);
	char *cfinal = b64s(SCRAM_CFINAL), *sfinal = b64s(SCRAM_SFINAL);
	char *bad_final = b64s("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
	char *script = xasprintf("+OK hi\r\n+OK\r\nSASL SCRAM-SHA-256 PLAIN\r\nUSER\r\n.\r\n"
				 "+ %s\r\n+ %s\r\n+OK welcome\r\n", sfirst, sfinal);
	char *bad = xasprintf("+OK hi\r\n+OK\r\nSASL SCRAM-SHA-256 PLAIN\r\nUSER\r\n.\r\n"
			      "+ %s\r\n+ %s\r\n-ERR [AUTH] cancelled\r\n", sfirst, bad_final);
	char *want = xasprintf("CAPA\r\nAUTH SCRAM-SHA-256 %s\r\n%s\r\n\r\n", cfirst, cfinal);
	char *want_bad = xasprintf("CAPA\r\nAUTH SCRAM-SHA-256 %s\r\n%s\r\n*\r\n", cfirst,
				   cfinal);
	char *liar = xasprintf("+OK hi\r\n+OK\r\nSASL SCRAM-SHA-256\r\n.\r\n"
			       "+ %s\r\n+OK welcome, trust me\r\n", sfirst);

	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3_params prm = params();
		struct pop3 *p;
		struct error *err = NULL;

		prm.user = "user";
		prm.secret = "pencil";
		p = start(script, c, &prm);
		pop3_test_set_scram_nonce(p, SCRAM_NONCE);
		is_int(login(p, &err), 0, "chunk %zu: SCRAM-SHA-256 (RFC 7677): %s", c, msg(err));
		is_str(written(p), want, "chunk %zu: SCRAM exchange bytes", c);
		error_free(&err);
		pop3_free(&p);

		/* A wrong server signature: "*", then the failure, and no
		 * weaker mechanism afterwards. */
		p = start(bad, c, &prm);
		pop3_test_set_scram_nonce(p, SCRAM_NONCE);
		is_int(login(p, &err), -1, "chunk %zu: wrong server signature fails", c);
		ok(err != NULL && err->kind == ERR_PERM && contains(err->msg, "prove") &&
		   contains(err->msg, HOST), "chunk %zu: says the server could not prove "
		   "itself: %s", c, msg(err));
		is_str(written(p), want_bad, "chunk %zu: cancelled with *, nothing weaker "
		       "tried", c);
		is_int(pop3_state(p), POP3_STATE_FAILED, "chunk %zu: failed", c);
		error_free(&err);
		pop3_free(&p);

		/* +OK before the server proved itself. */
		p = start(liar, c, &prm);
		pop3_test_set_scram_nonce(p, SCRAM_NONCE);
		is_int(login(p, &err), -1, "chunk %zu: +OK without a server signature", c);
		ok(err != NULL && err->kind == ERR_PERM && contains(err->msg, HOST),
		   "chunk %zu: refused: %s", c, msg(err));
		error_free(&err);
		pop3_free(&p);
	}
	free(cfirst);
	free(sfirst);
	free(cfinal);
	free(sfinal);
	free(bad_final);
	free(script);
	free(bad);
	free(want);
	free(want_bad);
	free(liar);
}

/* ---- the listing sent behind the login ---- */

#define LISTING2 "+OK 2 320\r\n+OK\r\n1 uid-one\r\n2 uid-two\r\n.\r\n" \
	"+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"

/* Logs in with list_after_auth; checks what went out before pop3_list()
 * ran, then that the listing reads right and nothing more is sent. */
static void ahead_case(const char *what, const char *script, const char *user,
		       const char *secret, const char *want_login, bool want_ahead)
{
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3_params prm = params();
		struct pop3_entry *ents = NULL;
		struct error *err = NULL;
		struct pop3 *p;
		char *want;
		size_t n = 0;

		prm.list_after_auth = true;
		if (user != NULL)
			prm.user = user;
		if (secret != NULL)
			prm.secret = secret;
		p = start(script, c, &prm);
		pop3_test_set_scram_nonce(p, SCRAM_NONCE);
		want = xasprintf("%s%s", want_login, want_ahead ? "STAT\r\nUIDL\r\nLIST\r\n" : "");
		is_int(login(p, &err), 0, "chunk %zu: %s: login: %s", c, what, msg(err));
		is_str(written(p), want, "chunk %zu: %s: %s", c, what,
		       want_ahead ? "STAT, UIDL, LIST went out behind the login"
				  : "nothing sent ahead");
		ok(pop3_list(p, &ents, &n, &err) == 0 && n == 2 && ents[1].size == 200 &&
		   ents[1].uid != NULL && strcmp(ents[1].uid, "uid-two") == 0,
		   "chunk %zu: %s: the listing reads: %s", c, what, msg(err));
		free(want);
		want = xasprintf("%sSTAT\r\nUIDL\r\nLIST\r\n", want_login);
		is_str(written(p), want, "chunk %zu: %s: each listing command sent once", c, what);
		free(want);
		pop3_entries_free(ents, n);
		error_free(&err);
		pop3_free(&p);
	}
}

static void test_list_after_auth(void)
{
	char *cfirst = b64s(SCRAM_CFIRST), *sfirst = b64s(SCRAM_SFIRST);
	char *cfinal = b64s(SCRAM_CFINAL), *sfinal = b64s(SCRAM_SFINAL);
	char *bad_final = b64s("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
	char *plain = base64_encode("\0" USER "\0" PASS, 2 + strlen(USER) + strlen(PASS));
	char *script, *want;
	char secret[201];

	/* SCRAM: behind the empty line that follows the verified signature. */
	script = xasprintf("+OK hi\r\n+OK\r\nSASL SCRAM-SHA-256\r\nUIDL\r\nPIPELINING\r\n.\r\n"
			   "+ %s\r\n+ %s\r\n+OK welcome\r\n" LISTING2, sfirst, sfinal);
	want = xasprintf("CAPA\r\nAUTH SCRAM-SHA-256 %s\r\n%s\r\n\r\n", cfirst, cfinal);
	ahead_case("SCRAM", script, "user", "pencil", want, true);
	free(script);
	free(want);

	/* PLAIN on the AUTH line. */
	script = xasprintf("+OK hi\r\n+OK\r\nSASL PLAIN\r\nUIDL\r\nPIPELINING\r\n.\r\n"
			   "+OK in\r\n" LISTING2);
	want = xasprintf("CAPA\r\nAUTH PLAIN %s\r\n", plain);
	ahead_case("PLAIN", script, NULL, NULL, want, true);
	free(want);

	/* PLAIN too long for the AUTH line: behind the response. */
	memset(secret, 'p', sizeof secret - 1);
	secret[sizeof secret - 1] = '\0';
	{
		struct buf raw = BUF_INIT;
		char *b64;

		buf_putc(&raw, '\0');
		buf_puts(&raw, USER);
		buf_putc(&raw, '\0');
		buf_puts(&raw, secret);
		b64 = base64_encode(raw.data, raw.len);
		buf_free(&raw);
		free(script);
		script = xasprintf("+OK hi\r\n+OK\r\nSASL PLAIN\r\nUIDL\r\nPIPELINING\r\n.\r\n"
				   "+ \r\n+OK in\r\n" LISTING2);
		want = xasprintf("CAPA\r\nAUTH PLAIN\r\n%s\r\n", b64);
		ahead_case("long PLAIN", script, NULL, secret, want, true);
		free(want);
		free(b64);
	}
	free(script);

	/* USER/PASS: behind PASS. */
	ahead_case("USER/PASS", "+OK hello\r\n" CAPA_PIPE "+OK\r\n+OK welcome\r\n" LISTING2,
		   NULL, NULL, "CAPA\r\nUSER " USER "\r\nPASS " PASS "\r\n", true);

	/* Without PIPELINING: nothing ahead, the listing one at a time. */
	ahead_case("no PIPELINING", "+OK hello\r\n" CAPA_USER "+OK\r\n+OK welcome\r\n" LISTING2,
		   NULL, NULL, "CAPA\r\nUSER " USER "\r\nPASS " PASS "\r\n", false);

	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3_params prm = params();
		struct error *err = NULL;
		struct pop3 *p;
		uint32_t count;

		prm.list_after_auth = true;
		prm.user = "user";
		prm.secret = "pencil";

		/* A wrong server signature: "*" and nothing behind it. */
		script = xasprintf("+OK hi\r\n+OK\r\nSASL SCRAM-SHA-256\r\nPIPELINING\r\n.\r\n"
				   "+ %s\r\n+ %s\r\n-ERR [AUTH] cancelled\r\n", sfirst, bad_final);
		want = xasprintf("CAPA\r\nAUTH SCRAM-SHA-256 %s\r\n%s\r\n*\r\n", cfirst, cfinal);
		p = start(script, c, &prm);
		pop3_test_set_scram_nonce(p, SCRAM_NONCE);
		ok(login(p, &err) == -1 && err != NULL && contains(err->msg, "prove"),
		   "chunk %zu: wrong signature still fails: %s", c, msg(err));
		is_str(written(p), want, "chunk %zu: nothing pipelined behind a cancel", c);
		error_free(&err);
		pop3_free(&p);
		free(script);
		free(want);

		/* A refused login: the -ERRs to the commands behind it are not
		 * read as anything. */
		p = start("+OK hi\r\n+OK\r\nSASL PLAIN\r\nPIPELINING\r\n.\r\n"
			  "-ERR [AUTH] Authentication failed.\r\n-ERR not logged in\r\n"
			  "-ERR not logged in\r\n-ERR not logged in\r\n", c, &prm);
		ok(login(p, &err) == -1 && err != NULL && err->kind == ERR_PERM &&
		   contains(err->msg, "user"), "chunk %zu: refused login reported as such: %s",
		   c, msg(err));
		is_int(pop3_state(p), POP3_STATE_FAILED, "chunk %zu: session over", c);
		error_free(&err);
		pop3_free(&p);

		/* STAT between the login and the listing is a programmer error. */
		p = start("+OK hi\r\n+OK\r\nSASL PLAIN\r\nPIPELINING\r\n.\r\n+OK in\r\n"
			  LISTING2, c, &prm);
		ok(login(p, &err) == 0 && pop3_stat(p, &count, NULL, &err) == -1 &&
		   err != NULL && err->kind == ERR_INTERNAL,
		   "chunk %zu: STAT after a listing sent ahead is refused", c);
		error_free(&err);
		pop3_free(&p);

		/* QUIT without waiting for the answer. */
		p = start("+OK hi\r\n+OK\r\nSASL PLAIN\r\nPIPELINING\r\n.\r\n+OK in\r\n", c,
			  NULL);
		ok(login(p, &err) == 0 && pop3_quit(p, false, &err) == 0 &&
		   pop3_state(p) == POP3_STATE_DONE && contains(written(p), "\r\nQUIT\r\n"),
		   "chunk %zu: QUIT sent, its answer not awaited: %s", c, msg(err));
		error_free(&err);
		pop3_free(&p);
	}
	free(cfirst);
	free(sfirst);
	free(cfinal);
	free(sfinal);
	free(bad_final);
	free(plain);
}

static void test_no_downgrade(void)
{
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p = start("+OK hi <1.2@host>\r\n+OK\r\nSASL CRAM-MD5 PLAIN LOGIN\r\n"
				       "USER\r\n.\r\n+ PDEuMkBob3N0Pg==\r\n-ERR nope\r\n"
				       "+OK would accept anything now\r\n", c, NULL);
		struct error *err = NULL;

		is_int(login(p, &err), -1, "chunk %zu: CRAM-MD5 refused", c);
		ok(err != NULL && err->kind == ERR_PERM &&
		   contains(err->msg, "authentication failed for " USER " at " HOST ": nope"),
		   "chunk %zu: authentication failed for USER at HOST: %s", c, msg(err));
		ok(err != NULL && contains(err->detail, "-ERR nope"),
		   "chunk %zu: the server's words in the detail", c);
		ok(!contains(written(p), "PLAIN") && !contains(written(p), "USER") &&
		   !contains(written(p), "APOP"), "chunk %zu: no weaker method tried", c);
		is_int(pop3_authenticate(p, &err), -1, "chunk %zu: a second try is refused", c);
		error_free(&err);
		pop3_free(&p);
	}
}

/* -ERR answers to PASS and AUTH with and without response codes. */
static void test_resp_codes(void)
{
	static const struct {
		const char *reply;
		enum error_kind kind;
		const char *says;
	} cases[] = {
		{ "-ERR [IN-USE] Mailbox locked\r\n", ERR_TEMP, "in use" },
		{ "-ERR [LOGIN-DELAY] Wait\r\n", ERR_TEMP, "LOGIN-DELAY" },
		{ "-ERR [SYS/TEMP] Backend down\r\n", ERR_TEMP, "temporary" },
		{ "-ERR [SYS/TEMP/QUOTA] Later\r\n", ERR_TEMP, "temporary" },
		{ "-ERR [SYS/PERM] Account disabled\r\n", ERR_PERM, "permanent" },
		{ "-ERR [AUTH] Invalid credentials\r\n", ERR_PERM,
		  "authentication failed for " USER " at " HOST ": Invalid credentials" },
		{ "-ERR Invalid password\r\n", ERR_PERM,
		  "authentication failed for " USER " at " HOST ": Invalid password" },
		{ "-ERR\r\n", ERR_PERM, "authentication failed for " USER " at " HOST },
		{ "-ERR [UNKNOWN-CODE] huh\r\n", ERR_PERM, "authentication failed" },
		{ "-err [in-use] lower case\r\n", ERR_TEMP, "in use" },
	};

	for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
		for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
			size_t c = chunks[i];
			char *s1 = xasprintf("+OK hi\r\n" CAPA_USER "+OK\r\n%s", cases[k].reply);
			char *s2 = xasprintf("+OK hi\r\n+OK\r\nSASL PLAIN\r\n.\r\n%s",
					     cases[k].reply);
			struct pop3 *p = start(s1, c, NULL);
			struct error *err = NULL, *again = NULL;

			is_int(login(p, &err), -1, "PASS %zu chunk %zu: refused", k, c);
			ok(err != NULL && err->kind == cases[k].kind &&
			   contains(err->msg, cases[k].says) && contains(err->msg, HOST),
			   "PASS %zu chunk %zu: kind %d, says \"%s\": %s", k, c, (int)cases[k].kind,
			   cases[k].says, msg(err));
			ok(pop3_stat(p, NULL, NULL, &again) == -1 && again != NULL && err != NULL &&
			   strcmp(again->msg, err->msg) == 0,
			   "PASS %zu chunk %zu: the failure is sticky", k, c);
			error_free(&err);
			error_free(&again);
			pop3_free(&p);

			p = start(s2, c, NULL);
			is_int(login(p, &err), -1, "AUTH %zu chunk %zu: refused", k, c);
			ok(err != NULL && err->kind == cases[k].kind && contains(err->msg, HOST),
			   "AUTH %zu chunk %zu: kind %d: %s", k, c, (int)cases[k].kind, msg(err));
			error_free(&err);
			pop3_free(&p);
			free(s1);
			free(s2);
		}
	}
}

static void test_too_many_challenges(void)
{
	struct buf s = BUF_INIT;

	buf_puts(&s, "+OK hi\r\n+OK\r\nSASL LOGIN\r\n.\r\n");
	for (int i = 0; i < 40; i++)
		buf_puts(&s, "+ \r\n");
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p = start(buf_cstr(&s), c, NULL);
		struct error *err = NULL;

		is_int(login(p, &err), -1, "chunk %zu: endless challenges end the session", c);
		ok(err != NULL && contains(err->msg, HOST), "chunk %zu: %s", c, msg(err));
		error_free(&err);
		pop3_free(&p);
	}
	buf_free(&s);
}

/* ---- greeting and status lines ---- */

static void test_greetings(void)
{
	static const struct {
		const char *script;
		enum error_kind kind;
		const char *says;
	} cases[] = {
		{ "-ERR too many connections\r\n", ERR_TEMP, "too many connections" },
		{ "-ERR [SYS/PERM] closed for good\r\n", ERR_PERM, "permanent" },
		{ "-ERR [IN-USE] busy\r\n", ERR_TEMP, "in use" },
		{ "220 smtp.example.org ESMTP\r\n", ERR_PERM, "does not speak POP3" },
		{ "* OK IMAP4rev1 ready\r\n", ERR_PERM, "pop3-port" },
		{ "+OKAY\r\n", ERR_PERM, "does not speak POP3" },
		{ "", ERR_TEMP, "closed" },
		{ "+OK hal", ERR_TEMP, "closed" },
	};

	for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
		for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
			size_t c = chunks[i];
			struct pop3 *p = start(cases[k].script, c, NULL);
			struct error *err = NULL;

			is_int(pop3_greeting(p, &err), -1, "greeting %zu chunk %zu fails", k, c);
			ok(err != NULL && err->kind == cases[k].kind &&
			   contains(err->msg, cases[k].says),
			   "greeting %zu chunk %zu: kind %d, says \"%s\": %s", k, c,
			   (int)cases[k].kind, cases[k].says, msg(err));
			is_int(pop3_state(p), POP3_STATE_FAILED, "greeting %zu chunk %zu: failed",
			       k, c);
			error_free(&err);
			pop3_free(&p);
		}
	}
}

static void test_long_reply(void)
{
	struct buf s = BUF_INIT;

	buf_puts(&s, "+OK ");
	for (int i = 0; i < POP3_REPLY_MAX + 10; i++)
		buf_putc(&s, 'x');
	buf_puts(&s, "\r\n");
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p = start(buf_cstr(&s), c, NULL);
		struct error *err = NULL;

		is_int(pop3_greeting(p, &err), -1, "chunk %zu: a greeting over %d bytes", c,
		       POP3_REPLY_MAX);
		ok(err != NULL && contains(err->msg, "longer than") && contains(err->msg, HOST),
		   "chunk %zu: %s", c, msg(err));
		error_free(&err);
		pop3_free(&p);
	}
	/* The same through a stream with a 1 KB line_max: the limit is ours. */
	{
		struct pop3 *p = start_bytes(buf_cstr(&s), s.len, 0, 1024, NULL);
		struct error *err = NULL;

		ok(pop3_greeting(p, &err) == -1 && err != NULL &&
		   contains(err->msg, "longer than 4096"), "line_max 1 KB: %s", msg(err));
		error_free(&err);
		pop3_free(&p);
	}
	buf_free(&s);
}

static void test_garbage_status(void)
{
	static const char *const replies[] = {
		"HELLO\r\n", "+ \r\n", "OK 1 2\r\n", "\r\n", "+OK\x00 1 2\r\n",
	};

	for (size_t k = 0; k < ARRAY_LEN(replies); k++) {
		for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
			size_t c = chunks[i];
			struct buf s = BUF_INIT;
			struct pop3 *p;
			struct error *err = NULL;

			buf_puts(&s, "+OK hi\r\n" CAPA_USER "+OK\r\n+OK\r\n");
			buf_append(&s, replies[k], k == 4 ? 10 : strlen(replies[k]));
			p = start_bytes(s.data, s.len, c, 0, NULL);
			is_int(login(p, &err), 0, "garbage %zu chunk %zu: login", k, c);
			is_int(pop3_stat(p, NULL, NULL, &err), -1,
			       "garbage %zu chunk %zu: STAT answered with garbage", k, c);
			ok(err != NULL && err->kind == ERR_TEMP && contains(err->msg, HOST),
			   "garbage %zu chunk %zu: ERR_TEMP naming the host: %s", k, c, msg(err));
			is_int(pop3_state(p), POP3_STATE_FAILED, "garbage %zu chunk %zu: failed",
			       k, c);
			error_free(&err);
			pop3_free(&p);
			buf_free(&s);
		}
	}
}

static void test_stat(void)
{
	static const struct {
		const char *reply;
		int rc;
		enum error_kind kind;
	} cases[] = {
		{ "+OK 3 4567\r\n", 0, 0 },
		{ "+OK 3 4567 extra words\r\n", 0, 0 },
		{ "+OK lots\r\n", -1, ERR_TEMP },
		{ "+OK 3\r\n", -1, ERR_TEMP },
		{ "+OK 3x 10\r\n", -1, ERR_TEMP },
		{ "+OK 99999999999999999999999 1\r\n", -1, ERR_TEMP },
		{ "+OK 1000001 5\r\n", -1, ERR_PERM },
		{ "-ERR [SYS/TEMP] busy\r\n", -1, ERR_TEMP },
	};

	for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
		for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
			size_t c = chunks[i];
			char *s = xasprintf("+OK hi\r\n" CAPA_USER "+OK\r\n+OK\r\n%s",
					    cases[k].reply);
			struct pop3 *p = start(s, c, NULL);
			struct error *err = NULL;
			uint32_t n = 0;
			uint64_t size = 0;

			login(p, &err);
			is_int(pop3_stat(p, &n, &size, &err), cases[k].rc,
			       "STAT %zu chunk %zu: %s", k, c, msg(err));
			if (cases[k].rc == 0)
				ok(n == 3 && size == 4567, "STAT %zu chunk %zu: 3 4567", k, c);
			else
				ok(err != NULL && err->kind == cases[k].kind &&
				   contains(err->msg, HOST), "STAT %zu chunk %zu: kind %d",
				   k, c, (int)cases[k].kind);
			error_free(&err);
			pop3_free(&p);
			free(s);
		}
	}
}

/* ---- STLS ---- */

static void test_stls(void)
{
	static const struct tls_params tls = { .host = HOST };

	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p;
		struct error *err = NULL;

		/* Not offered: STLS is not even sent. */
		p = start("+OK hi\r\n" CAPA_USER, c, NULL);
		ok(pop3_greeting(p, &err) == 0 && pop3_capa(p, &err) == 0,
		   "chunk %zu: greeting and CAPA", c);
		is_int(pop3_stls(p, &tls, &err), -1, "chunk %zu: STLS not offered", c);
		ok(err != NULL && err->kind == ERR_PERM &&
		   contains(err->msg, "the server at " HOST " does not offer STLS; no password "
			    "was sent"), "chunk %zu: %s", c, msg(err));
		is_str(written(p), "CAPA\r\n", "chunk %zu: STLS not sent", c);
		is_int(pop3_authenticate(p, NULL), -1, "chunk %zu: no login afterwards", c);
		error_free(&err);
		pop3_free(&p);

		/* Offered but refused. */
		p = start("+OK hi\r\n+OK\r\nSTLS\r\nUSER\r\n.\r\n-ERR [SYS/TEMP] not now\r\n",
			  c, NULL);
		pop3_greeting(p, &err);
		pop3_capa(p, &err);
		is_int(pop3_stls(p, &tls, &err), -1, "chunk %zu: STLS refused", c);
		ok(err != NULL && err->kind == ERR_PERM && contains(err->msg, HOST) &&
		   contains(err->msg, "no password was sent"), "chunk %zu: %s", c, msg(err));
		is_str(written(p), "CAPA\r\nSTLS\r\n", "chunk %zu: nothing after STLS", c);
		error_free(&err);
		pop3_free(&p);

		/* No CAPA at all: STLS is tried, and its -ERR is the same refusal. */
		p = start("+OK hi\r\n-ERR what\r\n-ERR what\r\n", c, NULL);
		pop3_greeting(p, &err);
		pop3_capa(p, &err);
		ok(pop3_stls(p, &tls, &err) == -1 && err != NULL && err->kind == ERR_PERM,
		   "chunk %zu: STLS without CAPA refused: %s", c, msg(err));
		error_free(&err);
		pop3_free(&p);

		/* Response injection: bytes after the +OK in the same packet. */
		p = start("+OK hi\r\n+OK\r\nSTLS\r\n.\r\n+OK Begin TLS\r\n+OK injected\r\n",
			  c, NULL);
		pop3_greeting(p, &err);
		pop3_capa(p, &err);
		is_int(pop3_stls(p, &tls, &err), -1, "chunk %zu: injected bytes refused", c);
		ok(err != NULL && err->kind == ERR_PERM && contains(err->msg, "injection"),
		   "chunk %zu: %s", c, msg(err));
		is_str(written(p), "CAPA\r\nSTLS\r\n", "chunk %zu: nothing sent after", c);
		is_int(pop3_state(p), POP3_STATE_FAILED, "chunk %zu: failed", c);
		error_free(&err);
		pop3_free(&p);
	}
}

/* ---- listings ---- */

static const struct pop3_entry *find(const struct pop3_entry *v, size_t n, uint32_t msgno)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].msgno == msgno)
			return &v[i];
	return NULL;
}

static void test_hostile_listing(void)
{
	struct buf s = BUF_INIT;
	char u70[71], v71[72];

	memset(u70, 'u', 70);
	u70[70] = '\0';
	memset(v71, 'v', 71);
	v71[71] = '\0';
	buf_puts(&s, "+OK hi\r\n" CAPA_PIPE "+OK\r\n+OK\r\n");
	buf_puts(&s, "+OK 10 5500\r\n");
	buf_puts(&s, "+OK\r\n1 uid-a\r\n2 a/b+c=\r\n3 \r\n4 ");
	for (int i = 0; i < 65536; i++)
		buf_putc(&s, 'L');
	buf_puts(&s, "\r\n5 bad\x01" "ctl\r\n6 dup\r\n7 dup\r\n");
	buf_printf(&s, "8 %s\r\n10 %s\r\n", u70, v71);
	buf_puts(&s, "0 zero\r\n11 beyond\r\njunk line\r\n.\r\n");
	buf_puts(&s, "+OK\r\n1 100\r\n2 200\r\n3 300\r\n4 400\r\n5 500\r\n6 600\r\n"
		 "7 700\r\n9 900\r\n10 1000\r\n11 1100\r\n12 x\r\n.\r\n");
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p = start_bytes(s.data, s.len, c, 0, NULL);
		struct pop3_entry *v = NULL;
		const struct pop3_entry *e;
		struct error *err = NULL;
		size_t n = 0;

		is_int(login(p, &err), 0, "chunk %zu: login", c);
		is_int(pop3_list(p, &v, &n, &err), 0, "chunk %zu: listing survives: %s", c,
		       msg(err));
		is_int(n, 10, "chunk %zu: ten entries (0 and 11 ignored)", c);
		is_str(written(p), "CAPA\r\nUSER jane\r\nPASS " PASS "\r\nSTAT\r\nUIDL\r\nLIST\r\n",
		       "chunk %zu: STAT, UIDL and LIST pipelined", c);
		ok((e = find(v, n, 1)) && e->uid && !strcmp(e->uid, "uid-a") && e->size == 100,
		   "chunk %zu: 1 good", c);
		ok((e = find(v, n, 2)) && e->uid && !strcmp(e->uid, "a/b+c=") && !e->uid_unusable,
		   "chunk %zu: 2 a UID with '/' is valid (RFC 1939)", c);
		ok((e = find(v, n, 3)) && !e->uid && e->uid_unusable && e->size == 300,
		   "chunk %zu: 3 empty UID refused, entry kept", c);
		ok((e = find(v, n, 4)) && !e->uid && e->uid_unusable && e->size == 400,
		   "chunk %zu: 4 64 KB UID refused, entry kept", c);
		ok((e = find(v, n, 5)) && !e->uid && e->uid_unusable,
		   "chunk %zu: 5 control byte refused", c);
		ok((e = find(v, n, 6)) && !e->uid && e->uid_unusable &&
		   (e = find(v, n, 7)) && !e->uid && e->uid_unusable,
		   "chunk %zu: 6 and 7 share a UID: both refused", c);
		ok((e = find(v, n, 8)) && e->uid && strlen(e->uid) == 70 && e->size == 0,
		   "chunk %zu: 8 70 octets fine, missing from LIST: size 0", c);
		ok((e = find(v, n, 9)) && !e->uid && e->uid_unusable && e->size == 900,
		   "chunk %zu: 9 missing from UIDL", c);
		ok((e = find(v, n, 10)) && !e->uid && e->uid_unusable && e->size == 1000,
		   "chunk %zu: 10 71 octets refused", c);
		ok(v != NULL && v[0].msgno == 1 && v[n - 1].msgno == 10, "chunk %zu: sorted", c);
		ok(pop3_caps(p)->uidl, "chunk %zu: UIDL works", c);
		is_int(pop3_state(p), POP3_STATE_TRANSACTION, "chunk %zu: still usable", c);
		pop3_entries_free(v, n);
		error_free(&err);
		pop3_free(&p);
	}
	buf_free(&s);
}

static void test_listing_variants(void)
{
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p;
		struct pop3_entry *v = NULL;
		struct error *err = NULL;
		size_t n = 0;

		/* Two UIDL lines for one message; out of order; LF only. */
		p = start("+OK hi\n" CAPA_USER "+OK\n+OK\n+OK 3 30\n"
			  "+OK\n3 c\n1 x\n1 y\n2 b\n.\n+OK\n2 20\n1 10\n3 30\n.\n", c, NULL);
		login(p, &err);
		ok(pop3_list(p, &v, &n, &err) == 0 && n == 3 && v[0].msgno == 1 &&
		   !v[0].uid && v[0].uid_unusable && v[0].size == 10 &&
		   v[1].uid && !strcmp(v[1].uid, "b") && v[2].uid && !strcmp(v[2].uid, "c"),
		   "chunk %zu: duplicate msgno refused, order restored, LF lines: %s", c,
		   msg(err));
		is_str(written(p), "CAPA\r\nUSER jane\r\nPASS " PASS "\r\nSTAT\r\nUIDL\r\nLIST\r\n",
		       "chunk %zu: commands end in CRLF", c);
		pop3_entries_free(v, n);
		pop3_free(&p);

		/* CAPA without UIDL: not asked; uid NULL but not "unusable". */
		p = start("+OK hi\r\n+OK\r\nUSER\r\n.\r\n+OK\r\n+OK\r\n+OK 2 3\r\n"
			  "+OK\r\n1 1\r\n2 2\r\n.\r\n", c, NULL);
		login(p, &err);
		ok(pop3_list(p, &v, &n, &err) == 0 && n == 2 && !v[0].uid && !v[0].uid_unusable &&
		   !pop3_caps(p)->uidl, "chunk %zu: no UIDL: %s", c, msg(err));
		ok(!contains(written(p), "UIDL"), "chunk %zu: UIDL not sent", c);
		pop3_entries_free(v, n);
		pop3_free(&p);

		/* No CAPA: UIDL tried, -ERR; LIST refused too. */
		p = start("+OK hi\r\n-ERR\r\n+OK\r\n+OK\r\n+OK 1 3\r\n-ERR no UIDL here\r\n"
			  "-ERR no LIST either\r\n", c, NULL);
		login(p, &err);
		ok(pop3_list(p, &v, &n, &err) == 0 && n == 0 && !pop3_caps(p)->uidl &&
		   pop3_state(p) == POP3_STATE_TRANSACTION,
		   "chunk %zu: -ERR to UIDL and LIST: %s", c, msg(err));
		ok(contains(written(p), "STAT\r\nUIDL\r\nLIST\r\n"), "chunk %zu: one at a time", c);
		pop3_entries_free(v, n);
		pop3_free(&p);

		/* A listing cut in the middle. */
		p = start("+OK hi\r\n" CAPA_USER "+OK\r\n+OK\r\n+OK 2 3\r\n+OK\r\n1 a\r\n2 b", c,
			  NULL);
		login(p, &err);
		ok(pop3_list(p, &v, &n, &err) == -1 && err != NULL && err->kind == ERR_TEMP &&
		   v == NULL && n == 0 && pop3_state(p) == POP3_STATE_FAILED,
		   "chunk %zu: cut listing: %s", c, msg(err));
		error_free(&err);
		pop3_free(&p);
	}
}

/* ---- messages ---- */

static int read_one(struct pop3 *p, bool top, struct collect *col, uint64_t *bytes,
		    struct error **err)
{
	struct pop3_sink sink = { collect_data, col };

	if ((top ? pop3_send_top(p, 1, 0, err) : pop3_send_retr(p, 1, err)) < 0)
		return -1;
	return pop3_read_message(p, &sink, bytes, err);
}

#define LOGGED_IN "+OK hi\r\n" CAPA_PIPE "+OK\r\n+OK\r\n"

static void test_bodies(void)
{
	static const struct {
		const char *body;	/* after the +OK line */
		const char *want;
		size_t line_max;
	} cases[] = {
		{ ".\r\n", "", 0 },
		{ "\r\n.\r\n", "\r\n", 0 },
		{ "a\r\nb\nc\r\n.\r\n", "a\r\nb\nc\r\n", 0 },
		{ "a\nb\n.\n", "a\nb\n", 0 },
		{ "lf then crlf end\n.\r\n", "lf then crlf end\n", 0 },
		{ "..abcdef.xyz\r\n...\r\n..\r\n. x\r\n.\r\n",
		  ".abcdef.xyz\r\n..\r\n.\r\n x\r\n", 0 },
		/* line_max 8: the second piece of the first line starts with a
		 * dot that is data, not stuffing. */
		{ "..abcdef.xyz\r\n...\r\n..\r\n. x\r\n.\r\n",
		  ".abcdef.xyz\r\n..\r\n.\r\n x\r\n", 8 },
		{ "0123456.\r\n.12345678\r\n.\r\n", "0123456.\r\n12345678\r\n", 8 },
		{ "0123456\r\r\n.\r\n", "0123456\r\r\n", 8 },
		{ "bare\rcr\r\nnul\0x\r\n.\r\n", "bare\rcr\r\nnul\0x\r\n", 0 },
		{ ".\r\nnot part of it\r\n", "", 0 },
	};

	for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
		size_t blen = strlen(cases[k].body), wlen = strlen(cases[k].want);

		if (k == 9) {	/* it holds a NUL */
			blen = 19;
			wlen = 16;
		}
		for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
			size_t c = chunks[i];
			struct buf s = BUF_INIT;
			struct collect col;
			struct pop3 *p;
			struct error *err = NULL;
			uint64_t bytes = 99;

			collect_init(&col);
			buf_puts(&s, LOGGED_IN "+OK message follows\r\n");
			buf_append(&s, cases[k].body, blen);
			p = start_bytes(s.data, s.len, c, cases[k].line_max, NULL);
			login(p, &err);
			is_int(read_one(p, false, &col, &bytes, &err), 0, "body %zu chunk %zu: %s",
			       k, c, msg(err));
			ok(col.b.len == wlen && memcmp(buf_cstr(&col.b), cases[k].want, wlen) == 0,
			   "body %zu chunk %zu: unstuffed, line ends as sent", k, c);
			is_int(bytes, wlen, "body %zu chunk %zu: byte count", k, c);
			is_int(pop3_state(p), POP3_STATE_TRANSACTION, "body %zu chunk %zu: ready",
			       k, c);
			error_free(&err);
			buf_free(&col.b);
			buf_free(&s);
			pop3_free(&p);
		}
	}
}

static void test_huge_line(void)
{
	const size_t big = 1024 * 1024;

	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct buf s = BUF_INIT;
		struct collect col;
		struct pop3 *p;
		struct error *err = NULL;
		uint64_t bytes = 0;
		bool all_a = true;

		collect_init(&col);
		buf_puts(&s, LOGGED_IN "+OK\r\n.");
		for (size_t j = 0; j < big; j++)
			buf_putc(&s, 'a');
		buf_puts(&s, "\r\nend\r\n.\r\n");
		p = start_bytes(s.data, s.len, c, 1024, NULL);
		login(p, &err);
		is_int(read_one(p, false, &col, &bytes, &err), 0,
		       "chunk %zu: a 1 MB line through a 1 KB stream: %s", c, msg(err));
		is_int(bytes, big + 7, "chunk %zu: every byte counted", c);
		for (size_t j = 0; j < big && j < col.b.len; j++)
			if (col.b.data[j] != 'a') {
				all_a = false;
				break;
			}
		ok(all_a && col.b.len == big + 7 &&
		   memcmp(col.b.data + big, "\r\nend\r\n", 7) == 0,
		   "chunk %zu: the line arrives whole, stuffed dot removed", c);
		ok(col.max_call <= POP3_SINK_CHUNK, "chunk %zu: sink pieces bounded (%zu)", c,
		   col.max_call);
		error_free(&err);
		buf_free(&col.b);
		buf_free(&s);
		pop3_free(&p);
	}
}

static void test_cut_bodies(void)
{
	static const char *const cuts[] = {
		"+OK\r\nline one\r\nline t",
		"+OK\r\nline one\r\n",
		"+OK\r\nline one\r\n.",
		"+OK\r\nline one\r\n.\r",
		"+OK\r\nline one\r",
		"+OK",
		"",
	};

	for (size_t k = 0; k < ARRAY_LEN(cuts); k++) {
		for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
			size_t c = chunks[i];
			char *s = xasprintf(LOGGED_IN "%s", cuts[k]);
			struct pop3 *p = start(s, c, NULL);
			struct collect col;
			struct error *err = NULL;
			uint64_t bytes = 0;

			collect_init(&col);
			login(p, &err);
			is_int(read_one(p, false, &col, &bytes, &err), -1,
			       "cut %zu chunk %zu: fails", k, c);
			ok(err != NULL && err->kind == ERR_TEMP && pop3_state(p) == POP3_STATE_FAILED,
			   "cut %zu chunk %zu: ERR_TEMP, session failed: %s", k, c, msg(err));
			error_free(&err);
			buf_free(&col.b);
			pop3_free(&p);
			free(s);
		}
	}
}

static void test_stall(void)
{
	const char *script = LOGGED_IN "+OK\r\nSubject: never ends\r\n\r\nbody\r\nmore";
	size_t at = strlen(LOGGED_IN) + 30;

	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct fail_params fp = { .read_mode = FAIL_STALL, .read_at = at };
		struct stream_params sp = { 0, 1000, 0 };
		struct transport *t = fail_transport_new(mem_transport_new(script, c), &fp);
		struct pop3_params prm = params();
		struct pop3 *p = pop3_new(stream_new(t, &sp), &prm);
		struct collect col;
		struct error *err = NULL;
		uint64_t bytes = 0;

		collect_init(&col);
		is_int(login(p, &err), 0, "chunk %zu: login before the stall", c);
		is_int(read_one(p, false, &col, &bytes, &err), -1,
		       "chunk %zu: a body that never ends", c);
		ok(err != NULL && err->kind == ERR_TEMP && pop3_state(p) == POP3_STATE_FAILED,
		   "chunk %zu: timeout is ERR_TEMP: %s", c, msg(err));
		error_free(&err);
		buf_free(&col.b);
		pop3_free(&p);
	}
}

static void test_pipelined_refusal(void)
{
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p = start(LOGGED_IN
				       "+OK\r\none\r\n.\r\n"
				       "-ERR [SYS/TEMP] message 2 is being moved\r\n"
				       "+OK\r\nthree\r\n.\r\n"
				       "-ERR no such message\r\n+OK\r\n"
				       "+OK bye\r\n", c, NULL);
		struct collect c1, c2, c3;
		struct pop3_sink sink = { collect_data, NULL };
		struct error *err = NULL;
		uint64_t b = 0;

		collect_init(&c1);
		collect_init(&c2);
		collect_init(&c3);
		login(p, &err);
		mem_transport_clear_written(stream_transport(pop3_stream(p)));
		ok(pop3_send_retr(p, 1, &err) == 0 && pop3_send_retr(p, 2, &err) == 0 &&
		   pop3_send_retr(p, 3, &err) == 0, "chunk %zu: three RETRs", c);
		is_str(written(p), "", "chunk %zu: queued, not sent", c);
		sink.ctx = &c1;
		is_int(pop3_read_message(p, &sink, &b, &err), 0, "chunk %zu: 1 read", c);
		is_str(written(p), "RETR 1\r\nRETR 2\r\nRETR 3\r\n",
		       "chunk %zu: reading flushed all three at once", c);
		sink.ctx = &c2;
		is_int(pop3_read_message(p, &sink, &b, &err), -1, "chunk %zu: 2 refused", c);
		ok(err != NULL && err->kind == ERR_TEMP && contains(err->msg, HOST) &&
		   contains(err->msg, "RETR 2") && contains(err->detail, "being moved"),
		   "chunk %zu: ERR_TEMP naming host and command: %s", c, msg(err));
		is_int(pop3_state(p), POP3_STATE_TRANSACTION, "chunk %zu: still in sync", c);
		error_free(&err);
		sink.ctx = &c3;
		is_int(pop3_read_message(p, &sink, &b, &err), 0, "chunk %zu: 3 read: %s", c,
		       msg(err));
		is_str(buf_cstr(&c3.b), "three\r\n", "chunk %zu: 3's body", c);
		is_int(c2.b.len, 0, "chunk %zu: nothing sunk for 2", c);
		ok(pop3_send_dele(p, 7, &err) == 0 && pop3_send_dele(p, 1, &err) == 0,
		   "chunk %zu: two DELEs", c);
		ok(pop3_read_dele(p, &err) == -1 && err != NULL && err->kind == ERR_PERM &&
		   pop3_state(p) == POP3_STATE_TRANSACTION, "chunk %zu: DELE 7 refused, in sync",
		   c);
		error_free(&err);
		ok(pop3_read_dele(p, &err) == 0 && pop3_quit(p, true, &err) == 0 &&
		   pop3_state(p) == POP3_STATE_DONE, "chunk %zu: DELE 1, QUIT: %s", c, msg(err));
		error_free(&err);
		buf_free(&c1.b);
		buf_free(&c2.b);
		buf_free(&c3.b);
		pop3_free(&p);
	}
}

static void test_top(void)
{
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p;
		struct collect col;
		struct error *err = NULL;
		uint64_t b = 0;

		collect_init(&col);
		/* Advertised. */
		p = start(LOGGED_IN "+OK\r\nSubject: hi\r\n\r\n.\r\n", c, NULL);
		login(p, &err);
		mem_transport_clear_written(stream_transport(pop3_stream(p)));
		is_int(read_one(p, true, &col, &b, &err), 0, "chunk %zu: TOP: %s", c, msg(err));
		is_str(written(p), "TOP 1 0\r\n", "chunk %zu: TOP 1 0", c);
		is_str(buf_cstr(&col.b), "Subject: hi\r\n\r\n", "chunk %zu: headers", c);
		pop3_free(&p);

		/* Not advertised: refused here, nothing sent, session fine. */
		p = start("+OK hi\r\n+OK\r\nUSER\r\n.\r\n+OK\r\n+OK\r\n+OK 0 0\r\n", c, NULL);
		login(p, &err);
		mem_transport_clear_written(stream_transport(pop3_stream(p)));
		is_int(pop3_send_top(p, 1, 0, &err), -1, "chunk %zu: TOP not offered", c);
		ok(err != NULL && err->kind == ERR_PERM && contains(err->msg, HOST) &&
		   contains(err->msg, "TOP"), "chunk %zu: %s", c, msg(err));
		ok(pop3_in_flight(p) == 0 && pop3_state(p) == POP3_STATE_TRANSACTION &&
		   pop3_flush(p, NULL) == 0 && *written(p) == '\0',
		   "chunk %zu: nothing sent, still usable", c);
		error_free(&err);
		ok(pop3_stat(p, NULL, NULL, &err) == 0, "chunk %zu: STAT afterwards", c);
		pop3_free(&p);
		buf_free(&col.b);
	}
}

static void test_misuse_and_sink(void)
{
	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		size_t c = chunks[i];
		struct pop3 *p;
		struct collect col;
		struct error *err = NULL;
		uint64_t b = 0;

		/* The sink gives up: the session ends with its error. */
		collect_init(&col);
		col.fail = true;
		p = start(LOGGED_IN "+OK\r\nbody\r\n.\r\n", c, NULL);
		login(p, &err);
		is_int(read_one(p, false, &col, &b, &err), -1, "chunk %zu: sink fails", c);
		ok(err != NULL && err->kind == ERR_IO && contains(err->msg, "disk full") &&
		   pop3_state(p) == POP3_STATE_FAILED, "chunk %zu: %s", c, msg(err));
		error_free(&err);
		pop3_free(&p);
		buf_free(&col.b);

		/* Without PIPELINING a second command in flight is a bug. */
		p = start("+OK hi\r\n" CAPA_USER "+OK\r\n+OK\r\n", c, NULL);
		login(p, &err);
		ok(pop3_send_retr(p, 1, &err) == 0 && pop3_send_retr(p, 2, &err) == -1 &&
		   err != NULL && err->kind == ERR_INTERNAL, "chunk %zu: no pipelining: %s", c,
		   msg(err));
		error_free(&err);
		pop3_free(&p);

		/* Reading a DELE answer as a message. */
		p = start(LOGGED_IN "+OK\r\n", c, NULL);
		login(p, &err);
		collect_init(&col);
		{
			struct pop3_sink sink = { collect_data, &col };

			ok(pop3_send_dele(p, 1, &err) == 0 &&
			   pop3_read_message(p, &sink, &b, &err) == -1 && err != NULL &&
			   err->kind == ERR_INTERNAL, "chunk %zu: wrong kind of answer", c);
		}
		error_free(&err);
		pop3_free(&p);
		buf_free(&col.b);

		/* Calls in the wrong state. */
		p = start("+OK hi\r\n", c, NULL);
		ok(pop3_stat(p, NULL, NULL, &err) == -1 && err != NULL &&
		   err->kind == ERR_INTERNAL, "chunk %zu: STAT before the greeting", c);
		error_free(&err);
		pop3_free(&p);

		/* QUIT refused: deletions not committed. */
		p = start(LOGGED_IN "-ERR [SYS/TEMP] could not expunge\r\n", c, NULL);
		login(p, &err);
		ok(pop3_quit(p, true, &err) == -1 && err != NULL && err->kind == ERR_TEMP &&
		   contains(err->msg, HOST) && pop3_state(p) == POP3_STATE_FAILED,
		   "chunk %zu: QUIT -ERR: %s", c, msg(err));
		error_free(&err);
		pop3_free(&p);

		/* A user name that would inject a command. */
		{
			struct pop3_params prm = params();

			prm.user = "jane\r\nDELE 1";
			p = start("+OK hi\r\n" CAPA_USER, c, &prm);
			ok(login(p, &err) == -1 && err != NULL && err->kind == ERR_CONFIG &&
			   !contains(written(p), "DELE"), "chunk %zu: CRLF in the user name: %s",
			   c, msg(err));
			error_free(&err);
			pop3_free(&p);
		}
	}
	pop3_free(&(struct pop3 *){ NULL });
	ok(1, "pop3_free(NULL pointer) is fine");
}

/* ---- the log ---- */

static void test_log(const char *path)
{
	char *text, *plain = base64_encode("\0" USER "\0" PASS, 2 + strlen(USER) + strlen(PASS));
	char *login_pw = base64_encode(PASS, strlen(PASS));

	log_close();
	text = tap_read_file(path);
	ok(contains(text, "C: USER jane"), "the log has the protocol lines");
	ok(contains(text, "C: PASS ") && contains(text, "C: AUTH PLAIN <hidden>") &&
	   contains(text, "C: APOP ") && contains(text, "C: <hidden>"),
	   "credential commands and SASL responses are logged masked");
	ok(contains(text, "S: +OK"), "the log has the server's lines");
	ok(!contains(text, PASS), "the password never appears in the log");
	ok(!contains(text, "tanstaaf") && !contains(text, "pencil"),
	   "no APOP or SCRAM password either");
	ok(!contains(text, plain) && !contains(text, login_pw),
	   "nor its base64 (PLAIN, LOGIN)");
	ok(!contains(text, "c4c9334bac560ecc979e58001b3e22fb"), "nor the APOP digest");
	ok(!contains(text, "\x1b"), "no control bytes from the server");
	free(text);
	free(plain);
	free(login_pw);
}

int main(void)
{
	char dir[] = "/tmp/test-pop3.XXXXXX";
	char *logpath;
	struct error *err = NULL;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	logpath = xasprintf("%s/petrel.log", dir);
	if (log_open(logpath, LOG_DEBUG, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return 1;
	}

	test_state_names();
	test_full_session();
	test_plaintext_refused();
	test_user_pass();
	test_apop();
	test_apop_malformed();
	test_sasl_plain_split();
	test_sasl_login();
	test_scram();
	test_list_after_auth();
	test_no_downgrade();
	test_resp_codes();
	test_too_many_challenges();
	test_greetings();
	test_long_reply();
	test_garbage_status();
	test_stat();
	test_stls();
	test_hostile_listing();
	test_listing_variants();
	test_bodies();
	test_huge_line();
	test_cut_bodies();
	test_stall();
	test_pipelined_refusal();
	test_top();
	test_misuse_and_sink();
	test_log(logpath);

	if (getenv("KEEP_LOG") == NULL)
		unlink(logpath);
	rmdir(dir);
	free(logpath);
	return tap_done();
}
