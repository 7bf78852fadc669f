/* sasl.c - client-side authentication with no I/O: mechanism choice, the
 * SASL mechanisms as one state machine, and the APOP digest.  See sasl.h
 * for the contracts; the facts about each mechanism come from its RFC
 * (5802 and 7677 SCRAM, 2195 CRAM-MD5, 4616 PLAIN, 7628 OAUTHBEARER,
 * 1939 APOP) and, for LOGIN and XOAUTH2, from the deployed practice of
 * Microsoft's and Google's servers. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "base64.h"
#include "buf.h"
#include "hash.h"
#include "i18n.h"
#include "sasl.h"

#define HASH_MAX 32		/* SHA-256, the largest digest used */
#define SCRAM_NONCE_BYTES 24	/* random bytes; 32 characters of base64 */
#define SCRAM_NONCE_MAX 512	/* longest server nonce accepted */
#define SCRAM_SALT_MAX 1024	/* longest decoded salt accepted */
#define SERVER_TEXT_MAX 128	/* longest server-supplied text put in a message */

/* The exchange's position.  SASL mechanisms are short: one table for all. */
enum state {
	ST_NEW,			/* sasl_start() not called yet */
	ST_STARTED,		/* waiting for the first challenge */
	ST_SCRAM_FINAL_SENT,	/* client-final sent, waiting for server-final */
	ST_SCRAM_VERIFIED,	/* server signature checked, waiting for success */
	ST_LOGIN_USER_SENT,	/* LOGIN: user name sent, password next */
	ST_SENT,		/* everything sent, waiting for success */
	ST_FAILED,		/* failed on the client's side */
};

static const char *const state_names[] = {
	[ST_NEW] = "new",
	[ST_STARTED] = "started",
	[ST_SCRAM_FINAL_SENT] = "scram-final-sent",
	[ST_SCRAM_VERIFIED] = "scram-verified",
	[ST_LOGIN_USER_SENT] = "login-user-sent",
	[ST_SENT] = "sent",
	[ST_FAILED] = "failed",
};

struct sasl {
	enum sasl_mech mech;
	enum state state;
	char *user;
	char *secret;		/* the password (SCRAM: prepared) or token; wiped */
	char *host;		/* OAUTHBEARER, or NULL */
	unsigned port;
	unsigned iter_max;
	bool initial_pending;	/* the initial response may not have been sent */
	char *cnonce;		/* SCRAM client nonce */
	char *client_first_bare;	/* SCRAM, for the AuthMessage */
	unsigned char server_sig[HASH_MAX];	/* SCRAM: expected ServerSignature */
	size_t hlen;		/* SCRAM digest length */
	char *fail_msg;		/* why the exchange failed, no secrets in it */
	enum error_kind fail_kind;
};

static const struct {
	enum sasl_mech mech;
	const char *name;
} mech_names[] = {
	{ SASL_MECH_SCRAM_SHA_256, "SCRAM-SHA-256" },
	{ SASL_MECH_SCRAM_SHA_1, "SCRAM-SHA-1" },
	{ SASL_MECH_CRAM_MD5, "CRAM-MD5" },
	{ SASL_MECH_PLAIN, "PLAIN" },
	{ SASL_MECH_LOGIN, "LOGIN" },
	{ SASL_MECH_XOAUTH2, "XOAUTH2" },
	{ SASL_MECH_OAUTHBEARER, "OAUTHBEARER" },
	{ SASL_MECH_APOP, "APOP" },
	{ SASL_MECH_USER, "USER" },
};

/* ---- small helpers ---- */

/* Compares n bytes in time that does not depend on where they differ. */
static bool ct_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static bool is_scram(enum sasl_mech m)
{
	return m == SASL_MECH_SCRAM_SHA_256 || m == SASL_MECH_SCRAM_SHA_1;
}

