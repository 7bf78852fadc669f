/* transport.c - the transport interface, the in-memory transport and the
 * failure-injection wrapper. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "i18n.h"
#include "transport.h"

void transport_init(struct transport *t, const struct transport_ops *ops,
		    const char *peer, struct transport *lower)
{
	t->ops = ops;
	t->peer = xstrdup(peer != NULL ? peer : "?");
	t->lower = lower;
}

void transport_free(struct transport **t)
{
	char *peer;

	if (t == NULL || *t == NULL)
		return;
	peer = (*t)->peer;
	(*t)->ops->destroy(*t);
	free(peer);
	*t = NULL;
}

ssize_t transport_read(struct transport *t, void *p, size_t n, int timeout_ms,
		       struct error **err)
{
	if (n == 0)
		return 0;
	return t->ops->read(t, p, n, timeout_ms, err);
}

int transport_write(struct transport *t, const void *p, size_t n, int timeout_ms,
		    struct error **err)
{
	if (n == 0)
		return 0;
	return t->ops->write(t, p, n, timeout_ms, err);
}

bool transport_pending(struct transport *t)
{
	return t->ops->pending != NULL && t->ops->pending(t);
}

const char *transport_peer(const struct transport *t)
{
	return t->peer;
}

struct transport *transport_find(struct transport *t, const struct transport_ops *ops)
{
	for (; t != NULL; t = t->lower)
		if (t->ops == ops)
			return t;
	return NULL;
}

char *transport_duration(int timeout_ms)
{
	if (timeout_ms < 0)
		timeout_ms = 0;
	if (timeout_ms % 1000 == 0)
		return xasprintf(ngettext("%d second", "%d seconds", timeout_ms / 1000),
				 timeout_ms / 1000);
	return xasprintf(_("%.1f seconds"), timeout_ms / 1000.0);
}

int transport_read_timeout(struct error **err, const char *peer, int timeout_ms)
{
	char *d;

	if (timeout_ms < 0)
		return error_set(err, ERR_TEMP, _("%s: the connection stalled and was "
						  "abandoned"), peer);
	d = transport_duration(timeout_ms);

	error_set(err, ERR_TEMP, _("%s: no data for %s; the connection was abandoned"),
		  peer, d);
	free(d);
	return -1;
}

int transport_write_timeout(struct error **err, const char *peer, int timeout_ms)
{
	char *d;

	if (timeout_ms < 0)
		return error_set(err, ERR_TEMP, _("%s: the connection stalled and was "
						  "abandoned"), peer);
	d = transport_duration(timeout_ms);

	error_set(err, ERR_TEMP,
		  _("%s: could not send for %s (the server reads nothing); "
		    "the connection was abandoned"), peer, d);
	free(d);
	return -1;
}

int64_t transport_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- The in-memory transport ---- */

/* Script bytes from `at` on are held back until the client has sent the
 * first `want` bytes the script expects. */
struct mem_gate {
	size_t at;
	size_t want;
};

struct mem_transport {
	struct transport base;
	struct buf script;	/* the server's bytes */
	size_t pos;		/* how many the client has read */
	size_t chunk;		/* most bytes per read; 0: no limit */
	struct buf written;	/* what the client sent */
	struct buf expect;	/* every byte the script expects, in order */
	size_t matched;		/* of those, how many the client has sent */
	bool strict;		/* expectations exist: writes must match them */
	struct mem_gate *gates;
	size_t ngates, gate;	/* gate: the first one not yet opened */
};

/* Up to 60 bytes, C-escaped, for a message (allocated). */
static char *escape_bytes(const char *p, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n && i < 60; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r')
			buf_puts(&b, "\\r");
		else if (c == '\n')
			buf_puts(&b, "\\n");
		else if (c == '"' || c == '\\')
			buf_printf(&b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(&b, "\\x%02x", c);
		else
			buf_putc(&b, (char)c);
	}
	if (i < n)
		buf_puts(&b, "...");
	return buf_steal(&b, NULL);
}

/* Where the client may read up to now. */
static size_t mem_limit(struct mem_transport *m)
{
	while (m->gate < m->ngates && m->matched >= m->gates[m->gate].want)
		m->gate++;
	return m->gate < m->ngates ? m->gates[m->gate].at : m->script.len;
}

static ssize_t mem_read(struct transport *t, void *p, size_t n, int timeout_ms,
			struct error **err)
{
	struct mem_transport *m = (struct mem_transport *)t;
	size_t left = mem_limit(m) - m->pos;

