/* tls.c - TLS client sessions over any transport, with GnuTLS.
 *
 * GnuTLS reads and writes through push/pull callbacks into the lower
 * transport, so the caller's timeout applies to the handshake and to
 * every record, and TLS works over the test transports as well as over
 * sockets.  The certificate is checked by hand after the handshake, so
 * that a rejection can say exactly what was wrong. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "buf.h"
#include "i18n.h"
#include "tls.h"

/* TLS 1.2 at least, on top of the system's default priorities. */
#define TLS_PRIORITY_APPEND "-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* Names listed from a certificate in a wrong-host message. */
#define TLS_MAX_NAMES_SHOWN 8

struct tls_transport {
	struct transport base;
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;
	int io_timeout;			/* for the push/pull callbacks */
	struct error *lower_err;	/* what the lower transport reported */
	bool lower_eof;
	int first_byte;			/* first byte received, or -1 */
	bool healthy;			/* handshake done, no failure since */
	unsigned char fp[TLS_FINGERPRINT_LEN];
};

static const struct transport_ops tls_ops;

/* ---- Callbacks from GnuTLS into the lower transport ---- */

static ssize_t tls_pull(gnutls_transport_ptr_t ptr, void *p, size_t n)
{
	struct tls_transport *t = ptr;
	ssize_t got;

	got = transport_read(t->base.lower, p, n, t->io_timeout, &t->lower_err);
	if (got < 0) {
		gnutls_transport_set_errno(t->session, EIO);
		return -1;
	}
	if (got == 0)
		t->lower_eof = true;
	else if (t->first_byte < 0)
		t->first_byte = *(unsigned char *)p;
	return got;
}

/* The pull callback itself honours the timeout; GnuTLS need not wait. */
static int tls_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	(void)ptr;
	(void)ms;
	return 1;
}

static ssize_t tls_push(gnutls_transport_ptr_t ptr, const void *p, size_t n)
{
	struct tls_transport *t = ptr;

	if (transport_write(t->base.lower, p, n, t->io_timeout, &t->lower_err) < 0) {
		gnutls_transport_set_errno(t->session, EIO);
		return -1;
	}
	return (ssize_t)n;
}

/* ---- Small helpers ---- */

void tls_format_fingerprint(const unsigned char fp[TLS_FINGERPRINT_LEN],
			    char out[TLS_FINGERPRINT_STRLEN])
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = out;

	memcpy(o, "sha256:", 7);
	o += 7;
	for (size_t i = 0; i < TLS_FINGERPRINT_LEN; i++) {
		if (i > 0)
			*o++ = ':';
		*o++ = hex[fp[i] >> 4];
		*o++ = hex[fp[i] & 15];
	}
	*o = '\0';
}

static bool is_ip_literal(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* Appends text from a certificate, with anything but printable ASCII
 * shown as '?': a hostile certificate must not put control bytes in a
 * message. */
static void append_clean(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i] != '\0'; i++)
		buf_putc(b, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
}

static char *format_time(time_t when)
{
	struct tm tm;
	char s[64];

	if (when == (time_t)-1 || gmtime_r(&when, &tm) == NULL ||
	    strftime(s, sizeof s, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		return xstrdup("?");
	return xstrdup(s);
}

/* The DNS names and IP addresses a certificate is for (its common name
 * when it has none), for a wrong-host message. */
static void append_cert_names(struct buf *b, gnutls_x509_crt_t crt)
{
	size_t shown = 0, more = 0;

	for (unsigned i = 0;; i++) {
		char name[256];
		size_t size = sizeof name - 1;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &size, NULL);

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE || i > 1000)
			break;
		if (type == GNUTLS_SAN_DNSNAME || type == GNUTLS_SAN_IPADDRESS) {
			if (shown >= TLS_MAX_NAMES_SHOWN) {
				more++;
				continue;
			}
			if (shown++ > 0)
				buf_puts(b, ", ");
			if (type == GNUTLS_SAN_DNSNAME) {
				append_clean(b, name, size);
			} else {
				char ip[INET6_ADDRSTRLEN];
				int af = size == 4 ? AF_INET : size == 16 ? AF_INET6 : -1;

				if (af < 0 || inet_ntop(af, name, ip, sizeof ip) == NULL)
					buf_puts(b, "?");
				else
					buf_puts(b, ip);
			}
		}
	}
	if (more > 0)
		buf_printf(b, _(" and %zu more"), more);
	if (shown == 0) {
		char cn[256];
		size_t size = sizeof cn - 1;

		if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
						  cn, &size) == 0) {
			append_clean(b, cn, size);
		} else {
			buf_puts(b, _("no name at all"));
		}
	}
}

