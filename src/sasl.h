/* sasl.h - client-side authentication as credential transforms with no
 * I/O: choosing a mechanism, the SASL mechanisms themselves (SCRAM-SHA-256,
 * SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN, XOAUTH2, OAUTHBEARER), and POP3's
 * APOP digest.
 *
 * The protocol layer (pop3, smtp) owns the socket; this module only turns
 * server challenges into client responses.  Challenges and responses are
 * base64 text exactly as it travels on the wire, so POP3's "+ TEXT" and
 * SMTP's "334 TEXT" map straight onto sasl_step(), and what comes back is
 * the line to send (without CRLF).  The exchange, for both protocols:
 *
 *   sasl_choose()                     which mechanism, or a refusal
 *   s = sasl_new(); sasl_start(s, &ir)
 *   "AUTH MECH ir" if sasl_initial_fits(), else "AUTH MECH"
 *   while the server sends a challenge (POP3 "+", SMTP 334):
 *       rc = sasl_step(s, challenge, &resp); send resp;
 *       if rc < 0: the exchange is failing, *err says why; keep reading
 *   server success (+OK, 235): sasl_finish(s) -- SCRAM checks the server
 *       proved it knows the password; a failure here is a failure
 *   server failure (-ERR, 535...): sasl_rejected(s, words), which also
 *       reproduces a failure sasl_step() found, with the server's words
 *   sasl_free(&s)
 *
 * APOP and USER/PASS are POP3 commands the pop3 layer sends itself; here
 * they are only a choice (sasl_choose) and a digest (apop_digest).
 *
 * Never downgrade.  After an AUTH that failed, the caller must not try a
 * weaker mechanism: a man in the middle who makes SCRAM fail must not win a
 * PLAIN password.  sasl_choose() returns one mechanism and takes no
 * "excluding" list on purpose; a failed authentication ends the session
 * with the error.
 *
 * Credentials and TLS (SPEC section 10): without TLS no credential of any
 * kind is sent (not even a SCRAM proof or a CRAM-MD5 digest, which an
 * eavesdropper can attack offline) unless allow-plaintext-auth is set.
 * sasl_mech_reveals_secret() tells which mechanisms put the secret itself
 * on the wire, for messages and logs.
 *
 * Secrets: the password or token is copied into the state and wiped when it
 * is freed; responses may contain it (PLAIN, LOGIN, the OAuth mechanisms),
 * so free them with sasl_response_free(), which wipes.  No error message
 * ever contains a secret.
 *
 * Non-ASCII passwords and SCRAM: SCRAM wants the password prepared with
 * SASLprep (RFC 4013).  SASLprep is the identity on printable ASCII, which
 * is what Petrel sends unchanged.  ASCII control characters are refused
 * (SASLprep prohibits them).  Other UTF-8 passwords are prepared with
 * GnuTLS's gnutls_utf8_password_normalize() (RFC 8265 OpaqueString: NFC,
 * non-ASCII spaces to U+0020), which agrees with SASLprep for all but
 * compatibility characters such as full-width letters.  A password that is
 * not valid UTF-8 is refused for SCRAM.  The other mechanisms send the
 * password's bytes as they are.  User names are sent as configured (they
 * must be UTF-8 without control characters), escaped where SCRAM and
 * OAUTHBEARER want ',' and '=' escaped. */
#ifndef PETREL_SASL_H
#define PETREL_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "error.h"

/* Limits.  A challenge longer than SASL_CHALLENGE_MAX characters of base64
 * is refused (an OAuth error document is a few hundred bytes; SCRAM's
 * server-first message about a hundred). */
#define SASL_CHALLENGE_MAX 16384
/* User names and secrets longer than this are refused by sasl_new(). */
#define SASL_CREDENTIAL_MAX 8192
/* SCRAM iteration counts outside [MIN, MAX] end the exchange.  RFC 7677
 * and RFC 5802 ask for at least 4096; fewer would let a hostile server
 * collect a proof that is cheap to attack offline.  The maximum bounds the
 * CPU a hostile server can make the client burn (about a second or two of
 * PBKDF2 at 10 million); it sits well above OWASP's 2023 advice for
 * PBKDF2-HMAC-SHA1 (1.3 million), which a careful admin may follow. */
#define SASL_SCRAM_ITER_MIN 4096
#define SASL_SCRAM_ITER_MAX 10000000
/* Line limits for an AUTH command with its initial response, CRLF
 * included: RFC 2449 section 4 (255 octets, which RFC 5034 applies to
 * AUTH) and RFC 5321 section 4.5.3.1.4 (512, which RFC 4954 keeps). */
#define SASL_POP3_LINE_MAX 255
#define SASL_SMTP_LINE_MAX 512

/* What an account can authenticate with.  APOP and USER are POP3's own
 * commands, not SASL: they are here so one function decides, and
 * sasl_new() refuses them (see apop_digest() for APOP). */