/* Mechanisms where the client speaks first. */
static bool client_first(enum sasl_mech m)
{
	return is_scram(m) || m == SASL_MECH_PLAIN || sasl_mech_is_oauth(m);
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

/* Copies server-supplied text for a message: printable ASCII only, others
 * become '?', at most SERVER_TEXT_MAX characters. */
static char *server_text(const char *s, size_t n)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n && i < SERVER_TEXT_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_putc(&b, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (n > SERVER_TEXT_MAX)
		buf_puts(&b, "...");
	return buf_steal(&b, NULL);
}

/* Appends a SCRAM/GS2 saslname: ',' and '=' escaped (RFC 5802 5.1). */
static void put_saslname(struct buf *b, const char *name)
{
	for (; *name; name++) {
		if (*name == ',')
			buf_puts(b, "=2C");
		else if (*name == '=')
			buf_puts(b, "=3D");
		else
			buf_putc(b, *name);
	}
}

/* Base64 of a buffer that may hold a secret; wipes and frees the buffer. */
static char *encode_secret_buf(struct buf *b)
{
	char *out = base64_encode(b->data != NULL ? b->data : "", b->len);

	wipe(b->data, b->cap);
	buf_free(b);
	return out;
}

/* ---- mechanism names and choice ---- */

const char *sasl_mech_name(enum sasl_mech mech)
{
	for (size_t i = 0; i < ARRAY_LEN(mech_names); i++)
		if (mech_names[i].mech == mech)
			return mech_names[i].name;
	fatal("sasl_mech_name: unknown mechanism %d", (int)mech);
}

bool sasl_mech_reveals_secret(enum sasl_mech mech)
{
	return mech == SASL_MECH_PLAIN || mech == SASL_MECH_LOGIN ||
	       mech == SASL_MECH_USER || sasl_mech_is_oauth(mech);
}

bool sasl_mech_is_oauth(enum sasl_mech mech)
{
	return mech == SASL_MECH_XOAUTH2 || mech == SASL_MECH_OAUTHBEARER;
}

static unsigned mech_bit(enum sasl_mech m)
{
	return 1u << (unsigned)m;
}

/* The SASL mechanisms in the server's list as a bit set, and the list
 * itself (valid names only, at most 16) for messages in *shown. */
static unsigned parse_offer(const char *list, struct buf *shown)
{
	unsigned set = 0;
	int listed = 0;

	if (list == NULL)
		return 0;
	while (*list) {
		size_t len = 0;
		bool valid = true;

		while (*list == ' ' || *list == '\t')
			list++;
		while (list[len] && list[len] != ' ' && list[len] != '\t') {
			char c = list[len];

			if (!ascii_isalnum(c) && c != '-' && c != '_')
				valid = false;
			len++;
		}
		if (len == 0)
			break;
		/* RFC 4422 3.1: 1 to 20 characters. */
		if (valid && len <= 20) {
			for (size_t i = 0; i < ARRAY_LEN(mech_names); i++) {
				enum sasl_mech m = mech_names[i].mech;

				if (m == SASL_MECH_APOP || m == SASL_MECH_USER)
					continue;
				if (strlen(mech_names[i].name) == len &&
				    ascii_strncasecmp(list, mech_names[i].name, len) == 0)
					set |= mech_bit(m);
			}
			if (listed < 16) {
				if (shown->len > 0)
					buf_putc(shown, ' ');
				for (size_t i = 0; i < len; i++)
					buf_putc(shown, (char)(list[i] >= 'a' && list[i] <= 'z' ?
							       list[i] - 32 : list[i]));
			} else if (listed == 16) {
				buf_puts(shown, " ...");
			}
			listed++;
		}
		list += len;
	}
	return set;
}

/* The mechanism a configured value names; false for auto. */
static bool configured_mech(enum config_auth a, enum sasl_mech *m)
{
	switch (a) {
	case CONFIG_AUTH_AUTO: return false;
	case CONFIG_AUTH_SCRAM_SHA_256: *m = SASL_MECH_SCRAM_SHA_256; return true;
	case CONFIG_AUTH_SCRAM_SHA_1: *m = SASL_MECH_SCRAM_SHA_1; return true;
	case CONFIG_AUTH_CRAM_MD5: *m = SASL_MECH_CRAM_MD5; return true;
	case CONFIG_AUTH_PLAIN: *m = SASL_MECH_PLAIN; return true;
	case CONFIG_AUTH_LOGIN: *m = SASL_MECH_LOGIN; return true;
	case CONFIG_AUTH_APOP: *m = SASL_MECH_APOP; return true;
	case CONFIG_AUTH_USER: *m = SASL_MECH_USER; return true;
	case CONFIG_AUTH_XOAUTH2: *m = SASL_MECH_XOAUTH2; return true;
	case CONFIG_AUTH_OAUTHBEARER: *m = SASL_MECH_OAUTHBEARER; return true;
	}
	fatal("configured_mech: unknown value %d", (int)a);
}

int sasl_choose(const char *server_mechs, const struct sasl_policy *pol,
		enum sasl_mech *out, struct error **err)
{
	static const enum sasl_mech auto_order[] = {
		SASL_MECH_SCRAM_SHA_256, SASL_MECH_SCRAM_SHA_1,
		SASL_MECH_CRAM_MD5, SASL_MECH_PLAIN, SASL_MECH_LOGIN,
	};
	bool pop3 = pol->proto == SASL_PROTO_POP3;
	const char *auth_key = pop3 ? "pop3-auth" : "smtp-auth";
	const char *tls_key = pop3 ? "pop3-tls" : "smtp-tls";
	struct buf shown = BUF_INIT;
	enum sasl_mech m;
	unsigned offer;
	int rc = -1;

	if (!pop3 && (pol->configured == CONFIG_AUTH_APOP ||
		      pol->configured == CONFIG_AUTH_USER))
		return error_set(err, ERR_CONFIG,
				 _("smtp-auth = %s exists only for POP3; use auto or a SASL mechanism"),
				 config_auth_name(pol->configured));
	if (!pol->tls_active && !pol->allow_plaintext_auth)
		return error_set(err, ERR_CONFIG,
				 _("refusing to send a password or token over a connection without TLS: "
				   "set %s = implicit or starttls, or allow-plaintext-auth = true "
				   "if you accept that anyone on the network can read it"),
				 tls_key);

	offer = parse_offer(server_mechs, &shown);
	if (pop3 && pol->apop_offered) {
		if (shown.len > 0)
			buf_putc(&shown, ' ');
		buf_puts(&shown, "APOP");
	}
	if (pop3 && pol->user_offered) {
		if (shown.len > 0)
			buf_putc(&shown, ' ');
		buf_puts(&shown, "USER");
	}

	if (configured_mech(pol->configured, &m)) {
		bool offered;

		if (m == SASL_MECH_APOP)
			offered = pol->apop_offered;
		else if (m == SASL_MECH_USER)
			offered = pol->user_offered;
		else
			offered = (offer & mech_bit(m)) != 0;
		if (offered) {
			*out = m;
			rc = 0;
		} else if (m == SASL_MECH_APOP) {
			error_set(err, ERR_CONFIG,
				  _("%s = apop, but the server's greeting has no valid APOP timestamp; "
				    "it offers: %s"),
				  auth_key, shown.len > 0 ? buf_cstr(&shown) : _("nothing"));
		} else {
			error_set(err, ERR_CONFIG,
				  _("%s = %s, but the server does not offer %s; it offers: %s"),
				  auth_key, config_auth_name(pol->configured),
				  sasl_mech_name(m),
				  shown.len > 0 ? buf_cstr(&shown) : _("nothing"));
		}
		buf_free(&shown);
		return rc;
	}

	for (size_t i = 0; i < ARRAY_LEN(auto_order); i++) {
		if (offer & mech_bit(auto_order[i])) {
			*out = auto_order[i];
			buf_free(&shown);
			return 0;
		}
	}
	if (pop3 && pol->apop_offered) {
		*out = SASL_MECH_APOP;
		rc = 0;
	} else if (pop3 && pol->user_offered) {
		*out = SASL_MECH_USER;
		rc = 0;
	} else if (offer & (mech_bit(SASL_MECH_XOAUTH2) | mech_bit(SASL_MECH_OAUTHBEARER))) {
		error_set(err, ERR_CONFIG,
			  _("the server offers only OAuth authentication (%s): set %s = %s "
			    "and make password-command print an access token"),
			  buf_cstr(&shown), auth_key,
			  (offer & mech_bit(SASL_MECH_XOAUTH2)) ? "xoauth2" : "oauthbearer");
	} else {
		error_set(err, ERR_CONFIG,
			  _("the server offers no authentication method Petrel supports; it offers: %s"),
			  shown.len > 0 ? buf_cstr(&shown) : _("nothing"));
	}
	buf_free(&shown);
	return rc;
}

bool sasl_initial_fits(enum sasl_proto proto, enum sasl_mech mech,
		       const char *initial)
{
	size_t max = proto == SASL_PROTO_POP3 ? SASL_POP3_LINE_MAX : SASL_SMTP_LINE_MAX;
	/* "AUTH " MECH " " INITIAL CRLF */
	size_t fixed = 5 + strlen(sasl_mech_name(mech)) + 1 + 2;

	if (initial == NULL)
		return true;
	return strlen(initial) <= max - fixed;
}

/* ---- the state ---- */

/* Prepares a SCRAM password (see sasl.h): printable ASCII unchanged,
 * controls refused, other UTF-8 normalized by GnuTLS.  Returns an
 * allocated copy or NULL with an error. */
static char *scram_prepare(const char *pw, struct error **err)
{
	size_t n = strlen(pw);
	bool ascii = true;
	gnutls_datum_t out = { NULL, 0 };
	char *copy;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pw[i];

		if (c < 0x20 || c == 0x7f) {
			error_set(err, ERR_CONFIG,
				  _("the password contains control characters, which SCRAM does not allow"));
			return NULL;
		}
		if (c >= 0x80)
			ascii = false;
	}
	if (ascii)
		return xstrdup(pw);
	if (!utf8_valid(pw, n)) {
		error_set(err, ERR_CONFIG,
			  _("the password is not valid UTF-8, which SCRAM requires; "
			    "use another mechanism (pop3-auth / smtp-auth) or change the password"));
		return NULL;
	}
	if (gnutls_utf8_password_normalize((const unsigned char *)pw, (unsigned)n, &out, 0) < 0) {
		error_set(err, ERR_CONFIG,
			  _("the password contains characters SCRAM cannot use"));
		return NULL;
	}
	copy = xstrndup((const char *)out.data, out.size);
	wipe(out.data, out.size);
	gnutls_free(out.data);
	return copy;
}