static void append_issuer(struct buf *b, gnutls_x509_crt_t crt)
{
	gnutls_datum_t dn = { NULL, 0 };

	if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) == 0 && dn.data != NULL)
		append_clean(b, (const char *)dn.data, dn.size);
	else
		buf_puts(b, "?");
	gnutls_free(dn.data);
}

static void add_reason(struct buf *b, const char *text)
{
	if (b->len > 0)
		buf_puts(b, "; ");
	buf_puts(b, text);
}

/* Explains a verification status; the certificate itself is crt. */
static void explain_status(struct buf *why, unsigned status, gnutls_x509_crt_t crt,
			   const struct tls_params *p)
{
	struct buf part = BUF_INIT;

	if (status & GNUTLS_CERT_EXPIRED) {
		time_t exp = gnutls_x509_crt_get_expiration_time(crt);
		char *when = format_time(exp);

		if (exp != (time_t)-1 && exp < time(NULL))
			buf_printf(&part, _("it expired on %s"), when);
		else
			buf_puts(&part, _("a certificate in its chain has expired"));
		free(when);
		add_reason(why, buf_cstr(&part));
		buf_reset(&part);
	}
	if (status & GNUTLS_CERT_NOT_ACTIVATED) {
		time_t act = gnutls_x509_crt_get_activation_time(crt);
		char *when = format_time(act);

		buf_printf(&part, _("it is not valid yet (not before %s; is the clock right?)"),
			   when);
		free(when);
		add_reason(why, buf_cstr(&part));
		buf_reset(&part);
	}
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER) {
		buf_printf(&part, _("it is for "));
		append_cert_names(&part, crt);
		buf_printf(&part, _(", not for %s"), p->host);
		add_reason(why, buf_cstr(&part));
		buf_reset(&part);
	}
	if (status & GNUTLS_CERT_SIGNER_NOT_FOUND) {
		int self = gnutls_x509_crt_check_issuer(crt, crt);

		if (self)
			buf_puts(&part, _("it is self-signed"));
		else {
			buf_puts(&part, _("it was issued by "));
			append_issuer(&part, crt);
		}
		if (p->ca_file != NULL)
			buf_printf(&part, _(", which is not among the authorities in %s"),
				   p->ca_file);
		else
			buf_puts(&part, _(", which is not a certificate authority the "
					  "system trusts (unknown issuer)"));
		add_reason(why, buf_cstr(&part));
		buf_reset(&part);
	}
	if (status & GNUTLS_CERT_SIGNER_NOT_CA)
		add_reason(why, _("its issuer is not allowed to issue certificates"));
	if (status & GNUTLS_CERT_REVOKED)
		add_reason(why, _("it has been revoked"));
	if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		add_reason(why, _("it is signed with an insecure algorithm"));
	if (status & GNUTLS_CERT_SIGNATURE_FAILURE)
		add_reason(why, _("its signature is not valid"));
	if (why->len == 0) {
		gnutls_datum_t text = { NULL, 0 };

		if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
								 &text, 0) == 0)
			append_clean(why, (const char *)text.data, text.size);
		else
			buf_puts(why, _("it failed verification"));
		gnutls_free(text.data);
	}
	buf_free(&part);
}

