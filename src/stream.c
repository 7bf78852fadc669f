/* stream.c - the buffered line stream over a transport.
 *
 * The read buffer holds at most line_max + 2 bytes of an unfinished line
 * plus one read's worth (STREAM_READ_CHUNK), whatever the peer sends. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "i18n.h"
#include "net.h"
#include "stream.h"

struct stream {
	struct transport *t;
	int timeout_ms;			/* < 0: forever */
	size_t line_max;
	size_t out_max;

	char *rbuf;
	size_t rcap;
	size_t rpos;			/* first byte not handed out */
	size_t rlen;			/* end of the bytes received */
	size_t scanned;			/* bytes after rpos known to hold no '\n' */
	enum stream_eol eol;

	struct buf out;

	struct error *failed;		/* sticky: the error that ended the stream */
	bool eof;
	uint64_t bytes_in, bytes_out;
};

static size_t clamp_line_max(size_t line_max)
{
	if (line_max == 0)
		return STREAM_DEFAULT_LINE_MAX;
	if (line_max < STREAM_MIN_LINE_MAX)
		return STREAM_MIN_LINE_MAX;
	return line_max > STREAM_MAX_LINE_MAX ? STREAM_MAX_LINE_MAX : line_max;
}

struct stream *stream_new(struct transport *t, const struct stream_params *p)
{
	struct stream *s = xcalloc(1, sizeof *s);

	s->t = t;
	s->timeout_ms = p != NULL && p->timeout_ms > 0 ? p->timeout_ms : -1;
	s->line_max = clamp_line_max(p != NULL ? p->line_max : 0);
	s->out_max = p != NULL && p->out_max > 0 ? p->out_max : STREAM_DEFAULT_OUT_MAX;
	s->rcap = s->line_max + 2 + STREAM_READ_CHUNK;
	s->rbuf = xmalloc(s->rcap);
	buf_init(&s->out, 0);
	return s;
}

struct stream *stream_connect(const char *host, unsigned port,
			      const struct stream_params *p,
			      const struct tls_params *tls, struct error **err)
{
	struct net_params np = { p != NULL ? p->timeout_ms : 0, 0 };
	struct transport *t = net_open(host, port, &np, err), *secure;

	if (t == NULL)
		return NULL;
	if (tls != NULL) {
		secure = tls_transport_new(t, tls, TLS_IMPLICIT,
					   np.timeout_ms > 0 ? np.timeout_ms : -1, err);
		if (secure == NULL) {
			transport_free(&t);
			return NULL;
		}
		t = secure;
	}
	return stream_new(t, p);
}

void stream_free(struct stream **sp)
{
	struct stream *s;

	if (sp == NULL || *sp == NULL)
		return;
	s = *sp;
	transport_free(&s->t);
	free(s->rbuf);
	buf_free(&s->out);
	error_free(&s->failed);
	free(s);
	*sp = NULL;
}

/* Ends the stream with e (taking it), and hands a copy to the caller. */
static int stream_fail(struct stream *s, struct error *e, struct error **err)
{
	if (s->failed == NULL) {
		s->failed = e;
	} else {
		error_free(&e);
	}
	if (err != NULL && *err == NULL) {
		error_set(err, s->failed->kind, "%s", s->failed->msg);
		if (s->failed->detail != NULL)
			error_set_detail(*err, s->failed->detail);
	}
	return -1;
}