	(void)timeout_ms;
	if (left == 0 && m->gate < m->ngates) {
		size_t want = m->gates[m->gate].want;
		char *e = escape_bytes(buf_cstr(&m->expect) + m->matched, want - m->matched);

		error_set(err, ERR_INTERNAL,
			  "%s: the client waits for the server, but the script expects "
			  "the client to send \"%s\" first", t->peer, e);
		free(e);
		return -1;
	}
	if (n > left)
		n = left;
	if (m->chunk != 0 && n > m->chunk)
		n = m->chunk;
	if (n > 0)
		memcpy(p, m->script.data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static int mem_write(struct transport *t, const void *p, size_t n, int timeout_ms,
		     struct error **err)
{
	struct mem_transport *m = (struct mem_transport *)t;
	const char *c = p;

	(void)timeout_ms;
	buf_append(&m->written, p, n);
	if (!m->strict)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (m->matched < m->expect.len && m->expect.data[m->matched] == c[i]) {
			m->matched++;
			continue;
		}
		{
			char *got = escape_bytes(c + i, n - i);
			char *want = escape_bytes(buf_cstr(&m->expect) + m->matched,
						  m->expect.len - m->matched);

			error_set(err, ERR_INTERNAL,
				  "%s: the client sent \"%s\" where the script expects \"%s\"",
				  t->peer, got, want);
			free(got);
			free(want);
			return -1;
		}
	}
	return 0;
}

static bool mem_pending(struct transport *t)
{
	struct mem_transport *m = (struct mem_transport *)t;

	return m->pos < mem_limit(m);
}

static void mem_destroy(struct transport *t)
{
	struct mem_transport *m = (struct mem_transport *)t;

	buf_free(&m->script);
	buf_free(&m->written);
	buf_free(&m->expect);
	free(m->gates);
	free(m);
}

static const struct transport_ops mem_ops = {
	.kind = "memory",
	.read = mem_read,
	.write = mem_write,
	.pending = mem_pending,
	.destroy = mem_destroy,
};

struct transport *mem_transport_new_bytes(const void *script, size_t n, size_t chunk)
{
	struct mem_transport *m = xcalloc(1, sizeof *m);

	transport_init(&m->base, &mem_ops, "memory", NULL);
	buf_init(&m->script, 0);
	buf_init(&m->written, 0);
	buf_init(&m->expect, 0);
	buf_append(&m->script, script, n);
	m->chunk = chunk;
	return &m->base;
}

struct transport *mem_transport_new(const char *server_script, size_t chunk)
{
	return mem_transport_new_bytes(server_script,
				       server_script ? strlen(server_script) : 0, chunk);
}

static struct mem_transport *mem_of(struct transport *t)
{
	struct transport *found = transport_find(t, &mem_ops);

	if (found == NULL)
		fatal("not a memory transport: %s", t ? t->ops->kind : "NULL");
	return (struct mem_transport *)found;
}

void mem_transport_feed_bytes(struct transport *t, const void *p, size_t n)
{
	buf_append(&mem_of(t)->script, p, n);
}

void mem_transport_feed(struct transport *t, const char *server_bytes)
{
	mem_transport_feed_bytes(t, server_bytes, strlen(server_bytes));
}

const char *mem_transport_written(struct transport *t, size_t *len)
{
	struct mem_transport *m = mem_of(t);

	if (len != NULL)
		*len = m->written.len;
	return buf_cstr(&m->written);
}

void mem_transport_clear_written(struct transport *t)
{
	buf_reset(&mem_of(t)->written);
}

size_t mem_transport_unread(struct transport *t)
{
	struct mem_transport *m = mem_of(t);

	return m->script.len - m->pos;
}

void mem_transport_expect_bytes(struct transport *t, const void *p, size_t n)
{
	struct mem_transport *m = mem_of(t);

	m->strict = true;
	buf_append(&m->expect, p, n);
	m->gates = xreallocarray(m->gates, m->ngates + 1, sizeof *m->gates);
	m->gates[m->ngates].at = m->script.len;
	m->gates[m->ngates].want = m->expect.len;
	m->ngates++;
}

void mem_transport_expect(struct transport *t, const char *client_bytes)
{
	mem_transport_expect_bytes(t, client_bytes, strlen(client_bytes));
}

size_t mem_transport_expect_missing(struct transport *t)
{
	struct mem_transport *m = mem_of(t);

	return m->expect.len - m->matched;
}

/* ---- The failure-injection wrapper ---- */

struct fail_transport {
	struct transport base;
	struct fail_params p;
	uint64_t nread, nwritten;
	bool read_delayed, write_delayed;
};

/* Waits as FAIL_DELAY says; returns -1 (with the stall error) when the
 * delay outlasts the caller's timeout. */
static int fail_delay(struct fail_transport *f, bool *done, int timeout_ms,
		      bool reading, struct error **err)
{
	if (*done)
		return 0;
	*done = true;
	if (timeout_ms >= 0 && f->p.delay_ms > timeout_ms) {
		sleep_ms(timeout_ms);
		if (reading)
			return transport_read_timeout(err, f->base.peer, timeout_ms);
		return transport_write_timeout(err, f->base.peer, timeout_ms);
	}
	sleep_ms(f->p.delay_ms);
	return 0;
}

static ssize_t fail_read(struct transport *t, void *p, size_t n, int timeout_ms,
			 struct error **err)
{
	struct fail_transport *f = (struct fail_transport *)t;
	ssize_t got;