/* Checks the server's certificate as the params say.  Returns 0 when it
 * is accepted, else -1 with an ERR_PERM error. */
static int check_certificate(struct tls_transport *t, const struct tls_params *p,
			     struct error **err)
{
	const gnutls_datum_t *certs;
	unsigned ncerts = 0, status = 0;
	char fp[TLS_FINGERPRINT_STRLEN];
	gnutls_typed_vdata_st vdata;
	gnutls_x509_crt_t crt;
	struct buf why = BUF_INIT;
	int rc;

	certs = gnutls_certificate_get_peers(t->session, &ncerts);
	if (certs == NULL || ncerts == 0)
		return error_set(err, ERR_PERM, _("%s: the server sent no certificate"),
				 t->base.peer);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size, t->fp) < 0)
		return error_set(err, ERR_INTERNAL, _("%s: cannot hash the certificate"),
				 t->base.peer);
	tls_format_fingerprint(t->fp, fp);
	if (p->has_fingerprint) {
		char want[TLS_FINGERPRINT_STRLEN];

		if (memcmp(t->fp, p->fingerprint, TLS_FINGERPRINT_LEN) == 0)
			return 0;
		tls_format_fingerprint(p->fingerprint, want);
		return error_set(err, ERR_PERM,
				 _("%s: the server's certificate does not match the pinned "
				   "fingerprint: tls-fingerprint is %s but the server's is %s. "
				   "If the server changed its certificate and you trust the "
				   "new one, pin it: tls-fingerprint = %s"),
				 t->base.peer, want, fp, fp);
	}

	memset(&vdata, 0, sizeof vdata);
	vdata.type = GNUTLS_DT_DNS_HOSTNAME;
	vdata.data = (unsigned char *)p->host;
	rc = gnutls_certificate_verify_peers(t->session, &vdata, 1, &status);
	if (rc < 0)
		return error_set(err, ERR_PERM,
				 _("%s: the server's certificate cannot be verified: %s. "
				   "To trust this certificate anyway, pin it: "
				   "tls-fingerprint = %s"),
				 t->base.peer, gnutls_strerror(rc), fp);
	if (status == 0)
		return 0;
	if (gnutls_x509_crt_init(&crt) < 0)
		return error_set(err, ERR_INTERNAL, "out of memory");
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
		/* Verification would have said so; keep the message useful. */
		buf_puts(&why, _("it cannot be parsed"));
	} else {
		explain_status(&why, status, crt, p);
	}
	gnutls_x509_crt_deinit(crt);
	error_set(err, ERR_PERM,
		  _("%s: the server's certificate was rejected: %s. If you are sure "
		    "this is the right server, pin its certificate in the account "
		    "settings: tls-fingerprint = %s"),
		  t->base.peer, buf_cstr(&why), fp);
	buf_free(&why);
	return -1;
}

/* Turns a failed GnuTLS call into an error; `during` says what failed. */
static int tls_fail(struct tls_transport *t, int rc, enum tls_mode mode,
		    bool handshake, struct error **err)
{
	const char *peer = t->base.peer;

	t->healthy = false;
	if (handshake && t->first_byte >= 0 && (t->first_byte < 20 || t->first_byte > 23)) {
		error_free(&t->lower_err);
		if (mode == TLS_STARTTLS)
			return error_set(err, ERR_PERM,
					 _("%s: the server sent plain text where the TLS "
					   "handshake should have begun; this is how a "
					   "response injection attack (CVE-2020-14954) "
					   "works, so the connection was abandoned"), peer);
		return error_set(err, ERR_PERM,
				 _("%s: the server does not speak TLS on this port (it "
				   "answered in plain text); check the port and the "
				   "TLS setting (implicit, starttls or none)"), peer);
	}
	if (t->lower_err != NULL) {
		if (err != NULL && *err == NULL) {
			*err = t->lower_err;
			t->lower_err = NULL;
		} else {
			error_free(&t->lower_err);
		}
		return -1;
	}
	if (handshake && (t->lower_eof || rc == GNUTLS_E_PREMATURE_TERMINATION))
		return error_set(err, ERR_TEMP,
				 _("%s: the server closed the connection during the TLS "
				   "handshake"), peer);
	if (rc == GNUTLS_E_UNSUPPORTED_VERSION_PACKET ||
	    (rc == GNUTLS_E_FATAL_ALERT_RECEIVED &&
	     gnutls_alert_get(t->session) == GNUTLS_A_PROTOCOL_VERSION))
		return error_set(err, ERR_PERM,
				 _("%s: the server offers only TLS versions older than "
				   "1.2, which are not safe; the connection was refused (%s)"),
				 peer, gnutls_strerror(rc));
	if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED)
		return error_set(err, handshake ? ERR_PERM : ERR_TEMP,
				 _("%s: the server ended the TLS session with the alert "
				   "\"%s\""), peer, gnutls_alert_get_name(gnutls_alert_get(t->session)));
	return error_set(err, handshake ? ERR_PERM : ERR_TEMP,
			 handshake ? _("%s: the TLS handshake failed: %s")
				   : _("%s: TLS error: %s"),
			 peer, gnutls_strerror(rc));
}