enum sasl_mech {
	SASL_MECH_SCRAM_SHA_256,
	SASL_MECH_SCRAM_SHA_1,
	SASL_MECH_CRAM_MD5,
	SASL_MECH_PLAIN,
	SASL_MECH_LOGIN,
	SASL_MECH_XOAUTH2,
	SASL_MECH_OAUTHBEARER,
	SASL_MECH_APOP,
	SASL_MECH_USER,
};

enum sasl_proto {
	SASL_PROTO_POP3,
	SASL_PROTO_SMTP,
};

/* The name as it goes on the AUTH line ("SCRAM-SHA-256"), or "APOP" /
 * "USER" for the POP3 commands. */
const char *sasl_mech_name(enum sasl_mech mech);
/* True for mechanisms that put the password or token itself on the wire
 * (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER, USER). */
bool sasl_mech_reveals_secret(enum sasl_mech mech);
/* True for the OAuth mechanisms, whose secret is a bearer token. */
bool sasl_mech_is_oauth(enum sasl_mech mech);

/* What sasl_choose() needs to know besides the server's list. */
struct sasl_policy {
	enum sasl_proto proto;
	enum config_auth configured;	/* pop3-auth or smtp-auth */
	bool tls_active;		/* the connection is under TLS now */
	bool allow_plaintext_auth;	/* the account's allow-plaintext-auth */
	bool apop_offered;		/* POP3: the greeting has a valid APOP timestamp */
	bool user_offered;		/* POP3: USER is available (CAPA USER, or no CAPA) */
};

/* Decides how to authenticate.  server_mechs is the mechanism list exactly
 * as the server sent it, space-separated (POP3 CAPA "SASL ..." argument,
 * SMTP EHLO "AUTH ..." argument), or NULL / "" when it offered none; names
 * compare case-insensitively and unknown ones are ignored.
 *
 * auto picks the strongest offered: SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5,
 * PLAIN, LOGIN; for POP3 without any of those, APOP when the greeting has a
 * timestamp, then USER.  XOAUTH2 and OAUTHBEARER are only used when
 * configured, since their secret is a token and not a password.  An
 * explicit choice is used only if the server offers it.
 *
 * Returns 0 and the mechanism in *out, or -1 with an ERR_CONFIG error:
 * no TLS and allow_plaintext_auth false (telling the user about pop3-tls /
 * smtp-tls and allow-plaintext-auth); the configured mechanism is not
 * offered (listing what the server offers); nothing usable is offered;
 * apop or user configured for SMTP. */
int sasl_choose(const char *server_mechs, const struct sasl_policy *pol,
		enum sasl_mech *out, struct error **err);

/* What an exchange needs.  The strings are copied by sasl_new(). */
struct sasl_params {
	enum sasl_mech mech;		/* any but APOP and USER */
	const char *user;		/* the authentication identity, non-empty */
	const char *secret;		/* password, or OAuth token for the OAuth mechs */
	const char *host;		/* OAUTHBEARER host=, or NULL to leave it out */
	unsigned port;			/* OAUTHBEARER port=, or 0 to leave it out */
	unsigned scram_iter_max;	/* 0: SASL_SCRAM_ITER_MAX; lower for tests */
};

struct sasl;

/* Creates the state for one exchange.  Returns NULL with an ERR_CONFIG
 * error when the credentials cannot be used with the mechanism: empty or
 * too long user; a user name that is not UTF-8 or has control characters
 * (which also keeps out the ^A separators of XOAUTH2 and OAUTHBEARER); an
 * empty or too long secret; a password SCRAM cannot prepare (see the top
 * of this file); a token with white space, control or non-ASCII
 * characters; an OAUTHBEARER host with control characters.  APOP or USER as the mechanism
 * is a programmer error. */
struct sasl *sasl_new(const struct sasl_params *p, struct error **err);

/* Wipes the secrets, frees the state, sets *s to NULL; NULL is fine. */
void sasl_free(struct sasl **s);

/* Begins the exchange; call once.  Returns 0 with *initial set to the
 * initial response (base64) for the mechanisms where the client speaks
 * first (SCRAM, PLAIN, XOAUTH2, OAUTHBEARER), or to NULL for those where
 * the server does (CRAM-MD5, LOGIN).  The caller sends it on the AUTH line
 * when sasl_initial_fits() says so, otherwise sends "AUTH MECH" alone: the
 * server then sends an empty challenge, and sasl_step() answers it with the
 * same initial response.  Returns -1 (ERR_INTERNAL) only when GnuTLS
 * cannot produce the SCRAM nonce. */
int sasl_start(struct sasl *s, char **initial, struct error **err);