struct sasl *sasl_new(const struct sasl_params *p, struct error **err)
{
	struct sasl *s;
	const char *what = sasl_mech_is_oauth(p->mech) ? _("token") : _("password");
	char *secret;

	if (p->mech == SASL_MECH_APOP || p->mech == SASL_MECH_USER)
		fatal("sasl_new: %s is not a SASL mechanism", sasl_mech_name(p->mech));
	if (p->user == NULL || p->user[0] == '\0') {
		error_set(err, ERR_CONFIG, _("no user name to log in with"));
		return NULL;
	}
	if (strlen(p->user) > SASL_CREDENTIAL_MAX || has_control(p->user) ||
	    !utf8_valid(p->user, strlen(p->user))) {
		error_set(err, ERR_CONFIG,
			  _("the user name is too long, not UTF-8, or contains control characters"));
		return NULL;
	}
	if (p->secret == NULL || p->secret[0] == '\0') {
		error_set(err, ERR_CONFIG, _("the %s is empty"), what);
		return NULL;
	}
	if (strlen(p->secret) > SASL_CREDENTIAL_MAX) {
		error_set(err, ERR_CONFIG, _("the %s is longer than %d bytes"), what,
			  SASL_CREDENTIAL_MAX);
		return NULL;
	}
	if (sasl_mech_is_oauth(p->mech)) {
		for (const char *c = p->secret; *c; c++) {
			if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
				error_set(err, ERR_CONFIG,
					  _("the OAuth token contains spaces, control or non-ASCII "
					    "characters; password-command must print the bare access token"));
				return NULL;
			}
		}
		if (p->host != NULL && (has_control(p->host) || strlen(p->host) > 255)) {
			error_set(err, ERR_CONFIG, _("the host name is not usable for OAUTHBEARER"));
			return NULL;
		}
	}
	if (is_scram(p->mech)) {
		secret = scram_prepare(p->secret, err);
		if (secret == NULL)
			return NULL;
	} else {
		secret = xstrdup(p->secret);
	}

	s = xcalloc(1, sizeof *s);
	s->mech = p->mech;
	s->state = ST_NEW;
	s->user = xstrdup(p->user);
	s->secret = secret;
	s->host = p->host != NULL ? xstrdup(p->host) : NULL;
	s->port = p->port;
	s->iter_max = p->scram_iter_max != 0 ? p->scram_iter_max : SASL_SCRAM_ITER_MAX;
	s->hlen = p->mech == SASL_MECH_SCRAM_SHA_1 ? 20 : 32;
	return s;
}

