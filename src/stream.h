/* stream.h - one buffered line stream over any transport, shared by POP3
 * and SMTP.
 *
 * The protocol code reads lines and writes commands through this and
 * never asks whether TLS is on: stream_start_tls() swaps the transport
 * underneath in place.  Reading is bounded: a line longer than line_max is
 * an error for stream_read_line(), and stream_read_piece() hands such
 * lines out in pieces of at most line_max bytes, so a 10 MB line in a
 * message body costs line_max bytes of memory.  Lines may end in CRLF or a
 * bare LF; stream_last_eol() tells which.  Writes collect in an output
 * buffer and go out in one send() at stream_flush(), so a pipelined batch
 * of commands is one packet.
 *
 * Any failure (network, timeout, a line too long, the peer closing) is
 * sticky: the stream is finished and every later call fails with the same
 * sentence.  Timeouts are "without progress" (see transport.h). */
#ifndef PETREL_STREAM_H
#define PETREL_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "tls.h"
#include "transport.h"

#define STREAM_DEFAULT_LINE_MAX	(64u * 1024)
#define STREAM_MIN_LINE_MAX	2u
#define STREAM_MAX_LINE_MAX	(64u * 1024 * 1024)
#define STREAM_READ_CHUNK	(16u * 1024)
#define STREAM_DEFAULT_OUT_MAX	(64u * 1024)

struct stream_params {
	size_t line_max;	/* longest line accepted, not counting its end;
				 * 0: STREAM_DEFAULT_LINE_MAX; clamped to
				 * STREAM_MIN_LINE_MAX..STREAM_MAX_LINE_MAX */
	int timeout_ms;		/* each read or write without progress fails
				 * after this; <= 0: wait forever */
	size_t out_max;		/* output buffered before an automatic flush;
				 * 0: STREAM_DEFAULT_OUT_MAX */
};

enum stream_eol {
	STREAM_EOL_NONE,	/* no line end (a piece that is not the last) */
	STREAM_EOL_LF,		/* a bare "\n" */
	STREAM_EOL_CRLF,	/* "\r\n" */
};

struct stream;

/* A stream over t, which it owns from now on.  p may be NULL (defaults). */
struct stream *stream_new(struct transport *t, const struct stream_params *p);
/* Connects (net.h) with p->timeout_ms and, when tls is non-NULL, starts
 * implicit TLS (tls.h) before returning the stream.  NULL with *err set
 * on failure. */
struct stream *stream_connect(const char *host, unsigned port,
			      const struct stream_params *p,
			      const struct tls_params *tls, struct error **err);
/* Frees the stream and its transport (sending nothing that is still in
 * the output buffer) and NULLs *s. */
void stream_free(struct stream **s);

/* Reads one line.  On success returns 0 and points *line at the line
 * without its end, NUL-terminated (it may also hold NULs: use *len),
 * valid until the next call on s.  Fails (-1, *err set) on a line over
 * line_max (ERR_PERM), when the peer closes the connection (ERR_TEMP; a
 * close at a line boundary also makes stream_eof() true), on a timeout or
 * a network error (ERR_TEMP). */
int stream_read_line(struct stream *s, const char **line, size_t *len,
		     struct error **err);
/* Like stream_read_line(), but a line longer than line_max is not an
 * error: it comes out in pieces of at most line_max bytes.  *line_end is
 * true on a line's last piece (its end removed, the piece NUL-terminated)
 * and false on earlier ones (not NUL-terminated).  A line of at most
 * line_max bytes always comes out whole, in one piece. */
int stream_read_piece(struct stream *s, const char **piece, size_t *len,
		      bool *line_end, struct error **err);
/* How the last line read ended. */
enum stream_eol stream_last_eol(const struct stream *s);
/* True when the stream failed because the peer closed the connection
 * between two lines. */
bool stream_eof(const struct stream *s);
/* Bytes received and not yet handed out. */
size_t stream_buffered(const struct stream *s);
/* Changes the longest line accepted from now on (0: the default). */
void stream_set_line_max(struct stream *s, size_t line_max);

/* Queues n bytes for sending; when more than out_max bytes are queued
 * they are sent at once.  0, or -1 with *err set. */
int stream_write(struct stream *s, const void *p, size_t n, struct error **err);
int stream_puts(struct stream *s, const char *str, struct error **err);
int stream_printf(struct stream *s, struct error **err, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
/* Sends everything queued, in as few writes as the transport allows. */
int stream_flush(struct stream *s, struct error **err);
/* Bytes queued and not yet sent. */
size_t stream_unflushed(const struct stream *s);

/* Upgrades the connection to TLS in place, after the server's go-ahead
 * to STARTTLS/STLS was read.  Refuses (ERR_PERM, the stream is finished)
 * when any byte from the server is buffered or already waiting: a server
 * says nothing between its go-ahead and the handshake, so such bytes were
 * injected by someone on the path (CVE-2020-14954).  Output still queued
 * is a programmer error (ERR_INTERNAL).  Then as tls_transport_new(). */
int stream_start_tls(struct stream *s, const struct tls_params *p, struct error **err);
/* True when the connection is encrypted (for the rule that credentials
 * never go out in plain text). */
bool stream_tls_active(const struct stream *s);
/* One line for logs: the TLS session ("(TLS1.3)-(ECDHE-...)-...") or
 * "plain text"; allocated. */
char *stream_describe(const struct stream *s);

/* Bytes received from and sent to the peer (after TLS: payload bytes),
 * for progress bars. */
uint64_t stream_bytes_in(const struct stream *s);
uint64_t stream_bytes_out(const struct stream *s);

/* The timeout for later operations (<= 0: wait forever). */
void stream_set_timeout(struct stream *s, int timeout_ms);
/* The transport on top of the stack (for tests and for tls.h queries). */
struct transport *stream_transport(struct stream *s);
/* "host:port", for messages. */
const char *stream_peer(const struct stream *s);

#endif