	if (f->p.read_mode != FAIL_NONE) {
		if (f->nread >= f->p.read_at) {
			switch (f->p.read_mode) {
			case FAIL_CUT:
				return 0;
			case FAIL_ERROR:
				return error_set(err, ERR_TEMP,
						 "%s: injected read failure at byte %llu",
						 t->peer, (unsigned long long)f->p.read_at);
			case FAIL_STALL:
				return transport_read_timeout(err, t->peer, timeout_ms);
			case FAIL_DELAY:
				if (fail_delay(f, &f->read_delayed, timeout_ms, true, err) < 0)
					return -1;
				break;
			case FAIL_NONE:
				break;
			}
		} else if (n > f->p.read_at - f->nread) {
			n = (size_t)(f->p.read_at - f->nread);
		}
	}
	got = transport_read(t->lower, p, n, timeout_ms, err);
	if (got > 0)
		f->nread += (uint64_t)got;
	return got;
}

static int fail_write(struct transport *t, const void *p, size_t n, int timeout_ms,
		      struct error **err)
{
	struct fail_transport *f = (struct fail_transport *)t;
	const char *s = p;

	if (f->p.write_mode != FAIL_NONE && f->nwritten < f->p.write_at &&
	    n > f->p.write_at - f->nwritten) {
		size_t first = (size_t)(f->p.write_at - f->nwritten);

		if (transport_write(t->lower, s, first, timeout_ms, err) < 0)
			return -1;
		f->nwritten += first;
		s += first;
		n -= first;
	}
	if (f->p.write_mode != FAIL_NONE && f->nwritten >= f->p.write_at) {
		switch (f->p.write_mode) {
		case FAIL_CUT:
			return error_set(err, ERR_TEMP,
					 _("%s: the connection was reset while sending"),
					 t->peer);
		case FAIL_ERROR:
			return error_set(err, ERR_TEMP,
					 "%s: injected write failure at byte %llu",
					 t->peer, (unsigned long long)f->p.write_at);
		case FAIL_STALL:
			return transport_write_timeout(err, t->peer, timeout_ms);
		case FAIL_DELAY:
			if (fail_delay(f, &f->write_delayed, timeout_ms, false, err) < 0)
				return -1;
			break;
		case FAIL_NONE:
			break;
		}
	}
	if (transport_write(t->lower, s, n, timeout_ms, err) < 0)
		return -1;
	f->nwritten += n;
	return 0;
}

static bool fail_pending(struct transport *t)
{
	struct fail_transport *f = (struct fail_transport *)t;

	if (f->p.read_mode != FAIL_NONE && f->p.read_mode != FAIL_DELAY &&
	    f->nread >= f->p.read_at)
		return false;
	return transport_pending(t->lower);
}

static void fail_destroy(struct transport *t)
{
	transport_free(&t->lower);
	free(t);
}

static const struct transport_ops fail_ops = {
	.kind = "failure",
	.read = fail_read,
	.write = fail_write,
	.pending = fail_pending,
	.destroy = fail_destroy,
};

struct transport *fail_transport_new(struct transport *lower,
				     const struct fail_params *p)
{
	struct fail_transport *f = xcalloc(1, sizeof *f);

	transport_init(&f->base, &fail_ops, lower->peer, lower);
	f->p = *p;
	return &f->base;
}