void sasl_free(struct sasl **sp)
{
	struct sasl *s = *sp;

	if (s == NULL)
		return;
	free(s->user);
	wipe_free(s->secret);
	free(s->host);
	free(s->cnonce);
	free(s->client_first_bare);
	free(s->fail_msg);
	wipe(s, sizeof *s);
	free(s);
	*sp = NULL;
}

void sasl_response_free(char **resp)
{
	wipe_free(*resp);
	*resp = NULL;
}

enum sasl_mech sasl_mechanism(const struct sasl *s)
{
	return s->mech;
}

bool sasl_awaits_verdict(const struct sasl *s)
{
	if (sasl_mech_is_oauth(s->mech))
		return false;
	/* PLAIN says everything in its one message: once the initial
	 * response went out in answer to the empty challenge. */
	if (s->mech == SASL_MECH_PLAIN)
		return s->state == ST_STARTED && !s->initial_pending;
	return s->state == ST_SCRAM_VERIFIED || s->state == ST_SENT;
}

const char *sasl_state_name(const struct sasl *s)
{
	return state_names[s->state];
}

void sasl_test_set_nonce(struct sasl *s, const char *nonce)
{
	if (s->state != ST_NEW || nonce[0] == '\0' || strlen(nonce) > SCRAM_NONCE_MAX)
		fatal("sasl_test_set_nonce: called late or with an empty or long nonce");
	for (const char *c = nonce; *c; c++)
		if (*c < 0x21 || *c > 0x7e || *c == ',')
			fatal("sasl_test_set_nonce: bad nonce character");
	free(s->cnonce);
	s->cnonce = xstrdup(nonce);
}

/* Records the failure and hands back the line that ends the exchange. */
static int fail(struct sasl *s, enum error_kind kind, char **response,
		struct error **err, const char *fmt, ...) PRINTF_LIKE(5, 6);

static const char *cancel_line(const struct sasl *s)
{
	if (s->mech == SASL_MECH_XOAUTH2)
		return "";
	if (s->mech == SASL_MECH_OAUTHBEARER)
		return "AQ==";		/* a lone ^A, RFC 7628 3.2.3 */
	return "*";
}

static int fail(struct sasl *s, enum error_kind kind, char **response,
		struct error **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(s->fail_msg);
	s->fail_msg = xvasprintf(fmt, ap);
	va_end(ap);
	s->fail_kind = kind;
	s->state = ST_FAILED;
	*response = xstrdup(cancel_line(s));
	return error_set(err, kind, "%s", s->fail_msg);
}

/* ---- initial responses ---- */

static char *initial_response(struct sasl *s)
{
	struct buf b = BUF_INIT;

	switch (s->mech) {
	case SASL_MECH_SCRAM_SHA_256:
	case SASL_MECH_SCRAM_SHA_1:
		/* gs2-header "n,," (no channel binding), then the bare part. */
		buf_puts(&b, "n,,");
		buf_puts(&b, s->client_first_bare);
		return encode_secret_buf(&b);
	case SASL_MECH_PLAIN:
		/* RFC 4616: authzid (empty) NUL authcid NUL passwd */
		buf_putc(&b, '\0');
		buf_puts(&b, s->user);
		buf_putc(&b, '\0');
		buf_puts(&b, s->secret);
		return encode_secret_buf(&b);
	case SASL_MECH_XOAUTH2:
		buf_printf(&b, "user=%s\001auth=Bearer %s\001\001", s->user, s->secret);
		return encode_secret_buf(&b);
	case SASL_MECH_OAUTHBEARER:
		/* RFC 7628 3.1: gs2-header with the authzid, then key=value^A */
		buf_puts(&b, "n,a=");
		put_saslname(&b, s->user);
		buf_puts(&b, ",\001");
		if (s->host != NULL)
			buf_printf(&b, "host=%s\001", s->host);
		if (s->port != 0)
			buf_printf(&b, "port=%u\001", s->port);
		buf_printf(&b, "auth=Bearer %s\001\001", s->secret);
		return encode_secret_buf(&b);
	case SASL_MECH_CRAM_MD5:
	case SASL_MECH_LOGIN:
	case SASL_MECH_APOP:
	case SASL_MECH_USER:
		break;
	}
	return NULL;
}

int sasl_start(struct sasl *s, char **initial, struct error **err)
{
	*initial = NULL;
	if (s->state != ST_NEW)
		fatal("sasl_start: called twice");
	if (is_scram(s->mech)) {
		struct buf b = BUF_INIT;

		if (s->cnonce == NULL) {
			unsigned char raw[SCRAM_NONCE_BYTES];

			if (gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof raw) < 0)
				return error_set(err, ERR_INTERNAL,
						 _("cannot make a random nonce for SCRAM"));
			s->cnonce = base64_encode(raw, sizeof raw);
		}
		buf_puts(&b, "n=");
		put_saslname(&b, s->user);
		buf_printf(&b, ",r=%s", s->cnonce);
		s->client_first_bare = buf_steal(&b, NULL);
	}
	s->state = ST_STARTED;
	s->initial_pending = client_first(s->mech);
	*initial = initial_response(s);
	return 0;
}

/* ---- SCRAM ---- */

static gnutls_mac_algorithm_t scram_mac(const struct sasl *s)
{
	return s->mech == SASL_MECH_SCRAM_SHA_1 ? GNUTLS_MAC_SHA1 : GNUTLS_MAC_SHA256;
}

