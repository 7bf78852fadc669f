/* pop3.h - the POP3 protocol (RFC 1939, 2449, 2595, 5034, 3206) as a state
 * machine over a stream (stream.h): greeting, CAPA, STLS, authentication,
 * STAT, UIDL, LIST, RETR, TOP, DELE, QUIT, and pipelined RETR/TOP/DELE.
 *
 * The session does no policy (what to fetch, when to delete: fetch.c) and
 * no storage: a message body is handed to a sink piece by piece, with dot
 * stuffing undone and line ends kept exactly as the server sent them (CRLF
 * stays CRLF, a bare LF stays a bare LF), so memory stays bounded however
 * large a message or a line is.
 *
 * Every reply is checked against the state it may arrive in; a -ERR with
 * an RFC 2449/3206 response code ([IN-USE], [LOGIN-DELAY], [SYS/TEMP],
 * [SYS/PERM], [AUTH]) becomes an error of the right kind (ERR_TEMP for
 * IN-USE, LOGIN-DELAY, SYS/TEMP; ERR_PERM for AUTH, SYS/PERM) whose
 * detail holds the server's own words.  A plain -ERR to PASS, APOP or
 * AUTH is ERR_PERM "authentication failed for USER at HOST: WORDS".
 *
 * Failures and what stays in sync.  Any failure finishes the session
 * (state POP3_STATE_FAILED): every later call fails with the same
 * sentence.  The exceptions are a -ERR answer to RETR, TOP or DELE, and
 * pop3_send_top() refusing a TOP the server does not offer: a -ERR status
 * line is always a single line (RFC 1939 section 3), so after it the next
 * answer in the pipeline is still where it should be, and the session
 * stays in POP3_STATE_TRANSACTION.  Callers tell the two apart with
 * pop3_state().  What does NOT keep the session: a status line that is
 * neither +OK nor -ERR (nobody can know whether a body follows), a reply
 * longer than POP3_REPLY_MAX, a body cut short or stalled, a sink that
 * gives up, any stream error.
 *
 * A status line that is neither +OK nor -ERR is a protocol error of kind
 * ERR_TEMP: broken replies come mostly from overloaded servers and
 * middleboxes, and a later run loses nothing by trying again.  The one
 * exception is the greeting: a server whose first line is not POP3 at all
 * ("220 ..." from an SMTP port) is an ERR_PERM error asking to check
 * pop3-host and pop3-port.  A greeting of -ERR is ERR_TEMP unless its
 * response code says otherwise.
 *
 * Every error sentence names the host (the stream's own errors name
 * "host:port").  Every command and status line goes to the debug log
 * through log_protocol(), credentials masked; message bodies are not
 * logged. */
#ifndef PETREL_POP3_H
#define PETREL_POP3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "error.h"
#include "stream.h"
#include "tls.h"

/* Limits on what a server can make us hold. */
#define POP3_UID_MAX 70		/* RFC 1939: 1..70 octets of 0x21..0x7e */
/* Messages in one session: a larger STAT count, or more lines in a UIDL
 * or LIST answer, is refused.  At about 100 bytes an entry this bounds a
 * listing to about 100 MB of memory. */
#define POP3_MAX_MESSAGES 1000000u
#define POP3_REPLY_MAX 4096	/* a status line, a CAPA/UIDL/LIST line */
#define POP3_CAPA_LINES_MAX 256	/* lines in a CAPA answer */
#define POP3_PIPELINE_MAX 1024	/* commands in flight */
#define POP3_SASL_ROUNDS_MAX 16	/* "+ " challenges in one AUTH exchange */
/* A UIDL or LIST line longer than POP3_REPLY_MAX is read past (its entry
 * refused) up to this length; a longer one ends the session. */
#define POP3_LINE_DRAIN_MAX (1024u * 1024)
/* Body bytes collected before each call of the sink. */
#define POP3_SINK_CHUNK (64u * 1024)

enum pop3_state {
	POP3_STATE_GREETING,	/* connected, greeting not read yet */
	POP3_STATE_AUTHORIZATION,
	POP3_STATE_TRANSACTION,
	POP3_STATE_DONE,	/* QUIT answered +OK: deletions committed */
	POP3_STATE_FAILED,	/* finished by an error */
};

/* Capabilities from CAPA (RFC 2449).  Without CAPA all are false except
 * what the greeting shows (APOP).  After STLS they are those the server
 * announced over TLS; the ones from before are forgotten (RFC 2595),
 * except apop, which comes from the greeting (an APOP digest over TLS is
 * of no use to whoever could have touched the plain-text greeting). */