/* Reads more bytes into the buffer: 0, or -1 (the stream has failed). */
static int fill(struct stream *s, struct error **err)
{
	size_t avail = s->rlen - s->rpos;
	struct error *e = NULL;
	ssize_t got;

	if (s->rpos > 0 && s->rcap - s->rlen < STREAM_READ_CHUNK) {
		memmove(s->rbuf, s->rbuf + s->rpos, avail);
		s->rpos = 0;
		s->rlen = avail;
	}
	got = transport_read(s->t, s->rbuf + s->rlen, s->rcap - s->rlen, s->timeout_ms, &e);
	if (got < 0) {
		if (e == NULL)
			error_set(&e, ERR_INTERNAL, "%s: read failed", s->t->peer);
		return stream_fail(s, e, err);
	}
	if (got == 0) {
		if (avail == 0) {
			s->eof = true;
			error_set(&e, ERR_TEMP, _("%s: the server closed the connection"),
				  s->t->peer);
		} else {
			error_set(&e, ERR_TEMP,
				  _("%s: the server closed the connection in the middle "
				    "of a line"), s->t->peer);
		}
		return stream_fail(s, e, err);
	}
	s->rlen += (size_t)got;
	s->bytes_in += (uint64_t)got;
	return 0;
}

/* Hands out a piece of k bytes of an unfinished line. */
static void take_piece(struct stream *s, const char **out, size_t *len, bool *line_end)
{
	char *start = s->rbuf + s->rpos;
	size_t k = s->line_max;

	/* A '\r' at the cut may be the start of the line end: keep it. */
	if (start[k - 1] == '\r')
		k--;
	*out = start;
	*len = k;
	*line_end = false;
	s->eol = STREAM_EOL_NONE;
	s->rpos += k;
	s->scanned = 0;
}

static int next_line(struct stream *s, bool pieces, const char **out, size_t *len,
		     bool *line_end, struct error **err)
{
	struct error *e = NULL;

	if (s->failed != NULL)
		return stream_fail(s, NULL, err);
	for (;;) {
		char *start = s->rbuf + s->rpos;
		size_t avail = s->rlen - s->rpos;
		char *nl = memchr(start + s->scanned, '\n', avail - s->scanned);

		if (nl != NULL) {
			size_t n = (size_t)(nl - start);
			enum stream_eol eol = STREAM_EOL_LF;

			if (n > 0 && start[n - 1] == '\r') {
				n--;
				eol = STREAM_EOL_CRLF;
			}
			if (n > s->line_max) {
				if (pieces) {
					take_piece(s, out, len, line_end);
					return 0;
				}
				break;
			}
			start[n] = '\0';
			*out = start;
			*len = n;
			*line_end = true;
			s->eol = eol;
			s->rpos += (size_t)(nl - start) + 1;
			s->scanned = 0;
			return 0;
		}
		s->scanned = avail;
		if (avail >= s->line_max + 2) {
			if (pieces) {
				take_piece(s, out, len, line_end);
				return 0;
			}
			break;
		}
		if (fill(s, err) < 0)
			return -1;
	}
	error_set(&e, ERR_PERM, _("%s: the server sent a line longer than %zu bytes"),
		  s->t->peer, s->line_max);
	return stream_fail(s, e, err);
}

int stream_read_line(struct stream *s, const char **line, size_t *len,
		     struct error **err)
{
	bool line_end;

	return next_line(s, false, line, len, &line_end, err);
}

int stream_read_piece(struct stream *s, const char **piece, size_t *len,
		      bool *line_end, struct error **err)
{
	return next_line(s, true, piece, len, line_end, err);
}

enum stream_eol stream_last_eol(const struct stream *s)
{
	return s->eol;
}

bool stream_eof(const struct stream *s)
{
	return s->eof;
}

size_t stream_buffered(const struct stream *s)
{
	return s->rlen - s->rpos;
}

void stream_set_line_max(struct stream *s, size_t line_max)
{
	size_t need;

	s->line_max = clamp_line_max(line_max);
	need = s->line_max + 2 + STREAM_READ_CHUNK;
	if (need > s->rcap) {
		s->rbuf = xrealloc(s->rbuf, need);
		s->rcap = need;
	}
}

/* ---- Writing ---- */

static int send_bytes(struct stream *s, const void *p, size_t n, struct error **err)
{
	struct error *e = NULL;

	if (transport_write(s->t, p, n, s->timeout_ms, &e) < 0) {
		if (e == NULL)
			error_set(&e, ERR_INTERNAL, "%s: write failed", s->t->peer);
		return stream_fail(s, e, err);
	}
	s->bytes_out += n;
	return 0;
}