/* The sentence for a SCRAM e= value (RFC 5802 section 7). */
static int scram_server_error(struct sasl *s, const char *v, size_t n,
			      char **response, struct error **err)
{
	static const struct {
		const char *value;
		const char *msg;
		enum error_kind kind;
	} errors[] = {
		{ "invalid-proof", N_("the user name or password is wrong"), ERR_PERM },
		{ "unknown-user", N_("the server does not know the user name"), ERR_PERM },
		{ "invalid-encoding", N_("the server could not decode the client's message"), ERR_PERM },
		{ "extensions-not-supported", N_("the server does not support a SCRAM extension it was asked for"), ERR_PERM },
		{ "channel-bindings-dont-match", N_("channel binding failed, the connection may be intercepted"), ERR_PERM },
		{ "server-does-support-channel-binding", N_("the server says it supports channel binding although the client was told it does not: the connection may be tampered with"), ERR_PERM },
		{ "channel-binding-not-supported", N_("the server does not support channel binding"), ERR_PERM },
		{ "unsupported-channel-binding-type", N_("the server does not support this type of channel binding"), ERR_PERM },
		{ "invalid-username-encoding", N_("the server cannot accept the user name's encoding"), ERR_PERM },
		{ "no-resources", N_("the server is short of resources; try again later"), ERR_TEMP },
		{ "other-error", N_("the server gave no reason"), ERR_PERM },
	};
	char *shown;
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(errors); i++)
		if (strlen(errors[i].value) == n && memcmp(v, errors[i].value, n) == 0)
			return fail(s, errors[i].kind, response, err,
				    _("the server refused the %s login as \"%s\": %s (%s)"),
				    sasl_mech_name(s->mech), s->user,
				    _(errors[i].msg), errors[i].value);
	shown = server_text(v, n);
	rc = fail(s, ERR_PERM, response, err,
		  _("the server refused the %s login as \"%s\" (SCRAM error \"%s\")"),
		  sasl_mech_name(s->mech), s->user, shown);
	free(shown);
	return rc;
}

/* Splits "k=value,..." at the next ','; returns the attribute letter and
 * the value, or 0 when the text does not start with an attribute. */
static char next_attr(const char **p, const char *end, const char **val, size_t *vlen)
{
	const char *q = *p;
	const char *comma;
	char name;

	if (end - q < 2 || !ascii_isalpha(q[0]) || q[1] != '=')
		return 0;
	name = q[0];
	q += 2;
	comma = memchr(q, ',', (size_t)(end - q));
	if (comma == NULL)
		comma = end;
	*val = q;
	*vlen = (size_t)(comma - q);
	*p = comma < end ? comma + 1 : end;
	return name;
}

static int scram_malformed(struct sasl *s, char **response, struct error **err,
			   const char *what)
{
	return fail(s, ERR_PERM, response, err,
		    _("the server sent a malformed %s message (%s)"),
		    sasl_mech_name(s->mech), what);
}

/* Handles server-first: checks it, computes the proof and the expected
 * server signature, and answers with client-final. */