struct pop3_caps {
	bool capa;		/* the server answered CAPA */
	bool top, pipelining, resp_codes, auth_resp_code, stls, user;
	/* Announced by CAPA; after pop3_list(): whether UIDL worked. */
	bool uidl;
	bool apop;		/* the greeting had a valid timestamp */
	char *sasl;		/* mechanism names, space-separated, or NULL */
	char *implementation;	/* control characters replaced, or NULL */
	int login_delay;	/* seconds, -1 if not announced */
	int expire;		/* days, -1 never/not announced */
};

/* One entry of a UIDL or LIST answer. */
struct pop3_entry {
	uint32_t msgno;		/* message number in this session */
	uint64_t size;		/* from LIST, 0 when unknown */
	char *uid;		/* from UIDL (validated), NULL when unknown */
	/* The server answered UIDL but gave no usable UID for this message:
	 * none at all, one that is not 1..70 octets of 0x21..0x7e (empty,
	 * too long, control bytes, spaces), one shared with another message
	 * of the same listing (then all of them are refused), or two lines
	 * for this message number.  uid is NULL.  Such a message cannot be
	 * tracked by UID; a warning naming the host was logged. */
	bool uid_unusable;
};

/* Receives a message body as it arrives. */
struct pop3_sink {
	/* Called with consecutive pieces of the body (dot stuffing undone,
	 * line ends as sent, at most POP3_SINK_CHUNK bytes or one stream
	 * piece each); return -1 (with *err set) to give up, which
	 * finishes the session. */
	int (*data)(void *ctx, const char *p, size_t n, struct error **err);
	void *ctx;
};

struct pop3_params {
	const char *host;	/* for messages and SASL (OAUTHBEARER) */
	unsigned port;
	const char *user;
	const char *secret;	/* password or token; never logged */
	enum config_auth auth;
	bool allow_plaintext_auth;
	unsigned scram_iter_max;	/* 0: SASL_SCRAM_ITER_MAX; lower for
					 * tests and fuzzing */
	/* The caller will call pop3_list() right after pop3_authenticate():
	 * with PIPELINING, its commands go out behind the last line of the
	 * login, saving a round trip.  pop3_stat() may not come between. */
	bool list_after_auth;
};

struct pop3;

/* A session over s (owned by the session from now on).  The strings of p
 * are copied (the secret is wiped when the session is freed). */
struct pop3 *pop3_new(struct stream *s, const struct pop3_params *p);
/* Sends nothing; closes the stream; NULLs *p.  NULL is fine. */
void pop3_free(struct pop3 **p);
enum pop3_state pop3_state(const struct pop3 *p);
/* "greeting", "authorization", ... (never NULL). */
const char *pop3_state_name(enum pop3_state st);
struct stream *pop3_stream(struct pop3 *p);
const struct pop3_caps *pop3_caps(const struct pop3 *p);

/* Reads the greeting (+OK, with an optional APOP timestamp "<...@...>";
 * a malformed one just means no APOP).  GREETING -> AUTHORIZATION. */
int pop3_greeting(struct pop3 *p, struct error **err);
/* Sends CAPA and records the answer; a server without CAPA (-ERR) is
 * fine.  In AUTHORIZATION or TRANSACTION. */
int pop3_capa(struct pop3 *p, struct error **err);
/* STLS, the TLS handshake (refusing bytes injected before it), then CAPA
 * again.  When CAPA was answered without STLS, STLS is not even sent.
 * Not offered or refused: ERR_PERM "the server at HOST does not offer
 * STLS; no password was sent", never a fallback to plain text. */
int pop3_stls(struct pop3 *p, const struct tls_params *tls, struct error **err);
/* Authenticates with the configured method (SASL AUTH, APOP or USER/PASS,
 * chosen by sasl_choose()), choosing for `auto` the strongest the server
 * offers, never trying another method after a failure, and refusing
 * (ERR_CONFIG, naming pop3-tls and allow-plaintext-auth) to send any
 * credential without TLS unless allow_plaintext_auth.  AUTH carries the
 * initial response when the line fits RFC 5034's 255 octets, else the
 * response answers the server's empty "+ " challenge.  A user name with
 * control characters (or a space, for APOP) and a password with CR, LF
 * are refused (ERR_CONFIG) before anything is sent.
 * With list_after_auth and PIPELINING, STAT, UIDL and LIST follow the
 * last line of the login in the same write, once the client has said
 * everything (after a verified SCRAM server signature; never for the
 * OAuth mechanisms, whose refusal is one more challenge): they carry no
 * secret, and when the login fails the server answers them -ERR, unread,
 * on a session that is over.
 * AUTHORIZATION -> TRANSACTION. */
