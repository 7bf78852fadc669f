/* tls.h - TLS client sessions; all of GnuTLS lives behind this header.
 *
 * A TLS session is a transport over another transport (usually a socket),
 * so the stream above it reads and writes the same way with or without
 * TLS.  The handshake runs under the caller's timeout, sends SNI, insists
 * on TLS 1.2 or newer, and checks the certificate:
 *   - with a pin (tls-fingerprint), only the pin decides: the SHA-256 of
 *     the server's certificate must equal it, and nothing else is checked;
 *   - otherwise the chain must lead to the system trust store (or to the
 *     certificates in tls-ca-file, which then replace it), and the
 *     certificate must be valid now and name the host (DNS names, or IP
 *     addresses when the host is an IP literal).
 * A rejected certificate is an ERR_PERM error that says what was wrong
 * (expired, not yet valid, wrong host with the names the certificate does
 * hold, unknown issuer, revoked, insecure algorithm) and how to pin the
 * certificate: "tls-fingerprint = sha256:AB:CD:...". */
#ifndef PETREL_TLS_H
#define PETREL_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "transport.h"

#define TLS_FINGERPRINT_LEN 32
/* "sha256:" and 32 colon-separated hex bytes, with its NUL. */
#define TLS_FINGERPRINT_STRLEN (7 + TLS_FINGERPRINT_LEN * 3)

struct tls_params {
	const char *host;	/* the name to verify and send as SNI (an IP
				 * literal is verified against IP SANs and not
				 * sent as SNI); required */
	const char *ca_file;	/* PEM trust anchors replacing the system
				 * store; NULL: the system store */
	bool has_fingerprint;
	unsigned char fingerprint[TLS_FINGERPRINT_LEN];	/* SHA-256 pin */
};

enum tls_mode {
	TLS_IMPLICIT,	/* TLS from the first byte (ports 995, 465) */
	TLS_STARTTLS,	/* after a STARTTLS/STLS go-ahead: a first byte that
			 * is not TLS is reported as response injection */
};

/* Starts a TLS client session over lower and completes the handshake
 * and the certificate check, every read or write of it failing after
 * timeout_ms without progress (< 0: never).  On success the returned
 * transport owns lower.  On failure returns NULL with *err set (ERR_PERM
 * for certificate and protocol-version problems, ERR_TEMP for network
 * ones, ERR_CONFIG for an unreadable tls-ca-file) and lower still belongs
 * to the caller (the connection is then of no further use). */
struct transport *tls_transport_new(struct transport *lower, const struct tls_params *p,
				    enum tls_mode mode, int timeout_ms,
				    struct error **err);

/* The TLS session in a transport stack (t or a transport under it), or
 * NULL when the connection is not encrypted. */
struct transport *tls_transport_find(struct transport *t);

/* The SHA-256 of the server's certificate.  t must come from
 * tls_transport_find(). */
void tls_peer_fingerprint(struct transport *t, unsigned char out[TLS_FINGERPRINT_LEN]);

/* One line for logs: "TLS1.3, AES-256-GCM, ..." (allocated).  t must come
 * from tls_transport_find(). */
char *tls_describe(struct transport *t);

/* Formats a fingerprint as the config file writes it:
 * "sha256:AB:CD:..." (uppercase, colon-separated). */
void tls_format_fingerprint(const unsigned char fp[TLS_FINGERPRINT_LEN],
			    char out[TLS_FINGERPRINT_STRLEN]);

#endif