static int scram_server_first(struct sasl *s, const char *msg, size_t n,
			      char **response, struct error **err)
{
	const char *p = msg, *end = msg + n, *val;
	const char *snonce, *salt64;
	size_t vlen, snonce_len, salt64_len, cn = strlen(s->cnonce);
	unsigned char *salt = NULL;
	size_t salt_len;
	uint64_t iter = 0;
	unsigned char salted[HASH_MAX], client_key[HASH_MAX], stored_key[HASH_MAX];
	unsigned char client_sig[HASH_MAX], proof[HASH_MAX], server_key[HASH_MAX];
	gnutls_mac_algorithm_t mac = scram_mac(s);
	gnutls_datum_t key, sdatum;
	struct buf final = BUF_INIT, auth = BUF_INIT;
	char *proof64;
	char a;
	int rc = 0;

	a = next_attr(&p, end, &val, &vlen);
	if (a == 'e')
		return scram_server_error(s, val, vlen, response, err);
	if (a == 'm')
		return fail(s, ERR_PERM, response, err,
			    _("the server requires a SCRAM extension Petrel does not support"));
	if (a != 'r')
		return scram_malformed(s, response, err, _("no nonce"));
	snonce = val;
	snonce_len = vlen;
	if (snonce_len > SCRAM_NONCE_MAX)
		return scram_malformed(s, response, err, _("nonce too long"));
	for (size_t i = 0; i < snonce_len; i++)
		if (snonce[i] < 0x21 || snonce[i] > 0x7e)
			return scram_malformed(s, response, err, _("bad nonce character"));
	if (snonce_len <= cn || memcmp(snonce, s->cnonce, cn) != 0)
		return fail(s, ERR_PERM, response, err,
			    _("the server's SCRAM nonce does not extend the client's: "
			      "the reply is not for this login"));

	if (next_attr(&p, end, &val, &vlen) != 's')
		return scram_malformed(s, response, err, _("no salt"));
	salt64 = val;
	salt64_len = vlen;

	if (next_attr(&p, end, &val, &vlen) != 'i')
		return scram_malformed(s, response, err, _("no iteration count"));
	if (vlen == 0 || vlen > 12)
		return scram_malformed(s, response, err, _("bad iteration count"));
	for (size_t i = 0; i < vlen; i++) {
		if (!ascii_isdigit(val[i]))
			return scram_malformed(s, response, err, _("bad iteration count"));
		iter = iter * 10 + (uint64_t)(val[i] - '0');
	}
	/* Anything after i= is an extension, ignored (RFC 5802 7). */
	if (iter < SASL_SCRAM_ITER_MIN)
		return fail(s, ERR_PERM, response, err,
			    _("the server asked for %llu SCRAM iterations, fewer than the %d "
			      "that keep the password safe from offline guessing"),
			    (unsigned long long)iter, SASL_SCRAM_ITER_MIN);
	if (iter > s->iter_max)
		return fail(s, ERR_PERM, response, err,
			    _("the server asked for %llu SCRAM iterations, more than the "
			      "limit of %u"),
			    (unsigned long long)iter, s->iter_max);

	if (base64_decode(salt64, salt64_len, &salt, &salt_len) < 0)
		return scram_malformed(s, response, err, _("salt not base64"));
	if (salt_len == 0 || salt_len > SCRAM_SALT_MAX) {
		free(salt);
		return scram_malformed(s, response, err, _("empty or long salt"));
	}

	/* client-final-message-without-proof: c=base64("n,,") r=nonce */
	buf_puts(&final, "c=biws,r=");
	buf_append(&final, snonce, snonce_len);
	buf_printf(&auth, "%s,", s->client_first_bare);
	buf_append(&auth, msg, n);
	buf_printf(&auth, ",%s", buf_cstr(&final));

	key.data = (unsigned char *)s->secret;
	key.size = (unsigned)strlen(s->secret);
	sdatum.data = salt;
	sdatum.size = (unsigned)salt_len;
	if (gnutls_pbkdf2(mac, &key, &sdatum, (unsigned)iter, salted, s->hlen) < 0 ||
	    gnutls_hmac_fast(mac, salted, s->hlen, "Client Key", 10, client_key) < 0 ||
	    gnutls_hash_fast((gnutls_digest_algorithm_t)mac, client_key, s->hlen, stored_key) < 0 ||
	    gnutls_hmac_fast(mac, stored_key, s->hlen, auth.data, auth.len, client_sig) < 0 ||
	    gnutls_hmac_fast(mac, salted, s->hlen, "Server Key", 10, server_key) < 0 ||
	    gnutls_hmac_fast(mac, server_key, s->hlen, auth.data, auth.len, s->server_sig) < 0) {
		rc = fail(s, ERR_INTERNAL, response, err,
			  _("GnuTLS could not compute the SCRAM proof"));
		goto out;
	}
	for (size_t i = 0; i < s->hlen; i++)
		proof[i] = client_key[i] ^ client_sig[i];
	proof64 = base64_encode(proof, s->hlen);
	buf_printf(&final, ",p=%s", proof64);
	free(proof64);
	if (final.failed || auth.failed) {
		rc = fail(s, ERR_INTERNAL, response, err, _("out of buffer space for SCRAM"));
		goto out;
	}
	*response = base64_encode(final.data, final.len);
	s->state = ST_SCRAM_FINAL_SENT;
out:
	wipe(salted, sizeof salted);
	wipe(client_key, sizeof client_key);
	wipe(stored_key, sizeof stored_key);
	wipe(client_sig, sizeof client_sig);
	wipe(proof, sizeof proof);
	wipe(server_key, sizeof server_key);
	free(salt);
	buf_free(&final);
	buf_free(&auth);
	return rc;
}

/* Handles server-final: e=... or v=signature, which must match. */
static int scram_server_final(struct sasl *s, const char *msg, size_t n,
			      char **response, struct error **err)
{
	const char *p = msg, *end = msg + n, *val;
	unsigned char *sig;
	size_t vlen, sig_len;
	bool same;
	char a;

	a = next_attr(&p, end, &val, &vlen);
	if (a == 'e')
		return scram_server_error(s, val, vlen, response, err);
	if (a != 'v')
		return scram_malformed(s, response, err, _("no server signature"));
	if (base64_decode(val, vlen, &sig, &sig_len) < 0)
		return scram_malformed(s, response, err, _("signature not base64"));
	same = sig_len == s->hlen && ct_equal(sig, s->server_sig, s->hlen);
	free(sig);
	if (!same)
		return fail(s, ERR_PERM, response, err,
			    _("the server could not prove it knows the password (its %s "
			      "signature is wrong): someone may be impersonating it"),
			    sasl_mech_name(s->mech));
	s->state = ST_SCRAM_VERIFIED;
	*response = xstrdup("");
	return 0;
}

/* ---- OAuth error documents ---- */

/* A tiny reader for the JSON object an OAuth server sends on failure: it
 * finds the string (or bare number/word) value of a top-level key.  It
 * only needs to be safe and bounded, not complete. */
struct jscan {
	const char *p, *end;
	int depth;
};

#define JSON_DEPTH_MAX 16

static void j_ws(struct jscan *j)
{
	while (j->p < j->end && ascii_isspace((unsigned char)*j->p))
		j->p++;
}

/* Reads a string literal into out (printable ASCII; escapes simplified). */
static bool j_string(struct jscan *j, struct buf *out)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;

		if (c == '\\') {
			if (j->p >= j->end)
				return false;
			c = (unsigned char)*j->p++;
			if (c == 'u') {
				if (j->end - j->p < 4)
					return false;
				j->p += 4;
				c = '?';
			} else if (c != '"' && c != '\\' && c != '/') {
				c = ' ';
			}
		}
		if (out != NULL && out->len < SERVER_TEXT_MAX)
			buf_putc(out, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (j->p >= j->end)
		return false;
	j->p++;
	return true;
}

static bool j_value(struct jscan *j, struct buf *out);

static bool j_container(struct jscan *j, char close, bool members)
{
	if (++j->depth > JSON_DEPTH_MAX)
		return false;
	j->p++;
	j_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		j_ws(j);
		if (members) {
			if (!j_string(j, NULL))
				return false;
			j_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return false;
			j->p++;
			j_ws(j);
		}
		if (!j_value(j, NULL))
			return false;
		j_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return true;
		}
		return false;
	}
}