int pop3_authenticate(struct pop3 *p, struct error **err);

/* STAT.  The first count of the session is remembered as the highest
 * valid message number for pop3_list().  More than POP3_MAX_MESSAGES:
 * ERR_PERM. */
int pop3_stat(struct pop3 *p, uint32_t *count, uint64_t *size, struct error **err);
/* UIDL and LIST for every message (and STAT first, if it was not sent
 * yet; pipelined together when the server allows), merged by message
 * number and sorted by it.  Call it before any DELE.
 *  - UIDL is tried when CAPA announced it or CAPA was not answered; a
 *    -ERR means no UIDL: every uid NULL, uid_unusable false, caps.uidl
 *    false.  A -ERR to LIST leaves every size 0.
 *  - Lines for message number 0 or above the STAT count, and unparsable
 *    lines, are ignored with a warning in the log.
 *  - Bad or duplicate UIDs: see struct pop3_entry; the listing goes on.
 *  - A message in neither answer is not in the result; one missing from
 *    LIST has size 0, one missing from UIDL is uid_unusable.
 *  - More than POP3_MAX_MESSAGES lines: ERR_PERM.
 * *entries is allocated (free with pop3_entries_free()), *n may be 0. */
/* Whether the n bytes at u make a UID as RFC 1939 allows (see
 * POP3_UID_MAX); pop3_list() marks any other uid_unusable. */
bool pop3_uid_valid(const char *u, size_t n);
int pop3_list(struct pop3 *p, struct pop3_entry **entries, size_t *n,
	      struct error **err);
void pop3_entries_free(struct pop3_entry *entries, size_t n);

/* Pipelining: queue RETR, TOP msgno lines, or DELE commands, then read
 * the answers in the same order with pop3_read_message() (RETR, TOP) or
 * pop3_read_dele() (DELE); reading the wrong kind is a programmer error
 * (ERR_INTERNAL, the session finishes).  Commands go out at the next
 * pop3_flush() or read, all in one write.  Without PIPELINING at most one
 * command may be in flight (pop3_can_pipeline()); a second one, or more
 * than POP3_PIPELINE_MAX, is ERR_INTERNAL.
 * pop3_send_top() refuses (ERR_PERM, nothing sent, session unchanged)
 * when CAPA was answered without TOP. */
int pop3_send_retr(struct pop3 *p, uint32_t msgno, struct error **err);
int pop3_send_top(struct pop3 *p, uint32_t msgno, unsigned lines, struct error **err);
int pop3_send_dele(struct pop3 *p, uint32_t msgno, struct error **err);
int pop3_flush(struct pop3 *p, struct error **err);
bool pop3_can_pipeline(const struct pop3 *p);
/* Number of commands sent whose answers were not read yet. */
size_t pop3_in_flight(const struct pop3 *p);
/* Reads the answer to the oldest RETR/TOP in flight into sink; *bytes is
 * the body size after unstuffing, line ends included as received.  A
 * -ERR answer fails just this message (-1, state still TRANSACTION, the
 * error's kind from its response code, else ERR_PERM); anything else
 * that fails finishes the session. */
int pop3_read_message(struct pop3 *p, const struct pop3_sink *sink, uint64_t *bytes,
		      struct error **err);
/* Reads the answer to the oldest DELE in flight; a -ERR fails just this
 * DELE, as above. */
int pop3_read_dele(struct pop3 *p, struct error **err);

/* QUIT (with nothing in flight): the server commits deletions only when
 * this succeeds (state DONE).  A -ERR answer means they were not
 * committed: ERR_TEMP, state FAILED.  Without wait_reply, QUIT is sent
 * and the reply left unread (state DONE): for a session that deleted
 * nothing, where the answer changes nothing and costs a round trip. */
int pop3_quit(struct pop3 *p, bool wait_reply, struct error **err);

/* For tests only: the SCRAM client nonce of the next AUTH exchange (see
 * sasl_test_set_nonce()). */
void pop3_test_set_scram_nonce(struct pop3 *p, const char *nonce);

#endif