/* ---- The transport ---- */

static ssize_t tls_read(struct transport *tt, void *p, size_t n, int timeout_ms,
			struct error **err)
{
	struct tls_transport *t = (struct tls_transport *)tt;

	t->io_timeout = timeout_ms;
	for (int tries = 0;; tries++) {
		ssize_t rc = gnutls_record_recv(t->session, p, n);

		if (rc >= 0)
			return rc;
		if ((rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED ||
		     rc == GNUTLS_E_REHANDSHAKE) && tries < 100)
			continue;
		if (t->lower_err == NULL &&
		    (rc == GNUTLS_E_PREMATURE_TERMINATION || t->lower_eof)) {
			/* Closed without close_notify, perhaps inside a
			 * record; the protocol above notices when that cuts
			 * a reply short. */
			return 0;
		}
		return tls_fail(t, (int)rc, TLS_IMPLICIT, false, err);
	}
}

static int tls_write(struct transport *tt, const void *p, size_t n, int timeout_ms,
		     struct error **err)
{
	struct tls_transport *t = (struct tls_transport *)tt;
	const char *c = p;
	int again = 0;

	t->io_timeout = timeout_ms;
	while (n > 0) {
		ssize_t rc = gnutls_record_send(t->session, c, n);

		if (rc > 0) {
			c += rc;
			n -= (size_t)rc;
			continue;
		}
		if ((rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) && again++ < 100)
			continue;
		return tls_fail(t, (int)rc, TLS_IMPLICIT, false, err);
	}
	return 0;
}

static bool tls_pending(struct transport *tt)
{
	struct tls_transport *t = (struct tls_transport *)tt;

	return gnutls_record_check_pending(t->session) > 0 ||
	       transport_pending(tt->lower);
}

/* Frees the session.  From tls_destroy() (through transport_free(),
 * which frees the peer name itself) the lower transport goes too; after
 * a failed start it stays with the caller. */
static void tls_release(struct tls_transport *t, bool from_destroy)
{
	if (t->session != NULL) {
		if (t->healthy) {
			/* A close_notify, if it can go out at once. */
			t->io_timeout = 0;
			(void)gnutls_bye(t->session, GNUTLS_SHUT_WR);
		}
		gnutls_deinit(t->session);
	}
	if (t->cred != NULL)
		gnutls_certificate_free_credentials(t->cred);
	error_free(&t->lower_err);
	if (from_destroy)
		transport_free(&t->base.lower);
	else
		free(t->base.peer);
	free(t);
}

static void tls_destroy(struct transport *tt)
{
	tls_release((struct tls_transport *)tt, true);
}

static const struct transport_ops tls_ops = {
	.kind = "tls",
	.read = tls_read,
	.write = tls_write,
	.pending = tls_pending,
	.destroy = tls_destroy,
};

