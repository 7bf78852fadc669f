/* tls-client.c - a tiny TLS client over tls.h and stream.h for tls.sh.
 *
 * tls-client [--ca FILE] [--pin sha256:AB:...] [--timeout MS] [--cut N]
 *            [--silent 1] HOST PORT
 *
 * Connects to HOST:PORT with implicit TLS, verifying the certificate for
 * HOST, sends one line to the echo server and reads it back (--silent:
 * sends nothing, so the read must time out).  --cut N puts a failure
 * wrapper under TLS that ends the connection after N bytes from the
 * server, to show the TLS layer fails cleanly wherever a cut falls.
 * Prints
 *   OK <the echoed line>
 *   DESC <the session description>
 *   FP <the server's fingerprint, as the config file writes it>
 * and exits 0, or prints "ERROR <kind>: <sentence>" and exits with the
 * error's exit code. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "net.h"
#include "stream.h"
#include "tls.h"
#include "util.h"

static const char *kind_name(enum error_kind k)
{
	switch (k) {
	case ERR_TEMP: return "ERR_TEMP";
	case ERR_PERM: return "ERR_PERM";
	case ERR_CONFIG: return "ERR_CONFIG";
	case ERR_INTERNAL: return "ERR_INTERNAL";
	default: return "ERR_OTHER";
	}
}

/* "sha256:" and 32 hex bytes, colons optional. */
static bool parse_pin(const char *s, unsigned char out[TLS_FINGERPRINT_LEN])
{
	size_t n = 0;

	if (strncmp(s, "sha256:", 7) != 0)
		return false;
	for (s += 7; *s != '\0' && n < TLS_FINGERPRINT_LEN; s++) {
		int hi, lo;

		if (*s == ':')
			continue;
		hi = hex_value((unsigned char)s[0]);
		lo = s[1] != '\0' ? hex_value((unsigned char)s[1]) : -1;
		if (hi < 0 || lo < 0)
			return false;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s++;
	}
	return n == TLS_FINGERPRINT_LEN && *s == '\0';
}

static int usage(void)
{
	fprintf(stderr, "usage: tls-client [--ca FILE] [--pin sha256:...] "
		"[--timeout MS] [--cut N] [--silent 1] HOST PORT\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct tls_params tp;
	struct stream_params sp = { .timeout_ms = 5000 };
	struct stream *s;
	struct error *err = NULL;
	unsigned char fp[TLS_FINGERPRINT_LEN];
	char fps[TLS_FINGERPRINT_STRLEN], *desc;
	const char *line;
	size_t len;
	long cut = -1;
	bool silent = false;
	int i;

	memset(&tp, 0, sizeof tp);
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--ca") == 0)
			tp.ca_file = argv[i + 1];
		else if (strcmp(argv[i], "--pin") == 0) {
			if (!parse_pin(argv[i + 1], tp.fingerprint))
				return usage();
			tp.has_fingerprint = true;
		} else if (strcmp(argv[i], "--timeout") == 0) {
			sp.timeout_ms = atoi(argv[i + 1]);
		} else if (strcmp(argv[i], "--cut") == 0) {
			cut = atol(argv[i + 1]);
		} else if (strcmp(argv[i], "--silent") == 0) {
			silent = atoi(argv[i + 1]) != 0;
		} else {
			return usage();
		}
	}
	if (argc - i != 2)
		return usage();
	tp.host = argv[i];
	if (cut < 0) {
		s = stream_connect(argv[i], (unsigned)atoi(argv[i + 1]), &sp, &tp, &err);
	} else {
		/* The same by hand, with the failure wrapper under TLS. */
		struct net_params np = { sp.timeout_ms, 0 };
		struct fail_params cutp = { .read_mode = FAIL_CUT, .read_at = (uint64_t)cut };
		struct transport *t = net_open(argv[i], (unsigned)atoi(argv[i + 1]), &np, &err);
		struct transport *secure = NULL;

		if (t != NULL) {
			t = fail_transport_new(t, &cutp);
			secure = tls_transport_new(t, &tp, TLS_IMPLICIT, sp.timeout_ms, &err);
			if (secure == NULL)
				transport_free(&t);
		}
		s = secure != NULL ? stream_new(secure, &sp) : NULL;
	}
	if (s != NULL && stream_tls_active(s) &&
	    (silent || (stream_puts(s, "PING petrel\r\n", &err) == 0 &&
			stream_flush(s, &err) == 0)) &&
	    stream_read_line(s, &line, &len, &err) == 0) {
		printf("OK %s\n", line);
		desc = stream_describe(s);
		printf("DESC %s\n", desc);
		free(desc);
		tls_peer_fingerprint(tls_transport_find(stream_transport(s)), fp);
		tls_format_fingerprint(fp, fps);
		printf("FP %s\n", fps);
		printf("IN %llu OUT %llu\n", (unsigned long long)stream_bytes_in(s),
		       (unsigned long long)stream_bytes_out(s));
		stream_free(&s);
		return 0;
	}
	if (err == NULL)
		error_set(&err, ERR_INTERNAL, "no TLS and no error");
	printf("ERROR %s: %s\n", kind_name(err->kind), err->msg);
	i = error_exit_code(err);
	error_free(&err);
	stream_free(&s);
	return i;
}