/* Feeds one server challenge: the n characters of base64 after "+ " or
 * "334 " (an empty challenge, or "=", is allowed).  Returns 0 with the
 * response line to send in *response (base64, possibly "", never NULL).
 *
 * Returns -1 when the exchange has failed on the client's side, with a
 * sentence in *err, and STILL a line in *response that ends the exchange
 * the way the mechanism expects: "*" (cancel) in general, the empty line
 * the XOAUTH2 error dance wants, "AQ==" (a lone ^A) for OAUTHBEARER's.
 * Send it, read the server's final reply, and report *err: never continue
 * as if authenticated.  Failures (ERR_PERM): a challenge that is too long,
 * not base64, or malformed for the mechanism; a challenge where none is
 * expected; a SCRAM server nonce that does not extend the client's; an
 * iteration count out of range; a salt that is empty or too long; a
 * server signature that does not match ("the server could not prove it
 * knows the password"); a SCRAM error attribute (e=..., mapped to a
 * sentence); an OAuth error document (its status and error text are in
 * the sentence).  After a failure every further call fails the same way. */
int sasl_step(struct sasl *s, const char *challenge, size_t n,
	      char **response, struct error **err);

/* The server reported success.  Returns 0 when the client agrees: for
 * SCRAM only after the server signature was received and verified.
 * Returns -1 (ERR_PERM) when the server claims success without proving
 * itself (SCRAM without a verified server-final message), after a failed
 * step, or before the exchange began. */
int sasl_finish(struct sasl *s, struct error **err);

/* The server refused the exchange; server_words is its reply text (may be
 * NULL).  Always returns -1 and stores an error: the failure sasl_step()
 * already found if there was one, else a sentence naming the user and the
 * mechanism (for the OAuth mechanisms: that the token was refused and may
 * have expired).  The server's words go in the error's detail.  The kind
 * is ERR_TEMP when temporary (POP3 [SYS/TEMP] or [IN-USE], SMTP 454),
 * ERR_PERM otherwise. */
int sasl_rejected(const struct sasl *s, const char *server_words,
		  bool temporary, struct error **err);

/* The mechanism of the exchange, and its current state's name (for the
 * debug log; never contains a secret). */
enum sasl_mech sasl_mechanism(const struct sasl *s);
const char *sasl_state_name(const struct sasl *s);

/* True when the client has said everything and a well-behaved server can
 * only answer with its verdict, never another challenge: SCRAM once the
 * server signature is verified and the last (empty) line is sent; LOGIN
 * and CRAM-MD5 once the credentials are sent; PLAIN once its initial
 * response went out in answer to an empty challenge (sent on the AUTH
 * line, the caller knows it is complete).  False for the OAuth
 * mechanisms, whose refusal comes as one more challenge.  The protocol
 * code may then pipeline commands behind the last line. */
bool sasl_awaits_verdict(const struct sasl *s);

/* Wipes and frees a response or initial response; sets *resp to NULL. */
void sasl_response_free(char **resp);

/* True when "AUTH MECH INITIAL\r\n" fits the protocol's command line
 * (SASL_POP3_LINE_MAX or SASL_SMTP_LINE_MAX octets, CRLF included); true
 * for a NULL initial (nothing to fit).  When it does not, RFC 5034 and
 * RFC 4954 say to send "AUTH MECH" alone and give the initial response to
 * the server's empty challenge, which sasl_step() does.  OAuth tokens
 * rarely fit POP3's 255 octets, so XOAUTH2 usually takes this two-step
 * form, which is also the one Microsoft's servers expect. */
bool sasl_initial_fits(enum sasl_proto proto, enum sasl_mech mech,
		       const char *initial);

/* For tests only: makes SCRAM use this client nonce (printable ASCII
 * without ',') instead of a random one.  Call before sasl_start(). */
void sasl_test_set_nonce(struct sasl *s, const char *nonce);

/* APOP (RFC 1939 section 7). */
#define APOP_TIMESTAMP_MAX 512	/* longest timestamp accepted, brackets included */
#define APOP_DIGEST_LEN 32	/* hex digits */

/* Finds the APOP timestamp in the n bytes of a POP3 greeting: the first
 * '<' to the next '>', which must contain an '@' and only printable ASCII
 * without spaces, at most APOP_TIMESTAMP_MAX bytes.  Returns true and
 * points *ts / *tslen at it (inside greeting), or false when there is no
 * valid one (then APOP is not available). */
bool apop_timestamp(const char *greeting, size_t n, const char **ts, size_t *tslen);

/* Computes the APOP digest, MD5(timestamp password) in lowercase hex, into
 * out (APOP_DIGEST_LEN digits and a NUL).  Returns 0, or -1 with an
 * ERR_PERM error when the greeting has no valid timestamp, ERR_INTERNAL if
 * GnuTLS fails. */
int apop_digest(const char *greeting, size_t n, const char *password,
		char out[APOP_DIGEST_LEN + 1], struct error **err);

#endif