int stream_flush(struct stream *s, struct error **err)
{
	int rc;

	if (s->failed != NULL)
		return stream_fail(s, NULL, err);
	if (s->out.len == 0)
		return 0;
	rc = send_bytes(s, s->out.data, s->out.len, err);
	buf_reset(&s->out);
	return rc;
}

int stream_write(struct stream *s, const void *p, size_t n, struct error **err)
{
	if (s->failed != NULL)
		return stream_fail(s, NULL, err);
	if (s->out.len + n <= s->out_max) {
		buf_append(&s->out, p, n);
		return 0;
	}
	if (stream_flush(s, err) < 0)
		return -1;
	if (n >= s->out_max)
		return send_bytes(s, p, n, err);
	buf_append(&s->out, p, n);
	return 0;
}

int stream_puts(struct stream *s, const char *str, struct error **err)
{
	return stream_write(s, str, strlen(str), err);
}

int stream_printf(struct stream *s, struct error **err, const char *fmt, ...)
{
	va_list ap;

	if (s->failed != NULL)
		return stream_fail(s, NULL, err);
	va_start(ap, fmt);
	buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	if (s->out.len > s->out_max)
		return stream_flush(s, err);
	return 0;
}

size_t stream_unflushed(const struct stream *s)
{
	return s->out.len;
}

/* ---- TLS ---- */

int stream_start_tls(struct stream *s, const struct tls_params *p, struct error **err)
{
	struct error *e = NULL;
	struct transport *secure;
	size_t early;

	if (s->failed != NULL)
		return stream_fail(s, NULL, err);
	if (s->out.len > 0) {
		error_set(&e, ERR_INTERNAL,
			  "%s: %zu bytes of output still queued when TLS was started",
			  s->t->peer, s->out.len);
		return stream_fail(s, e, err);
	}
	early = s->rlen - s->rpos;
	if (early > 0 || transport_pending(s->t)) {
		if (early > 0)
			error_set(&e, ERR_PERM,
				  _("%s: the server sent %zu more bytes right after agreeing "
				    "to start TLS, before the handshake; this is how a "
				    "response injection attack (CVE-2020-14954) works, so "
				    "the connection was abandoned"), s->t->peer, early);
		else
			error_set(&e, ERR_PERM,
				  _("%s: the server sent more data right after agreeing to "
				    "start TLS, before the handshake; this is how a "
				    "response injection attack (CVE-2020-14954) works, so "
				    "the connection was abandoned"), s->t->peer);
		return stream_fail(s, e, err);
	}
	secure = tls_transport_new(s->t, p, TLS_STARTTLS, s->timeout_ms, &e);
	if (secure == NULL) {
		if (e == NULL)
			error_set(&e, ERR_INTERNAL, "%s: TLS failed", s->t->peer);
		return stream_fail(s, e, err);
	}
	s->t = secure;
	s->rpos = s->rlen = s->scanned = 0;
	return 0;
}

bool stream_tls_active(const struct stream *s)
{
	return tls_transport_find(s->t) != NULL;
}

char *stream_describe(const struct stream *s)
{
	struct transport *tls = tls_transport_find(s->t);

	return tls != NULL ? tls_describe(tls) : xstrdup(_("plain text"));
}

/* ---- Counters and settings ---- */

uint64_t stream_bytes_in(const struct stream *s)
{
	return s->bytes_in;
}

uint64_t stream_bytes_out(const struct stream *s)
{
	return s->bytes_out;
}

void stream_set_timeout(struct stream *s, int timeout_ms)
{
	s->timeout_ms = timeout_ms > 0 ? timeout_ms : -1;
}

struct transport *stream_transport(struct stream *s)
{
	return s->t;
}

const char *stream_peer(const struct stream *s)
{
	return s->t->peer;
}