static int load_trust(struct tls_transport *t, const struct tls_params *p,
		      struct error **err)
{
	int rc;

	if (gnutls_certificate_allocate_credentials(&t->cred) < 0)
		return error_set(err, ERR_INTERNAL, "out of memory");
	if (p->ca_file != NULL) {
		rc = gnutls_certificate_set_x509_trust_file(t->cred, p->ca_file,
							    GNUTLS_X509_FMT_PEM);
		if (rc < 0)
			return error_set(err, ERR_CONFIG, _("cannot load tls-ca-file %s: %s"),
					 p->ca_file, gnutls_strerror(rc));
		if (rc == 0)
			return error_set(err, ERR_CONFIG,
					 _("tls-ca-file %s holds no PEM certificate"),
					 p->ca_file);
	} else if (!p->has_fingerprint) {
		rc = gnutls_certificate_set_x509_system_trust(t->cred);
		if (rc <= 0)
			return error_set(err, ERR_CONFIG,
					 _("no system trust store was found (%s); set "
					   "tls-ca-file or tls-fingerprint"),
					 rc < 0 ? gnutls_strerror(rc) : _("it is empty"));
	}
	return 0;
}

struct transport *tls_transport_new(struct transport *lower, const struct tls_params *p,
				    enum tls_mode mode, int timeout_ms,
				    struct error **err)
{
	struct tls_transport *t;
	const char *errpos = NULL;
	int rc;

	if (p == NULL || p->host == NULL || *p->host == '\0')
		fatal("tls_transport_new: no host");
	t = xcalloc(1, sizeof *t);
	transport_init(&t->base, &tls_ops, lower->peer, lower);
	t->first_byte = -1;
	t->io_timeout = timeout_ms;
	if (load_trust(t, p, err) < 0)
		goto fail;
	if (gnutls_init(&t->session, GNUTLS_CLIENT) < 0) {
		error_set(err, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	rc = gnutls_set_default_priority_append(t->session, TLS_PRIORITY_APPEND, &errpos, 0);
	if (rc < 0) {
		error_set(err, ERR_INTERNAL, "TLS priorities: %s", gnutls_strerror(rc));
		goto fail;
	}
	rc = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (rc < 0) {
		error_set(err, ERR_INTERNAL, "TLS credentials: %s", gnutls_strerror(rc));
		goto fail;
	}
	if (!is_ip_literal(p->host))
		(void)gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, p->host,
					     strlen(p->host));
	gnutls_transport_set_ptr(t->session, t);
	gnutls_transport_set_pull_function(t->session, tls_pull);
	gnutls_transport_set_pull_timeout_function(t->session, tls_pull_timeout);
	gnutls_transport_set_push_function(t->session, tls_push);
	gnutls_handshake_set_timeout(t->session, GNUTLS_INDEFINITE_TIMEOUT);

	for (int tries = 0;; tries++) {
		rc = gnutls_handshake(t->session);
		if (rc == 0)
			break;
		if (gnutls_error_is_fatal(rc) == 0 && tries < 100)
			continue;
		tls_fail(t, rc, mode, true, err);
		goto fail;
	}
	t->healthy = true;
	if (check_certificate(t, p, err) < 0) {
		t->healthy = false;
		goto fail;
	}
	return &t->base;
fail:
	tls_release(t, false);
	return NULL;
}

struct transport *tls_transport_find(struct transport *t)
{
	return transport_find(t, &tls_ops);
}

void tls_peer_fingerprint(struct transport *t, unsigned char out[TLS_FINGERPRINT_LEN])
{
	memcpy(out, ((struct tls_transport *)t)->fp, TLS_FINGERPRINT_LEN);
}

char *tls_describe(struct transport *tt)
{
	struct tls_transport *t = (struct tls_transport *)tt;
	char *desc = gnutls_session_get_desc(t->session), *s;

	s = xstrdup(desc != NULL ? desc : "TLS");
	gnutls_free(desc);
	return s;
}