static bool j_value(struct jscan *j, struct buf *out)
{
	if (j->p >= j->end)
		return false;
	if (*j->p == '"')
		return j_string(j, out);
	if (*j->p == '{')
		return j_container(j, '}', true);
	if (*j->p == '[')
		return j_container(j, ']', false);
	if (!ascii_isalnum((unsigned char)*j->p) && *j->p != '-')
		return false;
	while (j->p < j->end && (ascii_isalnum((unsigned char)*j->p) ||
				 *j->p == '-' || *j->p == '+' || *j->p == '.')) {
		if (out != NULL && out->len < SERVER_TEXT_MAX)
			buf_putc(out, *j->p);
		j->p++;
	}
	return true;
}

/* The value of top-level key in the JSON object, or NULL. */
static char *json_field(const char *text, size_t n, const char *key)
{
	struct jscan j = { text, text + n, 1 };
	struct buf k = BUF_INIT, v = BUF_INIT;
	bool found = false;

	j_ws(&j);
	if (j.p >= j.end || *j.p != '{')
		return NULL;
	j.p++;
	for (;;) {
		j_ws(&j);
		if (j.p < j.end && *j.p == '}')
			break;
		buf_reset(&k);
		buf_reset(&v);
		if (!j_string(&j, &k))
			break;
		j_ws(&j);
		if (j.p >= j.end || *j.p != ':')
			break;
		j.p++;
		j_ws(&j);
		if (!j_value(&j, &v))
			break;
		if (strcmp(buf_cstr(&k), key) == 0 && v.len > 0) {
			found = true;
			break;
		}
		j_ws(&j);
		if (j.p >= j.end || *j.p != ',')
			break;
		j.p++;
	}
	buf_free(&k);
	if (!found) {
		buf_free(&v);
		return NULL;
	}
	return buf_steal(&v, NULL);
}

/* The server answered the OAuth initial response with a challenge: an
 * error document (RFC 7628 3.2.2; Google's and Microsoft's XOAUTH2). */
static int oauth_error(struct sasl *s, const char *doc, size_t n,
		       char **response, struct error **err)
{
	char *status = json_field(doc, n, "status");
	char *error = json_field(doc, n, "error");
	char *desc = json_field(doc, n, "error_description");
	struct buf why = BUF_INIT;
	int rc;

	if (status != NULL)
		buf_printf(&why, "status %s", status);
	if (error != NULL)
		buf_printf(&why, "%s%s", why.len > 0 ? ", " : "", error);
	if (desc != NULL)
		buf_printf(&why, "%s%s", why.len > 0 ? ": " : "", desc);
	if (why.len == 0 && n > 0) {
		char *raw = server_text(doc, n);

		buf_puts(&why, raw);
		free(raw);
	}
	if (why.len > 0)
		rc = fail(s, ERR_PERM, response, err,
			  _("the server refused the OAuth token for \"%s\" (%s: %s); it may have "
			    "expired: check what password-command prints"),
			  s->user, sasl_mech_name(s->mech), buf_cstr(&why));
	else
		rc = fail(s, ERR_PERM, response, err,
			  _("the server refused the OAuth token for \"%s\" (%s); it may have "
			    "expired: check what password-command prints"),
			  s->user, sasl_mech_name(s->mech));
	free(status);
	free(error);
	free(desc);
	buf_free(&why);
	return rc;
}

/* ---- stepping ---- */

static int unexpected(struct sasl *s, char **response, struct error **err)
{
	return fail(s, ERR_PERM, response, err,
		    _("the server sent a %s challenge where none was expected"),
		    sasl_mech_name(s->mech));
}

int sasl_step(struct sasl *s, const char *challenge, size_t n,
	      char **response, struct error **err)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int rc = 0;

	*response = NULL;
	if (s->state == ST_NEW)
		fatal("sasl_step: sasl_start() was not called");
	if (s->state == ST_FAILED) {
		*response = xstrdup(cancel_line(s));
		return error_set(err, s->fail_kind, "%s", s->fail_msg);
	}
	if (n > SASL_CHALLENGE_MAX)
		return fail(s, ERR_PERM, response, err,
			    _("the server sent a %s challenge longer than %d characters"),
			    sasl_mech_name(s->mech), SASL_CHALLENGE_MAX);

	/* LOGIN's prompts are answered by their order, whatever they say:
	 * some servers send text that is not even base64. */
	if (s->mech == SASL_MECH_LOGIN) {
		if (s->state == ST_STARTED) {
			*response = base64_encode(s->user, strlen(s->user));
			s->state = ST_LOGIN_USER_SENT;
			return 0;
		}
		if (s->state == ST_LOGIN_USER_SENT) {
			*response = base64_encode(s->secret, strlen(s->secret));
			s->state = ST_SENT;
			return 0;
		}
		return unexpected(s, response, err);
	}

	if (!(n == 1 && challenge[0] == '=') &&
	    base64_decode(challenge, n, &data, &len) < 0)
		return fail(s, ERR_PERM, response, err,
			    _("the server sent a %s challenge that is not base64"),
			    sasl_mech_name(s->mech));

	/* An empty first challenge to a client-first mechanism asks for the
	 * initial response (it was not sent on the AUTH line). */
	if (s->initial_pending && s->state == ST_STARTED && len == 0) {
		s->initial_pending = false;
		free(data);
		*response = initial_response(s);
		return 0;
	}
	s->initial_pending = false;

	if (memchr(data != NULL ? (const char *)data : "", '\0', len) != NULL &&
	    !sasl_mech_is_oauth(s->mech)) {
		rc = fail(s, ERR_PERM, response, err,
			  _("the server sent a %s challenge containing NUL bytes"),
			  sasl_mech_name(s->mech));
		goto out;
	}

	switch (s->mech) {
	case SASL_MECH_SCRAM_SHA_256:
	case SASL_MECH_SCRAM_SHA_1:
		if (s->state == ST_STARTED)
			rc = scram_server_first(s, (const char *)data, len, response, err);
		else if (s->state == ST_SCRAM_FINAL_SENT)
			rc = scram_server_final(s, (const char *)data, len, response, err);
		else
			rc = unexpected(s, response, err);
		break;
	case SASL_MECH_CRAM_MD5:
		if (s->state == ST_STARTED && len > 0) {
			unsigned char mac[16];
			char hex[33];
			struct buf b = BUF_INIT;

			if (gnutls_hmac_fast(GNUTLS_MAC_MD5, s->secret, strlen(s->secret),
					     data, len, mac) < 0) {
				rc = fail(s, ERR_INTERNAL, response, err,
					  _("GnuTLS could not compute HMAC-MD5"));
				break;
			}
			hex_encode(mac, sizeof mac, hex);
			buf_printf(&b, "%s %s", s->user, hex);
			*response = encode_secret_buf(&b);
			wipe(mac, sizeof mac);
			wipe(hex, sizeof hex);
			s->state = ST_SENT;
		} else if (s->state == ST_STARTED) {
			rc = scram_malformed(s, response, err, _("empty challenge"));
		} else {
			rc = unexpected(s, response, err);
		}
		break;
	case SASL_MECH_XOAUTH2:
	case SASL_MECH_OAUTHBEARER:
		/* Any challenge after the initial response is an error report. */
		rc = oauth_error(s, (const char *)data, len, response, err);
		break;
	case SASL_MECH_PLAIN:
	case SASL_MECH_LOGIN:
	case SASL_MECH_APOP:
	case SASL_MECH_USER:
		rc = unexpected(s, response, err);
		break;
	}
out:
	free(data);
	return rc;
}

int sasl_finish(struct sasl *s, struct error **err)
{
	switch (s->state) {
	case ST_NEW:
		return error_set(err, ERR_INTERNAL,
				 _("the server reported success before authentication began"));
	case ST_FAILED:
		return error_set(err, s->fail_kind, "%s", s->fail_msg);
	case ST_STARTED:
	case ST_SCRAM_FINAL_SENT:
		if (is_scram(s->mech))
			return error_set(err, ERR_PERM,
					 _("the server could not prove it knows the password: it "
					   "reported success without a valid %s signature; someone may "
					   "be impersonating it"),
					 sasl_mech_name(s->mech));
		return 0;
	case ST_SCRAM_VERIFIED:
	case ST_LOGIN_USER_SENT:
	case ST_SENT:
		return 0;
	}
	return error_set(err, ERR_INTERNAL, "sasl_finish: bad state");
}

int sasl_rejected(const struct sasl *s, const char *server_words,
		  bool temporary, struct error **err)
{
	struct error *e = NULL;

	if (s->fail_msg != NULL)
		error_set(&e, s->fail_kind, "%s", s->fail_msg);
	else if (sasl_mech_is_oauth(s->mech))
		error_set(&e, temporary ? ERR_TEMP : ERR_PERM,
			  _("the server refused the OAuth token for \"%s\" (%s); it may have "
			    "expired: check what password-command prints"),
			  s->user, sasl_mech_name(s->mech));
	else
		error_set(&e, temporary ? ERR_TEMP : ERR_PERM,
			  _("the server refused the %s login as \"%s\": wrong user name or password?"),
			  sasl_mech_name(s->mech), s->user);
	if (server_words != NULL)
		error_set_detail(e, server_words);
	if (err != NULL && *err == NULL)
		*err = e;
	else
		error_free(&e);
	return -1;
}

/* ---- APOP ---- */

bool apop_timestamp(const char *greeting, size_t n, const char **ts, size_t *tslen)
{
	const char *end = greeting + n;

	for (const char *p = greeting; p < end; p++) {
		const char *q;
		bool at = false, ok = true;

		if (*p != '<')
			continue;
		for (q = p + 1; q < end && *q != '>'; q++) {
			if (*q < 0x21 || *q > 0x7e || *q == '<') {
				ok = false;
				break;
			}
			if (*q == '@')
				at = true;
		}
		if (!ok || q >= end)
			continue;
		if (!at || (size_t)(q + 1 - p) > APOP_TIMESTAMP_MAX)
			continue;
		*ts = p;
		*tslen = (size_t)(q + 1 - p);
		return true;
	}
	return false;
}

int apop_digest(const char *greeting, size_t n, const char *password,
		char out[APOP_DIGEST_LEN + 1], struct error **err)
{
	const char *ts;
	size_t tslen;
	gnutls_hash_hd_t h;
	unsigned char md[16];

	out[0] = '\0';
	if (!apop_timestamp(greeting, n, &ts, &tslen))
		return error_set(err, ERR_PERM,
				 _("the server's greeting has no valid APOP timestamp"));
	if (gnutls_hash_init(&h, GNUTLS_DIG_MD5) < 0)
		return error_set(err, ERR_INTERNAL, _("GnuTLS could not compute MD5"));
	if (gnutls_hash(h, ts, tslen) < 0 ||
	    gnutls_hash(h, password, strlen(password)) < 0) {
		gnutls_hash_deinit(h, md);
		wipe(md, sizeof md);
		return error_set(err, ERR_INTERNAL, _("GnuTLS could not compute MD5"));
	}
	gnutls_hash_deinit(h, md);
	hex_encode(md, sizeof md, out);
	wipe(md, sizeof md);
	return 0;
}
